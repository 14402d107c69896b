/**
 * `tinyrtos/ota` — signed firmware images and updates: the image format (`createImage`,
 * `signImage`, `verifyImage`, `generateSigningKey`), errors (`ImageError` with a `reason`), the
 * bootloader (`installBootloader`, `writeSlot`, `bootRecords`, `lastBoot`: swap with revert or
 * overwrite-only, anti-rollback, power-cut safe) and its board partition (`bootLayout`), delta
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
export { buildImage } from "./build.js";
export type { BuildImageOptions } from "./build.js";
export { ImageError } from "./errors.js";
export type { ImageErrorReason } from "./errors.js";
export { installBootloader, writeSlot, bootRecords, lastBoot, BOOT_RECORDS_KEPT } from "./bootloader.js";
export type { BootRecord, BootFailureReason, BootloaderOptions } from "./bootloader.js";
export type { BootMode } from "./slots.js";
export { bootLayout } from "./layout.js";
export { otaClient } from "./client.js";
export type { OtaClient, OtaState, OtaWriteOptions, OtaWriteResult, UpdateSource } from "./client.js";
export { UpdateReceiver, sendUpdate, toStreamOrder } from "./transfer.js";
export type { ReceiverUart, UpdateOffer, SenderBoard, SendOptions, SendResult } from "./transfer.js";
export type { BootLayout, FlashArea, FlashGeometry } from "./layout.js";
/**
 * The firmware side of the bootloader for the updater (otaClient builds on it): boot state,
 * secondary-slot writes, upgrade request, confirmation, stored security counter.
 * @internal
 */
export { readBootState, storedSecurityCounter, slotSizeBytes, eraseSecondary, programSecondary, requestUpgrade, confirmImage } from "./updater.js";
/** @internal */
export type { BootState, SlotSummary } from "./updater.js";
export { makePatch, applyPatch, encodeDelta, decodeDelta } from "./patch.js";
export type { DeltaOptions } from "./delta.js";
export { createPatchApplier, applyPatchStream } from "./patch-applier.js";
export type { PatchApplier, PatchApplierOptions, PatchApplyResult, ApplyPatchStreamOptions } from "./patch-applier.js";
export { readPatchManifest, readPatchBlocks, verifyPatchManifest } from "./patch-format.js";
export type { PatchManifest, PatchBlock } from "./patch-format.js";
