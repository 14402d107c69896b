/**
 * Both directions on one scheduler: goroutines and FreeRTOS-style
 * tasks share a kernel, so a FreeRTOS queue can be used as a channel (queueChan), a counting
 * semaphore as a buffered channel (semChan), and an interrupt handler can wake a goroutine
 * without allocating (IsrSignal, Chan.trySendFromISR).
 * @module
 */
import {
  queueReceiveItem,
  queueSend,
  queueTryReceive,
  queueTrySend,
  settledValue,
  type Kernel,
  type KernelCall,
  type KernelTask,
  type ParkWaiter,
  type Queue,
  type Ref,
  isParked,
  park,
  reparkCurrent,
  unpark,
  unparkToRetry,
} from "../kernel/index.js";
import { Chan, type QueueSelectable, type SelectResult } from "./chan.js";
import { GoPanic } from "./errors.js";
import { currentKernel } from "./runtime.js";

/** Select waiters on each kernel queue, woken by the queue's send/receive hooks to poll again. */
class QueueWatchers {
  readonly readers = new Set<KernelTask>();
  readonly writers = new Set<KernelTask>();
  constructor(
    private readonly k: Kernel,
    queue: Queue,
  ) {
    queue.onSendHook = () => this.wake(this.readers);
    queue.onReceiveHook = () => this.wake(this.writers);
  }
  private wake(set: Set<KernelTask>): void {
    if (set.size === 0) return;
    let higher = false;
    // Each woken select withdraws its watches (this set included): iterate over a copy.
    for (const t of [...set]) if (isParked(this.k, t)) higher = unparkToRetry(this.k, t) || higher;
    set.clear();
    if (higher) this.k.requestSwitch();
  }
}

const watchers = new WeakMap<Queue, QueueWatchers>();

/**
 * A channel view of a FreeRTOS queue: send is xQueueSend, recv is xQueueReceive (both wait
 * forever), and it works in select. A queue cannot be closed: close() panics.
 */
export class QueueChan<T = unknown> implements QueueSelectable {
  readonly selectable = true as const;
  constructor(readonly queue: Queue) {}

  get len(): number {
    return this.queue.count;
  }
  get cap(): number {
    return this.queue.length;
  }

  send(value: T): KernelCall<void> {
    const k = currentKernel("queueChan send");
    return queueSend(k, this.queue, value, k.maxDelay, 0, "queueChan send") as unknown as KernelCall<void>;
  }

  recv(): KernelCall<T> {
    const k = currentKernel("queueChan recv");
    return queueReceiveItem(k, this.queue, k.maxDelay, false, "queueChan recv") as KernelCall<T>;
  }

  /** A queue is never closed: ok is always true. */
  recv2(): KernelCall<[T, boolean]> {
    const k = currentKernel("queueChan recv");
    return queueReceiveItem(k, this.queue, k.maxDelay, true, "queueChan recv") as KernelCall<[T, boolean]>;
  }

  close(): never {
    throw new GoPanic(`close of a queue channel (${this.queue.name}): a FreeRTOS queue cannot be closed`);
  }

  canRecv(): boolean {
    return this.queue.count > 0;
  }

  canSend(): boolean {
    return this.queue.count < this.queue.length;
  }

  recvNow(k: Kernel, result: SelectResult): boolean {
    const ref: Ref<unknown> = { value: undefined };
    const outcome = queueTryReceive(k, this.queue, ref);
    result.value = ref.value;
    result.ok = true;
    return outcome === 1;
  }

  sendNow(k: Kernel, value: unknown): boolean {
    return queueTrySend(k, this.queue, value, "select send (queueChan)") === 1;
  }

  watch(k: Kernel, task: KernelTask, isSend: boolean): () => void {
    let w = watchers.get(this.queue);
    if (w === undefined) {
      w = new QueueWatchers(k, this.queue);
      watchers.set(this.queue, w);
    }
    const set = isSend ? w.writers : w.readers;
    set.add(task);
    return () => void set.delete(task);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) yield await this.recv();
  }
}

/** A channel view of a FreeRTOS queue (see QueueChan). */
export function queueChan<T = unknown>(queue: Queue): QueueChan<T> {
  if (queue === null || typeof queue !== "object" || !("rxWait" in queue)) throw new TypeError("queueChan: expected a FreeRTOS queue handle");
  return new QueueChan<T>(queue);
}

/**
 * A counting semaphore as a buffered channel of undefined: capacity `permits`, starting full;
 * acquire = recv, release = send.
 */
export function semChan(permits: number): Chan<undefined> {
  if (typeof permits !== "number" || !Number.isInteger(permits)) throw new TypeError(`semChan: permits must be an integer, got ${String(permits)}`);
  if (permits < 0) throw new GoPanic(`semChan: negative permit count ${permits}`);
  const c = new Chan<undefined>(permits, "semaphore");
  c.fill(undefined);
  return c;
}

const IDLE = 0;
const PENDING = 1;
const PROCESSING = 2;

/**
 * ISR → goroutine wake-up without allocation: an Idle → Pending → Processing → Idle
 * compare-and-swap hand-off. raiseFromISR() in a handler (Idle/Processing → Pending), await
 * wait() in one goroutine (Pending → Processing; back to Idle when it waits again with nothing
 * pending). A raise while the goroutine processes is never lost; raises before it waits collapse
 * into one; every raise is counted in `raises`.
 */
export class IsrSignal implements ParkWaiter {
  private readonly state: Int32Array = new Int32Array(typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  /** Number of raiseFromISR() calls. */
  raises = 0;
  private waiter: KernelTask | null = null;

  /** The current state: "idle", "pending" or "processing". */
  get status(): "idle" | "pending" | "processing" {
    const s = Atomics.load(this.state, 0);
    return s === IDLE ? "idle" : s === PENDING ? "pending" : "processing";
  }

  /** From an interrupt handler: signal the goroutine; it runs at ISR exit if it outranks the interrupted task. */
  raiseFromISR(): void {
    this.raises++;
    const st = this.state;
    for (;;) {
      const s = Atomics.load(st, 0);
      if (s === PENDING) return; // collapses into the pending one
      if (Atomics.compareExchange(st, 0, s, PENDING) === s) break;
    }
    const w = this.waiter;
    if (w === null) return;
    const k = currentKernel("IsrSignal.raiseFromISR");
    if (!isParked(k, w)) return;
    this.waiter = null;
    Atomics.compareExchange(st, 0, PENDING, PROCESSING); // handed straight to the waiter
    if (unpark(k, w, undefined)) k.requestSwitch();
  }

  /** In a goroutine: wait for the next raise (returns at once if one is pending). One waiter at a time. */
  wait(): KernelCall<void> {
    const k = currentKernel("IsrSignal.wait");
    if (k.inIsr()) k.fail("IsrSignal.wait", "waiting inside an interrupt handler");
    const st = this.state;
    if (Atomics.compareExchange(st, 0, PENDING, PROCESSING) === PENDING) return settledValue(undefined);
    // Done processing (or idle) with nothing pending: go idle, unless a raise slipped in.
    if (Atomics.compareExchange(st, 0, PROCESSING, IDLE) === PENDING) {
      Atomics.store(st, 0, PROCESSING);
      return settledValue(undefined);
    }
    if (this.waiter !== null && this.waiter !== k.current) k.fail("IsrSignal.wait", `task "${this.waiter.name}" is already waiting on this signal`);
    this.waiter = k.current;
    return park(k, "IsrSignal.wait", k.maxDelay, this) as KernelCall<void>;
  }

  /** The waiting goroutine was suspended, aborted or deleted. */
  withdraw(): void {
    this.waiter = null;
  }

  /** It runs again: take a raise that came meanwhile, or wait again. */
  retry(k: Kernel, t: KernelTask): void {
    const st = this.state;
    if (Atomics.compareExchange(st, 0, PENDING, PROCESSING) === PENDING) {
      t.resumeValue = undefined;
      return;
    }
    this.waiter = t;
    reparkCurrent(k, "IsrSignal.wait", this);
  }
}

