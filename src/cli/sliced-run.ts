/**
 * Running a board from the command line: in slices of board time, yielding to the event loop
 * between them, so that a progress line can be drawn, Ctrl-C is seen, and the run can be paced
 * to the wall clock. Used by `run --board` and `top`.
 *
 * Slicing does not change what the board does: `board.run(a)` then `board.run(b)` is the same
 * virtual-time run as `board.run(a + b)` (same UART output, trace and VCD).
 * @module
 */
import type { Board } from "../hal/index.js";
import type { RunOutcome } from "../freertos/index.js";

/** Wall time a slice aims at: long enough that the yields cost little, short enough for Ctrl-C and a 10 Hz progress line. */
const SLICE_WALL_MS = 20;
/** Most ticks in one slice. */
const MAX_SLICE_TICKS = 1 << 24;
/** With --realtime, the longest sleep while board time is ahead of the wall clock. */
const REALTIME_SLEEP_MS = 10;

const wallMs = (): number => performance.now();
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Ctrl-C (SIGINT) while installed: the first one asks the run to stop at the end of the current
 * slice; a second one exits at once with `exitCode` (for a run that does not come back).
 */
export class Interrupt {
  requested = false;
  private readonly onSignal = (): void => {
    if (this.requested) {
      process.stderr.write("\ntinyrtos: interrupted again: exiting without the summary\n");
      process.exit(this.exitCode);
    }
    this.requested = true;
  };

  constructor(private readonly exitCode: number) {}

  install(): this {
    process.on("SIGINT", this.onSignal);
    return this;
  }

  uninstall(): void {
    process.off("SIGINT", this.onSignal);
  }
}

/** What runSliced does. */
export interface SlicedRunOptions {
  /** Ticks to run. */
  ticks: number;
  /** Pace board time to the wall clock: 1 tick = 1/configTICK_RATE_HZ s. */
  realtime: boolean;
  /** When > 0, slices also end at every multiple of this many ticks since the start (top's intervals). */
  everyTicks?: number;
  /** Called after each slice with the ticks done so far. */
  onSlice?: (ticksDone: number) => void;
  /** Stops the run at the end of a slice when set. */
  interrupt: Interrupt;
}

/** How a sliced run ended. */
export interface SlicedRunResult {
  /** Ticks the board ran. */
  ticksRun: number;
  /** True when Ctrl-C stopped the run before its ticks. */
  interrupted: boolean;
  /** The last board.run's outcome ("target" unless the firmware stopped its kernel). */
  outcome: RunOutcome;
}

/**
 * Runs `board` for `options.ticks` ticks in slices. Rejects like board.run (a firmware fault);
 * the ticks done before it are then in board.now().
 */
export async function runSliced(board: Board, options: SlicedRunOptions): Promise<SlicedRunResult> {
  const hz = board.rtos.kernel.config.configTICK_RATE_HZ;
  const every = options.everyTicks ?? 0;
  const start = wallMs();
  const startTick = board.now();
  let done = 0;
  let slice = 1;
  // Zero ticks still boots the firmware, as board.run(0) does.
  let outcome: RunOutcome = options.ticks === 0 ? await board.run(0) : "target";
  while (done < options.ticks && !options.interrupt.requested) {
    let n = Math.min(slice, options.ticks - done);
    if (every > 0) n = Math.min(n, every - (done % every));
    if (options.realtime) {
      const due = Math.floor(((wallMs() - start) * hz) / 1000) - done;
      if (due <= 0) {
        await sleep(Math.min(REALTIME_SLEEP_MS, Math.max(1, ((1 - due) * 1000) / hz)));
        continue;
      }
      n = Math.min(n, due);
    }
    const t0 = wallMs();
    outcome = await board.run(n);
    const took = wallMs() - t0;
    done += n;
    if (n === slice && took < SLICE_WALL_MS / 2) slice = Math.min(slice * 2, MAX_SLICE_TICKS);
    else if (took > SLICE_WALL_MS * 2) slice = Math.max(1, Math.floor(slice / 2));
    options.onSlice?.(done);
    if (outcome !== "target") {
      // The firmware stopped its kernel part-way through the slice: the ticks it got to.
      done = Math.min(done, Math.floor(board.now() - startTick));
      break;
    }
    await nextTurn();
  }
  return { ticksRun: done, interrupted: options.interrupt.requested && done < options.ticks, outcome };
}

/**
 * A status line on stderr, redrawn in place (carriage return, clear to end of line) at most
 * every `intervalMs`, and only when `enabled` (stderr is a terminal).
 */
export class ProgressLine {
  private shownAt = -Infinity;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly intervalMs = 100,
  ) {}

  /** Draws `text()` unless the last draw was less than intervalMs ago. */
  update(text: () => string): void {
    if (!this.enabled) return;
    const now = wallMs();
    if (now - this.shownAt < this.intervalMs) return;
    this.shownAt = now;
    this.shown = true;
    process.stderr.write(`\r${text()}\x1b[K`);
  }

  /** Erases the line (before the summary is printed). */
  clear(): void {
    if (!this.shown) return;
    process.stderr.write("\r\x1b[K");
    this.shown = false;
  }
}

/** Seconds with 3 decimals, wall seconds with 2, the speed ratio with 2 significant-ish digits. */
export function progressText(board: string, ticksDone: number, ticksTotal: number, hz: number, wallSeconds: number): string {
  const simSeconds = ticksDone / hz;
  const ratio = wallSeconds > 0 ? simSeconds / wallSeconds : 0;
  const speed = ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2);
  const pct = ticksTotal > 0 ? Math.floor((100 * ticksDone) / ticksTotal) : 100;
  return `${board}: ${simSeconds.toFixed(3)} s simulated in ${wallSeconds.toFixed(2)} s wall (${speed}x), ${ticksDone} / ${ticksTotal} ticks (${pct}%)`;
}

/** Wall seconds since `startMs` (performance.now()). */
export function wallSecondsSince(startMs: number): number {
  return (wallMs() - startMs) / 1000;
}

export { wallMs };
