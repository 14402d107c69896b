/**
 * The board's event queue (src/hal/clock.ts): events scheduled in any order are delivered by
 * time, and in order of scheduling at equal times, including events scheduled while others are
 * delivered; long queues (the head index and its compaction) keep that order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BoardClock } from "../../src/hal/clock.js";

/** A small seeded PRNG (xorshift32): the test's own, deterministic. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

test("20 000 events scheduled out of order (ties included) are delivered by time, then order of scheduling", () => {
  const clock = new BoardClock();
  const rand = prng(12);
  const delivered: { at: number; id: number }[] = [];
  const expected: { at: number; id: number }[] = [];
  for (let id = 0; id < 20_000; id++) {
    const at = Math.floor(rand() * 500) / 4; // many ties
    expected.push({ at, id });
    clock.schedule(at, (when) => delivered.push({ at: when, id }));
  }
  expected.sort((a, b) => a.at - b.at || a.id - b.id);
  clock.advanceTo(60);
  const half = expected.filter((e) => e.at <= 60).length;
  assert.deepEqual(delivered, expected.slice(0, half));
  clock.advanceTo(200);
  assert.deepEqual(delivered, expected);
});

test("events scheduled while the queue is delivered (a chain of 10 000, and one at the same time) keep their order", () => {
  const clock = new BoardClock();
  const seen: string[] = [];
  let k = 0;
  const next = (at: number): void => {
    seen.push(`c${k}@${at}`);
    if (++k < 10_000) {
      clock.schedule(at, () => seen.push(`same@${at}`)); // due now: delivered in the same pass
      clock.schedule(at + 1, next);
    }
  };
  clock.schedule(1, next);
  clock.schedule(5000.5, () => seen.push("middle"));
  clock.advanceTo(20_000);
  assert.equal(seen.length, 10_000 + 9_999 + 1);
  assert.deepEqual(seen.slice(0, 5), ["c0@1", "same@1", "c1@2", "same@2", "c2@3"]);
  const m = seen.indexOf("middle");
  assert.deepEqual(seen.slice(m - 1, m + 2), ["same@5000", "middle", "c5000@5001"]);
  assert.equal(seen[seen.length - 1], "c9999@10000");
});
