/*
 * Port of FreeRTOS/Demo/Common/Minimal/recmutex.c (FreeRTOS/FreeRTOS main) to tinyrtos.
 *
 * Three tasks share one recursive mutex:
 *   Rec1 "controlling" (priority 2): give-without-take must fail; takes the mutex 10 times
 *        (15 ms block time each, delaying 20 ms after each take), gives it back 10 times (delaying
 *        20 ms before each give), a further give must fail, counts a cycle, suspends itself.
 *   Rec2 "blocking"    (priority 1): takes with portMAX_DELAY - 1, must only get past the take
 *        once Rec1 is suspended; gives back and suspends itself; checks lock-step with Rec1.
 *   Rec3 "polling"     (priority 0): spins on take(0); once it gets the mutex both others must
 *        be suspended; resumes both (they block on the mutex, so it inherits priority 2), then
 *        gives the mutex back and must be back at priority 0.
 *
 * Check mapping (C -> here):
 *   every `xErrorOccurred = pdTRUE/__LINE__`      -> `latch("...")`, asserted empty after each run
 *   configASSERT(eTaskGetState(..) == eSuspended)  -> assert.equal inside Rec3 (rejects rtos.run)
 *   configASSERT(eTaskGetState(..) == eBlocked)    -> assert.equal inside Rec3
 *   configASSERT(uxTaskPriorityGet(NULL) == 2 / 0) -> assert.equal inside Rec3 (inherit/disinherit)
 *   xAreRecursiveMutexTasksStillRunning()          -> `stillRunning()`: the three cycle counters
 *        must advance between successive calls; called 5 times, asserted pdPASS each time.
 * The `#if configUSE_PREEMPTION == 0 taskYIELD()` branches are kept; the demo runs twice, with
 * preemption on and off. The polling task's spin costs CPU time: `await rtos.busy(...)` per loop.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS, pdPASS, pdFAIL, tskIDLE_PRIORITY, eSuspended, eBlocked,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle, Ref } from "../../src/freertos/index.js";

const recmuCONTROLLING_TASK_PRIORITY = tskIDLE_PRIORITY + 2;
const recmuBLOCKING_TASK_PRIORITY = tskIDLE_PRIORITY + 1;
const recmuPOLLING_TASK_PRIORITY = tskIDLE_PRIORITY + 0;
const recmuMAX_COUNT = 10;
const recmuNO_DELAY = 0;
/** CPU time (ticks) of one iteration of the polling task's spin loop. */
const POLL_LOOP_COST = 0.125;

function makeKernel(preemption: 0 | 1): FreeRTOS {
  return createFreeRTOS({
    configMAX_PRIORITIES: 8, configUSE_PREEMPTION: preemption, configUSE_MUTEXES: 1,
    configUSE_RECURSIVE_MUTEXES: 1, configUSE_COUNTING_SEMAPHORES: 1, configMINIMAL_STACK_SIZE: 128,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    vApplicationIdleHook: () => {}, vApplicationTickHook: () => {}, vApplicationMallocFailedHook: () => {},
  });
}

async function vStartRecursiveMutexTasks(rtos: FreeRTOS, preemption: boolean) {
  const recmuSHORT_DELAY = rtos.pdMS_TO_TICKS(20);
  const recmu15ms_DELAY = rtos.pdMS_TO_TICKS(15);
  const stack = 128;

  const errors: string[] = [];
  const latch = (where: string) => { errors.push(`${where} @tick ${rtos.xTaskGetTickCount()}`); };
  let controllingIsSuspended = false;
  let blockingIsSuspended = false;
  let controllingCycles = 0;
  let blockingCycles = 0;
  let pollingCycles = 0;

  const xMutex = rtos.xSemaphoreCreateRecursiveMutex();
  assert.ok(xMutex, "xSemaphoreCreateRecursiveMutex returned null");
  const hControlling: Ref<TaskHandle | null> = { value: null };
  const hBlocking: Ref<TaskHandle | null> = { value: null };

  const controllingTask = async () => {
    for (;;) {
      // Not taken by us (first time: by nobody; later: held by the polling task) -> must fail.
      if ((await rtos.xSemaphoreGiveRecursive(xMutex)) === pdPASS) latch("Rec1: give before take passed");

      for (let ux = 0; ux < recmuMAX_COUNT; ux++) {
        // From the 2nd cycle on the first take finds the mutex held by the polling task, which
        // inherits our priority and must give it back within the block time.
        if ((await rtos.xSemaphoreTakeRecursive(xMutex, recmu15ms_DELAY)) !== pdPASS) latch(`Rec1: take #${ux} failed`);
        await rtos.vTaskDelay(recmuSHORT_DELAY);
      }

      for (let ux = 0; ux < recmuMAX_COUNT; ux++) {
        await rtos.vTaskDelay(recmuSHORT_DELAY);
        if ((await rtos.xSemaphoreGiveRecursive(xMutex)) !== pdPASS) latch(`Rec1: give #${ux} failed`);
        if (!preemption) await rtos.taskYIELD();
      }

      // Given back as often as taken: no longer the holder, so this give must fail.
      if ((await rtos.xSemaphoreGiveRecursive(xMutex)) === pdPASS) latch("Rec1: extra give passed");

      controllingCycles++;
      controllingIsSuspended = true;
      await rtos.vTaskSuspend(null);
      controllingIsSuspended = false;
    }
  };

  const blockingTask = async () => {
    for (;;) {
      // portMAX_DELAY - 1 so that the task reports Blocked, not Suspended, while it waits.
      if ((await rtos.xSemaphoreTakeRecursive(xMutex, rtos.portMAX_DELAY - 1)) === pdPASS) {
        if (!controllingIsSuspended) {
          latch("Rec2: got the mutex while Rec1 not suspended");
        } else {
          if ((await rtos.xSemaphoreGiveRecursive(xMutex)) !== pdPASS) latch("Rec2: give failed");
          blockingIsSuspended = true;
          await rtos.vTaskSuspend(null);
          blockingIsSuspended = false;
        }
      } else {
        latch("Rec2: take returned without the mutex");
      }
      if (controllingCycles !== blockingCycles + 1) latch(`Rec2: lock step broken (ctrl ${controllingCycles}, blk ${blockingCycles})`);
      blockingCycles++;
    }
  };

  const pollingTask = async () => {
    for (;;) {
      if ((await rtos.xSemaphoreTakeRecursive(xMutex, recmuNO_DELAY)) === pdPASS) {
        assert.equal(rtos.eTaskGetState(hControlling.value!), eSuspended, "Rec3: Rec1 should be suspended when polling gets the mutex");
        assert.equal(rtos.eTaskGetState(hBlocking.value!), eSuspended, "Rec3: Rec2 should be suspended when polling gets the mutex");

        if (!blockingIsSuspended || !controllingIsSuspended) {
          latch("Rec3: got the mutex while Rec1/Rec2 not suspended");
        } else {
          pollingCycles++;

          // Both run at once (higher priority), try the mutex and block: we inherit priority.
          await rtos.vTaskResume(hBlocking.value!);
          if (!preemption) await rtos.taskYIELD();
          await rtos.vTaskResume(hControlling.value!);
          if (!preemption) await rtos.taskYIELD();

          if (blockingIsSuspended || controllingIsSuspended) latch("Rec3: Rec1/Rec2 did not run after resume");

          assert.equal(rtos.uxTaskPriorityGet(null), recmuCONTROLLING_TASK_PRIORITY, "Rec3: priority not inherited");
          assert.equal(rtos.eTaskGetState(hControlling.value!), eBlocked, "Rec3: Rec1 should be blocked on the mutex");
          assert.equal(rtos.eTaskGetState(hBlocking.value!), eBlocked, "Rec3: Rec2 should be blocked on the mutex");

          // Release: disinherits the priority again.
          if ((await rtos.xSemaphoreGiveRecursive(xMutex)) !== pdPASS) latch("Rec3: give failed");

          assert.equal(rtos.uxTaskPriorityGet(null), recmuPOLLING_TASK_PRIORITY, "Rec3: priority not disinherited");
        }
      }
      if (!preemption) await rtos.taskYIELD();
      // The C task spins here; model the CPU time of one spin iteration.
      await rtos.busy(POLL_LOOP_COST);
    }
  };

  assert.equal(await rtos.xTaskCreate(controllingTask, "Rec1", stack, null, recmuCONTROLLING_TASK_PRIORITY, hControlling), pdPASS);
  assert.equal(await rtos.xTaskCreate(blockingTask, "Rec2", stack, null, recmuBLOCKING_TASK_PRIORITY, hBlocking), pdPASS);
  assert.equal(await rtos.xTaskCreate(pollingTask, "Rec3", stack, null, recmuPOLLING_TASK_PRIORITY), pdPASS);

  // xAreRecursiveMutexTasksStillRunning(): static "last" counters persist across calls.
  let lastControlling = 0, lastBlocking = 0, lastPolling = 0;
  const stillRunning = (): number => {
    if (lastControlling === controllingCycles) latch("check: controlling task stalled");
    else lastControlling = controllingCycles;
    if (lastBlocking === blockingCycles) latch("check: blocking task stalled");
    else lastBlocking = blockingCycles;
    if (lastPolling === pollingCycles) latch("check: polling task stalled");
    else lastPolling = pollingCycles;
    return errors.length > 0 ? pdFAIL : pdPASS;
  };

  return {
    errors, stillRunning,
    counters: () => ({ controllingCycles, blockingCycles, pollingCycles }),
  };
}

async function runDemo(preemption: 0 | 1) {
  const rtos = makeKernel(preemption);
  const demo = await vStartRecursiveMutexTasks(rtos, preemption === 1);
  rtos.vTaskStartScheduler();
  let previous = demo.counters();
  for (let check = 0; check < 5; check++) {
    await rtos.run(1000); // one controlling cycle is ~400 ticks
    assert.deepEqual(demo.errors, [], `errors latched before check ${check}`);
    const result = demo.stillRunning();
    assert.equal(result, pdPASS, `xAreRecursiveMutexTasksStillRunning failed at check ${check}: ${demo.errors.join("; ")}`);
    const now = demo.counters();
    assert.ok(now.controllingCycles > previous.controllingCycles, "controlling cycles advanced");
    assert.ok(now.blockingCycles > previous.blockingCycles, "blocking cycles advanced");
    assert.ok(now.pollingCycles > previous.pollingCycles, "polling cycles advanced");
    previous = now;
  }
}

test("recmutex.c: recursive mutex demo, preemptive scheduler", async () => {
  await runDemo(1);
});

test("recmutex.c: recursive mutex demo, cooperative scheduler (configUSE_PREEMPTION 0)", async () => {
  await runDemo(0);
});
