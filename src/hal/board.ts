/**
 * A board: the chip's catalogue entry, its RAM, its kernel (`board.rtos`), its pins, the world
 * outside it, and the boot/reset cycle that runs the firmware.
 *
 * Boot: the first `board.run(ticks)` (and the first after each reset) calls `firmware(board)`,
 * which creates tasks and starts the scheduler (started for it if it does not), then advances
 * virtual time. Reset: RAM cleared, every pin back to its reset state (input, no pull, no
 * interrupt; the world's drive stays), a fresh kernel in `board.rtos`, flash kept (once there is
 * flash), firmware again at the next run. Called from firmware (a task or an ISR of this board),
 * `board.reset()` returns, the board halts (every further firmware-side board operation of the old
 * boot is ignored, and the old kernel is stopped at its next switch and discarded), and
 * `board.run` restarts it and goes on to its target. The new kernel's tick 0 is the next whole
 * board tick after the reset (a reset takes up to one tick here); board time (`board.now()`,
 * world ticks, edge times) runs on across resets.
 *
 * Watchdog (`board.watchdog`, src/hal/watchdog.ts): expiry resets the board with reason
 * "watchdog"; any reset or power cut stops it. Power (`board.cutPower`, `board.powerOn`,
 * `board.powered`, src/hal/power.ts): a cut stops the chip where it is; while off, `board.run`
 * advances board time with nothing of the firmware running; `powerOn()` boots "power-on".
 *
 * Bootloader hooks (@internal, for tinyrtos/ota's installBootloader): `setFirmware(fw)` replaces
 * the firmware of every later boot; `chainLoad(fw)`, from a task, is the bootloader's jump: the
 * board restarts as at a reset (RAM cleared, a fresh kernel, flash kept) with its reset reason
 * unchanged and runs `fw` for that one boot.
 * @module
 */
import { createFreeRTOS, type FreeRTOS, type FreeRTOSConfig, type RunOutcome } from "../freertos/index.js";
import { runningKernel, type Kernel, type Prng } from "../kernel/index.js";
import { sramBytes, type BoardSpec, type GpioInterruptRoute, type PeripheralInstance } from "./catalogue.js";
import { BoardClock } from "./clock.js";
import { HalError } from "./errors.js";
import { GpioLine, Pin, PinState } from "./gpio.js";
import { BoardRam } from "./ram.js";
import { Flash, type FlashHost } from "./flash.js";
import { World, type WorldHost } from "./world.js";
import { Watchdog, WATCHDOG_SPECS } from "./watchdog.js";
import { planCut, powerPrng, type CutPowerOptions, type PlannedCut } from "./power.js";
import { UartPort, type Uart, type UartHost } from "./uart.js";
import { SpiPort, type Spi, type SpiHost } from "./spi.js";
import { I2CBus, i2cSignal, type I2C, type I2CHost } from "./i2c.js";
import { traceFromEdges, uartSignal, type SignalSource } from "./signal.js";
import { stm32h743 } from "./boards/stm32h743.js";
import { esp32c3 } from "./boards/esp32c3.js";
import { nrf52840 } from "./boards/nrf52840.js";
import { CYCLE_COSTS, CycleModel, type CycleCosts } from "./cycles.js";
import { Mpu, type MemoryFault } from "./mpu.js";
import { BoardMemory } from "./memory.js";

/** Why the board last started. */
export type ResetReason = "power-on" | "software" | "watchdog" | "brownout";
const RESET_REASONS: readonly string[] = ["power-on", "software", "watchdog", "brownout"];

/** The owner name of the kernel heap in `board.ram.report()`. */
export const HEAP_OWNER = "heap (configTOTAL_HEAP_SIZE)";

/** The catalogue: every board by name. */
export const boardSpecs: Readonly<Record<string, BoardSpec>> = Object.freeze({ stm32h743, esp32c3, nrf52840 });

/** The board names createBoard accepts. */
export const boards: readonly string[] = Object.freeze(["stm32h743", "esp32c3", "nrf52840"]);

/** The firmware: called at each boot with the board; creates tasks and starts the scheduler. */
export type Firmware = (board: Board) => void | Promise<void>;

export interface BoardOptions {
  /** Seed of the board's kernel PRNG (default 1). */
  seed?: number;
  /** FreeRTOS config overrides for the board's kernel (configTOTAL_HEAP_SIZE defaults to a quarter of SRAM). */
  config?: FreeRTOSConfig;
  /**
   * false: no kernel object may be allocated from the heap once the scheduler has started (any
   * dynamic create call after vTaskStartScheduler asserts, "heap disabled after start"); the
   * firmware creates everything at boot or uses the Static twins. Default true. (The kernel
   * config key `heapAfterStart`.)
   */
  heapAfterStart?: boolean;
  firmware: Firmware;
  /**
   * What vTaskGetRunTimeStats counts in (portGET_RUN_TIME_COUNTER_VALUE): "microseconds" of
   * virtual time (the default) or "cycles" of the board's cycle model (`board.cycles`), as
   * firmware does when it points the counter at DWT->CYCCNT. The count does not wrap (as with a
   * 64-bit configRUN_TIME_COUNTER_TYPE; the 32-bit CYCCNT itself wraps every 2^32 cycles, 8.9 s
   * at 480 MHz).
   */
  runTimeCounter?: "microseconds" | "cycles";
  /**
   * Runs at each memory fault (an MPU/PMP violation or a bus fault of a task, see `board.memory`),
   * with the record `board.faults` gets, before the task is stopped: like a MemManage handler, it
   * must not call the kernel. If it throws, the run fails with that error.
   */
  onFault?: (fault: MemoryFault) => void;
  /**
   * MPU regions (PMP entries) the tasks' regions are loaded into at each switch, the rest being the
   * kernel's. Default: FreeRTOS-MPU's layout, totalRegions - 4 on Cortex-M (12 on the stm32h743, 4
   * on the nrf52840; regions 0-3 are the kernel's), and 14 of the esp32c3's 16 PMP entries. The
   * seed's coroutine framework loads stacks into 8 (region i % 8); a bare-metal scheduler may use
   * them all. 1..the board's region count; a task's stack and regions must fit in them.
   */
  mpuSlots?: number;
}

/** The summary API.md gives as `board.info`. */
export interface BoardInfo {
  readonly name: string;
  readonly devKit: string;
  readonly chip: string;
  readonly core: string;
  readonly cpuHz: number;
  readonly sramBytes: number;
  readonly flashBytes: number;
  readonly flashEraseBytes: number;
  readonly mpuRegions: number;
  readonly pins: readonly string[];
  readonly uarts: number;
  readonly spis: number;
  readonly i2cs: number;
}

/** Creates a board by catalogue name (see `boards`). */
export function createBoard(name: string, options: BoardOptions): Board {
  const spec = typeof name === "string" && Object.prototype.hasOwnProperty.call(boardSpecs, name) ? boardSpecs[name] : undefined;
  if (spec === undefined) throw new HalError(null, `board "${String(name)}"`, `no such board; boards are ${boards.join(", ")}`);
  if (options === null || typeof options !== "object") throw new HalError(name, "createBoard", "expects options { firmware, seed?, config? }");
  if (typeof options.firmware !== "function") throw new HalError(name, "createBoard", `options.firmware must be a function (board) => ..., got ${typeof options.firmware}`);
  if (options.seed !== undefined && (typeof options.seed !== "number" || !Number.isFinite(options.seed))) throw new HalError(name, "createBoard", `options.seed must be a number, got ${String(options.seed)}`);
  if (options.config !== undefined && (options.config === null || typeof options.config !== "object")) throw new HalError(name, "createBoard", "options.config must be an object of FreeRTOS config overrides");
  if (options.runTimeCounter !== undefined && options.runTimeCounter !== "microseconds" && options.runTimeCounter !== "cycles")
    throw new HalError(name, "createBoard", `options.runTimeCounter must be "microseconds" or "cycles", got ${JSON.stringify(options.runTimeCounter)}`);
  if (options.onFault !== undefined && typeof options.onFault !== "function") throw new HalError(name, "createBoard", `options.onFault must be a function (fault) => void, got ${typeof options.onFault}`);
  if (options.mpuSlots !== undefined && (typeof options.mpuSlots !== "number" || !Number.isInteger(options.mpuSlots) || options.mpuSlots < 1 || options.mpuSlots > spec.mpuRegions))
    throw new HalError(name, "createBoard", `options.mpuSlots must be an integer 1..${spec.mpuRegions} (the ${spec.mpuKind === "MPU" ? "MPU regions" : "PMP entries"} of the ${spec.chip}), got ${String(options.mpuSlots)}`);
  if (options.heapAfterStart !== undefined && typeof options.heapAfterStart !== "boolean") throw new HalError(name, "createBoard", `options.heapAfterStart must be a boolean, got ${typeof options.heapAfterStart}`);
  return new Board(spec, options);
}

/** One virtual board. Create it with createBoard. */
export class Board {
  /** The full catalogue entry (memory map, flash, interrupts, dev-kit wiring), with citations in src/hal/boards. */
  readonly spec: BoardSpec;
  readonly info: BoardInfo;
  /** The board's SRAM: one ArrayBuffer addressed by the memory map. */
  readonly ram: BoardRam;
  /** The outside world (test bench side). */
  readonly world: World;
  /** The NOR flash (src/hal/flash.ts); kept across resets. */
  readonly flash: Flash;
  /** The chip's independent watchdog (src/hal/watchdog.ts); stopped by every reset. */
  readonly watchdog: Watchdog;
  /** Why the board last started. */
  resetReason: ResetReason = "power-on";
  /** The cycle model (src/hal/cycles.ts): cycles of switches, interrupts, ticks and MPU reloads; counters restart at each boot. */
  readonly cycles: CycleModel;
  /**
   * The address map as firmware sees it, checked against the running task's MPU/PMP regions
   * (src/hal/memory.ts): `read(address, into)`, `write(address, data)`, `readU8/16/32(address)`,
   * `writeU8/16/32(address, value)`, little endian.
   * @example
   * board.memory.writeU32(0x20010000, 0xdeadbeef);
   * board.memory.readU16(0x20010002); // 0xdead
   */
  readonly memory: BoardMemory;
  /** The board's MPU (PMP on the ESP32-C3): its rules, region slots and reload count (src/hal/mpu.ts). */
  readonly mpu: Mpu;

  private _rtos: FreeRTOS;
  private firmware: Firmware;
  /** A chain-load requested from firmware (board.chainLoad), taken by the restart it causes. */
  private pendingJump: Firmware | null = null;
  /** The firmware of this one boot instead of `firmware` (a bootloader's jump), or null. */
  private chained: Firmware | null = null;
  private readonly onFault: ((fault: MemoryFault) => void) | null;
  private readonly faultLog: MemoryFault[] = [];
  private readonly config: FreeRTOSConfig;
  private readonly clock = new BoardClock();
  private readonly pinStates: PinState[];
  private readonly pinByName = new Map<string, PinState>();
  private readonly pinIndex = new Map<PinState, number>();
  private readonly handles = new Map<PinState, Pin>();
  private lines = new Map<number, GpioLine>();
  private gpioPoolUsed = 0;
  private booted = false;
  private booting = false;
  private running = false;
  /** A reset requested from firmware, applied by run() once the old kernel has stopped. */
  private halted: ResetReason | null = null;
  /** Boot number, from 1. @internal */
  generation = 1;
  /** The power is off (after a cut, until powerOn). */
  private off = false;
  /** Board time of a power cut from firmware context, applied by run() once the old kernel has stopped. */
  private failing: number | null = null;
  /** The cut waiting to happen, and the number that makes an older scheduled cut stale. */
  private cut: PlannedCut | null = null;
  private cutToken = 0;
  private prngPower: Prng | null = null;
  /** vTaskGetRunTimeStats counts cycles (options.runTimeCounter). */
  private readonly cyclesRunTime: boolean;
  private readonly pinHost: WorldHost & FlashHost;
  /** What the serial peripherals (UART, SPI, I2C) see of the board: one object for all their ports. */
  private readonly portHost: UartHost & SpiHost & I2CHost;
  private readonly uartPorts: (UartPort | undefined)[] = [];
  private readonly spiPorts: (SpiPort | undefined)[] = [];
  private readonly i2cBuses: (I2CBus | undefined)[] = [];
  /** Peripheral ID (the instance's interrupt number) → the role that took it this boot. */
  private readonly instanceRoles = new Map<number, string>();
  /** Called at each restart, after RAM and pins are reset and before the new kernel exists. */
  private readonly restartHooks: (() => void)[] = [];
  /** Bus signal families by prefix ("uart", "spi", "i2c"): signal("spi0.sck") → busSignals.get("spi")(0, "sck", name). */
  private readonly busSignals = new Map<string, (n: number, line: string, name: string) => SignalSource>();

  /** @internal */
  constructor(spec: BoardSpec, options: BoardOptions) {
    this.spec = spec;
    this.firmware = options.firmware;
    this.cycles = new CycleModel(spec.name, CYCLE_COSTS[spec.name]!);
    this.cyclesRunTime = options.runTimeCounter === "cycles";
    this.onFault = options.onFault ?? null;
    const sram = sramBytes(spec);
    this.config = { configTOTAL_HEAP_SIZE: Math.floor(sram / 4), ...(options.config ?? {}), seed: options.seed ?? options.config?.seed ?? 1 };
    if (options.heapAfterStart !== undefined) this.config.heapAfterStart = options.heapAfterStart;
    this.info = Object.freeze({
      name: spec.name,
      devKit: spec.devKit,
      chip: spec.chip,
      core: spec.core,
      cpuHz: spec.cpuHz,
      sramBytes: sram,
      flashBytes: spec.flash.sizeBytes,
      flashEraseBytes: spec.flash.eraseBytes,
      mpuRegions: spec.mpuRegions,
      pins: Object.freeze([...spec.pins]),
      uarts: spec.uarts.length,
      spis: spec.spis.length,
      i2cs: spec.i2cs.length,
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const board = this;
    this.ram = new BoardRam(spec.name, spec.ram);
    this.chargeHeap();
    this.mpu = new Mpu(spec.name, spec.mpuKind, spec.mpuRegions, options.mpuSlots);
    this.memory = new BoardMemory({
      boardName: spec.name,
      ram: this.ram,
      mpuKind: spec.mpuKind,
      get generation() {
        return board.generation;
      },
      kernel: () => board._rtos.kernel,
      fault: (record) => {
        board.faultLog.push(record);
        if (board.onFault !== null) board.onFault(record);
      },
    });
    this.pinStates = spec.pins.map((n, i) => {
      const s = new PinState(n, spec.gpioInterrupt(n));
      this.pinByName.set(n, s);
      this.pinIndex.set(s, i);
      return s;
    });
    for (const alias of ["LED", "BUTTON"] as const) this.pinByName.set(alias, this.pinByName.get(spec.aliases[alias].pin)!);
    this.pinHost = {
      boardName: spec.name,
      now: () => board.clock.now(),
      kernel: () => board._rtos.kernel,
      live: () => board.halted === null && board.failing === null && !board.off,
      get generation() {
        return board.generation;
      },
      gpioLine: (route, priority, pin) => board.gpioLine(route, priority, pin),
      pinState: (name) => board.pinState(name),
      at: (atTick, call, where, change) => board.at(atTick, call, where, change),
      uartPort: (n) => board.uartPort(n),
      cutAtOp: (index) => board.cutAtOp(index),
      powerFail: () => board.powerFail(),
      powerPrng: () => (board.prngPower ??= powerPrng(board.config.seed ?? 1)),
      spiPort: (n) => board.spiPort(n),
      i2cBus: (n) => board.i2cBus(n),
    };
    this.portHost = {
      boardName: spec.name,
      ram: this.ram,
      get generation() {
        return board.generation;
      },
      rtos: () => board._rtos,
      now: () => board.clock.now(),
      schedule: (at, run) => board.clock.schedule(at, run),
      at: (atTick, call, where, change) => board.at(atTick, call, where, change),
      pinState: (name) => board.pinState(name),
      claimInstance: (i, role) => board.claimInstance(i, role),
      onRestart: (hook) => board.onRestart(hook),
    };
    this.world = new World(this.pinHost);
    this.flash = new Flash(spec.name, spec.flash, this.pinHost, () => this._rtos);
    this.watchdog = new Watchdog(
      {
        boardName: spec.name,
        now: () => board.clock.now(),
        live: () => board.pinHost.live(),
        schedule: (at, run) => board.clock.schedule(at, run),
        tickRateHz: () => board._rtos.kernel.config.configTICK_RATE_HZ,
        expire: () => board.reset("watchdog"),
      },
      WATCHDOG_SPECS[spec.name]!,
    );
    this.onRestart(() => this.watchdog.stopForReset());
    this.addBusSignals("uart", (n, line, name) => {
      if (line !== "tx" && line !== "rx") throw new HalError(this.spec.name, `signal "${name}"`, `a UART has lines tx and rx, not "${line}"`);
      const world = this.uartPort(n).world();
      return uartSignal(name, line === "tx" ? world.txLog : world.rxLog);
    });
    this.addBusSignals("spi", (n, line, name) => this.spiPort(n).signal(line, name));
    this.addBusSignals("i2c", (n, line, name) => {
      if (line !== "scl" && line !== "sda") throw new HalError(this.spec.name, `signal "${name}"`, `an I2C bus has lines scl and sda, not "${line}"`);
      return i2cSignal(name, this.i2cBus(n).log, line);
    });
    this._rtos = this.newRtos();
    this.clock.attach(this._rtos.kernel, 0);
  }

  /** The cycle figures of this board's core (read-only; each with its source). */
  get cycleCosts(): CycleCosts {
    return this.cycles.costs;
  }

  /** The FreeRTOS API of this boot's kernel (a fresh one after each reset). */
  get rtos(): FreeRTOS {
    return this._rtos;
  }

  /**
   * Every memory fault since the board was created (kept across resets; `boot` tells them apart),
   * oldest first: plain records { taskName, address, access, sizeBytes, tick, boot, kind, regions }.
   */
  get faults(): readonly MemoryFault[] {
    return this.faultLog;
  }

  /** Board time in ticks since the board was created (fractions between ticks); runs on across resets. */
  now(): number {
    return this.clock.now();
  }

  /** A pin by chip name ("PB0", "P0.13", "GPIO8") or dev-kit alias ("LED", "BUTTON"), for GPIO use. */
  pin(name: string): Pin {
    const s = this.pinState(name);
    this.claimPin(s.name, "gpio");
    let h = this.handles.get(s);
    if (h === undefined) {
      h = new Pin(this.pinHost, s, this.generation);
      this.handles.set(s, h);
    }
    return h;
  }

  /** UART `n` (0-based index into the board's catalogue list of U(S)ARTs), firmware side. */
  uart(n: number): Uart {
    return this.uartPort(n).firmware();
  }

  /** SPI `n` (0-based index into the board's catalogue list of SPI masters), firmware side. */
  spi(n: number): Spi {
    return this.spiPort(n).firmware();
  }

  /** I2C bus `n` (0-based index into the board's catalogue list of I2C instances), firmware side. */
  i2c(n: number): I2C {
    return this.i2cBus(n).firmware();
  }

  /**
   * Takes pin `name` for `role` ("gpio", "uart0.tx", ...) until the next reset; a pin already
   * used in another role is a HalError naming both. @internal (peripherals call it)
   */
  claimPin(name: string, role: string): void {
    const s = this.pinState(name);
    if (s.role !== null && s.role !== role) throw new HalError(this.spec.name, `pin "${s.name}"`, `already used as ${s.role}; cannot also use it as ${role} (one role per pin until reset)`);
    s.role = role;
  }

  /**
   * Takes a serial peripheral instance for `role` ("spi0", "i2c1") until the next reset. Instances
   * that share a peripheral ID (and so an interrupt: nRF52840 SPIM0/TWIM0 and SPIM1/TWIM1, PS
   * §4.x "Shared resources") can serve only one role per boot; the second is a HalError naming
   * both. @internal (peripherals call it)
   */
  claimInstance(inst: PeripheralInstance, role: string): void {
    const holder = this.instanceRoles.get(inst.irq);
    if (holder !== undefined && holder !== role)
      throw new HalError(this.spec.name, `${role} (${inst.name})`, `its peripheral ID ${inst.irq} is already in use as ${holder}; instances sharing an ID (and its interrupt) serve one role per boot`);
    this.instanceRoles.set(inst.irq, role);
  }

  /** Registers `hook` to run at every restart (firmware-side state of a peripheral back to reset). @internal */
  onRestart(hook: () => void): void {
    this.restartHooks.push(hook);
  }

  /** Registers the bus signals of one peripheral family for board.signal("<kind><n>.<line>"). @internal */
  addBusSignals(kind: string, signal: (n: number, line: string, name: string) => SignalSource): void {
    this.busSignals.set(kind, signal);
  }

  /**
   * Replaces the firmware run at every boot from the next boot on (a bootloader installed on the
   * board: tinyrtos/ota installBootloader). Host side. @internal
   */
  setFirmware(firmware: Firmware): void {
    if (typeof firmware !== "function") throw new HalError(this.spec.name, "setFirmware", `expects a function (board) => ..., got ${typeof firmware}`);
    this.firmware = firmware;
  }

  /**
   * A bootloader's jump to the application: from this board's firmware (a task), the board
   * restarts as at a reset — RAM cleared, pins to reset state, a fresh kernel, flash kept — with
   * `resetReason` unchanged, and runs `firmware` instead of the board's firmware for that one
   * boot (the next reset or power-on runs the board's firmware, the bootloader, again). Like
   * `reset` from firmware, the call returns and the restart happens before the caller's next
   * kernel call completes; a board already going down ignores it. @internal
   */
  chainLoad(firmware: Firmware): void {
    if (typeof firmware !== "function") throw new HalError(this.spec.name, "chainLoad", `expects a function (board) => ..., got ${typeof firmware}`);
    if (this.halted !== null || this.failing !== null || this.off) return;
    const k = this._rtos.kernel;
    if (runningKernel() !== k) throw new HalError(this.spec.name, "chainLoad", "only this board's firmware (a running task) can jump to an application");
    this.pendingJump = firmware;
    this.halted = this.resetReason;
    k.stop();
  }

  /**
   * Reboots the board: RAM cleared, pins to reset state, a fresh kernel, firmware again at the next
   * run. From host code it happens at once; from firmware (a task or ISR of this board) the call
   * returns and the board restarts before that code's next kernel call completes (see the module
   * comment). The restart itself is done by board.run: when something else drives the kernel
   * (run(main, { rtos: board.rtos }) from the Go layer), that run sees its kernel stopped and
   * the board restarts at its next board.run.
   */
  reset(reason: ResetReason = "software"): void {
    if (!RESET_REASONS.includes(reason)) throw new HalError(this.spec.name, "reset", `reason must be one of ${RESET_REASONS.join(", ")}, got ${JSON.stringify(reason)}`);
    if (this.halted !== null || this.failing !== null) return; // already going down
    if (this.off) throw new HalError(this.spec.name, "reset", "the board is off (power cut): only powerOn() starts it");
    const k = this._rtos.kernel;
    if (runningKernel() === k) {
      this.halted = reason;
      k.stop();
    } else if (this.booting) {
      this.halted = reason;
    } else {
      this.restart(reason);
    }
  }

  /**
   * Advances the board by `ticks` of virtual time: boots the firmware first when the board has
   * not run since creation or the last reset, and restarts the board on a reset from firmware.
   * Resolves like rtos.run ("target" at the end); rejects with what a task or ISR threw.
   */
  async run(ticks: number): Promise<RunOutcome> {
    if (typeof ticks !== "number" || !Number.isInteger(ticks) || ticks < 0) throw new HalError(this.spec.name, "run", `ticks must be a non-negative integer, got ${String(ticks)}`);
    if (this.running) throw new HalError(this.spec.name, "run", "board.run called while a run of this board is in progress: await it first");
    this.running = true;
    try {
      const target = this.clock.now() + ticks;
      for (;;) {
        if (this.failing !== null) {
          this.powerDown(this.failing);
          continue;
        }
        if (this.off) {
          // Nothing runs; the world's events still happen.
          this.clock.advanceTo(target);
          return "target";
        }
        if (!this.booted) await this.boot();
        if (this.failing !== null) continue;
        if (this.halted !== null) {
          this.restart(this.halted);
          continue;
        }
        let outcome: RunOutcome = "stopped";
        try {
          outcome = await this._rtos.run(Math.max(0, Math.round(target - this.clock.now())));
        } catch (error) {
          if (this.halted === null && this.failing === null) throw error;
        }
        if (this.failing !== null) continue;
        if (this.halted !== null) {
          this.restart(this.halted);
          continue;
        }
        return outcome;
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * A recordable line by name: a pin (chip name or alias) or a bus line such as "uart0.tx" /
   * "uart0.rx" (the device's TX and RX). For trace recorders (tinyrtos/trace recordVCD).
   */
  signal(name: string): SignalSource {
    if (typeof name !== "string") throw new HalError(this.spec.name, "signal", `expects a signal name, got ${typeof name}`);
    const bus = /^([a-z][a-z0-9]*?)(\d+)\.([a-z]+)$/.exec(name);
    if (bus !== null) {
      const [, kind, nText, line] = bus as unknown as [string, string, string, string];
      const family = this.busSignals.get(kind);
      if (family !== undefined) return family(Number(nText), line, name);
      throw new HalError(this.spec.name, `signal "${name}"`, `no such signal; bus signals are ${[...this.busSignals.keys()].map((k) => `${k}<n>.<line>`).join(", ")}`);
    }
    const s = this.pinState(name);
    return { name, trace: (from, to) => traceFromEdges(s.edges, false, from, to) };
  }

  /** False from the moment the power fails until powerOn(). */
  get powered(): boolean {
    return !this.off && this.failing === null;
  }

  /**
   * The power fails at board time `atTick` or as the `atFlashOp`-th flash erase/program from now
   * starts (see src/hal/power.ts for what a cut does, `tear`, and what happens while off). Bad
   * input (neither or both of atTick and atFlashOp, a past atTick, a non-boolean tear, tear with
   * atTick) or a board already off: HalError, nothing planned. Replaces a pending cut. World side.
   */
  cutPower(options: CutPowerOptions): void {
    if (!this.powered) throw new HalError(this.spec.name, "cutPower", "the board is already off; powerOn() first");
    const now = this.clock.now();
    const plan = planCut(this.spec.name, options, now, this.flash.ops);
    this.cut = plan;
    const token = ++this.cutToken;
    if (plan.kind !== "tick") return;
    if (plan.atTick === now) this.powerFail();
    else
      this.clock.schedule(plan.atTick, () => {
        if (token === this.cutToken) this.powerFail();
      });
  }

  /**
   * Power on: boots as a "power-on" reset (a fresh kernel from the next whole board tick,
   * firmware at the next run); on a board that is on, a power cycle. Cancels a pending cut.
   * World side: from firmware of this board, HalError.
   */
  powerOn(): void {
    if (runningKernel() === this._rtos.kernel) throw new HalError(this.spec.name, "powerOn", "called from this board's firmware; power is the bench's (world side) call");
    this.cut = null;
    this.cutToken++;
    if (this.failing !== null) this.powerDown(this.failing);
    else if (!this.off) {
      const now = this.clock.now();
      this.flash.powerFail(now);
      this.powerDown(now);
    }
    const at = this.clock.now();
    this.off = false;
    this.resetReason = "power-on";
    this._rtos = this.newRtos();
    this.clock.attach(this._rtos.kernel, Math.ceil(at - 1e-9));
    this.clock.deliver();
  }

  // ───────────────────────────── internals ─────────────────────────────

  // ── THE one place a boot's kernel is made: its heap placed in board RAM (heap blocks get
  // addresses in the "heap (configTOTAL_HEAP_SIZE)" region and views of it, static buffers must
  // be board RAM, the kernel's own static memory is the `kernel` row, the heap's live blocks are
  // listed under the heap row of `board.ram.report()`), and the board's port (KernelPort): the
  // MPU's part (region rules for xTaskCreateRestricted, region reloads at each switch) and the
  // cycle model's (switches, interrupts, ticks, and the reloads the MPU reports). ──
  /** A fresh kernel for a boot: heap in board RAM, port hooks attached. */
  private newRtos(): FreeRTOS {
    const rtos = createFreeRTOS(this.config);
    // Board RAM for the kernel's heap (heap_4 at the heap region's address) and its static memory.
    const ram = this.ram;
    const board = this.spec.name;
    const baseAddress = this.heapAddress >= 0 ? this.heapAddress : ram.regions[0]!.base;
    rtos.kernel.setMemory({
      baseAddress,
      sizeBytes: this.heapAddress >= 0 ? this.config.configTOTAL_HEAP_SIZE! : 0,
      view: (address, sizeBytes) => ram.view(address, sizeBytes),
      addressOf: (view) => (ram.contains(view) ? ram.addressOf(view) : -1),
      reserveKernelStatic: (sizeBytes) => {
        // Beside the heap when its region has room (the linker keeps .bss together), else first fit.
        const heapRegion = baseAddress >= 0 ? ram.regionAt(baseAddress)?.name : undefined;
        const at = (heapRegion !== undefined ? ram.allocate("kernel", sizeBytes, { alignBytes: 8, region: heapRegion }) : null) ?? ram.allocate("kernel", sizeBytes, { alignBytes: 8 });
        if (at === null)
          throw new HalError(board, "ram", `the kernel's static memory (idle and timer tasks, timer queue: ${sizeBytes} bytes) does not fit: the largest free SRAM block is ${ram.largestFreeBytes()} bytes\n${ram.report()}`);
        return at.address;
      },
    });
    ram.setDetails(HEAP_OWNER, () => rtos.kernel.heap.blocks().map((b) => ({ owner: b.owner, address: b.address, sizeBytes: b.sizeBytes })));
    const mpu = this.mpu;
    const cycles = this.cycles;
    mpu.reset();
    cycles.attach(rtos.kernel);
    rtos.kernel.setPort({
      taskSwitchedIn: (previous, next) => {
        const reloaded = mpu.taskSwitchedIn(previous, next);
        cycles.taskSwitchedIn(previous, next);
        if (reloaded > 0) cycles.chargeMpuReloads(reloaded);
      },
      isrEntered: (irq, priority, nested, tailChained) => cycles.isrEntered(irq, priority, nested, tailChained),
      isrExited: (irq, priority) => cycles.isrExited(irq, priority),
      checkRegions: (taskName, regions) => mpu.checkRegions(taskName, regions),
    });
    if (this.cyclesRunTime) rtos.kernel.setRunTimeClock(cycles);
    return rtos;
  }

  /** A planned cut that falls on flash operation `index`: consumed; its tear flag. */
  private cutAtOp(index: number): boolean | null {
    const c = this.cut;
    if (c === null || c.kind !== "op" || c.opIndex !== index) return null;
    this.cut = null;
    this.cutToken++;
    return c.tear;
  }

  /** The moment the power fails: the flash and the watchdog stop now; the chip goes down now or when its kernel halts. */
  private powerFail(): void {
    const at = this.clock.now();
    this.cut = null;
    this.cutToken++;
    this.flash.powerFail(at);
    this.watchdog.stopForReset();
    const k = this._rtos.kernel;
    if (runningKernel() === k || this.booting) {
      this.failing = at;
      k.stop();
    } else {
      this.powerDown(at);
    }
  }

  /** The chip without power: as at a reset (RAM, pins, peripherals), with no kernel; time frozen at `at` until run. */
  private powerDown(at: number): void {
    this.shutDown(at, null);
    this.failing = null;
    this.off = true;
    this.clock.detach(at);
  }

  private async boot(): Promise<void> {
    this.booted = true;
    this.booting = true;
    try {
      const firmware = this.chained ?? this.firmware;
      this.chained = null;
      await firmware(this);
    } finally {
      this.booting = false;
    }
    if (this.halted === null && this.failing === null) {
      this.checkFit();
      if (!this._rtos.kernel.isSchedulerRunning()) {
        try {
          this._rtos.vTaskStartScheduler();
        } catch (error) {
          this.checkFit(error);
          throw error;
        }
        this.checkFit();
      }
    }
  }

  /** The reset itself: fresh kernel from the next whole board tick, RAM and pins to reset state. */
  private restart(reason: ResetReason): void {
    const at = this.clock.now();
    const jump = this.pendingJump;
    this.shutDown(at, reason);
    this.chained = jump;
    this._rtos = this.newRtos();
    this.clock.attach(this._rtos.kernel, Math.ceil(at - 1e-9));
    // World events that fell while the chip was in reset.
    this.clock.deliver();
  }

  /** What a reset and a power cut share: the old kernel stopped, RAM cleared, firmware-side state to reset. */
  private shutDown(at: number, reason: ResetReason | null): void {
    const old = this._rtos.kernel;
    old.stop();
    this.ram.clear();
    this.chargeHeap();
    this.generation++;
    if (reason !== null) this.resetReason = reason; // (before the restart hooks, as they may read it)
    this.halted = null;
    this.pendingJump = null;
    this.chained = null;
    this.booted = false;
    this.handles.clear();
    this.lines = new Map();
    this.gpioPoolUsed = 0;
    this.instanceRoles.clear();
    for (const u of this.uartPorts) u?.resetFirmwareSide();
    for (const hook of this.restartHooks) hook();
    for (const s of this.pinStates) {
      s.resetFirmwareSide();
      s.update(this.pinHost, at);
    }
  }

  /**
   * Charges the kernel heap (FreeRTOS's ucHeap, a configTOTAL_HEAP_SIZE-byte static array) to
   * board RAM, first fit in catalogue region order, aligned to the port's portBYTE_ALIGNMENT: 8 in
   * the Cortex-M ports' portmacro.h, 16 in ESP-IDF's RISC-V port (esp-idf
   * components/freertos/FreeRTOS-Kernel/portable/riscv/include/freertos/portmacro.h, and
   * components/freertos/port/riscv/include/freertos/portmacro.h before the move:
   * `#define portBYTE_ALIGNMENT 16`). At creation and after each reset (RAM cleared); a heap that
   * fits no region is a HalError with the RAM report.
   */
  private chargeHeap(): void {
    const heapBytes = this.config.configTOTAL_HEAP_SIZE;
    this.heapAddress = -1;
    if (typeof heapBytes !== "number" || !Number.isInteger(heapBytes) || heapBytes <= 0) return; // the kernel reports a bad value
    // figures: portBYTE_ALIGNMENT per port (see above); 16 on the RISC-V board, 8 on Cortex-M.
    const alignBytes = this.spec.core.startsWith("RISC-V") ? 16 : 8;
    const at = this.ram.allocate(HEAP_OWNER, heapBytes, { alignBytes });
    if (at !== null) this.heapAddress = at.address;
    else
      throw new HalError(
        this.spec.name,
        "ram",
        `the kernel heap (configTOTAL_HEAP_SIZE = ${heapBytes} bytes) does not fit: the largest free SRAM block is ${this.ram.largestFreeBytes()} bytes (SRAM ${this.ram.describe()})\n${this.ram.report()}`,
      );
  }

  // ── Kernel memory (issue 12, heap helper) ──
  /** Address of the kernel heap's region this boot; -1 when no heap was charged. */
  private heapAddress = -1;


  /**
   * A firmware that does not fit fails at start: a kernel allocation that failed before the
   * scheduler ran (or while it started) is a HalError naming it, its size and the RAM report.
   */
  private checkFit(cause?: unknown): void {
    const k = this._rtos.kernel;
    const failed = k.startupAllocationFailure;
    if (failed === null) return;
    const stats = k.heap.getHeapStats();
    throw new HalError(
      this.spec.name,
      "heap",
      `the firmware does not fit: ${failed.what} needed ${failed.sizeBytes} bytes (${failed.sizeBytes + 8} or more with heap_4's block header) at start, but the kernel heap (configTOTAL_HEAP_SIZE = ${this.config.configTOTAL_HEAP_SIZE} bytes) had ${stats.xAvailableHeapSpaceInBytes} bytes free, the largest free block ${stats.xSizeOfLargestFreeBlockInBytes} bytes${cause instanceof Error ? ` (${cause.message})` : ""}\n${this.ram.report()}`,
    );
  }

  /** @internal */
  uartPort(n: number): UartPort {
    const inst = typeof n === "number" && Number.isInteger(n) ? this.spec.uarts[n] : undefined;
    if (inst === undefined) throw new HalError(this.spec.name, `uart ${String(n)}`, `no such UART; uarts are 0..${this.spec.uarts.length - 1} (${this.spec.uarts.map((u) => u.name).join(", ")})`);
    let p = this.uartPorts[n];
    if (p === undefined) {
      p = new UartPort(this.portHost, n, inst);
      this.uartPorts[n] = p;
    }
    return p;
  }

  /** @internal */
  spiPort(n: number): SpiPort {
    const inst = typeof n === "number" && Number.isInteger(n) ? this.spec.spis[n] : undefined;
    if (inst === undefined) throw new HalError(this.spec.name, `spi ${String(n)}`, `no such SPI; spis are 0..${this.spec.spis.length - 1} (${this.spec.spis.map((u) => u.name).join(", ")})`);
    let p = this.spiPorts[n];
    if (p === undefined) {
      p = new SpiPort(this.portHost, n, inst);
      this.spiPorts[n] = p;
    }
    return p;
  }

  /** @internal */
  i2cBus(n: number): I2CBus {
    const inst = typeof n === "number" && Number.isInteger(n) ? this.spec.i2cs[n] : undefined;
    if (inst === undefined) throw new HalError(this.spec.name, `i2c ${String(n)}`, `no such I2C bus; i2cs are 0..${this.spec.i2cs.length - 1} (${this.spec.i2cs.map((u) => u.name).join(", ")})`);
    let bus = this.i2cBuses[n];
    if (bus === undefined) {
      bus = new I2CBus(this.portHost, n, inst);
      const created = bus;
      this.onRestart(() => created.resetFirmwareSide());
      this.i2cBuses[n] = bus;
    }
    return bus;
  }

  /** @internal */
  pinState(name: string): PinState {
    const s = typeof name === "string" ? this.pinByName.get(name) : undefined;
    if (s === undefined) throw new HalError(this.spec.name, `pin "${String(name)}"`, `no such pin; pins are ${describePins(this.spec.pins)}; aliases LED (${this.spec.aliases.LED.pin}), BUTTON (${this.spec.aliases.BUTTON.pin})`);
    return s;
  }

  /** Applies `change` now or schedules it at board time `atTick`. */
  private at(atTick: number | undefined, call: string, where: string, change: (at: number) => void): void {
    const now = this.clock.now();
    if (atTick === undefined) {
      change(now);
      return;
    }
    if (typeof atTick !== "number" || !Number.isFinite(atTick)) throw new HalError(this.spec.name, where, `${call}: atTick must be a finite number of ticks, got ${String(atTick)}`);
    if (atTick < now) throw new HalError(this.spec.name, where, `${call}: atTick ${atTick} is in the past (board time is ${now})`);
    if (atTick === now) change(now);
    else this.clock.schedule(atTick, change);
  }

  /** The GPIO interrupt line for a pin's route: checks the hardware channel, registers the kernel line on first use. */
  private gpioLine(route: GpioInterruptRoute, priority: number | undefined, pin: PinState): GpioLine {
    const board = this.spec.name;
    const where = `pin "${pin.name}"`;
    if (pin.line === null) {
      if (route.channel === "*") {
        if (this.gpioPoolUsed >= this.spec.gpioInterruptChannels)
          throw new HalError(board, where, `no free ${route.irqName} channel: all ${this.spec.gpioInterruptChannels} are in use (by ${this.pinStates.filter((s) => s.line !== null).map((s) => s.name).join(", ")})`);
      } else if (route.channel !== null) {
        const other = this.pinStates.find((s) => s !== pin && s.line !== null && s.route.channel === route.channel);
        if (other !== undefined) throw new HalError(board, where, `${route.channel} already serves pin ${other.name}; one port per EXTI line (SYSCFG_EXTICR), so ${pin.name} cannot have an edge interrupt too`);
      }
    }
    const k: Kernel = this._rtos.kernel;
    let line = this.lines.get(route.irq);
    if (line === undefined) {
      const p = priority ?? k.config.configMAX_SYSCALL_INTERRUPT_PRIORITY;
      line = new GpioLine(k, route.irq, route.irqName, p);
      k.registerInterrupt(route.irq, p, line.isr, route.irqName);
      this.lines.set(route.irq, line);
    } else if (priority !== undefined && priority !== line.priority) {
      throw new HalError(board, where, `interrupt ${route.irqName} (irq ${route.irq}) already runs at priority ${line.priority} for ${line.pins.map((s) => s.name).join(", ")}; pins sharing an interrupt share its priority`);
    }
    if (pin.line === null) {
      if (route.channel === "*") this.gpioPoolUsed++;
      line.pins.push(pin);
      line.pins.sort((a, b) => this.pinIndex.get(a)! - this.pinIndex.get(b)!);
    }
    return line;
  }
}

/** "PA0..PA15, PB0..PB15, ..., PH0..PH1": pin names grouped by port. */
function describePins(pins: readonly string[]): string {
  const groups: string[][] = [];
  let prefix = "";
  for (const p of pins) {
    const pre = /^(.*?)\d+$/.exec(p)![1]!;
    if (groups.length === 0 || pre !== prefix) {
      groups.push([]);
      prefix = pre;
    }
    groups[groups.length - 1]!.push(p);
  }
  return groups.map((g) => (g.length === 1 ? g[0]! : `${g[0]}..${g[g.length - 1]}`)).join(", ");
}
