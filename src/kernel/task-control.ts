/**
 * Task lifecycle (the task-control part of FreeRTOS's tasks.c): creating, starting, deleting,
 * suspending and resuming tasks, delays and priorities, and what happens when a task's
 * function returns or throws. Free functions over the kernel, as queue.ts is.
 * @module
 */
import { describeValue, wrongType } from "./check.js";
import {
  eBlocked,
  errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY,
  pdFAIL,
  pdFALSE,
  pdPASS,
  pdTRUE,
} from "./constants.js";
import { KernelAssertError, KernelError } from "./errors.js";
import { annotate, Exec, settled } from "./exec.js";
import { isAsyncGeneratorFunction, isGenerator, isGeneratorFunction, type KernelCall } from "./lane.js";
import { sizeOf } from "./heap.js";
import { checkStaticBuffer, claimStaticBuffer, kernelStaticLayout, releaseStaticBuffers } from "./static.js";
import { serviceInterrupts } from "./isr.js";
import type { Kernel, KernelTask, Ref, TaskFunction } from "./kernel.js";
import { interruptPark } from "./park.js";
import type { MemoryRegion } from "./port.js";
import { CONTEXT_FRAME_WORDS, Task, type Continuation } from "./task.js";
import { drainPendingReady, replayPendedTicks } from "./tick.js";
import { setEventValue } from "./blocking.js";
import { checkStackOverflow, fillStack } from "./stack.js";

/**
 * xTaskCreate. The task's function starts when the scheduler first switches it in; a generator
 * function makes a generator-lane task (its generator is made now, its body runs then).
 * Returns pdPASS, or errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY when the heap cannot hold its TCB
 * and stack. Yields when the new task has a strictly higher priority than the caller (rule 5).
 */
export function createTask<P>(
  k: Kernel,
  fn: TaskFunction<P>,
  name: string,
  stackDepth: number,
  params: P,
  priority: number,
  handleRef?: Ref<KernelTask | null> | null,
  switchNow = true,
  reclaimOnReturn = false,
  restricted: RestrictedSetup | null = null,
): KernelCall<number> {
  const call = restricted === null ? "xTaskCreate" : restricted.call;
  k.assertNotIsr(call);
  if (typeof fn !== "function") throw new TypeError(`${call}: the task function must be a function, got ${fn === null ? "null" : typeof fn}`);
  if (typeof name !== "string") throw wrongType(call, "name", "a string", name);
  if (typeof stackDepth !== "number") throw wrongType(`${call}("${name}")`, "stackDepth", "a number of words", stackDepth);
  if (!Number.isInteger(stackDepth) || stackDepth < CONTEXT_FRAME_WORDS)
    throw new RangeError(
      `${call}("${name}"): stackDepth must be an integer number of words >= ${CONTEXT_FRAME_WORDS}, got ${String(stackDepth)}: ` +
        `a task's stack must hold at least its context frame (${CONTEXT_FRAME_WORDS} words, saved at every switch)`,
    );
  // Checked inline first: the message naming the task is built only when it is needed.
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority >= k.maxPriorities)
    priority = k.checkPriority(`${call}("${name}")`, priority);
  if (handleRef !== undefined && handleRef !== null && typeof handleRef !== "object")
    throw new TypeError(`${call}("${name}"): handleRef must be an object { value } or null`);
  // Calling a generator function runs none of its body: the generator is made before the TCB.
  const gen = isGeneratorFunction(fn) ? (fn(params) as Generator<unknown, unknown, unknown>) : null;
  if (gen === null && isAsyncGeneratorFunction(fn))
    throw new TypeError(`${call}("${name}"): the task function is an async generator function; write an async function or a generator function (function*)`);
  if (k.dynamicGuard) k.checkDynamic(call);
  const stackBuffer = restricted === null ? null : restricted.stackBuffer;
  const t = stackBuffer === null ? allocateTask(k, name, stackDepth, priority, false) : allocateTaskStackOnly(k, call, name, stackDepth, priority, stackBuffer);
  if (t === null) {
    if (handleRef) handleRef.value = null;
    return settled(errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY);
  }
  if (handleRef) handleRef.value = t;
  if (reclaimOnReturn) {
    t.reclaimOnReturn = true;
    k.spawnedLive++;
  }
  // Before the task can be switched in (its creation may preempt the caller): the port loads its regions then.
  if (restricted !== null) t.mpuRegions = restricted.regions;
  prepareStart(k, t, fn, params, gen);
  const higher = addNewTaskToReadyList(k, t);
  if (!switchNow) {
    // The caller does not await: the new task preempts it at its next kernel call.
    if (higher && k.config.configUSE_PREEMPTION === 1) k.requestSwitch();
    return settled(pdPASS);
  }
  return k.result(pdPASS, higher);
}

/** What createTask needs for xTaskCreateRestricted: the call's name, the checked regions, the caller's stack buffer (or null). */
export interface RestrictedSetup {
  readonly call: string;
  readonly regions: unknown;
  readonly stackBuffer: Uint8Array | null;
}

/**
 * FreeRTOS's TaskParameters_t, for xTaskCreateRestricted: the xTaskCreate arguments plus the
 * memory regions the task may access beyond its own stack.
 */
export interface TaskParameters<P = unknown> {
  fn: TaskFunction<P>;
  name: string;
  stackDepth: number;
  params: P;
  priority: number;
  /** The regions the task may access besides its stack (`ro`: read only); [] for its stack alone. */
  regions: readonly MemoryRegion[];
  /**
   * puxStackBuffer: the task's stack, at least stackDepth × 4 bytes (on a board: in board RAM, e.g.
   * from `staticBuffer` in tinyrtos/mem). Omitted: the stack is a heap block. Given: only the TCB
   * comes from the heap (tskSTATICALLY_ALLOCATED_STACK_ONLY), and deleting the task frees the
   * TCB and gives the buffer back to the caller.
   */
  stackBuffer?: Uint8Array;
}

/**
 * xTaskCreateRestricted: xTaskCreate for a task that runs unprivileged, seeing only its stack
 * and `regions`. The kernel checks the regions' shape (integers in the 32-bit address space,
 * `access` "rw" or "ro"); on a board the port then applies the MPU/PMP rules (power-of-two sizes,
 * alignment, the region count) and its result is what the task carries. Off a board (no port)
 * only the shape is checked and nothing enforces the regions. Nothing is created when a check
 * fails. Returns like xTaskCreate.
 */
export function createRestrictedTask<P>(k: Kernel, parameters: TaskParameters<P>, handleRef?: Ref<KernelTask | null> | null): KernelCall<number> {
  const call = "xTaskCreateRestricted";
  k.assertNotIsr(call);
  if (parameters === null || typeof parameters !== "object")
    throw new TypeError(`${call}: expects { fn, name, stackDepth, params, priority, regions }, got ${parameters === null ? "null" : typeof parameters}`);
  const { fn, name, stackDepth, params, priority, regions, stackBuffer } = parameters;
  if (typeof name !== "string") throw wrongType(call, "name", "a string", name);
  const where = `${call}("${name}")`;
  if (!Array.isArray(regions)) throw new TypeError(`${where}: regions must be an array of { address, lengthBytes, access }, got ${describeValue(regions)}`);
  const checked: MemoryRegion[] = [];
  for (let i = 0; i < regions.length; i++) checked.push(checkRegionShape(where, i, regions[i]));
  Object.freeze(checked);
  const port = k.port;
  const stored = port !== null && port.checkRegions !== undefined ? port.checkRegions(name, checked) : checked;
  return createTask(k, fn, name, stackDepth, params, priority, handleRef, true, false, { call, regions: stored, stackBuffer: stackBuffer ?? null });
}

/** A region's shape: integers in the 32-bit address space, access "rw" or "ro"; a frozen copy. */
function checkRegionShape(where: string, i: number, r: unknown): MemoryRegion {
  const at = `${where}: regions[${i}]`;
  if (r === null || typeof r !== "object") throw new TypeError(`${at} must be an object { address, lengthBytes, access }, got ${describeValue(r)}`);
  const { address, lengthBytes, access } = r as Record<string, unknown>;
  if (typeof address !== "number" || !Number.isInteger(address) || address < 0 || address > 0xffffffff)
    throw new RangeError(`${at}.address must be an integer address in 0..0xffffffff, got ${describeValue(address)}`);
  if (typeof lengthBytes !== "number" || !Number.isInteger(lengthBytes) || lengthBytes < 1)
    throw new RangeError(`${at}.lengthBytes must be a positive integer, got ${describeValue(lengthBytes)}`);
  if (address + lengthBytes > 0x1_0000_0000)
    throw new RangeError(`${at} (${lengthBytes} bytes at 0x${address.toString(16).padStart(8, "0")}) runs past the end of the 32-bit address space`);
  if (access !== "rw" && access !== "ro") throw new TypeError(`${at}.access must be "rw" or "ro", got ${describeValue(access)}`);
  return Object.freeze({ address, lengthBytes, access });
}

/**
 * go()'s creation path: a goroutine's task, freed as soon as its function returns. The caller
 * has checked the function and the priority, so only what it cannot know is checked here.
 * Returns null (after the malloc-failed hook) when the heap cannot hold it. A higher-priority
 * goroutine preempts the caller at its next kernel call (go() does not switch).
 */
export function spawnTask(k: Kernel, fn: () => unknown, name: string, stackDepth: number, priority: number): KernelTask | null {
  k.assertNotIsr("go");
  const gen = isGeneratorFunction(fn) ? (fn() as Generator<unknown, unknown, unknown>) : null;
  if (gen === null && isAsyncGeneratorFunction(fn)) throw new TypeError("go: the goroutine function is an async generator function; write an async function or a generator function (function*)");
  if (k.dynamicGuard) k.checkDynamic("go");
  const t = allocateTask(k, name, stackDepth, priority, false);
  if (t === null) return null;
  t.reclaimOnReturn = true;
  k.spawnedLive++;
  prepareStart(k, t, fn, undefined, gen);
  if (addNewTaskToReadyList(k, t) && k.config.configUSE_PREEMPTION === 1) k.requestSwitch();
  return t;
}

/** How a new task starts: a generator task at its first next() from the dispatch loop, an async one from a microtask. */
function prepareStart(k: Kernel, t: KernelTask, fn: TaskFunction<never>, params: unknown, gen: Generator<unknown, unknown, unknown> | null): void {
  if (gen !== null) {
    t.gen = gen;
    return;
  }
  // The first switch-in "resolves" startOnSwitchIn with the task, and the body begins.
  t.opObject = fn;
  t.opItem = params;
  t.resumeValue = t;
  t.resolve = k.startOnSwitchIn;
}

/**
 * prvCreateTask on a descending stack: the stack's heap block first, then the TCB's (so the stack
 * cannot grow into the TCB); null (after the malloc-failed hook) when either does not fit, with
 * the stack given back when the TCB does not fit.
 */
function allocateTask(k: Kernel, name: string, stackDepth: number, priority: number, isIdle: boolean): KernelTask | null {
  const maxLen = k.config.configMAX_TASK_NAME_LEN - 1;
  const t = new Task<Kernel>(k, k.taskNumber + 1, name.length > maxLen ? name.slice(0, maxLen) : name, priority, stackDepth, isIdle);
  const stackBytes = stackDepth * sizeOf.stackWord;
  const heap = k.heap;
  const stack = heap.malloc(stackBytes, "task", t, "stack");
  if (stack === 0) {
    k.mallocFailed(`task "${name}" stack`, stackBytes);
    return null;
  }
  const tcb = heap.malloc(sizeOf.tcb, "task", t, "TCB");
  if (tcb === 0) {
    k.mallocFailed(`task "${name}" TCB`, sizeOf.tcb);
    heap.free(stack);
    return null;
  }
  k.taskNumber++;
  t.stackAddress = stack;
  t.tcbAddress = tcb;
  if (k.memory !== null) t.stackView = k.memory.view(stack, stackBytes);
  t.eValue = k.maxPriorities - priority;
  return t;
}

/**
 * xTaskCreateRestricted with puxStackBuffer: the stack is the caller's buffer (checked and claimed
 * as a static buffer), the TCB a heap block; null (after the malloc-failed hook) when the TCB does
 * not fit, with nothing claimed. The buffer's errors assert (static.ts), before anything is taken.
 */
function allocateTaskStackOnly(k: Kernel, call: string, name: string, stackDepth: number, priority: number, stackBuffer: Uint8Array): KernelTask | null {
  const where = `${call}("${name}")`;
  const stackBytes = stackDepth * sizeOf.stackWord;
  const stackAddress = checkStaticBuffer(k, where, "puxStackBuffer", stackBuffer, stackBytes, `a stack of ${stackDepth} words`);
  const maxLen = k.config.configMAX_TASK_NAME_LEN - 1;
  const t = new Task<Kernel>(k, k.taskNumber + 1, name.length > maxLen ? name.slice(0, maxLen) : name, priority, stackDepth, false);
  const tcb = k.heap.malloc(sizeOf.tcb, "task", t, "TCB");
  if (tcb === 0) {
    k.mallocFailed(`task "${name}" TCB`, sizeOf.tcb);
    return null;
  }
  k.taskNumber++;
  t.staticStackOnly = true;
  t.stackAddress = stackAddress;
  t.tcbAddress = tcb;
  if (k.memory !== null) t.stackView = stackBuffer.subarray(0, stackBytes);
  t.eValue = k.maxPriorities - priority;
  claimStaticBuffer(k, t, `task "${t.name}" stack`, stackBuffer, stackBytes);
  return t;
}

/** A task in caller-supplied (or kernel-owned) memory: no heap. */
function placeStaticTask(k: Kernel, name: string, stackDepth: number, priority: number, isIdle: boolean, stackAddress: number, tcbAddress: number, stackView: Uint8Array | null): KernelTask {
  const maxLen = k.config.configMAX_TASK_NAME_LEN - 1;
  const t = new Task<Kernel>(k, ++k.taskNumber, name.length > maxLen ? name.slice(0, maxLen) : name, priority, stackDepth, isIdle);
  t.staticallyAllocated = true;
  t.stackAddress = stackAddress;
  t.tcbAddress = tcbAddress;
  t.stackView = stackView;
  t.eValue = k.maxPriorities - priority;
  return t;
}

/**
 * xTaskCreateStatic: as xTaskCreate, with the stack in `stackBuffer` (at least stackDepth × 4
 * bytes) and the TCB in `tcbBuffer` (at least sizeof(StaticTask_t)). Returns the handle (FreeRTOS
 * returns it rather than pdPASS); never fails for memory; the buffers' errors assert (see
 * static.ts). Yields like xTaskCreate.
 */
export function createTaskStatic<P>(
  k: Kernel,
  fn: TaskFunction<P>,
  name: string,
  stackDepth: number,
  params: P,
  priority: number,
  stackBuffer: Uint8Array,
  tcbBuffer: Uint8Array,
): KernelCall<KernelTask> {
  const call = "xTaskCreateStatic";
  k.assertNotIsr(call);
  if (typeof fn !== "function") throw new TypeError(`${call}: the task function must be a function, got ${fn === null ? "null" : typeof fn}`);
  if (typeof name !== "string") throw wrongType(call, "name", "a string", name);
  if (typeof stackDepth !== "number") throw wrongType(`${call}("${name}")`, "stackDepth", "a number of words", stackDepth);
  if (!Number.isInteger(stackDepth) || stackDepth < CONTEXT_FRAME_WORDS)
    throw new RangeError(`${call}("${name}"): stackDepth must be an integer number of words >= ${CONTEXT_FRAME_WORDS}, got ${String(stackDepth)}`);
  priority = k.checkPriority(`${call}("${name}")`, priority);
  const where = `${call}("${name}")`;
  const stackBytes = stackDepth * sizeOf.stackWord;
  const stackAddress = checkStaticBuffer(k, where, "puxStackBuffer", stackBuffer, stackBytes, `a stack of ${stackDepth} words`);
  const tcbAddress = checkStaticBuffer(k, where, "pxTaskBuffer", tcbBuffer, sizeOf.tcb, "StaticTask_t");
  if (stackBuffer.buffer === tcbBuffer.buffer && stackBuffer.byteOffset < tcbBuffer.byteOffset + sizeOf.tcb && tcbBuffer.byteOffset < stackBuffer.byteOffset + stackBytes)
    k.fail(where, "puxStackBuffer and pxTaskBuffer overlap: the stack and the TCB need separate buffers");
  const gen = isGeneratorFunction(fn) ? (fn(params) as Generator<unknown, unknown, unknown>) : null;
  if (gen === null && isAsyncGeneratorFunction(fn))
    throw new TypeError(`${where}: the task function is an async generator function; write an async function or a generator function (function*)`);
  const view = k.memory !== null ? stackBuffer.subarray(0, stackBytes) : null;
  const t = placeStaticTask(k, name, stackDepth, priority, false, stackAddress, tcbAddress, view);
  claimStaticBuffer(k, t, `task "${t.name}" stack`, stackBuffer, stackBytes);
  claimStaticBuffer(k, t, `task "${t.name}" TCB`, tcbBuffer, sizeOf.tcb);
  prepareStart(k, t, fn, params, gen);
  return k.resultValue(t, addNewTaskToReadyList(k, t));
}

/**
 * The idle or timer task: in the kernel's own static memory when configSUPPORT_STATIC_ALLOCATION
 * is 1 (FreeRTOS 11's vApplicationGetIdleTaskMemory / vApplicationGetTimerTaskMemory path), from
 * the heap otherwise.
 * @internal
 */
export function allocateKernelTask(k: Kernel, name: string, stackDepth: number, priority: number, isIdle: boolean): KernelTask | null {
  if (k.config.configSUPPORT_STATIC_ALLOCATION === 0) return allocateTask(k, name, stackDepth, priority, isIdle);
  const layout = kernelStaticLayout(k);
  const base = k.kernelStaticBase();
  const placed = k.memory !== null;
  const stackAt = placed ? base + (isIdle ? layout.idleStack : layout.timerStack) : 0;
  const tcbAt = placed ? base + (isIdle ? layout.idleTcb : layout.timerTcb) : 0;
  const view = placed ? k.memory!.view(stackAt, stackDepth * sizeOf.stackWord) : null;
  return placeStaticTask(k, name, stackDepth, priority, isIdle, stackAt, tcbAt, view);
}

/** The timer service task: in kernel-owned static memory or the heap (see allocateKernelTask); never switches. @internal */
export function createKernelTask(k: Kernel, fn: () => unknown, name: string, stackDepth: number, priority: number, handleRef: Ref<KernelTask | null>): void {
  const t = allocateKernelTask(k, name, stackDepth, priority, false);
  handleRef.value = t;
  if (t === null) return;
  prepareStart(k, t, fn as TaskFunction<never>, undefined, null);
  addNewTaskToReadyList(k, t);
}

/** prvAddNewTaskToReadyList; returns true when the new task should preempt the caller (rule 5). */
function addNewTaskToReadyList(k: Kernel, t: KernelTask): boolean {
  // The stack model (stack.ts): a stack placed in board RAM starts filled with tskSTACK_FILL_BYTE
  // (prvInitialiseNewTask); whatever places it sets t.stackView before this point.
  if (t.stackView !== null) fillStack(t);
  k.numberOfTasks++;
  if (k.traceSink !== null) k.emit("task.created", t.name, undefined, t.priority);
  if (k.current === null) {
    k.current = t;
  } else if (!k.schedulerRunning && k.current.priority <= t.priority) {
    k.current = t; // rule 4: the last-created task of the highest priority
  }
  k.addToReadyList(t);
  return k.schedulerRunning && k.current !== t && t.priority > k.current.priority;
}

/** vTaskDelete (rule 20). Deleting the caller never returns to it. */
export function deleteTask(k: Kernel, handle: KernelTask | null): KernelCall<number> {
  const call = "vTaskDelete";
  k.assertNotIsr(call);
  const t = k.checkTask(call, handle, true);
  if (t.isIdle) k.fail(call, "the idle task cannot be deleted");
  const self = t === k.current && k.schedulerRunning;
  if (self) assertCanLeave(k, call, t, "deletes");
  k.removeState(t);
  if (t.eList !== null) t.eList.remove(t);
  if (k.traceSink !== null) k.emit("task.deleted", t.name);
  if (self) {
    k.terminationList.insertEnd(t.stateItem);
    k.deletedTasksWaitingCleanUp++;
    t.cont = null;
    if (k.exec === Exec.Task) return k.switchAway();
    // Deleting the running task from outside it (set-up code between runs): pick another.
    k.switchContext();
    return settled(0);
  }
  k.numberOfTasks--;
  freeTask(k, t);
  if (t === k.current) {
    // Before the scheduler starts: the current task becomes the highest-priority other one.
    k.current = null;
    if (k.topReadyPriority() >= 0) k.current = k.readyLists[k.topReadyPriority()]!.head();
  }
  return settled(0);
}

function freeTask(k: Kernel, t: KernelTask): void {
  interruptPark(k, t);
  t.deleted = true;
  if (t.reclaimOnReturn) k.spawnedLive--;
  t.resolve = null;
  t.gen = null;
  t.cont = null;
  if (t.staticallyAllocated) {
    releaseStaticBuffers(k, t);
    return;
  }
  if (t.staticStackOnly) {
    // The caller's stack goes back to the caller; the TCB to the heap.
    releaseStaticBuffers(k, t);
    k.heap.free(t.tcbAddress);
    return;
  }
  // prvDeleteTCB: the stack, then the TCB.
  k.heap.free(t.stackAddress);
  k.heap.free(t.tcbAddress);
}

/**
 * Runs a task's function when it is first switched in. Its completion is watched with two
 * handlers shared by every task (no closure per task): when a task's function settles, that
 * task is the running one, unless it awaited a foreign promise.
 */
export function startTask(k: Kernel, t: KernelTask): void {
  if (t.deleted) return;
  const fn = t.opObject as (params: unknown) => unknown;
  const params = t.opItem;
  t.opObject = null;
  t.opItem = undefined;
  let result: unknown;
  try {
    result = fn(params);
  } catch (error) {
    taskFaulted(k, t, error);
    return;
  }
  if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function") {
    (result as PromiseLike<unknown>).then(k.onTaskReturned, k.onTaskFaulted);
  } else if (isGenerator(result)) {
    // A plain function that returned a generator (a wrapper of a generator function): the task
    // continues in the generator lane, from the dispatch loop (no task code is on the stack here).
    // A native generator delegating to it: the kernel resumes only native generators.
    t.gen = delegateTo(result);
    t.resumeValue = undefined;
    k.dispatch();
  } else {
    taskReturned(k, t);
  }
}

/**
 * A native generator that runs `it` (which may be any iterator with next and throw). One shared
 * function: V8 builds a prototype and a map the first time each new generator closure is called.
 */
function* delegateTo(it: Generator<unknown, unknown, unknown>): Generator<unknown, unknown, unknown> {
  return yield* it;
}

/** A task function settled while no task was running: it awaited something foreign. */
export function foreignCompletion(k: Kernel, error: unknown): void {
  const detail = error === null ? "" : ` (it threw: ${error instanceof Error ? error.message : String(error)})`;
  k.failSchedule(
    new KernelError(`a task function finished while no task was running${detail}: a task awaited a promise that is not a kernel operation; wrap outside work in external(promise)`),
  );
}

/**
 * A task function returned: the task deletes itself. `fromLoop`: a generator task, reported by
 * the dispatch loop, which then runs the next task itself.
 */
export function taskReturned(k: Kernel, t: KernelTask, fromLoop = false): void {
  if (t.deleted || t.stateItem.container === k.terminationList) return;
  if (k.exec === Exec.Stopping) {
    stopFaultedTask(k, t, fromLoop);
    return;
  }
  if (t !== k.current || (k.exec !== Exec.Task && !fromLoop)) {
    k.foreignAwait(t, "returned");
    return;
  }
  const held = releaseHeld(k);
  if (held !== null) {
    const error = new KernelAssertError(`task "${t.name}" returned while holding ${held}; the kernel released it`);
    annotate(error, "heldOnFault", held);
    taskFaulted(k, t, error, fromLoop);
    return;
  }
  if (t.reclaimOnReturn) {
    // Like a goroutine's exit: freed at once instead of waiting for the idle task.
    if (k.traceSink !== null) k.emit("task.deleted", t.name);
    k.removeState(t);
    if (t.eList !== null) t.eList.remove(t);
    k.numberOfTasks--;
    // Its last switch-out's stack check (stack.ts), before its stack is freed.
    if (k.stackCheck !== 0) checkStackOverflow(k, t);
    freeTask(k, t);
    k.switchContext();
    if (!fromLoop) k.dispatch();
    return;
  }
  void deleteTask(k, t);
}

/**
 * A task function threw: the task is deleted and the error ends the current run. The
 * scheduler suspension or critical section it held is released (and named on the error as
 * `heldOnFault`): the fault is its own, not the next task's that blocks.
 */
export function taskFaulted(k: Kernel, t: KernelTask, error: unknown, fromLoop = false): void {
  if (k.exec === Exec.Stopping) {
    stopFaultedTask(k, t, fromLoop);
    return;
  }
  if (k.traceSink !== null) k.emit("task.faulted", t.name);
  // Name the task and the time on the error (non-enumerable, so messages and comparisons are unchanged).
  annotate(error, "taskName", t.name);
  annotate(error, "timeTicks", k.now());
  if (!t.deleted) {
    if (t === k.current && (k.exec === Exec.Task || fromLoop)) {
      const held = releaseHeld(k);
      if (held !== null) annotate(error, "heldOnFault", held);
      k.recordFault(error);
      void deleteTask(k, t);
      return;
    }
    k.removeState(t);
    if (t.eList !== null) t.eList.remove(t);
    k.numberOfTasks--;
    freeTask(k, t);
  }
  k.recordFault(error);
}

/**
 * The code of a task its board stopped (Kernel.stopRunningTask: an MPU or bus fault) gave control
 * back (it threw, returned, or ended its generator step): the task is deleted without failing the
 * run, releasing the scheduler suspension or critical section it held. A mutex it holds stays
 * held, as when FreeRTOS deletes a task that holds one (vTaskDelete does not release mutexes):
 * tasks waiting for it time out or wait on. `fromLoop`: a generator task, from the dispatch loop.
 */
export function stopFaultedTask(k: Kernel, t: KernelTask, fromLoop: boolean): void {
  k.exec = fromLoop ? Exec.Kernel : Exec.Task;
  k.stopping = null;
  if (k.traceSink !== null) k.emit("task.faulted", t.name);
  if (t.deleted || t.stateItem.container === k.terminationList) return;
  releaseHeld(k);
  void deleteTask(k, t);
}

/**
 * Releases the scheduler suspension and critical section held by the running task, which ends
 * while holding them (only the running task can hold them: it cannot block or be switched out
 * meanwhile), as xTaskResumeAll and taskEXIT_CRITICAL would. Returns what was held, or null.
 */
function releaseHeld(k: Kernel): string | null {
  const suspended = k.schedulerSuspended;
  const nesting = k.criticalNesting;
  if (suspended === 0 && nesting === 0) return null;
  const held: string[] = [];
  if (suspended > 0) held.push(`the scheduler suspended (vTaskSuspendAll without xTaskResumeAll, depth ${suspended})`);
  if (nesting > 0) held.push(`a critical section (taskENTER_CRITICAL without taskEXIT_CRITICAL, nesting ${nesting})`);
  k.schedulerSuspended = 0;
  k.criticalNesting = 0;
  if (suspended > 0) drainPendingReady(k);
  serviceInterrupts(k); // interrupts the critical section held back run now
  replayPendedTicks(k);
  return held.join(" and ");
}

/** vTaskDelay (rules 9, 10). vTaskDelay(0) yields (outside a task it returns at once: nothing to yield to). */
export function taskDelay(k: Kernel, ticks: number): KernelCall<number> {
  const call = "vTaskDelay";
  k.assertNotIsr(call);
  ticks = k.checkTicks(call, ticks);
  if (ticks > 0) {
    k.assertCanBlock(call);
    blockInDelay(k, ticks, null, 0);
    return k.switchAway();
  }
  return k.forceYield(0);
}

/**
 * vTaskDelay's block: the running task waits `ticks` (never on the suspended list), traced as
 * a delay; when it wakes, `cont` runs (null: the call completes with `resumeValue`). The caller
 * then switches away.
 */
export function blockInDelay(k: Kernel, ticks: number, cont: Continuation<Kernel> | null, resumeValue: unknown): void {
  const t = k.current!;
  k.addCurrentToDelayedList(ticks, false);
  t.cont = cont;
  t.resumeValue = resumeValue;
  t.blockedOn = "delay";
  if (k.traceSink !== null) k.emit("task.delayed", t.name, undefined, k.tickAbs + ticks);
}

/**
 * xTaskDelayUntil (rule 10): returns pdTRUE when the task was delayed, pdFALSE when the wake time
 * had passed. `voidResult`: vTaskDelayUntil, which completes with 0 either way (a value written
 * here, not a `.then` on the call, so that it holds in both lanes).
 */
export function taskDelayUntil(k: Kernel, prevRef: Ref<number>, increment: number, voidResult = false): KernelCall<number> {
  const call = "xTaskDelayUntil";
  k.assertNotIsr(call);
  if (prevRef === null || typeof prevRef !== "object" || typeof prevRef.value !== "number")
    throw new TypeError(`${call}: pxPreviousWakeTime must be a { value: number } reference`);
  if (typeof increment !== "number" || !Number.isInteger(increment) || increment <= 0)
    k.fail(call, `xTimeIncrement must be > 0, got ${increment}`);
  if (k.exec === Exec.Task) k.assertCanBlock(call);
  const mod = k.tickModulus;
  const now = k.getTickCount();
  const prev = prevRef.value;
  const wake = mod === Infinity ? prev + increment : (prev + increment) % mod;
  let shouldDelay: boolean;
  if (now < prev) shouldDelay = wake < prev && wake > now; // the tick count wrapped since prev
  else shouldDelay = wake < prev || wake > now;
  if (shouldDelay && k.exec !== Exec.Task) k.assertCanBlock(call); // before pxPreviousWakeTime changes
  prevRef.value = wake;
  if (!shouldDelay) return k.forceYield(voidResult ? 0 : pdFALSE);
  const ticks = mod === Infinity ? wake - now : (wake - now + mod) % mod;
  blockInDelay(k, ticks, null, voidResult ? 0 : pdTRUE);
  return k.switchAway();
}

/** taskYIELD */
export function taskYield(k: Kernel): KernelCall<number> {
  k.assertNotIsr("taskYIELD");
  return k.forceYield(0);
}

/** xTaskAbortDelay (rule 14). */
export function abortDelay(k: Kernel, handle: KernelTask): KernelCall<number> {
  const call = "xTaskAbortDelay";
  k.assertNotIsr(call);
  const t = k.checkTask(call, handle, false);
  if (k.getState(t) !== eBlocked) return settled(pdFAIL);
  interruptPark(k, t);
  k.removeState(t);
  if (t.eList !== null) {
    t.eList.remove(t);
    t.delayAborted = true;
  }
  t.blockedOn = null;
  if (k.traceSink !== null) k.emit("task.delayAborted", t.name);
  k.addToReadyList(t);
  return k.result(pdPASS, t.priority > k.current!.priority);
}

/** vTaskSuspend (rule 18). */
export function suspendTask(k: Kernel, handle: KernelTask | null): KernelCall<number> {
  const call = "vTaskSuspend";
  k.assertNotIsr(call);
  const t = k.checkTask(call, handle, true);
  const self = t === k.current;
  if (self && k.schedulerRunning) assertCanLeave(k, call, t, "suspends");
  interruptPark(k, t);
  k.removeState(t);
  if (t.eList !== null) t.eList.remove(t);
  t.cancelNotificationWaits();
  k.suspendedList.insertEnd(t.stateItem);
  t.blockedOn = null;
  if (k.traceSink !== null) k.emit("task.suspended", t.name);
  if (!self) return settled(0);
  if (k.schedulerRunning) {
    if (k.exec === Exec.Task) {
      t.cont = null;
      t.resumeValue = 0;
      return k.switchAway();
    }
    k.switchContext();
    return settled(0);
  }
  // Scheduler not started: the current task is the highest-priority ready one, if any.
  const top = k.topReadyPriority();
  k.current = top >= 0 ? k.readyLists[top]!.head() : null;
  return settled(0);
}

/** A task that deletes or suspends itself gives up the CPU: not while it holds the scheduler or a critical section. */
function assertCanLeave(k: Kernel, call: string, t: KernelTask, what: string): void {
  if (k.schedulerSuspended > 0) k.fail(call, `task "${t.name}" ${what} itself while the scheduler is suspended`);
  if (k.criticalNesting > 0) k.fail(call, `task "${t.name}" ${what} itself inside a critical section`);
}

/** prvTaskIsTaskSuspended */
function isSuspended(k: Kernel, t: KernelTask): boolean {
  if (t.stateItem.container !== k.suspendedList) return false;
  if (t.eList !== null || t.blockedOn !== null) return false;
  return !t.waitingForNotification();
}

/** vTaskResume (rule 18): ignores tasks that are not suspended, and the caller itself. */
export function resumeTask(k: Kernel, handle: KernelTask): KernelCall<number> {
  const call = "vTaskResume";
  k.assertNotIsr(call);
  const t = k.checkTask(call, handle, false);
  if (t === k.current || !isSuspended(k, t)) return settled(0);
  k.suspendedList.remove(t.stateItem);
  if (k.traceSink !== null) k.emit("task.resumed", t.name);
  k.addToReadyList(t);
  return k.result(0, k.current !== null && t.priority > k.current.priority);
}

/** xTaskResumeFromISR: returns pdTRUE when a context switch should follow. */
export function resumeTaskFromIsr(k: Kernel, handle: KernelTask): number {
  k.checkFromIsr("xTaskResumeFromISR");
  const t = k.checkTask("xTaskResumeFromISR", handle, false);
  if (!isSuspended(k, t)) return pdFALSE;
  if (k.traceSink !== null) k.emit("task.resumed", t.name);
  let yieldRequired = pdFALSE;
  if (k.schedulerSuspended === 0) {
    if (k.current !== null && t.priority > k.current.priority) {
      yieldRequired = pdTRUE;
      k.yieldPending = true;
    }
    k.suspendedList.remove(t.stateItem);
    k.addToReadyList(t);
  } else {
    k.pendingReadyList.insertEnd(t);
  }
  return yieldRequired;
}

/** vTaskPrioritySet (rule 19). */
export function setTaskPriority(k: Kernel, handle: KernelTask | null, newPriority: number): KernelCall<number> {
  const call = "vTaskPrioritySet";
  k.assertNotIsr(call);
  newPriority = k.checkPriority(call, newPriority);
  const t = k.checkTask(call, handle, true);
  const cur = k.current!;
  if (t.basePriority === newPriority) return settled(0);
  let yieldRequired = false;
  if (newPriority > t.basePriority) {
    if (t !== cur && newPriority > cur.priority) yieldRequired = true;
  } else if (t === cur) {
    yieldRequired = true;
  }
  const priorityUsedOnEntry = t.priority;
  if (t.basePriority === t.priority || newPriority > t.priority) t.priority = newPriority;
  t.basePriority = newPriority;
  if (!t.eventValueInUse) setEventValue(k, t, k.maxPriorities - newPriority);
  if (k.traceSink !== null) k.emit("task.prioritySet", t.name, undefined, newPriority);
  const list = t.stateItem.container;
  if (list !== null && list === k.readyLists[priorityUsedOnEntry]) {
    k.removeFromReadyList(t, list);
    k.addToReadyList(t);
  }
  if (!k.schedulerRunning) {
    // Before start, the current task is the highest-priority (last-created among equals) one.
    return settled(0);
  }
  return k.result(0, yieldRequired);
}

/** vTaskStartScheduler: creates the idle task (then the timer service task) and starts. */
export function startScheduler(k: Kernel, timerTaskSetup?: (kernel: Kernel) => KernelTask | null): void {
  if (k.schedulerRunning) k.fail("vTaskStartScheduler", "the scheduler is already running");
  k.assertNotIsr("vTaskStartScheduler");
  const idle = allocateKernelTask(k, "IDLE", k.config.configMINIMAL_STACK_SIZE, 0, true);
  if (idle === null) throw new KernelError("vTaskStartScheduler: the heap cannot hold the idle task");
  idle.cont = idleContinuation;
  k.idleTask = idle;
  addNewTaskToReadyList(k, idle);
  if (timerTaskSetup !== undefined) k.timerTask = timerTaskSetup(k);
  k.schedulerRunning = true;
  if (k.traceSink !== null) k.emit("scheduler.started");
  // The first task is the one selected during creation (rule 4). It starts with the first
  // run(): until then the caller is still set-up code, not that task.
  const first = k.current!;
  if (k.traceSink !== null) k.emit("task.switchedIn", first.name, undefined, first.priority);
  k.exec = Exec.Paused;
}

/** prvCheckTasksWaitingTermination: the idle task frees self-deleted tasks (rule 20). */
function cleanUpTerminated(k: Kernel): void {
  while (k.deletedTasksWaitingCleanUp > 0) {
    const t = k.terminationList.head()!;
    k.terminationList.remove(t.stateItem);
    k.numberOfTasks--;
    k.deletedTasksWaitingCleanUp--;
    freeTask(k, t);
  }
}

/** The idle task's work (rule 21): free deleted tasks, yield to other priority-0 tasks, run the hook, let time pass. */
function idleContinuation(k: Kernel, t: KernelTask): void {
  t.cont = idleContinuation;
  cleanUpTerminated(k);
  if (k.config.configUSE_PREEMPTION === 1 && k.config.configIDLE_SHOULD_YIELD === 1 && k.readyCountAt(0) > 1) {
    k.switchContext();
    return;
  }
  const hook = k.config.vApplicationIdleHook;
  if (hook !== null) hook();
  k.consume(t, true);
}

