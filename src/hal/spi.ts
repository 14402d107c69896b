/**
 * SPI: full-duplex master buses in virtual time, with a FreeRTOS driver (`board.spi(n)`) and the
 * world's devices on the bus (`board.world.spi(n).attach(csPin, device)`).
 *
 * Timing: a byte is 8 SCK periods at the configured frequency, `8 / frequencyHz ×
 * configTICK_RATE_HZ` ticks (fractions allowed); bytes of one transfer follow back to back. Bits
 * go MSB first. The frequency is rounded down to the largest SCK rate the instance can make (see
 * spiClockRange); a request below the slowest or above the fastest rate is a HalError.
 *
 * Bit timing inside a byte that starts at `s`, with bit time `tb`: bit i's leading SCK edge (away
 * from the idle level CPOL) is at `s + (i + ½)·tb`, its trailing edge at `s + (i + 1)·tb`. With
 * CPHA 0 data is sampled on the leading edge, with CPHA 1 on the trailing edge; MOSI and MISO
 * change half a bit before the sampling edge and hold their last bit between bytes (MOSI starts
 * low, MISO high). mode = CPOL × 2 + CPHA (modes 0..3, the usual numbering).
 *
 * The driver is FreeRTOS code, as a BSP would be: `tx`/`txDMA` start the transfer and the calling
 * task waits in `ulTaskNotifyTakeIndexed` (index `configTASK_NOTIFICATION_ARRAY_ENTRIES - 1`, as
 * for the UART); the transfer-complete interrupt, at the instance's vendor IRQ number, notifies
 * it. `tx` copies `write` when called and stores each received byte into `read` when its last
 * bit has been sampled; `txDMA` has no copy: each byte is read from board RAM when it goes on the
 * wire and each received byte written to board RAM when it is complete.
 *
 * Chip select is a GPIO the firmware drives (low = selected). A device attached with that pin as
 * its CS exchanges one byte per byte clocked while the pin is low at the byte's start; MISO
 * reads 0xFF (high) when no device is selected.
 * @module
 */
import { eSetValueWithOverwrite, pdTRUE, type FreeRTOS, type KernelCall, type TaskHandle } from "../freertos/index.js";
import { settled } from "../kernel/index.js";
import type { PeripheralInstance } from "./catalogue.js";
import { driverNotifyIndex, voidCall } from "./driver.js";
import { HalError } from "./errors.js";
import type { PinState } from "./gpio.js";
import { dmaViewError, type BoardRam } from "./ram.js";
import { traceFromEdges, type SignalEdge, type SignalSource } from "./signal.js";

/** SPI mode: CPOL × 2 + CPHA. */
export type SpiMode = 0 | 1 | 2 | 3;

/** SPI driver configuration. */
export interface SpiConfig {
  /** Requested SCK rate; the instance runs at the largest rate it can make that is not above it. */
  frequencyHz: number;
  /** Clock polarity and phase, 0..3 (default 0). */
  mode?: SpiMode;
  /** Kernel priority (1-15) of the SPI interrupt; default configMAX_SYSCALL_INTERRUPT_PRIORITY. */
  priority?: number;
}

/**
 * The byte sent when `write` is null or shorter than the transfer: 0x00, as the nRF52840 SPIM's
 * ORC register resets to and as TinyGo's machine.SPI sends for a nil write buffer.
 */
export const SPI_FILL_BYTE = 0x00;

/** The SCK rates an SPI instance can make, and where the figures come from. */
export interface SpiClockRange {
  /** Every achievable rate, ascending. */
  readonly ratesHz: readonly number[];
  readonly minHz: number;
  readonly maxHz: number;
  readonly why: string;
}

// STM32H743: RM0433, SPI chapter, register SPI_CFG1 field MBR[2:0] "master baud rate":
// spi_ker_ck / 2, / 4, ... / 256 (the field is 3 bits, 8 dividers: stm32h743xx.h SPI_CFG1_MBR_Pos
// 28, SPI_CFG1_MBR_Msk 0x7 << 28; the divide-by-2^(MBR+1) mapping is RM0433's, its table not
// re-read here). The kernel clock is the clock tree's choice (3-bit selectors stm32h743xx.h
// RCC_D2CCIP1R_SPI123SEL, RCC_D2CCIP1R_SPI45SEL, RCC_D3CCIPR_SPI6SEL); the model fixes it at
// 100 MHz. That is a model choice, not a chip figure: no reset default is claimed (firmware sets up
// the PLL that feeds it).
const STM32_SPI_KERNEL_HZ = 100_000_000;
const STM32_RATES = [2, 4, 8, 16, 32, 64, 128, 256].map((d) => STM32_SPI_KERNEL_HZ / d).sort((a, b) => a - b);
// nRF52840: Product Specification, SPIM chapter, register FREQUENCY: K125, K250, K500, M1, M2, M4,
// M8; M16 and M32 on SPIM3 only (nrf52840_bitfields.h SPIM_FREQUENCY_FREQUENCY_K125..M32).
const NRF_RATES = [125_000, 250_000, 500_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000];
const NRF_RATES_SPIM3 = [...NRF_RATES, 16_000_000, 32_000_000];
// ESP32-C3: GP-SPI2 master clock f_SCK = f_apb / ((SPI_CLKCNT_N + 1) × (SPI_CLKDIV_PRE + 1)), or
// f_apb itself with SPI_CLK_EQU_SYSCLK: esp-idf components/soc/esp32c3/include/soc/spi_struct.h
// (at 29accf2), the `clock` register: clkcnt_n 6 bits ("the divider of spi_clk ... spi_clk
// frequency is system/(spi_clkdiv_pre+1)/(spi_clkcnt_N+1)"), clkdiv_pre 4 bits, clk_equ_sysclk 1
// bit; with f_apb = 80 MHz (esp-idf components/hal/esp32c3/include/hal/spi_ll.h
// SPI_LL_PERIPH_CLK_FREQ (80 * 1000000), "the expected clock frequency"). 80 MHz is the GP-SPI2
// maximum.
const ESP_APB_HZ = 80_000_000;
const ESP_RATES = (() => {
  const set = new Set<number>();
  for (let n = 1; n <= 64; n++) for (let pre = 1; pre <= 16; pre++) set.add(ESP_APB_HZ / (n * pre));
  return [...set].sort((a, b) => a - b);
})();

/** The SCK rates of SPI instance `instance` ("SPI1", "SPIM3", "SPI2") on board `board`. */
export function spiClockRange(board: string, instance: string): SpiClockRange {
  let ratesHz: number[];
  let why: string;
  if (board === "stm32h743") {
    ratesHz = STM32_RATES;
    why = "spi_ker_ck (modelled at 100 MHz) / 2..256 in powers of two (RM0433 SPI_CFG1.MBR)";
  } else if (board === "nrf52840") {
    ratesHz = instance === "SPIM3" ? NRF_RATES_SPIM3 : NRF_RATES;
    why = `the SPIM FREQUENCY register's values 125 kHz..${instance === "SPIM3" ? "32 MHz (SPIM3)" : "8 MHz (16 and 32 MHz are SPIM3 only)"} (nRF52840 PS, SPIM FREQUENCY)`;
  } else if (board === "esp32c3") {
    ratesHz = ESP_RATES;
    why = "80 MHz APB / (CLKCNT_N+1)(CLKDIV_PRE+1) with CLKCNT_N < 64, CLKDIV_PRE < 16, up to 80 MHz (esp-idf spi_ll.h, spi_struct.h)";
  } else {
    ratesHz = NRF_RATES;
    why = "no figure in the catalogue for this board";
  }
  return { ratesHz, minHz: ratesHz[0]!, maxHz: ratesHz[ratesHz.length - 1]!, why };
}

/** A device on an SPI bus (the world side): an SPI NOR, a sensor, a loopback plug. */
export interface SpiDevice {
  /** One byte clocked while the device is selected: receives MOSI, returns the MISO byte (0..255). */
  exchange(mosi: number): number;
  /** Chip select fell (the device is selected). */
  select?(): void;
  /** Chip select rose (the device is deselected): where a flash starts a program or erase. */
  deselect?(): void;
  /** Called once by attach with the bus the device sits on (a device that needs the time keeps it). */
  attached?(bus: SpiBusContext): void;
}

/** What attach gives a device: where it sits and the board's clock. */
export interface SpiBusContext {
  readonly boardName: string;
  /** "spi0 (SPIM0)". */
  readonly bus: string;
  /** The chip name of its CS pin. */
  readonly csPin: string;
  /** The board's tick rate (configTICK_RATE_HZ): ticks per second of board time. */
  readonly tickRateHz: number;
  /** Board time now, in ticks (fractions allowed). */
  now(): number;
}

/** One byte on the wire. */
export interface SpiLogEntry {
  /** Board time of the byte's first SCK edge (ticks). */
  readonly tick: number;
  readonly mosi: number;
  readonly miso: number;
  /** One SCK period in ticks. */
  readonly bitTicks: number;
  readonly mode: SpiMode;
  /** The CS pin of the (first) selected device, or null when none was selected. */
  readonly cs: string | null;
}

/** At most this many bytes are kept in a bus log; more is a HalError, never a silent drop. */
export const MAX_SPI_LOG_BYTES = 4_000_000;

/** What an SPI port needs from its board. @internal */
export interface SpiHost {
  readonly boardName: string;
  readonly ram: BoardRam;
  readonly generation: number;
  rtos(): FreeRTOS;
  now(): number;
  schedule(at: number, run: (at: number) => void): void;
  pinState(name: string): PinState;
  claimInstance(inst: PeripheralInstance, role: string): void;
  onRestart(hook: () => void): void;
}

interface Driver {
  readonly generation: number;
  readonly frequencyHz: number;
  readonly mode: SpiMode;
  readonly byteTicks: number;
  readonly notifyIndex: number;
  readonly priority: number;
}

interface Job {
  readonly write: Uint8Array | null;
  readonly read: Uint8Array | null;
  readonly length: number;
  next: number;
  readonly waiter: TaskHandle;
  done: boolean;
}

/** Which bus a pin is a device's chip select on (pins belong to one board, so this spans its buses). */
const CS_OWNER = new WeakMap<PinState, string>();

interface Attached {
  readonly pin: PinState;
  readonly device: SpiDevice;
}

/** One SPI instance: driver state, the transfer in progress, the devices and the wire log. @internal */
export class SpiPort {
  driver: Driver | null = null;
  private job: Job | null = null;
  private epoch = 0;
  readonly devices: Attached[] = [];
  /** Every byte on the wire (all boots). */
  readonly log: SpiLogEntry[] = [];
  /** SCK idle-level changes (configure with another CPOL, reset), oldest first. */
  private readonly idleLog: SignalEdge[] = [];
  private readonly handle: Spi;
  private readonly worldHandle: WorldSpi;

  constructor(
    readonly host: SpiHost,
    readonly index: number,
    readonly inst: PeripheralInstance,
  ) {
    this.handle = new Spi(this);
    this.worldHandle = new WorldSpi(this);
    host.onRestart(() => this.resetFirmwareSide());
  }

  get where(): string {
    return `spi${this.index} (${this.inst.name})`;
  }

  firmware(): Spi {
    return this.handle;
  }

  world(): WorldSpi {
    return this.worldHandle;
  }

  private resetFirmwareSide(): void {
    this.driver = null;
    this.job = null;
    this.epoch++;
    this.setIdle(false); // the SCK pin is an unconfigured input again
  }

  private setIdle(level: boolean): void {
    const last = this.idleLog.length === 0 ? false : this.idleLog[this.idleLog.length - 1]!.level;
    if (last !== level) this.idleLog.push({ tick: this.host.now(), level });
  }

  live(): Driver | null {
    const d = this.driver;
    return d !== null && d.generation === this.host.generation ? d : null;
  }

  configure(config: SpiConfig): void {
    const board = this.host.boardName;
    if (config === null || typeof config !== "object") throw new HalError(board, this.where, `configure expects { frequencyHz, mode? }, got ${String(config)}`);
    const { frequencyHz } = config;
    const mode = config.mode ?? 0;
    const range = spiClockRange(board, this.inst.name);
    if (typeof frequencyHz !== "number" || !Number.isFinite(frequencyHz) || frequencyHz <= 0)
      throw new HalError(board, this.where, `frequencyHz must be a positive number, got ${String(frequencyHz)}`);
    if (frequencyHz < range.minHz || frequencyHz > range.maxHz)
      throw new HalError(board, this.where, `SCK ${frequencyHz} Hz is out of range ${range.minHz}..${range.maxHz} Hz: ${range.why}`);
    if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3) throw new HalError(board, this.where, `mode must be 0, 1, 2 or 3 (CPOL × 2 + CPHA), got ${String(mode)}`);
    const priority = config.priority;
    if (priority !== undefined && (typeof priority !== "number" || !Number.isInteger(priority) || priority < 1 || priority > 15))
      throw new HalError(board, this.where, `interrupt priority must be an integer in 1..15 (kernel scale, higher preempts), got ${String(priority)}`);
    const rtos = this.host.rtos();
    const k = rtos.kernel;
    if (k.inIsr()) k.fail(`board "${board}" ${this.where}.configure`, "the SPI is configured from a task or set-up code, not from an interrupt");
    if (this.job !== null && this.live() !== null) throw new HalError(board, this.where, "configure while a transfer is in progress: wait for it to complete first");
    let actual = range.minHz;
    for (const r of range.ratesHz) if (r <= frequencyHz) actual = r;
    const old = this.live();
    if (old !== null && priority !== undefined && priority !== old.priority)
      throw new HalError(board, this.where, `its interrupt already runs at priority ${old.priority} in this boot; only frequencyHz and mode may change`);
    this.host.claimInstance(this.inst, `spi${this.index}`);
    const irqPriority = old?.priority ?? priority ?? k.config.configMAX_SYSCALL_INTERRUPT_PRIORITY;
    if (old === null) k.registerInterrupt(this.inst.irq, irqPriority, this.isr, this.inst.name);
    this.driver = {
      generation: this.host.generation,
      frequencyHz: actual,
      mode,
      byteTicks: (8 / actual) * k.config.configTICK_RATE_HZ,
      notifyIndex: driverNotifyIndex(k),
      priority: irqPriority,
    };
    this.setIdle(mode >= 2);
  }

  need(call: string): Driver {
    const d = this.live();
    if (d === null) throw new HalError(this.host.boardName, this.where, `${call}: the SPI is not configured in this boot; call configure({ frequencyHz, mode }) first`);
    return d;
  }

  /** A task-only driver call from an ISR or outside a task: KernelAssertError naming the call. */
  taskOnly(call: string): TaskHandle {
    const rtos = this.host.rtos();
    const k = rtos.kernel;
    const me = rtos.xTaskGetCurrentTaskHandle();
    if (k.inIsr() || me === null || !k.isSchedulerRunning())
      return k.fail(`board "${this.host.boardName}" ${this.where}.${call}`, "only a task may make this call (it blocks until the last bit is clocked); defer it to a task");
    return me;
  }

  transfer(write: Uint8Array | null, read: Uint8Array | null, call: string): KernelCall<void> {
    const rtos = this.host.rtos();
    const me = this.taskOnly(call);
    const d = this.need(call);
    if (this.job !== null) throw new HalError(this.host.boardName, this.where, `${call}: task "${this.job.waiter.name}" is still transferring; one transfer at a time (guard the bus with a mutex)`);
    const length = Math.max(write?.length ?? 0, read?.length ?? 0);
    if (length === 0) return voidCall(settled(0));
    this.job = { write, read, length, next: 0, waiter: me, done: false };
    this.startByte(this.host.now(), d);
    return voidCall(rtos.ulTaskNotifyTakeIndexed(d.notifyIndex, pdTRUE, rtos.portMAX_DELAY));
  }

  /** The next byte of the job goes on the wire at board time `at`: MOSI read now (zero copy for DMA). */
  private startByte(at: number, d: Driver): void {
    const j = this.job!;
    const i = j.next++;
    const mosi = j.write !== null && i < j.write.length ? j.write[i]! : SPI_FILL_BYTE;
    const selected = this.devices.filter((a) => !a.pin.level);
    const epoch = this.epoch;
    this.host.schedule(at + d.byteTicks, (end) => {
      if (epoch !== this.epoch) return;
      let miso = 0xff;
      for (const a of selected) {
        const r = a.device.exchange(mosi);
        if (typeof r !== "number" || !Number.isInteger(r) || r < 0 || r > 255)
          throw new HalError(this.host.boardName, `world ${this.where}`, `the device on CS ${a.pin.name} returned ${String(r)} from exchange; expected a byte 0..255`);
        miso &= r; // several selected devices fight over MISO: modelled as wired-AND (a bus fault on real boards)
      }
      if (this.log.length >= MAX_SPI_LOG_BYTES) throw new HalError(this.host.boardName, this.where, `more than ${MAX_SPI_LOG_BYTES} bytes logged; the bus log is bounded`);
      const bitTicks = d.byteTicks / 8;
      this.log.push({ tick: at + bitTicks / 2, mosi, miso, bitTicks, mode: d.mode, cs: selected.length > 0 ? selected[0]!.pin.name : null });
      if (j.read !== null && i < j.read.length) j.read[i] = miso;
      if (j.next < j.length) this.startByte(end, d);
      else {
        j.done = true;
        this.host.rtos().kernel.triggerInterrupt(this.inst.irq);
      }
    });
  }

  /** The transfer-complete interrupt: notifies the waiting task. */
  private readonly isr = (): void => {
    const d = this.live();
    const j = this.job;
    if (d === null || j === null || !j.done) return;
    const rtos = this.host.rtos();
    const woken = { value: 0 };
    this.job = null;
    rtos.xTaskNotifyIndexedFromISR(j.waiter, d.notifyIndex, j.length, eSetValueWithOverwrite, woken);
    rtos.portYIELD_FROM_ISR(woken);
  };

  // ── the world's side ──

  attach(csPin: string, device: SpiDevice): void {
    const board = this.host.boardName;
    const where = `world ${this.where}`;
    const pin = this.host.pinState(csPin);
    if (device === null || typeof device !== "object" || typeof device.exchange !== "function")
      throw new HalError(board, where, `attach expects a device { exchange(mosi): number, select?(), deselect?() }, got ${device === null ? "null" : typeof device === "object" ? "an object without exchange()" : typeof device}`);
    const owner = CS_OWNER.get(pin);
    if (owner !== undefined) throw new HalError(board, where, `pin ${pin.name} is already the chip select of a device on ${owner}; one device per CS pin`);
    const host = this.host;
    // First, so that a device refusing the bus (already attached elsewhere) leaves nothing behind.
    device.attached?.({
      boardName: board,
      bus: this.where,
      csPin: pin.name,
      tickRateHz: host.rtos().kernel.config.configTICK_RATE_HZ,
      now: () => host.now(),
    });
    CS_OWNER.set(pin, this.where);
    this.devices.push({ pin, device });
    pin.watchers.push((level) => {
      if (!level) device.select?.();
      else device.deselect?.();
    });
  }

  /**
   * A bus line as a SignalSource: "sck", "mosi", "miso", or "cs" (the CS pin of the first device
   * attached to this bus; with several devices, the others' CS pins are recordable as pins).
   */
  signal(line: string, name: string): SignalSource {
    const board = this.host.boardName;
    if (line === "cs") {
      // Looked up at each trace, so a recorder may ask for the line before a device is attached;
      // with no device it reads high (deselected) and has no edges.
      return {
        name,
        trace: (from, to) => {
          const first = this.devices[0];
          return first === undefined ? { initial: true, edges: [] } : traceFromEdges(first.pin.edges, false, from, to);
        },
      };
    }
    if (line !== "sck" && line !== "mosi" && line !== "miso") throw new HalError(board, `signal "${name}"`, `an SPI bus has lines sck, mosi, miso and cs, not "${line}"`);
    return {
      name,
      trace: (from, to) => {
        const { initial, history } = this.history(line);
        return traceFromEdges(history, initial, from, to);
      },
    };
  }

  /** The complete edge history of a line from the log (built only when a trace is asked for). */
  private history(line: "sck" | "mosi" | "miso"): { initial: boolean; history: SignalEdge[] } {
    const initial = line === "miso";
    const out: SignalEdge[] = [];
    let level = initial;
    const push = (tick: number, l: boolean): void => {
      if (l === level) return;
      level = l;
      out.push({ tick, level: l });
    };
    let idle = 0;
    for (const e of this.log) {
      const tb = e.bitTicks;
      const s = e.tick - tb / 2;
      if (line === "sck") {
        while (idle < this.idleLog.length && this.idleLog[idle]!.tick <= s) {
          push(this.idleLog[idle]!.tick, this.idleLog[idle]!.level);
          idle++;
        }
      }
      const cpol = e.mode >= 2;
      const cpha = (e.mode & 1) === 1;
      for (let i = 0; i < 8; i++) {
        if (line === "sck") {
          push(s + (i + 0.5) * tb, !cpol);
          push(s + (i + 1) * tb, cpol);
        } else {
          const byte = line === "mosi" ? e.mosi : e.miso;
          push(s + (cpha ? i + 0.5 : i) * tb, ((byte >> (7 - i)) & 1) === 1);
        }
      }
    }
    if (line === "sck") for (; idle < this.idleLog.length; idle++) push(this.idleLog[idle]!.tick, this.idleLog[idle]!.level);
    return { initial, history: out };
  }
}

/**
 * An SPI master as firmware sees it (`board.spi(n)`). `tx`/`txDMA` return the kernel call of the
 * driver's wait (await it in an async task, `yield*` it in a generator task); only a task may
 * make them (from an ISR: KernelAssertError). Chip select is a GPIO pin the firmware drives.
 */
export class Spi {
  /** @internal */
  constructor(/** @internal */ readonly port: SpiPort) {}

  /** The vendor name of the instance ("SPI1", "SPIM0", "SPI2"). */
  get name(): string {
    return this.port.inst.name;
  }

  /**
   * Sets SCK rate and mode and takes the instance (on the nRF52840, SPIM0/SPIM1 then cannot serve
   * as TWIM0/TWIM1 in this boot). The rate is rounded down to one the instance can make (see
   * spiClockRange; `frequencyHz` then reads it); outside the instance's range: HalError.
   */
  configure(config: SpiConfig): void {
    this.port.configure(config);
  }

  /** The SCK rate in use (after rounding down), or 0 when not configured in this boot. */
  get frequencyHz(): number {
    return this.port.live()?.frequencyHz ?? 0;
  }

  /** The mode in use, or null when not configured in this boot. */
  get mode(): SpiMode | null {
    return this.port.live()?.mode ?? null;
  }

  /**
   * A full-duplex transfer of max(write.length, read.length) bytes: sends `write` (null or
   * shorter: SPI_FILL_BYTE for the rest) and stores what comes back in `read` (null or shorter:
   * discarded). Resolves when the last bit has been clocked. `write` is copied when called.
   */
  tx(write: Uint8Array | null, read: Uint8Array | null): KernelCall<void> {
    const p = this.port;
    p.taskOnly("tx");
    checkBuffer(p, "tx", "write", write);
    checkBuffer(p, "tx", "read", read);
    return p.transfer(write === null ? null : write.slice(), read, "tx");
  }

  /**
   * tx by DMA without a copy: `write` and `read` (each null or a view in board RAM) are read and
   * written in RAM as each byte goes on the wire, so a byte changed in RAM before its turn goes
   * out changed. A view not in board RAM: HalError.
   */
  txDMA(write: Uint8Array | null, read: Uint8Array | null): KernelCall<void> {
    const p = this.port;
    p.taskOnly("txDMA");
    checkBuffer(p, "txDMA", "write", write);
    checkBuffer(p, "txDMA", "read", read);
    for (const [what, v] of [["write", write], ["read", read]] as const) {
      const refused = v === null ? null : dmaViewError(p.host.ram, p.where, "txDMA", `${what} buffer`, v);
      if (refused !== null) throw refused;
    }
    return p.transfer(write, read, "txDMA");
  }
}

function checkBuffer(p: SpiPort, call: string, what: string, v: unknown): void {
  if (v !== null && !(v instanceof Uint8Array)) throw new HalError(p.host.boardName, p.where, `${call} expects ${what} to be a Uint8Array or null, got ${typeof v}`);
}

/** The world side of an SPI bus (`board.world.spi(n)`): the devices on it and the wire log. */
export class WorldSpi {
  /** @internal */
  constructor(/** @internal */ readonly port: SpiPort) {}

  /**
   * Puts `device` on the bus with chip select `csPin` (chip name or alias): while that pin is low
   * at the start of a byte, the device exchanges it; select/deselect run on the pin's falling and
   * rising edges. One device per CS pin (across all buses). Devices stay across resets.
   */
  attach(csPin: string, device: SpiDevice): void {
    this.port.attach(csPin, device);
  }

  /** Every byte on the wire (all boots), oldest first. */
  get log(): readonly SpiLogEntry[] {
    return this.port.log;
  }
}
