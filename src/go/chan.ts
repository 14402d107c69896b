/**
 * Go channels on the kernel (the algorithm of Go's runtime/chan.go): a ring buffer of up to `cap`
 * slots, grown as it fills, and two wait queues. A send to a waiting receiver hands the value over directly and
 * readies the receiver (kernel unpark); a receive from a waiting sender takes its value (through
 * the buffer when there is one). A blocked goroutine waits in the kernel (park) and shows as
 * Blocked on the channel.
 *
 * Real-time rule: waiters are served highest goroutine priority first, FIFO among equals (as
 * FreeRTOS orders tasks waiting on a queue), and a send that readies a higher-priority receiver
 * yields to it at once.
 * @module
 */
import {
  EventList,
  ListKind,
  ResumeWithError,
  type EventNode,
  type Kernel,
  type KernelCall,
  type KernelTask,
  type ParkWaiter,
  park,
  reparkCurrent,
  runningKernel,
  settledValue,
  unpark,
} from "../kernel/index.js";
import { GoPanic } from "./errors.js";
import { currentKernel, goroutineId, type GoroutineState } from "./runtime.js";

// What a waiter is doing.
const RECV = 0;
const RECV2 = 1;
const SEND = 2;

/**
 * The result of select(): the index of the case that ran (-1: the default case), and for a
 * receive its value and ok. select() types it per case (see SelectResultOf).
 */
export interface SelectResult<T = unknown> {
  index: number;
  value?: T;
  ok?: boolean;
}

/** select()'s result when receive case `I` (on a channel of T) ran: ok is false, value undefined, once the channel is closed and drained. */
export type RecvResult<I extends number, T> = { index: I; value: T; ok: true } | { index: I; value: undefined; ok: false };

/** select()'s result when send case `I` ran. */
export type SendResult<I extends number> = { index: I; value?: undefined; ok?: undefined };

/** select()'s result when the default case ran. */
export type DefaultResult = { index: -1; value?: undefined; ok?: undefined };

/**
 * select()'s result for a tuple of cases: a union discriminated by `index`, so that checking the
 * index narrows `value` to the element type of that case's channel. For an array whose length
 * is not known, SelectResult.
 */
export type SelectResultOf<Cs extends readonly SelectCase[]> = number extends Cs["length"]
  ? SelectResult
  : { [K in keyof Cs]: K extends `${infer I extends number}` ? (Cs[K] extends RecvCase<infer T> ? RecvResult<I, T> : SendResult<I>) : never }[number];

/**
 * A select case waiting on a channel (Go's sudog). A goroutine blocked in a plain send or
 * receive needs none: its task waits in the channel's queue through its own event links, as a
 * FreeRTOS task waits on a queue's event list. A select puts one Sudog per case in the queues.
 */
export class Sudog implements EventNode {
  eNext: EventNode;
  ePrev: EventNode;
  eList: EventList<EventNode> | null = null;
  eValue = 0;
  task: KernelTask | null = null;
  elem: unknown = undefined;
  kind = RECV;
  /** The select this waiter belongs to, or null. */
  sel: SelectWait | null = null;
  caseIndex = 0;
  constructor() {
    this.eNext = this;
    this.ePrev = this;
  }
}

/** Go-layer state of a goroutine that has used select: its id and spare case waiters. */
class SelectingGoroutine implements GoroutineState {
  readonly pool: Sudog[] = [];
  constructor(readonly goroutineId: number) {}
}

/** The spare select-case waiters of the running goroutine. */
function selectPool(t: KernelTask): Sudog[] {
  const tag = t.tag;
  if (tag instanceof SelectingGoroutine) return tag.pool;
  const state = new SelectingGoroutine(goroutineId(t));
  t.tag = state;
  return state.pool;
}

/** How a task blocked in a plain send or receive withdraws from the channel and retries (one per channel and kind). */
class ChanWaiter implements ParkWaiter {
  constructor(
    readonly chan: Chan<unknown>,
    readonly kind: number,
  ) {}
  /** The goroutine was suspended, aborted or deleted while blocked: leave the channel's queue. */
  withdraw(t: KernelTask): void {
    if (t.eList !== null) t.eList.remove(t);
  }
  /** It runs again: redo the send or receive (it may complete now, or block again). */
  retry(k: Kernel, t: KernelTask): void {
    this.chan.retry(k, t, this.kind);
  }
}

/** A select parked on several channels: the first case to fire claims it and unlinks the others. */
class SelectWait implements ParkWaiter {
  /** Undo functions of queue-view watches (null when every case is a Go channel). */
  undos: (() => void)[] | null = null;
  constructor(
    readonly waiters: Sudog[],
    readonly count: number,
    readonly cases: readonly SelectCase[],
  ) {}

  withdraw(): void {
    this.dequeueAll();
  }

  /**
   * Runs again, in kernel context, after a suspension or when a watched queue view may have
   * become ready (unparkToRetry): polls every case again, as a woken select does, and completes
   * one (its result is the resume value) or parks again.
   */
  retry(k: Kernel, t: KernelTask): void {
    const n = this.cases.length;
    let readyCount = 0;
    for (let i = 0; i < n; i++) if (ready(this.cases[i]!)) readyCount++;
    if (readyCount === 0) {
      enqueueSelect(k, t, this);
      reparkCurrent(k, selectReason(this.cases), this);
      return;
    }
    let pick = readyCount === 1 ? 0 : k.prng.nextInt(readyCount);
    for (let i = 0; i < n; i++) {
      const c = this.cases[i]!;
      if (!ready(c) || pick-- > 0) continue;
      const result: SelectResult = { index: i, value: undefined, ok: undefined };
      let higher: boolean;
      try {
        higher = completeCase(k, c, result);
      } catch (panic) {
        t.resumeValue = new ResumeWithError(panic);
        return;
      }
      t.resumeValue = result;
      if (higher && k.config.configUSE_PREEMPTION === 1) k.switchContext();
      return;
    }
  }

  /** Removes every waiter of this select from its queue and its watches (a losing select leaves no trace). */
  dequeueAll(): void {
    for (let i = 0; i < this.count; i++) {
      const sg = this.waiters[i]!;
      if (sg.eList !== null) sg.eList.remove(sg);
      sg.sel = null;
      sg.elem = undefined;
    }
    const undos = this.undos;
    if (undos !== null) {
      this.undos = null;
      for (const undo of undos) undo();
    }
  }
}

/** A channel's queue of waiting tasks and select cases: highest priority first, FIFO among equals. */
export type WaitQ = EventList<EventNode>;

/** Takes the first waiter off a queue. */
function dequeue(q: WaitQ): EventNode | null {
  const node = q.head();
  if (node !== null) q.remove(node);
  return node;
}

/** The value a waiting sender (a task or a select case) offers. */
function senderValue(node: EventNode): unknown {
  return node instanceof Sudog ? node.elem : (node as KernelTask).opItem;
}

const DEFAULT_RESULT: SelectResult = Object.freeze({ index: -1, value: undefined, ok: undefined });
/**
 * Channel numbers ("chan#3") count per kernel, as queue numbers do, so that a program's names (in
 * traces, deadlock reports) do not depend on what else ran in the process; a channel made
 * outside any kernel (set-up code) takes a number from a process-wide count.
 */
const channelNumbers = new WeakMap<Kernel, number>();
let unboundChannelNumber = 0;
function nextChannelName(): string {
  const k = runningKernel();
  if (k === null) return `chan#${++unboundChannelNumber}`;
  const n = (channelNumbers.get(k) ?? 0) + 1;
  channelNumbers.set(k, n);
  return `chan#${n}`;
}
/** Whether the last Chan.take() readied a sender that outranks the caller (avoids a closure per receive). */
let takeWokeHigher = false;

/** Something select() can wait on (a Go channel or a view of a kernel queue). */
export interface SelectableChannel {
  /** Implemented by Chan; queue views implement the same contract (see bridge.ts). */
  readonly selectable: true;
}

/** Slots of a buffer's first allocation (fewer when the capacity is smaller). */
const FIRST_BUFFER_SLOTS = 8;

/** The largest capacity of a buffered channel (Go's limit on 32-bit platforms; a JavaScript array holds more). */
export const MAX_CHAN_CAP = 2 ** 31 - 1;

/** Checks a channel capacity as Go's makechan does. */
function checkCap(cap: unknown): number {
  if (typeof cap !== "number") throw new TypeError(`makechan: size must be a number, got ${typeof cap}`);
  if (!Number.isInteger(cap) || cap < 0 || cap > MAX_CHAN_CAP) throw new RangeError("makechan: size out of range");
  return cap;
}

/**
 * A Go channel. `chan<T>(cap)` makes one; cap 0 is an unbuffered rendezvous. The buffer is
 * allocated as it fills (doubling up to `cap`), so a huge capacity costs nothing until used.
 * Operations must be awaited inside a goroutine; closing and `len`/`cap` are synchronous.
 */
export class Chan<T = unknown> implements SelectableChannel, AsyncIterable<T> {
  readonly selectable = true as const;
  /** The ring buffer: `count` values from `head`, wrapping at buf.length (<= capacity). */
  private buf: (T | undefined)[] = [];
  private head = 0;
  private count = 0;
  private readonly capacity: number;
  /** len and cap read 0 (Go 1.23 timer channels: buffered inside, unbuffered to the program). */
  private looksUnbuffered = false;
  closed = false;
  readonly recvq: WaitQ = new EventList<EventNode>(ListKind.Event);
  readonly sendq: WaitQ = new EventList<EventNode>(ListKind.Event);
  private readonly recvWaiter: ChanWaiter;
  private readonly recv2Waiter: ChanWaiter;
  private readonly sendWaiter: ChanWaiter;
  /** Values trySendFromISR could not deliver (buffer full, no receiver). */
  dropped = 0;
  readonly name: string;
  private readonly recvReason: string;
  private readonly sendReason: string;

  /** Prefer chan(cap, name). A capacity that is not an integer in 0..2**31-1 is a RangeError. */
  constructor(cap: number, name?: string) {
    this.capacity = checkCap(cap);
    this.name = name ?? nextChannelName();
    this.recvReason = `chan receive on ${this.name}`;
    this.sendReason = `chan send on ${this.name}`;
    this.recvWaiter = new ChanWaiter(this as Chan<unknown>, RECV);
    this.recv2Waiter = new ChanWaiter(this as Chan<unknown>, RECV2);
    this.sendWaiter = new ChanWaiter(this as Chan<unknown>, SEND);
  }

  /** Number of values buffered. */
  get len(): number {
    return this.looksUnbuffered ? 0 : this.count;
  }

  /** The buffer capacity given at creation (0: unbuffered). */
  get cap(): number {
    return this.looksUnbuffered ? 0 : this.capacity;
  }

  /** Makes len and cap read 0 while keeping the buffer (a timer's channel). */
  presentUnbuffered(): void {
    this.looksUnbuffered = true;
  }

  /** The running kernel, checked once: a goroutine's own code passes with one state test. */
  private kernel(what: string): Kernel {
    const k = runningKernel();
    if (k === null || !k.inTask()) return channelCaller(k, what, `${what} on ${this.name}`, "a channel operation that can block inside an interrupt handler; use trySendFromISR");
    return k;
  }

  /** Sends `value`; blocks until a receiver takes it or buffer space frees. Panics on a closed channel. */
  send(value: T): KernelCall<void> {
    const k = this.kernel("chan send");
    if (this.closed) throw new GoPanic("send on closed channel");
    const receiver = dequeue(this.recvq);
    if (receiver !== null) return k.resultValue(undefined, deliver(k, receiver, value, true));
    if (this.count < this.capacity) {
      this.push(value);
      return settledValue(undefined);
    }
    const t = k.current!;
    t.opItem = value;
    this.sendq.insertSorted(t);
    return park(k, this.sendReason, k.maxDelay, this.sendWaiter) as KernelCall<void>;
  }

  /** Receives a value; blocks until one is sent. Resolves undefined once the channel is closed and drained. */
  recv(): KernelCall<T | undefined> {
    return this.receive(RECV) as KernelCall<T | undefined>;
  }

  /** Receives `[value, ok]`; ok is false once the channel is closed and drained. */
  recv2(): KernelCall<[T | undefined, boolean]> {
    return this.receive(RECV2) as KernelCall<[T | undefined, boolean]>;
  }

  private receive(kind: number): KernelCall<unknown> {
    const k = this.kernel("chan receive");
    if (this.sendq.length > 0 || this.count > 0) {
      const v = this.take(k);
      return k.resultValue(kind === RECV2 ? [v, true] : v, takeWokeHigher);
    }
    if (this.closed) return settledValue(kind === RECV2 ? [undefined, false] : undefined);
    const t = k.current!;
    this.recvq.insertSorted(t);
    return park(k, this.recvReason, k.maxDelay, kind === RECV2 ? this.recv2Waiter : this.recvWaiter);
  }

  /**
   * A blocked send or receive whose goroutine was suspended (and withdrawn from the queue)
   * runs again: complete it now if the channel allows, else queue and park again.
   */
  retry(k: Kernel, t: KernelTask, kind: number): void {
    const preempt = k.config.configUSE_PREEMPTION === 1;
    if (kind === SEND) {
      if (this.closed) {
        t.opItem = undefined;
        t.resumeValue = new ResumeWithError(new GoPanic("send on closed channel"));
        return;
      }
      const value = t.opItem;
      const receiver = dequeue(this.recvq);
      if (receiver !== null) {
        t.opItem = undefined;
        t.resumeValue = undefined;
        if (deliver(k, receiver, value, true) && preempt) k.switchContext();
        return;
      }
      if (this.count < this.capacity) {
        this.push(value as T);
        t.opItem = undefined;
        t.resumeValue = undefined;
        return;
      }
      this.sendq.insertSorted(t);
      reparkCurrent(k, this.sendReason, this.sendWaiter);
      return;
    }
    if (this.sendq.length > 0 || this.count > 0) {
      const v = this.take(k);
      t.resumeValue = kind === RECV2 ? [v, true] : v;
      if (takeWokeHigher && preempt) k.switchContext();
      return;
    }
    if (this.closed) {
      t.resumeValue = kind === RECV2 ? [undefined, false] : undefined;
      return;
    }
    this.recvq.insertSorted(t);
    reparkCurrent(k, this.recvReason, kind === RECV2 ? this.recv2Waiter : this.recvWaiter);
  }

  /** Buffers a value; the caller checked that count < capacity. */
  private push(value: T): void {
    const size = this.buf.length;
    if (this.count === size) {
      this.grow(size);
      this.buf[this.count++] = value;
      return;
    }
    let slot = this.head + this.count;
    if (slot >= size) slot -= size;
    this.buf[slot] = value;
    this.count++;
  }

  /** Doubles the full ring buffer (up to the capacity), its values moved to the front in order. */
  private grow(size: number): void {
    const old = this.buf;
    const bigger = new Array<T | undefined>(Math.min(this.capacity, Math.max(FIRST_BUFFER_SLOTS, size * 2))).fill(undefined);
    for (let i = 0, j = this.head; i < size; i++) {
      bigger[i] = old[j];
      if (++j === size) j = 0;
    }
    this.buf = bigger;
    this.head = 0;
  }

  /**
   * Takes the next value: from the buffer (refilled from the first waiting sender) or, unbuffered,
   * straight from the first waiting sender, whom it readies. Sets takeWokeHigher when that
   * sender outranks the caller.
   */
  private take(k: Kernel): T | undefined {
    takeWokeHigher = false;
    const sender = dequeue(this.sendq);
    if (this.count > 0) {
      const v = this.buf[this.head];
      this.buf[this.head] = undefined;
      this.head = this.head + 1 === this.buf.length ? 0 : this.head + 1;
      this.count--;
      if (sender !== null) {
        this.push(senderValue(sender) as T);
        takeWokeHigher = wakeSender(k, sender);
      }
      return v;
    }
    const v = senderValue(sender!) as T;
    takeWokeHigher = wakeSender(k, sender!);
    return v;
  }

  /** Closes the channel: receivers get (undefined, false), blocked senders panic. */
  close(): void {
    const k = currentKernel("close");
    if (this.closed) throw new GoPanic("close of closed channel");
    this.closed = true;
    let higher = false;
    for (let node = dequeue(this.recvq); node !== null; node = dequeue(this.recvq)) higher = deliver(k, node, undefined, false) || higher;
    for (let node = dequeue(this.sendq); node !== null; node = dequeue(this.sendq)) {
      const panic = new ResumeWithError(new GoPanic("send on closed channel"));
      if (node instanceof Sudog) {
        const task = node.task!;
        node.sel?.dequeueAll();
        higher = unpark(k, task, panic) || higher;
      } else {
        (node as KernelTask).opItem = undefined;
        higher = unpark(k, node as KernelTask, panic) || higher;
      }
    }
    // close() does not block; a higher-priority goroutine it readied runs at the caller's next kernel call.
    if (higher) k.requestSwitch();
  }

  /**
   * From an interrupt handler (or a timer callback): hands `value` to a waiting receiver or
   * buffers it; never blocks or allocates. False, counted in `dropped`, when neither is possible.
   */
  trySendFromISR(value: T): boolean {
    const k = currentKernel("trySendFromISR");
    if (this.closed) throw new GoPanic("send on closed channel");
    const receiver = dequeue(this.recvq);
    if (receiver !== null) {
      if (deliver(k, receiver, value, true)) k.requestSwitch();
      return true;
    }
    if (this.count < this.capacity) {
      this.push(value);
      return true;
    }
    this.dropped++;
    return false;
  }

  /** Fills the buffer with `value` (semChan's initial permits); only on a fresh channel. */
  fill(value: T): void {
    while (this.count < this.capacity) this.push(value);
  }

  /**
   * Drops every buffered value without waking anyone (Go 1.23 timers: no stale value after
   * stop/reset); true when there was one.
   */
  drain(): boolean {
    if (this.count === 0) return false;
    this.buf.fill(undefined);
    this.head = 0;
    this.count = 0;
    return true;
  }

  /**
   * `for await (const v of c)` in an async goroutine: receives until the channel is closed and
   * drained. (A generator goroutine writes the loop itself:
   * `for (;;) { const [v, ok] = yield* c.recv2(); if (!ok) break; ... }`.)
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const [v, ok] = await this.recv2();
      if (!ok) return;
      yield v as T;
    }
  }

  // ── select support ──

  /** Whether a receive would complete now (a value, a waiting sender, or closed). */
  canRecv(): boolean {
    return this.count > 0 || this.sendq.length > 0 || this.closed;
  }

  /** Whether a send would complete now (or panic: closed). */
  canSend(): boolean {
    return this.closed || this.recvq.length > 0 || this.count < this.capacity;
  }

  /** Completes a receive case that canRecv() said is ready; returns whether to yield. */
  selectRecv(k: Kernel, result: SelectResult): boolean {
    if (this.count === 0 && this.sendq.length === 0) {
      result.value = undefined;
      result.ok = false;
      return false;
    }
    result.value = this.take(k);
    result.ok = true;
    return takeWokeHigher;
  }

  /** Completes a send case that canSend() said is ready; returns whether to yield. */
  selectSend(k: Kernel, value: unknown): boolean {
    if (this.closed) throw new GoPanic("send on closed channel");
    const receiver = dequeue(this.recvq);
    if (receiver !== null) return deliver(k, receiver, value, true);
    this.push(value as T);
    return false;
  }

  /** Parks a select case on this channel. */
  enqueueSelect(sg: Sudog, isSend: boolean): void {
    (isSend ? this.sendq : this.recvq).insertSorted(sg);
  }

  toString(): string {
    return `Chan(${this.name}, cap ${this.capacity})`;
  }
}

/**
 * The caller of a channel operation that is not a goroutine's own code: outside run() (an
 * error), an interrupt handler (an assert: it could block), a generator goroutine whose last
 * call was not `yield*`ed (the kernel's error), or kernel context such as a hook (allowed).
 */
function channelCaller(k: Kernel | null, what: string, call: string, inIsr: string): Kernel {
  if (k === null) return currentKernel(what);
  if (k.inIsr()) k.fail(call, inIsr);
  k.assertNotIsr(what);
  return k;
}

/** Completes a select case that is ready (a channel or a queue view); returns whether to yield. */
function completeCase(k: Kernel, c: SelectCase, result: SelectResult): boolean {
  const ch = c.ch!;
  if (ch instanceof Chan) return c.dir === "recv" ? ch.selectRecv(k, result) : ch.selectSend(k, c.value);
  return c.dir === "recv" ? ch.recvNow(k, result) : ch.sendNow(k, c.value);
}

/** Hands a received value (or the closed state) to a waiting receiver and readies it. */
function deliver(k: Kernel, node: EventNode, value: unknown, ok: boolean): boolean {
  if (node instanceof Sudog) {
    const task = node.task!;
    const index = node.caseIndex;
    node.sel!.dequeueAll();
    return unpark(k, task, { index, value, ok });
  }
  const t = node as KernelTask;
  return unpark(k, t, (t.opObject as ChanWaiter).kind === RECV2 ? [value, ok] : value);
}

/** Readies a sender whose value was taken. */
function wakeSender(k: Kernel, node: EventNode): boolean {
  if (node instanceof Sudog) {
    const task = node.task!;
    const index = node.caseIndex;
    node.sel!.dequeueAll();
    return unpark(k, task, { index, value: undefined, ok: undefined });
  }
  const t = node as KernelTask;
  t.opItem = undefined;
  return unpark(k, t, undefined);
}

/**
 * Makes a channel; `cap` 0 (the default) is unbuffered. A capacity that is not a number is a
 * TypeError; a negative, fractional or larger than 2**31-1 one is Go's RangeError "makechan:
 * size out of range". The buffer grows as values are sent, so any valid capacity is made at once.
 */
export function chan<T = unknown>(cap = 0, name?: string): Chan<T> {
  return new Chan<T>(cap, name);
}

// ───────────────────────────── select ─────────────────────────────

/** A receive case of select() on a channel of T. A null channel is never ready. */
export interface RecvCase<T = unknown> {
  dir: "recv";
  ch: Chan<T> | QueueSelectable | null;
}

/** A send case of select() of a T. */
export interface SendCase<T = unknown> {
  dir: "send";
  ch: Chan<T> | QueueSelectable | null;
  value: T;
}

export type SelectCase = RecvCase | SendCase;

/**
 * A channel-like view of something else (a kernel queue) that select() can use: it polls it,
 * and when no case is ready it registers to be woken when the view may have become ready,
 * then polls again (as a woken FreeRTOS task re-checks its queue).
 */
export interface QueueSelectable {
  readonly selectable: true;
  canRecv(): boolean;
  canSend(): boolean;
  /**
   * Completes a ready receive case without blocking (from a task or kernel context), filling
   * `result.value` and `result.ok`; returns true when a task it readied outranks the caller.
   */
  recvNow(k: Kernel, result: SelectResult): boolean;
  /** Completes a ready send case without blocking; returns true when a task it readied outranks the caller. */
  sendNow(k: Kernel, value: unknown): boolean;
  /** Wakes the parked `task` to poll again (unparkToRetry) the next time the view may be ready; returns an undo function. */
  watch(k: Kernel, task: KernelTask, isSend: boolean): () => void;
}

/** A receive case for select(); its result's value has the channel's element type. */
export function recv<T>(ch: Chan<T> | null): RecvCase<T>;
export function recv<T>(ch: QueueSelectable & { recv(): KernelCall<T> }): RecvCase<T>;
export function recv(ch: QueueSelectable | null): RecvCase;
export function recv<T>(ch: Chan<T> | QueueSelectable | null): RecvCase<T> {
  return { dir: "recv", ch };
}

/** A send case for select(). */
export function send<T>(ch: Chan<T> | QueueSelectable | null, value: T): SendCase<T> {
  return { dir: "send", ch, value };
}

/** Options of select(). */
export interface SelectOptions {
  /** With `default: true`, select does not block: index -1 when no case is ready. */
  default?: boolean;
}

function ready(c: SelectCase): boolean {
  const ch = c.ch;
  if (ch === null) return false;
  return c.dir === "recv" ? ch.canRecv() : ch.canSend();
}

/**
 * Go's select: runs one ready case, chosen uniformly at random among the ready ones with the
 * kernel's seeded PRNG; with none ready, runs the default case if asked, else blocks until one
 * case can proceed (exactly one commits; the others leave their wait queues at once).
 *
 * Given a tuple of cases, the result is typed per case: checking `index` narrows `value` (and
 * `ok`) to that case's channel type; index -1 is possible only with `{ default: true }`.
 */
export function select<const Cs extends readonly SelectCase[]>(cases: Cs, options: SelectOptions & { default: true }): KernelCall<SelectResultOf<Cs> | DefaultResult>;
export function select<const Cs extends readonly SelectCase[]>(cases: Cs, options?: SelectOptions & { default?: false }): KernelCall<SelectResultOf<Cs>>;
export function select(cases: readonly SelectCase[], options?: SelectOptions): KernelCall<SelectResult>;
export function select(cases: readonly SelectCase[], options?: SelectOptions): KernelCall<SelectResult> {
  let k = runningKernel();
  if (k === null || !k.inTask()) k = channelCaller(k, "select", "select", "a select that can block inside an interrupt handler");
  if (!Array.isArray(cases)) throw new TypeError(`select: cases must be an array, got ${typeof cases}`);
  const n = cases.length;
  let readyCount = 0;
  let lastReady = -1;
  // Which cases are ready, as bits (the first 31 cases; a wider select asks ready() again).
  let readyBits = 0;
  for (let i = 0; i < n; i++) {
    if (ready(cases[i]!)) {
      readyCount++;
      lastReady = i;
      if (i < 31) readyBits |= 1 << i;
    }
  }
  if (readyCount > 0) {
    let chosen = lastReady;
    if (readyCount > 1) {
      let pick = k.prng.nextInt(readyCount);
      for (let i = 0; i < n; i++) {
        if (!(i < 31 ? (readyBits & (1 << i)) !== 0 : ready(cases[i]!))) continue;
        if (pick-- === 0) {
          chosen = i;
          break;
        }
      }
    }
    // One shape for every result (index, value, ok), allocated once.
    const result: SelectResult = { index: chosen, value: undefined, ok: undefined };
    return k.resultValue(result, completeCase(k, cases[chosen]!, result));
  }
  if (options?.default === true) return settledValue(DEFAULT_RESULT);
  return parkSelect(k, cases);
}

/**
 * Parks the running goroutine on every case of a select with none ready. The case that fires
 * first writes the result (unpark); a watched queue view wakes it to poll again (retry).
 */
function parkSelect(k: Kernel, cases: readonly SelectCase[]): KernelCall<SelectResult> {
  const t = k.current!;
  const pool = selectPool(t);
  const n = cases.length;
  while (pool.length < n) pool.push(new Sudog());
  const sel = new SelectWait(pool, n, cases);
  enqueueSelect(k, t, sel);
  return park(k, selectReason(cases), k.maxDelay, sel) as KernelCall<SelectResult>;
}

function selectReason(cases: readonly SelectCase[]): string {
  let active = 0;
  for (const c of cases) if (c.ch !== null) active++;
  return active === 0 ? "select (no cases)" : `select on ${active} channel${active === 1 ? "" : "s"}`;
}

/** Puts a waiter for each case of `sel` in its channel's queue (or watches a queue view). */
function enqueueSelect(k: Kernel, t: KernelTask, sel: SelectWait): void {
  const cases = sel.cases;
  const n = cases.length;
  // Enqueue from a random case on (Go enqueues in a shuffled order), so that two cases on the
  // same channel are equally likely to be taken first.
  const start = n > 1 ? k.prng.nextInt(n) : 0;
  for (let j = 0; j < n; j++) {
    const i = j + start < n ? j + start : j + start - n;
    const c = cases[i]!;
    const sg = sel.waiters[i]!;
    sg.task = t;
    sg.eValue = k.maxPriorities - t.priority;
    sg.caseIndex = i;
    if (c.ch === null) continue;
    if (c.ch instanceof Chan) {
      sg.sel = sel;
      sg.kind = c.dir === "send" ? SEND : RECV;
      sg.elem = c.dir === "send" ? c.value : undefined;
      c.ch.enqueueSelect(sg, c.dir === "send");
    } else {
      (sel.undos ??= []).push(c.ch.watch(k, t, c.dir === "send"));
    }
  }
}
