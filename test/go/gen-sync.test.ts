/*
 * tinyrtos/go sync in generator goroutines (issue 15): WaitGroup, Mutex, RWMutex and Once are
 * lane-neutral, so every blocking call is `yield*`ed in a generator goroutine exactly as it is
 * `await`ed in an async one, with the same checks as test/go/sync.test.ts (which stays the async
 * version). Channel operations are avoided here (WaitGroups and logs synchronise instead), so the
 * tests depend only on the sync layer and the kernel.
 *
 * Also: errors raised into generators (GoPanic, GoFatalError, the lane's misuse KernelError),
 * the ParkWaiter retry of a suspended waiter, and a mixed program (some goroutines async, some
 * generators, the same closures making the same calls) whose log and kernel trace equal the
 * all-async program's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, sleep, now, gosched, WaitGroup, Mutex, RWMutex, Once, GoPanic, GoFatalError } from "../../src/go/index.js";
import { runningKernel, KernelError, eBlocked, eSuspended, type KernelCall, type TraceEvent } from "../../src/kernel/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";

/** A FreeRTOS facade call, typed as the kernel call it is (the facade's types still say Promise). */

const OPTS = { seed: 1, tickRateHz: 1000 };
const T = { timeout: 20_000 };

/** Consumes CPU time in the calling goroutine (kernel busy(); preemptible). */
function busy(ticks: number): KernelCall<number> {
  return runningKernel()!.busy(ticks);
}

/** The priority of the task named `name` now. */
function prio(name: string): number {
  return runningKernel()!.tasks().find((t) => t.name === name)!.priority;
}

function assertGoPanic(e: unknown, message: string): void {
  assert.ok(e instanceof GoPanic, `expected GoPanic, got ${String(e)}`);
  assert.equal((e as Error).message, message);
}

function assertGoFatal(e: unknown, message: string): void {
  assert.ok(e instanceof GoFatalError, `expected GoFatalError, got ${String(e)}`);
  assert.equal((e as Error).message, message);
}

// ---------------------------------------------------------------- WaitGroup

test("gen WaitGroup: wait on a zero counter returns at once; several waiters all released; reuse", T, async () => {
  await run(function* () {
    const wg = new WaitGroup();
    const t0 = now();
    yield* wg.wait(); // would be a DeadlockError if it blocked (no other goroutine)
    assert.equal(now(), t0);

    for (let round = 0; round < 3; round++) {
      wg.add(2);
      const released: number[] = [];
      const fin = new WaitGroup();
      fin.add(3);
      for (let k = 0; k < 3; k++) {
        go(function* () {
          yield* wg.wait();
          released.push(now());
          fin.done();
        });
      }
      const start = now();
      yield* sleep(10);
      wg.done();
      yield* sleep(10);
      assert.equal(released.length, 0, "Wait returned while the counter was still 1");
      wg.done();
      yield* fin.wait();
      assert.deepEqual(released, [start + 20, start + 20, start + 20]);
    }
  }, OPTS);
});

test("gen TestWaitGroupRace", T, async () => {
  await run(function* () {
    for (let i = 0; i < 1000; i++) {
      const wg = new WaitGroup();
      let n = 0;
      wg.add(1);
      go(function* () {
        n++;
        wg.done();
      });
      wg.add(1);
      go(function* () {
        yield* gosched();
        n++;
        wg.done();
      });
      yield* wg.wait();
      assert.equal(n, 2, "Spurious wakeup from Wait");
    }
  }, OPTS);
});

test("gen TestWaitGroupMisuse: the GoPanic is thrown in the generator; uncaught it rejects run()", T, async () => {
  await run(function* () {
    const wg = new WaitGroup();
    wg.add(1);
    wg.done();
    let caught: unknown = null;
    try {
      wg.done();
    } catch (e) {
      caught = e;
    }
    assertGoPanic(caught, "sync: negative WaitGroup counter");
    yield* sleep(1);
  }, OPTS);
  await assert.rejects(run(function* () {
    const wg = new WaitGroup();
    go(function* () {
      yield* sleep(1);
      wg.done();
    });
    yield* sleep(10);
    return "main returned";
  }, OPTS), (e: unknown) => {
    assertGoPanic(e, "sync: negative WaitGroup counter");
    return true;
  });
});

test("gen WaitGroup: a waiter suspended while parked runs again through its ParkWaiter's retry", T, async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, seed: 1 });
  const log: string[] = [];
  await run(function* () {
    const wg = new WaitGroup("gate");
    wg.add(1);
    go(function* () {
      yield* wg.wait();
      log.push(`released ${now()}`);
    }, { name: "waiter", priority: 2 });
    yield* sleep(1);
    const h = rtos.xTaskGetHandle("waiter")!;
    assert.equal(rtos.eTaskGetState(h), eBlocked);
    yield* rtos.vTaskSuspend(h); // withdraws it from the WaitGroup's waiters
    assert.equal(rtos.eTaskGetState(h), eSuspended);
    yield* rtos.vTaskResume(h); // retry: the counter is still 1, so it parks again
    yield* sleep(1);
    assert.equal(rtos.eTaskGetState(h), eBlocked, "back to waiting");
    assert.deepEqual(log, []);
    yield* rtos.vTaskSuspend(h);
    wg.done(); // no waiter to wake: the suspended one was withdrawn
    yield* sleep(1);
    assert.deepEqual(log, [], "a suspended waiter does not run");
    yield* rtos.vTaskResume(h); // retry: the counter is 0, the wait completes
    yield* sleep(1);
    assert.deepEqual(log, [`released ${now() - 1}`]);
  }, { rtos, priority: 3 });
});

// ---------------------------------------------------------------- Mutex

test("gen TestMutex: TryLock and a lock hammer of generator goroutines", T, async () => {
  await run(function* () {
    const m = new Mutex();
    yield* m.lock();
    assert.ok(!m.tryLock(), "TryLock succeeded with mutex locked");
    m.unlock();
    assert.ok(m.tryLock(), "TryLock failed with mutex unlocked");
    m.unlock();

    let counter = 0;
    let acquisitions = 0;
    const wg = new WaitGroup();
    const hammerMutex = function* (loops: number) {
      for (let i = 0; i < loops; i++) {
        if (i % 3 === 0) {
          if (m.tryLock()) {
            acquisitions++;
            counter++;
            m.unlock();
          }
          continue;
        }
        yield* m.lock();
        acquisitions++;
        counter++;
        m.unlock();
      }
      wg.done();
    };
    wg.add(10);
    for (let i = 0; i < 10; i++) go(() => hammerMutex(1000));
    yield* wg.wait();
    assert.equal(counter, acquisitions);
    assert.ok(counter >= 10 * 666 && counter <= 10 * 1000, `counter ${counter}`);
  }, OPTS);
});

test("gen Mutex mutual exclusion: at most one holder while the holder blocks", T, async () => {
  await run(function* () {
    const m = new Mutex();
    let inside = 0;
    let counter = 0;
    const G = 10;
    const LOOPS = 200;
    const wg = new WaitGroup();
    wg.add(G);
    for (let g = 0; g < G; g++) {
      go(function* () {
        for (let i = 0; i < LOOPS; i++) {
          yield* m.lock();
          inside++;
          assert.equal(inside, 1, "two goroutines inside the critical section");
          const before = counter;
          if (i % 2 === 0) yield* gosched();
          else yield* sleep(1);
          counter = before + 1;
          assert.ok(!m.tryLock(), "TryLock succeeded with mutex locked");
          inside--;
          m.unlock();
          if (i % 5 === 0) yield* gosched();
        }
        wg.done();
      });
    }
    yield* wg.wait();
    assert.equal(counter, G * LOOPS);
  }, OPTS);
});

test("gen Mutex: unlock hands the lock to the waiters by priority, FIFO among equals", T, async () => {
  const log: string[] = [];
  await run(function* () {
    const m = new Mutex("m");
    const wg = new WaitGroup();
    yield* m.lock();
    for (const [name, p] of [["w1", 2], ["w2", 4], ["w3", 3], ["w4", 4]] as const) {
      wg.add(1);
      go(function* () {
        log.push(`${name}:lock`);
        yield* m.lock();
        log.push(`${name}:locked ${now()}`);
        yield* sleep(1);
        m.unlock();
        wg.done();
      }, { name, priority: p });
    }
    yield* sleep(1); // every waiter runs and blocks in lock()
    m.unlock();
    yield* wg.wait();
  }, { ...OPTS, priority: 10 });
  assert.deepEqual(log, ["w2:lock", "w4:lock", "w3:lock", "w1:lock", "w2:locked 1", "w4:locked 2", "w3:locked 3", "w1:locked 4"]);
});

test("gen Mutex: priority inheritance, the holder raised while a higher waiter blocks", T, async () => {
  const log: string[] = [];
  const samples: Record<string, number> = {};
  await run(function* () {
    const m = new Mutex();
    go(function* () {
      yield* m.lock();
      log.push("low:locked");
      yield* busy(10);
      samples.lowBeforeUnlock = prio("low");
      m.unlock();
      samples.lowAfterUnlock = prio("low");
      yield* gosched();
      log.push("low:after unlock");
    }, { name: "low", priority: 1 });
    yield* sleep(1);
    go(function* () {
      log.push("high:lock");
      yield* m.lock();
      log.push("high:locked");
      m.unlock();
    }, { name: "high", priority: 8 });
    go(function* () {
      log.push("medium:start");
      yield* busy(3);
      log.push("medium:done");
    }, { name: "medium", priority: 5 });
    yield* sleep(1);
    samples.lowInherited = prio("low");
    log.push("main:checked");
    yield* sleep(30);
  }, { ...OPTS, priority: 10 });
  assert.deepEqual(samples, { lowInherited: 8, lowBeforeUnlock: 8, lowAfterUnlock: 1 });
  // medium (5) is ready from t = 1 but outranked by low while low inherits 8: it starts only after the unlock.
  assert.deepEqual(log, ["low:locked", "high:lock", "main:checked", "high:locked", "medium:start", "medium:done", "low:after unlock"]);
});

type Misuse = { name: string; f: () => Generator<unknown, void, unknown>; message: string };
const misuseTests: Misuse[] = [
  { name: "Mutex.Unlock", message: "sync: unlock of unlocked mutex", *f() {
    new Mutex().unlock();
  } },
  { name: "Mutex.Unlock2", message: "sync: unlock of unlocked mutex", *f() {
    const mu = new Mutex();
    yield* mu.lock();
    mu.unlock();
    mu.unlock();
  } },
  { name: "RWMutex.Unlock3", message: "sync: Unlock of unlocked RWMutex", *f() {
    const mu = new RWMutex();
    yield* mu.lock();
    mu.unlock();
    mu.unlock();
  } },
  { name: "RWMutex.RUnlock3", message: "sync: RUnlock of unlocked RWMutex", *f() {
    const mu = new RWMutex();
    yield* mu.rLock();
    mu.rUnlock();
    mu.rUnlock();
  } },
];

for (const mt of misuseTests) {
  test(`gen TestMutexMisuse ${mt.name}: the GoFatalError is thrown in the generator and fails the run`, T, async () => {
    let caught: unknown = null;
    await assert.rejects(run(function* () {
      try {
        yield* mt.f();
      } catch (e) {
        caught = e;
      }
      assertGoFatal(caught, mt.message);
      return "recovered";
    }, OPTS), (e: unknown) => {
      assert.equal(e, caught, "run rejects with the very error the program caught");
      return true;
    });
    await assert.rejects(run(function* () {
      yield* mt.f();
      return "test completed";
    }, OPTS), (e: unknown) => {
      assertGoFatal(e, mt.message);
      assert.equal((e as GoFatalError).taskName, "main");
      return true;
    });
  });
}

test("gen Mutex: a lock() that blocks without yield* is a KernelError naming the goroutine", T, async () => {
  await assert.rejects(run(function* () {
    const m = new Mutex("m");
    yield* m.lock();
    go(function* () {
      void m.lock(); // blocks (main holds it) but is not yield*ed
    }, { name: "careless" });
    yield* sleep(5);
    m.unlock();
    yield* sleep(5);
  }, OPTS), (e: unknown) => {
    assert.ok(e instanceof KernelError, `expected KernelError, got ${String(e)}`);
    assert.match((e as Error).message, /task "careless".*sync\.Mutex\.Lock on m.*yield\*/s);
    return true;
  });
});

// ---------------------------------------------------------------- RWMutex

test("gen TestParallelReaders: every RLock succeeds together", T, async () => {
  await run(function* () {
    for (const numReaders of [1, 3, 4]) {
      const m = new RWMutex();
      const locked = new WaitGroup();
      const gate = new WaitGroup();
      const finished = new WaitGroup();
      locked.add(numReaders);
      gate.add(1);
      finished.add(numReaders);
      for (let i = 0; i < numReaders; i++) {
        go(function* () {
          yield* m.rLock();
          locked.done();
          yield* gate.wait();
          m.rUnlock();
          finished.done();
        });
      }
      yield* locked.wait(); // a DeadlockError if one RLock had to wait for another
      gate.done();
      yield* finished.wait();
    }
  }, OPTS);
});

test("gen RWMutex: a writer excludes readers and waits for active readers", T, async () => {
  await run(function* () {
    const rw = new RWMutex();
    const log: string[] = [];
    yield* rw.rLock();
    go(function* () {
      yield* rw.lock();
      log.push(`W+${now()}`);
      yield* sleep(5);
      log.push(`W-${now()}`);
      rw.unlock();
    });
    yield* sleep(10);
    assert.equal(log.length, 0, "writer got the lock while a reader held it");
    go(function* () {
      yield* rw.rLock();
      log.push(`R+${now()}`);
      rw.rUnlock();
    });
    yield* sleep(1);
    rw.rUnlock();
    yield* sleep(20);
    assert.deepEqual(log, ["W+11", "W-16", "R+16"]);
  }, OPTS);
});

test("gen TestRWMutex hammer: readers overlap, a writer is alone", T, async () => {
  await run(function* () {
    let maxReaders = 0;
    for (const numReaders of [1, 3, 10, 5]) {
      const rwm = new RWMutex();
      const activity = { n: 0 };
      const wg = new WaitGroup();
      const reader = function* () {
        for (let i = 0; i < 300; i++) {
          yield* rwm.rLock();
          const n = ++activity.n;
          maxReaders = Math.max(maxReaders, n);
          if (n < 1 || n >= 10000) throw new Error(`wlock(${n})\n`);
          yield* gosched();
          activity.n--;
          rwm.rUnlock();
        }
        wg.done();
      };
      const writer = function* () {
        for (let i = 0; i < 300; i++) {
          yield* rwm.lock();
          const n = (activity.n += 10000);
          if (n !== 10000) throw new Error(`wlock(${n})\n`);
          yield* gosched();
          activity.n -= 10000;
          rwm.unlock();
        }
        wg.done();
      };
      wg.add(2 + numReaders);
      go(writer);
      let i: number;
      for (i = 0; i < Math.floor(numReaders / 2); i++) go(reader);
      go(writer);
      for (; i < numReaders; i++) go(reader);
      yield* wg.wait();
    }
    assert.ok(maxReaders >= 2, `readers never overlapped (max ${maxReaders})`);
  }, OPTS);
});

// ---------------------------------------------------------------- Once

test("gen Once: a blocking generator f runs once; nobody returns before it", T, async () => {
  await run(function* () {
    let o = 0;
    let fReturnedAt = -1;
    const once = new Once();
    const N = 10;
    const returned: number[] = [];
    const wg = new WaitGroup();
    wg.add(N);
    for (let i = 0; i < N; i++) {
      go(function* () {
        yield* sleep(i); // callers arrive at t = 0..9, while f (t = 0..5) runs or after
        yield* once.do(function* () {
          o++;
          yield* sleep(5);
          fReturnedAt = now();
        });
        assert.equal(o, 1, `once failed inside run: ${o} is not 1`);
        assert.ok(fReturnedAt >= 0, "Once.Do returned before f returned");
        returned.push(now());
        wg.done();
      });
    }
    yield* wg.wait();
    assert.equal(o, 1, `once failed outside run: ${o} is not 1`);
    assert.equal(fReturnedAt, 5);
    assert.equal(returned.length, N);
    assert.ok(returned.every((t) => t >= 5), `returned at ${returned.join(",")}`);
    // Done: a plain kernel exit, also for a plain f.
    yield* once.do(() => assert.fail("Once called twice"));
    const plain = new Once();
    yield* plain.do(() => {
      o++;
    });
    assert.equal(o, 2);
  }, OPTS);
});

test("gen TestOncePanic: a throwing generator f throws once, the second call does not run it", T, async () => {
  await run(function* () {
    const once = new Once();
    for (let i = 0; i < 2; i++) {
      let r: unknown = null;
      try {
        yield* once.do(function* () {
          yield* sleep(1);
          throw new Error("failed");
        });
      } catch (e) {
        r = e;
      }
      if (r === null && i === 0) assert.fail("Once.Do() has not panic'ed on first iteration");
      if (r !== null && i === 1) assert.fail("Once.Do() has panic'ed on second iteration");
    }
    yield* once.do(function* () {
      assert.fail("Once called twice");
    });
    // The lock was released by the throw: another goroutine's do() returns.
    let other = false;
    const wg = new WaitGroup();
    wg.add(1);
    go(function* () {
      yield* once.do(() => assert.fail("Once called twice"));
      other = true;
      wg.done();
    });
    yield* wg.wait();
    assert.ok(other);
  }, OPTS);
});

test("Once across lanes: an async f in a generator goroutine is a TypeError; a generator f in an async goroutine is driven", T, async () => {
  await run(function* () {
    const once = new Once();
    let error: unknown = null;
    try {
      yield* once.do(async () => {});
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof TypeError && /generator goroutine/.test(error.message), `got ${String(error)}`);
  }, OPTS);
  await run(async () => {
    const once = new Once();
    let o = 0;
    const wg = new WaitGroup();
    wg.add(3);
    for (let i = 0; i < 3; i++) {
      go(async () => {
        await once.do(function* () {
          o++;
          yield* sleep(5);
        });
        assert.equal(now(), 5, "returned before the generator f finished");
        wg.done();
      });
    }
    await wg.wait();
    assert.equal(o, 1);
  }, OPTS);
});

// ---------------------------------------------------------------- a mixed program

type Lane = "async" | "gen";
/** One step of a goroutine: a closure making one call, whose kernel call (if any) the lane's runner awaits or yield*s. */
type Op = (lane: Lane) => KernelCall<unknown> | void;

/** The goroutine body running `ops` in `lane`: the same closures, awaited or yield*ed. */
function body(lane: Lane, ops: Op[]): () => unknown {
  if (lane === "gen")
    return function* () {
      for (const op of ops) {
        const r = op("gen");
        if (r !== undefined) yield* r;
      }
    };
  return async () => {
    for (const op of ops) {
      const r = op("async");
      if (r !== undefined) await r;
    }
  };
}

/**
 * A program using every sync call and sleep, with goroutines of several priorities; `laneOf`
 * picks each goroutine's lane. Returns its log and the kernel's trace.
 */
async function mixedProgram(laneOf: (name: string) => Lane, rtos?: ReturnType<typeof createFreeRTOS>): Promise<{ log: string[]; trace: string[] }> {
  const log: string[] = [];
  const trace: string[] = [];
  const say = (s: string): Op => () => void log.push(`${s}@${now()}`);
  const m = new Mutex("m");
  const rw = new RWMutex("rw");
  const wg = new WaitGroup("wg");
  const once = new Once("once");
  const spawn = (name: string, priority: number, ops: Op[]): Op => () => go(body(laneOf(name), ops), { name, priority });
  const onceBody: Op[] = [say("once:f"), () => sleep(3), () => m.lock(), () => busy(2), () => m.unlock(), say("once:f end")];
  const worker = (name: string, priority: number, ms: number): Op =>
    spawn(name, priority, [
      () => wg.add(1),
      () => sleep(ms),
      say(`${name}:lock`),
      () => m.lock(),
      say(`${name}:locked`),
      () => busy(2),
      () => m.unlock(),
      (lane) => once.do(body(lane, onceBody)),
      say(`${name}:once`),
      () => rw.rLock(),
      () => sleep(1),
      () => rw.rUnlock(),
      () => gosched(),
      () => rw.lock(),
      say(`${name}:writer`),
      () => sleep(100_000), // on a 16-bit tick kernel: longer than one delay, re-armed
      () => rw.unlock(),
      say(`${name}:done`),
      () => wg.done(),
    ]);
  const main: Op[] = [
    () => runningKernel()!.setTraceSink((e: TraceEvent) => void trace.push(JSON.stringify(e))),
    () => wg.add(1),
    worker("a", 2, 1),
    worker("b", 3, 1),
    worker("c", 2, 2),
    worker("d", 4, 3),
    () => m.lock(),
    say("main:locked"),
    () => sleep(4),
    () => m.unlock(),
    () => wg.done(),
    () => wg.wait(),
    say("main:done"),
  ];
  await run(body(laneOf("main"), main), rtos !== undefined ? { rtos, priority: 1 } : { ...OPTS, priority: 1 });
  return { log, trace };
}

for (const ticks of [64, 16] as const) {
  test(`mixed program (${ticks}-bit ticks): every split of goroutines between the lanes gives the all-async log and trace`, T, async () => {
    const kernel = () => (ticks === 64 ? undefined : createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 16, seed: 1 }));
    const names = ["main", "a", "b", "c", "d"];
    const reference = await mixedProgram(() => "async", kernel());
    // The program did what it says: lock order by priority, f once, writers one at a time.
    // The program did what it says: the lock by priority then FIFO, f once while the callers
    // wait, writers one at a time, exact long sleeps (re-armed on 16-bit ticks).
    assert.deepEqual(reference.log, [
      "main:locked@0", "b:lock@1", "a:lock@1", "c:lock@2", "d:lock@3", "d:locked@4", "once:f@6", "b:locked@6",
      "a:locked@8", "once:f end@12", "d:once@12", "b:once@12", "c:locked@12", "d:writer@13", "a:once@13", "c:once@14",
      "d:done@100013", "b:writer@100014", "b:done@200014", "a:writer@200014", "a:done@300014", "c:writer@300014",
      "c:done@400014", "main:done@400014",
    ]);
    assert.ok(reference.trace.length > 100, "the trace was recorded");
    assert.equal(reference.log.filter((s) => s.startsWith("once:f@")).length, 1);
    for (const split of ["gen", "alternate", "inverse", "random"]) {
      const lanes = new Map<string, Lane>();
      names.forEach((n, i) => {
        const gen = split === "gen" || (split === "alternate" && i % 2 === 0) || (split === "inverse" && i % 2 === 1) || (split === "random" && [1, 0, 0, 1, 1][i] === 1);
        lanes.set(n, gen ? "gen" : "async");
      });
      const got = await mixedProgram((n) => lanes.get(n)!, kernel());
      assert.deepEqual(got.log, reference.log, `${split}: log`);
      assert.deepEqual(got.trace, reference.trace, `${split}: trace`);
    }
  });
}
