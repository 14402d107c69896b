/**
 * The playground's simulation: one program run, host-neutral. The page runs it in a Web Worker
 * (worker.ts); Node runs the very same built file (dist/playground/session.js) for the
 * determinism test and the benchmark, so a trace from the browser and one from Node come from
 * the same code.
 *
 * Two kinds of program:
 * - board mode (`spec.board` set): the module's `main(board)` is the firmware of a tinyrtos/hal
 *   board and its `world(board)`, when exported, sets up the test bench; the session advances the
 *   board in slices (`board.run(n)`), between which it applies the user's inputs (button, serial)
 *   and reports the state.
 * - script mode (`spec.board` null): the module's top level is the program (the README's
 *   FreeRTOS- and Go-style examples, the 1024-coroutine experiment); every kernel it makes runs
 *   through the session's pacing: while the session lives, `Kernel.prototype.advance` is wrapped
 *   so that a `run(ticks)` (rtos.run, go's run, board.run) advances in slices with the same pause,
 *   step, stop tick and speed control. Slicing a run changes nothing in it: `run(a)` then `run(b)`
 *   gives the same trace, byte for byte, as `run(a + b)` (test/playground/determinism.test.ts).
 *
 * Every kernel the program makes is seeded with `spec.seed` (createFreeRTOS, go's run and
 * createBoard get it in place of the program's own seed). The current kernel (the last one made or
 * run; a board's after each boot) is traced: recordPerfetto for the download, and the timeline.
 * @module
 */
import * as root from "tinyrtos";
import type { Kernel, RunOutcome, TraceEvent, TraceSink } from "tinyrtos";
import * as freertos from "tinyrtos/freertos";
import * as go from "tinyrtos/go";
import * as hal from "tinyrtos/hal";
import * as mem from "tinyrtos/mem";
import * as trace from "tinyrtos/trace";
import { compile, evaluate, nodeUrlShim, PROGRAM_PATH, type ModuleTable } from "./compile.js";
import type { BoardName, Input, ProgramError, ProgramSpec, RunStatus, Speed, StateReport, TaskRow, WorkerMessage } from "./protocol.js";
import { TimelineRecorder } from "./timeline.js";

type Board = hal.Board;
type Advance = (this: Kernel, ticks: number, endOnStall?: boolean) => Promise<RunOutcome>;

/** Trace events kept for the Perfetto download of one kernel. */
export const MAX_TRACE_EVENTS = 250_000;
/** While running, the state is reported this often (wall ms). */
const REPORT_INTERVAL_MS = 50;
/** While running as fast as possible, the host gets its event loop back this often (wall ms). */
const YIELD_INTERVAL_MS = 12;
/** A button click (press and release between two slices) holds the button at least this many ticks. */
export const MIN_PRESS_TICKS = 50;
/** Most ticks one slice may take. */
const MAX_SLICE_TICKS = 100_000;

/** Runs `fn` after the host's pending events (a macrotask, not clamped like nested setTimeout). */
const macrotask: () => Promise<void> = (() => {
  const g = globalThis as { setImmediate?: (fn: () => void) => void; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === "function") return () => new Promise<void>((r) => g.setImmediate!(r));
  if (typeof g.MessageChannel === "function") {
    const channel = new g.MessageChannel();
    const queue: (() => void)[] = [];
    channel.port1.onmessage = () => queue.shift()?.();
    return () =>
      new Promise<void>((r) => {
        queue.push(r);
        channel.port2.postMessage(0);
      });
  }
  return () => new Promise<void>((r) => setTimeout(r, 0));
})();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Turns anything thrown into what the page shows: kind, name, message, task or goroutine, tick. */
export function describeError(error: unknown): ProgramError {
  if (!(error instanceof Error)) return { kind: "error", name: "thrown value", message: String(error), task: null, tick: null };
  const e = error as Error & { taskName?: unknown; isrName?: unknown; timeTicks?: unknown; tick?: unknown };
  const kind: ProgramError["kind"] =
    e.name === "DeadlockError"
      ? "deadlock"
      : e.name === "GoPanic" || e.name === "GoFatalError"
        ? "panic"
        : e.name === "KernelAssertError"
          ? "assert"
          : e.name === "RunLimitError"
            ? "limit"
            : e.name === "CompileError" || e.name === "SyntaxError"
              ? "compile"
              : "error";
  const task = typeof e.taskName === "string" ? e.taskName : typeof e.isrName === "string" ? `ISR ${e.isrName}` : null;
  const tick = typeof e.timeTicks === "number" ? e.timeTicks : typeof e.tick === "number" ? e.tick : null;
  return { kind, name: e.name, message: e.message, task, tick };
}

/** One console argument as text (strings as they are, errors as name: message, the rest as JSON where it can). */
function formatArg(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/**
 * Records a kernel for Perfetto and feeds the same events to `onEvent`: recordPerfetto attaches
 * the kernel's one trace sink, so it is handed a view of the kernel whose setTraceSink keeps the
 * recorder's sink, and the kernel gets a sink calling both.
 */
function recordWithTee(k: Kernel, onEvent: TraceSink, processName: string): trace.PerfettoRecorder {
  let inner: TraceSink | null = null;
  const view = Object.create(k) as Kernel;
  Object.defineProperty(view, "setTraceSink", { value: (sink: TraceSink | null) => void (inner = sink) });
  const recorder = trace.recordPerfetto({ kernel: view }, { maxEvents: MAX_TRACE_EVENTS, processName });
  k.setTraceSink((e: TraceEvent) => {
    if (inner !== null) inner(e);
    onEvent(e);
  });
  return recorder;
}

/** The session's one live instance per JavaScript realm (the advance wrapper is global). */
let live: Session | null = null;

/** What a session is started with besides the program. */
export interface SessionOptions {
  speed?: Speed;
  /** Where reports go (the worker posts them to the page). */
  post: (message: WorkerMessage) => void;
}

export class Session {
  private status: RunStatus = "loading";
  private reason = "";
  private speed: Speed;
  private readonly post: (message: WorkerMessage) => void;
  private spec: ProgramSpec | null = null;
  private board: Board | null = null;
  private kernel: Kernel | null = null;
  private recorder: trace.PerfettoRecorder | null = null;
  private readonly timeline = new TimelineRecorder();
  private stopAt: number | null = null;
  private wantRun = false;
  private stepBudget = 0;
  private wake: (() => void) | null = null;
  private disposed = false;
  private originalAdvance: Advance | null = null;
  private activeAdvances = 0;
  private programDone = false;
  /** Inputs not applied yet: the replayed ones (by tick) and the user's (at the next slice). */
  private pendingInputs: Input[] = [];
  private replay: Input[] = [];
  private readonly newInputs: Input[] = [];
  private readonly inputLog: Input[] = [];
  private uartIndex = 0;
  private lastPressTick = -Infinity;
  private readonly consoleLines: { stream: "out" | "err"; text: string }[] = [];
  private readonly errors: ProgramError[] = [];
  private readonly reported = new WeakSet<object>();
  private chunk = 1;
  private lastYield = 0;
  private lastReport = 0;
  private rtAnchor: { wall: number; tick: number } | null = null;
  private wallMs = 0;
  private finishedResolve: (() => void) | null = null;
  /** Settles when the program has finished or failed (script mode), for runHeadless. */
  readonly settled: Promise<void>;

  constructor(options: SessionOptions) {
    this.speed = options.speed ?? "max";
    this.post = options.post;
    this.settled = new Promise((r) => (this.finishedResolve = r));
  }

  // ───────────────────────────── controls ─────────────────────────────

  /** Compiles and starts the program, paused before its first tick (call run() to go). */
  load(spec: ProgramSpec): void {
    if (this.spec !== null) throw new Error("Session.load: a session runs one program; make a new session");
    if (live !== null && live !== this) live.dispose();
    live = this;
    this.spec = spec;
    this.stopAt = spec.stopAtTick ?? null;
    this.replay = [...(spec.inputs ?? [])].sort((a, b) => a.tick - b.tick);
    let code: string;
    try {
      code = compile(spec.source);
    } catch (e) {
      this.fail(e);
      return;
    }
    const modules = this.modules(spec);
    const globals = { console: this.console(), process: this.processShim(spec) };
    if (spec.board === null) this.installPacing();
    let evaluated: ReturnType<typeof evaluate>;
    try {
      evaluated = evaluate(code, modules, globals);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (spec.board === null) {
      this.setStatus("paused", "ready: press Run");
      evaluated.done.then(
        () => this.scriptEnded(null),
        (e: unknown) => this.scriptEnded(e),
      );
      this.report();
      return;
    }
    evaluated.done.then(
      () => this.startBoard(spec.board!, evaluated.exports),
      (e: unknown) => this.fail(e),
    );
  }

  run(): void {
    if (this.status === "finished" || this.status === "failed") return;
    if (this.stopAt !== null && this.currentTick() >= this.stopAt) this.stopAt = null; // Run again goes on past the stop tick
    this.wantRun = true;
    this.rtAnchor = null;
    this.setStatus("running", "");
    this.kick();
  }

  pause(): void {
    this.wantRun = false;
    if (this.status === "running") this.setStatus("paused", "paused");
    this.kick();
  }

  step(ticks = 1): void {
    if (this.status === "finished" || this.status === "failed") return;
    this.wantRun = false;
    this.stepBudget += Math.max(1, Math.floor(ticks));
    this.kick();
  }

  setSpeed(speed: Speed): void {
    this.speed = speed;
    this.rtAnchor = null;
    this.kick();
  }

  setStopAt(tick: number | null): void {
    this.stopAt = tick;
    this.kick();
  }

  /** The user presses (down) or releases the board's BUTTON: applied at the next slice boundary. */
  button(down: boolean): void {
    if (this.board === null) return;
    this.pendingInputs.push({ tick: -1, kind: "button", down });
    this.kick();
  }

  /** The user types into the serial monitor: the bytes arrive on UART 0's RX from the next slice boundary. */
  serial(text: string): void {
    if (this.board === null || text === "") return;
    this.pendingInputs.push({ tick: -1, kind: "uart", text });
    this.kick();
  }

  /** The current kernel's Perfetto trace (Chrome JSON). */
  traceJson(): string {
    return this.recorder?.json() ?? `{"displayTimeUnit":"ns","otherData":{"generator":"tinyrtos playground","note":"no kernel ran"},"traceEvents":[]}\n`;
  }

  /** Every input applied so far, with its tick (for a shared link). */
  inputs(): readonly Input[] {
    return this.inputLog;
  }

  /** Ends the session: the program is left suspended at its next slice, the advance wrapper removed. */
  dispose(): void {
    this.disposed = true;
    this.wantRun = false;
    this.uninstallPacing();
    if (live === this) live = null;
  }

  // ───────────────────────────── the program's world ─────────────────────────────

  private modules(spec: ProgramSpec): ModuleTable {
    const seed = spec.seed;
    const createFreeRTOS = (config: freertos.FreeRTOSConfig = {}): freertos.FreeRTOS => {
      const rtos = freertos.createFreeRTOS({ ...config, seed });
      this.attach(rtos.kernel);
      return rtos;
    };
    const run = ((main: () => unknown, options: go.RunOptions = {}) => go.run(main, { ...options, seed })) as typeof go.run;
    const createBoard = (name: string, options: hal.BoardOptions): Board => {
      const firmware = options?.firmware;
      if (typeof firmware !== "function") return hal.createBoard(name, { ...options, seed });
      return hal.createBoard(name, {
        ...options,
        seed,
        firmware: (b: Board) => {
          this.attach(b.rtos.kernel);
          return firmware(b);
        },
      });
    };
    return {
      tinyrtos: { ...root, createFreeRTOS },
      "tinyrtos/freertos": { ...freertos, createFreeRTOS },
      "tinyrtos/go": { ...go, run },
      "tinyrtos/hal": { ...hal, createBoard },
      "tinyrtos/mem": { ...mem },
      "tinyrtos/trace": { ...trace },
      "node:url": nodeUrlShim,
    };
  }

  private console(): Pick<Console, "log" | "info" | "warn" | "error" | "debug"> {
    const out = (stream: "out" | "err") => (...args: unknown[]) => void this.consoleLines.push({ stream, text: args.map(formatArg).join(" ") });
    return { log: out("out"), info: out("out"), debug: out("out"), warn: out("err"), error: out("err") };
  }

  private processShim(spec: ProgramSpec): Record<string, unknown> {
    const write = (stream: "out" | "err") => (text: string) => {
      this.consoleLines.push({ stream, text: String(text).replace(/\n$/, "") });
      return true;
    };
    return {
      // As if run directly (`node program.ts --seed S`): a module that checks argv[1] runs its main.
      argv: ["node", PROGRAM_PATH, "--seed", String(spec.seed)],
      env: {},
      platform: "browser",
      exitCode: undefined,
      memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
      stdout: { write: write("out"), isTTY: false },
      stderr: { write: write("err"), isTTY: false },
    };
  }

  /** Makes `k` the traced kernel (a new timeline and a new Perfetto recording). */
  private attach(k: Kernel): void {
    if (this.kernel === k || this.disposed) return;
    this.recorder?.stop();
    // The previous kernel's events no longer go to the timeline or the trace.
    if (this.recorder !== null) this.kernel?.setTraceSink(null);
    this.kernel = k;
    this.recorder = null;
    this.timeline.restart();
    this.rtAnchor = null;
    try {
      this.recorder = recordWithTee(k, this.timeline.onEvent, this.spec?.board ?? "tinyrtos playground");
    } catch (e) {
      this.consoleLines.push({ stream: "err", text: `playground: this kernel is not traced: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  // ───────────────────────────── board mode ─────────────────────────────

  private async startBoard(name: BoardName, exports: Record<string, unknown>): Promise<void> {
    const main = exports.main;
    const world = exports.world;
    try {
      if (typeof main !== "function") throw new Error(`board mode runs the module's main(board) as firmware: this program exports no main() function (choose "no board" to run it as a script)`);
      if (world !== undefined && typeof world !== "function") throw new Error("the program exports world, but it is not a function (world(board) sets up the test bench)");
      if (!hal.boards.includes(name)) throw new Error(`no board "${name}"; boards are ${hal.boards.join(", ")}`);
      const firmware = main as (b: Board) => unknown;
      const board = hal.createBoard(name, {
        seed: this.spec!.seed,
        firmware: async (b: Board) => {
          this.attach(b.rtos.kernel);
          await firmware(b);
        },
      });
      this.board = board;
      this.attach(board.rtos.kernel);
      if (typeof world === "function") await (world as (b: Board) => unknown)(board);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!this.wantRun) this.setStatus("paused", "ready: press Run");
    this.report();
    void this.boardLoop();
  }

  private async boardLoop(): Promise<void> {
    const board = this.board!;
    for (;;) {
      const n = await this.slice(board.now());
      const t0 = performance.now();
      try {
        await board.run(n);
      } catch (e) {
        // A task or ISR threw: the kernel deleted it and the others run on at the next Run.
        this.noteError(e);
        this.wantRun = false;
        this.stepBudget = 0;
        this.setStatus("paused", `fault: ${e instanceof Error ? e.name : "error"}`);
      }
      this.afterSlice(performance.now() - t0);
    }
  }

  /**
   * Applies the inputs due at the next tick, from board time `now` (a slice boundary): each takes
   * effect at tick `now + 1`, scheduled through the world (a pin change now, outside a run, would
   * run its interrupt handler with no kernel running). A replayed input logged at tick T is applied
   * at the boundary T - 1, exactly as the user's was, so a shared link reproduces the run.
   */
  private applyInputs(now: number): void {
    const board = this.board;
    if (board === null) return;
    const next = now + 1;
    const due: Input[] = [];
    while (this.replay.length > 0 && this.replay[0]!.tick <= next) due.push(this.replay.shift()!);
    for (const p of this.pendingInputs) {
      if (p.kind === "button" && !p.down && next < this.lastPressTick + MIN_PRESS_TICKS) {
        // A click is a press of at least MIN_PRESS_TICKS (a firmware's debounce must see it held).
        this.replay.push({ tick: this.lastPressTick + MIN_PRESS_TICKS, kind: "button", down: false });
        this.replay.sort((a, b) => a.tick - b.tick);
      } else due.push({ ...p, tick: next });
    }
    this.pendingInputs = [];
    for (const input of due) {
      const tick = Math.max(next, input.tick);
      try {
        if (input.kind === "button") {
          if (input.down) this.lastPressTick = tick;
          const pin = board.world.pin("BUTTON");
          // The dev-kit button connects the pin to ground: pressed = driven low, released = its pull.
          if (input.down) pin.drive(false, tick);
          else pin.release(tick);
        } else board.world.uart(0).write(input.text, tick);
        const applied: Input = input.kind === "button" ? { tick, kind: "button", down: input.down } : { tick, kind: "uart", text: input.text };
        this.inputLog.push(applied);
        this.newInputs.push(applied);
      } catch (e) {
        this.noteError(e);
      }
    }
  }

  // ───────────────────────────── script mode ─────────────────────────────

  private installPacing(): void {
    if (this.originalAdvance !== null) return;
    const proto = root.Kernel.prototype as unknown as { advance: Advance };
    const original = proto.advance;
    this.originalAdvance = original;
    proto.advance = function (this: Kernel, ticks: number, endOnStall = false): Promise<RunOutcome> {
      const session = live;
      if (session === null || session.disposed || typeof ticks !== "number" || !(ticks >= 0)) return original.call(this, ticks, endOnStall);
      return session.pacedAdvance(this, original, ticks, endOnStall);
    };
  }

  private uninstallPacing(): void {
    if (this.originalAdvance === null) return;
    (root.Kernel.prototype as unknown as { advance: Advance }).advance = this.originalAdvance;
    this.originalAdvance = null;
  }

  /** A kernel's run(ticks) in slices, each waiting for the session's controls. */
  private async pacedAdvance(k: Kernel, original: Advance, ticks: number, endOnStall: boolean): Promise<RunOutcome> {
    this.attach(k);
    this.activeAdvances++;
    try {
      let remaining = ticks;
      for (;;) {
        const n = Math.min(remaining, await this.slice(Math.floor(k.now())));
        if (this.kernel !== k) this.attach(k);
        const t0 = performance.now();
        let outcome: RunOutcome;
        try {
          // An endless run ends "stalled" when nothing can happen: so does each of its slices.
          outcome = await original.call(k, n, remaining === Infinity ? true : endOnStall);
        } catch (e) {
          this.noteError(e);
          throw e;
        } finally {
          this.afterSlice(performance.now() - t0);
        }
        if (outcome !== "target") return outcome;
        remaining -= n;
        if (remaining <= 0) return "target";
      }
    } finally {
      this.activeAdvances--;
    }
  }

  private scriptEnded(error: unknown): void {
    this.programDone = true;
    if (error !== null) {
      this.fail(error);
      return;
    }
    // A program may go on after its top level (a main() it started without awaiting it).
    const check = (): void => {
      if (this.disposed) return;
      if (this.activeAdvances > 0) {
        setTimeout(check, 20);
        return;
      }
      this.wantRun = false;
      this.setStatus("finished", this.kernel === null ? "program finished (it ran no kernel)" : "program finished");
      this.report();
      this.finishedResolve?.();
    };
    setTimeout(check, 0);
  }

  // ───────────────────────────── pacing ─────────────────────────────

  private currentTick(): number {
    if (this.board !== null) return this.board.now();
    return this.kernel === null ? 0 : Math.floor(this.kernel.now());
  }

  private tickRateHz(): number {
    return this.kernel?.config.configTICK_RATE_HZ ?? 1000;
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private waitForControl(): Promise<void> {
    return new Promise((r) => (this.wake = r));
  }

  /**
   * Waits until the simulation may advance from tick `now`, then says how many ticks the next
   * slice may take (at least 1). Applies inputs and reports the state on the way.
   */
  private async slice(now: number): Promise<number> {
    for (;;) {
      if (this.disposed) await new Promise<never>(() => {});
      this.applyInputs(now);
      // A slice ends at the boundary before the next replayed input's tick (where it is applied).
      const toReplay = this.replay.length > 0 ? Math.max(1, Math.ceil(this.replay[0]!.tick - 1 - now)) : Infinity;
      const limitTo = (n: number): number => Math.max(1, Math.min(n, this.stopAt !== null && this.stopAt > now ? this.stopAt - now : n, toReplay));
      if (this.stepBudget > 0) {
        const n = Math.min(this.stepBudget, toReplay);
        this.stepBudget -= n;
        if (this.status !== "paused") this.setStatus("paused", "step");
        else this.reason = "step";
        return n;
      }
      if (this.stopAt !== null && now >= this.stopAt) {
        if (this.wantRun || this.status !== "paused" || this.reason !== `stop at tick ${this.stopAt}`) {
          this.wantRun = false;
          this.setStatus("paused", `stop at tick ${this.stopAt}`);
        }
        this.report();
        await this.waitForControl();
        continue;
      }
      if (!this.wantRun) {
        if (this.status === "running") this.setStatus("paused", "paused");
        this.report();
        await this.waitForControl();
        continue;
      }
      const wall = performance.now();
      if (wall - this.lastReport >= REPORT_INTERVAL_MS) this.report();
      if (wall - this.lastYield >= YIELD_INTERVAL_MS) {
        this.lastYield = performance.now();
        await macrotask();
        continue;
      }
      if (this.speed === "realtime") {
        const hz = this.tickRateHz();
        if (this.rtAnchor === null) this.rtAnchor = { wall, tick: now };
        const due = this.rtAnchor.tick + Math.floor(((wall - this.rtAnchor.wall) * hz) / 1000) - now;
        if (due <= 0) {
          this.report();
          await sleep(Math.max(1, Math.ceil(1000 / hz)));
          continue;
        }
        return limitTo(Math.min(due, hz));
      }
      return limitTo(this.chunk);
    }
  }

  /** After a slice: adapt the slice size (as fast as possible: ~2-8 ms of host time a slice), report a step's end. */
  private afterSlice(wallMs: number): void {
    this.wallMs += wallMs;
    if (wallMs < 2) this.chunk = Math.min(MAX_SLICE_TICKS, this.chunk * 2);
    else if (wallMs > 8) this.chunk = Math.max(1, Math.floor(this.chunk / 2));
    if (!this.wantRun && this.stepBudget === 0) this.report();
  }

  private setStatus(status: RunStatus, reason: string): void {
    this.status = status;
    this.reason = reason;
  }

  private noteError(error: unknown): void {
    if (typeof error === "object" && error !== null) {
      if (this.reported.has(error)) return;
      this.reported.add(error);
    }
    this.errors.push(describeError(error));
  }

  /** Reports an error from outside the program's promises (an unhandled rejection in the worker). */
  reportError(error: unknown): void {
    this.noteError(error);
    this.report();
  }

  private fail(error: unknown): void {
    this.noteError(error);
    this.wantRun = false;
    this.setStatus("failed", `failed: ${error instanceof Error ? error.name : "error"}`);
    this.report();
    this.finishedResolve?.();
  }

  // ───────────────────────────── reports ─────────────────────────────

  private taskRows(): TaskRow[] {
    const k = this.kernel;
    if (k === null) return [];
    const total = k.totalRunTimeCounter();
    const letters = ["X", "R", "B", "S", "D"];
    return k.systemState().map((s) => ({
      name: s.name,
      state: letters[s.state] ?? "?",
      priority: s.currentPriority,
      basePriority: s.basePriority,
      stackHighWater: s.stackHighWaterMark,
      number: s.taskNumber,
      cpuPct: total > 0 ? (100 * s.runTimeCounter) / total : 0,
    }));
  }

  private uartText(): string {
    const board = this.board;
    if (board === null) return "";
    const log = board.world.uart(0).txLog;
    if (log.length < this.uartIndex) this.uartIndex = 0;
    if (log.length === this.uartIndex) return "";
    const bytes = new Uint8Array(log.length - this.uartIndex);
    for (let i = 0; i < bytes.length; i++) bytes[i] = log[this.uartIndex + i]!.byte;
    this.uartIndex = log.length;
    return new TextDecoder().decode(bytes);
  }

  /** Posts the state now. */
  report(): void {
    this.lastReport = performance.now();
    const board = this.board;
    const pins: { name: string; level: boolean }[] = [];
    if (board !== null) for (const name of ["LED", "BUTTON"]) pins.push({ name, level: board.world.pin(name).level });
    const k = this.kernel;
    const tick = this.currentTick();
    const hz = this.tickRateHz();
    const report: StateReport = {
      type: "state",
      status: this.status,
      reason: this.reason,
      tick,
      tickRateHz: hz,
      pins,
      uart: this.uartText(),
      console: this.consoleLines.splice(0),
      tasks: this.taskRows(),
      timeline: this.timeline.delta(k === null ? 0 : k.now()),
      errors: this.errors.splice(0),
      inputs: this.newInputs.splice(0),
      switches: k?.switchCount ?? 0,
      wallMs: this.wallMs,
      simMs: (tick * 1000) / hz,
    };
    this.post(report);
  }
}

/** What runHeadless returns. */
export interface HeadlessResult {
  /** The current kernel's Perfetto trace at the end. */
  readonly trace: string;
  readonly status: RunStatus;
  readonly tick: number;
  readonly uart: string;
  readonly console: string;
  readonly errors: readonly ProgramError[];
  /** Wall milliseconds spent in kernel slices, and simulated milliseconds reached. */
  readonly wallMs: number;
  readonly simMs: number;
}

/**
 * Runs a program as the page would (as fast as possible) until it pauses at `spec.stopAtTick`,
 * finishes or fails, and returns its trace and output. Node and the browser run this same code.
 */
export async function runHeadless(spec: ProgramSpec): Promise<HeadlessResult> {
  let uart = "";
  let consoleText = "";
  const errors: ProgramError[] = [];
  let last: StateReport | null = null;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const session = new Session({
    speed: "max",
    post: (m) => {
      if (m.type !== "state") return;
      last = m;
      uart += m.uart;
      for (const line of m.console) consoleText += line.text + "\n";
      errors.push(...m.errors);
      if (m.status === "finished" || m.status === "failed" || (m.status === "paused" && (m.reason.startsWith("stop at") || m.reason.startsWith("fault")))) done();
    },
  });
  session.load(spec);
  session.run();
  await finished;
  const result: HeadlessResult = {
    trace: session.traceJson(),
    status: last!.status,
    tick: last!.tick,
    uart,
    console: consoleText,
    errors,
    wallMs: last!.wallMs,
    simMs: last!.simMs,
  };
  session.dispose();
  return result;
}

export type { BoardName, Input, ProgramError, ProgramSpec, RunStatus, Speed, StateReport, TaskRow, WorkerMessage } from "./protocol.js";
