/*
 * Port of golang/go test/chan/select7.go ("Test select when discarding a value.") to tinyrtos/go.
 *
 * Every combination of a receiver recv1 (<-c), recv2 (select { case <-c: }), recv3 (select on c
 * and a never-ready c2), each discarding the value, with a sender send1 (c <- 1), send2
 * (select { case c <- 1: }), send3 (select on c <- 1 and a never-ready c2 <- 1). The receiver is
 * started first and gets to block (runtime.Gosched() -> await gosched()), then the sender sends
 * on the unbuffered c.
 *
 * Check mapping (Go -> here): the original has no explicit check; a lost wake-up or a send that
 * never pairs with the discarding receiver is a Go deadlock -> run rejects with DeadlockError.
 * Additions: a send/select that completes must report the case that actually fired (index 0, not
 * the never-ready c2 case), and after the send each receiver is asserted to have completed
 * (checked after a gosched(), since the woken receiver runs after main yields).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, send, gosched, type Chan } from "../../src/go/index.js";

type Recv = (c: Chan<number>) => Promise<void>;

async function recv1(c: Chan<number>): Promise<void> {
  await c.recv();
}

async function recv2(c: Chan<number>): Promise<void> {
  const r = await select([recv(c)]);
  assert.equal(r.index, 0);
}

async function recv3(c: Chan<number>): Promise<void> {
  const c2 = chan<number>();
  const r = await select([recv(c), recv(c2)]);
  assert.equal(r.index, 0);
}

/** Starts r(c) as a goroutine; the returned flag is set when it has returned. */
function start(r: Recv, c: Chan<number>): { done: boolean } {
  const state = { done: false };
  go(async () => {
    await r(c);
    state.done = true;
  });
  return state;
}

async function send1(r: Recv): Promise<{ done: boolean }> {
  const c = chan<number>();
  const st = start(r, c);
  await gosched();
  await c.send(1);
  return st;
}

async function send2(r: Recv): Promise<{ done: boolean }> {
  const c = chan<number>();
  const st = start(r, c);
  await gosched();
  const s = await select([send(c, 1)]);
  assert.equal(s.index, 0);
  return st;
}

async function send3(r: Recv): Promise<{ done: boolean }> {
  const c = chan<number>();
  const st = start(r, c);
  await gosched();
  const c2 = chan<number>();
  const s = await select([send(c, 1), send(c2, 1)]);
  assert.equal(s.index, 0);
  return st;
}

test("select7.go: select when discarding a value", async () => {
  await run(async () => {
    const combos: Array<[string, (r: Recv) => Promise<{ done: boolean }>, string, Recv]> = [];
    for (const [rn, r] of [["recv1", recv1], ["recv2", recv2], ["recv3", recv3]] as const) {
      for (const [sn, s] of [["send1", send1], ["send2", send2], ["send3", send3]] as const) {
        combos.push([sn, s, rn, r]);
      }
    }
    // main(): send1(recv1) send2(recv1) send3(recv1) send1(recv2) ... send3(recv3)
    for (const [sn, s, rn, r] of combos) {
      const st = await s(r);
      await gosched();
      assert.ok(st.done, `${sn}(${rn}): receiver did not complete after the send`);
    }
  }, { seed: 1, tickRateHz: 1000 });
});
