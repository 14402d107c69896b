/**
 * The FreeRTOS-named facade: `createFreeRTOS(config)` returns every FreeRTOS function, bound to
 * one new kernel. A thin, mechanical mapping onto src/kernel (like FreeRTOS's macros over
 * tasks.c and queue.c).
 *
 * Calls that can block or switch return a `KernelCall`: a Promise an async task awaits, which a
 * generator task (`function*`) `yield*`s instead; getters, object creation and every FromISR
 * call are synchronous. Outside a task (set-up code, before the
 * scheduler starts or between runs) a call that needs no wait completes at once (creating a
 * task, sending to a queue with space, giving a semaphore; vTaskDelay(0) and taskYIELD return
 * at once), and a call that would have to wait throws KernelAssertError: only a task can block.
 * Tasks first run in the first run().
 *
 * @example
 * ```ts
 * import { createFreeRTOS, portMAX_DELAY } from "tinyrtos/freertos";
 * const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000 });
 * const q = rtos.xQueueCreate(4, 0)!;
 * await rtos.xTaskCreate(async () => {
 *   for (let i = 0; ; i++) { await rtos.xQueueSend(q, i, portMAX_DELAY); await rtos.vTaskDelay(10); }
 * }, "producer", 256, null, 2);
 * await rtos.xTaskCreate(async () => {
 *   const item = { value: 0 };
 *   for (;;) { await rtos.xQueueReceive(q, item, portMAX_DELAY); console.log(item.value); }
 * }, "consumer", 256, null, 3);
 * rtos.vTaskStartScheduler();
 * await rtos.run(100); // 100 ticks of virtual time
 * ```
 * @module
 */
import {
  Kernel,
  QueueKind,
  createSemaphoreStatic,
  createQueueSetStatic,
  createQueueStatic,
  createTaskStatic,
  createEventGroupStatic,
  createTimerStatic,
  createStreamBufferStatic,
  sizeOf,
  type HeapStats,
  checkQueue,
  createQueue,
  createSemaphore,
  isQueueEmpty,
  isQueueFull,
  messagesWaiting,
  mutexHolder,
  notify,
  notifyFromIsr,
  notifyStateClear,
  notifyTake,
  notifyValueClear,
  notifyWait,
  queueAddToRegistry,
  queueDelete,
  queueReceive,
  queueReceiveFromIsr,
  queueReset,
  queueSend,
  queueSendFromIsr,
  runTimeStatsText,
  semaphoreGive,
  semaphoreGiveFromIsr,
  semaphoreGiveRecursive,
  semaphoreTake,
  semaphoreTakeFromIsr,
  semaphoreTakeRecursive,
  spacesAvailable,
  startTimerService,
  taskListText,
  eIncrement,
  queueOVERWRITE,
  queueSEND_TO_BACK,
  queueSEND_TO_FRONT,
  type KernelCall,
  type KernelConfig,
  type KernelTask,
  type NotifyAction,
  type Queue,
  type Ref,
  type TaskFunction,
  type TaskParameters,
  type TaskState,
  type TaskStatus,
  type TraceSink,
  type RunOutcome,
  type TaskWait,
  addToSet,
  createQueueSet,
  removeFromSet,
  selectFromSet,
  selectFromSetFromIsr,
  createEventGroup,
  eventGroupSetBits,
  eventGroupClearBits,
  eventGroupGetBits,
  eventGroupWaitBits,
  eventGroupSync,
  eventGroupSetBitsFromIsr,
  eventGroupClearBitsFromIsr,
  deleteEventGroup,
  checkTimer,
  createTimer,
  pendFunctionCall,
  pendFunctionCallFromIsr,
  timerChangePeriod,
  timerChangePeriodFromIsr,
  timerDelete,
  timerGetExpiryTime,
  timerIsActive,
  timerSetReloadMode,
  timerStart,
  timerStartFromIsr,
  timerStop,
  timerStopFromIsr,
  type EventGroup,
  type PendedFunction,
  type SoftwareTimer,
  type TimerCallback,
  createStreamBuffer,
  streamBufferSend,
  streamBufferReceive,
  streamBufferSendFromIsr,
  streamBufferReceiveFromIsr,
  streamBufferSendCompletedFromIsr,
  streamBufferReceiveCompletedFromIsr,
  streamBufferBytesAvailable,
  streamBufferSpacesAvailable,
  streamBufferIsEmpty,
  streamBufferIsFull,
  streamBufferReset,
  streamBufferResetFromIsr,
  streamBufferSetTriggerLevel,
  streamBufferNextMessageLength,
  streamBufferDelete,
  type StreamBuffer,
  type InterruptRing,
  type TimeOut,
  abortDelay,
  awaitExternal,
  catchUpTicks,
  checkTimeOut,
  createTask,
  createRestrictedTask,
  deleteTask,
  enterCritical,
  enterCriticalFromIsr,
  exitCritical,
  exitCriticalFromIsr,
  resumeAll,
  resumeTask,
  resumeTaskFromIsr,
  setTaskPriority,
  setTimeOut,
  startScheduler,
  suspendAll,
  suspendTask,
  taskDelay,
  taskDelayUntil,
  taskYield,
  yieldFromIsr,
  stackUse,
  type StackUseFunction,
} from "../kernel/index.js";

export * from "../kernel/constants.js";
export {
  KernelAssertError,
  KernelError,
  Kernel,
  formatTraceEvent,
  InterruptRing,
  sharedClockMs,
} from "../kernel/index.js";
export type { Ref, TaskStatus, TaskWait, TraceEvent, TraceSink, KernelConfig, RunOutcome, TimeOut, KernelCall, GenTask, KernelYield } from "../kernel/index.js";
export type { MemoryRegion, TaskParameters } from "../kernel/index.js";
export type { StackRelease, StackUseFunction } from "../kernel/index.js";

/** An opaque task handle (TaskHandle_t). */
export type TaskHandle = KernelTask;
/**
 * An opaque queue handle (QueueHandle_t) of items of type `T`: `xQueueCreate<T>()` makes one, and
 * send and receive then take only `T` (a queue of `itemSize > 0` holds `Uint8Array`s).
 */
export type QueueHandle<T = unknown> = Queue<T>;
/** An opaque semaphore or mutex handle (SemaphoreHandle_t): an item-less queue, as in FreeRTOS. */
export type SemaphoreHandle = Queue;
/** An opaque queue set handle (QueueSetHandle_t). */
export type QueueSetHandle = Queue;
/** A queue or semaphore that can be a member of a queue set (QueueSetMemberHandle_t). */
export type QueueSetMemberHandle = Queue;
/** An opaque event group handle (EventGroupHandle_t). */
export type EventGroupHandle = EventGroup;
/** An opaque stream buffer handle (StreamBufferHandle_t). */
export type StreamBufferHandle = StreamBuffer;
/** An opaque message buffer handle (MessageBufferHandle_t): a stream buffer of length-prefixed messages. */
export type MessageBufferHandle = StreamBuffer;
/** An opaque software timer handle (TimerHandle_t). */
export type TimerHandle = SoftwareTimer;
export type { TimerCallback, PendedFunction };

/** FreeRTOSConfig.h as an object; every key is optional (defaults as in API.md). */
export type FreeRTOSConfig = Partial<KernelConfig>;

/** The FreeRTOS API bound to one kernel. */
export type FreeRTOS = ReturnType<typeof createFreeRTOS>;

/**
 * The sizes in bytes of the buffers the `...Static` create calls need (FreeRTOS's StaticXxx_t on a
 * 32-bit port with this kernel's features; see `sizeOf` in the kernel's heap.ts for the layout). A
 * task's stack buffer is `stackDepth × StackType_t` bytes; a queue's storage `length × itemSize`;
 * a stream or message buffer's storage `sizeBytes + 1`; a queue set's storage `length × 4`.
 * @example
 * const tcb = new Uint8Array(StaticSizes.StaticTask_t);
 * const queueBuffer = new Uint8Array(StaticSizes.StaticQueue_t);
 */
export const StaticSizes = Object.freeze({
  StaticTask_t: sizeOf.tcb,
  StackType_t: sizeOf.stackWord,
  StaticQueue_t: sizeOf.queue,
  StaticSemaphore_t: sizeOf.queue,
  StaticEventGroup_t: sizeOf.eventGroup,
  StaticTimer_t: sizeOf.timer,
  StaticStreamBuffer_t: sizeOf.streamBuffer,
  StaticMessageBuffer_t: sizeOf.streamBuffer,
});

/** HeapStats_t as vPortGetHeapStats fills it. */
export type { HeapStats };

const mutexCreate = (k: Kernel, kind: QueueKind): Queue | null => createSemaphore(k, kind, 1, 1);

/** Creates a kernel and returns the FreeRTOS API bound to it. */
export function createFreeRTOS(config: FreeRTOSConfig = {}) {
  const k = new Kernel(config);
  return {
    /** The kernel under this API (for the Go bridge, tools and tests). */
    kernel: k,
    /** portMAX_DELAY for this kernel's tick width (0xffff, 0xffffffff or 2^64-1). */
    portMAX_DELAY: k.maxDelay,
    configTICK_RATE_HZ: k.config.configTICK_RATE_HZ,
    configMAX_PRIORITIES: k.config.configMAX_PRIORITIES,

    // ── simulation control ──
    /** Creates the idle and timer tasks and starts scheduling; returns at once. */
    vTaskStartScheduler: (): void => startScheduler(k, startTimerService),
    /**
     * Advances virtual time by `ticks`, running everything due. Resolves "target" when the tick
     * count advanced by exactly `ticks`, "stalled" when nothing can ever happen again (see
     * describeBlocked()), "stopped" when stopped early. Rejects with the uncaught error of a task
     * (its `taskName` set) or an ISR (`isrName`, `irq`, `tick` set); a later run continues.
     */
    run: (ticks: number): Promise<RunOutcome> => k.advance(ticks),
    /** Every task but IDLE: its state, what it waits on and until which tick. */
    waits: (): TaskWait[] => k.waits(),
    /** One line per Blocked or Suspended task naming what it waits on: why a run stalled. */
    describeBlocked: (): string => k.describeBlocked(),
    /** From a task: consume `ticks` of CPU time (fractions allowed); preemptible. */
    busy: (ticks: number): KernelCall<number> => k.busy(ticks),
    /** From a task: block until an outside promise settles; resolves (or throws) with its outcome. */
    external: <T>(promise: PromiseLike<T>): KernelCall<T> => awaitExternal(k, promise),
    setTraceSink: (sink: TraceSink | null): void => k.setTraceSink(sink),

    // ── interrupts ──
    /**
     * Registers `handler` for `irq` at interrupt priority 1-15 (higher preempts lower); `name` is
     * for traces and errors. KernelAssertError when `irq` has a handler: unregister it first.
     */
    registerInterrupt: (irq: number, priority: number, handler: () => void, name?: string): void => k.registerInterrupt(irq, priority, handler, name),
    /** Removes the handler of `irq`, with its pending and scheduled triggers. */
    unregisterInterrupt: (irq: number): void => k.unregisterInterrupt(irq),
    /** Raises `irq` now, or at absolute virtual time `atTick` (fractions allowed). */
    triggerInterrupt: (irq: number, atTick?: number): void => k.triggerInterrupt(irq, atTick),
    /** In a handler: switch to the woken task when the ISR returns, if `woken` (a value or its Ref) is pdTRUE. */
    portYIELD_FROM_ISR: (woken: number | boolean | Ref<number> | null | undefined): void => yieldFromIsr(k, woken),
    portEND_SWITCHING_ISR: (woken: number | boolean | Ref<number> | null | undefined): void => yieldFromIsr(k, woken),
    taskENTER_CRITICAL_FROM_ISR: (): number => enterCriticalFromIsr(k),
    taskEXIT_CRITICAL_FROM_ISR: (savedMask: number): void => exitCriticalFromIsr(k, savedMask),
    /** Per-interrupt counters: handler runs, overruns (triggers merged while pending), pending. */
    interruptStats: () => k.interruptStats(),
    /** Real-time mode: deliver interrupts written by another thread into `ring` (see InterruptRing). */
    attachInterruptRing: (ring: InterruptRing): void => k.attachInterruptRing(ring),
    /** In a handler run for a ring event: its payload. */
    interruptPayload: (): number => k.interruptPayload(),
    /** In a handler run for a ring event: when it was posted (sharedClockMs()). */
    interruptTimestampMs: (): number => k.interruptTimestampMs(),
    /** Virtual time in ticks (fractional between ticks). */
    now: (): number => k.now(),

    // ── tasks ──
    xTaskCreate: <P>(fn: TaskFunction<P>, name: string, stackDepth: number, params: P, priority: number, handleRef?: Ref<TaskHandle | null> | null): KernelCall<number> =>
      createTask(k, fn, name, stackDepth, params, priority, handleRef),
    /**
     * xTaskCreateRestricted: a task that runs unprivileged, seeing only its stack and `regions`
     * (`board.memory` accesses outside them are MPU faults that stop it; see tinyrtos/hal). On a
     * board the regions must follow its MPU/PMP rules; off a board only their shape is checked.
     * Returns like xTaskCreate.
     * @example
     * await board.rtos.xTaskCreateRestricted({
     *   fn: async () => board.memory.writeU32(0x20010000, 1),
     *   name: "sensor", stackDepth: 256, params: null, priority: 2,
     *   regions: [{ address: 0x20010000, lengthBytes: 1024, access: "rw" }],
     * });
     */
    xTaskCreateRestricted: <P>(parameters: TaskParameters<P>, handleRef?: Ref<TaskHandle | null> | null): KernelCall<number> =>
      createRestrictedTask(k, parameters, handleRef),
    /**
     * xTaskCreateStatic: the stack in `stackBuffer` (at least `stackDepth` × 4 bytes) and the TCB
     * in `tcbBuffer` (at least `StaticSizes.StaticTask_t` bytes); uses no heap. Resolves to the
     * handle, after switching to the new task when it has a higher priority (as xTaskCreate).
     * On a board both buffers must be in board RAM (tinyrtos/mem `staticBuffer`).
     * @example
     * const stack = new Uint8Array(256 * 4), tcb = new Uint8Array(StaticSizes.StaticTask_t);
     * const h = await rtos.xTaskCreateStatic(async () => {}, "blink", 256, null, 1, stack, tcb);
     */
    xTaskCreateStatic: <P>(fn: TaskFunction<P>, name: string, stackDepth: number, params: P, priority: number, stackBuffer: Uint8Array, tcbBuffer: Uint8Array): KernelCall<TaskHandle> =>
      createTaskStatic(k, fn, name, stackDepth, params, priority, stackBuffer, tcbBuffer),
    vTaskDelete: (h: TaskHandle | null): KernelCall<number> => deleteTask(k, h),
    vTaskDelay: (ticks: number): KernelCall<number> => taskDelay(k, ticks),
    xTaskDelayUntil: (prevRef: Ref<number>, increment: number): KernelCall<number> => taskDelayUntil(k, prevRef, increment),
    vTaskDelayUntil: (prevRef: Ref<number>, increment: number): KernelCall<number> => taskDelayUntil(k, prevRef, increment, true),
    xTaskAbortDelay: (h: TaskHandle): KernelCall<number> => abortDelay(k, h),
    taskYIELD: (): KernelCall<number> => taskYield(k),
    uxTaskPriorityGet: (h: TaskHandle | null): number => k.checkTask("uxTaskPriorityGet", h, true).priority,
    uxTaskPriorityGetFromISR: (h: TaskHandle | null): number => k.checkTask("uxTaskPriorityGetFromISR", h, true).priority,
    uxTaskBasePriorityGet: (h: TaskHandle | null): number => k.checkTask("uxTaskBasePriorityGet", h, true).basePriority,
    vTaskPrioritySet: (h: TaskHandle | null, priority: number): KernelCall<number> => setTaskPriority(k, h, priority),
    vTaskSuspend: (h: TaskHandle | null): KernelCall<number> => suspendTask(k, h),
    vTaskResume: (h: TaskHandle): KernelCall<number> => resumeTask(k, h),
    xTaskResumeFromISR: (h: TaskHandle): number => resumeTaskFromIsr(k, h),
    eTaskGetState: (h: TaskHandle): TaskState => k.getState(k.owns(h) ? h : k.checkTask("eTaskGetState", h, false)),
    xTaskGetCurrentTaskHandle: (): TaskHandle | null => k.current,
    xTaskGetIdleTaskHandle: (): TaskHandle | null => k.idleTask,
    xTimerGetTimerDaemonTaskHandle: (): TaskHandle | null => k.timerTask,
    pcTaskGetName: (h: TaskHandle | null): string => k.checkTask("pcTaskGetName", h, true).name,
    xTaskGetHandle: (name: string): TaskHandle | null => k.tasks().find((t) => t.name === name) ?? null,
    xTaskGetTickCount: (): number => k.getTickCount(),
    xTaskGetTickCountFromISR: (): number => k.getTickCount(),
    uxTaskGetNumberOfTasks: (): number => k.numberOfTasks,
    vTaskSuspendAll: (): void => suspendAll(k),
    /** Adds missed ticks to the tick count (processed as xTaskResumeAll does); pdTRUE when that yielded. */
    xTaskCatchUpTicks: (ticks: number): KernelCall<number> => catchUpTicks(k, ticks),
    /** Records where a wait begins (TimeOut_t is `{ overflowCount, timeOnEntering }`). */
    vTaskSetTimeOutState: (timeOut: TimeOut): void => setTimeOut(k, timeOut),
    vTaskInternalSetTimeOutState: (timeOut: TimeOut): void => setTimeOut(k, timeOut),
    /** pdTRUE when the wait begun at `timeOut` has timed out; else updates `ticksToWaitRef.value` to what is left. */
    xTaskCheckForTimeOut: (timeOut: TimeOut, ticksToWaitRef: Ref<number>): number => checkTimeOut(k, timeOut, ticksToWaitRef),
    xTaskResumeAll: (): KernelCall<number> => resumeAll(k),
    taskENTER_CRITICAL: (): void => enterCritical(k),
    taskEXIT_CRITICAL: (): KernelCall<number> => exitCritical(k),
    xTaskGetSchedulerState: (): number => k.getSchedulerState(),
    uxTaskGetSystemState: (): TaskStatus[] => k.systemState(),
    /** The least stack the task ever had free, in words (the stack model: its context frame and stackUse peak; on a board, the fill bytes left). */
    uxTaskGetStackHighWaterMark: (h: TaskHandle | null): number => k.stackHighWaterMark(k.checkTask("uxTaskGetStackHighWaterMark", h, true)),
    /** uxTaskGetStackHighWaterMark's value with configSTACK_DEPTH_TYPE as its type (the same number here). */
    uxTaskGetStackHighWaterMark2: (h: TaskHandle | null): number => k.stackHighWaterMark(k.checkTask("uxTaskGetStackHighWaterMark2", h, true)),
    /**
     * From a task: declares that the code it surrounds uses `bytes` more of the task's stack (a
     * deeper call, a local buffer), for the high-water mark and configCHECK_FOR_STACK_OVERFLOW.
     * `const release = rtos.stackUse(bytes)` … `release()` (nested charges are released innermost
     * first; twice or out of order is a KernelAssertError), or `rtos.stackUse(bytes, fn)`, which
     * charges while `fn` runs and until the promise it returns settles (in a generator task:
     * `yield* rtos.stackUse(bytes, function* () { … })`), also when it throws. From an ISR it
     * charges nothing (interrupts run on their own stack); from set-up code it is a KernelAssertError.
     * @example
     * ```ts
     * await rtos.xTaskCreate(async () => {
     *   await rtos.stackUse(512, async () => {   // a 512-byte frame buffer on the stack
     *     await rtos.vTaskDelay(1);
     *   });
     * }, "render", 256, null, 1);
     * ```
     */
    stackUse: ((bytes: number, fn?: () => unknown) => stackUse(k, bytes, fn)) as StackUseFunction,
    vTaskList: (): string => taskListText(k),
    vTaskGetRunTimeStats: (): string => runTimeStatsText(k),
    pdMS_TO_TICKS: (ms: number): number => k.pdMS_TO_TICKS(ms),
    pdTICKS_TO_MS: (ticks: number): number => Math.floor((ticks * 1000) / k.config.configTICK_RATE_HZ),
    xPortGetFreeHeapSize: (): number => k.heap.getFreeHeapSize(),
    /** vPortGetHeapStats: fills `stats` (HeapStats_t, heap_4's figures) and returns it. */
    vPortGetHeapStats: (stats: Partial<HeapStats> = {}): HeapStats => Object.assign(stats, k.heap.getHeapStats()),
    xPortGetMinimumEverFreeHeapSize: (): number => k.heap.getMinimumEverFreeHeapSize(),

    // ── notifications ──
    xTaskNotifyGive: (h: TaskHandle): KernelCall<number> => notify(k, h, 0, 0, eIncrement, null, "xTaskNotifyGive"),
    xTaskNotifyGiveIndexed: (h: TaskHandle, index: number): KernelCall<number> => notify(k, h, index, 0, eIncrement, null, "xTaskNotifyGiveIndexed"),
    ulTaskNotifyTake: (clearOnExit: number | boolean, ticks: number): KernelCall<number> => notifyTake(k, 0, clearOnExit, ticks),
    ulTaskNotifyTakeIndexed: (index: number, clearOnExit: number | boolean, ticks: number): KernelCall<number> => notifyTake(k, index, clearOnExit, ticks, "ulTaskNotifyTakeIndexed"),
    xTaskNotify: (h: TaskHandle, value: number, action: NotifyAction): KernelCall<number> => notify(k, h, 0, value, action),
    xTaskNotifyIndexed: (h: TaskHandle, index: number, value: number, action: NotifyAction): KernelCall<number> => notify(k, h, index, value, action, null, "xTaskNotifyIndexed"),
    xTaskNotifyAndQuery: (h: TaskHandle, value: number, action: NotifyAction, prevRef: Ref<number> | null): KernelCall<number> => notify(k, h, 0, value, action, prevRef, "xTaskNotifyAndQuery"),
    xTaskNotifyAndQueryIndexed: (h: TaskHandle, index: number, value: number, action: NotifyAction, prevRef: Ref<number> | null): KernelCall<number> =>
      notify(k, h, index, value, action, prevRef, "xTaskNotifyAndQueryIndexed"),
    xTaskNotifyWait: (clearOnEntry: number, clearOnExit: number, valueRef: Ref<number> | null, ticks: number): KernelCall<number> => notifyWait(k, 0, clearOnEntry, clearOnExit, valueRef, ticks),
    xTaskNotifyWaitIndexed: (index: number, clearOnEntry: number, clearOnExit: number, valueRef: Ref<number> | null, ticks: number): KernelCall<number> =>
      notifyWait(k, index, clearOnEntry, clearOnExit, valueRef, ticks, "xTaskNotifyWaitIndexed"),
    xTaskNotifyStateClear: (h: TaskHandle | null): number => notifyStateClear(k, h, 0),
    xTaskNotifyStateClearIndexed: (h: TaskHandle | null, index: number): number => notifyStateClear(k, h, index, "xTaskNotifyStateClearIndexed"),
    ulTaskNotifyValueClear: (h: TaskHandle | null, bits: number): number => notifyValueClear(k, h, 0, bits),
    ulTaskNotifyValueClearIndexed: (h: TaskHandle | null, index: number, bits: number): number => notifyValueClear(k, h, index, bits, "ulTaskNotifyValueClearIndexed"),
    vTaskNotifyGiveFromISR: (h: TaskHandle, wokenRef: Ref<number> | null): void => void notifyFromIsr(k, h, 0, 0, eIncrement, null, wokenRef, "vTaskNotifyGiveFromISR"),
    vTaskNotifyGiveIndexedFromISR: (h: TaskHandle, index: number, wokenRef: Ref<number> | null): void =>
      void notifyFromIsr(k, h, index, 0, eIncrement, null, wokenRef, "vTaskNotifyGiveIndexedFromISR"),
    xTaskNotifyFromISR: (h: TaskHandle, value: number, action: NotifyAction, wokenRef: Ref<number> | null): number => notifyFromIsr(k, h, 0, value, action, null, wokenRef),
    xTaskNotifyIndexedFromISR: (h: TaskHandle, index: number, value: number, action: NotifyAction, wokenRef: Ref<number> | null): number =>
      notifyFromIsr(k, h, index, value, action, null, wokenRef, "xTaskNotifyIndexedFromISR"),
    xTaskNotifyAndQueryFromISR: (h: TaskHandle, value: number, action: NotifyAction, prevRef: Ref<number> | null, wokenRef: Ref<number> | null): number =>
      notifyFromIsr(k, h, 0, value, action, prevRef, wokenRef, "xTaskNotifyAndQueryFromISR"),
    xTaskNotifyAndQueryIndexedFromISR: (h: TaskHandle, index: number, value: number, action: NotifyAction, prevRef: Ref<number> | null, wokenRef: Ref<number> | null): number =>
      notifyFromIsr(k, h, index, value, action, prevRef, wokenRef, "xTaskNotifyAndQueryIndexedFromISR"),

    // ── queues ──
    /** With `itemSize` 0 the queue holds values of type `T` by reference; else `T` should be Uint8Array. */
    xQueueCreate: <T = unknown>(length: number, itemSize: number): QueueHandle<T> | null => createQueue(k, length, itemSize) as QueueHandle<T> | null,
    /** xQueueCreateStatic: items in `storageBuffer` (length × itemSize bytes; null for itemSize 0), the queue in `queueBuffer` (StaticSizes.StaticQueue_t bytes); no heap. */
    xQueueCreateStatic: <T = unknown>(length: number, itemSize: number, storageBuffer: Uint8Array | null, queueBuffer: Uint8Array): QueueHandle<T> =>
      createQueueStatic(k, "xQueueCreateStatic", length, itemSize, QueueKind.Queue, storageBuffer, queueBuffer) as QueueHandle<T>,
    xQueueSend: <T>(q: QueueHandle<T>, item: NoInfer<T>, ticks: number): KernelCall<number> => queueSend(k, q, item, ticks, queueSEND_TO_BACK),
    xQueueSendToBack: <T>(q: QueueHandle<T>, item: NoInfer<T>, ticks: number): KernelCall<number> => queueSend(k, q, item, ticks, queueSEND_TO_BACK, "xQueueSendToBack"),
    xQueueSendToFront: <T>(q: QueueHandle<T>, item: NoInfer<T>, ticks: number): KernelCall<number> => queueSend(k, q, item, ticks, queueSEND_TO_FRONT, "xQueueSendToFront"),
    xQueueOverwrite: <T>(q: QueueHandle<T>, item: NoInfer<T>): KernelCall<number> => queueSend(k, q, item, 0, queueOVERWRITE, "xQueueOverwrite"),
    xQueueReceive: <T>(q: QueueHandle<T>, ref: Ref<NoInfer<T> | null | undefined>, ticks: number): KernelCall<number> => queueReceive(k, q, ref as Ref<unknown>, ticks, false),
    xQueuePeek: <T>(q: QueueHandle<T>, ref: Ref<NoInfer<T> | null | undefined>, ticks: number): KernelCall<number> => queueReceive(k, q, ref as Ref<unknown>, ticks, true),
    uxQueueMessagesWaiting: (q: QueueHandle): number => messagesWaiting(k, q),
    uxQueueMessagesWaitingFromISR: (q: QueueHandle): number => messagesWaiting(k, q, "uxQueueMessagesWaitingFromISR"),
    uxQueueSpacesAvailable: (q: QueueHandle): number => spacesAvailable(k, q),
    xQueueReset: (q: QueueHandle): KernelCall<number> => queueReset(k, q),
    vQueueDelete: (q: QueueHandle): void => queueDelete(k, q),
    vQueueAddToRegistry: (q: QueueHandle, name: string): void => queueAddToRegistry(k, q, name),
    pcQueueGetName: (q: QueueHandle): string => checkQueue(k, "pcQueueGetName", q).name,
    xQueueSendFromISR: <T>(q: QueueHandle<T>, item: NoInfer<T>, wokenRef: Ref<number> | null): number => queueSendFromIsr(k, q, item, wokenRef, queueSEND_TO_BACK),
    xQueueSendToBackFromISR: <T>(q: QueueHandle<T>, item: NoInfer<T>, wokenRef: Ref<number> | null): number => queueSendFromIsr(k, q, item, wokenRef, queueSEND_TO_BACK, "xQueueSendToBackFromISR"),
    xQueueSendToFrontFromISR: <T>(q: QueueHandle<T>, item: NoInfer<T>, wokenRef: Ref<number> | null): number => queueSendFromIsr(k, q, item, wokenRef, queueSEND_TO_FRONT, "xQueueSendToFrontFromISR"),
    xQueueOverwriteFromISR: <T>(q: QueueHandle<T>, item: NoInfer<T>, wokenRef: Ref<number> | null): number => queueSendFromIsr(k, q, item, wokenRef, queueOVERWRITE, "xQueueOverwriteFromISR"),
    xQueueReceiveFromISR: <T>(q: QueueHandle<T>, ref: Ref<NoInfer<T> | null | undefined>, wokenRef: Ref<number> | null): number => queueReceiveFromIsr(k, q, ref as Ref<unknown>, wokenRef, false),
    xQueuePeekFromISR: <T>(q: QueueHandle<T>, ref: Ref<NoInfer<T> | null | undefined>): number => queueReceiveFromIsr(k, q, ref as Ref<unknown>, null, true),
    xQueueIsQueueFullFromISR: (q: QueueHandle): number => isQueueFull(k, q),
    xQueueIsQueueEmptyFromISR: (q: QueueHandle): number => isQueueEmpty(k, q),
    xQueueGetMutexHolder: (m: SemaphoreHandle): TaskHandle | null => mutexHolder(k, m),
    xQueueGetMutexHolderFromISR: (m: SemaphoreHandle): TaskHandle | null => mutexHolder(k, m),

    // ── queue sets ──
    xQueueCreateSet: (length: number): QueueSetHandle | null => createQueueSet(k, length),
    /** xQueueCreateSetStatic (FreeRTOS 11): a Queue_t * per event in `storageBuffer` (length × 4 bytes), the set in `queueBuffer`; no heap. */
    xQueueCreateSetStatic: (length: number, storageBuffer: Uint8Array, queueBuffer: Uint8Array): QueueSetHandle => createQueueSetStatic(k, length, storageBuffer, queueBuffer),
    xQueueAddToSet: (member: QueueSetMemberHandle, set: QueueSetHandle): number => addToSet(k, member, set),
    xQueueRemoveFromSet: (member: QueueSetMemberHandle, set: QueueSetHandle | null): number => removeFromSet(k, member, set),
    /** Blocks until a member has data; resolves with that member, or null on timeout. */
    xQueueSelectFromSet: (set: QueueSetHandle, ticks: number): KernelCall<QueueSetMemberHandle | null> => selectFromSet(k, set, ticks),
    xQueueSelectFromSetFromISR: (set: QueueSetHandle): QueueSetMemberHandle | null => selectFromSetFromIsr(k, set),

    // ── event groups ──
    xEventGroupCreate: (): EventGroupHandle | null => createEventGroup(k),
    /** xEventGroupCreateStatic: the group in `buffer` (StaticSizes.StaticEventGroup_t bytes); no heap. */
    xEventGroupCreateStatic: (buffer: Uint8Array): EventGroupHandle => createEventGroupStatic(k, buffer),
    /** Resolves with the bits after waking satisfied waiters and clearing their exit bits. */
    xEventGroupSetBits: (eg: EventGroupHandle, bits: number): KernelCall<number> => eventGroupSetBits(k, eg, bits),
    /** Returns the bits before clearing. */
    xEventGroupClearBits: (eg: EventGroupHandle, bits: number): number => eventGroupClearBits(k, eg, bits),
    xEventGroupGetBits: (eg: EventGroupHandle): number => eventGroupGetBits(k, eg),
    xEventGroupGetBitsFromISR: (eg: EventGroupHandle): number => eventGroupGetBits(k, eg, "xEventGroupGetBitsFromISR"),
    xEventGroupWaitBits: (eg: EventGroupHandle, bitsToWaitFor: number, clearOnExit: number | boolean, waitForAllBits: number | boolean, ticks: number): KernelCall<number> =>
      eventGroupWaitBits(k, eg, bitsToWaitFor, clearOnExit, waitForAllBits, ticks),
    xEventGroupSync: (eg: EventGroupHandle, bitsToSet: number, bitsToWaitFor: number, ticks: number): KernelCall<number> => eventGroupSync(k, eg, bitsToSet, bitsToWaitFor, ticks),
    /** Deferred to the timer task; pdFAIL when its command queue is full. */
    xEventGroupSetBitsFromISR: (eg: EventGroupHandle, bits: number, wokenRef: Ref<number> | null): number => eventGroupSetBitsFromIsr(k, eg, bits, wokenRef),
    xEventGroupClearBitsFromISR: (eg: EventGroupHandle, bits: number): number => eventGroupClearBitsFromIsr(k, eg, bits),
    vEventGroupDelete: (eg: EventGroupHandle): KernelCall<number> => deleteEventGroup(k, eg),

    // ── software timers ──
    xTimerCreate: (name: string, periodTicks: number, autoReload: number | boolean, id: unknown, callback: TimerCallback): TimerHandle | null =>
      createTimer(k, name, periodTicks, autoReload, id, callback),
    /** xTimerCreateStatic: the timer in `buffer` (StaticSizes.StaticTimer_t bytes); no heap. */
    xTimerCreateStatic: (name: string, periodTicks: number, autoReload: number | boolean, id: unknown, callback: TimerCallback, buffer: Uint8Array): TimerHandle =>
      createTimerStatic(k, name, periodTicks, autoReload, id, callback, buffer),
    xTimerStart: (t: TimerHandle, ticksToWait: number): KernelCall<number> => timerStart(k, t, ticksToWait),
    xTimerReset: (t: TimerHandle, ticksToWait: number): KernelCall<number> => timerStart(k, t, ticksToWait, true),
    xTimerStop: (t: TimerHandle, ticksToWait: number): KernelCall<number> => timerStop(k, t, ticksToWait),
    xTimerChangePeriod: (t: TimerHandle, periodTicks: number, ticksToWait: number): KernelCall<number> => timerChangePeriod(k, t, periodTicks, ticksToWait),
    xTimerDelete: (t: TimerHandle, ticksToWait: number): KernelCall<number> => timerDelete(k, t, ticksToWait),
    xTimerStartFromISR: (t: TimerHandle, wokenRef: Ref<number> | null): number => timerStartFromIsr(k, t, wokenRef),
    xTimerResetFromISR: (t: TimerHandle, wokenRef: Ref<number> | null): number => timerStartFromIsr(k, t, wokenRef, true),
    xTimerStopFromISR: (t: TimerHandle, wokenRef: Ref<number> | null): number => timerStopFromIsr(k, t, wokenRef),
    xTimerChangePeriodFromISR: (t: TimerHandle, periodTicks: number, wokenRef: Ref<number> | null): number => timerChangePeriodFromIsr(k, t, periodTicks, wokenRef),
    xTimerIsTimerActive: (t: TimerHandle): number => timerIsActive(k, t),
    pvTimerGetTimerID: (t: TimerHandle): unknown => checkTimer(k, "pvTimerGetTimerID", t).id,
    vTimerSetTimerID: (t: TimerHandle, id: unknown): void => {
      checkTimer(k, "vTimerSetTimerID", t).id = id;
    },
    xTimerGetPeriod: (t: TimerHandle): number => checkTimer(k, "xTimerGetPeriod", t).periodTicks,
    xTimerGetExpiryTime: (t: TimerHandle): number => timerGetExpiryTime(k, t),
    pcTimerGetName: (t: TimerHandle): string => checkTimer(k, "pcTimerGetName", t).name,
    vTimerSetReloadMode: (t: TimerHandle, autoReload: number | boolean): void => timerSetReloadMode(k, t, autoReload),
    uxTimerGetReloadMode: (t: TimerHandle): number => (checkTimer(k, "uxTimerGetReloadMode", t).autoReload ? 1 : 0),
    xTimerGetReloadMode: (t: TimerHandle): number => (checkTimer(k, "xTimerGetReloadMode", t).autoReload ? 1 : 0),
    /** Runs fn(param1, param2) in the timer task. */
    xTimerPendFunctionCall: (fn: PendedFunction, param1: unknown, param2: number, ticksToWait: number): KernelCall<number> => pendFunctionCall(k, fn, param1, param2, ticksToWait),
    xTimerPendFunctionCallFromISR: (fn: PendedFunction, param1: unknown, param2: number, wokenRef: Ref<number> | null): number =>
      pendFunctionCallFromIsr(k, fn, param1, param2, wokenRef),

    // ── stream buffers (one reader, one writer; rule 32) ──
    xStreamBufferCreate: (sizeBytes: number, triggerLevelBytes: number): StreamBufferHandle | null => createStreamBuffer(k, sizeBytes, triggerLevelBytes, false),
    /** xStreamBufferCreateStatic: data in `storageBuffer` (sizeBytes + 1 bytes), the buffer in `buffer` (StaticSizes.StaticStreamBuffer_t bytes); no heap. */
    xStreamBufferCreateStatic: (sizeBytes: number, triggerLevelBytes: number, storageBuffer: Uint8Array, buffer: Uint8Array): StreamBufferHandle =>
      createStreamBufferStatic(k, sizeBytes, triggerLevelBytes, false, storageBuffer, buffer),
    /** Resolves with the bytes written (a stream write may be partial). */
    xStreamBufferSend: (sb: StreamBufferHandle, data: Uint8Array, ticks: number): KernelCall<number> => streamBufferSend(k, sb, data, ticks),
    /** Resolves with the bytes read into `into` (at most into.length). */
    xStreamBufferReceive: (sb: StreamBufferHandle, into: Uint8Array, ticks: number): KernelCall<number> => streamBufferReceive(k, sb, into, ticks),
    xStreamBufferSendFromISR: (sb: StreamBufferHandle, data: Uint8Array, wokenRef: Ref<number> | null): number => streamBufferSendFromIsr(k, sb, data, wokenRef),
    xStreamBufferReceiveFromISR: (sb: StreamBufferHandle, into: Uint8Array, wokenRef: Ref<number> | null): number => streamBufferReceiveFromIsr(k, sb, into, wokenRef),
    xStreamBufferSendCompletedFromISR: (sb: StreamBufferHandle, wokenRef: Ref<number> | null): number => streamBufferSendCompletedFromIsr(k, sb, wokenRef),
    xStreamBufferReceiveCompletedFromISR: (sb: StreamBufferHandle, wokenRef: Ref<number> | null): number => streamBufferReceiveCompletedFromIsr(k, sb, wokenRef),
    xStreamBufferBytesAvailable: (sb: StreamBufferHandle): number => streamBufferBytesAvailable(k, sb),
    xStreamBufferSpacesAvailable: (sb: StreamBufferHandle): number => streamBufferSpacesAvailable(k, sb),
    xStreamBufferIsEmpty: (sb: StreamBufferHandle): number => streamBufferIsEmpty(k, sb),
    xStreamBufferIsFull: (sb: StreamBufferHandle): number => streamBufferIsFull(k, sb),
    /** pdFAIL when a task is blocked on the buffer. */
    xStreamBufferReset: (sb: StreamBufferHandle): number => streamBufferReset(k, sb),
    xStreamBufferResetFromISR: (sb: StreamBufferHandle): number => streamBufferResetFromIsr(k, sb),
    xStreamBufferSetTriggerLevel: (sb: StreamBufferHandle, triggerLevelBytes: number): number => streamBufferSetTriggerLevel(k, sb, triggerLevelBytes),
    vStreamBufferDelete: (sb: StreamBufferHandle): void => streamBufferDelete(k, sb),
    xMessageBufferCreate: (sizeBytes: number): MessageBufferHandle | null => createStreamBuffer(k, sizeBytes, 0, true),
    /** xMessageBufferCreateStatic: data in `storageBuffer` (sizeBytes + 1 bytes), the buffer in `buffer` (StaticSizes.StaticMessageBuffer_t bytes); no heap. */
    xMessageBufferCreateStatic: (sizeBytes: number, storageBuffer: Uint8Array, buffer: Uint8Array): MessageBufferHandle =>
      createStreamBufferStatic(k, sizeBytes, 0, true, storageBuffer, buffer),
    /** All or nothing: resolves with data.length, or 0 when it did not fit in time (each message also takes 4 length bytes). */
    xMessageBufferSend: (mb: MessageBufferHandle, data: Uint8Array, ticks: number): KernelCall<number> => streamBufferSend(k, mb, data, ticks),
    /** Resolves with the message length, or 0 when none arrived or `into` is too small (the message stays queued). */
    xMessageBufferReceive: (mb: MessageBufferHandle, into: Uint8Array, ticks: number): KernelCall<number> => streamBufferReceive(k, mb, into, ticks),
    xMessageBufferSendFromISR: (mb: MessageBufferHandle, data: Uint8Array, wokenRef: Ref<number> | null): number => streamBufferSendFromIsr(k, mb, data, wokenRef),
    xMessageBufferReceiveFromISR: (mb: MessageBufferHandle, into: Uint8Array, wokenRef: Ref<number> | null): number => streamBufferReceiveFromIsr(k, mb, into, wokenRef),
    xMessageBufferSpacesAvailable: (mb: MessageBufferHandle): number => streamBufferSpacesAvailable(k, mb),
    xMessageBufferIsEmpty: (mb: MessageBufferHandle): number => streamBufferIsEmpty(k, mb),
    xMessageBufferIsFull: (mb: MessageBufferHandle): number => streamBufferIsFull(k, mb),
    xMessageBufferReset: (mb: MessageBufferHandle): number => streamBufferReset(k, mb),
    xMessageBufferNextLengthBytes: (mb: MessageBufferHandle): number => streamBufferNextMessageLength(k, mb),
    vMessageBufferDelete: (mb: MessageBufferHandle): void => streamBufferDelete(k, mb),

    // ── semaphores and mutexes ──
    xSemaphoreCreateBinary: (): SemaphoreHandle | null => createSemaphore(k, QueueKind.BinarySemaphore, 1, 0),
    xSemaphoreCreateCounting: (maxCount: number, initialCount: number): SemaphoreHandle | null => createSemaphore(k, QueueKind.CountingSemaphore, maxCount, initialCount),
    xSemaphoreCreateMutex: (): SemaphoreHandle | null => mutexCreate(k, QueueKind.Mutex),
    xSemaphoreCreateRecursiveMutex: (): SemaphoreHandle | null => mutexCreate(k, QueueKind.RecursiveMutex),
    /** xSemaphoreCreateBinaryStatic: the semaphore in `buffer` (StaticSizes.StaticSemaphore_t bytes); no heap. */
    xSemaphoreCreateBinaryStatic: (buffer: Uint8Array): SemaphoreHandle => createSemaphoreStatic(k, QueueKind.BinarySemaphore, 1, 0, buffer),
    /** xSemaphoreCreateCountingStatic: the semaphore in `buffer` (StaticSizes.StaticSemaphore_t bytes); no heap. */
    xSemaphoreCreateCountingStatic: (maxCount: number, initialCount: number, buffer: Uint8Array): SemaphoreHandle =>
      createSemaphoreStatic(k, QueueKind.CountingSemaphore, maxCount, initialCount, buffer),
    /** xSemaphoreCreateMutexStatic: the mutex in `buffer` (StaticSizes.StaticSemaphore_t bytes); no heap. */
    xSemaphoreCreateMutexStatic: (buffer: Uint8Array): SemaphoreHandle => createSemaphoreStatic(k, QueueKind.Mutex, 1, 1, buffer),
    /** xSemaphoreCreateRecursiveMutexStatic: the mutex in `buffer` (StaticSizes.StaticSemaphore_t bytes); no heap. */
    xSemaphoreCreateRecursiveMutexStatic: (buffer: Uint8Array): SemaphoreHandle => createSemaphoreStatic(k, QueueKind.RecursiveMutex, 1, 1, buffer),
    xSemaphoreTake: (s: SemaphoreHandle, ticks: number): KernelCall<number> => semaphoreTake(k, s, ticks),
    xSemaphoreGive: (s: SemaphoreHandle): KernelCall<number> => semaphoreGive(k, s),
    xSemaphoreTakeRecursive: (m: SemaphoreHandle, ticks: number): KernelCall<number> => semaphoreTakeRecursive(k, m, ticks),
    xSemaphoreGiveRecursive: (m: SemaphoreHandle): KernelCall<number> => semaphoreGiveRecursive(k, m),
    xSemaphoreGiveFromISR: (s: SemaphoreHandle, wokenRef: Ref<number> | null): number => semaphoreGiveFromIsr(k, s, wokenRef),
    xSemaphoreTakeFromISR: (s: SemaphoreHandle, wokenRef: Ref<number> | null): number => semaphoreTakeFromIsr(k, s, wokenRef),
    uxSemaphoreGetCount: (s: SemaphoreHandle): number => messagesWaiting(k, s, "uxSemaphoreGetCount"),
    xSemaphoreGetMutexHolder: (m: SemaphoreHandle): TaskHandle | null => mutexHolder(k, m),
    xSemaphoreGetMutexHolderFromISR: (m: SemaphoreHandle): TaskHandle | null => mutexHolder(k, m),
    vSemaphoreDelete: (s: SemaphoreHandle): void => queueDelete(k, s),
  };
}
