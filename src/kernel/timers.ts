/**
 * Software timers and deferred function calls (FreeRTOS's timers.c, rule 31).
 *
 * The timer service ("daemon") task is an ordinary kernel task, created by vTaskStartScheduler
 * right after the idle task at configTIMER_TASK_PRIORITY, running the loop of prvTimerTask:
 * process one expired timer (or block on the command queue until the next expiry), then drain
 * the command queue. Timer API calls post commands to that queue, stamped with the tick count
 * when they were sent. Expiry times are wrapped tick counts kept in FreeRTOS's two lists (the
 * current one and the one for times past the next tick wrap); on a wrap every timer left in the
 * current list expires and the lists swap.
 *
 * Callbacks run in the timer task and should not block (a blocking call there blocks the timer
 * task, as in FreeRTOS). A callback may be a plain function, an async function or a generator
 * function (its calls `yield*`ed, run to its end by the timer task before it goes on).
 * @module
 */
import { isGenerator, type KernelCall } from "./lane.js";
import { wrongType } from "./check.js";
import { pdFALSE, pdPASS, pdTRUE, queueSEND_TO_BACK } from "./constants.js";
import { sizeOf } from "./heap.js";
import { checkStaticBuffer, claimStaticBuffer, kernelStaticLayout, releaseStaticBuffers } from "./static.js";
import type { Kernel, KernelTask, Ref } from "./kernel.js";
import { ListItem } from "./list.js";
import { createKernelQueue, createQueue, queueReceive, queueSend, queueSendFromIsr, queueWaitForMessageRestricted, QueueKind, type Queue } from "./queue.js";
import { TimeQueue } from "./time-queue.js";
import { createKernelTask } from "./task-control.js";

/** A timer's callback, run in the timer task: a plain, async or generator function. */
export type TimerCallback = (timer: SoftwareTimer) => void | Promise<void> | Generator<unknown, void, unknown>;
/** A function deferred to the timer task (xTimerPendFunctionCall): a plain, async or generator function. */
export type PendedFunction = (param1: unknown, param2: number) => void | Promise<void> | Generator<unknown, void, unknown>;

// Command IDs as in timers.h.
const CMD_EXECUTE_CALLBACK_FROM_ISR = -2;
const CMD_EXECUTE_CALLBACK = -1;
const CMD_START = 1;
const CMD_RESET = 2;
const CMD_STOP = 3;
const CMD_CHANGE_PERIOD = 4;
const CMD_DELETE = 5;
const CMD_START_FROM_ISR = 6;
const CMD_RESET_FROM_ISR = 7;
const CMD_STOP_FROM_ISR = 8;
const CMD_CHANGE_PERIOD_FROM_ISR = 9;

const commandNames: Record<number, string> = {
  [CMD_START]: "xTimerStart",
  [CMD_RESET]: "xTimerReset",
  [CMD_STOP]: "xTimerStop",
  [CMD_CHANGE_PERIOD]: "xTimerChangePeriod",
  [CMD_DELETE]: "xTimerDelete",
  [CMD_START_FROM_ISR]: "xTimerStartFromISR",
  [CMD_RESET_FROM_ISR]: "xTimerResetFromISR",
  [CMD_STOP_FROM_ISR]: "xTimerStopFromISR",
  [CMD_CHANGE_PERIOD_FROM_ISR]: "xTimerChangePeriodFromISR",
};

/** An opaque timer handle (TimerHandle_t). The timer is its own list item (xTimerListItem). */
export class SoftwareTimer extends ListItem<SoftwareTimer> {
  /** @internal */
  active = false;
  /** @internal */
  deleted = false;
  /** @internal */
  /** @internal Address of the Timer_t (heap block payload or static buffer); 0 for an uncharged timer. */
  controlAddress = 0;
  /** @internal Whether deleting frees a heap block (not static, not uncharged). */
  ownsHeapBlock = false;
  /** @internal The list the timer is in (the service's current or overflow list), or null. */
  inList: TimeQueue<SoftwareTimer> | null = null;
  constructor(
    readonly kernel: Kernel,
    public name: string,
    public periodTicks: number,
    public autoReload: boolean,
    public id: unknown,
    readonly callback: TimerCallback,
  ) {
    super(null as unknown as SoftwareTimer);
    this.owner = this;
  }

  /** @internal xTimerListItem: the timer itself. */
  get item(): ListItem<SoftwareTimer> {
    return this;
  }
  /** @internal The wrapped tick count of the next expiry (xTimerGetExpiryTime). */
  get expiryTick(): number {
    return this.item.value;
  }
  /** @internal */
  override toString(): string {
    return `Timer(${this.name})`;
  }
}

class TimerMessage {
  constructor(
    readonly id: number,
    readonly value: number,
    readonly timer: SoftwareTimer | null,
    readonly fn: PendedFunction | null,
    readonly param1: unknown,
  ) {}
}

/** Per-kernel state of the timer service (the statics of timers.c). */
class TimerService {
  current = new TimeQueue<SoftwareTimer>();
  overflow = new TimeQueue<SoftwareTimer>();
  lastTime = 0;
  task: KernelTask | null = null;
  constructor(readonly queue: Queue) {}
}

const services = new WeakMap<Kernel, TimerService>();

/** prvCheckForValidListAndQueue: the command queue exists from the first timer use on. */
function service(k: Kernel, call: string): TimerService {
  let svc = services.get(k);
  if (svc === undefined) {
    // FreeRTOS 11 timers.c: static arrays with configSUPPORT_STATIC_ALLOCATION 1, the heap otherwise.
    const queue = k.config.configSUPPORT_STATIC_ALLOCATION === 1 ? createKernelQueue(k, k.config.configTIMER_QUEUE_LENGTH, "TmrQ", k.memory === null ? 0 : k.kernelStaticBase() + kernelStaticLayout(k).timerQueue) : createQueue(k, k.config.configTIMER_QUEUE_LENGTH, 0, QueueKind.Queue, "TmrQ");
    if (queue === null) k.fail(call, "the heap cannot hold the timer command queue");
    svc = new TimerService(queue);
    services.set(k, svc);
  }
  return svc;
}

/** Creates the timer service task (vTaskStartScheduler calls this after creating the idle task). */
export function startTimerService(k: Kernel): KernelTask | null {
  const svc = service(k, "vTaskStartScheduler");
  const ref: Ref<KernelTask | null> = { value: null };
  createKernelTask(k, () => timerTask(k, svc), "Tmr Svc", k.config.configTIMER_TASK_STACK_DEPTH, k.config.configTIMER_TASK_PRIORITY, ref);
  svc.task = ref.value;
  return ref.value;
}

function wrap(k: Kernel, ticks: number): number {
  const modulus = k.maxDelay + 1;
  return k.config.configTICK_TYPE_WIDTH_IN_BITS === 64 ? ticks : ((ticks % modulus) + modulus) % modulus;
}

// ───────────────────────────── the timer task ─────────────────────────────

async function timerTask(k: Kernel, svc: TimerService): Promise<void> {
  const message: Ref<TimerMessage | undefined> = { value: undefined };
  for (;;) {
    // prvGetNextExpireTime
    let listWasEmpty = svc.current.count === 0;
    const nextExpire = listWasEmpty ? 0 : svc.current.nextWake();
    // prvProcessTimerOrBlockTask
    const now = k.getTickCount();
    if (now < svc.lastTime) {
      await switchTimerLists(k, svc);
      svc.lastTime = now;
    } else {
      svc.lastTime = now;
      if (!listWasEmpty && nextExpire <= now) {
        const pending = processExpiredTimer(k, svc, nextExpire, now);
        if (pending !== null) await pending;
      } else {
        if (listWasEmpty) listWasEmpty = svc.overflow.count === 0;
        await queueWaitForMessageRestricted(k, svc.queue, wrap(k, nextExpire - now), listWasEmpty);
      }
    }
    // prvProcessReceivedCommands
    while ((await queueReceive(k, svc.queue, message as Ref<unknown>, 0, false, "timer task")) === pdPASS) {
      const msg = message.value!;
      message.value = undefined;
      const pending = processCommand(k, svc, msg);
      if (pending !== null) await pending;
    }
  }
}

/*
 * Callbacks may be async. Each one runs to completion before the timer task goes on (as the
 * plain C call does), so the steps below return null when every callback was synchronous and
 * otherwise a promise that finishes the step, awaiting each callback in turn.
 */
type Step = Promise<void> | null;

function isThenable(value: unknown): value is PromiseLike<void> {
  return value !== undefined && value !== null && typeof (value as PromiseLike<void>).then === "function";
}

/**
 * What a callback returned, as the timer task must wait for it: null for a plain callback, its
 * promise for an async one, and for a generator callback the generator run to its end (its
 * kernel calls take the generator lane).
 */
function pendingOf(k: Kernel, result: unknown): PromiseLike<void> | null {
  if (isThenable(result)) return result;
  if (isGenerator(result)) return k.driveGenerator(result) as Promise<void>;
  return null;
}

/** prvSampleTimeNow (for commands): a tick count below the last one means the count wrapped. */
async function sampleTimeNowAsync(k: Kernel, svc: TimerService): Promise<number> {
  const now = k.getTickCount();
  if (now < svc.lastTime) await switchTimerLists(k, svc);
  svc.lastTime = now;
  return now;
}

/** prvSwitchTimerLists: every timer still in the current list belongs to the epoch that just ended: it expires now. */
async function switchTimerLists(k: Kernel, svc: TimerService): Promise<void> {
  while (svc.current.count > 0) {
    const pending = processExpiredTimer(k, svc, svc.current.nextWake(), k.maxDelay);
    if (pending !== null) await pending;
  }
  const old = svc.current;
  svc.current = svc.overflow;
  svc.overflow = old;
}

/** Calls the timer's callback; returns its promise when it is async. */
function expire(k: Kernel, svc: TimerService, timer: SoftwareTimer): PromiseLike<void> | null {
  if (k.traceEnabled()) k.emit("timer.expired", svc.task?.name, timer.name, timer.item.value);
  return pendingOf(k, timer.callback(timer));
}

/** prvProcessExpiredTimer: the head of the current list expired. */
function processExpiredTimer(k: Kernel, svc: TimerService, nextExpire: number, now: number): Step {
  const timer = svc.current.headOfNext();
  svc.current.remove(timer.item);
  timer.inList = null;
  if (!timer.autoReload) {
    timer.active = false;
    const pending = expire(k, svc, timer);
    return pending === null ? null : Promise.resolve(pending);
  }
  const reloading = reloadTimer(k, svc, timer, nextExpire, now);
  if (reloading === null) {
    const pending = expire(k, svc, timer);
    return pending === null ? null : Promise.resolve(pending);
  }
  return reloading.then(() => expire(k, svc, timer) ?? undefined);
}

/** prvReloadTimer: re-arms an auto-reload timer, calling back once for each period already missed. */
function reloadTimer(k: Kernel, svc: TimerService, timer: SoftwareTimer, expired: number, now: number): Step {
  while (insertTimerInActiveList(k, svc, timer, wrap(k, expired + timer.periodTicks), now, expired)) {
    expired = wrap(k, expired + timer.periodTicks);
    const pending = expire(k, svc, timer);
    if (pending !== null) return finishReload(k, svc, timer, expired, now, pending);
  }
  return null;
}

async function finishReload(k: Kernel, svc: TimerService, timer: SoftwareTimer, expired: number, now: number, pending: PromiseLike<void>): Promise<void> {
  await pending;
  while (insertTimerInActiveList(k, svc, timer, wrap(k, expired + timer.periodTicks), now, expired)) {
    expired = wrap(k, expired + timer.periodTicks);
    const next = expire(k, svc, timer);
    if (next !== null) await next;
  }
}

/** prvInsertTimerInActiveList: true when the expiry has already passed (process it now). */
function insertTimerInActiveList(k: Kernel, svc: TimerService, timer: SoftwareTimer, nextExpiry: number, now: number, commandTime: number): boolean {
  timer.item.value = nextExpiry;
  if (nextExpiry <= now) {
    if (wrap(k, now - commandTime) >= timer.periodTicks) return true;
    svc.overflow.insert(timer.item, nextExpiry);
    timer.inList = svc.overflow;
  } else {
    if (now < commandTime && nextExpiry >= commandTime) return true;
    svc.current.insert(timer.item, nextExpiry);
    timer.inList = svc.current;
  }
  return false;
}

function processCommand(k: Kernel, svc: TimerService, msg: TimerMessage): Step {
  if (msg.id < 0) {
    const pending = pendingOf(k, msg.fn!(msg.param1, msg.value));
    return pending === null ? null : Promise.resolve(pending);
  }
  const timer = msg.timer!;
  if (timer.deleted) return null;
  if (timer.inList !== null) {
    timer.inList.remove(timer.item);
    timer.inList = null;
  }
  const now = k.getTickCount();
  if (now < svc.lastTime) return sampleTimeNowAsync(k, svc).then((sampled) => applyCommand(k, svc, msg, timer, sampled) ?? undefined);
  svc.lastTime = now;
  return applyCommand(k, svc, msg, timer, now);
}

function applyCommand(k: Kernel, svc: TimerService, msg: TimerMessage, timer: SoftwareTimer, now: number): Step {
  switch (msg.id) {
    case CMD_START:
    case CMD_START_FROM_ISR:
    case CMD_RESET:
    case CMD_RESET_FROM_ISR: {
      timer.active = true;
      const expiry = wrap(k, msg.value + timer.periodTicks);
      if (insertTimerInActiveList(k, svc, timer, expiry, now, msg.value)) {
        // It expired before it could be added (the command waited too long in the queue).
        if (!timer.autoReload) {
          timer.active = false;
          const pending = expire(k, svc, timer);
          return pending === null ? null : Promise.resolve(pending);
        }
        const reloading = reloadTimer(k, svc, timer, expiry, now);
        if (reloading !== null) return reloading.then(() => expire(k, svc, timer) ?? undefined);
        const pending = expire(k, svc, timer);
        return pending === null ? null : Promise.resolve(pending);
      }
      break;
    }
    case CMD_STOP:
    case CMD_STOP_FROM_ISR:
      timer.active = false;
      break;
    case CMD_CHANGE_PERIOD:
    case CMD_CHANGE_PERIOD_FROM_ISR:
      timer.active = true;
      timer.periodTicks = msg.value;
      insertTimerInActiveList(k, svc, timer, wrap(k, now + timer.periodTicks), now, now);
      break;
    case CMD_DELETE:
      timer.active = false;
      timer.deleted = true;
      if (timer.ownsHeapBlock) k.heap.free(timer.controlAddress);
      else releaseStaticBuffers(k, timer);
      break;
  }
  return null;
}

// ───────────────────────────── API ─────────────────────────────

function checkTimer(k: Kernel, call: string, timer: unknown): SoftwareTimer {
  if (!(timer instanceof SoftwareTimer)) throw new TypeError(`${call}: expected a timer handle, got ${timer === null ? "null" : typeof timer}`);
  if (timer.kernel !== k) throw new TypeError(`${call}: ${timer} belongs to another kernel`);
  if (timer.deleted) k.fail(call, `${timer} has been deleted`);
  return timer;
}

function checkPeriod(k: Kernel, call: string, period: unknown): number {
  if (typeof period !== "number") throw wrongType(call, "the period", "a number of ticks", period);
  if (!Number.isInteger(period) || period < 0) throw new RangeError(`${call}: the period must be a positive integer number of ticks, got ${String(period)}`);
  if (period === 0) k.fail(call, "the period must not be 0 ticks");
  if (period > k.maxDelay) throw new RangeError(`${call}: the period ${period} exceeds portMAX_DELAY (${k.maxDelay})`);
  return period;
}

/** xTimerCreate: a dormant timer, or null when the heap cannot hold it. */
export function createTimer(k: Kernel, name: string, periodTicks: number, autoReload: number | boolean, id: unknown, callback: TimerCallback, chargeHeap = true): SoftwareTimer | null {
  const call = "xTimerCreate";
  k.assertNotIsr(call);
  if (typeof name !== "string") throw new TypeError(`${call}: name must be a string, got ${typeof name}`);
  periodTicks = checkPeriod(k, `${call}("${name}")`, periodTicks);
  if (typeof callback !== "function") throw new TypeError(`${call}("${name}"): the callback must be a function, got ${typeof callback}`);
  service(k, call);
  const block = chargeHeap ? k.allocateObject(sizeOf.timer, `timer "${name}"`, call) : 0;
  if (chargeHeap && block === 0) return null;
  const timer = new SoftwareTimer(k, name, periodTicks, !!autoReload, id, callback);
  timer.controlAddress = block;
  timer.ownsHeapBlock = chargeHeap;
  if (chargeHeap) k.heap.label(block, "timer", timer);
  if (k.traceEnabled()) k.emit("timer.created", k.current?.name, name, periodTicks);
  return timer;
}

/** xTimerCreateStatic: the Timer_t in `buffer` (at least sizeof(StaticTimer_t)); no heap. */
export function createTimerStatic(k: Kernel, name: string, periodTicks: number, autoReload: number | boolean, id: unknown, callback: TimerCallback, buffer: Uint8Array): SoftwareTimer {
  const call = "xTimerCreateStatic";
  k.assertNotIsr(call);
  if (typeof name !== "string") throw new TypeError(`${call}: name must be a string, got ${typeof name}`);
  periodTicks = checkPeriod(k, `${call}("${name}")`, periodTicks);
  if (typeof callback !== "function") throw new TypeError(`${call}("${name}"): the callback must be a function, got ${typeof callback}`);
  const address = checkStaticBuffer(k, `${call}("${name}")`, "pxTimerBuffer", buffer, sizeOf.timer, "StaticTimer_t");
  service(k, call);
  const timer = new SoftwareTimer(k, name, periodTicks, !!autoReload, id, callback);
  timer.controlAddress = address;
  claimStaticBuffer(k, timer, `timer "${name}"`, buffer, sizeOf.timer);
  if (k.traceEnabled()) k.emit("timer.created", k.current?.name, name, periodTicks);
  return timer;
}

/** xTimerGenericCommand from a task: posts the command; pdFAIL when the queue stayed full. */
function command(k: Kernel, call: string, timer: SoftwareTimer, id: number, value: number, ticksToWait: number): KernelCall<number> {
  k.assertNotIsr(call);
  const svc = service(k, call);
  if (k.traceEnabled()) k.emit("timer.command", k.current?.name, timer.name, id);
  return queueSend(k, svc.queue, new TimerMessage(id, value, timer, null, null), k.isSchedulerRunning() ? ticksToWait : 0, queueSEND_TO_BACK, call);
}

function commandFromIsr(k: Kernel, call: string, timer: SoftwareTimer, id: number, value: number, woken: Ref<number> | null | undefined): number {
  k.checkFromIsr(call);
  const svc = service(k, call);
  if (k.traceEnabled()) k.emit("timer.command", k.isrName ?? undefined, timer.name, id);
  return queueSendFromIsr(k, svc.queue, new TimerMessage(id, value, timer, null, null), woken, queueSEND_TO_BACK, call);
}

/** xTimerStart / xTimerReset / xTimerStop / xTimerDelete: stamped with the tick count now. */
export function timerStart(k: Kernel, t: SoftwareTimer, ticksToWait: number, reset = false): KernelCall<number> {
  const call = reset ? "xTimerReset" : "xTimerStart";
  t = checkTimer(k, call, t);
  return command(k, call, t, reset ? CMD_RESET : CMD_START, k.getTickCount(), k.checkTicks(call, ticksToWait));
}

export function timerStop(k: Kernel, t: SoftwareTimer, ticksToWait: number): KernelCall<number> {
  t = checkTimer(k, "xTimerStop", t);
  return command(k, "xTimerStop", t, CMD_STOP, 0, k.checkTicks("xTimerStop", ticksToWait));
}

export function timerChangePeriod(k: Kernel, t: SoftwareTimer, periodTicks: number, ticksToWait: number): KernelCall<number> {
  const call = "xTimerChangePeriod";
  t = checkTimer(k, call, t);
  return command(k, call, t, CMD_CHANGE_PERIOD, checkPeriod(k, call, periodTicks), k.checkTicks(call, ticksToWait));
}

export function timerDelete(k: Kernel, t: SoftwareTimer, ticksToWait: number): KernelCall<number> {
  t = checkTimer(k, "xTimerDelete", t);
  return command(k, "xTimerDelete", t, CMD_DELETE, 0, k.checkTicks("xTimerDelete", ticksToWait));
}

export function timerStartFromIsr(k: Kernel, t: SoftwareTimer, woken: Ref<number> | null | undefined, reset = false): number {
  const call = reset ? "xTimerResetFromISR" : "xTimerStartFromISR";
  t = checkTimer(k, call, t);
  return commandFromIsr(k, call, t, reset ? CMD_RESET_FROM_ISR : CMD_START_FROM_ISR, k.getTickCount(), woken);
}

export function timerStopFromIsr(k: Kernel, t: SoftwareTimer, woken: Ref<number> | null | undefined): number {
  t = checkTimer(k, "xTimerStopFromISR", t);
  return commandFromIsr(k, "xTimerStopFromISR", t, CMD_STOP_FROM_ISR, 0, woken);
}

export function timerChangePeriodFromIsr(k: Kernel, t: SoftwareTimer, periodTicks: number, woken: Ref<number> | null | undefined): number {
  const call = "xTimerChangePeriodFromISR";
  t = checkTimer(k, call, t);
  return commandFromIsr(k, call, t, CMD_CHANGE_PERIOD_FROM_ISR, checkPeriod(k, call, periodTicks), woken);
}

/** xTimerPendFunctionCall: runs fn(param1, param2) in the timer task. */
export function pendFunctionCall(k: Kernel, fn: PendedFunction, param1: unknown, param2: number, ticksToWait: number): KernelCall<number> {
  const call = "xTimerPendFunctionCall";
  k.assertNotIsr(call);
  if (typeof fn !== "function") throw new TypeError(`${call}: expected a function, got ${typeof fn}`);
  const svc = service(k, call);
  return queueSend(k, svc.queue, new TimerMessage(CMD_EXECUTE_CALLBACK, param2, null, fn, param1), k.checkTicks(call, ticksToWait), queueSEND_TO_BACK, call);
}

/** xTimerPendFunctionCallFromISR: pdFAIL when the timer queue is full. */
export function pendFunctionCallFromIsr(k: Kernel, fn: PendedFunction, param1: unknown, param2: number, woken: Ref<number> | null | undefined, call = "xTimerPendFunctionCallFromISR"): number {
  k.checkFromIsr(call);
  if (typeof fn !== "function") throw new TypeError(`${call}: expected a function, got ${typeof fn}`);
  const svc = service(k, call);
  return queueSendFromIsr(k, svc.queue, new TimerMessage(CMD_EXECUTE_CALLBACK_FROM_ISR, param2, null, fn, param1), woken, queueSEND_TO_BACK, call);
}

export function timerIsActive(k: Kernel, t: SoftwareTimer): number {
  return checkTimer(k, "xTimerIsTimerActive", t).active ? pdTRUE : pdFALSE;
}

export function timerGetExpiryTime(k: Kernel, t: SoftwareTimer): number {
  return checkTimer(k, "xTimerGetExpiryTime", t).item.value;
}

export function timerSetReloadMode(k: Kernel, t: SoftwareTimer, autoReload: number | boolean): void {
  checkTimer(k, "vTimerSetReloadMode", t).autoReload = !!autoReload;
}

export { checkTimer, commandNames as timerCommandNames };

// ───────────────────────────── immediate control (for layers above) ─────────────────────────────

/**
 * Starts (or restarts) a timer at once, without the command queue: it expires `periodTicks`
 * (default: its period) after the current tick. For layers whose API cannot wait for a queue
 * slot (the Go bridge's time.After, Timer.Reset). Wakes the timer task so it re-reads its
 * next expiry.
 */
export function timerStartNow(k: Kernel, timer: SoftwareTimer, periodTicks?: number): void {
  const call = "timerStartNow";
  timer = checkTimer(k, call, timer);
  if (periodTicks !== undefined) timer.periodTicks = checkPeriod(k, call, periodTicks);
  const svc = service(k, call);
  if (timer.inList !== null) {
    timer.inList.remove(timer.item);
    timer.inList = null;
  }
  timer.active = true;
  const now = k.getTickCount();
  const expiry = wrap(k, now + timer.periodTicks);
  if (now < svc.lastTime) {
    // The timer task has not yet seen the tick count wrap: the new epoch's list is still the overflow one.
    timer.item.value = expiry;
    svc.overflow.insert(timer.item, expiry);
    timer.inList = svc.overflow;
  } else {
    insertTimerInActiveList(k, svc, timer, expiry, now, now);
  }
  if (svc.queue.rxWait.length > 0 && k.removeFromEventList(svc.queue.rxWait)) k.requestSwitch();
}

/** Stops a timer at once, without the command queue; returns whether it was active. */
export function timerStopNow(k: Kernel, timer: SoftwareTimer): boolean {
  timer = checkTimer(k, "timerStopNow", timer);
  const wasActive = timer.active;
  if (timer.inList !== null) {
    timer.inList.remove(timer.item);
    timer.inList = null;
  }
  timer.active = false;
  return wasActive;
}
