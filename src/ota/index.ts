/**
 * `tinyrtos/ota` — signed firmware images and updates: the image format (`createImage`,
 * `signImage`, `verifyImage`, `generateSigningKey`), errors (`ImageError` with a `reason`), delta
 * patches (`makePatch`, `applyPatch`, the streamed bounded-RAM `createPatchApplier` /
 * `applyPatchStream`, `readPatchManifest`, `verifyPatchManifest`, `readPatchBlocks`; raw `encodeDelta` / `decodeDelta`).
 * Everything here runs in a browser; only `buildImage` (esbuild) needs Node.
 *
 * @example
 * ```ts
 * import { createImage, signImage, verifyImage, generateSigningKey, ImageError } from "tinyrtos/ota";
 * const { privateKey, publicKey } = generateSigningKey();
 * const signed = signImage(createImage({ payload: "export function main() {}", version: "1.2.0", securityCounter: 3, board: "nrf52840" }), privateKey);
 * try {
 *   verifyImage(signed, publicKey, { board: "esp32c3" });
 *   throw new Error("accepted an image for another board");
 * } catch (e) {
 *   if (!(e instanceof ImageError) || e.reason !== "board") throw e;
 * }
 * ```
 * @module
 */
export { createImage, signImage, verifyImage, generateSigningKey, publicKeyOf } from "./image.js";
export type { ImageInfo, ImageHeader, VerifyOptions, CreateImageOptions } from "./image.js";
export { ImageError } from "./errors.js";
export type { ImageErrorReason } from "./errors.js";
export { makePatch, applyPatch, encodeDelta, decodeDelta } from "./patch.js";
export type { DeltaOptions } from "./delta.js";
export { createPatchApplier, applyPatchStream } from "./patch-applier.js";
export type { PatchApplier, PatchApplierOptions, PatchApplyResult, ApplyPatchStreamOptions } from "./patch-applier.js";
export { readPatchManifest, readPatchBlocks, verifyPatchManifest } from "./patch-format.js";
export type { PatchManifest, PatchBlock } from "./patch-format.js";
