/*
 * Port of FreeRTOS/Demo/Common/Minimal/dynamic.c (FreeRTOS/FreeRTOS, main branch) to tinyrtos.
 *
 * Nothing of the original is left out (single-core build: configNUMBER_OF_CORES == 1,
 * configUSE_PREEMPTION == 1, INCLUDE_eTaskGetState == 1).
 *
 * Structure kept: the queue "Suspended_Test_Queue" (1 item of uint32_t) and the five tasks with
 * the original priorities: "CNT_INC" (continuous count, idle priority), "LIM_INC" (limited
 * count, idle + 1), "C_CTRL" (controller, idle), "SUSP_TX" and "SUSP_RX" (queue send / receive
 * with the scheduler suspended, idle). The shared counter is passed to both counter tasks as
 * their parameter (a Ref, like &ulCounter).
 * Where the C tasks spin without a kernel call (CNT_INC's and LIM_INC's counting loops,
 * SUSP_RX's polling loop), each iteration consumes CPU with `await rtos.busy(...)`, outside the
 * raised-priority / scheduler-suspended regions.
 *
 * Check mapping:
 *  - configASSERTs inside the tasks are asserts inside the tasks (a throw rejects rtos.run()):
 *    CNT_INC's priority is base + 1 inside its "critical" increment and base after it;
 *    eTaskGetState(CNT_INC) == eSuspended after vTaskSuspend and == eReady after vTaskResume;
 *    eTaskGetState(LIM_INC) == eSuspended before and after vTaskResume(LIM_INC).
 *  - sError (C_CTRL): counter unchanged after a 128 ms sleep, or != 0xff after LIM_INC ran;
 *    an error stops usCheckVariable from advancing, and the reason is recorded in `errors`.
 *  - xSuspendedQueueSendError (send with the scheduler suspended != pdTRUE),
 *    xSuspendedQueueReceiveError (inner xTaskResumeAll() != pdFALSE, or a value out of order).
 *  - xAreDynamicPriorityTasksStillRunning, called repeatedly after `rtos.run()`:
 *    usCheckVariable and ulExpectedValue advanced since the last call, both error flags false.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  pdTRUE,
  pdFALSE,
  pdPASS,
  tskIDLE_PRIORITY,
  eReady,
  eSuspended,
} from "../../src/freertos/index.js";
import type { TaskHandle } from "../../src/freertos/index.js";

const configMINIMAL_STACK_SIZE = 128;
const priSTACK_SIZE = configMINIMAL_STACK_SIZE;
const priSUSPENDED_RX_TASK_STACK_SIZE = configMINIMAL_STACK_SIZE;
const priLOOPS = 5;
const priMAX_COUNT = 0xff;
const priNO_BLOCK = 0;
const priSUSPENDED_QUEUE_LENGTH = 1;

/** CPU time of one iteration of a loop that spins in the C original. */
const SPIN_TICKS = 0.1;
const LIMITED_SPIN_TICKS = 0.01;

function u32item(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}
const readU32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);

test("dynamic.c: dynamic priority and scheduler-suspension tasks keep running without error", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configIDLE_SHOULD_YIELD: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE,
  });
  const priSLEEP_TIME = rtos.pdMS_TO_TICKS(128);

  const hContinuous: { value: TaskHandle | null } = { value: null }; // xContinuousIncrementHandle
  const hLimited: { value: TaskHandle | null } = { value: null }; // xLimitedIncrementHandle
  const ulCounter = { value: 0 }; // shared counter, passed as the counter tasks' parameter

  let usCheckVariable = 0; // uint16_t
  let xSuspendedQueueSendError = pdFALSE;
  let xSuspendedQueueReceiveError = pdFALSE;
  let ulExpectedValue = 0;
  let ulValueToSend = 0; // static in vQueueSendWhenSuspendedTask
  const errors: string[] = [];
  const note = (what: string): void => {
    errors.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  const xSuspendedTestQueue = rtos.xQueueCreate(priSUSPENDED_QUEUE_LENGTH, 4);
  assert.ok(xSuspendedTestQueue, "xQueueCreate returned NULL");
  rtos.vQueueAddToRegistry(xSuspendedTestQueue, "Suspended_Test_Queue");

  async function vLimitedIncrementTask(pvParameters: unknown): Promise<void> {
    const pulCounter = pvParameters as { value: number };
    // Runs before the controller: suspend until the controller resumes us.
    await rtos.vTaskSuspend(null);
    for (;;) {
      await rtos.busy(LIMITED_SPIN_TICKS);
      pulCounter.value = (pulCounter.value + 1) >>> 0;
      if (pulCounter.value >= priMAX_COUNT) await rtos.vTaskSuspend(null);
    }
  }

  async function vContinuousIncrementTask(pvParameters: unknown): Promise<void> {
    const pulCounter = pvParameters as { value: number };
    const uxOurPriority = rtos.uxTaskPriorityGet(null);
    for (;;) {
      // Raise above the controller so no switch happens while the counter is accessed.
      await rtos.vTaskPrioritySet(null, uxOurPriority + 1);
      assert.equal(rtos.uxTaskPriorityGet(null), uxOurPriority + 1, "configASSERT: CNT_INC priority not raised");
      pulCounter.value = (pulCounter.value + 1) >>> 0;
      await rtos.vTaskPrioritySet(null, uxOurPriority);
      assert.equal(rtos.uxTaskPriorityGet(null), uxOurPriority, "configASSERT: CNT_INC priority not restored");
      await rtos.busy(SPIN_TICKS);
    }
  }

  async function vCounterControlTask(): Promise<void> {
    let sError = pdFALSE;
    const cnt = hContinuous.value!;
    const lim = hLimited.value!;
    for (;;) {
      ulCounter.value = 0;

      // First section: check the continuous count task is running.
      for (let sLoops = 0; sLoops < priLOOPS; sLoops++) {
        await rtos.vTaskSuspend(cnt);
        assert.equal(rtos.eTaskGetState(cnt), eSuspended, "configASSERT: CNT_INC not eSuspended after vTaskSuspend");
        const ulLastCounter = ulCounter.value;
        await rtos.vTaskResume(cnt);
        assert.equal(rtos.eTaskGetState(cnt), eReady, "configASSERT: CNT_INC not eReady after vTaskResume");

        // Give the other task processor time.
        await rtos.vTaskDelay(priSLEEP_TIME);

        // Check the shared variable with the scheduler suspended (demo purposes only).
        rtos.vTaskSuspendAll();
        if (ulLastCounter === ulCounter.value) {
          sError = pdTRUE;
          note(`C_CTRL: counter stayed at ${ulLastCounter} over ${priSLEEP_TIME} ticks`);
        }
        await rtos.xTaskResumeAll();
      }

      // Second section: stop the continuous counter, let the limited counter count to 0xff.
      await rtos.vTaskSuspend(cnt);
      ulCounter.value = 0;
      assert.equal(rtos.eTaskGetState(lim), eSuspended, "configASSERT: LIM_INC not eSuspended before vTaskResume");

      // LIM_INC has the higher priority: this call returns only once it suspended itself.
      await rtos.vTaskResume(lim);
      assert.equal(rtos.eTaskGetState(lim), eSuspended, "configASSERT: LIM_INC not eSuspended after it ran");

      if (ulCounter.value !== priMAX_COUNT) {
        sError = pdTRUE;
        note(`C_CTRL: counter is ${ulCounter.value} after LIM_INC ran, expected ${priMAX_COUNT}`);
      }

      if (sError === pdFALSE) {
        rtos.taskENTER_CRITICAL();
        usCheckVariable = (usCheckVariable + 1) & 0xffff;
        await rtos.taskEXIT_CRITICAL();
      }

      await rtos.vTaskResume(cnt);
    }
  }

  async function vQueueSendWhenSuspendedTask(): Promise<void> {
    for (;;) {
      rtos.vTaskSuspendAll();
      // Must not block while the scheduler is suspended.
      const r = await rtos.xQueueSend(xSuspendedTestQueue!, u32item(ulValueToSend), priNO_BLOCK);
      if (r !== pdTRUE) {
        xSuspendedQueueSendError = pdTRUE;
        note(`SUSP_TX: xQueueSend of ${ulValueToSend} with the scheduler suspended returned ${r}`);
      }
      await rtos.xTaskResumeAll();

      await rtos.vTaskDelay(priSLEEP_TIME);
      ulValueToSend = (ulValueToSend + 1) >>> 0;
    }
  }

  async function vQueueReceiveWhenSuspendedTask(): Promise<void> {
    const ulReceivedValue = { value: new Uint8Array(4) };
    for (;;) {
      let xGotValue: number;
      do {
        // Nested suspension: the inner xTaskResumeAll() must return pdFALSE.
        rtos.vTaskSuspendAll();
        {
          rtos.vTaskSuspendAll();
          xGotValue = await rtos.xQueueReceive(xSuspendedTestQueue!, ulReceivedValue, priNO_BLOCK);
          const inner = await rtos.xTaskResumeAll();
          if (inner !== pdFALSE) {
            xSuspendedQueueReceiveError = pdTRUE;
            note(`SUSP_RX: inner xTaskResumeAll() returned ${inner}`);
          }
        }
        await rtos.xTaskResumeAll();
        if (xGotValue === pdFALSE) await rtos.busy(SPIN_TICKS);
      } while (xGotValue === pdFALSE);

      const v = readU32(ulReceivedValue.value);
      if (v !== ulExpectedValue) {
        xSuspendedQueueReceiveError = pdTRUE;
        note(`SUSP_RX: received ${v}, expected ${ulExpectedValue}`);
      }
      if (xSuspendedQueueReceiveError !== pdTRUE) ulExpectedValue = (ulExpectedValue + 1) >>> 0;
    }
  }

  // vStartDynamicPriorityTasks()
  const create = async (
    fn: (p: unknown) => Promise<void>,
    name: string,
    stack: number,
    param: unknown,
    prio: number,
    ref?: { value: TaskHandle | null },
  ): Promise<void> => {
    assert.equal(await rtos.xTaskCreate(fn, name, stack, param, prio, ref), pdPASS, `xTaskCreate ${name}`);
  };
  await create(vContinuousIncrementTask, "CNT_INC", priSTACK_SIZE, ulCounter, tskIDLE_PRIORITY, hContinuous);
  await create(vLimitedIncrementTask, "LIM_INC", priSTACK_SIZE, ulCounter, tskIDLE_PRIORITY + 1, hLimited);
  await create(vCounterControlTask, "C_CTRL", priSUSPENDED_RX_TASK_STACK_SIZE, null, tskIDLE_PRIORITY);
  await create(vQueueSendWhenSuspendedTask, "SUSP_TX", priSTACK_SIZE, null, tskIDLE_PRIORITY);
  await create(vQueueReceiveWhenSuspendedTask, "SUSP_RX", priSUSPENDED_RX_TASK_STACK_SIZE, null, tskIDLE_PRIORITY);

  rtos.vTaskStartScheduler();

  // xAreDynamicPriorityTasksStillRunning(). A controller cycle is 5 x 128 ticks plus the limited
  // count; SUSP_TX sends every 128 ticks. Check every 1500 ticks.
  let usLastTaskCheck = 0;
  let ulLastExpectedValue = 0;
  const checks = 4;
  for (let i = 1; i <= checks; i++) {
    await rtos.run(1500);
    assert.deepEqual(errors, [], `check ${i}: errors recorded`);
    assert.notEqual(usCheckVariable, usLastTaskCheck, `check ${i}: C_CTRL made no error-free cycle`);
    assert.notEqual(ulExpectedValue, ulLastExpectedValue, `check ${i}: SUSP_RX received nothing`);
    assert.equal(xSuspendedQueueSendError, pdFALSE, `check ${i}: xSuspendedQueueSendError`);
    assert.equal(xSuspendedQueueReceiveError, pdFALSE, `check ${i}: xSuspendedQueueReceiveError`);
    usLastTaskCheck = usCheckVariable;
    ulLastExpectedValue = ulExpectedValue;
  }
});
