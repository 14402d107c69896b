/**
 * Misuse and limits of tinyrtos/go that must fail clearly (issue "Harden what exists"):
 * - go(fn, { priority }) out of range names `go` and the goroutine (its given name, or the
 *   "goroutine N" it would have had), not the kernel's task creation.
 * - external(promise), the way out of the kernel for outside work that the kernel's hint names,
 *   is exported by tinyrtos/go: the goroutine resumes with the value or the rejection.
 * - withValue with a null or undefined key panics "nil key" (Go's context.WithValue).
 * - An unlocked RWMutex unlocked by another goroutine that catches the error still ends the run.
 * - run's maxTicks: a run whose goroutines are deadlocked while a FreeRTOS task keeps ticking ends
 *   with RunLimitError listing every goroutine and task and what it waits on; without rtos too.
 * - Deadlock reports name mutexes, RW mutexes and wait groups (given names, or "mutex#N" ...).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  run,
  go,
  chan,
  sleep,
  now,
  external,
  withValue,
  background,
  Mutex,
  RWMutex,
  WaitGroup,
  GoPanic,
  GoFatalError,
  DeadlockError,
  RunLimitError,
  KernelAssertError,
} from "../../src/go/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";

const opts = { seed: 1, tickRateHz: 1000, maxPriorities: 8 };

test("go with a priority out of range names go and the goroutine", async () => {
  await run(async () => {
    assert.throws(
      () => go(async () => {}, { priority: 99, name: "worker" }),
      (e: unknown) => e instanceof KernelAssertError && /go\("worker"\)/.test(e.message) && /priority 99/.test(e.message) && !/xTaskCreate/.test(e.message),
    );
    // main is goroutine 1: an unnamed goroutine would be goroutine 2.
    assert.throws(() => go(async () => {}, { priority: 8 }), (e: unknown) => e instanceof Error && /go\("goroutine 2"\)/.test(e.message));
    assert.throws(() => go(async () => {}, { priority: -1 }), (e: unknown) => e instanceof RangeError && /go\("goroutine 2"\)/.test(e.message));
    assert.throws(() => go(async () => {}, { name: 7 as unknown as string }), TypeError);
    let ran = false;
    go(async () => void (ran = true), { priority: 7 });
    await sleep(1);
    assert.ok(ran, "an in-range priority still works, and no id was used up by the failures");
  }, opts);
});

test("external: a goroutine waits for outside work and gets its value or its rejection", async () => {
  const result = await run(async () => {
    const c = chan<string>(1);
    go(async () => {
      const v = await external(new Promise<string>((resolve) => setTimeout(() => resolve("from outside"), 5)));
      await c.send(v);
    });
    const v = await c.recv();
    await assert.rejects(external(Promise.reject(new Error("outside failed"))), /outside failed/);
    assert.throws(() => external(42 as unknown as Promise<number>), TypeError);
    return v;
  }, opts);
  assert.equal(result, "from outside");
});

test("withValue with a nil key panics", async () => {
  await run(async () => {
    for (const key of [null, undefined]) {
      assert.throws(() => withValue(background(), key, 1), (e: unknown) => e instanceof GoPanic && e.message === "nil key", String(key));
    }
    assert.equal(withValue(background(), "k", 1).value("k"), 1);
  }, opts);
});

test("a fatal error in another goroutine ends the run although that goroutine catches it", async () => {
  let caught: unknown = null;
  await assert.rejects(
    run(async () => {
      const rw = new RWMutex();
      go(
        async () => {
          try {
            rw.rUnlock();
          } catch (e) {
            caught = e;
          }
        },
        { name: "careless" },
      );
      for (let i = 0; i < 100; i++) await sleep(1);
      return "main finished";
    }, opts),
    (e: unknown) => e === caught && e instanceof GoFatalError && e.message === "sync: RUnlock of unlocked RWMutex" && e.taskName === "careless",
  );
});

test("maxTicks ends a run whose goroutines are deadlocked while a FreeRTOS task keeps ticking", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, seed: 1 });
  await rtos.xTaskCreate(async () => {
    for (;;) await rtos.vTaskDelay(10);
  }, "blinker", 128, null, 2);
  let err: unknown = null;
  try {
    await run(
      async () => {
        const m = new Mutex("cfg");
        const wg = new WaitGroup("workers");
        wg.add(1);
        await m.lock();
        go(async () => void (await m.lock()), { name: "locker" });
        go(async () => void (await wg.wait()), { name: "waiter" });
        await chan<number>(0, "never").recv();
      },
      { rtos, maxTicks: 5000 },
    );
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof RunLimitError, `expected RunLimitError, got ${String(err)}`);
  assert.equal(err.maxTicks, 5000);
  assert.equal(rtos.xTaskGetTickCount(), 5000, "the run ended at the limit");
  const msg = err.message;
  assert.match(msg, /5000 ticks/);
  const line = (name: string) => msg.split("\n").find((l) => l.includes(`"${name}"`)) ?? assert.fail(`no line for ${name} in:\n${msg}`);
  assert.match(line("main"), /chan receive on never/);
  assert.match(line("locker"), /sync\.Mutex\.Lock on cfg/);
  assert.match(line("waiter"), /sync\.WaitGroup\.Wait on workers/);
  assert.match(line("blinker"), /^task "blinker"/);
  assert.deepEqual(err.goroutines.map((g) => g.name).sort(), ["blinker", "locker", "main", "waiter"]);
});

test("maxTicks without rtos: a busy program ends at the limit; one that returns in time is unaffected", async () => {
  await assert.rejects(
    run(async () => {
      for (;;) await sleep(7);
    }, { ...opts, maxTicks: 100 }),
    (e: unknown) => e instanceof RunLimitError && /goroutine 1 "main" \(priority 1\) \[/.test(e.message),
  );
  assert.equal(await run(async () => {
    await sleep(100);
    return now();
  }, { ...opts, maxTicks: 100 }), 100);
  await assert.rejects(run(async () => 1, { maxTicks: -1 }), RangeError);
  await assert.rejects(run(async () => 1, { maxTicks: "9" as unknown as number }), TypeError);
});

test("maxTicks: a deadlock found before the limit is a DeadlockError, not a run limit", async () => {
  await assert.rejects(
    run(async () => {
      await sleep(30);
      await chan<number>().recv();
    }, { ...opts, maxTicks: 1e9 }),
    (e: unknown) => e instanceof DeadlockError && /chan receive/.test(e.message),
  );
});

test("deadlock reports name mutexes, RW mutexes and wait groups (default names are numbered)", async () => {
  let err: unknown = null;
  try {
    await run(async () => {
      const m = new Mutex();
      const rw = new RWMutex("table");
      const wg = new WaitGroup();
      wg.add(1);
      await m.lock();
      await rw.lock();
      go(async () => void (await m.lock()), { name: "a" });
      go(async () => void (await rw.rLock()), { name: "b" });
      await wg.wait();
    }, opts);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DeadlockError, String(err));
  const by = new Map(err.goroutines.map((g) => [g.name, g.waitingOn]));
  assert.match(by.get("a")!, /^sync\.Mutex\.Lock on mutex#\d+$/);
  assert.equal(by.get("b"), "sync.RWMutex.RLock on table");
  assert.match(by.get("main")!, /^sync\.WaitGroup\.Wait on waitgroup#\d+$/);
  assert.equal(new Mutex("x").name, "x");
  assert.throws(() => new WaitGroup(3 as unknown as string), TypeError);
});
