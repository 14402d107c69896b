/**
 * tinyrtos: a real-time kernel with FreeRTOS semantics in deterministic virtual time.
 * The kernel API, and the FreeRTOS facade's entry point. The Go-style API is `tinyrtos/go`.
 * @module
 */
export * from "./kernel/index.js";
export { createFreeRTOS } from "./freertos/index.js";
export type { FreeRTOS, FreeRTOSConfig, TaskHandle, QueueHandle, SemaphoreHandle } from "./freertos/index.js";
