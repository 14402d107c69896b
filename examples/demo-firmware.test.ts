/*
 * Checks the demo firmware (examples/demo-firmware.ts, what `npm start` runs): its counters are
 * consistent with each other and with the schedule, its task tables list every task, the run-time
 * shares add up, and two runs print exactly the same thing (virtual time is deterministic).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main, type DemoResult } from "./demo-firmware.js";

const SYSTEM_TASKS = ["IDLE", "Tmr Svc"];

/** Rows of a tab-separated FreeRTOS table: [name, ...columns]. */
function rows(table: string): string[][] {
  return table
    .trimEnd()
    .split("\n")
    .map((line) => line.split("\t").map((cell) => cell.trim()));
}

let first: DemoResult;

test("demo firmware: counters are consistent after 2 simulated seconds", async () => {
  first = await main({ quiet: true });
  const r = first;
  assert.equal(r.runTicks, 2000);

  // Sensor → queue → filter: nothing is lost or invented.
  assert.equal(r.produced, r.consumed + r.inQueue, "produced === consumed + in queue");
  assert.equal(r.dropped, 0, "the filter keeps up with the sensor");
  // One sample every 10 ticks from tick 0 (the sample at tick 2000 may still be in progress).
  assert.ok(r.produced + r.dropped >= 200 && r.produced + r.dropped <= 201, `samples: ${r.produced + r.dropped}`);

  // Filter → radio: a batch every 10 readings, each one sent or overwritten, at most one pending.
  assert.ok(r.batchesBuilt > 0 && r.batchesSent > 0);
  assert.equal(r.batchesBuilt, Math.floor(r.consumed / 10));
  assert.ok(r.batchesSent + r.batchesLost <= r.batchesBuilt);
  assert.ok(r.batchesSent + r.batchesLost >= r.batchesBuilt - 1);
  assert.ok(r.lastAverageCentiC >= 2080 && r.lastAverageCentiC <= 2320, `average ${r.lastAverageCentiC}`);

  // Button ISR → binary semaphore → button task: every edge accounted for.
  assert.equal(r.buttonEdges, 7);
  assert.equal(r.buttonEdges, r.buttonPresses + r.buttonBouncesIgnored + r.buttonEdgesMerged);
  assert.equal(r.buttonPresses, 3, "one press per debounce window");
  assert.equal(r.maxButtonLatencyTicks, 0, "the highest-priority task runs as the ISR returns");

  // UART mutex: the logger is preempted holding it and inherits the radio's priority.
  assert.ok(r.priorityInheritances > 0, "priority inheritance happened");
  assert.ok(r.maxMutexWaitTicks > 0, "someone waited for the UART");
  assert.equal(r.logMessagesDropped, 0);
  // boot line + one line per batch + one per press (logger) + one frame per batch sent (radio);
  // the last batch's lines may still be in flight.
  const expectedLines = 1 + r.batchesBuilt + r.buttonPresses + r.batchesSent;
  assert.ok(r.uartLines <= expectedLines && r.uartLines >= expectedLines - 2, `uart lines ${r.uartLines} vs ${expectedLines}`);
});

test("demo firmware: every task appears in vTaskList and vTaskGetRunTimeStats", () => {
  const r = first;
  const all = [...r.appTaskNames, ...SYSTEM_TASKS];
  for (const [label, table] of [["vTaskList", r.taskList], ["vTaskGetRunTimeStats", r.runTimeStats]] as const) {
    const names = rows(table).map((row) => row[0]);
    assert.deepEqual([...names].sort(), [...all].sort(), `${label} lists exactly the tasks`);
  }
  // vTaskList columns: name, state letter, priority, stack, number.
  for (const row of rows(r.taskList)) {
    assert.equal(row.length, 5, `vTaskList row ${JSON.stringify(row)}`);
    assert.match(row[1]!, /^[XRBSD]$/);
    assert.ok(Number(row[2]) >= 0 && Number(row[4]) > 0);
  }
  const prio = new Map(rows(r.taskList).map((row) => [row[0], Number(row[2])]));
  assert.equal(prio.get("Button"), 6);
  assert.equal(prio.get("Sensor"), 5);
  assert.equal(prio.get("Filter"), 4);
  assert.equal(prio.get("Radio"), 3);
  assert.equal(prio.get("Logger"), 1, "inherited priority was given back");
  assert.equal(prio.get("IDLE"), 0);
  // The printed output contains both tables under their headers.
  assert.ok(r.output.some((l) => /^Name\s+\tState\tPrio\tStack\tNum$/.test(l)));
  assert.ok(r.output.some((l) => /^Task\s+\tAbs Time/.test(l)));
  assert.ok(r.output.length <= 60, `output is ${r.output.length} lines`);
});

test("demo firmware: run-time shares add up to ~100%", () => {
  const r = first;
  const stats = rows(r.runTimeStats);
  const totalUs = r.runTicks * 1000;
  const sumUs = stats.reduce((s, row) => s + Number(row[1]), 0);
  // Each counter is floored to whole microseconds.
  assert.ok(Math.abs(sumUs - totalUs) <= stats.length, `sum of run times ${sumUs} us vs ${totalUs} us`);
  let sumPercent = 0;
  for (const row of stats) {
    const cell = row[row.length - 1]!;
    assert.match(cell, /^(<1|\d+)%$/);
    const percent = cell === "<1%" ? 0 : Number(cell.slice(0, -1));
    assert.equal(percent, Math.floor((Number(row[1]) * 100) / totalUs), `share of ${row[0]}`);
    sumPercent += percent;
  }
  // Floored percentages: at most one point lost per task.
  assert.ok(sumPercent <= 100 && sumPercent >= 100 - stats.length, `percentages sum to ${sumPercent}`);
  // The application tasks did measurable work.
  const us = new Map(stats.map((row) => [row[0], Number(row[1])]));
  for (const name of ["Sensor", "Filter", "Radio", "Logger"]) assert.ok(us.get(name)! > 0, `${name} used CPU time`);
  assert.equal(us.get("Sensor"), 250 * (r.produced + r.dropped), "0.25 ticks of ADC work per sample");
});

test("demo firmware: two runs produce identical output", async () => {
  const second = await main({ quiet: true });
  assert.deepEqual(second.output, first.output);
  assert.deepEqual(second, first);
});
