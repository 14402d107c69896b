/**
 * The cycle model (src/hal/cycles.ts): modelled cycles per context switch on each board, and what
 * they take at the board's clock. Modelled figures (deterministic, from the cost table); the
 * host-time figure varies with the machine. Never asserted in tests.
 *
 * - `hal.cycles.switch.<board>`: cycles per context switch between two tasks that yield to each
 *   other (no FPU context), as board.cycles.switchAverageCycles reports after the run.
 * - `hal.cycles.switch_ns.<board>`: the same in nanoseconds at the board's cpuHz.
 * - `hal.cycles.host_ns_per_switch`: host nanoseconds per switch of that ping-pong on an nRF52840
 *   board (cycle model attached), for comparison with kernel.queue.pingpong.
 */
import { boards, createBoard, type Board } from "../src/hal/index.js";
import { median, nowNs, round, type Benchmark, type Figure } from "./harness.js";

/** Two priority-2 tasks yielding to each other `rounds` times each. */
function pingPong(name: string, rounds: number): Board {
  return createBoard(name, {
    firmware: (b) => {
      for (const task of ["ping", "pong"])
        b.rtos.xTaskCreate(
          async () => {
            for (let i = 0; i < rounds; i++) await b.rtos.taskYIELD();
            await b.rtos.vTaskSuspend(null);
          },
          task,
          256,
          null,
          2,
        );
    },
  });
}

async function switchCycles(): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const name of boards) {
    const board = pingPong(name, 1000);
    await board.run(1);
    const cycles = board.cycles.switchAverageCycles;
    out.push({ name: `hal.cycles.switch.${name}`, value: round(cycles), unit: "cycles" });
    out.push({ name: `hal.cycles.switch_ns.${name}`, value: round((cycles * 1e9) / board.cycleCosts.cpuHz), unit: "ns" });
  }
  return out;
}

async function hostNsPerSwitch(): Promise<Figure[]> {
  const rounds = 100_000;
  const ns = await median(5, 1, async () => {
    const board = pingPong("nrf52840", rounds);
    const t0 = nowNs();
    await board.run(1);
    const elapsed = nowNs() - t0;
    return elapsed / board.cycles.contextSwitches;
  });
  return [{ name: "hal.cycles.host_ns_per_switch", value: round(ns), unit: "ns" }];
}

export const benchmarks: Record<string, Benchmark> = { switchCycles, hostNsPerSwitch };
