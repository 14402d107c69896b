/**
 * Go's time package on software timers, with Go 1.23 semantics: after Stop or Reset returns, no
 * stale value is received from the timer's channel; Stop reports whether it prevented the fire;
 * a ticker drops ticks a slow receiver misses; After fires once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { after, newTimer, now, recv, run, select, sleep, tick } from "../../src/go/index.js";

test("newTimer fires once at its time; stop before it fires returns true and nothing is ever received", async () => {
  await run(async () => {
    const t = newTimer(10);
    assert.equal(await t.C.recv(), 10, "fires at now() = 10");
    assert.equal(t.stop(), false, "stopping a timer that already fired returns false");
    const u = newTimer(10);
    await sleep(5);
    assert.equal(u.stop(), true, "stop prevented the fire");
    const r = await select([recv(u.C), recv(after(50))]);
    assert.equal(r.index, 1, "a stopped timer's channel stays empty");
  });
});

test("Go 1.23: a value that fired but was not received is discarded by stop() and reset()", async () => {
  await run(async () => {
    const t = newTimer(5);
    await sleep(10); // fired at 5, value buffered, not received
    assert.equal(t.C.len, 1);
    assert.equal(t.stop(), false);
    assert.equal(t.C.len, 0, "stop drained the stale value");
    const u = newTimer(5);
    await sleep(10);
    assert.equal(u.reset(20), false, "reset of a fired timer returns false");
    assert.equal(u.C.len, 0, "reset drained the stale value");
    const fired = await u.C.recv();
    assert.equal(fired, now());
    assert.equal(fired, 40, "reset at 20 for 20 ms fires at 40, not with the stale value from 25");
    const v = newTimer(30);
    await sleep(10);
    assert.equal(v.reset(5), true, "reset of an active timer returns true");
    assert.equal(await v.C.recv(), 55, "it fires 5 ms after the reset, not at its old time");
  });
});

test("tick: values every period; a slow receiver misses ticks (dropped), stop() ends them", async () => {
  await run(async () => {
    const c = tick(10);
    assert.equal(await c.recv(), 10);
    assert.equal(await c.recv(), 20);
    await sleep(35); // ticks at 30, 40, 50 while not receiving: one is buffered, two are dropped
    assert.equal(c.len, 1);
    assert.equal(await c.recv(), 30);
    assert.equal(await c.recv(), 60);
    c.stop();
    const r = await select([recv(c), recv(after(100))]);
    assert.equal(r.index, 1, "no tick after stop");
  });
});

test("after fires once; timers keep firing in order across many concurrent timeouts", async () => {
  await run(async () => {
    const order: number[] = [];
    const chans = [30, 10, 20, 10].map((ms) => after(ms));
    for (const c of chans) order.push((await c.recv())!);
    assert.deepEqual(order, [30, 10, 20, 10]);
    const r = await select([recv(chans[1]!), recv(after(5))]);
    assert.equal(r.index, 1, "an after() channel delivers only once");
  });
});
