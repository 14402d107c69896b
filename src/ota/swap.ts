/**
 * Moving images between the slots, one erase unit at a time, resumable at every step
 * (MCUboot's swap-move, boot/bootutil/src/swap_move.c, and overwrite-only, in our own terms).
 * Only the first `units` erase units of the slots move: as many as the larger image occupies,
 * so an update's flash time grows with the image, not with the slot.
 *
 * Swap (types test, perm, revert: a swap is its own inverse), 3 phases per unit, `units` = N:
 * - move, steps 0..N−1: step k moves primary unit i = N−1−k up by one (erase primary[i+1], copy
 *   primary[i] → primary[i+1]); the primary slot has one unit more than the largest image for it;
 * - swap, steps N..3N−1: for unit i, step N+2i erases primary[i] and copies secondary[i] into it,
 *   step N+2i+1 erases secondary[i] and copies primary[i+1] (the old primary[i], moved) into it.
 * MCUboot's swap-scratch passes every unit through one scratch sector, which then wears N times
 * per update (3,000 erases of that one unit for 1,000 updates of 3 units; a 256 KB image on the
 * nRF52840's 10,000-cycle pages would wear it out in ~150 updates); swap-move erases each primary
 * unit twice and each secondary unit once per update, and needs no scratch area.
 * Overwrite, per unit i, one phase: erase primary[i], copy secondary[i] → primary[i].
 *
 * After each phase the bootloader appends a STEP record with the number of phases done
 * (src/ota/bootstate.ts). Each phase reads only from a unit that no phase since the last STEP has
 * changed (a move step reads primary[i], first changed by the next move step; swap step N+2i reads
 * secondary[i], changed by step N+2i+1; that one reads primary[i+1], changed by step N+2i+2), and
 * begins by erasing what it writes: so after a cut anywhere in a phase — its erase torn, its
 * program torn, its STEP record torn — doing that phase again from its start gives the same
 * result. At every cut each unit of both images is whole in a place the recorded step count
 * names, so the swap always completes: never two half images.
 *
 * A copy programs the unit's bytes up to its last byte that is not 0xFF (rounded up to the write
 * unit), in one program call, and none when the unit is blank.
 * @module
 */
import type { BootLayout } from "./layout.js";
import type { SwapKind } from "./bootstate.js";

/** The flash calls the swap uses (the firmware's blocking ones). */
export interface SwapIO {
  read(offset: number, into: Uint8Array): void;
  erase(offset: number, lengthBytes: number): PromiseLike<void>;
  program(offset: number, data: Uint8Array): PromiseLike<void>;
}

/** Phases per unit of a swap of `kind`. */
export function phasesPerUnit(kind: SwapKind): number {
  return kind === "overwrite" ? 1 : 3;
}

/** Phases of a whole swap of `units` units. */
export function totalPhases(kind: SwapKind, units: number): number {
  return phasesPerUnit(kind) * units;
}

/**
 * Runs the phases of a swap from phase `done` to the end, calling `stepped(doneSoFar)` after each
 * (the caller records it in flash before the next phase starts).
 */
export async function runSwap(
  io: SwapIO,
  layout: BootLayout,
  kind: SwapKind,
  units: number,
  done: number,
  stepped: (done: number) => Promise<void>,
): Promise<void> {
  const total = totalPhases(kind, units);
  const unit = layout.eraseBytes;
  if (units > layout.slotBytes / unit) throw new RangeError(`swap of ${units} units, a slot holds ${layout.slotBytes / unit}`);
  const buffer = new Uint8Array(unit);
  const p = (i: number) => layout.primary.offset + i * unit;
  const s = (i: number) => layout.secondary.offset + i * unit;
  const w = layout.writeBytes;
  for (let step = done; step < total; step++) {
    if (kind === "overwrite") await copyUnit(io, buffer, s(step), p(step), w);
    else if (step < units) {
      const i = units - 1 - step;
      await copyUnit(io, buffer, p(i), p(i + 1), w);
    } else {
      const i = Math.floor((step - units) / 2);
      if ((step - units) % 2 === 0) await copyUnit(io, buffer, s(i), p(i), w);
      else await copyUnit(io, buffer, p(i + 1), s(i), w);
    }
    await stepped(step + 1);
  }
}

/** Erases the unit at `to`, then programs into it what the unit at `from` holds. */
async function copyUnit(io: SwapIO, buffer: Uint8Array, from: number, to: number, writeBytes: number): Promise<void> {
  io.read(from, buffer);
  await io.erase(to, buffer.length);
  let end = buffer.length;
  while (end > 0 && buffer[end - 1] === 0xff) end--;
  if (end === 0) return;
  end = Math.ceil(end / writeBytes) * writeBytes;
  await io.program(to, buffer.slice(0, end));
}
