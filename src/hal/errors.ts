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

/**
 * No device acknowledged an I2C address: the master sent the address byte, read a NACK on the
 * 9th clock, and ended the transaction with a STOP (the bus is free again). Names the bus and the
 * address, e.g. `board "nrf52840", i2c0 (TWIM0): no acknowledge from address 0x49`.
 */
export class I2CError extends HalError {
  override name = "I2CError";
  constructor(
    board: string,
    peripheral: string,
    /** The 7-bit address nobody acknowledged. */
    readonly address: number,
  ) {
    super(board, peripheral, `no acknowledge from address 0x${address.toString(16).padStart(2, "0")}`);
  }
}
