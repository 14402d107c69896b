/**
 * The port layer's hooks: what a board (its MPU, its cycle model) needs to see of the scheduler,
 * in the places FreeRTOS's port code sits (PendSV's context restore, the exception entry and
 * return of an ISR). Off a board no port is attached and each hook costs one null check.
 * @module
 */
import type { KernelTask } from "./kernel.js";

export interface KernelPort {
  /**
   * A context-switch decision (vTaskSwitchContext) has chosen `next`; `previous` is the task that
   * ran before (the same task when the decision kept it, null for the first switch). Runs in the
   * kernel: it must not call the kernel.
   */
  taskSwitchedIn(previous: KernelTask | null, next: KernelTask): void;
  /**
   * An interrupt handler is entered (`nested`: another handler was already running;
   * `tailChained`: it follows another handler's return in the same service pass, with no task
   * code between, as NVIC tail-chaining does).
   */
  isrEntered(irq: number, priority: number, nested: boolean, tailChained: boolean): void;
  /** An interrupt handler returned (or threw). */
  isrExited(irq: number, priority: number): void;
  /**
   * xTaskCreateRestricted: checks `regions` (already checked for shape by the kernel) against the
   * board's MPU or PMP rules and returns what the kernel stores in the task's `mpuRegions`; throws
   * (naming the task, the region index and the rule) when a rule is broken. Absent: the kernel
   * stores the shape-checked regions as they are.
   */
  checkRegions?(taskName: string, regions: readonly MemoryRegion[]): unknown;
}

/** A memory region a restricted task may access (xTaskCreateRestricted): `ro` is read-only. */
export interface MemoryRegion {
  readonly address: number;
  readonly lengthBytes: number;
  readonly access: "rw" | "ro";
}

/**
 * What vTaskGetRunTimeStats and uxTaskGetSystemState read as the run-time counter when a board
 * points portGET_RUN_TIME_COUNTER_VALUE at a cycle counter (DWT->CYCCNT): the counter value of
 * one task and the total. Without one the counter is microseconds of virtual time.
 */
export interface RunTimeClock {
  /** The counter value accumulated by `task`. */
  taskCounter(task: KernelTask): number;
  /** The counter's total (the denominator of the percentages). */
  totalCounter(): number;
}

/**
 * The board RAM the kernel heap lives in (issue 12): attached by a board before its firmware
 * runs (`kernel.setMemory`), so that heap blocks and static buffers have addresses in the board's
 * memory map and views of its RAM. Off a board there is none: the heap's addresses start at 0 and
 * blocks have no bytes.
 */
export interface KernelMemory {
  /** Address of the first byte of the heap's region (ucHeap). */
  readonly baseAddress: number;
  /** Bytes of the heap's region (configTOTAL_HEAP_SIZE). */
  readonly sizeBytes: number;
  /** A view of `sizeBytes` bytes of board RAM at `address` (no copy). */
  view(address: number, sizeBytes: number): Uint8Array;
  /** The address of a view's first byte, or -1 when the view is not in board RAM. */
  addressOf(view: Uint8Array): number;
  /**
   * Reserves the kernel's own static memory (FreeRTOS's static arrays for the idle and timer
   * tasks and the timer command queue) and returns its address; called once, when the kernel
   * first needs it (the timer queue's creation or vTaskStartScheduler).
   */
  reserveKernelStatic(sizeBytes: number): number;
}
