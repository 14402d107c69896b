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
