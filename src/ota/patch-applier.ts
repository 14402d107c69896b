/**
 * The streamed patch applier: applies a patch (src/ota/patch-format.ts, or a bare delta stream)
 * while its bytes arrive — from a UART, a socket, a file — in at most 8 KiB of RAM, reading the old
 * image through `readOld(offset, into)` and emitting the new one in order through
 * `write(offset, bytes)` in chunks of `OUT_BUFFER_BYTES`.
 *
 * What it holds (`peakRamBytes` adds these up): the block model (5,416 B), an input ring of 512 B,
 * an output buffer of 512 B (also used to read the manifest and to hash the base), a u32 per block
 * of the table (≤ 512 B), the manifest (≤ 832 B; 616 B for a signed image) and a SHA-256 state
 * (≈ 384 B: noble's 64-byte block buffer, its 256-byte message schedule, the 32-byte state and
 * digest): at most 8,168 B (7,544 B on the bench's 10 MB esbuild patch). Pushed chunks belong to the caller and are held
 * only until their `push` settles.
 *
 * Order of work: manifest (handed to `onManifest`, which may reject it: check the signature there),
 * the delta header and block table, the SHA-256 of the base (wrong base → `ImageError("patch-base")`,
 * nothing written), then blocks from `startBlock` on, then the result's SHA-256 and size
 * (`ImageError("patch-result")`; also when the result's first 64 bytes or its TLV area differ from
 * the manifest's copies, checked before each write). Malformed or truncated input, and bytes after the last block, are
 * `ImageError("patch-format")`. A block is written only as far as it decoded; a failure mid-block
 * leaves that block partly written, as a power cut would, and `blocksDone` says which blocks are
 * complete.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { ImageError } from "./errors.js";
import { equalBytes } from "./image.js";
import { BLOCK_DECODER_RAM_BYTES, BYTE_INPUT_BYTES, BlockDecoder, CONTROL_INPUT_BYTES, Phase } from "./delta-decoder.js";
import { DELTA_MAGIC } from "./delta.js";
import {
  PATCH_MAGIC, checkDeltaSizes, checkDeltaStart, manifestLength, maxBlockPatchBytes, readPatchManifest,
  type DeltaHeader, type PatchManifest,
} from "./patch-format.js";

/** Input ring bytes. */
export const IN_RING_BYTES = 512;
/** Output buffer bytes: the largest chunk `write` receives. */
export const OUT_BUFFER_BYTES = 512;
/** What the SHA-256 state takes (noble: 64-byte buffer, 256-byte schedule, 32-byte state, 32-byte digest). */
const SHA256_RAM_BYTES = 64 + 256 + 32 + 32;
/** Decode only with this much input at hand, or the whole rest of the block. */
// A check covers up to 8 plain bytes after a 32-bit field (≤ 43 bits) or a control step.
const READY_BYTES = CONTROL_INPUT_BYTES + 8 * BYTE_INPUT_BYTES + 16;

/** Callbacks and options of a patch applier. */
export interface PatchApplierOptions {
  /** Fills `into` with the old image's bytes from `offsetBytes` (random access; may be async). */
  readOld(offsetBytes: number, into: Uint8Array): void | Promise<void>;
  /**
   * Receives the new image's bytes in order, `offsetBytes` from 0 (or from `startBlock`'s offset)
   * up; `bytes` is only valid until the returned promise settles (copy or program it).
   */
  write(offsetBytes: number, bytes: Uint8Array): void | Promise<void>;
  /** The first block to apply (blocks before it were written before a power cut). Default 0. */
  startBlock?: number;
  /**
   * Reads back what was written before `startBlock`, so the result's SHA-256 can still be checked
   * after a resume. Without it a resumed apply checks the blocks it wrote only by their decoding
   * (`resultChecked` false).
   */
  readNew?(offsetBytes: number, into: Uint8Array): void | Promise<void>;
  /** Called with the manifest before anything is read from old or written; throw to refuse the patch. */
  onManifest?(manifest: PatchManifest): void | Promise<void>;
}

/** What an apply did. */
export interface PatchApplyResult {
  readonly resultSizeBytes: number;
  /** The manifest (null for a bare delta stream). */
  readonly manifest: PatchManifest | null;
  /** True when the result's SHA-256 was checked against the manifest. */
  readonly resultChecked: boolean;
  readonly peakRamBytes: number;
}

/** A patch being applied: feed it with `push`, then `end`. */
export interface PatchApplier {
  /** Hands the next patch bytes over; settles when they are consumed (rejects when the apply failed). */
  push(chunk: Uint8Array): Promise<void>;
  /** No more bytes: settles with the result when the apply completes, or rejects with why it failed. */
  end(): Promise<PatchApplyResult>;
  /** The most bytes of typed memory the applier has held at once. */
  readonly peakRamBytes: number;
  /** Blocks completely written (from `startBlock`: the next block to resume at is `startBlock + blocksDone`). */
  readonly blocksDone: number;
}

interface Pending {
  chunk: Uint8Array;
  at: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * A streamed applier of a patch (container "tRTP") or a bare delta stream ("tRTD": no hashes, no
 * manifest). See the module comment for what it checks and when.
 *
 * @example
 * ```ts
 * import { createPatchApplier } from "tinyrtos/ota";
 * // const applier = createPatchApplier({ readOld: (o, into) => into.set(oldImage.subarray(o, o + into.length)),
 * //                                      write: (o, bytes) => flash.program(slot + o, bytes) });
 * // for await (const chunk of uart) await applier.push(chunk);
 * // const { resultSizeBytes } = await applier.end();
 * ```
 */
export function createPatchApplier(options: PatchApplierOptions): PatchApplier {
  return new Applier(options);
}

class Applier implements PatchApplier {
  private readonly ring = new Uint8Array(IN_RING_BYTES);
  private ringStart = 0;
  private ringCount = 0;
  private readonly out = new Uint8Array(OUT_BUFFER_BYTES);
  private queue: Pending[] = [];
  private ended = false;
  private waker: (() => void) | null = null;
  private failure: unknown = null;
  private readonly done: Promise<PatchApplyResult>;
  /** Bytes of the patch consumed so far (for messages). */
  private consumed = 0;
  /** Real coded bytes of the current block not yet consumed. */
  private blockInLeft = 0;
  private tableBytes = 0;
  peakRamBytes = IN_RING_BYTES + OUT_BUFFER_BYTES + BLOCK_DECODER_RAM_BYTES + SHA256_RAM_BYTES;
  blocksDone = 0;

  constructor(private readonly options: PatchApplierOptions) {
    if (typeof options?.readOld !== "function" || typeof options.write !== "function")
      throw new TypeError("createPatchApplier: options.readOld and options.write must be functions");
    this.done = this.run();
    this.done.catch((e: unknown) => {
      this.failure = e;
      for (const p of this.queue) p.reject(e);
      this.queue = [];
    });
  }

  push(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) return Promise.reject(new TypeError(`push expects a Uint8Array, got ${typeof chunk}`));
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new Error("push after end()"));
    return new Promise<void>((resolve, reject) => {
      if (chunk.length === 0) return resolve();
      this.queue.push({ chunk, at: 0, resolve, reject });
      this.wake();
    });
  }

  end(): Promise<PatchApplyResult> {
    this.ended = true;
    this.wake();
    return this.done;
  }

  private wake(): void {
    const w = this.waker;
    this.waker = null;
    if (w) w();
  }

  /** Moves queued bytes into the ring. */
  private refill(): void {
    while (this.queue.length > 0 && this.ringCount < IN_RING_BYTES) {
      const p = this.queue[0]!;
      const n = Math.min(p.chunk.length - p.at, IN_RING_BYTES - this.ringCount);
      let w = (this.ringStart + this.ringCount) % IN_RING_BYTES;
      for (let i = 0; i < n; i++) {
        this.ring[w] = p.chunk[p.at + i]!;
        w = w + 1 === IN_RING_BYTES ? 0 : w + 1;
      }
      this.ringCount += n;
      p.at += n;
      if (p.at === p.chunk.length) {
        this.queue.shift();
        p.resolve();
      }
    }
  }

  /** Waits until `n` (≤ ring size) bytes are at hand, or the input ended (then fewer). */
  private async want(n: number): Promise<void> {
    for (;;) {
      this.refill();
      if (this.ringCount >= n || (this.ended && this.queue.length === 0)) return;
      await new Promise<void>((resolve) => (this.waker = resolve));
    }
  }

  private takeByte(): number {
    const b = this.ring[this.ringStart]!;
    this.ringStart = this.ringStart + 1 === IN_RING_BYTES ? 0 : this.ringStart + 1;
    this.ringCount--;
    this.consumed++;
    return b;
  }

  /** Copies the next `n` patch bytes into `into[0..n)`, waiting for them. */
  private async readExact(into: Uint8Array, n: number, what: string): Promise<void> {
    let got = 0;
    while (got < n) {
      await this.want(1);
      if (this.ringCount === 0) throw new ImageError("patch-format", `the patch ends at byte ${this.consumed}, inside ${what}`);
      while (got < n && this.ringCount > 0) into[got++] = this.takeByte();
      this.refill();
    }
  }

  private async readVarint(what: string): Promise<number> {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      await this.readExact(this.out, 1, what);
      const b = this.out[0]!;
      v += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (v > 0x7fff_ffff) throw new ImageError("patch-format", `${what} is ${v}, over 2^31 - 1`);
        return v;
      }
    }
    throw new ImageError("patch-format", `${what} takes more than 5 bytes`);
  }

  private async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) {
      await this.want(1);
      if (this.ringCount === 0) throw new ImageError("patch-format", `the patch ends at byte ${this.consumed}, inside ${what}`);
      const k = Math.min(left, this.ringCount);
      this.ringStart = (this.ringStart + k) % IN_RING_BYTES;
      this.ringCount -= k;
      this.consumed += k;
      left -= k;
    }
  }

  private async run(): Promise<PatchApplyResult> {
    const { readOld, write } = this.options;
    const startBlock = this.options.startBlock ?? 0;
    if (!Number.isInteger(startBlock) || startBlock < 0) throw new RangeError(`startBlock must be an integer ≥ 0, got ${String(startBlock)}`);
    const out = this.out;

    // The manifest, or a bare delta stream.
    await this.readExact(out, 4, "the magic");
    const magic = (out[0]! | (out[1]! << 8) | (out[2]! << 16) | (out[3]! << 24)) >>> 0;
    let manifest: PatchManifest | null = null;
    let deltaStartRead = 0;
    if (magic === PATCH_MAGIC) {
      await this.readExact(out.subarray(4), 4, "the patch header");
      const total = manifestLength(out.subarray(0, 8));
      await this.readExact(out.subarray(8), total - 8, "the manifest");
      manifest = readPatchManifest(out.subarray(0, total));
      // What the manifest keeps (header, TLV area, two hashes, the TLV values) and its parse's probe.
      this.peakRamBytes += 64 + manifest.tlvBytes.length + 64 + 128 + (64 + manifest.tlvBytes.length);
      if (this.options.onManifest) await this.options.onManifest(manifest);
    } else if (magic === DELTA_MAGIC) {
      deltaStartRead = 4;
    } else {
      throw new ImageError("patch-format", `magic is 0x${magic.toString(16).padStart(8, "0")}: neither a patch ("tRTP") nor a delta stream ("tRTD")`);
    }
    // The delta header.
    if (deltaStartRead === 0) await this.readExact(out, 4, "the delta header"); // else out[0..4) holds its magic
    await this.readExact(out.subarray(4), 2, "the delta header");
    const blockLog2 = checkDeltaStart(out, 0);
    const h: DeltaHeader = { blockLog2, oldSizeBytes: 0, newSizeBytes: 0, blockCount: 0 };
    h.oldSizeBytes = await this.readVarint("the delta's old size");
    h.newSizeBytes = await this.readVarint("the delta's new size");
    h.blockCount = await this.readVarint("the delta's block count");
    checkDeltaSizes(h);
    if (manifest !== null && (h.oldSizeBytes !== manifest.baseSizeBytes || h.newSizeBytes !== manifest.resultSizeBytes))
      throw new ImageError("patch-format", `the delta stream is for ${h.oldSizeBytes} → ${h.newSizeBytes} bytes, the manifest says ${manifest.baseSizeBytes} → ${manifest.resultSizeBytes}`);
    if (startBlock > h.blockCount) throw new RangeError(`startBlock ${startBlock} is past the patch's ${h.blockCount} blocks`);
    const blockBytes = 2 ** blockLog2;
    const table = new Uint32Array(h.blockCount);
    this.tableBytes = table.byteLength;
    this.peakRamBytes += this.tableBytes;
    for (let i = 0; i < h.blockCount; i++) {
      const n = await this.readVarint(`block ${i}'s coded size`);
      const outBytes = Math.min(blockBytes, h.newSizeBytes - i * blockBytes);
      if (n > maxBlockPatchBytes(outBytes)) throw new ImageError("patch-format", `block ${i} declares ${n} coded bytes for ${outBytes} output bytes; at most ${maxBlockPatchBytes(outBytes)}`);
      table[i] = n;
    }

    // The base, before anything is written.
    if (manifest !== null) {
      const hasher = sha256.create();
      for (let o = 0; o < manifest.baseSizeBytes; o += OUT_BUFFER_BYTES) {
        const part = out.subarray(0, Math.min(OUT_BUFFER_BYTES, manifest.baseSizeBytes - o));
        await readOld(o, part);
        hasher.update(part);
      }
      if (!equalBytes(hasher.digest(), manifest.baseHash))
        throw new ImageError("patch-base", `the old image's SHA-256 is not the patch's base hash: this patch is for another image (base ${manifest.baseSizeBytes} bytes)`);
    }

    // The result's hash: from the start, or read back up to startBlock.
    const result = sha256.create();
    let resultChecked = manifest !== null;
    const firstOut = startBlock * blockBytes;
    if (manifest !== null && startBlock > 0) {
      if (this.options.readNew) {
        const written = Math.min(firstOut, h.newSizeBytes);
        for (let o = 0; o < written; o += OUT_BUFFER_BYTES) {
          const part = out.subarray(0, Math.min(OUT_BUFFER_BYTES, written - o));
          await this.options.readNew(o, part);
          result.update(part);
        }
      } else resultChecked = false;
    }
    for (let i = 0; i < startBlock; i++) await this.skip(table[i]!, `block ${i}`);

    // The blocks.
    const decoder = new BlockDecoder(h.oldSizeBytes, () => {
      if (this.blockInLeft === 0) return -1;
      if (this.ringCount === 0) throw new Error("patch applier: the decoder outran its input (internal error)");
      this.blockInLeft--;
      return this.takeByte();
    });
    const ready = (): boolean => this.ringCount >= READY_BYTES || this.ringCount >= this.blockInLeft;
    const haveInput = async (): Promise<void> => {
      await this.want(Math.min(READY_BYTES, this.blockInLeft));
      if (this.ringCount < Math.min(READY_BYTES, this.blockInLeft))
        throw new ImageError("patch-format", `the patch ends at byte ${this.consumed}, ${this.blockInLeft - this.ringCount} bytes short of the block's end`);
    };
    let outOffset = firstOut;
    let fill = 0;
    const tlvStart = manifest === null ? 0 : h.newSizeBytes - manifest.tlvBytes.length;
    const flush = async (): Promise<void> => {
      if (fill === 0) return;
      const chunk = out.subarray(0, fill);
      if (manifest !== null) {
        // The result must start with the header and end with the TLV area the manifest showed.
        for (let i = 0; i < fill; i++) {
          const o = outOffset + i;
          const promised = o < 64 ? manifest.headerBytes[o] : o >= tlvStart ? manifest.tlvBytes[o - tlvStart] : undefined;
          if (promised !== undefined && promised !== chunk[i])
            throw new ImageError("patch-result", `result byte ${o} is 0x${chunk[i]!.toString(16)}, the manifest's ${o < 64 ? "header" : "TLV area"} copy says 0x${promised.toString(16)}: the patch is corrupt`);
          if (o >= 64 && o < tlvStart) i = Math.min(fill, tlvStart - outOffset) - 1;
        }
      }
      result.update(chunk);
      await write(outOffset, chunk);
      outOffset += fill;
      fill = 0;
    };
    for (let b = startBlock; b < h.blockCount; b++) {
      const outBytes = Math.min(blockBytes, h.newSizeBytes - b * blockBytes);
      this.blockInLeft = table[b]!;
      await haveInput();
      decoder.begin(b, outBytes, b * blockBytes);
      let oldReady = 0;
      while (decoder.phase !== Phase.Done) {
        if (!ready()) await haveInput();
        switch (decoder.phase) {
          case Phase.AddHead:
            decoder.addHead();
            break;
          case Phase.ExtraHead:
            decoder.extraHead();
            break;
          case Phase.Add: {
            // A 32-bit field needs its 4 bytes in one buffer: start a new one when fewer are left.
            if (OUT_BUFFER_BYTES - fill < 4 && decoder.addLeft > OUT_BUFFER_BYTES - fill) {
              await flush();
              oldReady = 0;
            }
            const n = Math.min(decoder.addLeft, OUT_BUFFER_BYTES - fill);
            if (oldReady < n) {
              await readOld(decoder.oldPos + oldReady, out.subarray(fill + oldReady, fill + n));
              oldReady = n;
            }
            const did = decoder.add(out, fill, n, ready);
            fill += did;
            oldReady -= did;
            break;
          }
          case Phase.Extra:
            fill += decoder.extra(out, fill, Math.min(decoder.extraLeft, OUT_BUFFER_BYTES - fill), ready);
            break;
        }
        if (fill === OUT_BUFFER_BYTES) {
          await flush();
          oldReady = 0;
        }
      }
      await flush();
      if (!decoder.endedCleanly()) throw new ImageError("patch-format", `block ${b}: its range coder does not end where the encoder flushed it: the block is corrupt`);
      if (this.blockInLeft > 0) throw new ImageError("patch-format", `block ${b}: ${this.blockInLeft} of its ${table[b]!} coded bytes are left over after its ${outBytes} output bytes`);
      this.blocksDone++;
    }
    await this.want(1);
    if (this.ringCount > 0) throw new ImageError("patch-format", `bytes after the last block (from byte ${this.consumed}): the patch is longer than its block table says`);
    if (manifest !== null && resultChecked && !equalBytes(result.digest(), manifest.resultHash))
      throw new ImageError("patch-result", `the ${h.newSizeBytes}-byte result's SHA-256 differs from the patch's result hash: the patch or the base is corrupt`);
    return { resultSizeBytes: h.newSizeBytes, manifest, resultChecked, peakRamBytes: this.peakRamBytes };
  }
}

/** Options of `applyPatchStream`: the applier's, and where the patch comes from. */
export interface ApplyPatchStreamOptions extends PatchApplierOptions {
  /** The patch's bytes in chunks of any size. */
  patch: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Applies a patch whose bytes come from an (async) iterable of chunks: `createPatchApplier` fed to its end. */
export async function applyPatchStream(options: ApplyPatchStreamOptions): Promise<PatchApplyResult> {
  const applier = createPatchApplier(options);
  try {
    for await (const chunk of options.patch) await applier.push(chunk);
  } catch (e) {
    // A push rejects with the apply's own failure; end() reports it.
    if (!(e instanceof ImageError)) throw e;
  }
  return applier.end();
}
