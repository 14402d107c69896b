/**
 * Port of FreeRTOS/Demo/Common/Minimal/QPeek.c (repo FreeRTOS/FreeRTOS, main @ 592732b).
 *
 * Four tasks share one queue (length 5, itemSize 4: uint32_t items as 4-byte little-endian
 * Uint8Arrays): "PeekL" (prio 0) writes, "PeekM" (1), "PeekH1" (2), "PeekH2" (3) peek/receive
 * with portMAX_DELAY and suspend themselves; PeekL resumes them. A peek leaves the item queued
 * and wakes the next waiting task, so the value cascades H2 -> H1 -> M.
 *
 * Check mapping (every `xErrorDetected = pdTRUE` site is a `fail(...)`; the failures list is
 * asserted empty after every run):
 *   PeekH2: peek != pdPASS; value != 0x11223344; messages waiting != 1; receive != pdPASS;
 *           received != 0x11223344; 2nd peek != pdPASS; value != 0x01234567; waiting != 1;
 *           3rd peek != pdPASS; value != 0xaabbaabb.
 *   PeekH1: peek != pdPASS; value != 0x01234567; waiting != 1; receive != pdPASS; value != 0xaabbaabb.
 *   PeekM:  peek != pdPASS; value != 0x01234567; waiting != 1; then ulLoopCounter++.
 *   PeekL:  send-to-back != pdPASS; waiting != 0 after H2's receive; 2nd send != pdPASS;
 *           receive != pdPASS; value != 0x01234567; send-to-front != pdPASS;
 *           peek(no block) != errQUEUE_EMPTY (H1 removed the item).
 *   xAreQueuePeekTasksStillRunning(): ulLoopCounter changed since the last call
 *     => asserted after each of CHECK_ROUNDS `await rtos.run(CHECK_PERIOD)`.
 * Added (makes the order the C comments describe explicit): a log of every successful
 * peek/receive/send in the first two cycles, asserted equal to the exact FreeRTOS order.
 *
 * Left out: vQueueAddToRegistry and USE_STDIO printing (no behaviour). configUSE_PREEMPTION == 0
 * taskYIELD branches are not used. Nothing in QPeek.c needs interrupts or timers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, errQUEUE_EMPTY, portMAX_DELAY, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { QueueHandle, TaskHandle, Ref } from "../../src/freertos/index.js";

const qpeekQUEUE_LENGTH = 5;
const ITEM_SIZE = 4; // sizeof(uint32_t)
const qpeekNO_BLOCK = 0;
const qpeekSHORT_DELAY = 10;
const qpeekLOW_PRIORITY = tskIDLE_PRIORITY + 0;
const qpeekMEDIUM_PRIORITY = tskIDLE_PRIORITY + 1;
const qpeekHIGH_PRIORITY = tskIDLE_PRIORITY + 2;
const qpeekHIGHEST_PRIORITY = tskIDLE_PRIORITY + 3;
const CHECK_PERIOD = 100;
const CHECK_ROUNDS = 10;

function u32(value: number): Uint8Array {
  const b = new Uint8Array(ITEM_SIZE);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return b;
}
function readU32(buf: Uint8Array): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0, true);
}
const hex = (v: number): string => (v >>> 0).toString(16).padStart(8, "0");

test("QPeek: peek/receive wake order across four priorities", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configMINIMAL_STACK_SIZE: 128,
  });

  let ulLoopCounter = 0;
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };
  const expectEq = (who: string, what: string, actual: number, expected: number): void => {
    if (actual !== expected) fail(`${who}: ${what} = ${hex(actual)}, expected ${hex(expected)}`);
  };
  const log: string[] = [];
  const note = (entry: string): void => {
    if (log.length < 24) log.push(entry);
  };

  const xMediumPriorityTask: Ref<TaskHandle | null> = { value: null };
  const xHighPriorityTask: Ref<TaskHandle | null> = { value: null };
  const xHighestPriorityTask: Ref<TaskHandle | null> = { value: null };

  const prvHighestPriorityPeekTask = async (pv: unknown): Promise<void> => {
    const xQueue = (pv as { q: QueueHandle }).q;
    const ulValue: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    for (;;) {
      if ((await rtos.xQueuePeek(xQueue, ulValue, portMAX_DELAY)) !== pdPASS) fail("PeekH2: 1st peek did not pass");
      note(`H2 peek ${hex(readU32(ulValue.value))}`);
      expectEq("PeekH2", "1st peeked value", readU32(ulValue.value), 0x11223344);
      expectEq("PeekH2", "messages waiting after 1st peek", rtos.uxQueueMessagesWaiting(xQueue), 1);

      ulValue.value.fill(0);
      if ((await rtos.xQueueReceive(xQueue, ulValue, qpeekNO_BLOCK)) !== pdPASS) fail("PeekH2: receive did not pass");
      note(`H2 recv ${hex(readU32(ulValue.value))}`);
      expectEq("PeekH2", "received value", readU32(ulValue.value), 0x11223344);

      if ((await rtos.xQueuePeek(xQueue, ulValue, portMAX_DELAY)) !== pdPASS) fail("PeekH2: 2nd peek did not pass");
      note(`H2 peek ${hex(readU32(ulValue.value))}`);
      expectEq("PeekH2", "2nd peeked value", readU32(ulValue.value), 0x01234567);
      expectEq("PeekH2", "messages waiting after 2nd peek", rtos.uxQueueMessagesWaiting(xQueue), 1);

      await rtos.vTaskSuspend(null);

      if ((await rtos.xQueuePeek(xQueue, ulValue, portMAX_DELAY)) !== pdPASS) fail("PeekH2: 3rd peek did not pass");
      note(`H2 peek ${hex(readU32(ulValue.value))}`);
      expectEq("PeekH2", "3rd peeked value", readU32(ulValue.value), 0xaabbaabb);

      await rtos.vTaskSuspend(null);
    }
  };

  const prvHighPriorityPeekTask = async (pv: unknown): Promise<void> => {
    const xQueue = (pv as { q: QueueHandle }).q;
    const ulValue: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    for (;;) {
      if ((await rtos.xQueuePeek(xQueue, ulValue, portMAX_DELAY)) !== pdPASS) fail("PeekH1: peek did not pass");
      note(`H1 peek ${hex(readU32(ulValue.value))}`);
      expectEq("PeekH1", "peeked value", readU32(ulValue.value), 0x01234567);
      expectEq("PeekH1", "messages waiting after peek", rtos.uxQueueMessagesWaiting(xQueue), 1);

      await rtos.vTaskSuspend(null);

      if ((await rtos.xQueueReceive(xQueue, ulValue, portMAX_DELAY)) !== pdPASS) fail("PeekH1: receive did not pass");
      note(`H1 recv ${hex(readU32(ulValue.value))}`);
      expectEq("PeekH1", "received value", readU32(ulValue.value), 0xaabbaabb);

      await rtos.vTaskSuspend(null);
    }
  };

  const prvMediumPriorityPeekTask = async (pv: unknown): Promise<void> => {
    const xQueue = (pv as { q: QueueHandle }).q;
    const ulValue: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    for (;;) {
      if ((await rtos.xQueuePeek(xQueue, ulValue, portMAX_DELAY)) !== pdPASS) fail("PeekM: peek did not pass");
      note(`M peek ${hex(readU32(ulValue.value))}`);
      expectEq("PeekM", "peeked value", readU32(ulValue.value), 0x01234567);
      expectEq("PeekM", "messages waiting after peek", rtos.uxQueueMessagesWaiting(xQueue), 1);
      ulLoopCounter++;
      await rtos.vTaskSuspend(null);
    }
  };

  const prvLowPriorityPeekTask = async (pv: unknown): Promise<void> => {
    const xQueue = (pv as { q: QueueHandle }).q;
    const ulValue: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    for (;;) {
      let item = u32(0x11223344);
      if ((await rtos.xQueueSendToBack(xQueue, item, qpeekNO_BLOCK)) !== pdPASS) fail("PeekL: 1st send-to-back did not pass");
      item.fill(0xee); // the queue holds a copy; this must not reach the peekers
      note(`L sent 11223344`);
      expectEq("PeekL", "messages waiting after H2 received", rtos.uxQueueMessagesWaiting(xQueue), 0);

      item = u32(0x01234567);
      if ((await rtos.xQueueSendToBack(xQueue, item, qpeekNO_BLOCK)) !== pdPASS) fail("PeekL: 2nd send-to-back did not pass");
      item.fill(0xee);
      note(`L sent 01234567`);

      ulValue.value.fill(0);
      if ((await rtos.xQueueReceive(xQueue, ulValue, qpeekNO_BLOCK)) !== pdPASS) fail("PeekL: receive did not pass");
      note(`L recv ${hex(readU32(ulValue.value))}`);
      expectEq("PeekL", "received value", readU32(ulValue.value), 0x01234567);

      await rtos.vTaskDelay(qpeekSHORT_DELAY);

      await rtos.vTaskResume(xMediumPriorityTask.value!);
      await rtos.vTaskResume(xHighPriorityTask.value!);
      await rtos.vTaskResume(xHighestPriorityTask.value!);

      item = u32(0xaabbaabb);
      if ((await rtos.xQueueSendToFront(xQueue, item, qpeekNO_BLOCK)) !== pdPASS) fail("PeekL: send-to-front did not pass");
      item.fill(0xee);
      note(`L sentFront aabbaabb`);

      const r = await rtos.xQueuePeek(xQueue, ulValue, qpeekNO_BLOCK);
      if (r !== errQUEUE_EMPTY) fail(`PeekL: peek of the emptied queue returned ${r}, expected errQUEUE_EMPTY`);
      note(`L peek empty=${r === errQUEUE_EMPTY}`);

      await rtos.vTaskResume(xHighPriorityTask.value!);
      await rtos.vTaskResume(xHighestPriorityTask.value!);

      await rtos.vTaskDelay(qpeekSHORT_DELAY);
    }
  };

  // vStartQueuePeekTasks()
  const xQueue = rtos.xQueueCreate(qpeekQUEUE_LENGTH, ITEM_SIZE);
  assert.ok(xQueue, "xQueueCreate(5, 4)");
  const param = { q: xQueue };
  assert.equal(await rtos.xTaskCreate(prvLowPriorityPeekTask, "PeekL", 128, param, qpeekLOW_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvMediumPriorityPeekTask, "PeekM", 128, param, qpeekMEDIUM_PRIORITY, xMediumPriorityTask), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvHighPriorityPeekTask, "PeekH1", 128, param, qpeekHIGH_PRIORITY, xHighPriorityTask), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvHighestPriorityPeekTask, "PeekH2", 128, param, qpeekHIGHEST_PRIORITY, xHighestPriorityTask), pdPASS);
  assert.ok(xMediumPriorityTask.value && xHighPriorityTask.value && xHighestPriorityTask.value, "task handles set");

  rtos.vTaskStartScheduler();

  const oneCycle = [
    "H2 peek 11223344", // L's send wakes the highest waiter; the item stays queued
    "H2 recv 11223344", // H2 removes it; H1 (woken by the peek) finds the queue empty and re-blocks
    "L sent 11223344",
    "H2 peek 01234567", // H2 peeks and suspends, ...
    "H1 peek 01234567", // ... then H1 (woken by H2's peek) peeks and suspends, ...
    "M peek 01234567", // ... then M (woken by H1's peek)
    "L sent 01234567",
    "L recv 01234567",
    "H2 peek aabbaabb", // after the resumes: H2 peeks, H1 receives, M never sees it
    "H1 recv aabbaabb",
    "L sentFront aabbaabb",
    "L peek empty=true",
  ];

  // xAreQueuePeekTasksStillRunning()
  let ulLastLoopCounter = 0;
  for (let round = 1; round <= CHECK_ROUNDS; round++) {
    await rtos.run(CHECK_PERIOD);
    assert.deepEqual(failures, [], `xErrorDetected latched (round ${round})`);
    assert.notEqual(ulLoopCounter, ulLastLoopCounter, `round ${round}: ulLoopCounter stuck at ${ulLoopCounter}`);
    ulLastLoopCounter = ulLoopCounter;
    if (round === 1) assert.deepEqual(log, [...oneCycle, ...oneCycle], "peek/receive order of the first two cycles");
  }
});
