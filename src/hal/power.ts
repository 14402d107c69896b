/**
 * Power (`board.cutPower(options)`, `board.powerOn()`, `board.powered`): the bench's power
 * supply, outside the chip.
 *
 * A cut happens at board time `atTick`, or as the `atFlashOp`-th flash erase/program from now
 * starts (0: the next one). At that moment the chip stops: the kernel is stopped where it is and
 * discarded, nothing of the firmware runs any more (firmware-side calls still made by code of the
 * old boot before its kernel halts are ignored, as after a reset request), RAM is lost (cleared),
 * the watchdog stops, the flash keeps what it holds (an operation cut part-way: see `tear` and
 * src/hal/flash.ts). While the board is off, `board.run(ticks)` still advances board time (and
 * resolves "target"): the world's events happen on the world side (a pin the world drives
 * changes level; bytes sent to a UART are lost), and the pins read as an unpowered chip leaves
 * them: neither driven nor pulled by the chip, so a line reads what the world drives, else low.
 * `board.rtos` is the stopped kernel of the last boot until power returns.
 *
 * `tear` (only with `atFlashOp`): true leaves that operation partly done, by an amount drawn from
 * the board's power PRNG (seeded from the board's seed, separate from the kernel's PRNG so that a
 * cut changes nothing in the kernel's random stream): same seed, same torn bytes. False (the
 * default): the cut happens just before the operation starts, which then never happened.
 *
 * `powerOn()` boots the board as a "power-on" reset at the next whole board tick: a fresh kernel,
 * firmware again at the next `board.run`. On a board that is on it is a power cycle (a cut now,
 * then power-on). A pending cut (not yet reached) is kept across resets of any kind (the supply is
 * not the chip) and cancelled by `powerOn()`; a new `cutPower` replaces a pending one; `cutPower`
 * on a board that is off is a HalError.
 * @module
 */
import { HalError } from "./errors.js";
import { Prng } from "../kernel/index.js";

/** When the power fails (`board.cutPower`): exactly one of `atTick` and `atFlashOp`. */
export interface CutPowerOptions {
  /** Board time (ticks since the board was created; fractions allowed), now or later. */
  atTick?: number;
  /** The cut falls on the `atFlashOp`-th flash erase/program started from now (0: the next). */
  atFlashOp?: number;
  /** With atFlashOp: leave that operation partly done (default false: cut just before it). */
  tear?: boolean;
}

/** A checked cut, waiting to happen. @internal */
export type PlannedCut = { readonly kind: "tick"; readonly atTick: number } | { readonly kind: "op"; readonly opIndex: number; readonly tear: boolean };

/** Checks `options` against board time `now` and the flash's operation count; HalError on bad input. @internal */
export function planCut(board: string, options: CutPowerOptions, now: number, ops: number): PlannedCut {
  const where = "cutPower";
  const fail = (what: string) => new HalError(board, where, what);
  if (options === null || typeof options !== "object") throw fail(`expects { atTick } or { atFlashOp, tear? }, got ${String(options)}`);
  const { atTick, atFlashOp, tear } = options;
  if (tear !== undefined && typeof tear !== "boolean") throw fail(`tear must be a boolean, got ${typeof tear}`);
  if (atTick !== undefined && atFlashOp !== undefined) throw fail("give atTick or atFlashOp, not both");
  if (atTick !== undefined) {
    if (typeof atTick !== "number" || !Number.isFinite(atTick)) throw fail(`atTick must be a finite number of ticks, got ${String(atTick)}`);
    if (atTick < now) throw fail(`atTick ${atTick} is in the past (board time is ${now})`);
    if (tear !== undefined) throw fail("tear goes with atFlashOp only (an operation in progress at atTick is left torn at the fraction of its time that had passed)");
    return { kind: "tick", atTick };
  }
  if (atFlashOp !== undefined) {
    if (typeof atFlashOp !== "number" || !Number.isInteger(atFlashOp) || atFlashOp < 0) throw fail(`atFlashOp must be a non-negative integer (0: the next operation), got ${String(atFlashOp)}`);
    return { kind: "op", opIndex: ops + atFlashOp, tear: tear ?? false };
  }
  throw fail("say when: { atTick } or { atFlashOp, tear? }");
}

/** The board's power PRNG: seeded from the board seed, a stream apart from the kernel's. @internal */
export function powerPrng(seed: number): Prng {
  // A fixed odd constant ("POWR") mixed in, so that the stream differs from the kernel's.
  return new Prng((Math.trunc(seed) ^ 0x504f5752) >>> 0);
}
