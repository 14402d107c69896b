/**
 * tinyrtos/go: Go-style goroutines, channels and select bound to kernel tasks.
 *
 * | Go construct        | kernel primitive under it                                          |
 * |---------------------|--------------------------------------------------------------------|
 * | goroutine           | a kernel task (xTaskCreate), one per goroutine                     |
 * | GOMAXPROCS=1        | the single-core priority-preemptive scheduler                     |
 * | time.Sleep          | vTaskDelay                                                         |
 * | chan send / receive | the task blocks in the kernel (Blocked, like xQueueReceive) and is readied by the peer |
 * | select              | one kernel block with a waiter on every case (queue-set style)     |
 * | sync.Mutex          | a kernel mutex with priority inheritance                          |
 * | time.After / Tick / Timer | software timers (the timer service task)                    |
 * | runtime.Gosched     | taskYIELD                                                          |
 *
 * @example
 * ```ts
 * import { run, go, chan } from "tinyrtos/go";
 * const sum = await run(async () => {
 *   const c = chan<number>();
 *   go(async () => { for (let i = 1; i <= 3; i++) await c.send(i); c.close(); });
 *   let s = 0;
 *   for await (const v of c) s += v;
 *   return s; // 6
 * });
 * ```
 * @module
 */
export { run, go, gosched, external, stackUse, GOROUTINE_STACK_WORDS, GOROUTINE_STACK_BYTES } from "./runtime.js";
export type { StackRelease, StackUseFunction } from "../kernel/index.js";
export type { RunOptions, GoOptions } from "./runtime.js";
export { Chan, chan, select, recv, send } from "./chan.js";
export type { SelectCase, RecvCase, SendCase, SelectOptions, SelectResult, SelectResultOf, RecvResult, SendResult, DefaultResult, QueueSelectable, WaitQ } from "./chan.js";
export { sleep, now, after, tick, newTimer, Timer } from "./time.js";
export type { Ticker } from "./time.js";
export { WaitGroup, Mutex, RWMutex, Once } from "./sync.js";
export { background, todo, withCancel, withTimeout, withDeadline, withValue, Canceled, DeadlineExceeded } from "./context.js";
export type { Context, CancelFunc } from "./context.js";
export { queueChan, QueueChan, semChan, IsrSignal } from "./bridge.js";
export { GoPanic, GoFatalError, DeadlockError, RunLimitError } from "./errors.js";
export type { BlockedGoroutine } from "./errors.js";
export { KernelAssertError } from "../kernel/index.js";
export type { KernelCall, GenTask, KernelYield } from "../kernel/index.js";
