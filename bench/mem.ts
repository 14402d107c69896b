/**
 * Benchmarks of the board memory model (issue 12). Host-time figures (they vary with the
 * machine); never asserted in tests.
 *
 * - `mem.checked_access_ns`: host nanoseconds per `board.memory.writeU32` from a restricted task
 *   on an STM32H743 (AXI SRAM), the task holding 4 regions and writing into the last one checked:
 *   the context check (running task, its regions), the address map lookup, the MPU region rule
 *   and the little-endian store. Measured over a loop of writes inside the task's code, so the
 *   kernel's switches do not count.
 * - `mem.mpu.switch.cycles.256` / `.1024` (and `.ns.256` / `.ns.1024` at 480 MHz): modelled cycles
 *   per context switch in the seed's experiment (examples/coroutines-1024.ts, seed 1, the seed's 8
 *   MPU slots), the MPU reloads included; the seed's table says 320 / 398 ns. Deterministic.
 * - `mem.mpu.switch.host_ns.1024`: host nanoseconds per switch of that run with 1024 coroutines
 *   (the whole simulation: the switch, the MPU and cycle models, the workload's stackUse and
 *   checked write, the delays), after a warm-up run.
 * - `go.parked.bytes.board`: board SRAM (kernel heap) per goroutine parked on a channel receive on
 *   an nrf52840, with the default 512-byte goroutine stacks; and `go.parked.fit.256k`, how many
 *   such goroutines 256 KB holds.
 */
import { chan, go, run } from "../src/go/index.js";
import { createBoard } from "../src/hal/index.js";
import { runExperiment } from "../examples/coroutines-1024.js";
import { median, nowNs, round, type Benchmark, type Figure } from "./harness.js";

/** One checked u32 write from a restricted task. */
async function checkedAccess(): Promise<Figure[]> {
  const writes = 2_000_000;
  const ns = await median(5, 1, async () => {
    let elapsed = 0;
    const board = createBoard("stm32h743", {
      firmware: async (b) => {
        const base = 0x2406_0000; // AXI SRAM above the kernel heap (264 KB from 0x24000000)
        const regions = [0, 1, 2, 3].map((i) => ({ address: base + i * 0x1000, lengthBytes: 0x1000, access: "rw" as const }));
        await b.rtos.xTaskCreateRestricted({
          fn: () => {
            const m = b.memory;
            const at = base + 0x3000; // regions[3]: the first the Cortex-M order checks (highest number decides)
            const t0 = nowNs();
            for (let i = 0; i < writes; i++) m.writeU32(at + ((i & 0x3ff) << 2), i >>> 0);
            elapsed = nowNs() - t0;
          },
          name: "writer",
          stackDepth: 256,
          params: null,
          priority: 1,
          regions,
        });
      },
    });
    await board.run(1);
    if (board.faults.length !== 0) throw new Error(`unexpected fault: ${JSON.stringify(board.faults[0])}`);
    if (elapsed === 0) throw new Error("the writer did not run");
    return elapsed / writes;
  });
  return [{ name: "mem.checked_access_ns", value: round(ns), unit: "ns/write" }];
}

/** The seed's experiment: modelled switch cost at 256 and 1024 coroutines, host ns at 1024. */
async function mpuExperiment(): Promise<Figure[]> {
  const out: Figure[] = [];
  await runExperiment({ coroutines: 256, mpuSlots: 8, activations: 20 }); // warm-up
  for (const coroutines of [256, 1024]) {
    const r = await runExperiment({ coroutines, mpuSlots: 8 });
    out.push({ name: `mem.mpu.switch.cycles.${coroutines}`, value: round(r.switchCycles), unit: "cycles" });
    out.push({ name: `mem.mpu.switch.ns.${coroutines}`, value: round(r.switchNs), unit: "ns at 480 MHz" });
    if (coroutines === 1024) out.push({ name: "mem.mpu.switch.host_ns.1024", value: round(r.hostNsPerSwitch), unit: "ns/switch" });
  }
  return out;
}

/** Kernel-heap bytes per parked goroutine on a board (512-byte stacks). */
async function parkedOnBoard(): Promise<Figure[]> {
  const count = 100;
  const board = createBoard("nrf52840", { config: { configTOTAL_HEAP_SIZE: 192 * 1024 }, firmware: () => {} });
  await board.run(0);
  let perGoroutine = 0;
  await run(
    async () => {
      const c = chan<number>();
      const body = async (): Promise<void> => {
        await c.recv();
      };
      const before = board.rtos.xPortGetFreeHeapSize();
      for (let i = 0; i < count; i++) go(body);
      await board.rtos.vTaskDelay(1); // every goroutine parks on c
      perGoroutine = (before - board.rtos.xPortGetFreeHeapSize()) / count;
    },
    { rtos: board.rtos },
  );
  return [
    { name: "go.parked.bytes.board", value: round(perGoroutine), unit: "bytes/goroutine (board SRAM)" },
    { name: "go.parked.fit.256k", value: Math.floor((256 * 1024) / perGoroutine), unit: "goroutines in 256 KB" },
  ];
}

export const benchmarks: Record<string, Benchmark> = { checkedAccess, mpuExperiment, parkedOnBoard };
