/**
 * Durations beyond the kernel's tick range are exact, as Go's durations (up to 292 years) are:
 * sleep, after, timers, tickers and context deadlines, on run()'s own kernel and on a FreeRTOS
 * kernel with 32-bit ticks (about 49.7 days at 1 kHz), where the Go layer re-arms the rest of a
 * long wait. sleep(Infinity) (or of more ticks than 2**53) never returns: a program left with
 * it is deadlocked. Virtual time jumps over the idle stretches, so these runs are cheap.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, sleep, now, after, newTimer, tick, recv, select, withTimeout, background, DeadlockError } from "../../src/go/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

/** The checks, run on one kernel or another. */
async function longDurations(): Promise<void> {
  await sleep(1e10);
  assert.equal(now(), 1e10, "sleep(1e10) sleeps 1e10 ms");
  const t0 = now();
  const r = await select([recv(after(6e9)), recv(after(5e9))]);
  assert.equal(r.index, 1, "the 5e9 ms timeout fires first");
  assert.equal(r.value, t0 + 5e9);

  const [late] = withTimeout(background(), 6e9);
  const [early] = withTimeout(background(), 5e9);
  const d = await select([recv(late.done()), recv(early.done())]);
  assert.equal(d.index, 1, "the 5e9 ms context deadline passes first");
  assert.equal(now(), t0 + 1e10);
  assert.equal(late.err(), null);

  const timer = newTimer(9e9);
  await sleep(8.9e9);
  assert.equal(timer.stop(), true, "a long timer is still pending shortly before its time");
  const none = await select([recv(timer.C), recv(after(1e9))]);
  assert.equal(none.index, 1, "and stopping it prevented the fire");

  const start = now();
  const ticker = tick(5e9);
  assert.equal(await ticker.recv(), start + 5e9);
  assert.equal(await ticker.recv(), start + 1e10, "a long period repeats exactly");
  ticker.stop();

  const century = newTimer(100 * YEAR_MS);
  assert.equal(await century.C.recv(), start + 1e10 + 100 * YEAR_MS, "a century is a century");
}

test("long durations are exact on run()'s kernel", async () => {
  await run(longDurations, { seed: 1, tickRateHz: 1000 });
});

test("long durations are exact on a 32-bit tick FreeRTOS kernel (re-armed in the Go layer)", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 32, seed: 1 });
  await run(longDurations, { rtos });
});

test("long durations are exact on a 16-bit tick FreeRTOS kernel", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 16, seed: 1 });
  await run(async () => {
    await sleep(1e6);
    assert.equal(now(), 1e6);
    const r = await select([recv(after(200_000)), recv(after(100_000))]);
    assert.equal(r.index, 1);
    assert.equal(now(), 1.1e6);
  }, { rtos });
});

test("sleep(Infinity) never returns: alone it is a deadlock; beside a finishing main it is abandoned", async () => {
  await assert.rejects(
    run(async () => {
      await sleep(Infinity);
    }),
    (e: unknown) => e instanceof DeadlockError && /"main".*sleep \(forever\)/.test(e.message),
  );
  await assert.rejects(
    run(async () => {
      await sleep(1e300); // more ticks than the clock counts exactly: forever
    }),
    (e: unknown) => e instanceof DeadlockError && /"main".*sleep \(forever\)/.test(e.message),
  );
  let woke = false;
  const t = await run(async () => {
    go(async () => {
      await sleep(Infinity);
      woke = true;
    });
    await sleep(1e12);
    return now();
  });
  assert.equal(t, 1e12);
  assert.equal(woke, false);
});
