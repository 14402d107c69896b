/**
 * The image format (src/ota/image.ts, API.md `tinyrtos/ota`, issue 13 "Images" and "Reliability"):
 * a signed image verifies and says what it is; every single-bit flip of its header and TLV area,
 * flips sampled over its payload, every truncation, appended garbage, a wrong key, a wrong board,
 * a lower security counter and a lower version are rejected with the reason that names the check;
 * verifying and signing never change their input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createImage, signImage, verifyImage, generateSigningKey, publicKeyOf, ImageError, type ImageErrorReason } from "tinyrtos/ota";
import { Prng } from "../../src/kernel/index.js";

const keys = generateSigningKey();
const payloadText = "import { KernelAssertError } from \"tinyrtos\";\nexport async function main(board) { if (!board) throw new KernelAssertError(\"no board\"); }\n";
const image = createImage({ payload: payloadText, version: "1.2.3+45", securityCounter: 7, board: "nrf52840" });
const signed = signImage(image, keys.privateKey);
const HEADER = 64;
const payloadEnd = HEADER + new TextEncoder().encode(payloadText).length;

function rejects(bytes: Uint8Array, reasons: readonly ImageErrorReason[], what: string, options = {}): ImageErrorReason {
  const before = bytes.slice();
  try {
    verifyImage(bytes, keys.publicKey, options);
  } catch (e) {
    assert.ok(e instanceof ImageError, `${what}: threw ${String(e)}, not an ImageError`);
    assert.ok(reasons.includes(e.reason), `${what}: reason ${e.reason} (${e.message}), expected one of ${reasons.join(", ")}`);
    assert.deepEqual(bytes, before, `${what}: verifyImage changed its input`);
    return e.reason;
  }
  assert.fail(`${what}: accepted`);
}

test("a signed image verifies and reports version, counter, board and size; keys are raw 32 bytes", () => {
  assert.equal(keys.privateKey.length, 32);
  assert.equal(keys.publicKey.length, 32);
  assert.deepEqual(publicKeyOf(keys.privateKey), keys.publicKey);
  const info = verifyImage(signed, keys.publicKey, { board: "nrf52840", minSecurityCounter: 7, minVersion: "1.2.3", maxSizeBytes: signed.length });
  assert.deepEqual(info, { version: "1.2.3+45", securityCounter: 7, board: "nrf52840", sizeBytes: signed.length, payloadBytes: payloadEnd - HEADER });
  // Header + payload + 4 + (4+32) + (4+32) + (4+64).
  assert.equal(signed.length, payloadEnd + 144);
  // Signing is deterministic (Ed25519) and re-signing replaces the signature TLVs.
  assert.deepEqual(signImage(image, keys.privateKey), signed);
  assert.deepEqual(signImage(signed, keys.privateKey), signed);
  const other = generateSigningKey();
  const resigned = signImage(signed, other.privateKey);
  assert.equal(verifyImage(resigned, other.publicKey).version, "1.2.3+45");
  rejects(resigned, ["key"], "re-signed with another key, verified with the first");
});

test("every single-bit flip of the header and the TLV area is rejected with a named reason", () => {
  const counts = new Map<ImageErrorReason, number>();
  const regions: [number, number][] = [
    [0, HEADER],
    [payloadEnd, signed.length],
  ];
  let flips = 0;
  for (const [from, to] of regions)
    for (let byte = from; byte < to; byte++)
      for (let bit = 0; bit < 8; bit++) {
        const bad = signed.slice();
        bad[byte]! ^= 1 << bit;
        const reason = rejects(bad, ["magic", "format-version", "header", "truncated", "trailing-bytes", "tlv", "hash", "key", "signature"], `flip of bit ${bit} of byte ${byte}`);
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
        flips++;
      }
  assert.equal(flips, (HEADER + 144) * 8);
  // Flips of the fields the hash covers but the parser accepts (payload size aside) fail the hash.
  assert.ok((counts.get("hash") ?? 0) > 0 && (counts.get("signature") ?? 0) > 0 && (counts.get("key") ?? 0) > 0 && (counts.get("magic") ?? 0) > 0, JSON.stringify([...counts]));
});

test("flips sampled over the payload fail the hash; truncations and appended garbage are rejected", () => {
  const prng = new Prng(13);
  for (let i = 0; i < 200; i++) {
    const bad = signed.slice();
    const at = HEADER + prng.nextInt(payloadEnd - HEADER);
    bad[at]! ^= 1 << prng.nextInt(8);
    rejects(bad, ["hash"], `payload flip at ${at}`);
  }
  for (let length = 0; length < signed.length; length++) rejects(signed.subarray(0, length), ["truncated", "tlv"], `truncated to ${length} bytes`);
  for (const extra of [[0], [0xff], [0x07, 0x69, 0, 0], [...new Uint8Array(100)]]) {
    const bad = new Uint8Array(signed.length + extra.length);
    bad.set(signed);
    bad.set(extra, signed.length);
    rejects(bad, ["trailing-bytes"], `${extra.length} bytes appended`);
  }
  rejects(image, ["unsigned"], "the unsigned image");
});

test("policy: wrong key, wrong board, lower security counter, lower version, too large for the slot", () => {
  assert.throws(() => verifyImage(signed, generateSigningKey().publicKey), (e: unknown) => e instanceof ImageError && e.reason === "key");
  assert.throws(
    () => verifyImage(signed, keys.publicKey, { board: "esp32c3" }),
    (e: unknown) => e instanceof ImageError && e.reason === "board" && /built for "nrf52840", this is "esp32c3"/.test(e.message),
  );
  assert.throws(
    () => verifyImage(signed, keys.publicKey, { minSecurityCounter: 8 }),
    (e: unknown) => e instanceof ImageError && e.reason === "security-counter" && /7 is below the stored counter 8/.test(e.message),
  );
  assert.throws(() => verifyImage(signed, keys.publicKey, { minVersion: "1.2.4" }), (e: unknown) => e instanceof ImageError && e.reason === "version");
  assert.throws(() => verifyImage(signed, keys.publicKey, { minVersion: "1.2.3+46" }), (e: unknown) => e instanceof ImageError && e.reason === "version");
  assert.equal(verifyImage(signed, keys.publicKey, { minVersion: "1.2.3+45" }).version, "1.2.3+45");
  assert.throws(() => verifyImage(signed, keys.publicKey, { maxSizeBytes: signed.length - 1 }), (e: unknown) => e instanceof ImageError && e.reason === "size");
  // A valid signature over a forged header cannot exist: change the board and re-hash, keep the signature.
  const forged = signed.slice();
  forged[28] = "e".charCodeAt(0);
  rejects(forged, ["hash"], "board byte changed");
});

test("bad arguments are clear errors", () => {
  assert.throws(() => createImage({ payload: "x", version: "1.2", securityCounter: 0, board: "nrf52840" }), /version must be "MAJOR.MINOR.REVISION\[\+BUILD\]".*"1.2"/);
  assert.throws(() => createImage({ payload: "x", version: "256.0.0", securityCounter: 0, board: "nrf52840" }), /version/);
  assert.throws(() => createImage({ payload: "x", version: "1.0.0", securityCounter: -1, board: "nrf52840" }), /securityCounter must be an integer/);
  assert.throws(() => createImage({ payload: "x", version: "1.0.0", securityCounter: 0, board: "NRF52840" }), /board must be 1 to 15 characters/);
  assert.throws(() => signImage(image, new Uint8Array(31)), (e: unknown) => e instanceof ImageError && e.reason === "key" && /31 bytes/.test(e.message));
  assert.throws(() => verifyImage(signed, new Uint8Array(64)), (e: unknown) => e instanceof ImageError && e.reason === "key");
});
