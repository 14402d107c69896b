/**
 * The firmware image format: a 64-byte header, the payload, and a TLV area (MCUboot's layout and
 * TLV type numbers, our own header). Browser-safe; the builder that bundles a TypeScript entry
 * into a payload is src/ota/build.ts (Node only).
 *
 * Header (little-endian, 64 bytes):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic 0x49545274 (the bytes "tRTI") |
 * | 4 | 2 | format version (1) |
 * | 6 | 2 | header size (64) |
 * | 8 | 4 | payload size in bytes |
 * | 12 | 4 | flags: bit 0 set = the payload is an ES module in UTF-8 (the only kind defined); other bits 0 |
 * | 16 | 8 | version: major u8, minor u8, revision u16, build u32 (MCUboot's `image_version`) |
 * | 24 | 4 | security counter (anti-rollback) |
 * | 28 | 16 | board name, ASCII, NUL-padded |
 * | 44 | 20 | reserved, 0 |
 *
 * TLV area, right after the payload (as MCUboot's `image_tlv_info` and `image_tlv`): a 4-byte info
 * (magic 0x6907, total length of the area including the info), then entries of type u16,
 * length u16 and value: `0x10` SHA-256 of header + payload (always, first), `0x01` key hash
 * (SHA-256 of the raw 32-byte Ed25519 public key) and `0x24` the Ed25519 signature of that
 * SHA-256 digest (both added by `signImage`; MCUboot's ED25519 TLV also signs the image hash).
 * Nothing may follow the TLV area.
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ImageError } from "./errors.js";

/** "tRTI" as a little-endian u32. */
export const IMAGE_MAGIC = 0x49545274;
export const IMAGE_FORMAT_VERSION = 1;
export const IMAGE_HEADER_BYTES = 64;
/** Flag bit 0: the payload is an ES module exporting `main(board)`, UTF-8. */
export const IMAGE_FLAG_ES_MODULE = 1;
export const TLV_INFO_MAGIC = 0x6907;
export const TLV_SHA256 = 0x10;
export const TLV_KEYHASH = 0x01;
export const TLV_ED25519 = 0x24;
const BOARD_FIELD_BYTES = 16;
/** Bytes of the TLV area of a signed image: info 4 + (4 + 32) + (4 + 32) + (4 + 64). */
export const SIGNED_TLV_BYTES = 4 + 36 + 36 + 68;
/** Bytes of the TLV area of an unsigned image: info 4 + (4 + 32). */
export const UNSIGNED_TLV_BYTES = 4 + 36;

/** What a verified image says about itself (`verifyImage`). */
export interface ImageInfo {
  /** "MAJOR.MINOR.REVISION", with "+BUILD" when the build number is not 0. */
  readonly version: string;
  readonly securityCounter: number;
  readonly board: string;
  /** The whole image: header, payload and TLV area. */
  readonly sizeBytes: number;
  /** The payload alone. */
  readonly payloadBytes: number;
}

/** The fields of an image header. */
export interface ImageHeader {
  readonly payloadBytes: number;
  readonly flags: number;
  readonly version: string;
  readonly securityCounter: number;
  readonly board: string;
}

/** An image taken apart (structure checked, nothing verified). @internal */
export interface ParsedImage {
  readonly header: ImageHeader;
  /** Header + payload: what the SHA-256 covers. */
  readonly signedPart: Uint8Array;
  readonly payload: Uint8Array;
  /** The SHA-256 TLV's value. */
  readonly hash: Uint8Array;
  readonly keyHash: Uint8Array | null;
  readonly signature: Uint8Array | null;
  readonly sizeBytes: number;
}

/** What `verifyImage` checks besides the signature. */
export interface VerifyOptions {
  /** The board the image must be built for. */
  board?: string;
  /** The least security counter accepted (the stored one: anti-rollback). */
  minSecurityCounter?: number;
  /** The least version accepted ("1.2.0"). */
  minVersion?: string;
  /** The most bytes the whole image may take (its slot's room). */
  maxSizeBytes?: number;
}

/** The parts of a new image (`createImage`). */
export interface CreateImageOptions {
  /** The ES module's text, or its UTF-8 bytes. */
  payload: string | Uint8Array;
  /** "MAJOR.MINOR.REVISION" or "MAJOR.MINOR.REVISION+BUILD" (major, minor ≤ 255; revision ≤ 65535). */
  version: string;
  /** Anti-rollback counter, an integer 0..2^32 − 1. */
  securityCounter: number;
  /** The board's catalogue name ("nrf52840"): 1 to 15 characters of a-z, 0-9, "_" or "-". */
  board: string;
}

/**
 * An unsigned image of `payload` (header, payload, SHA-256 TLV): what `buildImage` makes from a
 * bundle; sign it with `signImage`. Bad options: `RangeError` naming the option.
 *
 * @example
 * ```ts
 * import { createImage, signImage, verifyImage, generateSigningKey } from "tinyrtos/ota";
 * const { privateKey, publicKey } = generateSigningKey();
 * const image = createImage({ payload: "export function main() {}", version: "1.0.0", securityCounter: 1, board: "nrf52840" });
 * const info = verifyImage(signImage(image, privateKey), publicKey, { board: "nrf52840" });
 * if (info.version !== "1.0.0") throw new Error("version lost");
 * ```
 */
export function createImage(options: CreateImageOptions): Uint8Array {
  if (options === null || typeof options !== "object") throw new RangeError(`createImage expects { payload, version, securityCounter, board }, got ${String(options)}`);
  const payload = typeof options.payload === "string" ? new TextEncoder().encode(options.payload) : options.payload;
  if (!(payload instanceof Uint8Array)) throw new RangeError(`createImage: payload must be a string or a Uint8Array, got ${typeof options.payload}`);
  const v = parseVersion(options.version);
  if (v === null) throw new RangeError(`createImage: version must be "MAJOR.MINOR.REVISION[+BUILD]" (major, minor 0..255, revision 0..65535, build 0..4294967295), got ${JSON.stringify(options.version)}`);
  const counter = options.securityCounter;
  if (typeof counter !== "number" || !Number.isInteger(counter) || counter < 0 || counter > 0xffff_ffff)
    throw new RangeError(`createImage: securityCounter must be an integer 0..4294967295, got ${String(counter)}`);
  if (typeof options.board !== "string" || !/^[a-z0-9_-]{1,15}$/.test(options.board))
    throw new RangeError(`createImage: board must be 1 to 15 characters of a-z, 0-9, "_" or "-", got ${JSON.stringify(options.board)}`);
  const out = new Uint8Array(IMAGE_HEADER_BYTES + payload.length + UNSIGNED_TLV_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, IMAGE_MAGIC, true);
  dv.setUint16(4, IMAGE_FORMAT_VERSION, true);
  dv.setUint16(6, IMAGE_HEADER_BYTES, true);
  dv.setUint32(8, payload.length, true);
  dv.setUint32(12, IMAGE_FLAG_ES_MODULE, true);
  dv.setUint8(16, v.major);
  dv.setUint8(17, v.minor);
  dv.setUint16(18, v.revision, true);
  dv.setUint32(20, v.build, true);
  dv.setUint32(24, counter, true);
  for (let i = 0; i < options.board.length; i++) out[28 + i] = options.board.charCodeAt(i);
  out.set(payload, IMAGE_HEADER_BYTES);
  const signedEnd = IMAGE_HEADER_BYTES + payload.length;
  writeTlvs(out, signedEnd, [[TLV_SHA256, sha256(out.subarray(0, signedEnd))]]);
  return out;
}

/**
 * Signs `image` (signed or not) with a raw 32-byte Ed25519 private key: returns a new image whose
 * TLV area holds the SHA-256, the key hash and the signature of that hash. The input is checked
 * first (structure and hash: `ImageError`); it is not changed.
 */
export function signImage(image: Uint8Array, privateKey: Uint8Array): Uint8Array {
  checkKey(privateKey, "privateKey");
  const parsed = parseImage(image);
  checkHash(parsed);
  const publicKey = ed25519.getPublicKey(privateKey);
  const signedEnd = parsed.signedPart.length;
  const out = new Uint8Array(signedEnd + SIGNED_TLV_BYTES);
  out.set(parsed.signedPart, 0);
  writeTlvs(out, signedEnd, [
    [TLV_SHA256, parsed.hash],
    [TLV_KEYHASH, sha256(publicKey)],
    [TLV_ED25519, ed25519.sign(parsed.hash, privateKey)],
  ]);
  return out;
}

/**
 * Verifies a signed image against a raw 32-byte Ed25519 public key and `options`: structure, the
 * SHA-256 of header + payload, the key hash, the signature, then board, security counter, version
 * and size. Returns what the image says about itself; any failure is an `ImageError` whose
 * `reason` names the check. Pure: reads `signed`, changes nothing.
 */
export function verifyImage(signed: Uint8Array, publicKey: Uint8Array, options: VerifyOptions = {}): ImageInfo {
  checkKey(publicKey, "publicKey");
  const parsed = parseImage(signed);
  checkHash(parsed);
  checkSignature(parsed.hash, parsed.keyHash, parsed.signature, publicKey);
  checkPolicy(parsed.header, parsed.sizeBytes, options);
  return info(parsed.header, parsed.sizeBytes);
}

/**
 * Takes an image apart, checking its structure (sizes, magic, format, header fields, TLV area) but
 * not its hash or signature. @internal
 */
export function parseImage(bytes: Uint8Array): ParsedImage {
  if (!(bytes instanceof Uint8Array)) throw new ImageError("truncated", `an image is a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  const header = parseHeader(bytes);
  const signedEnd = IMAGE_HEADER_BYTES + header.payloadBytes;
  if (bytes.length < signedEnd + 4)
    throw new ImageError("truncated", `${bytes.length} bytes: the header declares a ${header.payloadBytes}-byte payload, so the image needs at least ${signedEnd + 4} bytes with its TLV area`);
  const tlv = parseTlvs(bytes, signedEnd);
  if (bytes.length > tlv.end) throw new ImageError("trailing-bytes", `${bytes.length - tlv.end} bytes after the TLV area, which ends at byte ${tlv.end}`);
  return {
    header,
    signedPart: bytes.subarray(0, signedEnd),
    payload: bytes.subarray(IMAGE_HEADER_BYTES, signedEnd),
    hash: tlv.hash,
    keyHash: tlv.keyHash,
    signature: tlv.signature,
    sizeBytes: tlv.end,
  };
}

/** Reads and checks the 64-byte header at the start of `bytes`. @internal */
export function parseHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < IMAGE_HEADER_BYTES) throw new ImageError("truncated", `${bytes.length} bytes, shorter than the ${IMAGE_HEADER_BYTES}-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, IMAGE_HEADER_BYTES);
  const magic = dv.getUint32(0, true);
  if (magic !== IMAGE_MAGIC) throw new ImageError("magic", `magic is 0x${hex32(magic)}, an image starts with 0x${hex32(IMAGE_MAGIC)} ("tRTI")`);
  const format = dv.getUint16(4, true);
  if (format !== IMAGE_FORMAT_VERSION) throw new ImageError("format-version", `format version ${format}; this reader knows version ${IMAGE_FORMAT_VERSION}`);
  const headerSize = dv.getUint16(6, true);
  if (headerSize !== IMAGE_HEADER_BYTES) throw new ImageError("header", `header size field is ${headerSize}, format ${IMAGE_FORMAT_VERSION} headers are ${IMAGE_HEADER_BYTES} bytes`);
  const payloadBytes = dv.getUint32(8, true);
  const flags = dv.getUint32(12, true);
  if (flags !== IMAGE_FLAG_ES_MODULE) throw new ImageError("header", `flags are 0x${hex32(flags)}; the only kind defined is 0x00000001 (ES module payload)`);
  const major = dv.getUint8(16);
  const minor = dv.getUint8(17);
  const revision = dv.getUint16(18, true);
  const build = dv.getUint32(20, true);
  const securityCounter = dv.getUint32(24, true);
  let board = "";
  let end = false;
  for (let i = 0; i < BOARD_FIELD_BYTES; i++) {
    const c = bytes[28 + i]!;
    if (c === 0) {
      end = true;
      continue;
    }
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
    if (end || !ok) throw new ImageError("header", `the board field (bytes 28..43) is not a NUL-padded name of a-z, 0-9, "_", "-": byte ${28 + i} is 0x${c.toString(16).padStart(2, "0")}`);
    board += String.fromCharCode(c);
  }
  if (board.length === 0 || board.length === BOARD_FIELD_BYTES) throw new ImageError("header", `the board field (bytes 28..43) must hold 1 to 15 characters and a NUL, got ${board.length}`);
  for (let i = 44; i < IMAGE_HEADER_BYTES; i++)
    if (bytes[i] !== 0) throw new ImageError("header", `reserved header byte ${i} is 0x${bytes[i]!.toString(16).padStart(2, "0")}, must be 0`);
  return { payloadBytes, flags, version: formatVersion(major, minor, revision, build), securityCounter, board };
}

/**
 * A TLV area on its own (as an image's stream order sends it before the payload): the values it
 * holds; `tlvBytes` must be exactly the area its info declares. @internal
 */
export function parseTlvArea(tlvBytes: Uint8Array): { hash: Uint8Array; keyHash: Uint8Array | null; signature: Uint8Array | null } {
  if (tlvBytes.length < 4) throw new ImageError("truncated", `${tlvBytes.length} bytes, shorter than the 4-byte TLV info`);
  const tlv = parseTlvs(tlvBytes, 0);
  if (tlv.end !== tlvBytes.length) throw new ImageError("trailing-bytes", `${tlvBytes.length - tlv.end} bytes after the TLV area, which ends at byte ${tlv.end}`);
  return tlv;
}

/** The TLV area at `start`: its end and the values it holds. */
function parseTlvs(bytes: Uint8Array, start: number): { end: number; hash: Uint8Array; keyHash: Uint8Array | null; signature: Uint8Array | null } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(start, true);
  if (magic !== TLV_INFO_MAGIC) throw new ImageError("tlv", `TLV info magic at byte ${start} is 0x${magic.toString(16).padStart(4, "0")}, expected 0x6907`);
  const total = dv.getUint16(start + 2, true);
  const end = start + total;
  if (total < 4) throw new ImageError("tlv", `TLV area length ${total} is shorter than its 4-byte info`);
  if (end > bytes.length) throw new ImageError("truncated", `the TLV area declares ${total} bytes from byte ${start}, but the image ends at byte ${bytes.length}`);
  let hash: Uint8Array | null = null;
  let keyHash: Uint8Array | null = null;
  let signature: Uint8Array | null = null;
  let at = start + 4;
  while (at < end) {
    if (at + 4 > end) throw new ImageError("tlv", `a TLV at byte ${at} has no room for its 4-byte type and length before the area ends at ${end}`);
    const type = dv.getUint16(at, true);
    const len = dv.getUint16(at + 2, true);
    if (at + 4 + len > end) throw new ImageError("tlv", `TLV type 0x${type.toString(16)} at byte ${at} declares ${len} bytes, past the area's end at ${end}`);
    const value = bytes.subarray(at + 4, at + 4 + len);
    const expect = type === TLV_SHA256 ? 32 : type === TLV_KEYHASH ? 32 : type === TLV_ED25519 ? 64 : -1;
    if (expect < 0) throw new ImageError("tlv", `unknown TLV type 0x${type.toString(16)} at byte ${at}; format ${IMAGE_FORMAT_VERSION} has 0x10 (SHA-256), 0x01 (key hash), 0x24 (Ed25519)`);
    if (len !== expect) throw new ImageError("tlv", `TLV type 0x${type.toString(16)} at byte ${at} has ${len} bytes, must have ${expect}`);
    const seen = type === TLV_SHA256 ? hash : type === TLV_KEYHASH ? keyHash : signature;
    if (seen !== null) throw new ImageError("tlv", `TLV type 0x${type.toString(16)} appears twice (again at byte ${at})`);
    if (type !== TLV_SHA256 && hash === null) throw new ImageError("tlv", `the first TLV must be the SHA-256 (0x10), found type 0x${type.toString(16)}`);
    if (type === TLV_SHA256) hash = value;
    else if (type === TLV_KEYHASH) keyHash = value;
    else signature = value;
    at += 4 + len;
  }
  if (hash === null) throw new ImageError("tlv", "the TLV area has no SHA-256 (0x10)");
  return { end, hash, keyHash, signature };
}

function writeTlvs(out: Uint8Array, start: number, tlvs: readonly (readonly [number, Uint8Array])[]): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = start + 4;
  for (const [type, value] of tlvs) {
    dv.setUint16(at, type, true);
    dv.setUint16(at + 2, value.length, true);
    out.set(value, at + 4);
    at += 4 + value.length;
  }
  dv.setUint16(start, TLV_INFO_MAGIC, true);
  dv.setUint16(start + 2, at - start, true);
}

/** The image's hash TLV against the SHA-256 of its header + payload. @internal */
export function checkHash(parsed: ParsedImage): void {
  if (!equalBytes(sha256(parsed.signedPart), parsed.hash)) throw new ImageError("hash", "the SHA-256 of header + payload differs from the image's SHA-256 TLV: the image is corrupt");
}

/** Key hash and signature of `hash` against `publicKey`. @internal */
export function checkSignature(hash: Uint8Array, keyHash: Uint8Array | null, signature: Uint8Array | null, publicKey: Uint8Array): void {
  if (keyHash === null || signature === null) throw new ImageError("unsigned", `the image has no ${keyHash === null ? "key-hash (0x01)" : "Ed25519 signature (0x24)"} TLV: sign it with signImage`);
  if (!equalBytes(sha256(publicKey), keyHash)) throw new ImageError("key", "the image was signed with another key (its key hash is not the SHA-256 of this public key)");
  let ok = false;
  try {
    ok = ed25519.verify(signature, hash, publicKey);
  } catch {
    ok = false;
  }
  if (!ok) throw new ImageError("signature", "the Ed25519 signature does not verify with this public key");
}

/** Board, security counter, version and size against `options`. @internal */
export function checkPolicy(header: ImageHeader, sizeBytes: number, options: VerifyOptions): void {
  if (options.board !== undefined && header.board !== options.board) throw new ImageError("board", `built for "${header.board}", this is "${options.board}"`);
  if (options.minSecurityCounter !== undefined && header.securityCounter < options.minSecurityCounter)
    throw new ImageError("security-counter", `security counter ${header.securityCounter} is below the stored counter ${options.minSecurityCounter}: a rollback to an older image`);
  if (options.minVersion !== undefined) {
    const min = parseVersion(options.minVersion);
    if (min === null) throw new RangeError(`verifyImage: minVersion must be "MAJOR.MINOR.REVISION[+BUILD]", got ${JSON.stringify(options.minVersion)}`);
    if (compareVersions(header.version, options.minVersion) < 0) throw new ImageError("version", `version ${header.version} is below the least accepted ${options.minVersion}`);
  }
  if (options.maxSizeBytes !== undefined && sizeBytes > options.maxSizeBytes)
    throw new ImageError("size", `the image takes ${sizeBytes} bytes, its slot has room for ${options.maxSizeBytes}`);
}

/** The public summary of a checked header. @internal */
export function info(header: ImageHeader, sizeBytes: number): ImageInfo {
  return { version: header.version, securityCounter: header.securityCounter, board: header.board, sizeBytes, payloadBytes: header.payloadBytes };
}

interface Version {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

/** "1.2.3" or "1.2.3+4" → its parts, or null when not one. @internal */
export function parseVersion(text: unknown): Version | null {
  if (typeof text !== "string") return null;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})(?:\+(\d{1,10}))?$/.exec(text);
  if (m === null) return null;
  const v = { major: Number(m[1]), minor: Number(m[2]), revision: Number(m[3]), build: m[4] === undefined ? 0 : Number(m[4]) };
  if (v.major > 255 || v.minor > 255 || v.revision > 0xffff || v.build > 0xffff_ffff) return null;
  return v;
}

/** Compares two versions (major, minor, revision, then build): negative, 0 or positive. @internal */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x === null || y === null) throw new RangeError(`compareVersions: not versions: ${JSON.stringify(a)}, ${JSON.stringify(b)}`);
  return x.major - y.major || x.minor - y.minor || x.revision - y.revision || x.build - y.build;
}

function formatVersion(major: number, minor: number, revision: number, build: number): string {
  return `${major}.${minor}.${revision}${build === 0 ? "" : `+${build}`}`;
}

function checkKey(key: Uint8Array, name: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new ImageError("key", `${name} must be a raw 32-byte Ed25519 key (Uint8Array), got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}`);
}

/** Constant-time-enough byte comparison (the inputs are public hashes). @internal */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/**
 * A new Ed25519 key pair as raw 32-byte keys, from the host's cryptographic random source
 * (`crypto.getRandomValues`, in browsers and Node).
 */
export function generateSigningKey(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = ed25519.utils.randomSecretKey();
  return { privateKey, publicKey: ed25519.getPublicKey(privateKey) };
}

/** The public key of a raw 32-byte Ed25519 private key. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  checkKey(privateKey, "privateKey");
  return ed25519.getPublicKey(privateKey);
}
