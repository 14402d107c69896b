/**
 * The generator lane: tasks and goroutines written as generator functions, their kernel calls
 * `yield*`ed. Values and errors reach the generator at its `yield*`; misuse (a switching call
 * not `yield*`ed, a yielded promise or value, a call awaited) is a KernelError naming the task;
 * ISRs inside generator code, generator timer callbacks, external(), deletion and aborted waits
 * keep both lanes' state right; and a million generator goroutines park.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  errQUEUE_EMPTY,
  eDeleted,
  KernelError,
  pdFAIL,
  pdPASS,
  pdTRUE,
  portMAX_DELAY,
  type GenTask,
  type KernelCall,
  type TraceEvent,
} from "../../src/freertos/index.js";
import { run, go, chan, GoPanic, DeadlockError, external, type Chan } from "../../src/go/index.js";
import { runningKernel } from "../../src/kernel/index.js";

test("generator tasks: values come back at yield*, typed; async and generator tasks share one queue", async () => {
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate<number>(1, 0)!;
  const log: string[] = [];
  rtos.xTaskCreate(
    function* (): GenTask {
      for (let i = 0; i < 3; i++) {
        const sent: number = yield* rtos.xQueueSend(q, i, portMAX_DELAY);
        log.push(`sent ${i}: ${sent}`);
        yield* rtos.vTaskDelay(2);
      }
    },
    "producer",
    256,
    null,
    2,
  );
  rtos.xTaskCreate(
    async () => {
      const item = { value: 0 as number | null | undefined };
      for (;;) {
        await rtos.xQueueReceive(q, item, portMAX_DELAY);
        log.push(`got ${item.value} at ${rtos.xTaskGetTickCount()}`);
      }
    },
    "consumer",
    256,
    null,
    3,
  );
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(10), "target");
  assert.deepEqual(log, ["got 0 at 0", "sent 0: 1", "got 1 at 2", "sent 1: 1", "got 2 at 4", "sent 2: 1"]);
});

test("a generator task's timed-out receive returns errQUEUE_EMPTY; busy() consumes time in the generator lane", async () => {
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate<number>(1, 0)!;
  const log: string[] = [];
  rtos.xTaskCreate(
    function* () {
      const ref = { value: null as number | null | undefined };
      const r = yield* rtos.xQueueReceive(q, ref, 5);
      log.push(`receive ${r} at ${rtos.xTaskGetTickCount()}`);
      yield* rtos.busy(2.5);
      log.push(`busy done at ${rtos.now()}`);
    },
    "g",
    256,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  assert.deepEqual(log, [`receive ${errQUEUE_EMPTY} at 5`, "busy done at 7.5"]);
});

test("misuse: a switching call without yield* is caught at the task's next kernel call, naming both", async () => {
  const rtos = createFreeRTOS({});
  rtos.xTaskCreate(
    function* () {
      void rtos.vTaskDelay(2); // missing yield*: the kernel has switched away
      yield* rtos.vTaskDelay(1);
    },
    "forgetful",
    256,
    null,
    2,
  );
  rtos.vTaskStartScheduler();
  await assert.rejects(
    rtos.run(10),
    (e: unknown) => e instanceof KernelError && /vTaskDelay called from task "forgetful" while its previous kernel call \(blocked on delay\) had switched away/.test(e.message) && /yield\*/.test(e.message),
  );
});

test("misuse: a generator task that returns after an un-yielded switching call", async () => {
  const rtos = createFreeRTOS({});
  rtos.xTaskCreate(
    function* () {
      void rtos.vTaskDelay(3);
    },
    "quitter",
    256,
    null,
    2,
  );
  rtos.vTaskStartScheduler();
  await assert.rejects(rtos.run(10), (e: unknown) => e instanceof KernelError && /task "quitter" returned after a kernel call \(blocked on delay\) that switched away was not `yield\*`ed/.test(e.message));
});

test("misuse: yielding a promise, a call or a value raises a KernelError at the yield, which the task may catch", async () => {
  const rtos = createFreeRTOS({});
  const caught: string[] = [];
  const q = rtos.xQueueCreate<number>(4, 0)!;
  rtos.xTaskCreate(
    function* (): Generator<unknown, void, unknown> {
      for (const bad of [Promise.resolve(1), rtos.xQueueSend(q, 1, 0), 42]) {
        try {
          yield bad;
          caught.push("no error");
        } catch (e) {
          caught.push(e instanceof KernelError ? e.message : String(e));
        }
      }
      yield* rtos.vTaskDelay(1);
      caught.push("still running");
    },
    "yielder",
    256,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.equal(caught.length, 4);
  assert.match(caught[0]!, /task "yielder" yielded a promise: a generator task may only `yield\*` kernel calls \(for outside work, `yield\* external\(promise\)`\)/);
  assert.match(caught[1]!, /task "yielder" yielded a kernel call instead of delegating to it: write `yield\* call`, not `yield call`/);
  assert.match(caught[2]!, /task "yielder" yielded number 42: a generator task may only `yield\*` kernel calls/);
  assert.equal(caught[3], "still running");
});

test("misuse: a generator task that awaits a kernel call (in an async helper) fails the run with a KernelError", async () => {
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate<number>(4, 0)!;
  const helper = async (): Promise<void> => {
    await rtos.xQueueSend(q, 1, 0); // completes at once; awaiting it is still misuse
  };
  const helperErrors: unknown[] = [];
  rtos.xTaskCreate(
    function* () {
      helper().catch((e: unknown) => helperErrors.push(e)); // the helper's await fails too
      yield* rtos.vTaskDelay(5);
    },
    "awaiter",
    256,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await assert.rejects(rtos.run(10), (e: unknown) => e instanceof KernelError && /task "awaiter": a kernel call made by a generator task was used as a promise \(awaited or \.then-ed\)/.test(e.message));
  assert.equal(helperErrors.length, 1);
  assert.ok(helperErrors[0] instanceof KernelError);
});

test("an error thrown by a generator task ends the run with it, named; the task is deleted", async () => {
  const rtos = createFreeRTOS({});
  const handle = { value: null as unknown };
  rtos.xTaskCreate(
    function* () {
      yield* rtos.vTaskDelay(2);
      throw new RangeError("sensor out of range");
    },
    "thrower",
    256,
    null,
    1,
    handle as never,
  );
  rtos.vTaskStartScheduler();
  await assert.rejects(rtos.run(10), (e: unknown) => e instanceof RangeError && (e as { taskName?: string }).taskName === "thrower" && (e as { timeTicks?: number }).timeTicks === 2);
  assert.equal(rtos.eTaskGetState(handle.value as never), eDeleted);
});

test("xTaskAbortDelay ends a generator task's wait: its receive returns errQUEUE_EMPTY at once", async () => {
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate<number>(1, 0)!;
  const log: string[] = [];
  const waiter = { value: null as never };
  rtos.xTaskCreate(
    function* () {
      const ref = { value: null as number | null | undefined };
      log.push(`receive ${yield* rtos.xQueueReceive(q, ref, portMAX_DELAY)} at ${rtos.xTaskGetTickCount()}`);
    },
    "waiter",
    256,
    null,
    2,
    waiter,
  );
  rtos.xTaskCreate(
    function* () {
      yield* rtos.vTaskDelay(3);
      log.push(`abort ${yield* rtos.xTaskAbortDelay(waiter.value)}`);
    },
    "aborter",
    256,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, [`receive ${errQUEUE_EMPTY} at 3`, `abort ${pdPASS}`]);
});

test("a generator task deleted while blocked never resumes (its finally does not run, as in C); deleting itself ends it", async () => {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  const victim = { value: null as never };
  rtos.xTaskCreate(
    function* () {
      try {
        yield* rtos.vTaskDelay(portMAX_DELAY);
      } finally {
        log.push("victim finally");
      }
    },
    "victim",
    256,
    null,
    2,
    victim,
  );
  rtos.xTaskCreate(
    function* () {
      yield* rtos.vTaskDelay(1);
      yield* rtos.vTaskDelete(victim.value);
      log.push("deleted victim");
      yield* rtos.vTaskDelete(null);
      log.push("after self-delete");
    },
    "killer",
    256,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["deleted victim"]);
  assert.equal(rtos.uxTaskGetNumberOfTasks(), 2);
});

test("external() in a generator task: the value comes back at yield*, a rejection is thrown there", async () => {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  rtos.xTaskCreate(
    function* () {
      const v = yield* rtos.external(new Promise<number>((resolve) => setTimeout(() => resolve(42), 5)));
      log.push(`value ${v}`);
      try {
        yield* rtos.external(Promise.reject(new Error("io failed")));
      } catch (e) {
        log.push(`caught ${(e as Error).message}`);
      }
    },
    "io",
    256,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["value 42", "caught io failed"]);
});

test("an ISR taken inside a generator task's code wakes a higher-priority generator task at the next kernel call", async () => {
  const rtos = createFreeRTOS({});
  const sem = rtos.xSemaphoreCreateBinary()!;
  const log: string[] = [];
  rtos.registerInterrupt(3, 5, () => {
    const woken = { value: 0 };
    rtos.xSemaphoreGiveFromISR(sem, woken);
    log.push(`isr woken=${woken.value}`);
    rtos.portYIELD_FROM_ISR(woken.value);
  }, "button");
  rtos.xTaskCreate(
    function* () {
      yield* rtos.xSemaphoreTake(sem, portMAX_DELAY);
      log.push("handler ran");
    },
    "handler",
    256,
    null,
    3,
  );
  rtos.xTaskCreate(
    function* () {
      yield* rtos.vTaskDelay(1);
      rtos.triggerInterrupt(3); // runs now, inside this generator's code
      log.push("low continues until its next call");
      yield* rtos.vTaskDelay(0);
      log.push("low resumed");
    },
    "low",
    256,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, [`isr woken=${pdTRUE}`, "low continues until its next call", "handler ran", "low resumed"]);
});

test("an interrupt at a fractional tick preempts a generator task's busy() and the woken task runs then", async () => {
  const rtos = createFreeRTOS({});
  const sem = rtos.xSemaphoreCreateBinary()!;
  const log: string[] = [];
  rtos.registerInterrupt(4, 5, () => {
    const woken = { value: 0 };
    rtos.xSemaphoreGiveFromISR(sem, woken);
    rtos.portYIELD_FROM_ISR(woken.value);
  });
  rtos.xTaskCreate(
    function* () {
      yield* rtos.xSemaphoreTake(sem, portMAX_DELAY);
      log.push(`woken at ${rtos.now()}`);
    },
    "high",
    256,
    null,
    3,
  );
  rtos.xTaskCreate(
    function* () {
      yield* rtos.busy(3);
      log.push(`busy done at ${rtos.now()}`);
    },
    "worker",
    256,
    null,
    1,
  );
  rtos.triggerInterrupt(4, 1.25);
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["woken at 1.25", "busy done at 3"]);
});

test("generator timer callbacks run in the timer task, as async ones do; one that blocks blocks the timer task", async () => {
  const timerLog = async (lane: "gen" | "async"): Promise<string[]> => {
    const rtos = createFreeRTOS({});
    const q = rtos.xQueueCreate<number>(1, 0)!;
    const log: string[] = [];
    const callback =
      lane === "gen"
        ? function* () {
            const r = yield* rtos.xQueueSend(q, rtos.xTaskGetTickCount(), 3);
            log.push(`cb sent=${r} at ${rtos.xTaskGetTickCount()}`);
          }
        : async () => {
            const r = await rtos.xQueueSend(q, rtos.xTaskGetTickCount(), 3);
            log.push(`cb sent=${r} at ${rtos.xTaskGetTickCount()}`);
          };
    const timer = rtos.xTimerCreate("t", 2, pdTRUE, null, callback)!;
    rtos.xTaskCreate(
      async () => {
        await rtos.xTimerStart(timer, 0);
        const ref = { value: null as number | null | undefined };
        await rtos.vTaskDelay(7);
        await rtos.xQueueReceive(q, ref, 0);
        log.push(`task got ${ref.value} at ${rtos.xTaskGetTickCount()}`);
        await rtos.xTimerStop(timer, 0);
      },
      "reader",
      256,
      null,
      1,
    );
    rtos.vTaskStartScheduler();
    await rtos.run(9);
    return log;
  };
  const gen = await timerLog("gen");
  // t=2: sent at once. t=4: the queue is full, the timer task blocks 3 ticks and times out at 7;
  // then the expiry missed at 6 sends once the reader has emptied the queue.
  assert.deepEqual(gen, [`cb sent=${pdPASS} at 2`, "cb sent=0 at 7", `cb sent=${pdPASS} at 7`, "task got 2 at 7"]);
  assert.deepEqual(await timerLog("async"), gen);
});

test("a plain function that returns a generator runs in the generator lane; an async generator function is refused", async () => {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  function* body(label: string): GenTask {
    yield* rtos.vTaskDelay(2);
    log.push(`${label} at ${rtos.xTaskGetTickCount()}`);
  }
  rtos.xTaskCreate(() => body("wrapped"), "wrapper", 256, null, 1);
  assert.throws(
    () => rtos.xTaskCreate(async function* () {}, "asyncgen", 256, null, 1),
    (e: unknown) => e instanceof TypeError && /xTaskCreate\("asyncgen"\): the task function is an async generator function/.test(e.message),
  );
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["wrapped at 2"]);
});

test("the same program gives the same trace with every task async, every task a generator, or a mix", async () => {
  type Lane = "async" | "gen";
  const trace = async (lanes: Lane[]): Promise<string> => {
    const rtos = createFreeRTOS({ seed: 7 });
    const events: string[] = [];
    rtos.setTraceSink((e: TraceEvent) => events.push(JSON.stringify(e)));
    const q = rtos.xQueueCreate<number>(2, 0)!;
    const m = rtos.xSemaphoreCreateMutex()!;
    const steps: Array<Array<() => KernelCall<unknown>>> = [
      [() => rtos.xSemaphoreTake(m, portMAX_DELAY), () => rtos.busy(2.5), () => rtos.xQueueSend(q, 1, portMAX_DELAY), () => rtos.xSemaphoreGive(m), () => rtos.vTaskDelay(1)],
      [() => rtos.vTaskDelay(1), () => rtos.xSemaphoreTake(m, 10), () => rtos.xSemaphoreGive(m), () => rtos.xQueueReceive(q, { value: 0 }, 4)],
      [() => rtos.xQueueReceive(q, { value: 0 }, portMAX_DELAY), () => rtos.taskYIELD(), () => rtos.busy(0.75), () => rtos.xQueueSend(q, 2, 0)],
    ];
    steps.forEach((list, i) => {
      const fn =
        lanes[i] === "gen"
          ? function* () {
              for (let round = 0; round < 3; round++) for (const s of list) yield* s();
            }
          : async () => {
              for (let round = 0; round < 3; round++) for (const s of list) await s();
            };
      rtos.xTaskCreate(fn, `t${i}`, 256, null, 1 + i);
    });
    rtos.vTaskStartScheduler();
    await rtos.run(40);
    return events.join("\n");
  };
  const allAsync = await trace(["async", "async", "async"]);
  assert.ok(allAsync.split("\n").length > 50);
  assert.equal(await trace(["gen", "gen", "gen"]), allAsync);
  assert.equal(await trace(["gen", "async", "gen"]), allAsync);
  assert.equal(await trace(["async", "gen", "async"]), allAsync);
});

test("Go: a generator main and goroutines; a panic in a blocked sender is thrown into its generator", async () => {
  const out = await run(function* () {
    const c: Chan<number> = chan<number>();
    const log: string[] = [];
    go(function* () {
      try {
        yield* c.send(1);
        yield* c.send(2); // blocks; close() panics it
      } catch (e) {
        log.push(e instanceof GoPanic ? e.message : String(e));
      }
    });
    const v: number | undefined = yield* c.recv();
    log.push(`got ${v}`);
    yield* external(Promise.resolve()); // let the sender block again
    c.close();
    yield* external(Promise.resolve());
    return log;
  });
  assert.deepEqual(out, ["got 1", "send on closed channel"]);
});

test("Go: a deadlock of generator goroutines is reported like an async one", async () => {
  await assert.rejects(
    run(function* () {
      yield* chan<number>().recv();
    }),
    (e: unknown) => e instanceof DeadlockError && /main/.test(e.message),
  );
});

test("Go: 1,000,000 generator goroutines park on one channel and all wake on close", async () => {
  const count = 1_000_000;
  const woken = await run(
    function* () {
      const c = chan<number>();
      const done = chan<number>(count);
      const body = function* (): GenTask {
        const [, ok] = yield* c.recv2();
        yield* done.send(ok ? 1 : 0);
      };
      for (let i = 0; i < count; i++) go(body);
      yield* external(Promise.resolve()); // every goroutine runs up to its receive
      const k = runningKernel()!;
      const parked = k.waits().filter((w) => w.state === "Blocked" && w.waitsOn === `chan receive on ${c.name}`).length;
      c.close();
      let n = 0;
      for (let i = 0; i < count; i++) n += ((yield* done.recv()) as number) === 0 ? 1 : 0;
      return { parked, n };
    },
    { maxPriorities: 4 },
  );
  assert.deepEqual(woken, { parked: count, n: count });
});

test("pdFAIL from a generator task's xTaskAbortDelay on a task that is not blocked", async () => {
  const rtos = createFreeRTOS({});
  const results: number[] = [];
  const other = { value: null as never };
  rtos.xTaskCreate(function* () {}, "ready", 256, null, 1, other);
  rtos.xTaskCreate(
    function* () {
      results.push(yield* rtos.xTaskAbortDelay(other.value));
    },
    "caller",
    256,
    null,
    2,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(results, [pdFAIL]);
});

// Compile-time checks (type-checked by the build, never run): in a function typed GenTask, a
// kernel call must be yield*ed; `yield call` without the * is a type error, and yield* gives the
// call's result type.
function* typeChecks(rtos: ReturnType<typeof createFreeRTOS>, c: Chan<string>): GenTask {
  // @ts-expect-error a GenTask may only yield what yield* of a kernel call yields
  yield rtos.vTaskDelay(1);
  // @ts-expect-error nor a promise
  yield Promise.resolve(1);
  const n: number = yield* rtos.vTaskDelay(1);
  const s: string | undefined = yield* c.recv();
  // @ts-expect-error a channel of strings does not receive numbers
  const wrong: number = yield* c.recv();
  void [n, s, wrong];
}
void typeChecks;
