/** The OTA example's good firmware (versions 1.0.0 and 1.2.0 are built from it): big-endian readings, as the sensor sends them. */
import type { Board } from "tinyrtos/hal";
import { runApp } from "./app.js";

export function main(board: Board): Promise<void> {
  return runApp(board, (frame) => (frame[1]! << 8) | frame[2]!);
}
