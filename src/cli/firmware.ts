/**
 * Firmware modules on the command line: loading one (with one clear line for each way it can fail
 * to load), reporting a firmware fault (the task and the virtual time, then the error and where it
 * was thrown), and printing what a board sent on a UART. Shared by `run` and `top`.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Board } from "../hal/index.js";
import { CommandError } from "./commands.js";

const TYPESCRIPT_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

/**
 * Where a module's syntax error is ("/path/x.mjs:3"): import() does not say, `node --check`
 * prints it on its first line. Only on this error path.
 */
function syntaxErrorPlace(path: string): string {
  const check = spawnSync(process.execPath, ["--check", path], { encoding: "utf8" });
  const first = (check.stderr ?? "").trimStart().split("\n", 1)[0]!;
  return /:\d+$/.test(first) ? ` at ${first}` : "";
}

/** Imports `file`; a missing file, a .ts file, a syntax error or a missing dependency is a CommandError of `command`. */
export async function loadModule(command: string, file: string): Promise<Record<string, unknown>> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CommandError(`${command}: no such file: ${file}`);
  const isTypeScript = TYPESCRIPT_EXTENSIONS.has(extname(path));
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (isTypeScript && code === "ERR_UNKNOWN_FILE_EXTENSION")
      throw new CommandError(`${command}: cannot load ${file}: this Node.js does not run TypeScript; build it (tsc) and run the .js it emits, or write the module as .js/.mjs`);
    const what = error instanceof Error ? `${error.name}: ${error.message}${error instanceof SyntaxError ? syntaxErrorPlace(path) : ""}` : String(error);
    throw new CommandError(`${command}: cannot load ${file}: ${what}`);
  }
}

/** Ticks with up to 3 decimals (interrupts and busy() put events between ticks). */
export const formatTicks = (ticks: number): string => String(Math.round(ticks * 1000) / 1000);

/** What a fault says: the task, the virtual time, the error's name and message. */
export interface FaultInfo {
  task: string | null;
  tick: number | null;
  message: string;
}

/** The task and tick the kernel set on a firmware's error, and its "Name: message". */
export function faultInfo(error: unknown): FaultInfo {
  const e = error as { taskName?: unknown; timeTicks?: unknown } | null;
  return {
    task: typeof e?.taskName === "string" ? e.taskName : null,
    tick: typeof e?.timeTicks === "number" ? e.timeTicks : null,
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

/**
 * A firmware fault on stderr: which task (or goroutine) threw and at which virtual time — the
 * kernel sets `taskName` and `timeTicks` on the error — then the error and where in the firmware
 * it was thrown.
 */
export function reportFault(error: unknown): void {
  const info = faultInfo(error);
  const where = (info.task !== null ? ` in task "${info.task}"` : "") + (info.tick !== null ? ` at tick ${formatTicks(info.tick)}` : "");
  let text = info.message;
  if (error instanceof Error) {
    const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
    if (frames.length > 0) text += "\n" + frames.join("\n");
  }
  process.stderr.write(`tinyrtos: firmware fault${where}: ${text}\n`);
}

/** Everything the board sent on UART `n` (every boot), as text. */
export function uartText(board: Board, n: number): string {
  return new TextDecoder().decode(Uint8Array.from(board.world.uart(n).txLog, (e) => e.byte));
}

/** Writes a UART's text on stdout, ending with a line break when there was any. */
export function writeUart(text: string): void {
  if (text === "") return;
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}
