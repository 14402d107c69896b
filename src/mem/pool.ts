/**
 * Fixed-size block pools carved from board SRAM (API.md `tinyrtos/mem`): `createPool(board, name,
 * count, unitBytes)`. Units are 8-byte aligned and lie in RAM the board's DMA can reach, so a unit
 * can go straight to a DMA transfer (`uart.writeDMA`).
 * @module
 */
import { KernelAssertError } from "../kernel/errors.js";
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
  allocate(owner: string, sizeBytes: number, options?: AllocateOptions): RamAllocation | null;
  largestFreeBytes(options?: AllocateOptions): number;
  view(address: number, lengthBytes: number): Uint8Array;
  report(): string;
}

/** What createPool needs of a board: its RAM (a `Board` from tinyrtos/hal). */
export interface PoolBoard {
  readonly ram: PoolRam;
}

/**
 * Makes a pool of `count` units of `unitBytes` each, named `name` (its owner row in
 * `board.ram.report()` is `pool "name"`), from DMA-reachable SRAM (on the STM32H743 not the
 * TCMs). Each unit starts on an 8-byte boundary (units of other sizes are padded to the next
 * multiple of 8). Call it in the firmware at boot: a pool belongs to one boot of its board.
 *
 * Throws PoolError on bad arguments, and when the pool does not fit, naming the pool, with the
 * RAM report in the message. Does not block; not for ISRs (firmware creates pools at boot).
 *
 * @example
 * ```ts
 * const pool = createPool(board, "msg_pool", 16, 128);
 * const buf = pool.alloc();          // Uint8Array into board RAM, or null when all 16 are out
 * if (buf !== null) pool.free(buf);
 * ```
 */
export function createPool(board: PoolBoard, name: string, count: number, unitBytes: number): Pool {
  const ram = board !== null && typeof board === "object" ? (board as { ram?: unknown }).ram : undefined;
  if (ram === null || typeof ram !== "object" || typeof (ram as PoolRam).allocate !== "function")
    throw new PoolError(`createPool: expects a board (from createBoard), got ${board === null ? "null" : typeof board}`);
  const r = ram as PoolRam;
  const where = `createPool "${String(name)}" on ${r.boardName}`;
  if (typeof name !== "string" || name === "") throw new PoolError(`createPool on ${r.boardName}: name must be a non-empty string, got ${JSON.stringify(name) ?? typeof name}`);
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw new PoolError(`${where}: count must be a positive integer, got ${String(count)}`);
  if (typeof unitBytes !== "number" || !Number.isInteger(unitBytes) || unitBytes < 1) throw new PoolError(`${where}: unitBytes must be a positive integer, got ${String(unitBytes)}`);
  const strideBytes = Math.ceil(unitBytes / POOL_ALIGN_BYTES) * POOL_ALIGN_BYTES;
  const totalBytes = count * strideBytes;
  const options = { alignBytes: POOL_ALIGN_BYTES, dmaOnly: true };
  const block = Number.isSafeInteger(totalBytes) ? r.allocate(`pool "${name}"`, totalBytes, options) : null;
  if (block === null)
    throw new PoolError(
      `${where}: ${count} units of ${unitBytes} bytes (${totalBytes} bytes with 8-byte alignment) do not fit in DMA-reachable SRAM; the largest free DMA-reachable block is ${r.largestFreeBytes(options)} bytes\n${r.report()}`,
    );
  return new Pool(r, name, count, unitBytes, strideBytes, block.address);
}

/**
 * A pool made by {@link createPool}. `alloc` and `free` are O(1), allocate nothing, do not block
 * and may be called from tasks and ISRs. A freed unit is the next one `alloc` returns (LIFO).
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

  /** @internal (use createPool) */
  constructor(
    private readonly ram: PoolRam,
    /** The pool's name (as given to createPool). */
    readonly name: string,
    /** Number of units. */
    readonly count: number,
    /** Bytes of each unit view (as asked; units are spaced by this rounded up to 8). */
    readonly unitBytes: number,
    private readonly strideBytes: number,
    /** Address of the first unit in board RAM. */
    readonly address: number,
  ) {
    this.boot = ram.boot;
    this.units = [];
    for (let i = 0; i < count; i++) this.units.push(ram.view(address + i * strideBytes, unitBytes));
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
   * A free unit: a `unitBytes`-long view into board RAM (not cleared: it holds what it held), or
   * null when every unit is out. O(1); ISR-safe.
   */
  alloc(): Uint8Array | null {
    this.checkBoot("alloc");
    if (this.freeCount === 0) return null;
    const i = this.freeStack[--this.freeCount]!;
    this.out[i] = 1;
    return this.units[i]!;
  }

  /**
   * Gives a unit back. `buf` must be a view `alloc` of this pool returned and not yet freed: a
   * buffer of another pool, of the host, a sub-view, or a unit already free is a
   * KernelAssertError (FreeRTOS would configASSERT). O(1); ISR-safe.
   */
  free(buf: Uint8Array): void {
    this.checkBoot("free");
    const i = this.indexOf(buf);
    if (i < 0) throw new KernelAssertError(`pool "${this.name}".free: the buffer is not a unit of this pool (${this.describe(buf)})`);
    if (this.out[i] === 0) throw new KernelAssertError(`pool "${this.name}".free: unit ${i} (${hex(this.address + i * this.strideBytes)}) is already free (double free)`);
    this.out[i] = 0;
    this.freeStack[this.freeCount++] = i;
  }

  /** The unit index of `buf`, or -1 when it is not one of this pool's views. */
  private indexOf(buf: unknown): number {
    if (!(buf instanceof Uint8Array) || buf.buffer !== this.ram.buffer) return -1;
    const delta = buf.byteOffset - this.firstOffset;
    if (delta < 0 || delta % this.strideBytes !== 0) return -1;
    const i = delta / this.strideBytes;
    return i < this.count && this.units[i] === buf ? i : -1;
  }

  private describe(buf: unknown): string {
    if (!(buf instanceof Uint8Array)) return `got ${buf === null ? "null" : typeof buf}`;
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
