/**
 * Delta patches (API.md `tinyrtos/ota`: makePatch, applyPatch, the streamed applier): round trips
 * of raw deltas on seeded random pairs (insertions, deletions, moved blocks, byte edits, empty
 * old, empty new, identical, unrelated) in several block sizes; signed-image patches and their
 * manifest (signature checkable before any write); resuming at every block index equals the full
 * apply; the applier's RAM stays ≤ 8 KiB; patches fed byte by byte; corrupt patches — every
 * single-bit flip of the header and block table, sampled flips of the blocks, truncations at many
 * lengths, appended garbage — rejected with their named reason, never a crash, a hang or a write
 * out of range; a wrong base rejected with nothing written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyPatch, applyPatchStream, createImage, createPatchApplier, decodeDelta, encodeDelta, generateSigningKey,
  ImageError, makePatch, readPatchBlocks, readPatchManifest, signImage, verifyImage, verifyPatchManifest,
} from "../../src/ota/index.js";
import { checkPolicy, checkSignature } from "../../src/ota/image.js";

/** A seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes that look like code: a small alphabet with repeats, so matches are found and edited. */
function codeLike(rnd: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rnd() < 0.3 && i >= 16 ? out[i - 1 - Math.floor(rnd() * 16)]! : Math.floor(rnd() * (rnd() < 0.5 ? 16 : 256));
  return out;
}

type Edit = "insert" | "delete" | "move" | "bytes" | "pointers";

function edit(rnd: () => number, base: Uint8Array, kinds: readonly Edit[], count: number): Uint8Array {
  let cur = Array.from(base);
  for (let e = 0; e < count; e++) {
    const kind = kinds[Math.floor(rnd() * kinds.length)]!;
    const at = Math.floor(rnd() * (cur.length + 1));
    const len = 1 + Math.floor(rnd() * 300);
    if (kind === "insert") cur.splice(at, 0, ...codeLike(rnd, len));
    else if (kind === "delete") cur.splice(at, len);
    else if (kind === "move") {
      const piece = cur.splice(at, len);
      const to = Math.floor(rnd() * (cur.length + 1));
      cur.splice(to, 0, ...piece);
    } else if (kind === "bytes") {
      for (let i = 0; i < 1 + rnd() * 8 && cur.length > 0; i++) cur[Math.floor(rnd() * cur.length)] = Math.floor(rnd() * 256);
    } else {
      // Relocated pointers: every 4th byte in a stretch shifted by one constant.
      const shift = 1 + Math.floor(rnd() * 200);
      for (let i = at - (at % 4); i < Math.min(cur.length, at + 2000); i += 4 + 4 * Math.floor(rnd() * 3)) cur[i] = (cur[i]! + shift) & 0xff;
    }
  }
  return Uint8Array.from(cur);
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

test("raw deltas round-trip on seeded random pairs of every kind and block size", async () => {
  const kinds: Edit[][] = [["insert"], ["delete"], ["move"], ["bytes"], ["pointers"], ["insert", "delete", "move", "bytes", "pointers"]];
  let cases = 0;
  for (let seed = 1; seed <= 24; seed++) {
    const rnd = prng(seed);
    const old = codeLike(rnd, 1000 + Math.floor(rnd() * 30_000));
    const next = edit(rnd, old, kinds[seed % kinds.length]!, 1 + Math.floor(rnd() * 12));
    for (const blockLog2 of [12, 17]) {
      const delta = encodeDelta(old, next, { blockLog2 });
      assert.ok(equal(await decodeDelta(old, delta), next), `seed ${seed}, blocks 2^${blockLog2}: round trip`);
      if (blockLog2 === 17 && kinds[seed % kinds.length]!.length === 1 && kinds[seed % kinds.length]![0] !== "insert")
        assert.ok(delta.length < next.length / 4, `seed ${seed}: a lightly edited ${next.length}-byte file gives a small delta, got ${delta.length}`);
      cases++;
    }
  }
  const rnd = prng(99);
  const some = codeLike(rnd, 9000);
  const special: Array<[string, Uint8Array, Uint8Array]> = [
    ["empty old", new Uint8Array(0), some],
    ["empty new", some, new Uint8Array(0)],
    ["both empty", new Uint8Array(0), new Uint8Array(0)],
    ["identical", some, some.slice()],
    ["unrelated", some, codeLike(prng(100), 7000)],
    ["random bytes", Uint8Array.from({ length: 5000 }, () => Math.floor(rnd() * 256)), Uint8Array.from({ length: 6000 }, () => Math.floor(rnd() * 256))],
    ["one byte", Uint8Array.of(1), Uint8Array.of(2)],
  ];
  for (const [name, a, b] of special) {
    const delta = encodeDelta(a, b, { blockLog2: 12 });
    assert.ok(equal(await decodeDelta(a, delta), b), `${name}: round trip`);
    cases++;
  }
  assert.ok(encodeDelta(some, some).length < 40, "an identical file costs a few bytes");
  assert.equal(cases, 55);
});

/**
 * x86-like code: random bytes with calls (E8 rel32) and RIP-relative lea (48 8D 05 disp32). The new
 * version inserts bytes in the middle, so every call from after the insertion to before it changes
 * by minus the insertion's length, and every lea to data (past the end) by the data's move.
 */
function x86Pair(seed: number): [Uint8Array, Uint8Array] {
  const rnd = prng(seed);
  const build = (insertAt: number, insertBytes: number): Uint8Array => {
    const out: number[] = [];
    const r = prng(seed + 1000);
    const dataStart = 60_000;
    while (out.length < 50_000) {
      if (out.length === insertAt) for (let i = 0; i < insertBytes; i++) out.push(0x90);
      const kind = r();
      const here = out.length >= insertAt ? out.length - insertBytes : out.length; // position in old
      const shift = out.length >= insertAt ? insertBytes : 0;
      if (kind < 0.1) {
        const target = Math.floor(r() * 20_000); // before the insertion: did not move
        const rel = target - (here + shift + 5);
        out.push(0xe8, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff);
      } else if (kind < 0.15) {
        const target = dataStart + Math.floor(r() * 1000) + (insertBytes > 0 ? 64 : 0); // data moved by 64
        const rel = target - (here + shift + 7);
        out.push(0x48, 0x8d, 0x05, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff);
      } else out.push(Math.floor(r() * 256));
    }
    return Uint8Array.from(out);
  };
  const at = 20_000 + Math.floor(rnd() * 5000);
  return [build(at, 0), build(at, 37)];
}

test("x86 code with relocated calls and RIP-relative references: round trips, and the field coding pays", async () => {
  for (const seed of [1, 2, 3]) {
    const [a, b] = x86Pair(seed);
    for (const blockLog2 of [12, 17]) {
      const delta = encodeDelta(a, b, { blockLog2 });
      assert.ok(equal(await decodeDelta(a, delta), b), `seed ${seed}, 2^${blockLog2}: round trip`);
      if (blockLog2 === 17) assert.ok(delta.length < 700, `seed ${seed}: ${delta.length}-byte delta; with 32-bit field coding it is 245..588 bytes, without 898..1,756`);
    }
    const ia = signed(a, "1.0.0");
    const ib = signed(b, "1.0.1");
    const patch = makePatch(ia, ib, { blockLog2: 12 });
    const flash = new Uint8Array(ib.length);
    let at = 0;
    const applier = createPatchApplier({ readOld: (o, into) => into.set(ia.subarray(o, o + into.length)), write: (o, bytes) => { assert.equal(o, at); flash.set(bytes, o); at += bytes.length; } });
    for (let i = 0; i < patch.length; i++) await applier.push(patch.subarray(i, i + 1));
    assert.ok((await applier.end()).resultChecked);
    assert.ok(equal(flash, ib), `seed ${seed}: byte-by-byte apply`);
  }
});

const keys = generateSigningKey();
function signed(payload: Uint8Array | string, version: string, board = "stm32h743"): Uint8Array {
  return signImage(createImage({ payload, version, securityCounter: 2, board }), keys.privateKey);
}
const rndImg = prng(7);
const payload1 = new TextDecoder().decode(codeLike(rndImg, 40_000).map((b) => 0x20 + (b % 90)));
const img1 = signed(payload1, "1.0.0");
const img2 = signed(new TextDecoder().decode(edit(rndImg, new TextEncoder().encode(payload1), ["insert", "delete", "bytes", "move"], 10)), "1.1.0");

test("makePatch / applyPatch on signed images; the manifest lets a client check signature, board and counter first", async () => {
  const patch = makePatch(img1, img2);
  assert.ok(patch.length < img2.length / 5, `patch of ${patch.length} bytes for a ${img2.length}-byte image`);
  assert.ok(equal(await applyPatch(img1, patch), img2));
  const m = readPatchManifest(patch.subarray(0, 400));
  assert.equal(m.resultSizeBytes, img2.length);
  assert.equal(m.baseSizeBytes, img1.length);
  assert.equal(m.imageHeader.version, "1.1.0");
  assert.equal(m.imageHeader.board, "stm32h743");
  checkSignature(m.imageTlv.hash, m.imageTlv.keyHash, m.imageTlv.signature, keys.publicKey);
  assert.throws(() => checkSignature(m.imageTlv.hash, m.imageTlv.keyHash, m.imageTlv.signature, generateSigningKey().publicKey), (e: unknown) => e instanceof ImageError && e.reason === "key");
  assert.throws(() => checkPolicy(m.imageHeader, m.resultSizeBytes, { board: "nrf52840" }), (e: unknown) => e instanceof ImageError && e.reason === "board");
  assert.deepEqual(verifyImage(await applyPatch(img1, patch), keys.publicKey).version, "1.1.0");
  verifyPatchManifest(m, keys.publicKey, { board: "stm32h743", minSecurityCounter: 2 });
  assert.throws(() => verifyPatchManifest(m, keys.publicKey, { minSecurityCounter: 3 }), (e: unknown) => e instanceof ImageError && e.reason === "security-counter");
  const forged = patch.slice();
  forged[144 + 4 + 36 + 36 + 4 + 10]! ^= 1; // a bit of the signature copy
  assert.throws(() => verifyPatchManifest(readPatchManifest(forged), keys.publicKey), (e: unknown) => e instanceof ImageError && e.reason === "signature");
  assert.throws(() => readPatchManifest(patch.subarray(0, 100)), (e: unknown) => e instanceof ImageError && e.reason === "patch-format" && /manifest takes 288 bytes/.test(e.message));
  // onManifest refuses before anything is read or written.
  let writes = 0;
  await assert.rejects(
    applyPatchStream({ patch: [patch], readOld: () => assert.fail("read old"), write: () => void writes++, onManifest: (mm) => checkPolicy(mm.imageHeader, mm.resultSizeBytes, { minSecurityCounter: 3 }) }),
    (e: unknown) => e instanceof ImageError && e.reason === "security-counter",
  );
  assert.equal(writes, 0);
});

/** Applies with a bounds-checked flash model; returns the bytes and what the applier reported. */
async function applyChecked(old: Uint8Array, patch: Uint8Array, opts: { startBlock?: number; readBack?: Uint8Array; chunk?: number; flash?: Uint8Array } = {}) {
  const m = readPatchManifest(patch);
  const flash = opts.flash ?? new Uint8Array(m.resultSizeBytes).fill(0xff);
  let writes = 0;
  let expect = -1;
  const applier = createPatchApplier({
    startBlock: opts.startBlock ?? 0,
    readOld(offset, into) {
      assert.ok(offset >= 0 && offset + into.length <= old.length, `readOld ${offset}+${into.length} within ${old.length}`);
      into.set(old.subarray(offset, offset + into.length));
    },
    write(offset, bytes) {
      assert.ok(offset >= 0 && offset + bytes.length <= flash.length, `write ${offset}+${bytes.length} within ${flash.length}`);
      assert.ok(expect < 0 || offset === expect, "writes in order");
      assert.ok(bytes.length > 0 && bytes.length <= 4096);
      expect = offset + bytes.length;
      flash.set(bytes, offset);
      writes++;
    },
    ...(opts.readBack ? { readNew: (offset: number, into: Uint8Array) => into.set(opts.readBack!.subarray(offset, offset + into.length)) } : {}),
  });
  const step = opts.chunk ?? patch.length;
  for (let i = 0; i < patch.length; i += step) await applier.push(patch.subarray(i, i + step));
  const result = await applier.end();
  return { flash, writes, result, applier };
}

test("resuming at every block index gives the full apply's bytes; RAM ≤ 8 KiB; byte-by-byte feeding", async () => {
  const patch = makePatch(img1, img2, { blockLog2: 12 });
  const blocks = readPatchBlocks(patch);
  assert.equal(blocks.length, Math.ceil(img2.length / 4096));
  assert.equal(blocks[0]!.patchOffsetBytes + blocks.reduce((s, b) => s + b.patchBytes, 0), patch.length);
  const full = await applyChecked(img1, patch);
  assert.ok(equal(full.flash, img2));
  assert.ok(full.result.resultChecked);
  assert.ok(full.result.peakRamBytes <= 8192, `peak RAM ${full.result.peakRamBytes}`);
  for (let k = 0; k <= blocks.length; k++) {
    // A power cut after block k − 1: the first k blocks are in flash, the rest erased.
    const flash = new Uint8Array(img2.length).fill(0xff);
    flash.set(img2.subarray(0, Math.min(k * 4096, img2.length)));
    const withReadBack = await applyChecked(img1, patch, { startBlock: k, flash, readBack: flash });
    assert.ok(equal(withReadBack.flash, img2), `resume at block ${k}`);
    assert.equal(withReadBack.result.resultChecked, true);
    assert.equal(withReadBack.applier.blocksDone, blocks.length - k);
    const flash2 = new Uint8Array(img2.length).fill(0xff);
    flash2.set(img2.subarray(0, Math.min(k * 4096, img2.length)));
    const noReadBack = await applyChecked(img1, patch, { startBlock: k, flash: flash2 });
    assert.ok(equal(noReadBack.flash, img2), `resume at block ${k} without read-back`);
    assert.equal(noReadBack.result.resultChecked, k === 0);
  }
  const bytewise = await applyChecked(img1, patch, { chunk: 1 });
  assert.ok(equal(bytewise.flash, img2));
  const odd = await applyChecked(img1, patch, { chunk: 77 });
  assert.ok(equal(odd.flash, img2));
  // The most blocks a patch may have, a signed TLV area: still within 8 KiB.
  const bigOld = signed(new TextDecoder().decode(codeLike(prng(3), 500_000).map((b) => 0x20 + (b % 90))), "1.0.0");
  const bigNew = signed(new TextDecoder().decode(edit(prng(4), bigOld.subarray(64, bigOld.length - 148), ["bytes", "insert"], 20)), "1.0.1");
  const big = await applyChecked(bigOld, makePatch(bigOld, bigNew, { blockLog2: 12 }));
  assert.ok(equal(big.flash, bigNew));
  assert.ok(big.result.peakRamBytes <= 8192, `peak RAM with ${readPatchBlocks(makePatch(bigOld, bigNew, { blockLog2: 12 })).length} blocks: ${big.result.peakRamBytes}`);
});

const small1 = signed(payload1.slice(0, 6000), "1.0.0");
const small2 = signed(payload1.slice(0, 2000) + "let x = 42;" + payload1.slice(2100, 7000), "1.0.1");
const smallPatch = makePatch(small1, small2, { blockLog2: 12 });

/** Applies a corrupt patch; returns the ImageError reason (fails the test on anything else). */
async function reasonOf(patch: Uint8Array, base: Uint8Array = small1): Promise<string> {
  try {
    await applyChecked(base, patch);
  } catch (e) {
    if (e instanceof ImageError) return e.reason;
    throw e;
  }
  return "accepted";
}

test("every single-bit flip of the header and block table is rejected with its named reason", async () => {
  const manifest = readPatchManifest(smallPatch);
  const tableEnd = readPatchBlocks(smallPatch)[0]!.patchOffsetBytes;
  const counts: Record<string, number> = {};
  for (let byte = 0; byte < tableEnd; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = smallPatch.slice();
      bad[byte]! ^= 1 << bit;
      const reason = await reasonOf(bad);
      counts[reason] = (counts[reason] ?? 0) + 1;
      const where = `bit ${bit} of byte ${byte}`;
      if (byte < 8 || (byte >= 72 && byte < 80)) assert.equal(reason, "patch-format", where);
      else if (byte < 40) assert.equal(reason, "patch-base", where);
      else if (byte < 72) assert.equal(reason, "patch-result", where);
      else if (byte < manifest.manifestBytes) assert.ok(reason === "patch-format" || reason === "patch-result", `${where} (image header / TLV copy): ${reason}`);
      else assert.ok(reason === "patch-format" || reason === "patch-result", `${where} (delta header / table): ${reason}`);
    }
  }
  assert.equal(counts.accepted, undefined);
});

test("sampled flips of the blocks, truncations, appended garbage, a wrong base: rejected with their reasons", async () => {
  const bodyStart = readPatchBlocks(smallPatch)[0]!.patchOffsetBytes;
  const rnd = prng(5);
  for (let i = 0; i < 2000; i++) {
    const bad = smallPatch.slice();
    const at = bodyStart + Math.floor(rnd() * (smallPatch.length - bodyStart));
    bad[at]! ^= 1 << Math.floor(rnd() * 8);
    const reason = await reasonOf(bad);
    assert.ok(reason === "patch-format" || reason === "patch-result", `flip at byte ${at}: ${reason}`);
  }
  // The same on a patch whose blocks code x86 32-bit fields.
  const [xa, xb] = x86Pair(1);
  const xOld = signed(xa, "1.0.0");
  const xPatch = makePatch(xOld, signed(xb, "1.0.1"), { blockLog2: 12 });
  const xBody = readPatchBlocks(xPatch)[0]!.patchOffsetBytes;
  for (let i = 0; i < 500; i++) {
    const bad = xPatch.slice();
    const at = xBody + Math.floor(rnd() * (xPatch.length - xBody));
    bad[at]! ^= 1 << Math.floor(rnd() * 8);
    const reason = await reasonOf(bad, xOld);
    assert.ok(reason === "patch-format" || reason === "patch-result", `x86 patch, flip at byte ${at}: ${reason}`);
  }
  for (let len = 0; len < smallPatch.length; len += len < 400 ? 1 : 7) assert.equal(await reasonOf(smallPatch.subarray(0, len)), "patch-format", `truncated to ${len} bytes`);
  for (const extra of [Uint8Array.of(0), Uint8Array.of(0xff, 1, 2), new Uint8Array(1000).fill(7)]) {
    const longer = new Uint8Array(smallPatch.length + extra.length);
    longer.set(smallPatch);
    longer.set(extra, smallPatch.length);
    assert.equal(await reasonOf(longer), "patch-format", `${extra.length} bytes appended`);
  }
  // Wrong base: nothing written.
  let writes = 0;
  for (const base of [small2, img1, small1.subarray(0, 100)]) {
    await assert.rejects(
      applyPatchStream({ patch: [smallPatch], readOld: (o, into) => into.set(base.subarray(o, o + into.length)), write: () => void writes++ }),
      (e: unknown) => e instanceof ImageError && e.reason === "patch-base",
    );
    await assert.rejects(applyPatch(base, smallPatch), (e: unknown) => e instanceof ImageError && e.reason === "patch-base");
  }
  assert.equal(writes, 0);
  await assert.rejects(applyPatch(small1, new Uint8Array(10)), (e: unknown) => e instanceof ImageError && e.reason === "patch-format");
  await assert.rejects(decodeDelta(small1, Uint8Array.of(1, 2, 3, 4, 5)), (e: unknown) => e instanceof ImageError && e.reason === "patch-format");
});
