/**
 * The delta encoder: bsdiff-style matching (a suffix array of the old bytes, the longest match at
 * each position of the new bytes, approximate extension forwards and backwards so that a region
 * with scattered edits — relocated pointers, changed constants — stays one "add" whose
 * differences are mostly zero), coded per block with the adaptive range coder and the context
 * model of src/ota/delta-model.ts. Host side (it builds a suffix array: ~9 bytes per old byte).
 *
 * The delta stream (little-endian; `varint` = unsigned LEB128, at most 5 bytes):
 *
 * | field | size | meaning |
 * |---|---|---|
 * | magic | 4 | 0x44545274, the bytes "tRTD" |
 * | version | 1 | 1 |
 * | block log2 | 1 | output bytes per block = 2^this (12..24); the last block may be shorter |
 * | old size | varint | bytes of the base the delta applies to |
 * | new size | varint | bytes of the result |
 * | block count | varint | = ceil(new size / block bytes) |
 * | block table | varint × count | coded bytes of each block |
 * | blocks | … | each block's range-coded operations, one after the other |
 *
 * Block i produces output bytes [i·B, min((i+1)·B, new size)) and starts at the stream offset
 * (end of the table) + the sum of the coded sizes before it: the table gives every block's output
 * offset, patch offset and length. A block resets the coder, the model and the old cursor (0), so
 * applying can start at any block. A block's first bit (probability 1/2) says whether it codes
 * x86 32-bit relative fields as numbers (`wordKind` in src/ota/delta-model.ts); the encoder codes
 * each block both ways and keeps the smaller. Then operations follow until the block's output is
 * complete; an operation is: add length (number); when it is not 0, the seek (is it 0? else sign
 * and magnitude − 1) that moves the old cursor to where the add reads, then the add's difference
 * bytes; then, unless the block is complete, the extra length (minus 1 when the add was empty) and
 * the extra's literals. The old cursor moves past the add and then by the extra length (an extra
 * usually replaces as many old bytes).
 * @module
 */
import { RangeEncoder } from "./rangecoder.js";
import { suffixArray } from "./suffix-array.js";
import {
  M_DTREE, M_LIT, M_NUM_ADD, M_NUM_EXTRA, M_NUM_SEEK, M_REP, M_SEEK_SIGN, M_SEEK_ZERO, M_ZERO,
  LIT_SHIFT, MODEL_SLOTS, ZERO_SHIFT, M_NUM_WORD, M_WPRED, M_WREP, M_WSIGN, M_WZERO, wordKind, bitLength, resetModel, zeroContext,
} from "./delta-model.js";

/** "tRTD" as a little-endian u32. */
export const DELTA_MAGIC = 0x44545274;
export const DELTA_VERSION = 1;
/**
 * The default block: 128 KiB of output, the STM32H743's erase unit, so "block k done" is "erase
 * unit k programmed". Measured (bench pairs, delta bytes at 16 / 64 / 128 / 256 KiB blocks):
 * esbuild 146,772 / 114,214 / 106,155 / 101,293; sql.js 18,697 / 16,175 / 15,585 / 15,260;
 * micropython 689 / 514 / 416 / 381; micro:bit v2 68,569 / 67,429 / 67,203 / 67,039. A model
 * reset costs its relearning, so 16 KiB blocks cost 2–65 % more than 128 KiB ones; 256 KiB
 * blocks gain 0.2–8 % but redo twice the work after a power cut and span two H743 erase units.
 */
export const DEFAULT_BLOCK_LOG2 = 17;
export const MIN_BLOCK_LOG2 = 12;
export const MAX_BLOCK_LOG2 = 24;
/** Largest old or new size the format takes: 2^31 − 1 bytes. */
export const MAX_DELTA_INPUT_BYTES = 0x7fff_ffff;

/** Options of `encodeDelta`. */
export interface DeltaOptions {
  /** Output bytes per block as a power of two, 12..24 (default 16: 64 KiB). */
  blockLog2?: number;
}

/**
 * A new match is taken when it beats the current alignment by more than this many bytes. bsdiff
 * uses 8 (tuned for bzip2); our coder makes a switch cheaper. Measured on the bench pairs (delta
 * bytes at 8 / 4): esptool stub 1,336 / 1,150, micro:bit v2 70,350 / 63,640, esbuild 106,011 /
 * 106,155, sql.js 15,415 / 15,585, micropython 411 / 416, micro:bit v1 2,971 / 2,976; 3 and 5
 * are no better overall, 2 is worse.
 */
const MATCH_GAIN_BYTES = 4;
/**
 * The backward extension of a match stops after this many bytes. Without a bound, in long runs
 * of one byte (0xFF padding between a micro:bit's sections) each match extends back over the
 * whole stretch since the last one and the matcher turns quadratic. Measured on the micro:bit v2
 * pair (bound: seconds, delta bytes): none 22 s, 63,640; 64 Ki 13 s, 66,082; 16 Ki 4.5 s, 66,980;
 * 4 Ki 1.8 s, 67,203 (other pairs unchanged). The forward extension of the previous match covers
 * the rest.
 */
const MAX_BACKWARD_BYTES = 4096;

/** One operation: `addBytes` from old at `addOld` (plus differences), then `extraBytes` literals. */
interface Op {
  addBytes: number;
  addOld: number;
  extraBytes: number;
}

/**
 * The delta stream that turns `oldBytes` into `newBytes` (format above). Pure; throws RangeError
 * for inputs over 2^31 − 1 bytes or a block size out of range.
 */
export function encodeDelta(oldBytes: Uint8Array, newBytes: Uint8Array, options: DeltaOptions = {}): Uint8Array {
  const blockLog2 = options.blockLog2 ?? DEFAULT_BLOCK_LOG2;
  if (!Number.isInteger(blockLog2) || blockLog2 < MIN_BLOCK_LOG2 || blockLog2 > MAX_BLOCK_LOG2)
    throw new RangeError(`encodeDelta: blockLog2 must be an integer ${MIN_BLOCK_LOG2}..${MAX_BLOCK_LOG2}, got ${String(blockLog2)}`);
  if (oldBytes.length > MAX_DELTA_INPUT_BYTES || newBytes.length > MAX_DELTA_INPUT_BYTES)
    throw new RangeError(`encodeDelta: inputs are limited to ${MAX_DELTA_INPUT_BYTES} bytes, got old ${oldBytes.length}, new ${newBytes.length}`);
  const ops = match(oldBytes, newBytes);
  const blockBytes = 2 ** blockLog2;
  const blockCount = Math.ceil(newBytes.length / blockBytes);
  const bodies: Uint8Array[] = [];
  let opIndex = 0;
  let opDone = 0; // bytes of ops[opIndex] already emitted in earlier blocks
  for (let b = 0; b < blockCount; b++) {
    const start = b * blockBytes;
    const end = Math.min(start + blockBytes, newBytes.length);
    // The operations of this block: the global ones cut at the block's edges.
    const blockOps: Op[] = [];
    let at = start;
    while (at < end) {
      const op = ops[opIndex]!;
      const total = op.addBytes + op.extraBytes;
      const skip = opDone;
      const take = Math.min(total - skip, end - at);
      const addSkip = Math.min(skip, op.addBytes);
      const addTake = Math.max(0, Math.min(op.addBytes - addSkip, take));
      blockOps.push({ addBytes: addTake, addOld: op.addOld + addSkip, extraBytes: take - addTake });
      at += take;
      opDone += take;
      if (opDone === total) {
        opIndex++;
        opDone = 0;
      }
    }
    // Each block with and without x86 field coding; the smaller is kept (its first bit says which).
    const plain = encodeBlock(oldBytes, newBytes, start, blockOps, false);
    const x86 = encodeBlock(oldBytes, newBytes, start, blockOps, true);
    bodies.push(x86.length < plain.length ? x86 : plain);
  }
  const head: number[] = [];
  head.push(DELTA_MAGIC & 0xff, (DELTA_MAGIC >>> 8) & 0xff, (DELTA_MAGIC >>> 16) & 0xff, DELTA_MAGIC >>> 24, DELTA_VERSION, blockLog2);
  varint(head, oldBytes.length);
  varint(head, newBytes.length);
  varint(head, blockCount);
  for (const body of bodies) varint(head, body.length);
  let size = head.length;
  for (const body of bodies) size += body.length;
  const out = new Uint8Array(size);
  out.set(head, 0);
  let pos = head.length;
  for (const body of bodies) {
    out.set(body, pos);
    pos += body.length;
  }
  return out;
}

function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Codes one block's operations; `start` is the block's first output offset. */
function encodeBlock(oldBytes: Uint8Array, newBytes: Uint8Array, start: number, ops: readonly Op[], x86: boolean): Uint8Array {
  const rc = new RangeEncoder();
  const probs = new Uint16Array(MODEL_SLOTS);
  resetModel(probs);
  rc.encodeDirect(x86 ? 1 : 0, 1);
  let oldCursor = 0;
  let run = 0;
  let lastDiff = 0;
  let prevChanged = 0;
  let hist = 0;
  let prevByte = 0;
  let prev2 = 0;
  const lastWord = [0, 0];
  let at = start;
  let end = start;
  for (const op of ops) end += op.addBytes + op.extraBytes;
  for (const op of ops) {
    encodeNumber(rc, probs, M_NUM_ADD, op.addBytes);
    if (op.addBytes > 0) {
      const seek = op.addOld - oldCursor;
      rc.encodeBit(probs, M_SEEK_ZERO, seek === 0 ? 0 : 1);
      if (seek !== 0) {
        rc.encodeBit(probs, M_SEEK_SIGN, seek < 0 ? 1 : 0);
        encodeNumber(rc, probs, M_NUM_SEEK, Math.abs(seek) - 1);
      }
      let i = 0;
      while (i < op.addBytes) {
        const kind = x86 && op.addBytes - i >= 4 ? wordKind(prevByte, prev2) : -1;
        if (kind >= 0) {
          const p = at + i;
          const q = op.addOld + i;
          const diff32 = (u32(newBytes, p) - u32(oldBytes, q)) >>> 0;
          rc.encodeBit(probs, M_WZERO + kind * 4 + (hist & 3), diff32 === 0 ? 0 : 1, ZERO_SHIFT);
          if (diff32 === 0) {
            hist = (hist << 1) & 0xff;
            run += 4;
            prevChanged = 0;
          } else {
            const predicted = (op.addOld - at) >>> 0;
            rc.encodeBit(probs, M_WPRED + kind, diff32 === predicted ? 0 : 1);
            if (diff32 !== predicted) {
              rc.encodeBit(probs, M_WREP + kind, diff32 === lastWord[kind] ? 0 : 1);
              if (diff32 !== lastWord[kind]) {
                const signed = diff32 | 0;
                rc.encodeBit(probs, M_WSIGN + kind, signed < 0 ? 1 : 0);
                encodeNumber(rc, probs, M_NUM_WORD, Math.abs(signed) - 1);
                lastWord[kind] = diff32;
              }
            }
            hist = ((hist << 1) | 1) & 0xff;
            run = 0;
            prevChanged = 1;
          }
          prev2 = newBytes[p + 2]!;
          prevByte = newBytes[p + 3]!;
          i += 4;
          continue;
        }
        const nb = newBytes[at + i]!;
        const d = (nb - oldBytes[op.addOld + i]!) & 0xff;
        const zctx = zeroContext(hist, prevByte);
        if (d === 0) {
          rc.encodeBit(probs, M_ZERO + zctx, 0, ZERO_SHIFT);
          run++;
          prevChanged = 0;
          hist = (hist << 1) & 0xff;
        } else {
          rc.encodeBit(probs, M_ZERO + zctx, 1, ZERO_SHIFT);
          const rctx = Math.min(run, 3);
          if (d === lastDiff) rc.encodeBit(probs, M_REP + rctx, 0);
          else {
            rc.encodeBit(probs, M_REP + rctx, 1);
            rc.encodeTree(probs, M_DTREE + prevChanged * 256, 8, d);
            lastDiff = d;
          }
          run = 0;
          prevChanged = 1;
          hist = ((hist << 1) | 1) & 0xff;
        }
        prev2 = prevByte;
        prevByte = nb;
        i++;
      }
      at += op.addBytes;
      oldCursor = op.addOld + op.addBytes;
    }
    if (at === end) break;
    encodeNumber(rc, probs, M_NUM_EXTRA, op.addBytes === 0 ? op.extraBytes - 1 : op.extraBytes);
    for (let i = 0; i < op.extraBytes; i++) {
      const nb = newBytes[at + i]!;
      rc.encodeTree(probs, M_LIT + (prevByte >>> 7) * 256, 8, nb, LIT_SHIFT);
      prev2 = prevByte;
      prevByte = nb;
    }
    at += op.extraBytes;
    oldCursor += op.extraBytes;
  }
  return rc.finish();
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Codes v (0 ≤ v < 2^32 − 1) with the number model at `base`. */
function encodeNumber(rc: RangeEncoder, probs: Uint16Array, base: number, v: number): void {
  const x = v + 1;
  const nb = bitLength(x);
  rc.encodeTree(probs, base, 5, nb - 1);
  const below = nb - 1;
  if (below === 0) return;
  const hi = Math.min(2, below);
  const hiBits = Math.floor(x / 2 ** (below - hi)) & ((1 << hi) - 1);
  rc.encodeTree(probs, base + 32 + (nb - 1) * 4, hi, hiBits);
  const rest = below - hi;
  if (rest > 0) rc.encodeDirect(x % 2 ** rest, rest);
}

/**
 * bsdiff's matcher (Colin Percival's algorithm, our code): scans the new bytes, finds the
 * longest exact match in the old bytes by binary search over the suffix array, and accepts it when
 * it beats the current alignment by more than `MATCH_GAIN_BYTES` bytes; the stretch between two accepted
 * matches is split into an approximate forward extension of the previous one (an add), literals
 * (an extra) and a backward extension of the next one. @internal
 */
export function match(oldBytes: Uint8Array, newBytes: Uint8Array): Op[] {
  const ops: Op[] = [];
  const oldSize = oldBytes.length;
  const newSize = newBytes.length;
  if (newSize === 0) return ops;
  if (oldSize === 0) {
    ops.push({ addBytes: 0, addOld: 0, extraBytes: newSize });
    return ops;
  }
  const sa = suffixArray(oldBytes);
  let scan = 0;
  let len = 0;
  let pos = 0;
  let lastScan = 0;
  let lastPos = 0;
  let lastOffset = 0;
  const found = { pos: 0, len: 0 };
  while (scan < newSize) {
    let oldScore = 0;
    let scsc = (scan += len);
    for (; scan < newSize; scan++) {
      search(sa, oldBytes, newBytes, scan, found);
      len = found.len;
      pos = found.pos;
      for (; scsc < scan + len; scsc++) if (scsc + lastOffset < oldSize && scsc + lastOffset >= 0 && oldBytes[scsc + lastOffset] === newBytes[scsc]) oldScore++;
      if ((len === oldScore && len !== 0) || len > oldScore + MATCH_GAIN_BYTES) break;
      if (scan + lastOffset < oldSize && scan + lastOffset >= 0 && oldBytes[scan + lastOffset] === newBytes[scan]) oldScore--;
    }
    if (len !== oldScore || scan === newSize) {
      let s = 0;
      let sf = 0;
      let lenf = 0;
      for (let i = 0; lastScan + i < scan && lastPos + i < oldSize; ) {
        if (oldBytes[lastPos + i] === newBytes[lastScan + i]) s++;
        i++;
        if (s * 2 - i > sf * 2 - lenf) {
          sf = s;
          lenf = i;
        }
      }
      let lenb = 0;
      if (scan < newSize) {
        let sb = 0;
        s = 0;
        for (let i = 1; scan >= lastScan + i && pos >= i && i <= MAX_BACKWARD_BYTES; i++) {
          if (oldBytes[pos - i] === newBytes[scan - i]) s++;
          if (s * 2 - i > sb * 2 - lenb) {
            sb = s;
            lenb = i;
          }
        }
      }
      if (lastScan + lenf > scan - lenb) {
        const overlap = lastScan + lenf - (scan - lenb);
        s = 0;
        let ss = 0;
        let lens = 0;
        for (let i = 0; i < overlap; i++) {
          if (newBytes[lastScan + lenf - overlap + i] === oldBytes[lastPos + lenf - overlap + i]) s++;
          if (newBytes[scan - lenb + i] === oldBytes[pos - lenb + i]) s--;
          if (s > ss) {
            ss = s;
            lens = i + 1;
          }
        }
        lenf += lens - overlap;
        lenb -= lens;
      }
      const extra = scan - lenb - (lastScan + lenf);
      ops.push({ addBytes: lenf, addOld: lastPos, extraBytes: extra });
      lastScan = scan - lenb;
      lastPos = pos - lenb;
      lastOffset = pos - scan;
    }
  }
  return ops.filter((op) => op.addBytes + op.extraBytes > 0);
}

/** The longest match of newBytes[from..] among the old suffixes: binary search over `sa`. */
function search(sa: Int32Array, oldBytes: Uint8Array, newBytes: Uint8Array, from: number, out: { pos: number; len: number }): void {
  let st = 0;
  let en = sa.length - 1;
  while (en - st >= 2) {
    const x = st + ((en - st) >> 1);
    if (compare(oldBytes, sa[x]!, newBytes, from) < 0) st = x;
    else en = x;
  }
  const a = matchLength(oldBytes, sa[st]!, newBytes, from);
  const b = en !== st ? matchLength(oldBytes, sa[en]!, newBytes, from) : -1;
  if (a >= b) {
    out.pos = sa[st]!;
    out.len = a;
  } else {
    out.pos = sa[en]!;
    out.len = b;
  }
}

/** bsdiff's memcmp over min(remaining old, remaining new) bytes: < 0, 0 or > 0. */
function compare(oldBytes: Uint8Array, o: number, newBytes: Uint8Array, n: number): number {
  const len = Math.min(oldBytes.length - o, newBytes.length - n);
  for (let i = 0; i < len; i++) {
    const d = oldBytes[o + i]! - newBytes[n + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

function matchLength(oldBytes: Uint8Array, o: number, newBytes: Uint8Array, n: number): number {
  const len = Math.min(oldBytes.length - o, newBytes.length - n);
  let i = 0;
  while (i < len && oldBytes[o + i] === newBytes[n + i]) i++;
  return i;
}
