/**
 * uxTaskGetSystemState's switchInCount: the times the scheduler switched a task in while another
 * task had been running (the "wake-ups" column of the CLI's task table).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS } from "../../src/freertos/index.js";

const counts = (rtos: ReturnType<typeof createFreeRTOS>) => Object.fromEntries(rtos.uxTaskGetSystemState().map((s) => [s.name, s.switchInCount]));

test("switchInCount: a periodic task wakes once per period; a busy task is switched back in after each preemption, not at every tick", async () => {
  const rtos = createFreeRTOS({});
  await rtos.xTaskCreate(async () => {
    for (;;) await rtos.vTaskDelay(10);
  }, "ticker", 128, null, 2);
  await rtos.xTaskCreate(async () => {
    for (;;) await rtos.busy(1000);
  }, "worker", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(100);
  // ticker runs at 0, 10, ..., 100; worker first after ticker's first delay, then after each of
  // ticker's 10 later runs. The ticks in between re-select worker: no switch, no count.
  assert.deepEqual(counts(rtos), { ticker: 11, worker: 11, IDLE: 0, "Tmr Svc": 0 });
});

test("switchInCount: two busy tasks of one priority alternate at each tick (time slicing)", async () => {
  const rtos = createFreeRTOS({});
  for (const name of ["a", "b"])
    await rtos.xTaskCreate(async () => {
      for (;;) await rtos.busy(1000);
    }, name, 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(counts(rtos), { a: 6, b: 5, IDLE: 0, "Tmr Svc": 0 });
  assert.equal(rtos.kernel.switchCount, 11);
});
