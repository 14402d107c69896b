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
 *   HDiffPatch as measured by the issue's author. Goal ≤ 1.1.
 *   The issue lists 4,315 B for micro:bit v2 and 67,999 B for v1; those look swapped (see the
 *   same-run figures below), so we compare v1 with 4,315 B and v2 with 67,999 B.
 * - `ota.delta.<pair>.tool.<tool>.bytes`: the tools themselves, run in this run on the exact same
 *   old/new bytes (written to a temp folder in os.tmpdir() as `old` and `new`, removed after; each
 *   run killed after 120 s; each patch applied back with the tool and checked to give the new
 *   file). The unit names the flags of the smaller variant:
 *   - bsdiff: `bsdiff old new patch` (applied with bspatch);
 *   - xdelta3: `xdelta3 -e -9 -S djw -A -s old new patch` and the same without `-S djw`; `-A`
 *     leaves out the application header (the two file names), so the size does not depend on names;
 *   - zstd: `zstd -19 --long=27 --patch-from=old new -o patch` and the same with `--ultra -22`
 *     (smaller only on esbuild, 319,950 B against 325,049 B, 11 s against 7 s). Also tried and
 *     left out: `--single-thread` (12 B smaller on sqljs only) and `--zstd=targetLength=4096,chainLog=30`
 *     (never smaller, up to 30 % slower).
 *     The memory flags for files over 128 MB are not needed here (the largest is 10.4 MB).
 *   Install with `apt-get install bsdiff xdelta3 zstd` (Debian). A tool not on PATH is skipped with
 *   one line on stderr; a run that fails or times out is reported on stderr and left out.
 *   HDiffPatch is not packaged by Debian (bookworm: no hdiffpatch package) and would have to be
 *   built from its source, which this machine cannot fetch, so it is not run; the issue's figures
 *   may include it. The tools add about 27 s to the bench (esbuild: zstd 18 s, bsdiff 3 s, xdelta3 2 s).
 * - `ota.delta.<pair>.ratio_same_run`: our size / the smallest tool patch measured in this run (the
 *   unit names it). The issue's anchors are reproduced to the byte by these tools on these files:
 *   bsdiff gives 21,023 B (sqljs) and 130,541 B (esbuild), zstd -19 404 B (micropython). No tool
 *   here reaches the issue's 1,176 B for esptool_stub (zstd 1,264 B): likely HDiffPatch's.
 *   micro:bit: v1 (nRF51, 0x18000–0x3C000) gives by far the smaller tool patches: bsdiff 4,345 B,
 *   zstd 7,311 B, xdelta3 11,052 B; v2 (nRF52833, 0x1C000–0x77000): zstd 65,488 B, bsdiff 70,823 B,
 *   xdelta3 80,511 B. So the issue's 4,315 B fits v1 (30 B under bsdiff's, as HDiffPatch or another
 *   bsdiff build could give) and cannot be v2's (15 times under the best tool there); its 67,999 B
 *   fits v2 (between zstd's and bsdiff's, so zstd -19 beats it here by 4 %). The swap above stands.
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
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
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

/**
 * One way to run a delta tool in a folder holding `old` and `new`: `make` writes `patch`, `apply`
 * writes `back` from `old` and `patch` (checked against `new`). Fixed short names, so nothing in a
 * patch depends on the temp folder.
 */
interface ToolVariant {
  flags: string;
  make: string[];
  apply: [string, string[]];
}

interface Tool {
  name: string;
  variants: ToolVariant[];
}

const tools: Tool[] = [
  { name: "bsdiff", variants: [{ flags: "bsdiff", make: ["old", "new", "patch"], apply: ["bspatch", ["old", "back", "patch"]] }] },
  {
    name: "xdelta3",
    variants: [
      { flags: "xdelta3 -e -9 -S djw -A", make: ["-e", "-9", "-S", "djw", "-A", "-s", "old", "new", "patch"], apply: ["xdelta3", ["-d", "-s", "old", "patch", "back"]] },
      { flags: "xdelta3 -e -9 -A", make: ["-e", "-9", "-A", "-s", "old", "new", "patch"], apply: ["xdelta3", ["-d", "-s", "old", "patch", "back"]] },
    ],
  },
  {
    name: "zstd",
    variants: [
      { flags: "zstd -19 --long=27 --patch-from", make: ["-q", "-19", "--long=27", "--patch-from=old", "new", "-o", "patch"], apply: ["zstd", ["-q", "-d", "--long=27", "--patch-from=old", "patch", "-o", "back"]] },
      { flags: "zstd --ultra -22 --long=27 --patch-from", make: ["-q", "--ultra", "-22", "--long=27", "--patch-from=old", "new", "-o", "patch"], apply: ["zstd", ["-q", "-d", "--long=27", "--patch-from=old", "patch", "-o", "back"]] },
    ],
  },
];

const toolTimeoutMs = 120_000;

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** Runs a command in `cwd` with the timeout; null when it succeeded, else why not. */
function run(command: string, args: string[], cwd: string): string | null {
  const r = spawnSync(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: toolTimeoutMs, killSignal: "SIGKILL", maxBuffer: 1 << 20 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `timed out after ${toolTimeoutMs / 1000} s` : r.error.message;
  if (r.signal) return `killed by ${r.signal}`;
  if (r.status !== 0) return `exit ${r.status}: ${r.stderr.toString().trim().split("\n")[0] ?? ""}`;
  return null;
}

/**
 * Each tool on PATH run on the pair's bytes (temp folder in os.tmpdir(), removed after): its
 * smallest variant's patch size and flags, the patch checked to give back the new file. A variant
 * that fails is reported on stderr and left out.
 */
function toolSizes(pairName: string, oldBytes: Uint8Array, newBytes: Uint8Array, present: Tool[]): { tool: string; flags: string; bytes: number }[] {
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-ota-delta-"));
  try {
    writeFileSync(join(dir, "old"), oldBytes);
    writeFileSync(join(dir, "new"), newBytes);
    const out: { tool: string; flags: string; bytes: number }[] = [];
    for (const tool of present) {
      let best: { flags: string; bytes: number } | null = null;
      for (const v of tool.variants) {
        rmSync(join(dir, "patch"), { force: true });
        rmSync(join(dir, "back"), { force: true });
        const why = run(tool.name, v.make, dir) ?? run(v.apply[0], v.apply[1], dir);
        if (why) {
          console.error(`bench ota-delta: ${pairName}: ${v.flags} failed (${why}); skipped`);
          continue;
        }
        if (!Buffer.from(readFileSync(join(dir, "back"))).equals(newBytes)) {
          console.error(`bench ota-delta: ${pairName}: ${v.flags}'s patch does not give back the new file; skipped`);
          continue;
        }
        const bytes = statSync(join(dir, "patch")).size;
        if (!best || bytes < best.bytes) best = { flags: v.flags, bytes };
      }
      if (best) out.push({ tool: tool.name, ...best });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function asImage(payload: Uint8Array, version: string): Uint8Array {
  return createImage({ payload, version, securityCounter: 1, board: "stm32h743" });
}

async function otaDelta(): Promise<Figure[]> {
  const figures: Figure[] = [];
  let makeMs = 0;
  let applyMs = 0;
  let newMb = 0;
  let peakRam = 0;
  const present = tools.filter((t) => {
    const missing = [t.name, ...t.variants.map((v) => v.apply[0])].filter((c, i, all) => all.indexOf(c) === i && !onPath(c));
    if (missing.length > 0) console.error(`bench ota-delta: ${missing.join(", ")} not on PATH: no ${t.name} figures (apt-get install bsdiff xdelta3 zstd)`);
    return missing.length === 0;
  });
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

    // The tools on this machine, in this run, on the same bytes.
    const measured = toolSizes(pair.name, oldBytes, newBytes, present);
    for (const m of measured) figures.push({ name: `ota.delta.${pair.name}.tool.${m.tool}.bytes`, value: m.bytes, unit: `bytes (${m.flags})` });
    if (measured.length > 0) {
      const smallest = measured.reduce((a, b) => (b.bytes < a.bytes ? b : a));
      figures.push({ name: `ota.delta.${pair.name}.ratio_same_run`, value: round(delta.length / smallest.bytes), unit: `x smallest tool this run (${smallest.flags}, ${smallest.bytes} B)` });
    }

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
