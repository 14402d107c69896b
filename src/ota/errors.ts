/**
 * Errors of images and patches. Bad external input (an image, a patch, a key) is rejected with an
 * `ImageError` whose `reason` names the check that failed and whose message says what was found,
 * e.g. `image rejected (board): built for "esp32c3", this is "nrf52840"`; nothing is written.
 * @module
 */

/**
 * The check an image or a patch failed:
 * - image structure: `"truncated"` (shorter than its header or its declared sizes), `"magic"`,
 *   `"format-version"`, `"header"` (header size, flags or reserved bytes not as this format
 *   defines them), `"trailing-bytes"` (bytes after the TLV area), `"tlv"` (the TLV area malformed:
 *   bad info magic or length, a TLV running past its end, an unknown or repeated type);
 * - integrity and authenticity: `"hash"` (SHA-256 of header + payload differs from its TLV),
 *   `"unsigned"` (no key-hash or signature TLV), `"key"` (signed with another key: the key hash
 *   differs), `"signature"` (the Ed25519 signature does not verify);
 * - policy: `"board"` (built for another board), `"security-counter"` (below the stored counter:
 *   anti-rollback), `"version"` (not a valid version, or below the least version required),
 *   `"size"` (larger than the slot it is for);
 * - patches: `"patch-format"` (magic, format version, header or a block malformed or truncated),
 *   `"patch-base"` (the patch is for another base image), `"patch-result"` (the result's hash or
 *   size is not what the patch promised).
 */
export type ImageErrorReason =
  | "truncated"
  | "magic"
  | "format-version"
  | "header"
  | "trailing-bytes"
  | "tlv"
  | "hash"
  | "unsigned"
  | "key"
  | "signature"
  | "board"
  | "security-counter"
  | "version"
  | "size"
  | "patch-format"
  | "patch-base"
  | "patch-result";

/** An image or patch failed a check; `reason` names it. Nothing was written. */
export class ImageError extends Error {
  override name = "ImageError";
  constructor(
    /** The check that failed. */
    readonly reason: ImageErrorReason,
    what: string,
  ) {
    super(`${reason.startsWith("patch-") ? "patch" : "image"} rejected (${reason}): ${what}`);
  }
}
