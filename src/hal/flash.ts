/**
 * The board's NOR flash (`board.flash`): the on-chip flash of the STM32H743 and the nRF52840,
 * the SPI NOR in the ESP32-C3FN4's package. Offsets are flash offsets from 0 (the CPU sees the
 * flash at `spec.flash.base`).
 *
 * NOR semantics: an erase sets whole erase units to 0xFF; a program only clears bits (the result
 * is old AND new), in whole write units; each board's rule for programming a write unit that is
 * not erased (`FlashSpec.writesPerErase`): the H743's 256-bit flash word carries ECC and takes one
 * program between erases, the nRF52840's NVMC allows nWRITE = 2 writes per 32-bit word between
 * page erases, SPI NOR allows any number (AND). Breaking the rule, a misaligned or out-of-range
 * operation: a HalError naming the board, the flash, the offset/length and the unit, with nothing
 * changed.
 *
 * Timing: `erase` and `program` are blocking driver calls written on the kernel's public API, as
 * a BSP would write them: the call starts the operation on the flash controller and the calling
 * task waits on its task notification (index configTASK_NOTIFICATION_ARRAY_ENTRIES - 1: 0 by
 * default, as FreeRTOS's stream buffers use it) until the flash-done interrupt gives it. The
 * operation ends at its datasheet time in virtual time (the typical figure, or the maximum where
 * the document gives only that): one erase unit per `eraseUs`, one write unit (the H743's flash
 * word, the nRF52840's word) or one page-program command (SPI NOR, at most 256 bytes within a
 * page) per `programUs`; then the new contents appear, and the flash interrupt wakes the caller.
 * One controller: an operation started while another runs begins when it ends. Reads during an
 * operation see the old contents (the H743's read stall and the nRF52840's CPU halt are not
 * modelled). The calls are lane-neutral: they return the notification take's `KernelCall`.
 *
 * Power cuts (`board.cutPower`, src/hal/power.ts): every erase/program call that passes its
 * checks is one operation, counted by `ops` when the firmware starts it (also the one a cut
 * falls on). With `atFlashOp`, the cut happens as that operation starts: without `tear` it never
 * reaches the flash (nothing changed, not even its erase/write bookkeeping); with `tear` it is
 * left partly done, by an amount drawn from the board's power PRNG: a program leaves a prefix of
 * its bytes programmed (1 to length − 1 bytes; none for a one-byte program), an erase leaves the
 * units before a drawn unit erased, that unit with a prefix of 1 to eraseBytes − 1 bytes at 0xFF
 * and the rest old, and the units after it old. An operation in progress when the power fails
 * (at a tick, or as another task starts a later operation while it runs) is torn the same way at
 * the fraction of its time that had passed; operations queued behind it never happen (their
 * bookkeeping is undone). Erase counts count
 * every unit an erase started on; write units wholly inside a torn erase's 0xFF prefix count as
 * erased, the rest of the torn unit keeps its write counts (programming it again may be refused:
 * erase it first, as firmware must after a torn erase).
 *
 * An erase or program requested after the board began to go down (a firmware reset request, a
 * power cut) is ignored: the caller waits on its kernel, which is discarded; the flash, `ops`
 * and the bookkeeping are unchanged.
 * @module
 */
import { driverNotifyIndex, voidCall } from "./driver.js";
import { HalError } from "./errors.js";
import { hex } from "./ram.js";
import type { FlashSpec } from "./catalogue.js";
import type { PinHost } from "./gpio.js";
import { KernelAssertError, type Kernel, type KernelCall, type Prng } from "../kernel/index.js";
import { pdTRUE, type FreeRTOS, type TaskHandle } from "../freertos/index.js";

/** What the flash needs from its board. @internal */
export interface FlashHost extends PinHost {
  /** Applies `change` at board time `atTick` (now or later) through the board's event queue. */
  at(atTick: number | undefined, call: string, where: string, change: (at: number) => void): void;
  /**
   * Whether a pending power cut falls on operation `index` as it starts: null when not, else its
   * `tear` flag (the cut is then consumed).
   */
  cutAtOp(index: number): boolean | null;
  /** The power fails now (from the operation's task): the board goes down. */
  powerFail(): void;
  /** The board's power PRNG (separate from the kernel's), for how much of a torn operation is done. */
  powerPrng(): Prng;
}

/** One erase or program operation, from its start to its end. */
export interface FlashOp {
  /** Its number: the value of `flash.ops` before it started (0 for the board's first). */
  readonly index: number;
  readonly kind: "erase" | "program";
  /** Flash offset and length in bytes. */
  readonly offset: number;
  readonly lengthBytes: number;
  /** Board times (ticks) of its start and end. */
  readonly startTick: number;
  readonly endTick: number;
}

interface PendingOp extends FlashOp {
  parts: Prepared;
  task: TaskHandle;
  generation: number;
  done: boolean;
  /** The power failed before its end: its end does nothing. */
  cancelled: boolean;
}

/** A checked operation: its time in units, its booking at the start, its result at the end. */
interface Prepared {
  /** Erase units, write units, or page-program commands. */
  steps: number;
  /** Books it at its start (erase counts, write counts). */
  commit(): void;
  /** Undoes commit (an operation the power cut before it began). */
  uncommit(): void;
  /** Puts the full result into the flash array. */
  apply(): void;
  /** Books and applies what a power cut after `bytes` bytes of the operation leaves (a prefix). */
  tear(bytes: number): void;
  /** How many bytes a torn operation got done, drawn from `prng` (see the module comment). */
  tornBytes(prng: Prng): number;
}

/** Vendor flash interrupt per board, where the chip has one. */
const FLASH_IRQ: Readonly<Record<string, { irq: number; name: string }>> = {
  // stm32h743xx.h IRQn_Type: FLASH_IRQn = 4 ("FLASH global Interrupt"; EOP end of operation,
  // RM0433 §4 "Embedded flash memory (FLASH)", FLASH_CR EOPIE).
  stm32h743: { irq: 4, name: "FLASH" },
  // esp-idf components/soc/esp32c3/include/soc/interrupts.h: ETS_SPI1_INTR_SOURCE = 18 (the one
  // before ETS_SPI2_INTR_SOURCE = 19; "SPI1 is for flash read/write"): the SPI1 (MSPI) operation
  // done interrupt.
  esp32c3: { irq: 18, name: "SPI1" },
};
/**
 * The nRF52840's NVMC has no interrupt (PS §4.3: READY is polled, the CPU halts while it runs
 * from flash); the driver's completion is modelled as a board-internal line above every vendor
 * number, next to the board event line (0x10000).
 */
export const FLASH_DONE_INTERNAL_IRQ = 0x1_0001;

/** The board's NOR flash. See the module comment. */
export class Flash {
  readonly sizeBytes: number;
  /** Erase unit (sector / page) in bytes. */
  readonly eraseBytes: number;
  /** Write unit in bytes (H743 32, nRF52840 4, ESP32-C3 1). */
  readonly writeBytes: number;
  private _ops = 0;
  private mem: Uint8Array | null = null;
  private writes: Uint8Array | null = null;
  private readonly erases: Uint32Array;
  /** Board time at which the controller is free. */
  private busyUntil = 0;
  private queue: PendingOp[] = [];
  private isrKernel: Kernel | null = null;
  private readonly irq: { irq: number; name: string };
  private readonly eraseUsPerUnit: number | null;
  private readonly programUsPerUnit: number | null;

  /** @internal */
  constructor(
    private readonly board: string,
    /** @internal */ readonly spec: FlashSpec,
    private readonly host: FlashHost,
    private readonly rtos: () => FreeRTOS,
  ) {
    this.sizeBytes = spec.sizeBytes;
    this.eraseBytes = spec.eraseBytes;
    this.writeBytes = spec.writeBytes;
    this.erases = new Uint32Array(spec.sizeBytes / spec.eraseBytes);
    this.irq = FLASH_IRQ[board] ?? { irq: FLASH_DONE_INTERNAL_IRQ, name: "flash.done" };
    const us = (t: { typ: number | null; max: number | null }) => t.typ ?? t.max;
    const e = us(spec.eraseUs);
    const p = us(spec.programUs);
    this.eraseUsPerUnit = e;
    this.programUsPerUnit = p;
  }

  /** Erase/program operations started since the board was created (resets do not clear it). */
  get ops(): number {
    return this._ops;
  }

  /** How many times erase unit `unitIndex` has been erased since the board was created. */
  eraseCount(unitIndex: number): number {
    if (typeof unitIndex !== "number" || !Number.isInteger(unitIndex) || unitIndex < 0 || unitIndex >= this.erases.length)
      throw this.error(`eraseCount: unit index must be an integer in 0..${this.erases.length - 1} (${this.erases.length} units of ${this.eraseBytes} bytes), got ${String(unitIndex)}`);
    return this.erases[unitIndex]!;
  }

  /** Copies `into.length` bytes from flash offset `offset` into `into`. Synchronous; ISR-safe. */
  read(offset: number, into: Uint8Array): void {
    if (!(into instanceof Uint8Array)) throw this.error(`read: into must be a Uint8Array, got ${describe(into)}`);
    this.checkRange("read", offset, into.length);
    into.set(this.bytes().subarray(offset, offset + into.length));
  }

  /**
   * Erases the erase units covering [offset, offset + lengthBytes): both must be multiples of
   * `eraseBytes`. Blocks the calling task for the erase time of each unit; from an ISR:
   * KernelAssertError.
   */
  erase(offset: number, lengthBytes: number): KernelCall<void> {
    const where = `erase(${fmt(offset)}, ${String(lengthBytes)})`;
    this.notFromIsr(where);
    const op = this.prepareErase(where, offset, lengthBytes);
    const us = this.timing(where, "erase", this.eraseUsPerUnit);
    const task = this.caller(where);
    return voidCall(this.startOp("erase", offset, lengthBytes, this.ticks(op.steps * us), task, op));
  }

  /**
   * Programs `data` at `offset` (both in whole write units): every bit becomes old AND new. A
   * write unit already programmed as often as the board allows since its erase: HalError, nothing
   * changed. Blocks the calling task for the program time; from an ISR: KernelAssertError.
   */
  program(offset: number, data: Uint8Array): KernelCall<void> {
    const where = `program(${fmt(offset)}, ${data instanceof Uint8Array ? `${data.length} bytes` : describe(data)})`;
    this.notFromIsr(where);
    const op = this.prepareProgram(where, offset, data);
    const us = this.timing(where, "program", this.programUsPerUnit);
    const task = this.caller(where);
    return voidCall(this.startOp("program", offset, data.length, this.ticks(op.steps * us), task, op));
  }

  /**
   * The semantics of erase without time, task or operation count: checks, books and applies at
   * once (for test benches and the model checks of boards whose timing is not yet confirmed).
   * @internal
   */
  eraseNow(offset: number, lengthBytes: number): void {
    const op = this.prepareErase(`eraseNow(${fmt(offset)}, ${String(lengthBytes)})`, offset, lengthBytes);
    op.commit();
    op.apply();
  }

  /** The semantics of program without time, task or operation count (see eraseNow). @internal */
  programNow(offset: number, data: Uint8Array): void {
    const op = this.prepareProgram(`programNow(${fmt(offset)}, ${data instanceof Uint8Array ? `${data.length} bytes` : describe(data)})`, offset, data);
    op.commit();
    op.apply();
  }

  // ───────────────────────────── operations ─────────────────────────────

  private prepareErase(where: string, offset: number, lengthBytes: number): Prepared {
    this.checkRange(where, offset, lengthBytes);
    const unit = this.eraseBytes;
    const unitName = this.board === "nrf52840" ? "page" : "sector";
    if (lengthBytes === 0) throw this.error(`${where}: length is 0; erase takes whole ${unit}-byte ${unitName}s`);
    if (offset % unit !== 0) throw this.error(`${where}: offset is not at the start of a ${unit}-byte ${unitName} (${unitName}s start at multiples of ${hex(unit)})`);
    if (lengthBytes % unit !== 0) throw this.error(`${where}: length is not a whole number of ${unit}-byte ${unitName}s`);
    const first = offset / unit;
    const n = lengthBytes / unit;
    const w = this.writeBytes;
    const flash = this;
    let savedWrites: Uint8Array | null = null;
    return {
      steps: n,
      commit() {
        for (let u = first; u < first + n; u++) flash.erases[u]!++;
        if (flash.writes !== null) {
          savedWrites = flash.writes.slice(offset / w, (offset + lengthBytes) / w);
          flash.writes.fill(0, offset / w, (offset + lengthBytes) / w);
        }
      },
      uncommit() {
        for (let u = first; u < first + n; u++) flash.erases[u]!--;
        if (flash.writes !== null && savedWrites !== null) flash.writes.set(savedWrites, offset / w);
      },
      apply() {
        flash.bytes().fill(0xff, offset, offset + lengthBytes);
      },
      tear(bytes) {
        if (bytes <= 0) return;
        for (let u = first; u < first + Math.ceil(bytes / unit); u++) flash.erases[u]!++;
        if (flash.writes !== null) flash.writes.fill(0, offset / w, offset / w + Math.floor(bytes / w));
        flash.bytes().fill(0xff, offset, offset + bytes);
      },
      tornBytes(prng) {
        // A unit in progress, with a prefix of 1..unit-1 of its bytes erased: neither old nor erased.
        return prng.nextInt(n) * unit + 1 + prng.nextInt(unit - 1);
      },
    };
  }

  private prepareProgram(where: string, offset: number, data: Uint8Array): Prepared {
    if (!(data instanceof Uint8Array)) throw this.error(`${where}: data must be a Uint8Array`);
    const len = data.length;
    this.checkRange(where, offset, len);
    const w = this.writeBytes;
    const unitName = w === 32 ? "32-byte (256-bit) flash word" : w === 4 ? "4-byte (32-bit) word" : "byte";
    if (len === 0) throw this.error(`${where}: no data`);
    if (offset % w !== 0) throw this.error(`${where}: offset is not aligned to the ${unitName} the flash programs`);
    if (len % w !== 0) throw this.error(`${where}: length is not a whole number of ${unitName}s`);
    const limit = this.spec.writesPerErase;
    const firstUnit = offset / w;
    const units = len / w;
    if (Number.isFinite(limit)) {
      const writes = this.writeCounts();
      for (let u = firstUnit; u < firstUnit + units; u++) {
        if (writes[u]! >= limit) {
          const at = u * w;
          const eraseUnit = Math.floor(at / this.eraseBytes);
          throw this.error(
            limit === 1
              ? `${where}: the flash word at ${fmt(at)} was already programmed since sector ${eraseUnit} was erased; a 256-bit flash word with ECC can be programmed once between erases (RM0433 §4)`
              : `${where}: the word at ${fmt(at)} was already written ${writes[u]} times since page ${eraseUnit} was erased; the NVMC allows nWRITE = ${limit} writes per word between page erases (nRF52840 PS §4.3)`,
          );
        }
      }
    }
    // Time: one program time per write unit on-chip; per page-program command (split at page
    // boundaries, at most programMaxBytes) on SPI NOR.
    let steps = units;
    if (this.spec.programMaxBytes > w) {
      const page = this.spec.programMaxBytes;
      steps = Math.floor((offset + len - 1) / page) - Math.floor(offset / page) + 1;
    }
    const copy = data.slice();
    const flash = this;
    return {
      steps,
      commit() {
        if (Number.isFinite(limit)) {
          const writes = flash.writeCounts();
          for (let u = firstUnit; u < firstUnit + units; u++) writes[u]!++;
        }
      },
      uncommit() {
        if (Number.isFinite(limit)) {
          const writes = flash.writeCounts();
          for (let u = firstUnit; u < firstUnit + units; u++) writes[u]!--;
        }
      },
      apply() {
        const mem = flash.bytes();
        for (let i = 0; i < len; i++) mem[offset + i]! &= copy[i]!;
      },
      tear(bytes) {
        if (bytes <= 0) return;
        if (Number.isFinite(limit)) {
          const writes = flash.writeCounts();
          for (let u = firstUnit; u < firstUnit + Math.ceil(bytes / w); u++) writes[u]!++;
        }
        const mem = flash.bytes();
        for (let i = 0; i < bytes; i++) mem[offset + i]! &= copy[i]!;
      },
      tornBytes(prng) {
        return len < 2 ? 0 : 1 + prng.nextInt(len - 1);
      },
    };
  }

  // ───────────────────────────── internals ─────────────────────────────

  /**
   * The start of an operation: counts it (`ops`), books it (erase counts, write counts), queues it
   * on the controller and schedules its end. A power cut planned for this operation
   * (cutPower({ atFlashOp })) happens here instead; a board going down ignores the request.
   */
  private startOp(
    kind: "erase" | "program",
    offset: number,
    lengthBytes: number,
    durationTicks: number,
    task: TaskHandle,
    parts: Prepared,
  ): KernelCall<number> {
    const rtos = this.rtos();
    const index = driverNotifyIndex(rtos.kernel);
    // Going down (reset requested, power failing): the request never reaches the controller; the
    // caller waits on its kernel, which is being discarded.
    if (!this.host.live()) return rtos.ulTaskNotifyTakeIndexed(index, pdTRUE, rtos.portMAX_DELAY);
    const cut = this.host.cutAtOp(this._ops);
    if (cut !== null) {
      this._ops++;
      this.host.powerFail();
      if (cut) parts.tear(parts.tornBytes(this.host.powerPrng()));
      return rtos.ulTaskNotifyTakeIndexed(index, pdTRUE, rtos.portMAX_DELAY);
    }
    this.ensureIsr(rtos);
    const now = this.host.now();
    const startTick = Math.max(now, this.busyUntil);
    const endTick = startTick + durationTicks;
    const op: PendingOp = {
      index: this._ops,
      kind,
      offset,
      lengthBytes,
      startTick,
      endTick,
      parts,
      task,
      generation: this.host.generation,
      done: false,
      cancelled: false,
    };
    this._ops++;
    parts.commit();
    this.busyUntil = endTick;
    this.queue.push(op);
    this.host.at(endTick, kind, "flash", () => this.end(op));
    return rtos.ulTaskNotifyTakeIndexed(index, pdTRUE, rtos.portMAX_DELAY);
  }

  /** The operation's end (board event): new contents, then the flash-done interrupt. */
  private end(op: PendingOp): void {
    if (op.cancelled) return;
    op.parts.apply();
    op.done = true;
    if (op.generation === this.host.generation && this.isrKernel === this.host.kernel()) this.host.kernel().triggerInterrupt(this.irq.irq);
    else this.queue = this.queue.filter((o) => o !== op); // its boot is gone: nobody to wake
  }

  /**
   * The power fails at board time `at`: the operation in progress is torn at the fraction of its
   * time that had passed, those queued behind it never happen, nobody is woken. @internal
   */
  powerFail(at: number): void {
    const pending = this.queue.filter((o) => !o.done);
    for (let i = pending.length - 1; i >= 0; i--) {
      pending[i]!.cancelled = true;
      pending[i]!.parts.uncommit();
    }
    for (const o of pending) {
      if (o.startTick <= at && at < o.endTick) o.parts.tear(Math.floor(((at - o.startTick) / (o.endTick - o.startTick)) * o.lengthBytes));
    }
    this.queue = [];
    this.busyUntil = at;
    this.isrKernel = null;
  }

  /** The flash-done ISR: wakes the task of each finished operation. */
  private readonly isr = (): void => {
    const rtos = this.rtos();
    const index = driverNotifyIndex(rtos.kernel);
    const woken = { value: 0 };
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const op = this.queue.shift()!;
      rtos.vTaskNotifyGiveIndexedFromISR(op.task, index, woken);
    }
    rtos.portYIELD_FROM_ISR(woken);
  };

  /** Registers the flash-done ISR on this boot's kernel (once per boot). */
  private ensureIsr(rtos: FreeRTOS): void {
    const k = rtos.kernel;
    if (this.isrKernel === k) return;
    // Operations of an earlier boot have nobody to wake.
    this.queue = this.queue.filter((o) => !o.done && o.generation === this.host.generation);
    k.registerInterrupt(this.irq.irq, k.config.configMAX_SYSCALL_INTERRUPT_PRIORITY, this.isr, this.irq.name);
    this.isrKernel = k;
  }

  private notFromIsr(where: string): void {
    if (this.rtos().kernel.inIsr())
      throw new KernelAssertError(`board "${this.board}", flash: ${where} called from an ISR; erase and program block the caller until the operation ends, so only a task may call them`);
  }

  /** The calling task; host code cannot wait for the flash. */
  private caller(where: string): TaskHandle {
    const rtos = this.rtos();
    const k = rtos.kernel;
    const task = rtos.xTaskGetCurrentTaskHandle();
    if (task === null || !k.isSchedulerRunning()) throw this.error(`${where}: must be called from a task of this board (the scheduler is not running)`);
    return task;
  }

  /** The time of one unit in microseconds; a figure not yet confirmed: HalError. */
  private timing(where: string, what: string, us: number | null): number {
    if (us === null) throw this.error(`${where}: the ${what} time of this flash is not yet confirmed from its document (${this.spec.timingSource}); the operation cannot be timed`);
    return us;
  }

  /** Microseconds → ticks at this board's tick rate. */
  private ticks(us: number): number {
    return (us * this.rtos().kernel.config.configTICK_RATE_HZ) / 1e6;
  }

  private checkRange(where: string, offset: number, lengthBytes: number): void {
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) throw this.error(`${where}: offset must be a non-negative integer, got ${String(offset)}`);
    if (typeof lengthBytes !== "number" || !Number.isInteger(lengthBytes) || lengthBytes < 0) throw this.error(`${where}: length must be a non-negative integer, got ${String(lengthBytes)}`);
    if (offset + lengthBytes > this.sizeBytes)
      throw this.error(`${where}: ${lengthBytes} bytes at ${fmt(offset)} run past the end of the flash (${this.sizeBytes} bytes, offsets ${fmt(0)}..${fmt(this.sizeBytes - 1)})`);
  }

  private bytes(): Uint8Array {
    if (this.mem === null) this.mem = new Uint8Array(this.sizeBytes).fill(0xff);
    return this.mem;
  }

  private writeCounts(): Uint8Array {
    if (this.writes === null) this.writes = new Uint8Array(this.sizeBytes / this.writeBytes);
    return this.writes;
  }

  private error(what: string): HalError {
    return new HalError(this.board, "flash", what);
  }
}

function fmt(offset: number): string {
  return typeof offset === "number" && Number.isInteger(offset) && offset >= 0 ? hex(offset) : String(offset);
}

function describe(v: unknown): string {
  return v === null ? "null" : typeof v === "object" ? (v as object).constructor?.name ?? "object" : typeof v;
}
