/**
 * The board catalogue (src/hal/boards): the figures hang together — SRAM regions sum to the
 * board's SRAM and do not overlap, the flash geometry divides evenly, dev-kit aliases name real
 * pins, every interrupt number is a vendor number used once per board (GPIO lines apart from
 * the serial ones; the nRF52840's SPIM0/TWIM0 and SPIM1/TWIM1 share an ID by design) — and
 * specific facts from the cited documents.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boards, boardSpecs, createBoard } from "../../src/hal/index.js";
import { sramBytes } from "../../src/hal/catalogue.js";
import { BOARD_EVENT_IRQ } from "../../src/hal/clock.js";

const none = () => {};

test("boards lists the three boards of API.md, each with a catalogue entry", () => {
  assert.deepEqual([...boards], ["stm32h743", "esp32c3", "nrf52840"]);
  for (const name of boards) assert.equal(boardSpecs[name]!.name, name);
});

test("SRAM regions: no overlap, sizes sum to info.sramBytes and to the documented totals", () => {
  const expected: Record<string, number> = {
    stm32h743: 1056 * 1024, // DS12110: 192 KB TCM + 864 KB user SRAM (backup SRAM not modelled)
    nrf52840: 256 * 1024,
    esp32c3: 400 * 1024,
  };
  for (const name of boards) {
    const spec = boardSpecs[name]!;
    const regions = [...spec.ram].sort((a, b) => a.base - b.base);
    for (let i = 1; i < regions.length; i++)
      assert.ok(regions[i - 1]!.base + regions[i - 1]!.sizeBytes <= regions[i]!.base, `${name}: ${regions[i - 1]!.name} overlaps ${regions[i]!.name}`);
    assert.equal(sramBytes(spec), expected[name], `${name} SRAM total`);
    const b = createBoard(name, { firmware: none });
    assert.equal(b.info.sramBytes, expected[name]);
    assert.equal(b.ram.buffer.byteLength, expected[name]);
  }
  assert.deepEqual(
    boardSpecs.stm32h743!.ram.map((r) => [r.name, r.base, r.sizeBytes / 1024]),
    [["ITCM", 0, 64], ["DTCM", 0x20000000, 128], ["AXI SRAM", 0x24000000, 512], ["SRAM1", 0x30000000, 128], ["SRAM2", 0x30020000, 128], ["SRAM3", 0x30040000, 32], ["SRAM4", 0x38000000, 64]],
  );
  assert.deepEqual(boardSpecs.esp32c3!.ram.find((r) => r.name === "SRAM1"), { name: "SRAM1", base: 0x3fc80000, sizeBytes: 384 * 1024, dma: true });
});

test("flash geometry: whole erase units, write units divide erase units; per-board rules", () => {
  for (const name of boards) {
    const f = boardSpecs[name]!.flash;
    assert.equal(f.sizeBytes % f.eraseBytes, 0, `${name}: flash size is whole erase units`);
    assert.equal(f.eraseBytes % f.writeBytes, 0, `${name}: erase unit is whole write units`);
    assert.equal(f.eraseBytes % f.programMaxBytes, 0, `${name}: erase unit is whole program operations`);
  }
  const h7 = boardSpecs.stm32h743!.flash;
  assert.deepEqual([h7.base, h7.sizeBytes, h7.eraseBytes, h7.writeBytes, h7.writesPerErase], [0x08000000, 2 << 20, 128 << 10, 32, 1]);
  const nrf = boardSpecs.nrf52840!.flash;
  assert.deepEqual([nrf.sizeBytes, nrf.eraseBytes, nrf.writeBytes, nrf.writesPerErase, nrf.eraseUs.max, nrf.programUs.max], [1 << 20, 4096, 4, 2, 85_000, 41]);
  const c3 = boardSpecs.esp32c3!.flash;
  assert.deepEqual([c3.sizeBytes, c3.eraseBytes, c3.programMaxBytes], [4 << 20, 4096, 256]);
});

test("core figures: clocks, MPU/PMP, pin counts", () => {
  const i = (n: string) => createBoard(n, { firmware: none }).info;
  assert.deepEqual([i("stm32h743").cpuHz, i("nrf52840").cpuHz, i("esp32c3").cpuHz], [480e6, 64e6, 160e6]);
  assert.deepEqual([i("stm32h743").mpuRegions, i("nrf52840").mpuRegions, i("esp32c3").mpuRegions], [16, 8, 16]);
  assert.deepEqual([i("stm32h743").pins.length, i("nrf52840").pins.length, i("esp32c3").pins.length], [114, 48, 22]);
  assert.equal(i("nrf52840").pins[47], "P1.15");
  assert.equal(i("esp32c3").pins[21], "GPIO21");
  assert.ok(!i("stm32h743").pins.includes("PI0"), "port I is not on the LQFP144 package");
  assert.deepEqual([i("stm32h743").uarts, i("stm32h743").spis, i("stm32h743").i2cs], [8, 6, 4]);
  assert.deepEqual([i("nrf52840").uarts, i("nrf52840").spis, i("nrf52840").i2cs], [2, 4, 2]);
  assert.deepEqual([i("esp32c3").uarts, i("esp32c3").spis, i("esp32c3").i2cs], [2, 1, 1]);
});

test("dev-kit aliases name real pins, with the kits' active levels", () => {
  const expected: Record<string, [string, string, string, string]> = {
    stm32h743: ["PB0", "high", "PC13", "high"],
    nrf52840: ["P0.13", "low", "P0.11", "low"],
    esp32c3: ["GPIO8", "high", "GPIO9", "low"],
  };
  for (const name of boards) {
    const spec = boardSpecs[name]!;
    assert.ok(spec.pins.includes(spec.aliases.LED.pin) && spec.pins.includes(spec.aliases.BUTTON.pin), name);
    assert.deepEqual([spec.aliases.LED.pin, spec.aliases.LED.activeLevel, spec.aliases.BUTTON.pin, spec.aliases.BUTTON.activeLevel], expected[name]);
    const b = createBoard(name, { firmware: none });
    assert.equal(b.pin("LED").name, spec.aliases.LED.pin);
    assert.equal(b.world.pin("BUTTON").name, spec.aliases.BUTTON.pin);
  }
});

test("interrupt numbers: vendor numbers, unique per board (but the nRF52840's shared serial IDs)", () => {
  for (const name of boards) {
    const spec = boardSpecs[name]!;
    const gpio = new Map<number, string>();
    for (const p of spec.pins) gpio.set(spec.gpioInterrupt(p).irq, spec.gpioInterrupt(p).irqName);
    const serial = [...spec.uarts, ...spec.spis, ...spec.i2cs];
    const seen = new Map<number, string>();
    for (const s of serial) {
      assert.ok(Number.isInteger(s.irq) && s.irq >= 0 && s.irq < BOARD_EVENT_IRQ, `${name} ${s.name}`);
      assert.ok(!gpio.has(s.irq), `${name}: ${s.name} irq ${s.irq} collides with GPIO ${gpio.get(s.irq)}`);
      const other = seen.get(s.irq);
      // nRF52840: SPIM0/TWIM0 (3) and SPIM1/TWIM1 (4) are one peripheral ID each (nrf52840.h).
      if (other !== undefined) assert.ok(name === "nrf52840" && /^SPIM[01]$/.test(other) && /^TWIM[01]$/.test(s.name), `${name}: irq ${s.irq} used by ${other} and ${s.name}`);
      seen.set(s.irq, s.name);
    }
  }
  const h7 = boardSpecs.stm32h743!;
  assert.deepEqual(["PA0", "PB1", "PC2", "PD3", "PE4", "PF5", "PG9", "PA10", "PC13", "PG15"].map((p) => h7.gpioInterrupt(p).irq), [6, 7, 8, 9, 10, 23, 23, 40, 40, 40]);
  assert.equal(boardSpecs.nrf52840!.gpioInterrupt("P1.15").irq, 6);
  assert.equal(boardSpecs.esp32c3!.gpioInterrupt("GPIO9").irq, 16);
  assert.deepEqual(h7.uarts.map((u) => u.fifoBytes), [16, 16, 16, 16, 16, 16, 16, 16]);
  assert.deepEqual(boardSpecs.esp32c3!.uarts.map((u) => [u.irq, u.fifoBytes]), [[21, 128], [22, 128]]);
});
