/**
 * The world outside the chip (the test bench): drives input pins at exact virtual times and sees
 * every edge. Host code only; firmware never reaches it.
 * @module
 */
import { HalError } from "./errors.js";
import type { PinHost, PinState } from "./gpio.js";
import type { UartPort, WorldUart } from "./uart.js";
import type { SpiPort, WorldSpi } from "./spi.js";
import type { I2CBus, WorldI2C } from "./i2c.js";

/** What the world side needs from its board (its PinHost, plus scheduling). @internal */
export interface WorldHost extends PinHost {
  pinState(name: string): PinState;
  /** Applies a change of a pin at board time `at` (now, or later through the board's event queue). */
  at(atTick: number | undefined, call: string, where: string, change: (at: number) => void): void;
  uartPort(n: number): UartPort;
  spiPort(n: number): SpiPort;
  i2cBus(n: number): I2CBus;
}

/** A pin seen from outside: a signal generator and a logic analyser on one line. */
export class WorldPin {
  /** @internal */
  constructor(
    private readonly host: WorldHost,
    private readonly state: PinState,
  ) {}

  /** The pin's chip name. */
  get name(): string {
    return this.state.name;
  }

  /**
   * Drives the line to `level` now or at board time `atTick` (ticks since the board was created;
   * fractions allowed: 3.5 is half-way between ticks 3 and 4). An output the firmware drives wins
   * over the world's drive while the pin is an output.
   */
  drive(level: boolean, atTick?: number): void {
    if (typeof level !== "boolean") throw new HalError(this.host.boardName, `world pin "${this.state.name}"`, `drive expects a boolean level, got ${typeof level}`);
    const s = this.state;
    this.host.at(atTick, "drive", `world pin "${s.name}"`, (at) => {
      s.driven = true;
      s.driveLevel = level;
      s.update(this.host, at);
    });
  }

  /** Stops driving the line (now or at `atTick`): it then reads its pull (or low). */
  release(atTick?: number): void {
    const s = this.state;
    this.host.at(atTick, "release", `world pin "${s.name}"`, (at) => {
      s.driven = false;
      s.update(this.host, at);
    });
  }

  /** The level on the line now. */
  get level(): boolean {
    return this.state.level;
  }

  /** Every level change with its board time, firmware-driven ones included, oldest first. */
  get edges(): readonly { readonly tick: number; readonly level: boolean }[] {
    return this.state.edges;
  }
}

/** The world side of a board: `board.world.pin(name)`. */
export class World {
  private readonly pins = new Map<PinState, WorldPin>();
  /** @internal */
  constructor(private readonly host: WorldHost) {}

  /** A pin by chip name or dev-kit alias ("LED", "BUTTON"). */
  pin(name: string): WorldPin {
    const s = this.host.pinState(name);
    let p = this.pins.get(s);
    if (p === undefined) {
      p = new WorldPin(this.host, s);
      this.pins.set(s, p);
    }
    return p;
  }

  /** The far end of UART `n`'s cable (same numbering as board.uart(n)). */
  uart(n: number): WorldUart {
    return this.host.uartPort(n).world();
  }

  /** The devices on SPI `n` (same numbering as board.spi(n)): attach(csPin, device), and the wire log. */
  spi(n: number): WorldSpi {
    return this.host.spiPort(n).world();
  }

  /** The devices on I2C bus `n` and its wire log (same numbering as board.i2c(n)). */
  i2c(n: number): WorldI2C {
    return this.host.i2cBus(n).world();
  }
}
