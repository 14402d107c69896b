/*
 * Port of FreeRTOS/Demo/Common/Minimal/semtest.c (FreeRTOS/FreeRTOS main) to tinyrtos.
 *
 * Two sets of two tasks; the tasks of a set share a variable guarded by a binary semaphore
 * (created, then given once so it starts available):
 *   PolSEM1/PolSEM2 (idle priority): poll the semaphore (block time 0), count their shared variable
 *       to 0xff; when the take fails they taskYIELD().
 *   BlkSEM1/BlkSEM2 (priority tskIDLE_PRIORITY + 1, as mainSEM_TEST_PRIORITY in the demos): take
 *       with a 100-tick block time, count their shared variable to 0xfff, then vTaskDelay(100 * 10).
 * On obtaining the semaphore a task checks the shared variable holds the expected final value,
 * clears it and counts it back up, re-reading it after every write, then gives the semaphore.
 *
 * The shared variables are plain JS `let` variables captured by both tasks of a set (through the
 * read/write closures in the parameter object). Each counting step costs CPU time
 * (`await rtos.busy(...)` between the write and the re-read), standing in for the C loop's run
 * time, so ticks, time slices and preemption by the other task of the set fall inside the guarded
 * region: broken mutual exclusion makes a re-read differ from what was written.
 *
 * Check mapping (C -> here):
 *   `*pulSharedVariable != ulExpectedValue` on entry        -> sets the task's sError (latched)
 *   `*pulSharedVariable != ulCounter` after each write        -> sets sError
 *   `xSemaphoreGive(..) == pdFALSE`                           -> sets sError
 *   sError latched => that task's sCheckVariables entry stops advancing (as in C); the reason
 *       is also recorded in `errors` and asserted empty after every run for a clear message.
 *   xAreSemaphoreTasksStillRunning(): all 4 check variables advanced since the previous call
 *       -> `stillRunning()`, called 4 times, asserted pdTRUE each time.
 *   sNextCheckVariable handed out inside taskENTER_CRITICAL/taskEXIT_CRITICAL -> asserted to end
 *       at 4 with each task holding a distinct index.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdTRUE, pdFALSE, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { FreeRTOS, SemaphoreHandle } from "../../src/freertos/index.js";

const semtstBLOCKING_EXPECTED_VALUE = 0xfff;
const semtstNON_BLOCKING_EXPECTED_VALUE = 0xff;
const semtstNUM_TASKS = 4;
const semtstDELAY_FACTOR = 10;
const mainSEM_TEST_PRIORITY = tskIDLE_PRIORITY + 1;
/** CPU time (ticks) of one counting step: polling tasks ~16 ticks per 256 steps. */
const POLLING_STEP_COST = 1 / 16;
/** CPU time (ticks) of one counting step: blocking tasks ~16 ticks per 4096 steps. */
const BLOCKING_STEP_COST = 1 / 256;

interface SemaphoreParameters {
  xSemaphore: SemaphoreHandle;
  read: () => number;
  write: (v: number) => void;
  xBlockTime: number;
}

async function vStartSemaphoreTasks(rtos: FreeRTOS, uxPriority: number) {
  const errors: string[] = [];
  const sCheckVariables = new Array<number>(semtstNUM_TASKS).fill(0);
  let sNextCheckVariable = 0;
  const indexOf = new Map<string, number>();

  const semaphoreTest = async (p: SemaphoreParameters) => {
    const name = rtos.pcTaskGetName(null);
    let sError = false;
    const flag = (why: string) => {
      if (!sError) errors.push(`${name}: ${why} @tick ${rtos.xTaskGetTickCount()}`);
      sError = true;
    };

    // sNextCheckVariable is not semaphore protected: use a critical section.
    rtos.taskENTER_CRITICAL();
    const sCheckVariableToUse = sNextCheckVariable;
    sNextCheckVariable++;
    await rtos.taskEXIT_CRITICAL();
    indexOf.set(name, sCheckVariableToUse);

    const ulExpectedValue = p.xBlockTime > 0 ? semtstBLOCKING_EXPECTED_VALUE : semtstNON_BLOCKING_EXPECTED_VALUE;
    const stepCost = p.xBlockTime > 0 ? BLOCKING_STEP_COST : POLLING_STEP_COST;

    for (;;) {
      if ((await rtos.xSemaphoreTake(p.xSemaphore, p.xBlockTime)) === pdPASS) {
        // The other task of the set must have left the variable at the expected value.
        if (p.read() !== ulExpectedValue) flag(`found ${p.read()} on entry, expected ${ulExpectedValue}`);

        // Clear, then count back up, checking after each write (a switch or several in here).
        for (let ulCounter = 0; ulCounter <= ulExpectedValue; ulCounter++) {
          p.write(ulCounter);
          await rtos.busy(stepCost);
          if (p.read() !== ulCounter) flag(`wrote ${ulCounter}, read back ${p.read()}`);
        }

        if ((await rtos.xSemaphoreGive(p.xSemaphore)) === pdFALSE) flag("give failed");

        if (!sError && sCheckVariableToUse < semtstNUM_TASKS) sCheckVariables[sCheckVariableToUse]!++;

        // Blocking tasks run above idle and starve it while counting: let lower priorities run.
        if (p.xBlockTime !== 0) await rtos.vTaskDelay(p.xBlockTime * semtstDELAY_FACTOR);
      } else if (p.xBlockTime === 0) {
        // Not got the semaphore and not blocking: no point using the processor.
        await rtos.taskYIELD();
      }
      // CPU time of going round the outer loop (the C task is never free).
      await rtos.busy(stepCost);
    }
  };

  // First set: polling, idle priority.
  let ulPolledShared = semtstNON_BLOCKING_EXPECTED_VALUE;
  const sem1 = rtos.xSemaphoreCreateBinary();
  assert.ok(sem1, "xSemaphoreCreateBinary returned null");
  const first: SemaphoreParameters = {
    xSemaphore: sem1,
    read: () => ulPolledShared,
    write: (v) => { ulPolledShared = v; },
    xBlockTime: 0,
  };
  assert.equal(await rtos.xSemaphoreGive(first.xSemaphore), pdPASS);
  assert.equal(await rtos.xTaskCreate(semaphoreTest, "PolSEM1", 128, first, tskIDLE_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(semaphoreTest, "PolSEM2", 128, first, tskIDLE_PRIORITY), pdPASS);

  // Second set: blocking calls, 100 ms block time (100 / portTICK_PERIOD_MS ticks at 1 kHz).
  let ulBlockingShared = semtstBLOCKING_EXPECTED_VALUE;
  const xBlockTime = 100;
  const portTICK_PERIOD_MS = 1000 / rtos.pdMS_TO_TICKS(1000);
  const sem2 = rtos.xSemaphoreCreateBinary();
  assert.ok(sem2, "xSemaphoreCreateBinary returned null");
  const second: SemaphoreParameters = {
    xSemaphore: sem2,
    read: () => ulBlockingShared,
    write: (v) => { ulBlockingShared = v; },
    xBlockTime: xBlockTime / portTICK_PERIOD_MS,
  };
  assert.equal(await rtos.xSemaphoreGive(second.xSemaphore), pdPASS);
  assert.equal(await rtos.xTaskCreate(semaphoreTest, "BlkSEM1", 128, second, uxPriority), pdPASS);
  assert.equal(await rtos.xTaskCreate(semaphoreTest, "BlkSEM2", 128, second, uxPriority), pdPASS);

  // xAreSemaphoreTasksStillRunning(): static "last" values persist across calls.
  const sLastCheckVariables = new Array<number>(semtstNUM_TASKS).fill(0);
  const stillRunning = (): number => {
    let xReturn = pdTRUE;
    for (let t = 0; t < semtstNUM_TASKS; t++) {
      if (sLastCheckVariables[t] === sCheckVariables[t]) xReturn = pdFALSE;
      sLastCheckVariables[t] = sCheckVariables[t]!;
    }
    return xReturn;
  };

  return {
    errors, stillRunning, indexOf,
    checkVariables: () => [...sCheckVariables],
    nextCheckVariable: () => sNextCheckVariable,
  };
}

test("semtest.c: two pairs of tasks guard a shared variable with a binary semaphore", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8, configUSE_MUTEXES: 1, configUSE_COUNTING_SEMAPHORES: 1,
    configMINIMAL_STACK_SIZE: 128, configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    vApplicationIdleHook: () => {}, vApplicationTickHook: () => {}, vApplicationMallocFailedHook: () => {},
  });
  const demo = await vStartSemaphoreTasks(rtos, mainSEM_TEST_PRIORITY);
  rtos.vTaskStartScheduler();

  for (let check = 0; check < 4; check++) {
    // A blocking task cycles about every 1000 + 2 * 16 ticks; check every 2500 ticks.
    await rtos.run(2500);
    assert.deepEqual(demo.errors, [], `errors latched before check ${check}`);
    const before = demo.checkVariables();
    assert.equal(demo.stillRunning(), pdTRUE, `xAreSemaphoreTasksStillRunning failed at check ${check}: check variables ${JSON.stringify(before)}`);
  }

  // Every task took its check-variable index inside the critical section: 0..3, all distinct.
  assert.equal(demo.nextCheckVariable(), semtstNUM_TASKS);
  assert.deepEqual([...demo.indexOf.values()].sort(), [0, 1, 2, 3]);
});
