/**
 * Delta patches between signed images (API.md `tinyrtos/ota`): `makePatch` (host side) builds the
 * container of src/ota/patch-format.ts around a delta stream (src/ota/delta.ts) from the whole old
 * signed image to the whole new one; `applyPatch` applies one in memory through the bounded
 * streamed applier (src/ota/patch-applier.ts), which firmware uses directly
 * (`createPatchApplier`, `applyPatchStream`). `encodeDelta` / `decodeDelta` work on raw bytes
 * (no images, no hashes): what the bench compares with bsdiff, xdelta3, zstd and HDiffPatch.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { ImageError } from "./errors.js";
import { IMAGE_HEADER_BYTES, parseImage } from "./image.js";
import { encodeDelta, type DeltaOptions } from "./delta.js";
import { applyPatchStream, type PatchApplyResult } from "./patch-applier.js";
import { MAX_PATCH_TLV_BYTES, PATCH_FIXED_BYTES, PATCH_FORMAT_VERSION, PATCH_MAGIC } from "./patch-format.js";

/**
 * A patch turning the signed image `oldSigned` into the signed image `newSigned`. Both are
 * structure-checked (`ImageError` with the image's reason otherwise); neither is verified (sign
 * and verify the new image before). Host side: takes ~1 s per 4 MB of old image.
 *
 * @example
 * ```ts
 * import { createImage, makePatch, applyPatch } from "tinyrtos/ota";
 * const v1 = createImage({ payload: "export function main() { return 1; }", version: "1.0.0", securityCounter: 1, board: "nrf52840" });
 * const v2 = createImage({ payload: "export function main() { return 2; }", version: "1.0.1", securityCounter: 1, board: "nrf52840" });
 * const next = await applyPatch(v1, makePatch(v1, v2));
 * if (next.length !== v2.length || next.some((b, i) => b !== v2[i])) throw new Error("patch round trip failed");
 * ```
 */
export function makePatch(oldSigned: Uint8Array, newSigned: Uint8Array, options: DeltaOptions = {}): Uint8Array {
  parseImage(oldSigned);
  const parsed = parseImage(newSigned);
  const tlvStart = IMAGE_HEADER_BYTES + parsed.header.payloadBytes;
  const tlv = newSigned.subarray(tlvStart, parsed.sizeBytes);
  if (tlv.length > MAX_PATCH_TLV_BYTES) throw new ImageError("tlv", `the new image's TLV area is ${tlv.length} bytes; a patch carries at most ${MAX_PATCH_TLV_BYTES}`);
  const delta = encodeDelta(oldSigned, newSigned, options);
  const out = new Uint8Array(PATCH_FIXED_BYTES + tlv.length + delta.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, PATCH_MAGIC, true);
  dv.setUint16(4, PATCH_FORMAT_VERSION, true);
  dv.setUint16(6, tlv.length, true);
  out.set(sha256(oldSigned), 8);
  out.set(sha256(newSigned), 40);
  dv.setUint32(72, oldSigned.length, true);
  dv.setUint32(76, newSigned.length, true);
  out.set(newSigned.subarray(0, IMAGE_HEADER_BYTES), 80);
  out.set(tlv, PATCH_FIXED_BYTES);
  out.set(delta, PATCH_FIXED_BYTES + tlv.length);
  return out;
}

/**
 * Applies `patch` to `oldSigned` in memory and returns the new signed image. Rejects with
 * `ImageError`: `"patch-format"` (malformed, truncated, trailing bytes), `"patch-base"` (made for
 * another base) or `"patch-result"` (the result's hash is not the promised one). The same bounded
 * applier as firmware uses (in 512-byte writes).
 */
export async function applyPatch(oldSigned: Uint8Array, patch: Uint8Array): Promise<Uint8Array> {
  if (!(patch instanceof Uint8Array)) throw new ImageError("patch-format", `a patch is a Uint8Array, got ${patch === null ? "null" : typeof patch}`);
  if (patch.length < 4 || (patch[0] | (patch[1]! << 8) | (patch[2]! << 16) | (patch[3]! << 24)) >>> 0 !== PATCH_MAGIC)
    throw new ImageError("patch-format", `not a patch: it does not start with the magic "tRTP"`);
  return (await applyInMemory(oldSigned, patch)).bytes;
}

/**
 * Applies a bare delta stream (from `encodeDelta`) to `oldBytes`: the raw-bytes counterpart of
 * `applyPatch`, with no hashes to check. Rejects with `ImageError("patch-format")` on bad input.
 */
export async function decodeDelta(oldBytes: Uint8Array, delta: Uint8Array): Promise<Uint8Array> {
  return (await applyInMemory(oldBytes, delta)).bytes;
}

async function applyInMemory(oldBytes: Uint8Array, patch: Uint8Array): Promise<{ bytes: Uint8Array; result: PatchApplyResult }> {
  let out = new Uint8Array(0);
  let size = 0;
  const result = await applyPatchStream({
    patch: [patch],
    readOld(offset, into) {
      if (offset < 0 || offset + into.length > oldBytes.length) throw new ImageError("patch-base", `the patch reads old bytes ${offset}..${offset + into.length}, past the ${oldBytes.length}-byte base: it is for a larger base`);
      into.set(oldBytes.subarray(offset, offset + into.length));
    },
    write(offset, bytes) {
      if (offset !== size) throw new Error(`internal: write at ${offset}, expected ${size}`);
      if (size + bytes.length > out.length) {
        const bigger = new Uint8Array(Math.max(size + bytes.length, out.length * 2, 4096));
        bigger.set(out.subarray(0, size));
        out = bigger;
      }
      out.set(bytes, size);
      size += bytes.length;
    },
  });
  return { bytes: out.slice(0, size), result };
}

export { encodeDelta };
