/**
 * What the bootloader and the updater share: the bootloader installed on a board (its layout,
 * public key, mode, logs and boot records), reading an image out of a slot, and the flash calls
 * they use.
 * @module
 */
import type { Board } from "../hal/index.js";
import { ImageError } from "./errors.js";
import { IMAGE_HEADER_BYTES, parseHeader, parseImage, type ParsedImage } from "./image.js";
import type { BootLayout, FlashArea } from "./layout.js";
import type { RecordLog, LogIO } from "./records.js";
import type { BootRecord } from "./bootloader.js";

/** The bootloader's two update modes: swap with revert (MCUboot's default) or overwrite-only. */
export type BootMode = "swap" | "overwrite";

/** The bootloader installed on a board. @internal */
export interface BootContext {
  readonly layout: BootLayout;
  readonly publicKey: Uint8Array;
  readonly mode: BootMode;
  readonly state: RecordLog;
  readonly counter: RecordLog;
  /** Boot records, oldest first, at most BOOT_RECORDS_KEPT. */
  readonly records: BootRecord[];
}

const contexts = new WeakMap<Board, BootContext>();

/** @internal */
export function setContext(board: Board, ctx: BootContext): void {
  contexts.set(board, ctx);
}

/** The board's bootloader, or an Error naming the call when none is installed. @internal */
export function contextOf(board: Board, where: string): BootContext {
  const ctx = typeof board === "object" && board !== null ? contexts.get(board) : undefined;
  if (ctx === undefined) throw new Error(`${where}: no bootloader on this board; call installBootloader(board, { publicKey }) first`);
  return ctx;
}

/** Whether a bootloader is installed on `board`. @internal */
export function hasBootloader(board: Board): boolean {
  return contexts.has(board);
}

/** The firmware's blocking flash calls, as the logs and the swap use them. @internal */
export function firmwareIO(board: Board): LogIO {
  const flash = board.flash;
  return {
    read: (offset, into) => flash.read(offset, into),
    erase: (offset, lengthBytes) => flash.erase(offset, lengthBytes),
    program: (offset, data) => flash.program(offset, data),
  };
}

/** An image read out of a slot and taken apart (structure only; hash and signature not checked). @internal */
export interface SlotImage {
  readonly bytes: Uint8Array;
  readonly parsed: ParsedImage;
  /** Erase units it occupies from the slot's start. */
  readonly units: number;
}

/**
 * The image at the start of `area`, structure checked (header, sizes, TLV area): its bytes, or
 * the ImageError that says why there is none ("magic" for an erased slot).
 * @internal
 */
export function readSlotImage(board: Board, area: FlashArea): SlotImage | ImageError {
  const flash = board.flash;
  try {
    const head = new Uint8Array(IMAGE_HEADER_BYTES);
    flash.read(area.offset, head);
    const header = parseHeader(head);
    const tlvAt = IMAGE_HEADER_BYTES + header.payloadBytes;
    if (tlvAt + 4 > area.sizeBytes) throw new ImageError("size", `the header declares a ${header.payloadBytes}-byte payload, more than the ${area.sizeBytes}-byte slot holds`);
    const info = new Uint8Array(4);
    flash.read(area.offset + tlvAt, info);
    const tlvBytes = info[2]! | (info[3]! << 8);
    const size = tlvAt + tlvBytes;
    if (size > area.sizeBytes) throw new ImageError("size", `the image would take ${size} bytes, the slot holds ${area.sizeBytes}`);
    const bytes = new Uint8Array(size);
    flash.read(area.offset, bytes);
    const parsed = parseImage(bytes);
    return { bytes, parsed, units: Math.ceil(size / flash.eraseBytes) };
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw e;
  }
}

/** Hex of bytes. @internal */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
