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
