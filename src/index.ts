/**
 * tinyrtos: a real-time kernel with FreeRTOS semantics in deterministic virtual time.
 * The kernel (`Kernel`, its configuration, errors, constants and the types it reports), and the
 * FreeRTOS facade's entry point. The FreeRTOS-named API is `tinyrtos/freertos`, the Go-style API
 * `tinyrtos/go`.
 * @module
 */
export { Kernel, runningKernel } from "./kernel/kernel.js";
export type { Ref, RunOutcome, TaskFunction, TaskStatus, TaskWait, TimeOut } from "./kernel/kernel.js";
export type { KernelCall, GenTask, KernelYield } from "./kernel/lane.js";
export { defaultConfig } from "./kernel/config.js";
export type { KernelConfig } from "./kernel/config.js";
export { KernelAssertError, KernelError } from "./kernel/errors.js";
// pd*, err*, e* (task states, notify actions), taskSCHEDULER_*, queueSEND_*, portMAX_DELAY, tskIDLE_PRIORITY.
export * from "./kernel/constants.js";
export { CONTEXT_FRAME_WORDS } from "./kernel/task.js";
export { formatTraceEvent } from "./kernel/trace.js";
// The generator lane: what a blocking call returns (await it, or yield* it in a generator task).
export type { TraceEvent, TraceKind, TraceSink } from "./kernel/trace.js";
export type { InterruptHandler, InterruptStats } from "./kernel/interrupts.js";
// Real-time mode: interrupt events posted from other threads.
export { InterruptRing, sharedClockMs } from "./kernel/interrupt-ring.js";
export { createFreeRTOS } from "./freertos/index.js";
export type {
  FreeRTOS,
  FreeRTOSConfig,
  TaskHandle,
  QueueHandle,
  SemaphoreHandle,
  QueueSetHandle,
  QueueSetMemberHandle,
  EventGroupHandle,
  StreamBufferHandle,
  MessageBufferHandle,
  TimerHandle,
  TimerCallback,
  PendedFunction,
} from "./freertos/index.js";
