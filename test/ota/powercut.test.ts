/**
 * Power cuts at every flash operation of the bootloader's work (test/ota/powercut-kit.ts): a
 * request, a full swap update (also across a log compaction), a confirm, a revert and an
 * overwrite-only update, each cut without and with `tear`, on the nrf52840 (every stage) and one
 * full sweep of the update on the esp32c3 and the stm32h743; then random multi-cut schedules
 * (cuts during the recovery from a cut) from seeds. The number of cut points tried is printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { STAGES, sweep, multiCut, stageOps } from "./powercut-kit.js";

/** About 9 KB images: 3 erase units on the nrf52840 and the esp32c3, 1 sector on the stm32h743. */
const BYTES = 9000;

test("nrf52840: a cut at every flash operation of every stage, torn or not, always recovers to a valid, signed, non-downgraded image; the update is complete or cleanly absent", async (t) => {
  const r = await sweep("nrf52840", STAGES, BYTES);
  t.diagnostic(`nrf52840 cut points: ${r.points} (${JSON.stringify(r.perStage)})`);
  assert.ok(r.points > 100);
  for (const [stage, n] of Object.entries(r.perStage)) assert.ok(n > 0, `${stage}: no cut points`);
});

test("esp32c3: every cut point of a full swap update, a confirm and a revert", async (t) => {
  const r = await sweep("esp32c3", ["update", "confirm", "revert"], BYTES);
  t.diagnostic(`esp32c3 cut points: ${r.points} (${JSON.stringify(r.perStage)})`);
  assert.equal(r.perStage["update"], 2 * (await stageOps("esp32c3", "update", BYTES)));
});

test("stm32h743: every cut point of a full swap update, a confirm and a revert (128 KB sectors, 32-byte flash words written once)", async (t) => {
  const r = await sweep("stm32h743", ["update", "confirm", "revert"], BYTES);
  t.diagnostic(`stm32h743 cut points: ${r.points} (${JSON.stringify(r.perStage)})`);
  assert.ok(r.points > 10);
});

test("random multi-cut schedules (2 to 4 cuts, each during the recovery from the last) from seeds", async (t) => {
  let runs = 0;
  let cuts = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const stage = (["update", "revert", "update-compaction", "confirm"] as const)[seed % 4]!;
    cuts += await multiCut("nrf52840", stage, BYTES, seed);
    runs++;
  }
  for (let seed = 1; seed <= 6; seed++) {
    cuts += await multiCut("esp32c3", "update", BYTES, 100 + seed);
    runs++;
  }
  t.diagnostic(`multi-cut schedules: ${runs}, cuts: ${cuts}`);
});
