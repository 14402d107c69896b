/*
 * Port of FreeRTOS/Demo/Common/Minimal/QueueSetPolling.c (FreeRTOS/FreeRTOS, main branch) to
 * tinyrtos.
 *
 * Structure kept: one queue of length setpollQUEUE_LENGTH (10) holding uint32_t items is added to
 * a queue set of the same length; the task "SetPoll" at tskIDLE_PRIORITY polls the set with a
 * zero block time (xQueueSelectFromSet(set, 0)), reads the activated queue with a zero block time
 * and expects 0, 1, 2, ... in order. vQueueSetPollingInterruptAccess runs from
 * vApplicationTickHook (ISR context, as in the demos' tick hooks) and sends the next value with
 * xQueueSendFromISR (NULL pxHigherPriorityTaskWoken) every queuesetISR_TX_PERIOD + 1 ticks.
 *
 * Only change: the polling loop spins in C; here every iteration ends with
 * `await rtos.busy(setpollLOOP_CPU_TICKS)` (the CPU time of one poll), since task code between
 * kernel calls takes no virtual time.
 *
 * Check mapping:
 *  - xQueueReceive(activated queue, 0) != pdPASS -> xQueueSetPollStatus = pdFAIL: recorded,
 *    asserted after every rtos.run() (the set said the queue had data).
 *  - ulReceived != ulExpected -> pdFAIL: recorded and asserted likewise.
 *  - xAreQueueSetPollTasksStillRunning: ulCycleCounter advanced since the previous call and
 *    xQueueSetPollStatus == pdPASS: asserted after each of several run periods.
 * Extra (not in the original): xQueueCreateSet/xQueueAddToSet succeed, and the ISR's sends
 * succeed (the task keeps up, so the queue never fills).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdFAIL, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { FreeRTOS, QueueHandle, Ref } from "../../src/freertos/index.js";

/** The queue-set calls of contract2.md, reached through this view so the file compiles before they land. */
interface QueueSetApi {
  xQueueCreateSet(length: number): QueueHandle | null;
  xQueueAddToSet(member: QueueHandle, set: QueueHandle): number;
  xQueueSelectFromSet(set: QueueHandle, ticks: number): Promise<QueueHandle | null>;
}
function queueSets(rtos: FreeRTOS): QueueSetApi {
  const api = rtos as unknown as Partial<QueueSetApi>;
  for (const name of ["xQueueCreateSet", "xQueueAddToSet", "xQueueSelectFromSet"] as const)
    assert.equal(typeof api[name], "function", `facade has no ${name} (contract2.md queue sets)`);
  return rtos as unknown as QueueSetApi;
}

const setpollQUEUE_LENGTH = 10;
const setpollDONT_BLOCK = 0;
const queuesetISR_TX_PERIOD = 50;
/** CPU time of one iteration of the polling loop (the C loop just spins). */
const setpollLOOP_CPU_TICKS = 0.05;
/** Ticks between two calls of the check function (the demos' check task period). */
const CHECK_PERIOD_TICKS = 500;
const CHECKS = 6;

const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const getU32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);

test("QueueSetPolling.c: a set polled from an idle-priority task while a tick-hook ISR writes to its member", { timeout: 20_000 }, async () => {
  // File-scope variables of the original.
  let xQueue: QueueHandle | null = null;
  let xQueueSet: QueueHandle | null = null;
  let xQueueSetPollStatus = pdPASS;
  let ulCycleCounter = 0;
  const errors: string[] = [];
  let isrSendFailures = 0;
  let rtosRef: FreeRTOS | null = null;

  const logError = (what: string): void => {
    xQueueSetPollStatus = pdFAIL;
    if (errors.length < 20) errors.push(`tick ${rtosRef?.xTaskGetTickCount() ?? -1}: ${what}`);
  };

  // vQueueSetPollingInterruptAccess: called from the tick hook, so each call is one tick apart.
  let ulCallCount = 0;
  let ulValueToSend = 0;
  const vQueueSetPollingInterruptAccess = (): void => {
    const rtos = rtosRef;
    if (rtos === null || xQueue === null) return; // nothing created yet
    ulCallCount++;
    if (ulCallCount > queuesetISR_TX_PERIOD) {
      ulCallCount = 0;
      if (rtos.xQueueSendFromISR(xQueue, u32(ulValueToSend), null) === pdPASS) {
        ulValueToSend++; // send the next value next time
      } else {
        isrSendFailures++;
      }
    }
  };

  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configTICK_RATE_HZ: 1000,
    configUSE_PREEMPTION: 1,
    configMINIMAL_STACK_SIZE: 128,
    vApplicationTickHook: vQueueSetPollingInterruptAccess,
  });
  rtosRef = rtos;
  const sets = queueSets(rtos);

  // prvQueueSetReceivingTask
  const prvQueueSetReceivingTask = async (): Promise<void> => {
    const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
    let ulExpected = 0;
    for (;;) {
      // Is a message waiting? No block time: the set is polled while an interrupt writes to it.
      const xActivatedQueue = await sets.xQueueSelectFromSet(xQueueSet!, setpollDONT_BLOCK);
      if (xActivatedQueue !== null) {
        // The set said this queue has data, so a zero block time must succeed.
        if ((await rtos.xQueueReceive(xActivatedQueue, rx, setpollDONT_BLOCK)) !== pdPASS) {
          logError("xQueueReceive from the queue xQueueSelectFromSet returned failed");
        }
        const ulReceived = getU32(rx.value);
        if (ulReceived === ulExpected) ulExpected++;
        else logError(`received ${ulReceived}, expected ${ulExpected}`);
        if (xQueueSetPollStatus === pdPASS) ulCycleCounter++;
      }
      await rtos.busy(setpollLOOP_CPU_TICKS); // the CPU time of one poll
    }
  };

  // vStartQueueSetPollingTask
  xQueue = rtos.xQueueCreate(setpollQUEUE_LENGTH, 4);
  xQueueSet = sets.xQueueCreateSet(setpollQUEUE_LENGTH);
  assert.ok(xQueue !== null, "xQueueCreate");
  assert.ok(xQueueSet !== null, "xQueueCreateSet");
  assert.equal(sets.xQueueAddToSet(xQueue, xQueueSet), pdPASS, "xQueueAddToSet");
  assert.equal(await rtos.xTaskCreate(prvQueueSetReceivingTask, "SetPoll", 128, null, tskIDLE_PRIORITY), pdPASS, "xTaskCreate(SetPoll)");

  // xAreQueueSetPollTasksStillRunning
  let ulLastCycleCounter = 0;
  const xAreQueueSetPollTasksStillRunning = (): number => {
    if (ulLastCycleCounter === ulCycleCounter) logError(`ulCycleCounter stalled at ${ulCycleCounter}`);
    ulLastCycleCounter = ulCycleCounter;
    return xQueueSetPollStatus;
  };

  rtos.vTaskStartScheduler();
  for (let check = 1; check <= CHECKS; check++) {
    await rtos.run(CHECK_PERIOD_TICKS);
    const status = xAreQueueSetPollTasksStillRunning();
    assert.deepEqual(errors, [], `check ${check}: errors recorded by the poll task / check function`);
    assert.equal(status, pdPASS, `check ${check}: xAreQueueSetPollTasksStillRunning`);
    assert.equal(isrSendFailures, 0, `check ${check}: xQueueSendFromISR failed (queue full: the poller fell behind)`);
  }
  // Every value the ISR sent was received in order (the last one may still be in flight).
  assert.ok(ulCycleCounter >= ulValueToSend - 1 && ulCycleCounter <= ulValueToSend, `received ${ulCycleCounter} of ${ulValueToSend} values sent`);
  assert.ok(ulValueToSend >= Math.floor((CHECKS * CHECK_PERIOD_TICKS) / (queuesetISR_TX_PERIOD + 1)) - 1, `ISR sent only ${ulValueToSend} values`);
});
