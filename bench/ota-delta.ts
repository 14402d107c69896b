/**
 * Delta patch sizes and speeds on real firmware-like pairs (issue 13, "Delta updates"). Host-time
 * figures vary with the machine; sizes do not. Never asserted in tests.
 *
 * The pairs come from npm tarballs (`npm pack`, cached outside the repository in
 * `$TINYRTOS_BENCH_CACHE` or `~/.cache/tinyrtos-bench`, reused when present; read with the small
 * tar reader below). Without network the figures are skipped with a message on stderr, exit 0.
 *
 * - `ota.delta.<pair>.bytes`: our raw delta (`encodeDelta`, default 128 KiB blocks, block table
 *   included) — raw because the tools' figures are raw deltas of the same files.
 * - `ota.delta.<pair>.ratio`: that size / the best of bsdiff, xdelta3, zstd --patch-from and
 *   HDiffPatch as measured by the author. Goal ≤ 1.1.
 *   The issue lists 4,315 B for micro:bit v2 and 67,999 B for v1; those look swapped: on these
 *   files `zstd -19 --long=27 --patch-from` gives 7,311 B for the nRF51 (v1, 0x18000–0x3C000)
 *   images and 65,488 B for the nRF52833 (v2, 0x1C000–0x77000) ones, so no tool reaches 4,315 B
 *   on v2. We compare v1 with 4,315 B and v2 with 67,999 B.
 * - `ota.apply.ram.bytes`: the most typed memory the streamed applier held, over all pairs,
 *   applying full patches (`makePatch` of the files wrapped as images: manifest, hashes).
 * - `ota.apply.ms_per_mb`, `ota.make.ms_per_mb`: host milliseconds per MB of new image (apply:
 *   the full patch through `createPatchApplier` with SHA-256 of base and result; make: `encodeDelta`).
 *
 * micro:bit images: `pxt-microbit`'s `built/hexcache` holds Intel HEX files, two variants per
 * board; a file whose flash data ends below 0x40000 is a v1 (nRF51822, 256 KB), else a v2
 * (nRF52833). Each version's variant with the fewest data bytes is taken; the region is cut out
 * as binary, gaps 0xFF.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createImage, createPatchApplier, encodeDelta, makePatch } from "../src/ota/index.js";
import { decodeDelta } from "../src/ota/patch.js";
import { round, type Benchmark, type Figure } from "./harness.js";

const cacheDir = process.env.TINYRTOS_BENCH_CACHE ?? join(homedir(), ".cache", "tinyrtos-bench");

/** The files of an npm package version: path (without "package/") → bytes. */
function npmFiles(name: string, version: string): Map<string, Uint8Array> {
  mkdirSync(cacheDir, { recursive: true });
  const tgz = `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
  const path = join(cacheDir, tgz);
  if (!existsSync(path)) execFileSync("npm", ["pack", `${name}@${version}`, "--silent"], { cwd: cacheDir, stdio: ["ignore", "pipe", "pipe"] });
  if (!existsSync(path)) throw new Error(`npm pack ${name}@${version} did not leave ${tgz} in ${cacheDir}`);
  return untar(gunzipSync(readFileSync(path)));
}

/** A ustar reader: regular files only; names joined with the ustar prefix; GNU long names. */
function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (at: number, len: number): string => {
    let end = at;
    while (end < at + len && tar[end] !== 0) end++;
    return new TextDecoder().decode(tar.subarray(at, end));
  };
  let at = 0;
  let longName: string | null = null;
  while (at + 512 <= tar.length) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break;
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[at + 156]!);
    const prefix = text(at + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${text(at, 100)}` : text(at, 100));
    longName = null;
    const body = tar.subarray(at + 512, at + 512 + size);
    if (type === "L") longName = text(at + 512, size);
    else if (type === "0" || type === "\0") {
      name = name.replace(/^[^/]+\//, ""); // "package/…"
      files.set(name, body);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Intel HEX → the flash bytes of [lo, hi) (gaps 0xFF), and the data's end address and byte count. */
function hexRegion(hex: string, lo: number, hi: number): { bytes: Uint8Array; flashEnd: number; dataBytes: number } {
  const bytes = new Uint8Array(hi - lo).fill(0xff);
  let base = 0;
  let flashEnd = 0;
  let dataBytes = 0;
  for (const line of hex.split(/\r?\n/)) {
    if (!line.startsWith(":")) continue;
    const rec = Uint8Array.from(line.slice(1).match(/../g)!.map((h) => parseInt(h, 16)));
    const len = rec[0]!;
    const addr = (rec[1]! << 8) | rec[2]!;
    const type = rec[3]!;
    if (type === 4) base = ((rec[4]! << 8) | rec[5]!) * 0x10000;
    else if (type === 2) base = ((rec[4]! << 8) | rec[5]!) * 16;
    else if (type === 0) {
      const a0 = base + addr;
      if (a0 < 0x1000_0000) {
        flashEnd = Math.max(flashEnd, a0 + len);
        dataBytes += len;
      }
      for (let i = 0; i < len; i++) {
        const a = a0 + i;
        if (a >= lo && a < hi) bytes[a - lo] = rec[4 + i]!;
      }
    }
  }
  return { bytes, flashEnd, dataBytes };
}

function microbit(files: Map<string, Uint8Array>, v: 1 | 2): Uint8Array {
  const [lo, hi] = v === 1 ? [0x18000, 0x3c000] : [0x1c000, 0x77000];
  const candidates = [...files.entries()]
    .filter(([p]) => p.startsWith("built/hexcache/") && p.endsWith(".hex"))
    .map(([, b]) => hexRegion(new TextDecoder().decode(b), lo, hi))
    .filter((r) => (r.flashEnd <= 0x40000) === (v === 1))
    .sort((a, b) => a.dataBytes - b.dataBytes);
  if (candidates.length === 0) throw new Error(`no micro:bit v${v} image in built/hexcache`);
  return candidates[0]!.bytes;
}

function stub(files: Map<string, Uint8Array>): Uint8Array {
  const j = JSON.parse(new TextDecoder().decode(files.get("lib/targets/stub_flasher/stub_flasher_32.json"))) as { text: string; data: string };
  const text = Buffer.from(j.text, "base64");
  const data = Buffer.from(j.data, "base64");
  return Uint8Array.from(Buffer.concat([text, data]));
}

function file(files: Map<string, Uint8Array>, path: string): Uint8Array {
  const f = files.get(path);
  if (!f) throw new Error(`no ${path} in the package`);
  return f;
}

interface Pair {
  name: string;
  bestBytes: number;
  load(): [Uint8Array, Uint8Array];
}

const pairs: Pair[] = [
  { name: "micropython", bestBytes: 404, load: () => [file(npmFiles("@micropython/micropython-webassembly-pyscript", "1.24.0"), "micropython.wasm"), file(npmFiles("@micropython/micropython-webassembly-pyscript", "1.24.1"), "micropython.wasm")] },
  { name: "sqljs", bestBytes: 21_023, load: () => [file(npmFiles("sql.js", "1.10.2"), "dist/sql-wasm.wasm"), file(npmFiles("sql.js", "1.10.3"), "dist/sql-wasm.wasm")] },
  { name: "microbit_v2", bestBytes: 67_999, load: () => [microbit(npmFiles("pxt-microbit", "7.0.6"), 2), microbit(npmFiles("pxt-microbit", "8.1.9"), 2)] },
  { name: "microbit_v1", bestBytes: 4_315, load: () => [microbit(npmFiles("pxt-microbit", "7.0.6"), 1), microbit(npmFiles("pxt-microbit", "8.1.9"), 1)] },
  { name: "esptool_stub", bestBytes: 1_176, load: () => [stub(npmFiles("esptool-js", "0.5.0")), stub(npmFiles("esptool-js", "0.5.2"))] },
  { name: "esbuild", bestBytes: 130_541, load: () => [file(npmFiles("@esbuild/linux-x64", "0.25.11"), "bin/esbuild"), file(npmFiles("@esbuild/linux-x64", "0.25.12"), "bin/esbuild")] },
];

function asImage(payload: Uint8Array, version: string): Uint8Array {
  return createImage({ payload, version, securityCounter: 1, board: "stm32h743" });
}

async function otaDelta(): Promise<Figure[]> {
  const figures: Figure[] = [];
  let makeMs = 0;
  let applyMs = 0;
  let newMb = 0;
  let peakRam = 0;
  for (const pair of pairs) {
    let oldBytes: Uint8Array;
    let newBytes: Uint8Array;
    try {
      [oldBytes, newBytes] = pair.load();
    } catch (e) {
      console.error(`bench ota-delta: skipping ${pair.name}: cannot fetch its npm packages (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
      continue;
    }
    const t0 = performance.now();
    const delta = encodeDelta(oldBytes, newBytes);
    makeMs += performance.now() - t0;
    const back = await decodeDelta(oldBytes, delta);
    if (back.length !== newBytes.length || back.some((b, i) => b !== newBytes[i])) throw new Error(`${pair.name}: the delta does not reproduce the new file`);
    figures.push({ name: `ota.delta.${pair.name}.bytes`, value: delta.length, unit: "bytes" });
    figures.push({ name: `ota.delta.${pair.name}.ratio`, value: round(delta.length / pair.bestBytes), unit: `x best tool (${pair.bestBytes} B)` });

    // The full patch between the files wrapped as images, through the streamed applier.
    const oldImage = asImage(oldBytes, "1.0.0");
    const newImage = asImage(newBytes, "1.0.1");
    const patch = makePatch(oldImage, newImage);
    const t1 = performance.now();
    let written = 0;
    const applier = createPatchApplier({
      readOld: (offset, into) => into.set(oldImage.subarray(offset, offset + into.length)),
      write: (offset, bytes) => {
        if (offset !== written) throw new Error(`${pair.name}: write at ${offset}, expected ${written}`);
        written += bytes.length;
      },
    });
    for (let i = 0; i < patch.length; i += 4096) await applier.push(patch.subarray(i, i + 4096));
    const result = await applier.end();
    applyMs += performance.now() - t1;
    if (written !== newImage.length || !result.resultChecked) throw new Error(`${pair.name}: apply wrote ${written} of ${newImage.length} bytes`);
    peakRam = Math.max(peakRam, result.peakRamBytes);
    newMb += newBytes.length / 1e6;
  }
  if (newMb > 0) {
    figures.push({ name: "ota.apply.ram.bytes", value: peakRam, unit: "bytes" });
    figures.push({ name: "ota.apply.ms_per_mb", value: round(applyMs / newMb), unit: "ms per MB of new image" });
    figures.push({ name: "ota.make.ms_per_mb", value: round(makeMs / newMb), unit: "ms per MB of new image" });
  }
  return figures;
}

export const benchmarks: Record<string, Benchmark> = { otaDelta };
