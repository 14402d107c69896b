/**
 * `npm run bench`: runs every benchmark in its own Node process and prints one JSON line
 * `{"name","value","unit"}` per figure on stdout. Usage: node dist/bench/run.js [filter...]
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const modules: Record<string, string[]> = {
  "./kernel.js": ["pingpong", "pingpongGen", "delayWakes", "parkedBytes", "parkedBytesGen", "simSpeed", "isrWake", "isrRealtime", "timerExpiries", "heapTaskCycle"],
  // The virtual microcontroller: a board's peripherals, drivers and world (hal.ts).
  "./hal.js": ["shellSpeed", "uartBytes", "gpioIsrToTask"],
  // tinyrtos/mem: pool alloc + free (pool.ts).
  "./pool.js": ["poolAllocFree"],
  // The cycle model: modelled cycles and ns per context switch per board (cycles.ts).
  "./cycles.js": ["switchCycles", "hostNsPerSwitch"],
  "./go.js": ["pingpong", "pingpongGen", "prodcons", "prodconsGen", "spawn", "spawnGen", "select2", "select2Gen", "parked", "parkedGen", "isrWake"],
  // Board memory (issue 12): checked board.memory accesses under the MPU.
  "./mem.js": ["checkedAccess", "mpuExperiment", "parkedOnBoard"],
  // The stack model: pingpong with configCHECK_FOR_STACK_OVERFLOW 1 and 2 (stack.ts).
  "./stack.js": ["pingpongCheck1", "pingpongCheck2"],
  // Trace recorders: Perfetto events and VCD edges per wall second.
  "./trace.js": ["perfetto", "vcd"],
  // The same program shapes with no kernel: what each figure cannot go below (see floor.ts).
  "./floor.js": ["floors", "floorsGen"],
  // kernel.queue.pingpong's program on a minimal model of FreeRTOS's lists (floor-freertos.ts).
  "./floor-freertos.js": ["freertosFloor", "freertosFloorGen"],
  // The bootloader: power-cut points of the exhaustive sweep, flash wear over 1,000 updates, swap time (ota-boot.ts).
  "./ota-boot.js": ["powercutPoints", "wear1000", "swapTime"],
  // Delta patches on real pairs fetched with npm pack (issue 13): sizes against the best tools, apply RAM, speed.
  "./ota-delta.js": ["otaDelta"],
  // Reproducible builds and a whole 256 KB update over UART on the nrf52840 (ota.ts).
  "./ota.js": ["buildRepro", "updateSim"],
  // The browser playground in headless Chromium and its session in Node (playground.ts).
  "./playground.js": ["playground"],
};

const here = fileURLToPath(new URL("./one.js", import.meta.url));
const filters = process.argv.slice(2);
let failed = 0;
for (const [module, names] of Object.entries(modules)) {
  for (const name of names) {
    if (filters.length > 0 && !filters.some((f) => name.includes(f) || module.includes(f))) continue;
    const result = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=16384", here, module, name], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    process.stdout.write(result.stdout);
    if (result.status !== 0) {
      failed++;
      console.error(`bench: ${module} ${name} failed with exit code ${String(result.status)}`);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);
