/**
 * TI TMP102 digital temperature sensor, an I2C device model for `board.world.i2c(n).attach`.
 *
 * From the datasheet, TI SBOS397 "TMP102 Low-Power Digital Temperature Sensor With SMBus and
 * Two-Wire Serial Interface in SOT563" (section and table numbers differ between revisions, so
 * they are cited by title, with the number in the revision checked where there is one):
 * - Address: ADD0 to GND 0x48, V+ 0x49, SDA 0x4A, SCL 0x4B (table "Address Pin and Slave
 *   Addresses").
 * - Pointer register (the first byte of a write): P1/P0 select temperature 00 (read only),
 *   configuration 01, T_LOW 10, T_HIGH 11 ("Pointer Register", table "Pointer Addresses"). The
 *   pointer stays until the next write, so repeated reads need no new pointer byte.
 * - Registers are 16 bits, sent MSB first ("Serial Interface": read and write operations).
 * - Temperature register: 12 bits, 0.0625 °C per LSB, two's complement, left-justified (bits
 *   D15..D4; D0 = 0); extended mode (EM = 1): 13 bits in D15..D3 and D0 = 1 ("Temperature
 *   Register", tables "12-Bit Temperature Data Format" and "13-Bit Temperature Data Format"
 *   (Table 6 in SBOS397B); e.g. 25 °C = 0x190,
 *   -25 °C = 0xE70, -55 °C = 0xC90 in 12 bits; 150 °C = 0x960, 128 °C = 0x800, -55 °C = 0x1C90
 *   in 13 bits).
 * - Configuration register, power-on 0x60A0: byte 1 OS R1 R0 F1 F0 POL TM SD, byte 2 CR1 CR0 AL
 *   EM 0 0 0 0; R1/R0 (converter resolution, 11) and AL are read only; CR1/CR0 = 10 (4 Hz)
 *   ("Configuration Register", table "Configuration and Power-Up/Reset Format", Table 7 in
 *   SBOS397B). AL (read only) gives the comparator status whatever TM is: with POL = 0 it reads
 *   1 until the temperature equals or exceeds T_HIGH for the programmed number of consecutive
 *   faults, then 0 until it falls below T_LOW for as many; POL inverts it ("Alert (AL Bit)").
 * - One-shot: in shutdown (SD = 1), writing OS = 1 starts one conversion; OS reads 0 during it
 *   and 1 after it ("One-Shot/Conversion Ready (OS)").
 * - T_LOW / T_HIGH: same format as the temperature register; power-on 75 °C and 80 °C
 *   ("High- and Low-Limit Registers", Tables 10 and 11 in SBOS397C). Fault queue F1/F0: 1, 2, 4,
 *   6 consecutive faults ("Fault Queue").
 *
 * Model simplifications (not datasheet figures): a conversion happens at once on every
 * setTemperature while not shut down (the conversion rate CR1/CR0 is stored, not timed); the
 * temperature is rounded to the nearest LSB and saturates at the register's range; the ALERT
 * pin and its interrupt mode (TM = 1) are not modelled (the `alert` getter is the comparator
 * status AL reports); a one-shot converts at once, so OS reads 1 after it (while still shut
 * down) and 0 otherwise, in continuous mode too. The datasheet confirms the one-shot part ("One-
 * Shot/Conversion Ready (OS)", SBOS397C p. 9: OS reads '0' during the single conversion and '1'
 * after it, the device back in shutdown) and OS = 0 at power-on (Table 7, byte 1 = 0110 0000);
 * what OS reads in continuous mode after a one-shot is not stated there: 0 is the model's choice.
 * The limits are kept in 1/16 °C and read back in the current EM format. A read longer than 2
 * bytes repeats the register (unconfirmed: the datasheet's bus overview only says the number of
 * bytes between START and STOP is set by the controller; a TI E2E forum report, "TMP102 back to
 * back temperature transmissions", says the device sends nothing after the second byte, which
 * would read 0xFF: not adopted without a datasheet statement). A write of one data byte updates
 * the register's MS byte and keeps its LS byte (TI's TMP102 datasheet, "Bus Overview", Data
 * Transfer: the device "can also be used for single byte updates. To update only the MS byte,
 * terminate the communication" with a START or STOP; SBOS397B, "Configuration Register": "All
 * registers are updated byte by byte"); bytes past the second are ignored; pointer bits P7..P2
 * are ignored.
 * @module
 */
import { HalError } from "../errors.js";
import type { I2CDevice } from "../i2c.js";

/** Register numbers (pointer values). */
export const TMP102_REGISTERS = Object.freeze({ temperature: 0x00, configuration: 0x01, tLow: 0x02, tHigh: 0x03 } as const);

/** Options of createTMP102. */
export interface TMP102Options {
  /** 0x48 (ADD0 to GND, the default), 0x49 (V+), 0x4A (SDA) or 0x4B (SCL). */
  address?: number;
  /** The temperature around the sensor at power-on, °C (default 25). */
  celsius?: number;
}

const CONFIG_POWER_ON = 0x60a0;
/** Bits firmware may write: OS F1 F0 POL TM SD (byte 1), CR1 CR0 EM (byte 2). */
const CONFIG_WRITABLE = 0x9fd0;
const OS = 0x8000;
const SD = 0x0100;
const POL = 0x0400;
const AL = 0x0020;
const EM = 0x0010;
const FAULTS = [1, 2, 4, 6] as const;

/**
 * A TMP102 on an I2C bus: attach it with `board.world.i2c(n).attach(sensor)`.
 * @example
 * ```ts
 * const sensor = createTMP102({ address: 0x48, celsius: 21.5 });
 * board.world.i2c(0).attach(sensor);
 * sensor.setTemperature(-18); // firmware now reads 0xEE00 from register 0x00
 * ```
 */
export class TMP102 implements I2CDevice {
  readonly address: number;
  private physical: number;
  private pointer = 0;
  private config = CONFIG_POWER_ON;
  /** The last conversion, in LSBs of 1/16 °C (saturated to the mode's range). */
  private counts = 0;
  /** Limits in 1/16 °C: 75 and 80 °C at power-on. */
  private tLowCounts = 75 * 16;
  private tHighCounts = 80 * 16;
  private alertActive = false;
  private faultRun = 0;
  /** A one-shot conversion completed since shutdown: OS reads 1. */
  private oneShotDone = false;

  /** @internal (use createTMP102) */
  constructor(options: TMP102Options = {}) {
    if (options === null || typeof options !== "object") throw new HalError(null, "TMP102", `options must be an object { address?, celsius? }, got ${String(options)}`);
    const address = options.address ?? 0x48;
    if (typeof address !== "number" || !Number.isInteger(address) || address < 0x48 || address > 0x4b)
      throw new HalError(null, "TMP102", `address must be 0x48 (ADD0 to GND), 0x49 (V+), 0x4a (SDA) or 0x4b (SCL), got ${String(address)}`);
    this.address = address;
    const celsius = options.celsius ?? 25;
    checkCelsius(celsius);
    this.physical = celsius;
    this.convert();
  }

  /** The temperature around the sensor, °C (what the world set). */
  get celsius(): number {
    return this.physical;
  }

  /** Sets the temperature around the sensor, °C; the sensor converts it unless shut down. */
  setTemperature(celsius: number): void {
    checkCelsius(celsius);
    this.physical = celsius;
    if ((this.config & SD) === 0) this.convert();
  }

  /** The comparator status (what AL reports): true from T_HIGH reached to below T_LOW, after the fault queue. */
  get alert(): boolean {
    return this.alertActive;
  }

  /** The current pointer register value (0..3). */
  get pointerRegister(): number {
    return this.pointer;
  }

  /** A register's 16-bit value as the bus reads it. */
  register(pointer: number): number {
    const em = (this.config & EM) !== 0;
    switch (pointer & 3) {
      case 0:
        return format(this.counts, em);
      case 1: {
        const alBit = this.alertActive === ((this.config & POL) !== 0) ? AL : 0;
        return (this.config & ~(OS | AL)) | alBit | (this.oneShotDone ? OS : 0);
      }
      case 2:
        return format(this.tLowCounts, em);
      default:
        return format(this.tHighCounts, em);
    }
  }

  /** I2C write part: pointer byte, then optionally the register's two bytes (MSB first). */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pointer = bytes[0]! & 3;
    if (bytes.length < 2) return;
    // One data byte updates the MS byte only (datasheet, "Bus Overview": single byte updates).
    const value = (bytes[1]! << 8) | (bytes.length >= 3 ? bytes[2]! : this.register(this.pointer) & 0xff);
    const em = (this.config & EM) !== 0;
    switch (this.pointer) {
      case 0:
        return; // read only
      case 1: {
        const oneShot = (value & OS) !== 0 && (this.config & SD) !== 0;
        this.config = (CONFIG_POWER_ON & ~CONFIG_WRITABLE & ~AL) | (value & CONFIG_WRITABLE & ~OS);
        this.oneShotDone = oneShot && (this.config & SD) !== 0 ? true : (this.config & SD) !== 0 && this.oneShotDone;
        if (oneShot || (this.config & SD) === 0) this.convert();
        return;
      }
      case 2:
        this.tLowCounts = parse(value, em);
        return;
      default:
        this.tHighCounts = parse(value, em);
    }
  }

  /** I2C read part: the pointed register, MSB first (repeating after two bytes). */
  read(into: Uint8Array): void {
    const value = this.register(this.pointer);
    for (let i = 0; i < into.length; i++) into[i] = i % 2 === 0 ? value >> 8 : value & 0xff;
  }

  /** One conversion of the physical temperature, then the comparator. */
  private convert(): void {
    const em = (this.config & EM) !== 0;
    const max = em ? 4095 : 2047;
    this.counts = Math.max(-max - 1, Math.min(max, Math.round(this.physical * 16)));
    const faultsNeeded = FAULTS[(this.config >> 11) & 3]!;
    const fault = this.alertActive ? this.counts < this.tLowCounts : this.counts >= this.tHighCounts;
    this.faultRun = fault ? this.faultRun + 1 : 0;
    if (this.faultRun >= faultsNeeded) {
      this.alertActive = !this.alertActive;
      this.faultRun = 0;
    }
  }
}

/** A TMP102 model (default address 0x48, 25 °C). */
export function createTMP102(options: TMP102Options = {}): TMP102 {
  return new TMP102(options);
}

/** Counts of 1/16 °C → register bits: 12-bit left-justified (D0 = 0) or 13-bit with D0 = 1 (EM). */
function format(counts: number, em: boolean): number {
  return em ? (((counts & 0x1fff) << 3) | 1) : (counts & 0xfff) << 4;
}

/** Register bits → counts of 1/16 °C (sign-extended from 12 or 13 bits). */
function parse(value: number, em: boolean): number {
  return em ? ((value >> 3) << 19) >> 19 : ((value >> 4) << 20) >> 20;
}

function checkCelsius(celsius: unknown): void {
  if (typeof celsius !== "number" || !Number.isFinite(celsius)) throw new HalError(null, "TMP102", `temperature must be a finite number of °C, got ${String(celsius)}`);
}
