/**
 * `tinyrtos/hal` — the virtual microcontroller: boards (the catalogue, RAM, boot and reset), GPIO,
 * UART, the on-chip flash, and the world outside the chip. (SPI, I2C, watchdog, device models and
 * power come in later sessions on the same Board.)
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
export type { PlacedRegion } from "./ram.js";
export { HEAP_OWNER } from "./board.js";
export { Pin, MAX_EDGES_PER_PIN } from "./gpio.js";
export type { PinMode, PinPull, Edge } from "./gpio.js";
export { World, WorldPin } from "./world.js";
export { Flash } from "./flash.js";
export type { FlashOp } from "./flash.js";
export { Uart, WorldUart, uartBaudRange, UART_RX_BUFFER_DEFAULT } from "./uart.js";
export type { UartConfig, BaudRange, UartLogEntry } from "./uart.js";
export type { BoardSpec, RamRegion, FlashSpec, PeripheralInstance, AliasSpec, GpioInterruptRoute } from "./catalogue.js";
export type { SignalEdge, SignalTrace, SignalSource } from "./signal.js";
