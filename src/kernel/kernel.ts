/**
 * The kernel: scheduler, tasks, virtual time and run control (FreeRTOS's tasks.c).
 *
 * Execution model (DESIGN.md): a task is an async function; exactly one task, ISR or the kernel
 * runs at a time. A task gives up the CPU only inside a kernel call that returns a promise; the
 * kernel resumes exactly one task by settling that task's pending promise. The second half of a
 * blocking call (re-checking a queue after a wake-up, ...) runs inside the kernel right when the
 * task is switched in, as FreeRTOS runs it in the task right after the switch (see Continuation).
 * Virtual time passes only while the idle task or a task in busy() runs; it jumps over ticks in
 * which nothing can happen.
 * @module
 */
import { resolveConfig, type KernelConfig } from "./config.js";
import {
  eBlocked,
  eDeleted,
  eReady,
  eRunning,
  eSuspended,
  errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY,
  pdFAIL,
  pdFALSE,
  pdPASS,
  pdTRUE,
  taskSCHEDULER_NOT_STARTED,
  taskSCHEDULER_RUNNING,
  taskSCHEDULER_SUSPENDED,
  taskStateNames,
  type TaskState,
} from "./constants.js";
import { TimeQueue } from "./time-queue.js";
import { KernelAssertError, KernelError } from "./errors.js";
import { HeapAccount, sizeOf } from "./heap.js";
import { checkInteger, describeValue, wrongType } from "./check.js";
import { InterruptController, type InterruptHandler, type InterruptLine, type InterruptStats } from "./interrupts.js";
import type { InterruptRing } from "./interrupt-ring.js";
import { EventList, List, ListKind } from "./list.js";
import { Prng } from "./prng.js";
import { Task, type Continuation } from "./task.js";
import type { TraceEvent, TraceKind, TraceSink } from "./trace.js";

/** An out-parameter, as C's pointer arguments (`pxHigherPriorityTaskWoken`, `pxPreviousWakeTime`). */
export interface Ref<T> {
  value: T;
}

/** A task's function: receives the `params` of xTaskCreate. Returning deletes the task. */
export type TaskFunction<P = unknown> = (params: P) => Promise<unknown> | unknown;

/** How a run ended. */
export type RunOutcome = "target" | "stalled" | "stopped";

/** TimeOut_t: where a wait began, for xTaskCheckForTimeOut. */
export interface TimeOut {
  overflowCount: number;
  timeOnEntering: number;
}

/** One row of uxTaskGetSystemState (TaskStatus_t). */
export interface TaskStatus {
  handle: Task<Kernel>;
  name: string;
  taskNumber: number;
  state: TaskState;
  currentPriority: number;
  basePriority: number;
  /** Virtual CPU time the task has used, in microseconds. */
  runTimeCounter: number;
  /** Words of stack never used, in the stack model of stackHighWaterMark(). */
  stackHighWaterMark: number;
}

export type KernelTask = Task<Kernel>;

/** What one task is doing, for describing a stall (Kernel.waits()). */
export interface TaskWait {
  task: string;
  priority: number;
  state: (typeof taskStateNames)[number];
  /** The object a Blocked task waits on (a queue, semaphore, event group or buffer name, "delay", "notification", ...), else null. */
  waitsOn: string | null;
  /** The tick count at which a Blocked task's wait times out; null when it waits forever or is not Blocked. */
  timeoutTick: number | null;
}

// Execution states: who holds the CPU from the host's point of view.
const EXEC_SETUP = 0; // scheduler not started
const EXEC_TASK = 1; // a task's own code runs (between kernel calls)
const EXEC_KERNEL = 2; // kernel code, including continuations and time advance
const EXEC_ISR = 3; // an interrupt handler or the tick hook
const EXEC_PAUSED = 4; // waiting for run()
const EXEC_HOST_YIELD = 5; // yielded to the host event loop, resumes by macrotask
const EXEC_EXTERNAL_WAIT = 6; // idle, waiting for external promises to settle
const EXEC_FAULTED = 7; // a foreign await corrupted the schedule; the kernel can no longer run
const EXEC_REALTIME_WAIT = 8; // real-time mode: waiting for the host clock or an interrupt ring

/** opArg marker of a task blocked in park(). */
const PARKED = -7;

// consume() results.
const CONSUME_DONE = 0;
const CONSUME_SWITCHED = 1;
const CONSUME_PAUSED = 2;

/** Words of stack a task uses at the least: the context frame a Cortex-M port saves (no FPU). */
export const CONTEXT_FRAME_WORDS = 17;

const P0 = Promise.resolve(0);
const P1 = Promise.resolve(1);
const PM1 = Promise.resolve(-1);
/** An already-settled promise for `value`, shared for the common results. */
export function settled(value: number): Promise<number> {
  return value === 0 ? P0 : value === 1 ? P1 : value === -1 ? PM1 : Promise.resolve(value);
}

const scheduleMacrotask: (fn: () => void) => void = (() => {
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
const enqueueMicrotask = (fn: () => void): void => void P0.then(fn);

const wallNow: () => number =
  typeof performance !== "undefined" && typeof performance.now === "function" ? () => performance.now() : () => Date.now();

/**
 * A resume value that makes the parked call throw `error` instead of returning (how the Go
 * bridge raises "send on closed channel" in a sender woken by close).
 */
export class ResumeWithError {
  constructor(readonly error: unknown) {}
}

/**
 * The waiter a layer above the kernel parks a task with. When the task stops waiting without an
 * unpark (vTaskSuspend, xTaskAbortDelay, vTaskDelete) the kernel asks it to withdraw from every
 * wait queue of its own, as FreeRTOS takes a suspended task off its event list; when such a task
 * runs again the kernel calls retry() in its place, which re-checks the operation and either
 * completes it (leaving the result in task.resumeValue) or parks again with reparkCurrent().
 */
export interface ParkWaiter {
  withdraw(task: KernelTask): void;
  retry(kernel: Kernel, task: KernelTask): void;
}

/** What park() resolves with when its timeout passed before an unpark. */
export const PARK_TIMED_OUT: unique symbol = Symbol("park timed out");

/** The kernel whose run() is in progress; only one may run at any instant. */
let activeKernel: Kernel | null = null;

/** The kernel currently running, or null between runs (the Go layer finds "its" kernel here). */
export function runningKernel(): Kernel | null {
  return activeKernel;
}

export class Kernel {
  readonly config: KernelConfig;
  readonly prng: Prng;
  readonly heap: HeapAccount;
  /** portMAX_DELAY of this kernel's tick width; a timeout at or above it waits forever. */
  readonly maxDelay: number;
  readonly maxPriorities: number;
  private readonly tickModulus: number;

  // Scheduler state (pxCurrentTCB, pxReadyTasksLists, uxTopReadyPriority, ...).
  current: KernelTask | null = null;
  private readonly readyLists: List<KernelTask>[];
  private readonly readyBits: Uint32Array;
  readonly delayed = new TimeQueue<KernelTask>();
  readonly suspendedList = new List<KernelTask>(ListKind.Suspended);
  readonly pendingReadyList = new EventList<KernelTask>(ListKind.PendingReady);
  private readonly terminationList = new List<KernelTask>(ListKind.Termination);
  private nextUnblockTick = Infinity;
  private schedulerRunning = false;
  schedulerSuspended = 0;
  /** xYieldPending: a switch is due at the next tick or xTaskResumeAll. */
  yieldPending = false;
  /** A switch was requested (portYIELD_FROM_ISR, a yield masked by a critical section): taken at the first chance. */
  pendSV = false;
  private pendedTicks = 0;
  criticalNesting = 0;
  numberOfTasks = 0;
  private deletedTasksWaitingCleanUp = 0;
  private taskNumber = 0;
  idleTask: KernelTask | null = null;
  timerTask: KernelTask | null = null;
  /** Name of the ISR running (for error messages), or null. */
  isrName: string | null = null;
  readonly irqs = new InterruptController();
  /** Priority of the running ISR (0: no ISR). */
  private isrPriority = 0;
  /** BASEPRI inside an ISR (taskENTER_CRITICAL_FROM_ISR); 0 when unmasked. */
  private isrMask = 0;

  // Time. tickAbs is xTickCount without wrapping; virtual time is timeTick + timeFrac.
  // They differ only while ticks are pended (scheduler suspended or in a critical section).
  private tickAbs = 0;
  /** tickAbs wrapped to the tick width, and the number of wraps (xTickCount, xNumOfOverflows). */
  private tickCount = 0;
  private overflows = 0;
  private timeTick = 0;
  private timeFrac = 0;

  // Execution and run control.
  private exec = EXEC_SETUP;
  private runTarget = 0;
  private runActive = false;
  private runResolve: ((outcome: RunOutcome) => void) | null = null;
  private runReject: ((error: unknown) => void) | null = null;
  private stopRequested = false;
  private faultError: unknown = null;
  private hasFault = false;
  private externalsPending = 0;
  private watchdogArmed = false;
  private workCounter = 0;
  private hostDeadline = 0;

  // Context-switch machinery: one shared executor, no closure per switch.
  private readonly executor = (resolve: (value: unknown) => void): void => {
    this.current!.resolve = resolve;
  };
  /**
   * A task that has not started yet "waits" on this instead of a promise: its first switch-in
   * queues it here and starts its function in a microtask (a promise per task would cost two
   * allocations and a reaction more for every goroutine).
   */
  private readonly startQueue: KernelTask[] = [];
  private readonly startOnSwitchIn = (task: unknown): void => {
    this.startQueue.push(task as KernelTask);
    enqueueMicrotask(this.startNext);
  };
  private readonly startNext = (): void => {
    this.startTask(this.startQueue.shift()!);
  };

  // Real-time mode: virtual time follows the host clock (re-anchored at each run() start).
  private readonly realtime: boolean;
  private realtimeOriginMs = 0;
  private realtimeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly rings: InterruptRing[] = [];
  private readonly ringHandlers = new Map<InterruptRing, () => void>();
  private eventPayload = 0;
  private eventTimestampMs = 0;
  /** Events from rings whose interrupt is not registered (dropped, counted). */
  unroutableEvents = 0;

  private traceSink: TraceSink | null = null;
  /** Bumped on every context-switch decision; lets tests and tools count switches cheaply. */
  switchCount = 0;
  private objectNumber = 0;

  constructor(config: Partial<KernelConfig> = {}) {
    this.config = resolveConfig(config);
    this.prng = new Prng(this.config.seed);
    this.heap = new HeapAccount(this.config.configTOTAL_HEAP_SIZE);
    this.maxPriorities = this.config.configMAX_PRIORITIES;
    const width = this.config.configTICK_TYPE_WIDTH_IN_BITS;
    this.tickModulus = width === 64 ? Infinity : 2 ** width;
    this.maxDelay = width === 64 ? 2 ** 64 - 1 : 2 ** width - 1;
    this.readyLists = [];
    for (let p = 0; p < this.maxPriorities; p++) {
      const list = new List<KernelTask>(ListKind.Ready);
      list.priority = p;
      this.readyLists.push(list);
    }
    this.readyBits = new Uint32Array(Math.ceil(this.maxPriorities / 32));
    this.realtime = this.config.clock === "realtime";
  }

  // ───────────────────────────── tracing and errors ─────────────────────────────

  /** Attaches a trace sink (or detaches with null). Without one, trace points cost one null check. */
  setTraceSink(sink: TraceSink | null): void {
    if (sink !== null && typeof sink !== "function") throw new TypeError(`trace sink must be a function or null, got ${typeof sink}`);
    this.traceSink = sink;
  }

  traceEnabled(): boolean {
    return this.traceSink !== null;
  }

  /** Emits one trace event; callers check traceEnabled() first on hot paths. */
  emit(kind: TraceKind, task?: string, object?: string, value?: number): void {
    const sink = this.traceSink;
    if (sink === null) return;
    const e: TraceEvent = { kind, timeTicks: this.timeTick + this.timeFrac };
    if (task !== undefined) e.task = task;
    if (object !== undefined) e.object = object;
    if (value !== undefined) e.value = value;
    sink(e);
  }

  /** Who is calling, for messages: `task "name"`, `ISR "name"` or `set-up code`. */
  callerDescription(): string {
    if (this.exec === EXEC_ISR) return `ISR "${this.isrName ?? "?"}"`;
    if (this.exec === EXEC_TASK && this.current !== null) return `task "${this.current.name}"`;
    if (this.exec === EXEC_KERNEL && this.current !== null) return `task "${this.current.name}"`;
    return "set-up code (outside any task)";
  }

  /** Throws KernelAssertError (configASSERT) naming the call and the caller. */
  fail(call: string, what: string): never {
    throw new KernelAssertError(`${call} called from ${this.callerDescription()}: ${what}`);
  }

  /** True when a task's own code is the caller (as opposed to set-up code or an ISR). */
  inTask(): boolean {
    return this.exec === EXEC_TASK;
  }

  inIsr(): boolean {
    return this.exec === EXEC_ISR;
  }

  /** Asserts the caller is not an ISR (rule 33: a non-FromISR call from an ISR). */
  assertNotIsr(call: string): void {
    if (this.exec === EXEC_ISR) this.fail(call, `not callable from an interrupt; use the FromISR variant`);
  }

  /**
   * Asserts the caller may block now (rule 33): it is a task's own code (set-up code, a hook or
   * a continuation cannot wait), without the scheduler suspended or a critical section entered.
   * Every call that would wait passes here just before it blocks.
   */
  assertCanBlock(call: string): void {
    if (this.exec !== EXEC_TASK) this.fail(call, "the call would have to block, and only a task can block (pass a timeout of 0, or call it from a task)");
    if (this.schedulerSuspended > 0) this.fail(call, "blocking while the scheduler is suspended (vTaskSuspendAll)");
    if (this.criticalNesting > 0) this.fail(call, "blocking inside a critical section");
  }

  /**
   * Validates a timeout/delay: a non-negative integer number of ticks; returns it. The common
   * cases are checked inline and everything else, errors included, out of line: hot kernel calls
   * stay small enough for V8 to inline them whole.
   */
  checkTicks(call: string, ticks: unknown, name = "ticks"): number {
    if (ticks === this.maxDelay || (typeof ticks === "number" && ticks >>> 0 === ticks && ticks < this.maxDelay)) return ticks;
    return this.checkTicksSlow(call, ticks, name);
  }

  private checkTicksSlow(call: string, ticks: unknown, name: string): number {
    if (typeof ticks !== "number") throw wrongType(call, name, "a number of ticks", ticks);
    if (ticks === Infinity) return this.maxDelay;
    if (!Number.isInteger(ticks) || ticks < 0)
      throw new RangeError(`${call}: ${name} must be a non-negative integer number of ticks (or portMAX_DELAY), got ${ticks}`);
    return ticks >= this.maxDelay ? this.maxDelay : ticks;
  }

  checkPriority(call: string, priority: unknown): number {
    const p = checkInteger(call, "priority", priority, 0, Infinity, "a non-negative integer");
    if (p >= this.maxPriorities) this.fail(call, `priority ${p} is not below configMAX_PRIORITIES (${this.maxPriorities})`);
    return p;
  }

  checkTask(call: string, handle: unknown, allowNull: boolean): KernelTask {
    if (handle === null || handle === undefined) {
      if (!allowNull) throw new TypeError(`${call}: a task handle is required, got ${describeValue(handle)}`);
      if (this.current === null) this.fail(call, "NULL handle (the calling task) but there is no current task");
      return this.current;
    }
    if (!(handle instanceof Task)) throw new TypeError(`${call}: expected a task handle, got ${describeValue(handle)}`);
    if ((handle as KernelTask).kernel !== this) throw new TypeError(`${call}: task "${(handle as KernelTask).name}" belongs to another kernel`);
    if ((handle as KernelTask).deleted) this.fail(call, `task "${(handle as KernelTask).name}" has been deleted`);
    return handle as KernelTask;
  }

  // ───────────────────────────── time ─────────────────────────────

  /** xTaskGetTickCount: the tick count, wrapped to the configured width. */
  getTickCount(): number {
    return this.tickCount;
  }

  /** Recomputes the wrapped tick count after tickAbs moved by more than one tick. */
  private syncTickCount(): void {
    if (this.tickModulus === Infinity) {
      this.tickCount = this.tickAbs;
    } else {
      this.tickCount = this.tickAbs % this.tickModulus;
      this.overflows = Math.floor(this.tickAbs / this.tickModulus);
    }
  }

  /** The tick count without wrapping. */
  getTickCountAbs(): number {
    return this.tickAbs;
  }

  /** Virtual time in ticks since the kernel was created, with the fraction of the current tick. */
  now(): number {
    return this.timeTick + this.timeFrac;
  }

  /** xNumOfOverflows */
  private overflowCount(): number {
    return this.overflows;
  }

  pdMS_TO_TICKS(ms: number): number {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new RangeError(`pdMS_TO_TICKS: ms must be a non-negative finite number, got ${String(ms)}`);
    return Math.floor((ms * this.config.configTICK_RATE_HZ) / 1000);
  }

  // ───────────────────────────── ready lists ─────────────────────────────

  /** prvAddTaskToReadyList: at the end of the rotation of its priority (rule 2). */
  addToReadyList(t: KernelTask): void {
    const p = t.priority;
    const list = this.readyLists[p]!;
    if (list.length === 0) this.readyBits[p >>> 5]! |= 1 << (p & 31);
    list.insertEnd(t);
    if (this.traceSink !== null) this.traceTask("task.ready", t);
  }

  /** A trace event about task `t` (out of line: keeps the hot callers small). */
  private traceTask(kind: TraceKind, t: KernelTask): void {
    this.emit(kind, t.name, undefined, t.priority);
  }

  private removeFromReadyList(t: KernelTask, list: List<KernelTask>): void {
    if (list.remove(t.stateItem) === 0) {
      const p = list.priority;
      this.readyBits[p >>> 5]! &= ~(1 << (p & 31));
    }
  }

  /** Removes a task's state item from whatever list holds it. */
  removeState(t: KernelTask): void {
    const list = t.stateItem.container;
    if (list === null) return;
    switch (list.kind) {
      case ListKind.Ready:
        this.removeFromReadyList(t, list);
        break;
      case ListKind.Delayed:
        this.delayed.remove(t.stateItem);
        break;
      default:
        list.remove(t.stateItem);
    }
  }

  private topReadyPriority(): number {
    const bits = this.readyBits;
    for (let w = bits.length - 1; w >= 0; w--) {
      const word = bits[w]!;
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word);
    }
    return -1;
  }

  /** Number of tasks ready at `priority` (the running task included). */
  readyCountAt(priority: number): number {
    return this.readyLists[priority]!.length;
  }

  /**
   * vTaskSwitchContext: selects the highest-priority ready task, rotating within its priority
   * (rules 1, 3). Reports "switched in" on every decision, even for the same task (rule 6).
   */
  switchContext(): void {
    if (this.schedulerSuspended > 0) {
      this.yieldPending = true;
      return;
    }
    this.yieldPending = false;
    this.pendSV = false;
    if (this.traceSink !== null && this.current !== null) this.emit("task.switchedOut", this.current.name);
    const top = this.topReadyPriority();
    if (top < 0) this.noTaskReady();
    const next = this.readyLists[top]!.nextOwner();
    this.current = next;
    this.switchCount++;
    if (this.traceSink !== null) this.traceTask("task.switchedIn", next);
  }

  private noTaskReady(): never {
    throw new KernelError("no task is ready to run (the idle task is missing)");
  }

  // ───────────────────────────── blocking and waking ─────────────────────────────

  /** The promise the current task awaits until the kernel switches it back in. */
  private suspendCaller<T = number>(): Promise<T> {
    return new Promise<T>(this.executor as (resolve: (value: T) => void) => void);
  }

  /**
   * The current task gives up the CPU inside a kernel call (it blocked, or yields with its call
   * complete): select the next task and run it. Returns the promise the caller awaits.
   */
  switchAway<T = number>(): Promise<T> {
    const p = this.suspendCaller<T>();
    this.switchContext();
    this.dispatch();
    return p;
  }

  /**
   * Completes the current call with `value` and yields (taskYIELD_IF_USING_PREEMPTION after a
   * call that readied a higher-priority task): the caller stays ready in its place (rule 3).
   */
  yieldWith(value: number): Promise<number> {
    const t = this.current!;
    t.cont = null;
    t.resumeValue = value;
    return this.switchAway();
  }

  /**
   * The result of a task-level call that did not block: an already-settled promise, unless a
   * switch is due (a higher-priority task was readied), in which case the caller yields first.
   */
  result(value: number, switchNow: boolean): Promise<number> {
    if (switchNow || this.pendSV) return this.resultAndSwitch(value, switchNow);
    return settled(value);
  }

  private resultAndSwitch(value: number, switchNow: boolean): Promise<number> {
    if ((switchNow && this.config.configUSE_PREEMPTION === 1) || this.pendSV) {
      if (this.exec === EXEC_TASK && this.schedulerSuspended === 0 && this.criticalNesting === 0 && this.deferDepth === 0) return this.yieldWith(value);
      this.requestSwitch();
    }
    return settled(value);
  }

  private deferDepth = 0;

  /**
   * Runs `fn` (task-level kernel calls whose promise the caller will not await) so that a switch
   * they would make at once is only requested: taken at the caller's next kernel call.
   */
  runDeferred<T>(fn: () => T): T {
    this.deferDepth++;
    try {
      return fn();
    } finally {
      this.deferDepth--;
    }
  }

  /** A switch that cannot happen now: pended until the scheduler resumes or the critical section ends. */
  requestSwitch(): void {
    if (!this.schedulerRunning) return;
    if (this.schedulerSuspended > 0) {
      this.pendSV = false;
      this.yieldPending = true;
    } else {
      this.pendSV = true;
    }
  }

  /** Like result() for calls that yield regardless of preemption (taskYIELD, vTaskDelay(0)). */
  private forceYield(value: number): Promise<number> {
    if (this.exec === EXEC_TASK && this.schedulerSuspended === 0 && this.criticalNesting === 0) return this.yieldWith(value);
    return settled(value);
  }

  /**
   * prvAddCurrentTaskToDelayedList: removes the running task from the ready list and puts it
   * on the delayed list (or, for an indefinite wait, the suspended list, rule 9).
   */
  addCurrentToDelayedList(ticksToWait: number, canBlockIndefinitely: boolean): void {
    const t = this.current!;
    t.delayAborted = false;
    this.removeState(t);
    if (ticksToWait >= this.maxDelay && canBlockIndefinitely) {
      this.suspendedList.insertEnd(t.stateItem);
    } else {
      const wake = this.tickAbs + ticksToWait;
      this.delayed.insert(t.stateItem, wake);
      if (wake < this.nextUnblockTick) this.nextUnblockTick = wake;
    }
  }

  /**
   * vTaskPlaceOnEventList + the block: the running task waits on `eventList` (priority order,
   * FIFO among equals, rule 15) for up to `ticksToWait`, and runs `cont` when switched back in.
   * The caller then calls switchContext() (from a continuation) or switchAway() (from a task).
   */
  placeOnEventList(eventList: EventList<KernelTask>, ticksToWait: number, cont: Continuation<Kernel> | null, blockedOn: string): void {
    const t = this.current!;
    // The item value is kept up to date by vTaskPrioritySet and inheritance, not recomputed here.
    eventList.insertSorted(t);
    this.addCurrentToDelayedList(ticksToWait, true);
    t.cont = cont;
    if (cont === null) t.resumeValue = 0;
    t.blockedOn = blockedOn;
    if (this.traceSink !== null) this.traceBlocked(t, blockedOn, ticksToWait);
  }

  private traceBlocked(t: KernelTask, blockedOn: string, ticksToWait: number): void {
    this.emit("task.blocked", t.name, blockedOn, ticksToWait >= this.maxDelay ? -1 : ticksToWait);
  }

  /** Changes a task's event-list value; a list it is in may now be out of order (rule 15). */
  private setEventValue(t: KernelTask, value: number): void {
    t.eValue = value;
    if (t.eList !== null) t.eList.unsorted = true;
  }

  /** uxTaskResetEventItemValue: after an event-group wait the item sorts by priority again; returns the bits it held. */
  resetEventItemValue(t: KernelTask): number {
    const bits = t.eValue;
    t.eValue = this.maxPriorities - t.priority;
    t.eventValueInUse = false;
    return bits;
  }

  /** vTaskPlaceOnUnorderedEventList: FIFO, with the item value carrying `itemValue` (event bits). */
  placeOnUnorderedEventList(eventList: EventList<KernelTask>, itemValue: number, ticksToWait: number, cont: Continuation<Kernel>, blockedOn: string): void {
    const t = this.current!;
    t.eValue = itemValue;
    t.eventValueInUse = true;
    eventList.insertEnd(t);
    this.addCurrentToDelayedList(ticksToWait, true);
    t.cont = cont;
    t.blockedOn = blockedOn;
    if (this.traceSink !== null) this.traceBlocked(t, blockedOn, ticksToWait);
  }

  /** Blocks the running task without an event list (notification waits, park). */
  blockWithoutEventList(ticksToWait: number, cont: Continuation<Kernel> | null, blockedOn: string): void {
    const t = this.current!;
    this.addCurrentToDelayedList(ticksToWait, true);
    t.cont = cont;
    t.blockedOn = blockedOn;
    if (this.traceSink !== null) this.traceBlocked(t, blockedOn, ticksToWait);
  }

  /**
   * xTaskRemoveFromEventList: readies the head of `eventList`. Returns true when it has a higher
   * priority than the running task (and then marks a yield pending, as FreeRTOS does).
   */
  removeFromEventList(eventList: EventList<KernelTask>): boolean {
    const t = eventList.head()!;
    eventList.remove(t);
    return this.readyUnblocked(t);
  }

  /** Readies a task taken off an event list (or a notification wait). */
  readyUnblocked(t: KernelTask): boolean {
    t.blockedOn = null;
    if (this.schedulerSuspended === 0) {
      this.removeState(t);
      this.addToReadyList(t);
    } else {
      this.pendingReadyList.insertEnd(t);
    }
    if (this.current !== null && t.priority > this.current.priority) {
      this.yieldPending = true;
      return true;
    }
    return false;
  }

  /** vTaskInternalSetTimeOutState for the running task's pending call. */
  setTimeOutState(t: KernelTask): void {
    t.timeOutEnteringAbs = this.tickAbs;
  }

  /** xTaskCheckForTimeOut (rule 12): true when the call has timed out; updates ticksToWait. */
  checkForTimeOut(t: KernelTask): boolean {
    if (t.delayAborted) {
      t.delayAborted = false;
      return true;
    }
    const mod = this.tickModulus;
    const left = this.ticksLeft(
      mod === Infinity ? 0 : Math.floor(t.timeOutEnteringAbs / mod),
      mod === Infinity ? t.timeOutEnteringAbs : t.timeOutEnteringAbs % mod,
      t.ticksToWait,
    );
    if (left < 0) {
      t.ticksToWait = 0;
      return true;
    }
    if (left !== t.ticksToWait) {
      t.ticksToWait = left;
      this.setTimeOutState(t);
    }
    return false;
  }

  /**
   * The arithmetic of xTaskCheckForTimeOut after the abort check: the ticks still to wait, or -1
   * when timed out (portMAX_DELAY never times out; a wait that saw the count wrap and reach its
   * entry tick again has timed out; else the elapsed ticks are subtracted, wrap-aware).
   */
  private ticksLeft(enteringOverflows: number, entering: number, ticksToWait: number): number {
    if (ticksToWait >= this.maxDelay) return ticksToWait;
    const now = this.getTickCount();
    if (this.overflowCount() !== enteringOverflows && now >= entering) return -1;
    const mod = this.tickModulus;
    const elapsed = mod === Infinity ? now - entering : (now - entering + mod) % mod;
    return elapsed < ticksToWait ? ticksToWait - elapsed : -1;
  }

  /** vTaskSetTimeOutState: records the tick count and wrap count for xTaskCheckForTimeOut. */
  setTimeOutStatePublic(timeOut: TimeOut): void {
    if (timeOut === null || typeof timeOut !== "object") throw new TypeError("vTaskSetTimeOutState: pxTimeOut must be an object");
    timeOut.overflowCount = this.overflowCount();
    timeOut.timeOnEntering = this.getTickCount();
  }

  /**
   * xTaskCheckForTimeOut (rule 12) for driver code: pdTRUE when the wait begun at `timeOut` has
   * timed out (also when the calling task's delay was aborted); otherwise updates `ticksToWait`
   * to what is left and restarts `timeOut`.
   */
  checkForTimeOutPublic(timeOut: TimeOut, ticksToWait: Ref<number>): number {
    const call = "xTaskCheckForTimeOut";
    if (timeOut === null || typeof timeOut !== "object" || typeof timeOut.timeOnEntering !== "number") throw new TypeError(`${call}: pxTimeOut must be set by vTaskSetTimeOutState first`);
    if (ticksToWait === null || typeof ticksToWait !== "object" || typeof ticksToWait.value !== "number") throw new TypeError(`${call}: pxTicksToWait must be a { value: number } reference`);
    const t = this.current;
    if (t !== null && this.exec === EXEC_TASK && t.delayAborted) {
      t.delayAborted = false;
      return pdTRUE;
    }
    const left = this.ticksLeft(timeOut.overflowCount, timeOut.timeOnEntering, this.checkTicks(call, ticksToWait.value, "*pxTicksToWait"));
    if (left < 0) {
      ticksToWait.value = 0;
      return pdTRUE;
    }
    if (left !== ticksToWait.value) {
      ticksToWait.value = left;
      this.setTimeOutStatePublic(timeOut);
    }
    return pdFALSE;
  }

  // ───────────────────────────── priority inheritance ─────────────────────────────

  /** xTaskPriorityInherit (rule 25); returns true when the holder now runs at an inherited priority. */
  priorityInherit(holder: KernelTask | null): boolean {
    const cur = this.current!;
    if (holder === null) return false;
    if (holder.priority < cur.priority) {
      if (!holder.eventValueInUse) this.setEventValue(holder, this.maxPriorities - cur.priority);
      const list = holder.stateItem.container;
      if (list !== null && list === this.readyLists[holder.priority]) {
        this.removeFromReadyList(holder, list);
        holder.priority = cur.priority;
        this.addToReadyList(holder);
      } else {
        holder.priority = cur.priority;
      }
      if (this.traceSink !== null) this.emit("task.priorityInherit", holder.name, undefined, cur.priority);
      return true;
    }
    return holder.basePriority < cur.priority;
  }

  /** xTaskPriorityDisinherit (rule 26): on giving a mutex; true means a yield is required. */
  priorityDisinherit(holder: KernelTask, call: string): boolean {
    if (holder !== this.current) this.fail(call, `task "${holder.name}" holds the mutex`);
    if (holder.mutexesHeld === 0) this.fail(call, "the task holds no mutex");
    holder.mutexesHeld--;
    if (holder.priority !== holder.basePriority && holder.mutexesHeld === 0) {
      const list = holder.stateItem.container;
      if (list !== null && list.kind === ListKind.Ready) this.removeFromReadyList(holder, list);
      if (this.traceSink !== null) this.emit("task.priorityDisinherit", holder.name, undefined, holder.basePriority);
      holder.priority = holder.basePriority;
      if (!holder.eventValueInUse) this.setEventValue(holder, this.maxPriorities - holder.priority);
      this.addToReadyList(holder);
      return true;
    }
    return false;
  }

  /**
   * Hands a held mutex to another task (not a FreeRTOS call: the Go bridge's Mutex may be
   * unlocked by a goroutine other than the locker). The old holder gives up any priority it
   * inherited when it holds no other mutex.
   */
  transferMutex(mutex: { holder: KernelTask | null }, to: KernelTask): void {
    const from = mutex.holder;
    if (from === null || from === to) return;
    from.mutexesHeld--;
    if (from.mutexesHeld === 0 && from.priority !== from.basePriority) {
      const list = from.stateItem.container;
      const wasReady = list !== null && list.kind === ListKind.Ready;
      if (wasReady) this.removeFromReadyList(from, list);
      if (this.traceSink !== null) this.emit("task.priorityDisinherit", from.name, undefined, from.basePriority);
      from.priority = from.basePriority;
      if (!from.eventValueInUse) this.setEventValue(from, this.maxPriorities - from.priority);
      if (wasReady) this.addToReadyList(from);
    }
    mutex.holder = to;
    to.mutexesHeld++;
  }

  /** vTaskPriorityDisinheritAfterTimeout (rule 27). */
  priorityDisinheritAfterTimeout(holder: KernelTask | null, highestWaitingPriority: number): void {
    if (holder === null) return;
    const target = Math.max(holder.basePriority, highestWaitingPriority);
    if (holder.priority !== target && holder.mutexesHeld === 1) {
      const before = holder.priority;
      if (this.traceSink !== null) this.emit("task.priorityDisinherit", holder.name, undefined, target);
      holder.priority = target;
      if (!holder.eventValueInUse) this.setEventValue(holder, this.maxPriorities - target);
      const list = holder.stateItem.container;
      if (list !== null && list === this.readyLists[before]) {
        this.removeFromReadyList(holder, list);
        this.addToReadyList(holder);
      }
    }
  }

  // ───────────────────────────── tasks ─────────────────────────────

  /**
   * xTaskCreate. The task's function starts when the scheduler first switches it in.
   * Returns pdPASS, or errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY when the heap cannot hold its TCB
   * and stack. Yields when the new task has a strictly higher priority than the caller (rule 5).
   */
  createTask<P>(
    fn: TaskFunction<P>,
    name: string,
    stackDepth: number,
    params: P,
    priority: number,
    handleRef?: Ref<KernelTask | null> | null,
    switchNow = true,
    reclaimOnReturn = false,
  ): Promise<number> {
    const call = "xTaskCreate";
    this.assertNotIsr(call);
    if (typeof fn !== "function") throw new TypeError(`${call}: the task function must be a function, got ${fn === null ? "null" : typeof fn}`);
    if (typeof name !== "string") throw new TypeError(`${call}: name must be a string, got ${typeof name}`);
    if (typeof stackDepth !== "number" || !Number.isInteger(stackDepth) || stackDepth < CONTEXT_FRAME_WORDS)
      throw new RangeError(`${call}("${name}"): stackDepth must be an integer number of words >= ${CONTEXT_FRAME_WORDS}, got ${String(stackDepth)}`);
    // Checked inline first: the message naming the task is built only when it is needed.
    if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority >= this.maxPriorities)
      priority = this.checkPriority(`${call}("${name}")`, priority);
    if (handleRef !== undefined && handleRef !== null && typeof handleRef !== "object")
      throw new TypeError(`${call}("${name}"): handleRef must be an object { value } or null`);
    const t = this.allocateTask(name, stackDepth, priority, false);
    if (t === null) {
      if (handleRef) handleRef.value = null;
      return settled(errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY);
    }
    if (handleRef) handleRef.value = t;
    if (reclaimOnReturn) t.reclaimOnReturn = true;
    // The first switch-in "resolves" startOnSwitchIn with the task, and the body begins.
    t.opObject = fn;
    t.opItem = params;
    t.resumeValue = t;
    t.resolve = this.startOnSwitchIn;
    const higher = this.addNewTaskToReadyList(t);
    if (!switchNow) {
      // The caller does not await: the new task preempts it at its next kernel call.
      if (higher && this.config.configUSE_PREEMPTION === 1) this.requestSwitch();
      return settled(pdPASS);
    }
    return this.result(pdPASS, higher);
  }

  /** Creates the TCB and charges the heap; null (and the malloc-failed hook) when it does not fit. */
  private allocateTask(name: string, stackDepth: number, priority: number, isIdle: boolean): KernelTask | null {
    const block = this.heap.allocate(sizeOf.tcb + stackDepth * sizeOf.stackWord);
    if (block === 0) {
      this.mallocFailed(`task "${name}"`);
      return null;
    }
    const maxLen = this.config.configMAX_TASK_NAME_LEN - 1;
    const t = new Task<Kernel>(this, ++this.taskNumber, name.length > maxLen ? name.slice(0, maxLen) : name, priority, stackDepth, isIdle);
    t.eValue = this.maxPriorities - priority;
    return t;
  }

  /** Calls the malloc-failed hook and traces the failure. */
  mallocFailed(what: string): void {
    if (this.traceSink !== null) this.emit("heap.mallocFailed", this.current?.name, what);
    const hook = this.config.vApplicationMallocFailedHook;
    if (hook !== null) hook();
  }

  /** Charges the heap for a kernel object; 0 and the malloc-failed hook when it does not fit. */
  allocateObject(sizeBytes: number, what: string): number {
    const block = this.heap.allocate(sizeBytes);
    if (block === 0) this.mallocFailed(what);
    return block;
  }

  /** prvAddNewTaskToReadyList; returns true when the new task should preempt the caller (rule 5). */
  private addNewTaskToReadyList(t: KernelTask): boolean {
    this.numberOfTasks++;
    if (this.traceSink !== null) this.emit("task.created", t.name, undefined, t.priority);
    if (this.current === null) {
      this.current = t;
    } else if (!this.schedulerRunning && this.current.priority <= t.priority) {
      this.current = t; // rule 4: the last-created task of the highest priority
    }
    this.addToReadyList(t);
    return this.schedulerRunning && this.current !== t && t.priority > this.current.priority;
  }

  /** vTaskDelete (rule 20). Deleting the caller never returns to it. */
  deleteTask(handle: KernelTask | null): Promise<number> {
    const call = "vTaskDelete";
    this.assertNotIsr(call);
    const t = this.checkTask(call, handle, true);
    if (t.isIdle) this.fail(call, "the idle task cannot be deleted");
    const self = t === this.current && this.schedulerRunning;
    if (self) this.assertCanLeave(call, t, "deletes");
    this.removeState(t);
    if (t.eList !== null) t.eList.remove(t);
    if (this.traceSink !== null) this.emit("task.deleted", t.name);
    if (self) {
      this.terminationList.insertEnd(t.stateItem);
      this.deletedTasksWaitingCleanUp++;
      t.cont = null;
      if (this.exec === EXEC_TASK) return this.switchAway();
      // Deleting the running task from outside it (set-up code between runs): pick another.
      this.switchContext();
      return settled(0);
    }
    this.numberOfTasks--;
    this.freeTask(t);
    if (t === this.current) {
      // Before the scheduler starts: the current task becomes the highest-priority other one.
      this.current = null;
      if (this.topReadyPriority() >= 0) this.current = this.readyLists[this.topReadyPriority()]!.head();
    }
    return settled(0);
  }

  private freeTask(t: KernelTask): void {
    this.interruptPark(t);
    t.deleted = true;
    t.resolve = null;
    t.cont = null;
    this.heap.free(HeapAccount.blockSize(sizeOf.tcb + t.stackDepth * sizeOf.stackWord));
  }

  /**
   * Runs a task's function when it is first switched in. Its completion is watched with two
   * handlers shared by every task (no closure per task): when a task's function settles, that
   * task is the running one, unless it awaited a foreign promise.
   */
  private startTask(t: KernelTask): void {
    if (t.deleted) return;
    const fn = t.opObject as (params: unknown) => unknown;
    const params = t.opItem;
    t.opObject = null;
    t.opItem = undefined;
    let result: unknown;
    try {
      result = fn(params);
    } catch (error) {
      this.taskFaulted(t, error);
      return;
    }
    if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function") {
      (result as PromiseLike<unknown>).then(this.onTaskReturned, this.onTaskFaulted);
    } else {
      this.taskReturned(t);
    }
  }

  private readonly onTaskReturned = (): void => {
    const t = this.current;
    if (t === null || this.exec !== EXEC_TASK) {
      this.foreignCompletion(null);
      return;
    }
    this.taskReturned(t);
  };

  private readonly onTaskFaulted = (error: unknown): void => {
    const t = this.current;
    if (t === null || this.exec !== EXEC_TASK) {
      this.foreignCompletion(error);
      return;
    }
    this.taskFaulted(t, error);
  };

  /** A task function settled while no task was running: it awaited something foreign. */
  private foreignCompletion(error: unknown): void {
    const detail = error === null ? "" : ` (it threw: ${error instanceof Error ? error.message : String(error)})`;
    this.failSchedule(
      new KernelError(`a task function finished while no task was running${detail}: a task awaited a promise that is not a kernel operation; wrap outside work in external(promise)`),
    );
  }

  /** A task function returned: the task deletes itself. */
  private taskReturned(t: KernelTask): void {
    if (t.deleted || t.stateItem.container === this.terminationList) return;
    if (t !== this.current || this.exec !== EXEC_TASK) {
      this.foreignAwait(t, "returned");
      return;
    }
    const held = this.releaseHeld(t);
    if (held !== null) {
      const error = new KernelAssertError(`task "${t.name}" returned while holding ${held}; the kernel released it`);
      annotate(error, "heldOnFault", held);
      this.taskFaulted(t, error);
      return;
    }
    if (t.reclaimOnReturn) {
      // Like a goroutine's exit: freed at once instead of waiting for the idle task.
      if (this.traceSink !== null) this.emit("task.deleted", t.name);
      this.removeState(t);
      if (t.eList !== null) t.eList.remove(t);
      this.numberOfTasks--;
      this.freeTask(t);
      this.switchContext();
      this.dispatch();
      return;
    }
    void this.deleteTask(t);
  }

  /**
   * A task function threw: the task is deleted and the error ends the current run. The
   * scheduler suspension or critical section it held is released (and named on the error as
   * `heldOnFault`): the fault is its own, not the next task's that blocks.
   */
  private taskFaulted(t: KernelTask, error: unknown): void {
    if (this.traceSink !== null) this.emit("task.faulted", t.name);
    // Name the task and the time on the error (non-enumerable, so messages and comparisons are unchanged).
    annotate(error, "taskName", t.name);
    annotate(error, "timeTicks", this.now());
    if (!t.deleted) {
      if (t === this.current && this.exec === EXEC_TASK) {
        const held = this.releaseHeld(t);
        if (held !== null) annotate(error, "heldOnFault", held);
        this.recordFault(error);
        void this.deleteTask(t);
        return;
      }
      this.removeState(t);
      if (t.eList !== null) t.eList.remove(t);
      this.numberOfTasks--;
      this.freeTask(t);
    }
    this.recordFault(error);
  }

  /**
   * Releases the scheduler suspension and critical section of task `t`, which ends while holding
   * them (only the running task can hold them: it cannot block or be switched out meanwhile), as
   * xTaskResumeAll and taskEXIT_CRITICAL would. Returns what was held, or null.
   */
  private releaseHeld(t: KernelTask): string | null {
    const suspended = this.schedulerSuspended;
    const nesting = this.criticalNesting;
    if (suspended === 0 && nesting === 0) return null;
    const held: string[] = [];
    if (suspended > 0) held.push(`the scheduler suspended (vTaskSuspendAll without xTaskResumeAll, depth ${suspended})`);
    if (nesting > 0) held.push(`a critical section (taskENTER_CRITICAL without taskEXIT_CRITICAL, nesting ${nesting})`);
    this.schedulerSuspended = 0;
    this.criticalNesting = 0;
    if (suspended > 0) this.drainPendingReady();
    this.serviceInterrupts(); // interrupts the critical section held back run now
    this.replayPendedTicks();
    return held.join(" and ");
  }

  private recordFault(error: unknown): void {
    if (!this.hasFault) {
      this.hasFault = true;
      this.faultError = error;
    }
    this.stopRequested = true;
  }

  /** vTaskDelay (rules 9, 10). vTaskDelay(0) yields (outside a task it returns at once: nothing to yield to). */
  delay(ticks: number): Promise<number> {
    const call = "vTaskDelay";
    this.assertNotIsr(call);
    ticks = this.checkTicks(call, ticks);
    if (ticks > 0) {
      this.assertCanBlock(call);
      const t = this.current!;
      this.addCurrentToDelayedList(ticks, false);
      t.cont = null;
      t.resumeValue = 0;
      t.blockedOn = "delay";
      if (this.traceSink !== null) this.emit("task.delayed", t.name, undefined, this.tickAbs + ticks);
      return this.switchAway();
    }
    return this.forceYield(0);
  }

  /** xTaskDelayUntil (rule 10): returns pdTRUE when the task was delayed, pdFALSE when the wake time had passed. */
  delayUntil(prevRef: Ref<number>, increment: number): Promise<number> {
    const call = "xTaskDelayUntil";
    this.assertNotIsr(call);
    if (prevRef === null || typeof prevRef !== "object" || typeof prevRef.value !== "number")
      throw new TypeError(`${call}: pxPreviousWakeTime must be a { value: number } reference`);
    if (typeof increment !== "number" || !Number.isInteger(increment) || increment <= 0)
      this.fail(call, `xTimeIncrement must be > 0, got ${increment}`);
    if (this.exec === EXEC_TASK) this.assertCanBlock(call);
    const mod = this.tickModulus;
    const now = this.getTickCount();
    const prev = prevRef.value;
    const wake = mod === Infinity ? prev + increment : (prev + increment) % mod;
    let shouldDelay: boolean;
    if (now < prev) shouldDelay = wake < prev && wake > now; // the tick count wrapped since prev
    else shouldDelay = wake < prev || wake > now;
    if (shouldDelay && this.exec !== EXEC_TASK) this.assertCanBlock(call); // before pxPreviousWakeTime changes
    prevRef.value = wake;
    if (!shouldDelay) return this.forceYield(pdFALSE);
    const ticks = mod === Infinity ? wake - now : (wake - now + mod) % mod;
    const t = this.current!;
    this.addCurrentToDelayedList(ticks, false);
    t.cont = null;
    t.resumeValue = pdTRUE;
    t.blockedOn = "delay";
    if (this.traceSink !== null) this.emit("task.delayed", t.name, undefined, this.tickAbs + ticks);
    return this.switchAway();
  }

  /** taskYIELD */
  yieldTask(): Promise<number> {
    this.assertNotIsr("taskYIELD");
    return this.forceYield(0);
  }

  /** xTaskAbortDelay (rule 14). */
  abortDelay(handle: KernelTask): Promise<number> {
    const call = "xTaskAbortDelay";
    this.assertNotIsr(call);
    const t = this.checkTask(call, handle, false);
    if (this.getState(t) !== eBlocked) return settled(pdFAIL);
    this.interruptPark(t);
    this.removeState(t);
    if (t.eList !== null) {
      t.eList.remove(t);
      t.delayAborted = true;
    }
    t.blockedOn = null;
    if (this.traceSink !== null) this.emit("task.delayAborted", t.name);
    this.addToReadyList(t);
    return this.result(pdPASS, t.priority > this.current!.priority);
  }

  /** vTaskSuspend (rule 18). */
  suspend(handle: KernelTask | null): Promise<number> {
    const call = "vTaskSuspend";
    this.assertNotIsr(call);
    const t = this.checkTask(call, handle, true);
    const self = t === this.current;
    if (self && this.schedulerRunning) this.assertCanLeave(call, t, "suspends");
    this.interruptPark(t);
    this.removeState(t);
    if (t.eList !== null) t.eList.remove(t);
    t.cancelNotificationWaits();
    this.suspendedList.insertEnd(t.stateItem);
    t.blockedOn = null;
    if (this.traceSink !== null) this.emit("task.suspended", t.name);
    if (!self) return settled(0);
    if (this.schedulerRunning) {
      if (this.exec === EXEC_TASK) {
        t.cont = null;
        t.resumeValue = 0;
        return this.switchAway();
      }
      this.switchContext();
      return settled(0);
    }
    // Scheduler not started: the current task is the highest-priority ready one, if any.
    const top = this.topReadyPriority();
    this.current = top >= 0 ? this.readyLists[top]!.head() : null;
    return settled(0);
  }

  /** A task that deletes or suspends itself gives up the CPU: not while it holds the scheduler or a critical section. */
  private assertCanLeave(call: string, t: KernelTask, what: string): void {
    if (this.schedulerSuspended > 0) this.fail(call, `task "${t.name}" ${what} itself while the scheduler is suspended`);
    if (this.criticalNesting > 0) this.fail(call, `task "${t.name}" ${what} itself inside a critical section`);
  }

  /** prvTaskIsTaskSuspended */
  private isSuspended(t: KernelTask): boolean {
    if (t.stateItem.container !== this.suspendedList) return false;
    if (t.eList !== null || t.blockedOn !== null) return false;
    return !t.waitingForNotification();
  }

  /** vTaskResume (rule 18): ignores tasks that are not suspended, and the caller itself. */
  resume(handle: KernelTask): Promise<number> {
    const call = "vTaskResume";
    this.assertNotIsr(call);
    const t = this.checkTask(call, handle, false);
    if (t === this.current || !this.isSuspended(t)) return settled(0);
    this.suspendedList.remove(t.stateItem);
    if (this.traceSink !== null) this.emit("task.resumed", t.name);
    this.addToReadyList(t);
    return this.result(0, this.current !== null && t.priority > this.current.priority);
  }

  /** xTaskResumeFromISR: returns pdTRUE when a context switch should follow. */
  resumeFromIsr(handle: KernelTask): number {
    this.checkFromIsr("xTaskResumeFromISR");
    const t = this.checkTask("xTaskResumeFromISR", handle, false);
    if (!this.isSuspended(t)) return pdFALSE;
    if (this.traceSink !== null) this.emit("task.resumed", t.name);
    let yieldRequired = pdFALSE;
    if (this.schedulerSuspended === 0) {
      if (this.current !== null && t.priority > this.current.priority) {
        yieldRequired = pdTRUE;
        this.yieldPending = true;
      }
      this.suspendedList.remove(t.stateItem);
      this.addToReadyList(t);
    } else {
      this.pendingReadyList.insertEnd(t);
    }
    return yieldRequired;
  }

  /** vTaskPrioritySet (rule 19). */
  prioritySet(handle: KernelTask | null, newPriority: number): Promise<number> {
    const call = "vTaskPrioritySet";
    this.assertNotIsr(call);
    newPriority = this.checkPriority(call, newPriority);
    const t = this.checkTask(call, handle, true);
    const cur = this.current!;
    if (t.basePriority === newPriority) return settled(0);
    let yieldRequired = false;
    if (newPriority > t.basePriority) {
      if (t !== cur && newPriority > cur.priority) yieldRequired = true;
    } else if (t === cur) {
      yieldRequired = true;
    }
    const priorityUsedOnEntry = t.priority;
    if (t.basePriority === t.priority || newPriority > t.priority) t.priority = newPriority;
    t.basePriority = newPriority;
    if (!t.eventValueInUse) this.setEventValue(t, this.maxPriorities - newPriority);
    if (this.traceSink !== null) this.emit("task.prioritySet", t.name, undefined, newPriority);
    const list = t.stateItem.container;
    if (list !== null && list === this.readyLists[priorityUsedOnEntry]) {
      this.removeFromReadyList(t, list);
      this.addToReadyList(t);
    }
    if (!this.schedulerRunning) {
      // Before start, the current task is the highest-priority (last-created among equals) one.
      return settled(0);
    }
    return this.result(0, yieldRequired);
  }

  /** eTaskGetState (rule 17). */
  getState(t: KernelTask): TaskState {
    if (t.deleted) return eDeleted;
    if (t === this.current && this.schedulerRunning) return eRunning;
    if (t.eList === this.pendingReadyList) return eReady;
    const list = t.stateItem.container;
    if (list === null) return eDeleted;
    switch (list.kind) {
      case ListKind.Delayed:
        return eBlocked;
      case ListKind.Suspended:
        // On the suspended list but waiting (forever) for an object, a notification, park or an external: Blocked.
        if (t.eList !== null || t.blockedOn !== null || t.waitingForNotification()) return eBlocked;
        return eSuspended;
      case ListKind.Termination:
        return eDeleted;
      default:
        return eReady;
    }
  }

  /** Whether `t` is this kernel's, alive or deleted. */
  owns(t: unknown): boolean {
    return t instanceof Task && (t as KernelTask).kernel === this;
  }

  /** All tasks not yet freed (self-deleted ones waiting for the idle task included), in creation order. */
  tasks(): KernelTask[] {
    const out: KernelTask[] = [];
    for (const list of this.readyLists) for (const t of list.toArray()) out.push(t);
    for (const t of this.delayed.toArray()) out.push(t);
    for (const t of this.suspendedList.toArray()) out.push(t);
    for (const t of this.terminationList.toArray()) out.push(t);
    return out.sort((a, b) => a.id - b.id);
  }

  // ───────────────────────────── scheduler ─────────────────────────────

  /** vTaskStartScheduler: creates the idle task (then the timer service task) and starts. */
  startScheduler(timerTaskSetup?: (kernel: Kernel) => KernelTask | null): void {
    if (this.schedulerRunning) this.fail("vTaskStartScheduler", "the scheduler is already running");
    this.assertNotIsr("vTaskStartScheduler");
    const idle = this.allocateTask("IDLE", this.config.configMINIMAL_STACK_SIZE, 0, true);
    if (idle === null) throw new KernelError("vTaskStartScheduler: the heap cannot hold the idle task");
    idle.cont = idleContinuation;
    this.idleTask = idle;
    this.addNewTaskToReadyList(idle);
    if (timerTaskSetup !== undefined) this.timerTask = timerTaskSetup(this);
    this.schedulerRunning = true;
    if (this.traceSink !== null) this.emit("scheduler.started");
    // The first task is the one selected during creation (rule 4). It starts with the first
    // run(): until then the caller is still set-up code, not that task.
    const first = this.current!;
    if (this.traceSink !== null) this.emit("task.switchedIn", first.name, undefined, first.priority);
    this.exec = EXEC_PAUSED;
  }

  isSchedulerRunning(): boolean {
    return this.schedulerRunning;
  }

  /** xTaskGetSchedulerState */
  getSchedulerState(): number {
    if (!this.schedulerRunning) return taskSCHEDULER_NOT_STARTED;
    return this.schedulerSuspended > 0 ? taskSCHEDULER_SUSPENDED : taskSCHEDULER_RUNNING;
  }

  /** vTaskSuspendAll */
  suspendAll(): void {
    this.assertNotIsr("vTaskSuspendAll");
    this.schedulerSuspended++;
    if (this.traceSink !== null) this.emit("scheduler.suspended", this.current?.name, undefined, this.schedulerSuspended);
  }

  /** xTaskResumeAll (rule 16): pdTRUE when it yielded. */
  resumeAll(): Promise<number> {
    const call = "xTaskResumeAll";
    this.assertNotIsr(call);
    if (this.schedulerSuspended === 0) this.fail(call, "the scheduler is not suspended (unbalanced vTaskSuspendAll/xTaskResumeAll)");
    this.schedulerSuspended--;
    if (this.traceSink !== null) this.emit("scheduler.resumed", this.current?.name, undefined, this.schedulerSuspended);
    if (this.schedulerSuspended > 0 || this.current === null) return settled(pdFALSE);
    this.drainPendingReady();
    if (this.criticalNesting === 0) this.replayPendedTicks();
    if (this.yieldPending && this.config.configUSE_PREEMPTION === 1 && this.exec === EXEC_TASK && this.criticalNesting === 0)
      return this.yieldWith(pdTRUE);
    return settled(pdFALSE);
  }

  private drainPendingReady(): void {
    const cur = this.current!;
    for (;;) {
      const t = this.pendingReadyList.head();
      if (t === null) break;
      this.pendingReadyList.remove(t);
      this.removeState(t);
      this.addToReadyList(t);
      if (t.priority > cur.priority) this.yieldPending = true;
    }
  }

  private replayPendedTicks(): void {
    // xPendedTicks stays non-zero during the replay, so the tick hook does not run again (rule 11).
    for (let n = this.pendedTicks; n > 0; n--) {
      if (this.incrementTick()) this.yieldPending = true;
    }
    this.pendedTicks = 0;
  }

  /**
   * xTaskCatchUpTicks: adds ticks the application knows were missed (interrupts held off too
   * long) to the tick count, processing them as xTaskResumeAll does; pdTRUE when that yielded.
   * Virtual time does not move: only the tick count catches up.
   */
  catchUpTicks(ticks: number): Promise<number> {
    const call = "xTaskCatchUpTicks";
    this.assertNotIsr(call);
    ticks = this.checkTicks(call, ticks, "xTicksToCatchUp");
    if (this.schedulerSuspended > 0) this.fail(call, "the scheduler is suspended");
    this.schedulerSuspended++;
    this.pendedTicks += ticks;
    return this.resumeAll();
  }

  /** taskENTER_CRITICAL: masks the tick and interrupts up to configMAX_SYSCALL_INTERRUPT_PRIORITY. */
  enterCritical(): void {
    this.assertNotIsr("taskENTER_CRITICAL");
    this.criticalNesting++;
  }

  /** taskEXIT_CRITICAL: at nesting 0, pended ticks are processed and a pending yield is taken. */
  exitCritical(): Promise<number> {
    const call = "taskEXIT_CRITICAL";
    this.assertNotIsr(call);
    if (this.criticalNesting === 0) this.fail(call, "not inside a critical section (unbalanced taskENTER_CRITICAL/taskEXIT_CRITICAL)");
    this.criticalNesting--;
    if (this.criticalNesting > 0) return settled(0);
    this.serviceInterrupts(); // interrupts masked by the critical section run now
    if (this.schedulerSuspended === 0) this.replayPendedTicks();
    return this.result(0, false);
  }

  /**
   * xTaskIncrementTick (rules 7, 8): advances the tick count, readies every task due, and says
   * whether a context switch is required. The scheduler must not be suspended.
   */
  private incrementTick(): boolean {
    const tick = ++this.tickAbs;
    if (++this.tickCount === this.tickModulus) {
      this.tickCount = 0;
      this.overflows++;
    }
    const cur = this.current!;
    const preemption = this.config.configUSE_PREEMPTION === 1;
    let switchRequired = false;
    if (tick >= this.nextUnblockTick) {
      for (;;) {
        const wake = this.delayed.nextWake();
        if (wake > tick) {
          this.nextUnblockTick = wake;
          break;
        }
        const t = this.delayed.headOfNext();
        this.delayed.remove(t.stateItem);
        if (t.eList !== null) t.eList.remove(t);
        t.blockedOn = null;
        this.addToReadyList(t);
        if (preemption && t.priority > cur.priority) switchRequired = true;
      }
    }
    if (preemption && this.config.configUSE_TIME_SLICING === 1 && this.readyLists[cur.priority]!.length > 1) switchRequired = true;
    if (this.pendedTicks === 0) this.callTickHook();
    if (preemption && this.yieldPending) switchRequired = true;
    return switchRequired;
  }

  private callTickHook(): void {
    const hook = this.config.vApplicationTickHook;
    if (hook === null) return;
    const saved = this.exec;
    const savedName = this.isrName;
    this.exec = EXEC_ISR;
    this.isrName = "tick hook";
    try {
      hook();
    } catch (error) {
      this.isrFaulted(error, "tick hook", -1);
    } finally {
      this.exec = saved;
      this.isrName = savedName;
    }
  }

  /** prvCheckTasksWaitingTermination: the idle task frees self-deleted tasks (rule 20). */
  cleanUpTerminated(): void {
    while (this.deletedTasksWaitingCleanUp > 0) {
      const t = this.terminationList.head()!;
      this.terminationList.remove(t.stateItem);
      this.numberOfTasks--;
      this.deletedTasksWaitingCleanUp--;
      this.freeTask(t);
    }
  }

  // ───────────────────────────── dispatch and time ─────────────────────────────

  /**
   * Runs the current task: its pending continuation first (which may block it again, switch to
   * another task, or consume virtual time), then resumes its own code by settling its promise.
   * Returns when a task's code has been resumed or the kernel paused.
   */
  dispatch(): void {
    for (;;) {
      if (this.stopRequested) {
        this.pause(this.hasFault ? "target" : "stopped");
        return;
      }
      const t = this.current!;
      const cont = t.cont;
      if (cont === null) {
        if ((++this.workCounter & 0xfff) === 0 && this.runActive && wallNow() > this.hostDeadline) {
          this.yieldToHost();
          return;
        }
        const resolve = t.resolve;
        if (resolve === null) this.notWaiting(t);
        t.resolve = null;
        this.exec = EXEC_TASK;
        const value = t.resumeValue;
        resolve(value instanceof ResumeWithError ? Promise.reject(value.error) : value);
        return;
      }
      t.cont = null;
      this.exec = EXEC_KERNEL;
      cont(this, t);
      const exec = this.exec as number;
      if (exec === EXEC_PAUSED || exec === EXEC_HOST_YIELD || exec === EXEC_EXTERNAL_WAIT || exec === EXEC_REALTIME_WAIT) return;
    }
  }

  private notWaiting(t: KernelTask): never {
    throw new KernelError(`task "${t.name}" was switched in but is not waiting in a kernel call`);
  }

  /** busy(ticks): the running task consumes CPU time; preemptible by ticks (time slicing) and interrupts. */
  busy(ticks: number): Promise<number> {
    const call = "busy";
    this.assertNotIsr(call);
    if (typeof ticks !== "number" || !(ticks >= 0) || !Number.isFinite(ticks))
      throw new RangeError(`${call}: ticks must be a non-negative finite number (fractions allowed), got ${String(ticks)}`);
    if (this.exec !== EXEC_TASK) throw new KernelError(`busy(${ticks}) called from ${this.callerDescription()}: only a task can consume CPU time`);
    if (ticks === 0) return settled(0);
    const t = this.current!;
    t.busyRemaining = ticks;
    t.cont = busyContinuation;
    const p = this.suspendCaller();
    this.dispatch();
    return p;
  }

  /**
   * Advances virtual time while `t` (the current task) runs, by at most t.busyRemaining ticks
   * (Infinity for the idle task). Processes ticks as they fall due, jumping over ticks in which
   * nothing can happen. Returns CONSUME_DONE when the budget is spent, CONSUME_SWITCHED after a
   * preemption (t keeps its continuation), CONSUME_PAUSED when the run ended or paused.
   */
  consume(t: KernelTask, isIdle: boolean): number {
    const preemption = this.config.configUSE_PREEMPTION === 1;
    for (;;) {
      if (this.pendSV && this.schedulerSuspended === 0 && this.criticalNesting === 0) {
        this.switchContext();
        return CONSUME_SWITCHED;
      }
      // The idle task yields whenever it may (prvIdleTask): to any ready task without
      // preemption, to other priority-0 tasks with configIDLE_SHOULD_YIELD.
      if (isIdle && (preemption ? this.config.configIDLE_SHOULD_YIELD === 1 && this.readyLists[0]!.length > 1 : this.readyLists[0]!.length > 1 || this.topReadyPriority() > 0)) {
        this.switchContext();
        return CONSUME_SWITCHED;
      }
      if (this.stopRequested) {
        this.pause(this.hasFault ? "target" : "stopped");
        return CONSUME_PAUSED;
      }
      if (this.rings.length > 0 && this.pollRings()) continue;
      if (!isIdle && t.busyRemaining <= 0) {
        t.busyRemaining = 0;
        return CONSUME_DONE;
      }
      if (this.irqs.scheduledCount > 0) {
        const line = this.irqs.popDue(this.timeTick, this.timeFrac);
        if (line !== null) {
          this.irqs.pend(line);
          this.serviceInterrupts();
          continue;
        }
      }
      if (isIdle && this.externalsPending > 0) {
        this.exec = EXEC_EXTERNAL_WAIT;
        return CONSUME_PAUSED;
      }
      if (this.timeTick >= this.runTarget) {
        if (this.runActive || this.exec !== EXEC_PAUSED) this.pause("target");
        return CONSUME_PAUSED;
      }
      if ((++this.workCounter & 0xfff) === 0 && this.runActive && wallNow() > this.hostDeadline) {
        this.yieldToHost();
        return CONSUME_PAUSED;
      }
      const toBoundary = 1 - this.timeFrac;
      if (this.irqs.nextTick() === this.timeTick) {
        // An interrupt falls inside this tick: run up to it (or finish the busy work first).
        const delta = this.irqs.nextFrac() - this.timeFrac;
        if (this.realtime && this.realtimeWaitUntil(this.timeTick + this.timeFrac + (!isIdle && t.busyRemaining < delta ? t.busyRemaining : delta))) return CONSUME_PAUSED;
        if (!isIdle && t.busyRemaining < delta) {
          this.timeFrac += t.busyRemaining;
          t.runTimeTicks += t.busyRemaining;
          t.busyRemaining = 0;
          return CONSUME_DONE;
        }
        this.timeFrac += delta;
        t.runTimeTicks += delta;
        if (!isIdle) t.busyRemaining -= delta;
        continue;
      }
      if (!isIdle && t.busyRemaining < toBoundary) {
        if (this.realtime && this.realtimeWaitUntil(this.timeTick + this.timeFrac + t.busyRemaining)) return CONSUME_PAUSED;
        this.timeFrac += t.busyRemaining;
        t.runTimeTicks += t.busyRemaining;
        t.busyRemaining = 0;
        return CONSUME_DONE;
      }
      // Jump over whole ticks in which nothing can happen.
      if (this.timeFrac === 0) {
        const pended = this.schedulerSuspended > 0 || this.criticalNesting > 0;
        const everyTick =
          this.config.vApplicationTickHook !== null ||
          (!pended && preemption && this.config.configUSE_TIME_SLICING === 1 && this.readyLists[t.priority]!.length > 1);
        if (!everyTick) {
          let limit = Math.min(this.runTarget, this.irqs.nextTick()); // the run pauses at its target tick
          if (!pended) {
            const wake = this.delayed.nextWake(); // in tick-count terms
            if (wake !== Infinity) limit = Math.min(limit, this.timeTick + (wake - this.tickAbs));
          }
          if (!isIdle) limit = Math.min(limit, this.timeTick + Math.floor(t.busyRemaining));
          if (limit !== Infinity && this.realtime) limit = Math.min(limit, Math.floor(this.wallTicks()) + 1);
          if (limit === Infinity) {
            if (this.realtime && this.rings.length > 0) {
              // Only an interrupt from another thread can wake anything: wait for one.
              this.realtimeWaitUntil(Infinity);
              return CONSUME_PAUSED;
            }
            // Nothing will ever happen: the system is stalled (every task blocked for good).
            this.pause("stalled");
            return CONSUME_PAUSED;
          }
          const skip = limit - 1 - this.timeTick;
          if (skip > 0) {
            this.timeTick += skip;
            t.runTimeTicks += skip;
            if (!isIdle) t.busyRemaining -= skip;
            if (pended) this.pendedTicks += skip;
            else {
              this.tickAbs += skip;
              this.syncTickCount();
            }
            continue;
          }
        }
      }
      // Cross the next tick boundary and run the tick interrupt.
      if (this.realtime && this.realtimeWaitUntil(this.timeTick + 1)) return CONSUME_PAUSED;
      this.timeTick++;
      this.timeFrac = 0;
      t.runTimeTicks += toBoundary;
      if (!isIdle) t.busyRemaining -= toBoundary;
      if (this.schedulerSuspended > 0 || this.criticalNesting > 0) {
        this.pendedTicks++;
        if (this.schedulerSuspended > 0) this.callTickHook();
        continue;
      }
      if (this.incrementTick()) {
        this.switchContext();
        return CONSUME_SWITCHED;
      }
    }
  }

  /** Ends the current run (or records the pause when no run is active). */
  private pause(outcome: RunOutcome): void {
    this.exec = EXEC_PAUSED;
    this.stopRequested = false;
    if (this.realtimeTimer !== null) {
      clearTimeout(this.realtimeTimer);
      this.realtimeTimer = null;
    }
    if (!this.runActive) return;
    this.runActive = false;
    if (activeKernel === this) activeKernel = null;
    const resolve = this.runResolve!;
    const reject = this.runReject!;
    this.runResolve = null;
    this.runReject = null;
    if (this.hasFault) {
      const error = this.faultError;
      this.hasFault = false;
      this.faultError = null;
      reject(error);
    } else {
      resolve(outcome);
    }
  }

  private yieldToHost(): void {
    this.exec = EXEC_HOST_YIELD;
    scheduleMacrotask(this.resumeFromHost);
  }

  private readonly resumeFromHost = (): void => {
    if (this.exec !== EXEC_HOST_YIELD) return;
    this.exec = EXEC_KERNEL;
    this.hostDeadline = wallNow() + this.config.hostYieldIntervalMs;
    this.armWatchdog();
    this.dispatch();
  };

  /**
   * A macrotask that runs once the microtask queue drains. If a task still "holds the CPU" then,
   * it awaited something that is not a kernel operation: the schedule can no longer be trusted.
   */
  private armWatchdog(): void {
    if (this.watchdogArmed) return;
    this.watchdogArmed = true;
    scheduleMacrotask(this.watchdog);
  }

  private readonly watchdog = (): void => {
    this.watchdogArmed = false;
    if (!this.runActive) return;
    if (this.exec === EXEC_TASK && this.current !== null) this.foreignAwait(this.current, "awaited");
  };

  private foreignAwait(t: KernelTask, what: "awaited" | "returned"): void {
    const message =
      what === "awaited"
        ? `task "${t.name}" awaited a promise that is not a kernel operation, so it holds the CPU while waiting on the host; ` +
          `a task may await only kernel calls: wrap outside work in external(promise)`
        : `task "${t.name}" finished while it was not the running task: it awaited a promise that is not a kernel operation; wrap outside work in external(promise)`;
    this.failSchedule(new KernelError(message));
  }

  /** The schedule can no longer be trusted: fault the kernel for good and end the run. */
  private failSchedule(error: KernelError): void {
    if (this.exec === EXEC_FAULTED) return;
    this.exec = EXEC_FAULTED;
    this.hasFault = true;
    this.faultError = error;
    if (this.runActive) {
      this.runActive = false;
      if (activeKernel === this) activeKernel = null;
      const reject = this.runReject!;
      this.runResolve = null;
      this.runReject = null;
      reject(this.faultError);
    }
  }

  /**
   * Advances virtual time by `ticks` (Infinity: until stop() or until nothing can happen),
   * running everything due. Resolves with how the run ended; rejects with the error of a task
   * that threw, or a KernelError when the simulation cannot go on.
   */
  advance(ticks: number): Promise<RunOutcome> {
    if (typeof ticks !== "number" || Number.isNaN(ticks) || ticks < 0 || (ticks !== Infinity && !Number.isInteger(ticks)))
      return Promise.reject(new RangeError(`run: ticks must be a non-negative integer (or Infinity), got ${String(ticks)}`));
    if (!this.schedulerRunning) return Promise.reject(new KernelError("run() called before vTaskStartScheduler(): start the scheduler first"));
    if (this.exec === EXEC_FAULTED) return Promise.reject(this.faultError);
    if (this.runActive) return Promise.reject(new KernelError("run() called while a run of this kernel is in progress: await the previous run first"));
    if (activeKernel !== null && activeKernel !== this)
      return Promise.reject(new KernelError("run() called while another kernel is running in this thread: kernels must be stepped one at a time"));
    if (this.hasFault) {
      const error = this.faultError;
      this.hasFault = false;
      this.faultError = null;
      this.stopRequested = false;
      return Promise.reject(error);
    }
    this.runTarget = this.timeTick + ticks;
    this.runActive = true;
    activeKernel = this;
    const p = new Promise<RunOutcome>((resolve, reject) => {
      this.runResolve = resolve;
      this.runReject = reject;
    });
    this.hostDeadline = wallNow() + this.config.hostYieldIntervalMs;
    this.armWatchdog();
    // Real time flows only while a run is in progress: virtual time now = host time now.
    if (this.realtime) this.realtimeOriginMs = wallNow() - (this.now() * 1000) / this.config.configTICK_RATE_HZ;
    if (this.exec === EXEC_PAUSED) {
      this.exec = EXEC_KERNEL;
      if (this.pendSV && this.schedulerSuspended === 0 && this.criticalNesting === 0) this.switchContext();
      this.dispatch();
    }
    return p;
  }

  /** Asks the running simulation to pause at the next opportunity (the run resolves "stopped"). */
  stop(): void {
    if (this.runActive) this.stopRequested = true;
  }

  isRunning(): boolean {
    return this.runActive;
  }

  // ───────────────────────────── runtime shim: park / unpark ─────────────────────────────

  /**
   * Blocks the running task (state Blocked, described by `reason`) until unpark() readies it;
   * resolves with the value given to unpark, or PARK_TIMED_OUT when `ticks` pass first. The
   * primitive layers above the kernel build on (the Go bridge's channels, WaitGroup, select),
   * as gopark is Go's: the same block a notification wait uses.
   */
  park(reason: string, ticks: number = this.maxDelay, waiter: ParkWaiter | null = null): Promise<unknown> {
    const call = "park";
    this.assertNotIsr(call);
    if (this.exec !== EXEC_TASK) throw new KernelError(`${reason}: a blocking operation needs a running task or goroutine; called from ${this.callerDescription()}`);
    this.assertCanBlock(reason);
    this.parkCurrent(reason, ticks, waiter);
    return this.switchAway<unknown>();
  }

  private parkCurrent(reason: string, ticks: number, waiter: ParkWaiter | null): void {
    const t = this.current!;
    t.opArg = PARKED;
    t.opObject = waiter;
    this.blockWithoutEventList(ticks >= this.maxDelay ? this.maxDelay : ticks, null, reason);
    t.resumeValue = PARK_TIMED_OUT;
  }

  /** From ParkWaiter.retry(): parks the running task again (forever) and switches away. */
  reparkCurrent(reason: string, waiter: ParkWaiter): void {
    this.parkCurrent(reason, this.maxDelay, waiter);
    this.switchContext();
  }

  /** A parked task stops waiting without an unpark: its waiter withdraws and will retry. */
  private interruptPark(t: KernelTask): void {
    if (t.opArg !== PARKED) return;
    const waiter = t.opObject as ParkWaiter | null;
    t.opArg = 0;
    t.opObject = null;
    if (waiter === null) return;
    waiter.withdraw(t);
    t.opObject = waiter;
    t.cont = retryParked;
  }

  /** Whether `t` waits in park(). */
  isParked(t: KernelTask): boolean {
    return t.opArg === PARKED && t.blockedOn !== null && t.cont === null && t.resolve !== null && this.getState(t) === eBlocked;
  }

  /**
   * Readies a parked task; its park() resolves with `value` (a ResumeWithError makes it throw).
   * Returns true when the task outranks the running one: a task-level caller then yields
   * (result()), an ISR sets its woken flag. Callable from tasks, ISRs and timer callbacks.
   */
  unpark(t: KernelTask, value: unknown): boolean {
    t.opArg = 0;
    t.opObject = null;
    t.resumeValue = value;
    return this.readyUnblocked(t);
  }

  // ───────────────────────────── real-time mode ─────────────────────────────

  /** Host time since the run's anchor, in ticks (real-time mode). */
  private wallTicks(): number {
    return ((wallNow() - this.realtimeOriginMs) * this.config.configTICK_RATE_HZ) / 1000;
  }

  /**
   * Real-time mode: true (and the kernel waits) when virtual time `targetTick` is still in the
   * host's future. The wait ends at that host time or when an interrupt ring signals.
   */
  private realtimeWaitUntil(targetTick: number): boolean {
    const aheadTicks = targetTick - this.wallTicks();
    if (aheadTicks <= 0) return false;
    if (targetTick > this.runTarget) targetTick = this.runTarget;
    this.exec = EXEC_REALTIME_WAIT;
    const ms = targetTick === Infinity ? Infinity : ((targetTick - this.wallTicks()) * 1000) / this.config.configTICK_RATE_HZ;
    // Host timers have millisecond granularity (and may fire a little early): wait whole
    // milliseconds; ticks that fall due meanwhile are caught up from the host clock on wake.
    if (this.realtimeTimer !== null) clearTimeout(this.realtimeTimer);
    this.realtimeTimer = ms !== Infinity ? setTimeout(this.resumeRealtime, Math.max(1, Math.ceil(ms))) : null;
    for (const ring of this.rings) {
      if (ring.waiting !== null) continue;
      const signalled = ring.whenSignalled();
      if (signalled === null) {
        scheduleMacrotask(this.resumeRealtime);
        continue;
      }
      ring.waiting = signalled.then(this.ringHandlers.get(ring));
    }
    return true;
  }

  private readonly resumeRealtime = (): void => {
    if (this.exec !== EXEC_REALTIME_WAIT) return;
    if (this.realtimeTimer !== null) {
      clearTimeout(this.realtimeTimer);
      this.realtimeTimer = null;
    }
    this.exec = EXEC_KERNEL;
    this.hostDeadline = wallNow() + this.config.hostYieldIntervalMs;
    this.armWatchdog();
    this.dispatch();
  };

  /**
   * Connects a ring of interrupt events written by another thread (real-time mode only). Each
   * event runs its registered interrupt's handler in ISR context, in order, once; while that
   * interrupt is masked or outranked the events wait in the ring.
   */
  attachInterruptRing(ring: InterruptRing): void {
    if (!this.realtime) throw new KernelError('attachInterruptRing: interrupts from other threads need clock: "realtime" (in virtual time they would make runs irreproducible)');
    if (ring === null || typeof ring !== "object" || typeof (ring as InterruptRing).drain !== "function") throw new TypeError("attachInterruptRing: expected an InterruptRing");
    if (this.rings.includes(ring)) return;
    this.rings.push(ring);
    // One handler per ring for its Atomics.waitAsync: forget that wait, resume if the kernel waits.
    this.ringHandlers.set(ring, () => {
      ring.waiting = null;
      this.resumeRealtime();
    });
  }

  /** Delivers what the rings hold; true when any handler ran. */
  private pollRings(): boolean {
    let delivered = 0;
    for (const ring of this.rings) if (ring.backlog !== 0 || ring.state !== 0) delivered += ring.drain(this.deliverRingEvent);
    return delivered > 0;
  }

  private readonly deliverRingEvent = (irq: number, payload: number, timestampMs: number): boolean => {
    const line = this.irqs.line(irq);
    if (line === undefined) {
      this.unroutableEvents++;
      return true;
    }
    const mask = this.criticalNesting > 0 ? this.config.configMAX_SYSCALL_INTERRUPT_PRIORITY : 0;
    if (line.pending || line.priority <= Math.max(this.isrPriority, this.isrMask, mask)) return false;
    this.eventPayload = payload;
    this.eventTimestampMs = timestampMs;
    this.irqs.pend(line);
    this.serviceInterrupts();
    return true;
  };

  /** In a handler run for a ring event: the event's payload. */
  interruptPayload(): number {
    return this.eventPayload;
  }

  /** In a handler run for a ring event: when the producer posted it (sharedClockMs()). */
  interruptTimestampMs(): number {
    return this.eventTimestampMs;
  }

  // ───────────────────────────── external promises ─────────────────────────────

  /**
   * Blocks the running task until `promise` settles (outside work: I/O, a host timer). Virtual
   * time does not advance while the system is otherwise idle and an external promise is pending.
   */
  external<T>(promise: PromiseLike<T>): Promise<T> {
    const call = "external";
    this.assertNotIsr(call);
    if (promise === null || (typeof promise !== "object" && typeof promise !== "function") || typeof (promise as PromiseLike<T>).then !== "function")
      throw new TypeError(`${call}: expected a promise, got ${promise === null ? "null" : typeof promise}`);
    if (this.exec !== EXEC_TASK) return Promise.resolve(promise);
    this.assertCanBlock(call);
    const t = this.current!;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    this.externalsPending++;
    this.removeState(t);
    this.suspendedList.insertEnd(t.stateItem);
    t.blockedOn = "external";
    t.cont = null;
    t.resumeValue = 0;
    if (this.traceSink !== null) this.emit("task.blocked", t.name, "external", -1);
    const settle = (): void => {
      this.externalsPending--;
      if (t.deleted || t.stateItem.container !== this.suspendedList || t.blockedOn !== "external") return;
      this.suspendedList.remove(t.stateItem);
      t.blockedOn = null;
      this.wakeFromOutside(t);
    };
    Promise.resolve(promise).then(
      (v) => {
        value = v;
        settle();
      },
      (e: unknown) => {
        error = e;
        failed = true;
        settle();
      },
    );
    return this.switchAway<unknown>().then(() => {
      if (failed) throw error;
      return value as T;
    });
  }

  /** Readies a task from host code (an external settled) and resumes the kernel if it waits. */
  private wakeFromOutside(t: KernelTask): void {
    if (this.schedulerSuspended > 0) this.pendingReadyList.insertEnd(t);
    else this.addToReadyList(t);
    if (this.current !== null && t.priority > this.current.priority) this.requestSwitch();
    if (this.exec === EXEC_EXTERNAL_WAIT) {
      // The idle task was waiting for the outside world: let the scheduler pick again.
      this.exec = EXEC_KERNEL;
      this.hostDeadline = wallNow() + this.config.hostYieldIntervalMs;
      if (this.runActive) this.armWatchdog();
      this.switchContext();
      this.dispatch();
    }
  }

  // ───────────────────────────── interrupts ─────────────────────────────

  /**
   * Registers `handler` for interrupt `irq` at `priority` (1-15, higher preempts lower). ISRs at
   * or below configMAX_SYSCALL_INTERRUPT_PRIORITY may call FromISR functions and are masked by
   * critical sections; ISRs above it are never masked and may not call the kernel. An irq that
   * has a handler throws KernelAssertError: unregisterInterrupt(irq) first to replace it.
   */
  registerInterrupt(irq: number, priority: number, handler: InterruptHandler, name?: string): void {
    const call = "registerInterrupt";
    if (typeof irq !== "number" || !Number.isInteger(irq) || irq < 0) throw new RangeError(`${call}: irq must be a non-negative integer, got ${String(irq)}`);
    if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 1 || priority > 15)
      throw new RangeError(`${call}(${irq}): interrupt priority must be an integer in [1, 15], got ${String(priority)}`);
    if (typeof handler !== "function") throw new TypeError(`${call}(${irq}): handler must be a function, got ${typeof handler}`);
    if (name !== undefined && typeof name !== "string") throw new TypeError(`${call}(${irq}): name must be a string`);
    const existing = this.irqs.line(irq);
    if (existing !== undefined) this.fail(`${call}(${irq})`, `irq ${irq} already has the handler "${existing.name}"; call unregisterInterrupt(${irq}) first to replace it`);
    this.irqs.register(irq, priority, handler, name ?? `IRQ${irq}`);
  }

  /**
   * Removes the handler of interrupt `irq`, with its pending request and its scheduled triggers
   * (events for it from an interrupt ring are then counted as unroutable).
   */
  unregisterInterrupt(irq: number): void {
    if (this.irqs.unregister(irq) === undefined) throw new RangeError(`unregisterInterrupt: interrupt ${String(irq)} is not registered`);
  }

  /**
   * Raises interrupt `irq` now (it runs at once unless masked or outranked, then when allowed),
   * or at absolute virtual time `atTick` (ticks since the kernel was created; fractions allowed).
   */
  triggerInterrupt(irq: number, atTick?: number): void {
    const call = "triggerInterrupt";
    const line = this.irqs.line(irq);
    if (line === undefined) throw new RangeError(`${call}: interrupt ${String(irq)} is not registered (registerInterrupt first)`);
    if (atTick !== undefined) {
      if (typeof atTick !== "number" || !Number.isFinite(atTick)) throw new RangeError(`${call}(${irq}): atTick must be a finite number of ticks, got ${String(atTick)}`);
      const now = this.timeTick + this.timeFrac;
      if (atTick < now) throw new RangeError(`${call}(${irq}): atTick ${atTick} is in the past (virtual time is ${now})`);
      const tick = Math.floor(atTick);
      if (tick > this.timeTick || atTick - tick > this.timeFrac) {
        this.irqs.schedule(line, tick, atTick - tick);
        return;
      }
    }
    this.irqs.pend(line);
    this.serviceInterrupts();
  }

  /** Runs every pending interrupt that the current level allows, highest first (nesting, tail-chaining). */
  private serviceInterrupts(): void {
    if (this.irqs.pendingCount === 0) return;
    for (;;) {
      const mask = this.criticalNesting > 0 ? this.config.configMAX_SYSCALL_INTERRUPT_PRIORITY : 0;
      const level = Math.max(this.isrPriority, this.isrMask, mask);
      const line = this.irqs.highestPendingAbove(level);
      if (line === null) return;
      this.irqs.take(line);
      this.runIsr(line);
    }
  }

  private runIsr(line: InterruptLine): void {
    const savedExec = this.exec;
    const savedName = this.isrName;
    const savedPriority = this.isrPriority;
    const savedMask = this.isrMask;
    this.exec = EXEC_ISR;
    this.isrName = line.name;
    this.isrPriority = line.priority;
    this.isrMask = 0;
    if (this.traceSink !== null) this.emit("isr.enter", undefined, line.name, line.priority);
    try {
      line.handler();
    } catch (error) {
      this.isrFaulted(error, line.name, line.irq);
    } finally {
      this.exec = savedExec;
      this.isrName = savedName;
      this.isrPriority = savedPriority;
      this.isrMask = savedMask;
      if (this.traceSink !== null) this.emit("isr.exit", undefined, line.name, line.priority);
    }
  }

  /**
   * An interrupt handler (or the tick hook, irq -1) threw: the error ends the run, named with the
   * interrupt and the tick count (`isrName`, `irq`, `tick`, and in the message of an Error).
   */
  private isrFaulted(error: unknown, name: string, irq: number): void {
    const tick = this.tickCount;
    if (error instanceof Error && Object.isExtensible(error) && !("isrName" in error)) {
      const where = irq < 0 ? `the ${name}` : `ISR "${name}" (irq ${irq})`;
      error.message = `${error.message} [thrown by ${where} at tick ${tick}]`;
    }
    annotate(error, "isrName", name);
    annotate(error, "irq", irq);
    annotate(error, "tick", tick);
    this.recordFault(error);
  }

  /** portYIELD_FROM_ISR / portEND_SWITCHING_ISR: requests a context switch when the ISR returns. */
  yieldFromIsr(woken: number | boolean | Ref<number> | null | undefined): void {
    const value = woken !== null && typeof woken === "object" ? woken.value : woken;
    if (value) this.requestSwitch();
  }

  /** Asserts a FromISR call is allowed here: not from an ISR above configMAX_SYSCALL_INTERRUPT_PRIORITY. */
  checkFromIsr(call: string): void {
    if (this.exec === EXEC_ISR && this.isrPriority > this.config.configMAX_SYSCALL_INTERRUPT_PRIORITY)
      this.fail(call, `interrupt priority ${this.isrPriority} is above configMAX_SYSCALL_INTERRUPT_PRIORITY (${this.config.configMAX_SYSCALL_INTERRUPT_PRIORITY}): such an ISR may not call the kernel`);
  }

  /** taskENTER_CRITICAL_FROM_ISR: masks interrupts up to configMAX_SYSCALL_INTERRUPT_PRIORITY; returns the previous mask. */
  enterCriticalFromIsr(): number {
    this.checkFromIsr("taskENTER_CRITICAL_FROM_ISR");
    const saved = this.isrMask;
    this.isrMask = this.config.configMAX_SYSCALL_INTERRUPT_PRIORITY;
    return saved;
  }

  /** taskEXIT_CRITICAL_FROM_ISR: restores the mask; interrupts it held back run now. */
  exitCriticalFromIsr(savedMask: number): void {
    if (typeof savedMask !== "number" || !Number.isInteger(savedMask) || savedMask < 0 || savedMask > 15)
      throw new RangeError(`taskEXIT_CRITICAL_FROM_ISR: expected the value taskENTER_CRITICAL_FROM_ISR returned, got ${String(savedMask)}`);
    this.isrMask = savedMask;
    this.serviceInterrupts();
  }

  /** Counters of every interrupt line: handler runs, overruns (merged triggers), pending. */
  interruptStats(): InterruptStats[] {
    return this.irqs.stats();
  }

  // ───────────────────────────── introspection ─────────────────────────────

  /** Modelled stack high-water mark in words (see CONTEXT_FRAME_WORDS): stack never used. */
  stackHighWaterMark(t: KernelTask): number {
    return t.stackDepth - CONTEXT_FRAME_WORDS;
  }

  /** uxTaskGetSystemState */
  systemState(): TaskStatus[] {
    const usPerTick = 1_000_000 / this.config.configTICK_RATE_HZ;
    return this.tasks()
      .filter((t) => t.stateItem.container !== this.terminationList)
      .map((t) => ({
        handle: t,
        name: t.name,
        taskNumber: t.id,
        state: this.getState(t),
        currentPriority: t.priority,
        basePriority: t.basePriority,
        runTimeCounter: Math.floor(t.runTimeTicks * usPerTick),
        stackHighWaterMark: this.stackHighWaterMark(t),
      }));
  }

  /** Total virtual run time in microseconds (the denominator of vTaskGetRunTimeStats). */
  totalRunTimeUs(): number {
    return Math.floor(this.now() * (1_000_000 / this.config.configTICK_RATE_HZ));
  }

  /** What a blocked task waits on, for deadlock reports and task tables. */
  describeWait(t: KernelTask): string {
    return t.blockedOn ?? taskStateNames[this.getState(t)];
  }

  /** Every live task but the idle task, in creation order: its state and what it waits on. */
  waits(): TaskWait[] {
    const out: TaskWait[] = [];
    for (const t of this.tasks()) {
      if (t.isIdle) continue;
      const state = this.getState(t);
      if (state === eDeleted) continue;
      const blocked = state === eBlocked;
      const item = t.stateItem;
      const timed = blocked && item.container !== null && item.container.kind === ListKind.Delayed;
      out.push({
        task: t.name,
        priority: t.priority,
        state: taskStateNames[state],
        waitsOn: blocked ? (t.blockedOn ?? (t.waitingForNotification() ? "notification" : null)) : null,
        timeoutTick: timed ? (this.tickModulus === Infinity ? item.value : item.value % this.tickModulus) : null,
      });
    }
    return out;
  }

  /**
   * The tasks that cannot run (Blocked or Suspended), one line each, e.g.
   * `task "consumer" (priority 2) is Blocked on queue#3 forever`: why a run stalled.
   */
  describeBlocked(): string {
    const lines: string[] = [];
    for (const w of this.waits()) {
      if (w.state !== "Blocked" && w.state !== "Suspended") continue;
      let line = `task "${w.task}" (priority ${w.priority}) is ${w.state}`;
      if (w.state === "Blocked") line += ` on ${w.waitsOn ?? "?"} ${w.timeoutTick === null ? "forever" : `until tick ${w.timeoutTick}`}`;
      lines.push(line);
    }
    return lines.length === 0 ? "no task is blocked or suspended" : lines.join("\n");
  }

  /** A fresh object number for default object names. */
  nextObjectNumber(): number {
    return ++this.objectNumber;
  }
}

/** Sets a non-enumerable property on a thrown object (messages and comparisons stay unchanged); primitives stay as they are. */
function annotate(error: unknown, key: string, value: unknown): void {
  if (error !== null && typeof error === "object" && Object.isExtensible(error) && !(key in error))
    Object.defineProperty(error, key, { value, enumerable: false, configurable: true, writable: true });
}

/** The idle task's work (rule 21): free deleted tasks, yield to other priority-0 tasks, run the hook, let time pass. */
function idleContinuation(k: Kernel, t: KernelTask): void {
  t.cont = idleContinuation;
  k.cleanUpTerminated();
  if (k.config.configUSE_PREEMPTION === 1 && k.config.configIDLE_SHOULD_YIELD === 1 && k.readyCountAt(0) > 1) {
    k.switchContext();
    return;
  }
  const hook = k.config.vApplicationIdleHook;
  if (hook !== null) hook();
  k.consume(t, true);
}

/** A parked task that was suspended or aborted runs again: its waiter re-checks the operation. */
function retryParked(k: Kernel, t: KernelTask): void {
  const waiter = t.opObject as ParkWaiter;
  t.opObject = null;
  waiter.retry(k, t);
}

/** A task in busy(): consume its remaining CPU time, then return to its code. */
function busyContinuation(k: Kernel, t: KernelTask): void {
  t.cont = busyContinuation;
  if (k.consume(t, false) === CONSUME_DONE) {
    t.cont = null;
    t.resumeValue = 0;
  }
}

export { pdPASS, pdFAIL, pdTRUE, pdFALSE, eRunning, eReady, eBlocked, eSuspended, eDeleted };
