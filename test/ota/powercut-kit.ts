/**
 * Power cuts on the bootloader: the stages of an update, a cut at every flash operation of each
 * (with and without `tear`), recovery, and the checks that must hold after it. Used by
 * test/ota/powercut.test.ts and by the bench (bench/ota-boot.ts: `ota.powercut.points`).
 *
 * Stages (each starts from a board prepared by a clean run up to its trigger):
 * - "request": the application records the upgrade request (PENDING);
 * - "update": a software reset; the bootloader swaps v2 in for a test boot;
 * - "update-compaction": the same with the boot-state log nearly full, so that the update's
 *   records cross a compaction into the other unit (erase, snapshot, header);
 * - "confirm": the test-booted v2 confirms itself (CONFIRM, then the counter record);
 * - "confirm-compaction": the same with both logs full, so that each record is written by a
 *   compaction (the counter log's included);
 * - "revert": a software reset without confirm; the bootloader swaps v1 back;
 * - "overwrite": overwrite-only mode, a reset copies v2 over v1.
 * - "download": the application takes v2 (stream order, 256-byte chunks) with otaClient into a
 *   secondary slot that holds an older leftover image, erasing and programming it unit by unit,
 *   then records the upgrade request;
 * - "patch": the same with a patch from v1 to v2 (the applier reads the primary).
 *
 * After a cut at operation k of the stage (k from 0 to the count of a clean run − 1; tear false:
 * the op never happens; tear true: it is left partly done), `powerOn()` and a run must give: a
 * booted image (never a boot failure), signed, of an expected version for the stage, with the
 * stored counter consistent with it; then finishing (confirm, reset) must reach a state where
 * the booted version, the test flag, the stored counter and both slots' contents (the other
 * image intact, byte for byte) are what a clean run gives: the update complete or cleanly absent.
 */
import { app, bootedBoard, command, lastBoot, bootRecords, readBootState, writeSlot, type Board } from "./helpers.js";
import { bootLayout } from "../../src/ota/layout.js";
import { stateLog, counterLog, rec } from "../../src/ota/bootstate.js";
import { RECORD_SIZE, encodeRecord } from "../../src/ota/records.js";
import { Prng } from "../../src/kernel/index.js";
import { makePatch, toStreamOrder } from "../../src/ota/index.js";

export type Stage = "request" | "update" | "update-compaction" | "confirm" | "confirm-compaction" | "revert" | "overwrite" | "download" | "patch";
export const STAGES: readonly Stage[] = ["request", "update", "update-compaction", "confirm", "confirm-compaction", "revert", "overwrite", "download", "patch"];
/** The stages in which the application writes the secondary itself (otaClient), then requests the upgrade. */
const DOWNLOADS: readonly Stage[] = ["download", "patch"];

/** Ticks a stage's run gets (enough for the slowest board's swap: H743 sector erases of 1.1 s). */
function stageTicks(board: string): number {
  return board === "stm32h743" ? 15_000 : 4_000;
}

interface Images {
  v1: Uint8Array;
  v2: Uint8Array;
  /** An older image left in the secondary before a download. */
  v0: Uint8Array;
  /** v2 in stream order, and a patch from v1 to v2: what a download stage sends. */
  stream: Uint8Array;
  patch: Uint8Array;
}

const imageCache = new Map<string, Images>();

/** v1 (counter 1) and v2 (counter 2) for `board`, about `bytes` bytes each. */
export function images(board: string, bytes: number): Images {
  const key = `${board}/${bytes}`;
  let im = imageCache.get(key);
  if (im === undefined) {
    const v1 = app({ version: "1.0.0", securityCounter: 1, board, padBytes: bytes });
    const v2 = app({ version: "2.0.0", securityCounter: 2, board, padBytes: bytes });
    im = { v1, v2, v0: app({ version: "0.9.0", securityCounter: 1, board, padBytes: bytes }), stream: toStreamOrder(v2), patch: makePatch(v1, v2) };
    imageCache.set(key, im);
  }
  return im;
}

/** A board prepared up to a stage's trigger, and the trigger. */
interface Prepared {
  board: Board;
  trigger: () => Promise<void>;
}

/**
 * Fills the active unit of a log with neutral records until `free` slots remain (host side, test
 * only): STEP records outside a swap (ignored) in the boot-state log, COUNTER 0 in the counter log.
 */
function fillLog(board: Board, which: "state" | "counter", free: number): void {
  const layout = bootLayout(board.spec.name, board.flash);
  const log = which === "state" ? stateLog(layout) : counterLog(layout);
  const view = log.read(board.flash);
  const a = view.active!;
  const n = log.slots - a.next - free;
  if (n <= 0) return;
  const bytes = new Uint8Array(n * RECORD_SIZE);
  const r = which === "state" ? rec.step(0) : rec.counter(0);
  for (let i = 0; i < n; i++) bytes.set(encodeRecord(r.type, r.body), i * RECORD_SIZE);
  board.flash.programNow(layout[which][a.unit].offset + a.next * RECORD_SIZE, bytes);
}

/** Prepares `stage` on a fresh board (deterministic: same calls, same flash). */
export async function prepare(boardName: string, stage: Stage, bytes: number, seed = 1): Promise<Prepared> {
  const { v1, v2, v0, stream, patch } = images(boardName, bytes);
  const T = stageTicks(boardName);
  const board = bootedBoard(boardName, v1, stage === "overwrite" ? "overwrite" : "swap", seed);
  await board.run(200);
  if (DOWNLOADS.includes(stage)) {
    writeSlot(board, "secondary", v0);
    (globalThis as unknown as { __tinyrtosOtaUpdate: Uint8Array }).__tinyrtosOtaUpdate = stage === "patch" ? patch : stream;
    return { board, trigger: () => command(board, "d", T) };
  }
  writeSlot(board, "secondary", v2);
  if (stage === "request") return { board, trigger: () => command(board, "u", T) };
  await command(board, "u", T);
  if (stage === "update-compaction") fillLog(board, "state", 2);
  if (stage === "update" || stage === "update-compaction" || stage === "overwrite") return { board, trigger: () => command(board, "r", T) };
  await command(board, "r", T); // v2 in its test boot
  // (A confirm may compact a log: a sector erase on the stm32h743 takes 1.1 s.)
  if (stage === "confirm") return { board, trigger: () => command(board, "c", T) };
  if (stage === "confirm-compaction") {
    fillLog(board, "state", 0);
    fillLog(board, "counter", 0);
    return { board, trigger: () => command(board, "c", T) };
  }
  return { board, trigger: () => command(board, "r", T) };
}

/** Flash operations of a stage's clean run (the cut points: each of them, torn or not). */
export async function stageOps(boardName: string, stage: Stage, bytes: number): Promise<number> {
  const p = await prepare(boardName, stage, bytes);
  const before = p.board.flash.ops;
  await p.trigger();
  return p.board.flash.ops - before;
}

/** What must hold after recovery; throws an Error saying what did not. */
export async function checkRecovered(board: Board, stage: Stage, bytes: number, what: string, anyVersion = false): Promise<void> {
  const { v1, v2 } = images(board.spec.name, bytes);
  const T = stageTicks(board.spec.name);
  const fail = (m: string) => {
    throw new Error(`${what}: ${m}; boots: ${JSON.stringify(bootRecords(board).slice(-4).map((r) => [r.resetReason, r.swap, r.resumed, r.outcome, r.version, r.testBoot, r.failure?.reason, r.storedSecurityCounter]))}`);
  };
  const failures = bootRecords(board).filter((r) => r.outcome !== "booted");
  if (failures.length > 0) fail(`a boot failed: ${failures[0]!.failure?.reason} ${failures[0]!.failure?.message}`);
  let last = lastBoot(board)!;
  const version = last.version;
  const expected: Record<Stage, string[]> = {
    request: ["1.0.0"],
    update: ["2.0.0"],
    "update-compaction": ["2.0.0"],
    overwrite: ["2.0.0"],
    revert: ["1.0.0"],
    confirm: ["1.0.0", "2.0.0"],
    "confirm-compaction": ["1.0.0", "2.0.0"],
    download: ["1.0.0"],
    patch: ["1.0.0"],
  };
  if (version === null || !(anyVersion ? ["1.0.0", "2.0.0"] : expected[stage]).includes(version)) fail(`booted ${version}, expected ${expected[stage].join(" or ")}`);
  if (!board.world.uart(0).text().startsWith(`app ${version}`)) fail(`the application did not run (UART: ${JSON.stringify(board.world.uart(0).text())})`);
  let st = readBootState(board);
  if (DOWNLOADS.includes(stage)) {
    // The secondary holds the leftover (the cut came before the first erase), the complete new
    // image, or nothing valid: never half an image taken for whole.
    const { v0 } = images(board.spec.name, bytes);
    const ok = st.secondary === null || st.secondary.version === "2.0.0" || st.secondary.version === "0.9.0";
    if (!ok) fail(`the secondary holds ${st.secondary?.version}`);
    if (st.secondary?.version === "0.9.0" && st.secondary.sizeBytes !== v0.length) fail("the leftover image changed size");
    if (st.secondary?.version === "2.0.0") {
      const { v2 } = images(board.spec.name, bytes);
      const got = new Uint8Array(v2.length);
      board.flash.read(bootLayout(board.spec.name, board.flash).secondary.offset, got);
      if (!got.every((b, i) => b === v2[i])) fail("the secondary is reported to hold 2.0.0 but does not, byte for byte");
    }
    if (st.pending !== null && !st.pending.matchesSecondary) fail("a pending request for another image than the secondary's");
  }
  // The stored counter never exceeds the running image's (it could not boot otherwise) and
  // rises only with a confirmed image.
  const counter = version === "2.0.0" ? 2 : 1;
  if (st.securityCounter > counter) fail(`stored counter ${st.securityCounter} above the running image's ${counter}`);
  if (!st.testBoot && st.securityCounter !== counter) fail(`confirmed image with counter ${counter}, stored ${st.securityCounter}`);
  if (st.testBoot && st.securityCounter !== 1) fail(`test boot raised the counter to ${st.securityCounter}`);
  // Finish: confirm a test boot, reset, and compare with a clean end state.
  if (stage === "request" || DOWNLOADS.includes(stage)) {
    if (st.pending === null) {
      await command(board, DOWNLOADS.includes(stage) ? "d" : "u", T);
      st = readBootState(board);
      if (st.pending === null) fail("the request could not be made again");
    }
    await command(board, "r", T);
    last = lastBoot(board)!;
    if (!anyVersion && (last.version !== "2.0.0" || !last.testBoot)) fail(`after the request, the reset booted ${last.version} test ${last.testBoot}`);
  }
  if (readBootState(board).testBoot) await command(board, "c", T);
  await command(board, "r", T);
  last = lastBoot(board)!;
  st = readBootState(board);
  const final = last.version;
  if (last.outcome !== "booted" || st.testBoot || st.pending !== null || st.swapInProgress) fail(`final state not settled: ${JSON.stringify({ ...st, primary: st.primary?.version, secondary: st.secondary?.version })}`);
  if (st.securityCounter !== (final === "2.0.0" ? 2 : 1)) fail(`final counter ${st.securityCounter} for ${final}`);
  const layout = bootLayout(board.spec.name, board.flash);
  const slot = (offset: number, n: number) => {
    const b = new Uint8Array(n);
    board.flash.read(offset, b);
    return b;
  };
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  const [inPrimary, inSecondary] = final === "2.0.0" ? [v2, v1] : [v1, v2];
  if (!same(slot(layout.primary.offset, inPrimary.length), inPrimary)) fail(`the primary slot does not hold ${final} byte for byte`);
  if (stage !== "overwrite" && !same(slot(layout.secondary.offset, inSecondary.length), inSecondary)) fail("the secondary slot does not hold the other image byte for byte");
  if (stage === "overwrite" && !same(slot(layout.secondary.offset, v2.length), v2)) fail("overwrite changed the secondary slot");
}

/**
 * One cut at operation `k` of `stage` (torn or not), then recovery and the checks. The board's
 * `seed` seeds its power PRNG: how much of a torn operation is done.
 */
export async function cutOnce(boardName: string, stage: Stage, bytes: number, k: number, tear: boolean, seed = 1): Promise<void> {
  const p = await prepare(boardName, stage, bytes, seed);
  p.board.cutPower({ atFlashOp: k, tear });
  await p.trigger();
  if (p.board.powered) throw new Error(`${stage} k=${k}: the cut did not fall within the stage`);
  p.board.powerOn();
  await p.board.run(stageTicks(boardName));
  await checkRecovered(p.board, stage, bytes, `${boardName} ${stage} cut at op ${k}${tear ? ` (torn, seed ${seed})` : ""}`);
}

/**
 * Every cut point of `stages` on `boardName`: each flash operation of a clean run, cut before it
 * and torn (with board seed 1, then each of `tearSeeds`: other torn amounts). Returns how many
 * were tried, in all and per stage.
 */
export async function sweep(boardName: string, stages: readonly Stage[], bytes: number, tearSeeds: readonly number[] = []): Promise<{ points: number; perStage: Record<string, number> }> {
  let points = 0;
  const perStage: Record<string, number> = {};
  for (const stage of stages) {
    const n = await stageOps(boardName, stage, bytes);
    let here = 0;
    for (let k = 0; k < n; k++) {
      for (const tear of [false, true]) {
        await cutOnce(boardName, stage, bytes, k, tear);
        here++;
      }
      for (const seed of tearSeeds) {
        await cutOnce(boardName, stage, bytes, k, true, seed);
        here++;
      }
    }
    perStage[stage] = here;
    points += here;
  }
  return { points, perStage };
}

/** The exhaustive sweeps the test runs and the bench counts (`ota.powercut.points`). */
export const SWEEPS: readonly { board: string; stages: readonly Stage[]; tearSeeds: readonly number[]; what: string }[] = [
  { board: "nrf52840", stages: STAGES, tearSeeds: [], what: "every stage" },
  { board: "nrf52840", stages: ["update", "revert"], tearSeeds: [2, 3, 4], what: "update and revert, torn cuts again with three more torn amounts (board seeds 2, 3, 4)" },
  { board: "esp32c3", stages: ["update", "update-compaction", "confirm", "confirm-compaction", "revert", "download", "patch"], tearSeeds: [], what: "update, confirm and revert, also across log compactions; a download of an image and of a patch" },
  { board: "stm32h743", stages: ["update", "update-compaction", "confirm", "confirm-compaction", "revert", "download", "patch"], tearSeeds: [], what: "update, confirm and revert, also across log compactions (128 KB sectors, 32-byte words written once); a download of an image and of a patch" },
];

/** The images' size in the sweeps: about 9 KB, 3 erase units on the nrf52840 and the esp32c3, 1 sector on the stm32h743. */
export const SWEEP_BYTES = 9000;

/** Runs every sweep of SWEEPS; the cut points tried, in all and per sweep. */
export async function allSweeps(): Promise<{ points: number; perSweep: { board: string; what: string; points: number }[] }> {
  let points = 0;
  const perSweep: { board: string; what: string; points: number }[] = [];
  for (const s of SWEEPS) {
    const r = await sweep(s.board, s.stages, SWEEP_BYTES, s.tearSeeds);
    points += r.points;
    perSweep.push({ board: s.board, what: s.what, points: r.points });
  }
  return { points, perSweep };
}

/**
 * A random schedule of 2–4 cuts from `seed`: the first during the stage, each next one during the
 * recovery from the last (at a random operation of a clean recovery's count, torn or not; when
 * the recovery ends before it, the power is cycled at the end of the run instead), then a clean
 * recovery and the checks. Returns the cuts made.
 */
export async function multiCut(boardName: string, stage: Stage, bytes: number, seed: number): Promise<number> {
  const prng = new Prng(seed >>> 0 || 1);
  const n = await stageOps(boardName, stage, bytes);
  const p = await prepare(boardName, stage, bytes);
  const cuts = 2 + prng.nextInt(3);
  const T = stageTicks(boardName);
  p.board.cutPower({ atFlashOp: prng.nextInt(n), tear: prng.nextInt(2) === 1 });
  await p.trigger();
  for (let c = 1; c < cuts; c++) {
    p.board.powerOn();
    p.board.cutPower({ atFlashOp: prng.nextInt(n), tear: prng.nextInt(2) === 1 });
    await p.board.run(T);
  }
  p.board.powerOn();
  await p.board.run(T);
  await checkRecovered(p.board, stage, bytes, `${boardName} ${stage} seed ${seed} (${cuts} cuts)`, true);
  return cuts;
}
