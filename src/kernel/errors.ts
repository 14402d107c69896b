/**
 * Errors the kernel raises.
 * @module
 */

/** Misuse that FreeRTOS catches with configASSERT. The message names the call and the task or ISR. */
export class KernelAssertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelAssertError";
  }
}

/** The simulation cannot go on as programmed: a task awaited a foreign promise, two kernels ran at once, a limit was hit. */
export class KernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelError";
  }
}

/**
 * Thrown into a task's code when its board stops the task (an MPU/PMP or bus fault): the task
 * is deleted as soon as its code gives control back, and a kernel call it makes before that
 * throws this error again (the call never returns). The run goes on; the fault is recorded by
 * the board (`board.faults`), not as a run failure.
 */
export class TaskStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskStoppedError";
  }
}
