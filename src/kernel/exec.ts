/**
 * What the kernel's files share below the Kernel class: who holds the CPU (Exec), settled
 * results, and the host primitives the scheduler resumes itself with.
 * @module
 */
import { genLane, type KernelCall } from "./lane.js";

/** Execution states: who holds the CPU from the host's point of view (inlined by the compiler). */
export const enum Exec {
  /** The scheduler is not started. */
  Setup = 0,
  /** A task's own code runs (between kernel calls). */
  Task = 1,
  /** Kernel code, including continuations and time advance. */
  Kernel = 2,
  /** An interrupt handler or the tick hook. */
  Isr = 3,
  /** Waiting for run(). */
  Paused = 4,
  /** Yielded to the host event loop, resumes by macrotask. */
  HostYield = 5,
  /** Idle, waiting for external promises to settle. */
  ExternalWait = 6,
  /** A foreign await corrupted the schedule; the kernel can no longer run. */
  Faulted = 7,
  /** Real-time mode: waiting for the host clock or an interrupt ring. */
  RealtimeWait = 8,
  /**
   * A generator task's code runs on after a kernel call that switched away, before it has
   * yielded to the kernel (the call was not `yield*`ed): any kernel call now is misuse.
   */
  Detached = 9,
  /**
   * The running task was stopped by its board (an MPU fault, issue 12): its code runs on until it
   * gives control back (returns, throws, ends its step), and every kernel call it makes meanwhile
   * throws the stop again; then the kernel deletes it quietly (stopFaultedTask).
   */
  Stopping = 10,
}

const P0 = Promise.resolve(0);
const P1 = Promise.resolve(1);
const PM1 = Promise.resolve(-1);
const PVOID = Promise.resolve(undefined);
/**
 * A call that completed without switching, with `value`: in an async task an already-settled
 * promise (shared for the common results), in a generator task the lane's token.
 */
export function settled(value: number): KernelCall<number> {
  if (genLane.active) {
    genLane.value = value;
    return genLane as unknown as KernelCall<number>;
  }
  return (value === 0 ? P0 : value === 1 ? P1 : value === -1 ? PM1 : Promise.resolve(value)) as KernelCall<number>;
}

/** settled() for a value of any type (a channel's element, a select result). */
export function settledValue<T>(value: T): KernelCall<T> {
  if (genLane.active) {
    genLane.value = value;
    return genLane as unknown as KernelCall<T>;
  }
  return (value === undefined ? PVOID : Promise.resolve(value)) as KernelCall<T>;
}

/** Runs `fn` in a macrotask (after the microtask queue drains). */
export const scheduleMacrotask: (fn: () => void) => void = (() => {
  // Typed here, as the host may lack either (the kernel is checked without DOM or Node types).
  const g = globalThis as unknown as {
    setImmediate?: (fn: () => void) => void;
    MessageChannel?: new () => { port1: { onmessage: (() => void) | null }; port2: { postMessage(message: number): void } };
  };
  if (typeof g.setImmediate === "function") return (fn) => g.setImmediate!(fn);
  if (typeof g.MessageChannel === "function") {
    const queue: Array<() => void> = [];
    const channel = new g.MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(0);
    };
  }
  return (fn) => setTimeout(fn, 0);
})();

/** Runs `fn` in a microtask. (Node's queueMicrotask costs more: it wraps each callback for async_hooks.) */
export const enqueueMicrotask = (fn: () => void): void => void P0.then(fn);

/** Host time in milliseconds. */
export const wallNow: () => number =
  typeof performance !== "undefined" && typeof performance.now === "function" ? () => performance.now() : () => Date.now();

/** Sets a non-enumerable property on a thrown object (messages and comparisons stay unchanged); primitives stay as they are. */
export function annotate(error: unknown, key: string, value: unknown): void {
  if (error !== null && typeof error === "object" && Object.isExtensible(error) && !(key in error))
    Object.defineProperty(error, key, { value, enumerable: false, configurable: true, writable: true });
}
