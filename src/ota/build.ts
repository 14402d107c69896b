/**
 * `buildImage`: bundles a firmware entry (TypeScript or JavaScript exporting `main(board)`) into an
 * unsigned image with esbuild. Node only (esbuild runs a native binary and reads files); it is
 * loaded with a dynamic `import()` only when called, so `tinyrtos/ota` stays browser-safe.
 *
 * Reproducible, as the seed's Nix builds promise: the options are fixed (one ESM bundle, ES2022,
 * minified, no source map, no legal comments, no `tsconfig.json` read from the project, a neutral
 * platform), the working directory is the entry's folder so no absolute path can reach the
 * output, and the image carries no time stamp. esbuild's output depends only on the input files'
 * contents and these options (its bundler orders modules by the import graph, not by the file
 * system or by time), so the same sources give the same bytes in any folder at any time — tested
 * by building copies in two temporary folders. `tinyrtos` and `tinyrtos/*` imports are left
 * external: the board provides them, as a ROM would.
 * @module
 */
import { createImage } from "./image.js";

/** What to build (`buildImage`). */
export interface BuildImageOptions {
  /** Path of the entry module (absolute, or relative to the current directory); it exports `main(board)`. */
  entry: string;
  /** "MAJOR.MINOR.REVISION[+BUILD]". */
  version: string;
  /** Anti-rollback counter, 0..2^32 − 1. */
  securityCounter: number;
  /** The board's catalogue name. */
  board: string;
}

/** The esbuild version the builds are made with (pinned in package.json: a new one may change bytes). */
export const BUILD_TOOL = "esbuild";

/**
 * Bundles `entry` and returns an unsigned image (sign it with `signImage`). A build error (syntax,
 * an import that does not resolve, an entry without a `main` export) rejects with an Error listing
 * esbuild's messages with file and line, relative to the entry's folder.
 */
export async function buildImage(options: BuildImageOptions): Promise<Uint8Array> {
  if (options === null || typeof options !== "object") throw new RangeError(`buildImage expects { entry, version, securityCounter, board }, got ${String(options)}`);
  const { entry } = options;
  if (typeof entry !== "string" || entry.length === 0) throw new RangeError(`buildImage: entry must be a path to the firmware's main module, got ${JSON.stringify(entry)}`);
  // Checks version, counter and board before the (slower) bundling.
  createImage({ payload: new Uint8Array(0), version: options.version, securityCounter: options.securityCounter, board: options.board });
  const esbuild = await import("esbuild");
  const absolute = entry.startsWith("/") || /^[A-Za-z]:[\\/]/.test(entry) ? entry : `${cwd()}/${entry}`;
  const slash = Math.max(absolute.lastIndexOf("/"), absolute.lastIndexOf("\\"));
  const folder = absolute.slice(0, slash);
  const file = `./${absolute.slice(slash + 1)}`;
  let result: import("esbuild").BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      absWorkingDir: folder,
      entryPoints: [file],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      mainFields: ["module", "main"],
      conditions: ["import", "module"],
      external: ["tinyrtos", "tinyrtos/*"],
      minify: true,
      sourcemap: false,
      legalComments: "none",
      charset: "utf8",
      tsconfigRaw: {},
      logLevel: "silent",
      outfile: "firmware.js",
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    if (!Array.isArray(errors)) throw e;
    const lines = errors.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text));
    throw new Error(`buildImage: ${entry} does not build (${errors.length} error${errors.length === 1 ? "" : "s"}):\n  ${lines.join("\n  ")}`);
  }
  const output = result.outputFiles[0]!;
  const exports = Object.values(result.metafile.outputs)[0]?.exports ?? [];
  if (!exports.includes("main")) throw new Error(`buildImage: ${entry} has no "main" export (it exports ${exports.length === 0 ? "nothing" : exports.join(", ")}); firmware exports main(board)`);
  return createImage({ payload: output.contents, version: options.version, securityCounter: options.securityCounter, board: options.board });
}

/** The current directory (Node's process, found on globalThis: this module is Node only). */
function cwd(): string {
  const proc = (globalThis as { process?: { cwd(): string } }).process;
  if (proc === undefined) throw new Error("buildImage runs under Node (it bundles with esbuild): no process here");
  return proc.cwd();
}
