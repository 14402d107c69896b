/**
 * Fault paths (issue 10): a task that throws, returns or blocks while it holds the scheduler or
 * a critical section; errors from set-up code and from ISRs name their culprit; a later run
 * continues the other tasks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  KernelAssertError,
  portMAX_DELAY,
  taskSCHEDULER_RUNNING,
  type FreeRTOS,
  type SemaphoreHandle,
} from "../../src/freertos/index.js";

const T = { timeout: 10_000 };

/** Unhandled rejections seen while `fn` runs (the kernel must leave none behind). */
async function noUnhandled<R>(fn: () => Promise<R>): Promise<R> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    const result = await fn();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen.map(String), [], "no unhandled rejection");
    return result;
  } finally {
    process.off("unhandledRejection", listener);
  }
}

/**
 * A kernel with "bad" (priority 2) that delays 1 tick, then runs `misbehave`; "counter" (1)
 * counts every tick with vTaskDelay(1) — it blocks right after bad's fault, so it would be blamed
 * for held state; "high" (3) waits on a semaphore that bad gives while the scheduler is suspended.
 */
function setUp(misbehave: (rtos: FreeRTOS, sem: SemaphoreHandle) => Promise<void>): { rtos: FreeRTOS; counts: () => number; highRan: () => boolean } {
  const rtos = createFreeRTOS({ configMAX_PRIORITIES: 5 });
  let count = 0;
  let ran = false;
  const sem = rtos.xSemaphoreCreateBinary()!;
  void rtos.xTaskCreate(async () => {
    await rtos.vTaskDelay(1);
    await misbehave(rtos, sem);
  }, "bad", 128, null, 2);
  void rtos.xTaskCreate(async () => {
    for (;;) {
      count++;
      await rtos.vTaskDelay(1);
    }
  }, "counter", 128, null, 1);
  void rtos.xTaskCreate(async () => {
    await rtos.xSemaphoreTake(sem, portMAX_DELAY);
    ran = true;
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "high", 128, null, 3);
  return { rtos, counts: () => count, highRan: () => ran };
}

/** After the fault: the state is released, the next run goes on with the others. */
async function assertRecovered(rtos: FreeRTOS, counts: () => number, highRan: () => boolean, expectHigh: boolean): Promise<void> {
  assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_RUNNING, "the scheduler is no longer suspended");
  const before = counts();
  assert.equal(await rtos.run(10), "target", "the next run is not blamed on another task");
  assert.ok(counts() >= before + 9, `counter kept running (${before} -> ${counts()})`);
  assert.equal(highRan(), expectHigh, "a task readied while the scheduler was suspended runs once it is released");
  assert.equal(rtos.uxTaskGetNumberOfTasks(), 4, "bad was deleted: IDLE, Tmr Svc, counter, high");
}

test("a task that throws while it holds vTaskSuspendAll: run rejects with its own error, the suspension is released, later runs continue", T, async () => {
  const boom = new Error("boom");
  const { rtos, counts, highRan } = setUp(async (rtos, sem) => {
    rtos.vTaskSuspendAll();
    await rtos.xSemaphoreGive(sem); // readies "high" onto the pending-ready list
    throw boom;
  });
  rtos.vTaskStartScheduler();
  await noUnhandled(async () => {
    const error = await rtos.run(10).then(() => null, (e: unknown) => e);
    assert.equal(error, boom, "the user's own error object");
    assert.equal((error as { taskName?: string }).taskName, "bad");
    assert.match(String((error as { heldOnFault?: string }).heldOnFault), /vTaskSuspendAll.*depth 1/);
    await assertRecovered(rtos, counts, highRan, true);
  });
});

test("a task that throws inside a critical section: its error, the section released, the next task that blocks not blamed", T, async () => {
  const boom = new RangeError("bad index");
  const { rtos, counts, highRan } = setUp(async (rtos) => {
    rtos.taskENTER_CRITICAL();
    rtos.taskENTER_CRITICAL();
    throw boom;
  });
  rtos.vTaskStartScheduler();
  await noUnhandled(async () => {
    await assert.rejects(rtos.run(10), (e: unknown) => e === boom && (e as { taskName?: string }).taskName === "bad" && /critical section.*nesting 2/.test((e as { heldOnFault: string }).heldOnFault));
    await assertRecovered(rtos, counts, highRan, false);
  });
});

test("a task that returns while it holds vTaskSuspendAll or a critical section: KernelAssertError naming the task and what it held", T, async () => {
  for (const [hold, pattern] of [
    ["suspend", /task "bad" returned while holding the scheduler suspended \(vTaskSuspendAll without xTaskResumeAll, depth 2\)/],
    ["critical", /task "bad" returned while holding a critical section \(taskENTER_CRITICAL without taskEXIT_CRITICAL, nesting 1\)/],
  ] as const) {
    const { rtos, counts, highRan } = setUp(async (rtos) => {
      if (hold === "suspend") {
        rtos.vTaskSuspendAll();
        rtos.vTaskSuspendAll();
      } else rtos.taskENTER_CRITICAL();
    });
    rtos.vTaskStartScheduler();
    await noUnhandled(async () => {
      await assert.rejects(rtos.run(10), (e: unknown) => e instanceof KernelAssertError && pattern.test(e.message) && (e as { taskName?: string }).taskName === "bad");
      await assertRecovered(rtos, counts, highRan, false);
    });
  }
});

test("a task that blocks, suspends or deletes itself while it holds the scheduler or a critical section: KernelAssertError for that task, state released", T, async () => {
  const cases: Array<[string, (rtos: FreeRTOS) => Promise<unknown>, RegExp]> = [
    ["delay, suspended", async (rtos) => (rtos.vTaskSuspendAll(), rtos.vTaskDelay(5)), /vTaskDelay called from task "bad": blocking while the scheduler is suspended/],
    ["take, critical", async (rtos) => (rtos.taskENTER_CRITICAL(), rtos.xSemaphoreTake(rtos.xSemaphoreCreateBinary()!, 5)), /xSemaphoreTake called from task "bad": blocking inside a critical section/],
    ["suspend self, critical", async (rtos) => (rtos.taskENTER_CRITICAL(), rtos.vTaskSuspend(null)), /vTaskSuspend called from task "bad": task "bad" suspends itself inside a critical section/],
    ["delete self, critical", async (rtos) => (rtos.taskENTER_CRITICAL(), rtos.vTaskDelete(null)), /vTaskDelete called from task "bad": task "bad" deletes itself inside a critical section/],
  ];
  for (const [name, misbehave, pattern] of cases) {
    const { rtos, counts, highRan } = setUp(async (r) => void (await misbehave(r)));
    rtos.vTaskStartScheduler();
    await noUnhandled(async () => {
      const error = await rtos.run(10).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof KernelAssertError, `${name}: ${String(error)}`);
      assert.match(error.message, pattern, name);
      assert.equal((error as { taskName?: string }).taskName, "bad", name);
      assert.ok((error as { heldOnFault?: string }).heldOnFault, `${name}: what was held is named`);
      await assertRecovered(rtos, counts, highRan, false);
    });
  }
});

test("set-up code after vTaskStartScheduler and before the first run is named as such; tasks start with the first run", T, async () => {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  await rtos.xTaskCreate(async () => {
    log.push(`A at ${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskDelay(portMAX_DELAY);
  }, "A", 128, null, 1);
  rtos.vTaskStartScheduler();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, [], "no task code runs before run()");
  assert.throws(
    () => rtos.vTaskDelete(rtos.xTaskGetIdleTaskHandle()),
    (e: unknown) => e instanceof KernelAssertError && /^vTaskDelete called from set-up code \(outside any task\): the idle task/.test(e.message),
  );
  assert.equal(await rtos.run(0), "target");
  assert.deepEqual(log, ["A at 0"]);
});

test("an ISR that throws: run rejects with its error, annotated with the interrupt's name, irq and tick; a later run continues", T, async () => {
  const rtos = createFreeRTOS({});
  const boom = new Error("uart overrun");
  let fired = 0;
  rtos.registerInterrupt(5, 3, () => {
    fired++;
    if (fired === 1) throw boom;
  }, "uart");
  let count = 0;
  await rtos.xTaskCreate(async () => {
    for (;;) {
      count++;
      await rtos.vTaskDelay(1);
    }
  }, "counter", 128, null, 1);
  rtos.triggerInterrupt(5, 3.5);
  rtos.triggerInterrupt(5, 6.5);
  rtos.vTaskStartScheduler();
  await noUnhandled(async () => {
    const error = await rtos.run(10).then(() => null, (e: unknown) => e);
    assert.equal(error, boom, "the handler's own error object");
    const e = error as Error & { isrName: string; irq: number; tick: number };
    assert.equal(e.isrName, "uart");
    assert.equal(e.irq, 5);
    assert.equal(e.tick, 3);
    assert.equal(e.message, 'uart overrun [thrown by ISR "uart" (irq 5) at tick 3]');
    assert.deepEqual(Object.keys(e), [], "the annotations are not enumerable");
    assert.equal(await rtos.run(10), "target");
    assert.equal(fired, 2, "the later interrupt ran");
    assert.ok(count >= 12, `the task kept running (${count})`);
  });
});

test("a tick hook that throws is named as the tick hook, with the tick", T, async () => {
  const boom = new Error("hook");
  let ticks = 0;
  const rtos = createFreeRTOS({
    vApplicationTickHook: () => {
      if (++ticks === 4) throw boom;
    },
  });
  rtos.vTaskStartScheduler();
  const error = (await rtos.run(10).then(() => null, (e: unknown) => e)) as Error & { isrName: string; tick: number };
  assert.equal(error, boom);
  assert.equal(error.isrName, "tick hook");
  assert.equal(error.tick, 4);
  assert.match(error.message, /thrown by the tick hook at tick 4/);
  assert.equal(await rtos.run(5), "target");
});

test("a thrown primitive is passed through unchanged", T, async () => {
  const rtos = createFreeRTOS({});
  rtos.registerInterrupt(1, 3, () => {
    throw "plain string";
  });
  rtos.triggerInterrupt(1, 1);
  rtos.vTaskStartScheduler();
  await assert.rejects(rtos.run(5), (e: unknown) => e === "plain string");
  assert.equal(await rtos.run(1), "target");
});
