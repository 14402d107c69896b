/**
 * Direct-to-task notifications (the notification part of FreeRTOS's tasks.c): every task holds
 * configTASK_NOTIFICATION_ARRAY_ENTRIES 32-bit values, each with a state (not waiting, waiting,
 * received). Rule 30 governs them.
 * @module
 */
import {
  eIncrement,
  eNoAction,
  eSetBits,
  eSetValueWithOverwrite,
  eSetValueWithoutOverwrite,
  pdFAIL,
  pdFALSE,
  pdPASS,
  pdTRUE,
  type NotifyAction,
} from "./constants.js";
import { settled } from "./exec.js";
import type { KernelCall } from "./lane.js";
import type { Kernel, KernelTask, Ref } from "./kernel.js";
import { checkInteger } from "./check.js";
import { NOTIFY_NOT_WAITING, NOTIFY_RECEIVED, NOTIFY_WAITING } from "./task.js";

function checkIndex(k: Kernel, call: string, index: number): number {
  checkInteger(call, "uxIndexToNotify", index, 0, Infinity, "a non-negative integer");
  if (index >= k.config.configTASK_NOTIFICATION_ARRAY_ENTRIES)
    k.fail(call, `notification index ${index} is not below configTASK_NOTIFICATION_ARRAY_ENTRIES (${k.config.configTASK_NOTIFICATION_ARRAY_ENTRIES})`);
  return index;
}

function checkBits(call: string, name: string, bits: number): number {
  return checkInteger(call, name, bits, 0, 0xffffffff, "an unsigned 32-bit integer") >>> 0;
}

/** Applies `action`; false only for eSetValueWithoutOverwrite with a notification pending. */
function applyAction(k: Kernel, call: string, t: KernelTask, index: number, value: number, action: NotifyAction, prev: Ref<number> | null | undefined): { ok: boolean; wasWaiting: boolean } {
  if (action !== eNoAction && action !== eSetBits && action !== eIncrement && action !== eSetValueWithOverwrite && action !== eSetValueWithoutOverwrite)
    k.fail(call, `invalid eNotifyAction ${String(action)}`);
  value = checkBits(call, "ulValue", value);
  if (prev) prev.value = t.notifyValue(index);
  const original = t.notifyState(index);
  t.setNotifyState(index, NOTIFY_RECEIVED);
  let ok = true;
  switch (action) {
    case eSetBits:
      t.setNotifyValue(index, (t.notifyValue(index) | value) >>> 0);
      break;
    case eIncrement:
      t.setNotifyValue(index, (t.notifyValue(index) + 1) >>> 0);
      break;
    case eSetValueWithOverwrite:
      t.setNotifyValue(index, value);
      break;
    case eSetValueWithoutOverwrite:
      if (original !== NOTIFY_RECEIVED) t.setNotifyValue(index, value);
      else ok = false;
      break;
    default:
      break;
  }
  if (k.traceEnabled()) k.emit("task.notify", t.name, undefined, t.notifyValue(index));
  return { ok, wasWaiting: original === NOTIFY_WAITING };
}

/** notifyWithoutYield result bits. */
export const NOTIFIED = 1;
export const NOTIFY_PREEMPTS = 2;

/**
 * The body of xTaskGenericNotify without the yield: returns NOTIFIED when the action applied
 * and NOTIFY_PREEMPTS when it readied a task that outranks the caller. (Stream buffers notify
 * their waiting reader or writer through it.)
 */
export function notifyWithoutYield(k: Kernel, t: KernelTask, index: number, value: number, action: NotifyAction, prev: Ref<number> | null | undefined, call: string): number {
  const { ok, wasWaiting } = applyAction(k, call, t, index, value, action, prev);
  let bits = ok ? NOTIFIED : 0;
  if (wasWaiting) {
    // Readied directly, even with the scheduler suspended (rule 30).
    k.removeState(t);
    t.blockedOn = null;
    k.addToReadyList(t);
    if (k.current !== null && t.priority > k.current.priority) bits |= NOTIFY_PREEMPTS;
  }
  return bits;
}

/** xTaskGenericNotify: xTaskNotify, xTaskNotifyGive, xTaskNotifyAndQuery and their Indexed forms. */
export function notify(k: Kernel, handle: KernelTask, index: number, value: number, action: NotifyAction, prev?: Ref<number> | null, call = "xTaskNotify"): KernelCall<number> {
  k.assertNotIsr(call);
  const t = k.checkTask(call, handle, false);
  index = checkIndex(k, call, index);
  const bits = notifyWithoutYield(k, t, index, value, action, prev, call);
  return k.result((bits & NOTIFIED) !== 0 ? pdPASS : pdFAIL, (bits & NOTIFY_PREEMPTS) !== 0);
}

/** xTaskGenericNotifyFromISR / vTaskGenericNotifyGiveFromISR: uses the pending-ready list while suspended. */
export function notifyFromIsr(k: Kernel, handle: KernelTask, index: number, value: number, action: NotifyAction, prev: Ref<number> | null | undefined, woken: Ref<number> | null | undefined, call = "xTaskNotifyFromISR"): number {
  k.checkFromIsr(call);
  const t = k.checkTask(call, handle, false);
  index = checkIndex(k, call, index);
  const { ok, wasWaiting } = applyAction(k, call, t, index, value, action, prev);
  // Readied, or put on the pending-ready list while the scheduler is suspended (rule 30).
  if (wasWaiting && k.readyUnblocked(t) && woken) woken.value = pdTRUE;
  return ok ? pdPASS : pdFAIL;
}

function requireTask(k: Kernel, call: string): KernelTask {
  if (!k.inTask()) k.fail(call, "only a task can wait for its own notification");
  return k.current!;
}

/** ulTaskNotifyTake(Indexed): returns the value before it was decremented or cleared. Waits only when the value is 0 and `ticks` > 0. */
export function notifyTake(k: Kernel, index: number, clearOnExit: number | boolean, ticks: number, call = "ulTaskNotifyTake"): KernelCall<number> {
  k.assertNotIsr(call);
  ticks = k.checkTicks(call, ticks);
  index = checkIndex(k, call, index);
  const t = requireTask(k, call);
  t.opArg = index;
  t.opItem = clearOnExit ? 1 : 0;
  if (t.notifyValue(index) === 0 && ticks > 0) {
    k.assertCanBlock(call);
    t.setNotifyState(index, NOTIFY_WAITING);
    if (k.traceEnabled()) k.emit("task.notifyWait", t.name, undefined, index);
    k.blockWithoutEventList(ticks, notifyTakeFinish, "notification");
    return k.switchAway();
  }
  notifyTakeFinish(k, t);
  return settled(t.resumeValue as number);
}

function notifyTakeFinish(_k: Kernel, t: KernelTask): void {
  const index = t.opArg;
  const value = t.notifyValue(index);
  if (value !== 0) t.setNotifyValue(index, t.opItem === 1 ? 0 : value - 1);
  t.setNotifyState(index, NOTIFY_NOT_WAITING);
  t.opItem = undefined;
  t.resumeValue = value;
}

/**
 * xTaskNotifyWait(Indexed) (rule 30, V11.2.0): only a wait that may block (nothing pending and
 * `ticks` > 0) clears `clearOnEntry` bits first; with a zero timeout nothing is cleared on entry.
 */
export function notifyWait(k: Kernel, index: number, clearOnEntry: number, clearOnExit: number, valueRef: Ref<number> | null | undefined, ticks: number, call = "xTaskNotifyWait"): KernelCall<number> {
  k.assertNotIsr(call);
  ticks = k.checkTicks(call, ticks);
  index = checkIndex(k, call, index);
  clearOnEntry = checkBits(call, "ulBitsToClearOnEntry", clearOnEntry);
  clearOnExit = checkBits(call, "ulBitsToClearOnExit", clearOnExit);
  if (valueRef !== null && valueRef !== undefined && typeof valueRef !== "object") throw new TypeError(`${call}: pulNotificationValue must be a { value } reference or null`);
  const t = requireTask(k, call);
  t.opArg = index;
  t.opItem = valueRef ?? null;
  t.opObject = clearOnExit;
  if (t.notifyState(index) !== NOTIFY_RECEIVED && ticks > 0) {
    k.assertCanBlock(call);
    t.setNotifyValue(index, (t.notifyValue(index) & ~clearOnEntry) >>> 0);
    t.setNotifyState(index, NOTIFY_WAITING);
    if (k.traceEnabled()) k.emit("task.notifyWait", t.name, undefined, index);
    k.blockWithoutEventList(ticks, notifyWaitFinish, "notification");
    return k.switchAway();
  }
  notifyWaitFinish(k, t);
  return settled(t.resumeValue as number);
}

function notifyWaitFinish(_k: Kernel, t: KernelTask): void {
  const index = t.opArg;
  const ref = t.opItem as Ref<number> | null;
  if (ref !== null) ref.value = t.notifyValue(index);
  if (t.notifyState(index) !== NOTIFY_RECEIVED) {
    t.resumeValue = pdFALSE;
  } else {
    t.setNotifyValue(index, (t.notifyValue(index) & ~(t.opObject as number)) >>> 0);
    t.resumeValue = pdTRUE;
  }
  t.setNotifyState(index, NOTIFY_NOT_WAITING);
  t.opItem = undefined;
  t.opObject = null;
}

/** xTaskNotifyStateClear(Indexed): pdTRUE when a notification was pending (and is now cleared). */
export function notifyStateClear(k: Kernel, handle: KernelTask | null, index: number, call = "xTaskNotifyStateClear"): number {
  const t = k.checkTask(call, handle, true);
  index = checkIndex(k, call, index);
  if (t.notifyState(index) === NOTIFY_RECEIVED) {
    t.setNotifyState(index, NOTIFY_NOT_WAITING);
    return pdTRUE;
  }
  return pdFALSE;
}

/** ulTaskNotifyValueClear(Indexed): clears `bits`, returns the value before clearing. */
export function notifyValueClear(k: Kernel, handle: KernelTask | null, index: number, bits: number, call = "ulTaskNotifyValueClear"): number {
  const t = k.checkTask(call, handle, true);
  index = checkIndex(k, call, index);
  bits = checkBits(call, "ulBitsToClear", bits);
  const before = t.notifyValue(index);
  t.setNotifyValue(index, (before & ~bits) >>> 0);
  return before;
}
