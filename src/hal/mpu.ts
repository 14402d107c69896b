/**
 * Memory protection of a board: the region rules of its MPU (Cortex-M, PMSAv7) or PMP (RISC-V),
 * the regions each restricted task carries, and the region slots they are loaded into at each
 * context switch.
 *
 * Cortex-M (stm32h743: 16 regions, nrf52840: 8). ARMv7-M ARM B3.5 (PMSAv7); the Cortex-M4 and M7
 * Devices Generic User Guides (DUI0553A §4.5.5, DUI0646C §4.6.5 "MPU Region Attribute and Size
 * Register"): a region is 2^(SIZE+1) bytes, the smallest 32 bytes (SIZE 4), so a power of two
 * >= 32; its base is aligned to its size (§4.5.4 / §4.6.4 MPU_RBAR); regions may overlap and the
 * highest-numbered one decides (§4.5 "Optional Memory Protection Unit"). Which regions a task gets follows FreeRTOS-MPU (portable/GCC/ARM_CM4_MPU
 * portmacro.h): 0 unprivileged flash, 1 privileged flash, 2 privileged RAM, 3 peripherals (the
 * kernel's), 4 the task's stack (portSTACK_REGION), 5.. the configurable ones
 * (portNUM_CONFIGURABLE_REGIONS = configTOTAL_MPU_REGIONS - 5: 3 with 8 regions, 11 with 16).
 * The region counts are the catalogue's (src/hal/boards: PM0253 §4.6 for the STM32H7's 16, the
 * Cortex-M4 Devices Generic User Guide §4.5 for the nRF52840's 8, the ESP32-C3 TRM for its 16
 * PMP entries).
 *
 * RISC-V PMP (esp32c3: 16 entries). Privileged spec §3.7 (Physical Memory Protection): a NAPOT
 * entry covers a power of two >= 8 bytes aligned to its size; a TOR entry covers [pmpaddr(i-1),
 * pmpaddr(i)), so a TOR region takes two entries unless the previous entry already ends at its
 * base; the lowest-numbered matching entry decides. The C3's PMP granularity is 4 bytes and it
 * does not support overlapping regions (ESP32-C3 TRM "Permission Control" / PMP; ESP-IDF
 * components/esp_hw_support/port/esp32c3/cpu_region_protect.c, esp_cpu_configure_region_protection,
 * note 1) — the model refuses overlapping regions. ESP-IDF's startup configures all 16 entries
 * as locked TOR entries covering the whole address space (same function: every entry has PMP_L),
 * which leaves none for per-task isolation. The model instead assumes a startup that leaves the
 * PMP unlocked (the kernel runs in M-mode, which unlocked entries do not restrict) and reserves
 * 2 entries for what every unprivileged task needs (its code in flash IROM, RX; constants in
 * DROM, R): 14 for the stack and the task's regions. That reservation is this model's design,
 * as there is no FreeRTOS-MPU port for RISC-V to follow (unconfirmed against any shipping port).
 *
 * Slots and reloads: the regions a task carries (its stack region first, then its regions) get
 * consecutive global numbers when it is first switched in; region number i lives in slot
 * i % slotCount, and a switch reloads only the slots that do not already hold the incoming
 * task's regions (the seed's "MPU regions reused 8 at a time"). FreeRTOS-MPU itself rewrites
 * every task region in PendSV at each switch (port.c xPortPendSVHandler, unconfirmed detail);
 * `RegionSlots` counts what the seed's reuse costs. Which accesses are allowed does not depend on
 * the slots: board.memory checks the running task's own regions.
 * @module
 */
import type { KernelTask, MemoryRegion } from "../kernel/index.js";
import { HalError } from "./errors.js";
import { hex } from "./ram.js";

export type { MemoryRegion };

/** Which kind of fault a board.memory access raised. */
export type FaultKind = "MemManage" | "PMP" | "BusFault";

/**
 * One fault, as `board.faults` records it: a restricted task touched memory outside its regions
 * and stack ("MemManage" on Cortex-M, "PMP" on the C3: a load/store access fault), or any task
 * touched an address outside the board's memory map ("BusFault"; on the C3 that too is a
 * load/store access fault, named BusFault here on every board). The task was stopped.
 */
export interface MemoryFault {
  /** The task that faulted. */
  readonly taskName: string;
  /** The first address of the access. */
  readonly address: number;
  readonly access: "read" | "write";
  /** Bytes the access would have touched (1, 2, 4, or a bulk length). */
  readonly sizeBytes: number;
  /** The kernel's tick count (xTaskGetTickCount) at the fault. */
  readonly tick: number;
  /** Which boot of the board (1 at power-on, one more at each reset): faults are kept across resets. */
  readonly boot: number;
  readonly kind: FaultKind;
  /** The regions in force: the task's stack (when placed) then its regions; [] for a privileged task. */
  readonly regions: readonly MemoryRegion[];
}

/** The protection rules of one board. */
export interface MpuRules {
  readonly kind: "MPU" | "PMP";
  /** MPU regions or PMP entries of the core. */
  readonly totalRegions: number;
  /** Regions (entries) the kernel keeps for itself. */
  readonly reservedRegions: number;
  /** Regions (entries) left for a task: its stack region and its configurable regions. */
  readonly taskRegions: number;
}

/** FreeRTOS-MPU's portFIRST_CONFIGURABLE_REGION - 1: regions 0..3 are the kernel's (portmacro.h). */
const CORTEX_M_RESERVED = 4;
/** The model's PMP reservation (task code and constants), see the module comment. */
const PMP_RESERVED = 2;

/**
 * The rules of a board's core. `taskRegions` overrides how many regions (entries) tasks get — the
 * rest are the kernel's — for a layout other than FreeRTOS-MPU's (the board option `mpuSlots`).
 * @internal
 */
export function mpuRules(kind: "MPU" | "PMP", totalRegions: number, taskRegions?: number): MpuRules {
  const reservedRegions = taskRegions === undefined ? (kind === "MPU" ? CORTEX_M_RESERVED : PMP_RESERVED) : totalRegions - taskRegions;
  return Object.freeze({ kind, totalRegions, reservedRegions, taskRegions: totalRegions - reservedRegions });
}

/**
 * What a restricted task carries in `t.mpuRegions` on a board: its checked regions and the first
 * of its global region numbers (assigned at its first switch-in; -1 before).
 */
export class RegionSet {
  /** Global number of the stack region; the task's regions follow. -1 until first switched in. */
  firstId = -1;
  constructor(
    /** The task's regions, as checked (frozen). */
    readonly regions: readonly MemoryRegion[],
  ) {}
  /** Slots the task needs: its stack region plus its regions. */
  get slotCount(): number {
    return this.regions.length + 1;
  }
}

const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** Describes region `i` for messages: `regions[1] (0x20000010, 48 bytes)`. */
function describe(i: number, r: MemoryRegion): string {
  return `regions[${i}] (${hex(r.address)}, ${r.lengthBytes} bytes)`;
}

/**
 * Checks a restricted task's regions against the board's rules; returns the RegionSet the task
 * carries, or throws a HalError naming the task, the region and the rule (nothing is created).
 * Cortex-M: each region a power of two >= 32 bytes aligned to its size; at most `taskRegions - 1`
 * regions (one slot is the stack's). PMP: each region NAPOT (a power of two >= 8 aligned to it) or
 * TOR (address and length multiples of 4); no two regions overlap; the entries needed (the stack
 * counted as a TOR pair, as the kernel places it; NAPOT 1; TOR 2, or 1 when the previous region
 * ends at its base) at most `taskRegions`.
 */
export function checkRegions(board: string, rules: MpuRules, taskName: string, regions: readonly MemoryRegion[]): RegionSet {
  const where = `xTaskCreateRestricted("${taskName}")`;
  if (rules.kind === "MPU") {
    for (let i = 0; i < regions.length; i++) {
      const r = regions[i]!;
      if (!isPowerOfTwo(r.lengthBytes) || r.lengthBytes < 32)
        throw new HalError(board, where, `${describe(i, r)}: an MPU region's size must be a power of two >= 32 bytes (MPU_RASR.SIZE: 2^(SIZE+1) bytes, SIZE >= 4)`);
      if (r.address % r.lengthBytes !== 0)
        throw new HalError(board, where, `${describe(i, r)}: an MPU region's base must be aligned to its size (${hex(r.address)} is not a multiple of ${r.lengthBytes}; MPU_RBAR.ADDR)`);
    }
    const max = rules.taskRegions - 1;
    if (regions.length > max)
      throw new HalError(
        board,
        where,
        `task "${taskName}" has ${regions.length} regions but a task may have ${max} on this ${rules.totalRegions}-region MPU (${rules.reservedRegions === CORTEX_M_RESERVED ? "FreeRTOS-MPU: " : `mpuSlots ${rules.taskRegions}: `}${rules.reservedRegions === 0 ? "" : `regions 0-${rules.reservedRegions - 1} are the kernel's, `}${rules.reservedRegions} the task's stack, ${rules.reservedRegions + 1}-${rules.totalRegions - 1} configurable)`,
      );
    return new RegionSet(regions);
  }
  let entries = 2; // the stack: a TOR pair (where the kernel places it is not known yet)
  let previousEnd = -1;
  for (let i = 0; i < regions.length; i++) {
    const r = regions[i]!;
    const napot = isPowerOfTwo(r.lengthBytes) && r.lengthBytes >= 8 && r.address % r.lengthBytes === 0;
    if (!napot && (r.address % 4 !== 0 || r.lengthBytes % 4 !== 0))
      throw new HalError(
        board,
        where,
        `${describe(i, r)}: a PMP region must be NAPOT (a power of two >= 8 bytes aligned to its size) or TOR (address and length multiples of 4 bytes, the PMP's granularity; RISC-V privileged spec §3.7)`,
      );
    entries += napot ? 1 : r.address === previousEnd ? 1 : 2;
    previousEnd = r.address + r.lengthBytes;
  }
  for (let i = 0; i < regions.length; i++)
    for (let j = 0; j < i; j++) {
      const a = regions[j]!;
      const b = regions[i]!;
      if (b.address < a.address + a.lengthBytes && a.address < b.address + b.lengthBytes)
        throw new HalError(board, where, `${describe(i, b)} overlaps ${describe(j, a)}: the ESP32-C3's PMP does not support overlapping regions`);
    }
  if (entries > rules.taskRegions)
    throw new HalError(
      board,
      where,
      `task "${taskName}" needs ${entries} PMP entries (its stack 2, then 1 per NAPOT region, 2 per TOR region or 1 when it starts where the previous one ends) but a task may have ${rules.taskRegions} of the ${rules.totalRegions} (${rules.reservedRegions} are kept for the task's code and constants)`,
    );
  return new RegionSet(regions);
}

/**
 * The region slots of an MPU (or PMP) and what loading regions into them costs: region number
 * `i` lives in slot `i % slotCount`; loading a region costs one reload unless its slot already
 * holds it. For the board's switch hook and for experiments with other slot counts.
 * @example
 * const slots = new RegionSlots(8);
 * slots.load(0, 1); // 1 (slot 0 was empty)
 * slots.load(0, 1); // 0 (already there)
 * slots.load(8, 1); // 1 (slot 0 again)
 */
export class RegionSlots {
  /** Reloads since creation (or the last clear). */
  reloads = 0;
  private readonly held: Int32Array;

  constructor(readonly slotCount: number) {
    if (!Number.isInteger(slotCount) || slotCount < 1) throw new RangeError(`RegionSlots: slotCount must be a positive integer, got ${String(slotCount)}`);
    this.held = new Int32Array(slotCount).fill(-1);
  }

  /** Loads regions `firstId .. firstId + count - 1`; returns the slots that had to be reloaded. */
  load(firstId: number, count: number): number {
    const held = this.held;
    const n = this.slotCount;
    let reloaded = 0;
    for (let id = firstId, end = firstId + count; id < end; id++) {
      const slot = id % n;
      if (held[slot] !== id) {
        held[slot] = id;
        reloaded++;
      }
    }
    this.reloads += reloaded;
    return reloaded;
  }

  /** Empties every slot (a reset) and zeroes the count. */
  clear(): void {
    this.held.fill(-1);
    this.reloads = 0;
  }
}

/**
 * A board's memory protection: its rules, the region check xTaskCreateRestricted runs through the
 * kernel port, and the slot loading at each switch to a restricted task (`board.mpu`).
 */
export class Mpu {
  readonly rules: MpuRules;
  /** The slots the tasks' regions are loaded into: the regions left for tasks (rules.taskRegions). */
  readonly slots: RegionSlots;
  private nextId = 0;

  /** @internal */
  constructor(
    private readonly board: string,
    kind: "MPU" | "PMP",
    totalRegions: number,
    taskRegions?: number,
  ) {
    this.rules = mpuRules(kind, totalRegions, taskRegions);
    this.slots = new RegionSlots(this.rules.taskRegions);
  }

  /** Region reloads since the board's last boot (seed's i % slots reuse). */
  get reloads(): number {
    return this.slots.reloads;
  }

  /** The port's checkRegions: the board's rules for xTaskCreateRestricted. @internal */
  checkRegions(taskName: string, regions: readonly MemoryRegion[]): RegionSet {
    return checkRegions(this.board, this.rules, taskName, regions);
  }

  /**
   * The switch hook (the kernel port's taskSwitchedIn): loads `next`'s stack and regions when it
   * is a restricted task; returns the regions reloaded by this switch (0 for a privileged task,
   * which runs with the kernel's privileged map).
   */
  taskSwitchedIn(_previous: KernelTask | null, next: KernelTask): number {
    const set = next.mpuRegions;
    if (set === null || !(set instanceof RegionSet)) return 0;
    if (set.firstId < 0) {
      set.firstId = this.nextId;
      this.nextId += set.slotCount;
    }
    return this.slots.load(set.firstId, set.slotCount);
  }

  /** Back to reset state (a board reset or power cycle): slots empty, numbering from 0. @internal */
  reset(): void {
    this.slots.clear();
    this.nextId = 0;
  }
}
