/**
 * `tinyrtos/mem` — static memory on a board: fixed-size block pools carved from its SRAM, static
 * buffers for the `...Static` create calls (`staticBuffer`), and the
 * allocator that accounts for what uses the RAM (`board.ram.usedBytes`, `freeBytes`, `report()`).
 *
 * Layering (DESIGN.md): mem sits below hal and imports nothing from it; a pool takes a board
 * structurally ({@link PoolBoard}), and hal's `BoardRam` is built on {@link RamAllocator}.
 *
 * @example
 * ```ts
 * import { createBoard } from "tinyrtos/hal";
 * import { createPool } from "tinyrtos/mem";
 * const board = createBoard("stm32h743", {
 *   firmware: (b) => {
 *     const pool = createPool(b, "msg_pool", 16, 128);   // 16 units of 128 bytes, DMA-reachable
 *     const buf = pool.alloc()!;                         // a view into board RAM
 *     pool.free(buf);
 *   },
 * });
 * await board.run(1);
 * console.log(board.ram.report());   // heap (configTOTAL_HEAP_SIZE) and pool "msg_pool" rows
 * ```
 * @module
 */
export { createPool, Pool, PoolError, POOL_ALIGN_BYTES } from "./pool.js";
export { staticBuffer } from "./static.js";
export type { PoolBoard, PoolRam, PoolStats } from "./pool.js";
export { RamAllocator } from "./allocator.js";
export type { AllocatorRegion, AllocateOptions, RamAllocation } from "./allocator.js";
