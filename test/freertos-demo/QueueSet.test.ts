/*
 * Port of FreeRTOS/Demo/Common/Minimal/QueueSet.c (FreeRTOS/FreeRTOS, main branch) to tinyrtos.
 *
 * Structure kept: "SetTx" and "SetRx" at queuesetMEDIUM_PRIORITY; SetTx is suspended before the
 * scheduler starts and resumed by SetRx once prvSetupTest has created the set (length 3 x 3) and
 * its three queues (length 3, uint32_t items) and run the static tests. SetTx sends 0, 1, 2, ...
 * to pseudo-randomly chosen queues (the original's prvRand LCG, 32-bit size_t) with
 * portMAX_DELAY and every queuesetPRIORITY_CHANGE_LOOPS sends cycles the relative priorities
 * (equal -> Tx higher -> Tx lower (+ vTaskDelay(200 ms)) -> equal). SetRx selects from the set
 * with portMAX_DELAY, reads the activated queue with a zero block time and checks the value in a
 * critical section. vQueueSetAccessQueueSetFromISR runs from vApplicationTickHook (ISR context),
 * as the original intends: every queuesetISR_TX_PERIOD + 1 ticks it reads one item with
 * xQueueSelectFromSetFromISR + xQueueReceiveFromISR and sends the next ISR value (0xffff, ...)
 * with xQueueSendFromISR to the queues in turn.
 *
 * Only change: SetTx's loop has `await rtos.busy(queuesetTX_LOOP_CPU_TICKS)` where the original
 * has `#if configUSE_PREEMPTION == 0 taskYIELD()`: task code takes no virtual time, so without it
 * the equal-priority and Tx-lower phases would ping-pong forever at one instant. Half a tick per
 * iteration keeps SetTx active often enough that the tick-hook ISR finds data in the set.
 *
 * Check mapping:
 *  - prvSetupTest and the three overwrite tests (their xQueueSetTasksStatus = pdFAIL sites are
 *    followed by configASSERT(xQueueSetTasksStatus != pdFAIL)): asserts inside SetRx (a throw
 *    rejects rtos.run()): first add passes / second add fails, remove from NULL fails (in its own
 *    test, the second one below, so its outcome does not hide the rest), remove passes, adding a
 *    non-empty queue fails, re-adding passes, select with 200 ticks times out (null); overwrite
 *    tests: uxQueueMessagesWaiting(set), xQueuePeek(set) head, select order,
 *    received (overwritten) values, empty set at the end.
 *  - Run-time xQueueSetTasksStatus = pdFAIL sites (send with portMAX_DELAY failed, select with
 *    portMAX_DELAY returned NULL, zero-time receive failed, value outside the allowed deviation,
 *    FromISR receive failed after the set named a queue) and prvCheckReceivedValueWithinExpectedRange's
 *    configASSERTs: recorded (also from the tick hook) and asserted after every rtos.run().
 *  - xAreQueueSetTasksStillRunning: ulCycleCounter advanced, every ulQueueUsedCounter[x]
 *    advanced, status pdPASS, ulISRTxValue advanced: asserted after each of several run periods.
 * Extra (not in the original): the relative-priority cycle went round, the ISR read from the set,
 * and the xQueueAddToSet calls of the overwrite tests pass.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdFAIL, portMAX_DELAY, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { FreeRTOS, QueueHandle, TaskHandle, Ref } from "../../src/freertos/index.js";

/** The queue-set calls of contract2.md, reached through this view so the file compiles before they land. */
interface QueueSetApi {
  xQueueCreateSet(length: number): QueueHandle | null;
  xQueueAddToSet(member: QueueHandle, set: QueueHandle): number;
  xQueueRemoveFromSet(member: QueueHandle, set: QueueHandle | null): number;
  xQueueSelectFromSet(set: QueueHandle, ticks: number): Promise<QueueHandle | null>;
  xQueueSelectFromSetFromISR(set: QueueHandle): QueueHandle | null;
}
function queueSets(rtos: FreeRTOS): QueueSetApi {
  const api = rtos as unknown as Partial<QueueSetApi>;
  for (const name of ["xQueueCreateSet", "xQueueAddToSet", "xQueueRemoveFromSet", "xQueueSelectFromSet", "xQueueSelectFromSetFromISR"] as const)
    assert.equal(typeof api[name], "function", `facade has no ${name} (contract2.md queue sets)`);
  return rtos as unknown as QueueSetApi;
}

const queuesetNUM_QUEUES_IN_SET = 3;
const queuesetQUEUE_LENGTH = 3;
const queuesetSHORT_DELAY = 200;
const queuesetDONT_BLOCK = 0;
const queuesetINITIAL_ISR_TX_VALUE = 0xffff;
const queuesetLOW_PRIORITY = tskIDLE_PRIORITY;
const queuesetMEDIUM_PRIORITY = queuesetLOW_PRIORITY + 1;
const queuesetPRIORITY_CHANGE_LOOPS = queuesetNUM_QUEUES_IN_SET * queuesetQUEUE_LENGTH * 2;
const queuesetISR_TX_PERIOD = 100;
const queuesetALLOWABLE_RX_DEVIATION = 3;
const queuesetIGNORED_BOUNDARY = queuesetALLOWABLE_RX_DEVIATION * 2;
const ULONG_MAX = 0xffffffff;
/** CPU time of one SetTx loop iteration (see header). */
const queuesetTX_LOOP_CPU_TICKS = 0.5;
/** Ticks between two calls of the check function (the demos' check task period). */
const CHECK_PERIOD_TICKS = 1000;
const CHECKS = 5;

const enum Rel {
  eEqualPriority = 0,
  eTxHigherPriority,
  eTxLowerPriority,
}

const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const getU32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);

test("QueueSet.c: queues in a set written by a task and a tick-hook ISR, read by a task and the ISR", { timeout: 30_000 }, async () => {
  // ---- File-scope variables of the original.
  const xQueues: QueueHandle[] = [];
  const ulQueueUsedCounter = new Array<number>(queuesetNUM_QUEUES_IN_SET).fill(0);
  let xQueueSet: QueueHandle | null = null;
  let ulCycleCounter = 0;
  let xQueueSetTasksStatus = pdPASS;
  let xSetupComplete = false;
  let ulISRTxValue = queuesetINITIAL_ISR_TX_VALUE;
  let uxNextRand = 0;
  const xQueueSetSendingTask: Ref<TaskHandle | null> = { value: null };
  const xQueueSetReceivingTask: Ref<TaskHandle | null> = { value: null };
  // Instrumentation for the extra checks.
  const errors: string[] = [];
  let priorityCycles = 0;
  let isrReads = 0;
  let rtosRef: FreeRTOS | null = null;

  const logError = (what: string): void => {
    xQueueSetTasksStatus = pdFAIL;
    if (errors.length < 20) errors.push(`tick ${rtosRef?.xTaskGetTickCount() ?? -1}: ${what}`);
  };

  // ---- prvRand / prvSRand (size_t is 32 bits on the demo targets).
  const prvRand = (): number => {
    uxNextRand = (Math.imul(uxNextRand, 1103515245) + 12345) >>> 0;
    return Math.floor(uxNextRand / 65536) % 32768;
  };
  const prvSRand = (seed: number): void => {
    uxNextRand = seed >>> 0;
  };

  // ---- prvCheckReceivedValueWithinExpectedRange / prvCheckReceivedValue
  const prvCheckReceivedValueWithinExpectedRange = (ulReceived: number, ulExpectedReceived: number): number => {
    const deviation = ulReceived > ulExpectedReceived ? ulReceived - ulExpectedReceived : ulExpectedReceived - ulReceived;
    if (deviation > queuesetALLOWABLE_RX_DEVIATION) {
      // configASSERT in the original, plus xReturn = pdFALSE.
      logError(`received ${ulReceived}, expected ${ulExpectedReceived} +/- ${queuesetALLOWABLE_RX_DEVIATION}`);
      return pdFAIL;
    }
    return pdPASS;
  };

  let ulExpectedReceivedFromTask = 0;
  let ulExpectedReceivedFromISR = queuesetINITIAL_ISR_TX_VALUE;
  const prvCheckReceivedValue = (ulReceived: number): void => {
    if (ulReceived >= queuesetINITIAL_ISR_TX_VALUE) {
      // Sent from the ISR. Values at the limits of the range are not tested.
      if (ulReceived - queuesetINITIAL_ISR_TX_VALUE < queuesetIGNORED_BOUNDARY) {
        // lower limit: expect one higher next time
      } else if (ULONG_MAX - ulReceived <= queuesetIGNORED_BOUNDARY) {
        // upper limit: expect to wrap soon
      } else if (prvCheckReceivedValueWithinExpectedRange(ulReceived, ulExpectedReceivedFromISR) !== pdPASS) {
        xQueueSetTasksStatus = pdFAIL;
      }
      ulExpectedReceivedFromISR = (ulExpectedReceivedFromISR + 1) >>> 0;
      if (ulExpectedReceivedFromISR === 0) ulExpectedReceivedFromISR = queuesetINITIAL_ISR_TX_VALUE;
    } else {
      // Sent from the Tx task.
      if (ulReceived < queuesetIGNORED_BOUNDARY) {
        // lower limit
      } else if (queuesetINITIAL_ISR_TX_VALUE - 1 - ulReceived <= queuesetIGNORED_BOUNDARY) {
        // upper limit
      } else if (prvCheckReceivedValueWithinExpectedRange(ulReceived, ulExpectedReceivedFromTask) !== pdPASS) {
        xQueueSetTasksStatus = pdFAIL;
      }
      ulExpectedReceivedFromTask++;
      if (ulExpectedReceivedFromTask >= queuesetINITIAL_ISR_TX_VALUE) ulExpectedReceivedFromTask = 0;
    }
  };

  // ---- ISR side (tick hook): prvReceiveFromQueueInSetFromISR, prvSendToQueueInSetFromISR.
  const prvReceiveFromQueueInSetFromISR = (rtos: FreeRTOS, sets: QueueSetApi): void => {
    const xActivatedQueue = sets.xQueueSelectFromSetFromISR(xQueueSet!);
    if (xActivatedQueue !== null) {
      const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
      if (rtos.xQueueReceiveFromISR(xActivatedQueue, rx, null) !== pdPASS) {
        logError("xQueueReceiveFromISR failed on the queue xQueueSelectFromSetFromISR returned");
      }
      isrReads++;
      prvCheckReceivedValue(getU32(rx.value));
    }
  };
  let xQueueToWriteTo = 0;
  const prvSendToQueueInSetFromISR = (rtos: FreeRTOS): void => {
    const ulTxValueSnapshot = ulISRTxValue;
    if (rtos.xQueueSendFromISR(xQueues[xQueueToWriteTo]!, u32(ulTxValueSnapshot), null) === pdPASS) {
      ulISRTxValue = (ulISRTxValue + 1) >>> 0;
      if (ulISRTxValue === 0) ulISRTxValue = queuesetINITIAL_ISR_TX_VALUE;
      xQueueToWriteTo++; // a different queue next time
      if (xQueueToWriteTo >= queuesetNUM_QUEUES_IN_SET) xQueueToWriteTo = 0;
    }
  };
  let ulCallCount = 0;
  const vQueueSetAccessQueueSetFromISR = (): void => {
    const rtos = rtosRef;
    if (rtos === null || !xSetupComplete) return;
    // Called from the tick hook, so each call is one tick apart.
    ulCallCount++;
    if (ulCallCount > queuesetISR_TX_PERIOD) {
      ulCallCount = 0;
      const sets = rtos as unknown as QueueSetApi;
      prvReceiveFromQueueInSetFromISR(rtos, sets); // first read from the set,
      prvSendToQueueInSetFromISR(rtos); // then write to it
    }
  };

  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configTICK_RATE_HZ: 1000,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configMINIMAL_STACK_SIZE: 128,
    vApplicationTickHook: vQueueSetAccessQueueSetFromISR,
  });
  rtosRef = rtos;
  const sets = queueSets(rtos);
  const queuesetTX_LOOP_DELAY = rtos.pdMS_TO_TICKS(200);
  const set = (): QueueHandle => xQueueSet!;

  // ---- prvChangeRelativePriorities
  let ulLoops = 0;
  let ePriorities: Rel = Rel.eEqualPriority;
  const prvChangeRelativePriorities = async (): Promise<void> => {
    ulLoops++;
    if (ulLoops >= queuesetPRIORITY_CHANGE_LOOPS) {
      ulLoops = 0;
      switch (ePriorities) {
        case Rel.eEqualPriority:
          // Lower the Rx task so the Tx task has the higher relative priority.
          await rtos.vTaskPrioritySet(xQueueSetReceivingTask.value, queuesetLOW_PRIORITY);
          ePriorities = Rel.eTxHigherPriority;
          break;
        case Rel.eTxHigherPriority:
          // Swap: the Rx task gets the higher relative priority.
          await rtos.vTaskPrioritySet(xQueueSetReceivingTask.value, queuesetMEDIUM_PRIORITY);
          await rtos.vTaskPrioritySet(xQueueSetSendingTask.value, queuesetLOW_PRIORITY);
          ePriorities = Rel.eTxLowerPriority;
          break;
        case Rel.eTxLowerPriority:
          // Equal again, then let the idle-priority tasks run for a while.
          await rtos.vTaskPrioritySet(xQueueSetSendingTask.value, queuesetMEDIUM_PRIORITY);
          ePriorities = Rel.eEqualPriority;
          priorityCycles++;
          await rtos.vTaskDelay(queuesetTX_LOOP_DELAY);
          break;
      }
    }
  };

  // ---- prvQueueSetSendingTask
  const prvQueueSetSendingTask = async (): Promise<void> => {
    let ulTaskTxValue = 0;
    prvSRand(0x20000f3c); // the original seeds with the address of ulTaskTxValue
    for (;;) {
      const uxQueueToWriteTo = prvRand() % queuesetNUM_QUEUES_IN_SET;
      const xQueueInUse = xQueues[uxQueueToWriteTo]!;
      ulQueueUsedCounter[uxQueueToWriteTo]!++;
      if ((await rtos.xQueueSendToBack(xQueueInUse, u32(ulTaskTxValue), portMAX_DELAY)) !== pdPASS) {
        logError("xQueueSendToBack with portMAX_DELAY failed");
      }
      await rtos.busy(queuesetTX_LOOP_CPU_TICKS); // see header
      ulTaskTxValue++;
      if (ulTaskTxValue === queuesetINITIAL_ISR_TX_VALUE) ulTaskTxValue = 0;
      await prvChangeRelativePriorities();
    }
  };

  // ---- The three overwrite tests (configASSERTed in the original -> asserts in SetRx).
  const prvTestQueueOverwriteWithQueueSet = async (): Promise<void> => {
    let ulValueToSend = 0;
    const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
    const peeked: Ref<unknown> = { value: null };
    const xQueueHandle = rtos.xQueueCreate(1, 4);
    assert.ok(xQueueHandle !== null, "overwrite test: xQueueCreate(1)");
    assert.equal(sets.xQueueAddToSet(xQueueHandle, set()), pdPASS, "overwrite test: xQueueAddToSet");

    await rtos.xQueueOverwrite(xQueueHandle, u32(ulValueToSend));
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 1, "overwrite test: one item in the set after the first overwrite");
    await rtos.xQueuePeek(set(), peeked, queuesetDONT_BLOCK);
    assert.equal(peeked.value, xQueueHandle, "overwrite test: the set holds the written queue");

    // Overwriting does not change the number of items, so the set must not change either.
    ulValueToSend++;
    await rtos.xQueueOverwrite(xQueueHandle, u32(ulValueToSend));
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 1, "overwrite test: still one item in the set after overwriting");

    const xReceivedHandle = await sets.xQueueSelectFromSet(set(), queuesetDONT_BLOCK);
    assert.equal(xReceivedHandle, xQueueHandle, "overwrite test: select returns the written queue");
    await rtos.xQueueReceive(xQueueHandle, rx, queuesetDONT_BLOCK);
    assert.equal(getU32(rx.value), ulValueToSend, "overwrite test: the overwritten value is received");
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 0, "overwrite test: nothing left in the set");
    assert.equal(await sets.xQueueSelectFromSet(set(), queuesetDONT_BLOCK), null, "overwrite test: select on the empty set");

    sets.xQueueRemoveFromSet(xQueueHandle, set());
    rtos.vQueueDelete(xQueueHandle);
  };

  const overwriteTwoQueues = async (fromIsr: boolean): Promise<void> => {
    const what = fromIsr ? "two-queue overwrite (FromISR)" : "two-queue overwrite";
    const ulValueToSend1 = 1;
    const ulValueToSend2 = 2;
    const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
    const peeked: Ref<unknown> = { value: null };
    const overwrite = async (q: QueueHandle, v: number): Promise<void> => {
      if (fromIsr) rtos.xQueueOverwriteFromISR(q, u32(v), null);
      else await rtos.xQueueOverwrite(q, u32(v));
    };
    const xQueueHandle1 = rtos.xQueueCreate(1, 4);
    const xQueueHandle2 = rtos.xQueueCreate(1, 4);
    assert.ok(xQueueHandle1 !== null && xQueueHandle2 !== null, `${what}: xQueueCreate(1)`);
    assert.equal(sets.xQueueAddToSet(xQueueHandle1, set()), pdPASS, `${what}: xQueueAddToSet(1)`);
    assert.equal(sets.xQueueAddToSet(xQueueHandle2, set()), pdPASS, `${what}: xQueueAddToSet(2)`);

    await overwrite(xQueueHandle1, ulValueToSend1);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 1, `${what}: one item in the set`);
    await rtos.xQueuePeek(set(), peeked, queuesetDONT_BLOCK);
    assert.equal(peeked.value, xQueueHandle1, `${what}: set head is queue 1`);

    await overwrite(xQueueHandle2, ulValueToSend2);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 2, `${what}: two items in the set`);
    await rtos.xQueuePeek(set(), peeked, queuesetDONT_BLOCK);
    assert.equal(peeked.value, xQueueHandle1, `${what}: set head still queue 1`);

    // Overwrites do not change the item counts: the set stays at two (queue 1 now holds 2, queue 2 holds 1).
    await overwrite(xQueueHandle1, ulValueToSend2);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 2, `${what}: still two after overwriting queue 1`);
    await overwrite(xQueueHandle2, ulValueToSend1);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 2, `${what}: still two after overwriting queue 2`);
    await overwrite(xQueueHandle1, ulValueToSend2);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 2, `${what}: still two after overwriting queue 1 again`);
    await overwrite(xQueueHandle2, ulValueToSend1);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 2, `${what}: still two after overwriting queue 2 again`);

    let xReceivedHandle = await sets.xQueueSelectFromSet(set(), queuesetDONT_BLOCK);
    assert.equal(xReceivedHandle, xQueueHandle1, `${what}: queue 1 is selected first`);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 1, `${what}: one item left in the set`);
    await rtos.xQueueReceive(xReceivedHandle!, rx, queuesetDONT_BLOCK);
    assert.equal(getU32(rx.value), ulValueToSend2, `${what}: queue 1 holds the overwriting value`);

    xReceivedHandle = await sets.xQueueSelectFromSet(set(), queuesetDONT_BLOCK);
    assert.equal(xReceivedHandle, xQueueHandle2, `${what}: queue 2 is selected second`);
    assert.equal(rtos.uxQueueMessagesWaiting(set()), 0, `${what}: set empty`);
    await rtos.xQueueReceive(xReceivedHandle!, rx, queuesetDONT_BLOCK);
    assert.equal(getU32(rx.value), ulValueToSend1, `${what}: queue 2 holds the overwriting value`);

    assert.equal(await sets.xQueueSelectFromSet(set(), queuesetDONT_BLOCK), null, `${what}: nothing left to select`);

    sets.xQueueRemoveFromSet(xQueueHandle1, set());
    sets.xQueueRemoveFromSet(xQueueHandle2, set());
    rtos.vQueueDelete(xQueueHandle1);
    rtos.vQueueDelete(xQueueHandle2);
  };

  // ---- prvSetupTest
  const prvSetupTest = async (): Promise<void> => {
    const value: Ref<Uint8Array> = { value: new Uint8Array(4) };
    // A set able to hold one entry per space in every member queue.
    xQueueSet = sets.xQueueCreateSet(queuesetNUM_QUEUES_IN_SET * queuesetQUEUE_LENGTH);
    assert.ok(xQueueSet !== null, "xQueueCreateSet");
    for (let x = 0; x < queuesetNUM_QUEUES_IN_SET; x++) {
      const q = rtos.xQueueCreate(queuesetQUEUE_LENGTH, 4);
      assert.ok(q !== null, `xQueueCreate ${x}`);
      xQueues[x] = q;
      assert.equal(sets.xQueueAddToSet(q, set()), pdPASS, `xQueueAddToSet(queue ${x})`);
      // Now in the set, it cannot be added again.
      assert.equal(sets.xQueueAddToSet(q, set()), pdFAIL, `second xQueueAddToSet(queue ${x})`);
    }
    // Removing a queue from a set it does not belong to (NULL) fails: that check is the separate
    // test "QueueSet.c prvSetupTest: xQueueRemoveFromSet(queue, NULL) ..." below, so that its
    // outcome does not stop the rest of this port from running.
    // Removing it from its own set passes.
    assert.equal(sets.xQueueRemoveFromSet(xQueues[0]!, set()), pdPASS, "xQueueRemoveFromSet(queue 0, set)");
    // A non-empty queue cannot be added to a set.
    assert.equal(await rtos.xQueueSend(xQueues[0]!, u32(0), 0), pdPASS, "xQueueSend to the removed queue");
    assert.equal(sets.xQueueAddToSet(xQueues[0]!, set()), pdFAIL, "xQueueAddToSet of a non-empty queue");
    // Emptied again, it can be added back.
    assert.equal(await rtos.xQueueReceive(xQueues[0]!, value, 0), pdPASS, "xQueueReceive from the removed queue");
    assert.equal(sets.xQueueAddToSet(xQueues[0]!, set()), pdPASS, "xQueueAddToSet of the emptied queue");
    // The sending task is not running yet: selecting must time out.
    const t0 = rtos.xTaskGetTickCount();
    assert.equal(await sets.xQueueSelectFromSet(set(), queuesetSHORT_DELAY), null, "xQueueSelectFromSet before SetTx runs");
    assert.equal(rtos.xTaskGetTickCount() - t0, queuesetSHORT_DELAY, "the select blocked for its whole block time");

    await prvTestQueueOverwriteWithQueueSet();
    await overwriteTwoQueues(false); // prvTestQueueOverwriteOnTwoQueuesInQueueSet
    await overwriteTwoQueues(true); // prvTestQueueOverwriteFromISROnTwoQueuesInQueueSet
    assert.equal(xQueueSetTasksStatus, pdPASS, "configASSERT( xQueueSetTasksStatus != pdFAIL ) at the end of prvSetupTest");

    await rtos.vTaskResume(xQueueSetSendingTask.value!);
    xSetupComplete = true; // let the ISR access the queues too
  };

  // ---- prvQueueSetReceivingTask
  const prvQueueSetReceivingTask = async (): Promise<void> => {
    const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
    await prvSetupTest();
    for (;;) {
      // When this task is at the idle priority it would poll (the original computes this but still selects with portMAX_DELAY).
      const xBlockTime = rtos.uxTaskPriorityGet(null) === tskIDLE_PRIORITY ? 0 : portMAX_DELAY;
      const xActivatedQueue = await sets.xQueueSelectFromSet(set(), portMAX_DELAY);
      if (xActivatedQueue === null) {
        if (xBlockTime !== 0) logError("xQueueSelectFromSet with portMAX_DELAY returned NULL");
      } else {
        if ((await rtos.xQueueReceive(xActivatedQueue, rx, queuesetDONT_BLOCK)) !== pdPASS) {
          logError("zero-time xQueueReceive from the selected queue failed");
        }
        // Shared with the ISR, hence the critical section.
        rtos.taskENTER_CRITICAL();
        prvCheckReceivedValue(getU32(rx.value));
        await rtos.taskEXIT_CRITICAL();
        if (xQueueSetTasksStatus === pdPASS) ulCycleCounter++;
      }
    }
  };

  // ---- vStartQueueSetTasks
  assert.equal(await rtos.xTaskCreate(prvQueueSetSendingTask, "SetTx", 128, null, queuesetMEDIUM_PRIORITY, xQueueSetSendingTask), pdPASS);
  assert.ok(xQueueSetSendingTask.value !== null, "SetTx handle");
  assert.equal(await rtos.xTaskCreate(prvQueueSetReceivingTask, "SetRx", 128, xQueueSetSendingTask.value, queuesetMEDIUM_PRIORITY, xQueueSetReceivingTask), pdPASS);
  // SetTx must not write before the queues exist: suspended until SetRx resumes it.
  await rtos.vTaskSuspend(xQueueSetSendingTask.value);

  // ---- xAreQueueSetTasksStillRunning
  let ulLastCycleCounter = 0;
  let ulLastISRTxValue = 0;
  const ulLastQueueUsedCounter = new Array<number>(queuesetNUM_QUEUES_IN_SET).fill(0);
  const xAreQueueSetTasksStillRunning = (): string[] => {
    const failures: string[] = [];
    if (ulLastCycleCounter === ulCycleCounter) failures.push(`ulCycleCounter stalled at ${ulCycleCounter}`);
    ulLastCycleCounter = ulCycleCounter;
    for (let x = 0; x < queuesetNUM_QUEUES_IN_SET; x++) {
      if (ulLastQueueUsedCounter[x] === ulQueueUsedCounter[x]) failures.push(`queue ${x} not used since the last check`);
      ulLastQueueUsedCounter[x] = ulQueueUsedCounter[x]!;
    }
    if (xQueueSetTasksStatus !== pdPASS) failures.push("xQueueSetTasksStatus is pdFAIL");
    if (ulISRTxValue === ulLastISRTxValue) failures.push(`ulISRTxValue stalled at ${ulISRTxValue}`);
    else ulLastISRTxValue = ulISRTxValue;
    return failures;
  };

  rtos.vTaskStartScheduler();
  // prvSetupTest: 200 ticks of select timeout, then the dynamic part starts.
  await rtos.run(queuesetSHORT_DELAY + 1);
  assert.equal(xSetupComplete, true, "prvSetupTest completed");
  for (let check = 1; check <= CHECKS; check++) {
    await rtos.run(CHECK_PERIOD_TICKS);
    assert.deepEqual(errors, [], `check ${check}: errors recorded by the queue set tasks / ISR`);
    assert.deepEqual(xAreQueueSetTasksStillRunning(), [], `check ${check}: xAreQueueSetTasksStillRunning`);
  }
  assert.ok(priorityCycles >= CHECKS, `the relative-priority cycle went round only ${priorityCycles} times`);
  assert.ok(isrReads > 0, "the ISR never read from the set");
});

test("QueueSet.c prvSetupTest: xQueueRemoveFromSet(queue, NULL) returns pdFAIL (not a member of that 'set')", { timeout: 10_000 }, async () => {
  // FreeRTOS-Kernel V11 queue.c xQueueRemoveFromSet: `if( pxQueueOrSemaphore->pxQueueSetContainer
  // != xQueueSet ) xReturn = pdFAIL;` -- the set argument is only compared, never dereferenced, and
  // QueueSet.c relies on NULL giving pdFAIL. Same context as the original: inside the Rx task,
  // with the queue a member of a set.
  const rtos = createFreeRTOS({ configMAX_PRIORITIES: 8, configMINIMAL_STACK_SIZE: 128 });
  const sets = queueSets(rtos);
  const outcome: string[] = [];
  assert.equal(
    await rtos.xTaskCreate(async () => {
      const set = sets.xQueueCreateSet(queuesetNUM_QUEUES_IN_SET * queuesetQUEUE_LENGTH)!;
      const q = rtos.xQueueCreate(queuesetQUEUE_LENGTH, 4)!;
      assert.equal(sets.xQueueAddToSet(q, set), pdPASS);
      try {
        outcome.push(`returned ${sets.xQueueRemoveFromSet(q, null)}`);
      } catch (e) {
        outcome.push(`threw ${String(e)}`);
      }
      outcome.push(`still a member: ${sets.xQueueAddToSet(q, set) === pdFAIL}`);
      await rtos.vTaskSuspend(null);
    }, "SetRx", 128, null, queuesetMEDIUM_PRIORITY),
    pdPASS,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  assert.deepEqual(outcome, [`returned ${pdFAIL}`, "still a member: true"]);
});
