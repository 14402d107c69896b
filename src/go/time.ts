/**
 * Go's time package on the kernel: sleep → vTaskDelay, now → the kernel's virtual clock,
 * after / tick / Timer → kernel software timers whose callbacks (in the timer task) send on a
 * one-slot channel. Durations are milliseconds of virtual time, rounded up to whole ticks.
 * @module
 */
import { createTimer, timerStartNow, timerStopNow, type Kernel, type SoftwareTimer } from "../kernel/index.js";
import { Chan } from "./chan.js";
import { currentKernel, runtimeOf } from "./runtime.js";

function checkMs(what: string, ms: unknown): number {
  if (typeof ms !== "number" || Number.isNaN(ms)) throw new RangeError(`${what}: the duration must be a number of milliseconds, got ${String(ms)}`);
  return ms;
}

/** Milliseconds → ticks, rounded up (at least 1 for a positive duration). */
export function msToTicks(k: Kernel, ms: number): number {
  if (ms === Infinity) return k.maxDelay;
  const ticks = Math.ceil((ms * k.config.configTICK_RATE_HZ) / 1000);
  return Math.min(Math.max(ticks, 1), k.maxDelay - 1);
}

/** Virtual milliseconds since run() started (Go's time.Now, as a number). */
export function now(): number {
  const k = currentKernel("now");
  return ((k.now() - runtimeOf(k).startTicks) * 1000) / k.config.configTICK_RATE_HZ;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Blocks the goroutine for `ms` milliseconds of virtual time (vTaskDelay); <= 0 returns at once. */
export function sleep(ms: number): Promise<void> {
  ms = checkMs("sleep", ms);
  const k = currentKernel("sleep");
  if (ms <= 0) return RESOLVED;
  return k.delay(msToTicks(k, ms)) as unknown as Promise<void>;
}

/**
 * A timer whose channel C receives the time (now()) when it fires. Go 1.23 semantics: after
 * stop() or reset() returns, no stale value is received from C.
 */
export class Timer {
  readonly C: Chan<number>;
  private readonly timer: SoftwareTimer;
  private readonly kernel: Kernel;

  constructor(ms: number, periodic = false, name = periodic ? "ticker" : "timer") {
    ms = checkMs(periodic ? "tick" : "newTimer", ms);
    if (periodic && ms <= 0) throw new RangeError("non-positive interval for NewTicker");
    const k = currentKernel(name);
    this.kernel = k;
    const c = new Chan<number>(1, `${name}.C`);
    this.C = c;
    const ticks = ms <= 0 ? 1 : msToTicks(k, ms);
    const timer = createTimer(k, name, ticks, periodic, this, () => {
      // In the timer task: a full channel drops the tick, as Go's timers do.
      c.trySendFromISR(now());
    }, false);
    if (timer === null) throw new Error(`${name}: cannot create the kernel timer`);
    this.timer = timer;
    timerStartNow(k, timer);
  }

  /** Stops the timer; true when that prevented it from firing. Any value already in C is discarded. */
  stop(): boolean {
    const wasActive = timerStopNow(this.kernel, this.timer);
    this.C.drain();
    return wasActive;
  }

  /** Restarts the timer to fire after `ms`; true when it had been active. Any value already in C is discarded. */
  reset(ms: number): boolean {
    ms = checkMs("Timer.reset", ms);
    const wasActive = timerStopNow(this.kernel, this.timer);
    this.C.drain();
    timerStartNow(this.kernel, this.timer, ms <= 0 ? 1 : msToTicks(this.kernel, ms));
    return wasActive;
  }
}

/** A ticker: C receives now() every period (dropping ticks a slow receiver misses); stop() ends it. */
export type Ticker = Chan<number> & { stop(): void; reset(ms: number): void };

/** Go's time.NewTimer. */
export function newTimer(ms: number): Timer {
  return new Timer(ms);
}

/** Go's time.After: a channel that receives now() once, `ms` from now. */
export function after(ms: number): Chan<number> {
  return new Timer(ms, false, "after").C;
}

/** Go's time.Tick / NewTicker: a channel that receives now() every `ms`, with stop() and reset(). */
export function tick(ms: number): Ticker {
  const t = new Timer(ms, true, "tick");
  const c = t.C as Ticker;
  c.stop = () => void t.stop();
  c.reset = (period: number) => void t.reset(period);
  return c;
}
