#!/usr/bin/env node
/**
 * The tinyrtos command line: the only module that touches process, the file system and the
 * terminal.
 *
 *   tinyrtos run <module> [--ticks N] [--max-ticks N]   import a firmware module, await its main()
 *   tinyrtos version                                     print the package version
 *   tinyrtos help                                        print the usage
 *
 * Exit codes: 0 the module's main() returned; 1 a firmware fault (main() rejected, for example
 * because a task threw); 2 bad command line, or the module cannot be loaded or has no main();
 * 3 the run limit passed (main() rejected with the Go bridge's RunLimitError).
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Exit codes, as documented in the usage text and the README. */
const EXIT_FAULT = 1;
const EXIT_USAGE = 2;
const EXIT_RUN_LIMIT = 3;

const usage = `usage: tinyrtos <command>

commands:
  run <module.js> [--ticks N] [--max-ticks N]
                    import an ES module (.js or .mjs) and await its exported main(options)
                    with options { runTicks: N, maxTicks: N } (each only when given): runTicks
                    is how long to run, maxTicks a limit a Go-style main passes on to
                    run(main, { maxTicks })
  version           print the package version
  help              print this text

exit codes: 0 main() returned, 1 firmware fault (main() rejected: a task threw, a panic, a
deadlock), 2 bad command line or a module that cannot be loaded, 3 the run limit passed
(main() rejected with RunLimitError: what each goroutine and task waits on is printed)
`;

/** A usage error or an unloadable module: one line, the usage for usage errors, exit 2. */
class CliError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

/** What the CLI passes to a module's main(). */
interface MainOptions {
  runTicks?: number;
  maxTicks?: number;
}

const TYPESCRIPT_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

function tickOption(name: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === "" || !Number.isSafeInteger(value) || value < 0)
    throw new CliError(`run: ${name} needs a non-negative integer, got ${String(text)}`, true);
  return value;
}

function parseRunArgs(args: string[]): { file: string; options: MainOptions } {
  let file: string | undefined;
  const options: MainOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--ticks") options.runTicks = tickOption("--ticks", args[++i]);
    else if (arg === "--max-ticks") options.maxTicks = tickOption("--max-ticks", args[++i]);
    else if (arg.startsWith("-")) throw new CliError(`run: unknown option ${arg}`, true);
    else if (file === undefined) file = arg;
    else throw new CliError(`run: one module only, got ${file} and ${arg}`, true);
  }
  if (file === undefined) throw new CliError("run: missing the module to run", true);
  return { file, options };
}

/**
 * Where a module's syntax error is ("/path/x.mjs:3"): import() does not say, `node --check`
 * prints it on its first line. Only on this error path.
 */
function syntaxErrorPlace(path: string): string {
  const check = spawnSync(process.execPath, ["--check", path], { encoding: "utf8" });
  const first = (check.stderr ?? "").trimStart().split("\n", 1)[0]!;
  return /:\d+$/.test(first) ? ` at ${first}` : "";
}

async function loadModule(file: string): Promise<{ main?: unknown }> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CliError(`run: no such file: ${file}`);
  const isTypeScript = TYPESCRIPT_EXTENSIONS.has(extname(path));
  try {
    return (await import(pathToFileURL(path).href)) as { main?: unknown };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (isTypeScript && code === "ERR_UNKNOWN_FILE_EXTENSION")
      throw new CliError(`run: cannot load ${file}: this Node.js does not run TypeScript; build it (tsc) and run the .js it emits, or write the module as .js/.mjs`);
    const what = error instanceof Error ? `${error.name}: ${error.message}${error instanceof SyntaxError ? syntaxErrorPlace(path) : ""}` : String(error);
    throw new CliError(`run: cannot load ${file}: ${what}`);
  }
}

async function runModule(args: string[]): Promise<void> {
  const { file, options } = parseRunArgs(args);
  const mod = await loadModule(file);
  if (typeof mod.main !== "function") throw new CliError(`run: ${file} exports no main() function`);
  const main = mod.main as (options: MainOptions) => unknown;
  try {
    await main(options);
  } catch (error) {
    // The firmware's other tasks and timers end with the process.
    if (error instanceof Error && error.name === "RunLimitError") {
      process.stderr.write(`tinyrtos: run limit reached: ${error.message}\n`);
      process.exit(EXIT_RUN_LIMIT);
    }
    reportFault(error);
    process.exit(EXIT_FAULT);
  }
}

/**
 * A firmware fault: which task (or goroutine) threw and at which virtual time — the kernel sets
 * `taskName` and `timeTicks` on the error — then the error and where in the firmware it was
 * thrown.
 */
function reportFault(error: unknown): void {
  const e = error as { taskName?: unknown; timeTicks?: unknown } | null;
  const where =
    (typeof e?.taskName === "string" ? ` in task "${e.taskName}"` : "") +
    (typeof e?.timeTicks === "number" ? ` at tick ${formatTicks(e.timeTicks)}` : "");
  let text: string;
  if (error instanceof Error) {
    const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
    text = `${error.name}: ${error.message}${frames.length > 0 ? "\n" + frames.join("\n") : ""}`;
  } else text = String(error);
  process.stderr.write(`tinyrtos: firmware fault${where}: ${text}\n`);
}

/** Ticks with up to 3 decimals (interrupts and busy() put events between ticks). */
const formatTicks = (ticks: number): string => String(Math.round(ticks * 1000) / 1000);

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return runModule(rest);
    case "version":
    case "--version": {
      const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
      process.stdout.write(`tinyrtos ${pkg.version}\n`);
      return;
    }
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(usage);
      return;
    default:
      throw new CliError(`unknown command "${command}"`, true);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError) {
    process.stderr.write(`tinyrtos: ${error.message}\n${error.showUsage ? "\n" + usage : ""}`);
    process.exit(EXIT_USAGE);
  }
  // A bug in the CLI itself: keep the stack.
  process.stderr.write(`tinyrtos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(EXIT_FAULT);
});
