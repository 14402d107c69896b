/**
 * The firmware side of the bootloader, for an updater running in the application (otaClient is
 * built on these): the boot state, the secondary slot's erase/program within the layout, the
 * upgrade request (MCUboot's boot_set_pending), the confirmation (boot_set_confirmed), the stored
 * security counter. Every call that writes is a blocking flash call: call it from a task (one
 * updater task at a time) and await it. All @internal: the public face is otaClient.
 * @module
 */
import type { Board } from "../hal/index.js";
import { ImageError } from "./errors.js";
import { checkHash, checkPolicy, checkSignature } from "./image.js";
import { rec, reduceCounter, reduceState, PENDING_HASH_BYTES } from "./bootstate.js";
import { contextOf, firmwareIO, readSlotImage, toHex, type BootContext, type BootMode, type SlotImage } from "./slots.js";

/** What a slot holds: a whole image, its SHA-256 matching its hash TLV (header fields; the signature is checked by the bootloader, not here). */
export interface SlotSummary {
  readonly version: string;
  readonly securityCounter: number;
  readonly board: string;
  /** The whole image: header, payload, TLVs. */
  readonly sizeBytes: number;
  /** Hex of the image's SHA-256 TLV. */
  readonly hash: string;
}

/** The boot state as the application sees it (`readBootState`). */
export interface BootState {
  readonly mode: BootMode;
  /** The running image (null: the slot holds no image — cannot happen in a booted application). */
  readonly primary: SlotSummary | null;
  /** What the secondary slot holds: a downloaded image, the previous image after a test swap, or nothing (also when it holds part of an image: a download cut part-way). */
  readonly secondary: SlotSummary | null;
  /** An upgrade requested and not yet taken by the bootloader; `matchesSecondary` false when the secondary was rewritten after the request (the bootloader will refuse it). */
  readonly pending: { readonly permanent: boolean; readonly matchesSecondary: boolean } | null;
  /** The primary runs in a test boot: confirm it, or the next reset reverts it. */
  readonly testBoot: boolean;
  /** The primary is confirmed (not in a test boot). */
  readonly confirmed: boolean;
  /** A swap is recorded as in progress (never seen by a running application: the bootloader finishes swaps). */
  readonly swapInProgress: boolean;
  /** The stored security counter (anti-rollback): images below it never boot. */
  readonly securityCounter: number;
  /** Usable bytes of a slot: the largest image. */
  readonly slotBytes: number;
}

function summary(img: SlotImage | ImageError): SlotSummary | null {
  if (img instanceof ImageError) return null;
  // The structure alone does not make an image: a download cut after its header, over an older
  // image of the same size, leaves the new header with the old image's TLVs where it declares them.
  try {
    checkHash(img.parsed);
  } catch (e) {
    if (e instanceof ImageError) return null;
    throw e;
  }
  const h = img.parsed.header;
  return { version: h.version, securityCounter: h.securityCounter, board: h.board, sizeBytes: img.parsed.sizeBytes, hash: toHex(img.parsed.hash) };
}

/** The boot state (synchronous: flash reads only). @internal */
export function readBootState(board: Board): BootState {
  const ctx = contextOf(board, "readBootState");
  const io = board.flash;
  const st = reduceState(ctx.state.records(io));
  const primary = summary(readSlotImage(board, ctx.layout.primary));
  const secondary = summary(readSlotImage(board, ctx.layout.secondary));
  const pendingHash = st.pending === null ? "" : toHex(st.pending.hash);
  return {
    mode: ctx.mode,
    primary,
    secondary,
    pending: st.pending === null ? null : { permanent: st.pending.permanent, matchesSecondary: secondary !== null && secondary.hash.startsWith(pendingHash) },
    testBoot: st.testing,
    confirmed: primary !== null && !st.testing,
    swapInProgress: st.swap !== null,
    securityCounter: reduceCounter(ctx.counter.records(io)),
    slotBytes: ctx.layout.slotBytes,
  };
}

/** The stored security counter. @internal */
export function storedSecurityCounter(board: Board): number {
  const ctx = contextOf(board, "storedSecurityCounter");
  return reduceCounter(ctx.counter.records(board.flash));
}

/** Usable bytes of a slot (the largest image). @internal */
export function slotSizeBytes(board: Board): number {
  return contextOf(board, "slotSizeBytes").layout.slotBytes;
}

/** The secondary slot may be written: not while it holds the image a revert needs. */
function writableSecondary(board: Board, ctx: BootContext, where: string): void {
  if (reduceState(ctx.state.records(board.flash)).testing)
    throw new Error(`${where}: the primary is in a test boot and the secondary slot holds the image a revert needs; confirmImage first`);
}

/**
 * Erases the erase units of the secondary slot that bytes `fromBytes` .. `fromBytes + lengthBytes`
 * occupy (an update erases only what its image needs; `fromBytes`, default 0, a multiple of the
 * erase unit, lets an updater erase unit by unit as its download arrives). Blocks on the flash. @internal
 */
export async function eraseSecondary(board: Board, lengthBytes: number, fromBytes = 0): Promise<void> {
  const ctx = contextOf(board, "eraseSecondary");
  const area = ctx.layout.secondary;
  const unit = ctx.layout.eraseBytes;
  if (!Number.isInteger(fromBytes) || fromBytes < 0 || fromBytes % unit !== 0 || fromBytes >= area.sizeBytes)
    throw new RangeError(`eraseSecondary: fromBytes must be a multiple of the ${unit}-byte erase unit within the ${area.sizeBytes}-byte slot, got ${String(fromBytes)}`);
  if (!Number.isInteger(lengthBytes) || lengthBytes <= 0 || fromBytes + lengthBytes > area.sizeBytes)
    throw new RangeError(`eraseSecondary: lengthBytes must be an integer 1..${area.sizeBytes - fromBytes} (the slot from byte ${fromBytes}), got ${String(lengthBytes)}`);
  writableSecondary(board, ctx, "eraseSecondary");
  await board.flash.erase(area.offset + fromBytes, Math.ceil(lengthBytes / unit) * unit);
}

/**
 * Programs `data` at `offset` of the secondary slot (both multiples of the board's write unit,
 * within the slot; erase first). Blocks on the flash. @internal
 */
export async function programSecondary(board: Board, offset: number, data: Uint8Array): Promise<void> {
  const ctx = contextOf(board, "programSecondary");
  const area = ctx.layout.secondary;
  const w = ctx.layout.writeBytes;
  if (!(data instanceof Uint8Array) || data.length === 0) throw new RangeError("programSecondary: data must be a non-empty Uint8Array");
  if (!Number.isInteger(offset) || offset < 0 || offset + data.length > area.sizeBytes)
    throw new RangeError(`programSecondary: ${data.length} bytes at ${String(offset)} do not fit the ${area.sizeBytes}-byte secondary slot`);
  if (offset % w !== 0 || data.length % w !== 0) throw new RangeError(`programSecondary: offset and length must be multiples of the ${w}-byte write unit of this flash`);
  writableSecondary(board, ctx, "programSecondary");
  await board.flash.program(area.offset + offset, data);
}

/**
 * Requests an upgrade to the image in the secondary slot (MCUboot's boot_set_pending): checks it
 * first (structure, hash, signature with the installed key, board, security counter ≥ stored:
 * an ImageError and nothing written when it fails), then records the request. At the next reset
 * the bootloader swaps it in for a test boot, or for good with `permanent` (overwrite mode:
 * always for good). Not during a test boot (Error: confirm first). Blocks on the flash. @internal
 */
export async function requestUpgrade(board: Board, options: { permanent?: boolean } = {}): Promise<void> {
  const ctx = contextOf(board, "requestUpgrade");
  writableSecondary(board, ctx, "requestUpgrade");
  const img = readSlotImage(board, ctx.layout.secondary);
  if (img instanceof ImageError) throw img;
  checkHash(img.parsed);
  checkSignature(img.parsed.hash, img.parsed.keyHash, img.parsed.signature, ctx.publicKey);
  checkPolicy(img.parsed.header, img.parsed.sizeBytes, { board: ctx.layout.board, minSecurityCounter: storedSecurityCounter(board), maxSizeBytes: ctx.layout.slotBytes });
  await ctx.state.append(firmwareIO(board), rec.pending(options.permanent === true, img.parsed.hash.subarray(0, PENDING_HASH_BYTES)));
}

/**
 * Confirms the running test image (MCUboot's boot_set_confirmed): records it, then raises the
 * stored security counter to the image's. Does nothing when nothing is in a test boot. Blocks on
 * the flash. @internal
 */
export async function confirmImage(board: Board): Promise<void> {
  const ctx = contextOf(board, "confirmImage");
  const io = firmwareIO(board);
  if (!reduceState(ctx.state.records(io)).testing) return;
  await ctx.state.append(io, rec.confirm());
  const img = readSlotImage(board, ctx.layout.primary);
  if (img instanceof ImageError) return;
  const counter = img.parsed.header.securityCounter;
  if (counter > reduceCounter(ctx.counter.records(io))) await ctx.counter.append(io, rec.counter(counter));
}
