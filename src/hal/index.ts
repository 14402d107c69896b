/**
 * `tinyrtos/hal` — the virtual microcontroller: boards (the catalogue, RAM, boot and reset), GPIO,
 * UART, the on-chip flash, each chip's independent watchdog (`board.watchdog`: expiry resets the
 * board with reason "watchdog"), power (`board.cutPower` at a tick or at a flash operation, torn
 * or not; `board.powerOn`), and the world outside the chip. (SPI, I2C and device models come in
 * later sessions on the same Board.)
 * UART, SPI masters (with devices on the bus, e.g. the W25Q32JV SPI NOR model `w25q32jv`), the
 * on-chip flash, and the world outside the chip.
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
export { HalError } from "./errors.js";
export { BoardRam } from "./ram.js";
export { Pin, MAX_EDGES_PER_PIN } from "./gpio.js";
export type { PinMode, PinPull, Edge } from "./gpio.js";
export { World, WorldPin } from "./world.js";
export { Flash, FLASH_DONE_INTERNAL_IRQ } from "./flash.js";
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
export type { BoardSpec, RamRegion, FlashSpec, PeripheralInstance, AliasSpec, GpioInterruptRoute } from "./catalogue.js";
export { sramBytes } from "./catalogue.js";
export { traceFromEdges, uartFrameEdges, uartSignal } from "./signal.js";
export type { SignalEdge, SignalTrace, SignalSource } from "./signal.js";
export { BOARD_EVENT_IRQ, BOARD_EVENT_PRIORITY } from "./clock.js";
