/*
 * tinyrtos/go time in generator goroutines (issue 15): sleep is lane-neutral, `yield*`ed in a
 * generator goroutine as it is `await`ed in an async one, with the checks of test/go/longtime.test.ts
 * and test/go/timers.test.ts: exact virtual time, very long sleeps re-armed on kernels with short
 * ticks (one continuation per stretch: the goroutine's code resumes once), sleep(Infinity)
 * deadlock detection, timers' stop/reset.
 *
 * Timer values are received with `yield* c.recv()`, whether the receiver parks before the fire
 * or the value is already waiting, and with select.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, sleep, now, after, newTimer, tick, WaitGroup, DeadlockError, select, recv, GoPanic } from "../../src/go/index.js";
import { KernelError, eBlocked, type KernelCall, type TraceEvent, runningKernel } from "../../src/kernel/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";

const OPTS = { seed: 1, tickRateHz: 1000 };
const YEAR_MS = 365.25 * 24 * 3600 * 1000;
/** Tests that need chan.ts's lane-neutral recv of a waiting value / select (see the header). */

/** A FreeRTOS facade call, typed as the kernel call it is (the facade's types still say Promise). */

test("gen sleep: exact virtual time, rounded up to whole ticks; non-positive returns at once", async () => {
  await run(function* () {
    yield* sleep(5);
    assert.equal(now(), 5);
    yield* sleep(0.1); // one tick
    assert.equal(now(), 6);
    yield* sleep(0);
    yield* sleep(-3);
    assert.equal(now(), 6, "sleep(<= 0) takes no time");
    assert.throws(() => sleep(Number.NaN), RangeError);
    // Goroutines sleeping different lengths wake in time order.
    const woke: string[] = [];
    const wg = new WaitGroup();
    for (const [name, ms] of [["c", 30], ["a", 10], ["b", 20]] as const) {
      wg.add(1);
      go(function* () {
        yield* sleep(ms);
        woke.push(`${name}@${now()}`);
        wg.done();
      });
    }
    yield* wg.wait();
    assert.deepEqual(woke, ["a@16", "b@26", "c@36"]);
  }, OPTS);
});

/** longtime.test.ts's sleep checks, in a generator goroutine. */
function* longSleeps(): Generator<unknown, void, unknown> {
  yield* sleep(1e10);
  assert.equal(now(), 1e10, "sleep(1e10) sleeps 1e10 ms");
  yield* sleep(100 * YEAR_MS);
  assert.equal(now(), 1e10 + 100 * YEAR_MS, "a century is a century");
}

test("gen long sleeps are exact on run()'s kernel", async () => {
  await run(longSleeps, OPTS);
});

test("gen long sleeps are exact on a 32-bit tick FreeRTOS kernel (re-armed: the goroutine resumes once)", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 32, seed: 1 });
  await run(longSleeps, { rtos });
});

test("gen long sleeps on a 16-bit tick kernel: each stretch is a traced delay, the others run meanwhile", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 16, seed: 1 });
  const events: TraceEvent[] = [];
  const beats: number[] = [];
  await run(function* () {
    runningKernel()!.setTraceSink((e) => void events.push(e));
    go(function* () {
      for (let i = 0; i < 5; i++) {
        yield* sleep(50_000);
        beats.push(now());
      }
    }, { name: "beat" });
    yield* sleep(200_001);
    assert.equal(now(), 200_001);
  }, { rtos });
  assert.deepEqual(beats, [50_000, 100_000, 150_000, 200_000]);
  // main's 200,001 ms in stretches of at most 65,534 ticks: 4 delays, one resumption.
  const delays = events.filter((e) => e.kind === "task.delayed" && e.task === "main").map((e) => e.value);
  assert.deepEqual(delays, [65_534, 131_068, 196_602, 200_001]);
});

test("long sleep interrupted (xTaskAbortDelay, vTaskSuspend/vTaskResume) keeps its wake time, in both lanes", async () => {
  for (const lane of ["async", "gen"] as const) {
    const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 16, seed: 1 });
    let wokeAt = -1;
    await run(function* () {
      go(lane === "gen"
        ? function* () {
            yield* sleep(150_000);
            wokeAt = now();
          }
        : async () => {
            await sleep(150_000);
            wokeAt = now();
          }, { name: "sleeper", priority: 2 });
      yield* sleep(10);
      const h = rtos.xTaskGetHandle("sleeper")!;
      assert.equal(rtos.eTaskGetState(h), eBlocked);
      yield* rtos.xTaskAbortDelay(h); // it runs, finds the wake tick ahead and delays again
      yield* sleep(70_000); // into its second stretch
      yield* rtos.vTaskSuspend(h);
      yield* sleep(10);
      yield* rtos.vTaskResume(h); // ready: when it runs, it delays again
      yield* sleep(1);
      assert.equal(rtos.eTaskGetState(h), eBlocked, `${lane}: still sleeping`);
      assert.equal(wokeAt, -1);
      yield* sleep(100_000);
    }, { rtos, priority: 3 });
    assert.equal(wokeAt, 150_000, `${lane}: woke at its wake time`);
  }
});

test("gen sleep(Infinity) never returns: alone it is a deadlock; beside a finishing main it is abandoned", async () => {
  await assert.rejects(
    run(function* () {
      yield* sleep(Infinity);
    }),
    (e: unknown) => e instanceof DeadlockError && /"main".*sleep \(forever\)/.test(e.message),
  );
  await assert.rejects(
    run(function* () {
      yield* sleep(1e300);
    }),
    (e: unknown) => e instanceof DeadlockError && /"main".*sleep \(forever\)/.test(e.message),
  );
  let woke = false;
  const t = await run(function* () {
    go(function* () {
      yield* sleep(Infinity);
      woke = true;
    });
    yield* sleep(1e12);
    return now();
  });
  assert.equal(t, 1e12);
  assert.equal(woke, false);
});

test("gen sleep without yield* is a KernelError naming the goroutine", async () => {
  await assert.rejects(
    run(function* () {
      go(function* () {
        void sleep(5);
      }, { name: "forgetful" });
      yield* sleep(10);
    }, OPTS),
    (e: unknown) => e instanceof KernelError && /task "forgetful".*delay.*yield\*/s.test(e.message),
  );
});

test("gen newTimer fires once at its time; stop before it fires returns true and nothing is received", async () => {
  await run(function* () {
    const t = newTimer(10);
    assert.equal(yield* t.C.recv(), 10, "fires at now() = 10");
    assert.equal(t.stop(), false, "stopping a timer that already fired returns false");
    const u = newTimer(10);
    yield* sleep(5);
    assert.equal(u.stop(), true, "stop prevented the fire");
    const a = after(50);
    assert.equal(yield* a.recv(), 65);
    assert.equal(u.stop(), false, "nothing fired meanwhile");
    const v = newTimer(30);
    yield* sleep(10);
    assert.equal(v.reset(5), true, "reset of an active timer returns true");
    assert.equal(yield* v.C.recv(), 80, "it fires 5 ms after the reset, not at its old time");
    assert.equal(v.reset(5), false, "reset of a timer whose value was received returns false");
    assert.equal(yield* v.C.recv(), 85);
  }, OPTS);
});

test("gen tick: values every period while parked in recv; reset changes the period; stop ends it", async () => {
  await run(function* () {
    const c = tick(10);
    assert.equal(yield* c.recv(), 10);
    assert.equal(yield* c.recv(), 20);
    c.reset(4);
    assert.equal(yield* c.recv(), 24);
    assert.throws(() => c.reset(0), (e: unknown) => e instanceof GoPanic && e.message === "non-positive interval for Ticker.Reset");
    c.stop();
    yield* sleep(100);
    assert.equal(c.len, 0);
  }, OPTS);
});

test("gen timers: a fired value not received is discarded by stop() and reset(); select on timers", async () => {
  await run(function* () {
    const t = newTimer(5);
    yield* sleep(10); // fired at 5, value held, not received
    assert.equal(t.stop(), true, "the value was not received: stop reports the timer still pending");
    const none = yield* select([recv(t.C)], { default: true });
    assert.equal(none.index, -1, "stop discarded the stale value");
    const c = tick(10);
    yield* sleep(35); // created at 10: ticks at 20, 30, 40 while not receiving: the first is kept
    assert.equal(yield* c.recv(), 20);
    assert.equal(yield* c.recv(), 50);
    c.stop();
    const r = yield* select([recv(c), recv(after(100))]);
    assert.equal(r.index, 1, "no tick after stop");
  }, OPTS);
});
