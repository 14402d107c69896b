/*
 * Lane parity (issue 15): the program of ./program.ts (inheritance, notifications, an event group,
 * a software timer, an interrupt at fractional ticks, busy() with inexact fractions, time slicing,
 * xTaskDelayUntil, suspend/resume, abort delay, children created and deleted) gives a
 * byte-identical trace, the same observations and the same PRNG draws whether every task runs in
 * the async lane, every task in the generator lane, or a seed-chosen mix of both. Each task body
 * is written once and instantiated in either lane.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runProgram, type Lanes, type Outcome } from "./program.js";

const once = [1000];
const split = Array.from({ length: 100 }, () => 10);

/** Fails with the first differing trace line, so that a lane bug names the event it changed. */
function assertSameRun(actual: Outcome, expected: Outcome, what: string): void {
  if (actual.trace !== expected.trace) {
    const la = expected.trace.split("\n");
    const lb = actual.trace.split("\n");
    let i = 0;
    while (i < la.length && la[i] === lb[i]) i++;
    assert.fail(`${what}: traces differ at line ${i + 1} of ${la.length}:\n  all async: ${la[i] ?? "(end)"}\n  ${what}: ${lb[i] ?? "(end)"}`);
  }
  assert.deepEqual(actual.observed, expected.observed, `${what}: observations`);
  assert.deepEqual(actual.draws, expected.draws, `${what}: PRNG draws`);
}

/** The kernel really ran the tasks in the lanes asked for: its generator tasks are exactly the live ones marked gen. */
function assertLanes(run: Outcome, lanes: Lanes): void {
  const alive = new Set(["Ctl", "IsrTask", "Consumer", "Events", "Producer", "Worker", "Low", "HogA", "HogB"]);
  const byName = new Map(run.lanes.map((l) => l.split(":") as [string, string]));
  const expectGen = [...alive].filter((n) => byName.get(n) === "gen");
  assert.deepEqual(run.generatorTasks.filter((n) => alive.has(n)), expectGen, `generator tasks of ${JSON.stringify(lanes)}`);
  if (lanes === "async") assert.deepEqual(expectGen, []);
  if (lanes === "gen") assert.deepEqual(expectGen, [...alive]);
}

const seeds = [1, 7, 42, 1234, 99991];

for (const seed of seeds) {
  test(`lanes: seed ${seed}: all generators and a mix give the all-async trace`, { timeout: 30_000 }, async () => {
    const base = await runProgram(seed, once, "async");
    assert.ok(base.lines > 5000, `the trace is non-trivial (${base.lines} lines)`);
    // What the program covers, so that parity is checked over it.
    for (const kind of [
      "task.priorityInherit",
      "task.priorityDisinherit",
      "isr.enter",
      "task.notify",
      "task.notifyWait",
      "eventGroup.setBits",
      "timer.expired",
      "task.created",
      "task.deleted",
      "task.suspended",
      "task.resumed",
      "task.delayAborted",
    ])
      assert.ok(base.trace.includes(` ${kind} `) || base.trace.includes(` ${kind}\n`), `trace contains ${kind}`);
    assert.ok(base.observed.some((l) => Number(l.split(" ")[0]) % 1 !== 0), "events happen between ticks");
    assertLanes(base, "async");

    const gen = await runProgram(seed, once, "gen");
    assertLanes(gen, "gen");
    assertSameRun(gen, base, "all generators");

    const mixSeed = seed * 31 + 5;
    const mixed = await runProgram(seed, once, { mixSeed });
    const kinds = new Set(mixed.lanes.map((l) => l.split(":")[1]));
    assert.deepEqual([...kinds].sort(), ["async", "gen"], "the mix has tasks of both lanes");
    assertLanes(mixed, { mixSeed });
    assertSameRun(mixed, base, `mix ${mixSeed}`);
  });
}

test("lanes: 100 × run(10) in a mix gives the one run(1000) all-async trace", { timeout: 30_000 }, async () => {
  const base = await runProgram(3, once, "async");
  assertSameRun(await runProgram(3, split, { mixSeed: 11 }), base, "mix 11 in 100 × run(10)");
  assertSameRun(await runProgram(3, split, "gen"), base, "all generators in 100 × run(10)");
});
