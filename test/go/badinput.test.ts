/**
 * Bad input and failure reporting of tinyrtos/go (Go's runtime messages; not a port of one Go
 * test, the messages are those of golang/go src/runtime/chan.go "makechan: size out of range",
 * src/sync/waitgroup.go "sync: negative WaitGroup counter", src/sync/mutex.go "sync: unlock of
 * unlocked mutex", src/runtime/proc.go "all goroutines are asleep - deadlock!").
 *
 * - chan(-1), chan(1.5), chan(NaN), chan(2**31) → RangeError "makechan: size out of range".
 * - sleep(NaN), after(NaN), newTimer(NaN), tick(NaN) → RangeError.
 * - Negative durations behave as in Go: sleep(-5) returns at once without advancing now() and
 *   without yielding to a same-priority goroutine; after(-1) and newTimer(-1) fire at once (no
 *   later than the next tick); sleep(0) returns at once.
 * - WaitGroup: done() below zero → GoPanic "sync: negative WaitGroup counter"; Mutex: unlock of
 *   an unlocked mutex → GoFatalError "sync: unlock of unlocked mutex" (fatal: run rejects with it).
 * - go(non-function) → TypeError (inside run).
 * - go(), chan send/recv/close, select, sleep, now, after, gosched outside run() → an Error saying
 *   so (message mentions run); run(non-function) → TypeError.
 * - run() whose main throws (a GoPanic, or a Go panic such as close of a closed channel) rejects
 *   with that very error.
 * - A goroutine's panic rejects run(); err.taskName is the goroutine's name (given, or the
 *   default "goroutine N").
 * - DeadlockError: message starts "all goroutines are asleep - deadlock!", lists every blocked
 *   goroutine by name with what it waits on: "chan receive on jobs", "chan send on results",
 *   "select", "sync.Mutex.Lock", "sync.WaitGroup.Wait"; err.goroutines carries the same.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  run,
  go,
  chan,
  select,
  recv,
  send,
  sleep,
  now,
  after,
  tick,
  newTimer,
  gosched,
  WaitGroup,
  Mutex,
  GoPanic,
  GoFatalError,
  DeadlockError,
} from "../../src/go/index.js";

const opts = { seed: 1, tickRateHz: 1000 };

const isGoPanic = (message: string) => (e: unknown) => e instanceof GoPanic && e.message === message;

test("badinput: chan with a negative, fractional or huge size -> RangeError makechan: size out of range", async () => {
  await run(async () => {
    for (const size of [-1, 1.5, NaN, -Infinity, Infinity, 2 ** 31, 2 ** 53]) {
      assert.throws(
        () => chan(size),
        (e: unknown) => e instanceof RangeError && e.message === "makechan: size out of range",
        `chan(${size})`,
      );
    }
    assert.equal(chan(0).cap, 0);
    assert.equal(chan(5).cap, 5);
  }, opts);
});

test("badinput: sleep/after/newTimer/tick(NaN) -> RangeError", async () => {
  await run(async () => {
    assert.throws(() => sleep(NaN), RangeError);
    assert.throws(() => after(NaN), RangeError);
    assert.throws(() => newTimer(NaN), RangeError);
    assert.throws(() => tick(NaN), RangeError);
    const t = newTimer(10);
    assert.throws(() => t.reset(NaN), RangeError);
    t.stop();
  }, opts);
});

test("badinput: negative durations behave as in Go", async () => {
  const log: string[] = [];
  await run(async () => {
    await sleep(3);
    const t0 = now();
    assert.equal(t0, 3);
    go(async () => void log.push("peer ran"), { name: "peer" }); // same priority: runs only if main yields
    await sleep(-5);
    await sleep(0);
    log.push("main after sleep(-5), sleep(0)");
    assert.equal(now(), t0, "sleep(-5) and sleep(0) did not advance time");

    const firedAt = await after(-1).recv();
    assert.ok(now() - t0 <= 1, `after(-1) fired at once (at most one tick later), now ${now()}`);
    assert.equal(firedAt, now());

    const t1 = now();
    const tm = newTimer(-1);
    const v = await tm.C.recv();
    assert.ok(now() - t1 <= 1, "newTimer(-1) fires at once");
    assert.equal(v, now());
    assert.equal(tm.stop(), false, "already fired");

    const r = await select([recv(after(-100)), recv(after(1000))]);
    assert.equal(r.index, 0);
  }, opts);
  assert.deepEqual(log.slice(0, 2), ["main after sleep(-5), sleep(0)", "peer ran"]);
});

test("badinput: WaitGroup negative counter panics, Mutex unlock of unlocked mutex is fatal, with Go's messages", async () => {
  await run(async () => {
    const wg = new WaitGroup();
    assert.throws(() => wg.done(), isGoPanic("sync: negative WaitGroup counter"));
    const wg2 = new WaitGroup();
    wg2.add(2);
    assert.throws(() => wg2.add(-3), isGoPanic("sync: negative WaitGroup counter"));
  }, opts);
  const isFatal = (e: unknown) => e instanceof GoFatalError && e.message === "sync: unlock of unlocked mutex";
  await assert.rejects(
    run(async () => {
      const m = new Mutex();
      await m.lock();
      m.unlock();
      assert.throws(() => m.unlock(), isFatal);
    }, opts),
    isFatal,
  );
});

test("badinput: go(non-function) -> TypeError", async () => {
  await run(async () => {
    for (const bad of [42, "f", null, undefined, {}, Promise.resolve()]) {
      assert.throws(() => go(bad as unknown as () => void), TypeError, `go(${String(bad)})`);
    }
  }, opts);
  await assert.rejects(run(42 as unknown as () => void), TypeError);
});

test("badinput: go and channel operations outside run() throw an Error saying so", async () => {
  // A run has completed before: no kernel must be left "current".
  await run(async () => 1, opts);
  const c = chan<number>(1);
  const saysRun = (e: unknown) => e instanceof Error && /run\(/.test(e.message);
  assert.throws(() => go(async () => {}), saysRun, "go");
  // Operations may throw synchronously or return a rejected promise: accept either.
  const attempt = async (f: () => unknown) => f();
  await assert.rejects(attempt(() => c.send(1)), saysRun, "send");
  await assert.rejects(attempt(() => c.recv()), saysRun, "recv");
  await assert.rejects(attempt(() => c.recv2()), saysRun, "recv2");
  await assert.rejects(attempt(() => select([recv(c), send(c, 1)])), saysRun, "select");
  await assert.rejects(attempt(() => select([recv(c)], { default: true })), saysRun, "select default");
  await assert.rejects(attempt(() => sleep(1)), saysRun, "sleep");
  await assert.rejects(attempt(() => gosched()), saysRun, "gosched");
  await assert.rejects(attempt(() => after(1)), saysRun, "after");
  assert.throws(() => now(), saysRun, "now");
  assert.throws(() => c.close(), saysRun, "close");
  assert.equal(c.len, 0, "nothing was sent");
  assert.equal(c.closed, false, "the failed close did not close it");
});

test("badinput: run() whose main panics rejects with that panic", async () => {
  const boom = new GoPanic("boom");
  await assert.rejects(
    run(async () => {
      await sleep(1);
      throw boom;
    }, opts),
    (e: unknown) => e === boom,
  );
  await assert.rejects(
    run(async () => {
      const c = chan<number>();
      c.close();
      c.close();
    }, opts),
    isGoPanic("close of closed channel"),
  );
  await assert.rejects(
    run(async () => {
      const c = chan<number>(1);
      c.close();
      await c.send(1);
    }, opts),
    isGoPanic("send on closed channel"),
  );
});

test("badinput: a goroutine's panic rejects run() and names the goroutine", async () => {
  let err: unknown = null;
  try {
    await run(async () => {
      go(
        async () => {
          await sleep(2);
          const c = chan<number>();
          c.close();
          c.close();
        },
        { name: "closer" },
      );
      await chan<number>(0, "forever").recv(); // main waits; the panic must end the run
    }, opts);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof GoPanic, `expected GoPanic, got ${String(err)}`);
  assert.equal(err.message, "close of closed channel");
  assert.equal((err as { taskName?: string }).taskName, "closer");

  // A thrown non-panic error and a default goroutine name.
  let err2: unknown = null;
  try {
    await run(async () => {
      go(async () => {
        await gosched();
        throw new TypeError("bad thing");
      });
      await sleep(100);
    }, opts);
  } catch (e) {
    err2 = e;
  }
  assert.ok(err2 instanceof TypeError);
  assert.equal(err2.message, "bad thing");
  assert.match(String((err2 as { taskName?: string }).taskName), /^goroutine \d+$/);
});

test("badinput: DeadlockError names every blocked goroutine and what it waits on", async () => {
  let err: unknown = null;
  try {
    await run(async () => {
      const jobs = chan<number>(0, "jobs");
      const results = chan<number>(0, "results");
      const other = chan<number>(0, "other");
      const m = new Mutex();
      const wg = new WaitGroup();
      wg.add(1);
      await m.lock();
      go(async () => void (await jobs.recv()), { name: "receiver" });
      go(async () => void (await select([recv(other), send(other, 1), recv(null)])), { name: "selector" });
      go(async () => void (await m.lock()), { name: "locker" });
      go(async () => void (await wg.wait()), { name: "waiter" });
      await results.send(1); // main blocks too
    }, opts);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DeadlockError, `expected DeadlockError, got ${String(err)}`);
  const msg = err.message;
  assert.ok(msg.startsWith("all goroutines are asleep - deadlock!"), msg);
  const lines = msg.split("\n");
  const lineOf = (name: string) => {
    const found = lines.filter((l) => l.includes(`"${name}"`));
    assert.equal(found.length, 1, `one line for ${name} in:\n${msg}`);
    return found[0]!;
  };
  assert.match(lineOf("main"), /chan send on results/);
  assert.match(lineOf("receiver"), /chan receive on jobs/);
  assert.match(lineOf("selector"), /select/);
  assert.match(lineOf("locker"), /sync\.Mutex\.Lock/);
  assert.match(lineOf("waiter"), /sync\.WaitGroup\.Wait/);
  assert.ok(!msg.includes("IDLE") && !msg.includes("Tmr Svc"), "kernel tasks are not listed");
  const byName = new Map(err.goroutines.map((g) => [g.name, g.waitingOn]));
  assert.deepEqual([...byName.keys()].sort(), ["locker", "main", "receiver", "selector", "waiter"]);
  assert.match(byName.get("receiver")!, /chan receive on jobs/);
  assert.match(byName.get("selector")!, /select/);
  assert.match(byName.get("locker")!, /sync\.Mutex\.Lock/);
  assert.match(byName.get("waiter")!, /sync\.WaitGroup\.Wait/);
  assert.match(byName.get("main")!, /chan send on results/);
});

test("badinput: a select with only nil channels and a bare main receive deadlock", async () => {
  await assert.rejects(
    run(async () => {
      await select([recv(null), send(null, 1)]);
    }, opts),
    (e: unknown) => e instanceof DeadlockError && e.message.startsWith("all goroutines are asleep - deadlock!") && /"main".*select/.test(e.message),
  );
  await assert.rejects(
    run(async () => {
      await chan<number>(0, "lonely").recv();
    }, opts),
    (e: unknown) => e instanceof DeadlockError && /"main".*chan receive on lonely/.test(e.message),
  );
});

test("badinput: goroutine names are kept whole in reports (long names, ids past 100,000)", async () => {
  let err: unknown = null;
  try {
    await run(async () => {
      const done = chan<void>();
      // main is goroutine 1; these take ids 2-100002. Ids past 100,000: "goroutine 100000" is 16 characters, one more than FreeRTOS's default keeps.
      for (let i = 0; i < 100_001; i++) {
        go(async () => void (await done.send(undefined)));
        await done.recv();
      }
      const never = chan<number>(0, "never");
      go(async () => void (await never.recv()), { name: "sensor-pipeline-stage-7" });
      go(async () => void (await never.recv()));
      await never.recv();
    }, opts);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DeadlockError, `expected DeadlockError, got ${String(err)}`);
  const names = err.goroutines.map((g) => g.name).sort();
  assert.deepEqual(names, ["goroutine 100004", "main", "sensor-pipeline-stage-7"]);
  assert.ok(err.message.includes(`"goroutine 100004"`), err.message);
});
