/**
 * `tinyrtos/hal` — the virtual microcontroller: boards (the catalogue, RAM, boot and reset), GPIO,
 * UART, SPI masters, I2C masters, the on-chip flash, each chip's independent watchdog
 * (`board.watchdog`: expiry resets the board with reason "watchdog"), power (`board.cutPower` at a
 * tick or at a flash operation, torn or not; `board.powerOn`), and the world outside the chip
 * with its device models (the W25Q32JV SPI NOR `w25q32jv`, the TMP102 I2C sensor `createTMP102`).
 *
 * @example
 * ```ts
 * import { createBoard } from "tinyrtos/hal";
 * const board = createBoard("nrf52840", {
 *   firmware: async (b) => {
 *     const rtos = b.rtos;
 *     const pressed = rtos.xSemaphoreCreateBinary()!;
 *     const button = b.pin("BUTTON");
 *     button.configure({ mode: "input", pull: "up" });
 *     button.setInterrupt("falling", () => {
 *       const woken = { value: 0 };
 *       rtos.xSemaphoreGiveFromISR(pressed, woken);
 *       rtos.portYIELD_FROM_ISR(woken);
 *     });
 *     await rtos.xTaskCreate(async () => {
 *       for (;;) { await rtos.xSemaphoreTake(pressed, rtos.portMAX_DELAY); b.pin("LED").toggle(); }
 *     }, "button", 256, null, 2);
 *   },
 * });
 * board.world.pin("BUTTON").drive(false, 3.5);
 * await board.run(10);
 * ```
 * @module
 */
export { createBoard, boards, boardSpecs, Board } from "./board.js";
export type { BoardOptions, BoardInfo, Firmware, ResetReason } from "./board.js";
export { HalError, I2CError } from "./errors.js";
export { BoardRam } from "./ram.js";
export type { PlacedRegion } from "./ram.js";
export { HEAP_OWNER } from "./board.js";
export { CycleModel, CYCLE_COSTS, mpuReloadCycles } from "./cycles.js";
export type { CycleCosts, CycleStep, TaskCycles } from "./cycles.js";
export { Pin, MAX_EDGES_PER_PIN } from "./gpio.js";
export type { PinMode, PinPull, Edge } from "./gpio.js";
export { World, WorldPin } from "./world.js";
export { Flash } from "./flash.js";
export type { FlashOp } from "./flash.js";
export { Watchdog, WATCHDOG_SPECS } from "./watchdog.js";
export type { WatchdogSpec } from "./watchdog.js";
export type { CutPowerOptions } from "./power.js";
export { Uart, WorldUart, uartBaudRange, UART_RX_BUFFER_DEFAULT } from "./uart.js";
export type { UartConfig, BaudRange, UartLogEntry } from "./uart.js";
export { Spi, WorldSpi, spiClockRange, SPI_FILL_BYTE, MAX_SPI_LOG_BYTES } from "./spi.js";
export type { SpiConfig, SpiMode, SpiClockRange, SpiDevice, SpiBusContext, SpiLogEntry } from "./spi.js";
export { W25Q, w25q32jv, W25Q32JV_TIMING_US, W25Q32JV_SIZE_BYTES } from "./devices/w25q.js";
export type { W25QOptions } from "./devices/w25q.js";
export { I2C, WorldI2C, i2cFrequencies, i2cModeTiming, I2C_MODE_TIMING, I2C_SCL_LOW_FRACTION } from "./i2c.js";
export type { I2CConfig, I2CDevice, I2CFrequencies, I2CModeTiming, I2CPart, I2CLogEntry } from "./i2c.js";
export { TMP102, createTMP102, TMP102_REGISTERS } from "./devices/tmp102.js";
export type { TMP102Options } from "./devices/tmp102.js";
export type { BoardSpec, RamRegion, FlashSpec, PeripheralInstance, AliasSpec, GpioInterruptRoute } from "./catalogue.js";
export type { SignalEdge, SignalTrace, SignalSource } from "./signal.js";
