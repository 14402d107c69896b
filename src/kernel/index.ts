/**
 * The kernel's public API. Layers above (freertos, go) use only what is exported here.
 * @module
 */
export { Kernel, runningKernel } from "./kernel.js";
export type { Ref, TaskFunction, RunOutcome, TaskStatus, TaskWait, KernelTask, TimeOut } from "./kernel.js";
export { settled, settledValue } from "./exec.js";
export { genLane, isGenerator, isGeneratorFunction } from "./lane.js";
export type { KernelCall, GenTask, KernelYield } from "./lane.js";
export { CONTEXT_FRAME_WORDS } from "./task.js";
export { stackUse, attachStackView, stackHighWaterMarkWords, STACK_WORD_BYTES, STACK_CHECK_BYTES, CONTEXT_FRAME_BYTES, tskSTACK_FILL_BYTE } from "./stack.js";
export type { StackRelease, StackUseFunction } from "./stack.js";
export { ResumeWithError, PARK_TIMED_OUT, park, unpark, unparkToRetry, reparkCurrent, isParked } from "./park.js";
export type { ParkWaiter } from "./park.js";
export {
  createTask,
  createTaskStatic,
  spawnTask,
  deleteTask,
  startScheduler,
  taskDelay,
  blockInDelay,
  taskDelayUntil,
  taskYield,
  abortDelay,
  suspendTask,
  resumeTask,
  resumeTaskFromIsr,
  setTaskPriority,
  createRestrictedTask,
} from "./task-control.js";
export type { TaskParameters } from "./task-control.js";
export { setTimeOut, checkTimeOut, transferMutex, awaitExternal } from "./blocking.js";
export { suspendAll, resumeAll, catchUpTicks, enterCritical, exitCritical } from "./tick.js";
export { yieldFromIsr, enterCriticalFromIsr, exitCriticalFromIsr } from "./isr.js";
export type { KernelConfig } from "./config.js";
export { defaultConfig, resolveConfig } from "./config.js";
export { KernelAssertError, KernelError, TaskStoppedError } from "./errors.js";
export { Task } from "./task.js";
export type { Continuation } from "./task.js";
export { EventList, ListKind } from "./list.js";
export type { EventNode } from "./list.js";
export * from "./constants.js";
export {
  Queue,
  QueueKind,
  createQueue,
  createQueueStatic,
  createSemaphore,
  createSemaphoreStatic,
  queueSend,
  queueSendFromIsr,
  queueReceive,
  queueReceiveItem,
  queueTryReceive,
  queueTrySend,
  queueReceiveFromIsr,
  semaphoreTake,
  semaphoreGive,
  semaphoreTakeRecursive,
  semaphoreGiveRecursive,
  semaphoreGiveFromIsr,
  semaphoreTakeFromIsr,
  queueReset,
  queueAddToRegistry,
  queueDelete,
  messagesWaiting,
  spacesAvailable,
  isQueueFull,
  isQueueEmpty,
  mutexHolder,
  checkQueue,
  mutexHandOff,
  createQueueSet,
  createQueueSetStatic,
  addToSet,
  removeFromSet,
  selectFromSet,
  selectFromSetFromIsr,
} from "./queue.js";
export { notify, notifyFromIsr, notifyTake, notifyWait, notifyStateClear, notifyValueClear } from "./notify.js";
export { taskListText, runTimeStatsText } from "./introspect.js";
export type { TraceEvent, TraceKind, TraceSink } from "./trace.js";
export type { KernelMemory, KernelPort, MemoryRegion, RunTimeClock } from "./port.js";
export { formatTraceEvent } from "./trace.js";
export { Prng } from "./prng.js";
export { Heap4, sizeOf, HEAP_ALIGNMENT, HEAP_HEADER_BYTES, HEAP_MINIMUM_BLOCK_BYTES } from "./heap.js";
export type { HeapStats, HeapBlock, HeapOwner } from "./heap.js";
export {
  SoftwareTimer,
  startTimerService,
  createTimer,
  createTimerStatic,
  timerStart,
  timerStop,
  timerChangePeriod,
  timerDelete,
  timerStartFromIsr,
  timerStopFromIsr,
  timerChangePeriodFromIsr,
  pendFunctionCall,
  pendFunctionCallFromIsr,
  timerIsActive,
  timerGetExpiryTime,
  timerSetReloadMode,
  checkTimer,
  timerStartNow,
  timerStopNow,
} from "./timers.js";
export type { TimerCallback, PendedFunction } from "./timers.js";
export {
  EventGroup,
  createEventGroup,
  createEventGroupStatic,
  setBits as eventGroupSetBits,
  clearBits as eventGroupClearBits,
  getBits as eventGroupGetBits,
  waitBits as eventGroupWaitBits,
  syncBits as eventGroupSync,
  setBitsFromIsr as eventGroupSetBitsFromIsr,
  clearBitsFromIsr as eventGroupClearBitsFromIsr,
  deleteEventGroup,
} from "./event-groups.js";
export { InterruptController, InterruptLine } from "./interrupts.js";
export type { InterruptHandler, InterruptStats } from "./interrupts.js";
export * from "./stream-buffer.js";
export { InterruptRing, sharedClockMs, RING_IDLE, RING_PENDING, RING_PROCESSING } from "./interrupt-ring.js";
