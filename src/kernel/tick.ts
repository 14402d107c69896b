/**
 * The tick and critical sections: xTaskIncrementTick, the tick hook, vTaskSuspendAll /
 * xTaskResumeAll with the pending-ready list and pended ticks, taskENTER/EXIT_CRITICAL.
 * @module
 */
import { pdFALSE, pdTRUE } from "./constants.js";
import { Exec, settled } from "./exec.js";
import { genLane, type KernelCall } from "./lane.js";
import { callHookInInterruptContext, serviceInterrupts } from "./isr.js";
import type { Kernel } from "./kernel.js";

/** vTaskSuspendAll */
export function suspendAll(k: Kernel): void {
  k.assertNotIsr("vTaskSuspendAll");
  k.schedulerSuspended++;
  if (k.traceSink !== null) k.emit("scheduler.suspended", k.current?.name, undefined, k.schedulerSuspended);
}

/** xTaskResumeAll (rule 16): pdTRUE when it yielded. */
export function resumeAll(k: Kernel): KernelCall<number> {
  const call = "xTaskResumeAll";
  k.assertNotIsr(call);
  if (k.schedulerSuspended === 0) k.fail(call, "the scheduler is not suspended (unbalanced vTaskSuspendAll/xTaskResumeAll)");
  k.schedulerSuspended--;
  if (k.traceSink !== null) k.emit("scheduler.resumed", k.current?.name, undefined, k.schedulerSuspended);
  if (k.schedulerSuspended > 0 || k.current === null) return settled(pdFALSE);
  drainPendingReady(k);
  if (k.criticalNesting === 0) replayPendedTicks(k);
  if (k.yieldPending && k.config.configUSE_PREEMPTION === 1 && k.exec === Exec.Task && k.criticalNesting === 0)
    return k.yieldWith(pdTRUE);
  return settled(pdFALSE);
}

export function drainPendingReady(k: Kernel): void {
  const cur = k.current!;
  for (;;) {
    const t = k.pendingReadyList.head();
    if (t === null) break;
    k.pendingReadyList.remove(t);
    k.removeState(t);
    k.addToReadyList(t);
    if (t.priority > cur.priority) k.yieldPending = true;
  }
}

export function replayPendedTicks(k: Kernel): void {
  // xPendedTicks stays non-zero during the replay, so the tick hook does not run again (rule 11).
  for (let n = k.pendedTicks; n > 0; n--) {
    if (incrementTick(k)) k.yieldPending = true;
  }
  k.pendedTicks = 0;
}

/**
 * xTaskCatchUpTicks: adds ticks the application knows were missed (interrupts held off too
 * long) to the tick count, processing them as xTaskResumeAll does; pdTRUE when that yielded.
 * Virtual time does not move: only the tick count catches up.
 */
export function catchUpTicks(k: Kernel, ticks: number): KernelCall<number> {
  const call = "xTaskCatchUpTicks";
  k.assertNotIsr(call);
  ticks = k.checkTicks(call, ticks, "xTicksToCatchUp");
  if (k.schedulerSuspended > 0) k.fail(call, "the scheduler is suspended");
  k.schedulerSuspended++;
  k.pendedTicks += ticks;
  return resumeAll(k);
}

/** taskENTER_CRITICAL: masks the tick and interrupts up to configMAX_SYSCALL_INTERRUPT_PRIORITY. */
export function enterCritical(k: Kernel): void {
  k.assertNotIsr("taskENTER_CRITICAL");
  k.criticalNesting++;
}

/** taskEXIT_CRITICAL: at nesting 0, pended ticks are processed and a pending yield is taken. */
export function exitCritical(k: Kernel): KernelCall<number> {
  const call = "taskEXIT_CRITICAL";
  k.assertNotIsr(call);
  if (k.criticalNesting === 0) k.fail(call, "not inside a critical section (unbalanced taskENTER_CRITICAL/taskEXIT_CRITICAL)");
  k.criticalNesting--;
  if (k.criticalNesting > 0) return settled(0);
  serviceInterrupts(k); // interrupts masked by the critical section run now
  if (k.schedulerSuspended === 0) replayPendedTicks(k);
  return k.result(0, false);
}

/**
 * xTaskIncrementTick (rules 7, 8): advances the tick count, readies every task due, and says
 * whether a context switch is required. The scheduler must not be suspended.
 */
export function incrementTick(k: Kernel): boolean {
  const tick = ++k.tickAbs;
  if (++k.tickCount === k.tickModulus) {
    k.tickCount = 0;
    k.overflows++;
  }
  const cur = k.current!;
  const preemption = k.config.configUSE_PREEMPTION === 1;
  let switchRequired = false;
  if (tick >= k.nextUnblockTick) {
    for (;;) {
      const wake = k.delayed.nextWake();
      if (wake > tick) {
        k.nextUnblockTick = wake;
        break;
      }
      const t = k.delayed.headOfNext();
      k.delayed.remove(t.stateItem);
      if (t.eList !== null) t.eList.remove(t);
      t.blockedOn = null;
      k.addToReadyList(t);
      if (preemption && t.priority > cur.priority) switchRequired = true;
    }
  }
  if (preemption && k.config.configUSE_TIME_SLICING === 1 && k.readyLists[cur.priority]!.length > 1) switchRequired = true;
  if (k.pendedTicks === 0) callTickHook(k);
  if (preemption && k.yieldPending) switchRequired = true;
  return switchRequired;
}

export function callTickHook(k: Kernel): void {
  const hook = k.config.vApplicationTickHook;
  if (hook === null) return;
  callHookInInterruptContext(k, "tick hook", hook, undefined, undefined);
}
