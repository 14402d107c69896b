/**
 * tinyrtos/trace: recorders and exporters.
 * - `recordPerfetto(rtos)` turns a kernel's trace hooks into Chrome trace-event JSON that opens in
 *   ui.perfetto.dev (tasks, ISRs, queue levels).
 * - `recordVCD(board, signals)` is a logic analyser on a board's pins and bus lines: a Value
 *   Change Dump (1 ns timescale) that opens in PulseView or GTKWave and decodes with sigrok-cli.
 *
 * @example
 * ```ts
 * import { createBoard } from "tinyrtos/hal";
 * import { recordPerfetto, recordVCD } from "tinyrtos/trace";
 * const board = createBoard("nrf52840", { firmware: async (b) => { ... } });
 * const trace = recordPerfetto(board.rtos);
 * const vcd = recordVCD(board, ["LED", "uart0.tx"]);
 * await board.run(1000);
 * const json = trace.json(); // save it and open it in https://ui.perfetto.dev
 * const text = vcd.text();   // save it as a .vcd and open it in PulseView
 * ```
 * @module
 */
export { recordPerfetto } from "./perfetto.js";
export type { PerfettoOptions, PerfettoRecorder, PerfettoSource } from "./perfetto.js";
export { recordVCD } from "./vcd.js";
export type { VCDBoard, VCDOptions, VCDRecorder } from "./vcd.js";
// The line interface recordVCD reads (defined by the hal, which draws the lines).
export type { SignalSource, SignalTrace, SignalEdge } from "../hal/signal.js";
