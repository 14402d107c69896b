/**
 * examples/coroutines-1024: the seed's experiment reproduces from its seed, its stacks sit where
 * the memory map says, every overflow is a contained MemManage fault, and its figures obey the
 * cycle model's arithmetic.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONTEXT_FRAME_BYTES,
  formatTable,
  millionGoroutines,
  runExperiment,
  seedAddressError,
  STACK_BYTES,
  type ExperimentResult,
} from "./coroutines-1024.js";
import { mpuReloadCycles } from "../src/hal/cycles.js";
import { createBoard } from "../src/hal/index.js";

/** Everything but the host time, which is the only figure the seed does not fix. */
const fixed = (r: ExperimentResult): Omit<ExperimentResult, "hostNsPerSwitch"> => {
  const { hostNsPerSwitch, ...rest } = r;
  assert.ok(Number.isFinite(hostNsPerSwitch) && hostNsPerSwitch > 0);
  return rest;
};

test("the same seed gives the same experiment, figure for figure; another seed another sample", async () => {
  const a = await runExperiment({ coroutines: 256, mpuSlots: 8, seed: 3, activations: 40 });
  const b = await runExperiment({ coroutines: 256, mpuSlots: 8, seed: 3, activations: 40 });
  assert.deepEqual(fixed(a), fixed(b));
  const c = await runExperiment({ coroutines: 256, mpuSlots: 8, seed: 4, activations: 40 });
  assert.notDeepEqual({ ...fixed(c), seed: 3 }, fixed(a));
});

test("256 coroutines: stacks at 0x24000000 (AXI SRAM), memory = stacks + TCB blocks + the kernel's objects", async () => {
  const r = await runExperiment({ coroutines: 256, mpuSlots: 8, seed: 1, activations: 20 });
  assert.equal(r.stackBase, 0x2400_0000);
  assert.equal(r.stacksBytes, 256 * STACK_BYTES);
  assert.equal(r.tcbBytes, 256 * (96 + 8), "StaticTask_t 96 B + heap_4's 8-byte header each");
  assert.equal(r.kernelBytes, 1856, "idle and timer tasks and the timer queue (the board's kernel row)");
  assert.equal(r.memoryBytes, 65536 + 26624 + 1856);
});

test("every overflowing activation is a MemManage fault below its own stack; the others run to the end", async () => {
  const r = await runExperiment({ coroutines: 1024, mpuSlots: 8, seed: 1, activations: 60 });
  assert.ok(r.overflows > 0, "this seed's sample has overflows (the distribution's tail is 0.028 %)");
  // A coroutine overflows once: its fault stops it.
  assert.equal(r.coroutinesFaulted, r.overflows);
  // A faulted coroutine ran up to its faulting activation (counted), the others all 60.
  assert.ok(r.activations <= 1024 * 60 && r.activations >= (1024 - r.coroutinesFaulted) * 60 + r.coroutinesFaulted, `${r.activations} activations`);
  assert.ok(r.deepestBytes > STACK_BYTES - CONTEXT_FRAME_BYTES);
  // Method 2 names every faulted coroutine (its watermark was written) and those that came
  // within 16 bytes of the end without passing it.
  assert.ok(r.coroutinesDetected >= r.coroutinesFaulted);
  assert.equal(r.overflowPct, (100 * r.overflows) / r.activations);
});

test("the fault records: the coroutine, a write below its stack, its stack the only region in force", async () => {
  const faults: { taskName: string; address: number; regions: readonly { address: number; lengthBytes: number }[] }[] = [];
  // The same firmware shape as the example, small: 4 coroutines, one of which calls too deep.
  const { staticBuffer } = await import("../src/mem/index.js");
  let base = -1;
  const board = createBoard("stm32h743", {
    mpuSlots: 8,
    onFault: (f) => faults.push(f),
    firmware: async (b) => {
      const stacks = staticBuffer(b, "coroutine stacks", 4 * STACK_BYTES, STACK_BYTES, "AXI SRAM");
      base = b.ram.addressOf(stacks); // after the default 264 KB heap, which AXI SRAM holds here
      for (let i = 0; i < 4; i++) {
        const top = base + (i + 1) * STACK_BYTES;
        await b.rtos.xTaskCreateRestricted({
          fn: () => {
            const depth = i === 2 ? 200 : 100;
            const release = b.rtos.stackUse(depth);
            b.memory.writeU32(top - CONTEXT_FRAME_BYTES - depth, i);
            release();
          },
          name: `coro${i}`,
          stackDepth: STACK_BYTES / 4,
          params: null,
          priority: 1,
          regions: [],
          stackBuffer: stacks.subarray(i * STACK_BYTES, (i + 1) * STACK_BYTES),
        });
      }
    },
  });
  await board.run(2);
  assert.deepEqual(
    faults.map((f) => ({ taskName: f.taskName, address: f.address, regions: f.regions.map((x) => ({ address: x.address, lengthBytes: x.lengthBytes })) })),
    [{ taskName: "coro2", address: base + 3 * 256 - 68 - 200, regions: [{ address: base + 2 * 256, lengthBytes: 256 }] }],
  );
  assert.equal(base % 256, 0);
  // The neighbour's stack (coro1, below coro2's) was not written by the faulting store: the word
  // holds coro1's own bytes (its context frame, written as 0 by the stack model), not coro2's 2.
  assert.equal(board.memory.readU32(base + 3 * 256 - 68 - 200), 0);
  assert.equal(board.memory.readU32(base + 2 * 256 - 68 - 100), 1, "coro1's own deepest write");
});

test("the modelled switch is the PendSV cost plus one region reload per reloading switch; the slot count changes neither the schedule nor (here) the reloads much", async () => {
  const board = createBoard("stm32h743", { firmware: () => {} });
  const reload1 = mpuReloadCycles(board.cycleCosts, 1);
  const results: ExperimentResult[] = [];
  for (const mpuSlots of [8, 12, 16]) results.push(await runExperiment({ coroutines: 256, mpuSlots, seed: 2, activations: 30 }));
  for (const r of results) {
    assert.equal(r.switchCyclesNoMpu, board.cycleCosts.switchCycles);
    // Each coroutine carries one region (its stack): a switch reloads 0 or 1.
    assert.ok(Math.abs(r.switchCycles - (r.switchCyclesNoMpu + reload1 * r.reloadsPerSwitch)) < 1e-9);
    assert.equal(r.switchNs, (r.switchCycles * 1e9) / 480e6);
    assert.ok(r.reloadsPerSwitch > 0.9 && r.reloadsPerSwitch <= 1, `256 coroutines in ${r.mpuSlots} slots: nearly every switch reloads (${r.reloadsPerSwitch})`);
  }
  // The MPU model does not change what runs when.
  assert.equal(results[1]!.switches, results[0]!.switches);
  assert.equal(results[2]!.switches, results[0]!.switches);
  assert.equal(results[2]!.overflows, results[0]!.overflows);
  // More slots can only keep more regions loaded.
  assert.ok(results[2]!.reloadsPerSwitch <= results[0]!.reloadsPerSwitch);
  const table = formatTable(results);
  assert.equal(table.split("\n").length, 4);
  assert.match(table.split("\n")[1]!, /^\s+256\s+8\s/);
});

test("the seed's stack address (0x30040000, SRAM3) cannot hold 256 stacks", () => {
  assert.equal(seedAddressError(), 'staticBuffer "coroutine stacks" on stm32h743: 65536 bytes (aligned to 256) do not fit in SRAM3; the largest free block is 32768 bytes');
});

test("plain goroutines on the host, both lanes: every one parks and then finishes (20,000 here; main runs 1,000,000)", async () => {
  for (const lane of ["async", "generator"] as const) {
    const r = await millionGoroutines(20_000, lane);
    assert.equal(r.count, 20_000);
    assert.equal(r.lane, lane);
  }
});
