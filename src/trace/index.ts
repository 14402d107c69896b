/**
 * tinyrtos/trace: recorders and exporters. `recordPerfetto(rtos)` turns a kernel's trace hooks
 * into Chrome trace-event JSON that opens in ui.perfetto.dev.
 *
 * @example
 * ```ts
 * import { createFreeRTOS } from "tinyrtos/freertos";
 * import { recordPerfetto } from "tinyrtos/trace";
 * const rtos = createFreeRTOS();
 * const trace = recordPerfetto(rtos);
 * // ... create tasks, vTaskStartScheduler(), await rtos.run(1000) ...
 * const json = trace.json(); // save it and open it in https://ui.perfetto.dev
 * ```
 * @module
 */
export { recordPerfetto } from "./perfetto.js";
export type { PerfettoOptions, PerfettoRecorder, PerfettoSource } from "./perfetto.js";
