/**
 * The decoder of one delta block (format: src/ota/delta.ts; model: src/ota/delta-model.ts) as a
 * resumable state machine that works in place on the applier's buffers: the applier reads the old
 * bytes of an add into its output buffer and `add` turns them into new bytes; `extra` writes
 * literals. Each call stops early when the input at hand runs low (`ready()` false), so the
 * applier can wait for more patch bytes between calls; nothing here allocates after construction.
 *
 * Bounds: every length and old position decoded is checked against the block's remaining output
 * and the old image's size before use (`ImageError("patch-format")` naming the block, the value and
 * the limit); every operation makes progress (an empty add is followed by an extra of at least one
 * byte), so a corrupt block ends within its output size.
 * @module
 */
import { ImageError } from "./errors.js";
import { RangeDecoder } from "./rangecoder.js";
import {
  M_DTREE, M_LIT, M_NUM_ADD, M_NUM_EXTRA, M_NUM_SEEK, M_REP, M_SEEK_SIGN, M_SEEK_ZERO, M_ZERO,
  LIT_SHIFT, MODEL_SLOTS, ZERO_SHIFT, M_NUM_WORD, M_WPRED, M_WREP, M_WSIGN, M_WZERO, resetModel, wordKind, zeroContext,
} from "./delta-model.js";

/** What the decoder needs next. */
export const enum Phase {
  /** Decode an operation's add length (and seek). Needs `CONTROL_INPUT_BYTES` at hand. */
  AddHead,
  /** `addLeft` bytes to take from old at `oldPos`. */
  Add,
  /** Decode an extra length. */
  ExtraHead,
  /** `extraLeft` literals. */
  Extra,
  /** The block's output is complete. */
  Done,
}

/** Input bytes a control step may read: 76 coded bits (add length and seek), 3 bytes per bit at most; a 32-bit field takes ≤ 43 bits. */
export const CONTROL_INPUT_BYTES = 240;
/** Input bytes one output byte may read: 10 coded bits. */
export const BYTE_INPUT_BYTES = 30;

/** Bytes of typed memory one `BlockDecoder` holds (its model). */
export const BLOCK_DECODER_RAM_BYTES = MODEL_SLOTS * 2;

export class BlockDecoder {
  readonly probs = new Uint16Array(MODEL_SLOTS);
  private readonly rc = new RangeDecoder();
  phase = Phase.Done;
  /** Bytes of the current add still to produce, and where they come from in old. */
  addLeft = 0;
  oldPos = 0;
  extraLeft = 0;
  /** Output bytes of the block still to produce (not yet decoded into an operation). */
  private blockLeft = 0;
  private lastAdd = 0;
  private oldCursor = 0;
  private hist = 0;
  private run = 0;
  private lastDiff = 0;
  private prevChanged = 0;
  private prevByte = 0;
  private prev2 = 0;
  private lastWord0 = 0;
  private lastWord1 = 0;
  private x86 = false;
  /** Absolute output offset of the next byte. */
  private outAbs = 0;
  private blockIndex = 0;

  constructor(
    private readonly oldSizeBytes: number,
    /** The next coded byte of the block, or −1 past its end. */
    private readonly next: () => number,
  ) {}

  /** Starts block `index` of `outBytes` output bytes at `outOffsetBytes`: resets the model, reads the coder's first 4 bytes and the x86 bit. */
  begin(index: number, outBytes: number, outOffsetBytes: number): void {
    resetModel(this.probs);
    this.rc.start(this.next);
    this.x86 = this.rc.decodeDirect(1, this.next) === 1;
    this.outAbs = outOffsetBytes;
    this.prev2 = 0;
    this.lastWord0 = 0;
    this.lastWord1 = 0;
    this.blockIndex = index;
    this.blockLeft = outBytes;
    this.oldCursor = 0;
    this.hist = 0;
    this.run = 0;
    this.lastDiff = 0;
    this.prevChanged = 0;
    this.prevByte = 0;
    this.addLeft = 0;
    this.extraLeft = 0;
    this.phase = outBytes > 0 ? Phase.AddHead : Phase.Done;
  }

  /** Decodes the add length and seek (phase AddHead). */
  addHead(): void {
    const n = this.number(M_NUM_ADD);
    if (n > this.blockLeft) this.fail(`an add of ${n} bytes, but only ${this.blockLeft} output bytes are left in the block`);
    this.lastAdd = n;
    if (n > 0) {
      let pos = this.oldCursor;
      if (this.rc.decodeBit(this.probs, M_SEEK_ZERO, this.next) === 1) {
        const negative = this.rc.decodeBit(this.probs, M_SEEK_SIGN, this.next) === 1;
        const magnitude = this.number(M_NUM_SEEK) + 1;
        pos = negative ? pos - magnitude : pos + magnitude;
      }
      if (pos < 0 || pos + n > this.oldSizeBytes)
        this.fail(`an add of ${n} bytes from old offset ${pos}, outside the ${this.oldSizeBytes}-byte base`);
      this.oldPos = pos;
      this.addLeft = n;
      this.blockLeft -= n;
      this.phase = Phase.Add;
    } else this.phase = Phase.ExtraHead;
  }

  /**
   * Turns up to `count` old bytes at `buf[at..]` into new bytes (phase Add), stopping early when
   * `ready()` is false; returns how many it did.
   */
  add(buf: Uint8Array, at: number, count: number, ready: () => boolean): number {
    const probs = this.probs;
    const rc = this.rc;
    const next = this.next;
    let i = 0;
    while (i < count) {
      const kind = this.x86 && this.addLeft - i >= 4 ? wordKind(this.prevByte, this.prev2) : -1;
      if (kind >= 0) {
        // A 32-bit field: its 4 old bytes must be at hand in this call.
        if (i + 4 > count || !ready()) break;
        const p = at + i;
        let diff32 = 0;
        if (rc.decodeBit(probs, M_WZERO + kind * 4 + (this.hist & 3), next, ZERO_SHIFT) === 0) {
          this.hist = (this.hist << 1) & 0xff;
          this.run += 4;
          this.prevChanged = 0;
        } else {
          if (rc.decodeBit(probs, M_WPRED + kind, next) === 0) diff32 = (this.oldPos + i - (this.outAbs + i)) >>> 0;
          else if (rc.decodeBit(probs, M_WREP + kind, next) === 0) diff32 = kind === 0 ? this.lastWord0 : this.lastWord1;
          else {
            const negative = rc.decodeBit(probs, M_WSIGN + kind, next) === 1;
            const magnitude = this.number(M_NUM_WORD) + 1;
            diff32 = (negative ? -magnitude : magnitude) >>> 0;
            if (kind === 0) this.lastWord0 = diff32;
            else this.lastWord1 = diff32;
          }
          this.hist = ((this.hist << 1) | 1) & 0xff;
          this.run = 0;
          this.prevChanged = 1;
        }
        const v = ((buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) + diff32) >>> 0;
        buf[p] = v & 0xff;
        buf[p + 1] = (v >>> 8) & 0xff;
        buf[p + 2] = (v >>> 16) & 0xff;
        buf[p + 3] = v >>> 24;
        this.prev2 = buf[p + 2]!;
        this.prevByte = buf[p + 3]!;
        i += 4;
        continue;
      }
      if ((i & 7) === 0 && !ready()) break;
      const old = buf[at + i]!;
      let d = 0;
      if (rc.decodeBit(probs, M_ZERO + zeroContext(this.hist, this.prevByte), next, ZERO_SHIFT) === 0) {
        this.run++;
        this.prevChanged = 0;
        this.hist = (this.hist << 1) & 0xff;
      } else {
        if (rc.decodeBit(probs, M_REP + Math.min(this.run, 3), next) === 0) d = this.lastDiff;
        else {
          d = rc.decodeTree(probs, M_DTREE + this.prevChanged * 256, 8, next);
          this.lastDiff = d;
        }
        this.run = 0;
        this.prevChanged = 1;
        this.hist = ((this.hist << 1) | 1) & 0xff;
      }
      const b = (old + d) & 0xff;
      buf[at + i] = b;
      this.prev2 = this.prevByte;
      this.prevByte = b;
      i++;
    }
    this.addLeft -= i;
    this.oldPos += i;
    this.outAbs += i;
    if (this.addLeft === 0) {
      this.oldCursor = this.oldPos;
      this.phase = this.blockLeft === 0 ? Phase.Done : Phase.ExtraHead;
    }
    return i;
  }

  /** Decodes the extra length (phase ExtraHead). */
  extraHead(): void {
    const n = this.number(M_NUM_EXTRA) + (this.lastAdd === 0 ? 1 : 0);
    if (n > this.blockLeft) this.fail(`an extra of ${n} bytes, but only ${this.blockLeft} output bytes are left in the block`);
    this.extraLeft = n;
    this.blockLeft -= n;
    this.oldCursor += n;
    this.phase = n > 0 ? Phase.Extra : this.blockLeft === 0 ? Phase.Done : Phase.AddHead;
  }

  /** Writes up to `count` literals to `buf[at..]` (phase Extra), stopping early when `ready()` is false. */
  extra(buf: Uint8Array, at: number, count: number, ready: () => boolean): number {
    let i = 0;
    for (; i < count; i++) {
      if ((i & 7) === 0 && !ready()) break;
      const b = this.rc.decodeTree(this.probs, M_LIT + (this.prevByte >>> 7) * 256, 8, this.next, LIT_SHIFT);
      buf[at + i] = b;
      this.prev2 = this.prevByte;
      this.prevByte = b;
    }
    this.extraLeft -= i;
    this.outAbs += i;
    if (this.extraLeft === 0) this.phase = this.blockLeft === 0 ? Phase.Done : Phase.AddHead;
    return i;
  }

  /** After the block's last operation: true when the coder's state is exactly the encoder's flush (any corrupt byte breaks it). */
  endedCleanly(): boolean {
    return this.rc.endedCleanly();
  }

  private number(base: number): number {
    const nb = this.rc.decodeTree(this.probs, base, 5, this.next) + 1;
    const below = nb - 1;
    if (below === 0) return 0;
    const hi = Math.min(2, below);
    let x = (1 << hi) | this.rc.decodeTree(this.probs, base + 32 + (nb - 1) * 4, hi, this.next);
    const rest = below - hi;
    if (rest > 0) x = x * 2 ** rest + this.rc.decodeDirect(rest, this.next);
    return x - 1;
  }

  private fail(what: string): never {
    throw new ImageError("patch-format", `block ${this.blockIndex}: ${what}`);
  }
}
