/**
 * An adaptive binary range coder (LZMA's design: 32-bit range, carry propagated through a cached
 * byte) with 16-bit bit models, for the delta codec (src/ota/delta.ts).
 *
 * Why this coder: delta patches are mostly long "same as the old byte" runs with rare edits; a
 * binary model whose probability gets within 2^-12 of certainty (16-bit scale, adaptation shift 3
 * or 4) codes such a run at well under 0.01 bit per byte, which bzip2-like or Huffman back ends
 * cannot.
 *
 * Conventions (as LZMA): a bit model is a probability that the bit is 0, on a 16-bit scale
 * (`PROB_INIT` = one half), kept in a `Uint16Array` slot; the encoder's first output byte (always
 * 0 in LZMA) is not written, and the decoder starts with 4 bytes. Past the end of its input the
 * decoder reads zeros, so the encoder drops trailing zero bytes after its flush.
 * @module
 */

/** Probability scale: 16 bits. */
const PROB_BITS = 16;
/** A fresh model: probability 1/2 that the next bit is 0. */
export const PROB_INIT = 1 << (PROB_BITS - 1);
/** Adaptation speed of a model by default: p += (target − p) >> MOVE_BITS (callers may pass their own). */
const MOVE_BITS = 3;
const TOP = 1 << 24;

/** The encoder: writes into a growing byte array (host side; not RAM-bounded). */
export class RangeEncoder {
  private low = 0; // up to 2^32 + carry, kept as a double
  private range = 0xffff_ffff;
  private cache = 0;
  private cacheSize = 1;
  private out: Uint8Array = new Uint8Array(1024);
  private size = 0;
  private first = true;

  /** Codes `bit` (0 or 1) with the model at `probs[index]` and updates the model. */
  encodeBit(probs: Uint16Array, index: number, bit: number, shift = MOVE_BITS): void {
    const p = probs[index]!;
    const bound = (this.range >>> PROB_BITS) * p;
    if (bit === 0) {
      this.range = bound;
      probs[index] = p + (((1 << PROB_BITS) - p) >>> shift);
    } else {
      this.low += bound;
      this.range = (this.range - bound) >>> 0;
      probs[index] = p - (p >>> shift);
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.shiftLow();
    }
  }

  /** Codes the low `count` bits of `value` (most significant first) at probability 1/2. */
  encodeDirect(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.range = this.range >>> 1;
      if ((value >>> i) & 1) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.shiftLow();
      }
    }
  }

  /** Codes `bits` bits of `value` with a bit tree rooted at `probs[base + 1]` (2^bits slots). */
  encodeTree(probs: Uint16Array, base: number, bits: number, value: number, shift = MOVE_BITS): void {
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const b = (value >>> i) & 1;
      this.encodeBit(probs, base + m, b, shift);
      m = (m << 1) | b;
    }
  }

  private shiftLow(): void {
    if (this.low < 0xff00_0000 || this.low >= 0x1_0000_0000) {
      const carry = this.low >= 0x1_0000_0000 ? 1 : 0;
      let c = this.cache;
      do {
        this.put((c + carry) & 0xff);
        c = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(this.low / 0x100_0000) & 0xff;
    }
    this.cacheSize++;
    this.low = (this.low % 0x100_0000) * 256;
  }

  private put(byte: number): void {
    if (this.first) {
      this.first = false; // LZMA's leading byte is always 0: not stored
      return;
    }
    if (this.size === this.out.length) {
      const bigger = new Uint8Array(this.out.length * 2);
      bigger.set(this.out);
      this.out = bigger;
    }
    this.out[this.size++] = byte;
  }

  /** Flushes and returns the coded bytes (trailing zeros dropped: the decoder reads zeros past the end). */
  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    let n = this.size;
    while (n > 0 && this.out[n - 1] === 0) n--;
    return this.out.slice(0, n);
  }
}

/**
 * The decoder. It pulls bytes through `next()`, which returns a byte, or −1 past the end of the
 * coded data (read as 0). It reads at most 3 bytes per decoded bit (a model saturates at
 * 2^shift − 1 of 65536 from either end, so one bit shrinks the range by at most ~2^-13: two
 * shifts; three is the bound the applier plans with), plus 4 at the start; a
 * caller that keeps 3·n bytes at hand can decode any n-bit step without waiting.
 */
export class RangeDecoder {
  private range = 0xffff_ffff;
  private code = 0;

  /** Starts a new coded stream (a block): reads its first 4 bytes. */
  start(next: () => number): void {
    this.range = 0xffff_ffff;
    this.code = 0;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | Math.max(0, next())) >>> 0;
  }

  /**
   * True when the stream ended exactly where the encoder flushed it: the encoder writes its whole
   * `low` at the end, so after the last symbol the decoder's code register is 0 (LZMA's check).
   */
  endedCleanly(): boolean {
    return this.code === 0;
  }

  /** Decodes one bit with the model at `probs[index]` and updates the model. */
  decodeBit(probs: Uint16Array, index: number, next: () => number, shift = MOVE_BITS): number {
    const p = probs[index]!;
    const bound = (this.range >>> PROB_BITS) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[index] = p + (((1 << PROB_BITS) - p) >>> shift);
      bit = 0;
    } else {
      this.code = (this.code - bound) >>> 0;
      this.range = (this.range - bound) >>> 0;
      probs[index] = p - (p >>> shift);
      bit = 1;
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | Math.max(0, next())) >>> 0;
    }
    return bit;
  }

  /** Decodes `count` (≤ 32) bits coded at probability 1/2, most significant first. */
  decodeDirect(count: number, next: () => number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code = (this.code - this.range) >>> 0;
        bit = 1;
      }
      value = ((value << 1) | bit) >>> 0;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | Math.max(0, next())) >>> 0;
      }
    }
    return value;
  }

  /** Decodes `bits` bits with the bit tree rooted at `probs[base + 1]`. */
  decodeTree(probs: Uint16Array, base: number, bits: number, next: () => number, shift = MOVE_BITS): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.decodeBit(probs, base + m, next, shift);
    return m - (1 << bits);
  }
}
