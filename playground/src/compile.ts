/**
 * Compiles a program's TypeScript in the page (or in Node: the same code) and evaluates it as a
 * module whose imports resolve to the bundled tinyrtos entry points.
 *
 * The transform is sucrase (~200 KB minified, pure JavaScript, no WebAssembly): it strips the
 * types and turns ES module imports and exports into `require()` calls and `exports.x = ...`,
 * which `evaluate` resolves from a fixed table of modules. It does not type-check (neither does
 * esbuild's transform); the repository's examples are type-checked by `npm run build`.
 * esbuild-wasm would also do it, at about 10 MB to download.
 * @module
 */
import { transform } from "sucrase";

/** A module the program may import: its exports. */
export type ModuleTable = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** The place a program is said to live (import.meta.url, process.argv[1]). */
export const PROGRAM_PATH = "/playground/program.ts";

/** A compile error with the line and column sucrase reports. */
export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CompileError";
  }
}

/** TypeScript → a CommonJS-style function body (top-level await allowed: the body runs in an async function). */
export function compile(source: string): string {
  let code: string;
  try {
    code = transform(source, { transforms: ["typescript", "imports"], filePath: "program.ts", production: true }).code;
  } catch (e) {
    throw new CompileError(e instanceof Error ? e.message : String(e));
  }
  // import.meta has no meaning in a function body: the program is "at" PROGRAM_PATH.
  return code.replace(/\bimport\.meta\b/g, "__tinyrtos_import_meta");
}

/** What the program sees as globals besides the host's. */
export interface ProgramGlobals {
  readonly console: Pick<Console, "log" | "info" | "warn" | "error" | "debug">;
  readonly process: Record<string, unknown>;
}

type AsyncFn = (...args: unknown[]) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => AsyncFn;

/**
 * Runs compiled code as a module. Resolves with its exports when its top level has run to its end
 * (after its top-level awaits); rejects with what it threw.
 */
export function evaluate(code: string, modules: ModuleTable, globals: ProgramGlobals): { exports: Record<string, unknown>; done: Promise<unknown> } {
  const exports: Record<string, unknown> = {};
  const module = { exports };
  const require = (specifier: string): unknown => {
    const m = modules[specifier];
    if (m === undefined)
      throw new Error(`cannot import "${specifier}" in the playground; the modules it has are ${Object.keys(modules).map((k) => `"${k}"`).join(", ")}`);
    return m;
  };
  let fn: AsyncFn;
  try {
    fn = new AsyncFunction("require", "exports", "module", "console", "process", "__tinyrtos_import_meta", code);
  } catch (e) {
    throw new CompileError(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  const done = fn(require, exports, module, globals.console, globals.process, { url: `file://${PROGRAM_PATH}` });
  return { exports, done };
}

/** node:url as far as a program that checks "am I the main module?" needs it. */
export const nodeUrlShim = Object.freeze({
  pathToFileURL: (path: string): { href: string; toString(): string } => {
    const href = `file://${path}`;
    return { href, toString: () => href };
  },
  fileURLToPath: (url: string | { href: string }): string => (typeof url === "string" ? url : url.href).replace(/^file:\/\//, ""),
});
