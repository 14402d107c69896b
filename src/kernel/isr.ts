/**
 * Interrupt dispatch: running pending interrupts in ISR context (nesting, masking by critical
 * sections), faults in handlers, the FromISR critical sections, and real-time mode's waits on
 * the host clock and interrupt rings. The interrupt controller model itself is interrupts.ts.
 * @module
 */
import { annotate, Exec, scheduleMacrotask, wallNow } from "./exec.js";
import { genLane } from "./lane.js";
import type { InterruptLine } from "./interrupts.js";
import type { Kernel, Ref } from "./kernel.js";

/** Host time since the run's anchor, in ticks (real-time mode). */
export function wallTicks(k: Kernel): number {
  return ((wallNow() - k.realtimeOriginMs) * k.config.configTICK_RATE_HZ) / 1000;
}

/**
 * Real-time mode: true (and the kernel waits) when virtual time `targetTick` is still in the
 * host's future. The wait ends at that host time or when an interrupt ring signals.
 */
export function realtimeWaitUntil(k: Kernel, targetTick: number): boolean {
  const aheadTicks = targetTick - wallTicks(k);
  if (aheadTicks <= 0) return false;
  if (targetTick > k.runTarget) targetTick = k.runTarget;
  k.exec = Exec.RealtimeWait;
  const ms = targetTick === Infinity ? Infinity : ((targetTick - wallTicks(k)) * 1000) / k.config.configTICK_RATE_HZ;
  // Host timers have millisecond granularity (and may fire a little early): wait whole
  // milliseconds; ticks that fall due meanwhile are caught up from the host clock on wake.
  if (k.realtimeTimer !== null) clearTimeout(k.realtimeTimer);
  k.realtimeTimer = ms !== Infinity ? setTimeout(k.resumeRealtime, Math.max(1, Math.ceil(ms))) : null;
  for (const ring of k.rings) {
    if (ring.waiting !== null) continue;
    const signalled = ring.whenSignalled();
    if (signalled === null) {
      scheduleMacrotask(k.resumeRealtime);
      continue;
    }
    ring.waiting = signalled.then(k.ringHandlers.get(ring));
  }
  return true;
}

/** Delivers what the rings hold; true when any handler ran. */
export function pollRings(k: Kernel): boolean {
  let delivered = 0;
  for (const ring of k.rings) if (ring.backlog !== 0 || ring.state !== 0) delivered += ring.drain(k.deliverRingEvent);
  return delivered > 0;
}

/** Runs every pending interrupt that the current level allows, highest first (nesting, tail-chaining). */
export function serviceInterrupts(k: Kernel): void {
  if (k.irqs.pendingCount === 0) return;
  // A handler after the first in this pass is tail-chained (no task code runs between).
  let chained = false;
  for (;;) {
    const mask = k.criticalNesting > 0 ? k.config.configMAX_SYSCALL_INTERRUPT_PRIORITY : 0;
    const level = Math.max(k.isrPriority, k.isrMask, mask);
    const line = k.irqs.highestPendingAbove(level);
    if (line === null) return;
    k.irqs.take(line);
    runIsr(k, line, chained);
    chained = true;
  }
}

function runIsr(k: Kernel, line: InterruptLine, chained: boolean): void {
  const savedExec = k.exec;
  // An ISR taken inside a generator task's code is not that task: its calls take no lane.
  const savedLane = genLane.active;
  genLane.active = false;
  const savedName = k.isrName;
  const savedPriority = k.isrPriority;
  const savedMask = k.isrMask;
  k.exec = Exec.Isr;
  if (k.port !== null) k.port.isrEntered(line.irq, line.priority, savedExec === Exec.Isr, chained);
  k.isrName = line.name;
  k.isrPriority = line.priority;
  k.isrMask = 0;
  if (k.traceSink !== null) k.emit("isr.enter", undefined, line.name, line.priority);
  try {
    line.handler();
  } catch (error) {
    isrFaulted(k, error, line.name, line.irq);
  } finally {
    genLane.active = savedLane;
    k.exec = savedExec;
    k.isrName = savedName;
    k.isrPriority = savedPriority;
    k.isrMask = savedMask;
    if (k.traceSink !== null) k.emit("isr.exit", undefined, line.name, line.priority);
    if (k.port !== null) k.port.isrExited(line.irq, line.priority);
  }
}

/**
 * Runs an application hook that FreeRTOS calls from an interrupt or the scheduler (the tick hook,
 * the stack overflow hook) in interrupt context: kernel calls from it must be FromISR ones, and a
 * throw ends the run as a faulting handler does.
 * @internal
 */
export function callHookInInterruptContext<A, B>(k: Kernel, hookName: string, hook: (a: A, b: B) => void, a: A, b: B): void {
  const saved = k.exec;
  const savedName = k.isrName;
  const savedLane = genLane.active;
  genLane.active = false;
  k.exec = Exec.Isr;
  k.isrName = hookName;
  try {
    hook(a, b);
  } catch (error) {
    isrFaulted(k, error, hookName, -1);
  } finally {
    genLane.active = savedLane;
    k.exec = saved;
    k.isrName = savedName;
  }
}

/**
 * An interrupt handler (or the tick hook, irq -1) threw: the error ends the run, named with the
 * interrupt and the tick count (`isrName`, `irq`, `tick`, and in the message of an Error).
 */
export function isrFaulted(k: Kernel, error: unknown, name: string, irq: number): void {
  const tick = k.tickCount;
  if (error instanceof Error && Object.isExtensible(error) && !("isrName" in error)) {
    const where = irq < 0 ? `the ${name}` : `ISR "${name}" (irq ${irq})`;
    error.message = `${error.message} [thrown by ${where} at tick ${tick}]`;
  }
  annotate(error, "isrName", name);
  annotate(error, "irq", irq);
  annotate(error, "tick", tick);
  k.recordFault(error);
}

/** portYIELD_FROM_ISR / portEND_SWITCHING_ISR: requests a context switch when the ISR returns. */
export function yieldFromIsr(k: Kernel, woken: number | boolean | Ref<number> | null | undefined): void {
  const value = woken !== null && typeof woken === "object" ? woken.value : woken;
  if (value) k.requestSwitch();
}

/** taskENTER_CRITICAL_FROM_ISR: masks interrupts up to configMAX_SYSCALL_INTERRUPT_PRIORITY; returns the previous mask. */
export function enterCriticalFromIsr(k: Kernel): number {
  k.checkFromIsr("taskENTER_CRITICAL_FROM_ISR");
  const saved = k.isrMask;
  k.isrMask = k.config.configMAX_SYSCALL_INTERRUPT_PRIORITY;
  return saved;
}

/** taskEXIT_CRITICAL_FROM_ISR: restores the mask; interrupts it held back run now. */
export function exitCriticalFromIsr(k: Kernel, savedMask: number): void {
  if (typeof savedMask !== "number" || !Number.isInteger(savedMask) || savedMask < 0 || savedMask > 15)
    throw new RangeError(`taskEXIT_CRITICAL_FROM_ISR: expected the value taskENTER_CRITICAL_FROM_ISR returned, got ${String(savedMask)}`);
  k.isrMask = savedMask;
  serviceInterrupts(k);
}
