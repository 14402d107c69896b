/*
 * Determinism (DESIGN.md: "Same program + same seed ⇒ byte-identical trace").
 *
 * One non-trivial program (./program.ts, all tasks async here): tasks at six priorities, a
 * queue, a mutex contended across priorities (priority inheritance), direct-to-task
 * notifications, an event group and a software timer, busy() with fractions that are not exact in
 * binary, time slicing, child tasks created and deleted, an interrupt at fractional ticks, and
 * choices drawn from the kernel's PRNG. A trace sink collects formatTraceEvent(e) lines.
 *
 * Checks: two fresh kernels with the same seed give the same trace text (and it is long);
 * a different seed gives a different trace (the program's PRNG choices differ); running in
 * 100 × run(10) gives the same trace as one run(1000).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runProgram } from "./program.js";

const once = [1000];
const split = Array.from({ length: 100 }, () => 10);

test("determinism: the same program and seed give a byte-identical trace", { timeout: 10_000 }, async () => {
  const a = await runProgram(42, once);
  const b = await runProgram(42, once);
  assert.ok(a.lines > 500, `the trace is non-trivial (${a.lines} lines)`);
  // The program really exercises what it claims to.
  for (const kind of ["task.priorityInherit", "task.priorityDisinherit", "isr.enter", "task.created", "task.deleted", "queue.send", "queue.receive", "task.blocked", "task.delayed"])
    assert.ok(a.trace.includes(` ${kind} `) || a.trace.includes(` ${kind}\n`), `trace contains ${kind}`);
  assert.ok(a.observed.some((l) => l.includes("isr-task take -> 1")), "the interrupt woke its task");
  assert.ok(a.observed.some((l) => l.includes("worker bits")), "bit notifications arrived");
  assert.ok(a.observed.some((l) => Number(l.split(" ")[0]) % 1 !== 0), "events happen between ticks");
  assert.ok(a.draws.length > 100, `the program drew from the PRNG (${a.draws.length} draws)`);
  assert.equal(b.lines, a.lines, "same number of trace lines");
  assert.equal(b.trace, a.trace, "identical trace text");
  assert.deepEqual(b.observed, a.observed);
  assert.deepEqual(b.draws, a.draws);
});

test("determinism: a different seed gives a different trace", { timeout: 10_000 }, async () => {
  const a = await runProgram(42, once);
  const c = await runProgram(43, once);
  assert.notDeepEqual(c.draws.slice(0, 20), a.draws.slice(0, 20), "the PRNG draws differ");
  assert.notEqual(c.trace, a.trace, "the traces differ");
  // The traces agree up to the first event the first PRNG-driven choice affects, then diverge.
  const la = a.trace.split("\n");
  const lc = c.trace.split("\n");
  let i = 0;
  while (i < la.length && la[i] === lc[i]) i++;
  assert.ok(i < Math.min(la.length, lc.length), "the traces diverge before either ends");
});

test("determinism: 100 × run(10) gives the same trace as run(1000)", { timeout: 10_000 }, async () => {
  const whole = await runProgram(7, once);
  const pieces = await runProgram(7, split);
  assert.ok(whole.lines > 500, `the trace is non-trivial (${whole.lines} lines)`);
  if (pieces.trace !== whole.trace) {
    const la = whole.trace.split("\n");
    const lb = pieces.trace.split("\n");
    let i = 0;
    while (i < la.length && la[i] === lb[i]) i++;
    assert.fail(`traces differ at line ${i + 1}:\n  run(1000):    ${la[i] ?? "(end)"}\n  100×run(10):  ${lb[i] ?? "(end)"}`);
  }
  assert.deepEqual(pieces.observed, whole.observed);
  assert.deepEqual(pieces.draws, whole.draws);
});
