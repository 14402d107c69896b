/**
 * Port of FreeRTOS/Demo/Common/Minimal/GenQTest.c (repo FreeRTOS/FreeRTOS, main @ 592732b),
 * built as with INCLUDE_xTaskAbortDelay == 1 and INCLUDE_eTaskGetState == 1.
 *
 * Tasks (priorities as in the file; uxPriority = tskIDLE_PRIORITY as mainGEN_QUEUE_TASK_PRIORITY):
 *   "GenQ"    (0) prvSendFrontAndBackTest: queue length 5, itemSize 4 (uint32_t as 4-byte
 *             little-endian Uint8Arrays); send-to-front/back orders, peek, full-queue results.
 *   "MuLow"   (0) prvLowPriorityMutexTask: prvTakeTwoMutexesReturnInDifferentOrder,
 *             prvTakeTwoMutexesReturnInSameOrder, prvHighPriorityTimeout.
 *   "MuMed"   (2) prvMediumPriorityMutexTask: suspend, then ulGuardedVariable++.
 *   "MuHigh"  (3) and "MuHigh2" (2) prvHighPriorityMutexTask: suspend, take the mutex with
 *             portMAX_DELAY (abort expected when xBlockWasAborted), give it back.
 *
 * Check mapping: every `xErrorDetected = pdTRUE` site and every configASSERT in the task code is a
 * `fail(...)` with the C condition; the failures list is asserted empty after every run. Notably:
 *   GenQ: messages waiting 1/0/3/5/2/5/0 at each step; received == ulLoopCounter (front and back);
 *         errQUEUE_FULL for front and back sends on a full queue; peek then receive yields
 *         0,1,2,3,4 and then 7,8,9,10,11; every send/peek/receive result.
 *   Mutex: priority 0 before inheritance; MuHigh eBlocked after its resume (configASSERT);
 *         inherited priority 3 (also after vTaskPrioritySet(NULL, 1) while inherited: stays 3);
 *         MuMed must not run (ulGuardedVariable 0) while priority is inherited, even after one of
 *         two held mutexes is given; after the last give: ulGuardedVariable 1 and priority back
 *         to 1 (different order, base changed) / 0 (same order); every take/give result.
 *   Timeout (xTaskAbortDelay): mutex holder NULL / self, and self / NULL around the give; inherit 3, stays 3 after MuHigh2 resumed; abort MuHigh -> priority
 *         drops to 2 (MuHigh2 still waits); abort MuHigh2 -> back to 0; reverse order: inherit 2,
 *         then 3, abort -> 2, abort -> 0; xTaskAbortDelay results pdPASS; aborted takes must fail
 *         only when xBlockWasAborted is set.
 *   xAreGenericQueueTasksStillRunning(): ulLoopCounter and ulLoopCounter2 changed since the last
 *         call => asserted after each of CHECK_ROUNDS `await rtos.run(CHECK_PERIOD)`.
 * Added: result checks on calls whose results the C code ignores (GenQ sends, the gives in the
 * timeout test), and at the end that prvHighPriorityTimeout ran >= 8 times (every
 * vTaskDelay(uxLoopCount & 7) variant was exercised).
 *
 * Adaptation: "GenQ" never blocks in C (it relies on tick time slicing); here its loop starts with
 * `await rtos.busy(CPU_PER_LOOP)`. configUSE_PREEMPTION == 0 taskYIELD branches are not used.
 * Left out: vQueueAddToRegistry and USE_STDIO printing (no behaviour). Nothing in GenQTest.c needs
 * interrupts or timers. The C file calls xSemaphoreGetMutexHolderFromISR() from task context (for
 * coverage); the facade has no such function, so those two holder checks use
 * xSemaphoreGetMutexHolder().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS, pdPASS, pdTRUE, pdFALSE, errQUEUE_FULL, portMAX_DELAY, tskIDLE_PRIORITY, eBlocked,
} from "../../src/freertos/index.js";
import type { QueueHandle, SemaphoreHandle, TaskHandle, Ref } from "../../src/freertos/index.js";

const genqQUEUE_LENGTH = 5;
const ITEM_SIZE = 4; // sizeof(uint32_t)
const intsemNO_BLOCK = 0;
const genqMUTEX_LOW_PRIORITY = tskIDLE_PRIORITY;
const genqMUTEX_TEST_PRIORITY = tskIDLE_PRIORITY + 1;
const genqMUTEX_MEDIUM_PRIORITY = tskIDLE_PRIORITY + 2;
const genqMUTEX_HIGH_PRIORITY = tskIDLE_PRIORITY + 3;
const GENQ_PRIORITY = tskIDLE_PRIORITY;
const CPU_PER_LOOP = 0.1;
const CHECK_PERIOD = 300;
const CHECK_ROUNDS = 6;

function u32(value: number): Uint8Array {
  const b = new Uint8Array(ITEM_SIZE);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return b;
}
function writeU32(buf: Uint8Array, value: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(0, value >>> 0, true);
}
function readU32(buf: Uint8Array): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0, true);
}

test("GenQTest: send-to-front/back ordering and mutex priority inheritance", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configUSE_MUTEXES: 1,
    configMINIMAL_STACK_SIZE: 128,
  });
  const genqSHORT_BLOCK = rtos.pdMS_TO_TICKS(2);

  let ulLoopCounter = 0;
  let ulLoopCounter2 = 0;
  let ulGuardedVariable = 0;
  let xBlockWasAborted = pdFALSE;
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push(`tick ${rtos.xTaskGetTickCount()} ${rtos.pcTaskGetName(null)}: ${what}`);
  };
  const expectEq = (what: string, actual: unknown, expected: unknown): void => {
    if (actual !== expected) fail(`${what}: got ${String(actual)}, expected ${String(expected)}`);
  };

  const xHighPriorityMutexTask: Ref<TaskHandle | null> = { value: null };
  const xMediumPriorityMutexTask: Ref<TaskHandle | null> = { value: null };
  const xSecondMediumPriorityMutexTask: Ref<TaskHandle | null> = { value: null };
  const high = (): TaskHandle => xHighPriorityMutexTask.value!;
  const med = (): TaskHandle => xMediumPriorityMutexTask.value!;
  const med2 = (): TaskHandle => xSecondMediumPriorityMutexTask.value!;

  // ---------------------------------------------------------------- prvSendFrontAndBackTest
  const prvSendFrontAndBackTest = async (pv: unknown): Promise<void> => {
    const xQueue = (pv as { q: QueueHandle }).q;
    const rx: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    const tx = new Uint8Array(ITEM_SIZE);
    const send = async (front: boolean, value: number): Promise<number> => {
      writeU32(tx, value);
      const r = front
        ? await rtos.xQueueSendToFront(xQueue, tx, intsemNO_BLOCK)
        : await rtos.xQueueSendToBack(xQueue, tx, intsemNO_BLOCK);
      writeU32(tx, 0xdeadbeef); // clobber: the queue must hold a copy
      return r;
    };
    const waiting = (): number => rtos.uxQueueMessagesWaiting(xQueue);

    for (;;) {
      await rtos.busy(CPU_PER_LOOP);

      // Empty queue: send to front, receive back.
      expectEq("GenQ: send-to-front of ulLoopCounter", await send(true, ulLoopCounter), pdPASS);
      expectEq("GenQ: waiting after send-to-front", waiting(), 1);
      expectEq("GenQ: receive after send-to-front", await rtos.xQueueReceive(xQueue, rx, intsemNO_BLOCK), pdPASS);
      expectEq("GenQ: data received after send-to-front", readU32(rx.value), ulLoopCounter >>> 0);
      expectEq("GenQ: waiting after receive", waiting(), 0);

      // Same via send to back.
      expectEq("GenQ: send-to-back of ulLoopCounter", await send(false, ulLoopCounter), pdPASS);
      expectEq("GenQ: waiting after send-to-back", waiting(), 1);
      expectEq("GenQ: receive after send-to-back", await rtos.xQueueReceive(xQueue, rx, intsemNO_BLOCK), pdPASS);
      expectEq("GenQ: waiting after 2nd receive", waiting(), 0);
      expectEq("GenQ: data received after send-to-back", readU32(rx.value), ulLoopCounter >>> 0);

      // 2, 3, 4 to the back; then 1, 0 to the front.
      for (let d = 2; d < 5; d++) expectEq(`GenQ: send-to-back ${d}`, await send(false, d), pdPASS);
      expectEq("GenQ: waiting after 2,3,4", waiting(), 3);
      expectEq("GenQ: send-to-front 1", await send(true, 1), pdPASS);
      expectEq("GenQ: send-to-front 0", await send(true, 0), pdPASS);
      expectEq("GenQ: waiting when full", waiting(), 5);
      expectEq("GenQ: send-to-front on full queue", await send(true, 0), errQUEUE_FULL);
      expectEq("GenQ: send-to-back on full queue", await send(false, 0), errQUEUE_FULL);

      // Read out 0..4, peeking each first.
      for (let d = 0; d < genqQUEUE_LENGTH; d++) {
        expectEq(`GenQ: peek #${d}`, await rtos.xQueuePeek(xQueue, rx, intsemNO_BLOCK), pdPASS);
        expectEq(`GenQ: peeked #${d}`, readU32(rx.value), d);
        writeU32(rx.value, ~readU32(rx.value)); // clobber so the receive really writes
        expectEq(`GenQ: receive #${d}`, await rtos.xQueueReceive(xQueue, rx, intsemNO_BLOCK), pdPASS);
        expectEq(`GenQ: received #${d}`, readU32(rx.value), d);
      }
      expectEq("GenQ: waiting after reading 0..4", waiting(), 0);

      // 10, 11 to the back; 9, 8, 7 to the front.
      expectEq("GenQ: xQueueSend 10", await send(false, 10), pdPASS);
      expectEq("GenQ: xQueueSend 11", await send(false, 11), pdPASS);
      expectEq("GenQ: waiting after 10,11", waiting(), 2);
      for (let d = 9; d >= 7; d--) expectEq(`GenQ: send-to-front ${d}`, await send(true, d), pdPASS);
      expectEq("GenQ: waiting when full (7..11)", waiting(), 5);
      expectEq("GenQ: send-to-front on full queue (7..11)", await send(true, 6), errQUEUE_FULL);
      expectEq("GenQ: send-to-back on full queue (7..11)", await send(false, 6), errQUEUE_FULL);

      for (let d = 7; d < 7 + genqQUEUE_LENGTH; d++) {
        expectEq(`GenQ: receive ${d}`, await rtos.xQueueReceive(xQueue, rx, intsemNO_BLOCK), pdPASS);
        expectEq(`GenQ: received (expected ${d})`, readU32(rx.value), d);
      }
      expectEq("GenQ: waiting after reading 7..11", waiting(), 0);

      ulLoopCounter++;
    }
  };

  // ---------------------------------------------------------------- prvHighPriorityTimeout
  let uxLoopCount = 0;
  const prvHighPriorityTimeout = async (xMutex: SemaphoreHandle): Promise<void> => {
    const self = rtos.xTaskGetCurrentTaskHandle();

    expectEq("timeout: holder before take", rtos.xSemaphoreGetMutexHolder(xMutex), null);
    expectEq("timeout: take", await rtos.xSemaphoreTake(xMutex, intsemNO_BLOCK), pdPASS);
    expectEq("timeout: holder after take", rtos.xSemaphoreGetMutexHolder(xMutex), self);
    expectEq("timeout: priority before inheritance", rtos.uxTaskPriorityGet(null), genqMUTEX_LOW_PRIORITY);

    await rtos.vTaskResume(high());
    expectEq("timeout: priority after MuHigh blocked", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    await rtos.vTaskResume(med2());
    expectEq("timeout: priority after MuHigh2 resumed", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    await rtos.vTaskDelay(uxLoopCount & 0x07);

    xBlockWasAborted = pdTRUE;
    expectEq("timeout: xTaskAbortDelay(MuHigh)", await rtos.xTaskAbortDelay(high()), pdPASS);
    while (rtos.uxTaskPriorityGet(null) !== genqMUTEX_MEDIUM_PRIORITY) await rtos.vTaskDelay(genqSHORT_BLOCK);

    xBlockWasAborted = pdTRUE;
    expectEq("timeout: xTaskAbortDelay(MuHigh2)", await rtos.xTaskAbortDelay(med2()), pdPASS);
    while (rtos.uxTaskPriorityGet(null) !== genqMUTEX_LOW_PRIORITY) await rtos.vTaskDelay(genqSHORT_BLOCK);

    expectEq("timeout: holder before give", rtos.xSemaphoreGetMutexHolder(xMutex), self);
    expectEq("timeout: give", await rtos.xSemaphoreGive(xMutex), pdPASS);
    expectEq("timeout: holder after give", rtos.xSemaphoreGetMutexHolder(xMutex), null);
    if (failures.length > 0) fail("configASSERT( xErrorDetected == pdFALSE ) after the first timeout test");

    // Same again, resuming the tasks in the opposite order.
    expectEq("timeout 2: take", await rtos.xSemaphoreTake(xMutex, intsemNO_BLOCK), pdPASS);
    expectEq("timeout 2: priority before inheritance", rtos.uxTaskPriorityGet(null), genqMUTEX_LOW_PRIORITY);

    await rtos.vTaskResume(med2());
    expectEq("timeout 2: priority after MuHigh2 blocked", rtos.uxTaskPriorityGet(null), genqMUTEX_MEDIUM_PRIORITY);

    await rtos.vTaskResume(high());
    expectEq("timeout 2: priority after MuHigh blocked", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    xBlockWasAborted = pdTRUE;
    expectEq("timeout 2: xTaskAbortDelay(MuHigh)", await rtos.xTaskAbortDelay(high()), pdPASS);
    while (rtos.uxTaskPriorityGet(null) !== genqMUTEX_MEDIUM_PRIORITY) await rtos.vTaskDelay(genqSHORT_BLOCK);

    xBlockWasAborted = pdTRUE;
    expectEq("timeout 2: xTaskAbortDelay(MuHigh2)", await rtos.xTaskAbortDelay(med2()), pdPASS);
    while (rtos.uxTaskPriorityGet(null) !== genqMUTEX_LOW_PRIORITY) await rtos.vTaskDelay(genqSHORT_BLOCK);

    expectEq("timeout 2: give", await rtos.xSemaphoreGive(xMutex), pdPASS);
    if (failures.length > 0) fail("configASSERT( xErrorDetected == pdFALSE ) after the second timeout test");

    uxLoopCount++;
  };

  // ---------------------------------------------------------------- two-mutex tests
  const prvTakeTwoMutexesReturnInDifferentOrder = async (xMutex: SemaphoreHandle, xLocalMutex: SemaphoreHandle): Promise<void> => {
    expectEq("diff order: take mutex", await rtos.xSemaphoreTake(xMutex, intsemNO_BLOCK), pdPASS);
    ulGuardedVariable = 0;
    expectEq("diff order: priority before inheritance", rtos.uxTaskPriorityGet(null), genqMUTEX_LOW_PRIORITY);

    await rtos.vTaskResume(high());
    expectEq("diff order: eTaskGetState(MuHigh) (configASSERT)", rtos.eTaskGetState(high()), eBlocked);
    expectEq("diff order: inherited priority", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    await rtos.vTaskPrioritySet(null, genqMUTEX_TEST_PRIORITY);
    expectEq("diff order: priority after vTaskPrioritySet while inherited", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    await rtos.vTaskResume(med());
    expectEq("diff order: ulGuardedVariable after resuming MuMed", ulGuardedVariable, 0);

    expectEq("diff order: take local mutex", await rtos.xSemaphoreTake(xLocalMutex, intsemNO_BLOCK), pdPASS);
    expectEq("diff order: give mutex (local still held)", await rtos.xSemaphoreGive(xMutex), pdPASS);
    expectEq("diff order: ulGuardedVariable while local mutex held", ulGuardedVariable, 0);
    expectEq("diff order: priority while local mutex held", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    expectEq("diff order: give local mutex", await rtos.xSemaphoreGive(xLocalMutex), pdPASS);
    expectEq("diff order: ulGuardedVariable after disinheritance", ulGuardedVariable, 1);
    expectEq("diff order: priority after disinheritance", rtos.uxTaskPriorityGet(null), genqMUTEX_TEST_PRIORITY);

    await rtos.vTaskPrioritySet(null, genqMUTEX_LOW_PRIORITY);
  };

  const prvTakeTwoMutexesReturnInSameOrder = async (xMutex: SemaphoreHandle, xLocalMutex: SemaphoreHandle): Promise<void> => {
    expectEq("same order: take mutex", await rtos.xSemaphoreTake(xMutex, intsemNO_BLOCK), pdPASS);
    ulGuardedVariable = 0;
    expectEq("same order: priority before inheritance", rtos.uxTaskPriorityGet(null), genqMUTEX_LOW_PRIORITY);

    await rtos.vTaskResume(high());
    expectEq("same order: eTaskGetState(MuHigh) (configASSERT)", rtos.eTaskGetState(high()), eBlocked);
    expectEq("same order: inherited priority", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    await rtos.vTaskResume(med());
    expectEq("same order: ulGuardedVariable after resuming MuMed", ulGuardedVariable, 0);

    expectEq("same order: take local mutex", await rtos.xSemaphoreTake(xLocalMutex, intsemNO_BLOCK), pdPASS);
    expectEq("same order: give local mutex (mutex still held)", await rtos.xSemaphoreGive(xLocalMutex), pdPASS);
    expectEq("same order: ulGuardedVariable while mutex held", ulGuardedVariable, 0);
    expectEq("same order: priority while mutex held", rtos.uxTaskPriorityGet(null), genqMUTEX_HIGH_PRIORITY);

    expectEq("same order: give mutex", await rtos.xSemaphoreGive(xMutex), pdPASS);
    expectEq("same order: ulGuardedVariable after disinheritance", ulGuardedVariable, 1);
    expectEq("same order: priority after disinheritance", rtos.uxTaskPriorityGet(null), genqMUTEX_LOW_PRIORITY);
  };

  // ---------------------------------------------------------------- mutex tasks
  const prvLowPriorityMutexTask = async (pv: unknown): Promise<void> => {
    const xMutex = (pv as { m: SemaphoreHandle }).m;
    const xLocalMutex = rtos.xSemaphoreCreateMutex();
    if (!xLocalMutex) throw new Error("MuLow: xSemaphoreCreateMutex returned null"); // configASSERT
    for (;;) {
      await prvTakeTwoMutexesReturnInDifferentOrder(xMutex, xLocalMutex);
      ulLoopCounter2++;
      await prvTakeTwoMutexesReturnInSameOrder(xMutex, xLocalMutex);
      ulLoopCounter2++;
      await prvHighPriorityTimeout(xMutex);
    }
  };

  const prvMediumPriorityMutexTask = async (): Promise<void> => {
    for (;;) {
      await rtos.vTaskSuspend(null);
      ulGuardedVariable++;
    }
  };

  const prvHighPriorityMutexTask = async (pv: unknown): Promise<void> => {
    const xMutex = (pv as { m: SemaphoreHandle }).m;
    for (;;) {
      await rtos.vTaskSuspend(null);
      if ((await rtos.xSemaphoreTake(xMutex, portMAX_DELAY)) !== pdPASS) {
        if (xBlockWasAborted === pdFALSE) fail("xSemaphoreTake(portMAX_DELAY) failed without an abort");
        else xBlockWasAborted = pdFALSE;
      } else {
        expectEq("give after successful take", await rtos.xSemaphoreGive(xMutex), pdPASS);
      }
    }
  };

  // ---------------------------------------------------------------- vStartGenericQueueTasks
  const xQueue = rtos.xQueueCreate(genqQUEUE_LENGTH, ITEM_SIZE);
  assert.ok(xQueue, "xQueueCreate(5, 4)");
  assert.equal(await rtos.xTaskCreate(prvSendFrontAndBackTest, "GenQ", 128, { q: xQueue }, GENQ_PRIORITY), pdPASS);

  const xMutex = rtos.xSemaphoreCreateMutex();
  assert.ok(xMutex, "xSemaphoreCreateMutex()");
  const mp = { m: xMutex };
  assert.equal(await rtos.xTaskCreate(prvLowPriorityMutexTask, "MuLow", 128, mp, genqMUTEX_LOW_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvMediumPriorityMutexTask, "MuMed", 128, null, genqMUTEX_MEDIUM_PRIORITY, xMediumPriorityMutexTask), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvHighPriorityMutexTask, "MuHigh", 128, mp, genqMUTEX_HIGH_PRIORITY, xHighPriorityMutexTask), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvHighPriorityMutexTask, "MuHigh2", 128, mp, genqMUTEX_MEDIUM_PRIORITY, xSecondMediumPriorityMutexTask), pdPASS);
  assert.ok(high() && med() && med2(), "task handles set");

  rtos.vTaskStartScheduler();

  // xAreGenericQueueTasksStillRunning()
  let ulLastLoopCounter = 0;
  let ulLastLoopCounter2 = 0;
  for (let round = 1; round <= CHECK_ROUNDS; round++) {
    await rtos.run(CHECK_PERIOD);
    assert.deepEqual(failures, [], `xErrorDetected latched (round ${round})`);
    assert.notEqual(ulLoopCounter, ulLastLoopCounter, `round ${round}: ulLoopCounter (GenQ) stuck at ${ulLoopCounter}`);
    assert.notEqual(ulLoopCounter2, ulLastLoopCounter2, `round ${round}: ulLoopCounter2 (MuLow) stuck at ${ulLoopCounter2}`);
    ulLastLoopCounter = ulLoopCounter;
    ulLastLoopCounter2 = ulLoopCounter2;
  }
  assert.ok(uxLoopCount >= 8, `prvHighPriorityTimeout ran ${uxLoopCount} times; expected every vTaskDelay(uxLoopCount & 7) variant`);
});
