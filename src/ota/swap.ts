/**
 * Moving images between the slots, one erase unit at a time, resumable at every step
 * (MCUboot's swap-scratch, boot/bootutil/src/swap_scratch.c, and overwrite-only, in our own
 * terms). Only the first `units` erase units of the slots move: as many as the larger image
 * occupies, so an update's flash time grows with the image, not with the slot.
 *
 * Swap (types test, perm, revert: a swap is its own inverse), per unit i, three phases:
 *   0. erase scratch, copy primary[i] → scratch;
 *   1. erase primary[i], copy secondary[i] → primary[i];
 *   2. erase secondary[i], copy scratch → secondary[i].
 * Overwrite, per unit i, one phase: erase primary[i], copy secondary[i] → primary[i].
 *
 * After each phase the bootloader appends a STEP record with the number of phases done
 * (src/ota/bootstate.ts). Each phase reads only from an area that no phase since the last STEP
 * has changed (phase 0 reads primary[i], first changed by phase 1; phase 1 reads secondary[i],
 * changed by phase 2; phase 2 reads the scratch, changed by the next unit's phase 0), and begins
 * by erasing what it writes: so after a cut anywhere in a phase — its erase torn, its program
 * torn, its STEP record torn — doing that phase again from its start gives the same result.
 * There are never two half images: at any cut, every unit of each image is in exactly one
 * place that the recorded step count names.
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
  const per = phasesPerUnit(kind);
  const total = per * units;
  const unit = layout.eraseBytes;
  const buffer = new Uint8Array(unit);
  const p = (i: number) => layout.primary.offset + i * unit;
  const s = (i: number) => layout.secondary.offset + i * unit;
  const scratch = layout.scratch.offset;
  for (let step = done; step < total; step++) {
    const i = Math.floor(step / per);
    const phase = step % per;
    if (kind === "overwrite") await copyUnit(io, buffer, s(i), p(i), layout.writeBytes);
    else if (phase === 0) await copyUnit(io, buffer, p(i), scratch, layout.writeBytes);
    else if (phase === 1) await copyUnit(io, buffer, s(i), p(i), layout.writeBytes);
    else await copyUnit(io, buffer, scratch, s(i), layout.writeBytes);
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
