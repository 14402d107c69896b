/**
 * The bootloader (src/ota/bootloader.ts): boot of a valid image; refusal of an unsigned image, a
 * wrong key, a wrong board, a lower security counter and an empty slot (never booted, the reason
 * recorded, nothing thrown into the host); an update with its test boot and confirm; no confirm
 * and a software, watchdog or power reset → revert; a permanent update; overwrite-only; the
 * stored counter rising only on confirm, and requestUpgrade refusing a downgrade; a request
 * whose image was rewritten afterwards is cancelled; flash operations and time of an update grow
 * with the image (not the slot); the application shares the host's module instances; a module
 * that does not load; the layouts; flash wear over many updates.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { app, bootedBoard, command, bootedVersion, lastBoot, bootRecords, readBootState, writeSlot, createImage, signImage, privateKey, otherKey, config, createBoard, installBootloader, publicKeyOfTests, generateSigningKey, type Board } from "./helpers.js";
import { Board as BoardClass } from "../../src/hal/index.js";
import { bootLayout, type BootLayout } from "../../src/ota/layout.js";
import { ImageError } from "../../src/ota/index.js";
import { wearRun } from "./wear-kit.js";
import { eraseSecondary, programSecondary, requestUpgrade, slotSizeBytes, storedSecurityCounter } from "../../src/ota/updater.js";

const NRF = "nrf52840";
const v = (version: string, securityCounter: number, extra: Partial<Parameters<typeof app>[0]> = {}) => app({ version, securityCounter, board: NRF, padBytes: 5000, ...extra });

test("a valid image boots: its main runs as the firmware, the stored counter rises to its counter (a programmed image is confirmed)", async () => {
  const b = bootedBoard(NRF, v("1.2.3", 4));
  await b.run(100);
  assert.equal(b.world.uart(0).text(), "app 1.2.3 confirmed\n");
  const r = lastBoot(b)!;
  assert.equal(r.outcome, "booted");
  assert.equal(r.version, "1.2.3");
  assert.equal(r.testBoot, false);
  assert.equal(r.storedSecurityCounter, 4);
  assert.equal(readBootState(b).securityCounter, 4);
  // Every reset boots it again; the counter record is written once.
  const ops = b.flash.ops;
  b.reset("software");
  await b.run(100);
  assert.equal(bootedVersion(b), "1.2.3");
  assert.equal(b.flash.ops, ops);
  assert.equal(bootRecords(b).length, 2);
});

test("refused primaries never boot; the boot record says why; the board halts without throwing", async () => {
  const cases: [string, Uint8Array | null, string][] = [
    ["unsigned", createImage({ payload: "export function main() {}", version: "1.0.0", securityCounter: 1, board: NRF }), "unsigned"],
    ["wrong key", app({ version: "1.0.0", securityCounter: 1, board: NRF }, otherKey), "key"],
    ["wrong board", app({ version: "1.0.0", securityCounter: 1, board: "esp32c3" }), "board"],
    ["empty slot", null, "no-image"],
  ];
  for (const [what, image, reason] of cases) {
    const b = bootedBoard(NRF, image);
    assert.equal(await b.run(500), "target", what);
    const r = lastBoot(b)!;
    assert.equal(r.outcome, "failed", what);
    assert.equal(r.failure?.reason, reason, what);
    assert.equal(r.version, null);
    assert.equal(b.world.uart(0).text(), "", `${what}: nothing ran`);
  }
  // A corrupt byte in the payload: the hash check.
  const bad = v("1.0.0", 1).slice();
  bad[100] ^= 1;
  const b = bootedBoard(NRF, bad);
  await b.run(100);
  assert.equal(lastBoot(b)!.failure?.reason, "hash");
});

test("anti-rollback: an image below the stored counter never boots, and requestUpgrade refuses it before writing anything", async () => {
  const b = bootedBoard(NRF, v("2.0.0", 5));
  await b.run(100);
  assert.equal(readBootState(b).securityCounter, 5);
  writeSlot(b, "secondary", v("1.0.0", 3));
  const ops = b.flash.ops;
  await command(b, "u");
  assert.match(b.world.uart(0).text(), /error security-counter/);
  assert.equal(b.flash.ops, ops, "nothing written");
  assert.equal(readBootState(b).pending, null);
  // Programmed over the primary by a programmer: refused at boot.
  writeSlot(b, "primary", v("1.0.0", 3));
  b.reset("software");
  await b.run(100);
  assert.equal(lastBoot(b)!.outcome, "failed");
  assert.equal(lastBoot(b)!.failure?.reason, "security-counter");
});

async function updateToTest(b: Board, next: Uint8Array): Promise<void> {
  writeSlot(b, "secondary", next);
  await command(b, "u");
  assert.match(b.world.uart(0).text(), /requested/);
  const st = readBootState(b);
  assert.deepEqual(st.pending, { permanent: false, matchesSecondary: true });
  await command(b, "r", 3000);
}

test("update: the pending image is swapped in and test-booted; confirm keeps it, and the counter rises only then", async () => {
  const b = bootedBoard(NRF, v("1.0.0", 1));
  await b.run(100);
  await updateToTest(b, v("2.0.0", 2));
  let r = lastBoot(b)!;
  assert.equal(r.swap, "test");
  assert.equal(r.version, "2.0.0");
  assert.equal(r.testBoot, true);
  assert.equal(b.world.uart(0).text(), "app 2.0.0 test\n");
  let st = readBootState(b);
  assert.equal(st.testBoot, true);
  assert.equal(st.confirmed, false);
  assert.equal(st.securityCounter, 1, "not raised by a test boot");
  assert.equal(st.primary?.version, "2.0.0");
  assert.equal(st.secondary?.version, "1.0.0", "the old image waits in the secondary for a revert");
  await command(b, "c");
  st = readBootState(b);
  assert.equal(st.testBoot, false);
  assert.equal(st.securityCounter, 2);
  for (const reason of ["software", "watchdog"] as const) {
    b.reset(reason);
    await b.run(500);
    r = lastBoot(b)!;
    assert.equal(r.version, "2.0.0");
    assert.equal(r.swap, null);
    assert.equal(r.testBoot, false);
  }
  // Confirm with nothing in a test boot does nothing.
  const ops = b.flash.ops;
  await command(b, "c");
  assert.equal(b.flash.ops, ops);
});

for (const how of ["software", "watchdog", "power"] as const) {
  test(`update without confirm, then a ${how} reset: the old image is swapped back, the counter unchanged`, async () => {
    const b = bootedBoard(NRF, v("1.0.0", 1));
    await b.run(100);
    await updateToTest(b, v("2.0.0", 2));
    assert.equal(bootedVersion(b), "2.0.0");
    if (how === "software") await command(b, "r", 3000);
    else if (how === "watchdog") await command(b, "w", 3000);
    else {
      b.powerOn();
      await b.run(3000);
    }
    const r = lastBoot(b)!;
    assert.equal(r.resetReason, how === "power" ? "power-on" : how);
    assert.equal(r.swap, "revert");
    assert.equal(r.version, "1.0.0");
    assert.equal(r.testBoot, false);
    const st = readBootState(b);
    assert.equal(st.securityCounter, 1);
    assert.equal(st.secondary?.version, "2.0.0");
    assert.equal(st.pending, null, "a revert does not retry the update");
    b.reset("software");
    await b.run(500);
    assert.equal(lastBoot(b)!.version, "1.0.0");
    assert.equal(lastBoot(b)!.swap, null);
  });
}

test("a test image that fails its self-test (resets itself without confirming) is reverted; one that passes confirms itself", async () => {
  const b = bootedBoard(NRF, v("1.0.0", 1));
  await b.run(100);
  await updateToTest(b, v("2.0.0", 2, { autoConfirm: true }));
  assert.equal(b.world.uart(0).text(), "app 2.0.0 test\nself-confirmed\n");
  assert.equal(readBootState(b).securityCounter, 2);
  b.reset("software");
  await b.run(500);
  assert.equal(lastBoot(b)!.version, "2.0.0");
});

test("a permanent request swaps the image in for good: no test boot, counter raised at once, no revert", async () => {
  const b = bootedBoard(NRF, v("1.0.0", 1));
  await b.run(100);
  writeSlot(b, "secondary", v("2.0.0", 2));
  await command(b, "p");
  assert.equal(readBootState(b).pending?.permanent, true);
  await command(b, "r", 3000);
  let r = lastBoot(b)!;
  assert.equal(r.swap, "perm");
  assert.equal(r.version, "2.0.0");
  assert.equal(r.testBoot, false);
  assert.equal(r.storedSecurityCounter, 2);
  b.reset("software");
  await b.run(500);
  r = lastBoot(b)!;
  assert.equal(r.version, "2.0.0");
  assert.equal(r.swap, null);
});

test("overwrite-only: the secondary is copied over the primary, no test boot, no revert", async () => {
  const b = bootedBoard(NRF, v("1.0.0", 1), "overwrite");
  await b.run(100);
  writeSlot(b, "secondary", v("2.0.0", 2));
  await command(b, "u");
  const ops = b.flash.ops;
  await command(b, "r", 3000);
  const r = lastBoot(b)!;
  assert.equal(r.swap, "overwrite");
  assert.equal(r.version, "2.0.0");
  assert.equal(r.testBoot, false);
  assert.equal(readBootState(b).securityCounter, 2);
  assert.equal(readBootState(b).secondary?.version, "2.0.0", "overwrite leaves the secondary as it was");
  // START + (erase, program, STEP) per unit − the last STEP + DONE + the counter record.
  const units = Math.ceil(v("2.0.0", 2).length / 4096);
  assert.equal(b.flash.ops - ops, 1 + 3 * units - 1 + 1 + 1);
  b.reset("software");
  await b.run(500);
  assert.equal(lastBoot(b)!.version, "2.0.0");
  assert.equal(lastBoot(b)!.swap, null);
});

test("a request whose secondary image was rewritten afterwards is cancelled at boot (reason recorded), the running image kept", async () => {
  const b = bootedBoard(NRF, v("1.0.0", 1));
  await b.run(100);
  writeSlot(b, "secondary", v("2.0.0", 2));
  await command(b, "u");
  writeSlot(b, "secondary", v("3.0.0", 3));
  assert.equal(readBootState(b).pending?.matchesSecondary, false);
  b.reset("software");
  await b.run(500);
  const r = lastBoot(b)!;
  assert.equal(r.rejected?.reason, "hash");
  assert.equal(r.swap, null);
  assert.equal(r.version, "1.0.0");
  assert.equal(readBootState(b).pending, null);
});

test("the secondary cannot be rewritten or requested during a test boot (it holds the revert image)", async () => {
  const b = bootedBoard(NRF, v("1.0.0", 1));
  await b.run(100);
  await updateToTest(b, v("2.0.0", 2));
  await command(b, "u");
  assert.match(b.world.uart(0).text(), /error Error: requestUpgrade: the primary is in a test boot/);
});

test("an update's flash operations and time grow with the image, not with the slot", async () => {
  const rows: { units: number; ops: number; ticks: number }[] = [];
  for (const units of [1, 2, 4, 8]) {
    const b = bootedBoard(NRF, v("1.0.0", 1, { padBytes: units * 4096 - 600 }));
    await b.run(100);
    const next = v("2.0.0", 2, { padBytes: units * 4096 - 600 });
    assert.equal(Math.ceil(next.length / 4096), units);
    writeSlot(b, "secondary", next);
    await command(b, "u");
    const ops = b.flash.ops;
    const t0 = b.now();
    b.reset("software");
    await b.run(10_000);
    const r = lastBoot(b)!;
    assert.equal(r.version, "2.0.0");
    rows.push({ units, ops: b.flash.ops - ops, ticks: r.tick - t0 });
  }
  // START + 9 per unit (3 × erase, program, STEP) − the last STEP + DONE.
  for (const row of rows) assert.equal(row.ops, 9 * row.units + 1, JSON.stringify(row));
  // Time per unit: 3 page erases (85 ms) + 3 unit programs + 3 records, the same for every size.
  const perUnit = rows.map((r) => r.ticks / r.units);
  for (const p of perUnit) assert.ok(Math.abs(p - perUnit[3]!) / perUnit[3]! < 0.05, `per-unit time ${perUnit.join(", ")}`);
  assert.ok(rows[3]!.ticks < 8 * 1000, "8 units of a 118-unit slot take well under a second per unit");
});

test("the application shares the host's module instances (tinyrtos/hal's Board is the host's)", async () => {
  const payload = `import { Board } from "tinyrtos/hal";
import * as root from "tinyrtos";
export async function main(board) {
  await board.rtos.xTaskCreate(async () => {
    const u = board.uart(0);
    u.configure({ baudRate: 115200 });
    await u.write("same " + (board instanceof Board) + " " + (typeof root.createFreeRTOS) + "\\n");
  }, "app", 256, null, 1);
}`;
  const b = bootedBoard(NRF, signImage(createImage({ payload, version: "1.0.0", securityCounter: 0, board: NRF }), privateKey));
  await b.run(100);
  assert.equal(b.world.uart(0).text(), "same true function\n");
  assert.ok(b instanceof BoardClass);
});

test("a signed image whose module does not load, or has no main, is a recorded boot failure", async () => {
  for (const [payload, reason] of [
    ["export function main( {", "load"],
    ["export const notMain = 1;", "no-main"],
    ['import { nothing } from "tinyrtos/nope"; export function main() {}', "load"],
  ] as const) {
    const b = bootedBoard(NRF, signImage(createImage({ payload, version: "1.0.0", securityCounter: 0, board: NRF }), privateKey));
    assert.equal(await b.run(100), "target");
    assert.equal(lastBoot(b)!.outcome, "failed", payload);
    assert.equal(lastBoot(b)!.failure?.reason, reason, payload);
  }
});

test("updates on the esp32c3 and the stm32h743: swap, test boot, confirm, revert", async () => {
  for (const name of ["esp32c3", "stm32h743"]) {
    const img = (version: string, c: number) => app({ version, securityCounter: c, board: name, padBytes: 9000 });
    const b = bootedBoard(name, img("1.0.0", 1));
    await b.run(100);
    writeSlot(b, "secondary", img("2.0.0", 2));
    await command(b, "u");
    await command(b, "r", 15_000);
    assert.equal(lastBoot(b)!.version, "2.0.0", name);
    assert.equal(lastBoot(b)!.testBoot, true, name);
    await command(b, "r", 15_000);
    assert.equal(lastBoot(b)!.version, "1.0.0", name);
    assert.equal(lastBoot(b)!.swap, "revert", name);
    await command(b, "u");
    await command(b, "r", 15_000);
    await command(b, "c");
    await command(b, "r", 15_000);
    assert.equal(lastBoot(b)!.version, "2.0.0", name);
    assert.equal(readBootState(b).securityCounter, 2, name);
  }
});

test("layouts: whole erase units, no overlaps, inside the flash; H743 records are one flash word", () => {
  const boards = [
    ["nrf52840", { sizeBytes: 1 << 20, eraseBytes: 4096, writeBytes: 4 }],
    ["esp32c3", { sizeBytes: 4 << 20, eraseBytes: 4096, writeBytes: 1 }],
    ["stm32h743", { sizeBytes: 2 << 20, eraseBytes: 128 << 10, writeBytes: 32 }],
  ] as const;
  for (const [name, g] of boards) {
    const l: BootLayout = bootLayout(name, g);
    const areas = [l.bootloader, l.primary, l.secondary, ...l.state, ...l.counter, l.free];
    assert.equal(l.primary.units, l.secondary.units + 1, `${name}: the primary has swap-move's spare unit`);
    assert.equal(l.slotBytes, l.secondary.sizeBytes);
    let end = 0;
    for (const a of areas) {
      assert.equal(a.offset, end, `${name}: areas follow each other`);
      assert.equal(a.offset % g.eraseBytes, 0);
      assert.equal(a.sizeBytes, a.units * g.eraseBytes);
      end = a.offset + a.sizeBytes;
    }
    assert.equal(end, g.sizeBytes, name);
    assert.equal(l.recordBytes % g.writeBytes, 0);
  }
  assert.equal(bootLayout("nrf52840", boards[0][1]).primary.offset, 0xc000);
  assert.equal(bootLayout("stm32h743", boards[2][1]).slotBytes, 5 * 128 * 1024);
  assert.equal(bootLayout("nrf52840", boards[0][1]).free.sizeBytes, 12 * 1024);
  assert.throws(() => bootLayout("nope", boards[0][1]), RangeError);
});

test("installBootloader and writeSlot check their input", () => {
  const b = createBoard(NRF, { config, firmware: () => {} });
  assert.throws(() => writeSlot(b, "primary", new Uint8Array(10)), /no bootloader/);
  assert.throws(() => installBootloader(b, { publicKey: new Uint8Array(5) }), (e: unknown) => e instanceof ImageError && e.reason === "key");
  assert.throws(() => installBootloader(b, { publicKey: publicKeyOfTests(), mode: "copy" as never }), RangeError);
  installBootloader(b, { publicKey: publicKeyOfTests() });
  assert.throws(() => writeSlot(b, "primary", new Uint8Array(118 * 4096 + 1)), (e: unknown) => e instanceof ImageError && e.reason === "size");
  assert.throws(() => writeSlot(b, "tertiary" as never, new Uint8Array(4)), RangeError);
});

test("flash wear over 50 confirmed updates: erase counts per unit (the bench runs 1,000)", async (t) => {
  const w = await wearRun(NRF, 50, 9000);
  t.diagnostic(`wear after 50 updates on nrf52840: ${JSON.stringify(w.summary)}`);
  // Each update swaps 3 units by swap-move: a primary unit is erased at most twice (moved into,
  // swapped into), a secondary unit twice (the download, then the swap); no scratch hot spot.
  assert.equal(w.summary.primaryMax, 101, "2 per swap + the first programming");
  assert.equal(w.summary.secondaryMax, 100);
  assert.equal(w.summary.primarySpare, 50, "the spare unit: once per swap");
  assert.ok(w.summary.stateMax <= 10, "the boot-state log's units are erased only at compactions");
  assert.ok(w.summary.counterMax <= 2);
});

/** An application whose main is a host-side function (the app shares the host realm): for firmware-side API tests. */
const hostMain = signImage(createImage({ payload: "export async function main(board) { await globalThis.__tinyrtosOtaTestMain(board); }", version: "1.0.0", securityCounter: 1, board: NRF }), privateKey);

test("the updater's firmware API: a download into the secondary with eraseSecondary/programSecondary (only the units it needs), then requestUpgrade; bounds and alignment checked", async () => {
  const next = v("2.0.0", 2, { autoConfirm: true });
  const log: string[] = [];
  const g = globalThis as unknown as { __tinyrtosOtaTestMain?: (b: Board) => Promise<void> };
  g.__tinyrtosOtaTestMain = async (board: Board) => {
    await board.rtos.xTaskCreate(async () => {
      const st = readBootState(board);
      log.push(`slot ${slotSizeBytes(board)} counter ${storedSecurityCounter(board)} primary ${st.primary?.version} secondary ${st.secondary?.version ?? "none"}`);
      for (const bad of [() => programSecondary(board, 2, new Uint8Array(4)), () => programSecondary(board, 0, new Uint8Array(3)), () => programSecondary(board, slotSizeBytes(board) - 4, new Uint8Array(8)), () => eraseSecondary(board, 0)])
        await bad().then(
          () => log.push("accepted"),
          (e: unknown) => log.push(e instanceof RangeError ? "range" : String(e)),
        );
      const ops = board.flash.ops;
      await eraseSecondary(board, next.length);
      const padded = new Uint8Array(Math.ceil(next.length / 4) * 4).fill(0xff);
      padded.set(next);
      for (let at = 0; at < padded.length; at += 1024) await programSecondary(board, at, padded.subarray(at, Math.min(at + 1024, padded.length)));
      log.push(`ops ${board.flash.ops - ops}`);
      await requestUpgrade(board).catch((e: unknown) => log.push(String(e)));
      log.push(`pending ${JSON.stringify(readBootState(board).pending)} secondary ${readBootState(board).secondary?.version}`);
    }, "updater", 512, null, 1);
  };
  try {
    const b = bootedBoard(NRF, hostMain);
    const eraseBefore = Array.from({ length: 118 }, (_, k) => b.flash.eraseCount(bootLayout(NRF, b.flash).secondary.offset / 4096 + k));
    await b.run(2000);
    const secondaryFirst = bootLayout(NRF, b.flash).secondary.offset / 4096;
    const erased = eraseBefore.map((n, k) => b.flash.eraseCount(secondaryFirst + k) - n);
    assert.deepEqual(log.slice(0, 5), ["slot 483328 counter 1 primary 1.0.0 secondary none", "range", "range", "range", "range"]);
    // 3 erases (one per unit, one call) + 1 + ceil(bytes / 1024) programs.
    const units = Math.ceil(next.length / 4096);
    assert.equal(log[5], `ops ${1 + Math.ceil(next.length / 1024)}`);
    assert.deepEqual(erased.filter((n) => n > 0).length, units, "only the units the image needs");
    assert.equal(log[6], 'pending {"permanent":false,"matchesSecondary":true} secondary 2.0.0');
    b.reset("software");
    await b.run(3000);
    assert.equal(lastBoot(b)!.version, "2.0.0");
    assert.equal(b.world.uart(0).text(), "app 2.0.0 test\nself-confirmed\n");
    assert.equal(readBootState(b).securityCounter, 2);
  } finally {
    delete g.__tinyrtosOtaTestMain;
  }
});

test("installBootloader's doc example runs", async () => {
  const { privateKey, publicKey } = generateSigningKey();
  const board = createBoard("nrf52840", { firmware: () => {} });
  installBootloader(board, { publicKey });
  writeSlot(board, "primary", signImage(createImage({ payload: "export function main() {}", version: "1.0.0", securityCounter: 1, board: "nrf52840" }), privateKey));
  await board.run(100);
  if (lastBoot(board)?.version !== "1.0.0") throw new Error("not booted");
});
