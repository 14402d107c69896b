/**
 * Go's time package on software timers, with Go 1.23 semantics (release notes of Go 1.23;
 * runtime/chan.go chanlen/chancap, runtime/time.go (*timer).stop and modify, time/sleep.go,
 * time/tick.go): a timer's or ticker's channel is synchronous to the program (len and cap are
 * 0); after Stop or Reset returns, no stale value is received from it; Stop and Reset report
 * whether the timer was still pending, which includes a fire whose value was not received yet
 * (that value is discarded); a ticker drops ticks a slow receiver misses; After fires once;
 * NewTicker and Ticker.Reset panic on a non-positive period.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { after, GoPanic, newTimer, now, recv, run, select, sleep, tick } from "../../src/go/index.js";

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

test("Go 1.23: a value that fired but was not received is discarded by stop() and reset(), which report it pending", async () => {
  await run(async () => {
    const t = newTimer(5);
    assert.equal(t.C.len, 0);
    assert.equal(t.C.cap, 0, "a timer channel is synchronous (cap 0)");
    await sleep(10); // fired at 5, value held, not received
    assert.equal(t.C.len, 0, "len is 0 even with a value waiting");
    assert.equal(t.stop(), true, "the value was not received: stop reports the timer still pending");
    assert.equal(t.stop(), false, "a second stop finds nothing");
    const none = await select([recv(t.C)], { default: true });
    assert.equal(none.index, -1, "stop discarded the stale value");
    const u = newTimer(5);
    await sleep(10);
    assert.equal(u.reset(20), true, "reset of a fired but unreceived timer returns true");
    const fired = await u.C.recv();
    assert.equal(fired, now());
    assert.equal(fired, 40, "reset at 20 for 20 ms fires at 40, not with the stale value from 25");
    assert.equal(u.reset(5), false, "reset of a timer whose value was received returns false");
    assert.equal(await u.C.recv(), 45);
    const v = newTimer(30);
    await sleep(10);
    assert.equal(v.reset(5), true, "reset of an active timer returns true");
    assert.equal(await v.C.recv(), 60, "it fires 5 ms after the reset, not at its old time");
  });
});

test("Go 1.23: a ticker's channel has len and cap 0; non-positive periods panic as in Go", async () => {
  await run(async () => {
    const c = tick(10);
    assert.equal(c.cap, 0);
    await sleep(15);
    assert.equal(c.len, 0, "a tick is waiting, but len reads 0");
    c.reset(4); // at 15: discards the tick of 10
    const none = await select([recv(c)], { default: true });
    assert.equal(none.index, -1, "reset discarded the waiting tick");
    assert.equal(await c.recv(), 19);
    assert.equal(await c.recv(), 23);
    assert.throws(() => c.reset(0), (e: unknown) => e instanceof GoPanic && e.message === "non-positive interval for Ticker.Reset");
    assert.throws(() => c.reset(-1), (e: unknown) => e instanceof GoPanic && e.message === "non-positive interval for Ticker.Reset");
    assert.equal(await c.recv(), 27, "a rejected reset leaves the ticker as it was");
    c.stop();
    assert.throws(() => tick(0), (e: unknown) => e instanceof GoPanic && e.message === "non-positive interval for NewTicker");
    assert.throws(() => tick(-5), (e: unknown) => e instanceof GoPanic && e.message === "non-positive interval for NewTicker");
  });
});

test("tick: values every period; a slow receiver misses ticks (dropped), stop() ends them", async () => {
  await run(async () => {
    const c = tick(10);
    assert.equal(await c.recv(), 10);
    assert.equal(await c.recv(), 20);
    await sleep(35); // ticks at 30, 40, 50 while not receiving: one is kept, two are dropped
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
