/**
 * Signals (board.signal): a UART frame's bit edges at their bit times (start low, data LSB first,
 * stop high), a window cutting a frame, pins by name and alias, unknown names refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError } from "./helpers.js";
import { uartFrameEdges } from "../../src/hal/signal.js";

test("an 8N1 frame of 0x55 alternates every bit: start low, LSB first, stop high", () => {
  const edges: { tick: number; level: boolean }[] = [];
  const last = uartFrameEdges(edges, 0x55, 10, 1, true);
  assert.equal(last, true);
  // 0x55 = 01010101: bits LSB first 1,0,1,0,1,0,1,0 after a low start bit, then the high stop bit.
  assert.deepEqual(edges.map((e) => [Math.round(e.tick * 10) / 10, e.level]), [
    [9, false], [9.1, true], [9.2, false], [9.3, true], [9.4, false], [9.5, true], [9.6, false], [9.7, true], [9.8, false], [9.9, true],
  ]);
  const few: { tick: number; level: boolean }[] = [];
  uartFrameEdges(few, 0xff, 10, 1, true);
  assert.deepEqual(few.map((e) => [Math.round(e.tick * 10) / 10, e.level]), [[9, false], [9.1, true]]);
});

test("board.signal: uart0.tx from what the device sent, pins by alias, a window inside a frame", async () => {
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const u = bb.uart(0);
      u.configure({ baudRate: 115200 });
      bb.pin("LED").configure({ mode: "output" });
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(1); // the frame starts after tick 0, inside the window (0, 5]
        await u.write(Uint8Array.of(0x0f));
        bb.pin("LED").high();
      }, "t", 256, null, 2);
    },
  });
  await b.run(5);
  const tx = b.signal("uart0.tx").trace(0, 5);
  assert.equal(tx.initial, true);
  const T = (10 / 115200) * 1000;
  const end = b.world.uart(0).txLog[0]!.tick;
  // 0x0F: start low, four 1 bits, four 0 bits, stop high.
  assert.deepEqual(tx.edges.map((e) => e.level), [false, true, false, true]);
  assert.ok(Math.abs(tx.edges[0]!.tick - (end - T)) < 1e-9 && Math.abs(tx.edges[3]!.tick - (end - T / 10)) < 1e-9);
  const mid = b.signal("uart0.tx").trace(end - T / 2, 5); // inside the four 0 bits
  assert.equal(mid.initial, false);
  assert.deepEqual(mid.edges.map((e) => e.level), [true]);
  const led = b.signal("LED").trace(0, 5);
  assert.equal(led.initial, false);
  assert.deepEqual(led.edges.map((e) => e.level), [true]);
  assert.throws(() => b.signal("uart0.cts"), (e: unknown) => e instanceof HalError && /tx and rx/.test(e.message));
  assert.throws(() => b.signal("can0.tx"), (e: unknown) => e instanceof HalError && /no such signal/.test(e.message));
  assert.throws(() => b.signal("PZ9"), (e: unknown) => e instanceof HalError && /no such pin/.test(e.message));
});
