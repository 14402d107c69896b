/*
 * Checks the I2C sensor example (examples/i2c-sensor.ts): the console transcript is exact (the
 * TMP102's 12-bit two's-complement readings decoded and averaged), what went on the I2C wire is
 * one readRegister per period with the datasheet's encoding of the world's temperature, a missing
 * sensor gives the I2CError line, and two runs are identical.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard } from "../src/hal/index.js";
import { main, world, roomCelsius, runExample, averageCenti, SAMPLE_PERIOD_MS, TMP102_ADDRESS } from "./i2c-sensor.js";

const TRANSCRIPT = [
  "[    0 ms] raw 0x158   21.5000 °C  avg(1) 21.50 °C",
  "[  250 ms] raw 0x158   21.5000 °C  avg(2) 21.50 °C",
  "[  500 ms] raw 0x158   21.5000 °C  avg(3) 21.50 °C",
  "[  750 ms] raw 0x158   21.5000 °C  avg(4) 21.50 °C",
  "[ 1000 ms] raw 0x158   21.5000 °C  avg(4) 21.50 °C",
  "[ 1250 ms] raw 0x0ba   11.6250 °C  avg(4) 19.03 °C",
  "[ 1500 ms] raw 0x01c    1.7500 °C  avg(4) 14.09 °C",
  "[ 1750 ms] raw 0xf7e   -8.1250 °C  avg(4) 6.69 °C",
  "[ 2000 ms] raw 0xee0  -18.0000 °C  avg(4) -3.19 °C",
  "[ 2250 ms] raw 0xee0  -18.0000 °C  avg(4) -10.59 °C",
  "[ 2500 ms] raw 0xee0  -18.0000 °C  avg(4) -15.53 °C",
  "[ 2750 ms] raw 0xee0  -18.0000 °C  avg(4) -18.00 °C",
];

test("i2c-sensor: the console transcript is exact (12-bit two's complement decoded, moving average over 4)", async () => {
  const text = await runExample({ quiet: true });
  assert.deepEqual(text.trimEnd().split("\n"), TRANSCRIPT);
  // The averages by hand: 1750 ms: (344 + 186 + 28 - 130) / 4 sixteenths = 6.6875 °C → 6.69.
  assert.equal(averageCenti([344, 186, 28, -130]), 669);
  assert.equal(averageCenti([186, 28, -130, -288]), -319);
});

test("i2c-sensor: on the wire, one readRegister(0x48, 0x00) per period carrying the world's temperature in the TMP102 format", async () => {
  const board = createBoard("nrf52840", { firmware: main });
  world(board);
  await board.run(2900);
  const log = board.world.i2c(0).log;
  assert.equal(log.length, 12);
  log.forEach((e, k) => {
    assert.equal(e.startTick, k * SAMPLE_PERIOD_MS, "the sampler reads at each period's tick");
    assert.equal(e.address, TMP102_ADDRESS);
    assert.equal(e.frequencyHz, 400_000);
    assert.deepEqual(e.parts.map((p) => [p.rw, p.ack, p.bytes.length]), [["write", true, 1], ["read", true, 2]]);
    assert.equal(e.parts[0]!.bytes[0], 0x00, "pointer: temperature register");
    const word = (e.parts[1]!.bytes[0]! << 8) | e.parts[1]!.bytes[1]!;
    const c = roomCelsius(k * SAMPLE_PERIOD_MS);
    assert.equal(word, (Math.round(c * 16) & 0xfff) << 4, `${k * SAMPLE_PERIOD_MS} ms: ${c} °C`);
  });
  // Datasheet-format spot checks (SBOS397, 12-bit table style): 21.5 °C = 0x158, -18 °C = 0xEE0.
  assert.deepEqual([...log[0]!.parts[1]!.bytes], [0x15, 0x80]);
  assert.deepEqual([...log[11]!.parts[1]!.bytes], [0xee, 0x00]);
});

test("i2c-sensor: without the sensor every read is an I2CError, printed by the pipeline; two runs are identical", async () => {
  const text = await runExample({ ms: 600, withSensor: false, quiet: true });
  assert.deepEqual(text.trimEnd().split("\n"), [0, 250, 500].map((t) => `[${String(t).padStart(5)} ms] board "nrf52840", i2c0 (TWIM0): no acknowledge from address 0x48`));
  assert.equal(await runExample({ quiet: true }), await runExample({ quiet: true }));
});
