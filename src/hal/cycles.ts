/**
 * The cycle cost model: simulated CPU time in cycles beside virtual time in ticks.
 *
 * An accounting view (API.md `tinyrtos/hal`): nothing here moves virtual time. A task's cycles are
 * its virtual run time × cpuHz plus the overhead charged to it — context switches (PendSV or the
 * RISC-V trap path), interrupt entries and exits (tail-chained ones cheaper on Cortex-M), the tick
 * interrupt, MPU/PMP region reloads. On silicon those overhead cycles come out of the same wall
 * time; here they are added beside it, so the tasks' virtual time stays what the kernel says and
 * the overhead can be read on its own.
 *
 * Each figure in CYCLE_COSTS carries its source. How PendSV and the RISC-V trap path were turned into
 * cycles: every instruction of the FreeRTOS / ESP-IDF port code is listed below with its cycle
 * count, and the sums are the figures. Cortex-M counts follow the Cortex-M4 TRM (ARM DDI 0439,
 * §3.3.1 Table 3-1, zero-wait-state memory; P = pipeline refill taken as 2 of its 1..3, B = ISB
 * barrier = P, DSB barrier 1): the table's layout and abbreviations were confirmed this session,
 * the individual rows (LDR 2, STR 2, LDM/STM 1+N, MSR/MRS/CPSID/TST/IT/MOV 1, BL/BX 1+P, a failed
 * conditional 1, VLDM/VSTM 1+N) are recalled and so "unconfirmed". ARM publishes no such table for
 * the Cortex-M7; its dual issue can only shorten these sequences, so the M4 counts are used as an
 * upper estimate (unconfirmed). ESP32-C3 counts take one cycle per instruction and two per taken
 * jump, call or return (unconfirmed: the ESP32-C3 TRM gives no per-instruction timing).
 *
 * Ticks: one tick interrupt per tick boundary the kernel's time crosses, including the ticks the
 * kernel jumps over while nothing can happen and ticks pended while the scheduler is suspended
 * (SysTick fires each period on the chip: configUSE_TICKLESS_IDLE = 0). They are counted from the
 * tasks' run intervals (the task running when a boundary passes pays for it), so the tick path
 * needs no hook.
 *
 * Simplifications. Upper bounds: PendSV (and the ESP32-C3's yield interrupt) is charged as a
 * full exception entry even when it tail-chains from an ISR or the tick; late arrival is not
 * modelled (handlers take no time here). Left out: a switch decision that keeps the running task
 * costs nothing — FreeRTOS's tick pends PendSV only when a switch is needed, but a taskYIELD that
 * finds no other ready task still runs PendSV on silicon. The first task's start (SVC, restore only) is
 * not charged. The board's own event line (board.events, src/hal/clock.ts) is not hardware and
 * is not counted. Flash wait states are reported, not charged: code is taken to run from the
 * instruction cache (a hit); see `flashWaitStates` and `flashNote`.
 * @module
 */
import type { Kernel, KernelTask } from "../kernel/index.js";
import { BOARD_EVENT_IRQ } from "./clock.js";
import { HalError } from "./errors.js";

/** One instruction (or step) of a port sequence and its cycles. */
export type CycleStep = readonly [instruction: string, cycles: number];

/** A board's cycle figures, each with its source in `sources`. All counts are CPU cycles. */
export interface CycleCosts {
  readonly board: string;
  readonly core: string;
  readonly cpuHz: number;
  /** The core has a single-precision FPU with lazy stacking (FPCCR.LSPEN). */
  readonly fpu: boolean;
  /** Exception (or trap) entry: hardware stacking, plus the software prologue on RISC-V. */
  readonly isrEntryCycles: number;
  /** Exception return: hardware unstacking, plus the software epilogue on RISC-V. */
  readonly isrExitCycles: number;
  /** One handler entered straight after another returns (replaces that exit and this entry). */
  readonly tailChainCycles: number;
  /** The context switch handler's save of the outgoing task (registers the hardware did not stack). */
  readonly contextSaveCycles: number;
  /** Selecting the next task (vTaskSwitchContext and its call). */
  readonly selectCycles: number;
  /** Restoring the incoming task. */
  readonly contextRestoreCycles: number;
  /** One context switch between two tasks that do not use the FPU: entry + save + select + restore + exit. */
  readonly switchCycles: number;
  /** Extra when the outgoing task uses the FPU (S16–S31 pushed, lazy S0–S15/FPSCR preserved). */
  readonly fpuSaveCycles: number;
  /** Extra when the incoming task uses the FPU (S16–S31 popped, extended frame unstacked). */
  readonly fpuRestoreCycles: number;
  /** The tick handler's body (xPortSysTickHandler with xTaskIncrementTick). */
  readonly tickHandlerCycles: number;
  /** One tick interrupt: entry + handler + exit. */
  readonly tickCycles: number;
  /** MPU/PMP reload: fixed part of a reload (MPU disable/enable and barriers). */
  readonly mpuReloadFixedCycles: number;
  /** MPU/PMP reload: regions the port writes in one group (Cortex-M: 4 RBAR/RASR pairs through the alias registers). */
  readonly mpuRegionsPerGroup: number;
  /** MPU/PMP reload: cycles per group of regions. */
  readonly mpuGroupCycles: number;
  /** Flash wait states of code fetched from flash at this clock, or null when unconfirmed. Reported, not charged. */
  readonly flashWaitStates: number | null;
  /** What a flash fetch costs and why the model does not charge it. */
  readonly flashNote: string;
  /** The instruction lists the figures were summed from. */
  readonly steps: Readonly<Record<string, readonly CycleStep[]>>;
  /** Where each figure comes from (figure name → source; "unconfirmed" where it could not be checked). */
  readonly sources: Readonly<Record<string, string>>;
}

const sum = (steps: readonly CycleStep[]): number => steps.reduce((n, [, c]) => n + c, 0);

// Cortex-M pipeline refill P (TRM Table 3-1: "1 to 3"); ISB's B equals P, DSB's B taken as 1.
const P = 2;

/** xPortPendSVHandler (portable/GCC/ARM_CM4F and ARM_CM7/r0p1 port.c), up to the vTaskSwitchContext call: the save. */
const CM_PENDSV_SAVE: readonly CycleStep[] = [
  ["mrs r0, psp", 1],
  ["isb", 1 + P],
  ["ldr r3, pxCurrentTCBConst", 2],
  ["ldr r2, [r3]", 2],
  ["tst r14, #0x10", 1],
  ["it eq", 1],
  ["vstmdbeq r0!, {s16-s31} (not executed: no FPU context)", 1],
  ["stmdb r0!, {r4-r11, r14}", 1 + 9],
  ["str r0, [r2]", 2],
  ["stmdb sp!, {r0, r3}", 1 + 2],
];
/** vTaskSwitchContext's body: an estimate (unconfirmed), see COSTS sources. */
const SWITCH_CONTEXT_BODY = 40;
/** The select part on the Cortex-M7 r0p1 port (ARM_CM7/r0p1): BASEPRI raised inside cpsid/cpsie (ARM erratum 837070 workaround). */
const CM7_PENDSV_SELECT: readonly CycleStep[] = [
  ["mov r0, #configMAX_SYSCALL_INTERRUPT_PRIORITY", 1],
  ["cpsid i", 1],
  ["msr basepri, r0", 1],
  ["dsb", 1 + 1],
  ["isb", 1 + P],
  ["cpsie i", 1],
  ["bl vTaskSwitchContext", 1 + P],
  ["vTaskSwitchContext body (estimate)", SWITCH_CONTEXT_BODY],
  ["mov r0, #0", 1],
  ["msr basepri, r0", 1],
  ["ldmia sp!, {r0, r3}", 1 + 2],
];
/** The same on the ARM_CM4F port: no cpsid/cpsie around the BASEPRI write. */
const CM4F_PENDSV_SELECT: readonly CycleStep[] = CM7_PENDSV_SELECT.filter(([instruction]) => !instruction.startsWith("cps"));
const CM_PENDSV_RESTORE: readonly CycleStep[] = [
  ["ldr r1, [r3]", 2],
  ["ldr r0, [r1]", 2],
  ["ldmia r0!, {r4-r11, r14}", 1 + 9],
  ["tst r14, #0x10", 1],
  ["it eq", 1],
  ["vldmiaeq r0!, {s16-s31} (not executed: no FPU context)", 1],
  ["msr psp, r0", 1],
  ["isb", 1 + P],
  ["bx r14 (exception return follows)", 1 + P],
];
const CM_FPU_SAVE: readonly CycleStep[] = [
  ["vstmdbeq r0!, {s16-s31} executed: 1+16 instead of 1", 16],
  ["lazy preservation of S0-S15 and FPSCR into the reserved frame (17 words), triggered by that first FP instruction", 17],
];
const CM_FPU_RESTORE: readonly CycleStep[] = [
  ["vldmiaeq r0!, {s16-s31} executed: 1+16 instead of 1", 16],
  ["exception return unstacks the extended frame (S0-S15, FPSCR: 17 words more)", 17],
];
/** xTaskIncrementTick's body when no task wakes: an estimate (unconfirmed). */
const INCREMENT_TICK_BODY = 50;
/** xPortSysTickHandler (ARM_CM4F / ARM_CM7 port.c). */
const CM_TICK: readonly CycleStep[] = [
  ["portDISABLE_INTERRUPTS: mov, msr basepri, isb, dsb", 1 + 1 + (1 + P) + (1 + 1)],
  ["bl xTaskIncrementTick", 1 + P],
  ["xTaskIncrementTick body (estimate)", INCREMENT_TICK_BODY],
  ["test the result, branch", 1 + 1],
  ["portENABLE_INTERRUPTS: mov, msr basepri", 2],
  ["bx lr", 1 + P],
];
/** FreeRTOS-MPU PendSV (portable/GCC/ARM_CM4_MPU port.c): the MPU reprogramming around the region writes. */
const CM_MPU_FIXED: readonly CycleStep[] = [
  ["dmb", 1 + 1],
  ["ldr r2, =MPU_CTRL", 2],
  ["ldr r3, [r2]", 2],
  ["bic r3, r3, #1", 1],
  ["str r3, [r2] (MPU off)", 2],
  ["ldr r2, =MPU_RBAR", 2],
  ["ldr r2, =MPU_CTRL", 2],
  ["ldr r3, [r2]", 2],
  ["orr r3, r3, #1", 1],
  ["str r3, [r2] (MPU on)", 2],
  ["dsb", 1 + 1],
  ["isb", 1 + P],
];
const CM_MPU_GROUP: readonly CycleStep[] = [
  ["ldmia r1!, {r4-r11} (4 RBAR/RASR pairs from the TCB)", 1 + 8],
  ["stmia r2, {r4-r11} (RBAR, RASR, RBAR_A1..A3, RASR_A1..A3)", 1 + 8],
];

// ESP32-C3 (RV32IMC): one cycle per instruction, two per taken jump/call/return (unconfirmed).
const J = 2;
/** ESP-IDF components/riscv/vectors.S _interrupt_handler, entry to the C dispatcher. */
const RV_ENTRY: readonly CycleStep[] = [
  ["trap to mtvec and jump to _interrupt_handler (unconfirmed)", 4 + J],
  ["save_general_regs: addi sp + 29 sw (ra, tp, t0-t6, s0-s11, a0-a7)", 30],
  ["save_xepc: csrr t0, mepc; sw", 2],
  ["sw gp; addi a0, sp; sw a0 (SP before the trap)", 3],
  ["call rtos_int_enter: scheduler-running test, nesting count +1, sp into pxCurrentTCBs, ISR stack (portasm.S, single core, no coprocessor, HW stack guard not counted)", J + 17 + J],
  ["mv s4, a0; csrr s1, mcause; csrr s2, mstatus", 3],
  ["raise INT_THRESH: li, lw, li, and, slli, li, add, lw, addi, sw, fence (li = 2)", 14],
  ["enable_intr: li, csrs mstatus", 2],
  ["mv a0; mv a1; li; and; jal _global_interrupt_handler", 4 + 1 + J],
  ["_global_interrupt_handler: look up and call the handler (estimate, unconfirmed)", 10],
];
const RV_EXIT: readonly CycleStep[] = [
  ["disable_intr: li, csrc mstatus", 2],
  ["restore INT_THRESH: li (2), sw, fence", 4],
  ["mv a0, s2; mv a1, s4", 2],
  ["call rtos_int_exit: nesting count -1, xPortSwitchFlag clear (branch taken), sp from pxCurrentTCBs (portasm.S)", J + 20 + J],
  ["csrw mcause; csrw mstatus", 2],
  ["restore_xepc: lw; csrw mepc", 2],
  ["restore_general_regs: 29 lw + addi sp", 30],
  ["mret (unconfirmed)", 3],
];
const RV_SELECT: readonly CycleStep[] = [
  ["portYIELD: raise the FROM_CPU software interrupt (li, sw; unconfirmed register)", 3],
  ["its handler clears the request (estimate)", 4],
  ["rtos_int_exit's switch path: branch not taken (-1), mv s10, ra; call vTaskSwitchContext; mv ra, s10; sw zero, xPortSwitchFlag", -1 + 1 + J + 1 + 1],
  ["vTaskSwitchContext body (estimate)", SWITCH_CONTEXT_BODY],
];
const RV_TICK: readonly CycleStep[] = [
  ["SYSTIMER alarm handler: clear the alarm (estimate)", 6],
  ["call xTaskIncrementTick", J],
  ["xTaskIncrementTick body (estimate)", INCREMENT_TICK_BODY],
  ["return", J],
];
/** A PMP reload as a RISC-V FreeRTOS-MPU port would do it: per 4 entries, 4 × (lw, csrw pmpaddrN) + (lw, csrw pmpcfgN). */
const RV_PMP_GROUP: readonly CycleStep[] = [
  ["4 × (lw; csrw pmpaddrN)", 8],
  ["lw; csrw pmpcfgN (4 entries)", 2],
];

const CM_SOURCES = {
  isrEntryCycles: "12: Cortex-M4 TRM (ARM DDI 0439B §3.9.1 Exception handling: at most 12 cycles from the interrupt to the first ISR instruction, zero wait states) and ARM Knowledge Article 103489845 (entry 12, +17 when an FP frame is stacked)",
  isrExitCycles: "10: ARM Knowledge Article 103489845 'What is the true interrupt latency of Cortex-M3 and Cortex-M4 for interrupt entry and exit?' (exit 10 cycles, +17 with an FP frame; it corrects the TRMs' 12)",
  tailChainCycles: "6: Cortex-M4 TRM (ARM DDI 0439B §3.9.1: tail chaining requires 6 cycles with zero-wait-state memory)",
  contextSaveCycles: "xPortPendSVHandler save instructions (FreeRTOS-Kernel portable/GCC/ARM_CM7/r0p1/port.c read this session; the ARM_CM4F handler is the same without the r0p1 cpsid/cpsie pair) × Cortex-M4 TRM Table 3-1 counts (rows recalled: unconfirmed)",
  selectCycles: `BASEPRI raise, bl vTaskSwitchContext and back (same port.c) + the body of vTaskSwitchContext with port-optimised (CLZ) selection estimated at ${SWITCH_CONTEXT_BODY} cycles from its C statements (unconfirmed, not measured)`,
  contextRestoreCycles: "xPortPendSVHandler restore instructions (same port.c) × Table 3-1 counts",
  fpuSaveCycles: "vstmdb s16-s31 executed (VSTM 1+N: 16 more) + lazy preservation of S0-S15/FPSCR that the handler's first FP instruction triggers, priced at the 17 cycles ARM Knowledge Article 103489845 gives for stacking an FP frame (mechanism: ARM AN298 'Cortex-M4(F) Lazy Stacking and Context Switching')",
  fpuRestoreCycles: "vldmia s16-s31 executed (VLDM 1+N: 16 more) + 17 for unstacking the FP frame at exception return (ARM Knowledge Article 103489845)",
  tickHandlerCycles: `xPortSysTickHandler (same port.c) with the body of xTaskIncrementTick estimated at ${INCREMENT_TICK_BODY} cycles when no task wakes (unconfirmed)`,
  mpuReload: "FreeRTOS-MPU PendSV (FreeRTOS-Kernel portable/GCC/ARM_CM4_MPU/port.c, read this session): MPU_CTRL off, 4 regions per ldmia/stmia of 8 words into RBAR/RASR and their alias registers, MPU_CTRL on, barriers",
} as const;

/** The Cortex-M7: ARM publishes entry latency only; the rest follows the M4 (unconfirmed). */
const CM7_SOURCES = {
  ...CM_SOURCES,
  core: "Cortex-M7: the M4 instruction counts are used as an upper estimate (ARM publishes no M7 cycle table; its dual issue can only shorten them: unconfirmed)",
  isrEntryCycles: "12: 'typically 12, worst case 14' for the Cortex-M7 in ARM's 'Cortex-M for Beginners' table (as quoted on the ARM community forum; the white paper itself not read: unconfirmed)",
  isrExitCycles: "10: the Cortex-M4 figure (ARM Knowledge Article 103489845); no M7 figure found (unconfirmed)",
  tailChainCycles: "6: the Cortex-M4 figure (DDI 0439B §3.9.1); no M7 figure found (unconfirmed)",
} as const;

const RV_SOURCES = {
  isrEntryCycles: "ESP-IDF components/riscv/vectors.S _interrupt_handler and FreeRTOS riscv portasm.S rtos_int_enter (both read this session): the software saves 29 GPRs + mepc, gp, sp, raises the interrupt threshold, re-enables interrupts, dispatches; 1 cycle/instruction, 2 per jump (unconfirmed); hardware trap latency and the C dispatcher's cost unconfirmed (the ESP32-C3 TRM gives no latency we could find)",
  isrExitCycles: "vectors.S + portasm.S rtos_int_exit: threshold restore, nesting count, 29 GPR loads, mret (same assumptions, unconfirmed)",
  tailChainCycles: "no hardware tail-chaining: ESP-IDF's handler serves one interrupt per trap and returns with mret, so a chained interrupt costs a full exit and entry (vectors.S)",
  contextSaveCycles: "0: the interrupt frame is the task context (vectors.S saves every GPR at each entry; rtos_int_enter stores sp in the TCB, counted in the entry)",
  selectCycles: `yield through the FROM_CPU software interrupt and vTaskSwitchContext from rtos_int_exit (ESP-IDF FreeRTOS riscv port); vTaskSwitchContext body estimated at ${SWITCH_CONTEXT_BODY} cycles (unconfirmed)`,
  contextRestoreCycles: "0: restored by the interrupt exit (counted there)",
  fpuSaveCycles: "0: RV32IMC, no FPU",
  fpuRestoreCycles: "0: RV32IMC, no FPU",
  tickHandlerCycles: `SYSTIMER tick handler + xTaskIncrementTick estimated at ${INCREMENT_TICK_BODY} cycles (unconfirmed)`,
  mpuReload: "PMP: ESP-IDF has no FreeRTOS-MPU port for RISC-V; counted as such a port would write pmpaddrN (one CSR write per entry, value loaded from the TCB) and pmpcfgN (one per 4 entries) — unconfirmed",
} as const;

function costs(
  board: string,
  core: string,
  cpuHz: number,
  fpu: boolean,
  entry: number,
  exit: number,
  tailChain: number,
  save: readonly CycleStep[],
  select: readonly CycleStep[],
  restore: readonly CycleStep[],
  fpuSave: readonly CycleStep[],
  fpuRestore: readonly CycleStep[],
  tick: readonly CycleStep[],
  mpuFixed: readonly CycleStep[],
  mpuGroup: readonly CycleStep[],
  flashWaitStates: number | null,
  flashNote: string,
  sources: Record<string, string>,
  steps: Record<string, readonly CycleStep[]>,
): CycleCosts {
  const contextSaveCycles = sum(save);
  const selectCycles = sum(select);
  const contextRestoreCycles = sum(restore);
  const tickHandlerCycles = sum(tick);
  return Object.freeze({
    board,
    core,
    cpuHz,
    fpu,
    isrEntryCycles: entry,
    isrExitCycles: exit,
    tailChainCycles: tailChain,
    contextSaveCycles,
    selectCycles,
    contextRestoreCycles,
    switchCycles: entry + contextSaveCycles + selectCycles + contextRestoreCycles + exit,
    fpuSaveCycles: sum(fpuSave),
    fpuRestoreCycles: sum(fpuRestore),
    tickHandlerCycles,
    tickCycles: entry + tickHandlerCycles + exit,
    mpuReloadFixedCycles: sum(mpuFixed),
    mpuRegionsPerGroup: 4,
    mpuGroupCycles: sum(mpuGroup),
    flashWaitStates,
    flashNote,
    steps: Object.freeze({ save, select, restore, fpuSave, fpuRestore, tick, mpuFixed, mpuGroup, ...steps }),
    sources: Object.freeze({ ...sources }),
  });
}

const rvEntry = sum(RV_ENTRY);
const rvExit = sum(RV_EXIT);

/** The cycle figures of every board, by catalogue name. */
export const CYCLE_COSTS: Readonly<Record<string, CycleCosts>> = Object.freeze({
  stm32h743: costs(
    "stm32h743",
    "Cortex-M7 (FPU, lazy stacking)",
    480_000_000,
    true,
    12,
    10,
    6,
    CM_PENDSV_SAVE,
    CM7_PENDSV_SELECT,
    CM_PENDSV_RESTORE,
    CM_FPU_SAVE,
    CM_FPU_RESTORE,
    CM_TICK,
    CM_MPU_FIXED,
    CM_MPU_GROUP,
    4,
    "RM0433 Table 17 (FLASH recommended number of wait states): 4 wait states at ACLK 240 MHz in VOS0 — the table itself not read this session; seen in an STM32CubeMX-generated SystemClock_Config for 480 MHz, VOS0, HCLK 240 MHz, which programs FLASH_LATENCY_4 (secondary source); the CPU at 480 MHz fetches through the 16 KB L1 I-cache, so a miss costs about (4+1) ACLK = 10 CPU cycles per 256-bit flash word (derived, unconfirmed). Not charged: code is modelled as cache hits.",
    { ...CM7_SOURCES },
    {},
  ),
  nrf52840: costs(
    "nrf52840",
    "Cortex-M4F (FPU, lazy stacking)",
    64_000_000,
    true,
    12,
    10,
    6,
    CM_PENDSV_SAVE,
    CM4F_PENDSV_SELECT,
    CM_PENDSV_RESTORE,
    CM_FPU_SAVE,
    CM_FPU_RESTORE,
    CM_TICK,
    CM_MPU_FIXED,
    CM_MPU_GROUP,
    null,
    "nRF52840 PS: code runs from flash through the NVMC instruction cache (ICACHECNF); the flash wait states at 64 MHz were not found this session (unconfirmed). Not charged: code is modelled as cache hits.",
    { ...CM_SOURCES },
    {},
  ),
  esp32c3: costs(
    "esp32c3",
    "RISC-V RV32IMC (no FPU, no hardware stacking)",
    160_000_000,
    false,
    rvEntry,
    rvExit,
    rvEntry + rvExit,
    [],
    RV_SELECT,
    [],
    [],
    [],
    RV_TICK,
    [],
    RV_PMP_GROUP,
    null,
    "ESP32-C3 TRM: code executes from external SPI flash through the 16 KB instruction cache; a hit costs nothing extra, a miss costs an SPI flash line fill whose cycle figure was not found this session (unconfirmed). Not charged: code is modelled as cache hits.",
    { ...RV_SOURCES },
    { entry: RV_ENTRY, exit: RV_EXIT },
  ),
});

/** One task's row in `cycles.perTask()`. */
export interface TaskCycles {
  readonly name: string;
  /** Virtual run time × cpuHz / configTICK_RATE_HZ + the overhead charged to the task. */
  readonly cycles: number;
  /** The overhead part: switches into it, interrupts and ticks that interrupted it, MPU reloads for it. */
  readonly overheadCycles: number;
}

/** Per-task overhead bookkeeping (kept off the Task object: the kernel's TCB stays its own). */
interface TaskAccount {
  overheadCycles: number;
  /** Tick interrupts that fell while the task ran, in closed run intervals. */
  ticks: number;
  usesFpu: boolean;
}

/**
 * The cycle model of one board (`board.cycles`): a kernel port that counts context switches,
 * interrupt entries and tail-chains, ticks and MPU reloads, and prices them with the board's
 * `CycleCosts`. Counters start at zero with each boot (a reset is a fresh kernel, as DWT->CYCCNT
 * restarts at reset).
 *
 * @example
 * ```ts
 * const board = createBoard("nrf52840", { firmware, runTimeCounter: "cycles" });
 * await board.run(100);
 * board.cycles.contextSwitches;       // switches that changed the task
 * board.cycles.switchAverageCycles;   // e.g. 129 on a Cortex-M4F without FPU tasks
 * board.cycles.perTask();             // [{ name, cycles, overheadCycles }, ...]
 * board.rtos.vTaskGetRunTimeStats();  // counters in cycles
 * ```
 */
export class CycleModel {
  /** The figures this model uses. */
  readonly costs: CycleCosts;
  /** Context switches that changed the running task. */
  contextSwitches = 0;
  /** Switch decisions that kept the running task (counted, not charged). */
  sameTaskDecisions = 0;
  /** Interrupt handler entries (tail-chained ones included; the board's event line excluded). */
  isrEntries = 0;
  /** Entries that tail-chained from the previous handler's return. */
  tailChains = 0;
  /** MPU/PMP regions reloaded (chargeMpuReloads). */
  mpuReloads = 0;
  /** Cycles charged for those reloads. */
  mpuReloadCyclesTotal = 0;
  /** Overhead cycles of switches, interrupts and MPU reloads (ticks are added in `overheadCycles`). */
  private chargedCycles = 0;
  /** Of chargedCycles, the switches' part (for the per-switch average). */
  private switchCyclesTotal = 0;
  private kernel: Kernel | null = null;
  private readonly accounts = new Map<KernelTask, TaskAccount>();
  /** Overhead with no task to charge (an interrupt before the first task ran); part of `total`, in no task's row. */
  unattributedCycles = 0;
  /** Tick interrupts counted in closed intervals of tasks no longer running. */
  private closedTicks = 0;
  /** Kernel time when the running task was switched in. */
  private runningSince = 0;
  /** The last real handler returned with nothing but the board's event line since. */
  private chainable = false;
  private readonly boardName: string;

  /** @internal (the board creates it) */
  constructor(boardName: string, costs: CycleCosts) {
    this.boardName = boardName;
    this.costs = costs;
  }

  /** Binds the model to a fresh kernel: counters to zero. @internal (the board calls it at each boot) */
  attach(kernel: Kernel): void {
    this.kernel = kernel;
    this.contextSwitches = 0;
    this.sameTaskDecisions = 0;
    this.isrEntries = 0;
    this.tailChains = 0;
    this.mpuReloads = 0;
    this.mpuReloadCyclesTotal = 0;
    this.chargedCycles = 0;
    this.switchCyclesTotal = 0;
    this.unattributedCycles = 0;
    this.closedTicks = 0;
    this.runningSince = kernel.now();
    this.chainable = false;
    this.accounts.clear();
  }

  /**
   * Marks a task as using the FPU (or not): its switches then save or restore the FPU's extended
   * context. Default: no task uses the FPU — with lazy stacking (FPCCR.LSPEN=1, the reset value) a
   * task that executes no FP instruction has no FP context and PendSV skips S16–S31, and
   * TypeScript code gives no way to see whether the modelled firmware would. A board without an
   * FPU (ESP32-C3) refuses `true`.
   */
  setUsesFpu(task: KernelTask, usesFpu: boolean): void {
    if (typeof usesFpu !== "boolean") throw new HalError(this.boardName, "cycles.setUsesFpu", `usesFpu must be a boolean, got ${typeof usesFpu}`);
    if (task === null || typeof task !== "object" || typeof (task as { name?: unknown }).name !== "string")
      throw new HalError(this.boardName, "cycles.setUsesFpu", "expects a task handle of this board's kernel");
    if (usesFpu && !this.costs.fpu) throw new HalError(this.boardName, `cycles.setUsesFpu("${task.name}")`, `the ${this.costs.core} has no FPU`);
    this.account(task).usesFpu = usesFpu;
  }

  /** Whether `task` is modelled as using the FPU. */
  usesFpu(task: KernelTask): boolean {
    return this.accounts.get(task)?.usesFpu ?? false;
  }

  /**
   * Charges an MPU/PMP reload of `regions` regions to the running task: the fixed part plus one
   * group cost per `mpuRegionsPerGroup` regions (the port writes them 4 at a time). Called by the
   * board's MPU model from its switch hook; 0 regions charges nothing.
   */
  chargeMpuReloads(regions: number): void {
    if (typeof regions !== "number" || !Number.isInteger(regions) || regions < 0)
      throw new HalError(this.boardName, "cycles.chargeMpuReloads", `regions must be a non-negative integer, got ${String(regions)}`);
    if (regions === 0) return;
    this.mpuReloads += regions;
    const cycles = mpuReloadCycles(this.costs, regions);
    this.mpuReloadCyclesTotal += cycles;
    this.charge(this.kernel?.current ?? null, cycles);
  }

  /** @internal KernelPort */
  taskSwitchedIn(previous: KernelTask | null, next: KernelTask): void {
    const now = this.kernel!.now();
    if (previous !== null) this.closeInterval(previous, now);
    this.runningSince = now;
    this.chainable = false;
    if (previous === next) this.sameTaskDecisions++;
    if (previous === null || previous === next) return;
    const c = this.costs;
    let cycles = c.switchCycles;
    if (c.fpu) {
      if (this.accounts.get(previous)?.usesFpu === true) cycles += c.fpuSaveCycles;
      if (this.accounts.get(next)?.usesFpu === true) cycles += c.fpuRestoreCycles;
    }
    this.contextSwitches++;
    this.switchCyclesTotal += cycles;
    this.charge(next, cycles);
  }

  /** @internal KernelPort */
  isrEntered(irq: number, _priority: number, _nested: boolean, tailChained: boolean): void {
    if (irq === BOARD_EVENT_IRQ) {
      if (!tailChained) this.chainable = false;
      return;
    }
    const chained = tailChained && this.chainable;
    this.chainable = false;
    this.isrEntries++;
    const c = this.costs;
    // The previous handler's exit was charged when it returned: a chained entry replaces it.
    let cycles = c.isrEntryCycles;
    if (chained) {
      this.tailChains++;
      cycles = c.tailChainCycles - c.isrExitCycles;
    }
    this.charge(this.kernel?.current ?? null, cycles);
  }

  /** @internal KernelPort */
  isrExited(irq: number, _priority: number): void {
    if (irq === BOARD_EVENT_IRQ) return;
    this.chainable = true;
    this.charge(this.kernel?.current ?? null, this.costs.isrExitCycles);
  }

  /** Tick interrupts since the boot (one per tick boundary the kernel crossed, pended or not). */
  get ticks(): number {
    let n = this.closedTicks;
    const k = this.kernel;
    if (k !== null && k.current !== null) n += Math.floor(k.now()) - Math.floor(this.runningSince);
    return n;
  }

  /** All overhead cycles: switches, interrupts (incl. tail-chains), ticks, MPU reloads. */
  get overheadCycles(): number {
    return this.chargedCycles + this.ticks * this.costs.tickCycles;
  }

  /** Simulated CPU cycles since the boot: virtual time × cpuHz plus the overhead. */
  get total(): number {
    const k = this.kernel;
    if (k === null) return 0;
    return Math.round(k.now() * this.cyclesPerTick(k)) + this.overheadCycles;
  }

  /** Modelled cycles per context switch so far (0 before the first). */
  get switchAverageCycles(): number {
    return this.contextSwitches === 0 ? 0 : this.switchCyclesTotal / this.contextSwitches;
  }

  /** Modelled cycles per context switch with the MPU/PMP reloads the switches needed (0 before the first). */
  get switchWithMpuAverageCycles(): number {
    return this.contextSwitches === 0 ? 0 : (this.switchCyclesTotal + this.mpuReloadCyclesTotal) / this.contextSwitches;
  }

  /** Cycles of each live task (idle included), in creation order. A deleted task's cycles stay in `total` only. */
  perTask(): TaskCycles[] {
    const k = this.kernel;
    if (k === null) return [];
    return k.systemState().map((s) => {
      const overhead = this.taskOverhead(s.handle);
      return { name: s.name, cycles: this.taskCycles(s.handle, k, overhead), overheadCycles: overhead };
    });
  }

  /** @internal RunTimeClock: the task's cycles (run-time stats counter). */
  taskCounter(task: KernelTask): number {
    const k = this.kernel;
    return k === null ? 0 : this.taskCycles(task, k, this.taskOverhead(task));
  }

  /** @internal RunTimeClock: total cycles. */
  totalCounter(): number {
    return this.total;
  }

  // ───────────────────────────── internals ─────────────────────────────

  private cyclesPerTick(k: Kernel): number {
    return this.costs.cpuHz / k.config.configTICK_RATE_HZ;
  }

  private taskCycles(task: KernelTask, k: Kernel, overhead: number): number {
    return Math.round(task.runTimeTicks * this.cyclesPerTick(k)) + overhead;
  }

  private taskOverhead(task: KernelTask): number {
    const a = this.accounts.get(task);
    let ticks = a?.ticks ?? 0;
    const k = this.kernel;
    if (k !== null && k.current === task) ticks += Math.floor(k.now()) - Math.floor(this.runningSince);
    return (a?.overheadCycles ?? 0) + ticks * this.costs.tickCycles;
  }

  /** The task ran from runningSince to now: the tick boundaries in (since, now] interrupted it. */
  private closeInterval(task: KernelTask, now: number): void {
    const crossed = Math.floor(now) - Math.floor(this.runningSince);
    if (crossed === 0) return;
    this.account(task).ticks += crossed;
    this.closedTicks += crossed;
  }

  private charge(task: KernelTask | null, cycles: number): void {
    this.chargedCycles += cycles;
    if (task === null) this.unattributedCycles += cycles;
    else this.account(task).overheadCycles += cycles;
  }

  private account(task: KernelTask): TaskAccount {
    let a = this.accounts.get(task);
    if (a === undefined) {
      a = { overheadCycles: 0, ticks: 0, usesFpu: false };
      this.accounts.set(task, a);
    }
    return a;
  }
}

/** Cycles of one MPU/PMP reload of `regions` regions on a board with `costs`. */
export function mpuReloadCycles(costs: CycleCosts, regions: number): number {
  if (regions <= 0) return 0;
  return costs.mpuReloadFixedCycles + Math.ceil(regions / costs.mpuRegionsPerGroup) * costs.mpuGroupCycles;
}
