/**
 * coroutines-1024 — the seed's experiment (section 4.3) on a virtual STM32H743: 256 and 1024
 * coroutines with 256-byte stacks side by side in AXI SRAM, each stack an MPU region, the regions
 * reloaded into a few MPU slots at each switch, a workload whose stack depth varies by a seeded
 * distribution; then 1,000,000 plain goroutines on the host.
 *
 * Run it:
 *
 *   npm run build && node dist/examples/coroutines-1024.js            # the table, seed 1
 *   node dist/examples/coroutines-1024.js --seed 7 --activations 400  # another sample
 *   node dist/examples/coroutines-1024.js --million                   # and 1,000,000 goroutines
 *
 * What the seed describes, and what this example does instead where the seed is wrong:
 * - Stacks "from 0x30040000 (the AXI SRAM start)": on the STM32H743, 0x30040000 is SRAM3, 32 KB in
 *   the D2 domain; AXI SRAM is 0x24000000..0x2407FFFF, 512 KB (RM0433 §2.3.2 memory map; the
 *   board's catalogue, src/hal/boards/stm32h743.ts). 1024 × 256 B = 256 KB fits only in AXI SRAM,
 *   so the stacks go at 0x24000000 + i × 256 (`stackBase`); `main` shows the seed's address
 *   refused for 256 coroutines (64 KB into 32 KB).
 * - "The H7 MPU supports at most 8 active regions": the Cortex-M7 of the H743 has 16 (PM0253
 *   §4.6, MPU_TYPE.DREGION = 16). The table runs the seed's 8 slots (region i % 8), FreeRTOS-MPU's
 *   12 (16 minus the kernel's 4, portmacro.h) and all 16 (board option `mpuSlots`).
 * - Each coroutine is a restricted FreeRTOS task (`xTaskCreateRestricted` with `stackBuffer`, the
 *   seed's `coro_spawn(&coros[i], coro_entry, stack_base, 256)`): its only region is its stack,
 *   a 256-byte, 256-aligned MPU region (MPU_RASR SIZE 7), so a push below the stack is a
 *   MemManage fault, not a write into the neighbour's stack.
 *
 * The workload (the seed does not describe its own): each coroutine runs `activations` times; an
 * activation calls code `depth` bytes deep, depth = DEPTH_BASE_BYTES + DEPTH_STEP_BYTES × G with G
 * geometric (P(G >= k) = (1 - DEPTH_P)^k) drawn from the kernel's seeded PRNG, declares it with
 * `rtos.stackUse(depth)` and writes the deepest word through `board.memory` (checked by the MPU
 * model), then sleeps 1..MAX_SLEEP_TICKS ticks. The stack holds 256 - 68 (the context frame) =
 * 188 bytes for calls, so an activation overflows when G >= 16: probability 0.6^16 = 0.028 % per
 * activation, the order of the seed's 0.02 %. An overflowing activation writes below its stack:
 * the MPU stops that coroutine (a MemManage fault in `board.faults`) and configCHECK_FOR_STACK_OVERFLOW
 * 2 sees its watermark gone.
 *
 * Everything in the result except `hostNsPerSwitch` is a function of the seed (the test checks it).
 * @module
 */
import { pathToFileURL } from "node:url";
import type { FreeRTOS } from "../src/freertos/index.js";
import { after, chan, go, run, type GenTask } from "../src/go/index.js";
import { createBoard, type Board } from "../src/hal/index.js";
import { staticBuffer } from "../src/mem/index.js";

/** Bytes of each coroutine's stack (the seed's 256). */
export const STACK_BYTES = 256;
/** Where the stacks start: the H743's AXI SRAM (the seed's 0x30040000 is SRAM3, see above). */
export const STACK_REGION = "AXI SRAM";
/** The address the seed gives, and the region it really is. */
export const SEED_STACK_BASE = 0x3004_0000;
/** The context frame FreeRTOS saves on a task's stack at each switch (the kernel's stack model). */
export const CONTEXT_FRAME_BYTES = 68;
/** The workload's stack depth: DEPTH_BASE_BYTES + DEPTH_STEP_BYTES × Geometric(DEPTH_P). */
export const DEPTH_BASE_BYTES = 64;
export const DEPTH_STEP_BYTES = 8;
export const DEPTH_P = 0.4;
/** Each activation sleeps 1..MAX_SLEEP_TICKS ticks (uniform). */
export const MAX_SLEEP_TICKS = 4;
/** The seed's table (section 4.3): coroutines → average switch time and "maximum stack overflow rate". */
export const SEED_TABLE: readonly { coroutines: number; switchNs: number; overflowPct: number }[] = [
  { coroutines: 256, switchNs: 320, overflowPct: 0 },
  { coroutines: 1024, switchNs: 398, overflowPct: 0.02 },
];
/** The configurations `main` runs: the seed's two counts × 8 (seed), 12 (FreeRTOS-MPU), 16 (all) MPU slots. */
export const CONFIGS: readonly { coroutines: number; mpuSlots: number }[] = [256, 1024].flatMap((coroutines) => [8, 12, 16].map((mpuSlots) => ({ coroutines, mpuSlots })));

export interface ExperimentOptions {
  /** Coroutines (each a restricted task with a 256-byte stack). */
  readonly coroutines: number;
  /** MPU regions the stack regions are loaded into (board option mpuSlots). */
  readonly mpuSlots: number;
  /** Seed of the board's PRNG (the workload's only source of randomness); default 1. */
  readonly seed?: number;
  /** Activations per coroutine; default 100. */
  readonly activations?: number;
}

export interface ExperimentResult {
  readonly coroutines: number;
  readonly mpuSlots: number;
  readonly seed: number;
  /** Address of coroutine 0's stack; coroutine i's is stackBase + i × 256. */
  readonly stackBase: number;
  /** Context switches in the run (idle included). */
  readonly switches: number;
  /** MPU regions reloaded per switch. */
  readonly reloadsPerSwitch: number;
  /** Modelled cycles per switch, PendSV only (no MPU). */
  readonly switchCyclesNoMpu: number;
  /** Modelled cycles per switch with the MPU reloads the switches needed. */
  readonly switchCycles: number;
  /** switchCycles at the board's 480 MHz. */
  readonly switchNs: number;
  /** Activations run, and those that went past their stack. */
  readonly activations: number;
  readonly overflows: number;
  /** overflows / activations, in percent. */
  readonly overflowPct: number;
  /** Coroutines stopped by a MemManage fault (an overflow), and those vApplicationStackOverflowHook named. */
  readonly coroutinesFaulted: number;
  readonly coroutinesDetected: number;
  /** The deepest activation, in bytes. */
  readonly deepestBytes: number;
  /** Board SRAM the configuration needs: the stacks, the TCBs' heap blocks, the kernel's own objects. */
  readonly stacksBytes: number;
  readonly tcbBytes: number;
  readonly kernelBytes: number;
  readonly memoryBytes: number;
  /** Host nanoseconds per switch (wall time of the run / switches): the only figure not fixed by the seed. */
  readonly hostNsPerSwitch: number;
}

/** Geometric(p) failures before the first success, from a uniform float in [0, 1). */
function geometric(u: number, p: number): number {
  return Math.floor(Math.log(1 - u) / Math.log(1 - p));
}

/** Runs one configuration to the end of its workload and measures it. */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const { coroutines, mpuSlots } = options;
  const seed = options.seed ?? 1;
  const activations = options.activations ?? 100;
  if (!Number.isInteger(coroutines) || coroutines < 1 || coroutines > 2048) throw new RangeError(`coroutines must be an integer 1..2048 (512 KB of AXI SRAM / 256 B), got ${String(coroutines)}`);
  if (!Number.isInteger(activations) || activations < 1) throw new RangeError(`activations must be a positive integer, got ${String(activations)}`);
  let stackBase = -1;
  let finished = 0;
  let overflows = 0;
  let activationsRun = 0;
  let deepestBytes = 0;
  let tcbBytes = 0;
  const detected = new Set<string>();
  const board = createBoard("stm32h743", {
    seed,
    mpuSlots,
    // The TCBs (104 B each with heap_4's header) in a 120 KB heap in DTCM; the stacks are static.
    config: {
      configTOTAL_HEAP_SIZE: 120 * 1024,
      configCHECK_FOR_STACK_OVERFLOW: 2,
      vApplicationStackOverflowHook: (_task, name) => detected.add(name),
    },
    heapAfterStart: false,
    firmware: async (b) => {
      const rtos = b.rtos;
      const stacks = staticBuffer(b, "coroutine stacks", coroutines * STACK_BYTES, STACK_BYTES, STACK_REGION);
      stackBase = b.ram.addressOf(stacks);
      for (let i = 0; i < coroutines; i++) {
        const base = stackBase + i * STACK_BYTES;
        await rtos.xTaskCreateRestricted({
          fn: () => coroutine(b, rtos, base, activations, {
            activation(depth) {
              activationsRun++;
              deepestBytes = Math.max(deepestBytes, depth);
              if (CONTEXT_FRAME_BYTES + depth > STACK_BYTES) overflows++;
            },
            done() {
              finished++;
            },
          }),
          name: `coro${i}`,
          stackDepth: STACK_BYTES / 4,
          params: null,
          priority: 1,
          regions: [],
          stackBuffer: stacks.subarray(i * STACK_BYTES, (i + 1) * STACK_BYTES),
        });
      }
      // The TCBs' heap blocks (header included), before any coroutine ends and frees its own.
      tcbBytes = b.rtos.kernel.heap.blocks().filter((blk) => blk.owner.startsWith('task "coro')).reduce((n, blk) => n + blk.blockBytes, 0);
    },
  });
  const t0 = performance.now();
  const limitTicks = activations * (MAX_SLEEP_TICKS + 1) + 10;
  await board.run(1);
  for (let tick = 1; tick < limitTicks && finished + board.faults.length < coroutines; tick += 50) await board.run(50);
  const wallNs = (performance.now() - t0) * 1e6;
  if (finished + board.faults.length !== coroutines)
    throw new Error(`coroutines-1024: ${finished} coroutines finished and ${board.faults.length} faulted of ${coroutines} after ${limitTicks} ticks`);
  const cycles = board.cycles;
  const kernelBytes = board.ram.allocations().find((a) => a.owner === "kernel")?.sizeBytes ?? 0;
  const stacksBytes = coroutines * STACK_BYTES;
  return {
    coroutines,
    mpuSlots,
    seed,
    stackBase,
    switches: cycles.contextSwitches,
    reloadsPerSwitch: cycles.mpuReloads / cycles.contextSwitches,
    switchCyclesNoMpu: cycles.switchAverageCycles,
    switchCycles: cycles.switchWithMpuAverageCycles,
    switchNs: (cycles.switchWithMpuAverageCycles * 1e9) / board.cycleCosts.cpuHz,
    activations: activationsRun,
    overflows,
    overflowPct: (100 * overflows) / activationsRun,
    coroutinesFaulted: board.faults.length,
    coroutinesDetected: detected.size,
    deepestBytes,
    stacksBytes,
    tcbBytes,
    kernelBytes,
    memoryBytes: stacksBytes + tcbBytes + kernelBytes,
    hostNsPerSwitch: wallNs / cycles.contextSwitches,
  };
}

/** What a coroutine reports to the experiment. */
interface Probe {
  activation(depthBytes: number): void;
  done(): void;
}

/** One coroutine: `activations` calls of seeded depth, each touching its deepest stack word, with sleeps between. */
async function coroutine(board: Board, rtos: FreeRTOS, stackAddress: number, activations: number, probe: Probe): Promise<void> {
  const prng = rtos.kernel.prng;
  const stackTop = stackAddress + STACK_BYTES;
  for (let a = 0; a < activations; a++) {
    const depth = DEPTH_BASE_BYTES + DEPTH_STEP_BYTES * geometric(prng.nextFloat(), DEPTH_P);
    probe.activation(depth);
    const release = rtos.stackUse(depth);
    // The deepest word the call writes: below the stack when it overflows (a MemManage fault).
    board.memory.writeU32(stackTop - CONTEXT_FRAME_BYTES - depth, a);
    release();
    await rtos.vTaskDelay(1 + prng.nextInt(MAX_SLEEP_TICKS));
  }
  probe.done();
}

/** The seed's stack address for 256 coroutines: the error the board gives (SRAM3 is 32 KB). */
export function seedAddressError(): string {
  const board = createBoard("stm32h743", { firmware: () => {} });
  try {
    staticBuffer(board, "coroutine stacks", 256 * STACK_BYTES, STACK_BYTES, "SRAM3");
    return "fits (unexpected)";
  } catch (e) {
    return (e as Error).message.split("\n")[0]!;
  }
}

/**
 * 1,000,000 goroutines on the host (no board, the go runtime's own kernel): each parks on a
 * channel receive, then closing the channel releases them all and each finishes. `lane`: async
 * functions (the default lane) or generator functions (the generator lane, no promise per wait).
 */
export async function millionGoroutines(count = 1_000_000, lane: "async" | "generator" = "async"): Promise<{ count: number; lane: string; spawnMs: number; releaseMs: number; heapBytesPerGoroutine: number }> {
  let spawnMs = 0;
  let releaseMs = 0;
  let heapBytes = 0;
  let exited = 0;
  const start = chan<number>();
  const allDone = chan<number>();
  let before = 0;
  let t0 = 0;
  const spawned = (): void => {
    spawnMs = performance.now() - t0;
    heapBytes = process.memoryUsage().heapUsed - before;
    t0 = performance.now();
    start.close();
  };
  const begin = (): void => {
    before = process.memoryUsage().heapUsed;
    t0 = performance.now();
  };
  // One function for all goroutines (a closure per goroutine would cost a closure each).
  if (lane === "async") {
    const body = async (): Promise<void> => {
      await start.recv(); // parked here until start is closed
      if (++exited === count) await allDone.send(exited);
    };
    await run(
      async () => {
        begin();
        for (let i = 0; i < count; i++) go(body);
        await after(1).recv(); // every goroutine has run up to its receive
        spawned();
        await allDone.recv();
      },
      { maxPriorities: 4, heapBytes: 1 << 30 },
    );
  } else {
    const body = function* (): GenTask {
      yield* start.recv();
      if (++exited === count) yield* allDone.send(exited);
    };
    await run(
      function* (): GenTask {
        begin();
        for (let i = 0; i < count; i++) go(body);
        yield* after(1).recv();
        spawned();
        yield* allDone.recv();
      },
      { maxPriorities: 4, heapBytes: 1 << 30 },
    );
  }
  releaseMs = performance.now() - t0;
  if (exited !== count) throw new Error(`millionGoroutines: ${exited} of ${count} goroutines finished`);
  return { count, lane, spawnMs, releaseMs, heapBytesPerGoroutine: heapBytes / count };
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

/** The table, one row per configuration, beside the seed's. */
export function formatTable(results: readonly ExperimentResult[]): string {
  const lines = [
    "coroutines  mpu slots  switches  reloads/switch  cycles (no MPU)  cycles  ns @480MHz  seed ns  overflows (%)       seed %  faulted  detected  memory bytes  host ns/switch",
  ];
  for (const r of results) {
    const seedRow = SEED_TABLE.find((s) => s.coroutines === r.coroutines);
    lines.push(
      [
        pad(r.coroutines, 10),
        pad(r.mpuSlots, 9),
        pad(r.switches, 9),
        pad(r.reloadsPerSwitch.toFixed(3), 15),
        pad(r.switchCyclesNoMpu.toFixed(1), 16),
        pad(r.switchCycles.toFixed(1), 7),
        pad(r.switchNs.toFixed(0), 11),
        pad(seedRow?.switchNs ?? "-", 8),
        pad(`${r.overflows}/${r.activations} (${r.overflowPct.toFixed(3)})`, 19),
        pad(seedRow?.overflowPct ?? "-", 7),
        pad(r.coroutinesFaulted, 8),
        pad(r.coroutinesDetected, 9),
        pad(r.memoryBytes, 13),
        pad(r.hostNsPerSwitch.toFixed(0), 15),
      ].join(" "),
    );
  }
  return lines.join("\n");
}

/** Command line: the table for CONFIGS, the seed's address checked, optionally 1,000,000 goroutines. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const flag = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v)) throw new RangeError(`${name} expects an integer, got ${String(argv[i + 1])}`);
    return v;
  };
  const seed = flag("--seed", 1);
  const activations = flag("--activations", 100);
  console.log(`The seed's stack base 0x${SEED_STACK_BASE.toString(16)}: ${seedAddressError()}`);
  // A warm-up run, so that the first row's host time is not the JIT compiler's.
  await runExperiment({ coroutines: 256, mpuSlots: 8, seed, activations: 20 });
  const results: ExperimentResult[] = [];
  for (const c of CONFIGS) results.push(await runExperiment({ ...c, seed, activations }));
  console.log(`stacks at 0x${results[0]!.stackBase.toString(16)} (${STACK_REGION}); seed ${seed}, ${activations} activations per coroutine`);
  console.log(formatTable(results));
  if (argv.includes("--million"))
    for (const lane of ["async", "generator"] as const) {
      const m = await millionGoroutines(1_000_000, lane);
      console.log(`${m.count} ${lane} goroutines on the host: spawned and parked in ${m.spawnMs.toFixed(0)} ms (${m.heapBytesPerGoroutine.toFixed(0)} bytes of JS heap each), all released and finished in ${m.releaseMs.toFixed(0)} ms`);
    }
}

// Run only when executed directly (`node dist/examples/coroutines-1024.js`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
