/**
 * Shared pieces of the bootloader tests: signed test applications (small ES modules that print
 * their version on UART 0 and obey one-letter commands sent to it), boards with the bootloader
 * installed, and the world-side driving of updates.
 *
 * Commands (the world writes one byte to UART 0): "u" requestUpgrade (test), "p" requestUpgrade
 * (permanent), "c" confirmImage, "r" software reset, "w" start the watchdog and never feed it,
 * "d" download the update in `globalThis.__tinyrtosOtaUpdate` (an image in stream order or a
 * patch) with otaClient in 256-byte chunks, then markPending.
 */
import { createBoard, type Board } from "../../src/hal/index.js";
import { createImage, signImage, generateSigningKey, installBootloader, writeSlot, lastBoot, bootRecords } from "../../src/ota/index.js";
import type { BootMode } from "../../src/ota/slots.js";
import { readBootState } from "../../src/ota/updater.js";

export { createBoard, createImage, signImage, generateSigningKey, installBootloader, writeSlot, lastBoot, bootRecords, readBootState };
export type { Board, BootMode };

/** The global the test application's "d" command takes its update from. */
export const OTA_UPDATE_GLOBAL = "__tinyrtosOtaUpdate";

/** 1 tick = 1 ms. */
export const config = { configTICK_RATE_HZ: 1000 };

/** One signing key for all tests (fixed: deterministic images). */
export const privateKey = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);
export const otherKey = Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + 5) & 0xff);

export interface AppOptions {
  version: string;
  securityCounter: number;
  board: string;
  /** Confirms itself right after printing (a passing self-test). */
  autoConfirm?: boolean;
  /** Pads the payload to about this many bytes (a comment), to span several erase units. */
  padBytes?: number;
}

/** The module text of a test application. */
export function appSource(o: AppOptions): string {
  const text = `import { requestUpgrade, confirmImage, readBootState, otaClient } from "tinyrtos/ota";
export async function main(board) {
  await board.rtos.xTaskCreate(async () => {
    const u = board.uart(0);
    u.configure({ baudRate: 115200 });
    const st = readBootState(board);
    await u.write("app ${o.version} " + (st.testBoot ? "test" : "confirmed") + "\\n");
    ${o.autoConfirm === true ? 'await confirmImage(board); await u.write("self-confirmed\\n");' : ""}
    const buf = new Uint8Array(1);
    for (;;) {
      const n = await u.read(buf, 1000);
      if (n === 0) continue;
      const c = String.fromCharCode(buf[0]);
      try {
        if (c === "u") { await requestUpgrade(board); await u.write("requested\\n"); }
        else if (c === "p") { await requestUpgrade(board, { permanent: true }); await u.write("requested\\n"); }
        else if (c === "c") { await confirmImage(board); await u.write("confirmed\\n"); }
        else if (c === "r") { board.reset("software"); }
        else if (c === "w") { board.watchdog.start(50); }
        else if (c === "d") {
          const update = globalThis.__tinyrtosOtaUpdate;
          const chunks = [];
          for (let at = 0; at < update.length; at += 256) chunks.push(update.subarray(at, at + 256));
          const ota = otaClient(board);
          const written = await ota.write(chunks);
          await ota.markPending();
          await u.write("downloaded " + written.version + "\\n");
        }
      } catch (e) {
        await u.write("error " + (e && e.reason ? e.reason : String(e)) + "\\n");
      }
    }
  }, "app", 512, null, 2);
}
`;
  const pad = Math.max(0, (o.padBytes ?? 0) - text.length);
  // A deterministic, incompressible-looking comment (not 0xFF, so every unit is programmed).
  let filler = "";
  let x = o.securityCounter * 7919 + o.version.length;
  while (filler.length < pad) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    filler += String.fromCharCode(97 + (x % 26));
  }
  return pad > 0 ? `${text}/* ${filler} */\n` : text;
}

/** A signed test application. */
export function app(o: AppOptions, key: Uint8Array = privateKey): Uint8Array {
  return signImage(createImage({ payload: appSource(o), version: o.version, securityCounter: o.securityCounter, board: o.board }), key);
}

/** A board with the bootloader installed (with the test key) and `primary` in slot 0. */
export function bootedBoard(name: string, primary: Uint8Array | null, mode: BootMode = "swap", seed = 1): Board {
  const board = createBoard(name, { seed, config, firmware: () => {} });
  installBootloader(board, { publicKey: publicKeyOfTests(), mode });
  if (primary !== null) writeSlot(board, "primary", primary);
  return board;
}

import { publicKeyOf } from "../../src/ota/index.js";
let pk: Uint8Array | null = null;
export function publicKeyOfTests(): Uint8Array {
  return (pk ??= publicKeyOf(privateKey));
}

/** Sends a one-letter command to the application and runs the board `ticks`. */
export async function command(board: Board, c: string, ticks = 200): Promise<void> {
  board.world.uart(0).write(c);
  await board.run(ticks);
}

/** The version the last boot booted (null: failed or none). */
export function bootedVersion(board: Board): string | null {
  const r = lastBoot(board);
  return r !== null && r.outcome === "booted" ? r.version : null;
}
