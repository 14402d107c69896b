/**
 * Benchmarks of the board memory model (issue 12). Host-time figures (they vary with the
 * machine); never asserted in tests.
 *
 * - `mem.checked_access_ns`: host nanoseconds per `board.memory.writeU32` from a restricted task
 *   on an STM32H743 (AXI SRAM), the task holding 4 regions and writing into the last one checked:
 *   the context check (running task, its regions), the address map lookup, the MPU region rule
 *   and the little-endian store. Measured over a loop of writes inside the task's code, so the
 *   kernel's switches do not count.
 */
import { createBoard } from "../src/hal/index.js";
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

export const benchmarks: Record<string, Benchmark> = { checkedAccess };
