/**
 * The RAM allocator behind `board.ram`: first fit over a board's SRAM regions, with alignment,
 * an owner name per block, an optional "DMA-reachable regions only" constraint, freeing, and a
 * report table.
 *
 * It lives in tinyrtos/mem (DESIGN.md: "mem owns board RAM, pools and regions; hal's boards hold
 * them"; the layering is mem ← hal): hal's BoardRam wraps one, and this file imports nothing from
 * hal, so the import graph stays acyclic. It knows regions only by the few fields it reads
 * ({@link AllocatorRegion}).
 *
 * Accounting: a block is charged from the end of the previous block (or the region's start) up to
 * its last byte, so alignment padding counts as used, and `usedBytes + freeBytes` is always the
 * SRAM size.
 * @module
 */

/** What the allocator needs to know about one SRAM region (hal's RamRegion has these fields). */
export interface AllocatorRegion {
  readonly name: string;
  /** Address of the first byte in the chip's memory map. */
  readonly base: number;
  readonly sizeBytes: number;
  /** True when the board's general-purpose DMA can reach the region. */
  readonly dma: boolean;
}

/** Options of {@link RamAllocator.allocate}. */
export interface AllocateOptions {
  /** Alignment of the block's address, a power of two (default 8). */
  readonly alignBytes?: number;
  /** Only regions the board's DMA can reach (default false). */
  readonly dmaOnly?: boolean;
  /** Only the region of this name (default: any). */
  readonly region?: string;
}

/** One block handed out: where it is and who owns it. */
export interface RamAllocation {
  readonly owner: string;
  /** The SRAM region holding the block. */
  readonly region: string;
  /** Address of the first (aligned) byte. */
  readonly address: number;
  readonly sizeBytes: number;
  /** Bytes skipped before `address` to align it; counted as used. */
  readonly paddingBytes: number;
}

interface Block extends RamAllocation {
  /** First byte charged (address - paddingBytes). */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
}

/** First-fit allocator over SRAM regions. */
export class RamAllocator {
  private readonly regions: readonly AllocatorRegion[];
  /** Per region, its blocks sorted by address. */
  private readonly blocks: Block[][];
  private used = 0;
  /** Total SRAM bytes (sum of the regions). */
  readonly sizeBytes: number;

  constructor(regions: readonly AllocatorRegion[]) {
    this.regions = regions.map((r) => ({ name: r.name, base: r.base, sizeBytes: r.sizeBytes, dma: r.dma }));
    this.blocks = regions.map(() => []);
    this.sizeBytes = regions.reduce((sum, r) => sum + r.sizeBytes, 0);
  }

  /** Bytes charged to owners, padding included. */
  get usedBytes(): number {
    return this.used;
  }

  /** `sizeBytes - usedBytes`. */
  get freeBytes(): number {
    return this.sizeBytes - this.used;
  }

  /**
   * Takes `sizeBytes` (a positive integer) for `owner` at the first place, in region order and
   * address order, where an aligned block fits; null when none does (nothing is changed then).
   * Throws a RangeError for a bad size or alignment (callers turn it into their own error).
   */
  allocate(owner: string, sizeBytes: number, options: AllocateOptions = {}): RamAllocation | null {
    const alignBytes = options.alignBytes ?? 8;
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0) throw new RangeError(`sizeBytes must be a positive integer, got ${String(sizeBytes)}`);
    if (!Number.isInteger(alignBytes) || alignBytes <= 0 || (alignBytes & (alignBytes - 1)) !== 0)
      throw new RangeError(`alignBytes must be a power of two, got ${String(alignBytes)}`);
    for (let i = 0; i < this.regions.length; i++) {
      const r = this.regions[i]!;
      if (options.dmaOnly === true && !r.dma) continue;
      if (options.region !== undefined && r.name !== options.region) continue;
      const list = this.blocks[i]!;
      let gapStart = r.base;
      // The gaps: before each block, then after the last one.
      for (let j = 0; j <= list.length; j++) {
        const gapEnd = j < list.length ? list[j]!.start : r.base + r.sizeBytes;
        const address = alignUp(gapStart, alignBytes);
        if (address + sizeBytes <= gapEnd) {
          const block: Block = { owner, region: r.name, address, sizeBytes, paddingBytes: address - gapStart, start: gapStart, end: address + sizeBytes };
          list.splice(j, 0, block);
          this.used += block.end - block.start;
          return publicView(block);
        }
        if (j < list.length) gapStart = list[j]!.end;
      }
    }
    return null;
  }

  /** Gives a block back (by its address). False when no block starts there. */
  free(address: number): boolean {
    for (const list of this.blocks) {
      const j = list.findIndex((b) => b.address === address);
      if (j >= 0) {
        const [b] = list.splice(j, 1);
        this.used -= b!.end - b!.start;
        return true;
      }
    }
    return false;
  }

  /** Every block, in region order then address order. */
  allocations(): RamAllocation[] {
    return this.blocks.flat().map(publicView);
  }

  /** The largest block of `alignBytes`-aligned free bytes (DMA-reachable regions only if asked). */
  largestFreeBytes(options: AllocateOptions = {}): number {
    const alignBytes = options.alignBytes ?? 8;
    let best = 0;
    for (const [i, r] of this.regions.entries()) {
      if (options.dmaOnly === true && !r.dma) continue;
      if (options.region !== undefined && r.name !== options.region) continue;
      let gapStart = r.base;
      const list = this.blocks[i]!;
      for (let j = 0; j <= list.length; j++) {
        const gapEnd = j < list.length ? list[j]!.start : r.base + r.sizeBytes;
        best = Math.max(best, gapEnd - alignUp(gapStart, alignBytes));
        if (j < list.length) gapStart = list[j]!.end;
      }
    }
    return best;
  }

  /** Forgets every block (RAM cleared at reset). */
  reset(): void {
    for (const list of this.blocks) list.length = 0;
    this.used = 0;
  }

  /**
   * The table: a header, one row per owner's block (owner, region, address range, bytes,
   * padding) in region and address order, then the totals and the free bytes of each region
   * (the DMA-reachable ones marked "dma"). Example (stm32h743 after boot and one pool):
   * ```text
   * owner                         region    address range            bytes  padding
   * heap (configTOTAL_HEAP_SIZE)  AXI SRAM  0x24000000..0x24041fff  270336        0
   * pool "msg"                    AXI SRAM  0x24042000..0x240427ff    2048        0
   * used 272384 bytes (padding 0), free 808960 bytes, SRAM 1081344 bytes
   * free by region: ITCM 65536, DTCM 131072, AXI SRAM (dma) 251904, ...
   * ```
   */
  report(): string {
    const header = ["owner", "region", "address range", "bytes", "padding"];
    const rows = this.blocks.flat().map((b) => [b.owner, b.region, `${hex(b.address)}..${hex(b.end - 1)}`, String(b.sizeBytes), String(b.paddingBytes)]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
    // Text columns left-aligned, numbers right-aligned.
    const line = (cells: string[]): string =>
      cells
        .map((cell, c) => (c >= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd();
    const padding = this.blocks.flat().reduce((sum, b) => sum + b.paddingBytes, 0);
    const free = this.regions.map((r, i) => `${r.name}${r.dma ? " (dma)" : ""} ${r.sizeBytes - this.blocks[i]!.reduce((sum, b) => sum + (b.end - b.start), 0)}`);
    return [
      line(header),
      ...(rows.length === 0 ? ["(nothing allocated)"] : rows.map(line)),
      `used ${this.used} bytes (padding ${padding}), free ${this.freeBytes} bytes, SRAM ${this.sizeBytes} bytes`,
      `free by region: ${free.join(", ")}`,
    ].join("\n");
  }
}

function alignUp(n: number, alignBytes: number): number {
  return Math.ceil(n / alignBytes) * alignBytes;
}

function publicView(b: Block): RamAllocation {
  return { owner: b.owner, region: b.region, address: b.address, sizeBytes: b.sizeBytes, paddingBytes: b.paddingBytes };
}

/** 0x0000abcd: 8 hex digits. */
export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
