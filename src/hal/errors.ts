/**
 * Errors of the virtual microcontroller. Every one names the board, the peripheral and what was
 * wrong, e.g. `board "nrf52840", pin "P0.40": no such pin; pins are P0.00..P0.31, P1.00..P1.15`.
 * @module
 */

/** Bad use of a board or one of its peripherals (unknown names, a pin in two roles, bad ranges). */
export class HalError extends Error {
  override name = "HalError";
  constructor(
    /** The board's catalogue name ("stm32h743", ...), or null for errors before a board exists. */
    readonly board: string | null,
    /** The peripheral concerned: `pin "PB0"`, `ram`, `gpio interrupt EXTI5`, ... */
    readonly peripheral: string,
    what: string,
  ) {
    super(`${board === null ? "" : `board "${board}", `}${peripheral}: ${what}`);
  }
}
