/**
 * A whole-board run traced both ways at once: the I2C sensor example (a FreeRTOS task, goroutines,
 * I2C, the UART) with its world, recorded by recordPerfetto and recordVCD. The same seed gives
 * byte-identical files; each file shows what ran.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard } from "../../src/hal/index.js";
import { recordPerfetto, recordVCD } from "../../src/trace/index.js";
import { main, world } from "../../examples/i2c-sensor.js";

async function traced(seed: number): Promise<{ json: string; vcd: string }> {
  const board = createBoard("nrf52840", { seed, firmware: main });
  world(board);
  const perfetto = recordPerfetto(board.rtos);
  const vcd = recordVCD(board, ["LED", "i2c0.scl", "i2c0.sda", "uart0.tx"]);
  assert.equal(await board.run(1200), "target");
  return { json: perfetto.json(), vcd: vcd.text() };
}

test("a whole-board run (I2C sensor, goroutines, UART) gives byte-identical Perfetto JSON and VCD for the same seed", async () => {
  const a = await traced(5);
  const b = await traced(5);
  assert.equal(a.json, b.json);
  assert.equal(a.vcd, b.vcd);
  const events = (JSON.parse(a.json) as { traceEvents: { ph: string; name: string; args?: { name?: string } }[] }).traceEvents;
  const threads = events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.args?.name);
  for (const task of ["sampler", "average", "console", "IDLE"]) assert.ok(threads.includes(task), `track ${task} in ${threads.join(", ")}`);
  // The I2C bus's transfer-complete interrupt (TWIM0, irq 3) ran once per sample: 0, 250, ..., 1000 ms.
  const isr = events.filter((e) => e.ph === "X" && /TWIM0|SPIM0|irq 3\b/.test(e.name));
  assert.equal(isr.length, 5, `ISR slices: ${[...new Set(events.filter((e) => e.ph === "X").map((e) => e.name))].join(", ")}`);
  // Five transactions on SCL: 9 clocks × 5 bytes (address, pointer, address, 2 data) each.
  const scl = /\$var wire 1 (\S+) i2c0\.scl \$end/.exec(a.vcd)![1]!;
  const rises = a.vcd.split("\n").filter((l) => l === `1${scl}`).length;
  assert.ok(rises >= 5 * 9 * 5, `${rises} SCL rises`);
});
