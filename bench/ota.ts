/**
 * Benchmarks of the image build and of a whole update (issue 13, "Measure"). Simulation figures
 * are deterministic; `ota.build.repro` is 1 or 0.
 *
 * - `ota.build.repro`: the OTA example's firmware (examples/ota-app) copied into two temporary
 *   folders and built in each, the second build more than a second after the first: 1 when the two
 *   images are identical byte for byte.
 * - `ota.update.sim_s`: simulated seconds of a full 256 KB update on the nrf52840: the host sends
 *   the signed image over UART 0 at 115200 baud (8N1, stop-and-wait frames of 256 bytes; the
 *   firmware's otaClient writes each to the secondary slot, erasing 4 KB units as it goes), the
 *   reset, the bootloader's swap-move of the 64 units and the test boot, until the new image has
 *   passed its self-test and confirmed itself. Also its parts: download, swap and boot, and the
 *   wire time alone (the floor of the download at that baud rate).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBoard } from "../src/hal/index.js";
import { buildImage, createImage, signImage, publicKeyOf, installBootloader, writeSlot, sendUpdate, toStreamOrder, lastBoot } from "../src/ota/index.js";
import { parseImage } from "../src/ota/image.js";
import { Prng } from "../src/kernel/index.js";
import { CONSOLE_UART, UPDATE_UART, BAUD } from "../examples/ota-app/app.js";
import type { Benchmark, Figure } from "./harness.js";

const APP_DIR = fileURLToPath(new URL("../../examples/ota-app/", import.meta.url));
const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + 1) & 0xff);

async function buildRepro(): Promise<Figure[]> {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "tinyrtos-repro-")));
  try {
    const images: Uint8Array[] = [];
    for (const dir of dirs) {
      cpSync(APP_DIR, dir, { recursive: true });
      images.push(await buildImage({ entry: join(dir, "main.ts"), version: "1.0.0", securityCounter: 1, board: "nrf52840" }));
      await new Promise((r) => setTimeout(r, 1100)); // a later second for the second build
    }
    const same = images[0]!.length === images[1]!.length && images[0]!.every((b, i) => b === images[1]![i]);
    return [
      { name: "ota.build.repro", value: same ? 1 : 0, unit: "1 when two builds of examples/ota-app in different folders, a second apart, are identical" },
      { name: "ota.build.image_bytes", value: images[0]!.length, unit: "bytes of the unsigned example image" },
    ];
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The example's firmware grown to `totalBytes` with an incompressible comment (as a large application would be). */
async function bigImage(version: string, securityCounter: number, totalBytes: number): Promise<Uint8Array> {
  const built = parseImage(await buildImage({ entry: join(APP_DIR, "main.ts"), version, securityCounter, board: "nrf52840" }));
  const code = new TextDecoder().decode(built.payload);
  const prng = new Prng(securityCounter * 7919);
  const fill = totalBytes - 64 - 144 - code.length - 6;
  let filler = "";
  for (let i = 0; i < fill; i++) filler += String.fromCharCode(97 + prng.nextInt(26));
  return signImage(createImage({ payload: `${code}\n/*${filler}*/`, version, securityCounter, board: "nrf52840" }), KEY);
}

async function updateSim(): Promise<Figure[]> {
  const sizeBytes = 256 * 1024;
  const v1 = await bigImage("1.0.0", 1, sizeBytes);
  const v2 = await bigImage("2.0.0", 2, sizeBytes);
  const board = createBoard("nrf52840", { seed: 1, config: { configTICK_RATE_HZ: 1000 }, firmware: () => {} });
  installBootloader(board, { publicKey: publicKeyOf(KEY) });
  writeSlot(board, "primary", v1);
  await board.run(10);
  const t0 = board.now();
  const sent = await sendUpdate(board, toStreamOrder(v2), "image", { uart: UPDATE_UART });
  const tDownloaded = board.now();
  // Until the new image has booted, tested and confirmed itself.
  const console = board.world.uart(CONSOLE_UART);
  let tBooted = 0;
  for (let waited = 0; waited < 120_000; waited += 10) {
    await board.run(10);
    const boot = lastBoot(board);
    if (tBooted === 0 && boot !== null && boot.version === "2.0.0") tBooted = boot.tick;
    if (console.text().includes("self-test passed")) break;
  }
  if (tBooted === 0 || !console.text().includes("self-test passed")) throw new Error(`the update did not complete: ${console.text()}`);
  const tConfirmed = board.now();
  const wireSeconds = (v2.length * 10) / BAUD;
  const s = (ticks: number) => Math.round(ticks) / 1000;
  return [
    { name: "ota.update.sim_s", value: s(tConfirmed - t0), unit: `simulated s: a ${sizeBytes}-byte image to nrf52840 at ${BAUD} baud, download + swap + boot + self-test confirm` },
    { name: "ota.update.download_s", value: s(tDownloaded - t0), unit: `simulated s of the transfer (${sent.frames} frames of 256 bytes, stop-and-wait, flash writes included)` },
    { name: "ota.update.wire_floor_s", value: Math.round(wireSeconds * 1000) / 1000, unit: "s the image's bytes alone take on the wire at 8N1 (the download's floor)" },
    { name: "ota.update.swap_boot_s", value: s(tBooted - tDownloaded), unit: "simulated s from the reset to the new image running (swap-move of 64 units and boot)" },
  ];
}

export const benchmarks: Record<string, Benchmark> = { buildRepro, updateSim };
