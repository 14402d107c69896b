/**
 * A buffered channel's buffer is allocated as it fills (doubling up to cap), never up front, as
 * Go makes even chan(2**31 - 1) at once: huge capacities cost nothing until used; values keep
 * FIFO order across growth while the ring has wrapped; len and cap report the Go values; a
 * capacity that is not a number is a TypeError, one out of range Go's "makechan: size out of range".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, Chan, select, recv, send, sleep } from "../../src/go/index.js";

test("chan(2**31 - 1) and chan(1e8) are made at once and used like any buffered channel", async () => {
  await run(async () => {
    const before = process.memoryUsage().heapUsed;
    const huge = chan<number>(2 ** 31 - 1);
    const big = chan<number>(1e8);
    const made = Array.from({ length: 100 }, () => chan<number>(1e8));
    assert.ok(process.memoryUsage().heapUsed - before < 50e6, "no buffer was allocated up front");
    assert.equal(huge.cap, 2 ** 31 - 1);
    assert.equal(big.cap, 1e8);
    assert.equal(made.length, 100);
    for (let i = 0; i < 100_000; i++) await huge.send(i);
    assert.equal(huge.len, 100_000);
    for (let i = 0; i < 100_000; i++) assert.equal(await huge.recv(), i);
    assert.equal(huge.len, 0);
    const r = await select([send(big, 7)], { default: true });
    assert.equal(r.index, 0, "a send to an empty huge buffer is ready");
    assert.equal(await big.recv(), 7);
  });
});

test("values keep FIFO order while the ring wraps and grows, up to the capacity exactly", async () => {
  await run(async () => {
    const c = chan<number>(100);
    let next = 0;
    let expect = 0;
    // Keep the ring wrapped (receive some, send more) while it grows from its first size to 100.
    while (c.len < 100) {
      for (let i = 0; i < 5 && c.len < 100; i++) await c.send(next++);
      if (c.len > 2 && next % 3 === 0) assert.equal(await c.recv(), expect++);
    }
    assert.equal(c.len, c.cap);
    const full = await select([send(c, -1)], { default: true });
    assert.equal(full.index, -1, "a full buffer blocks the next send");
    let blockedSenderDone = false;
    const last = next++;
    go(async () => {
      await c.send(last);
      blockedSenderDone = true;
    });
    await sleep(1); // the sender blocks on the full buffer
    assert.equal(blockedSenderDone, false);
    while (c.len > 0) assert.equal(await c.recv(), expect++);
    await sleep(1); // the readied sender (same priority) runs
    assert.ok(blockedSenderDone);
    assert.equal(expect, next, "every value came out once, in order");
  });
});

test("channel capacities are checked as Go's makechan does", async () => {
  await run(async () => {
    assert.throws(() => chan("4" as unknown as number), (e: unknown) => e instanceof TypeError && /makechan: size must be a number, got string/.test(e.message));
    for (const size of [-1, 0.5, NaN, Infinity, 2 ** 31]) {
      assert.throws(() => chan(size), (e: unknown) => e instanceof RangeError && e.message === "makechan: size out of range", String(size));
      assert.throws(() => new Chan(size), RangeError, `new Chan(${size})`);
    }
    assert.equal(chan().cap, 0);
    const c = chan<number>(3);
    await c.send(1);
    assert.deepEqual([c.len, c.cap], [1, 3]);
    assert.equal((await select([recv(c)])).value, 1);
  });
});
