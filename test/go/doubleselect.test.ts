/**
 * Port of golang/go test/chan/doubleselect.go (@ bac8f89d).
 *
 * Flushes out the case where two cases of one select both end up running: a sender selects
 * among four unbuffered sends of the same counter i; four mux goroutines forward what they
 * receive onto one channel; recver checks that no value arrives twice.
 *
 * Check mapping:
 *   recver `if _, ok := seen[v]; ok { println("got duplicate value: ", v); panic("fail") }`
 *     => assert.ok(!seen.has(v), "got duplicate value: v").
 *   Added (the loss half of the same bug class, which the original only catches by hanging):
 *     after cmux is closed every i in [0, n) must have been seen exactly once
 *     (assert seen.size === n and each i present).
 *   sender's `defer close(c1) ... defer close(c4)` run in LIFO order (c4, c3, c2, c1) => finally.
 * runtime.GOMAXPROCS(2) has no counterpart: the Go layer runs GOMAXPROCS = 1 (contract). To vary
 * the interleavings instead, the test also runs under several PRNG seeds (select picks uniformly
 * at random among ready cases from the seeded PRNG).
 * Iterations: 100000 as in the original (flag -n default) for seed 1; the extra seeds use 20000.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, send, type Chan } from "../../src/go/index.js";

// sender sends a counter to one of four different channels. If two cases both end up running
// in the same iteration, the same value will be sent to two different channels.
async function sender(n: number, c1: Chan<number>, c2: Chan<number>, c3: Chan<number>, c4: Chan<number>): Promise<void> {
  try {
    for (let i = 0; i < n; i++) {
      await select([send(c1, i), send(c2, i), send(c3, i), send(c4, i)]);
    }
  } finally {
    c4.close();
    c3.close();
    c2.close();
    c1.close();
  }
}

// mux receives the values from sender and forwards them onto another channel.
async function mux(out: Chan<number>, inp: Chan<number>, done: Chan<boolean>): Promise<void> {
  for await (const v of inp) await out.send(v);
  await done.send(true);
}

// recver gets a stream of values from the four muxes and checks for duplicates.
async function recver(inp: Chan<number>): Promise<Set<number>> {
  const seen = new Set<number>();
  for await (const v of inp) {
    assert.ok(!seen.has(v), `got duplicate value: ${v}`);
    seen.add(v);
  }
  return seen;
}

async function doubleselect(iterations: number): Promise<Set<number>> {
  const c1 = chan<number>();
  const c2 = chan<number>();
  const c3 = chan<number>();
  const c4 = chan<number>();
  const done = chan<boolean>();
  const cmux = chan<number>();
  go(() => sender(iterations, c1, c2, c3, c4));
  go(() => mux(cmux, c1, done));
  go(() => mux(cmux, c2, done));
  go(() => mux(cmux, c3, done));
  go(() => mux(cmux, c4, done));
  go(async () => {
    await done.recv();
    await done.recv();
    await done.recv();
    await done.recv();
    cmux.close();
  });
  // We keep the recver because it might catch more bugs in the future.
  return recver(cmux);
}

function checkNoLoss(seen: Set<number>, n: number): void {
  assert.equal(seen.size, n, `received ${seen.size} distinct values, want ${n}`);
  for (let i = 0; i < n; i++) assert.ok(seen.has(i), `value ${i} lost`);
}

test("doubleselect: 100000 selects over four senders, no duplicates, no losses (seed 1)", async () => {
  const n = 100000;
  const seen = await run(() => doubleselect(n), { seed: 1, tickRateHz: 1000 });
  checkNoLoss(seen, n);
});

test("doubleselect: other seeds (other select choices), 20000 iterations each", async () => {
  const n = 20000;
  for (const seed of [2, 3, 0xdeadbeef]) {
    const seen = await run(() => doubleselect(n), { seed, tickRateHz: 1000 });
    checkNoLoss(seen, n);
  }
});
