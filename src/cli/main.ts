#!/usr/bin/env node
/**
 * The tinyrtos command line: the only module that touches process, the file system and the
 * terminal.
 *
 *   tinyrtos run <module> [--ticks N] [--max-ticks N]   import a firmware module, await its main()
 *   tinyrtos run <module> --board <name> [--ticks N] [--seed S] [--trace out.json] [--vcd out.vcd]
 *                [--signals a,b,...] [--uart N]
 *                                                        run its main(board) as a board's firmware
 *   tinyrtos keygen [--out <name>]                         make an Ed25519 key pair (src/cli/image-commands.ts)
 *   tinyrtos build <entry.ts> --board B --version V --out F [--key K]   build an image, reproducibly
 *   tinyrtos sign <image> --key K [--out F]              sign an image
 *   tinyrtos verify <image> --key P [--board B]          check an image
 *   tinyrtos patch make <old> <new> --out F              make a delta patch
 *   tinyrtos patch apply <old> <patch> --out F [--key P] apply one
 *   tinyrtos ota send <update> --running R --key P       send an update over UART to a simulated board
 *   tinyrtos version                                     print the package version
 *   tinyrtos help                                        print the usage
 *
 * Exit codes: 0 the module's main() returned; 1 a firmware fault (main() rejected, for example
 * because a task threw); 2 bad command line, or the module cannot be loaded or has no main();
 * 3 the run limit passed (main() rejected with the Go bridge's RunLimitError).
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Board } from "../hal/index.js";
import { CommandError, commandSummaries, runGroupCommand, runImageCommand } from "./image-commands.js";

/** Exit codes, as documented in the usage text and the README. */
const EXIT_FAULT = 1;
const EXIT_USAGE = 2;
const EXIT_RUN_LIMIT = 3;


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

/** What `run --board` does: the board, the run, and what it writes. */
interface BoardRunOptions {
  board: string;
  ticks: number;
  seed: number;
  /** Where the Perfetto (Chrome JSON) trace goes, or null for none. */
  trace: string | null;
  /** Where the VCD of the board's signals goes, or null for none. */
  vcd: string | null;
  /** The signals the VCD records (board.signal names); null: LED, BUTTON and the printed UART's lines. */
  signals: string[] | null;
  /** The UART whose output is printed. */
  uart: number;
}

/** Ticks `run --board` runs when --ticks is not given. */
const DEFAULT_BOARD_TICKS = 1000;

/** One option of `run --board`: its flag, its value's placeholder and how it sets the options. */
interface BoardOption {
  readonly flag: string;
  readonly value: string;
  readonly help: string;
  readonly set: (options: BoardRunOptions, text: string | undefined) => void;
}

/** The options of `run --board`, in the order the usage lists them. */
const BOARD_OPTIONS: readonly BoardOption[] = [
  { flag: "--board", value: "<name>", help: "stm32h743, esp32c3 or nrf52840", set: (o, t) => (o.board = stringOption("--board", t)) },
  { flag: "--ticks", value: "N", help: `ticks to run (default ${DEFAULT_BOARD_TICKS})`, set: (o, t) => (o.ticks = tickOption("--ticks", t)) },
  { flag: "--seed", value: "S", help: "seed of the board's PRNG (default 1)", set: (o, t) => (o.seed = tickOption("--seed", t)) },
  { flag: "--trace", value: "out.json", help: "write a Perfetto trace (open it in ui.perfetto.dev)", set: (o, t) => (o.trace = stringOption("--trace", t)) },
  { flag: "--vcd", value: "out.vcd", help: "write a VCD of the board's signals (PulseView, GTKWave, sigrok-cli)", set: (o, t) => (o.vcd = stringOption("--vcd", t)) },
  { flag: "--signals", value: "a,b,...", help: "signals in the VCD (default LED,BUTTON,uart<N>.tx,uart<N>.rx)", set: (o, t) => (o.signals = stringOption("--signals", t).split(",").filter((n) => n !== "")) },
  { flag: "--uart", value: "N", help: "print what UART N sent (default 0)", set: (o, t) => (o.uart = tickOption("--uart", t)) },
];

const usage = `usage: tinyrtos <command>

commands:
  run <module.js> [--ticks N] [--max-ticks N]
                    import an ES module (.js or .mjs) and await its exported main(options)
                    with options { runTicks: N, maxTicks: N } (each only when given): runTicks
                    is how long to run, maxTicks a limit a Go-style main passes on to
                    run(main, { maxTicks })
  run <module.js> --board <name> [options]
                    run the module's main(board) as the firmware of a virtual board (calling
                    its world(board) first when it exports one), then print what the board
                    sent on a UART, a one-line summary and the task table; options:
${BOARD_OPTIONS.map((o) => `                      ${(o.flag + (o.value === null ? "" : " " + o.value)).padEnd(18)}${o.help}`).join("\n")}
${commandSummaries()}
                    (tinyrtos <command> --help for each one's options)
  version           print the package version
  help              print this text

exit codes: 0 main() returned (with --board: the ticks ran), 1 firmware fault (main() rejected:
a task threw, a panic, a deadlock; with --board, a task or ISR of the board threw), 2 bad command
line or a module that cannot be loaded, 3 the run limit passed (main() rejected with
RunLimitError: what each goroutine and task waits on is printed); keygen, build, sign, verify,
patch, ota send: 0 done, 1 an image or patch rejected (here or, for ota send, by the board's
firmware; its reason printed; --json prints { ok: false, reason, message }) or the board did not
answer (reason "no-answer"), 2 bad command line or a file that cannot be read or written
`;

function stringOption(name: string, text: string | undefined): string {
  if (text === undefined || text === "" || text.startsWith("--")) throw new CliError(`run: ${name} needs a value`, true);
  return text;
}

const TYPESCRIPT_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

function tickOption(name: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === "" || !Number.isSafeInteger(value) || value < 0)
    throw new CliError(`run: ${name} needs a non-negative integer, got ${String(text)}`, true);
  return value;
}

/** `run <module> --board <name> ...`: the board options, or null when --board is not given. */
function parseBoardArgs(args: string[]): { file: string; options: BoardRunOptions } | null {
  if (!args.includes("--board")) {
    const boardOnly = args.find((a) => a !== "--ticks" && BOARD_OPTIONS.some((o) => o.flag === a));
    if (boardOnly !== undefined) throw new CliError(`run: ${boardOnly} needs --board <name> (it is an option of a board run)`, true);
    return null;
  }
  let file: string | undefined;
  const options: BoardRunOptions = { board: "", ticks: DEFAULT_BOARD_TICKS, seed: 1, trace: null, vcd: null, signals: null, uart: 0 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const option = BOARD_OPTIONS.find((o) => o.flag === arg);
    if (option !== undefined) option.set(options, args[++i]);
    else if (arg === "--max-ticks") throw new CliError("run: --max-ticks is for a module's main(options); with --board, --ticks says how long the board runs", true);
    else if (arg.startsWith("-")) throw new CliError(`run: unknown option ${arg}`, true);
    else if (file === undefined) file = arg;
    else throw new CliError(`run: one module only, got ${file} and ${arg}`, true);
  }
  if (file === undefined) throw new CliError("run: missing the module to run", true);
  return { file, options };
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
  const boardRun = parseBoardArgs(args);
  if (boardRun !== null) return runBoard(boardRun.file, boardRun.options);
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
 * `run --board`: the module's main(board) is the firmware of a new board; world(board), when the
 * module exports it, sets up the test bench before the board runs.
 */
async function runBoard(file: string, options: BoardRunOptions): Promise<void> {
  // Loaded here, not at the top: version and help need neither.
  const { boards, createBoard } = await import("../hal/index.js");
  const { recordPerfetto, recordVCD } = await import("../trace/index.js");
  if (!boards.includes(options.board)) throw new CliError(`run: no board "${options.board}"; boards are ${boards.join(", ")}`, true);
  const mod = (await loadModule(file)) as { main?: unknown; world?: unknown };
  if (typeof mod.main !== "function") throw new CliError(`run: ${file} exports no main() function (with --board, main(board) is the firmware)`);
  if (mod.world !== undefined && typeof mod.world !== "function") throw new CliError(`run: ${file} exports world, but it is not a function (world(board) sets up the test bench)`);
  const firmware = mod.main as (board: Board) => unknown;
  const board = createBoard(options.board, { seed: options.seed, firmware: async (b) => void (await firmware(b)) });
  if (options.uart >= board.info.uarts) throw new CliError(`run: --uart ${options.uart}: ${options.board} has UARTs 0..${board.info.uarts - 1}`, true);
  // The trace follows the kernel of the first boot (a reset starts a fresh kernel).
  const perfetto = options.trace !== null ? recordPerfetto(board.rtos, { processName: `${options.board} (${file})` }) : null;
  let vcd: ReturnType<typeof recordVCD> | null = null;
  if (options.vcd !== null) {
    const signals = options.signals ?? ["LED", "BUTTON", `uart${options.uart}.tx`, `uart${options.uart}.rx`];
    try {
      vcd = recordVCD(board, signals);
    } catch (error) {
      throw new CliError(`run: --signals: ${error instanceof Error ? error.message : String(error)}`, true);
    }
  }
  if (typeof mod.world === "function") {
    try {
      await (mod.world as (board: Board) => unknown)(board);
    } catch (error) {
      // The test bench, not the firmware: a bad pin name, a time in the past...
      process.stderr.write(`tinyrtos: ${file}: world(board) threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
      process.exit(EXIT_FAULT);
    }
  }
  try {
    await board.run(options.ticks);
  } catch (error) {
    writeUart(board, options.uart);
    reportFault(error);
    process.exit(EXIT_FAULT);
  }
  writeUart(board, options.uart);
  const rtos = board.rtos;
  const k = rtos.kernel;
  const hz = k.config.configTICK_RATE_HZ;
  let traced = "";
  if (perfetto !== null && options.trace !== null) {
    try {
      writeFileSync(options.trace, perfetto.json());
    } catch (error) {
      throw new CliError(`run: cannot write the trace to ${options.trace}: ${error instanceof Error ? error.message : String(error)}`);
    }
    traced = `, trace ${options.trace} (${perfetto.eventCount} events${perfetto.truncated ? ", truncated" : ""})`;
  }
  if (vcd !== null && options.vcd !== null) {
    try {
      writeFileSync(options.vcd, vcd.text());
    } catch (error) {
      throw new CliError(`run: cannot write the VCD to ${options.vcd}: ${error instanceof Error ? error.message : String(error)}`);
    }
    traced += `, vcd ${options.vcd} (${vcd.changeCount} changes${vcd.truncated ? ", truncated" : ""})`;
  }
  process.stdout.write(
    `${options.board}: ${options.ticks} ticks (${formatTicks((options.ticks * 1000) / hz)} ms at ${hz} Hz), reset reason ${board.resetReason}, ` +
      `${rtos.uxTaskGetNumberOfTasks()} tasks, ${k.switchCount} context switches${traced}\n`,
  );
  process.stdout.write(`${"Name".padEnd(15)}\tState\tPrio\tStack\tNum\n${rtos.vTaskList()}`);
}

/** Everything the board sent on UART `n` (every boot), ending with a line break when there was any. */
function writeUart(board: Board, n: number): void {
  const bytes = Uint8Array.from(board.world.uart(n).txLog, (e) => e.byte);
  if (bytes.length === 0) return;
  const text = new TextDecoder().decode(bytes);
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
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
    case "keygen":
    case "build":
    case "sign":
    case "verify": {
      const code = await runImageCommand(command, rest);
      if (code !== 0) process.exit(code);
      return;
    }
    case "patch":
    case "ota": {
      const code = await runGroupCommand(command, rest);
      if (code !== 0) process.exit(code);
      return;
    }
    case "playground": {
      const { runPlaygroundCommand } = await import("./playground-command.js");
      const code = await runPlaygroundCommand(rest);
      if (code !== 0) process.exit(code);
      return;
    }
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
  if (error instanceof CommandError) {
    process.stderr.write(`tinyrtos: ${error.message}\n${error.usage !== null ? "\n" + error.usage : ""}`);
    process.exit(EXIT_USAGE);
  }
  if (error instanceof CliError) {
    process.stderr.write(`tinyrtos: ${error.message}\n${error.showUsage ? "\n" + usage : ""}`);
    process.exit(EXIT_USAGE);
  }
  // A bug in the CLI itself: keep the stack.
  process.stderr.write(`tinyrtos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(EXIT_FAULT);
});
