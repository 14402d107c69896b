/**
 * UART: 8N1 serial ports in virtual time, with a FreeRTOS driver (`board.uart(n)`) and the
 * world's end of the cable (`board.world.uart(n)`).
 *
 * Timing: 8N1 is a start bit, 8 data bits and a stop bit, so one byte takes 10 bit times,
 * `10 / baudRate × configTICK_RATE_HZ` ticks (fractions allowed); a byte counts as sent or
 * received when its stop bit ends. Bytes follow each other back to back while there is data.
 *
 * The driver is FreeRTOS code, as a BSP would be:
 * - RX: each byte the world sends lands, when its stop bit ends, in the board's hardware RX FIFO
 *   (depth from the catalogue; a byte arriving at a full FIFO is a hardware overrun) and raises
 *   the UART's interrupt (the vendor IRQ number). The RX ISR moves the FIFO into the driver's
 *   bounded receive buffer, a kernel stream buffer (`xStreamBufferSendFromISR`); bytes that do not
 *   fit are lost and counted in `overruns`. `read` is an `xStreamBufferReceive` on it.
 * - TX: `write` puts bytes into the TX FIFO; whenever the transmitter takes a byte from the FIFO
 *   the interrupt is raised and the ISR refills it; when the last stop bit has left the pin the
 *   ISR notifies the writing task (`xTaskNotifyIndexedFromISR`, value = bytes sent), which waits
 *   in `ulTaskNotifyTakeIndexed`. `writeDMA` has no FIFO copy: each byte is read from board RAM
 *   as it goes on the wire; the transfer-complete interrupt notifies the task in the same way.
 *   The notification index is the last one, `configTASK_NOTIFICATION_ARRAY_ENTRIES - 1` (index 0
 *   when the array has one entry: then the writing task should not be notified on index 0 by
 *   anyone else while it writes).
 *
 * The RX, TX and transfer-complete events share the UART's one interrupt line (as USART_ISR's
 * flags share USARTx_IRQn); a DMA controller's own interrupt is not modelled separately.
 * @module
 */
import { eSetValueWithOverwrite, pdTRUE, type FreeRTOS, type KernelCall, type StreamBufferHandle, type TaskHandle } from "../freertos/index.js";
import { settled } from "../kernel/index.js";
import type { PeripheralInstance } from "./catalogue.js";
import { driverNotifyIndex, voidCall } from "./driver.js";
import { HalError } from "./errors.js";
import { dmaViewError, type BoardRam } from "./ram.js";

/** UART driver configuration. */
export interface UartConfig {
  /** Bits per second; the board's range is checked (see uartBaudRange). */
  baudRate: number;
  /** Size of the driver's receive buffer (a kernel stream buffer), default 256. */
  rxBufferBytes?: number;
  /** Kernel priority (1-15) of the UART's interrupt; default configMAX_SYSCALL_INTERRUPT_PRIORITY. */
  priority?: number;
}

/** The baud rates a board's UART accepts, and where the figures come from. */
export interface BaudRange {
  readonly min: number;
  readonly max: number;
  /** When set, only these rates (the nRF52840's BAUDRATE register takes a fixed table). */
  readonly only: readonly number[] | null;
  readonly why: string;
}

/**
 * The lowest rate the model accepts on every board: 1200 baud, the lowest entry of the
 * nRF52840's BAUDRATE table. The STM32H7 and ESP32-C3 dividers reach lower; this floor is the
 * simulator's choice (a common range for portable firmware), not a chip figure.
 */
const FLOOR = 1200;

const BAUD: Readonly<Record<string, BaudRange>> = {
  // RM0433 §48.5.7 "USART baud rate generation": baud = usart_ker_ck / USARTDIV with
  // USARTDIV >= 16, or 2 × usart_ker_ck / USARTDIV with OVER8; DS12110 (STM32H743 datasheet),
  // USART section, gives 12.5 Mbit/s as the USART maximum (100 MHz kernel clock / 8 with OVER8).
  stm32h743: { min: FLOOR, max: 12_500_000, only: null, why: "12.5 Mbit/s is the USART maximum (usart_ker_ck / 8 with OVER8, DS12110); 1200 is the model's common floor" },
  // esp-idf components/soc/esp32c3/include/soc/soc_caps.h: SOC_UART_BITRATE_MAX (5000000),
  // "Max bit rate supported by UART".
  esp32c3: { min: FLOOR, max: 5_000_000, only: null, why: "5 Mbit/s is SOC_UART_BITRATE_MAX (esp-idf soc_caps.h); 1200 is the model's common floor" },
  // nrf52840_bitfields.h (nrfx MDK): UARTE_BAUDRATE_BAUDRATE_Baud1200 ... Baud1M, the only
  // values the BAUDRATE register is specified for.
  nrf52840: {
    min: 1200,
    max: 1_000_000,
    only: [1200, 2400, 4800, 9600, 14400, 19200, 28800, 31250, 38400, 56000, 57600, 76800, 115200, 230400, 250000, 460800, 921600, 1_000_000],
    why: "the UARTE's BAUDRATE register takes only the rates of its table (nrf52840_bitfields.h UARTE_BAUDRATE_BAUDRATE_Baud1200..Baud1M)",
  },
};

/** The baud range of a board's UARTs. */
export function uartBaudRange(board: string): BaudRange {
  return BAUD[board] ?? { min: FLOOR, max: 1_000_000, only: null, why: "no figure in the catalogue for this board" };
}

/** One byte on a UART line: the board time its stop bit ended and its length (10 bit times) in ticks. */
export interface UartLogEntry {
  readonly tick: number;
  readonly byte: number;
  readonly byteTicks: number;
}

/** Default driver receive buffer. */
export const UART_RX_BUFFER_DEFAULT = 256;

/** What a UART port needs from its board. @internal */
export interface UartHost {
  readonly boardName: string;
  readonly ram: BoardRam;
  readonly generation: number;
  rtos(): FreeRTOS;
  /** Board time now (ticks). */
  now(): number;
  /** Runs `run(at)` at board time `at` through the board's event line. */
  schedule(at: number, run: (at: number) => void): void;
  /** Applies `change` now or at `atTick` (checked), as for pins. */
  at(atTick: number | undefined, call: string, where: string, change: (at: number) => void): void;
}

interface Driver {
  readonly generation: number;
  readonly baudRate: number;
  readonly byteTicks: number;
  readonly sb: StreamBufferHandle;
  readonly rxBufferBytes: number;
  readonly notifyIndex: number;
}

interface TxJob {
  /** Copy mode: the bytes the driver still has to put into the FIFO. DMA: the view in RAM. */
  readonly data: Uint8Array;
  readonly dma: boolean;
  /** Next byte of `data` to go to the FIFO (copy) or on the wire (DMA). */
  next: number;
  sent: number;
  readonly waiter: TaskHandle;
  done: boolean;
}

/** One UART instance: hardware state, driver state and the world's end. @internal */
export class UartPort {
  driver: Driver | null = null;
  // Hardware RX.
  private rxFifo: number[] = [];
  /** Bytes whose stop bit ended while the driver was configured (this boot). */
  received = 0;
  overruns = 0;
  // Hardware TX.
  private txFifo: number[] = [];
  private shifting = false;
  private job: TxJob | null = null;
  /** Bumped at each reset: TX events of an earlier boot are ignored. */
  private txEpoch = 0;
  // The world's side (kept across resets, except what text() counts from).
  /**
   * Bytes the world wrote and has not yet put on the RX line: `worldQueue[worldHead..]`. A head
   * index instead of `shift()`, so a long world write costs O(1) a byte, not O(queue length).
   */
  private worldQueue: number[] = [];
  private worldHead = 0;
  private lineBusy = false;
  /** Bytes the world sent while the receiver was off (not configured): never received. @internal */
  droppedWhileOff = 0;
  /** Every byte the device sent, with the board time its stop bit ended. @internal */
  readonly sentLog: UartLogEntry[] = [];
  /** Every byte the world put on the device's RX line, received or not. @internal */
  readonly rxLog: UartLogEntry[] = [];
  private readPos = 0;
  private bootStart = 0;
  private readonly handle: Uart;
  private readonly worldHandle: WorldUart;

  constructor(
    readonly host: UartHost,
    readonly index: number,
    readonly inst: PeripheralInstance,
  ) {
    this.handle = new Uart(this);
    this.worldHandle = new WorldUart(this);
  }

  get where(): string {
    return `uart${this.index} (${this.inst.name})`;
  }

  /** The hardware FIFO depth (a single data register counts as 1). */
  get fifoDepth(): number {
    return Math.max(1, this.inst.fifoBytes ?? 1);
  }

  firmware(): Uart {
    return this.handle;
  }

  world(): WorldUart {
    return this.worldHandle;
  }

  /** Back to reset state (board reset): driver and hardware cleared; the world's cable stays. */
  resetFirmwareSide(): void {
    this.driver = null;
    this.rxFifo = [];
    this.received = 0;
    this.overruns = 0;
    this.txFifo = [];
    this.shifting = false;
    this.job = null;
    this.txEpoch++;
    this.bootStart = this.sentLog.length;
  }

  live(): Driver | null {
    const d = this.driver;
    return d !== null && d.generation === this.host.generation ? d : null;
  }

  configure(config: UartConfig): void {
    const board = this.host.boardName;
    if (config === null || typeof config !== "object") throw new HalError(board, this.where, `configure expects { baudRate, rxBufferBytes? }, got ${String(config)}`);
    const { baudRate } = config;
    const range = uartBaudRange(board);
    if (typeof baudRate !== "number" || !Number.isFinite(baudRate) || baudRate <= 0)
      throw new HalError(board, this.where, `baudRate must be a positive number of bits per second, got ${String(baudRate)}`);
    if (range.only !== null && !range.only.includes(baudRate))
      throw new HalError(board, this.where, `baud rate ${baudRate} is not supported: ${range.why}: ${range.only.join(", ")}`);
    if (baudRate < range.min || baudRate > range.max)
      throw new HalError(board, this.where, `baud rate ${baudRate} is out of range ${range.min}..${range.max}: ${range.why}`);
    const rxBufferBytes = config.rxBufferBytes ?? UART_RX_BUFFER_DEFAULT;
    if (typeof rxBufferBytes !== "number" || !Number.isInteger(rxBufferBytes) || rxBufferBytes < 1)
      throw new HalError(board, this.where, `rxBufferBytes must be a positive integer, got ${String(rxBufferBytes)}`);
    const priority = config.priority;
    if (priority !== undefined && (typeof priority !== "number" || !Number.isInteger(priority) || priority < 1 || priority > 15))
      throw new HalError(board, this.where, `interrupt priority must be an integer in 1..15 (kernel scale, higher preempts), got ${String(priority)}`);
    const rtos = this.host.rtos();
    const k = rtos.kernel;
    if (k.inIsr()) k.fail(`${this.where}.configure`, "the UART is configured from a task or set-up code, not from an interrupt");
    const old = this.live();
    if (old !== null) {
      if (this.job !== null || this.shifting) throw new HalError(board, this.where, "configure while a write is in progress: wait for it to complete first");
      if (old.rxBufferBytes !== rxBufferBytes) throw new HalError(board, this.where, `already configured with rxBufferBytes ${old.rxBufferBytes} in this boot; the receive buffer cannot be resized (only baudRate may change)`);
      this.driver = { ...old, baudRate, byteTicks: byteTicks(baudRate, k.config.configTICK_RATE_HZ) };
      return;
    }
    const sb = rtos.xStreamBufferCreate(rxBufferBytes, 1);
    if (sb === null) throw new HalError(board, this.where, `the kernel heap has no room for a ${rxBufferBytes}-byte receive buffer`);
    k.registerInterrupt(this.inst.irq, priority ?? k.config.configMAX_SYSCALL_INTERRUPT_PRIORITY, this.isr, this.inst.name);
    this.driver = {
      generation: this.host.generation,
      baudRate,
      byteTicks: byteTicks(baudRate, k.config.configTICK_RATE_HZ),
      sb,
      rxBufferBytes,
      notifyIndex: driverNotifyIndex(k),
    };
  }

  /** The driver, or an error saying configure comes first. */
  need(call: string): Driver {
    const d = this.live();
    if (d === null) throw new HalError(this.host.boardName, this.where, `${call}: the UART is not configured in this boot; call configure({ baudRate }) first`);
    return d;
  }

  /** A task-only driver call from an ISR: KernelAssertError naming the call. */
  taskOnly(call: string): void {
    const k = this.host.rtos().kernel;
    if (k.inIsr()) k.fail(`board "${this.host.boardName}" ${this.where}.${call}`, "only a task may make this call (it blocks until the bytes are on the wire); defer it to a task");
  }

  read(into: Uint8Array, timeoutTicks: number): KernelCall<number> {
    this.taskOnly("read");
    if (!(into instanceof Uint8Array)) throw new HalError(this.host.boardName, this.where, `read expects a Uint8Array to read into, got ${typeof into}`);
    const d = this.need("read");
    return this.host.rtos().xStreamBufferReceive(d.sb, into, timeoutTicks);
  }

  write(data: Uint8Array, dma: boolean, call: string): KernelCall<number> {
    this.taskOnly(call);
    const d = this.need(call);
    const rtos = this.host.rtos();
    const k = rtos.kernel;
    const me = rtos.xTaskGetCurrentTaskHandle();
    if (me === null || !k.isSchedulerRunning()) return k.fail(`board "${this.host.boardName}" ${this.where}.${call}`, "only a task may make this call (it blocks until the last stop bit has left the pin)");
    if (this.job !== null) throw new HalError(this.host.boardName, this.where, `${call}: task "${this.job.waiter.name}" is still writing; one writer at a time (guard the UART with a mutex)`);
    if (data.length === 0) return settled(0);
    this.job = { data, dma, next: 0, sent: 0, waiter: me, done: false };
    if (!dma) this.fillFifo();
    if (!this.shifting) this.startByte(this.host.now());
    return rtos.ulTaskNotifyTakeIndexed(d.notifyIndex, pdTRUE, rtos.portMAX_DELAY);
  }

  private fillFifo(): void {
    const j = this.job;
    if (j === null || j.dma) return;
    while (this.txFifo.length < this.fifoDepth && j.next < j.data.length) this.txFifo.push(j.data[j.next++]!);
  }

  /** The transmitter takes the next byte (from the FIFO, or from RAM for DMA) at board time `at`. */
  private startByte(at: number): void {
    const d = this.live();
    const j = this.job;
    if (d === null || j === null) return;
    let byte: number;
    if (j.dma) {
      if (j.next >= j.data.length) return;
      byte = j.data[j.next++]!; // read from board RAM now: zero copy
    } else {
      if (this.txFifo.length === 0) return;
      byte = this.txFifo.shift()!;
    }
    this.shifting = true;
    // FIFO not full and the driver has more: the TX interrupt refills it (it may run at once).
    if (!j.dma && j.next < j.data.length) this.raise();
    const epoch = this.txEpoch;
    this.host.schedule(at + d.byteTicks, (end) => {
      if (epoch !== this.txEpoch) return;
      this.shifting = false;
      this.sentLog.push({ tick: end, byte, byteTicks: d.byteTicks });
      j.sent++;
      if (j.sent === j.data.length) {
        j.done = true; // transmission complete: the ISR notifies the writer
        this.raise();
      } else {
        this.startByte(end);
      }
    });
  }

  private raise(): void {
    if (this.live() !== null) this.host.rtos().kernel.triggerInterrupt(this.inst.irq);
  }

  /** The UART's interrupt handler: RX FIFO → stream buffer, TX FIFO refill, transfer complete. */
  private readonly isr = (): void => {
    const d = this.live();
    if (d === null) return;
    const rtos = this.host.rtos();
    const woken = { value: 0 };
    if (this.rxFifo.length > 0) {
      const bytes = Uint8Array.from(this.rxFifo);
      this.rxFifo = [];
      const n = rtos.xStreamBufferSendFromISR(d.sb, bytes, woken);
      this.overruns += bytes.length - n;
    }
    const j = this.job;
    if (j !== null) {
      if (!j.dma) {
        this.fillFifo();
        if (!this.shifting && !j.done) this.startByte(this.host.now());
      }
      if (j.done) {
        this.job = null;
        rtos.xTaskNotifyIndexedFromISR(j.waiter, d.notifyIndex, j.sent, eSetValueWithOverwrite, woken);
      }
    }
    rtos.portYIELD_FROM_ISR(woken);
  };

  // ── the world's side ──

  worldWrite(data: Uint8Array, atTick: number | undefined): void {
    this.host.at(atTick, "write", `world ${this.where}`, (at) => {
      for (const b of data) this.worldQueue.push(b);
      if (!this.lineBusy) this.rxStart(at);
    });
  }

  /** The next queued world byte, taken off the queue (the caller checked there is one). */
  private takeWorldByte(): number {
    const q = this.worldQueue;
    const byte = q[this.worldHead++]!;
    if (this.worldHead >= 4096 && this.worldHead * 2 >= q.length) {
      // Drop the consumed half: each byte is moved at most once per halving, O(1) amortized.
      this.worldQueue = q.slice(this.worldHead);
      this.worldHead = 0;
    }
    return byte;
  }

  /** The next queued world byte goes on the RX line at `at`. */
  private rxStart(at: number): void {
    while (this.worldHead < this.worldQueue.length) {
      const d = this.live();
      if (d === null) {
        // Receiver off (not configured in this boot): the byte is not received.
        this.droppedWhileOff++;
        this.takeWorldByte();
        continue;
      }
      const byte = this.takeWorldByte();
      this.lineBusy = true;
      const gen = d.generation;
      this.host.schedule(at + d.byteTicks, (end) => {
        this.lineBusy = false;
        this.rxLog.push({ tick: end, byte, byteTicks: d.byteTicks });
        const now = this.live();
        if (now === null || now.generation !== gen) this.droppedWhileOff++;
        else {
          this.received++;
          if (this.rxFifo.length < this.fifoDepth) this.rxFifo.push(byte);
          else this.overruns++; // hardware overrun: the FIFO is full
          this.raise();
        }
        this.rxStart(end);
      });
      return;
    }
  }

  worldRead(): Uint8Array {
    const out = new Uint8Array(this.sentLog.length - this.readPos);
    for (let i = 0; i < out.length; i++) out[i] = this.sentLog[this.readPos + i]!.byte;
    this.readPos = this.sentLog.length;
    return out;
  }

  worldText(): string {
    const bytes = new Uint8Array(this.sentLog.length - this.bootStart);
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.sentLog[this.bootStart + i]!.byte;
    return utf8Decode(bytes);
  }
}

function byteTicks(baudRate: number, tickRateHz: number): number {
  return (10 / baudRate) * tickRateHz;
}

/**
 * A UART as firmware sees it (`board.uart(n)`). Blocking calls return the kernel call of the
 * driver's wait (await it in an async task, `yield*` it in a generator task); only a task may
 * make them. ISR-safe: `buffered()`, `overruns`, `received`.
 */
export class Uart {
  /** @internal */
  constructor(/** @internal */ readonly port: UartPort) {}

  /** The vendor name of the instance ("USART3", "UARTE0", "UART0"). */
  get name(): string {
    return this.port.inst.name;
  }

  /** Sets the baud rate (8N1) and creates the driver's receive buffer and interrupt; see UartConfig. */
  configure(config: UartConfig): void {
    this.port.configure(config);
  }

  /**
   * Sends `data` (a string as UTF-8); resolves with the byte count when the last stop bit has
   * left the pin.
   */
  write(data: Uint8Array | string): KernelCall<number> {
    const p = this.port;
    if (typeof data === "string") data = utf8Encode(data);
    else if (!(data instanceof Uint8Array)) throw new HalError(p.host.boardName, p.where, `write expects a Uint8Array or a string, got ${typeof data}`);
    return p.write(data.slice(), false, "write");
  }

  /**
   * Sends `view`, which must lie in board RAM, by DMA without a copy: each byte is read from RAM
   * as it goes on the wire. Resolves when the last stop bit has left the pin.
   */
  writeDMA(view: Uint8Array): KernelCall<void> {
    const p = this.port;
    if (!(view instanceof Uint8Array)) throw new HalError(p.host.boardName, p.where, `writeDMA expects a Uint8Array view of board RAM, got ${typeof view}`);
    const refused = dmaViewError(p.host.ram, p.where, "writeDMA", "buffer", view);
    if (refused !== null) throw refused;
    return voidCall(p.write(view, true, "writeDMA"));
  }

  /**
   * Receives up to `into.length` bytes: resolves as soon as at least one byte is buffered, with
   * the count; 0 when `timeoutTicks` pass first (an xStreamBufferReceive on the receive buffer).
   */
  read(into: Uint8Array, timeoutTicks: number): KernelCall<number> {
    return this.port.read(into, timeoutTicks);
  }

  /** Bytes waiting in the driver's receive buffer. */
  buffered(): number {
    const d = this.port.need("buffered");
    return this.port.host.rtos().xStreamBufferBytesAvailable(d.sb);
  }

  /** Bytes lost since the last start because the hardware FIFO or the receive buffer was full. */
  get overruns(): number {
    return this.port.overruns;
  }

  /** Bytes received since the last start (stop bit ended with the driver configured). */
  get received(): number {
    return this.port.received;
  }
}

/** The world's end of a UART's cable (`board.world.uart(n)`). */
export class WorldUart {
  /** @internal */
  constructor(/** @internal */ readonly port: UartPort) {}

  /**
   * Sends `data` (a string as UTF-8) to the device's RX, now or from board time `atTick`, at the
   * device's baud rate, after anything the world is still sending. Bytes on the line while the
   * device's UART is not configured are not received.
   */
  write(data: Uint8Array | string, atTick?: number): void {
    const p = this.port;
    let bytes: Uint8Array;
    if (typeof data === "string") bytes = utf8Encode(data);
    else if (data instanceof Uint8Array) bytes = data.slice();
    else throw new HalError(p.host.boardName, `world ${p.where}`, `write expects a Uint8Array or a string, got ${typeof data}`);
    p.worldWrite(bytes, atTick);
  }

  /** What the device sent since the last read(). */
  read(): Uint8Array {
    return this.port.worldRead();
  }

  /** Everything the device sent since the board last started, as UTF-8. */
  text(): string {
    return this.port.worldText();
  }

  /** Every byte the device sent (all boots), with the board time its stop bit ended: its TX line for traces. */
  get txLog(): readonly UartLogEntry[] {
    return this.port.sentLog;
  }

  /** Every byte the world put on the device's RX line (all boots, received or not), same form. */
  get rxLog(): readonly UartLogEntry[] {
    return this.port.rxLog;
  }
}

/** UTF-8 encoding (no TextEncoder: the hal runs on the language alone). */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** UTF-8 decoding; a malformed sequence gives U+FFFD per bad byte. */
export function utf8Decode(b: Uint8Array): string {
  let s = "";
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    let cp = 0;
    let min = 0;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i++;
      continue;
    } else if ((c & 0xe0) === 0xc0) [n, cp, min] = [1, c & 31, 0x80];
    else if ((c & 0xf0) === 0xe0) [n, cp, min] = [2, c & 15, 0x800];
    else if ((c & 0xf8) === 0xf0) [n, cp, min] = [3, c & 7, 0x10000];
    else {
      s += "\ufffd";
      i++;
      continue;
    }
    let ok = i + n < b.length;
    for (let j = 1; ok && j <= n; j++) {
      const x = b[i + j];
      if (x === undefined || (x & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (x & 63);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      s += "\ufffd";
      i++;
      continue;
    }
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}
