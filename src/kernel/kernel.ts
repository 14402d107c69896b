/**
 * The kernel's core (FreeRTOS's tasks.c, hot part): the scheduler state, ready lists, context
 * switch, dispatch of continuations, virtual time and run control. The rest of tasks.c lives in
 * free functions over the kernel, by concern: task lifecycle (task-control.ts), blocking beyond
 * the hot path and priority inheritance (blocking.ts), the tick and critical sections (tick.ts),
 * interrupt dispatch and real-time mode (isr.ts), and the park shim (park.ts).
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
  taskSCHEDULER_NOT_STARTED,
  taskSCHEDULER_RUNNING,
  taskSCHEDULER_SUSPENDED,
  type TaskState,
} from "./constants.js";
import { TimeQueue } from "./time-queue.js";
import { enqueueMicrotask, Exec, scheduleMacrotask, settled, settledValue, wallNow } from "./exec.js";
import { genCall, genLane, type KernelCall } from "./lane.js";
import { KernelAssertError, KernelError } from "./errors.js";
import { Heap4 } from "./heap.js";
import { kernelStaticLayout, staticBufferCount } from "./static.js";
import { checkInteger, describeValue, wrongType } from "./check.js";
import { InterruptController, type InterruptHandler, type InterruptStats } from "./interrupts.js";
import type { InterruptRing } from "./interrupt-ring.js";
import { EventList, List, ListKind } from "./list.js";
import { Prng } from "./prng.js";
import { Task, type Continuation } from "./task.js";
import type { TraceEvent, TraceKind, TraceSink } from "./trace.js";
import type { KernelMemory, KernelPort, RunTimeClock } from "./port.js";
import { pollRings, realtimeWaitUntil, serviceInterrupts, wallTicks } from "./isr.js";
import { ResumeWithError } from "./park.js";
import { foreignCompletion, startTask, stopFaultedTask, taskFaulted, taskReturned } from "./task-control.js";
import { callTickHook, incrementTick } from "./tick.js";
import { checkStackOverflow, stackHighWaterMarkWords } from "./stack.js";

/** Generator.prototype.next and throw (task generators are native: see createTask and startTask). */
const generatorPrototype = Object.getPrototypeOf(function* () {}).prototype as Generator<unknown, unknown, unknown>;
const generatorNext = generatorPrototype.next as (this: Generator<unknown, unknown, unknown>) => IteratorResult<unknown, unknown>;
const generatorThrow = generatorPrototype.throw as (this: Generator<unknown, unknown, unknown>, error: unknown) => IteratorResult<unknown, unknown>;

/** eTaskState values by name, as vTaskList and the wait reports print them. */
const taskStateNames = ["Running", "Ready", "Blocked", "Suspended", "Deleted", "Invalid"] as const;

/** An out-parameter, as C's pointer arguments (`pxHigherPriorityTaskWoken`, `pxPreviousWakeTime`). */
export interface Ref<T> {
  value: T;
}

/**
 * A task's function: receives the `params` of xTaskCreate. Returning deletes the task. An async
 * function awaits its kernel calls; a generator function (`function*`) runs in the generator
 * lane and `yield*`s them.
 */
export type TaskFunction<P = unknown> = (params: P) => Promise<unknown> | Generator<unknown, unknown, unknown> | unknown;

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
  /** Virtual CPU time the task has used, in microseconds (in CPU cycles on a board created with `runTimeCounter: "cycles"`). */
  runTimeCounter: number;
  /** Words of stack never used, in the stack model of stackHighWaterMark(). */
  stackHighWaterMark: number;
  /**
   * Times the scheduler switched this task in while another task had been running: its wake-ups
   * (a tinyrtos addition, not in FreeRTOS's TaskStatus_t). A decision that keeps the running task
   * (a tick with no other task ready at its priority) does not count.
   */
  switchInCount: number;
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

// consume() results.
const CONSUME_DONE = 0;
const CONSUME_SWITCHED = 1;
const CONSUME_PAUSED = 2;

/** The kernel whose run() is in progress; only one may run at any instant. */
let activeKernel: Kernel | null = null;

/** The kernel currently running, or null between runs (the Go layer finds "its" kernel here). */
export function runningKernel(): Kernel | null {
  return activeKernel;
}

export class Kernel {
  readonly config: KernelConfig;
  readonly prng: Prng;
  /** The kernel heap (heap_4 over configTOTAL_HEAP_SIZE; at the board's heap region on a board). @internal */
  heap: Heap4;
  /** portMAX_DELAY of this kernel's tick width; a timeout at or above it waits forever. */
  readonly maxDelay: number;
  readonly maxPriorities: number;
  /** @internal */
  readonly tickModulus: number;

  // Scheduler state (pxCurrentTCB, pxReadyTasksLists, uxTopReadyPriority, ...).
  /** @internal */
  current: KernelTask | null = null;
  /** @internal */
  readonly readyLists: List<KernelTask>[];
  /** @internal */
  private readonly readyBits: Uint32Array;
  /** @internal */
  readonly delayed = new TimeQueue<KernelTask>();
  /** @internal */
  readonly suspendedList = new List<KernelTask>(ListKind.Suspended);
  /** @internal */
  readonly pendingReadyList = new EventList<KernelTask>(ListKind.PendingReady);
  /** @internal */
  readonly terminationList = new List<KernelTask>(ListKind.Termination);
  /** @internal */
  nextUnblockTick = Infinity;
  /** @internal */
  schedulerRunning = false;
  /** @internal */
  schedulerSuspended = 0;
  /** xYieldPending: a switch is due at the next tick or xTaskResumeAll. @internal */
  yieldPending = false;
  /** A switch was requested (portYIELD_FROM_ISR, a yield masked by a critical section): taken at the first chance. @internal */
  pendSV = false;
  /** @internal */
  pendedTicks = 0;
  /** @internal */
  criticalNesting = 0;
  /** @internal */
  numberOfTasks = 0;
  /** @internal */
  deletedTasksWaitingCleanUp = 0;
  /** @internal */
  taskNumber = 0;
  /** @internal */
  idleTask: KernelTask | null = null;
  /** @internal */
  timerTask: KernelTask | null = null;
  /** Name of the ISR running (for error messages), or null. @internal */
  isrName: string | null = null;
  /** @internal */
  readonly irqs = new InterruptController();
  /** Priority of the running ISR (0: no ISR). @internal */
  isrPriority = 0;
  /** BASEPRI inside an ISR (taskENTER_CRITICAL_FROM_ISR); 0 when unmasked. @internal */
  isrMask = 0;

  // Time. tickAbs is xTickCount without wrapping; virtual time is timeTick + timeFrac.
  // They differ only while ticks are pended (scheduler suspended or in a critical section).
  /** @internal */
  tickAbs = 0;
  /** tickAbs wrapped to the tick width, and the number of wraps (xTickCount, xNumOfOverflows). @internal */
  tickCount = 0;
  /** xNumOfOverflows. @internal */
  overflows = 0;
  /** @internal */
  private timeTick = 0;
  /** @internal */
  private timeFrac = 0;

  // Execution and run control.
  /** @internal */
  exec = Exec.Setup;
  /** @internal */
  runTarget = 0;
  /** @internal Whether this run ends "stalled" before its target when nothing can ever happen. */
  private endOnStall = false;
  /** @internal */
  runActive = false;
  /** @internal */
  private runResolve: ((outcome: RunOutcome) => void) | null = null;
  /** @internal */
  private runReject: ((error: unknown) => void) | null = null;
  /** @internal */
  private stopRequested = false;
  /** @internal */
  private faultError: unknown = null;
  /** @internal */
  private hasFault = false;
  /** @internal */
  externalsPending = 0;
  /** @internal */
  private watchdogArmed = false;
  /** @internal */
  private workCounter = 0;
  /** @internal */
  hostDeadline = 0;

  // Context-switch machinery: one shared executor, no closure per switch.
  /** @internal */
  private readonly executor = (resolve: (value: unknown) => void): void => {
    this.current!.resolve = resolve;
  };
  /**
   * A task that has not started yet "waits" on this instead of a promise: its first switch-in
   * queues it here and starts its function in a microtask (a promise per task would cost two
   * allocations and a reaction more for every goroutine).
   * @internal
   */
  private readonly startQueue: KernelTask[] = [];
  /** @internal */
  readonly startOnSwitchIn = (task: unknown): void => {
    this.startQueue.push(task as KernelTask);
    enqueueMicrotask(this.startNext);
  };
  /** @internal */
  private readonly startNext = (): void => {
    startTask(this, this.startQueue.shift()!);
  };

  // Real-time mode: virtual time follows the host clock (re-anchored at each run() start).
  /** @internal */
  private readonly realtime: boolean;
  /** @internal */
  realtimeOriginMs = 0;
  /** @internal */
  realtimeTimer: ReturnType<typeof setTimeout> | null = null;
  /** @internal */
  readonly rings: InterruptRing[] = [];
  /** @internal */
  readonly ringHandlers = new Map<InterruptRing, () => void>();
  /** @internal */
  private eventPayload = 0;
  /** @internal */
  private eventTimestampMs = 0;
  /** Events from rings whose interrupt is not registered (dropped, counted). */
  unroutableEvents = 0;

  /** @internal */
  traceSink: TraceSink | null = null;
  /** @internal The board's port hooks (MPU, cycle model); null off a board. */
  port: KernelPort | null = null;
  /** @internal The board's run-time counter (cycles) for run-time stats; null = microseconds of virtual time. */
  runTimeClock: RunTimeClock | null = null;
  // ── Memory (issue 12, heap helper) ──
  /** @internal The board RAM the heap lives in; null off a board. */
  memory: KernelMemory | null = null;
  /** @internal True when dynamic creation may be refused (configSUPPORT_DYNAMIC_ALLOCATION 0, or heapAfterStart false): one flag test on creation paths. */
  readonly dynamicGuard: boolean;
  /** @internal The first kernel allocation that failed before the scheduler ran (a board's "does not fit" error), or null. */
  startupAllocationFailure: { what: string; sizeBytes: number } | null = null;
  /** @internal Address of the kernel's own static memory (idle and timer tasks, timer queue; see static.ts); -1 until reserved. */
  private kernelStaticAddress = -1;
  /** The generator task whose code runs now (the dispatch loop's or a driver's next()), for misuse reports. @internal */
  genTask: KernelTask | null = null;
  /** Bumped on every context-switch decision; lets tests and tools count switches cheaply. */
  switchCount = 0;
  /** The error thrown into the running task's code since its board stopped it (Exec.Stopping). @internal */
  stopping: Error | null = null;
  // The stack model (issue 12, stack.ts).
  /** @internal configCHECK_FOR_STACK_OVERFLOW, read by every switch (one field test when 0). */
  readonly stackCheck: number;
  /** Stack overflows detected (configCHECK_FOR_STACK_OVERFLOW 1 or 2): one per vApplicationStackOverflowHook call. */
  stackOverflows = 0;
  /** @internal Tasks freed when their function returns (goroutines) and not freed yet: what run()'s maxGoroutines limits. */
  spawnedLive = 0;
  /** @internal */
  private objectNumber = 0;

  constructor(config: Partial<KernelConfig> = {}) {
    this.config = resolveConfig(config);
    this.prng = new Prng(this.config.seed);
    this.heap = new Heap4(this.config.configTOTAL_HEAP_SIZE, 0);
    this.dynamicGuard = this.config.configSUPPORT_DYNAMIC_ALLOCATION === 0 || !this.config.heapAfterStart;
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
    this.stackCheck = this.config.configCHECK_FOR_STACK_OVERFLOW;
  }

  // ───────────────────────────── tracing and errors ─────────────────────────────

  /** Attaches a trace sink (or detaches with null). Without one, trace points cost one null check. */
  setTraceSink(sink: TraceSink | null): void {
    if (sink !== null && typeof sink !== "function") throw new TypeError(`trace sink must be a function or null, got ${typeof sink}`);
    this.traceSink = sink;
  }

  /** Attaches the port hooks of a board (or detaches with null). One port per kernel. @internal */
  setPort(port: KernelPort | null): void {
    if (port !== null && (typeof port !== "object" || typeof port.taskSwitchedIn !== "function"))
      throw new TypeError("port must be an object with taskSwitchedIn, isrEntered and isrExited, or null");
    this.port = port;
  }

  /**
   * Points the run-time stats counter (portGET_RUN_TIME_COUNTER_VALUE) at a board's counter, or
   * back to microseconds of virtual time with null. @internal
   */
  setRunTimeClock(clock: RunTimeClock | null): void {
    if (clock !== null && (typeof clock !== "object" || typeof clock.taskCounter !== "function" || typeof clock.totalCounter !== "function"))
      throw new TypeError("run-time clock must be an object with taskCounter and totalCounter, or null");
    this.runTimeClock = clock;
  }

  /**
   * The board stops the running task (an MPU or bus fault in its code): from now until its code
   * gives control back, every kernel call it makes throws `error` again, and then the task is
   * deleted without failing the run (stopFaultedTask). Returns `error` for the caller to throw.
   * Only from the running task's own code (exec Task); a task already stopping gets its error back.
   * @internal
   */
  stopRunningTask(error: Error): Error {
    if (this.exec === Exec.Stopping) return this.stopping!;
    if (this.exec !== Exec.Task || this.current === null) throw new KernelError("stopRunningTask: only the running task's own code can be stopped");
    this.stopping = error;
    this.exec = Exec.Stopping;
    return error;
  }

  /** True while the running task's code runs on after its board stopped it. @internal */
  isStopping(): boolean {
    return this.exec === Exec.Stopping;
  }

  /** @internal */
  traceEnabled(): boolean {
    return this.traceSink !== null;
  }

  /** Emits one trace event; callers check traceEnabled() first on hot paths. @internal */
  emit(kind: TraceKind, task?: string, object?: string, value?: number): void {
    const sink = this.traceSink;
    if (sink === null) return;
    const e: TraceEvent = { kind, timeTicks: this.timeTick + this.timeFrac };
    if (task !== undefined) e.task = task;
    if (object !== undefined) e.object = object;
    if (value !== undefined) e.value = value;
    sink(e);
  }

  /** Who is calling, for messages: `task "name"`, `ISR "name"` or `set-up code`. @internal */
  callerDescription(): string {
    if (this.exec === Exec.Isr) return `ISR "${this.isrName ?? "?"}"`;
    if (this.exec === Exec.Task && this.current !== null) return `task "${this.current.name}"`;
    if (this.exec === Exec.Kernel && this.current !== null) return `task "${this.current.name}"`;
    if (this.exec === Exec.Detached && this.genTask !== null) return `task "${this.genTask.name}"`;
    if (this.exec === Exec.Stopping && this.current !== null) return `task "${this.current.name}" (stopped by a fault)`;
    return "set-up code (outside any task)";
  }

  /** Throws KernelAssertError (configASSERT) naming the call and the caller. @internal */
  fail(call: string, what: string): never {
    throw new KernelAssertError(`${call} called from ${this.callerDescription()}: ${what}`);
  }

  /** True when a task's own code is the caller (as opposed to set-up code or an ISR). @internal */
  inTask(): boolean {
    return this.exec === Exec.Task;
  }

  /** @internal */
  inIsr(): boolean {
    return this.exec === Exec.Isr;
  }

  /**
   * Asserts the caller may make a task-level call: not an ISR (rule 33: a non-FromISR call from
   * an ISR), nor a generator task whose previous call switched away without `yield*`. One
   * state test on the hot path: task code, set-up code and kernel context pass at once.
   * @internal
   */
  assertNotIsr(call: string): void {
    if (this.exec > Exec.Kernel) this.checkCallerSlow(call);
  }

  /** @internal */
  private checkCallerSlow(call: string): void {
    if (this.exec === Exec.Isr) this.fail(call, `not callable from an interrupt; use the FromISR variant`);
    if (this.exec === Exec.Detached) throw this.detachedCall(call);
    if (this.exec === Exec.Stopping) throw this.stopping!; // a stopped task's call never returns
  }

  /** A generator task made `call` after a call that switched away without being `yield*`ed. @internal */
  private detachedCall(call: string): KernelError {
    const t = this.genTask;
    const name = t === null ? "?" : t.name;
    const where = t !== null && t.blockedOn !== null ? ` (blocked on ${t.blockedOn})` : "";
    return new KernelError(
      `${call} called from task "${name}" while its previous kernel call${where} had switched away: that call was not \`yield*\`ed. ` +
        `In a generator task, write \`yield* call\` for every kernel call`,
    );
  }

  /** (The lane's LaneHost.) A generator task misused a kernel call's result; the error ends the run. @internal */
  laneMisuse(what: string): Error {
    // A promise job calls then() after the generator's code has yielded: name the task when it still runs.
    const t = this.genTask;
    const error = new KernelError(t !== null ? `task "${t.name}": ${what}` : what);
    this.recordFault(error);
    return error;
  }

  /**
   * Asserts the caller may block now (rule 33): it is a task's own code (set-up code, a hook or
   * a continuation cannot wait), without the scheduler suspended or a critical section entered.
   * Every call that would wait passes here just before it blocks.
   * @internal
   */
  assertCanBlock(call: string): void {
    if (this.exec !== Exec.Task || (this.schedulerSuspended | this.criticalNesting) !== 0) this.cannotBlock(call);
  }

  /** @internal */
  private cannotBlock(call: string): never {
    if (this.exec === Exec.Isr) this.fail(call, `not callable from an interrupt; use the FromISR variant`);
    if (this.exec === Exec.Detached) throw this.detachedCall(call);
    if (this.exec === Exec.Stopping) throw this.stopping!;
    if (this.exec !== Exec.Task) this.fail(call, "the call would have to block, and only a task can block (pass a timeout of 0, or call it from a task)");
    if (this.schedulerSuspended > 0) this.fail(call, "blocking while the scheduler is suspended (vTaskSuspendAll)");
    return this.fail(call, "blocking inside a critical section");
  }

  /**
   * Validates a timeout/delay: a non-negative integer number of ticks; returns it. The common
   * cases are checked inline and everything else, errors included, out of line: hot kernel calls
   * stay small enough for V8 to inline them whole.
   * @internal
   */
  checkTicks(call: string, ticks: unknown, name = "ticks"): number {
    if (ticks === this.maxDelay || (typeof ticks === "number" && ticks >>> 0 === ticks && ticks < this.maxDelay)) return ticks;
    return this.checkTicksSlow(call, ticks, name);
  }

  /** @internal */
  private checkTicksSlow(call: string, ticks: unknown, name: string): number {
    if (typeof ticks !== "number") throw wrongType(call, name, "a number of ticks", ticks);
    if (ticks === Infinity) return this.maxDelay;
    if (!Number.isInteger(ticks) || ticks < 0)
      throw new RangeError(`${call}: ${name} must be a non-negative integer number of ticks (or portMAX_DELAY), got ${ticks}`);
    return ticks >= this.maxDelay ? this.maxDelay : ticks;
  }

  /** @internal */
  checkPriority(call: string, priority: unknown): number {
    const p = checkInteger(call, "priority", priority, 0, Infinity, "a non-negative integer");
    if (p >= this.maxPriorities) this.fail(call, `priority ${p} is not below configMAX_PRIORITIES (${this.maxPriorities})`);
    return p;
  }

  /** @internal */
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

  /** Recomputes the wrapped tick count after tickAbs moved by more than one tick. @internal */
  private syncTickCount(): void {
    if (this.tickModulus === Infinity) {
      this.tickCount = this.tickAbs;
    } else {
      this.tickCount = this.tickAbs % this.tickModulus;
      this.overflows = Math.floor(this.tickAbs / this.tickModulus);
    }
  }

  /** The tick count without wrapping. @internal */
  getTickCountAbs(): number {
    return this.tickAbs;
  }

  /** Virtual time in ticks since the kernel was created, with the fraction of the current tick. */
  now(): number {
    return this.timeTick + this.timeFrac;
  }

  pdMS_TO_TICKS(ms: number): number {
    if (typeof ms !== "number") throw wrongType("pdMS_TO_TICKS", "ms", "a number of milliseconds", ms);
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`pdMS_TO_TICKS: ms must be a non-negative finite number, got ${String(ms)}`);
    return Math.floor((ms * this.config.configTICK_RATE_HZ) / 1000);
  }

  // ───────────────────────────── ready lists ─────────────────────────────

  /** prvAddTaskToReadyList: at the end of the rotation of its priority (rule 2). @internal */
  addToReadyList(t: KernelTask): void {
    const p = t.priority;
    const list = this.readyLists[p]!;
    if (list.length === 0) this.readyBits[p >>> 5]! |= 1 << (p & 31);
    list.insertEnd(t);
    if (this.traceSink !== null) this.traceTask("task.ready", t);
  }

  /** A trace event about task `t` (out of line: keeps the hot callers small). @internal */
  private traceTask(kind: TraceKind, t: KernelTask): void {
    this.emit(kind, t.name, undefined, t.priority);
  }

  /** @internal */
  removeFromReadyList(t: KernelTask, list: List<KernelTask>): void {
    if (list.remove(t.stateItem) === 0) {
      const p = list.priority;
      this.readyBits[p >>> 5]! &= ~(1 << (p & 31));
    }
  }

  /** Removes a task's state item from whatever list holds it. @internal */
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

  /** @internal */
  topReadyPriority(): number {
    const bits = this.readyBits;
    for (let w = bits.length - 1; w >= 0; w--) {
      const word = bits[w]!;
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word);
    }
    return -1;
  }

  /** Number of tasks ready at `priority` (the running task included). @internal */
  readyCountAt(priority: number): number {
    return this.readyLists[priority]!.length;
  }

  /**
   * vTaskSwitchContext: selects the highest-priority ready task, rotating within its priority
   * (rules 1, 3). Reports "switched in" on every decision, even for the same task (rule 6).
   * @internal
   */
  switchContext(): void {
    if (this.schedulerSuspended > 0) {
      this.yieldPending = true;
      return;
    }
    this.yieldPending = false;
    this.pendSV = false;
    if (this.traceSink !== null && this.current !== null) this.emit("task.switchedOut", this.current.name);
    // taskCHECK_FOR_STACK_OVERFLOW, for the task switched out (stack.ts).
    if (this.stackCheck !== 0 && this.current !== null) checkStackOverflow(this, this.current);
    const top = this.topReadyPriority();
    if (top < 0) this.noTaskReady();
    const next = this.readyLists[top]!.nextOwner();
    const previous = this.current;
    this.current = next;
    this.switchCount++;
    if (next !== previous) next.switchInCount++;
    if (this.port !== null) this.port.taskSwitchedIn(previous, next);
    if (this.traceSink !== null) this.traceTask("task.switchedIn", next);
  }

  /** @internal */
  private noTaskReady(): never {
    throw new KernelError("no task is ready to run (the idle task is missing)");
  }

  // ───────────────────────────── blocking and waking ─────────────────────────────

  /** The promise the current task awaits until the kernel switches it back in. @internal */
  private suspendCaller<T = number>(): Promise<T> {
    return new Promise<T>(this.executor as (resolve: (value: T) => void) => void);
  }

  /**
   * The current task gives up the CPU inside a kernel call (it blocked, or yields with its call
   * complete): select the next task and run it. Returns the promise the caller awaits.
   * @internal
   */
  switchAway<T = number>(): KernelCall<T> {
    if (genLane.active) return this.switchAwayGen<T>();
    const p = this.suspendCaller<T>();
    this.switchContext();
    this.dispatch();
    return p as KernelCall<T>;
  }

  /**
   * The generator lane's switchAway: select the next task and return the token, whose `yield*`
   * yields to the dispatch loop, which runs that task. (Dispatching here would run it nested
   * inside this generator.) Until then the task's code may make no kernel call (Exec.Detached).
   * @internal
   */
  private switchAwayGen<T>(): KernelCall<T> {
    this.switchContext();
    genLane.pending = true;
    this.exec = Exec.Detached;
    return genCall<T>();
  }

  /**
   * Completes the current call with `value` and yields (taskYIELD_IF_USING_PREEMPTION after a
   * call that readied a higher-priority task): the caller stays ready in its place (rule 3).
   * @internal
   */
  yieldWith<T = number>(value: T): KernelCall<T> {
    const t = this.current!;
    t.cont = null;
    t.resumeValue = value;
    return this.switchAway<T>();
  }

  /**
   * The result of a task-level call that did not block: an already-settled promise, unless a
   * switch is due (a higher-priority task was readied), in which case the caller yields first.
   * @internal
   */
  result(value: number, switchNow: boolean): KernelCall<number> {
    if (switchNow || this.pendSV) return this.resultAndSwitch(value, switchNow);
    return settled(value);
  }

  /** result() for a value of any type (a channel's element, a select result). @internal */
  resultValue<T>(value: T, switchNow: boolean): KernelCall<T> {
    if (switchNow || this.pendSV) return this.resultAndSwitch(value, switchNow);
    return settledValue(value);
  }

  /** @internal */
  private resultAndSwitch<T>(value: T, switchNow: boolean): KernelCall<T> {
    if ((switchNow && this.config.configUSE_PREEMPTION === 1) || this.pendSV) {
      if (this.exec === Exec.Task && this.schedulerSuspended === 0 && this.criticalNesting === 0 && this.deferDepth === 0) return this.yieldWith(value);
      this.requestSwitch();
    }
    return typeof value === "number" ? (settled(value) as unknown as KernelCall<T>) : settledValue(value);
  }

  /** @internal */
  private deferDepth = 0;

  /**
   * Runs `fn` (task-level kernel calls whose promise the caller will not await) so that a switch
   * they would make at once is only requested: taken at the caller's next kernel call.
   * @internal
   */
  runDeferred<T>(fn: () => T): T {
    this.deferDepth++;
    try {
      return fn();
    } finally {
      this.deferDepth--;
    }
  }

  /** A switch that cannot happen now: pended until the scheduler resumes or the critical section ends. @internal */
  requestSwitch(): void {
    if (!this.schedulerRunning) return;
    if (this.schedulerSuspended > 0) {
      this.pendSV = false;
      this.yieldPending = true;
    } else {
      this.pendSV = true;
    }
  }

  /** Like result() for calls that yield regardless of preemption (taskYIELD, vTaskDelay(0)). @internal */
  forceYield(value: number): KernelCall<number> {
    if (this.exec === Exec.Task && this.schedulerSuspended === 0 && this.criticalNesting === 0) return this.yieldWith(value);
    return settled(value);
  }

  /**
   * prvAddCurrentTaskToDelayedList: removes the running task from the ready list and puts it
   * on the delayed list (or, for an indefinite wait, the suspended list, rule 9).
   * @internal
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
   * @internal
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

  /** @internal */
  traceBlocked(t: KernelTask, blockedOn: string, ticksToWait: number): void {
    this.emit("task.blocked", t.name, blockedOn, ticksToWait >= this.maxDelay ? -1 : ticksToWait);
  }

  /** Blocks the running task without an event list (notification waits, park). @internal */
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
   * @internal
   */
  removeFromEventList(eventList: EventList<KernelTask>): boolean {
    const t = eventList.head()!;
    eventList.remove(t);
    return this.readyUnblocked(t);
  }

  /** Readies a task taken off an event list (or a notification wait). @internal */
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

  /** vTaskInternalSetTimeOutState for the running task's pending call. @internal */
  setTimeOutState(t: KernelTask): void {
    t.timeOutEnteringAbs = this.tickAbs;
  }

  /** xTaskCheckForTimeOut (rule 12): true when the call has timed out; updates ticksToWait. @internal */
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
   * @internal
   */
  ticksLeft(enteringOverflows: number, entering: number, ticksToWait: number): number {
    if (ticksToWait >= this.maxDelay) return ticksToWait;
    const now = this.getTickCount();
    if (this.overflows !== enteringOverflows && now >= entering) return -1;
    const mod = this.tickModulus;
    const elapsed = mod === Infinity ? now - entering : (now - entering + mod) % mod;
    return elapsed < ticksToWait ? ticksToWait - elapsed : -1;
  }

  // ───────────────────────────── tasks ─────────────────────────────

  /** Calls the malloc-failed hook and traces the failure. @internal */
  mallocFailed(what: string, sizeBytes = 0): void {
    if (!this.schedulerRunning && this.startupAllocationFailure === null) this.startupAllocationFailure = { what, sizeBytes };
    if (this.traceSink !== null) this.emit("heap.mallocFailed", this.current?.name, what);
    const hook = this.config.vApplicationMallocFailedHook;
    if (hook !== null) hook();
  }

  /**
   * Allocates a kernel object's heap block (labelled `kind "name"` once the object exists, see
   * Heap4.label); its payload address, or 0 and the malloc-failed hook when it does not fit.
   * @internal
   */
  allocateObject(sizeBytes: number, what: string, call: string): number {
    if (this.dynamicGuard) this.checkDynamic(call);
    const address = this.heap.malloc(sizeBytes, what);
    if (address === 0) this.mallocFailed(what, sizeBytes);
    return address;
  }

  /**
   * Refuses a dynamic creation when configSUPPORT_DYNAMIC_ALLOCATION is 0, or after the scheduler
   * started when heapAfterStart is false (the scheduler's own idle and timer tasks are created
   * before it counts as running).
   * @internal
   */
  checkDynamic(call: string): void {
    if (this.config.configSUPPORT_DYNAMIC_ALLOCATION === 0)
      this.fail(call, `configSUPPORT_DYNAMIC_ALLOCATION is 0: dynamic creation is compiled out; use ${call === "go" ? "static creation (go needs the heap)" : `${call}Static`}`);
    if (!this.config.heapAfterStart && this.schedulerRunning)
      this.fail(call, "heap disabled after start (heapAfterStart is false): create every object before vTaskStartScheduler, or use the Static twin");
  }

  /**
   * Attaches the board RAM the heap lives in: a fresh heap at `memory.baseAddress` (or back to an
   * address-less heap at 0 with null). Only before any kernel object exists.
   * @internal
   */
  setMemory(memory: KernelMemory | null): void {
    if (this.heap.getHeapStats().xNumberOfSuccessfulAllocations !== 0 || staticBufferCount(this) !== 0 || this.numberOfTasks !== 0)
      throw new KernelError("setMemory: the kernel already has objects; attach memory before creating any");
    this.memory = memory;
    this.heap = new Heap4(this.config.configTOTAL_HEAP_SIZE, memory === null ? 0 : memory.baseAddress);
    this.kernelStaticAddress = -1;
  }

  /**
   * The address of the kernel's own static memory, reserved from the board at its first use (the
   * timer queue's creation or vTaskStartScheduler), so that boards show it only once the kernel
   * needs it; 0 off a board.
   * @internal
   */
  kernelStaticBase(): number {
    if (this.memory === null) return 0;
    if (this.kernelStaticAddress < 0) this.kernelStaticAddress = this.memory.reserveKernelStatic(kernelStaticLayout(this).sizeBytes);
    return this.kernelStaticAddress;
  }

  /** @internal */
  readonly onTaskReturned = (): void => {
    const t = this.current;
    if (t === null || this.exec !== Exec.Task) {
      if (t !== null && this.exec === Exec.Stopping) taskReturned(this, t);
      else foreignCompletion(this, null);
      return;
    }
    taskReturned(this, t);
  };

  /** @internal */
  readonly onTaskFaulted = (error: unknown): void => {
    const t = this.current;
    if (t === null || this.exec !== Exec.Task) {
      if (t !== null && this.exec === Exec.Stopping) taskFaulted(this, t, error);
      else foreignCompletion(this, error);
      return;
    }
    taskFaulted(this, t, error);
  };

  /** @internal */
  recordFault(error: unknown): void {
    if (!this.hasFault) {
      this.hasFault = true;
      this.faultError = error;
    }
    this.stopRequested = true;
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

  isSchedulerRunning(): boolean {
    return this.schedulerRunning;
  }

  /** xTaskGetSchedulerState */
  getSchedulerState(): number {
    if (!this.schedulerRunning) return taskSCHEDULER_NOT_STARTED;
    return this.schedulerSuspended > 0 ? taskSCHEDULER_SUSPENDED : taskSCHEDULER_RUNNING;
  }

  // ───────────────────────────── dispatch and time ─────────────────────────────

  /**
   * Runs the current task: its pending continuation first (which may block it again, switch to
   * another task, or consume virtual time), then resumes its own code by settling its promise.
   * Returns when a task's code has been resumed or the kernel paused.
   * @internal
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
        if (t.gen !== null) {
          this.stepGenerator(t);
          continue;
        }
        const resolve = t.resolve;
        if (resolve === null) this.notWaiting(t);
        t.resolve = null;
        this.exec = Exec.Task;
        const value = t.resumeValue;
        resolve(value instanceof ResumeWithError ? Promise.reject(value.error) : value);
        return;
      }
      t.cont = null;
      this.exec = Exec.Kernel;
      cont(this, t);
      const exec = this.exec as number;
      if (exec === Exec.Paused || exec === Exec.HostYield || exec === Exec.ExternalWait || exec === Exec.RealtimeWait) return;
    }
  }

  /**
   * Runs generator task `t` (the current task) until its code yields to the kernel (a call
   * switched away: the token's `yield*` yields `genLane.switched`), returns or throws. Its call
   * completes with `resumeValue` (a ResumeWithError is thrown into it at its `yield*`).
   * @internal
   */
  private stepGenerator(t: KernelTask): void {
    const gen = t.gen!;
    const value = t.resumeValue;
    this.exec = Exec.Task;
    this.genTask = t;
    genLane.host = this;
    genLane.active = true;
    let r: IteratorResult<unknown, unknown>;
    try {
      if (value instanceof ResumeWithError) {
        t.resumeValue = 0;
        r = generatorThrow.call(gen, value.error);
      } else {
        genLane.value = value;
        // Called directly: every generator function has its own prototype, so gen.next would
        // be a megamorphic lookup once a program has many goroutine functions.
        r = generatorNext.call(gen);
      }
    } catch (error) {
      genLane.active = false;
      genLane.pending = false;
      this.genTask = null;
      if ((this.exec as Exec) === Exec.Stopping) stopFaultedTask(this, t, true);
      else {
        this.exec = Exec.Kernel;
        taskFaulted(this, t, error, true);
      }
      return;
    }
    genLane.active = false;
    this.genTask = null;
    if ((this.exec as Exec) === Exec.Stopping) {
      // Its board stopped it during this step (it caught the stop and went on): it ends here.
      genLane.pending = false;
      stopFaultedTask(this, t, true);
      return;
    }
    if (r !== genLane.switched) this.generatorStopped(t, r);
  }

  /** A generator task returned, or yielded something other than a kernel call's switch. @internal */
  private generatorStopped(t: KernelTask, r: IteratorResult<unknown, unknown>): void {
    const unyielded = genLane.pending;
    genLane.pending = false;
    if (unyielded) {
      // Its last call switched away (the kernel runs another task) but the code went on.
      const what = r.done === true ? "returned" : `yielded ${describeValue(r.value)}`;
      const blocked = t.blockedOn !== null ? ` (blocked on ${t.blockedOn})` : "";
      this.exec = Exec.Kernel;
      taskFaulted(this, t, new KernelError(`task "${t.name}" ${what} after a kernel call${blocked} that switched away was not \`yield*\`ed: in a generator task, write \`yield* call\` for every kernel call`), true);
      return;
    }
    if (r.done === true) {
      this.exec = Exec.Kernel;
      taskReturned(this, t, true);
      return;
    }
    // It yielded a value of its own: raise the misuse in the task, at its yield.
    const v = r.value;
    const what =
      v === (genLane as unknown)
        ? "yielded a kernel call instead of delegating to it: write `yield* call`, not `yield call`"
        : v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as PromiseLike<unknown>).then === "function"
          ? "yielded a promise: a generator task may only `yield*` kernel calls (for outside work, `yield* external(promise)`)"
          : `yielded ${describeValue(v)}: a generator task may only \`yield*\` kernel calls`;
    t.resumeValue = new ResumeWithError(new KernelError(`task "${t.name}" ${what}`));
  }

  /**
   * Runs a generator inside the running async task (a generator callback of the async timer
   * task) to its end: its kernel calls take the generator lane, and when one switches away this
   * task waits on a promise like any other async task. Resolves with the generator's return value.
   * @internal
   */
  async driveGenerator(gen: Generator<unknown, unknown, unknown>): Promise<unknown> {
    const t = this.current!;
    let resume: unknown = undefined;
    for (;;) {
      this.genTask = t;
      genLane.host = this;
      genLane.active = true;
      let r: IteratorResult<unknown, unknown>;
      try {
        if (resume instanceof ResumeWithError) r = gen.throw(resume.error);
        else {
          genLane.value = resume;
          r = gen.next();
        }
      } finally {
        genLane.active = false;
        this.genTask = null;
      }
      if (r === genLane.switched) {
        try {
          resume = await this.waitSwitchedIn(t);
        } catch (error) {
          resume = new ResumeWithError(error);
        }
        continue;
      }
      if (genLane.pending) {
        genLane.pending = false;
        throw new KernelError(`a generator run by task "${t.name}" ${r.done === true ? "returned" : "yielded"} after a kernel call that switched away was not \`yield*\`ed`);
      }
      if (r.done === true) return r.value;
      resume = new ResumeWithError(new KernelError(`a generator run by task "${t.name}" yielded ${describeValue(r.value)}: it may only \`yield*\` kernel calls`));
    }
  }

  /** The async task `t`, whose generator's call switched away, waits until it is switched back in. @internal */
  private waitSwitchedIn(t: KernelTask): Promise<unknown> {
    const p = new Promise<unknown>((resolve) => {
      t.resolve = resolve;
    });
    this.dispatch();
    return p;
  }

  /** @internal */
  private notWaiting(t: KernelTask): never {
    throw new KernelError(`task "${t.name}" was switched in but is not waiting in a kernel call`);
  }

  /** busy(ticks): the running task consumes CPU time; preemptible by ticks (time slicing) and interrupts. */
  busy(ticks: number): KernelCall<number> {
    const call = "busy";
    this.assertNotIsr(call);
    if (typeof ticks !== "number") throw wrongType(call, "ticks", "a number of ticks", ticks);
    if (!(ticks >= 0) || !Number.isFinite(ticks))
      throw new RangeError(`${call}: ticks must be a non-negative finite number (fractions allowed), got ${String(ticks)}`);
    if (this.exec !== Exec.Task) throw new KernelError(`busy(${ticks}) called from ${this.callerDescription()}: only a task can consume CPU time`);
    if (ticks === 0) return settled(0);
    const t = this.current!;
    t.busyRemaining = ticks;
    t.cont = busyContinuation;
    if (genLane.active) {
      // The dispatch loop runs the continuation once the generator has yielded.
      genLane.pending = true;
      this.exec = Exec.Detached;
      return genCall();
    }
    const p = this.suspendCaller();
    this.dispatch();
    return p as KernelCall<number>;
  }

  /**
   * Advances virtual time while `t` (the current task) runs, by at most t.busyRemaining ticks
   * (Infinity for the idle task). Processes ticks as they fall due, jumping over ticks in which
   * nothing can happen. Returns CONSUME_DONE when the budget is spent, CONSUME_SWITCHED after a
   * preemption (t keeps its continuation), CONSUME_PAUSED when the run ended or paused.
   * @internal
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
      if (this.rings.length > 0 && pollRings(this)) continue;
      if (!isIdle && t.busyRemaining <= 0) {
        t.busyRemaining = 0;
        return CONSUME_DONE;
      }
      if (this.irqs.scheduledCount > 0) {
        const line = this.irqs.popDue(this.timeTick, this.timeFrac);
        if (line !== null) {
          this.irqs.pend(line);
          serviceInterrupts(this);
          continue;
        }
      }
      if (isIdle && this.externalsPending > 0) {
        this.exec = Exec.ExternalWait;
        return CONSUME_PAUSED;
      }
      if (this.timeTick >= this.runTarget) {
        if (this.runActive || this.exec !== Exec.Paused) this.pause("target");
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
        if (this.realtime && realtimeWaitUntil(this, this.timeTick + this.timeFrac + (!isIdle && t.busyRemaining < delta ? t.busyRemaining : delta))) return CONSUME_PAUSED;
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
        if (this.realtime && realtimeWaitUntil(this, this.timeTick + this.timeFrac + t.busyRemaining)) return CONSUME_PAUSED;
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
          let limit = this.irqs.nextTick();
          if (!pended) {
            const wake = this.delayed.nextWake(); // in tick-count terms
            if (wake !== Infinity) limit = Math.min(limit, this.timeTick + (wake - this.tickAbs));
          }
          if (!isIdle) limit = Math.min(limit, this.timeTick + Math.floor(t.busyRemaining));
          if (limit === Infinity) {
            const ringsCanWake = this.realtime && this.rings.length > 0;
            if (ringsCanWake && this.runTarget === Infinity) {
              // Only an interrupt from another thread can wake anything: wait for one.
              realtimeWaitUntil(this, Infinity);
              return CONSUME_PAUSED;
            }
            if (!ringsCanWake && (this.runTarget === Infinity || this.endOnStall)) {
              // Nothing will ever happen: the system is stalled (every task blocked for good).
              this.pause("stalled");
              return CONSUME_PAUSED;
            }
          }
          limit = Math.min(limit, this.runTarget); // the run pauses at its target tick
          if (limit !== Infinity && this.realtime) limit = Math.min(limit, Math.floor(wallTicks(this)) + 1);
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
      if (this.realtime && realtimeWaitUntil(this, this.timeTick + 1)) return CONSUME_PAUSED;
      this.timeTick++;
      this.timeFrac = 0;
      t.runTimeTicks += toBoundary;
      if (!isIdle) t.busyRemaining -= toBoundary;
      if (this.schedulerSuspended > 0 || this.criticalNesting > 0) {
        this.pendedTicks++;
        if (this.schedulerSuspended > 0) callTickHook(this);
        continue;
      }
      if (incrementTick(this)) {
        this.switchContext();
        return CONSUME_SWITCHED;
      }
    }
  }

  /** Ends the current run (or records the pause when no run is active). @internal */
  private pause(outcome: RunOutcome): void {
    this.exec = Exec.Paused;
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

  /** @internal */
  private yieldToHost(): void {
    this.exec = Exec.HostYield;
    scheduleMacrotask(this.resumeFromHost);
  }

  /** @internal */
  private readonly resumeFromHost = (): void => {
    if (this.exec !== Exec.HostYield) return;
    this.exec = Exec.Kernel;
    this.hostDeadline = wallNow() + this.config.hostYieldIntervalMs;
    this.armWatchdog();
    this.dispatch();
  };

  /**
   * A macrotask that runs once the microtask queue drains. If a task still "holds the CPU" then,
   * it awaited something that is not a kernel operation: the schedule can no longer be trusted.
   * @internal
   */
  armWatchdog(): void {
    if (this.watchdogArmed) return;
    this.watchdogArmed = true;
    scheduleMacrotask(this.watchdog);
  }

  /** @internal */
  private readonly watchdog = (): void => {
    this.watchdogArmed = false;
    if (!this.runActive) return;
    if (this.exec === Exec.Task && this.current !== null) this.foreignAwait(this.current, "awaited");
  };

  /** @internal */
  foreignAwait(t: KernelTask, what: "awaited" | "returned"): void {
    const message =
      what === "awaited"
        ? `task "${t.name}" awaited a promise that is not a kernel operation, so it holds the CPU while waiting on the host; ` +
          `a task may await only kernel calls: wrap outside work in external(promise)`
        : `task "${t.name}" finished while it was not the running task: it awaited a promise that is not a kernel operation; wrap outside work in external(promise)`;
    this.failSchedule(new KernelError(message));
  }

  /** The schedule can no longer be trusted: fault the kernel for good and end the run. @internal */
  failSchedule(error: KernelError): void {
    if (this.exec === Exec.Faulted) return;
    this.exec = Exec.Faulted;
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
   * that threw, or a KernelError when the simulation cannot go on. With `endOnStall`, a finite
   * run also ends "stalled" as soon as nothing can ever happen again (a deadlock found before a
   * run limit), instead of letting the idle ticks pass up to its target.
   */
  advance(ticks: number, endOnStall = false): Promise<RunOutcome> {
    if (typeof ticks !== "number") return Promise.reject(wrongType("run", "ticks", "a number of ticks", ticks));
    if (Number.isNaN(ticks) || ticks < 0 || (ticks !== Infinity && !Number.isInteger(ticks)))
      return Promise.reject(new RangeError(`run: ticks must be a non-negative integer (or Infinity), got ${String(ticks)}`));
    if (!this.schedulerRunning) return Promise.reject(new KernelError("run() called before vTaskStartScheduler(): start the scheduler first"));
    if (this.exec === Exec.Faulted) return Promise.reject(this.faultError);
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
    this.endOnStall = endOnStall;
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
    if (this.exec === Exec.Paused) {
      this.exec = Exec.Kernel;
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

  // ───────────────────────────── real-time mode ─────────────────────────────

  /** @internal */
  readonly resumeRealtime = (): void => {
    if (this.exec !== Exec.RealtimeWait) return;
    if (this.realtimeTimer !== null) {
      clearTimeout(this.realtimeTimer);
      this.realtimeTimer = null;
    }
    this.exec = Exec.Kernel;
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

  /** @internal */
  readonly deliverRingEvent = (irq: number, payload: number, timestampMs: number): boolean => {
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
    serviceInterrupts(this);
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

  // ───────────────────────────── interrupts ─────────────────────────────

  /**
   * Registers `handler` for interrupt `irq` at `priority` (1-15, higher preempts lower). ISRs at
   * or below configMAX_SYSCALL_INTERRUPT_PRIORITY may call FromISR functions and are masked by
   * critical sections; ISRs above it are never masked and may not call the kernel. An irq that
   * has a handler throws KernelAssertError: unregisterInterrupt(irq) first to replace it.
   */
  registerInterrupt(irq: number, priority: number, handler: InterruptHandler, name?: string): void {
    const call = "registerInterrupt";
    checkInteger(call, "irq", irq, 0, Infinity, "a non-negative integer");
    checkInteger(`${call}(${irq})`, "interrupt priority", priority, 1, 15, "an integer in [1, 15]");
    if (typeof handler !== "function") throw wrongType(`${call}(${irq})`, "handler", "a function", handler);
    if (name !== undefined && typeof name !== "string") throw wrongType(`${call}(${irq})`, "name", "a string", name);
    const existing = this.irqs.line(irq);
    if (existing !== undefined) this.fail(`${call}(${irq})`, `irq ${irq} already has the handler "${existing.name}"; call unregisterInterrupt(${irq}) first to replace it`);
    this.irqs.register(irq, priority, handler, name ?? `IRQ${irq}`);
  }

  /**
   * Removes the handler of interrupt `irq`, with its pending request and its scheduled triggers
   * (events for it from an interrupt ring are then counted as unroutable).
   */
  unregisterInterrupt(irq: number): void {
    if (typeof irq !== "number") throw wrongType("unregisterInterrupt", "irq", "a number", irq);
    if (this.irqs.unregister(irq) === undefined) throw new RangeError(`unregisterInterrupt: interrupt ${String(irq)} is not registered`);
  }

  /**
   * Raises interrupt `irq` now (it runs at once unless masked or outranked, then when allowed),
   * or at absolute virtual time `atTick` (ticks since the kernel was created; fractions allowed).
   */
  triggerInterrupt(irq: number, atTick?: number): void {
    const call = "triggerInterrupt";
    const line = this.irqs.line(irq);
    if (line === undefined) {
      if (typeof irq !== "number") throw wrongType(call, "irq", "a number", irq);
      throw new RangeError(`${call}: interrupt ${String(irq)} is not registered (registerInterrupt first)`);
    }
    if (atTick !== undefined) {
      if (typeof atTick !== "number") throw wrongType(`${call}(${irq})`, "atTick", "a number of ticks", atTick);
      if (!Number.isFinite(atTick)) throw new RangeError(`${call}(${irq}): atTick must be a finite number of ticks, got ${String(atTick)}`);
      const now = this.timeTick + this.timeFrac;
      if (atTick < now) throw new RangeError(`${call}(${irq}): atTick ${atTick} is in the past (virtual time is ${now})`);
      const tick = Math.floor(atTick);
      if (tick > this.timeTick || atTick - tick > this.timeFrac) {
        this.irqs.schedule(line, tick, atTick - tick);
        return;
      }
    }
    this.irqs.pend(line);
    serviceInterrupts(this);
  }

  /** Asserts a FromISR call is allowed here: not from an ISR above configMAX_SYSCALL_INTERRUPT_PRIORITY. @internal */
  checkFromIsr(call: string): void {
    if (this.exec === Exec.Isr && this.isrPriority > this.config.configMAX_SYSCALL_INTERRUPT_PRIORITY)
      this.fail(call, `interrupt priority ${this.isrPriority} is above configMAX_SYSCALL_INTERRUPT_PRIORITY (${this.config.configMAX_SYSCALL_INTERRUPT_PRIORITY}): such an ISR may not call the kernel`);
  }

  /** Counters of every interrupt line: handler runs, overruns (merged triggers), pending. */
  interruptStats(): InterruptStats[] {
    return this.irqs.stats();
  }

  // ───────────────────────────── introspection ─────────────────────────────

  /**
   * uxTaskGetStackHighWaterMark: the stack `t` never used, in words (the minimum free stack
   * ever). From the stack model (stack.ts): the context frame plus the peak of the task's
   * stackUse charges; on a board, counted from the fill bytes left in its stack.
   */
  stackHighWaterMark(t: KernelTask): number {
    return stackHighWaterMarkWords(t);
  }

  /** uxTaskGetSystemState */
  systemState(): TaskStatus[] {
    const usPerTick = 1_000_000 / this.config.configTICK_RATE_HZ;
    const clock = this.runTimeClock;
    return this.tasks()
      .filter((t) => t.stateItem.container !== this.terminationList)
      .map((t) => ({
        handle: t,
        name: t.name,
        taskNumber: t.id,
        state: this.getState(t),
        currentPriority: t.priority,
        basePriority: t.basePriority,
        runTimeCounter: clock !== null ? clock.taskCounter(t) : Math.floor(t.runTimeTicks * usPerTick),
        stackHighWaterMark: this.stackHighWaterMark(t),
        switchInCount: t.switchInCount,
      }));
  }

  /** Total virtual run time in microseconds (the denominator of vTaskGetRunTimeStats). */
  totalRunTimeUs(): number {
    return Math.floor(this.now() * (1_000_000 / this.config.configTICK_RATE_HZ));
  }

  /** The run-time counter's total: the board's clock (cycles) when set, else totalRunTimeUs(). */
  totalRunTimeCounter(): number {
    return this.runTimeClock !== null ? this.runTimeClock.totalCounter() : this.totalRunTimeUs();
  }

  /** What a blocked task waits on, for deadlock reports and task tables. @internal */
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

  /** A fresh object number for default object names. @internal */
  nextObjectNumber(): number {
    return ++this.objectNumber;
  }
}

/** A task in busy(): consume its remaining CPU time, then return to its code. */
function busyContinuation(k: Kernel, t: KernelTask): void {
  t.cont = busyContinuation;
  if (k.consume(t, false) === CONSUME_DONE) {
    t.cont = null;
    t.resumeValue = 0;
  }
}
