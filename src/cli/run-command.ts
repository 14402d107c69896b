/**
 * `tinyrtos run`: a firmware module's main(options), or with `--board` its main(board) as the
 * firmware of a virtual board — run in slices (src/cli/sliced-run.ts) with a progress line on a
 * terminal, Ctrl-C stopping it cleanly (trace files, UART output, summary and task table still
 * written; exit 130), `--json` for scripts and `--realtime` pacing.
 * @module
 */
import { writeFileSync } from "node:fs";
import type { Board } from "../hal/index.js";
import { CommandError, EXIT, MAIN_USAGE, parseCommandArgs, type CommandSpec } from "./commands.js";
import { faultInfo, formatTicks, loadModule, reportFault, uartText, writeUart, type FaultInfo } from "./firmware.js";
import { Interrupt, ProgressLine, progressText, runSliced, wallMs, wallSecondsSince } from "./sliced-run.js";
import { formatTaskTable, taskRows, type TaskRow } from "./task-table.js";

/** Ticks `run --board` runs when --ticks is not given. */
export const DEFAULT_BOARD_TICKS = 1000;

const MODULE = "module";
const BOARD = "board";
const onBoard = [BOARD];

/** What the CPU % and the other columns of the task table are (in --help of run and top). */
export const TASK_TABLE_NOTES =
  "The task table: Task, Prio (current priority), State, CPU % (the task's run-time counter — virtual microseconds it was Running, as vTaskGetRunTimeStats counts them — as a share of the total since the board's last boot: IDLE's share is the idle time), Stack (high-water mark: words of its stack never used), Wake-ups (times the scheduler switched the task in while another task had been running).";

/** The table of `run`: both forms, their options, help and exit codes. */
export const RUN_COMMAND: CommandSpec = {
  name: "run",
  operands: "<module.js>",
  summary: "run a firmware module: await its main(options), or with --board run its main(board) as the firmware of a virtual board",
  forms: [
    {
      name: MODULE,
      synopsis: "<module.js> [--ticks N] [--max-ticks N]",
      summary:
        "import an ES module (.js or .mjs) and await its exported main(options) with options { runTicks: N, maxTicks: N } (each only when given): runTicks is how long to run, maxTicks a limit a Go-style main passes on to run(main, { maxTicks })",
      optionsHeading: "run <module.js>:",
    },
    {
      name: BOARD,
      synopsis: "<module.js> --board <name> [options]",
      summary:
        "run the module's main(board) as the firmware of a virtual board (calling its world(board) first when it exports one), then print what the board sent on a UART, a one-line summary and the task table (task, priority, state, CPU %, stack high-water mark, wake-ups); on a terminal a progress line on stderr; Ctrl-C stops the run and still writes the files, the output and the table",
      optionsHeading: "run <module.js> --board <name>:",
    },
  ],
  options: {
    board: { type: "string", value: "<name>", help: "stm32h743, esp32c3 or nrf52840", forms: onBoard },
    ticks: { type: "string", value: "N", integer: true, help: "", formHelp: { [MODULE]: "passed to main as runTicks", [BOARD]: `ticks to run (default ${DEFAULT_BOARD_TICKS})` } },
    "max-ticks": { type: "string", value: "N", integer: true, help: "passed to main as maxTicks", forms: [MODULE] },
    seed: { type: "string", value: "S", integer: true, help: "seed of the board's PRNG (default 1)", forms: onBoard },
    trace: { type: "string", value: "out.json", help: "write a Perfetto trace (open it in ui.perfetto.dev)", forms: onBoard },
    vcd: { type: "string", value: "out.vcd", help: "write a VCD of the board's signals (PulseView, GTKWave, sigrok-cli)", forms: onBoard },
    signals: { type: "string", value: "a,b,...", help: "signals in the VCD (default LED,BUTTON,uart<N>.tx,uart<N>.rx)", forms: onBoard },
    uart: { type: "string", value: "N", integer: true, help: "print what UART N sent (default 0)", forms: onBoard },
    realtime: { type: "boolean", help: "pace board time to the wall clock (1 tick = 1/configTICK_RATE_HZ s)", forms: onBoard },
    json: { type: "boolean", help: "print one JSON object on stdout instead of text (no progress line)", forms: onBoard },
  },
  notes:
    TASK_TABLE_NOTES +
    "\n--json prints { board, module, seed, ticks, ticksRun, tickRateHz, simulatedMs, wallMs, resetReason, contextSwitches, uart: { n, text }, tasks: [{ name, priority, state, cpuPercent, stackHighWaterMark, wakeUps }], trace: { file, events, truncated } | null, vcd: { file, changes, truncated } | null, interrupted, fault: { task, tick, message } | null, exitCode }.",
  exitCodes: [
    `${EXIT.ok} main() returned; with --board: the board ran its ticks`,
    `${EXIT.fault} firmware fault: main() rejected (a task threw, a panic, a deadlock); with --board, a task or ISR of the board threw (the UART output printed first, trace files still written)`,
    `${EXIT.usage} bad command line, or a module that cannot be loaded (missing file, .ts file, syntax error, missing dependency, no main export)`,
    `${EXIT.runLimit} the run limit passed (main() rejected with RunLimitError): what each goroutine and task waits on is printed`,
    `${EXIT.interrupted} with --board: stopped by Ctrl-C (SIGINT); the trace files, UART output, summary and task table cover the run up to there`,
  ],
};

/** What the CLI passes to a module's main(). */
interface MainOptions {
  runTicks?: number;
  maxTicks?: number;
}

/** What `run --board` does: the board, the run, and what it writes. */
export interface BoardRunOptions {
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
  realtime: boolean;
  json: boolean;
}

const usageError = (message: string): CommandError => new CommandError(`run: ${message}`, MAIN_USAGE);

/** `tinyrtos run ...`: parses by RUN_COMMAND and runs either form; returns the exit code. */
export async function runCommand(args: readonly string[]): Promise<number> {
  const { values, operands } = parseCommandArgs(RUN_COMMAND, args, MAIN_USAGE);
  const onBoardOnly = (arg: string) => {
    const flag = /^--([a-z-]+)/.exec(arg)?.[1];
    return flag !== undefined && flag !== "board" && RUN_COMMAND.options[flag]?.forms?.includes(BOARD) === true;
  };
  if (values.board === undefined) {
    const boardOnly = args.find(onBoardOnly);
    if (boardOnly !== undefined) throw usageError(`${boardOnly.replace(/=.*$/, "")} needs --board <name> (it is an option of a board run)`);
  } else if (values["max-ticks"] !== undefined) {
    throw usageError("--max-ticks is for a module's main(options); with --board, --ticks says how long the board runs");
  }
  if (operands.length === 0) throw usageError("missing the module to run");
  if (operands.length > 1) throw usageError(`one module only, got ${operands.join(" and ")}`);
  const file = operands[0]!;
  if (values.board !== undefined) {
    return runBoard(file, {
      board: values.board as string,
      ticks: (values.ticks as number | undefined) ?? DEFAULT_BOARD_TICKS,
      seed: (values.seed as number | undefined) ?? 1,
      trace: (values.trace as string | undefined) ?? null,
      vcd: (values.vcd as string | undefined) ?? null,
      signals: values.signals !== undefined ? (values.signals as string).split(",").filter((n) => n !== "") : null,
      uart: (values.uart as number | undefined) ?? 0,
      realtime: values.realtime === true,
      json: values.json === true,
    });
  }
  const options: MainOptions = {};
  if (values.ticks !== undefined) options.runTicks = values.ticks as number;
  if (values["max-ticks"] !== undefined) options.maxTicks = values["max-ticks"] as number;
  return runModule(file, options);
}

async function runModule(file: string, options: MainOptions): Promise<number> {
  const mod = await loadModule("run", file);
  if (typeof mod.main !== "function") throw new CommandError(`run: ${file} exports no main() function`);
  const main = mod.main as (options: MainOptions) => unknown;
  try {
    await main(options);
    return EXIT.ok;
  } catch (error) {
    // The firmware's other tasks and timers end with the process (main.ts exits).
    if (error instanceof Error && error.name === "RunLimitError") {
      process.stderr.write(`tinyrtos: run limit reached: ${error.message}\n`);
      return EXIT.runLimit;
    }
    reportFault(error);
    return EXIT.fault;
  }
}

/** A board and its firmware module, ready to run: what `run --board` and `top` share. */
export interface LoadedBoard {
  board: Board;
  /** Calls the module's world(board) when it has one; a throw is reported and gives EXIT.fault. */
  world: () => Promise<number>;
}

/**
 * Checks the board name, loads the module (main(board) the firmware, world(board) the optional
 * test bench) and creates the board. `command` names the command in errors.
 */
export async function loadBoard(command: string, file: string, boardName: string, seed: number): Promise<LoadedBoard> {
  // Loaded here, not at the top: version and help need neither.
  const { boards, createBoard } = await import("../hal/index.js");
  if (!boards.includes(boardName)) throw new CommandError(`${command}: no board "${boardName}"; boards are ${boards.join(", ")}`, MAIN_USAGE);
  const mod = await loadModule(command, file);
  if (typeof mod.main !== "function") throw new CommandError(`${command}: ${file} exports no main() function (with --board, main(board) is the firmware)`);
  if (mod.world !== undefined && typeof mod.world !== "function") throw new CommandError(`${command}: ${file} exports world, but it is not a function (world(board) sets up the test bench)`);
  const firmware = mod.main as (board: Board) => unknown;
  const board = createBoard(boardName, { seed, firmware: async (b) => void (await firmware(b)) });
  return {
    board,
    async world() {
      if (typeof mod.world !== "function") return EXIT.ok;
      try {
        await (mod.world as (board: Board) => unknown)(board);
        return EXIT.ok;
      } catch (error) {
        // The test bench, not the firmware: a bad pin name, a time in the past...
        process.stderr.write(`tinyrtos: ${file}: world(board) threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
        return EXIT.fault;
      }
    },
  };
}

/** A trace file written: its name and size in events or changes. */
interface Written {
  file: string;
  count: number;
  truncated: boolean;
}

/**
 * `run --board`: the module's main(board) is the firmware of a new board; world(board), when the
 * module exports it, sets up the test bench before the board runs. Returns the exit code.
 */
async function runBoard(file: string, options: BoardRunOptions): Promise<number> {
  const { recordPerfetto, recordVCD } = await import("../trace/index.js");
  const { board, world } = await loadBoard("run", file, options.board, options.seed);
  if (options.uart >= board.info.uarts) throw usageError(`--uart ${options.uart}: ${options.board} has UARTs 0..${board.info.uarts - 1}`);
  // The trace follows the kernel of the first boot (a reset starts a fresh kernel).
  const perfetto = options.trace !== null ? recordPerfetto(board.rtos, { processName: `${options.board} (${file})` }) : null;
  let vcd: ReturnType<typeof recordVCD> | null = null;
  if (options.vcd !== null) {
    const signals = options.signals ?? ["LED", "BUTTON", `uart${options.uart}.tx`, `uart${options.uart}.rx`];
    try {
      vcd = recordVCD(board, signals);
    } catch (error) {
      throw usageError(`--signals: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const worldCode = await world();
  if (worldCode !== EXIT.ok) return worldCode;

  const hz = board.rtos.kernel.config.configTICK_RATE_HZ;
  const progress = new ProgressLine(process.stderr.isTTY === true && !options.json);
  const interrupt = new Interrupt(EXIT.interrupted).install();
  const start = wallMs();
  let fault: { error: unknown; info: FaultInfo } | null = null;
  let ticksRun = options.ticks;
  let interrupted = false;
  try {
    const result = await runSliced(board, {
      ticks: options.ticks,
      realtime: options.realtime,
      interrupt,
      onSlice: (done) => progress.update(() => progressText(options.board, done, options.ticks, hz, wallSecondsSince(start))),
    });
    ticksRun = result.ticksRun;
    interrupted = result.interrupted;
  } catch (error) {
    fault = { error, info: faultInfo(error) };
  } finally {
    progress.clear();
    interrupt.uninstall();
  }
  const wallMsTaken = Math.round(wallMs() - start);

  // The files cover the run up to its end: the ticks, Ctrl-C, or the fault.
  let trace: Written | null = null;
  if (perfetto !== null && options.trace !== null) {
    writeOrFail(options.trace, () => perfetto.json(), "the trace");
    trace = { file: options.trace, count: perfetto.eventCount, truncated: perfetto.truncated };
  }
  let vcdWritten: Written | null = null;
  if (vcd !== null && options.vcd !== null) {
    const recorder = vcd;
    writeOrFail(options.vcd, () => recorder.text(), "the VCD");
    vcdWritten = { file: options.vcd, count: recorder.changeCount, truncated: recorder.truncated };
  }
  const uart = uartText(board, options.uart);
  const exitCode = fault !== null ? EXIT.fault : interrupted ? EXIT.interrupted : EXIT.ok;
  const rtos = board.rtos;
  const tasks: TaskRow[] = taskRows(rtos);

  if (options.json) {
    process.stdout.write(
      JSON.stringify({
        board: options.board,
        module: file,
        seed: options.seed,
        ticks: options.ticks,
        ticksRun: fault !== null ? Math.floor(board.now()) : ticksRun,
        tickRateHz: hz,
        simulatedMs: ((fault !== null ? board.now() : ticksRun) * 1000) / hz,
        wallMs: wallMsTaken,
        resetReason: board.resetReason,
        contextSwitches: rtos.kernel.switchCount,
        uart: { n: options.uart, text: uart },
        tasks,
        trace: trace !== null ? { file: trace.file, events: trace.count, truncated: trace.truncated } : null,
        vcd: vcdWritten !== null ? { file: vcdWritten.file, changes: vcdWritten.count, truncated: vcdWritten.truncated } : null,
        interrupted,
        fault: fault?.info ?? null,
        exitCode,
      }) + "\n",
    );
    if (fault !== null) reportFault(fault.error);
    return exitCode;
  }

  writeUart(uart);
  const written =
    (trace !== null ? `, trace ${trace.file} (${trace.count} events${trace.truncated ? ", truncated" : ""})` : "") +
    (vcdWritten !== null ? `, vcd ${vcdWritten.file} (${vcdWritten.count} changes${vcdWritten.truncated ? ", truncated" : ""})` : "");
  if (fault !== null) {
    // stdout holds only what the board sent; the fault and the files written go on stderr.
    reportFault(fault.error);
    if (written !== "") process.stderr.write(`tinyrtos: written up to the fault${written}\n`);
    return exitCode;
  }
  const ran = interrupted ? `interrupted (Ctrl-C) after ${ticksRun} of ${options.ticks} ticks` : `${ticksRun} ticks`;
  process.stdout.write(
    `${options.board}: ${ran} (${formatTicks((ticksRun * 1000) / hz)} ms at ${hz} Hz), reset reason ${board.resetReason}, ` +
      `${rtos.uxTaskGetNumberOfTasks()} tasks, ${rtos.kernel.switchCount} context switches${written}\n`,
  );
  process.stdout.write(formatTaskTable(tasks));
  return exitCode;
}

function writeOrFail(file: string, text: () => string, what: string): void {
  try {
    writeFileSync(file, text());
  } catch (error) {
    throw new CommandError(`run: cannot write ${what} to ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
