/**
 * Port of FreeRTOS/Demo/Common/Minimal/QueueOverwrite.c (repo FreeRTOS/FreeRTOS, main @ 592732b).
 *
 * Nothing of the original is left out.
 *
 * "QOver" (priority tskIDLE_PRIORITY, as mainQUEUE_OVERWRITE_PRIORITY in the demo mains) creates
 * a length-1 queue with itemSize 4 (uint32_t as 4-byte little-endian Uint8Arrays) and loops:
 * overwrite 10 into the empty queue and receive it; overwrite x = 0..qoLOOPS-1 in turn, peeking
 * after each; empty the queue. The loop variable is sent from one re-used buffer which is
 * clobbered after each overwrite, so the peek checks also check that the queue copies.
 *
 * Check mapping (each `ulStatus = pdFAIL` site is a `fail(...)`; the failures list is asserted
 * empty after every run):
 *   - value received after overwrite(10) != 10
 *   - peeked value != x after overwrite(x)
 *   - uxQueueMessagesWaiting != 1 (uxQueueLength) after each overwrite
 *   - uxQueueMessagesWaiting != 0 after the final receive
 *
 * ISR half: vStartQueueOverwriteTask creates xISRQueue (length 1, uint32_t items) before the
 * scheduler starts, and vQueueOverwritePeriodicISRDemo() runs from config vApplicationTickHook
 * (ISR context, every tick), as the demo mains call it from vApplicationTickHook. It cycles through
 * its three cases: 0) xQueueOverwriteFromISR(ulTx1 = 10) into the empty queue, then
 * xQueuePeekFromISR must read 10; 1) xQueueOverwriteFromISR(ulTx2 = 20) over the 10;
 * 2) xQueueReceiveFromISR must read 20 (emptying the queue). NULL pxHigherPriorityTaskWoken.
 *   - each `xISRTestStatus = pdFAIL` site (peek != ulTx1, receive != ulTx2) is an `isrFail(...)`;
 *     configASSERT( xISRQueue ) is an assert in the hook. Both are recorded in the hook (ISR
 *     context) and asserted after every run.
 *   - xIsQueueOverwriteTaskStillRunning(), ported as is: pdFAIL if xISRTestStatus != pdPASS, else
 *     pdPASS iff ulLoopCounter > 0; it resets ulLoopCounter. Asserted pdPASS after each of
 *     CHECK_ROUNDS `await rtos.run(CHECK_PERIOD)`.
 * Added: the return values the C code ignores (task: overwrite, receive, peek; ISR: overwrite,
 * peek, receive) must be pdPASS; the final task receive must return qoLOOPS - 1; the ISR demo ran
 * (all three cases) in every round.
 *
 * Adaptation: the C task never blocks (it relies on tick time slicing); here each loop iteration
 * starts with `await rtos.busy(CPU_PER_LOOP)` because synchronous code takes zero virtual time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdFAIL, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { QueueHandle, Ref } from "../../src/freertos/index.js";

const qoDONT_BLOCK = 0;
const qoLOOPS = 5;
const ITEM_SIZE = 4; // sizeof(uint32_t)
const OVERWRITE_PRIORITY = tskIDLE_PRIORITY;
const CPU_PER_LOOP = 0.1;
const CHECK_PERIOD = 200;
const CHECK_ROUNDS = 5;

function writeU32(buf: Uint8Array, value: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(0, value >>> 0, true);
}
function readU32(buf: Uint8Array): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0, true);
}

function u32Item(value: number): Uint8Array {
  const buf = new Uint8Array(ITEM_SIZE);
  writeU32(buf, value);
  return buf;
}

test("QueueOverwrite: overwrite/peek/receive on a length-1 queue, from the task and from the tick hook (ISR)", async () => {
  // vQueueOverwritePeriodicISRDemo(), called from the tick hook (ISR context).
  let xISRQueue: QueueHandle | null = null;
  let xISRTestStatus = pdPASS;
  let ulCallCount = 0; // static in the original
  let isrCasesRun = 0; // added: hook calls
  let isrError: unknown = null;
  const isrFailures: string[] = [];
  const isrFail = (what: string): void => {
    xISRTestStatus = pdFAIL;
    if (isrFailures.length < 20) isrFailures.push(`tick ${rtos.xTaskGetTickCountFromISR()}: ${what}`);
  };
  function vQueueOverwritePeriodicISRDemo(): void {
    const ulTx1 = 10;
    const ulTx2 = 20;
    const ulNumberOfSwitchCases = 3;
    const ulRx: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    try {
      assert.ok(xISRQueue, "configASSERT( xISRQueue )");
      switch (ulCallCount) {
        case 0: {
          // The queue is empty: write ulTx1, then peek it back.
          const r = rtos.xQueueOverwriteFromISR(xISRQueue, u32Item(ulTx1), null);
          if (r !== pdPASS) isrFail(`xQueueOverwriteFromISR(${ulTx1}) returned ${r}`);
          const p = rtos.xQueuePeekFromISR(xISRQueue, ulRx);
          if (p !== pdPASS) isrFail(`xQueuePeekFromISR returned ${p}`);
          const rx = readU32(ulRx.value);
          if (rx !== ulTx1) isrFail(`xQueuePeekFromISR read ${rx}, expected ${ulTx1}`);
          break;
        }
        case 1: {
          // The queue holds ulTx1: overwrite it with ulTx2.
          const r = rtos.xQueueOverwriteFromISR(xISRQueue, u32Item(ulTx2), null);
          if (r !== pdPASS) isrFail(`xQueueOverwriteFromISR(${ulTx2}) returned ${r}`);
          break;
        }
        case 2: {
          // Empty the queue again: the value read must be ulTx2.
          const r = rtos.xQueueReceiveFromISR(xISRQueue, ulRx, null);
          if (r !== pdPASS) isrFail(`xQueueReceiveFromISR returned ${r}`);
          const rx = readU32(ulRx.value);
          if (rx !== ulTx2) isrFail(`xQueueReceiveFromISR read ${rx}, expected ${ulTx2}`);
          break;
        }
      }
      ulCallCount++;
      if (ulCallCount >= ulNumberOfSwitchCases) ulCallCount = 0;
      isrCasesRun++;
    } catch (e) {
      isrError ??= e; // rethrown after rtos.run()
    }
  }

  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configMINIMAL_STACK_SIZE: 128,
    vApplicationTickHook: vQueueOverwritePeriodicISRDemo,
  });

  let ulLoopCounter = 0;
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  const prvQueueOverwriteTask = async (): Promise<void> => {
    const uxQueueLength = 1;
    let ulStatus = pdPASS;
    const status = (ok: boolean, what: string): void => {
      if (!ok) {
        if (ulStatus !== pdFAIL) fail(`QOver: ${what}`);
        ulStatus = pdFAIL;
      }
    };

    const xTaskQueue = rtos.xQueueCreate(uxQueueLength, ITEM_SIZE);
    if (!xTaskQueue) throw new Error("QOver: xQueueCreate(1, 4) returned null"); // configASSERT
    const tx = new Uint8Array(ITEM_SIZE);
    const ulValue: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };

    for (;;) {
      await rtos.busy(CPU_PER_LOOP);

      // Empty queue: write then read must return the item written.
      writeU32(tx, 10);
      status((await rtos.xQueueOverwrite(xTaskQueue, tx)) === pdPASS, "xQueueOverwrite(10) did not return pdPASS");
      writeU32(tx, 0xffffffff); // clobber the sent buffer
      writeU32(ulValue.value, 0);
      status((await rtos.xQueueReceive(xTaskQueue, ulValue, qoDONT_BLOCK)) === pdPASS, "xQueueReceive after overwrite(10) did not pass");
      const got10 = readU32(ulValue.value);
      status(got10 === 10, `received ${got10} after overwrite(10), expected 10`);

      // Overwrite several times; the queued value is replaced each time.
      for (let x = 0; x < qoLOOPS; x++) {
        writeU32(tx, x);
        status((await rtos.xQueueOverwrite(xTaskQueue, tx)) === pdPASS, `xQueueOverwrite(${x}) did not return pdPASS`);
        writeU32(tx, 0xffffffff);
        status((await rtos.xQueuePeek(xTaskQueue, ulValue, qoDONT_BLOCK)) === pdPASS, `xQueuePeek after overwrite(${x}) did not pass`);
        const peeked = readU32(ulValue.value);
        status(peeked === x, `peeked ${peeked} after overwrite(${x}), expected ${x}`);
        const waiting = rtos.uxQueueMessagesWaiting(xTaskQueue);
        status(waiting === uxQueueLength, `uxQueueMessagesWaiting = ${waiting} after overwrite(${x}), expected ${uxQueueLength}`);
      }

      // Empty the queue again.
      status((await rtos.xQueueReceive(xTaskQueue, ulValue, qoDONT_BLOCK)) === pdPASS, "final xQueueReceive did not pass");
      const last = readU32(ulValue.value);
      status(last === qoLOOPS - 1, `final receive returned ${last}, expected ${qoLOOPS - 1}`);
      const left = rtos.uxQueueMessagesWaiting(xTaskQueue);
      status(left === 0, `uxQueueMessagesWaiting = ${left} after emptying, expected 0`);

      if (ulStatus !== pdFAIL) ulLoopCounter++;
    }
  };

  // xIsQueueOverwriteTaskStillRunning()
  function xIsQueueOverwriteTaskStillRunning(): number {
    let xReturn: number;
    if (xISRTestStatus !== pdPASS) xReturn = pdFAIL;
    else if (ulLoopCounter > 0) xReturn = pdPASS;
    else xReturn = pdFAIL; // the task stalled or found an error
    ulLoopCounter = 0;
    return xReturn;
  }

  // vStartQueueOverwriteTask(): the ISR queue, then the task.
  const uxQueueLength = 1;
  xISRQueue = rtos.xQueueCreate(uxQueueLength, ITEM_SIZE);
  assert.equal(await rtos.xTaskCreate(prvQueueOverwriteTask, "QOver", 128, null, OVERWRITE_PRIORITY), pdPASS);
  rtos.vTaskStartScheduler();

  let lastIsrCasesRun = 0;
  for (let round = 1; round <= CHECK_ROUNDS; round++) {
    await rtos.run(CHECK_PERIOD);
    if (isrError !== null) throw isrError;
    assert.deepEqual(failures, [], `ulStatus latched pdFAIL (round ${round})`);
    assert.deepEqual(isrFailures, [], `xISRTestStatus set to pdFAIL (round ${round})`);
    assert.ok(isrCasesRun - lastIsrCasesRun >= 3, `round ${round}: the tick-hook ISR demo ran ${isrCasesRun - lastIsrCasesRun} times`); // added
    lastIsrCasesRun = isrCasesRun;
    const loops = ulLoopCounter;
    assert.equal(xIsQueueOverwriteTaskStillRunning(), pdPASS, `round ${round}: xIsQueueOverwriteTaskStillRunning (ulLoopCounter ${loops}, xISRTestStatus ${xISRTestStatus})`);
  }
});
