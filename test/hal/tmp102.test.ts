/**
 * TMP102 model (src/hal/devices/tmp102.ts) against the datasheet (TI SBOS397): power-on register
 * values, the 12-bit and 13-bit (EM) temperature data format tables including negative values,
 * the pointer register persisting between transactions, the read-only temperature register,
 * comparator alert, shutdown and one-shot, addresses by ADD0; and through a board's I2C bus.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError } from "./helpers.js";
import { createTMP102, TMP102_REGISTERS, type TMP102 } from "../../src/hal/index.js";

/** Reads register `p` as the bus would: pointer write, then a 2-byte read. */
function reg(t: TMP102, p: number): number {
  t.write(Uint8Array.of(p));
  const into = new Uint8Array(2);
  t.read(into);
  return (into[0]! << 8) | into[1]!;
}

test("power-on values: temperature of the environment, configuration 0x60A0, T_LOW 75 °C (0x4B00), T_HIGH 80 °C (0x5000), pointer 0", () => {
  const t = createTMP102();
  assert.equal(t.address, 0x48);
  assert.equal(t.pointerRegister, 0);
  const into = new Uint8Array(2);
  t.read(into); // pointer 0 at power-on: temperature
  assert.deepEqual([...into], [0x19, 0x00], "25 °C = 0x190 left-justified");
  assert.equal(reg(t, TMP102_REGISTERS.configuration), 0x60a0);
  assert.equal(reg(t, TMP102_REGISTERS.tLow), 0x4b00);
  assert.equal(reg(t, TMP102_REGISTERS.tHigh), 0x5000);
});

test("12-bit data format (datasheet table): 0.0625 °C per LSB, two's complement, left-justified, D0 = 0; saturates at the ends", () => {
  const t = createTMP102({ celsius: 0 });
  const table: [number, number][] = [
    [127.9375, 0x7ff],
    [100, 0x640],
    [80, 0x500],
    [75, 0x4b0],
    [50, 0x320],
    [25, 0x190],
    [0.25, 0x004],
    [0.0625, 0x001],
    [0, 0x000],
    [-0.25, 0xffc],
    [-0.0625, 0xfff],
    [-25, 0xe70],
    [-55, 0xc90],
    [150, 0x7ff], // beyond 12 bits: saturates
    [-200, 0x800],
  ];
  for (const [c, raw] of table) {
    t.setTemperature(c);
    assert.equal(reg(t, 0), raw << 4, `${c} °C`);
  }
  t.setTemperature(21.53); // rounds to the nearest LSB: 344.48 → 344 = 21.5 °C
  assert.equal(reg(t, 0), 344 << 4);
});

test("13-bit extended mode (EM = 1): D15..D3 and D0 = 1; 150 °C = 0x960, -55 °C = 0x1C90; limits read in 13-bit format", () => {
  const t = createTMP102({ celsius: 150 });
  t.write(Uint8Array.of(1, 0x60, 0xb0)); // configuration with EM set
  assert.equal(reg(t, 1), 0x6090, "EM set; AL reads 0: 150 °C is above T_HIGH (80 °C), the alert is active");
  assert.equal(reg(t, 0), (0x960 << 3) | 1);
  t.setTemperature(-55);
  assert.equal(reg(t, 0), (0x1c90 << 3) | 1);
  t.setTemperature(128);
  assert.equal(reg(t, 0), (0x800 << 3) | 1);
  assert.equal(reg(t, 2), (0x4b0 << 3) | 1, "T_LOW 75 °C in 13 bits");
  t.write(Uint8Array.of(1, 0x60, 0xa0)); // EM off again
  assert.equal(reg(t, 0), 0x7ff << 4, "back to 12 bits: 128 °C saturates to 127.9375");
});

test("the pointer persists: reads repeat the register without a new pointer byte; the temperature register ignores writes", () => {
  const t = createTMP102({ address: 0x4a, celsius: -10 });
  t.write(Uint8Array.of(3));
  const a = new Uint8Array(2);
  const b = new Uint8Array(4);
  t.read(a);
  t.read(b);
  assert.deepEqual([...a], [0x50, 0x00]);
  assert.deepEqual([...b], [0x50, 0x00, 0x50, 0x00]);
  t.write(Uint8Array.of(0, 0x12, 0x34));
  assert.equal(t.pointerRegister, 0);
  assert.equal(reg(t, 0), ((-160 & 0xfff) << 4), "-10 °C = 0xF60 still");
  t.write(Uint8Array.of(2, 0x19, 0x00)); // T_LOW = 25 °C
  assert.equal(reg(t, 2), 0x1900);
});

test("a write of one data byte updates the MS byte only and keeps the LS byte (datasheet: single byte updates)", () => {
  const t = createTMP102();
  t.write(Uint8Array.of(3, 0x1e, 0x80)); // T_HIGH = 0x1E80 (30.5 °C)
  t.write(Uint8Array.of(3, 0x20)); // MS byte only: 0x2080 (32.5 °C)
  assert.equal(reg(t, 3), 0x2080);
  t.write(Uint8Array.of(1, 0x61)); // configuration byte 1: SD set; byte 2 (CR 4 Hz, AL) kept
  assert.equal(reg(t, 1), 0x61a0);
  t.write(Uint8Array.of(2, 0x19, 0x00, 0x77)); // a third data byte is ignored
  assert.equal(reg(t, 2), 0x1900);
});

test("configuration: R1/R0 and AL read-only; comparator alert with its fault queue and polarity; shutdown holds the value; one-shot converts", () => {
  const t = createTMP102({ celsius: 20 });
  t.write(Uint8Array.of(1, 0x00, 0x00)); // tries to clear R1/R0: read-only
  assert.equal(reg(t, 1), 0x6020, "R1 R0 = 11 stay, AL = 1 (inactive, POL = 0), CR = 00 written");
  t.write(Uint8Array.of(3, 0x1e, 0x00)); // T_HIGH 30 °C
  t.write(Uint8Array.of(2, 0x1c, 0x00)); // T_LOW 28 °C
  t.setTemperature(31);
  assert.equal(t.alert, true);
  assert.equal(reg(t, 1) & 0x20, 0, "AL reads 0 when active with POL = 0");
  t.setTemperature(29);
  assert.equal(t.alert, true, "between the limits: stays active (hysteresis)");
  t.setTemperature(27);
  assert.equal(t.alert, false);
  // Fault queue F1 F0 = 01: two consecutive faults.
  t.write(Uint8Array.of(1, 0x08, 0x00));
  t.setTemperature(35);
  assert.equal(t.alert, false, "one fault is not enough");
  t.setTemperature(36);
  assert.equal(t.alert, true);
  // Polarity: POL = 1 makes AL read 1 when active.
  t.write(Uint8Array.of(1, 0x0c, 0x00));
  assert.equal(reg(t, 1) & 0x20, 0x20);
  // Shutdown: conversions stop, the register keeps the last one; a one-shot converts once.
  t.write(Uint8Array.of(1, 0x01, 0x00));
  assert.equal(reg(t, 1) & 0x8000, 0, "OS reads 0 before any one-shot");
  t.setTemperature(10);
  assert.equal(reg(t, 0), 36 * 16 << 4);
  t.write(Uint8Array.of(1, 0x81, 0x00)); // OS = 1 with SD = 1
  assert.equal(reg(t, 0), 10 * 16 << 4);
  assert.equal(reg(t, 1) & 0x8000, 0x8000, "OS reads 1 after the one-shot conversion");
  t.write(Uint8Array.of(1, 0x0c, 0x00)); // back to continuous conversion
  assert.equal(reg(t, 1) & 0x8000, 0);
});

test("addresses by ADD0 are 0x48..0x4B; others and bad temperatures are HalErrors", () => {
  for (const a of [0x48, 0x49, 0x4a, 0x4b]) assert.equal(createTMP102({ address: a }).address, a);
  assert.throws(() => createTMP102({ address: 0x4c }), (e: unknown) => e instanceof HalError && e.message === "TMP102: address must be 0x48 (ADD0 to GND), 0x49 (V+), 0x4a (SDA) or 0x4b (SCL), got 76");
  assert.throws(() => createTMP102({ celsius: Number.NaN }), /TMP102: temperature must be a finite number of °C, got NaN/);
  assert.throws(() => createTMP102().setTemperature("20" as unknown as number), /temperature must be a finite number/);
});

test("through the bus: readRegister/writeRegister on an nRF52840 TWIM read the datasheet values; a second sensor at 0x49", async () => {
  const got: Record<string, number> = {};
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 400_000 });
      await bb.rtos.xTaskCreate(async () => {
        const two = new Uint8Array(2);
        const word = () => (two[0]! << 8) | two[1]!;
        await bus.readRegister(0x48, 0, two);
        got.temp48 = word();
        await bus.readRegister(0x49, 0, two);
        got.temp49 = word();
        await bus.readRegister(0x48, 1, two);
        got.config = word();
        await bus.writeRegister(0x48, 3, Uint8Array.of(0x1e, 0x00));
        await bus.tx(0x48, null, two); // pointer still 3
        got.tHigh = word();
        await bb.rtos.vTaskDelay(5);
        await bus.readRegister(0x48, 0, two);
        got.later = word();
      }, "t", 256, null, 2);
    },
  });
  const s48 = createTMP102({ celsius: -25 });
  const s49 = createTMP102({ address: 0x49, celsius: 50 });
  b.world.i2c(0).attach(s48);
  b.world.i2c(0).attach(s49);
  await b.run(3);
  s48.setTemperature(0.25);
  await b.run(5);
  assert.deepEqual(got, { temp48: 0xe700, temp49: 0x3200, config: 0x60a0, tHigh: 0x1e00, later: 0x0040 });
});
