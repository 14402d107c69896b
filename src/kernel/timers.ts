/**
 * The timer service (daemon) task of FreeRTOS's timers.c: created by vTaskStartScheduler right
 * after the idle task, at configTIMER_TASK_PRIORITY, blocked on its command queue of
 * configTIMER_QUEUE_LENGTH entries. Commands are functions run in the timer task's context
 * (deferred work: xTimerPendFunctionCall-style calls from tasks and ISRs).
 * @module
 */
import type { Kernel, KernelTask } from "./kernel.js";
import { createQueue, Queue, QueueKind } from "./queue.js";

/** A command for the timer task: runs in its context, must not block. */
export type TimerCommand = () => void;

const services = new WeakMap<Kernel, Queue>();

/** Creates the command queue and the "Tmr Svc" task; null when the heap cannot hold them. */
export function startTimerService(k: Kernel): KernelTask | null {
  const queue = createQueue(k, k.config.configTIMER_QUEUE_LENGTH, 0, QueueKind.Queue, "TmrQ");
  if (queue === null) return null;
  services.set(k, queue);
  return k.createSystemTask("Tmr Svc", k.config.configTIMER_TASK_STACK_DEPTH, k.config.configTIMER_TASK_PRIORITY, timerServiceContinuation);
}

/** The timer task's command queue (null before the scheduler starts). */
export function timerCommandQueue(k: Kernel): Queue | null {
  return services.get(k) ?? null;
}

/** Runs every queued command, then blocks on the command queue until the next one arrives. */
function timerServiceContinuation(k: Kernel, t: KernelTask): void {
  const queue = services.get(k)!;
  while (queue.count > 0) {
    const slot = queue.head;
    const command = queue.values![slot] as TimerCommand;
    queue.values![slot] = undefined;
    queue.head = slot + 1 === queue.length ? 0 : slot + 1;
    queue.count--;
    if (queue.txWait.length > 0 && k.removeFromEventList(queue.txWait) && k.config.configUSE_PREEMPTION === 1) {
      command();
      t.cont = timerServiceContinuation;
      k.switchContext();
      return;
    }
    command();
  }
  k.placeOnEventList(queue.rxWait, k.maxDelay, timerServiceContinuation, queue.name);
  k.switchContext();
}
