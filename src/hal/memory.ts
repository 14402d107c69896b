/**
 * `board.memory`: firmware's loads and stores to the board's address map, checked as the core's
 * MPU (or PMP) would check them against the running context.
 *
 * - A restricted task (xTaskCreateRestricted) may touch its own stack (`stackAddress` ..
 *   `+ stackDepth * 4`, once the kernel has placed it) and its regions (`ro`: loads only). On
 *   Cortex-M the highest-numbered region holding the first byte decides (the stack is region 4,
 *   below the configurable ones); on the PMP the lowest-numbered entry (the stack first). The whole
 *   access must lie inside that one region: an access that straddles its end is a violation.
 * - Privileged tasks (xTaskCreate), ISRs, hooks, and host code outside any task see everything
 *   mapped.
 * - Mapped is SRAM (`board.ram.regions`); SRAM regions that follow each other in the address map
 *   read as one. Flash is not mapped here (firmware reads it with `board.flash.read`), nor are
 *   peripheral registers.
 *
 * A violation stops the task: the fault is recorded (`board.faults`, the board's `onFault` hook),
 * the task's code gets a TaskStoppedError, and the task is deleted as soon as its code gives
 * control back (a kernel call it makes meanwhile throws the same error: it never returns). An
 * unmapped address from a task is a BusFault handled the same way; from an ISR or host code it is
 * a HalError (there is no task to stop: on hardware a fault in a handler escalates to HardFault).
 * Loads and stores are little endian, as on all three cores.
 * @module
 */
import { TaskStoppedError, type Kernel, type KernelTask, type MemoryRegion } from "../kernel/index.js";
import { HalError } from "./errors.js";
import { hex, type BoardRam, type PlacedRegion } from "./ram.js";
import { RegionSet, type FaultKind, type MemoryFault } from "./mpu.js";

/** What board.memory needs of its board. @internal */
export interface MemoryHost {
  readonly boardName: string;
  readonly ram: BoardRam;
  readonly mpuKind: "MPU" | "PMP";
  /** Which boot (1 at power-on). */
  readonly generation: number;
  kernel(): Kernel;
  /** Records the fault and runs the board's fault hook. */
  fault(record: MemoryFault): void;
}

/** Bytes per stack word (StackType_t is 32-bit on the three cores). */
const STACK_WORD_BYTES = 4;

/** The checked address map of a board (`board.memory`). */
export class BoardMemory {
  private readonly data: DataView;
  private readonly bytes: Uint8Array;
  /** The SRAM region of the last access (accesses cluster). */
  private lastRegion: PlacedRegion | null = null;

  /** @internal */
  constructor(private readonly host: MemoryHost) {
    this.data = new DataView(host.ram.buffer);
    this.bytes = new Uint8Array(host.ram.buffer);
  }

  /** Loads one byte at `address`. */
  readU8(address: number): number {
    return this.data.getUint8(this.check(address, 1, false, "readU8"));
  }

  /** Loads a little-endian 16-bit value at `address` (no alignment required, as ARMv7-M and the C3 allow). */
  readU16(address: number): number {
    return this.data.getUint16(this.check(address, 2, false, "readU16"), true);
  }

  /** Loads a little-endian 32-bit value at `address`. */
  readU32(address: number): number {
    return this.data.getUint32(this.check(address, 4, false, "readU32"), true);
  }

  /** Stores one byte (0..0xff) at `address`. */
  writeU8(address: number, value: number): void {
    checkValue(this.host.boardName, "writeU8", value, 0xff);
    this.data.setUint8(this.check(address, 1, true, "writeU8"), value);
  }

  /** Stores a little-endian 16-bit value (0..0xffff) at `address`. */
  writeU16(address: number, value: number): void {
    checkValue(this.host.boardName, "writeU16", value, 0xffff);
    this.data.setUint16(this.check(address, 2, true, "writeU16"), value, true);
  }

  /** Stores a little-endian 32-bit value (0..0xffffffff) at `address`. */
  writeU32(address: number, value: number): void {
    checkValue(this.host.boardName, "writeU32", value, 0xffffffff);
    this.data.setUint32(this.check(address, 4, true, "writeU32"), value, true);
  }

  /** Copies `into.length` bytes from `address` into `into` (one access: all allowed or a fault). */
  read(address: number, into: Uint8Array): void {
    if (!(into instanceof Uint8Array)) throw new HalError(this.host.boardName, "memory", `read: into must be a Uint8Array, got ${into === null ? "null" : typeof into}`);
    const at = this.check(address, into.length, false, "read");
    into.set(this.bytes.subarray(at, at + into.length));
  }

  /** Copies `data` to `address` (one access: all allowed or a fault). */
  write(address: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new HalError(this.host.boardName, "memory", `write: data must be a Uint8Array, got ${data === null ? "null" : typeof data}`);
    const at = this.check(address, data.length, true, "write");
    this.bytes.set(data, at);
  }

  /**
   * The buffer offset of `sizeBytes` bytes at `address`, after the checks of the module comment;
   * a fault stops the running task (throws its TaskStoppedError).
   */
  private check(address: number, sizeBytes: number, write: boolean, call: string): number {
    const k = this.host.kernel();
    if (k.isStopping()) throw k.stopping!; // the task is already stopped: nothing more runs
    if (typeof address !== "number" || !Number.isInteger(address) || address < 0 || address > 0xffffffff)
      throw new HalError(this.host.boardName, "memory", `${call}: address must be an integer in 0..0xffffffff, got ${String(address)}`);
    const t = k.inTask() ? k.current : null;
    const at = this.offsetOf(address, sizeBytes);
    if (at < 0) {
      if (t === null)
        throw new HalError(this.host.boardName, "memory", `${call}: BusFault: ${plural(sizeBytes)} at ${hex(address)} are not all mapped (SRAM is ${this.host.ram.describe()})`);
      this.fault(k, t, address, sizeBytes, write, "BusFault", "not mapped");
    }
    if (t !== null && t.mpuRegions !== null) {
      const why = refusal(t, address, sizeBytes, write, this.host.mpuKind);
      if (why !== null) this.fault(k, t, address, sizeBytes, write, this.host.mpuKind === "MPU" ? "MemManage" : "PMP", why);
    }
    return at;
  }

  /** Offset in the RAM buffer, or -1 when some byte is not in SRAM (contiguous SRAM regions join). */
  private offsetOf(address: number, sizeBytes: number): number {
    const ram = this.host.ram;
    let r = this.lastRegion;
    if (r === null || address < r.base || address >= r.base + r.sizeBytes) {
      r = ram.regionAt(address);
      if (r === null) return -1;
      this.lastRegion = r;
    }
    const at = r.offset + (address - r.base);
    const end = address + sizeBytes;
    while (end > r.base + r.sizeBytes) {
      const next = ram.regionAt(r.base + r.sizeBytes);
      if (next === null || next.offset !== r.offset + r.sizeBytes) return -1;
      r = next;
    }
    return at;
  }

  /** Records the fault, runs the hook, stops the running task: never returns. */
  private fault(k: Kernel, t: KernelTask, address: number, sizeBytes: number, write: boolean, kind: FaultKind, why: string): never {
    const record: MemoryFault = Object.freeze({
      taskName: t.name,
      address,
      access: write ? "write" : "read",
      sizeBytes,
      tick: k.getTickCount(),
      boot: this.host.generation,
      kind,
      regions: Object.freeze(regionsInForce(t)),
    });
    try {
      this.host.fault(record);
    } catch (error) {
      k.recordFault(error); // the hook's own failure ends the run; the task is stopped all the same
    }
    const message = `task "${t.name}" stopped by a ${kind} fault: ${write ? "writing" : "reading"} ${plural(sizeBytes)} at ${hex(address)} (${why})`;
    throw k.stopRunningTask(new TaskStoppedError(message));
  }
}

/** The task's stack as a region (null until placed). */
function stackRegion(t: KernelTask): MemoryRegion | null {
  return t.stackAddress === 0 ? null : { address: t.stackAddress, lengthBytes: t.stackDepth * STACK_WORD_BYTES, access: "rw" };
}

/** What the fault record lists: the stack (when placed), then the task's regions; [] for a privileged task. */
function regionsInForce(t: KernelTask): MemoryRegion[] {
  const set = t.mpuRegions;
  if (!(set instanceof RegionSet)) return [];
  const stack = stackRegion(t);
  return stack === null ? [...set.regions] : [Object.freeze(stack), ...set.regions];
}

/** Why the restricted task `t` may not make this access, or null when it may. No allocation on the allowed path. */
function refusal(t: KernelTask, address: number, sizeBytes: number, write: boolean, kind: "MPU" | "PMP"): string | null {
  const set = t.mpuRegions;
  if (!(set instanceof RegionSet)) return null;
  const regions = set.regions;
  const stackStart = t.stackAddress;
  const stackEnd = stackStart === 0 ? 0 : stackStart + t.stackDepth * STACK_WORD_BYTES;
  // Cortex-M: the highest-numbered region decides (configurable regions above the stack's);
  // PMP: the lowest-numbered entry (the stack's first).
  const n = regions.length;
  for (let step = 0; step <= n; step++) {
    const i = kind === "MPU" ? n - 1 - step : step - 1; // -1: the stack
    let start: number;
    let end: number;
    let readOnly = false;
    if (i < 0) {
      start = stackStart;
      end = stackEnd;
    } else {
      const r = regions[i]!;
      start = r.address;
      end = start + r.lengthBytes;
      readOnly = r.access === "ro";
    }
    if (address < start || address >= end) continue;
    if (address + sizeBytes <= end && !(write && readOnly)) return null;
    const name = `${i < 0 ? "its stack" : `regions[${i}]`} (${hex(start)}..${hex(end - 1)})`;
    return address + sizeBytes > end ? `straddles the end of ${name}` : `${name} is read-only`;
  }
  return "outside its stack and regions";
}

function checkValue(board: string, call: string, value: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max)
    throw new HalError(board, "memory", `${call}: value must be an integer in 0..0x${max.toString(16)}, got ${String(value)}`);
}

function plural(sizeBytes: number): string {
  return sizeBytes === 1 ? "1 byte" : `${sizeBytes} bytes`;
}
