/**
 * Port of FreeRTOS/Demo/Common/Minimal/PollQ.c (repo FreeRTOS/FreeRTOS, main @ 592732b).
 *
 * "QProdNB" posts pollqVALUES_TO_PRODUCE (3) incrementing uint16_t values without blocking, then
 * delays pollqPRODUCER_DELAY (200 ticks); "QConsNB" drains the queue without blocking while
 * uxQueueMessagesWaiting() > 0, then delays pollqCONSUMER_DELAY (180 ticks). Both run at
 * uxPriority (mainQUEUE_POLL_PRIORITY = tskIDLE_PRIORITY + 2 in the demo mains). The queue has
 * length 10 and itemSize 2: items are 2-byte little-endian Uint8Arrays; the producer re-uses one
 * buffer and clobbers it after each send, so only a copying queue passes the value check.
 *
 * Check mapping:
 *   - producer: xQueueSend(...) != pdPASS ("should never find the queue full") -> xError
 *     => asserted: failures list empty and producer xError stays pdFALSE
 *   - consumer: usData != usExpectedValue -> xError => asserted likewise
 *   - xPollingProducerCount / xPollingConsumerCount (incremented inside a critical section, only
 *     while no error) must both be non-zero at each xArePollingQueuesStillRunning() call, which
 *     then resets them => asserted after each of CHECK_ROUNDS `await rtos.run(CHECK_PERIOD)`.
 *
 * Left out: vQueueAddToRegistry (debugger registry, no behaviour). Nothing in PollQ.c needs
 * interrupts or timers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdFALSE, pdTRUE, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { QueueHandle, Ref } from "../../src/freertos/index.js";

const pollqQUEUE_SIZE = 10;
const ITEM_SIZE = 2; // sizeof(uint16_t)
const pollqNO_DELAY = 0;
const pollqVALUES_TO_PRODUCE = 3;
const pollqINITIAL_VALUE = 0;
const POLL_PRIORITY = tskIDLE_PRIORITY + 2;
const CHECK_PERIOD = 1000; // the demo check task runs every few seconds
const CHECK_ROUNDS = 6;

function writeU16(buf: Uint8Array, value: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint16(0, value, true);
}
function readU16(buf: Uint8Array): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint16(0, true);
}

test("PollQ: polled (non-blocking) producer/consumer keep running without errors", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configMINIMAL_STACK_SIZE: 128,
  });
  const pollqSTACK_SIZE = 128;
  const pollqPRODUCER_DELAY = rtos.pdMS_TO_TICKS(200);
  const pollqCONSUMER_DELAY = pollqPRODUCER_DELAY - rtos.pdMS_TO_TICKS(20);

  let xPollingConsumerCount = pollqINITIAL_VALUE;
  let xPollingProducerCount = pollqINITIAL_VALUE;
  let xProducerError = pdFALSE;
  let xConsumerError = pdFALSE;
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  const vPolledQueueProducer = async (pv: unknown): Promise<void> => {
    const xQueue = (pv as { q: QueueHandle }).q;
    let usValue = 0;
    const item = new Uint8Array(ITEM_SIZE);
    for (;;) {
      for (let xLoop = 0; xLoop < pollqVALUES_TO_PRODUCE; xLoop++) {
        writeU16(item, usValue);
        const r = await rtos.xQueueSend(xQueue, item, pollqNO_DELAY);
        if (r !== pdPASS) {
          if (xProducerError === pdFALSE) fail(`QProdNB: xQueueSend(${usValue}) returned ${r}: queue unexpectedly full`);
          xProducerError = pdTRUE;
        } else {
          if (xProducerError === pdFALSE) {
            rtos.taskENTER_CRITICAL();
            xPollingProducerCount++;
            await rtos.taskEXIT_CRITICAL();
          }
          usValue = (usValue + 1) & 0xffff;
          writeU16(item, 0xbeef); // clobber: the queue must have copied the item
        }
      }
      await rtos.vTaskDelay(pollqPRODUCER_DELAY);
    }
  };

  const vPolledQueueConsumer = async (pv: unknown): Promise<void> => {
    const xQueue = (pv as { q: QueueHandle }).q;
    let usExpectedValue = 0;
    const usData: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    for (;;) {
      while (rtos.uxQueueMessagesWaiting(xQueue)) {
        if ((await rtos.xQueueReceive(xQueue, usData, pollqNO_DELAY)) === pdPASS) {
          const got = readU16(usData.value);
          if (got !== usExpectedValue) {
            if (xConsumerError === pdFALSE) fail(`QConsNB: received ${got}, expected ${usExpectedValue}`);
            xConsumerError = pdTRUE;
            usExpectedValue = got;
          } else if (xConsumerError === pdFALSE) {
            rtos.taskENTER_CRITICAL();
            xPollingConsumerCount++;
            await rtos.taskEXIT_CRITICAL();
          }
          usExpectedValue = (usExpectedValue + 1) & 0xffff;
        }
      }
      await rtos.vTaskDelay(pollqCONSUMER_DELAY);
    }
  };

  // vStartPolledQueueTasks(POLL_PRIORITY)
  const xPolledQueue = rtos.xQueueCreate(pollqQUEUE_SIZE, ITEM_SIZE);
  assert.ok(xPolledQueue, "xQueueCreate(10, 2)");
  const param = { q: xPolledQueue };
  assert.equal(await rtos.xTaskCreate(vPolledQueueConsumer, "QConsNB", pollqSTACK_SIZE, param, POLL_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(vPolledQueueProducer, "QProdNB", pollqSTACK_SIZE, param, POLL_PRIORITY), pdPASS);

  rtos.vTaskStartScheduler();

  // xArePollingQueuesStillRunning()
  for (let round = 1; round <= CHECK_ROUNDS; round++) {
    await rtos.run(CHECK_PERIOD);
    assert.deepEqual(failures, [], `errors latched by the polling tasks (round ${round})`);
    assert.equal(xProducerError, pdFALSE, "QProdNB xError");
    assert.equal(xConsumerError, pdFALSE, "QConsNB xError");
    assert.notEqual(xPollingConsumerCount, pollqINITIAL_VALUE, `round ${round}: xPollingConsumerCount did not advance`);
    assert.notEqual(xPollingProducerCount, pollqINITIAL_VALUE, `round ${round}: xPollingProducerCount did not advance`);
    xPollingConsumerCount = pollqINITIAL_VALUE;
    xPollingProducerCount = pollqINITIAL_VALUE;
  }
});
