/**
 * otaClient, the updater in firmware: full images (bytes in either order, or streamed in chunks
 * from an iterable, an async iterable or a goroutine channel) and patches, checked before any
 * write, written erase unit by erase unit, then markPending, a test boot and confirm; every
 * rejection with its named reason and the flash untouched (or, when only the payload's hash can
 * tell, the units written erased again); the guards (test boot, concurrent writes, bad sources).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { app, bootedBoard, command, lastBoot, readBootState, writeSlot, createImage, signImage, privateKey, otherKey, OTA_UPDATE_GLOBAL, type Board } from "./helpers.js";
import { bootLayout } from "../../src/ota/layout.js";
import { ImageError, makePatch, otaClient, toStreamOrder, type OtaClient, type OtaWriteResult } from "../../src/ota/index.js";
import { chan, go } from "../../src/go/index.js";
import { Prng } from "../../src/kernel/index.js";

const NRF = "nrf52840";
const PAD = 9000;
const HOOK = "__tinyrtosOtaClientTest";

/** An image whose main calls the test's firmware body (the image shares the host realm). */
function hostImage(version: string, securityCounter = 1, board = NRF): Uint8Array {
  return signImage(createImage({ payload: `export async function main(board) { await globalThis.${HOOK}(board); }`, version, securityCounter, board }), privateKey);
}

const v1 = hostImage("1.0.0");
const v2 = app({ version: "2.0.0", securityCounter: 2, board: NRF, autoConfirm: true, padBytes: PAD });

/**
 * Boots `primary` (v1 by default) on a fresh nRF52840 with the bootloader and runs `body` in a task of its
 * firmware with the board's otaClient; returns what the body returned, or throws what it threw.
 */
async function inFirmware<T>(body: (ota: OtaClient, board: Board) => Promise<T>, options: { board?: Board; ticks?: number } = {}): Promise<{ value: T; board: Board }> {
  const board = options.board ?? bootedBoard(NRF, v1);
  let outcome: { value: T } | { error: unknown } | null = null;
  const g = globalThis as unknown as Record<string, unknown>;
  g[HOOK] = async (b: Board) => {
    await b.rtos.xTaskCreate(async () => {
      try {
        outcome = { value: await body(otaClient(b), b) };
      } catch (error) {
        outcome = { error };
      }
    }, "updater", 512, null, 2);
  };
  try {
    await board.run(options.ticks ?? 5000);
  } finally {
    delete g[HOOK];
  }
  const o = outcome as { value: T } | { error: unknown } | null;
  if (o === null) throw new Error("the firmware body did not finish within the run");
  if ("error" in o) throw o.error;
  return { value: o.value, board };
}

function slotBytes(board: Board, slot: "primary" | "secondary", n: number): Uint8Array {
  const b = new Uint8Array(n);
  board.flash.read(bootLayout(NRF, board.flash)[slot].offset, b);
  return b;
}

/** Chunks of `bytes` with seeded sizes 1..maxBytes. */
function chunked(bytes: Uint8Array, seed: number, maxBytes = 700): Uint8Array[] {
  const prng = new Prng(seed);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + prng.nextInt(maxBytes);
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

async function* asyncChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

async function expectImageError(p: Promise<unknown>, reason: string): Promise<ImageError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ImageError, `expected ImageError("${reason}"), got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    return e;
  }
  assert.fail(`expected ImageError("${reason}"), the write succeeded`);
}

/** Resets into the pending image and returns the UART text of its boot. */
async function resetInto(board: Board): Promise<string> {
  board.reset("software");
  await board.run(3000);
  return board.world.uart(0).text();
}

test("a full image given at once (as signImage lays it out) is checked, written to the secondary (only the units it needs, once each), requested, test-booted and confirms itself", async () => {
  const layout = bootLayout(NRF, { sizeBytes: 1 << 20, eraseBytes: 4096, writeBytes: 4 });
  const { value, board } = await inFirmware(async (ota, b) => {
    const before = Array.from({ length: layout.secondary.units }, (_, k) => b.flash.eraseCount(layout.secondary.offset / 4096 + k));
    const written = await ota.write(v2);
    const erased = before.map((n, k) => b.flash.eraseCount(layout.secondary.offset / 4096 + k) - n);
    const afterWrite = ota.state();
    await ota.markPending();
    return { written, erased, afterWrite, afterMark: ota.state() };
  });
  const w: OtaWriteResult = value.written;
  assert.deepEqual({ ...w, peakRamBytes: 0 }, { kind: "image", version: "2.0.0", securityCounter: 2, board: NRF, sizeBytes: v2.length, receivedBytes: v2.length, peakRamBytes: 0 });
  assert.ok(w.peakRamBytes > 0 && w.peakRamBytes <= 1216, `peak RAM ${w.peakRamBytes}`);
  assert.deepEqual(value.erased.slice(0, 4), [1, 1, 1, 0], "3 units for a 9 KB image, each erased once");
  assert.equal(value.erased.reduce((a, b) => a + b, 0), Math.ceil(v2.length / 4096));
  assert.equal(value.afterWrite.secondary?.version, "2.0.0");
  assert.equal(value.afterWrite.pending, null);
  assert.deepEqual(value.afterMark.pending, { permanent: false, matchesSecondary: true });
  assert.deepEqual(slotBytes(board, "secondary", v2.length), v2);
  assert.equal(await resetInto(board), "app 2.0.0 test\nself-confirmed\n");
  assert.equal(lastBoot(board)!.version, "2.0.0");
  assert.equal(readBootState(board).securityCounter, 2);
  assert.deepEqual(slotBytes(board, "secondary", v1.length), v1, "the old image kept for a revert");
});

test("a full image streamed in stream order, in chunks of any size, from an iterable, an async iterable and a goroutine channel: the same bytes in the slot, progress up to the whole size", async () => {
  const stream = toStreamOrder(v2);
  for (const [name, seed] of [["iterable", 1], ["async", 2], ["channel", 3]] as const) {
    const chunks = chunked(stream, seed);
    const progress: number[] = [];
    const { value, board } = await inFirmware(async (ota) => {
      const onProgress = (n: number) => progress.push(n);
      if (name === "iterable") return ota.write(chunks, { onProgress });
      if (name === "async") return ota.write(asyncChunks(chunks), { onProgress });
      const ch = chan<Uint8Array>(2);
      go(async () => {
        for (const c of chunks) await ch.send(c);
        ch.close();
      });
      return ota.write(ch, { onProgress });
    });
    assert.equal(value.version, "2.0.0", name);
    assert.equal(value.receivedBytes, stream.length, name);
    assert.equal(progress.length, chunks.length, name);
    assert.ok(progress.every((n, i) => i === 0 || n > progress[i - 1]!), `${name}: progress rises`);
    assert.equal(progress.at(-1), stream.length, name);
    assert.deepEqual(slotBytes(board, "secondary", v2.length), v2, `${name}: the slot holds the image in its own order`);
  }
});

test("a patch against the running image is checked (manifest, base), applied into the secondary in bounded RAM, and boots", async () => {
  const patch = makePatch(v1, v2);
  const progress: number[] = [];
  const { value, board } = await inFirmware(async (ota) => {
    const written = await ota.write(chunked(patch, 9, 300), { onProgress: (n) => progress.push(n) });
    await ota.markPending();
    return written;
  });
  assert.equal(value.kind, "patch");
  assert.equal(value.version, "2.0.0");
  assert.equal(value.sizeBytes, v2.length);
  assert.equal(value.receivedBytes, patch.length);
  assert.ok(value.peakRamBytes <= 8192 + 512, `peak RAM ${value.peakRamBytes}`);
  assert.equal(progress.at(-1), patch.length);
  assert.deepEqual(slotBytes(board, "secondary", v2.length), v2);
  assert.equal(await resetInto(board), "app 2.0.0 test\nself-confirmed\n");
});

/** Runs a write that must be refused before any flash operation; the secondary (holding `old`) unchanged. */
async function refusedUntouched(update: Uint8Array | Uint8Array[], reason: string, what: string): Promise<void> {
  const board = bootedBoard(NRF, v1);
  const old = hostImage("0.9.0");
  writeSlot(board, "secondary", old);
  const { value } = await inFirmware(
    async (ota, b) => {
      const ops = b.flash.ops;
      const e = await ota.write(update).then(
        () => null,
        (err: unknown) => err,
      );
      return { e, ops: b.flash.ops - ops };
    },
    { board },
  );
  assert.ok(value.e instanceof ImageError, `${what}: expected ImageError("${reason}"), got ${String(value.e)}`);
  assert.equal(value.e.reason, reason, `${what}: ${value.e.message}`);
  assert.equal(value.ops, 0, `${what}: flash operations`);
  assert.deepEqual(slotBytes(board, "secondary", old.length), old, `${what}: secondary untouched`);
  assert.equal(readBootState(board).pending, null);
}

test("refused before any write, the secondary untouched: wrong key, wrong board, lower security counter, unsigned, too large, not an update, empty", async () => {
  const mk = (o: { version?: string; securityCounter?: number; board?: string; payload?: string }, key: Uint8Array | null = privateKey) => {
    const img = createImage({ payload: o.payload ?? "export function main() {}", version: o.version ?? "3.0.0", securityCounter: o.securityCounter ?? 3, board: o.board ?? NRF });
    return key === null ? img : signImage(img, key);
  };
  const cases: [Uint8Array, string, string][] = [
    [mk({}, otherKey), "key", "signed with another key"],
    [mk({ board: "esp32c3" }), "board", "for another board"],
    [mk({ securityCounter: 0 }), "security-counter", "below the stored counter"],
    [mk({}, null), "unsigned", "unsigned"],
    [mk({ payload: "x".repeat(490_000) }), "size", "larger than the slot"],
    [new Uint8Array(100).fill(0x42), "magic", "not an update"],
    [new Uint8Array(0), "truncated", "empty"],
  ];
  for (const [bytes, reason, what] of cases) {
    await refusedUntouched(bytes, reason, `${what} (bytes)`);
    if (bytes.length > 100) await refusedUntouched(chunked(toStreamOrder(bytes), 4), reason, `${what} (streamed)`);
  }
});

test("every single-bit flip of the header and TLVs of an image given at once (in either order): refused with a named reason before any write", async () => {
  const img = app({ version: "3.0.0", securityCounter: 3, board: NRF, padBytes: PAD });
  const stream = toStreamOrder(img);
  // [bytes, bit] pairs: the header and the TLV area of the image as signImage lays it out, and of its stream order.
  const flips: [Uint8Array, number][] = [];
  for (let i = 0; i < 64 * 8; i++) flips.push([img, i], [stream, i]);
  for (let i = 0; i < 144 * 8; i++) flips.push([img, (img.length - 144) * 8 + i], [stream, 64 * 8 + i]);
  const board = bootedBoard(NRF, v1);
  const { value } = await inFirmware(
    async (ota, b) => {
      const seen = new Map<string, number>();
      for (const [bytes, bit] of flips) {
        const bad = bytes.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        const ops = b.flash.ops;
        const e = await ota.write(bad).then(
          () => null,
          (err: unknown) => err,
        );
        if (!(e instanceof ImageError)) throw new Error(`bit ${bit}: accepted or not an ImageError: ${String(e)}`);
        if (b.flash.ops !== ops) throw new Error(`bit ${bit} (${e.reason}): ${b.flash.ops - ops} flash operations`);
        seen.set(e.reason, (seen.get(e.reason) ?? 0) + 1);
      }
      return seen;
    },
    { board, ticks: 60_000 },
  );
  assert.equal([...value.values()].reduce((a, b) => a + b, 0), flips.length);
  for (const reason of ["magic", "header", "hash", "signature", "key", "tlv"]) assert.ok(value.has(reason), `some flip gives "${reason}": ${JSON.stringify([...value])}`);
});

test("streamed: a flip the header and TLV checks cannot see (version, payload) is caught by the payload's hash, and what was written is erased; a truncated or overlong stream likewise", async () => {
  const stream = toStreamOrder(v2);
  const flipAt = (i: number) => {
    const s = stream.slice();
    s[i]! ^= 0x10;
    return s;
  };
  const cases: [Uint8Array, string, string][] = [
    [flipAt(16), "hash", "the version's major byte"],
    [flipAt(64 + 144 + 5000), "hash", "a payload byte"],
    [stream.subarray(0, stream.length - 1), "truncated", "one byte short"],
    [Uint8Array.from([...stream, 0]), "trailing-bytes", "one byte more"],
  ];
  for (const [bytes, reason, what] of cases) {
    const { value, board } = await inFirmware(async (ota, b) => {
      const e = await ota.write(chunked(bytes, 5)).then(
        () => null,
        (err: unknown) => err,
      );
      return { e, state: ota.state(), ops: b.flash.ops };
    });
    assert.ok(value.e instanceof ImageError && value.e.reason === reason, `${what}: ${String(value.e)}`);
    assert.equal(value.state.secondary, null, `${what}: no image left in the secondary`);
    assert.equal(value.state.pending, null);
    const s = slotBytes(board, "secondary", 3 * 4096);
    assert.ok(s.every((x) => x === 0xff), `${what}: the units written are erased`);
    assert.ok(value.ops > 0, `${what}: it had started writing`);
    // The board still boots what it ran.
    await inFirmware(async () => null, { board: (board.reset("software"), board), ticks: 100 });
    assert.equal(lastBoot(board)!.version, "1.0.0");
    assert.equal(lastBoot(board)!.resetReason, "software");
  }
});

test("patches refused before any write: wrong base (other content or size), another key, another board, a bit flipped in the manifest's image header", async () => {
  const otherBase = hostImage("1.0.1");
  const longerBase = signImage(createImage({ payload: "export async function main(board) { /* longer */ }", version: "1.0.0", securityCounter: 1, board: NRF }), privateKey);
  const next = hostImage("2.0.0", 2);
  const flipped = makePatch(v1, next);
  flipped[80 + 16]! ^= 1; // the new image's version in the manifest's header copy
  const cases: [Uint8Array, string, string][] = [
    [makePatch(otherBase, next), "patch-base", "made against another image of the same size"],
    [makePatch(longerBase, next), "patch-base", "made against an image of another size"],
    [makePatch(v1, signImage(createImage({ payload: "export function main() {}", version: "2.0.0", securityCounter: 2, board: NRF }), otherKey)), "key", "signed with another key"],
    [makePatch(v1, signImage(createImage({ payload: "export function main() {}", version: "2.0.0", securityCounter: 2, board: "esp32c3" }), privateKey)), "board", "for another board"],
    [flipped, "patch-result", "manifest header bit flipped (its signature holds: the decoded header differs before the first write)"],
  ];
  assert.equal(otherBase.length, v1.length);
  for (const [patch, reason, what] of cases) await refusedUntouched(chunked(patch, 6, 200), reason, what);
});

test("guards: no write during a test boot (the secondary holds the image a revert needs), one write at a time, chunks must be bytes, a board without bootloader", async () => {
  const testing = bootedBoard(NRF, v1);
  writeSlot(testing, "secondary", hostImage("2.0.0", 2));
  const { value } = await inFirmware(
    async (ota) => {
      await ota.markPending();
      return null;
    },
    { board: testing },
  );
  assert.equal(value, null);
  const { value: inTest } = await inFirmware(
    async (ota) => {
      const st = ota.state();
      const e = await ota.write(hostImage("3.0.0", 3)).then(
        () => null,
        (err: unknown) => err,
      );
      return { testBoot: st.testBoot, e: String(e) };
    },
    { board: (testing.reset("software"), testing) },
  );
  assert.equal(inTest.testBoot, true);
  assert.match(inTest.e, /test boot.*confirm\(\) it first/);
  const { value: busy } = await inFirmware(async (ota) => {
    const first = ota.write(asyncChunks(chunked(toStreamOrder(v2), 7)));
    const second = await ota.write(v2).then(
      () => "accepted",
      (e: unknown) => String(e),
    );
    await first;
    const notBytes = await ota.write(["abc" as unknown as Uint8Array]).then(
      () => "accepted",
      (e: unknown) => String(e),
    );
    const notSource = await ota.write(42 as unknown as Uint8Array).then(
      () => "accepted",
      (e: unknown) => String(e),
    );
    return { second, notBytes, notSource };
  });
  assert.match(busy.second, /another write is in progress/);
  assert.match(busy.notBytes, /TypeError: .*chunks must be Uint8Array/);
  assert.match(busy.notSource, /TypeError: .*Uint8Array or an \(async\) iterable/);
  const { createBoard } = await import("../../src/hal/index.js");
  assert.throws(() => otaClient(createBoard(NRF, { firmware: () => {} })), /no bootloader on this board/);
});

test("a download cut after its header over an older image of the same size: the boot state reports no image in the secondary (not the new header with the old image's TLVs), the board boots v1, the download done again is taken", async () => {
  const image = (version: string, securityCounter: number) => app({ version, securityCounter, board: NRF, padBytes: PAD });
  const [v0, app1, app2] = [image("0.9.0", 1), image("1.0.0", 1), image("2.0.0", 2)];
  assert.equal(v0.length, app2.length);
  const board = bootedBoard(NRF, app1);
  await board.run(200);
  writeSlot(board, "secondary", v0);
  const g = globalThis as unknown as Record<string, unknown>;
  g[OTA_UPDATE_GLOBAL] = toStreamOrder(app2);
  try {
    board.cutPower({ atFlashOp: 2 }); // after the erase of unit 0 and the first 512 bytes (the header): before the next program
    await command(board, "d", 4000);
    assert.equal(board.powered, false);
    board.powerOn();
    await board.run(200);
    assert.equal(lastBoot(board)!.version, "1.0.0");
    const layout = bootLayout(NRF, board.flash);
    assert.deepEqual(slotBytes(board, "secondary", 64), app2.subarray(0, 64), "v2's header is in the slot");
    const tail = new Uint8Array(v0.length - 8192);
    board.flash.read(layout.secondary.offset + 8192, tail);
    assert.deepEqual(tail, v0.subarray(8192), "and v0's last unit, its TLV area where v2's header puts it");
    const st = readBootState(board);
    assert.equal(st.secondary, null, `reported ${JSON.stringify(st.secondary)}`);
    assert.equal(st.pending, null);
    await command(board, "d", 4000);
    assert.match(board.world.uart(0).text(), /downloaded 2\.0\.0\n$/);
    assert.equal(readBootState(board).secondary?.version, "2.0.0");
    assert.equal(await resetInto(board), "app 2.0.0 test\n");
  } finally {
    delete g[OTA_UPDATE_GLOBAL];
  }
});
