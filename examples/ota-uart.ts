/**
 * ota-uart — signed over-the-air updates over a UART, with a test boot and a rollback, on a
 * virtual nRF52840 (the firmware is examples/ota-app/).
 *
 * Run it:
 *
 *   npm run build && node dist/examples/ota-uart.js
 *
 * What happens (all in board time, the host side driving it as a programmer and a serial cable
 * would):
 *
 * 1. Three images are built from the same sources with `buildImage` (esbuild, bit-reproducible)
 *    and signed with one Ed25519 key: 1.0.0 (good, counter 1), 1.1.0 (a parser bug, counter 1),
 *    1.2.0 (good, counter 2). The bootloader is installed with the public key, and 1.0.0 is
 *    written to the primary slot as a programmer would.
 * 2. The host sends 1.1.0 as a full image over UART 0 at 115200 baud (`sendUpdate`: CRC-checked
 *    frames, stop-and-wait, progress). The firmware's `otaClient` checks it before writing,
 *    writes it to the secondary slot and marks it pending; the reset swaps it in for a test boot.
 *    Its self-test fails, it resets, and the bootloader swaps 1.0.0 back (revert).
 * 3. The host sends 1.2.0 as a delta patch against 1.0.0 (`makePatch`); it is applied into the
 *    secondary slot, test-booted, passes its self-test and confirms itself: the stored security
 *    counter rises to 2.
 * 4. The host sends 1.1.0 again: its security counter (1) is below the stored one (2), so the
 *    firmware refuses it before writing anything, and the host gets the reason.
 *
 * The console (UART 1) shows the firmware's side, the boot records the bootloader's.
 */
import { pathToFileURL, fileURLToPath } from "node:url";
import { createBoard, type Board } from "../src/hal/index.js";
import {
  buildImage, signImage, publicKeyOf, installBootloader, writeSlot, makePatch, sendUpdate, toStreamOrder, bootRecords, ImageError, type BootRecord,
} from "../src/ota/index.js";
import { CONSOLE_UART, UPDATE_UART } from "./ota-app/app.js";

/** The example's signing key (fixed, so the run is the same every time; a product keeps its key secret). */
const SIGNING_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 17) & 0xff);
const BOARD = "nrf52840";
/** Board time the firmware gets after each update to reset, swap, boot and test itself. */
const SETTLE_TICKS = 3000;

/** The sources of the example's firmware, next to the compiled example or in the repository. */
function source(file: string): string {
  return fileURLToPath(new URL(`../../examples/ota-app/${file}`, import.meta.url));
}

/** One update the host sent, and what came of it. */
export interface OtaStep {
  readonly what: string;
  readonly kind: "image" | "patch";
  readonly bytes: number;
  /** The firmware's answer: the version it took, or the refusal's reason. */
  readonly outcome: string;
  /** Board seconds the transfer took. */
  readonly transferSeconds: number;
}

/** What the example did. */
export interface OtaDemoResult {
  readonly steps: readonly OtaStep[];
  /** The firmware's console (UART 1), every boot. */
  readonly console: string;
  readonly boots: readonly BootRecord[];
  readonly board: Board;
}

/** Runs the example; `onProgress` sees each transfer's progress (bytes acknowledged, total). */
export async function runOtaDemo(options: { onProgress?: (what: string, sentBytes: number, totalBytes: number) => void } = {}): Promise<OtaDemoResult> {
  const sign = async (entry: string, version: string, securityCounter: number) =>
    signImage(await buildImage({ entry: source(entry), version, securityCounter, board: BOARD }), SIGNING_KEY);
  const v100 = await sign("main.ts", "1.0.0", 1);
  const v110 = await sign("main-faulty.ts", "1.1.0", 1);
  const v120 = await sign("main.ts", "1.2.0", 2);

  const board = createBoard(BOARD, { seed: 1, config: { configTICK_RATE_HZ: 1000 }, firmware: () => {} });
  installBootloader(board, { publicKey: publicKeyOf(SIGNING_KEY) });
  writeSlot(board, "primary", v100);
  await board.run(10); // 1.0.0 boots and listens

  const steps: OtaStep[] = [];
  const send = async (what: string, update: Uint8Array, kind: "image" | "patch") => {
    const t0 = board.now();
    let outcome: string;
    try {
      const result = await sendUpdate(board, update, kind, { uart: UPDATE_UART, onProgress: (sent, total) => options.onProgress?.(what, sent, total) });
      outcome = `taken: ${result.reply}`;
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      outcome = `refused (${e.reason})`;
    }
    steps.push({ what, kind, bytes: update.length, outcome, transferSeconds: (board.now() - t0) / 1000 });
    await board.run(SETTLE_TICKS);
  };
  await send("1.1.0 (faulty), full image", toStreamOrder(v110), "image");
  await send("1.2.0, patch against 1.0.0", makePatch(v100, v120), "patch");
  await send("1.1.0 again (a downgrade)", toStreamOrder(v110), "image");

  const console = new TextDecoder().decode(Uint8Array.from(board.world.uart(CONSOLE_UART).txLog, (e) => e.byte));
  return { steps, console, boots: bootRecords(board), board };
}

// Run only when executed directly (`node dist/examples/ota-uart.js`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const printed = new Map<string, number>();
  runOtaDemo({
    // A line at 0, 25, 50, 75 and 100 % of each transfer.
    onProgress: (what, sent, total) => {
      const pct = sent === total ? 100 : Math.floor((4 * sent) / total) * 25;
      if (printed.get(what) === pct) return;
      printed.set(what, pct);
      process.stdout.write(`host: sending ${what}: ${pct}% (${sent} / ${total} bytes)\n`);
    },
  }).then(
    (r) => {
      for (const s of r.steps) process.stdout.write(`host: ${s.what}: ${s.bytes} bytes in ${s.transferSeconds.toFixed(2)} s of board time, ${s.outcome}\n`);
      process.stdout.write(`\nconsole (UART ${CONSOLE_UART}):\n${r.console}\nboot records:\n`);
      for (const b of r.boots)
        process.stdout.write(`  boot ${b.boot} (${b.resetReason}): ${b.outcome} ${b.version ?? "-"}${b.testBoot ? " (test boot)" : ""}${b.swap !== null ? `, ${b.swap}` : ""}, stored counter ${b.storedSecurityCounter}\n`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
