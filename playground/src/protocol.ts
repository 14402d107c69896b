/**
 * Messages between the page (main.ts) and the simulation worker (worker.ts → session.ts), and the
 * shapes of what a session reports. Types only.
 * @module
 */

/** A board name of tinyrtos/hal, or null: the program runs as a script (it makes its own kernels). */
export type BoardName = "nrf52840" | "stm32h743" | "esp32c3";

/** "max": as fast as the host allows; "realtime": one tick per 1/configTICK_RATE_HZ of wall time. */
export type Speed = "max" | "realtime";

/** Something the user did to the board, at a board tick: recorded so that a shared link replays it. */
export type Input =
  | { readonly tick: number; readonly kind: "button"; readonly down: boolean }
  | { readonly tick: number; readonly kind: "uart"; readonly text: string };

/** What a session runs. */
export interface ProgramSpec {
  /** The program's TypeScript source (imports "tinyrtos", "tinyrtos/freertos", "tinyrtos/go", ...). */
  readonly source: string;
  /** Seed of every kernel and board the program makes (it replaces a seed the program passes). */
  readonly seed: number;
  /** The board that runs the module's main(board) as firmware (world(board) first, when exported), or null. */
  readonly board: BoardName | null;
  /** Pause when the run reaches this tick (board ticks, or the kernel's ticks for a script); null: no limit. */
  readonly stopAtTick?: number | null;
  /** Inputs to replay at their ticks (from a shared link). */
  readonly inputs?: readonly Input[];
}

/** A task table row (uxTaskGetSystemState with its CPU share). */
export interface TaskRow {
  readonly name: string;
  /** X running, R ready, B blocked, S suspended, D deleted (vTaskList's letters). */
  readonly state: string;
  readonly priority: number;
  readonly basePriority: number;
  readonly stackHighWater: number;
  readonly number: number;
  /** Share of the run's CPU time, percent (0..100, fractional). */
  readonly cpuPct: number;
}

/** Task states drawn on the timeline. */
export const SEG_STATES = ["Running", "Ready", "Blocked", "Delayed", "Suspended", "ISR"] as const;
export type SegState = (typeof SEG_STATES)[number];

/** New timeline segments since the last report: [row, startTick, endTick, state index] each. */
export interface TimelineDelta {
  /** Bumped when the timeline starts again (a new kernel: a board reset, a script's next kernel). */
  readonly epoch: number;
  /** Names of rows added since the last report, in row order (row index = position in the whole list). */
  readonly newRows: readonly string[];
  /** Closed segments: flat [row, start, end, state, row, start, end, state, ...]. */
  readonly segments: readonly number[];
  /** The segment still open on each row: [row, start, state] flat (its end is `now`). */
  readonly open: readonly number[];
  /** The kernel's time in ticks. */
  readonly now: number;
}

/** A fault of the program, shown with the task or goroutine it happened in. */
export interface ProgramError {
  /** "deadlock" (Go DeadlockError), "panic" (GoPanic, GoFatalError), "assert" (KernelAssertError), "limit" (RunLimitError), "compile", "error". */
  readonly kind: "deadlock" | "panic" | "assert" | "limit" | "compile" | "error";
  /** The error's name (DeadlockError, GoPanic, KernelAssertError, SyntaxError, ...). */
  readonly name: string;
  readonly message: string;
  /** The task or goroutine it was thrown in, when known. */
  readonly task: string | null;
  /** The virtual time it was thrown at, when known. */
  readonly tick: number | null;
}

/** Where the session is. */
export type RunStatus = "loading" | "paused" | "running" | "finished" | "failed";

/** A report of the session's state (posted while running, after each step and at each pause). */
export interface StateReport {
  readonly type: "state";
  readonly status: RunStatus;
  /** Why it paused or finished, in words ("stop at tick 300", "program finished", ...). */
  readonly reason: string;
  /** Board time in ticks (board mode) or the current kernel's time (script mode). */
  readonly tick: number;
  readonly tickRateHz: number;
  /** LED and BUTTON levels (board mode; empty for scripts). */
  readonly pins: readonly { readonly name: string; readonly level: boolean }[];
  /** Bytes the board sent on UART 0 since the last report, as text (board mode). */
  readonly uart: string;
  /** console output since the last report (stderr lines marked). */
  readonly console: readonly { readonly stream: "out" | "err"; readonly text: string }[];
  readonly tasks: readonly TaskRow[];
  readonly timeline: TimelineDelta;
  /** Errors since the last report. */
  readonly errors: readonly ProgramError[];
  /** Inputs applied since the last report (with the ticks they were applied at). */
  readonly inputs: readonly Input[];
  /** Context switches of the current kernel. */
  readonly switches: number;
  /** Wall milliseconds the simulation has run (not paused). */
  readonly wallMs: number;
  /** Simulated milliseconds so far. */
  readonly simMs: number;
}

/** Page → worker. */
export type PageMessage =
  | { readonly type: "load"; readonly spec: ProgramSpec; readonly speed: Speed }
  | { readonly type: "run" }
  | { readonly type: "pause" }
  | { readonly type: "step"; readonly ticks: number }
  | { readonly type: "speed"; readonly speed: Speed }
  | { readonly type: "stopAt"; readonly tick: number | null }
  | { readonly type: "button"; readonly down: boolean }
  | { readonly type: "serial"; readonly text: string }
  | { readonly type: "trace"; readonly id: number };

/** Worker → page. */
export type WorkerMessage = StateReport | { readonly type: "trace"; readonly id: number; readonly json: string } | { readonly type: "ready" };
