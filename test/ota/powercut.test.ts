/**
 * Power cuts at every flash operation of the bootloader's work (test/ota/powercut-kit.ts): a
 * request, a full swap update (also across a log compaction), a confirm, a revert, an
 * overwrite-only update, and an application's download of a full image and of a patch with
 * otaClient (then its request), each cut without and with `tear`, on the nrf52840 (every stage, and the
 * update and revert again with three other torn amounts) and the update, confirm and revert
 * stages (with and without log compaction) and both downloads on the esp32c3 and the stm32h743; then random
 * multi-cut schedules (cuts during the recovery from a cut) from seeds. The number of cut points
 * tried is printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SWEEPS, SWEEP_BYTES, sweep, multiCut, stageOps } from "./powercut-kit.js";

const BYTES = SWEEP_BYTES;
let total = 0;

for (const [i, s] of SWEEPS.entries()) {
  test(`${s.board}: a cut at every flash operation (before it and torn): ${s.what}; the board always boots a valid, signed, non-downgraded image and the update is complete or cleanly absent`, async (t) => {
    const r = await sweep(s.board, s.stages, BYTES, s.tearSeeds);
    total += r.points;
    t.diagnostic(`${s.board} cut points: ${r.points} ${JSON.stringify(r.perStage)}`);
    for (const [stage, n] of Object.entries(r.perStage)) assert.ok(n > 0, `${stage}: no cut points`);
    assert.equal(r.perStage[s.stages[0]!], (2 + s.tearSeeds.length) * (await stageOps(s.board, s.stages[0]!, BYTES)));
    if (i === SWEEPS.length - 1) t.diagnostic(`cut points tried by the exhaustive sweeps: ${total}`);
  });
}

test("random multi-cut schedules (2 to 4 cuts, each during the recovery from the last) from seeds", async (t) => {
  let runs = 0;
  let cuts = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const stage = (["update", "revert", "update-compaction", "confirm"] as const)[seed % 4]!;
    cuts += await multiCut("nrf52840", stage, BYTES, seed);
    runs++;
  }
  for (let seed = 1; seed <= 8; seed++) {
    cuts += await multiCut("nrf52840", seed % 2 === 0 ? "download" : "patch", BYTES, 300 + seed);
    runs++;
  }
  for (let seed = 1; seed <= 6; seed++) {
    cuts += await multiCut("esp32c3", "update", BYTES, 100 + seed);
    cuts += await multiCut("stm32h743", seed % 2 === 0 ? "update" : "revert", BYTES, 200 + seed);
    runs += 2;
  }
  t.diagnostic(`multi-cut schedules: ${runs}, cuts: ${cuts}`);
});
