/*
 * tinyrtos/go WaitGroup, Mutex, RWMutex and Once, with ports of golang/go src/sync tests.
 *
 * Go -> here: panics/fatal errors are GoPanic throws (the contract makes Go's fatal "unlock of
 * unlocked" errors GoPanics too); a deferred recover() becomes try/catch; runtime.GOMAXPROCS is
 * dropped (GOMAXPROCS is 1). Empty busy loops inside critical sections (`for i := 0; i < 100;
 * i++ {}`), which in Go overlap with other goroutines through parallelism/preemption, become
 * `await gosched()` so the other goroutines really run while the lock is held.
 *
 * waitgroup_test.go
 *   TestWaitGroup (8 rounds of testWaitGroup, n = 16, same two WaitGroups reused):
 *     "WaitGroup released group too soon" -> assert select on exited took default;
 *     "<-exited // Will block if barrier fails" -> recv n times (DeadlockError otherwise).
 *   TestWaitGroupMisuse: recover() == "sync: negative WaitGroup counter", "Should panic"
 *     -> GoPanic with that exact message caught; assert.fail if done() returns normally.
 *     Also: uncaught, the panic rejects run() with that GoPanic.
 *   TestWaitGroupRace (1000 iterations): "Spurious wakeup from Wait" -> assert.equal(n, 2).
 *   TestWaitGroupAlign: wg inside an object, Done from another goroutine; Wait returns.
 *   Not ported: TestWaitGroupMisuse2/3 (opportunistic detection of Add racing Wait / reuse before
 *   Wait returned over 1e6 parallel runs; Go skips them without parallelism: NumCPU <= 2 / 1).
 *   Added: Wait on a zero counter returns at once (no time passes, no deadlock).
 * mutex_test.go
 *   TestMutex (newest version, with TryLock; 10 goroutines x 1000): "TryLock succeeded with mutex
 *     locked" / "TryLock failed with mutex unlocked" -> asserts; hammer completes (10 x <-c).
 *     Counter check: a shared counter incremented under the lock in each hammer must total the
 *     number of successful lock acquisitions, and a separate mutual-exclusion hammer holds the
 *     lock across gosched()/sleep() and asserts at most one holder at a time.
 *   TestMutexMisuse (8 misuseTests; Go runs each in a subprocess and expects a crash whose
 *     output contains "unlocked") -> each throws GoFatalError whose message contains "unlocked"
 *     and is Go's exact text: "sync: unlock of unlocked mutex" (Mutex), "sync: Unlock of unlocked
 *     RWMutex" (RWMutex.Unlock), "sync: RUnlock of unlocked RWMutex" (RWMutex.RUnlock); uncaught,
 *     it rejects run(). As in Go's newest version it cannot be recovered: caught by the program,
 *     run() still rejects with it.
 *   TestMutexFairness: "can't acquire Mutex in 10 seconds" -> the second goroutine gets the
 *     mutex 10 times before a 10 s (virtual) time.After fires although the first goroutine
 *     re-locks right after unlocking.
 * rwmutex_test.go
 *   TestParallelReaders (1, 3, 4 readers): all RLock()s succeed together (else DeadlockError).
 *   TestRWMutex (HammerRWMutex x 10 configurations, n = 1000, the full count): panic("wlock(%d)")
 *     when a reader sees a writer (activity >= 10000) or a writer sees anyone else
 *     (activity != 10000) -> thrown errors with the same text.
 *   TestRLocker (n = 10; RLocker() is not in the API: rl = { lock: rLock, unlock: rUnlock }):
 *     "RLocker() didn't read-lock it" / "RLocker() didn't respect the write lock" -> asserts.
 *     Read and write locks are unlocked by a goroutine other than the locker, as Go allows.
 * once_test.go
 *   TestOnce (N = 10): "once failed inside run" / "once failed outside run" -> asserts; plus a
 *     variant where f blocks (sleep) so the other callers arrive while f runs: they must not
 *     return before f has returned.
 *   TestOncePanic: "Once.Do() has not panic'ed on first iteration" / "has panic'ed on second
 *     iteration" / "Once called twice" -> asserts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, sleep, now, after, gosched, WaitGroup, Mutex, RWMutex, Once, GoPanic, GoFatalError, type Chan }
  from "../../src/go/index.js";

const OPTS = { seed: 1, tickRateHz: 1000 };
const T = { timeout: 20_000 };

/** Runs fn (sync, or returning a promise) and returns the error it throws/rejects with, or fails. */
async function mustPanic(fn: () => unknown, what: string): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: should panic`);
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

async function testWaitGroup(wg1: WaitGroup, wg2: WaitGroup): Promise<void> {
  const n = 16;
  wg1.add(n);
  wg2.add(n);
  const exited = chan<boolean>(n);
  for (let i = 0; i !== n; i++) {
    go(async () => {
      wg1.done();
      await wg2.wait();
      await exited.send(true);
    });
  }
  await wg1.wait();
  for (let i = 0; i !== n; i++) {
    const r = await select([recv(exited)], { default: true });
    assert.equal(r.index, -1, "WaitGroup released group too soon");
    wg2.done();
  }
  for (let i = 0; i !== n; i++) {
    await exited.recv(); // Will block if barrier fails to unlock someone.
  }
}

test("TestWaitGroup", T, async () => {
  await run(async () => {
    const wg1 = new WaitGroup();
    const wg2 = new WaitGroup();
    // Run the same test a few times to ensure barrier is in a proper state.
    for (let i = 0; i !== 8; i++) await testWaitGroup(wg1, wg2);
  }, OPTS);
});

test("TestWaitGroupMisuse", T, async () => {
  await run(async () => {
    const wg = new WaitGroup();
    wg.add(1);
    wg.done();
    const e = await mustPanic(() => wg.done(), "wg.Done() below zero");
    assertGoPanic(e, "sync: negative WaitGroup counter");
    // add() with a negative delta that crosses zero is the same misuse.
    const wg2 = new WaitGroup();
    assertGoPanic(await mustPanic(() => wg2.add(-1), "wg.Add(-1)"), "sync: negative WaitGroup counter");
  }, OPTS);
});

test("WaitGroup misuse uncaught in a goroutine rejects run() with the GoPanic", T, async () => {
  await assert.rejects(run(async () => {
    const wg = new WaitGroup();
    go(async () => {
      wg.done();
    });
    await sleep(10);
    return "main returned";
  }, OPTS), (e: unknown) => {
    assertGoPanic(e, "sync: negative WaitGroup counter");
    return true;
  });
});

test("TestWaitGroupRace", T, async () => {
  await run(async () => {
    for (let i = 0; i < 1000; i++) {
      const wg = new WaitGroup();
      let n = 0;
      // spawn goroutine 1
      wg.add(1);
      go(async () => {
        n++;
        wg.done();
      });
      // spawn goroutine 2
      wg.add(1);
      go(async () => {
        n++;
        wg.done();
      });
      // Wait for goroutine 1 and 2
      await wg.wait();
      assert.equal(n, 2, "Spurious wakeup from Wait");
    }
  }, OPTS);
});

test("TestWaitGroupAlign", T, async () => {
  await run(async () => {
    const x = { x: 0, wg: new WaitGroup() };
    x.wg.add(1);
    go(async () => {
      x.wg.done();
    });
    await x.wg.wait();
  }, OPTS);
});

test("WaitGroup: wait on a zero counter returns at once; several waiters all released; reuse", T, async () => {
  await run(async () => {
    const wg = new WaitGroup();
    const t0 = now();
    await wg.wait(); // would be a DeadlockError if it blocked (no other goroutine)
    assert.equal(now(), t0);

    // Three waiters, counter 2, released only by the second done() at t = 20.
    for (let round = 0; round < 3; round++) { // reuse after every Wait has returned
      wg.add(2);
      const released: number[] = [];
      const fin = chan<void>(3);
      for (let k = 0; k < 3; k++) {
        go(async () => {
          await wg.wait();
          released.push(now());
          await fin.send();
        });
      }
      const start = now();
      await sleep(10);
      wg.done();
      await sleep(10);
      assert.equal(released.length, 0, "Wait returned while the counter was still 1");
      wg.done();
      for (let k = 0; k < 3; k++) await fin.recv();
      assert.deepEqual(released, [start + 20, start + 20, start + 20]);
    }
  }, OPTS);
});

// ---------------------------------------------------------------- Mutex

test("TestMutex", T, async () => {
  await run(async () => {
    const m = new Mutex();

    await m.lock();
    assert.ok(!m.tryLock(), "TryLock succeeded with mutex locked");
    m.unlock();
    assert.ok(m.tryLock(), "TryLock failed with mutex unlocked");
    m.unlock();

    // HammerMutex, plus the counter: every successful acquisition increments it under the lock.
    let counter = 0;
    let acquisitions = 0;
    const hammerMutex = async (loops: number, cdone: Chan<boolean>): Promise<void> => {
      for (let i = 0; i < loops; i++) {
        if (i % 3 === 0) {
          if (m.tryLock()) {
            acquisitions++;
            counter++;
            m.unlock();
          }
          continue;
        }
        await m.lock();
        acquisitions++;
        counter++;
        m.unlock();
      }
      await cdone.send(true);
    };
    const c = chan<boolean>();
    for (let i = 0; i < 10; i++) go(() => hammerMutex(1000, c));
    for (let i = 0; i < 10; i++) await c.recv();
    assert.equal(counter, acquisitions);
    // 10 x 666 Lock() calls always succeed; the 10 x 334 TryLock()s succeed when the mutex is free.
    assert.ok(counter >= 10 * 666 && counter <= 10 * 1000, `counter ${counter}`);
  }, OPTS);
});

test("Mutex mutual exclusion: at most one holder while the holder blocks", T, async () => {
  await run(async () => {
    const m = new Mutex();
    let inside = 0;
    let counter = 0;
    const G = 10;
    const LOOPS = 200;
    const wg = new WaitGroup();
    wg.add(G);
    for (let g = 0; g < G; g++) {
      go(async () => {
        for (let i = 0; i < LOOPS; i++) {
          await m.lock();
          inside++;
          assert.equal(inside, 1, "two goroutines inside the critical section");
          const before = counter;
          if (i % 2 === 0) await gosched(); else await sleep(1);
          counter = before + 1; // a lost update if anyone else got in meanwhile
          assert.ok(!m.tryLock(), "TryLock succeeded with mutex locked");
          inside--;
          m.unlock();
          if (i % 5 === 0) await gosched();
        }
        wg.done();
      });
    }
    await wg.wait();
    assert.equal(counter, G * LOOPS);
  }, OPTS);
});

type Misuse = { name: string; f: () => Promise<void>; message: string };
const misuseTests: Misuse[] = [
  { name: "Mutex.Unlock", message: "sync: unlock of unlocked mutex", f: async () => {
    const mu = new Mutex();
    mu.unlock();
  } },
  { name: "Mutex.Unlock2", message: "sync: unlock of unlocked mutex", f: async () => {
    const mu = new Mutex();
    await mu.lock();
    mu.unlock();
    mu.unlock();
  } },
  { name: "RWMutex.Unlock", message: "sync: Unlock of unlocked RWMutex", f: async () => {
    const mu = new RWMutex();
    mu.unlock();
  } },
  { name: "RWMutex.Unlock2", message: "sync: Unlock of unlocked RWMutex", f: async () => {
    const mu = new RWMutex();
    await mu.rLock();
    mu.unlock();
  } },
  { name: "RWMutex.Unlock3", message: "sync: Unlock of unlocked RWMutex", f: async () => {
    const mu = new RWMutex();
    await mu.lock();
    mu.unlock();
    mu.unlock();
  } },
  { name: "RWMutex.RUnlock", message: "sync: RUnlock of unlocked RWMutex", f: async () => {
    const mu = new RWMutex();
    mu.rUnlock();
  } },
  { name: "RWMutex.RUnlock2", message: "sync: RUnlock of unlocked RWMutex", f: async () => {
    const mu = new RWMutex();
    await mu.lock();
    mu.rUnlock();
  } },
  { name: "RWMutex.RUnlock3", message: "sync: RUnlock of unlocked RWMutex", f: async () => {
    const mu = new RWMutex();
    await mu.rLock();
    mu.rUnlock();
    mu.rUnlock();
  } },
];

for (const mt of misuseTests) {
  test(`TestMutexMisuse ${mt.name}`, T, async () => {
    // Caught inside the goroutine: the exact Go message, and the program still fails (not recoverable).
    let caught: unknown = null;
    await assert.rejects(run(async () => {
      caught = await mustPanic(mt.f, mt.name);
      assert.ok(String((caught as Error).message).includes("unlocked"),
        `${mt.name}: did not find failure with message about unlocked lock: ${String(caught)}`);
      assertGoFatal(caught, mt.message);
      return "recovered";
    }, OPTS), (e: unknown) => {
      assert.equal(e, caught, "run rejects with the very error the program caught");
      return true;
    });
    // Uncaught: the program fails (run() rejects with it).
    await assert.rejects(run(async () => {
      await mt.f();
      return "test completed";
    }, OPTS), (e: unknown) => {
      assertGoFatal(e, mt.message);
      assert.equal((e as GoFatalError).taskName, "main");
      return true;
    });
  });
}

test("TestMutexFairness", T, async () => {
  await run(async () => {
    const mu = new Mutex();
    const stop = chan<boolean>();
    try {
      go(async () => {
        for (;;) {
          await mu.lock();
          await sleep(0.1); // 100 µs, rounded up to one tick
          mu.unlock();
          const r = await select([recv(stop)], { default: true });
          if (r.index === 0) return;
        }
      });
      const done = chan<boolean>(1);
      go(async () => {
        for (let i = 0; i < 10; i++) {
          await sleep(0.1);
          await mu.lock();
          mu.unlock();
        }
        await done.send(true);
      });
      const r = await select([recv(done), recv(after(10_000))]);
      assert.equal(r.index, 0, "can't acquire Mutex in 10 seconds");
    } finally {
      stop.close();
    }
  }, OPTS);
});

// ---------------------------------------------------------------- RWMutex

type BoolChan = Chan<boolean>;

async function parallelReader(m: RWMutex, clocked: BoolChan, cunlock: BoolChan, cdone: BoolChan): Promise<void> {
  await m.rLock();
  await clocked.send(true);
  await cunlock.recv();
  m.rUnlock();
  await cdone.send(true);
}

async function doTestParallelReaders(numReaders: number): Promise<void> {
  const m = new RWMutex();
  const clocked = chan<boolean>();
  const cunlock = chan<boolean>();
  const cdone = chan<boolean>();
  for (let i = 0; i < numReaders; i++) go(() => parallelReader(m, clocked, cunlock, cdone));
  // Wait for all parallel RLock()s to succeed.
  for (let i = 0; i < numReaders; i++) await clocked.recv();
  for (let i = 0; i < numReaders; i++) await cunlock.send(true);
  // Wait for the goroutines to finish.
  for (let i = 0; i < numReaders; i++) await cdone.recv();
}

test("TestParallelReaders", T, async () => {
  await run(async () => {
    await doTestParallelReaders(1);
    await doTestParallelReaders(3);
    await doTestParallelReaders(4);
  }, OPTS);
});

async function reader(rwm: RWMutex, numIterations: number, activity: { n: number; max: number }, cdone: BoolChan): Promise<void> {
  for (let i = 0; i < numIterations; i++) {
    await rwm.rLock();
    const n = ++activity.n;
    activity.max = Math.max(activity.max, n);
    if (n < 1 || n >= 10000) {
      rwm.rUnlock();
      throw new Error(`wlock(${n})\n`);
    }
    await gosched(); // for i := 0; i < 100; i++ {}
    activity.n--;
    rwm.rUnlock();
  }
  await cdone.send(true);
}

async function writer(rwm: RWMutex, numIterations: number, activity: { n: number; max: number }, cdone: BoolChan): Promise<void> {
  for (let i = 0; i < numIterations; i++) {
    await rwm.lock();
    const n = (activity.n += 10000);
    if (n !== 10000) {
      rwm.unlock();
      throw new Error(`wlock(${n})\n`);
    }
    await gosched(); // for i := 0; i < 100; i++ {}
    activity.n -= 10000;
    rwm.unlock();
  }
  await cdone.send(true);
}

async function hammerRWMutex(numReaders: number, numIterations: number): Promise<{ maxReaders: number }> {
  // Number of active readers + 10000 * number of active writers; max = most readers seen inside
  // at once (not in Go: shows that readers really overlapped).
  const activity = { n: 0, max: 0 };
  const rwm = new RWMutex();
  const cdone = chan<boolean>();
  go(() => writer(rwm, numIterations, activity, cdone));
  let i: number;
  for (i = 0; i < Math.floor(numReaders / 2); i++) go(() => reader(rwm, numIterations, activity, cdone));
  go(() => writer(rwm, numIterations, activity, cdone));
  for (; i < numReaders; i++) go(() => reader(rwm, numIterations, activity, cdone));
  // Wait for the 2 writers and all readers to finish.
  for (let k = 0; k < 2 + numReaders; k++) await cdone.recv();
  return { maxReaders: activity.max };
}

test("TestRWMutex", T, async () => {
  await run(async () => {
    const n = 1000;
    // HammerRWMutex(gomaxprocs, numReaders, n): gomaxprocs 1, 4, 10 are all GOMAXPROCS 1 here,
    // so the 10 calls of the original reduce to these reader counts (each run as often as in Go).
    let maxReaders = 0;
    for (const numReaders of [1, 3, 10, 1, 3, 10, 1, 3, 10, 5]) {
      const r = await hammerRWMutex(numReaders, n);
      maxReaders = Math.max(maxReaders, r.maxReaders);
    }
    // Not in Go: readers really did hold the lock together at some point.
    assert.ok(maxReaders >= 2, `readers never overlapped (max ${maxReaders})`);
  }, OPTS);
});

test("TestRLocker", T, async () => {
  await run(async () => {
    const wl = new RWMutex();
    const rl = { lock: () => wl.rLock(), unlock: () => wl.rUnlock() }; // wl.RLocker()
    const wlocked = chan<boolean>(1);
    const rlocked = chan<boolean>(1);
    const n = 10;
    go(async () => {
      for (let i = 0; i < n; i++) {
        await rl.lock();
        await rl.lock();
        await rlocked.send(true);
        await wl.lock();
        await wlocked.send(true);
      }
    });
    for (let i = 0; i < n; i++) {
      await rlocked.recv();
      rl.unlock();
      let r = await select([recv(wlocked)], { default: true });
      assert.equal(r.index, -1, "RLocker() didn't read-lock it");
      rl.unlock();
      await wlocked.recv();
      r = await select([recv(rlocked)], { default: true });
      assert.equal(r.index, -1, "RLocker() didn't respect the write lock");
      wl.unlock();
    }
  }, OPTS);
});

test("RWMutex: a writer excludes readers and waits for active readers", T, async () => {
  await run(async () => {
    const rw = new RWMutex();
    const log: string[] = [];
    await rw.rLock();
    go(async () => {
      await rw.lock();
      log.push(`W+${now()}`);
      await sleep(5);
      log.push(`W-${now()}`);
      rw.unlock();
    });
    await sleep(10);
    assert.equal(log.length, 0, "writer got the lock while a reader held it");
    go(async () => { // a reader arriving while the writer waits / holds the lock
      await rw.rLock();
      log.push(`R+${now()}`);
      rw.rUnlock();
    });
    await sleep(1);
    rw.rUnlock();
    await sleep(20);
    // The writer gets in when the first reader leaves (t=11) and the late reader only after it.
    assert.deepEqual(log, ["W+11", "W-16", "R+16"]);
  }, OPTS);
});

// ---------------------------------------------------------------- Once

test("TestOnce", T, async () => {
  await run(async () => {
    let o = 0;
    const once = new Once();
    const c = chan<boolean>();
    const N = 10;
    const runOnce = async (): Promise<void> => {
      await once.do(() => {
        o++;
      });
      assert.equal(o, 1, `once failed inside run: ${o} is not 1`);
      await c.send(true);
    };
    for (let i = 0; i < N; i++) go(runOnce);
    for (let i = 0; i < N; i++) await c.recv();
    assert.equal(o, 1, `once failed outside run: ${o} is not 1`);
  }, OPTS);
});

test("Once under concurrent callers while f blocks: f runs once, nobody returns before f", T, async () => {
  await run(async () => {
    let o = 0;
    let fReturnedAt = -1;
    const once = new Once();
    const N = 10;
    const returned: number[] = [];
    const wg = new WaitGroup();
    wg.add(N);
    for (let i = 0; i < N; i++) {
      go(async () => {
        await sleep(i); // callers arrive at t = 0..9, while f (t = 0..5) runs or after
        await once.do(async () => {
          o++;
          await sleep(5);
          fReturnedAt = now();
        });
        assert.equal(o, 1, `once failed inside run: ${o} is not 1`);
        assert.ok(fReturnedAt >= 0, "Once.Do returned before f returned");
        returned.push(now());
        wg.done();
      });
    }
    await wg.wait();
    assert.equal(o, 1, `once failed outside run: ${o} is not 1`);
    assert.equal(fReturnedAt, 5);
    assert.ok(returned.every((t) => t >= 5), `returned at ${returned.join(",")}`);
  }, OPTS);
});

test("TestOncePanic", T, async () => {
  await run(async () => {
    const once = new Once();
    for (let i = 0; i < 2; i++) {
      let r: unknown = null;
      try {
        await once.do(() => {
          throw new Error("failed");
        });
      } catch (e) {
        r = e;
      }
      if (r === null && i === 0) assert.fail("Once.Do() has not panic'ed on first iteration");
      if (r !== null && i === 1) assert.fail("Once.Do() has panic'ed on second iteration");
    }
    await once.do(() => {});
    await once.do(() => {
      assert.fail("Once called twice");
    });
  }, OPTS);
});
