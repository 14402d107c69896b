/**
 * The patch container: what a client can check before it writes anything (the base's and the
 * result's SHA-256, the new image's header and TLV area, copied verbatim so its signature, board
 * and security counter can be verified), followed by the delta stream of src/ota/delta.ts from the
 * whole old signed image to the whole new signed image. Little-endian:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic 0x50545274, the bytes "tRTP" |
 * | 4 | 2 | format version (1) |
 * | 6 | 2 | L: bytes of the new image's TLV area (4..256) |
 * | 8 | 32 | SHA-256 of the whole base image (old signed image bytes) |
 * | 40 | 32 | SHA-256 of the whole result image |
 * | 72 | 4 | base size in bytes |
 * | 76 | 4 | result size in bytes |
 * | 80 | 64 | the new image's 64-byte header, verbatim |
 * | 144 | L | the new image's TLV area, verbatim (SHA-256, key hash, Ed25519 signature) |
 * | 144 + L | … | the delta stream ("tRTD": block size, sizes, block table, blocks) |
 *
 * `readPatchManifest` reads the fixed part; `readPatchBlocks` also the delta stream's block table
 * (each block's output offset and size, patch offset and size), for a client that resumes.
 * @module
 */
import { ImageError } from "./errors.js";
import { IMAGE_HEADER_BYTES, checkPolicy, checkSignature, parseImage, type ImageHeader, type VerifyOptions } from "./image.js";
import { DELTA_MAGIC, DELTA_VERSION, MAX_BLOCK_LOG2, MIN_BLOCK_LOG2 } from "./delta.js";

/** "tRTP" as a little-endian u32. */
export const PATCH_MAGIC = 0x50545274;
export const PATCH_FORMAT_VERSION = 1;
/** Bytes before the TLV area copy. */
export const PATCH_FIXED_BYTES = 80 + IMAGE_HEADER_BYTES;
/** The largest TLV area a patch may carry (a signed image's is 148 bytes). */
export const MAX_PATCH_TLV_BYTES = 256;
/** The most blocks a delta stream may have (the applier keeps a u32 per block: 512 bytes; 16 MiB in 128 KiB blocks). */
export const MAX_DELTA_BLOCKS = 128;

/** What a patch promises, readable before anything is written (`readPatchManifest`). */
export interface PatchManifest {
  /** SHA-256 of the base image the patch applies to. */
  readonly baseHash: Uint8Array;
  /** SHA-256 of the image the patch produces. */
  readonly resultHash: Uint8Array;
  readonly baseSizeBytes: number;
  readonly resultSizeBytes: number;
  /** The new image's header, parsed. */
  readonly imageHeader: ImageHeader;
  /** The new image's TLVs: its SHA-256 (what the signature signs), key hash and signature. */
  readonly imageTlv: { readonly hash: Uint8Array; readonly keyHash: Uint8Array | null; readonly signature: Uint8Array | null };
  /** The new image's 64-byte header, verbatim. */
  readonly headerBytes: Uint8Array;
  /** The new image's TLV area, verbatim. */
  readonly tlvBytes: Uint8Array;
  /** Bytes of the container before the delta stream. */
  readonly manifestBytes: number;
}

/** One block of a delta stream: where its output goes and where its coded bytes are in the patch. */
export interface PatchBlock {
  readonly index: number;
  readonly outOffsetBytes: number;
  readonly outBytes: number;
  /** Offset in the patch (container or bare delta stream) of the block's coded bytes. */
  readonly patchOffsetBytes: number;
  readonly patchBytes: number;
}

const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);

/** Bytes of the manifest, from its first 8 bytes (magic, version, TLV length); checks those. @internal */
export function manifestLength(first8: Uint8Array): number {
  if (first8.length < 8) throw new ImageError("patch-format", `${first8.length} bytes: a patch starts with an 8-byte magic, version and TLV length`);
  const magic = u32(first8, 0);
  if (magic !== PATCH_MAGIC) throw new ImageError("patch-format", `magic is 0x${magic.toString(16).padStart(8, "0")}, a patch starts with 0x${PATCH_MAGIC.toString(16)} ("tRTP")`);
  const version = u16(first8, 4);
  if (version !== PATCH_FORMAT_VERSION) throw new ImageError("patch-format", `format version ${version}; this reader knows version ${PATCH_FORMAT_VERSION}`);
  const tlvBytes = u16(first8, 6);
  if (tlvBytes < 4 || tlvBytes > MAX_PATCH_TLV_BYTES) throw new ImageError("patch-format", `the TLV copy is declared ${tlvBytes} bytes; it must be 4..${MAX_PATCH_TLV_BYTES}`);
  return PATCH_FIXED_BYTES + tlvBytes;
}

/**
 * Reads a patch's manifest from its first bytes (at least 144 + its TLV length; 400 bytes always
 * suffice): hashes, sizes and the new image's header and TLVs, parsed and structure-checked (not
 * verified: check it with `verifyPatchManifest`). Throws
 * `ImageError("patch-format")` saying what is malformed or how many bytes it needs. Copies what it
 * returns; `patchPrefix` is not kept.
 */
export function readPatchManifest(patchPrefix: Uint8Array): PatchManifest {
  if (!(patchPrefix instanceof Uint8Array)) throw new ImageError("patch-format", `a patch is a Uint8Array, got ${patchPrefix === null ? "null" : typeof patchPrefix}`);
  const total = manifestLength(patchPrefix);
  if (patchPrefix.length < total) throw new ImageError("patch-format", `${patchPrefix.length} bytes: the manifest takes ${total} bytes`);
  const headerBytes = patchPrefix.slice(80, 80 + IMAGE_HEADER_BYTES);
  const tlvBytes = patchPrefix.slice(PATCH_FIXED_BYTES, total);
  // The header and TLVs as an image with an empty payload, to reuse the image parser's checks.
  const probe = new Uint8Array(IMAGE_HEADER_BYTES + tlvBytes.length);
  probe.set(headerBytes, 0);
  probe.fill(0, 8, 12);
  probe.set(tlvBytes, IMAGE_HEADER_BYTES);
  let parsed;
  try {
    parsed = parseImage(probe);
  } catch (e) {
    if (e instanceof ImageError) throw new ImageError("patch-format", `the new image's header or TLV copy is malformed: ${e.message}`);
    throw e;
  }
  if (parsed.sizeBytes !== probe.length) throw new ImageError("patch-format", "the TLV copy's length differs from its TLV info length");
  const resultSizeBytes = u32(patchPrefix, 76);
  const imageHeader = { ...parsed.header, payloadBytes: u32(headerBytes, 8) };
  if (IMAGE_HEADER_BYTES + imageHeader.payloadBytes + tlvBytes.length !== resultSizeBytes)
    throw new ImageError("patch-format", `the result size ${resultSizeBytes} is not header 64 + payload ${imageHeader.payloadBytes} + TLV area ${tlvBytes.length}`);
  return {
    baseHash: patchPrefix.slice(8, 40),
    resultHash: patchPrefix.slice(40, 72),
    baseSizeBytes: u32(patchPrefix, 72),
    resultSizeBytes,
    imageHeader,
    imageTlv: { hash: parsed.hash.slice(), keyHash: parsed.keyHash?.slice() ?? null, signature: parsed.signature?.slice() ?? null },
    headerBytes,
    tlvBytes,
    manifestBytes: total,
  };
}

/**
 * Verifies what a patch will write before anything is written: the new image's key hash and
 * Ed25519 signature against `publicKey`, then `options` (board, least security counter, least
 * version, slot size) as `verifyImage` does. Throws `ImageError` whose reason names the check
 * (`"unsigned"`, `"key"`, `"signature"`, `"board"`, `"security-counter"`, `"version"`, `"size"`).
 * The applier then checks that the result's header and TLV area are these very bytes.
 *
 * @example
 * ```ts
 * import { createImage, signImage, generateSigningKey, makePatch, readPatchManifest, verifyPatchManifest } from "tinyrtos/ota";
 * const { privateKey, publicKey } = generateSigningKey();
 * const make = (v: string) => signImage(createImage({ payload: `export const v = "${v}";`, version: v, securityCounter: 1, board: "nrf52840" }), privateKey);
 * const manifest = readPatchManifest(makePatch(make("1.0.0"), make("1.0.1")));
 * verifyPatchManifest(manifest, publicKey, { board: "nrf52840", minSecurityCounter: 1 });
 * ```
 */
export function verifyPatchManifest(manifest: PatchManifest, publicKey: Uint8Array, options: VerifyOptions = {}): void {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new ImageError("key", `publicKey must be a raw 32-byte Ed25519 key, got ${publicKey instanceof Uint8Array ? `${publicKey.length} bytes` : typeof publicKey}`);
  checkSignature(manifest.imageTlv.hash, manifest.imageTlv.keyHash, manifest.imageTlv.signature, publicKey);
  checkPolicy(manifest.imageHeader, manifest.resultSizeBytes, options);
}

/** The delta stream's header fields. @internal */
export interface DeltaHeader {
  blockLog2: number;
  oldSizeBytes: number;
  newSizeBytes: number;
  blockCount: number;
}

/** Checks the delta header's fixed 6 bytes (magic, version, block log2); returns the block log2. @internal */
export function checkDeltaStart(b: Uint8Array, at: number): number {
  const magic = u32(b, at);
  if (magic !== DELTA_MAGIC) throw new ImageError("patch-format", `delta stream magic at byte ${at} is 0x${magic.toString(16).padStart(8, "0")}, expected 0x${DELTA_MAGIC.toString(16)} ("tRTD")`);
  if (b[at + 4] !== DELTA_VERSION) throw new ImageError("patch-format", `delta stream version ${b[at + 4]!}; this reader knows ${DELTA_VERSION}`);
  const log2 = b[at + 5]!;
  if (log2 < MIN_BLOCK_LOG2 || log2 > MAX_BLOCK_LOG2) throw new ImageError("patch-format", `block size 2^${log2}; the format allows 2^${MIN_BLOCK_LOG2}..2^${MAX_BLOCK_LOG2}`);
  return log2;
}

/** Checks the sizes and block count of a delta stream. @internal */
export function checkDeltaSizes(h: DeltaHeader): void {
  const expected = Math.ceil(h.newSizeBytes / 2 ** h.blockLog2);
  if (h.blockCount !== expected) throw new ImageError("patch-format", `${h.blockCount} blocks declared; a ${h.newSizeBytes}-byte result in 2^${h.blockLog2}-byte blocks has ${expected}`);
  if (h.blockCount > MAX_DELTA_BLOCKS) throw new ImageError("patch-format", `${h.blockCount} blocks; the applier takes at most ${MAX_DELTA_BLOCKS} (use larger blocks)`);
}

/** The most coded bytes a block of `outBytes` may take (literals cost at most ~8.1 bits a byte). @internal */
export function maxBlockPatchBytes(outBytes: number): number {
  return 2 * outBytes + 64;
}

/**
 * The block table of a patch (a container or a bare delta stream), from a prefix holding at least
 * its headers and table: each block's output offset and size and its coded bytes' offset and size
 * in the patch. A client that recorded "blocks 0..k written" resumes at block k + 1 with
 * `startBlock`. Throws `ImageError("patch-format")` on malformed or too short input.
 */
export function readPatchBlocks(patchPrefix: Uint8Array): PatchBlock[] {
  let at = 0;
  if (patchPrefix.length >= 4 && u32(patchPrefix, 0) === PATCH_MAGIC) at = readPatchManifest(patchPrefix).manifestBytes;
  if (patchPrefix.length < at + 6) throw new ImageError("patch-format", `${patchPrefix.length} bytes: the delta header starts at byte ${at} and takes 6 bytes before its sizes`);
  const blockLog2 = checkDeltaStart(patchPrefix, at);
  at += 6;
  const varint = (): number => {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      if (at >= patchPrefix.length) throw new ImageError("patch-format", `${patchPrefix.length} bytes: the delta header's numbers run past them`);
      const b = patchPrefix[at++]!;
      v += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (v > 0x7fff_ffff) throw new ImageError("patch-format", `a delta header number is ${v}, over 2^31 - 1`);
        return v;
      }
    }
    throw new ImageError("patch-format", `a delta header number at byte ${at - 5} takes more than 5 bytes`);
  };
  const h: DeltaHeader = { blockLog2, oldSizeBytes: varint(), newSizeBytes: varint(), blockCount: 0 };
  h.blockCount = varint();
  checkDeltaSizes(h);
  const lengths: number[] = [];
  const blockBytes = 2 ** blockLog2;
  for (let i = 0; i < h.blockCount; i++) {
    const n = varint();
    const outBytes = Math.min(blockBytes, h.newSizeBytes - i * blockBytes);
    if (n > maxBlockPatchBytes(outBytes)) throw new ImageError("patch-format", `block ${i} declares ${n} coded bytes for ${outBytes} output bytes; at most ${maxBlockPatchBytes(outBytes)}`);
    lengths.push(n);
  }
  const blocks: PatchBlock[] = [];
  let offset = at;
  for (let i = 0; i < lengths.length; i++) {
    blocks.push({ index: i, outOffsetBytes: i * blockBytes, outBytes: Math.min(blockBytes, h.newSizeBytes - i * blockBytes), patchOffsetBytes: offset, patchBytes: lengths[i]! });
    offset += lengths[i]!;
  }
  return blocks;
}
