/**
 * A Winbond W25Q32JV-style SPI NOR flash (32 Mbit = 4 MiB, 4 KB sectors, 256-byte pages) for an
 * SPI bus: `board.world.spi(n).attach(csPin, w25q32jv())`.
 *
 * Source: Winbond W25Q32JV datasheet (the "Instructions" chapter for the command set, the
 * "AC Electrical Characteristics" table for the timing). Modelled, single-SPI only:
 * - 9Fh JEDEC ID → EF 40 16 (manufacturer Winbond, memory type, capacity 2^22 bytes).
 * - 03h Read Data (3 address bytes), 0Bh Fast Read (3 address bytes + 1 dummy byte): data from
 *   the address on, incrementing; past the last byte it wraps to 0 (as in Winbond's own
 *   "Verilog Simulation for W25Q32JV series Serial Flash Memory", V0.1 beta, 2016-2017: its
 *   read_page task masks the incremented address with ADDRESS_MASK = 4 MiB - 1; the datasheet
 *   text itself, which says the whole array can be read in one instruction, was not read here).
 * - 06h Write Enable / 04h Write Disable: set / clear WEL when CS rises after the 8th bit.
 * - 05h Read Status Register-1: BUSY (bit 0), WEL (bit 1), repeated for as long as it is clocked.
 * - 02h Page Program (3 address bytes + 1..256 data bytes): when CS rises, the bytes go into the
 *   page, wrapping within it (the address's low byte wraps at 256: more than 256 bytes overwrite
 *   the first ones sent), clearing bits only (new = old AND data).
 * - 20h Sector Erase (4 KB), 52h Block Erase (32 KB), D8h Block Erase (64 KB), C7h/60h Chip Erase:
 *   the aligned unit containing the address becomes 0xFF when CS rises.
 * - B9h Power-down (then everything but ABh is ignored) and ABh Release Power-down (with 3 dummy
 *   bytes it then returns the Device ID 15h).
 * A program or erase needs WEL (set by 06h) and runs for its typical time (W25Q32JV_TIMING_US) in
 * board virtual time: BUSY and WEL read 1 meanwhile, every instruction but 05h is ignored (MISO
 * stays high, 0xFF), and WEL clears when it completes. An instruction that is ignored, unknown,
 * or ends with CS rising at a byte count it does not accept does nothing. The array content
 * changes at the start of the operation (nothing can read it before the end).
 * Not modelled: status registers 2 and 3, protection bits, dual/quad I/O, suspend/resume, SFDP,
 * unique ID, reset (66h/99h), the tDP/tRES1 delays of power-down.
 *
 * Time: the device gets the board's clock from `attach` (SpiDevice.attached), so one device
 * belongs to one bus of one board; attaching it twice is a HalError.
 * @module
 */
import { HalError } from "../errors.js";
import type { SpiBusContext, SpiDevice } from "../spi.js";

/** 32 Mbit. */
export const W25Q32JV_SIZE_BYTES = 4 * 1024 * 1024;

/**
 * Typical program/erase times, microseconds, from the W25Q32JV datasheet's "AC Electrical
 * Characteristics" table (§9.6 in the revisions the esp32c3 catalogue cites). tPP 0.4 ms and tSE
 * 45 ms match the figures in src/hal/boards/esp32c3.ts (read from transcriptions of that table).
 * tBE1 120 ms, tBE2 150 ms and tCE 10 s agree with the erase times of
 * Winbond's W25Q32JV Verilog simulation model (V0.1 beta: parameters tBE1 = 120 ms, tBE2 = 150 ms,
 * tCE_40 = 250 ms "repeated 40 times" = 10 s); the datasheet table itself was not readable in the
 * stored copies, so its maxima are unconfirmed and not used. (That simulation model's tPP 0.7 ms
 * and tSE 100 ms are not the JV datasheet's typicals and are not used.)
 */
export const W25Q32JV_TIMING_US = Object.freeze({
  /** tPP, Page Program. */
  pageProgram: 400,
  /** tSE, Sector Erase (4 KB). */
  sectorErase: 45_000,
  /** tBE1, Block Erase (32 KB): Winbond's W25Q32JV simulation model; datasheet table not read. */
  block32Erase: 120_000,
  /** tBE2, Block Erase (64 KB): Winbond's W25Q32JV simulation model; datasheet table not read. */
  block64Erase: 150_000,
  /** tCE, Chip Erase: Winbond's W25Q32JV simulation model (40 × 250 ms); datasheet table not read. */
  chipErase: 10_000_000,
});

/** JEDEC ID (9Fh): Winbond, memory type 40h, capacity 16h (2^22 bytes). */
const JEDEC_ID = [0xef, 0x40, 0x16] as const;
/** Device ID returned by ABh after three dummy bytes. */
const DEVICE_ID = 0x15;
const PAGE_BYTES = 256;

/** Options of w25q32jv(). */
export interface W25QOptions {
  /** Initial content (at most 4 MiB, copied; the rest reads erased, 0xFF). */
  contents?: Uint8Array;
}

/** Creates a W25Q32JV model (erased, or with `options.contents`), to attach to an SPI bus. */
export function w25q32jv(options: W25QOptions = {}): W25Q {
  return new W25Q(options);
}

/** A W25Q32JV SPI NOR device. See the module comment for the command set. */
export class W25Q implements SpiDevice {
  /** The array (world side: inspect or preload it directly; firmware goes through the bus). */
  readonly memory: Uint8Array;
  private bus: SpiBusContext | null = null;
  private wel = false;
  private busyUntil = 0;
  /** An operation whose end clears WEL is in progress (or has ended and not been looked at). */
  private welClearAtEnd = false;
  private poweredDown = false;
  // The instruction of the current CS-low session.
  private selected = false;
  private opcode = -1;
  private count = 0;
  private address = 0;
  private ignored = false;
  private readonly page = new Uint8Array(PAGE_BYTES);
  private readonly pageSet = new Uint8Array(PAGE_BYTES);
  private pageBytes = 0;

  /** @internal use w25q32jv() */
  constructor(options: W25QOptions) {
    this.memory = new Uint8Array(W25Q32JV_SIZE_BYTES).fill(0xff);
    const c = options?.contents;
    if (c !== undefined) {
      if (!(c instanceof Uint8Array) || c.length > W25Q32JV_SIZE_BYTES)
        throw new HalError(null, "w25q32jv", `contents must be a Uint8Array of at most ${W25Q32JV_SIZE_BYTES} bytes, got ${c instanceof Uint8Array ? `${c.length} bytes` : typeof c}`);
      this.memory.set(c);
    }
  }

  /** Status register 1 now: BUSY (bit 0), WEL (bit 1). */
  get status(): number {
    const busy = this.busy();
    return (busy ? 1 : 0) | (this.wel ? 2 : 0);
  }

  /** @internal SpiDevice: the bus gives the board's clock. */
  attached(bus: SpiBusContext): void {
    if (this.bus !== null) throw new HalError(bus.boardName, `w25q32jv on ${bus.bus}`, `this device is already attached (to ${this.bus.bus} of board ${this.bus.boardName}, CS ${this.bus.csPin}); create one w25q32jv() per bus`);
    this.bus = bus;
  }

  private busy(): boolean {
    if (this.bus === null) return false;
    const b = this.bus.now() < this.busyUntil;
    if (!b && this.welClearAtEnd) {
      this.welClearAtEnd = false;
      this.wel = false;
    }
    return b;
  }

  /** @internal SpiDevice */
  select(): void {
    this.selected = true;
    this.opcode = -1;
    this.count = 0;
    this.address = 0;
    this.ignored = false;
    this.pageBytes = 0;
    this.pageSet.fill(0);
  }

  /** @internal SpiDevice */
  exchange(mosi: number): number {
    if (!this.selected) return 0xff;
    const n = this.count++;
    if (n === 0) {
      this.opcode = mosi;
      // Power-down: only Release (ABh). Busy: only Read Status Register-1 (05h).
      this.ignored = (this.poweredDown && mosi !== 0xab) || (mosi !== 0x05 && this.busy());
      return 0xff;
    }
    if (this.ignored) return 0xff;
    switch (this.opcode) {
      case 0x9f:
        return n <= 3 ? JEDEC_ID[n - 1]! : 0xff;
      case 0x05:
        return this.status;
      case 0xab:
        return n >= 4 ? DEVICE_ID : 0xff;
      case 0x03:
      case 0x0b: {
        if (n <= 3) {
          this.address = ((this.address << 8) | mosi) & 0xffffff;
          return 0xff;
        }
        if (this.opcode === 0x0b && n === 4) return 0xff; // the dummy byte
        const v = this.memory[this.address % W25Q32JV_SIZE_BYTES]!;
        this.address = (this.address + 1) % W25Q32JV_SIZE_BYTES;
        return v;
      }
      case 0x02:
        if (n <= 3) this.address = ((this.address << 8) | mosi) & 0xffffff;
        else {
          const at = ((this.address & 0xff) + (n - 4)) % PAGE_BYTES;
          this.page[at] = mosi;
          this.pageSet[at] = 1;
          this.pageBytes++;
        }
        return 0xff;
      case 0x20:
      case 0x52:
      case 0xd8:
        if (n <= 3) this.address = ((this.address << 8) | mosi) & 0xffffff;
        return 0xff;
      default:
        return 0xff;
    }
  }

  /** @internal SpiDevice: CS rose; write-type instructions take effect here. */
  deselect(): void {
    if (!this.selected) return;
    this.selected = false;
    if (this.ignored || this.count === 0) return;
    const op = this.opcode;
    const n = this.count;
    if (this.poweredDown) {
      if (op === 0xab) this.poweredDown = false;
      return;
    }
    switch (op) {
      case 0x06:
        if (n === 1) this.wel = true;
        return;
      case 0x04:
        if (n === 1) this.wel = false;
        return;
      case 0xb9:
        if (n === 1) this.poweredDown = true;
        return;
      case 0x02: {
        if (!this.wel || n < 5) return;
        const base = (this.address & ~0xff) % W25Q32JV_SIZE_BYTES;
        for (let i = 0; i < PAGE_BYTES; i++) if (this.pageSet[i] === 1) this.memory[base + i]! &= this.page[i]!;
        this.startOp(W25Q32JV_TIMING_US.pageProgram);
        return;
      }
      case 0x20:
        if (n === 4) this.erase(4096, W25Q32JV_TIMING_US.sectorErase);
        return;
      case 0x52:
        if (n === 4) this.erase(32 * 1024, W25Q32JV_TIMING_US.block32Erase);
        return;
      case 0xd8:
        if (n === 4) this.erase(64 * 1024, W25Q32JV_TIMING_US.block64Erase);
        return;
      case 0xc7:
      case 0x60:
        if (n === 1 && this.wel) {
          this.memory.fill(0xff);
          this.startOp(W25Q32JV_TIMING_US.chipErase);
        }
        return;
      default:
        return;
    }
  }

  private erase(unitBytes: number, us: number): void {
    if (!this.wel) return;
    const base = (this.address - (this.address % unitBytes)) % W25Q32JV_SIZE_BYTES;
    this.memory.fill(0xff, base, base + unitBytes);
    this.startOp(us);
  }

  private startOp(us: number): void {
    const bus = this.bus!;
    this.busyUntil = bus.now() + us * 1e-6 * bus.tickRateHz;
    this.welClearAtEnd = true;
  }
}
