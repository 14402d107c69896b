/**
 * Pools on a board (issue 12 item 2): exhaustion returns null AND runs the board kernel's
 * vApplicationMallocFailedHook once per failed alloc, with a `heap.mallocFailed` trace event
 * naming the pool; `pool.stats` (inUse, highWater, failedAllocations, count, unitBytes); O(1)
 * churn checked by work, not time: a million seeded alloc/free operations on 10 000 units follow
 * a reference free stack exactly (every alloc returns the unit the model says, every stat
 * matches), so each operation is one push or one pop.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard } from "../../src/hal/index.js";
import { createPool, type PoolStats } from "../../src/mem/index.js";
import { KernelAssertError, Prng, type TraceEvent } from "../../src/kernel/index.js";

test("exhaustion: null, the board's malloc-failed hook once per failed alloc, a heap.mallocFailed trace naming the pool", () => {
  let hookCalls = 0;
  const b = createBoard("nrf52840", { firmware: () => {}, config: { vApplicationMallocFailedHook: () => hookCalls++ } });
  const events: TraceEvent[] = [];
  b.rtos.kernel.setTraceSink((e) => events.push(e));
  const pool = createPool(b, "evt_pool", 2, 32);
  const other = createPool(b, "msg_pool", 1, 128);
  const [a, c] = [pool.alloc()!, pool.alloc()!];
  assert.equal(hookCalls, 0, "no hook while units are left");
  assert.equal(pool.alloc(), null);
  assert.equal(pool.alloc(), null);
  assert.equal(other.alloc() !== null, true);
  assert.equal(other.alloc(), null);
  assert.equal(hookCalls, 3);
  assert.deepEqual(
    events.filter((e) => e.kind === "heap.mallocFailed").map((e) => e.object),
    ['pool "evt_pool"', 'pool "evt_pool"', 'pool "msg_pool"'],
  );
  assert.deepEqual(pool.stats, { inUse: 2, highWater: 2, failedAllocations: 2, count: 2, unitBytes: 32 } satisfies PoolStats);
  pool.free(a);
  pool.free(c);
  assert.deepEqual(pool.stats, { inUse: 0, highWater: 2, failedAllocations: 2, count: 2, unitBytes: 32 });
  assert.deepEqual(other.stats, { inUse: 1, highWater: 1, failedAllocations: 1, count: 1, unitBytes: 128 });
});

test("a pool without a FreeRTOS instance (only RAM) returns null on exhaustion and counts it; no hook to run", () => {
  const b = createBoard("esp32c3", { firmware: () => {} });
  const pool = createPool({ ram: b.ram }, "bare", 1, 8);
  assert.notEqual(pool.alloc(), null);
  assert.equal(pool.alloc(), null);
  assert.deepEqual(pool.stats, { inUse: 1, highWater: 1, failedAllocations: 1, count: 1, unitBytes: 8 });
});

test("freeing into the wrong pool and a double free are KernelAssertErrors naming the pool and the rule; stats unchanged", () => {
  const b = createBoard("stm32h743", { firmware: () => {} });
  const msg = createPool(b, "msg_pool", 16, 128);
  const evt = createPool(b, "evt_pool", 32, 32);
  const m = msg.alloc()!;
  const e = evt.alloc()!;
  assert.throws(
    () => evt.free(m),
    (x: unknown) => x instanceof KernelAssertError && x.message === `pool "evt_pool".free: the buffer is not a unit of this pool (a unit of pool "msg_pool" at 0x${msg.address.toString(16).padStart(8, "0")}); free takes back only a view this pool's alloc returned`,
  );
  evt.free(e);
  assert.throws(() => evt.free(e), (x: unknown) => x instanceof KernelAssertError && /^pool "evt_pool"\.free: unit 0 \(0x[0-9a-f]{8}\) is already free \(double free\); each unit is freed once per alloc$/.test(x.message));
  assert.deepEqual(msg.stats, { inUse: 1, highWater: 1, failedAllocations: 0, count: 16, unitBytes: 128 });
  assert.deepEqual(evt.stats, { inUse: 0, highWater: 1, failedAllocations: 0, count: 32, unitBytes: 32 });
});

test("churn: 1 000 000 seeded alloc/free on 10 000 units follow a reference free stack exactly; stats match", () => {
  const b = createBoard("stm32h743", { firmware: () => {} });
  const count = 10_000;
  const pool = createPool(b, "churn", count, 16);
  const rng = new Prng(42);
  // Reference model: a free stack of unit indices (unit 0 on top), the units out, the stats.
  const freeStack: number[] = [];
  for (let i = count - 1; i >= 0; i--) freeStack.push(i);
  const out: Uint8Array[] = [];
  const outIndex: number[] = [];
  let highWater = 0;
  let failed = 0;
  const indexOf = (u: Uint8Array): number => (b.ram.addressOf(u) - pool.address) / 16;
  for (let op = 0; op < 1_000_000; op++) {
    // Drift between allocating (60 %) and freeing phases of 100 000 operations: the pool fills,
    // runs dry (failed allocations) and drains again.
    const allocP = Math.floor(op / 100_000) % 2 === 0 ? 0.6 : 0.4;
    if (out.length === 0 || rng.nextFloat() < allocP) {
      const u = pool.alloc();
      if (freeStack.length === 0) {
        assert.equal(u, null);
        failed++;
        continue;
      }
      const want = freeStack.pop()!;
      if (u === null || indexOf(u) !== want) assert.fail(`op ${op}: alloc gave ${u === null ? "null" : indexOf(u)}, the model ${want}`);
      out.push(u);
      outIndex.push(want);
      if (out.length > highWater) highWater = out.length;
    } else {
      const k = rng.nextInt(out.length);
      const u = out[k]!;
      const i = outIndex[k]!;
      out[k] = out[out.length - 1]!;
      outIndex[k] = outIndex[outIndex.length - 1]!;
      out.pop();
      outIndex.pop();
      pool.free(u);
      freeStack.push(i);
    }
  }
  assert.ok(failed > 0 && highWater === count, `the run exercised exhaustion (failed ${failed}, highWater ${highWater})`);
  assert.deepEqual(pool.stats, { inUse: out.length, highWater, failedAllocations: failed, count, unitBytes: 16 });
  assert.equal(pool.available, freeStack.length);
});
