/*
 * tinyrtos/go contexts, with ports of golang/go src/context/context_test.go (the newest version:
 * XTestWithCancel, XTestParentFinishesChild, XTestChildFinishesFirst, XTestDeadline, XTestTimeout,
 * XTestCanceledTimeout, XTestValues).
 *
 * Go -> here: Background() -> background(); WithCancel/WithDeadline/WithTimeout/WithValue ->
 * withCancel/withDeadline/withTimeout/withValue; c.Done()/Err()/Value(k) -> done()/err()/value(k);
 * time.Now().Add(d) -> now() + d (virtual ms); shortDuration = 1 ms, veryLongDuration = 1000 h;
 * quiescent(t) -> 5 s (Go's value when the test has no deadline), in virtual time.
 * otherContext{c} (a Context type the package does not know, embedding c) -> other(c), a plain
 * object implementing Context by delegating every method to c.
 * `select { case <-c.Done(): default: }` -> select([recv(c.done())], { default: true }).
 *
 * Check mapping:
 *   XTestWithCancel: "c[%d].Done() == nil want non-nil", "c[%d].Err() == %v want nil",
 *     "<-c.Done() ... it should block" (before cancel) -> asserts per context (c1, o, c2);
 *     after cancel(): "<-c[%d].Done() blocked", "c[%d].Err() == %v want Canceled" -> asserts.
 *     Go >= 1.21 checks this synchronously right after cancel() ("Should propagate
 *     synchronously"); Go <= 1.20 first slept 100 ms ("let cancellation propagate"). c1 and o are
 *     checked synchronously; c2 (child of the foreign otherContext) after the older test's 100 ms,
 *     which Go's documented semantics (Done closed when the parent's Done is closed) require.
 *   XTestParentFinishesChild: the 4 "it should block" select cases, the 4 post-cancel check()s
 *     (Done closed + Err == Canceled) and precanceledChild's two checks -> asserts. Not ported:
 *     "bad linkage" / "pc.cancel didn't clear pc.children" inspect unexported fields
 *     (cancelCtx.children, parentCancelCtx) of the in-package test.
 *   XTestChildFinishesFirst (parents Background() and a cancelable): the "it should block"
 *     selects, child Done closed + Err Canceled after cancel, parent still open + Err nil ->
 *     asserts. Not ported: the "bad linkage" children checks (unexported fields).
 *   XTestDeadline / XTestTimeout: testDeadline's "context not timed out after %v" (a 5 s timer
 *     wins the select) and "c.Err() == %v; want DeadlineExceeded" -> asserts, for all 5 / 3
 *     cases. Not ported: the fmt.Sprint(c) String() prefix checks (no String() here).
 *     Added: done closes exactly at the deadline in virtual time.
 *   XTestCanceledTimeout: "<-c.Done() blocked" and "c.Err() == %v want Canceled" -> asserts.
 *   XTestValues: every check(c, nm, v1, v2, v3) (value(k) is a string iff expected non-empty,
 *     and equal to it) for c0..c4, o0..o4 -> asserts. Not ported: the String() check.
 *     Keys: Go's k1 = key1(1), k2 = key2(1), k3 = key2(3) are distinct interface values; here
 *     three distinct objects.
 * Added (the brief): cancel is idempotent (and cancelling after the deadline keeps
 * DeadlineExceeded), children of a timed-out parent get DeadlineExceeded, a child's own earlier
 * deadline fires without touching the parent, a goroutine blocked in a select on ctx.done() is
 * woken by cancel / by the deadline at the right virtual time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  run, go, chan, select, recv, sleep, now, newTimer, background, todo, withCancel, withTimeout, withDeadline,
  withValue, Canceled, DeadlineExceeded, type Context,
} from "../../src/go/index.js";

const OPTS = { seed: 1, tickRateHz: 1000 };
const T = { timeout: 10_000 };

const shortDuration = 1; // 1 ms
const veryLongDuration = 1000 * 3600 * 1000; // 1000 h
const QUIESCENT = 5000; // quiescent(t) without a test deadline: 5 s

/** otherContext{c}: a Context implementation the package does not know, delegating to c. */
function other(c: Context): Context {
  return {
    done: () => c.done(),
    err: () => c.err(),
    deadline: () => c.deadline(),
    value: (key: unknown) => c.value(key),
  };
}

/** True when ctx.done() is closed now (a non-blocking select on it). */
async function isDone(ctx: Context): Promise<boolean> {
  const r = await select([recv(ctx.done())], { default: true });
  return r.index === 0;
}

test("XTestBackground/XTestTODO: never done, no error, no deadline, no values", T, async () => {
  await run(async () => {
    for (const [name, c] of [["background", background()], ["todo", todo()]] as const) {
      assert.ok(c, `${name} returned nil`);
      assert.ok(!(await isDone(c)), `<-${name}.done() should block`);
      assert.equal(c.err(), null);
      assert.equal(c.deadline(), undefined);
      assert.equal(c.value("key"), undefined);
    }
  }, OPTS);
});

test("XTestWithCancel", T, async () => {
  await run(async () => {
    const [c1, cancel] = withCancel(background());
    const o = other(c1);
    const [c2] = withCancel(o);
    const contexts = [c1, o, c2];

    contexts.forEach((c, i) => {
      assert.notEqual(c.done(), null, `c[${i}].done() == null want non-null`);
      assert.equal(c.err(), null, `c[${i}].err() == ${String(c.err())} want null`);
    });
    for (const [i, c] of contexts.entries()) {
      assert.ok(!(await isDone(c)), `<-c[${i}].done() should block`);
    }

    cancel(); // propagates synchronously for the package's own contexts
    for (const [i, c] of [c1, o].entries()) {
      assert.ok(await isDone(c), `<-c[${i}].done() blocked, but shouldn't have`);
      assert.equal(c.err(), Canceled, `c[${i}].err() == ${String(c.err())} want Canceled`);
    }
    await sleep(100); // let cancellation propagate (Go <= 1.20's test) to the child of `o`
    assert.ok(await isDone(c2), "<-c[2].done() blocked, but shouldn't have");
    assert.equal(c2.err(), Canceled, `c[2].err() == ${String(c2.err())} want Canceled`);
  }, OPTS);
});

test("XTestParentFinishesChild", T, async () => {
  await run(async () => {
    // Context tree:
    // parent -> cancelChild
    // parent -> valueChild -> timerChild
    const [parent, cancel] = withCancel(background());
    const [cancelChild, stop1] = withCancel(parent);
    const valueChild = withValue(parent, "key", "value");
    const [timerChild, stop2] = withTimeout(valueChild, veryLongDuration);
    try {
      const r = await select([recv(parent.done()), recv(cancelChild.done()), recv(timerChild.done()), recv(valueChild.done())],
        { default: true });
      const names = ["parent", "cancelChild", "timerChild", "valueChild"];
      assert.equal(r.index, -1, `<-${names[r.index]}.done() == ${String(r.value)} want nothing (it should block)`);

      cancel();

      // parent and children should all be finished.
      const check = async (ctx: Context, name: string): Promise<void> => {
        assert.ok(await isDone(ctx), `<-${name}.done() blocked, but shouldn't have`);
        assert.equal(ctx.err(), Canceled, `${name}.err() == ${String(ctx.err())} want Canceled`);
      };
      await check(parent, "parent");
      await check(cancelChild, "cancelChild");
      await check(valueChild, "valueChild");
      await check(timerChild, "timerChild");

      // WithCancel should return a canceled context on a canceled parent.
      const precanceledChild = withValue(parent, "key", "value");
      assert.ok(await isDone(precanceledChild), "<-precanceledChild.done() blocked, but shouldn't have");
      assert.equal(precanceledChild.err(), Canceled, `precanceledChild.err() == ${String(precanceledChild.err())} want Canceled`);
      // (and withCancel itself, as the comment says)
      const [precanceled2] = withCancel(parent);
      assert.ok(await isDone(precanceled2), "<-withCancel(canceled parent).done() blocked");
      assert.equal(precanceled2.err(), Canceled);
    } finally {
      stop1();
      stop2();
    }
  }, OPTS);
});

test("XTestChildFinishesFirst", T, async () => {
  await run(async () => {
    const [cancelable, stop] = withCancel(background());
    try {
      for (const parent of [background(), cancelable]) {
        const [child, cancel] = withCancel(parent);

        let r = await select([recv(parent.done()), recv(child.done())], { default: true });
        assert.notEqual(r.index, 0, `<-parent.done() == ${String(r.value)} want nothing (it should block)`);
        assert.notEqual(r.index, 1, `<-child.done() == ${String(r.value)} want nothing (it should block)`);

        cancel();

        // child should be finished.
        assert.ok(await isDone(child), "<-child.done() blocked, but shouldn't have");
        assert.equal(child.err(), Canceled, `child.err() == ${String(child.err())} want Canceled`);

        // parent should not be finished.
        r = await select([recv(parent.done())], { default: true });
        assert.equal(r.index, -1, `<-parent.done() == ${String(r.value)} want nothing (it should block)`);
        assert.equal(parent.err(), null, `parent.err() == ${String(parent.err())} want null`);
      }
    } finally {
      stop();
    }
  }, OPTS);
});

/** testDeadline: c must be done before a quiescent-length timer, with DeadlineExceeded. */
async function testDeadline(c: Context, name: string): Promise<void> {
  const timer = newTimer(QUIESCENT);
  try {
    const r = await select([recv(timer.C), recv(c.done())]);
    assert.equal(r.index, 1, `${name}: context not timed out after ${QUIESCENT} ms`);
  } finally {
    timer.stop();
  }
  assert.equal(c.err(), DeadlineExceeded, `${name}: c.err() == ${String(c.err())}; want DeadlineExceeded`);
}

test("XTestDeadline", T, async () => {
  await run(async () => {
    let c: Context;
    let o: Context;
    let t0 = now();
    [c] = withDeadline(background(), now() + shortDuration);
    await testDeadline(c, "WithDeadline");
    assert.equal(now(), t0 + shortDuration, "WithDeadline: done at the deadline");

    [c] = withDeadline(background(), now() + shortDuration);
    o = other(c);
    await testDeadline(o, "WithDeadline+otherContext");

    [c] = withDeadline(background(), now() + shortDuration);
    o = other(c);
    [c] = withDeadline(o, now() + veryLongDuration);
    await testDeadline(c, "WithDeadline+otherContext+WithDeadline");

    t0 = now();
    [c] = withDeadline(background(), now() - shortDuration);
    await testDeadline(c, "WithDeadline+inthepast");
    assert.equal(now(), t0, "WithDeadline+inthepast: done at once");

    [c] = withDeadline(background(), now());
    await testDeadline(c, "WithDeadline+now");
    assert.equal(now(), t0, "WithDeadline+now: done at once");
  }, OPTS);
});

test("XTestTimeout", T, async () => {
  await run(async () => {
    let c: Context;
    let o: Context;
    const t0 = now();
    [c] = withTimeout(background(), shortDuration);
    await testDeadline(c, "WithTimeout");
    assert.equal(now(), t0 + shortDuration, "WithTimeout: done at the deadline");

    [c] = withTimeout(background(), shortDuration);
    o = other(c);
    await testDeadline(o, "WithTimeout+otherContext");

    [c] = withTimeout(background(), shortDuration);
    o = other(c);
    [c] = withTimeout(o, veryLongDuration);
    await testDeadline(c, "WithTimeout+otherContext+WithTimeout");
  }, OPTS);
});

test("XTestCanceledTimeout", T, async () => {
  await run(async () => {
    const [c0] = withTimeout(background(), 1000);
    const o = other(c0);
    const [c, cancel] = withTimeout(o, veryLongDuration);
    cancel(); // Should propagate synchronously.
    assert.ok(await isDone(c), "<-c.done() blocked, but shouldn't have");
    assert.equal(c.err(), Canceled, `c.err() == ${String(c.err())} want Canceled`);
  }, OPTS);
});

test("XTestValues", T, async () => {
  await run(async () => {
    const k1 = { key1: 1 };
    const k2 = { key2: 1 }; // "same int as k1, different type"
    const k3 = { key2: 3 }; // "same type as k2, different int"
    const check = (c: Context, nm: string, v1: string, v2: string, v3: string): void => {
      for (const [k, kn, want] of [[k1, "k1", v1], [k2, "k2", v2], [k3, "k3", v3]] as const) {
        const raw = c.value(k);
        const ok = typeof raw === "string";
        const v = ok ? raw : "";
        assert.ok(ok !== (want.length === 0) && v === want,
          `${nm}.value(${kn}) as string = ${JSON.stringify(v)}, ${ok} want ${JSON.stringify(want)}, ${want.length !== 0}`);
      }
    };

    const c0 = background();
    check(c0, "c0", "", "", "");

    const c1 = withValue(background(), k1, "c1k1");
    check(c1, "c1", "c1k1", "", "");

    const c2 = withValue(c1, k2, "c2k2");
    check(c2, "c2", "c1k1", "c2k2", "");

    const c3 = withValue(c2, k3, "c3k3");
    check(c3, "c2", "c1k1", "c2k2", "c3k3");

    const c4 = withValue(c3, k1, null);
    check(c4, "c4", "", "c2k2", "c3k3");

    const o0 = other(background());
    check(o0, "o0", "", "", "");

    const o1 = other(withValue(background(), k1, "c1k1"));
    check(o1, "o1", "c1k1", "", "");

    const o2 = withValue(o1, k2, "o2k2");
    check(o2, "o2", "c1k1", "o2k2", "");

    const o3 = other(c4);
    check(o3, "o3", "", "c2k2", "c3k3");

    const o4 = withValue(o3, k3, null);
    check(o4, "o4", "", "c2k2", "");

    // Values are visible through cancel and deadline contexts too.
    const [cc, cancel] = withCancel(c3);
    const [tc, stop] = withTimeout(cc, 10);
    check(tc, "tc", "c1k1", "c2k2", "c3k3");
    cancel();
    stop();
    check(tc, "tc (cancelled)", "c1k1", "c2k2", "c3k3");
  }, OPTS);
});

test("withCancel: cancel closes done, err() is Canceled, children cancelled, cancel idempotent", T, async () => {
  await run(async () => {
    const [parent, cancelParent] = withCancel(background());
    const [child, cancelChild] = withCancel(parent);
    const [grandchild] = withCancel(withValue(child, "k", 1));
    assert.equal(parent.deadline(), undefined);
    for (const c of [parent, child, grandchild]) {
      assert.equal(c.err(), null);
      assert.ok(!(await isDone(c)));
    }
    cancelParent();
    for (const c of [parent, child, grandchild]) {
      assert.ok(await isDone(c), "done() not closed after cancel");
      assert.equal(c.err(), Canceled);
      // A closed done channel: recv2 yields ok === false, at once.
      const [, ok] = await c.done()!.recv2();
      assert.equal(ok, false);
    }
    // Idempotent: no "close of closed channel", same error, same (closed) channel.
    const d = parent.done();
    cancelParent();
    cancelParent();
    cancelChild();
    assert.equal(parent.done(), d);
    assert.equal(parent.err(), Canceled);
    assert.equal(child.err(), Canceled);
  }, OPTS);
});

test("withTimeout/withDeadline: done closes at the deadline, DeadlineExceeded, children, cancel after", T, async () => {
  await run(async () => {
    await sleep(3); // start away from 0
    const t0 = now();
    const [ctx, cancel] = withTimeout(background(), 50);
    assert.equal(ctx.deadline(), t0 + 50);
    const [child] = withCancel(ctx);
    const [shorter, cancelShorter] = withTimeout(ctx, 20); // own earlier deadline
    const [longer] = withDeadline(ctx, t0 + 500); // parent's deadline is earlier: inherits it
    assert.equal(longer.deadline(), t0 + 50);

    await sleep(19);
    assert.equal(shorter.err(), null, "shorter done before its deadline");
    await sleep(1);
    assert.equal(now(), t0 + 20);
    assert.equal(shorter.err(), DeadlineExceeded, "shorter not done at its deadline");
    assert.ok(await isDone(shorter));
    assert.equal(ctx.err(), null, "a child's deadline must not cancel the parent");
    cancelShorter(); // after the deadline: keeps DeadlineExceeded
    assert.equal(shorter.err(), DeadlineExceeded);

    await sleep(29);
    assert.equal(now(), t0 + 49);
    assert.equal(ctx.err(), null, "done before the deadline");
    assert.ok(!(await isDone(ctx)));
    await sleep(1);
    for (const [name, c] of [["ctx", ctx], ["child", child], ["longer", longer]] as const) {
      assert.ok(await isDone(c), `${name} not done at the deadline`);
      assert.equal(c.err(), DeadlineExceeded, `${name}.err() = ${String(c.err())}`);
    }
    cancel(); // after the deadline: keeps DeadlineExceeded
    assert.equal(ctx.err(), DeadlineExceeded);

    // Cancelled before its deadline: Canceled, and the deadline later changes nothing.
    const [early, cancelEarly] = withTimeout(background(), 10);
    cancelEarly();
    assert.equal(early.err(), Canceled);
    await sleep(20);
    assert.equal(early.err(), Canceled);
  }, OPTS);
});

test("a goroutine blocked in a select on ctx.done() is woken by cancel and by the deadline", T, async () => {
  await run(async () => {
    const never = chan<number>();
    const woke = chan<{ at: number; index: number; err: Error | null }>(2);
    const [cctx, cancel] = withCancel(background());
    const [tctx] = withTimeout(background(), 30);
    for (const ctx of [cctx, tctx]) {
      go(async () => {
        const r = await select([recv(never), recv(ctx.done())]);
        await woke.send({ at: now(), index: r.index, err: ctx.err() });
      });
    }
    await sleep(7);
    assert.equal(woke.len, 0, "woke before cancel");
    cancel();
    const a = (await woke.recv())!;
    assert.deepEqual(a, { at: 7, index: 1, err: Canceled });
    const b = (await woke.recv())!;
    assert.deepEqual(b, { at: 30, index: 1, err: DeadlineExceeded });
    // The ok flag of the done case is false (closed channel).
    const [c2, cancel2] = withCancel(background());
    const t1 = now();
    go(async () => {
      await sleep(5);
      cancel2();
    });
    const r = await select([recv(never), recv(c2.done())]);
    assert.equal(r.index, 1);
    assert.equal(r.ok, false);
    assert.equal(now(), t1 + 5);
  }, OPTS);
});
