/**
 * Benchmarks of the bootloader (issue 13, "Reliability" and "Measure"). Simulation figures
 * (deterministic), except where a unit says host time; never asserted in tests.
 *
 * - `ota.powercut.points`: cut points the exhaustive power-cut sweeps try (test/ota/powercut-kit.ts
 *   SWEEPS, what test/ota/powercut.test.ts runs: every flash operation of each stage, before it
 *   and torn), each one run and checked here too; plus the per-board counts.
 * - `ota.wear.<area>.max_erases`: the most erases of one erase unit per area after 1,000 confirmed
 *   updates of a 3-unit image on the nrf52840 (download, request, swap, test boot, confirm).
 * - `ota.boot.swap_ms_per_unit`: simulated milliseconds of a test swap per 4 KB unit on the nrf52840.
 */
import { allSweeps } from "../test/ota/powercut-kit.js";
import { wearRun } from "../test/ota/wear-kit.js";
import { app, bootedBoard, command, lastBoot, writeSlot } from "../test/ota/helpers.js";
import type { Benchmark, Figure } from "./harness.js";

const BYTES = 9000;

async function powercutPoints(): Promise<Figure[]> {
  const r = await allSweeps();
  const per = new Map<string, number>();
  for (const s of r.perSweep) per.set(s.board, (per.get(s.board) ?? 0) + s.points);
  return [
    { name: "ota.powercut.points", value: r.points, unit: "cut points tried by the exhaustive sweeps (each run and checked)" },
    ...[...per].map(([board, points]) => ({ name: `ota.powercut.points.${board}`, value: points, unit: "cut points" })),
  ];
}

async function wear1000(): Promise<Figure[]> {
  const w = await wearRun("nrf52840", 1000, BYTES);
  const s = w.summary;
  return [
    { name: "ota.wear.primary.max_erases", value: s.primaryMax, unit: `erases of one primary unit after ${s.updates} updates of ${s.unitsPerUpdate} units` },
    { name: "ota.wear.secondary.max_erases", value: s.secondaryMax, unit: "erases of one secondary unit (download + swap)" },
    { name: "ota.wear.primary_spare.erases", value: s.primarySpare, unit: "erases of the primary unit after the image (swap-move's spare)" },
    { name: "ota.wear.state.max_erases", value: s.stateMax, unit: "erases of one boot-state log unit" },
    { name: "ota.wear.counter.max_erases", value: s.counterMax, unit: "erases of one security-counter log unit" },
  ];
}

async function swapTime(): Promise<Figure[]> {
  const units = 16;
  const img = (version: string, c: number) => app({ version, securityCounter: c, board: "nrf52840", padBytes: units * 4096 - 600 });
  const b = bootedBoard("nrf52840", img("1.0.0", 1));
  await b.run(100);
  writeSlot(b, "secondary", img("2.0.0", 2));
  await command(b, "u");
  const t0 = b.now();
  b.reset("software");
  await b.run(10_000);
  return [{ name: "ota.boot.swap_ms_per_unit", value: Math.round(((lastBoot(b)!.tick - t0) / units) * 10) / 10, unit: "simulated ms per 4 KB unit (nrf52840, swap-move)" }];
}

export const benchmarks: Record<string, Benchmark> = { powercutPoints, wear1000, swapTime };
