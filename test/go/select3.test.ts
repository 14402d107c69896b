/*
 * Port of golang/go test/chan/select3.go ("Test the semantics of the select statement for basic
 * empty/non-empty cases.") to tinyrtos/go.
 *
 * testBlock(signal, f): as in Go, f runs in a new goroutine that sends "function did" on c when f
 * returns, while a second goroutine sleeps 100 ms (virtual time; Go: time.Sleep(1e8)) and sends
 * "function did not"; the first value received must equal signal, else panic(signal + " block")
 * -> assert.equal(got, signal, signal + " block"). A goroutine left blocked forever by f is
 * abandoned, as in Go.
 * testPanic(signal, f): f runs in the calling goroutine inside try/catch (Go: defer/recover);
 * whether it threw must match signal, else panic(signal + " panic") -> assert.equal. Where f is
 * expected to panic, the error must also be a GoPanic with Go's message (addition).
 * unreachable() -> throws "control flow shouldn't reach here" (fails the run).
 * Receiving from closedch: Go's zero value 0 is `undefined` in this API, so
 * `<-closedch != 0` -> recv() !== undefined -> throw; `x, ok := <-closedch; x != 0 || ok`
 * -> recv2() !== [undefined, false] -> throw.
 * Go's nil channel is `null` in select cases. A plain send/receive on a nil channel (outside a
 * select) is written as the equivalent one-case select on null, since the Chan API has no nil
 * value.
 * Every testBlock/testPanic call of the original is kept, in order. Additions at the end (not in
 * select3.go, requested by the port brief): close of a closed channel panics with "close of
 * closed channel"; closing never blocks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, send, sleep, GoPanic } from "../../src/go/index.js";

const always = "function did not";
const never = "function did";
type Signal = typeof always | typeof never;

function unreachable(): never {
  throw new Error("control flow shouldn't reach here");
}

/** Calls f and verifies that f always/never panics depending on signal. */
async function testPanic(signal: Signal, f: () => Promise<void> | void, message?: string): Promise<void> {
  let s: Signal = never;
  let err: unknown;
  try {
    await f();
  } catch (e) {
    s = always; // f panicked
    err = e;
  }
  assert.equal(s, signal, `${signal} panic${err ? ` (${String(err)})` : ""}`);
  if (signal === always && message !== undefined) {
    assert.ok(err instanceof GoPanic, `expected a GoPanic, got ${String(err)}`);
    assert.match((err as Error).message, new RegExp(message));
  }
}

/** Calls f and empirically verifies that f always/never blocks depending on signal. */
async function testBlock(signal: Signal, f: () => Promise<void> | void): Promise<void> {
  const c = chan<string>();
  go(async () => {
    await f();
    await c.send(never); // f didn't block
  });
  go(async () => {
    await sleep(100); // 0.1s seems plenty long
    await c.send(always); // f blocked always
  });
  assert.equal(await c.recv(), signal, `${signal} block`);
}

test("select3.go: which channel operations and selects block or panic", async () => {
  await run(async () => {
    const async = 1; // asynchronous channels
    const nilch = null;
    const closedch = chan<number>();
    closedch.close();

    // sending/receiving from a nil channel blocks
    await testBlock(always, async () => {
      await select([send(nilch, 7)]); // nilch <- 7
    });
    await testBlock(always, async () => {
      await select([recv(nilch)]); // <-nilch
    });

    // sending/receiving from a nil channel inside a select is never selected
    await testPanic(never, async () => {
      const r = await select([send(nilch, 7)], { default: true });
      if (r.index === 0) unreachable();
    });
    await testPanic(never, async () => {
      const r = await select([recv(nilch)], { default: true });
      if (r.index === 0) unreachable();
    });

    // sending to an async channel with free buffer space never blocks
    await testBlock(never, async () => {
      const ch = chan<number>(async);
      await ch.send(7);
    });

    // receiving from a closed channel never blocks
    await testBlock(never, async () => {
      for (let i = 0; i < 10; i++) {
        if ((await closedch.recv()) !== undefined) {
          throw new Error("expected zero value when reading from closed channel");
        }
        const [x, ok] = await closedch.recv2();
        if (x !== undefined || ok) {
          throw new Error(`expected 0, false from closed channel (closedch: ${x} ${ok})`);
        }
      }
    });

    // sending to a closed channel panics.
    await testPanic(always, async () => {
      await closedch.send(7);
    }, "send on closed channel");

    // receiving from a non-ready channel always blocks
    await testBlock(always, async () => {
      const ch = chan<number>();
      await ch.recv();
    });

    // empty selects always block
    await testBlock(always, async () => {
      await select([]);
    });

    // selects with only nil channels always block
    await testBlock(always, async () => {
      await select([recv(nilch)]);
      unreachable();
    });
    await testBlock(always, async () => {
      await select([send(nilch, 7)]);
      unreachable();
    });
    await testBlock(always, async () => {
      await select([recv(nilch), send(nilch, 7)]);
      unreachable();
    });

    // selects with non-ready non-nil channels always block
    await testBlock(always, async () => {
      const ch = chan<number>();
      await select([recv(ch)]);
      unreachable();
    });

    // selects with default cases don't block
    await testBlock(never, async () => {
      const r = await select([], { default: true });
      assert.equal(r.index, -1);
    });
    await testBlock(never, async () => {
      const r = await select([recv(nilch)], { default: true });
      if (r.index === 0) unreachable();
    });
    await testBlock(never, async () => {
      const r = await select([send(nilch, 7)], { default: true });
      if (r.index === 0) unreachable();
    });

    // selects with ready channels don't block
    await testBlock(never, async () => {
      const ch = chan<number>(async);
      const r = await select([send(ch, 7)], { default: true });
      if (r.index === -1) unreachable();
    });
    await testBlock(never, async () => {
      const ch = chan<number>(async);
      await ch.send(7);
      const r = await select([recv(ch)], { default: true });
      if (r.index === -1) unreachable();
    });

    // selects with closed channels behave like ordinary operations
    await testBlock(never, async () => {
      await select([recv(closedch)]); // case <-closedch:
    });
    await testBlock(never, async () => {
      const r = await select([recv(closedch)]); // case x := (<-closedch):
      const x = r.value;
      void x;
    });
    await testBlock(never, async () => {
      const r = await select([recv(closedch)]); // case x, ok := (<-closedch):
      const [x, ok] = [r.value, r.ok];
      // addition: the values Go would bind here
      assert.equal(x, undefined);
      assert.equal(ok, false);
    });
    await testPanic(always, async () => {
      await select([send(closedch, 7)]); // case closedch <- 7:
    }, "send on closed channel");

    // select should not get confused if it sees itself
    await testBlock(always, async () => {
      const c = chan<number>();
      await select([send(c, 1), recv(c)]);
    });

    // --- additions (not in select3.go) ---
    // closing a closed channel panics
    await testPanic(always, () => {
      closedch.close();
    }, "close of closed channel");
    // closing an open channel neither blocks nor panics
    await testBlock(never, () => {
      chan<number>().close();
    });
    await testPanic(never, () => {
      chan<number>(async).close();
    });
  }, { seed: 1, tickRateHz: 1000 });
});
