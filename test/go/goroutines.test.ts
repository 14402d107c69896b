/**
 * Port of golang/go test/chan/goroutines.go (@ 44526cdb).
 *
 * Makes a lot of goroutines threaded together (each f(left, right) does `left <- <-right`),
 * then tears them down cleanly: one value sent into the rightmost channel travels through
 * all n goroutines to the leftmost one, which main receives.
 *
 * Check mapping: the original has no explicit check; it passes when `<-leftmost` returns
 * (a broken chain hangs, which Go reports as a deadlock). Here run() must resolve (a broken
 * chain rejects with DeadlockError), and — added — the value main receives must be the 1 that
 * was sent in at the right end.
 * n = 10000 as in the original (its default; the command-line override is not ported).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, type Chan } from "../../src/go/index.js";

async function f(left: Chan<number>, right: Chan<number>): Promise<void> {
  await left.send((await right.recv()) as number);
}

test("goroutines: a chain of 10000 goroutines passes one value end to end", async () => {
  const n = 10000;
  const got = await run(async () => {
    const leftmost = chan<number>();
    let right = leftmost;
    let left = leftmost;
    for (let i = 0; i < n; i++) {
      right = chan<number>();
      const l = left;
      const r = right;
      go(() => f(l, r));
      left = right;
    }
    const c = right;
    go(async () => { await c.send(1); });
    return await leftmost.recv();
  }, { seed: 1, tickRateHz: 1000 });
  assert.equal(got, 1);
});
