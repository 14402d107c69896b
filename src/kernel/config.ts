/**
 * Kernel configuration: FreeRTOSConfig.h as an object, validated once at creation.
 * @module
 */
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

export interface KernelConfig {
  configTICK_RATE_HZ: number;
  configMAX_PRIORITIES: number;
  configUSE_PREEMPTION: 0 | 1;
  configUSE_TIME_SLICING: 0 | 1;
  configIDLE_SHOULD_YIELD: 0 | 1;
  configTICK_TYPE_WIDTH_IN_BITS: 16 | 32 | 64;
  configTOTAL_HEAP_SIZE: number;
  configMINIMAL_STACK_SIZE: number;
  configTIMER_TASK_PRIORITY: number;
  configTIMER_QUEUE_LENGTH: number;
  configTIMER_TASK_STACK_DEPTH: number;
  configMAX_SYSCALL_INTERRUPT_PRIORITY: number;
  configTASK_NOTIFICATION_ARRAY_ENTRIES: number;
  configMAX_TASK_NAME_LEN: number;
  configUSE_MUTEXES: 0 | 1;
  configUSE_RECURSIVE_MUTEXES: 0 | 1;
  configUSE_COUNTING_SEMAPHORES: 0 | 1;
  /** 0: every dynamic create call (and go()) is refused, naming its Static twin; the idle and timer tasks get kernel-owned static memory. Default 1. */
  configSUPPORT_DYNAMIC_ALLOCATION: 0 | 1;
  /**
   * The `...Static` creation calls. Default 1 here (FreeRTOS defaults it to 0 to leave the code
   * out of the image; in JS the functions exist anyway, so 1 costs nothing). 0: they assert.
   */
  configSUPPORT_STATIC_ALLOCATION: 0 | 1;
  clock: "virtual" | "realtime";
  seed: number;
  /**
   * Not a FreeRTOS name: whether kernel objects may be allocated from the heap once
   * vTaskStartScheduler has run (default true). false: any dynamic creation after start asserts
   * ("heap disabled after start"), the rule of firmware that allocates everything at boot; the
   * scheduler's own idle and timer tasks are still created from the heap.
   */
  heapAfterStart: boolean;
  /** Called by the idle task each time it runs (vApplicationIdleHook). Must not block. */
  vApplicationIdleHook: (() => void) | null;
  /** Called on every tick, also while the scheduler is suspended (vApplicationTickHook). */
  vApplicationTickHook: (() => void) | null;
  /** Called when a kernel allocation fails (vApplicationMallocFailedHook). */
  vApplicationMallocFailedHook: (() => void) | null;
  /**
   * Host wall-clock milliseconds a run may go without yielding to the host event loop, so that
   * timers, I/O and Ctrl-C are served during long simulations.
   */
  hostYieldIntervalMs: number;
  // Stack overflow detection (issue 12, stack.ts).
  /**
   * configCHECK_FOR_STACK_OVERFLOW: 0 (default) no check; 1 the stack in use when a task is
   * switched out reaches its size; 2 also the last 16 bytes at the stack's end were written.
   */
  configCHECK_FOR_STACK_OVERFLOW: 0 | 1 | 2;
  /**
   * vApplicationStackOverflowHook(task, taskName): called at each detection, in the kernel's
   * context (no blocking call). The task then runs on; on hardware the hook usually halts or
   * resets. A hook that throws ends the run with its error.
   */
  vApplicationStackOverflowHook: ((task: Task<Kernel>, taskName: string) => void) | null;
}

export const defaultConfig: Readonly<KernelConfig> = Object.freeze({
  configTICK_RATE_HZ: 1000,
  configMAX_PRIORITIES: 32,
  configUSE_PREEMPTION: 1,
  configUSE_TIME_SLICING: 1,
  configIDLE_SHOULD_YIELD: 1,
  configTICK_TYPE_WIDTH_IN_BITS: 32,
  configTOTAL_HEAP_SIZE: 256 * 1024,
  configMINIMAL_STACK_SIZE: 128,
  configTIMER_TASK_PRIORITY: -1, // resolved to configMAX_PRIORITIES - 1
  configTIMER_QUEUE_LENGTH: 10,
  configTIMER_TASK_STACK_DEPTH: -1, // resolved to configMINIMAL_STACK_SIZE * 2
  configMAX_SYSCALL_INTERRUPT_PRIORITY: 10,
  configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
  configMAX_TASK_NAME_LEN: 16,
  configUSE_MUTEXES: 1,
  configUSE_RECURSIVE_MUTEXES: 1,
  configUSE_COUNTING_SEMAPHORES: 1,
  configSUPPORT_DYNAMIC_ALLOCATION: 1,
  configSUPPORT_STATIC_ALLOCATION: 1,
  clock: "virtual",
  seed: 1,
  heapAfterStart: true,
  vApplicationIdleHook: null,
  vApplicationTickHook: null,
  vApplicationMallocFailedHook: null,
  hostYieldIntervalMs: 20,
  configCHECK_FOR_STACK_OVERFLOW: 0,
  vApplicationStackOverflowHook: null,
} as KernelConfig);

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  return value;
}

function flag(name: string, value: unknown): 0 | 1 {
  if (value === true) return 1;
  if (value === false) return 0;
  if (value !== 0 && value !== 1) throw new RangeError(`${name} must be 0 or 1, got ${String(value)}`);
  return value;
}

function hook(name: string, value: unknown): (() => void) | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "function") throw new TypeError(`${name} must be a function, got ${typeof value}`);
  return value as () => void;
}

/** Fills defaults and validates; throws RangeError/TypeError naming the bad key. */
export function resolveConfig(partial: Partial<KernelConfig> = {}): KernelConfig {
  if (partial === null || typeof partial !== "object") throw new TypeError(`kernel config must be an object, got ${String(partial)}`);
  const known = new Set(Object.keys(defaultConfig));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new RangeError(`unknown kernel config key "${key}"; known keys: ${[...known].join(", ")}`);
  }
  const c = { ...defaultConfig, ...partial } as KernelConfig;
  integerIn("configTICK_RATE_HZ", c.configTICK_RATE_HZ, 1, 1_000_000);
  integerIn("configMAX_PRIORITIES", c.configMAX_PRIORITIES, 1, 1024);
  c.configUSE_PREEMPTION = flag("configUSE_PREEMPTION", c.configUSE_PREEMPTION);
  c.configUSE_TIME_SLICING = flag("configUSE_TIME_SLICING", c.configUSE_TIME_SLICING);
  c.configIDLE_SHOULD_YIELD = flag("configIDLE_SHOULD_YIELD", c.configIDLE_SHOULD_YIELD);
  c.configUSE_MUTEXES = flag("configUSE_MUTEXES", c.configUSE_MUTEXES);
  c.configUSE_RECURSIVE_MUTEXES = flag("configUSE_RECURSIVE_MUTEXES", c.configUSE_RECURSIVE_MUTEXES);
  c.configUSE_COUNTING_SEMAPHORES = flag("configUSE_COUNTING_SEMAPHORES", c.configUSE_COUNTING_SEMAPHORES);
  c.configSUPPORT_DYNAMIC_ALLOCATION = flag("configSUPPORT_DYNAMIC_ALLOCATION", c.configSUPPORT_DYNAMIC_ALLOCATION);
  c.configSUPPORT_STATIC_ALLOCATION = flag("configSUPPORT_STATIC_ALLOCATION", c.configSUPPORT_STATIC_ALLOCATION);
  if (typeof c.heapAfterStart !== "boolean") throw new TypeError(`heapAfterStart must be a boolean, got ${typeof c.heapAfterStart}`);
  if (c.configTICK_TYPE_WIDTH_IN_BITS !== 16 && c.configTICK_TYPE_WIDTH_IN_BITS !== 32 && c.configTICK_TYPE_WIDTH_IN_BITS !== 64)
    throw new RangeError(`configTICK_TYPE_WIDTH_IN_BITS must be 16, 32 or 64, got ${String(c.configTICK_TYPE_WIDTH_IN_BITS)}`);
  if (typeof c.configTOTAL_HEAP_SIZE !== "number" || !(c.configTOTAL_HEAP_SIZE >= 0) || !Number.isSafeInteger(c.configTOTAL_HEAP_SIZE))
    throw new RangeError(`configTOTAL_HEAP_SIZE must be a non-negative integer number of bytes, got ${String(c.configTOTAL_HEAP_SIZE)}`);
  integerIn("configMINIMAL_STACK_SIZE", c.configMINIMAL_STACK_SIZE, 16, 0x7fffffff);
  if (c.configTIMER_TASK_PRIORITY === -1) c.configTIMER_TASK_PRIORITY = c.configMAX_PRIORITIES - 1;
  integerIn("configTIMER_TASK_PRIORITY", c.configTIMER_TASK_PRIORITY, 0, c.configMAX_PRIORITIES - 1);
  integerIn("configTIMER_QUEUE_LENGTH", c.configTIMER_QUEUE_LENGTH, 1, 1 << 20);
  if (c.configTIMER_TASK_STACK_DEPTH === -1) c.configTIMER_TASK_STACK_DEPTH = c.configMINIMAL_STACK_SIZE * 2;
  integerIn("configTIMER_TASK_STACK_DEPTH", c.configTIMER_TASK_STACK_DEPTH, 16, 0x7fffffff);
  integerIn("configMAX_SYSCALL_INTERRUPT_PRIORITY", c.configMAX_SYSCALL_INTERRUPT_PRIORITY, 1, 15);
  integerIn("configTASK_NOTIFICATION_ARRAY_ENTRIES", c.configTASK_NOTIFICATION_ARRAY_ENTRIES, 1, 32);
  integerIn("configMAX_TASK_NAME_LEN", c.configMAX_TASK_NAME_LEN, 1, 256);
  if (c.clock !== "virtual" && c.clock !== "realtime") throw new RangeError(`clock must be "virtual" or "realtime", got ${String(c.clock)}`);
  if (typeof c.seed !== "number" || !Number.isFinite(c.seed)) throw new RangeError(`seed must be a finite number, got ${String(c.seed)}`);
  c.vApplicationIdleHook = hook("vApplicationIdleHook", c.vApplicationIdleHook);
  c.vApplicationTickHook = hook("vApplicationTickHook", c.vApplicationTickHook);
  c.vApplicationMallocFailedHook = hook("vApplicationMallocFailedHook", c.vApplicationMallocFailedHook);
  if (c.configCHECK_FOR_STACK_OVERFLOW !== 0 && c.configCHECK_FOR_STACK_OVERFLOW !== 1 && c.configCHECK_FOR_STACK_OVERFLOW !== 2)
    throw new RangeError(`configCHECK_FOR_STACK_OVERFLOW must be 0, 1 or 2 (stack overflow checking method), got ${String(c.configCHECK_FOR_STACK_OVERFLOW)}`);
  c.vApplicationStackOverflowHook = hook("vApplicationStackOverflowHook", c.vApplicationStackOverflowHook) as KernelConfig["vApplicationStackOverflowHook"];
  if (typeof c.hostYieldIntervalMs !== "number" || !(c.hostYieldIntervalMs > 0)) throw new RangeError(`hostYieldIntervalMs must be a positive number, got ${String(c.hostYieldIntervalMs)}`);
  return c;
}
