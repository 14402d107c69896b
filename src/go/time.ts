/**
 * Go's time package on the kernel: sleep → vTaskDelay, now → the kernel's virtual clock,
 * after / tick / Timer → kernel software timers whose callbacks (in the timer task) send on the
 * timer's channel. Durations are milliseconds of virtual time, rounded up to whole ticks; they
 * are exact however long (a wait longer than the kernel's longest delay is re-armed for the rest).
 * @module
 */
import {
  createTimer,
  timerStartNow,
  timerStopNow,
  type Kernel,
  type KernelCall,
  type KernelTask,
  type SoftwareTimer,
  blockInDelay,
  park,
  settledValue,
  taskDelay,
} from "../kernel/index.js";
import { Chan } from "./chan.js";
import { GoPanic } from "./errors.js";
import { currentKernel, runtimeOf } from "./runtime.js";

function checkMs(what: string, ms: unknown): number {
  if (typeof ms !== "number" || Number.isNaN(ms)) throw new RangeError(`${what}: the duration must be a number of milliseconds, got ${String(ms)}`);
  return ms;
}

/**
 * Milliseconds → ticks, rounded up (at least 1 for a positive duration). The result may exceed
 * what one kernel wait allows (see longestWaitTicks). Infinity, and a duration of more ticks than
 * a double counts exactly (2**53: 285,000 years at 1 kHz, far beyond Go's 292), is Infinity: never.
 */
export function msToTicks(k: Kernel, ms: number): number {
  const ticks = Math.max(Math.ceil((ms * k.config.configTICK_RATE_HZ) / 1000), 1);
  return ticks > Number.MAX_SAFE_INTEGER ? Infinity : ticks;
}

/**
 * The longest wait the Go layer asks of the kernel at once: portMAX_DELAY - 1 (portMAX_DELAY
 * itself would be forever), or for 64-bit ticks 2**52, where tick sums are still exact doubles.
 */
export function longestWaitTicks(k: Kernel): number {
  return k.config.configTICK_TYPE_WIDTH_IN_BITS === 64 ? 2 ** 52 : k.maxDelay - 1;
}

/** Virtual milliseconds since run() started (Go's time.Now, as a number). */
export function now(): number {
  const k = currentKernel("now");
  return ((k.now() - runtimeOf(k).startTicks) * 1000) / k.config.configTICK_RATE_HZ;
}

/**
 * Blocks the goroutine for `ms` milliseconds of virtual time (vTaskDelay); <= 0 returns at once.
 * Any length is exact (a sleep longer than the kernel's longest delay is several delays to one
 * wake-up tick); sleep(Infinity) never returns, and a program left with only such sleepers is
 * deadlocked. `await` it in an async goroutine, `yield*` it in a generator goroutine.
 */
export function sleep(ms: number): KernelCall<void> {
  ms = checkMs("sleep", ms);
  const k = currentKernel("sleep");
  if (ms <= 0) return settledValue(undefined);
  const ticks = msToTicks(k, ms);
  if (ticks <= longestWaitTicks(k)) return taskDelay(k, ticks) as unknown as KernelCall<void>;
  if (ticks === Infinity) return park(k, "sleep (forever)", k.maxDelay) as KernelCall<void>;
  return sleepUntil(k, k.getTickCountAbs() + ticks);
}

/**
 * Delays until the tick count reaches `wakeTick`, in waits the kernel can make. Each wait is a
 * vTaskDelay whose continuation (kernel context, when the task is switched back in) starts the
 * next one, so the task's code resumes once, at the end, in either lane.
 */
function sleepUntil(k: Kernel, wakeTick: number): KernelCall<void> {
  // taskDelay's checks, under its name (as a shorter sleep reports them).
  k.assertNotIsr("vTaskDelay");
  k.assertCanBlock("vTaskDelay");
  const leg = (kernel: Kernel, t: KernelTask): void => {
    if (delayLeg(kernel, t, wakeTick, leg)) kernel.switchContext();
  };
  delayLeg(k, k.current!, wakeTick, leg);
  return k.switchAway<void>();
}

/**
 * The running task `t` waits for the next stretch to `wakeTick` (vTaskDelay's block, with `leg`
 * to run when it is switched back in); false, with the call completed, when the tick has come.
 */
function delayLeg(k: Kernel, t: KernelTask, wakeTick: number, leg: (k: Kernel, t: KernelTask) => void): boolean {
  const left = wakeTick - k.getTickCountAbs();
  if (left <= 0) {
    t.resumeValue = undefined;
    return false;
  }
  blockInDelay(k, Math.min(left, longestWaitTicks(k)), leg, undefined);
  return true;
}

/**
 * A kernel software timer that fires at an exact tick however far away (re-armed while the rest
 * is longer than one kernel wait), once or every `periodTicks`. Timers, tickers and context
 * deadlines are alarms; `onFire` runs in the timer task.
 */
export class Alarm {
  private readonly timer: SoftwareTimer;
  /** The absolute tick of the next fire. */
  private wakeTick = 0;
  /** Armed for an infinite duration: pending, but no kernel timer runs. */
  private forever = false;
  /** 0 for a one-shot alarm. */
  private periodTicks = 0;

  constructor(
    private readonly kernel: Kernel,
    name: string,
    private readonly onFire: () => void,
  ) {
    const timer = createTimer(kernel, name, 1, false, this, () => this.expired(), false);
    if (timer === null) throw new Error(`${name}: cannot create the kernel timer`);
    this.timer = timer;
  }

  /** Arms it to fire `ticks` from now (Infinity: never), replacing any earlier arming; returns whether it was pending. */
  start(ticks: number, periodTicks = 0): boolean {
    const wasPending = this.stop();
    this.periodTicks = periodTicks;
    if (ticks === Infinity) {
      this.forever = true;
      return wasPending;
    }
    const k = this.kernel;
    this.wakeTick = k.getTickCountAbs() + ticks;
    timerStartNow(k, this.timer, Math.min(ticks, longestWaitTicks(k)));
    return wasPending;
  }

  /** Disarms it; returns whether it was pending (stopping prevented a fire). */
  stop(): boolean {
    const wasPending = timerStopNow(this.kernel, this.timer) || this.forever;
    this.forever = false;
    return wasPending;
  }

  private expired(): void {
    const k = this.kernel;
    const nowTick = k.getTickCountAbs();
    if (nowTick < this.wakeTick) {
      timerStartNow(k, this.timer, Math.min(this.wakeTick - nowTick, longestWaitTicks(k)));
      return;
    }
    const period = this.periodTicks;
    if (period === Infinity) this.forever = true;
    else if (period > 0) {
      // The next fire on the period's grid (fires a late timer task missed are skipped, as a full channel drops them).
      this.wakeTick += period * (1 + Math.floor((nowTick - this.wakeTick) / period));
      timerStartNow(k, this.timer, Math.min(this.wakeTick - nowTick, longestWaitTicks(k)));
    }
    this.onFire();
  }
}

/**
 * A timer whose channel C receives the time (now()) when it fires. Go 1.23 semantics: C is
 * synchronous to the program (`len` and `cap` read 0), and after stop() or reset() returns no
 * value prepared before that call is received from C.
 */
export class Timer {
  readonly C: Chan<number>;
  private readonly alarm: Alarm;
  private readonly periodic: boolean;
  private readonly kernel: Kernel;

  constructor(ms: number, periodic = false, name = periodic ? "ticker" : "timer") {
    ms = checkMs(periodic ? "tick" : "newTimer", ms);
    if (periodic && ms <= 0) throw new GoPanic("non-positive interval for NewTicker");
    const k = currentKernel(name);
    this.kernel = k;
    this.periodic = periodic;
    // One slot inside, so that the timer task never blocks; the program sees an unbuffered channel.
    const c = new Chan<number>(1, `${name}.C`);
    c.presentUnbuffered();
    this.C = c;
    // In the timer task: a value not yet received makes the next one drop, as Go's timers do.
    this.alarm = new Alarm(k, name, () => void c.trySendFromISR(now()));
    const ticks = ms <= 0 ? 1 : msToTicks(k, ms);
    this.alarm.start(ticks, periodic ? ticks : 0);
  }

  /**
   * Stops the timer; true when the call stopped it before its value was received (it had not
   * fired, or it fired and its value was still waiting in C: that value is discarded).
   */
  stop(): boolean {
    const pending = this.alarm.stop();
    return this.C.drain() || pending;
  }

  /**
   * Restarts the timer to fire after `ms` (a ticker: every `ms`; non-positive panics, as Go's
   * Ticker.Reset does); returns what stop() would have. A value waiting in C is discarded.
   */
  reset(ms: number): boolean {
    ms = checkMs(this.periodic ? "Ticker.reset" : "Timer.reset", ms);
    if (this.periodic && ms <= 0) throw new GoPanic("non-positive interval for Ticker.Reset");
    const ticks = ms <= 0 ? 1 : msToTicks(this.kernel, ms);
    const pending = this.alarm.start(ticks, this.periodic ? ticks : 0);
    return this.C.drain() || pending;
  }
}

/**
 * A ticker: C receives now() every period (dropping ticks a slow receiver misses); stop() ends
 * it, reset(ms) restarts it with a new period. As in Go 1.23, `len` and `cap` read 0.
 */
export type Ticker = Chan<number> & { stop(): void; reset(ms: number): void };

/** Go's time.NewTimer. */
export function newTimer(ms: number): Timer {
  return new Timer(ms);
}

/** Go's time.After: a channel that receives now() once, `ms` from now. */
export function after(ms: number): Chan<number> {
  return new Timer(ms, false, "after").C;
}

/**
 * Go's time.Tick / NewTicker: a channel that receives now() every `ms`, with stop() and reset().
 * A non-positive period panics ("non-positive interval for NewTicker").
 */
export function tick(ms: number): Ticker {
  const t = new Timer(ms, true, "tick");
  const c = t.C as Ticker;
  c.stop = () => void t.stop();
  c.reset = (period: number) => void t.reset(period);
  return c;
}
