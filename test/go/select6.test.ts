/*
 * Port of golang/go test/chan/select6.go ("Test for select: Issue 2075") to tinyrtos/go.
 *
 * Issue 2075: a bug in select corrupted the wait queues of the failed cases' channels when there
 * were several waiters on such a channel and the select was the last in the queue; further waiters
 * on the channel (c1 here) then never woke up.
 *
 * g1 waits on <-c1; g2 selects on <-c1 / <-c2 (queued on c1 behind g1), wins c2 (sent by g3),
 * signals main on c3, then waits on <-c1 again; main then sends twice on c1, which must wake g1
 * and g2.
 *
 * Check mapping (Go -> here):
 *   case <-c1: panic("dummy")                 -> throw new Error("dummy") in g2 (rejects run)
 *   the bug's symptom, "all goroutines are asleep - deadlock!" on main's second c1 <- true
 *                                              -> run would reject with DeadlockError
 * Additions: both receivers must get `true`, and main waits for them on a WaitGroup and asserts
 * both finished (the original only relies on main's two sends completing).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, WaitGroup } from "../../src/go/index.js";

test("select6.go: failed select case does not corrupt the channel's wait queue (issue 2075)", async () => {
  const received = await run(async () => {
    const c1 = chan<boolean>();
    const c2 = chan<boolean>();
    const c3 = chan<boolean>();
    const got: string[] = [];
    const wg = new WaitGroup();
    wg.add(2);
    go(async () => {
      assert.equal(await c1.recv(), true);
      got.push("g1");
      wg.done();
    });
    go(async () => {
      const r = await select([recv(c1), recv(c2)]);
      if (r.index === 0) throw new Error("dummy");
      assert.equal(r.index, 1);
      await c3.send(true);
      assert.equal(await c1.recv(), true);
      got.push("g2");
      wg.done();
    });
    go(async () => { await c2.send(true); });
    await c3.recv();
    await c1.send(true);
    await c1.send(true);
    await wg.wait(); // addition: both c1 receivers really woke up
    return got.sort();
  }, { seed: 1, tickRateHz: 1000 });
  assert.deepEqual(received, ["g1", "g2"]);
});
