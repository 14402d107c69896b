/*
 * Checks the Go-style sensor pipeline example (examples/sensor-pipeline.ts): its counters are
 * consistent with each other and with the schedule, the task table lists the goroutines by name,
 * and two runs print exactly the same thing (virtual time is deterministic).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main, type SensorPipelineResult } from "./sensor-pipeline.js";

/** Rows of a tab-separated FreeRTOS table: [name, ...columns]. */
function rows(table: string): string[][] {
  return table
    .trimEnd()
    .split("\n")
    .map((line) => line.split("\t").map((cell) => cell.trim()));
}

let first: SensorPipelineResult;

test("sensor pipeline: counters are consistent", async () => {
  first = await main({ quiet: true });
  const r = first;

  // One DATA READY interrupt per conversion, one reading per interrupt.
  assert.equal(r.irqRaises, r.samples);
  // Ticks at 10..90 ms = 9; the sampler sleeps 50.37 → 75 ms: the 60 ms tick waits in the
  // ticker's channel, the 70 ms tick is dropped. So 8 readings and 1 dropped tick.
  assert.equal(r.samples, 8);
  assert.equal(r.ticksDropped, 1);
  assert.equal(r.samples + r.ticksDropped, 9);

  // Nothing lost or invented between sampler and filter, nor between filter and uplink.
  assert.equal(r.samples, r.filtered + r.outliers + r.discarded);
  assert.equal(r.outliers, 1, "reading #7 is the glitch");
  assert.equal(r.filtered, r.uplinked, "the uplink flushed every filtered value");
  assert.equal(r.batches, Math.ceil(r.uplinked / 4));

  // The filter's after(15) fired exactly once: during the recalibration gap.
  assert.equal(r.timeouts, 1);

  // The context stopped the pipeline at 95 ms; the uplink's last packet took 3 ms.
  assert.equal(r.stopReason, "context deadline exceeded");
  assert.equal(r.endMs, 98);

  // Log lines agree with the counters.
  const count = (re: RegExp): number => r.output.filter((l) => re.test(l)).length;
  assert.equal(count(/\] sampler +#\d+ /), r.samples);
  assert.equal(count(/\] uplink +packet: /), r.batches);
  assert.equal(count(/\] filter +no reading/), r.timeouts);
  assert.equal(count(/\] filter +#\d+ rejected/), r.outliers);
  assert.equal(count(/stop: /), 3, "every stage logged its stop");
  assert.ok(r.output.length < 40, `output is ${r.output.length} lines`);
});

test("sensor pipeline: the task table lists the goroutines by name", () => {
  const table = rows(first.taskList);
  const byName = new Map(table.map((row) => [row[0], row]));
  assert.deepEqual([...byName.keys()].sort(), ["IDLE", "Tmr Svc", "filter", "main", "sampler", "uplink"]);
  // At 55 ms main runs (everything above it is blocked) and the others wait.
  assert.deepEqual(byName.get("main")!.slice(1, 3), ["X", "1"]);
  assert.deepEqual(byName.get("sampler")!.slice(1, 3), ["B", "5"]);
  assert.deepEqual(byName.get("filter")!.slice(1, 3), ["B", "4"]);
  assert.deepEqual(byName.get("uplink")!.slice(1, 3), ["B", "2"]);
  for (const row of table) assert.equal(row.length, 5, `vTaskList row ${JSON.stringify(row)}`);
  // It is printed under its header.
  assert.ok(first.output.some((l) => /^Name\s+\tState\tPrio\tStack\tNum$/.test(l)));
});

test("sensor pipeline: two runs produce identical output", async () => {
  const second = await main({ quiet: true });
  assert.deepEqual(second.output, first.output);
  assert.deepEqual(second, first);
});

test("sensor pipeline: a shorter deadline stops it earlier, counters still consistent", async () => {
  const r = await main({ quiet: true, runMs: 35 });
  assert.equal(r.samples, 3);
  assert.equal(r.irqRaises, r.samples);
  assert.equal(r.samples, r.filtered + r.outliers + r.discarded);
  assert.equal(r.filtered, r.uplinked);
  assert.equal(r.stopReason, "context deadline exceeded");
});
