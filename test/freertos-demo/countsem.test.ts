/*
 * Port of FreeRTOS/Demo/Common/Minimal/countsem.c (FreeRTOS/FreeRTOS main) to tinyrtos.
 *
 * Two counting semaphores (max 200): one created full (200), one created empty (0). Two tasks
 * "CNT1"/"CNT2" at the idle priority each own one. A task whose semaphore starts full first counts
 * it down to 0; then each loops: count up 0 -> 200 with non-blocking gives, count down 200 -> 0
 * with non-blocking takes, bumping its loop counter per give/take.
 *
 * Check mapping (C -> here):
 *   give at max passes / take at zero passes / a give or take in the loops fails (xErrorDetected)
 *       -> `latch("...")`, asserted empty after every run and by the check function
 *   configASSERT(uxSemaphoreGetCount(s) == expected) in both loops and after the down-count
 *       -> assert.equal inside the task (an assertion failure rejects rtos.run)
 *   initial counts of the two semaphores (200 / 0), as implied by uxExpectedStartCount
 *       -> assert.equal after creation
 *   xAreCountingSemaphoreTasksStillRunning(): error flag clear and both loop counters advanced
 *       since the previous call -> `stillRunning()`, called 5 times, asserted pdPASS each time.
 * The `#if configUSE_PREEMPTION == 0 taskYIELD()` branches are kept; the demo runs twice, with
 * preemption on and off. Each give/take in the loops costs CPU time (`await rtos.busy(...)`),
 * standing in for the C loop's execution time, so ticks (and time slices) fall inside the loops.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdFAIL, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { FreeRTOS, SemaphoreHandle } from "../../src/freertos/index.js";

const countMAX_COUNT_VALUE = 200;
const countSTART_AT_MAX_COUNT = 0xaa;
const countNUM_TEST_TASKS = 2;
const countDONT_BLOCK = 0;
/** CPU time (ticks) of one iteration of the up/down-count loops. */
const LOOP_ITERATION_COST = 1 / 32;

interface CountSemParams {
  xSemaphore: SemaphoreHandle;
  uxExpectedStartCount: number;
  uxLoopCounter: number;
}

function makeKernel(preemption: 0 | 1): FreeRTOS {
  return createFreeRTOS({
    configMAX_PRIORITIES: 8, configUSE_PREEMPTION: preemption, configUSE_MUTEXES: 1,
    configUSE_COUNTING_SEMAPHORES: 1, configMINIMAL_STACK_SIZE: 128, configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    vApplicationIdleHook: () => {}, vApplicationTickHook: () => {}, vApplicationMallocFailedHook: () => {},
  });
}

async function vStartCountingSemaphoreTasks(rtos: FreeRTOS, preemption: boolean) {
  const errors: string[] = [];
  const latch = (where: string) => { errors.push(`${where} @tick ${rtos.xTaskGetTickCount()}`); };

  const sem0 = rtos.xSemaphoreCreateCounting(countMAX_COUNT_VALUE, countMAX_COUNT_VALUE);
  const sem1 = rtos.xSemaphoreCreateCounting(countMAX_COUNT_VALUE, 0);
  assert.ok(sem0 && sem1, "xSemaphoreCreateCounting returned null");
  assert.equal(rtos.uxSemaphoreGetCount(sem0), countMAX_COUNT_VALUE);
  assert.equal(rtos.uxSemaphoreGetCount(sem1), 0);
  const xParameters: CountSemParams[] = [
    { xSemaphore: sem0, uxExpectedStartCount: countSTART_AT_MAX_COUNT, uxLoopCounter: 0 },
    { xSemaphore: sem1, uxExpectedStartCount: 0, uxLoopCounter: 0 },
  ];

  const decrementSemaphoreCount = async (p: CountSemParams, who: string) => {
    // At its maximum count: a give must fail.
    if ((await rtos.xSemaphoreGive(p.xSemaphore)) === pdPASS) latch(`${who}: give at max count passed`);
    for (let ux = 0; ux < countMAX_COUNT_VALUE; ux++) {
      assert.equal(rtos.uxSemaphoreGetCount(p.xSemaphore), countMAX_COUNT_VALUE - ux, `${who}: count while counting down`);
      if ((await rtos.xSemaphoreTake(p.xSemaphore, countDONT_BLOCK)) !== pdPASS) latch(`${who}: take #${ux} failed`);
      p.uxLoopCounter++;
      await rtos.busy(LOOP_ITERATION_COST);
    }
    if (!preemption) await rtos.taskYIELD();
    // At zero: a take must fail.
    assert.equal(rtos.uxSemaphoreGetCount(p.xSemaphore), 0, `${who}: count after counting down`);
    if ((await rtos.xSemaphoreTake(p.xSemaphore, countDONT_BLOCK)) === pdPASS) latch(`${who}: take at zero passed`);
  };

  const incrementSemaphoreCount = async (p: CountSemParams, who: string) => {
    // At zero: a take must fail.
    if ((await rtos.xSemaphoreTake(p.xSemaphore, countDONT_BLOCK)) === pdPASS) latch(`${who}: take at zero passed`);
    for (let ux = 0; ux < countMAX_COUNT_VALUE; ux++) {
      assert.equal(rtos.uxSemaphoreGetCount(p.xSemaphore), ux, `${who}: count while counting up`);
      if ((await rtos.xSemaphoreGive(p.xSemaphore)) !== pdPASS) latch(`${who}: give #${ux} failed`);
      p.uxLoopCounter++;
      await rtos.busy(LOOP_ITERATION_COST);
    }
    if (!preemption) await rtos.taskYIELD();
    // At its maximum count: a give must fail.
    if ((await rtos.xSemaphoreGive(p.xSemaphore)) === pdPASS) latch(`${who}: give at max count passed`);
  };

  const countingSemaphoreTask = async (p: CountSemParams) => {
    const who = rtos.pcTaskGetName(null);
    if (p.uxExpectedStartCount === countSTART_AT_MAX_COUNT) await decrementSemaphoreCount(p, who);
    // The count is now expected to be 0, so a take must fail.
    if ((await rtos.xSemaphoreTake(p.xSemaphore, 0)) === pdPASS) latch(`${who}: take at zero passed (start)`);
    for (;;) {
      await incrementSemaphoreCount(p, who);
      await decrementSemaphoreCount(p, who);
    }
  };

  assert.equal(await rtos.xTaskCreate(countingSemaphoreTask, "CNT1", 128, xParameters[0], tskIDLE_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(countingSemaphoreTask, "CNT2", 128, xParameters[1], tskIDLE_PRIORITY), pdPASS);

  // xAreCountingSemaphoreTasksStillRunning(): static "last" counts persist across calls.
  const lastCount = new Array<number>(countNUM_TEST_TASKS).fill(0);
  const stillRunning = (): number => {
    let xReturn = pdPASS;
    if (errors.length > 0) xReturn = pdFAIL;
    for (let i = 0; i < countNUM_TEST_TASKS; i++) {
      if (lastCount[i] === xParameters[i]!.uxLoopCounter) {
        latch(`check: CNT${i + 1} loop counter did not advance (${lastCount[i]})`);
        xReturn = pdFAIL;
      } else {
        lastCount[i] = xParameters[i]!.uxLoopCounter;
      }
    }
    return xReturn;
  };

  return { errors, stillRunning, xParameters };
}

async function runDemo(preemption: 0 | 1) {
  const rtos = makeKernel(preemption);
  const demo = await vStartCountingSemaphoreTasks(rtos, preemption === 1);
  rtos.vTaskStartScheduler();
  for (let check = 0; check < 5; check++) {
    await rtos.run(500);
    assert.deepEqual(demo.errors, [], `errors latched before check ${check}`);
    const result = demo.stillRunning();
    assert.equal(result, pdPASS, `xAreCountingSemaphoreTasksStillRunning failed at check ${check}: ${demo.errors.join("; ")}`);
  }
  // Each task did many full up/down cycles (200 gives + 200 takes each).
  for (const p of demo.xParameters) assert.ok(p.uxLoopCounter > 4 * countMAX_COUNT_VALUE, `loop counter ${p.uxLoopCounter}`);
}

test("countsem.c: counting semaphore demo, preemptive scheduler", async () => {
  await runDemo(1);
});

test("countsem.c: counting semaphore demo, cooperative scheduler (configUSE_PREEMPTION 0)", async () => {
  await runDemo(0);
});
