/**
 * Run control and interrupt registration: run() resolves with its outcome, a stall can be
 * described (which task waits on which object), and an irq takes one handler at a time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, KernelAssertError, portMAX_DELAY, pdPASS } from "../../src/freertos/index.js";

const T = { timeout: 10_000 };

test('run() resolves "target", "stalled" or "stopped"', T, async () => {
  const rtos = createFreeRTOS({});
  let n = 0;
  await rtos.xTaskCreate(async () => {
    for (;;) {
      await rtos.vTaskDelay(1);
      if (++n === 15) rtos.kernel.stop();
    }
  }, "ticker", 128, null, 1);
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(10), "target");
  assert.equal(rtos.xTaskGetTickCount(), 10);
  assert.equal(await rtos.run(100), "stopped");
  assert.equal(rtos.xTaskGetTickCount(), 15);

  const idle = createFreeRTOS({});
  const q = idle.xQueueCreate(1, 0)!;
  await idle.xTaskCreate(async () => void (await idle.xQueueReceive(q, { value: 0 }, portMAX_DELAY)), "waiter", 128, null, 1);
  idle.vTaskStartScheduler();
  assert.equal(await idle.run(Infinity), "stalled");
  // A finite run lets the idle ticks pass up to its target, unless asked to end on a stall.
  assert.equal(await idle.run(50), "target");
  assert.equal(idle.xTaskGetTickCount(), 50);
  assert.equal(await idle.kernel.advance(50, true), "stalled");
  assert.equal(idle.xTaskGetTickCount(), 50);
  // With a timed wait pending, time still passes: not a stall.
  await idle.xTaskCreate(async () => void (await idle.vTaskDelay(20)), "sleeper", 128, null, 1);
  assert.equal(await idle.kernel.advance(50, true), "stalled");
  assert.equal(idle.xTaskGetTickCount(), 70);
});

test("waits() and describeBlocked() say which task waits on which object, and until when", T, async () => {
  const rtos = createFreeRTOS({ configMAX_PRIORITIES: 5 });
  const q = rtos.xQueueCreate(1, 0)!;
  rtos.vQueueAddToRegistry(q, "rxQ");
  const m = rtos.xSemaphoreCreateMutex()!;
  const eg = rtos.xEventGroupCreate()!;
  await rtos.xTaskCreate(async () => void (await rtos.xQueueReceive(q, { value: 0 }, portMAX_DELAY)), "reader", 128, null, 2);
  await rtos.xTaskCreate(async () => {
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    await rtos.xEventGroupWaitBits(eg, 1, 0, 0, 50);
  }, "holder", 128, null, 3);
  await rtos.xTaskCreate(async () => void (await rtos.xSemaphoreTake(m, portMAX_DELAY)), "locker", 128, null, 1);
  await rtos.xTaskCreate(async () => void (await rtos.xTaskNotifyWait(0, 0, null, portMAX_DELAY)), "notified", 128, null, 1);
  await rtos.xTaskCreate(async () => void (await rtos.vTaskDelay(7)), "sleeper", 128, null, 1);
  await rtos.xTaskCreate(async () => void (await rtos.vTaskSuspend(null)), "parked", 128, null, 1);
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(2), "target");
  const byTask = new Map(rtos.waits().map((w) => [w.task, w]));
  assert.deepEqual(byTask.get("reader"), { task: "reader", priority: 2, state: "Blocked", waitsOn: "rxQ", timeoutTick: null });
  assert.deepEqual(byTask.get("holder"), { task: "holder", priority: 3, state: "Blocked", waitsOn: "EventGroup#3", timeoutTick: 50 });
  assert.equal(byTask.get("locker")!.waitsOn, "Mutex#2");
  assert.equal(byTask.get("notified")!.waitsOn, "notification");
  assert.deepEqual(byTask.get("sleeper"), { task: "sleeper", priority: 1, state: "Blocked", waitsOn: "delay", timeoutTick: 7 });
  assert.deepEqual(byTask.get("parked"), { task: "parked", priority: 1, state: "Suspended", waitsOn: null, timeoutTick: null });
  assert.ok(byTask.has("Tmr Svc") && !byTask.has("IDLE"));
  assert.equal(
    rtos.describeBlocked(),
    [
      'task "reader" (priority 2) is Blocked on rxQ forever',
      'task "holder" (priority 3) is Blocked on EventGroup#3 until tick 50',
      'task "locker" (priority 1) is Blocked on Mutex#2 forever',
      'task "notified" (priority 1) is Blocked on notification forever',
      'task "sleeper" (priority 1) is Blocked on delay until tick 7',
      'task "parked" (priority 1) is Suspended',
      'task "Tmr Svc" (priority 4) is Blocked on TmrQ forever', // created by vTaskStartScheduler
    ].join("\n"),
  );
  // After the timeouts only the indefinite waits are left: the run stalls, and says why.
  assert.equal(await rtos.run(Infinity), "stalled");
  assert.doesNotMatch(rtos.describeBlocked(), /holder|sleeper/);
  assert.match(rtos.describeBlocked(), /task "locker" \(priority 1\) is Blocked on Mutex#2 forever/);
});

test("describeBlocked() with nothing blocked", T, async () => {
  const rtos = createFreeRTOS({});
  await rtos.xTaskCreate(async () => {
    for (;;) await rtos.busy(1);
  }, "spinner", 128, null, 1);
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(3), "target");
  assert.equal(rtos.waits().find((w) => w.task === "spinner")!.state, "Running");
  assert.match(rtos.describeBlocked(), /^task "Tmr Svc"[^\n]*$/, "only the timer task waits");
});

test("registerInterrupt on an irq with a handler throws, naming the irq and the handler; unregisterInterrupt frees the irq with its triggers", T, async () => {
  const rtos = createFreeRTOS({});
  const ran: string[] = [];
  rtos.registerInterrupt(4, 3, () => void ran.push("uart"), "uart");
  assert.throws(
    () => rtos.registerInterrupt(4, 5, () => void ran.push("spi"), "spi"),
    (e: unknown) => e instanceof KernelAssertError && /registerInterrupt\(4\).*irq 4 already has the handler "uart"; call unregisterInterrupt\(4\) first/.test(e.message),
  );
  // A scheduled trigger and a pending request both go with the handler.
  rtos.triggerInterrupt(4, 5.5);
  await rtos.xTaskCreate(async () => {
    rtos.taskENTER_CRITICAL();
    rtos.triggerInterrupt(4); // masked: pending
    rtos.unregisterInterrupt(4);
    await rtos.taskEXIT_CRITICAL();
    rtos.registerInterrupt(4, 5, () => void ran.push("spi"), "spi");
    await rtos.vTaskDelay(portMAX_DELAY);
  }, "driver", 128, null, 1);
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(10), "target");
  assert.deepEqual(ran, [], "neither the pending nor the scheduled trigger of the removed handler ran");
  rtos.triggerInterrupt(4);
  assert.deepEqual(ran, ["spi"]);
  assert.deepEqual(
    rtos.interruptStats().map((s) => [s.irq, s.name, s.priority, s.pending]),
    [[4, "spi", 5, false]],
  );
  assert.throws(() => rtos.unregisterInterrupt(9), (e: unknown) => e instanceof RangeError && /interrupt 9 is not registered/.test(e.message));
  assert.throws(() => rtos.triggerInterrupt(9), RangeError);
});
