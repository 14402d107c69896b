/**
 * Port of FreeRTOS/Demo/Common/Minimal/BlockQ.c (repo FreeRTOS/FreeRTOS, main @ 592732b).
 *
 * Three producer/consumer pairs pass an incrementing uint16_t through a queue. Items are 2-byte
 * little-endian Uint8Arrays in queues created with itemSize = 2. The producer re-uses ONE buffer
 * and rewrites it after each send (like the C stack variable `usValue`), and the consumer receives
 * into a buffer that holds the previous item, so a queue that kept a reference instead of a copy
 * is caught by the expected-value check.
 *
 *   set 0: queue length 1, "QConsB1" prio uxPriority blocks 1000 ticks, "QProdB2" prio idle, no block
 *   set 1: queue length 1, "QConsB3" prio idle, no block,               "QProdB4" prio uxPriority blocks 1000
 *   set 2: queue length 5, "QProdB5" prio idle blocks 1000,             "QConsB6" prio idle blocks 1000
 *
 * Check mapping:
 *   - producer: xQueueSend(...) != pdPASS -> sErrorEverOccurred  => asserted false (failures list)
 *   - consumer: usData != usExpectedValue -> sErrorEverOccurred  => asserted false (failures list)
 *   - sBlockingProducerCount[i] / sBlockingConsumerCount[i] only advance while no error;
 *     xAreBlockingQueuesStillRunning() (every counter changed since the last call)
 *     => asserted after each of CHECK_ROUNDS `await rtos.run(CHECK_PERIOD)` calls.
 *
 * Adaptations: each task loop starts with `await rtos.busy(CPU_PER_LOOP)` (the C tasks spin without
 * blocking and rely on tick time slicing; here synchronous code takes zero virtual time). The
 * configNUMBER_OF_CORES > 1 and configUSE_PREEMPTION == 0 branches are not used (single core,
 * preemptive). Nothing in BlockQ.c needs interrupts or timers, so nothing is left out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdFALSE, pdTRUE, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { QueueHandle, Ref } from "../../src/freertos/index.js";

const blckqNUM_TASK_SETS = 3;
const ITEM_SIZE = 2; // sizeof(uint16_t)
const BLOCK_PRIORITY = tskIDLE_PRIORITY + 2; // mainQUEUE_BLOCK_PRIORITY in the demo mains
const CPU_PER_LOOP = 0.05; // ticks of CPU each loop iteration consumes
const CHECK_PERIOD = 250; // ticks between calls of the "still running" check
const CHECK_ROUNDS = 8;

interface BlockingQueueParameters {
  xQueue: QueueHandle;
  xBlockTime: number;
  counters: number[]; // sBlockingProducerCount or sBlockingConsumerCount
  index: number; // which element of `counters` this task increments
}

function writeU16(buf: Uint8Array, value: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint16(0, value, true);
}
function readU16(buf: Uint8Array): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint16(0, true);
}

test("BlockQ: blocking producer/consumer queue tasks keep running without errors", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configMINIMAL_STACK_SIZE: 128,
  });
  const blckqSTACK_SIZE = 128;

  const sBlockingConsumerCount = [0, 0, 0];
  const sBlockingProducerCount = [0, 0, 0];
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  const vBlockingQueueProducer = async (pv: unknown): Promise<void> => {
    const p = pv as BlockingQueueParameters;
    const name = rtos.pcTaskGetName(null);
    let usValue = 0;
    let sErrorEverOccurred = pdFALSE;
    const item = new Uint8Array(ITEM_SIZE); // the C stack variable, re-used for every send
    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      writeU16(item, usValue);
      const r = await rtos.xQueueSend(p.xQueue, item, p.xBlockTime);
      if (r !== pdPASS) {
        if (sErrorEverOccurred === pdFALSE) fail(`${name}: xQueueSend(${usValue}) returned ${r}, expected pdPASS`);
        sErrorEverOccurred = pdTRUE;
      } else {
        if (sErrorEverOccurred === pdFALSE) p.counters[p.index]++;
        usValue = (usValue + 1) & 0xffff;
        writeU16(item, 0xdead); // clobber the sent buffer: the queue must hold a copy
      }
    }
  };

  const vBlockingQueueConsumer = async (pv: unknown): Promise<void> => {
    const p = pv as BlockingQueueParameters;
    const name = rtos.pcTaskGetName(null);
    let usExpectedValue = 0;
    let sErrorEverOccurred = pdFALSE;
    const usData: Ref<Uint8Array> = { value: new Uint8Array(ITEM_SIZE) };
    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      if ((await rtos.xQueueReceive(p.xQueue, usData, p.xBlockTime)) === pdPASS) {
        const got = readU16(usData.value);
        if (got !== usExpectedValue) {
          if (sErrorEverOccurred === pdFALSE) fail(`${name}: received ${got}, expected ${usExpectedValue}`);
          usExpectedValue = got; // catch-up
          sErrorEverOccurred = pdTRUE;
        } else {
          if (sErrorEverOccurred === pdFALSE) p.counters[p.index]++;
          usExpectedValue = (usExpectedValue + 1) & 0xffff;
        }
      }
    }
  };

  // vStartBlockingQueueTasks(BLOCK_PRIORITY)
  const uxQueueSize1 = 1;
  const uxQueueSize5 = 5;
  const xBlockTime = rtos.pdMS_TO_TICKS(1000);
  const xDontBlock = 0;

  const q1 = rtos.xQueueCreate(uxQueueSize1, ITEM_SIZE);
  assert.ok(q1, "xQueueCreate(1, 2) for set 0");
  const params1: BlockingQueueParameters = { xQueue: q1, xBlockTime, counters: sBlockingConsumerCount, index: 0 };
  const params2: BlockingQueueParameters = { xQueue: q1, xBlockTime: xDontBlock, counters: sBlockingProducerCount, index: 0 };
  assert.equal(await rtos.xTaskCreate(vBlockingQueueConsumer, "QConsB1", blckqSTACK_SIZE, params1, BLOCK_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(vBlockingQueueProducer, "QProdB2", blckqSTACK_SIZE, params2, tskIDLE_PRIORITY), pdPASS);

  const q3 = rtos.xQueueCreate(uxQueueSize1, ITEM_SIZE);
  assert.ok(q3, "xQueueCreate(1, 2) for set 1");
  const params3: BlockingQueueParameters = { xQueue: q3, xBlockTime: xDontBlock, counters: sBlockingProducerCount, index: 1 };
  const params4: BlockingQueueParameters = { xQueue: q3, xBlockTime, counters: sBlockingConsumerCount, index: 1 };
  // As in the C file: the consumer gets params3 (no block, increments the PRODUCER counter 1) and
  // the producer params4 (blocks, increments the CONSUMER counter 1).
  assert.equal(await rtos.xTaskCreate(vBlockingQueueConsumer, "QConsB3", blckqSTACK_SIZE, params3, tskIDLE_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(vBlockingQueueProducer, "QProdB4", blckqSTACK_SIZE, params4, BLOCK_PRIORITY), pdPASS);

  const q5 = rtos.xQueueCreate(uxQueueSize5, ITEM_SIZE);
  assert.ok(q5, "xQueueCreate(5, 2) for set 2");
  const params5: BlockingQueueParameters = { xQueue: q5, xBlockTime, counters: sBlockingProducerCount, index: 2 };
  const params6: BlockingQueueParameters = { xQueue: q5, xBlockTime, counters: sBlockingConsumerCount, index: 2 };
  assert.equal(await rtos.xTaskCreate(vBlockingQueueProducer, "QProdB5", blckqSTACK_SIZE, params5, tskIDLE_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(vBlockingQueueConsumer, "QConsB6", blckqSTACK_SIZE, params6, tskIDLE_PRIORITY), pdPASS);

  rtos.vTaskStartScheduler();

  // xAreBlockingQueuesStillRunning(), called periodically by the demo's check task.
  const sLastBlockingConsumerCount = [0, 0, 0];
  const sLastBlockingProducerCount = [0, 0, 0];
  for (let round = 1; round <= CHECK_ROUNDS; round++) {
    await rtos.run(CHECK_PERIOD);
    assert.deepEqual(failures, [], `errors latched by the queue tasks (round ${round})`);
    for (let i = 0; i < blckqNUM_TASK_SETS; i++) {
      assert.notEqual(sBlockingConsumerCount[i], sLastBlockingConsumerCount[i],
        `round ${round}: sBlockingConsumerCount[${i}] did not change (stuck at ${sBlockingConsumerCount[i]})`);
      sLastBlockingConsumerCount[i] = sBlockingConsumerCount[i];
      assert.notEqual(sBlockingProducerCount[i], sLastBlockingProducerCount[i],
        `round ${round}: sBlockingProducerCount[${i}] did not change (stuck at ${sBlockingProducerCount[i]})`);
      sLastBlockingProducerCount[i] = sBlockingProducerCount[i];
    }
  }
});
