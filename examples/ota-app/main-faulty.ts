/** The OTA example's faulty firmware (version 1.1.0): a "faster" parser that reads the reading little-endian; its self-test catches it. */
import type { Board } from "tinyrtos/hal";
import { runApp } from "./app.js";

export function main(board: Board): Promise<void> {
  return runApp(board, (frame) => frame[1]! | (frame[2]! << 8));
}
