/*
 * Port of FreeRTOS/Demo/Common/Minimal/blocktim.c (FreeRTOS/FreeRTOS, main branch) to tinyrtos.
 *
 * Nothing of the original is left out: it uses only tasks, delays and one queue.
 *
 * Structure kept: the queue "Block_Time_Queue" (5 items of sizeof(BaseType_t) = 4 bytes), the
 * primary task "BTest1" at configMAX_PRIORITIES - 3 and the secondary task "BTest2" at
 * configMAX_PRIORITIES - 4, tests 0..4 in the same order, and xAreBlockTimeTestTasksStillRunning()
 * called repeatedly by the test body (as the demo's check task does).
 *
 * Check mapping: every place where the original sets `xErrorOccurred = __LINE__` calls
 * `flag("<what failed>")`, which records the failure; after every `rtos.run()` the check asserts
 * that nothing was recorded (C: xErrorOccurred != pdFALSE -> pdFAIL) and that xPrimaryCycles and
 * xSecondaryCycles both advanced since the previous check (C: cycle count unchanged -> pdFAIL).
 *  - Test 0 (prvBasicDelayTests): vTaskDelay(175) returns within 175 + 7 ticks; the
 *    vTaskDelayUntil loop's (now - expected) <= 175 + 7; the five xTaskDelayUntil() return
 *    values pdTRUE, pdTRUE, pdFALSE, pdTRUE, pdFALSE.
 *  - Test 1/2: queue receive on the empty queue / send to the full queue return
 *    errQUEUE_EMPTY / errQUEUE_FULL and block for [T, T + 15] ticks, T = 10 << item; the five
 *    sends that fill the queue pass.
 *  - Test 3/4: the secondary blocks (send to a full queue / receive from an empty queue) for 175
 *    ticks; woken by the primary's receive/send and raised above the primary, it must re-block
 *    without leaving the queue call (xRunIndicator unchanged) and finally time out after
 *    [175, 175 + 15] ticks with errQUEUE_FULL / errQUEUE_EMPTY; every non-blocking send/receive
 *    of the primary passes.
 * Tick arithmetic is done modulo 2^32 like TickType_t (so a "negative" delta is a huge number,
 * exactly as in C).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  pdTRUE,
  pdFALSE,
  pdPASS,
  errQUEUE_EMPTY,
  errQUEUE_FULL,
} from "../../src/freertos/index.js";
import type { TaskHandle } from "../../src/freertos/index.js";

const configMAX_PRIORITIES = 8;
const configTIMER_TASK_PRIORITY = configMAX_PRIORITIES - 1;

const bktPRIMARY_PRIORITY = configMAX_PRIORITIES - 3;
const bktSECONDARY_PRIORITY = configMAX_PRIORITIES - 4;
const bktQUEUE_LENGTH = 5;
const bktPRIMARY_BLOCK_TIME = 10;
const bktALLOWABLE_MARGIN = 15;
const bktTIME_TO_BLOCK = 175;
const bktDONT_BLOCK = 0;
const bktRUN_INDICATOR = 0x55;

/** TickType_t subtraction (32-bit unsigned wrap, as in C). */
const tickDiff = (later: number, earlier: number): number => (later - earlier) >>> 0;

/** A BaseType_t queue item. */
function item(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

test("blocktim.c: block time tests (BTest1/BTest2) keep running without error", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configTIMER_TASK_PRIORITY,
    configUSE_PREEMPTION: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE: 128,
  });
  const bktSHORT_WAIT = rtos.pdMS_TO_TICKS(20);

  // File-scope state of blocktim.c.
  let xPrimaryCycles = 0;
  let xSecondaryCycles = 0;
  const errors: string[] = []; // xErrorOccurred
  let xRunIndicator = 0;
  const flag = (what: string): void => {
    errors.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  const xTestQueue = rtos.xQueueCreate(bktQUEUE_LENGTH, 4);
  assert.ok(xTestQueue, "xQueueCreate returned NULL");
  rtos.vQueueAddToRegistry(xTestQueue, "Block_Time_Queue");
  const xSecondary: { value: TaskHandle | null } = { value: null };

  async function prvBasicDelayTests(): Promise<void> {
    const xPeriod = 75;
    const xCycles = 5;
    const xAllowableMargin = bktALLOWABLE_MARGIN >> 1;
    const xHalfPeriod = Math.floor(xPeriod / 2);

    // Temporarily increase priority so the timing is more accurate.
    await rtos.vTaskPrioritySet(null, configTIMER_TASK_PRIORITY - 1);

    // Crude check that vTaskDelay() blocks for the expected period.
    const xPreTime = rtos.xTaskGetTickCount();
    await rtos.vTaskDelay(bktTIME_TO_BLOCK);
    let xPostTime = rtos.xTaskGetTickCount();
    if (tickDiff(xPostTime, xPreTime) > bktTIME_TO_BLOCK + xAllowableMargin) {
      flag(`vTaskDelay(${bktTIME_TO_BLOCK}) blocked ${tickDiff(xPostTime, xPreTime)} ticks`);
    }

    // Crude tests of the vTaskDelayUntil() functionality.
    xPostTime = rtos.xTaskGetTickCount();
    const xLastUnblockTime = { value: xPostTime };
    for (let x = 0; x < xCycles; x++) {
      const xExpectedUnblockTime = (xPostTime + x * xPeriod) >>> 0;
      await rtos.vTaskDelayUntil(xLastUnblockTime, xPeriod);
      const late = tickDiff(rtos.xTaskGetTickCount(), xExpectedUnblockTime);
      if (late > bktTIME_TO_BLOCK + xAllowableMargin) {
        flag(`vTaskDelayUntil cycle ${x}: now - expected = ${late}`);
      }
      xPrimaryCycles++;
    }

    // Return value of xTaskDelayUntil(): a standard block returns pdTRUE.
    let xDidBlock = await rtos.xTaskDelayUntil(xLastUnblockTime, xPeriod);
    if (xDidBlock !== pdTRUE) flag(`xTaskDelayUntil (standard block) returned ${xDidBlock}, expected pdTRUE`);

    // Delay half a period: the next call still blocks, for less than a period.
    await rtos.vTaskDelay(xHalfPeriod);
    xDidBlock = await rtos.xTaskDelayUntil(xLastUnblockTime, xPeriod);
    if (xDidBlock !== pdTRUE) flag(`xTaskDelayUntil (after half a period) returned ${xDidBlock}, expected pdTRUE`);

    // Delay a whole period first: the wake time is not in the future, so no block.
    await rtos.vTaskDelay(xPeriod);
    xDidBlock = await rtos.xTaskDelayUntil(xLastUnblockTime, xPeriod);
    if (xDidBlock !== pdFALSE) flag(`xTaskDelayUntil (after a whole period) returned ${xDidBlock}, expected pdFALSE`);

    // Catch up.
    xDidBlock = await rtos.xTaskDelayUntil(xLastUnblockTime, xPeriod);
    if (xDidBlock !== pdTRUE) flag(`xTaskDelayUntil (catch up) returned ${xDidBlock}, expected pdTRUE`);

    // Block for slightly longer than a period, so the wake time is in the past.
    await rtos.vTaskDelay(xPeriod + xAllowableMargin);
    xDidBlock = await rtos.xTaskDelayUntil(xLastUnblockTime, xPeriod);
    if (xDidBlock !== pdFALSE) flag(`xTaskDelayUntil (after period + margin) returned ${xDidBlock}, expected pdFALSE`);

    // Back to the original priority for the other tests.
    await rtos.vTaskPrioritySet(null, bktPRIMARY_PRIORITY);
  }

  async function vPrimaryBlockTimeTestTask(): Promise<void> {
    const xData = { value: new Uint8Array(4) };
    for (;;) {
      // ---- Test 0: basic vTaskDelay() / vTaskDelayUntil() tests.
      await prvBasicDelayTests();

      // ---- Test 1: block time wake-up on queue receives (queue empty).
      for (let xItem = 0; xItem < bktQUEUE_LENGTH; xItem++) {
        const xTimeToBlock = bktPRIMARY_BLOCK_TIME << xItem;
        const xTimeWhenBlocking = rtos.xTaskGetTickCount();
        const r = await rtos.xQueueReceive(xTestQueue!, xData, xTimeToBlock);
        if (r !== errQUEUE_EMPTY) flag(`test 1: xQueueReceive on empty queue returned ${r}`);
        const xBlockedTime = tickDiff(rtos.xTaskGetTickCount(), xTimeWhenBlocking);
        if (xBlockedTime < xTimeToBlock) flag(`test 1: receive blocked ${xBlockedTime} < ${xTimeToBlock}`);
        if (xBlockedTime > xTimeToBlock + bktALLOWABLE_MARGIN) {
          flag(`test 1: receive blocked ${xBlockedTime} > ${xTimeToBlock} + ${bktALLOWABLE_MARGIN}`);
        }
      }

      // ---- Test 2: block time wake-up on queue sends. First fill the queue.
      for (let xItem = 0; xItem < bktQUEUE_LENGTH; xItem++) {
        const r = await rtos.xQueueSend(xTestQueue!, item(xItem), bktDONT_BLOCK);
        if (r !== pdPASS) flag(`test 2: filling send ${xItem} returned ${r}`);
      }
      for (let xItem = 0; xItem < bktQUEUE_LENGTH; xItem++) {
        const xTimeToBlock = bktPRIMARY_BLOCK_TIME << xItem;
        const xTimeWhenBlocking = rtos.xTaskGetTickCount();
        const r = await rtos.xQueueSend(xTestQueue!, item(xItem), xTimeToBlock);
        if (r !== errQUEUE_FULL) flag(`test 2: xQueueSend to full queue returned ${r}`);
        const xBlockedTime = tickDiff(rtos.xTaskGetTickCount(), xTimeWhenBlocking);
        if (xBlockedTime < xTimeToBlock) flag(`test 2: send blocked ${xBlockedTime} < ${xTimeToBlock}`);
        if (xBlockedTime > xTimeToBlock + bktALLOWABLE_MARGIN) {
          flag(`test 2: send blocked ${xBlockedTime} > ${xTimeToBlock} + ${bktALLOWABLE_MARGIN}`);
        }
      }

      // ---- Test 3: the secondary blocks sending to the full queue; woken but finding the queue
      // full again, it must go back to block for the remainder of its block time.
      xRunIndicator = 0;
      await rtos.vTaskResume(xSecondary.value!);
      while (xRunIndicator !== bktRUN_INDICATOR) await rtos.vTaskDelay(bktSHORT_WAIT);
      await rtos.vTaskDelay(bktSHORT_WAIT); // make sure the other task is blocked on the queue
      xRunIndicator = 0;

      for (let xItem = 0; xItem < bktQUEUE_LENGTH; xItem++) {
        // Make space: the secondary wakes but does not run (lower priority).
        let r = await rtos.xQueueReceive(xTestQueue!, xData, bktDONT_BLOCK);
        if (r !== pdPASS) flag(`test 3: xQueueReceive ${xItem} returned ${r}`);
        // Fill the queue again before the secondary runs.
        r = await rtos.xQueueSend(xTestQueue!, item(xItem), bktDONT_BLOCK);
        if (r !== pdPASS) flag(`test 3: xQueueSend ${xItem} returned ${r}`);
        if (xRunIndicator === bktRUN_INDICATOR) flag(`test 3: secondary ran before its priority was raised (${xItem})`);
        // Raise the secondary so it runs and re-blocks inside xQueueSend.
        await rtos.vTaskPrioritySet(xSecondary.value, bktPRIMARY_PRIORITY + 2);
        if (xRunIndicator === bktRUN_INDICATOR) flag(`test 3: secondary left xQueueSend early (${xItem})`);
        await rtos.vTaskPrioritySet(xSecondary.value, bktSECONDARY_PRIORITY);
      }

      // Let the secondary time out; it checks its block time, then suspends itself.
      while (xRunIndicator !== bktRUN_INDICATOR) await rtos.vTaskDelay(bktSHORT_WAIT);
      await rtos.vTaskDelay(bktSHORT_WAIT);
      xRunIndicator = 0;

      // ---- Test 4: as test 3 with send and receive swapped. Empty the (full) queue.
      for (let xItem = 0; xItem < bktQUEUE_LENGTH; xItem++) {
        const r = await rtos.xQueueReceive(xTestQueue!, xData, bktDONT_BLOCK);
        if (r !== pdPASS) flag(`test 4: emptying receive ${xItem} returned ${r}`);
      }
      await rtos.vTaskResume(xSecondary.value!);
      while (xRunIndicator !== bktRUN_INDICATOR) await rtos.vTaskDelay(bktSHORT_WAIT);
      await rtos.vTaskDelay(bktSHORT_WAIT);
      xRunIndicator = 0;

      for (let xItem = 0; xItem < bktQUEUE_LENGTH; xItem++) {
        let r = await rtos.xQueueSend(xTestQueue!, item(xItem), bktDONT_BLOCK);
        if (r !== pdPASS) flag(`test 4: xQueueSend ${xItem} returned ${r}`);
        r = await rtos.xQueueReceive(xTestQueue!, xData, bktDONT_BLOCK);
        if (r !== pdPASS) flag(`test 4: xQueueReceive ${xItem} returned ${r}`);
        if (xRunIndicator === bktRUN_INDICATOR) flag(`test 4: secondary ran before its priority was raised (${xItem})`);
        await rtos.vTaskPrioritySet(xSecondary.value, bktPRIMARY_PRIORITY + 2);
        if (xRunIndicator === bktRUN_INDICATOR) flag(`test 4: secondary left xQueueReceive early (${xItem})`);
        await rtos.vTaskPrioritySet(xSecondary.value, bktSECONDARY_PRIORITY);
      }

      while (xRunIndicator !== bktRUN_INDICATOR) await rtos.vTaskDelay(bktSHORT_WAIT);
      await rtos.vTaskDelay(bktSHORT_WAIT);

      xPrimaryCycles++;
    }
  }

  async function vSecondaryBlockTimeTestTask(): Promise<void> {
    const xData = { value: new Uint8Array(4) };
    for (;;) {
      // Tests 0, 1 and 2: not involved.
      await rtos.vTaskSuspend(null);

      // ---- Test 3: send to the full queue, expect a timeout after bktTIME_TO_BLOCK.
      let xTimeWhenBlocking = rtos.xTaskGetTickCount();
      xRunIndicator = bktRUN_INDICATOR;
      let r = await rtos.xQueueSend(xTestQueue!, item(0), bktTIME_TO_BLOCK);
      if (r !== errQUEUE_FULL) flag(`secondary test 3: xQueueSend returned ${r}`);
      let xBlockedTime = tickDiff(rtos.xTaskGetTickCount(), xTimeWhenBlocking);
      if (xBlockedTime < bktTIME_TO_BLOCK) flag(`secondary test 3: blocked ${xBlockedTime} < ${bktTIME_TO_BLOCK}`);
      if (xBlockedTime > bktTIME_TO_BLOCK + bktALLOWABLE_MARGIN) {
        flag(`secondary test 3: blocked ${xBlockedTime} > ${bktTIME_TO_BLOCK} + ${bktALLOWABLE_MARGIN}`);
      }
      xRunIndicator = bktRUN_INDICATOR;
      await rtos.vTaskSuspend(null);

      // ---- Test 4: receive from the empty queue, expect a timeout after bktTIME_TO_BLOCK.
      xTimeWhenBlocking = rtos.xTaskGetTickCount();
      xRunIndicator = bktRUN_INDICATOR;
      r = await rtos.xQueueReceive(xTestQueue!, xData, bktTIME_TO_BLOCK);
      if (r !== errQUEUE_EMPTY) flag(`secondary test 4: xQueueReceive returned ${r}`);
      xBlockedTime = tickDiff(rtos.xTaskGetTickCount(), xTimeWhenBlocking);
      if (xBlockedTime < bktTIME_TO_BLOCK) flag(`secondary test 4: blocked ${xBlockedTime} < ${bktTIME_TO_BLOCK}`);
      if (xBlockedTime > bktTIME_TO_BLOCK + bktALLOWABLE_MARGIN) {
        flag(`secondary test 4: blocked ${xBlockedTime} > ${bktTIME_TO_BLOCK} + ${bktALLOWABLE_MARGIN}`);
      }
      xRunIndicator = bktRUN_INDICATOR;

      xSecondaryCycles++;
    }
  }

  // vCreateBlockTimeTasks()
  assert.equal(
    await rtos.xTaskCreate(vPrimaryBlockTimeTestTask, "BTest1", 128, null, bktPRIMARY_PRIORITY),
    pdPASS,
  );
  assert.equal(
    await rtos.xTaskCreate(vSecondaryBlockTimeTestTask, "BTest2", 128, null, bktSECONDARY_PRIORITY, xSecondary),
    pdPASS,
  );
  assert.ok(xSecondary.value, "xTaskCreate did not set the secondary's handle");

  rtos.vTaskStartScheduler();

  // xAreBlockTimeTestTasksStillRunning(), called like the demo's check task does. One full
  // primary cycle (tests 0..4) takes about 1.9 s of ticks, so check every 3000 ticks.
  let xLastPrimaryCycleCount = 0;
  let xLastSecondaryCycleCount = 0;
  const checks = 4;
  for (let i = 1; i <= checks; i++) {
    await rtos.run(3000);
    assert.deepEqual(errors, [], `check ${i}: xErrorOccurred was set`);
    assert.notEqual(xPrimaryCycles, xLastPrimaryCycleCount, `check ${i}: primary task made no cycle`);
    assert.notEqual(xSecondaryCycles, xLastSecondaryCycleCount, `check ${i}: secondary task made no cycle`);
    xLastPrimaryCycleCount = xPrimaryCycles;
    xLastSecondaryCycleCount = xSecondaryCycles;
  }
});
