/**
 * The bootloader hooks of the board (@internal, for tinyrtos/ota): `setFirmware` replaces the
 * firmware of later boots; `chainLoad(fw)` from a task restarts the board (RAM cleared, a fresh
 * kernel, flash kept) into `fw` for that one boot with the reset reason kept; the next reset or
 * power-on runs the board's firmware again; from host code it is a HalError.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError } from "./helpers.js";

test("chainLoad: a task jumps to another firmware for one boot, reset reason kept, RAM and kernel fresh; the next reset runs the board's firmware", async () => {
  const log: string[] = [];
  const b = createBoard("nrf52840", { config: { configTICK_RATE_HZ: 1000 }, firmware: () => void log.push("original") });
  const kernels = new Set<unknown>();
  b.setFirmware(async (bb) => {
    log.push(`loader ${bb.resetReason}`);
    kernels.add(bb.rtos.kernel);
    bb.ram.view(0x2000_0100, 1)[0] = 7;
    await bb.rtos.xTaskCreate(async () => {
      await bb.rtos.vTaskDelay(5);
      bb.chainLoad(async (app) => {
        kernels.add(app.rtos.kernel);
        log.push(`app ${app.resetReason} ram ${app.ram.view(0x2000_0100, 1)[0]} at ${app.now()}`);
      });
      bb.chainLoad(() => void log.push("second jump ignored"));
    }, "boot", 256, null, 1);
  });
  await b.run(20);
  assert.deepEqual(log, ["loader power-on", "app power-on ram 0 at 5"]);
  assert.equal(kernels.size, 2, "the application runs on a fresh kernel");
  b.reset("watchdog");
  await b.run(20);
  assert.deepEqual(log.slice(2), ["loader watchdog", "app watchdog ram 0 at 25"]);
  assert.throws(() => b.chainLoad(() => {}), (e: unknown) => e instanceof HalError && /only this board's firmware/.test(e.message));
  assert.throws(() => b.setFirmware(null as never), HalError);
});
