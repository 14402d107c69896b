/**
 * The cycle model (src/hal/cycles.ts): a scripted scenario per board whose totals equal the
 * formula from the board's CycleCosts exactly (switches between two tasks, interrupts with one
 * tail-chained pair, ticks), FPU tasks on the FPU cores, a same-task switch decision costing
 * nothing, ticks charged to the task they interrupted, vTaskGetRunTimeStats in cycles,
 * MPU reloads, bad input, determinism.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board } from "./helpers.js";
import { CYCLE_COSTS, mpuReloadCycles, type CycleCosts } from "../../src/hal/index.js";
import type { TaskHandle } from "../../src/freertos/index.js";

const YIELDS = 5;
const RUN_TICKS = 50;

interface Scenario {
  board: Board;
  order: string[];
  handles: Record<string, TaskHandle>;
}

/**
 * Two tasks at priority 2 yield to each other YIELDS times each, then suspend themselves; the idle
 * task runs on. Interrupt 10 fires at tick 20.5; interrupt 12 at 30.5 pends 11 (same priority), which
 * therefore tail-chains when 12 returns. The board runs RUN_TICKS ticks.
 */
async function scenario(name: string, options: { seed?: number; fpuTask?: string; runTimeCounter?: "cycles" } = {}): Promise<Scenario> {
  const order: string[] = [];
  const handles: Record<string, TaskHandle> = {};
  const board = createBoard(name, {
    seed: options.seed ?? 1,
    ...(options.runTimeCounter !== undefined ? { runTimeCounter: options.runTimeCounter } : {}),
    firmware: (b) => {
      const rtos = b.rtos;
      for (const taskName of ["A", "B"]) {
        const ref = { value: null as TaskHandle | null };
        rtos.xTaskCreate(
          async () => {
            for (let i = 0; i < YIELDS; i++) {
              order.push(taskName);
              await rtos.taskYIELD();
            }
            order.push(taskName);
            await rtos.vTaskSuspend(null);
          },
          taskName,
          256,
          null,
          2,
          ref,
        );
        handles[taskName] = ref.value!;
      }
      if (options.fpuTask !== undefined) b.cycles.setUsesFpu(handles[options.fpuTask]!, true);
      rtos.registerInterrupt(10, 5, () => {}, "single");
      rtos.registerInterrupt(11, 5, () => {}, "chained");
      rtos.registerInterrupt(12, 5, () => rtos.triggerInterrupt(11), "first");
      rtos.triggerInterrupt(10, 20.5);
      rtos.triggerInterrupt(12, 30.5);
    },
  });
  await board.run(RUN_TICKS);
  return { board, order, handles };
}

// The scenario's counts, from the scheduling rules: the timer service task (created last by
// vTaskStartScheduler, at configTIMER_TASK_PRIORITY) runs first (its start is not charged) and
// blocks on its command queue: switch 1, to A, the head of the priority-2 ready list. Each yield
// then switches to the other task (2 × YIELDS), A suspends (→ B) and B suspends (→ idle): 2 more.
// Into A: that first switch + B's yields; into B: A's yields + A's suspension; into idle: 1.
// Out of A and out of B: their yields + their suspension each.
const SWITCHES = 1 + 2 * YIELDS + 2;
const INTO = { A: 1 + YIELDS, B: YIELDS + 1, idle: 1 };
const OUT = { A: YIELDS + 1, B: YIELDS + 1 };
const ISR_ENTRIES = 3;
const TAIL_CHAINS = 1;

function isrCycles(c: CycleCosts): number {
  // Each non-chained entry pays entry; a chained one replaces the previous exit + its entry with the tail-chain.
  return (ISR_ENTRIES - TAIL_CHAINS) * c.isrEntryCycles + TAIL_CHAINS * c.tailChainCycles + (ISR_ENTRIES - TAIL_CHAINS) * c.isrExitCycles;
}

for (const name of ["stm32h743", "nrf52840", "esp32c3"]) {
  test(`${name}: scripted scenario totals equal the formula from the cost table`, async () => {
    const { board, order } = await scenario(name);
    const c = board.cycleCosts;
    assert.equal(c, CYCLE_COSTS[name]);
    assert.deepEqual(order, ["A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "A", "B"]);
    const m = board.cycles;
    assert.equal(m.contextSwitches, SWITCHES);
    assert.equal(m.isrEntries, ISR_ENTRIES);
    assert.equal(m.tailChains, TAIL_CHAINS);
    assert.equal(m.ticks, RUN_TICKS);
    assert.equal(m.mpuReloads, 0);
    const overhead = SWITCHES * c.switchCycles + isrCycles(c) + RUN_TICKS * c.tickCycles;
    assert.equal(m.overheadCycles, overhead);
    const perTick = c.cpuHz / 1000;
    assert.equal(m.total, RUN_TICKS * perTick + overhead);
    assert.equal(m.switchAverageCycles, c.switchCycles);
    // Per task: switches are charged to the task switched in; the interrupts and every tick fell
    // while the idle task ran (A and B ran only at tick 0, taking no virtual time).
    const rows = Object.fromEntries(m.perTask().map((r) => [r.name, r]));
    assert.deepEqual(rows["A"], { name: "A", cycles: INTO.A * c.switchCycles, overheadCycles: INTO.A * c.switchCycles });
    assert.deepEqual(rows["B"], { name: "B", cycles: INTO.B * c.switchCycles, overheadCycles: INTO.B * c.switchCycles });
    const idleOverhead = INTO.idle * c.switchCycles + isrCycles(c) + RUN_TICKS * c.tickCycles;
    assert.deepEqual(rows["IDLE"], { name: "IDLE", cycles: RUN_TICKS * perTick + idleOverhead, overheadCycles: idleOverhead });
    assert.deepEqual(rows["Tmr Svc"], { name: "Tmr Svc", cycles: 0, overheadCycles: 0 });
    assert.equal(m.perTask().reduce((n, r) => n + r.cycles, 0) + m.unattributedCycles, m.total);
  });
}

test("the table's sums: a switch is entry + save + select + restore + exit, a tick entry + handler + exit", () => {
  for (const c of Object.values(CYCLE_COSTS)) {
    assert.equal(c.switchCycles, c.isrEntryCycles + c.contextSaveCycles + c.selectCycles + c.contextRestoreCycles + c.isrExitCycles);
    assert.equal(c.tickCycles, c.isrEntryCycles + c.tickHandlerCycles + c.isrExitCycles);
    for (const key of ["isrEntryCycles", "isrExitCycles", "tailChainCycles", "contextSaveCycles", "selectCycles", "fpuSaveCycles", "tickHandlerCycles", "mpuReload"])
      assert.equal(typeof c.sources[key], "string", `${c.board}: source of ${key}`);
  }
  // Cortex-M: PendSV's save is 10 steps of FreeRTOS's ARM_CM4F/ARM_CM7 handler; hardware tail-chaining is cheaper than exit + entry.
  const m4 = CYCLE_COSTS["nrf52840"]!;
  assert.equal(m4.steps["save"]!.length, 10);
  assert.equal(m4.contextSaveCycles, 26);
  assert.equal(m4.contextRestoreCycles, 24);
  // ARM_CM4F selects without the r0p1 cpsid/cpsie pair the ARM_CM7/r0p1 port needs: 2 cycles less.
  assert.equal(m4.selectCycles, 55);
  assert.equal(CYCLE_COSTS["stm32h743"]!.selectCycles, 57);
  assert.equal(m4.switchCycles, 12 + 26 + 55 + 24 + 10);
  assert.ok(m4.tailChainCycles < m4.isrEntryCycles + m4.isrExitCycles);
  // ESP32-C3: ESP-IDF's trap handler serves one interrupt per trap: a chained one costs exit + entry.
  const c3 = CYCLE_COSTS["esp32c3"]!;
  assert.equal(c3.tailChainCycles, c3.isrEntryCycles + c3.isrExitCycles);
  assert.equal(c3.fpu, false);
  assert.equal(c3.contextSaveCycles, 0);
});

for (const name of ["stm32h743", "nrf52840"]) {
  test(`${name}: a task that uses the FPU adds the extended frame to its switches out and in`, async () => {
    const plain = await scenario(name);
    const fpu = await scenario(name, { fpuTask: "A" });
    const c = fpu.board.cycleCosts;
    assert.equal(fpu.board.cycles.usesFpu(fpu.handles["A"]!), true);
    const extra = OUT.A * c.fpuSaveCycles + INTO.A * c.fpuRestoreCycles;
    assert.equal(fpu.board.cycles.overheadCycles - plain.board.cycles.overheadCycles, extra);
    assert.equal(fpu.board.cycles.switchAverageCycles, c.switchCycles + extra / SWITCHES);
  });
}

test("esp32c3 has no FPU: setUsesFpu(task, true) is a HalError naming the board and the core", async () => {
  await assert.rejects(scenario("esp32c3", { fpuTask: "A" }), (e: unknown) => e instanceof HalError && /board "esp32c3", cycles.setUsesFpu\("A"\): the RISC-V RV32IMC .* has no FPU/.test(e.message));
});

test("a same-task switch decision costs nothing: a task alone at its priority yields 5 times", async () => {
  const board = createBoard("nrf52840", {
    firmware: (b) => {
      b.rtos.xTaskCreate(
        async () => {
          for (let i = 0; i < 5; i++) await b.rtos.taskYIELD();
          await b.rtos.vTaskSuspend(null);
        },
        "alone",
        256,
        null,
        2,
      );
    },
  });
  await board.run(3);
  const c = board.cycleCosts;
  // Decisions: the timer task's block (→ alone), 5 yields keeping "alone", its suspension (→ idle).
  assert.equal(board.cycles.sameTaskDecisions, 5);
  assert.equal(board.cycles.contextSwitches, 2);
  assert.equal(board.cycles.overheadCycles, 2 * c.switchCycles + 3 * c.tickCycles);
});

test("ticks are charged to the task they interrupt; run-time stats in cycles = run ticks × cpuHz / tick rate + charged overhead", async () => {
  const board = createBoard("stm32h743", {
    runTimeCounter: "cycles",
    config: { configTICK_RATE_HZ: 250 },
    firmware: (b) => {
      b.rtos.xTaskCreate(
        async () => {
          await b.rtos.busy(7.5);
          await b.rtos.vTaskSuspend(null);
        },
        "worker",
        256,
        null,
        1,
      );
    },
  });
  await board.run(20);
  const c = board.cycleCosts;
  const perTick = 480_000_000 / 250; // cpuHz / configTICK_RATE_HZ
  // The timer task runs first and blocks (→ worker); worker runs 0..7.5: ticks 1..7 interrupt it;
  // idle runs 7.5..20: ticks 8..20, and is switched in once.
  const worker = 7.5 * perTick + c.switchCycles + 7 * c.tickCycles;
  const idle = 12.5 * perTick + c.switchCycles + 13 * c.tickCycles;
  const rows = Object.fromEntries(board.cycles.perTask().map((r) => [r.name, r.cycles]));
  assert.deepEqual(rows, { worker, IDLE: idle, "Tmr Svc": 0 });
  const states = Object.fromEntries(board.rtos.uxTaskGetSystemState().map((s) => [s.name, s.runTimeCounter]));
  assert.equal(states["worker"], worker);
  assert.equal(states["IDLE"], idle);
  const total = 20 * perTick + 2 * c.switchCycles + 20 * c.tickCycles;
  assert.equal(board.cycles.total, total);
  const lines = board.rtos.vTaskGetRunTimeStats().trim().split("\n").map((l) => l.split("\t").filter((f) => f !== "").map((f) => f.trim()));
  const byName = Object.fromEntries(lines.map((f) => [f[0], f.slice(1)]));
  assert.deepEqual(byName["worker"], [String(worker), `${Math.floor((worker * 100) / total)}%`]);
  assert.deepEqual(byName["IDLE"], [String(idle), `${Math.floor((idle * 100) / total)}%`]);
});

test("without runTimeCounter: \"cycles\" the run-time stats stay in microseconds of virtual time", async () => {
  const board = createBoard("nrf52840", {
    firmware: (b) => {
      b.rtos.xTaskCreate(
        async () => {
          await b.rtos.busy(2.25);
          await b.rtos.vTaskSuspend(null);
        },
        "worker",
        256,
        null,
        1,
      );
    },
  });
  await board.run(5);
  const states = Object.fromEntries(board.rtos.uxTaskGetSystemState().map((s) => [s.name, s.runTimeCounter]));
  assert.equal(states["worker"], 2250);
  assert.equal(states["IDLE"], 2750);
});

test("MPU reloads: fixed part + one group per 4 regions, charged to the running task; bad counts are HalErrors", async () => {
  let charged = -1;
  const board = createBoard("nrf52840", {
    firmware: (b) => {
      b.rtos.xTaskCreate(
        async () => {
          b.cycles.chargeMpuReloads(8);
          b.cycles.chargeMpuReloads(3);
          b.cycles.chargeMpuReloads(0);
          charged = b.cycles.perTask().find((r) => r.name === "t")!.overheadCycles;
          await b.rtos.vTaskSuspend(null);
        },
        "t",
        256,
        null,
        1,
      );
    },
  });
  await board.run(1);
  const c = board.cycleCosts;
  // FreeRTOS-MPU writes regions 4 at a time (ldmia/stmia of 8 words): 8 regions = 2 groups, 3 = 1.
  assert.equal(mpuReloadCycles(c, 8), c.mpuReloadFixedCycles + 2 * c.mpuGroupCycles);
  assert.equal(mpuReloadCycles(c, 3), c.mpuReloadFixedCycles + c.mpuGroupCycles);
  // t was switched in from the timer task (one switch) and then reloaded 8 and 3 regions.
  assert.equal(charged, c.switchCycles + mpuReloadCycles(c, 8) + mpuReloadCycles(c, 3));
  assert.equal(board.cycles.mpuReloads, 11);
  assert.throws(() => board.cycles.chargeMpuReloads(-1), /board "nrf52840", cycles.chargeMpuReloads: regions must be a non-negative integer, got -1/);
  assert.throws(() => board.cycles.chargeMpuReloads(1.5), HalError);
});

test("bad runTimeCounter option: HalError naming the option", () => {
  assert.throws(() => createBoard("nrf52840", { firmware: () => {}, runTimeCounter: "ticks" as never }), /board "nrf52840", createBoard: options.runTimeCounter must be "microseconds" or "cycles", got "ticks"/);
});

test("a reset restarts the counters with the fresh kernel", async () => {
  const { board } = await scenario("nrf52840");
  assert.equal(board.cycles.contextSwitches, SWITCHES);
  board.reset("software");
  assert.equal(board.cycles.contextSwitches, 0);
  assert.equal(board.cycles.total, 0);
});

test("determinism: same seed, same totals and rows", async () => {
  const a = await scenario("esp32c3", { seed: 7 });
  const b = await scenario("esp32c3", { seed: 7 });
  assert.equal(a.board.cycles.total, b.board.cycles.total);
  assert.deepEqual(a.board.cycles.perTask(), b.board.cycles.perTask());
});

test("the board's event line is not counted: a button edge costs one GPIO interrupt entry, not a tail-chain", async () => {
  let edges = 0;
  const board = createBoard("nrf52840", {
    firmware: (b) => {
      const button = b.pin("BUTTON");
      button.configure({ mode: "input", pull: "up" });
      button.setInterrupt("falling", () => edges++);
    },
  });
  board.world.pin("BUTTON").drive(false, 3.5);
  await board.run(5);
  const c = board.cycleCosts;
  assert.equal(edges, 1);
  // board.events delivers the edge and pends GPIOTE, which runs when board.events returns: on the
  // chip the edge raises GPIOTE directly, so it is one full entry and exit.
  assert.equal(board.cycles.isrEntries, 1);
  assert.equal(board.cycles.tailChains, 0);
  // Overhead: the timer task's block (→ idle), the interrupt, 5 ticks.
  assert.equal(board.cycles.overheadCycles, c.switchCycles + c.isrEntryCycles + c.isrExitCycles + 5 * c.tickCycles);
});
