/**
 * The context model of a delta block, shared by the encoder (src/ota/delta.ts) and the bounded
 * applier (src/ota/patch-applier.ts): which adaptive bit models code which decision, in one
 * `Uint16Array` of `MODEL_SLOTS` probabilities (2,708: 5,416 bytes), reset at the start of every block.
 *
 * A block is a sequence of operations, each "add" then "extra" (bsdiff's control triple):
 * - `add` n bytes taken from the old image at a position given relative to the old cursor, each
 *   output byte = old byte + a difference byte (mostly 0). A difference is coded as: is it 0?
 *   (context: the last 6 such flags and the top 4 bits of the byte before); else is it the last non-zero
 *   difference again? (relocated pointers repeat their shift); else its 8 bits by a bit tree,
 *   one of two trees chosen by whether the byte before also differed.
 *   An x86 32-bit relative field (`wordKind`) inside an add is coded as one number: is its
 *   difference 0? else is it minus the add's displacement? else the last such difference? else
 *   its sign and magnitude.
 * - `extra` m bytes coded as literals, 8-bit trees chosen by the top bit of the byte before (4 trees gain 0.8 % on the
 *   literal-heavy micro:bit pair and cost 1 KiB of the applier's 8 KiB).
 * - numbers v (lengths, seek magnitudes; v + 1 < 2^32) as Elias-gamma of v + 1: its bit count by a 5-bit tree, the two
 *   bits under the top one by a tree per bit count, the rest at probability 1/2.
 * @module
 */
import { PROB_INIT } from "./rangecoder.js";

/** Contexts of the "difference is zero" flag (`zeroContext`). */
export const ZERO_CTX = 1024;
/** Slots of a number model: 32 for the 5-bit tree of the bit count, 4 per bit count for the next two bits. */
export const NUM_SLOTS = 32 + 4 * 32;

/**
 * Adaptation shifts (p moves by 1/2^shift of the way): 4 for the zero-difference flags and the
 * literals, the coder's default 3 (faster) for the rest. Measured against 4 everywhere (before the
 * x86 field coding and the 4-byte match gain): esbuild
 * −0.8 %, esptool stub −0.8 %, micropython −1.9 %, micro:bit v1 −2.6 %, v2 +0.2 %.
 */
export const ZERO_SHIFT = 4;

export const LIT_SHIFT = 4;

export const M_ZERO = 0;
export const M_REP = M_ZERO + ZERO_CTX;
export const M_DTREE = M_REP + 4;
export const M_LIT = M_DTREE + 2 * 256;
export const M_NUM_ADD = M_LIT + 2 * 256;
export const M_NUM_EXTRA = M_NUM_ADD + NUM_SLOTS;
export const M_NUM_SEEK = M_NUM_EXTRA + NUM_SLOTS;
export const M_SEEK_ZERO = M_NUM_SEEK + NUM_SLOTS;
export const M_SEEK_SIGN = M_SEEK_ZERO + 1;
/** x86 32-bit fields (`wordKind`): zero flag (2 kinds × last 2 flags), "as predicted", "as last", sign, magnitude. */
export const M_WZERO = M_SEEK_SIGN + 1;
export const M_WPRED = M_WZERO + 8;
export const M_WREP = M_WPRED + 2;
export const M_WSIGN = M_WREP + 2;
export const M_NUM_WORD = M_WSIGN + 2;
/** Number of bit models of a block. */
export const MODEL_SLOTS = M_NUM_WORD + NUM_SLOTS;

/**
 * Whether the 4 bytes after the output bytes `prev2`, `prev1` are an x86 32-bit relative field,
 * coded as one little-endian number difference instead of 4 byte differences: 0 after E8 (call)
 * or E9 (jmp) rel32, 1 after a RIP-relative ModRM (mod 00, r/m 101) of 8D (lea), 8B or 89 (mov);
 * −1 otherwise. When code moves, a call into code that did not move changes by minus the move
 * (predicted from the add's displacement) and a RIP-relative reference to data by the data's
 * move (the last such difference again): esbuild's 68 k changed fields cost a few bits each
 * instead of their byte positions and values. A guess from two bytes: a wrong one only codes 4
 * bytes another way.
 */
export function wordKind(prev1: number, prev2: number): number {
  if (prev1 === 0xe8 || prev1 === 0xe9) return 0;
  if ((prev1 & 0xc7) === 0x05 && (prev2 === 0x8d || prev2 === 0x8b || prev2 === 0x89)) return 1;
  return -1;
}

/** A fresh model for a block. */
export function resetModel(probs: Uint16Array): void {
  probs.fill(PROB_INIT, 0, MODEL_SLOTS);
}

/**
 * The zero-difference context (1,024): the top 4 bits of the output byte before and the last 6
 * zero/non-zero flags (`hist`, newest in bit 0). Measured on the bench pairs against the run length
 * alone, the last 8 flags, the old byte and wider mixes (64 KiB blocks, before the x86 field coding): esbuild's 197 k scattered differences
 * (relocated x86 displacements) cost 114 KB of flags with this context against 134 KB with the run
 * length; contexts 4× larger gain < 1% and do not fit the applier's 8 KiB.
 */
export function zeroContext(hist: number, prevByte: number): number {
  return ((prevByte >>> 4) << 6) | (hist & 63);
}

/** The bit length of x ≥ 1 (1..32). */
export function bitLength(x: number): number {
  return 32 - Math.clz32(x);
}
