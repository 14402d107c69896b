/**
 * The updater in firmware (`otaClient(board)`): takes a full signed image or a patch against the
 * running image — as bytes, or streamed chunk by chunk from a UART (`UpdateReceiver.chunks()`), a
 * goroutine channel or any (async) iterable — checks signature, board, security counter and size
 * **before** it writes anything to the secondary slot, writes it erase unit by erase unit in a
 * bounded buffer, then `markPending` asks the bootloader for it and `confirm` keeps it.
 *
 * A streamed full image comes in stream order (header, TLV area, payload: `toStreamOrder`), so
 * the signature over the image's SHA-256 is checked before the payload arrives; the payload's
 * hash is checked as it is written, and a mismatch erases what was written. Bytes given at once
 * may be in either order, and are checked whole, hash included, before any write. A patch's manifest is checked the same way, then its base (the running
 * image's hash) before any write. Any failure after the first write erases the units written:
 * the secondary slot is left empty, never holding half an image.
 *
 * RAM: a 512-byte program buffer, the 64-byte header, the TLV area (≤ 256 bytes) and a SHA-256
 * state for an image; the patch applier's (≤ 8,168 bytes) and the program buffer for a patch.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import type { Board } from "../hal/index.js";
import { ImageError } from "./errors.js";
import { IMAGE_HEADER_BYTES, IMAGE_MAGIC, TLV_INFO_MAGIC, checkHash, checkPolicy, checkSignature, equalBytes, parseHeader, parseImage, parseTlvArea } from "./image.js";
import { createPatchApplier } from "./patch-applier.js";
import { PATCH_MAGIC, verifyPatchManifest, type PatchManifest } from "./patch-format.js";
import { contextOf, readSlotImage, type BootContext } from "./slots.js";
import { toStreamOrder } from "./transfer.js";
import { confirmImage, eraseSecondary, programSecondary, readBootState, requestUpgrade, storedSecurityCounter, type BootState } from "./updater.js";

/** Bytes the updater programs at a time (a multiple of every board's write unit). */
export const PROGRAM_BUFFER_BYTES = 512;
/** The largest TLV area a streamed image may declare. */
export const MAX_STREAM_TLV_BYTES = 256;
/** What a SHA-256 state holds (noble: 64-byte buffer, 256-byte schedule, 32-byte state, 32-byte digest). */
const SHA256_STATE_BYTES = 384;

/** Where an update's bytes come from: all at once, or in chunks. */
export type UpdateSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** Options of `OtaClient.write`. */
export interface OtaWriteOptions {
  /** Called after each chunk is taken, with the bytes taken so far. */
  onProgress?(receivedBytes: number): void;
}

/** What `OtaClient.write` put into the secondary slot. */
export interface OtaWriteResult {
  /** A full image, or a patch applied to the running image. */
  readonly kind: "image" | "patch";
  readonly version: string;
  readonly securityCounter: number;
  readonly board: string;
  /** The image now in the secondary slot: header, payload, TLVs. */
  readonly sizeBytes: number;
  /** Bytes of the update taken from the source. */
  readonly receivedBytes: number;
  /** The most bytes of buffers the write held at once (program buffer, header, TLVs, hash or applier state). */
  readonly peakRamBytes: number;
}

/** The boot state as the updater reports it: running and downloaded images, pending request, test boot, stored security counter. */
export type OtaState = BootState;

/** The updater of one board (`otaClient`). Every method that writes blocks on the flash: call it from a task. */
export interface OtaClient {
  /**
   * Checks an update (a signed image, or a patch against the running image) and writes the image
   * into the secondary slot. Rejects with an `ImageError` naming the failed check (nothing written
   * when the check is of the header, TLVs, manifest or base; what was written is erased when the
   * payload's hash or the patch's result is wrong, or the source ends early), or an `Error` when
   * the running image is in a test boot (confirm it first) or another write is in progress.
   */
  write(update: UpdateSource, options?: OtaWriteOptions): Promise<OtaWriteResult>;
  /**
   * Asks the bootloader for the image in the secondary slot at the next reset (re-checked from
   * flash first): a test boot that reverts unless confirmed, or for good with `permanent`.
   */
  markPending(permanent?: boolean): Promise<void>;
  /** Keeps the running test image (and raises the stored security counter to its own). Does nothing when nothing is in a test boot. */
  confirm(): Promise<void>;
  /** The boot state: running and downloaded images, pending request, test boot, stored security counter. */
  state(): OtaState;
}

/**
 * The updater of a board with a bootloader (`installBootloader`); an Error when it has none.
 *
 * @example
 * ```ts
 * // The firmware (an image's main): take updates from a host over UART 0 (`tinyrtos ota send`).
 * import type { Board } from "tinyrtos/hal";
 * import { otaClient, UpdateReceiver } from "tinyrtos/ota";
 * export async function main(board: Board): Promise<void> {
 *   await board.rtos.xTaskCreate(async () => {
 *     const ota = otaClient(board);
 *     const uart = board.uart(0);
 *     uart.configure({ baudRate: 115200 });
 *     const receiver = new UpdateReceiver(uart);
 *     for (;;) {
 *       if ((await receiver.offer(10_000)) === null) continue;
 *       try {
 *         const written = await ota.write(receiver.chunks()); // checked before the first write
 *         await ota.markPending();                            // a test boot at the next reset
 *         await receiver.done(written.version);
 *         board.reset("software");
 *       } catch (e) {
 *         await receiver.fail(e);                             // the host prints the reason
 *       }
 *     }
 *   }, "ota", 512, null, 1);
 * }
 * ```
 */
export function otaClient(board: Board): OtaClient {
  return new Client(board, contextOf(board, "otaClient"));
}

class Client implements OtaClient {
  private busy = false;

  constructor(
    private readonly board: Board,
    private readonly ctx: BootContext,
  ) {}

  async write(update: UpdateSource, options: OtaWriteOptions = {}): Promise<OtaWriteResult> {
    if (this.busy) throw new Error("otaClient.write: another write is in progress on this board; await it first");
    if (options.onProgress !== undefined && typeof options.onProgress !== "function") throw new TypeError("otaClient.write: onProgress must be a function");
    this.busy = true;
    try {
      // Bytes given at once are checked whole (hash included) before anything is written.
      if (update instanceof Uint8Array) update = this.checkWhole(update);
      const source = new ByteSource(asChunks(update), options.onProgress);
      const magic = await source.read(4, "its magic");
      const word = u32(magic, 0);
      if (word === IMAGE_MAGIC) return await this.writeImage(source, magic);
      if (word === PATCH_MAGIC) return await this.writePatch(source, magic);
      throw new ImageError("magic", `an update starts with "tRTI" (an image) or "tRTP" (a patch); this one starts with 0x${word.toString(16).padStart(8, "0")}`);
    } finally {
      this.busy = false;
    }
  }

  async markPending(permanent = false): Promise<void> {
    await requestUpgrade(this.board, { permanent: permanent === true });
  }

  async confirm(): Promise<void> {
    await confirmImage(this.board);
  }

  state(): OtaState {
    return readBootState(this.board);
  }

  /** A whole image in either order: every check of verifyImage, then the image in stream order. Other bytes pass unchanged. */
  private checkWhole(bytes: Uint8Array): Uint8Array {
    if (bytes.length < 4 || u32(bytes, 0) !== IMAGE_MAGIC) return bytes;
    const storage = isStorageOrder(bytes) ? bytes : fromStreamOrder(bytes);
    if (storage === null) {
      // An image in neither order: say what is wrong with it, as the stream order would find it when it has its TLVs after the header.
      const header = parseHeader(bytes);
      const at = IMAGE_HEADER_BYTES;
      if (bytes.length >= at + 4 && (bytes[at]! | (bytes[at + 1]! << 8)) === TLV_INFO_MAGIC) {
        const expected = at + (bytes[at + 2]! | (bytes[at + 3]! << 8)) + header.payloadBytes;
        throw new ImageError(bytes.length < expected ? "truncated" : "trailing-bytes", `${bytes.length} bytes; in stream order its header and TLV area declare ${expected}`);
      }
      parseImage(bytes);
      throw new ImageError("tlv", "no TLV area after the header (stream order) nor after the payload");
    }
    const parsed = parseImage(storage);
    checkHash(parsed);
    checkSignature(parsed.hash, parsed.keyHash, parsed.signature, this.ctx.publicKey);
    checkPolicy(parsed.header, parsed.sizeBytes, this.policy());
    return storage === bytes ? toStreamOrder(bytes) : bytes;
  }

  private policy(): { board: string; minSecurityCounter: number; maxSizeBytes: number } {
    return { board: this.ctx.layout.board, minSecurityCounter: storedSecurityCounter(this.board), maxSizeBytes: this.ctx.layout.slotBytes };
  }

  /** The secondary slot may be written: not while it holds the image a revert needs. */
  private checkWritable(): void {
    if (readBootState(this.board).testBoot)
      throw new Error("otaClient.write: the running image is in a test boot and the secondary slot holds the image a revert needs; confirm() it first");
  }

  private async writeImage(source: ByteSource, magic: Uint8Array): Promise<OtaWriteResult> {
    const head = new Uint8Array(IMAGE_HEADER_BYTES);
    head.set(magic);
    head.set(await source.read(IMAGE_HEADER_BYTES - 4, "the image header"), 4);
    const header = parseHeader(head);
    const info = await source.read(4, "the TLV info (stream order: header, TLVs, payload)");
    const infoMagic = info[0]! | (info[1]! << 8);
    if (infoMagic !== TLV_INFO_MAGIC)
      throw new ImageError("tlv", `the TLV info after the header is 0x${infoMagic.toString(16).padStart(4, "0")}, expected 0x6907: a streamed image comes in stream order (header, TLVs, payload; toStreamOrder)`);
    const tlvBytes = info[2]! | (info[3]! << 8);
    if (tlvBytes < 4 || tlvBytes > MAX_STREAM_TLV_BYTES) throw new ImageError("tlv", `the TLV area declares ${tlvBytes} bytes; a streamed image's takes 4..${MAX_STREAM_TLV_BYTES}`);
    const tlvArea = new Uint8Array(tlvBytes);
    tlvArea.set(info);
    tlvArea.set(await source.read(tlvBytes - 4, "the TLV area"), 4);
    const tlv = parseTlvArea(tlvArea);
    const sizeBytes = IMAGE_HEADER_BYTES + header.payloadBytes + tlvBytes;
    checkSignature(tlv.hash, tlv.keyHash, tlv.signature, this.ctx.publicKey);
    checkPolicy(header, sizeBytes, this.policy());
    this.checkWritable();

    const writer = new SlotWriter(this.board, this.ctx);
    try {
      const hasher = sha256.create();
      hasher.update(head);
      await writer.put(head);
      let left = header.payloadBytes;
      for await (const chunk of source.rest()) {
        if (chunk.length > left) throw new ImageError("trailing-bytes", `the update goes on past the ${header.payloadBytes}-byte payload its header declares`);
        hasher.update(chunk);
        await writer.put(chunk);
        left -= chunk.length;
      }
      if (left > 0) throw new ImageError("truncated", `the update ended ${left} bytes before the end of its ${header.payloadBytes}-byte payload`);
      if (!equalBytes(hasher.digest(), tlv.hash))
        throw new ImageError("hash", "the SHA-256 of header + payload differs from the image's SHA-256 TLV: the image is corrupt (what was written is erased)");
      await writer.put(tlvArea);
      await writer.finish();
    } catch (e) {
      await writer.discard();
      throw e;
    }
    return {
      kind: "image", version: header.version, securityCounter: header.securityCounter, board: header.board, sizeBytes,
      receivedBytes: source.receivedBytes, peakRamBytes: PROGRAM_BUFFER_BYTES + IMAGE_HEADER_BYTES + tlvBytes + SHA256_STATE_BYTES,
    };
  }

  private async writePatch(source: ByteSource, magic: Uint8Array): Promise<OtaWriteResult> {
    const primary = this.ctx.layout.primary;
    const flash = this.board.flash;
    const writer = new SlotWriter(this.board, this.ctx);
    let manifest: PatchManifest | null = null;
    const applier = createPatchApplier({
      onManifest: (m) => {
        verifyPatchManifest(m, this.ctx.publicKey, this.policy());
        const running = readSlotImage(this.board, primary);
        const runningBytes = running instanceof ImageError ? 0 : running.parsed.sizeBytes;
        if (m.baseSizeBytes !== runningBytes)
          throw new ImageError("patch-base", `the patch applies to a ${m.baseSizeBytes}-byte image; the running image has ${runningBytes} bytes`);
        this.checkWritable();
        manifest = m;
      },
      readOld: (offsetBytes, into) => flash.read(primary.offset + offsetBytes, into),
      write: (offsetBytes, bytes) => {
        if (offsetBytes !== writer.positionBytes) throw new Error(`otaClient: the applier wrote at ${offsetBytes}, expected ${writer.positionBytes}`);
        return writer.put(bytes);
      },
    });
    try {
      // A push rejects with the apply's own failure, which end() reports; what the source throws propagates.
      let applyFailed = false;
      const push = (chunk: Uint8Array): Promise<void> => applier.push(chunk).catch(() => void (applyFailed = true));
      await push(magic);
      if (!applyFailed)
        for await (const chunk of source.rest()) {
          await push(chunk);
          if (applyFailed) break;
        }
      const result = await applier.end();
      await writer.finish();
      const h = (manifest as PatchManifest | null)?.imageHeader;
      if (h === undefined || !result.resultChecked) throw new ImageError("patch-format", "a patch for the updater carries a manifest (a bare delta stream has none to check)");
      return {
        kind: "patch", version: h.version, securityCounter: h.securityCounter, board: h.board, sizeBytes: result.resultSizeBytes,
        receivedBytes: source.receivedBytes, peakRamBytes: result.peakRamBytes + PROGRAM_BUFFER_BYTES,
      };
    } catch (e) {
      await writer.discard();
      throw e;
    }
  }
}

/** Writes the secondary slot in order through one program buffer, erasing each erase unit just before its first byte. */
class SlotWriter {
  private readonly buffer = new Uint8Array(PROGRAM_BUFFER_BYTES);
  private filled = 0;
  /** Slot offset of the buffer's first byte: what was programmed. */
  private programmedBytes = 0;
  /** Bytes from the slot's start erased so far. */
  private erasedBytes = 0;

  constructor(
    private readonly board: Board,
    private readonly ctx: BootContext,
  ) {}

  /** Slot offset of the next byte `put` takes. */
  get positionBytes(): number {
    return this.programmedBytes + this.filled;
  }

  async put(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(this.buffer.length - this.filled, bytes.length - at);
      this.buffer.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.buffer.length) await this.flush(false);
    }
  }

  /** Programs what is buffered, padded with 0xFF to the write unit. */
  finish(): Promise<void> {
    return this.flush(true);
  }

  /** Erases every unit this writer erased or programmed (after a failure: the slot holds no half image). */
  async discard(): Promise<void> {
    this.filled = 0;
    if (this.erasedBytes > 0) await eraseSecondary(this.board, this.erasedBytes, 0);
  }

  private async flush(last: boolean): Promise<void> {
    if (this.filled === 0) return;
    const w = this.ctx.layout.writeBytes;
    const length = last ? Math.ceil(this.filled / w) * w : this.filled;
    this.buffer.fill(0xff, this.filled, length);
    const end = this.programmedBytes + length;
    const unit = this.ctx.layout.eraseBytes;
    while (this.erasedBytes < end) {
      await eraseSecondary(this.board, unit, this.erasedBytes);
      this.erasedBytes += unit;
    }
    await programSecondary(this.board, this.programmedBytes, this.buffer.subarray(0, length));
    this.programmedBytes = end;
    this.filled = 0;
  }
}

/** Chunks of an update: bytes given at once in storage order become stream order. */
function asChunks(update: UpdateSource): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  if (update instanceof Uint8Array) return [update];
  if (update !== null && typeof update === "object" && (Symbol.asyncIterator in update || Symbol.iterator in update)) return update;
  throw new TypeError(`otaClient.write: an update is a Uint8Array or an (async) iterable of Uint8Array chunks, got ${update === null ? "null" : typeof update}`);
}

/** An image in stream order (header, TLVs, payload) laid out as signImage makes it; null when `bytes` is not one. */
function fromStreamOrder(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < IMAGE_HEADER_BYTES + 4 || u32(bytes, 0) !== IMAGE_MAGIC) return null;
  const payloadBytes = u32(bytes, 8);
  const at = IMAGE_HEADER_BYTES;
  const tlvBytes = bytes[at + 2]! | (bytes[at + 3]! << 8);
  if ((bytes[at]! | (bytes[at + 1]! << 8)) !== TLV_INFO_MAGIC || at + tlvBytes + payloadBytes !== bytes.length) return null;
  const out = new Uint8Array(bytes.length);
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + tlvBytes), at);
  out.set(bytes.subarray(at, at + tlvBytes), at + payloadBytes);
  return out;
}

const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/** Whether `bytes` is an image laid out header, payload, TLVs (as signImage makes it). */
function isStorageOrder(bytes: Uint8Array): boolean {
  if (bytes.length < IMAGE_HEADER_BYTES + 4) return false;
  if (u32(bytes, 0) !== IMAGE_MAGIC) return false;
  const payloadBytes = u32(bytes, 8);
  const at = IMAGE_HEADER_BYTES + payloadBytes;
  if (at + 4 > bytes.length) return false;
  return (bytes[at]! | (bytes[at + 1]! << 8)) === TLV_INFO_MAGIC && at + (bytes[at + 2]! | (bytes[at + 3]! << 8)) === bytes.length;
}

/** An update's chunks, read as exact byte counts first, then as the rest. */
class ByteSource {
  private readonly iterator: Iterator<Uint8Array> | AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  receivedBytes = 0;

  constructor(
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    private readonly onProgress: ((receivedBytes: number) => void) | undefined,
  ) {
    this.iterator = Symbol.asyncIterator in chunks ? (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]() : (chunks as Iterable<Uint8Array>)[Symbol.iterator]();
  }

  /** Exactly `n` bytes (a copy), or ImageError("truncated") naming `what` when the source ends first. */
  async read(n: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (this.at === this.chunk.length && !(await this.next()))
        throw new ImageError("truncated", `the update ended after ${this.receivedBytes} bytes, in ${what}`);
      const k = Math.min(n - got, this.chunk.length - this.at);
      out.set(this.chunk.subarray(this.at, this.at + k), got);
      this.at += k;
      got += k;
    }
    return out;
  }

  /** What is left of the current chunk, then the following chunks. */
  async *rest(): AsyncGenerator<Uint8Array, void, void> {
    try {
      for (;;) {
        if (this.at < this.chunk.length) {
          const tail = this.chunk.subarray(this.at);
          this.at = this.chunk.length;
          yield tail;
        }
        if (!(await this.next())) return;
      }
    } finally {
      await this.close();
    }
  }

  private async next(): Promise<boolean> {
    for (;;) {
      const r = await this.iterator.next();
      if (r.done === true) return false;
      const chunk: unknown = r.value;
      if (!(chunk instanceof Uint8Array)) throw new TypeError(`otaClient.write: the update's chunks must be Uint8Array, chunk after byte ${this.receivedBytes} is ${chunk === null ? "null" : typeof chunk}`);
      if (chunk.length === 0) continue;
      this.chunk = chunk;
      this.at = 0;
      this.receivedBytes += chunk.length;
      this.onProgress?.(this.receivedBytes);
      return true;
    }
  }

  private async close(): Promise<void> {
    if (typeof this.iterator.return === "function") await this.iterator.return();
  }
}
