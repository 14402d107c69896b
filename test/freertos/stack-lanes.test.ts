/**
 * stackUse's function form in both lanes (issue 12): an async function in an async task (awaited),
 * a generator function in a generator task (`yield*`ed), the release form in a generator task,
 * and the lane crossings. Not rewritten by the lane variants: each task here is written in the
 * lane it tests.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, KernelError, portMAX_DELAY, type GenTask, type TaskHandle } from "../../src/freertos/index.js";

const T = { timeout: 10_000 };

test("async task: the charge of an async fn holds across its awaits (method 1 sees it at the switch-out) and ends when it settles", T, async () => {
  const names: string[] = [];
  const rtos = createFreeRTOS({ configCHECK_FOR_STACK_OVERFLOW: 1, vApplicationStackOverflowHook: (_t, name) => void names.push(name) });
  const seen: unknown[] = [];
  await rtos.xTaskCreate(async () => {
    const v = await rtos.stackUse(60, async () => {
      await rtos.vTaskDelay(1); // 68 + 60 = 128 bytes of a 128-byte stack while switched out
      return 7;
    });
    seen.push(v, rtos.uxTaskGetStackHighWaterMark(null));
    try {
      await rtos.stackUse(20, async () => {
        await rtos.vTaskDelay(1);
        throw new Error("async failure");
      });
    } catch (e) {
      seen.push((e as Error).message);
    }
    const release = rtos.stackUse(4); // nothing else is held
    release();
    await rtos.vTaskDelay(1);
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "async", 32, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(seen, [7, 0, "async failure"]);
  assert.deepEqual(names, ["async"], "only the switch-out inside the 60-byte charge");
});

test("generator task: yield* stackUse(bytes, function* …) and the release form", T, async () => {
  const names: string[] = [];
  const rtos = createFreeRTOS({ configCHECK_FOR_STACK_OVERFLOW: 1, vApplicationStackOverflowHook: (_t, name) => void names.push(name) });
  const seen: unknown[] = [];
  const h = { value: null as TaskHandle | null };
  await rtos.xTaskCreate(function* (): GenTask {
    const v = yield* rtos.stackUse(60, function* (): GenTask<number> {
      yield* rtos.vTaskDelay(1); // switched out with the stack full
      return 9;
    });
    seen.push(v, rtos.uxTaskGetStackHighWaterMark(null));
    const release = rtos.stackUse(10);
    yield* rtos.vTaskDelay(1);
    release();
    const n = yield* rtos.stackUse(8, () => rtos.vTaskDelay(1)); // a kernel call, released when it completes
    seen.push(n);
    const after = rtos.stackUse(4);
    after();
    for (;;) yield* rtos.vTaskDelay(portMAX_DELAY);
  }, "gen", 32, null, 1, h);
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(seen, [9, 0, 0]);
  assert.deepEqual(names, ["gen"]);
});

test("an async task may pass a generator function (run to its end from the task); a generator task may not pass a promise", T, async () => {
  const rtos = createFreeRTOS();
  const seen: unknown[] = [];
  await rtos.xTaskCreate(async () => {
    const v = (await (rtos.stackUse(100, function* (): GenTask<number> {
      yield* rtos.vTaskDelay(1);
      return 3;
    }) as unknown as Promise<number>));
    seen.push(v, rtos.uxTaskGetStackHighWaterMark(null));
    const release = rtos.stackUse(4);
    release();
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "async", 64, null, 2);
  await rtos.xTaskCreate(function* (): GenTask {
    try {
      rtos.stackUse(16, async () => 1);
    } catch (e) {
      seen.push(e instanceof KernelError ? e.message : String(e));
    }
    const release = rtos.stackUse(4); // the refused charge was undone
    release();
    for (;;) yield* rtos.vTaskDelay(portMAX_DELAY);
  }, "gen", 64, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  // 256-byte stack: 68 + 100 = 168 used, 88 free = 22 words.
  assert.deepEqual(seen, [
    'stackUse(16, fn) in generator task "gen": fn returned a promise, which a generator task cannot wait for; pass a generator function (function*) and yield* the result',
    3,
    22,
  ]);
});
