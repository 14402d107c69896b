/**
 * xEventGroupWaitBits with xClearOnExit when the condition already holds on entry (event_groups.c:
 * prvTestWaitCondition true -> clear uxBitsToWaitFor, no block): the call returns the bits as they
 * were before clearing, and clears only the bits waited for.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdFALSE, pdTRUE, portMAX_DELAY } from "../../src/freertos/index.js";

/** Runs `body` in one task and returns what it recorded. */
async function inTask(body: (rtos: ReturnType<typeof createFreeRTOS>, log: string[]) => Promise<void>): Promise<string[]> {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  let finished = false;
  await rtos.xTaskCreate(async () => {
    await body(rtos, log);
    finished = true;
    await rtos.vTaskDelay(portMAX_DELAY);
  }, "waiter", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.ok(finished, `the waiting task blocked, but every condition held on entry; log so far: ${log.join(" ")}`);
  return log;
}

const hex = (bits: number): string => `0x${bits.toString(16)}`;

for (const ticks of [0, 5, portMAX_DELAY]) {
  test(`xEventGroupWaitBits(all, clear on exit, ${ticks} ticks) with the bits already set: returns them, then clears only the waited bits`, async () => {
    const log = await inTask(async (rtos, out) => {
      const eg = rtos.xEventGroupCreate()!;
      await rtos.xEventGroupSetBits(eg, 0x0f);
      const got = await rtos.xEventGroupWaitBits(eg, 0x05, pdTRUE, pdTRUE, ticks);
      out.push(`returned ${hex(got)}`, `left ${hex(rtos.xEventGroupGetBits(eg))}`, `tick ${rtos.xTaskGetTickCount()}`);
    });
    assert.deepEqual(log, ["returned 0xf", "left 0xa", "tick 0"]);
  });

  test(`xEventGroupWaitBits(any, clear on exit, ${ticks} ticks) with one waited bit set: returns the bits, then clears only the waited bits`, async () => {
    const log = await inTask(async (rtos, out) => {
      const eg = rtos.xEventGroupCreate()!;
      await rtos.xEventGroupSetBits(eg, 0x16);
      // Waits for bit 0 or bit 1: bit 1 is set, bit 0 is not; bits 2 and 4 are not waited for.
      const got = await rtos.xEventGroupWaitBits(eg, 0x03, pdTRUE, pdFALSE, ticks);
      out.push(`returned ${hex(got)}`, `left ${hex(rtos.xEventGroupGetBits(eg))}`, `tick ${rtos.xTaskGetTickCount()}`);
    });
    assert.deepEqual(log, ["returned 0x16", "left 0x14", "tick 0"]);
  });
}

test("xEventGroupWaitBits without clear on exit, bits already set: returns them and leaves them set (all and any)", async () => {
  const log = await inTask(async (rtos, out) => {
    const eg = rtos.xEventGroupCreate()!;
    await rtos.xEventGroupSetBits(eg, 0x0f);
    out.push(hex(await rtos.xEventGroupWaitBits(eg, 0x05, pdFALSE, pdTRUE, portMAX_DELAY)), hex(rtos.xEventGroupGetBits(eg)));
    out.push(hex(await rtos.xEventGroupWaitBits(eg, 0x30, pdFALSE, pdFALSE, 0)), hex(rtos.xEventGroupGetBits(eg)));
    out.push(hex(await rtos.xEventGroupWaitBits(eg, 0x11, pdFALSE, pdFALSE, portMAX_DELAY)), hex(rtos.xEventGroupGetBits(eg)));
  });
  // The middle call's condition does not hold: with no wait it returns the bits and clears nothing.
  assert.deepEqual(log, ["0xf", "0xf", "0xf", "0xf", "0xf", "0xf"]);
});

test("xEventGroupWaitBits(all, clear on exit) with only some waited bits set and no wait: clears nothing", async () => {
  const log = await inTask(async (rtos, out) => {
    const eg = rtos.xEventGroupCreate()!;
    await rtos.xEventGroupSetBits(eg, 0x01);
    out.push(hex(await rtos.xEventGroupWaitBits(eg, 0x03, pdTRUE, pdTRUE, 0)), hex(rtos.xEventGroupGetBits(eg)));
  });
  assert.deepEqual(log, ["0x1", "0x1"]);
});
