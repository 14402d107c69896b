/**
 * Board RAM: one ArrayBuffer holding every SRAM region of the board back to back, addressed by
 * the chip's memory map. Everything placed in it (DMA buffers, pools) has a real address.
 * @module
 */
import { HalError } from "./errors.js";
import type { RamRegion } from "./catalogue.js";

interface Placed extends RamRegion {
  /** Byte offset of the region in the buffer. */
  readonly offset: number;
}

/** The SRAM of one board. */
export class BoardRam {
  /** All SRAM regions, back to back in catalogue order. */
  readonly buffer: ArrayBuffer;
  readonly sizeBytes: number;
  /** The regions with their offsets in `buffer`. */
  readonly regions: readonly Placed[];
  private readonly bytes: Uint8Array;

  constructor(
    private readonly board: string,
    regions: readonly RamRegion[],
  ) {
    let offset = 0;
    const placed: Placed[] = [];
    for (const r of regions) {
      placed.push({ ...r, offset });
      offset += r.sizeBytes;
    }
    this.regions = placed;
    this.sizeBytes = offset;
    this.buffer = new ArrayBuffer(offset);
    this.bytes = new Uint8Array(this.buffer);
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
  regionAt(address: number): Placed | null {
    for (const r of this.regions) if (address >= r.base && address < r.base + r.sizeBytes) return r;
    return null;
  }

  /** True when `view` lies in this board's RAM. */
  contains(view: ArrayBufferView): boolean {
    return view.buffer === this.buffer;
  }

  /** The address of the first byte of `view`, which must lie in this board's RAM. */
  addressOf(view: ArrayBufferView): number {
    if (!this.contains(view)) throw new HalError(this.board, "ram", "the buffer is not in board RAM (a host buffer); use a view from board.ram.view() or a pool");
    const at = view.byteOffset;
    for (const r of this.regions) if (at >= r.offset && at < r.offset + r.sizeBytes) return r.base + (at - r.offset);
    throw new HalError(this.board, "ram", `offset ${at} is outside every region`);
  }

  /** Zeroes all of RAM (a reset). @internal */
  clear(): void {
    this.bytes.fill(0);
  }

  /** "DTCM 0x20000000..0x2001ffff, ..." */
  describe(): string {
    return this.regions.map((r) => `${r.name} ${hex(r.base)}..${hex(r.base + r.sizeBytes - 1)}`).join(", ");
  }
}

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
