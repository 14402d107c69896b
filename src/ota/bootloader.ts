/**
 * The bootloader (`installBootloader`) and the programmer (`writeSlot`).
 *
 * `installBootloader(board, { publicKey, mode })` partitions the board's flash (src/ota/layout.ts),
 * formats the boot-state and security-counter logs (src/ota/records.ts; the counter starts at 0)
 * and makes the board boot through the bootloader at every boot, whatever the reset reason. At
 * each boot a bootloader task on that boot's kernel:
 *
 * 1. reads the boot state (src/ota/bootstate.ts);
 * 2. if a swap was in progress (a power cut or reset in the middle), resumes it from its recorded
 *    step; else if the primary was test-booted and not confirmed, swaps the old image back
 *    (revert); else if an upgrade is pending, checks the secondary image (signature with the
 *    installed key, board, security counter ≥ stored, the image the request was made for) and
 *    swaps it in (test or permanent; in overwrite mode copies it over the primary), or, when it
 *    fails, cancels the request and records why. All of it with the firmware's blocking flash
 *    calls: real virtual time, counted in `board.flash.ops`, so power cuts fall on them;
 * 3. verifies the primary image (signature, board, security counter ≥ stored); a test image that
 *    fails is reverted at once;
 * 4. raises the stored security counter to the primary's when the primary is confirmed (or
 *    permanently installed) and its counter is higher;
 * 5. records the boot (`bootRecords`, `lastBoot`) and jumps to the application: the board
 *    restarts (fresh RAM and kernel, reset reason kept) and runs the payload's `main(board)`
 *    (src/ota/loader.ts) as its firmware for that boot.
 *
 * No valid image: the board halts (the bootloader task ends, nothing else runs) and the boot
 * record says why (`outcome: "failed"`, `failure.reason`); nothing is thrown into the host.
 * @module
 */
import type { Board, ResetReason } from "../hal/index.js";
import { Board as BoardClass } from "../hal/index.js";
import { ImageError, type ImageErrorReason } from "./errors.js";
import { checkHash, checkPolicy, checkSignature, equalBytes } from "./image.js";
import { bootLayout } from "./layout.js";
import { counterLog, rec, reduceCounter, reduceState, stateLog, PENDING_HASH_BYTES, type SwapKind } from "./bootstate.js";
import { runSwap, totalPhases } from "./swap.js";
import { loadImageModule } from "./loader.js";
import { contextOf, firmwareIO, readSlotImage, setContext, toHex, type BootContext, type BootMode, type SlotImage } from "./slots.js";
import type { LogIO } from "./records.js";

/** Boot records kept per board (the oldest are dropped). */
export const BOOT_RECORDS_KEPT = 256;

/** Why the bootloader refused an image. */
export type BootFailureReason = ImageErrorReason | "no-image" | "load" | "no-main";

/** What the bootloader did at one boot. */
export interface BootRecord {
  /** The board's boot number (board.generation) of the bootloader's run. */
  readonly boot: number;
  /** Board time (ticks) when the bootloader finished. */
  readonly tick: number;
  readonly resetReason: ResetReason;
  /** The swap this boot did or finished (null: none), and whether it resumed one a cut or reset interrupted. */
  readonly swap: SwapKind | null;
  readonly resumed: boolean;
  /** A pending upgrade refused at this boot (the request is cancelled; the slots are untouched). */
  readonly rejected: { readonly reason: BootFailureReason; readonly message: string } | null;
  readonly outcome: "booted" | "failed";
  /** The image booted (null when failed). */
  readonly version: string | null;
  readonly securityCounter: number | null;
  /** The image runs in a test boot: not confirmed, the next reset reverts it. */
  readonly testBoot: boolean;
  /** Why no image could boot (outcome "failed"). */
  readonly failure: { readonly reason: BootFailureReason; readonly message: string } | null;
  /** Flash erase/program operations the bootloader did at this boot. */
  readonly flashOps: number;
  /** The stored security counter after this boot's work. */
  readonly storedSecurityCounter: number;
}

/** Options of installBootloader. */
export interface BootloaderOptions {
  /** The raw 32-byte Ed25519 public key images must be signed for. */
  publicKey: Uint8Array;
  /** "swap" (default: swap with revert, test boots) or "overwrite" (overwrite-only, no revert). */
  mode?: BootMode;
}

/**
 * Installs the bootloader on `board` (host side, as a programmer flashes it): partitions the
 * flash, formats the boot-state and security-counter logs (counter 0, nothing pending), and
 * makes every later boot of the board run the bootloader. Bad options: RangeError/ImageError
 * naming the option; nothing changed.
 *
 * @example
 * ```ts
 * import { createBoard } from "tinyrtos/hal";
 * import { installBootloader, writeSlot, createImage, signImage, generateSigningKey, lastBoot } from "tinyrtos/ota";
 * const { privateKey, publicKey } = generateSigningKey();
 * const board = createBoard("nrf52840", { firmware: () => {} });
 * installBootloader(board, { publicKey });
 * writeSlot(board, "primary", signImage(createImage({ payload: "export function main() {}", version: "1.0.0", securityCounter: 1, board: "nrf52840" }), privateKey));
 * await board.run(100);
 * if (lastBoot(board)?.version !== "1.0.0") throw new Error("not booted");
 * ```
 */
export function installBootloader(board: Board, options: BootloaderOptions): void {
  if (!(board instanceof BoardClass)) throw new RangeError(`installBootloader: expects a board made by createBoard, got ${typeof board}`);
  if (options === null || typeof options !== "object") throw new RangeError("installBootloader expects options { publicKey, mode? }");
  const { publicKey } = options;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new ImageError("key", `installBootloader: publicKey must be a raw 32-byte Ed25519 key (Uint8Array), got ${publicKey instanceof Uint8Array ? `${publicKey.length} bytes` : typeof publicKey}`);
  const mode = options.mode ?? "swap";
  if (mode !== "swap" && mode !== "overwrite") throw new RangeError(`installBootloader: mode must be "swap" or "overwrite", got ${JSON.stringify(mode)}`);
  const layout = bootLayout(board.spec.name, board.flash);
  const ctx: BootContext = { layout, publicKey: publicKey.slice(), mode, state: stateLog(layout), counter: counterLog(layout), records: [] };
  ctx.state.formatNow(board.flash);
  ctx.counter.formatNow(board.flash);
  setContext(board, ctx);
  board.setFirmware((b) => bootFirmware(b, ctx));
}

/**
 * Writes `image` at the start of a slot as a programmer would (host side, immediate, no flash
 * time or operation count): erases only the erase units the image occupies, programs it (padded
 * with 0xFF to the write unit). The bytes are not checked — the bootloader checks at boot; an
 * image larger than the slot: ImageError "size", nothing written.
 */
export function writeSlot(board: Board, slot: "primary" | "secondary", image: Uint8Array): void {
  const ctx = contextOf(board, "writeSlot");
  if (slot !== "primary" && slot !== "secondary") throw new RangeError(`writeSlot: slot must be "primary" or "secondary", got ${JSON.stringify(slot)}`);
  if (!(image instanceof Uint8Array) || image.length === 0) throw new ImageError("truncated", `writeSlot: expects the image bytes (a non-empty Uint8Array)`);
  const area = ctx.layout[slot];
  if (image.length > ctx.layout.slotBytes) throw new ImageError("size", `writeSlot: the image takes ${image.length} bytes, a slot holds ${ctx.layout.slotBytes}`);
  const { eraseBytes, writeBytes } = ctx.layout;
  board.flash.eraseNow(area.offset, Math.ceil(image.length / eraseBytes) * eraseBytes);
  const padded = new Uint8Array(Math.ceil(image.length / writeBytes) * writeBytes).fill(0xff);
  padded.set(image);
  board.flash.programNow(area.offset, padded);
}

/** The bootloader's records of every boot since it was installed (the last BOOT_RECORDS_KEPT), oldest first. */
export function bootRecords(board: Board): readonly BootRecord[] {
  return contextOf(board, "bootRecords").records;
}

/** The record of the last boot, or null before the first. */
export function lastBoot(board: Board): BootRecord | null {
  const r = contextOf(board, "lastBoot").records;
  return r.length === 0 ? null : r[r.length - 1]!;
}

// ───────────────────────────── the boot ─────────────────────────────

async function bootFirmware(board: Board, ctx: BootContext): Promise<void> {
  await board.rtos.xTaskCreate(() => bootTask(board, ctx), "bootloader", 512, null, board.rtos.kernel.config.configMAX_PRIORITIES - 1);
}

/** The image checks the bootloader makes: hash, signature with the installed key, board, counter, size. */
function verifySlot(ctx: BootContext, img: SlotImage | ImageError, minCounter: number): ImageError | null {
  if (img instanceof ImageError) return img;
  try {
    checkHash(img.parsed);
    checkSignature(img.parsed.hash, img.parsed.keyHash, img.parsed.signature, ctx.publicKey);
    checkPolicy(img.parsed.header, img.parsed.sizeBytes, { board: ctx.layout.board, minSecurityCounter: minCounter, maxSizeBytes: ctx.layout.slotBytes });
    return null;
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw e;
  }
}

async function bootTask(board: Board, ctx: BootContext): Promise<void> {
  const io = firmwareIO(board);
  const opsAtStart = board.flash.ops;
  const boot = board.generation;
  const resetReason = board.resetReason;
  let swap: SwapKind | null = null;
  let resumed = false;
  let rejected: BootRecord["rejected"] = null;
  const stored = () => reduceCounter(ctx.counter.records(io));
  const state = () => reduceState(ctx.state.records(io));

  let st = state();
  if (st.swap !== null) {
    swap = st.swap.kind;
    resumed = true;
    await finishSwap(io, ctx, st.swap.kind, st.swap.units, st.swap.done);
  } else if (st.testing) {
    swap = "revert";
    await startSwap(board, io, ctx, "revert");
  } else if (st.pending !== null) {
    const img = readSlotImage(board, ctx.layout.secondary);
    let bad = verifySlot(ctx, img, stored());
    if (bad === null && !equalBytes((img as SlotImage).parsed.hash.subarray(0, PENDING_HASH_BYTES), st.pending.hash))
      bad = new ImageError("hash", "the secondary slot holds another image than the one the upgrade was requested for (it was rewritten after the request)");
    if (bad === null) {
      swap = ctx.mode === "overwrite" ? "overwrite" : st.pending.permanent ? "perm" : "test";
      await startSwap(board, io, ctx, swap);
    } else {
      rejected = { reason: bad.reason, message: bad.message };
      await ctx.state.append(io, rec.cancel());
    }
  }

  // The primary image.
  let primary = readSlotImage(board, ctx.layout.primary);
  let bad = verifySlot(ctx, primary, stored());
  st = state();
  if (bad !== null && st.testing) {
    // The test image does not verify: the old one goes back at once.
    swap = "revert";
    await startSwap(board, io, ctx, "revert");
    primary = readSlotImage(board, ctx.layout.primary);
    bad = verifySlot(ctx, primary, stored());
    st = state();
  }
  const base = { boot, resetReason, swap, resumed, rejected };
  if (bad !== null) {
    const reason: BootFailureReason = bad.reason === "magic" && isBlank(board, ctx) ? "no-image" : bad.reason;
    record(ctx, { ...base, tick: board.now(), outcome: "failed", version: null, securityCounter: null, testBoot: false, failure: { reason, message: reason === "no-image" ? "the primary slot is empty" : bad.message }, flashOps: board.flash.ops - opsAtStart, storedSecurityCounter: stored() });
    return; // halted: nothing else runs
  }
  const img = primary as SlotImage;
  const header = img.parsed.header;
  if (!st.testing && header.securityCounter > stored()) await ctx.counter.append(io, rec.counter(header.securityCounter));
  const entry: BootRecord = { ...base, tick: board.now(), outcome: "booted", version: header.version, securityCounter: header.securityCounter, testBoot: st.testing, failure: null, flashOps: board.flash.ops - opsAtStart, storedSecurityCounter: stored() };
  record(ctx, entry);
  const payload = img.parsed.payload.slice();
  const hashHex = toHex(img.parsed.hash);
  board.chainLoad((b) => runApplication(b, ctx, entry, payload, hashHex));
}

function isBlank(board: Board, ctx: BootContext): boolean {
  const head = new Uint8Array(64);
  board.flash.read(ctx.layout.primary.offset, head);
  return head.every((b) => b === 0xff);
}

async function startSwap(board: Board, io: LogIO, ctx: BootContext, kind: SwapKind): Promise<void> {
  const units = (area: "primary" | "secondary") => {
    const img = readSlotImage(board, ctx.layout[area]);
    return img instanceof ImageError ? 0 : img.units;
  };
  const n = kind === "overwrite" ? units("secondary") : Math.max(units("primary"), units("secondary"));
  await ctx.state.append(io, rec.start(kind, n));
  await finishSwap(io, ctx, kind, n, 0);
}

async function finishSwap(io: LogIO, ctx: BootContext, kind: SwapKind, units: number, done: number): Promise<void> {
  const total = totalPhases(kind, units);
  await runSwap(io, ctx.layout, kind, units, done, async (d) => {
    if (d < total) await ctx.state.append(io, rec.step(d));
  });
  await ctx.state.append(io, rec.done(kind));
}

function record(ctx: BootContext, r: BootRecord): void {
  ctx.records.push(Object.freeze(r));
  if (ctx.records.length > BOOT_RECORDS_KEPT) ctx.records.splice(0, ctx.records.length - BOOT_RECORDS_KEPT);
}

/** The application's boot: its module loaded, `main(board)` run as the firmware. */
async function runApplication(board: Board, ctx: BootContext, entry: BootRecord, payload: Uint8Array, hashHex: string): Promise<void> {
  let main: unknown;
  try {
    const mod = await loadImageModule(payload, hashHex);
    main = mod["main"];
  } catch (e) {
    fail(ctx, entry, "load", `the image's module did not load: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (typeof main !== "function") {
    fail(ctx, entry, "no-main", "the image's module exports no function main(board)");
    return;
  }
  await (main as (b: Board) => unknown)(board);
}

/** A boot whose image verified but could not run: its record becomes a failure. */
function fail(ctx: BootContext, entry: BootRecord, reason: BootFailureReason, message: string): void {
  const i = ctx.records.lastIndexOf(entry);
  const failed: BootRecord = Object.freeze({ ...entry, outcome: "failed", failure: { reason, message } });
  if (i >= 0) ctx.records[i] = failed;
  else record(ctx, failed);
}
