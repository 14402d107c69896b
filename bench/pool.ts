/**
 * Benchmarks of tinyrtos/mem pools (issue 12). Host-time figures (they vary with the machine);
 * never asserted in tests.
 *
 * - `mem.pool.alloc_free_ns`: host nanoseconds for one `alloc()` and one `free()` of a pool on a
 *   board (the seed's msg_pool, 16 × 128 B): in a loop that allocates 8 units and frees them in
 *   an order that varies, so the free stack is exercised as under churn, divided by the pairs.
 */
import { createBoard } from "../src/hal/index.js";
import { createPool } from "../src/mem/index.js";
import { median, nowNs, round, type Benchmark, type Figure } from "./harness.js";

async function poolAllocFree(): Promise<Figure[]> {
  const pairs = 4_000_000;
  const ns = await median(5, 1, async () => {
    const board = createBoard("nrf52840", { firmware: () => {} });
    const pool = createPool(board, "msg_pool", 16, 128);
    const held: Uint8Array[] = new Array<Uint8Array>(8);
    let sink = 0;
    const t0 = nowNs();
    for (let round = 0; round < pairs / 8; round++) {
      for (let i = 0; i < 8; i++) held[i] = pool.alloc()!;
      // Free in a rotated order (by round): LIFO reuse then hands the units out in a new order.
      const r = round & 7;
      for (let i = 0; i < 8; i++) pool.free(held[(i + r) & 7]!);
      sink += held[r]!.byteOffset;
    }
    const elapsed = nowNs() - t0;
    if (pool.available !== 16 || sink === 0) throw new Error("pool churn went wrong");
    return elapsed / pairs;
  });
  return [{ name: "mem.pool.alloc_free_ns", value: round(ns), unit: "ns per alloc + free" }];
}

export const benchmarks: Record<string, Benchmark> = { poolAllocFree };
