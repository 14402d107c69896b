/**
 * Worker-thread producer for the real-time tests and benchmarks: posts interrupt events into an
 * InterruptRing at `ratePerSecond` for `durationMs`, numbering them from 0 in the payload.
 * Reports { sent, refused } to the parent when done.
 */
import { parentPort, workerData } from "node:worker_threads";
import { InterruptRing } from "../../src/kernel/interrupt-ring.js";

interface ProducerData {
  buffer: SharedArrayBuffer;
  irq: number;
  ratePerSecond: number;
  durationMs: number;
}

const { buffer, irq, ratePerSecond, durationMs } = workerData as ProducerData;
const ring = new InterruptRing(buffer);
const start = performance.now();
let sent = 0;
let refused = 0;
for (;;) {
  const elapsed = performance.now() - start;
  if (elapsed >= durationMs) break;
  const due = Math.floor((elapsed * ratePerSecond) / 1000);
  while (sent < due) {
    if (!ring.push(irq, sent)) refused++;
    sent++;
  }
}
parentPort!.postMessage({ sent, refused });
