/*
 * tinyrtos/go contexts in generator goroutines (issue 15), with the checks of
 * test/go/context.test.ts: cancel, timeout and deadline close done() and set err() at the exact
 * virtual time, propagate to children (also through a context type the package does not know,
 * whose watcher goroutine is async: a mixed program), and wake a generator goroutine parked in a
 * receive on done(), also for deadlines beyond a 16-bit tick kernel's longest delay.
 *
 * A context has no blocking call of its own: done() is a channel, received from (or selected
 * on) with `yield*` in a generator goroutine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  run, go, sleep, now, select, recv, chan, background, withCancel, withTimeout, withDeadline, withValue, Canceled, DeadlineExceeded,
  WaitGroup, type Context,
} from "../../src/go/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";

const OPTS = { seed: 1, tickRateHz: 1000 };

/** otherContext{c}: a Context implementation the package does not know, delegating to c. */
function other(c: Context): Context {
  return { done: () => c.done(), err: () => c.err(), deadline: () => c.deadline(), value: (key: unknown) => c.value(key) };
}

/** Whether ctx.done() is closed (read without a channel operation). */
function closed(ctx: Context): boolean {
  return ctx.done()!.closed;
}

/** Starts a generator goroutine that parks on ctx.done() and records when it woke and what err() said. */
function watch(ctx: Context, woke: string[], name: string, wg: WaitGroup): void {
  wg.add(1);
  go(function* () {
    const v = yield* ctx.done()!.recv();
    woke.push(`${name}@${now()}:${ctx.err()?.message}:${String(v)}`);
    wg.done();
  });
}

test("gen withCancel: cancel wakes parked receivers on done, err() is Canceled, children too, idempotent", async () => {
  await run(function* () {
    const [parent, cancelParent] = withCancel(background());
    const [child, cancelChild] = withCancel(parent);
    const grandchild = withCancel(withValue(child, "k", 1))[0];
    const woke: string[] = [];
    const wg = new WaitGroup();
    watch(parent, woke, "parent", wg);
    watch(grandchild, woke, "grandchild", wg);
    yield* sleep(7);
    for (const c of [parent, child, grandchild]) {
      assert.equal(c.err(), null);
      assert.ok(!closed(c));
    }
    cancelParent();
    for (const c of [parent, child, grandchild]) {
      assert.ok(closed(c), "done() not closed after cancel");
      assert.equal(c.err(), Canceled);
    }
    yield* wg.wait();
    assert.deepEqual(woke, ["parent@7:context canceled:undefined", "grandchild@7:context canceled:undefined"]);
    const d = parent.done();
    cancelParent();
    cancelChild();
    assert.equal(parent.done(), d);
    assert.equal(child.err(), Canceled);
  }, OPTS);
});

test("gen withTimeout/withDeadline: done closes at the deadline, DeadlineExceeded, children, cancel after", async () => {
  await run(function* () {
    yield* sleep(3);
    const t0 = now();
    const [ctx, cancel] = withTimeout(background(), 50);
    assert.equal(ctx.deadline(), t0 + 50);
    const [child] = withCancel(ctx);
    const [shorter, cancelShorter] = withTimeout(ctx, 20);
    const [longer] = withDeadline(ctx, t0 + 500);
    assert.equal(longer.deadline(), t0 + 50);
    const woke: string[] = [];
    const wg = new WaitGroup();
    watch(shorter, woke, "shorter", wg);
    watch(child, woke, "child", wg);

    yield* sleep(19);
    assert.equal(shorter.err(), null, "shorter done before its deadline");
    yield* sleep(1);
    assert.equal(shorter.err(), DeadlineExceeded, "shorter not done at its deadline");
    assert.equal(ctx.err(), null, "a child's deadline must not cancel the parent");
    cancelShorter();
    assert.equal(shorter.err(), DeadlineExceeded);

    yield* sleep(29);
    assert.equal(ctx.err(), null, "done before the deadline");
    yield* sleep(1);
    for (const c of [ctx, child, longer]) {
      assert.ok(closed(c));
      assert.equal(c.err(), DeadlineExceeded);
    }
    cancel();
    assert.equal(ctx.err(), DeadlineExceeded);
    yield* wg.wait();
    assert.deepEqual(woke, [`shorter@${t0 + 20}:context deadline exceeded:undefined`, `child@${t0 + 50}:context deadline exceeded:undefined`]);

    const [early, cancelEarly] = withTimeout(background(), 10);
    cancelEarly();
    assert.equal(early.err(), Canceled);
    yield* sleep(20);
    assert.equal(early.err(), Canceled);
  }, OPTS);
});

test("gen: a context of an unknown type is watched by an async goroutine; a generator one parked on the child wakes", async () => {
  await run(function* () {
    const [c1, cancel] = withCancel(background());
    const [c2] = withCancel(other(c1)); // propagateCancel: an async watcher goroutine
    const woke: string[] = [];
    const wg = new WaitGroup();
    watch(c2, woke, "c2", wg);
    yield* sleep(4);
    assert.equal(c2.err(), null);
    cancel();
    yield* wg.wait();
    assert.equal(c2.err(), Canceled);
    assert.deepEqual(woke, ["c2@4:context canceled:undefined"]);
  }, OPTS);
});

test("gen: long deadlines on a 16-bit tick kernel close done exactly", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 16, seed: 1 });
  await run(function* () {
    const [late] = withTimeout(background(), 300_000);
    const [early] = withTimeout(background(), 200_000);
    const woke: string[] = [];
    const wg = new WaitGroup();
    watch(late, woke, "late", wg);
    watch(early, woke, "early", wg);
    yield* wg.wait();
    assert.deepEqual(woke, ["early@200000:context deadline exceeded:undefined", "late@300000:context deadline exceeded:undefined"]);
  }, { rtos });
});

test("gen: a select on ctx.done() is woken by cancel and by the deadline; done() of a cancelled context reads at once", async () => {
  await run(function* () {
    const never = chan<number>();
    const [cctx, cancel] = withCancel(background());
    const [tctx] = withTimeout(background(), 30);
    const woke: string[] = [];
    const wg = new WaitGroup();
    for (const ctx of [cctx, tctx]) {
      wg.add(1);
      go(function* () {
        const r = yield* select([recv(never), recv(ctx.done())]);
        woke.push(`${now()}:${r.index}:${ctx.err()?.message}`);
        wg.done();
      });
    }
    yield* sleep(7);
    cancel();
    yield* wg.wait();
    assert.deepEqual(woke, ["7:1:context canceled", "30:1:context deadline exceeded"]);
    const [, ok] = yield* cctx.done()!.recv2();
    assert.equal(ok, false);
    assert.equal(yield* tctx.done()!.recv(), undefined);
  }, OPTS);
});
