/**
 * What the board's drivers share: the task-notification index a blocking driver call (a UART
 * write, a flash erase or program) waits on while the peripheral's interrupt completes it, and
 * the adapter that gives such a call the `void` result API.md types it with.
 * @module
 */
import { genLane, type Kernel, type KernelCall, type KernelYield } from "../kernel/index.js";

/**
 * The last notification index (index 0 when configTASK_NOTIFICATION_ARRAY_ENTRIES is 1, the
 * default): firmware that notifies a task at that index while it waits in a driver call wakes it
 * early, as on a BSP that uses the same index.
 */
export function driverNotifyIndex(k: Kernel): number {
  return k.config.configTASK_NOTIFICATION_ARRAY_ENTRIES - 1;
}

/**
 * `call` with its value dropped: a driver call that API.md types `Promise<void>` (a DMA write, a
 * flash erase) is built on a notification take, whose count is not the caller's business. Async
 * lane: the promise, then undefined. Generator lane: one shared delegating iterable in front of
 * the lane token (only one generator's code runs at a time, so it holds no state of its own).
 */
export function voidCall(call: KernelCall<unknown>): KernelCall<void> {
  if ((call as unknown) === genLane) return VOID_GEN as unknown as KernelCall<void>;
  return (call as Promise<unknown>).then(dropValue) as KernelCall<void>;
}

function dropValue(): void {}

const DONE_VOID: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

const VOID_GEN: Generator<KernelYield, void, unknown> & { readonly then: never } = {
  [Symbol.iterator](): Generator<KernelYield, void, unknown> {
    return VOID_GEN;
  },
  next(): IteratorResult<KernelYield, void> {
    const r = genLane.next();
    return r.done === true ? DONE_VOID : (r as IteratorYieldResult<KernelYield>);
  },
  throw(error: unknown): never {
    throw error;
  },
  return(): IteratorReturnResult<void> {
    return DONE_VOID;
  },
  /** Awaited in a generator task: the lane's misuse error. */
  get then(): never {
    return genLane.then;
  },
};
