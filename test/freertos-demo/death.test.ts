/*
 * Port of FreeRTOS/Demo/Common/Minimal/death.c (FreeRTOS/FreeRTOS, main branch) to tinyrtos.
 *
 * Nothing of the original is left out (portALLOCATE_SECURE_CONTEXT is a no-op on this port).
 *
 * Structure kept: vCreateSuicidalTasks(priority) creates "CREATOR" (stack configMINIMAL_STACK_SIZE
 * + 60) at the demos' usual mainCREATOR_TASK_PRIORITY (tskIDLE_PRIORITY + 3). CREATOR waits 1 s,
 * stores uxTaskGetNumberOfTasks(), then every 1 s creates "SUICID1" (parameter NULL, handle into
 * xCreatedTask) and "SUICID2" (parameter &xCreatedTask) at its own priority and increments
 * usCreationCount. Both suicidal tasks delay 200 ms in a loop; SUICID2 then does vTaskDelay(0),
 * deletes SUICID1 and deletes itself (the idle task frees it).
 *
 * Check mapping (xIsCreateTaskStillRunning, called repeatedly like the demo's check task):
 *  - usCreationCount changed since the previous call (static last value starts at 0xfff);
 *  - uxTaskGetNumberOfTasks() is not below uxTasksRunningAtStart;
 *  - and exceeds it by at most uxMaxNumberOfExtraTasksRunning (3).
 * Each is an assert after `rtos.run()`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { TaskHandle } from "../../src/freertos/index.js";

const configMINIMAL_STACK_SIZE = 128;
const deathSTACK_SIZE = configMINIMAL_STACK_SIZE + 60;
const mainCREATOR_TASK_PRIORITY = tskIDLE_PRIORITY + 3;
const uxMaxNumberOfExtraTasksRunning = 3;

test("death.c: CREATOR keeps creating suicidal tasks that delete each other and themselves", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_PREEMPTION: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE,
  });

  let usCreationCount = 0; // uint16_t
  let uxTasksRunningAtStart = 0;
  // xCreatedTask: the handle SUICID2 kills; SUICID2 receives a pointer to it (&xCreatedTask).
  const xCreatedTask: { value: TaskHandle | null } = { value: null };

  async function vSuicidalTask(pvParameters: unknown): Promise<void> {
    const xDelay = rtos.pdMS_TO_TICKS(200);
    const xTaskToKill =
      pvParameters !== null ? (pvParameters as { value: TaskHandle | null }).value : null;

    for (;;) {
      // "Do something random just to use some stack and registers."
      let l2 = 89;
      l2 *= 2;
      void l2;
      await rtos.vTaskDelay(xDelay);

      if (xTaskToKill !== null) {
        // Make sure the other task has a go before we delete it.
        await rtos.vTaskDelay(0);
        await rtos.vTaskDelete(xTaskToKill);
        await rtos.vTaskDelete(null);
        throw new Error("vTaskDelete(NULL) returned"); // never reached in FreeRTOS
      }
    }
  }

  async function vCreateTasks(): Promise<void> {
    const xDelay = rtos.pdMS_TO_TICKS(1000);

    // Let the other tasks get created before counting them.
    await rtos.vTaskDelay(xDelay);
    uxTasksRunningAtStart = rtos.uxTaskGetNumberOfTasks();

    const uxPriority = rtos.uxTaskPriorityGet(null);

    for (;;) {
      await rtos.vTaskDelay(xDelay);
      xCreatedTask.value = null;
      await rtos.xTaskCreate(vSuicidalTask, "SUICID1", configMINIMAL_STACK_SIZE, null, uxPriority, xCreatedTask);
      await rtos.xTaskCreate(vSuicidalTask, "SUICID2", configMINIMAL_STACK_SIZE, xCreatedTask, uxPriority);
      usCreationCount = (usCreationCount + 1) & 0xffff;
    }
  }

  // vCreateSuicidalTasks( mainCREATOR_TASK_PRIORITY )
  assert.equal(
    await rtos.xTaskCreate(vCreateTasks, "CREATOR", deathSTACK_SIZE, null, mainCREATOR_TASK_PRIORITY),
    pdPASS,
  );

  rtos.vTaskStartScheduler();

  // xIsCreateTaskStillRunning(). The check interval (1300 ticks) is not a multiple of the 1000-tick
  // creation period, so the checks sample different phases: suicidal tasks alive, just deleted,
  // waiting for the idle task's clean-up, or all gone.
  await rtos.run(1100);
  assert.ok(uxTasksRunningAtStart > 0, "CREATOR did not record uxTasksRunningAtStart");
  let usLastCreationCount = 0xfff;
  const checks = 8;
  for (let i = 1; i <= checks; i++) {
    await rtos.run(1300);
    assert.notEqual(usCreationCount, usLastCreationCount, `check ${i}: CREATOR created no tasks since the last check`);
    usLastCreationCount = usCreationCount;
    const uxTasksRunningNow = rtos.uxTaskGetNumberOfTasks();
    assert.ok(
      uxTasksRunningNow >= uxTasksRunningAtStart,
      `check ${i}: ${uxTasksRunningNow} tasks < ${uxTasksRunningAtStart} at start`,
    );
    assert.ok(
      uxTasksRunningNow - uxTasksRunningAtStart <= uxMaxNumberOfExtraTasksRunning,
      `check ${i}: ${uxTasksRunningNow} tasks, more than ${uxMaxNumberOfExtraTasksRunning} above ${uxTasksRunningAtStart}`,
    );
  }
});
