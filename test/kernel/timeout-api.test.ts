/**
 * vTaskSetTimeOutState / xTaskCheckForTimeOut as driver code uses them (rule 12's arithmetic,
 * public), and xTaskCatchUpTicks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdFALSE, pdTRUE, portMAX_DELAY, type TimeOut } from "../../src/freertos/index.js";

test("xTaskCheckForTimeOut: a polling loop sees the time left shrink, then the timeout; portMAX_DELAY never times out", async () => {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  await rtos.xTaskCreate(async () => {
    const timeOut: TimeOut = { overflowCount: 0, timeOnEntering: 0 };
    const ticksToWait = { value: 10 };
    rtos.vTaskSetTimeOutState(timeOut);
    for (;;) {
      await rtos.vTaskDelay(3);
      const r = rtos.xTaskCheckForTimeOut(timeOut, ticksToWait);
      log.push(`${rtos.xTaskGetTickCount()}:${r}:${ticksToWait.value}`);
      if (r === pdTRUE) break;
    }
    const forever: TimeOut = { overflowCount: 0, timeOnEntering: 0 };
    const wait = { value: portMAX_DELAY };
    rtos.vTaskSetTimeOutState(forever);
    await rtos.vTaskDelay(1000);
    log.push(`forever:${rtos.xTaskCheckForTimeOut(forever, wait)}:${wait.value}`);
  }, "driver", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1100);
  assert.deepEqual(log, ["3:0:7", "6:0:4", "9:0:1", "12:1:0", `forever:${pdFALSE}:${portMAX_DELAY}`]);
  assert.throws(() => rtos.xTaskCheckForTimeOut({} as TimeOut, { value: 1 }), TypeError);
});

test("xTaskCheckForTimeOut across a 16-bit tick wrap, and after a full wrap back past the entry tick", async () => {
  const rtos = createFreeRTOS({ configTICK_TYPE_WIDTH_IN_BITS: 16 });
  const results: string[] = [];
  await rtos.xTaskCreate(async () => {
    await rtos.vTaskDelay(65530); // tick 65530
    const timeOut: TimeOut = { overflowCount: 0, timeOnEntering: 0 };
    const ticks = { value: 20 };
    rtos.vTaskSetTimeOutState(timeOut);
    await rtos.vTaskDelay(10); // tick 4 after the wrap: 10 elapsed
    results.push(`${rtos.xTaskGetTickCount()}:${rtos.xTaskCheckForTimeOut(timeOut, ticks)}:${ticks.value}`);
    const old: TimeOut = { overflowCount: 0, timeOnEntering: 0 };
    const long = { value: 60000 };
    rtos.vTaskSetTimeOutState(old);
    await rtos.vTaskDelay(65535); // one wrap later, at a tick count >= the entry tick
    await rtos.vTaskDelay(2);
    results.push(`${rtos.xTaskCheckForTimeOut(old, long)}:${long.value}`);
  }, "w", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(140_000);
  assert.deepEqual(results, ["4:0:10", "1:0"]);
});

test("xTaskCatchUpTicks: the tick count catches up, a task due in the missed window wakes and preempts (pdTRUE)", async () => {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  await rtos.xTaskCreate(async () => {
    await rtos.vTaskDelay(50);
    log.push(`high woke at tick ${rtos.xTaskGetTickCount()}`);
  }, "high", 128, null, 3);
  await rtos.xTaskCreate(async () => {
    await rtos.vTaskDelay(10);
    log.push(`low before at ${rtos.xTaskGetTickCount()}`);
    const yielded = await rtos.xTaskCatchUpTicks(45); // tick 10 → 55: "high" (due at 50) wakes
    log.push(`low after at ${rtos.xTaskGetTickCount()} yielded ${yielded} (virtual time ${rtos.now()})`);
  }, "low", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  assert.deepEqual(log, ["low before at 10", "high woke at tick 55", "low after at 55 yielded 1 (virtual time 10)"]);
  await assert.rejects(async () => rtos.xTaskCatchUpTicks(-1), RangeError);
});
