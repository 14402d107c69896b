/**
 * Board RAM: one ArrayBuffer holding every SRAM region of the board back to back, addressed by
 * the chip's memory map. Everything placed in it (DMA buffers, pools) has a real address.
 *
 * What uses the RAM is accounted by a {@link RamAllocator} from tinyrtos/mem (mem owns the
 * allocator, hal's boards hold one each; DESIGN.md layering mem ← hal, so mem never imports hal):
 * the board charges the kernel heap at each boot, `createPool` carves pools, `report()` lists them.
 * @module
 */
import { HalError } from "./errors.js";
import type { RamRegion } from "./catalogue.js";
import { RamAllocator, type AllocateOptions, type RamAllocation } from "../mem/allocator.js";

/** An SRAM region of `board.ram.regions`: the catalogue's region and where it sits in `buffer`. */
export interface PlacedRegion extends RamRegion {
  /** Byte offset of the region in the buffer. */
  readonly offset: number;
}

/** A row listed under an owner's row in `board.ram.report()` (a block inside that owner's block). */
export interface RamDetailRow {
  readonly owner: string;
  readonly address: number;
  readonly sizeBytes: number;
}

/** The SRAM of one board. */
export class BoardRam {
  /** All SRAM regions, back to back in catalogue order. */
  readonly buffer: ArrayBuffer;
  readonly sizeBytes: number;
  /** The regions with their offsets in `buffer`. */
  readonly regions: readonly PlacedRegion[];
  private readonly bytes: Uint8Array;
  private readonly allocator: RamAllocator;
  private bootNumber = 1;
  /** Rows listed under an owner's row in report() (the kernel heap's live blocks). */
  private readonly details = new Map<string, () => readonly RamDetailRow[]>();

  constructor(
    private readonly board: string,
    regions: readonly RamRegion[],
  ) {
    let offset = 0;
    const placed: PlacedRegion[] = [];
    for (const r of regions) {
      placed.push({ ...r, offset });
      offset += r.sizeBytes;
    }
    this.regions = placed;
    this.sizeBytes = offset;
    this.buffer = new ArrayBuffer(offset);
    this.bytes = new Uint8Array(this.buffer);
    this.allocator = new RamAllocator(regions);
  }

  /** The board's name (for messages). */
  get boardName(): string {
    return this.board;
  }

  /** Which boot the RAM's contents belong to: 1 at power-on, one more at each reset (RAM cleared). */
  get boot(): number {
    return this.bootNumber;
  }

  /** Bytes charged to an owner (the kernel heap, pools), alignment padding included. */
  get usedBytes(): number {
    return this.allocator.usedBytes;
  }

  /** SRAM bytes not charged to anyone: `usedBytes + freeBytes` is always `sizeBytes`. */
  get freeBytes(): number {
    return this.allocator.freeBytes;
  }

  /**
   * What uses the RAM: a table with one row per owner (owner, region, address range, bytes,
   * alignment padding), then the totals and the free bytes of each region. Example:
   * ```text
   * owner                         region    address range            bytes  padding
   * heap (configTOTAL_HEAP_SIZE)  RAM       0x20000000..0x2000ffff   65536        0
   * used 65536 bytes (padding 0), free 196608 bytes, SRAM 262144 bytes
   * free by region: RAM (dma) 196608
   * ```
   */
  report(): string {
    const text = this.allocator.report();
    if (this.details.size === 0) return text;
    const out: string[] = [];
    for (const line of text.split("\n")) {
      out.push(line);
      for (const [owner, rows] of this.details) {
        if (!line.startsWith(`${owner} `)) continue;
        const list = rows();
        const width = Math.max(0, ...list.map((r) => r.owner.length));
        for (const r of list) out.push(`  ${r.owner.padEnd(width)}  ${hex(r.address)}..${hex(r.address + r.sizeBytes - 1)}  ${String(r.sizeBytes).padStart(6)}`);
      }
    }
    return out.join("\n");
  }

  /** Lists `rows()` (indented: owner, address range, bytes) under `owner`'s row in report(). @internal */
  setDetails(owner: string, rows: () => readonly RamDetailRow[]): void {
    this.details.set(owner, rows);
  }

  /**
   * Charges `sizeBytes` to `owner` at the first place (catalogue region order, then address
   * order) where a block aligned to `alignBytes` (default 8) fits, in DMA-reachable regions only
   * when `dmaOnly`; returns where, or null when it does not fit (nothing changed). For allocators
   * built on board RAM (tinyrtos/mem `createPool`); the block lasts until `release` or a reset.
   */
  allocate(owner: string, sizeBytes: number, options: AllocateOptions = {}): RamAllocation | null {
    if (typeof owner !== "string" || owner === "") throw new HalError(this.board, "ram", `allocate: owner must be a non-empty string, got ${JSON.stringify(owner)}`);
    try {
      return this.allocator.allocate(owner, sizeBytes, options);
    } catch (e) {
      if (e instanceof RangeError) throw new HalError(this.board, "ram", `allocate for ${owner}: ${e.message}`);
      throw e;
    }
  }

  /** Gives back the block at `address` (from `allocate`); a HalError when no block starts there. */
  release(address: number): void {
    if (!this.allocator.free(address)) throw new HalError(this.board, "ram", `release: no allocated block starts at ${typeof address === "number" ? hex(address) : String(address)}`);
  }

  /** Every block charged, in region then address order. */
  allocations(): RamAllocation[] {
    return this.allocator.allocations();
  }

  /** The largest aligned free block (in DMA-reachable regions only when `dmaOnly`). */
  largestFreeBytes(options: AllocateOptions = {}): number {
    return this.allocator.largestFreeBytes(options);
  }

  /**
   * A view of `lengthBytes` bytes of RAM at `address` (no copy). The whole range must lie in one
   * SRAM region; otherwise HalError names the board, the address and the regions.
   */
  view(address: number, lengthBytes: number): Uint8Array {
    if (typeof address !== "number" || !Number.isInteger(address) || address < 0)
      throw new HalError(this.board, "ram", `address must be a non-negative integer, got ${String(address)}`);
    if (typeof lengthBytes !== "number" || !Number.isInteger(lengthBytes) || lengthBytes < 0)
      throw new HalError(this.board, "ram", `lengthBytes must be a non-negative integer, got ${String(lengthBytes)}`);
    const r = this.regionAt(address);
    if (r === null) throw new HalError(this.board, "ram", `address ${hex(address)} is not in SRAM; SRAM is ${this.describe()}`);
    if (address + lengthBytes > r.base + r.sizeBytes)
      throw new HalError(this.board, "ram", `${lengthBytes} bytes at ${hex(address)} run past the end of ${r.name} (${hex(r.base)}..${hex(r.base + r.sizeBytes - 1)})`);
    return new Uint8Array(this.buffer, r.offset + (address - r.base), lengthBytes);
  }

  /** The region holding `address`, or null. */
  regionAt(address: number): PlacedRegion | null {
    for (const r of this.regions) if (address >= r.base && address < r.base + r.sizeBytes) return r;
    return null;
  }

  /** True when `view` lies in this board's RAM. */
  contains(view: ArrayBufferView): boolean {
    return view.buffer === this.buffer;
  }

  /**
   * Why the board's DMA cannot use `view`, or null when it can: the view must lie in board RAM,
   * within one region the DMA reaches (the H743's DTCM and ITCM are not: RM0433 §2.1 "System architecture").
   */
  dmaRefusal(view: ArrayBufferView): string | null {
    if (!this.contains(view)) return "is not in board RAM (a host buffer)";
    const at = view.byteOffset;
    const end = at + view.byteLength;
    for (const r of this.regions) {
      if (at < r.offset || at >= r.offset + r.sizeBytes) continue;
      if (end > r.offset + r.sizeBytes) return `runs past the end of ${r.name}`;
      if (!r.dma) return `is in ${r.name} (${hex(r.base)}..${hex(r.base + r.sizeBytes - 1)}), which the DMA cannot reach`;
      return null;
    }
    return "is outside every RAM region";
  }

  /** The address of the first byte of `view`, which must lie in this board's RAM. */
  addressOf(view: ArrayBufferView): number {
    if (!this.contains(view)) throw new HalError(this.board, "ram", "the buffer is not in board RAM (a host buffer); use a view from board.ram.view() or a pool");
    const at = view.byteOffset;
    for (const r of this.regions) if (at >= r.offset && at < r.offset + r.sizeBytes) return r.base + (at - r.offset);
    throw new HalError(this.board, "ram", `offset ${at} is outside every region`);
  }

  /** Zeroes all of RAM and forgets every allocation (a reset: the next boot starts afresh). @internal */
  clear(): void {
    this.bytes.fill(0);
    this.allocator.reset();
    this.bootNumber++;
  }

  /** "DTCM 0x20000000..0x2001ffff, ..." */
  describe(): string {
    return this.regions.map((r) => `${r.name} ${hex(r.base)}..${hex(r.base + r.sizeBytes - 1)}`).join(", ");
  }
}

/**
 * The HalError for a view a DMA transfer cannot use (see {@link BoardRam.dmaRefusal}), or null when
 * it can: shared by uart `writeDMA`, spi `txDMA` and i2c `txDMA`, so all three say the same.
 * `buffer` names the view in the message ("buffer", "write buffer"). @internal
 */
export function dmaViewError(ram: BoardRam, where: string, call: string, buffer: string, view: ArrayBufferView): HalError | null {
  const refusal = ram.dmaRefusal(view);
  if (refusal === null) return null;
  return new HalError(ram.boardName, where, `${call}: the ${buffer} ${refusal}; DMA reaches only board RAM it can reach: use a pool (createPool) or a view of a DMA region`);
}

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
