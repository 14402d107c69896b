/**
 * Blocking beyond the hot path: unordered event lists (event groups), the timeout API for
 * driver code (vTaskSetTimeOutState, xTaskCheckForTimeOut), priority inheritance, and waits
 * on promises from outside the kernel. The per-switch blocking calls (placeOnEventList,
 * removeFromEventList, ...) stay Kernel methods.
 * @module
 */
import { pdFALSE, pdTRUE } from "./constants.js";
import { Exec, wallNow } from "./exec.js";
import type { KernelCall } from "./lane.js";
import { ResumeWithError } from "./park.js";
import type { Kernel, KernelTask, Ref, TimeOut } from "./kernel.js";
import { ListKind, type EventList } from "./list.js";
import type { Continuation } from "./task.js";

/** Changes a task's event-list value; a list it is in may now be out of order (rule 15). */
export function setEventValue(k: Kernel, t: KernelTask, value: number): void {
  t.eValue = value;
  if (t.eList !== null) t.eList.unsorted = true;
}

/** uxTaskResetEventItemValue: after an event-group wait the item sorts by priority again; returns the bits it held. */
export function resetEventItemValue(k: Kernel, t: KernelTask): number {
  const bits = t.eValue;
  t.eValue = k.maxPriorities - t.priority;
  t.eventValueInUse = false;
  return bits;
}

/** vTaskPlaceOnUnorderedEventList: FIFO, with the item value carrying `itemValue` (event bits). */
export function placeOnUnorderedEventList(k: Kernel, eventList: EventList<KernelTask>, itemValue: number, ticksToWait: number, cont: Continuation<Kernel>, blockedOn: string): void {
  const t = k.current!;
  t.eValue = itemValue;
  t.eventValueInUse = true;
  eventList.insertEnd(t);
  k.addCurrentToDelayedList(ticksToWait, true);
  t.cont = cont;
  t.blockedOn = blockedOn;
  if (k.traceSink !== null) k.traceBlocked(t, blockedOn, ticksToWait);
}

/** vTaskSetTimeOutState: records the tick count and wrap count for xTaskCheckForTimeOut. */
export function setTimeOut(k: Kernel, timeOut: TimeOut): void {
  if (timeOut === null || typeof timeOut !== "object") throw new TypeError("vTaskSetTimeOutState: pxTimeOut must be an object");
  timeOut.overflowCount = k.overflows;
  timeOut.timeOnEntering = k.getTickCount();
}

/**
 * xTaskCheckForTimeOut (rule 12) for driver code: pdTRUE when the wait begun at `timeOut` has
 * timed out (also when the calling task's delay was aborted); otherwise updates `ticksToWait`
 * to what is left and restarts `timeOut`.
 */
export function checkTimeOut(k: Kernel, timeOut: TimeOut, ticksToWait: Ref<number>): number {
  const call = "xTaskCheckForTimeOut";
  if (timeOut === null || typeof timeOut !== "object" || typeof timeOut.timeOnEntering !== "number") throw new TypeError(`${call}: pxTimeOut must be set by vTaskSetTimeOutState first`);
  if (ticksToWait === null || typeof ticksToWait !== "object" || typeof ticksToWait.value !== "number") throw new TypeError(`${call}: pxTicksToWait must be a { value: number } reference`);
  const t = k.current;
  if (t !== null && k.exec === Exec.Task && t.delayAborted) {
    t.delayAborted = false;
    return pdTRUE;
  }
  const left = k.ticksLeft(timeOut.overflowCount, timeOut.timeOnEntering, k.checkTicks(call, ticksToWait.value, "*pxTicksToWait"));
  if (left < 0) {
    ticksToWait.value = 0;
    return pdTRUE;
  }
  if (left !== ticksToWait.value) {
    ticksToWait.value = left;
    setTimeOut(k, timeOut);
  }
  return pdFALSE;
}

/** xTaskPriorityInherit (rule 25); returns true when the holder now runs at an inherited priority. */
export function priorityInherit(k: Kernel, holder: KernelTask | null): boolean {
  const cur = k.current!;
  if (holder === null) return false;
  if (holder.priority < cur.priority) {
    if (!holder.eventValueInUse) setEventValue(k, holder, k.maxPriorities - cur.priority);
    const list = holder.stateItem.container;
    if (list !== null && list === k.readyLists[holder.priority]) {
      k.removeFromReadyList(holder, list);
      holder.priority = cur.priority;
      k.addToReadyList(holder);
    } else {
      holder.priority = cur.priority;
    }
    if (k.traceSink !== null) k.emit("task.priorityInherit", holder.name, undefined, cur.priority);
    return true;
  }
  return holder.basePriority < cur.priority;
}

/** xTaskPriorityDisinherit (rule 26): on giving a mutex; true means a yield is required. */
export function priorityDisinherit(k: Kernel, holder: KernelTask, call: string): boolean {
  if (holder !== k.current) k.fail(call, `task "${holder.name}" holds the mutex`);
  if (holder.mutexesHeld === 0) k.fail(call, "the task holds no mutex");
  holder.mutexesHeld--;
  if (holder.priority !== holder.basePriority && holder.mutexesHeld === 0) {
    const list = holder.stateItem.container;
    if (list !== null && list.kind === ListKind.Ready) k.removeFromReadyList(holder, list);
    if (k.traceSink !== null) k.emit("task.priorityDisinherit", holder.name, undefined, holder.basePriority);
    holder.priority = holder.basePriority;
    if (!holder.eventValueInUse) setEventValue(k, holder, k.maxPriorities - holder.priority);
    k.addToReadyList(holder);
    return true;
  }
  return false;
}

/**
 * Hands a held mutex to another task (not a FreeRTOS call: the Go bridge's Mutex may be
 * unlocked by a goroutine other than the locker). The old holder gives up any priority it
 * inherited when it holds no other mutex.
 */
export function transferMutex(k: Kernel, mutex: { holder: KernelTask | null }, to: KernelTask): void {
  const from = mutex.holder;
  if (from === null || from === to) return;
  from.mutexesHeld--;
  if (from.mutexesHeld === 0 && from.priority !== from.basePriority) {
    const list = from.stateItem.container;
    const wasReady = list !== null && list.kind === ListKind.Ready;
    if (wasReady) k.removeFromReadyList(from, list);
    if (k.traceSink !== null) k.emit("task.priorityDisinherit", from.name, undefined, from.basePriority);
    from.priority = from.basePriority;
    if (!from.eventValueInUse) setEventValue(k, from, k.maxPriorities - from.priority);
    if (wasReady) k.addToReadyList(from);
  }
  mutex.holder = to;
  to.mutexesHeld++;
}

/** vTaskPriorityDisinheritAfterTimeout (rule 27). */
export function priorityDisinheritAfterTimeout(k: Kernel, holder: KernelTask | null, highestWaitingPriority: number): void {
  if (holder === null) return;
  const target = Math.max(holder.basePriority, highestWaitingPriority);
  if (holder.priority !== target && holder.mutexesHeld === 1) {
    const before = holder.priority;
    if (k.traceSink !== null) k.emit("task.priorityDisinherit", holder.name, undefined, target);
    holder.priority = target;
    if (!holder.eventValueInUse) setEventValue(k, holder, k.maxPriorities - target);
    const list = holder.stateItem.container;
    if (list !== null && list === k.readyLists[before]) {
      k.removeFromReadyList(holder, list);
      k.addToReadyList(holder);
    }
  }
}

/**
 * Blocks the running task until `promise` settles (outside work: I/O, a host timer). Virtual
 * time does not advance while the system is otherwise idle and an external promise is pending.
 */
export function awaitExternal<T>(k: Kernel, promise: PromiseLike<T>): KernelCall<T> {
  const call = "external";
  k.assertNotIsr(call);
  if (promise === null || (typeof promise !== "object" && typeof promise !== "function") || typeof (promise as PromiseLike<T>).then !== "function")
    throw new TypeError(`${call}: expected a promise, got ${promise === null ? "null" : typeof promise}`);
  if (k.exec !== Exec.Task) return Promise.resolve(promise) as KernelCall<T>;
  k.assertCanBlock(call);
  const t = k.current!;
  k.externalsPending++;
  k.removeState(t);
  k.suspendedList.insertEnd(t.stateItem);
  t.blockedOn = "external";
  t.cont = null;
  t.resumeValue = 0;
  if (k.traceSink !== null) k.emit("task.blocked", t.name, "external", -1);
  // Lane-neutral: the outcome becomes the task's resume value, as a continuation would write it.
  const settle = (value: unknown): void => {
    k.externalsPending--;
    if (t.deleted || t.stateItem.container !== k.suspendedList || t.blockedOn !== "external") return;
    k.suspendedList.remove(t.stateItem);
    t.blockedOn = null;
    t.resumeValue = value;
    wakeFromOutside(k, t);
  };
  Promise.resolve(promise).then(settle, (error: unknown) => settle(new ResumeWithError(error)));
  return k.switchAway<T>();
}

/** Readies a task from host code (an external settled) and resumes the kernel if it waits. */
function wakeFromOutside(k: Kernel, t: KernelTask): void {
  if (k.schedulerSuspended > 0) k.pendingReadyList.insertEnd(t);
  else k.addToReadyList(t);
  if (k.current !== null && t.priority > k.current.priority) k.requestSwitch();
  if (k.exec === Exec.ExternalWait) {
    // The idle task was waiting for the outside world: let the scheduler pick again.
    k.exec = Exec.Kernel;
    k.hostDeadline = wallNow() + k.config.hostYieldIntervalMs;
    if (k.runActive) k.armWatchdog();
    k.switchContext();
    k.dispatch();
  }
}
