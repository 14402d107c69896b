/**
 * Flash wear of the bootloader: `updates` confirmed updates in a row (download into the secondary
 * as a programmer writes it, request, reset, test boot, confirm), then the erase count of every
 * erase unit by area. Used by test/ota/bootloader.test.ts (50 updates) and the bench
 * (bench/ota-boot.ts: 1,000 updates).
 */
import { app, bootedBoard, command, lastBoot, readBootState, writeSlot } from "./helpers.js";
import { bootLayout, type FlashArea } from "../../src/ota/layout.js";

export interface WearSummary {
  updates: number;
  /** Most erases of one unit, per area. */
  primaryMax: number;
  secondaryMax: number;
  /** Erases of the primary unit right after the image (swap-move's spare for this image size). */
  primarySpare: number;
  stateMax: number;
  counterMax: number;
  /** Units of each slot an update moves. */
  unitsPerUpdate: number;
}

export async function wearRun(boardName: string, updates: number, bytes: number): Promise<{ summary: WearSummary; counts: Record<string, number[]> }> {
  const img = (i: number) => app({ version: `1.${Math.floor(i / 256)}.${i % 256}`, securityCounter: i, board: boardName, padBytes: bytes });
  const b = bootedBoard(boardName, img(0));
  const ticks = boardName === "stm32h743" ? 15_000 : 3_000;
  await b.run(100);
  for (let i = 1; i <= updates; i++) {
    const next = img(i);
    writeSlot(b, "secondary", next);
    await command(b, "u", 500);
    await command(b, "r", ticks);
    await command(b, "c", 500); // a log compaction (page erase 85 ms) may come with it
    const r = lastBoot(b)!;
    const st = readBootState(b);
    if (r.version !== `1.${Math.floor(i / 256)}.${i % 256}` || st.testBoot || st.securityCounter !== i) throw new Error(`update ${i} did not complete: ${JSON.stringify(r)}`);
  }
  const layout = bootLayout(boardName, b.flash);
  const unit = layout.eraseBytes;
  const counts = (a: FlashArea) => Array.from({ length: a.units }, (_, k) => b.flash.eraseCount(a.offset / unit + k));
  const c = {
    primary: counts(layout.primary),
    secondary: counts(layout.secondary),
    state: [...counts(layout.state[0]), ...counts(layout.state[1])],
    counter: [...counts(layout.counter[0]), ...counts(layout.counter[1])],
  };
  const max = (a: number[]) => Math.max(...a);
  return {
    counts: c,
    summary: {
      updates,
      primaryMax: max(c.primary),
      secondaryMax: max(c.secondary),
      stateMax: max(c.state),
      counterMax: max(c.counter),
      primarySpare: c.primary[Math.ceil(img(1).length / unit)]!,
      unitsPerUpdate: Math.ceil(img(1).length / unit),
    },
  };
}
