/**
 * I2C: a bus master in virtual time, with a FreeRTOS driver (`board.i2c(n)`) and the devices the
 * world hangs on the bus (`board.world.i2c(n).attach(device)`).
 *
 * A transaction (`tx(address, write, read)`) is what a master such as the nRF52840 TWIM (its
 * TX-then-RX shortcut), the STM32H7 I2C (AUTOEND off, RELOAD) or the ESP32-C3 command list
 * puts on the wire:
 *   START, address + W, ACK, the write bytes (each 8 bits + the device's ACK),
 *   then, if there is something to read: repeated START, address + R, ACK, the read bytes (the
 *   master ACKs each but the last and NACKs the last), and
 *   STOP.
 * A transaction with nothing to write starts with address + R; with nothing to write or read it
 * is an address probe (START, address + W, ACK or NACK, STOP). No device at the address: the
 * address byte reads NACK, the master sends STOP at once, and the call rejects with I2CError.
 *
 * Timing (sub-tick, from the configured SCL frequency f, period T = 1/f):
 * - every byte is 9 SCL clocks (8 bits + acknowledge): 9T;
 * - START: SDA falls, SCL follows tHD;STA later; repeated START: after the last clock, one SCL
 *   low phase (0.6T), SCL high, tSU;STA, SDA falls, tHD;STA, SCL falls; STOP: one low phase
 *   (0.6T), SCL high, tSU;STO, SDA rises; a START waits for tBUF after the previous STOP.
 * - tHD;STA, tSU;STA, tSU;STO, tBUF are the minima of NXP UM10204 "I2C-bus specification and
 *   user manual", §6.1, table "Characteristics of the SDA and SCL bus lines for Standard, Fast,
 *   and Fast-mode Plus I2C-bus devices" (its table number, Table 10 in Rev. 6 as we recall, is
 *   unconfirmed: UM10204 itself was not found in the stored copies searched): Standard-mode
 *   4.0 / 4.7 / 4.0 / 4.7 µs, Fast-mode 0.6 / 0.6 / 0.6 / 1.3 µs, Fast-mode Plus
 *   0.26 / 0.26 / 0.26 / 0.5 µs. All three modes agree with device datasheets that restate
 *   UM10204's table: Microchip's AVR "TWI" electrical characteristics (onlinedocs.microchip.com,
 *   GUID-3B8651BF: tHD;STA 4.0 / 0.6 / 0.26 µs, tLOW 4.7 / 1.3 / 0.5, tHIGH 4.0 / 0.6 / 0.26,
 *   tSU;STA 4.7 / 0.6 / 0.26 at fSCL ≤ 100 kHz / 400 kHz / 1 MHz) and a PIC datasheet's "I2C Bus
 *   Start/Stop Bits Requirements" and "I2C Bus Data Requirements" tables (Tables 47-22 and 47-23:
 *   stop setup 4000 / 600 / 260 ns, TBUF 4700 / 1300 / 500 ns in the 100 kHz / 400 kHz / 1 MHz
 *   modes); the Sm and Fm figures also agree with the STM32F405 datasheet's I2C characteristics
 *   (th(STA), tsu(STA), tsu(STO), tw(STO:STA)). The mode is that of the frequency (up to 100 kHz
 *   Sm, 400 kHz Fm, 1 MHz Fm+).
 * - Duty cycle: SCL low 60 % and high 40 % of T, which meets that table's tLOW / tHIGH minima in
 *   every mode (Sm: 6.0 ≥ 4.7 and 4.0 ≥ 4.0 µs; Fm: 1.5 ≥ 1.3 and 1.0 ≥ 0.6; Fm+: 0.6 ≥ 0.5 and
 *   0.4 ≥ 0.26). SDA changes in the middle of SCL low. Rise/fall times are zero. This is the
 *   model's choice, not a chip's register setting; clock stretching by devices is not modelled.
 *
 * The driver is FreeRTOS code, as a BSP's would be: `tx` starts the transaction and the calling
 * task waits on a task notification (index driverNotifyIndex, src/hal/driver.ts); one
 * transfer-complete interrupt at the board's I2C interrupt number (TWIM0 shares irq 3 with SPIM0;
 * H743 I2Cx_EV; ESP32-C3 I2C_EXT0) notifies it after the STOP, with the outcome in the
 * notification value. Per-byte interrupts (the H7's TXIS/RXNE, without DMA) are not modelled.
 *
 * The world side calls the addressed device once per part of a transaction (not once per
 * transaction): `write(bytes)` when the last byte of a write part has been acknowledged,
 * `read(into)` when the address of a read part has been acknowledged (the device fills what it
 * will shift out); an address probe (nothing to write or read) calls neither. With `tx` the
 * firmware's read buffer is filled at the STOP; `txDMA` (zero copy) reads each write byte from
 * board RAM as it goes on the wire and stores each read byte in board RAM as it comes in. Which device answers is decided at the START. Everything that went on the wire is in
 * `board.world.i2c(n).log`, and `board.signal("i2c0.scl" | "i2c0.sda")` turns completed
 * transactions into line edges (both lines idle high: pulled up).
 * @module
 */
import { eSetValueWithOverwrite, pdTRUE, type FreeRTOS, type KernelCall, type TaskHandle } from "../freertos/index.js";
import { genLane, type KernelYield } from "../kernel/index.js";
import type { PeripheralInstance } from "./catalogue.js";
import { driverNotifyIndex } from "./driver.js";
import { HalError, I2CError } from "./errors.js";
import { dmaViewError, type BoardRam } from "./ram.js";
import { traceFromEdges, type SignalEdge, type SignalSource, type SignalTrace } from "./signal.js";

/** I2C driver configuration. */
export interface I2CConfig {
  /** SCL frequency: one of the board's modes (see i2cFrequencies). */
  frequencyHz: number;
  /** Kernel priority (1-15) of the bus interrupt; default configMAX_SYSCALL_INTERRUPT_PRIORITY. */
  priority?: number;
}

/**
 * A device on the bus (world side). It is called once per transaction *part* (a START or
 * repeated START up to the next repeated START or the STOP), not once per transaction:
 * `readRegister` (write the register number, repeated START, read) makes one `write` call then
 * one `read` call. Register pointers are the device's business.
 */
export interface I2CDevice {
  /** 7-bit address, 0x08..0x77 (UM10204 §3.1.12 reserves 0x00-0x07 and 0x78-0x7F). */
  readonly address: number;
  /** The bytes the master wrote in one part (START or repeated START to the next one or STOP). */
  write(bytes: Uint8Array): void;
  /** Fills `into` with the bytes the device shifts out in one read part. */
  read(into: Uint8Array): void;
}

/** The SCL frequencies a board's I2C accepts, and where they come from. */
export interface I2CFrequencies {
  readonly only: readonly number[];
  readonly why: string;
}

const FREQUENCIES: Readonly<Record<string, I2CFrequencies>> = {
  // RM0433 §47 "Inter-integrated circuit (I2C) interface", "I2C main features": Standard-mode (up
  // to 100 kHz), Fast-mode (up to 400 kHz) and Fast-mode Plus (up to 1 MHz); "I2C
  // implementation": I2C1, I2C2, I2C3 and I2C4 implement the full set of features. (Wording
  // checked in the same chapter of RM0399, the STM32H745/755/747/757 manual, §50.2-50.3, which
  // shares the I2C block; the RM0433 chapter and subsection numbers are unconfirmed: RM0433's body
  // was not readable in the stored copies searched.)
  stm32h743: { only: [100_000, 400_000, 1_000_000], why: "the STM32H743 I2C runs Standard-mode, Fast-mode and Fast-mode Plus (RM0433 §47)" },
  // esp-idf "Inter-Integrated Circuit (I2C)" API reference for the ESP32-C3: "ESP32-C3 supports
  // both I2C Standard-mode (Sm) and Fast-mode (Fm) which can go up to 100 kHz and 400 kHz" and
  // "The clock frequency of SCL in master mode should not be larger than 400 kHz".
  esp32c3: { only: [100_000, 400_000], why: "the ESP32-C3 I2C runs Standard-mode and Fast-mode only (esp-idf I2C reference: SCL at most 400 kHz in master mode)" },
  // nrf52840_bitfields.h (nrfx MDK): TWIM_FREQUENCY_FREQUENCY_K100 / K250 / K400, the only values
  // of the TWIM's FREQUENCY register (PS, TWIM chapter, register FREQUENCY); no Fast-mode Plus.
  nrf52840: { only: [100_000, 250_000, 400_000], why: "the TWIM's FREQUENCY register takes K100, K250 and K400 only (nrf52840_bitfields.h TWIM_FREQUENCY_FREQUENCY_*)" },
};

/** The SCL frequencies of a board's I2C buses. */
export function i2cFrequencies(board: string): I2CFrequencies {
  return FREQUENCIES[board] ?? { only: [100_000, 400_000], why: "no figure in the catalogue for this board: Standard-mode and Fast-mode" };
}

/** Bus timing minima of one UM10204 mode, in microseconds (see the module comment). */
export interface I2CModeTiming {
  readonly mode: "Sm" | "Fm" | "Fm+";
  readonly hdStaUs: number;
  readonly suStaUs: number;
  readonly suStoUs: number;
  readonly bufUs: number;
}

/** UM10204 §6.1 minima per mode (sources in the module comment). */
export const I2C_MODE_TIMING: readonly I2CModeTiming[] = Object.freeze([
  Object.freeze({ mode: "Sm", hdStaUs: 4.0, suStaUs: 4.7, suStoUs: 4.0, bufUs: 4.7 } as const),
  Object.freeze({ mode: "Fm", hdStaUs: 0.6, suStaUs: 0.6, suStoUs: 0.6, bufUs: 1.3 } as const),
  Object.freeze({ mode: "Fm+", hdStaUs: 0.26, suStaUs: 0.26, suStoUs: 0.26, bufUs: 0.5 } as const),
]);

/** The mode of an SCL frequency: up to 100 kHz Sm, up to 400 kHz Fm, up to 1 MHz Fm+. */
export function i2cModeTiming(frequencyHz: number): I2CModeTiming {
  return I2C_MODE_TIMING[frequencyHz <= 100_000 ? 0 : frequencyHz <= 400_000 ? 1 : 2]!;
}

/** Fraction of the SCL period that SCL is low (the rest it is high); SDA changes at half of it. */
export const I2C_SCL_LOW_FRACTION = 0.6;

/** One part of a transaction: (repeated) START, the address byte with its r/w bit, and the data bytes. */
export interface I2CPart {
  readonly rw: "write" | "read";
  /** Whether a device acknowledged the address byte (no data bytes follow a NACK). */
  readonly ack: boolean;
  /** The data bytes (written by the master, or read from the device). */
  readonly bytes: Uint8Array;
}

/** One transaction as it went on the wire: the times are board ticks. */
export interface I2CLogEntry {
  /** SDA falls with SCL high (START). */
  readonly startTick: number;
  /** SDA rises with SCL high (STOP). */
  readonly endTick: number;
  readonly address: number;
  readonly frequencyHz: number;
  readonly parts: readonly I2CPart[];
  /** SCL period, tHD;STA, tSU;STA, tSU;STO in ticks: what the line edges are drawn from. */
  readonly periodTicks: number;
  readonly hdStaTicks: number;
  readonly suStaTicks: number;
  readonly suStoTicks: number;
}

/** What an I2C bus needs from its board. @internal */
export interface I2CHost {
  readonly boardName: string;
  readonly ram: BoardRam;
  readonly generation: number;
  rtos(): FreeRTOS;
  now(): number;
  schedule(at: number, run: (at: number) => void): void;
  claimInstance(inst: PeripheralInstance, role: string): void;
}

interface Driver {
  readonly generation: number;
  readonly frequencyHz: number;
  readonly notifyIndex: number;
}

interface Job {
  readonly waiter: TaskHandle;
  /** Notification value: OK, or NACK_FLAG | address. */
  result: number;
  done: boolean;
}

const OK = 1;
const NACK_FLAG = 0x100;

/** One I2C instance: driver state, transaction engine, devices and wire log. @internal */
export class I2CBus {
  driver: Driver | null = null;
  private job: Job | null = null;
  /** Bumped at each reset: events of a transaction of an earlier boot are ignored. */
  private epoch = 0;
  /** Board time from which a START may come (the previous STOP + tBUF). */
  private busFreeAt = 0;
  /** Devices by address (world side: kept across resets). */
  readonly devices = new Map<number, I2CDevice>();
  /** Every completed transaction, oldest first (all boots). */
  readonly log: I2CLogEntry[] = [];
  private readonly handle: I2C;
  private readonly worldHandle: WorldI2C;
  private readonly genCall: CheckedGenCall;

  constructor(
    readonly host: I2CHost,
    readonly index: number,
    readonly inst: PeripheralInstance,
  ) {
    this.handle = new I2C(this);
    this.worldHandle = new WorldI2C(this);
    this.genCall = new CheckedGenCall((v) => this.outcome(v));
  }

  get where(): string {
    return `i2c${this.index} (${this.inst.name})`;
  }

  firmware(): I2C {
    return this.handle;
  }

  world(): WorldI2C {
    return this.worldHandle;
  }

  /** Back to reset state (board restart hook): no driver, no transaction; devices and log stay. */
  resetFirmwareSide(): void {
    this.driver = null;
    this.job = null;
    this.epoch++;
    this.busFreeAt = this.host.now(); // a reset aborts the transaction: the lines are released
  }

  live(): Driver | null {
    const d = this.driver;
    return d !== null && d.generation === this.host.generation ? d : null;
  }

  private error(what: string): HalError {
    return new HalError(this.host.boardName, this.where, what);
  }

  configure(config: I2CConfig): void {
    if (config === null || typeof config !== "object") throw this.error(`configure expects { frequencyHz }, got ${String(config)}`);
    const { frequencyHz, priority } = config;
    const allowed = i2cFrequencies(this.host.boardName);
    if (typeof frequencyHz !== "number" || !allowed.only.includes(frequencyHz))
      throw this.error(`frequencyHz ${String(frequencyHz)} is not supported: ${allowed.why}; allowed: ${allowed.only.join(", ")}`);
    if (priority !== undefined && (typeof priority !== "number" || !Number.isInteger(priority) || priority < 1 || priority > 15))
      throw this.error(`interrupt priority must be an integer in 1..15 (kernel scale, higher preempts), got ${String(priority)}`);
    const rtos = this.host.rtos();
    const k = rtos.kernel;
    if (k.inIsr()) k.fail(`board "${this.host.boardName}" ${this.where}.configure`, "the I2C bus is configured from a task or set-up code, not from an interrupt");
    const old = this.live();
    if (old !== null) {
      if (this.job !== null) throw this.error("configure while a transaction is in progress: wait for it to complete first");
      this.driver = { ...old, frequencyHz };
      return;
    }
    this.host.claimInstance(this.inst, `i2c${this.index}`);
    k.registerInterrupt(this.inst.irq, priority ?? k.config.configMAX_SYSCALL_INTERRUPT_PRIORITY, this.isr, this.inst.name);
    this.driver = { generation: this.host.generation, frequencyHz, notifyIndex: driverNotifyIndex(k) };
  }

  /**
   * A transaction (see the module comment). Checks everything before anything goes on the wire.
   * `dma`: `write` and `read` are views of board RAM, used in place byte by byte (no copy).
   */
  tx(address: number, write: Uint8Array | null, read: Uint8Array | null, call: string, dma = false): KernelCall<void> {
    const rtos = this.host.rtos();
    const k = rtos.kernel;
    const where = `board "${this.host.boardName}" ${this.where}.${call}`;
    if (k.inIsr()) k.fail(where, "only a task may make this call (it blocks until the STOP); defer it to a task");
    checkAddress(this.host.boardName, this.where, call, address, 0x00, 0x7f);
    if (write !== null && !(write instanceof Uint8Array)) throw this.error(`${call}: write must be a Uint8Array or null, got ${describe(write)}`);
    if (read !== null && !(read instanceof Uint8Array)) throw this.error(`${call}: read must be a Uint8Array or null, got ${describe(read)}`);
    if (dma) {
      const refused = (write === null ? null : dmaViewError(this.host.ram, this.where, call, "write buffer", write)) ?? (read === null ? null : dmaViewError(this.host.ram, this.where, call, "read buffer", read));
      if (refused !== null) throw refused;
    }
    const d = this.live();
    if (d === null) throw this.error(`${call}: the bus is not configured in this boot; call configure({ frequencyHz }) first`);
    const me = rtos.xTaskGetCurrentTaskHandle();
    if (me === null || !k.isSchedulerRunning()) return k.fail(where, "only a task may make this call (it blocks until the STOP)");
    if (this.job !== null) throw this.error(`${call}: task "${this.job.waiter.name}" has a transaction in progress; one at a time (guard the bus with a mutex)`);
    this.job = { waiter: me, result: 0, done: false };
    const w = write !== null && write.length > 0 ? (dma ? write : write.slice()) : null;
    this.start(d, address, w, read !== null && read.length > 0 ? read : null, dma);
    const take = rtos.ulTaskNotifyTakeIndexed(d.notifyIndex, pdTRUE, rtos.portMAX_DELAY);
    if ((take as unknown) === genLane) return this.genCall as unknown as KernelCall<void>;
    return (take as Promise<number>).then((v) => this.outcome(v)) as KernelCall<void>;
  }

  /** The task's resumption value → nothing, or the I2CError of a NACK. */
  private outcome(value: unknown): void {
    if (typeof value === "number" && (value & NACK_FLAG) !== 0) throw new I2CError(this.host.boardName, this.where, value & 0x7f);
  }

  /**
   * Plans the transaction from board time now and schedules its events. With `dma`, each write
   * byte is read from `write` (board RAM) when its first bit goes on the wire, and each read byte
   * is stored in `read` (board RAM) when its 8th bit has been sampled; without, `write` is the
   * caller's copy and `read` is filled at the STOP.
   */
  private start(d: Driver, address: number, write: Uint8Array | null, read: Uint8Array | null, dma: boolean): void {
    const tickHz = this.host.rtos().kernel.config.configTICK_RATE_HZ;
    const timing = i2cModeTiming(d.frequencyHz);
    const us = tickHz / 1e6;
    const T = tickHz / d.frequencyHz;
    const hdSta = timing.hdStaUs * us;
    const suSta = timing.suStaUs * us;
    const suSto = timing.suStoUs * us;
    const startTick = Math.max(this.host.now(), this.busFreeAt);
    const device = this.devices.get(address);
    const parts: I2CPart[] = [];
    const epoch = this.epoch;
    let c = startTick + hdSta; // SCL falls: the first clock begins
    const segments: { rw: "write" | "read"; bytes: Uint8Array | null }[] = [];
    if (write !== null || read === null) segments.push({ rw: "write", bytes: write });
    if (read !== null) segments.push({ rw: "read", bytes: read });
    let readBuf: Uint8Array | null = null;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (i > 0) c += I2C_SCL_LOW_FRACTION * T + suSta + hdSta; // repeated START
      c += 9 * T; // address byte + ACK
      if (device === undefined) {
        parts.push({ rw: seg.rw, ack: false, bytes: new Uint8Array(0) });
        break;
      }
      const n = seg.bytes === null ? 0 : seg.bytes.length;
      if (seg.rw === "read") {
        const into = new Uint8Array(n);
        this.host.schedule(c, () => {
          if (epoch === this.epoch) device.read(into);
        });
        if (dma && read !== null) {
          // Each byte lands in RAM once its 8 data bits are in (before the master's ACK/NACK bit).
          for (let k = 0; k < n; k++)
            this.host.schedule(c + 9 * T * k + 8 * T, () => {
              if (epoch === this.epoch) read[k] = into[k]!;
            });
        } else readBuf = into;
        parts.push({ rw: "read", ack: true, bytes: into });
      } else {
        const src = seg.bytes;
        // DMA: what goes on the wire is read from RAM byte by byte, into the log's copy.
        const bytes = dma && src !== null ? new Uint8Array(n) : (src ?? new Uint8Array(0));
        if (dma && src !== null)
          for (let k = 0; k < n; k++)
            this.host.schedule(c + 9 * T * k, () => {
              if (epoch === this.epoch) bytes[k] = src[k]!;
            });
        if (n > 0)
          this.host.schedule(c + 9 * T * n, () => {
            if (epoch === this.epoch) device.write(bytes.slice());
          });
        parts.push({ rw: "write", ack: true, bytes });
      }
      c += 9 * T * n;
    }
    const endTick = c + I2C_SCL_LOW_FRACTION * T + suSto; // STOP
    this.busFreeAt = endTick + timing.bufUs * us;
    const entry: I2CLogEntry = { startTick, endTick, address, frequencyHz: d.frequencyHz, parts, periodTicks: T, hdStaTicks: hdSta, suStaTicks: suSta, suStoTicks: suSto };
    const nacked = device === undefined;
    this.host.schedule(endTick, () => {
      if (epoch !== this.epoch) return; // cut by a reset: never completed, not logged
      this.log.push(entry);
      const j = this.job;
      if (j === null) return;
      if (readBuf !== null && read !== null) read.set(readBuf);
      j.result = nacked ? NACK_FLAG | address : OK;
      j.done = true;
      if (this.live() !== null) this.host.rtos().kernel.triggerInterrupt(this.inst.irq);
    });
  }

  /** The bus interrupt: transfer complete (after the STOP) → notify the waiting task with the outcome. */
  private readonly isr = (): void => {
    const d = this.live();
    const j = this.job;
    if (d === null || j === null || !j.done) return;
    const rtos = this.host.rtos();
    const woken = { value: 0 };
    this.job = null;
    rtos.xTaskNotifyIndexedFromISR(j.waiter, d.notifyIndex, j.result, eSetValueWithOverwrite, woken);
    rtos.portYIELD_FROM_ISR(woken);
  };

  attach(device: I2CDevice): void {
    const where = `world ${this.where}`;
    if (device === null || typeof device !== "object") throw new HalError(this.host.boardName, where, `attach expects a device { address, write(bytes), read(into) }, got ${describe(device)}`);
    checkAddress(this.host.boardName, where, "attach", device.address, 0x08, 0x77);
    if (typeof device.write !== "function" || typeof device.read !== "function")
      throw new HalError(this.host.boardName, where, `attach: the device at ${hex(device.address)} needs write(bytes) and read(into) functions`);
    if (this.devices.has(device.address)) throw new HalError(this.host.boardName, where, `attach: address ${hex(device.address)} is already taken by another device; addresses on one bus must differ`);
    this.devices.set(device.address, device);
  }

  detach(address: number): boolean {
    return this.devices.delete(address);
  }
}

/**
 * The generator-lane form of a checked driver call: delegates to the lane token and, when the
 * task resumes, maps the notification value through `check` (which throws the I2CError of a NACK
 * at the task's `yield*`). One per bus: only one generator's code runs at a time.
 */
class CheckedGenCall {
  constructor(private readonly check: (value: unknown) => void) {}
  [Symbol.iterator](): this {
    return this;
  }
  next(): IteratorResult<KernelYield, void> {
    const r = genLane.next();
    if (r.done !== true) return r as IteratorYieldResult<KernelYield>;
    this.check(r.value);
    return { done: true, value: undefined };
  }
  throw(error: unknown): never {
    throw error;
  }
  return(): IteratorReturnResult<void> {
    return { done: true, value: undefined };
  }
  /** Awaited in a generator task: the lane's misuse error. */
  get then(): never {
    return genLane.then;
  }
}

function hex(address: number): string {
  return `0x${address.toString(16).padStart(2, "0")}`;
}

function describe(v: unknown): string {
  return v === null ? "null" : typeof v === "object" ? ((v as object).constructor?.name ?? "object") : typeof v;
}

function checkAddress(board: string, where: string, call: string, address: unknown, min: number, max: number): asserts address is number {
  if (typeof address !== "number" || !Number.isInteger(address) || address < min || address > max) {
    const shown = typeof address === "number" && Number.isInteger(address) && address >= 0 ? hex(address) : String(address);
    const why = min === 0 ? "a 7-bit address" : "a 7-bit address outside the reserved ranges 0x00-0x07 and 0x78-0x7f (UM10204 §3.1.12)";
    throw new HalError(board, where, `${call}: address must be ${why}, an integer ${hex(min)}..${hex(max)}; got ${shown}`);
  }
}

/**
 * An I2C bus as firmware sees it (`board.i2c(n)`), master mode, 7-bit addresses. Blocking calls
 * return the kernel call of the driver's wait (await it in an async task, `yield*` it in a
 * generator task); only a task may make them (from an ISR: KernelAssertError).
 * @example
 * ```ts
 * // firmware: a task reads a TMP102's temperature register (examples/i2c-sensor.ts does more)
 * const i2c = board.i2c(0);
 * i2c.configure({ frequencyHz: 400_000 });
 * await board.rtos.xTaskCreate(async () => {
 *   const word = new Uint8Array(2);
 *   await i2c.readRegister(0x48, 0x00, word); // I2CError if nothing answers at 0x48
 *   const celsius = ((((word[0] << 8) | word[1]) << 16) >> 20) / 16;
 * }, "sensor", 256, null, 2);
 * // world: board.world.i2c(0).attach(createTMP102({ address: 0x48, celsius: 21.5 }));
 * ```
 */
export class I2C {
  /** @internal */
  constructor(/** @internal */ readonly bus: I2CBus) {}

  /** The vendor name of the instance ("I2C1", "TWIM0", "I2C0"). */
  get name(): string {
    return this.bus.inst.name;
  }

  /**
   * Sets the SCL frequency (one of the board's modes, see i2cFrequencies) and registers the bus
   * interrupt; takes the peripheral instance for this boot (nRF52840 TWIM0 shares its ID with
   * SPIM0: configuring both is a HalError).
   */
  configure(config: I2CConfig): void {
    this.bus.configure(config);
  }

  /**
   * One transaction with the device at `address`: `write` (if any) after START + address + W,
   * then `read` (if any) after a repeated START + address + R, then STOP. Resolves after the
   * STOP; `read` is filled then. Rejects with I2CError when no device acknowledges the address
   * (the bus is released with a STOP and usable at once). `tx(address, null, null)` probes.
   */
  tx(address: number, write: Uint8Array | null, read: Uint8Array | null): KernelCall<void> {
    return this.bus.tx(address, write, read, "tx");
  }

  /**
   * tx by DMA without a copy: `write` and `read` (each null or a view of board RAM the board's
   * DMA can reach, e.g. a unit of a `createPool` pool) are used in place. On the nRF52840 this is
   * the TWIM's EasyDMA (TXD.PTR / RXD.PTR: nRF52840 PS, TWIM chapter); on the STM32H743 the I2C's
   * DMA requests served by a DMA stream (RM0433, I2C main features: "DMA capability"; subsection
   * unconfirmed). The ESP32-C3's I2C has no DMA (its GDMA serves SPI2, UHCI0, I2S, AES, SHA and
   * ADC: ESP32-C3 TRM, GDMA chapter, as restated by Zephyr's espressif,esp32-gdma binding): there
   * `txDMA` models a driver that moves the bytes between RAM and the 32-byte FIFO in its ISR
   * (FIFO depth from memory, unconfirmed), with the same timing. Each write byte is read from RAM when its first bit goes on the wire, so a byte changed
   * in RAM before its turn goes out changed; each read byte is stored in RAM as soon as its 8 data
   * bits are in, so the task (or an ISR) sees `read` fill up during the transfer. Resolves after
   * the STOP; a NACK rejects with I2CError as `tx` does. A view not in board RAM, or in RAM the
   * DMA cannot reach (the STM32H743's DTCM and ITCM), is refused with a HalError before anything
   * goes on the wire.
   * @example
   * ```ts
   * const pool = createPool(board, "i2c_dma", 2, 8);     // tinyrtos/mem: DMA-reachable units
   * const cmd = pool.alloc()!.subarray(0, 1), word = pool.alloc()!.subarray(0, 2);
   * cmd[0] = 0x00;                                       // TMP102 temperature register
   * await board.i2c(0).txDMA(0x48, cmd, word);           // word is filled in board RAM
   * ```
   */
  txDMA(address: number, write: Uint8Array | null, read: Uint8Array | null): KernelCall<void> {
    return this.bus.tx(address, write, read, "txDMA", true);
  }

  /** Reads `into.length` bytes from register `register` (one byte): writes the register number, then reads. */
  readRegister(address: number, register: number, into: Uint8Array): KernelCall<void> {
    checkRegister(this.bus, "readRegister", register);
    if (!(into instanceof Uint8Array)) throw new HalError(this.bus.host.boardName, this.bus.where, `readRegister: into must be a Uint8Array, got ${describe(into)}`);
    return this.bus.tx(address, Uint8Array.of(register), into, "readRegister");
  }

  /** Writes `data` to register `register` (one byte): one write part of [register, ...data]. */
  writeRegister(address: number, register: number, data: Uint8Array): KernelCall<void> {
    checkRegister(this.bus, "writeRegister", register);
    if (!(data instanceof Uint8Array)) throw new HalError(this.bus.host.boardName, this.bus.where, `writeRegister: data must be a Uint8Array, got ${describe(data)}`);
    const bytes = new Uint8Array(data.length + 1);
    bytes[0] = register;
    bytes.set(data, 1);
    return this.bus.tx(address, bytes, null, "writeRegister");
  }
}

function checkRegister(bus: I2CBus, call: string, register: unknown): void {
  if (typeof register !== "number" || !Number.isInteger(register) || register < 0 || register > 0xff)
    throw new HalError(bus.host.boardName, bus.where, `${call}: register must be an integer 0..255 (a one-byte register address), got ${String(register)}`);
}

/** The world's side of an I2C bus (`board.world.i2c(n)`): the devices on it and what went on the wire. */
export class WorldI2C {
  /** @internal */
  constructor(/** @internal */ readonly bus: I2CBus) {}

  /**
   * Puts `device` on the bus at `device.address` (0x08..0x77). Two devices at one address, a bad
   * address or a device without write/read: HalError, nothing attached. Devices stay across resets.
   */
  attach(device: I2CDevice): void {
    this.bus.attach(device);
  }

  /** Takes the device at `address` off the bus; false when there was none. */
  detach(address: number): boolean {
    return this.bus.detach(address);
  }

  /** Every completed transaction (all boots), oldest first. */
  get log(): readonly I2CLogEntry[] {
    return this.bus.log;
  }
}

// ───────────────────────────── line edges ─────────────────────────────

/**
 * The SCL and SDA edges of one transaction (both lines high before and after): START = SDA
 * falls with SCL high, data MSB first changing while SCL is low, the 9th clock's SDA low for ACK
 * and high for NACK, repeated START and STOP as in the module comment.
 */
export function i2cTransactionEdges(entry: I2CLogEntry): { scl: SignalEdge[]; sda: SignalEdge[] } {
  const scl: SignalEdge[] = [];
  const sda: SignalEdge[] = [];
  const T = entry.periodTicks;
  const low = I2C_SCL_LOW_FRACTION * T;
  let sdaLevel = true;
  const setSda = (tick: number, level: boolean): void => {
    if (level !== sdaLevel) {
      sda.push({ tick, level });
      sdaLevel = level;
    }
  };
  const clockBit = (s: number, level: boolean): void => {
    setSda(s + low / 2, level);
    scl.push({ tick: s + low, level: true });
    scl.push({ tick: s + T, level: false });
  };
  setSda(entry.startTick, false); // START
  let c = entry.startTick + entry.hdStaTicks;
  scl.push({ tick: c, level: false });
  entry.parts.forEach((part, i) => {
    if (i > 0) {
      // repeated START: SDA released while SCL is low, SCL high, then SDA falls
      setSda(c + low / 2, true);
      scl.push({ tick: c + low, level: true });
      setSda(c + low + entry.suStaTicks, false);
      c += low + entry.suStaTicks + entry.hdStaTicks;
      scl.push({ tick: c, level: false });
    }
    const addressByte = (entry.address << 1) | (part.rw === "read" ? 1 : 0);
    for (let b = 7; b >= 0; b--, c += T) clockBit(c, ((addressByte >> b) & 1) === 1);
    clockBit(c, !part.ack);
    c += T;
    const n = part.bytes.length;
    for (let k = 0; k < n; k++) {
      const byte = part.bytes[k]!;
      for (let b = 7; b >= 0; b--, c += T) clockBit(c, ((byte >> b) & 1) === 1);
      // ACK: the device's on a write; the master's on a read, NACK on the last byte read
      clockBit(c, part.rw === "read" && k === n - 1);
      c += T;
    }
  });
  // STOP: SDA low while SCL is low, SCL high, then SDA rises
  setSda(c + low / 2, false);
  scl.push({ tick: c + low, level: true });
  setSda(entry.endTick, true);
  return { scl, sda };
}

/** An I2C line ("scl" or "sda") from a bus log, both idle high; transactions appear once complete. */
export function i2cSignal(name: string, log: readonly I2CLogEntry[], line: "scl" | "sda"): SignalSource {
  return {
    name,
    trace(fromTick: number, toTick: number): SignalTrace {
      const edges: SignalEdge[] = [];
      for (const e of log) {
        if (e.endTick <= fromTick) continue;
        if (e.startTick > toTick) break;
        for (const edge of i2cTransactionEdges(e)[line]) edges.push(edge);
      }
      return traceFromEdges(edges, true, fromTick, toTick);
    },
  };
}
