/*
 * Port of golang/go test/chan/select2.go ("Test that selects do not consume undue memory.") to
 * tinyrtos/go.
 *
 * A sender goroutine sends 100,000 values on the unbuffered channel c; the receiver runs 100,000
 * selects { case <-c: ; case <-dummy: panic("dummy") }, so the dummy case loses every time. This
 * is done once to warm up, then the heap is measured after a GC, the whole thing is repeated, and
 * after another GC the heap must not have grown by much.
 *
 * Check mapping (Go -> here):
 *   case <-dummy: panic("dummy")                 -> throw in the receiver (rejects run)
 *   runtime.GC(); MemStats.Alloc growth > 1.1e5  -> heapUsed growth after a full V8 GC must stay
 *     under MAX_GROWTH_BYTES. Node's test runner does not pass --expose-gc, so the GC function is
 *     obtained with v8.setFlagsFromString("--expose-gc") + vm.runInNewContext("gc"), which gives
 *     the real full GC. Go allows 1.1e5 bytes (1.1 B per select); JS heaps carry more noise (JIT
 *     code and feedback vectors live in the V8 heap too), so the bound here is 1 MB, i.e. 10 B per
 *     select: still far below any per-select leak, since a retained waiter record, promise or
 *     closure per losing case costs >= ~30 B each (>= 3 MB for 100,000 selects).
 *     If the GC function cannot be obtained, heapUsed is compared without a GC against a looser
 *     bound (FALLBACK_MAX_GROWTH_BYTES), which only catches gross leaks.
 *   Structural checks (additions; the original has no equivalent): the losing channel's wait
 *     queue (Chan.recvq, a public WaitQ with `length`) must be empty after every select returns,
 *     so it cannot grow with the number of selects; and after each round a non-blocking send on
 *     dummy must take the default branch (no stale waiter can "receive" it).
 * The original's 100,000 selects per round are kept (each round is well under the time budget).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { run, go, chan, select, recv, send, type Chan } from "../../src/go/index.js";

const N = 100_000;
const MAX_GROWTH_BYTES = 1_000_000;
const FALLBACK_MAX_GROWTH_BYTES = 16_000_000;

function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return g;
  try {
    v8.setFlagsFromString("--expose-gc");
    const fn: unknown = vm.runInNewContext("gc");
    return typeof fn === "function" ? (fn as () => void) : undefined;
  } catch {
    return undefined;
  }
}

async function sender(c: Chan<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await c.send(1);
}

async function receiver(c: Chan<number>, dummy: Chan<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await select([recv(c), recv(dummy)]);
    if (r.index === 1) throw new Error("dummy");
    assert.equal(r.index, 0);
    if (dummy.recvq.length !== 0) {
      assert.fail(`select ${i}: the losing case left ${dummy.recvq.length} waiter(s) queued on dummy`);
    }
  }
}

test("select2.go: 100,000 selects with an always-losing case do not grow the heap", async () => {
  const gc = getGc();
  const heap = (): number => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };

  const growth = await run(async () => {
    const c = chan<number>();
    const dummy = chan<number>();

    const noWaiterOnDummy = async (when: string) => {
      const r = await select([send(dummy, 7)], { default: true });
      assert.equal(r.index, -1, `${when}: a send on dummy found a receiver; a losing select case was left queued`);
      assert.equal(dummy.recvq.length, 0, `${when}: waiters left on dummy`);
      assert.equal(c.recvq.length + c.sendq.length, 0, `${when}: waiters left on c`);
    };

    // warm up
    go(() => sender(c, N));
    await receiver(c, dummy, N);
    await noWaiterOnDummy("after warm-up");
    const alloc = heap();

    // second time shouldn't increase footprint by much
    go(() => sender(c, N));
    await receiver(c, dummy, N);
    await noWaiterOnDummy("after second round");
    return heap() - alloc;
  }, { seed: 1, tickRateHz: 1000 });

  const bound = gc ? MAX_GROWTH_BYTES : FALLBACK_MAX_GROWTH_BYTES;
  assert.ok(growth <= bound,
    `BUG: too much memory for ${N} selects: heap grew ${growth} bytes (bound ${bound}, gc ${gc ? "on" : "off"})`);
});
