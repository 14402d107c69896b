/**
 * Port of golang/go test/chan/fifo.go (@ f083f655).
 *
 * AsynchFifo: N values through a buffered channel of capacity N come out in order.
 * SynchFifo: N Chain goroutines, threaded together by "in/out" token channels, each receive
 * one value from a shared unbuffered channel in turn; value i must reach the i-th goroutine.
 *
 * Check mapping:
 *   AsynchFifo `if <-ch != i { print("bad receive\n"); os.Exit(1) }` => assert.equal(v, i, "bad receive").
 *   Chain      `if <-ch != val { panic(val) }` => throw new Error(`panic: ${val}`) inside the
 *              goroutine (run rejects with it, failing the test).
 *   SynchFifo ends with `<-in` (the last Chain's token): the run resolving proves every Chain
 *   finished; a lost value would leave goroutines blocked (DeadlockError).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, type Chan } from "../../src/go/index.js";

const N = 10;

async function asynchFifo(): Promise<void> {
  const ch = chan<number>(N);
  for (let i = 0; i < N; i++) await ch.send(i);
  for (let i = 0; i < N; i++) {
    const v = await ch.recv();
    assert.equal(v, i, "bad receive");
  }
}

async function chain(ch: Chan<number>, val: number, inp: Chan<number>, out: Chan<number>): Promise<void> {
  await inp.recv();
  const v = await ch.recv();
  if (v !== val) throw new Error(`panic: ${val} (received ${v})`);
  await out.send(1);
}

// thread together a daisy chain to read the elements in sequence
async function synchFifo(): Promise<void> {
  const ch = chan<number>();
  let inp = chan<number>();
  const start = inp;
  for (let i = 0; i < N; i++) {
    const out = chan<number>();
    const chIn = inp;
    go(() => chain(ch, i, chIn, out));
    inp = out;
  }
  await start.send(0);
  for (let i = 0; i < N; i++) await ch.send(i);
  await inp.recv();
}

test("fifo: buffered channel delivers in order (AsynchFifo)", async () => {
  await run(async () => { await asynchFifo(); }, { seed: 1, tickRateHz: 1000 });
});

test("fifo: unbuffered channel serves a daisy chain of receivers in order (SynchFifo)", async () => {
  await run(async () => { await synchFifo(); }, { seed: 1, tickRateHz: 1000 });
});

test("fifo: main as in the original (AsynchFifo then SynchFifo in one run)", async () => {
  await run(async () => {
    await asynchFifo();
    await synchFifo();
  }, { seed: 1, tickRateHz: 1000 });
});
