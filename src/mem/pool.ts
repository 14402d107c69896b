/**
 * Fixed-size block pools carved from board SRAM (API.md `tinyrtos/mem`): `createPool(board, name,
 * count, unitBytes)`. Units are 8-byte aligned and lie in RAM the board's DMA can reach, so a unit
 * can go straight to a DMA transfer (`uart.writeDMA`, `spi.txDMA`, `i2c.txDMA`).
 *
 * A pool is a free stack of unit indices (the seed's static pools): `alloc` pops, `free` pushes,
 * both O(1) whatever the count and the churn. An `alloc` on an empty pool returns null and, on a
 * board, runs the board kernel's `vApplicationMallocFailedHook` and traces `heap.mallocFailed`
 * naming the pool, as FreeRTOS's pvPortMalloc does when it returns NULL (heap_4.c calls the hook
 * under configUSE_MALLOC_FAILED_HOOK).
 * @module
 */
import { KernelAssertError } from "../kernel/errors.js";
import type { FreeRTOS } from "../freertos/index.js";
import { hex, type AllocateOptions, type RamAllocation } from "./allocator.js";

/** Alignment of every pool unit: 8 bytes, the Cortex-M portBYTE_ALIGNMENT (portmacro.h) and a DMA beat of 64 bits. */
export const POOL_ALIGN_BYTES = 8;

/** A pool that cannot be made (bad arguments, does not fit) or is used after its board was reset. */
export class PoolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PoolError";
  }
}

/**
 * What createPool needs of a board's RAM (hal's `BoardRam` has it; tinyrtos/mem does not import
 * tinyrtos/hal, which sits above it).
 */
export interface PoolRam {
  readonly boardName: string;
  /** 1 at power-on, one more at each reset. */
  readonly boot: number;
  readonly buffer: ArrayBuffer;
  /** The SRAM regions of the board's memory map, by name. */
  readonly regions: readonly { readonly name: string }[];
  allocate(owner: string, sizeBytes: number, options?: AllocateOptions): RamAllocation | null;
  largestFreeBytes(options?: AllocateOptions): number;
  view(address: number, lengthBytes: number): Uint8Array;
  report(): string;
}

/**
 * What createPool needs of a board (a `Board` from tinyrtos/hal): its RAM, and its FreeRTOS
 * instance, whose malloc-failed hook runs when an alloc finds the pool empty (without one, no
 * hook runs).
 */
export interface PoolBoard {
  readonly ram: PoolRam;
  readonly rtos?: FreeRTOS;
}

/** A pool's statistics (`pool.stats`): counts since the pool was made. */
export interface PoolStats {
  /** Units handed out by alloc and not yet freed. */
  readonly inUse: number;
  /** The most units ever in use at once. */
  readonly highWater: number;
  /** alloc calls that found every unit in use (returned null). */
  readonly failedAllocations: number;
  /** Number of units. */
  readonly count: number;
  /** Bytes of each unit. */
  readonly unitBytes: number;
}

/** Which pool each unit view belongs to: for the message of a free into the wrong pool. */
const unitOwner = new WeakMap<Uint8Array, Pool>();

/**
 * Makes a pool of `count` units of `unitBytes` each, named `name` (its owner row in
 * `board.ram.report()` is `pool "name"`), from DMA-reachable SRAM (on the STM32H743 not the
 * TCMs). `unitBytes` must be a multiple of 8 ({@link POOL_ALIGN_BYTES}), so that every unit
 * starts on an 8-byte boundary with no padding between units. Call it in the firmware at boot: a
 * pool belongs to one boot of its board.
 *
 * Throws PoolError, naming the pool and the rule, on bad arguments (count not a positive
 * integer, unitBytes not a positive multiple of 8) and when the pool does not fit (with the RAM
 * report in the message); nothing is charged then. Does not block; not for ISRs (firmware
 * creates pools at boot).
 *
 * @example
 * ```ts
 * const pool = createPool(board, "msg_pool", 16, 128);
 * const buf = pool.alloc();          // Uint8Array into board RAM, or null when all 16 are out
 * if (buf !== null) pool.free(buf);
 * pool.stats;                        // { inUse: 0, highWater: 1, failedAllocations: 0, count: 16, unitBytes: 128 }
 * ```
 */
export function createPool(board: PoolBoard, name: string, count: number, unitBytes: number): Pool {
  const ram = board !== null && typeof board === "object" ? (board as { ram?: unknown }).ram : undefined;
  if (ram === null || typeof ram !== "object" || typeof (ram as PoolRam).allocate !== "function")
    throw new PoolError(`createPool: expects a board (from createBoard), got ${board === null ? "null" : typeof board}`);
  const r = ram as PoolRam;
  const where = `createPool "${String(name)}" on ${r.boardName}`;
  if (typeof name !== "string" || name === "") throw new PoolError(`createPool on ${r.boardName}: name must be a non-empty string, got ${JSON.stringify(name) ?? typeof name}`);
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw new PoolError(`${where}: count must be a positive integer (a pool has at least one unit), got ${show(count)}`);
  if (typeof unitBytes !== "number" || !Number.isInteger(unitBytes) || unitBytes < POOL_ALIGN_BYTES || unitBytes % POOL_ALIGN_BYTES !== 0)
    throw new PoolError(`${where}: unitBytes must be a positive multiple of ${POOL_ALIGN_BYTES} (every unit starts on an ${POOL_ALIGN_BYTES}-byte boundary), got ${show(unitBytes)}`);
  const strideBytes = unitBytes;
  const totalBytes = count * strideBytes;
  const options = { alignBytes: POOL_ALIGN_BYTES, dmaOnly: true };
  const block = Number.isSafeInteger(totalBytes) ? r.allocate(`pool "${name}"`, totalBytes, options) : null;
  if (block === null)
    throw new PoolError(
      `${where}: ${count} units of ${unitBytes} bytes (${totalBytes} bytes with 8-byte alignment) do not fit in DMA-reachable SRAM; the largest free DMA-reachable block is ${r.largestFreeBytes(options)} bytes\n${r.report()}`,
    );
  const rtos = (board as { rtos?: unknown }).rtos;
  return new Pool(r, name, count, unitBytes, strideBytes, block.address, rtos !== null && typeof rtos === "object" ? (rtos as FreeRTOS) : null);
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * A pool made by {@link createPool}. `alloc` and `free` are O(1), allocate nothing, do not block
 * and may be called from tasks and ISRs. A freed unit is the next one `alloc` returns (LIFO).
 * `stats` counts units in use, the high-water mark and failed allocations.
 */
export class Pool {
  /** The unit views, made once: alloc hands these out. */
  private readonly units: Uint8Array[];
  /** Indices of the free units; the top `freeCount` entries are live. */
  private readonly freeStack: Int32Array;
  private freeCount: number;
  /** 1 while a unit is out. */
  private readonly out: Uint8Array;
  /** Byte offset of unit 0 in the RAM buffer. */
  private readonly firstOffset: number;
  private readonly boot: number;
  private highWater = 0;
  private failed = 0;

  /** @internal (use createPool) */
  constructor(
    private readonly ram: PoolRam,
    /** The pool's name (as given to createPool). */
    readonly name: string,
    /** Number of units. */
    readonly count: number,
    /** Bytes of each unit view (a multiple of 8; units are back to back). */
    readonly unitBytes: number,
    private readonly strideBytes: number,
    /** Address of the first unit in board RAM. */
    readonly address: number,
    /** The board's FreeRTOS instance of the pool's boot: its malloc-failed hook runs on exhaustion. */
    private readonly rtos: FreeRTOS | null = null,
  ) {
    this.boot = ram.boot;
    this.units = [];
    for (let i = 0; i < count; i++) {
      const u = ram.view(address + i * strideBytes, unitBytes);
      this.units.push(u);
      unitOwner.set(u, this);
    }
    this.firstOffset = this.units[0]!.byteOffset;
    this.freeStack = new Int32Array(count);
    // Unit 0 on top: a fresh pool hands out units in address order.
    for (let i = 0; i < count; i++) this.freeStack[i] = count - 1 - i;
    this.freeCount = count;
    this.out = new Uint8Array(count);
  }

  /** Free units. */
  get available(): number {
    this.checkBoot("available");
    return this.freeCount;
  }

  /**
   * The pool's statistics since it was made: units in use, the high-water mark, failed
   * allocations, count and unitBytes (a fresh object each time). Readable after a reset too, as a
   * record of the pool's boot.
   */
  get stats(): PoolStats {
    return { inUse: this.count - this.freeCount, highWater: this.highWater, failedAllocations: this.failed, count: this.count, unitBytes: this.unitBytes };
  }

  /**
   * A free unit: a `unitBytes`-long view into board RAM (not cleared: it holds what it held), or
   * null when every unit is out; then, on a board, the kernel's vApplicationMallocFailedHook runs
   * (once per failed call, as for pvPortMalloc) and a `heap.mallocFailed` trace event names the
   * pool (`pool "name"`). O(1); ISR-safe.
   */
  alloc(): Uint8Array | null {
    this.checkBoot("alloc");
    if (this.freeCount === 0) {
      this.failed++;
      if (this.rtos !== null) this.rtos.kernel.mallocFailed(`pool "${this.name}"`);
      return null;
    }
    const i = this.freeStack[--this.freeCount]!;
    this.out[i] = 1;
    const inUse = this.count - this.freeCount;
    if (inUse > this.highWater) this.highWater = inUse;
    return this.units[i]!;
  }

  /**
   * Gives a unit back. `buf` must be a view `alloc` of this pool returned and not yet freed: a
   * buffer of another pool, of the host, a sub-view, or a unit already free is a
   * KernelAssertError naming the pool and the rule (FreeRTOS would configASSERT); the pool is
   * left as it was. O(1); ISR-safe.
   */
  free(buf: Uint8Array): void {
    this.checkBoot("free");
    const i = this.indexOf(buf);
    if (i < 0) throw new KernelAssertError(`pool "${this.name}".free: the buffer is not a unit of this pool (${this.describe(buf)}); free takes back only a view this pool's alloc returned`);
    if (this.out[i] === 0)
      throw new KernelAssertError(`pool "${this.name}".free: unit ${i} (${hex(this.address + i * this.strideBytes)}) is already free (double free); each unit is freed once per alloc`);
    this.out[i] = 0;
    this.freeStack[this.freeCount++] = i;
  }

  /** The unit index of `buf`, or -1 when it is not one of this pool's views. */
  private indexOf(buf: unknown): number {
    if (!(buf instanceof Uint8Array)) return -1;
    // The unit at that offset must be this very view object: that also rules out other buffers.
    const i = (buf.byteOffset - this.firstOffset) / this.strideBytes;
    return i >= 0 && i < this.count && this.units[i] === buf ? i : -1;
  }

  private describe(buf: unknown): string {
    if (!(buf instanceof Uint8Array)) return `got ${buf === null ? "null" : typeof buf}`;
    const owner = unitOwner.get(buf);
    if (owner !== undefined && owner !== this) return `a unit of pool "${owner.name}" at ${hex(owner.address + (buf.byteOffset - owner.firstOffset))}`;
    if (buf.buffer !== this.ram.buffer) return "a host buffer, not board RAM";
    return `a ${buf.byteLength}-byte view at buffer offset ${buf.byteOffset}; units are ${this.unitBytes}-byte views every ${this.strideBytes} bytes from ${hex(this.address)}`;
  }

  private checkBoot(call: string): void {
    if (this.ram.boot !== this.boot)
      throw new PoolError(
        `pool "${this.name}".${call}: the pool belongs to boot ${this.boot} of ${this.ram.boardName}, and the board has been reset since (now boot ${this.ram.boot}; RAM was cleared): create pools again in the firmware at boot`,
      );
  }
}
