/**
 * GPIO: the pins of a board, their firmware side (`board.pin(name)`: mode, pull, output level,
 * edge interrupts) and the level the outside world sees.
 *
 * A pin's level is resolved from, in order: the firmware's output (mode "output"), the world's
 * drive, the configured pull, and otherwise low (a floating input reads 0 here; boards model no
 * external resistors, see AliasSpec.externalPull). Every change of the resolved level is an edge:
 * it is recorded with its board time, and when the pin has an edge interrupt of that direction
 * its interrupt line is raised at once (the kernel runs the handler in ISR context when the
 * line's priority allows).
 * @module
 */
import { HalError } from "./errors.js";
import type { GpioInterruptRoute } from "./catalogue.js";
import type { Kernel } from "../kernel/index.js";

export type PinMode = "input" | "output";
export type PinPull = "up" | "down";
export type Edge = "rising" | "falling" | "both";

/** At most this many edges are kept per pin; more is an error naming the pin, never a silent drop. */
export const MAX_EDGES_PER_PIN = 1_000_000;

/** What the board gives the GPIO layer. @internal */
export interface PinHost {
  readonly boardName: string;
  /** Board time now (ticks). */
  now(): number;
  /** The current kernel. */
  kernel(): Kernel;
  /** False while the board is halted for a reset: firmware-side operations are ignored. */
  live(): boolean;
  /** Boot number (a handle from an earlier boot is stale). */
  readonly generation: number;
  /** The interrupt line for `route` (registered on demand), for a pin's setInterrupt. */
  gpioLine(route: GpioInterruptRoute, priority: number | undefined, pin: PinState): GpioLine;
}

/** One physical pin. @internal */
export class PinState {
  // Firmware configuration (back to reset state at each reset).
  mode: PinMode = "input";
  pull: PinPull | null = null;
  out = false;
  edge: Edge | null = null;
  handler: ((pin: Pin) => void) | null = null;
  handle: Pin | null = null;
  line: GpioLine | null = null;
  /** Set while an edge waits for its handler (the EXTI_PR / EVENTS_IN bit). */
  pending = false;
  /** What the pin is used as ("gpio", later "uart0.tx", ...), or null. */
  role: string | null = null;
  // The world's side (kept across resets: the world is outside the chip).
  driven = false;
  driveLevel = false;
  // The resolved level and its history.
  level = false;
  readonly edges: { tick: number; level: boolean }[] = [];
  /** World-side watchers of level changes (an SPI device's chip select); kept across resets. */
  readonly watchers: ((level: boolean, at: number) => void)[] = [];

  constructor(
    readonly name: string,
    readonly route: GpioInterruptRoute,
  ) {}

  resolve(): boolean {
    if (this.mode === "output") return this.out;
    if (this.driven) return this.driveLevel;
    return this.pull === "up";
  }

  /** Re-resolves the level at board time `at`; records and signals an edge. */
  update(host: PinHost, at: number): void {
    const level = this.resolve();
    if (level === this.level) return;
    this.level = level;
    if (this.edges.length >= MAX_EDGES_PER_PIN)
      throw new HalError(host.boardName, `pin "${this.name}"`, `more than ${MAX_EDGES_PER_PIN} edges recorded; the edge log is bounded`);
    this.edges.push({ tick: at, level });
    for (const w of this.watchers) w(level, at);
    if (this.edge !== null && this.line !== null && (this.edge === "both" || (this.edge === "rising") === level)) this.line.raise(this);
  }

  /** Back to the reset state of the firmware side (the world's drive stays). */
  resetFirmwareSide(): void {
    this.mode = "input";
    this.pull = null;
    this.out = false;
    this.edge = null;
    this.handler = null;
    this.handle = null;
    this.line = null;
    this.pending = false;
    this.role = null;
  }
}

/** One kernel interrupt line serving pin edges (EXTI9_5, GPIOTE, GPIO...). @internal */
export class GpioLine {
  readonly pins: PinState[] = [];
  constructor(
    readonly kernel: Kernel,
    readonly irq: number,
    readonly name: string,
    readonly priority: number,
  ) {}

  raise(pin: PinState): void {
    pin.pending = true;
    this.kernel.triggerInterrupt(this.irq);
  }

  /** The ISR: runs the handler of each pin with a pending edge, in pin order. */
  readonly isr = (): void => {
    for (const p of this.pins) {
      if (!p.pending) continue;
      p.pending = false;
      if (p.handler !== null && p.handle !== null) p.handler(p.handle);
    }
  };
}

const MODES: readonly string[] = ["input", "output"];
const PULLS: readonly string[] = ["up", "down"];
const EDGES: readonly string[] = ["rising", "falling", "both"];

/**
 * A pin as firmware sees it (TinyGo's machine.Pin): configure, drive, read, edge interrupts.
 * Synchronous; none of these calls blocks or takes virtual time. ISR-safe: get/set/high/low/toggle.
 */
export class Pin {
  /** @internal */
  constructor(
    /** @internal */ readonly host: PinHost,
    /** @internal */ readonly state: PinState,
    /** @internal */ readonly generation: number,
  ) {}

  /** The pin's chip name ("PB0", "P0.13", "GPIO8"), also when it was looked up by an alias. */
  get name(): string {
    return this.state.name;
  }

  /** @internal False when the board is halted for a reset (the call is then ignored). */
  private usable(call: string): boolean {
    if (this.generation !== this.host.generation)
      throw new HalError(this.host.boardName, `pin "${this.state.name}"`, `${call}: this handle is from before the board restarted (boot ${this.generation}, now boot ${this.host.generation}); get a new one with board.pin("${this.state.name}")`);
    return this.host.live();
  }

  /** Sets the direction and the internal pull (`pull` omitted: none). */
  configure(config: { mode: PinMode; pull?: PinPull }): void {
    const where = `pin "${this.state.name}"`;
    if (config === null || typeof config !== "object") throw new HalError(this.host.boardName, where, `configure expects { mode, pull? }, got ${String(config)}`);
    if (!MODES.includes(config.mode as string)) throw new HalError(this.host.boardName, where, `mode must be "input" or "output", got ${JSON.stringify(config.mode)}`);
    if (config.pull !== undefined && !PULLS.includes(config.pull as string)) throw new HalError(this.host.boardName, where, `pull must be "up", "down" or omitted, got ${JSON.stringify(config.pull)}`);
    if (!this.usable("configure")) return;
    this.state.mode = config.mode;
    this.state.pull = config.pull ?? null;
    this.state.update(this.host, this.host.now());
  }

  high(): void {
    this.set(true);
  }

  low(): void {
    this.set(false);
  }

  toggle(): void {
    this.set(!this.state.out);
  }

  /** Sets the output latch (it shows on the pin when the mode is "output"). */
  set(level: boolean): void {
    if (typeof level !== "boolean") throw new HalError(this.host.boardName, `pin "${this.state.name}"`, `set expects a boolean level, got ${typeof level}`);
    if (!this.usable("set")) return;
    this.state.out = level;
    this.state.update(this.host, this.host.now());
  }

  /** The level on the pin (an output reads back what it drives). */
  get(): boolean {
    this.usable("get");
    return this.state.level;
  }

  /**
   * Calls `handler(pin)` in ISR context on each edge of that direction, at the board's interrupt
   * for this pin and `priority` (kernel scale 1-15; default configMAX_SYSCALL_INTERRUPT_PRIORITY,
   * the highest that may call FromISR functions). Pins sharing an interrupt share its priority.
   */
  setInterrupt(edge: Edge, handler: (pin: Pin) => void, priority?: number): void {
    const where = `pin "${this.state.name}"`;
    if (!EDGES.includes(edge as string)) throw new HalError(this.host.boardName, where, `edge must be "rising", "falling" or "both", got ${JSON.stringify(edge)}`);
    if (typeof handler !== "function") throw new HalError(this.host.boardName, where, `setInterrupt expects a handler function, got ${typeof handler}`);
    if (priority !== undefined && (typeof priority !== "number" || !Number.isInteger(priority) || priority < 1 || priority > 15))
      throw new HalError(this.host.boardName, where, `interrupt priority must be an integer in 1..15 (kernel scale, higher preempts), got ${String(priority)}`);
    if (!this.usable("setInterrupt")) return;
    const line = this.host.gpioLine(this.state.route, priority, this.state);
    this.state.line = line;
    this.state.edge = edge;
    this.state.handler = handler;
    this.state.handle = this;
  }
}
