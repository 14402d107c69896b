/**
 * The park shim: the blocking primitive layers above the kernel build on (the Go bridge's
 * channels, WaitGroup, select), as gopark is Go's.
 * @module
 */
import { eBlocked } from "./constants.js";
import { KernelError } from "./errors.js";
import { Exec } from "./exec.js";
import type { KernelCall } from "./lane.js";
import type { Kernel, KernelTask } from "./kernel.js";

/** opArg marker of a task blocked in park(). */
const PARKED = -7;

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

/**
 * Blocks the running task (state Blocked, described by `reason`) until unpark() readies it;
 * resolves with the value given to unpark, or PARK_TIMED_OUT when `ticks` pass first. The
 * primitive layers above the kernel build on (the Go bridge's channels, WaitGroup, select),
 * as gopark is Go's: the same block a notification wait uses.
 */
export function park(k: Kernel, reason: string, ticks: number = k.maxDelay, waiter: ParkWaiter | null = null): KernelCall<unknown> {
  const call = "park";
  k.assertNotIsr(call);
  if (k.exec !== Exec.Task) throw new KernelError(`${reason}: a blocking operation needs a running task or goroutine; called from ${k.callerDescription()}`);
  k.assertCanBlock(reason);
  parkCurrent(k, reason, ticks, waiter);
  return k.switchAway<unknown>();
}

function parkCurrent(k: Kernel, reason: string, ticks: number, waiter: ParkWaiter | null): void {
  const t = k.current!;
  t.opArg = PARKED;
  t.opObject = waiter;
  k.blockWithoutEventList(ticks >= k.maxDelay ? k.maxDelay : ticks, null, reason);
  t.resumeValue = PARK_TIMED_OUT;
}

/** From ParkWaiter.retry(): parks the running task again (forever) and switches away. */
export function reparkCurrent(k: Kernel, reason: string, waiter: ParkWaiter): void {
  parkCurrent(k, reason, k.maxDelay, waiter);
  k.switchContext();
}

/** A parked task stops waiting without an unpark: its waiter withdraws and will retry. */
export function interruptPark(k: Kernel, t: KernelTask): void {
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
export function isParked(k: Kernel, t: KernelTask): boolean {
  return t.opArg === PARKED && t.blockedOn !== null && t.cont === null && (t.resolve !== null || t.gen !== null) && k.getState(t) === eBlocked;
}

/**
 * Readies a parked task; its park() resolves with `value` (a ResumeWithError makes it throw).
 * Returns true when the task outranks the running one: a task-level caller then yields
 * (result()), an ISR sets its woken flag. Callable from tasks, ISRs and timer callbacks.
 */
export function unpark(k: Kernel, t: KernelTask, value: unknown): boolean {
  t.opArg = 0;
  t.opObject = null;
  t.resumeValue = value;
  return k.readyUnblocked(t);
}

/**
 * Readies a parked task so that its waiter re-checks the operation in kernel context when it
 * is switched in (ParkWaiter.retry), instead of resuming it with a value: how a select watching
 * a kernel queue is woken when that queue may have become ready. Returns true when the task
 * outranks the running one.
 */
export function unparkToRetry(k: Kernel, t: KernelTask): boolean {
  interruptPark(k, t);
  return k.readyUnblocked(t);
}

/** A parked task that was suspended or aborted runs again: its waiter re-checks the operation. */
function retryParked(k: Kernel, t: KernelTask): void {
  const waiter = t.opObject as ParkWaiter;
  t.opObject = null;
  waiter.retry(k, t);
}

