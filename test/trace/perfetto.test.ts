/**
 * recordPerfetto: the JSON it writes is Chrome trace-event JSON (every event has the fields its
 * phase needs), task tracks hold non-overlapping state slices, only one task runs at a time,
 * counters follow the queue's fill level, a flow joins a send to the receive it woke, the output is
 * byte-identical for the same program and seed, and maxEvents bounds it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdFALSE, portMAX_DELAY } from "../../src/freertos/index.js";
import { run, go, chan, sleep } from "../../src/go/index.js";
import { recordPerfetto, type PerfettoOptions } from "../../src/trace/index.js";

interface Ev {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  id?: number;
  s?: string;
  bp?: string;
  cat?: string;
  args?: Record<string, unknown>;
}

interface Trace {
  traceEvents: Ev[];
  displayTimeUnit: string;
  otherData: Record<string, unknown>;
}

const IRQ = 5;

/**
 * Two tasks, a queue "q" (length 2), a mutex "m" with priority inheritance (high blocks on it while
 * low holds it in busy()), an ISR "uart" sending at ticks 2.25 and 6.75, and an auto-reload timer.
 * `fill` gets the queue's fill level right after each operation on it, in order.
 */
async function program(seed: number, options?: PerfettoOptions, ticks = 20) {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, seed });
  const rec = recordPerfetto(rtos, options);
  const q = rtos.xQueueCreate<number>(2, 0)!;
  rtos.vQueueAddToRegistry(q, "q");
  const m = rtos.xSemaphoreCreateMutex()!;
  rtos.vQueueAddToRegistry(m, "m");
  const fill: number[] = [];
  let inherited = -1;
  rtos.xTaskCreate(async () => {
    const r = { value: 0 };
    for (let i = 0; i < 3; i++) {
      await rtos.xSemaphoreTake(m, portMAX_DELAY);
      await rtos.busy(1.5);
      if (i === 0) inherited = rtos.uxTaskPriorityGet(null);
      await rtos.xSemaphoreGive(m);
      for (let j = 0; j < 2; j++) {
        await rtos.xQueueReceive(q, r, portMAX_DELAY);
        fill.push(rtos.uxQueueMessagesWaiting(q));
      }
    }
  }, "low", 256, null, 1);
  rtos.xTaskCreate(async () => {
    for (let i = 0; i < 4; i++) {
      await rtos.vTaskDelay(1);
      await rtos.xSemaphoreTake(m, portMAX_DELAY);
      await rtos.xSemaphoreGive(m);
      await rtos.xQueueSend(q, i, portMAX_DELAY);
      fill.push(rtos.uxQueueMessagesWaiting(q));
    }
  }, "high", 256, null, 3);
  rtos.registerInterrupt(IRQ, 5, () => {
    const woken = { value: pdFALSE };
    rtos.xQueueSendFromISR(q, 100, woken);
    fill.push(rtos.uxQueueMessagesWaiting(q));
    rtos.portYIELD_FROM_ISR(woken);
  }, "uart");
  rtos.triggerInterrupt(IRQ, 2.25);
  rtos.triggerInterrupt(IRQ, 6.75);
  let expired = 0;
  const tmr = rtos.xTimerCreate("tmr", 3, true, null, () => void expired++)!;
  await rtos.xTimerStart(tmr, 0);
  rtos.vTaskStartScheduler();
  await rtos.run(ticks);
  return { rtos, rec, fill, inherited, expired, json: rec.json() };
}

function parse(json: string): Trace {
  const t = JSON.parse(json) as Trace;
  assert.ok(Array.isArray(t.traceEvents), "traceEvents is an array");
  return t;
}

/** The trace-event format's required fields for each phase. */
function checkFields(t: Trace): void {
  assert.ok(t.displayTimeUnit === "ns" || t.displayTimeUnit === "ms", `displayTimeUnit ${t.displayTimeUnit}`);
  for (const e of t.traceEvents) {
    const what = JSON.stringify(e);
    assert.equal(typeof e.name, "string", `name: ${what}`);
    assert.equal(typeof e.ph, "string", `ph: ${what}`);
    assert.equal(typeof e.pid, "number", `pid: ${what}`);
    assert.equal(typeof e.tid, "number", `tid: ${what}`);
    assert.ok(["M", "X", "i", "C", "s", "f", "B", "E"].includes(e.ph), `unexpected phase: ${what}`);
    if (e.ph === "M") {
      assert.ok(e.args !== undefined && typeof e.args === "object", `metadata args: ${what}`);
      continue;
    }
    assert.ok(typeof e.ts === "number" && Number.isFinite(e.ts) && e.ts >= 0, `ts: ${what}`);
    if (e.ph === "X") assert.ok(typeof e.dur === "number" && e.dur >= 0, `dur of an X event: ${what}`);
    if (e.ph === "i") assert.ok(e.s === "t" || e.s === "p" || e.s === "g", `scope of an instant: ${what}`);
    if (e.ph === "s" || e.ph === "f") {
      assert.equal(typeof e.id, "number", `flow id: ${what}`);
      assert.equal(typeof e.cat, "string", `flow cat: ${what}`);
    }
    if (e.ph === "C") {
      assert.ok(e.args !== undefined && Object.keys(e.args).length > 0, `counter args: ${what}`);
      for (const v of Object.values(e.args)) assert.equal(typeof v, "number", `counter value: ${what}`);
    }
  }
}

const threadNames = (t: Trace): Map<number, string> =>
  new Map(t.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [e.tid, e.args!.name as string]));

const tidOf = (t: Trace, name: string): number => {
  for (const [tid, n] of threadNames(t)) if (n === name) return tid;
  assert.fail(`no track named "${name}"; tracks: ${[...threadNames(t).values()].join(", ")}`);
};

/** Slices (X, and B/E pairs) per track: B/E balance, and no two slices overlap unless one encloses the other. */
function checkTracks(t: Trace, disjoint: (tid: number) => boolean): void {
  const byTid = new Map<number, Array<{ ts: number; end: number; name: string }>>();
  const stacks = new Map<number, Ev[]>();
  for (const e of t.traceEvents) {
    if (e.ph === "B") {
      if (!stacks.has(e.tid)) stacks.set(e.tid, []);
      stacks.get(e.tid)!.push(e);
    } else if (e.ph === "E") {
      const b = stacks.get(e.tid)?.pop();
      assert.ok(b !== undefined, `E without B on tid ${e.tid} at ${e.ts}`);
      if (!byTid.has(e.tid)) byTid.set(e.tid, []);
      byTid.get(e.tid)!.push({ ts: b.ts, end: e.ts, name: b.name });
    } else if (e.ph === "X") {
      if (!byTid.has(e.tid)) byTid.set(e.tid, []);
      byTid.get(e.tid)!.push({ ts: e.ts, end: e.ts + e.dur!, name: e.name });
    }
  }
  for (const [tid, stack] of stacks) assert.equal(stack.length, 0, `unbalanced B on tid ${tid}: ${stack.map((e) => e.name).join(", ")}`);
  for (const [tid, slices] of byTid) {
    // Back to back (a task's states): by start, a 0 µs slice before a longer one at the same time;
    // nested (interrupts): by start, the enclosing (longer) one first.
    slices.sort((a, b) => a.ts - b.ts || (disjoint(tid) ? a.end - b.end : b.end - a.end));
    for (let i = 1; i < slices.length; i++) {
      const prev = slices[i - 1]!;
      const cur = slices[i]!;
      const where = `track ${threadNames(t).get(tid)}: "${prev.name}" [${prev.ts}, ${prev.end}] and "${cur.name}" [${cur.ts}, ${cur.end}]`;
      if (disjoint(tid)) assert.ok(cur.ts >= prev.end, `slices overlap on ${where}`);
      else assert.ok(cur.ts >= prev.end || cur.end <= prev.end, `slices overlap without nesting on ${where}`);
    }
  }
}

test("a two-task program with a queue, a mutex, an ISR and a timer gives well-formed trace-event JSON", async () => {
  const { json, fill, inherited, expired } = await program(1);
  const t = parse(json);
  checkFields(t);
  assert.equal(inherited, 3, "low inherits high's priority while holding m (the program's premise)");
  assert.ok(expired >= 5, `the timer expired ${expired} times`);
  const names = [...threadNames(t).values()];
  for (const n of ["low", "high", "IDLE", "Interrupts"]) assert.ok(names.includes(n), `a track named ${n}; tracks: ${names.join(", ")}`);
  const isrTid = tidOf(t, "Interrupts");
  checkTracks(t, (tid) => tid !== isrTid);

  // The ISR runs at 2.25 and 6.75 ticks = 2250 and 6750 µs, on the Interrupts track, named by the ISR.
  const isr = t.traceEvents.filter((e) => e.ph === "X" && e.tid === isrTid);
  assert.deepEqual(isr.map((e) => [e.name, e.ts]), [["uart", 2250], ["uart", 6750]]);

  // One CPU: the Running slices of all task tracks never overlap.
  const running = t.traceEvents.filter((e) => e.ph === "X" && e.name === "Running").sort((a, b) => a.ts - b.ts || a.dur! - b.dur!);
  assert.ok(running.length > 10, `${running.length} running slices`);
  for (let i = 1; i < running.length; i++)
    assert.ok(running[i]!.ts >= running[i - 1]!.ts + running[i - 1]!.dur!, `two tasks run at once: ${JSON.stringify(running[i - 1])} and ${JSON.stringify(running[i])}`);
  // Only busy() takes virtual time: low runs 3 × 1500 µs in all, high 0.
  const lowTid = tidOf(t, "low");
  const cpu = (tid: number) => running.filter((e) => e.tid === tid).reduce((sum, e) => sum + e.dur!, 0);
  assert.equal(cpu(lowTid), 4500, "low's Running slices add up to its three busy(1.5)");
  assert.equal(cpu(tidOf(t, "high")), 0, "high never runs for long");
  assert.ok(t.traceEvents.some((e) => e.tid === tidOf(t, "high") && e.ph === "X" && e.name === "Blocked on m"), "high is Blocked on m");
  assert.ok(t.traceEvents.some((e) => e.tid === lowTid && e.ph === "i" && e.name === "priorityInherit"), "low's track shows the inheritance");
  assert.ok(t.traceEvents.some((e) => e.ph === "i" && e.name === "timer.expired tmr"), "timer expiries are shown");

  // Counters: q's counter values are its fill levels after each operation, in order.
  const counter = t.traceEvents.filter((e) => e.ph === "C" && e.name === "q").map((e) => e.args!.count);
  assert.ok(fill.length >= 8, `${fill.length} queue operations`);
  assert.deepEqual(counter, fill, "the counter of q follows its fill level");

  // Flows: every s has one f with the same id, later or at the same time.
  const starts = t.traceEvents.filter((e) => e.ph === "s");
  const finishes = t.traceEvents.filter((e) => e.ph === "f");
  assert.equal(starts.length, finishes.length);
  for (const s of starts) {
    const f = finishes.filter((e) => e.id === s.id);
    assert.equal(f.length, 1, `one f for flow ${s.id}`);
    assert.ok(f[0]!.ts >= s.ts && f[0]!.name === s.name && f[0]!.cat === s.cat && f[0]!.bp === "e", `flow ${s.id}: ${JSON.stringify(s)} → ${JSON.stringify(f[0])}`);
  }
  // A send of q (by high, or the ISR) flows to the receive of q by low that it woke.
  const sendFlows = starts.filter((s) => s.name === "send q");
  assert.ok(sendFlows.length > 0, `a send → receive flow; flows: ${starts.map((s) => s.name).join(", ")}`);
  for (const s of sendFlows) {
    const f = finishes.find((e) => e.id === s.id)!;
    assert.equal(f.tid, lowTid, "the receive is low's");
    assert.ok(t.traceEvents.some((e) => e.ph === "i" && e.tid === s.tid && e.ts === s.ts && e.name === "queue.send q"), `a send of q at the flow's start ${s.ts}`);
    assert.ok(t.traceEvents.some((e) => e.ph === "i" && e.tid === lowTid && e.ts === f.ts && e.name === "queue.receive q"), `low receives q at the flow's end ${f.ts}`);
  }
  assert.ok(sendFlows.some((s) => s.tid === isrTid), "the ISR's send has its flow too");
  // The give of m that readied high flows to high's take.
  assert.ok(starts.some((s) => s.name === "give m" && s.tid === lowTid && finishes.find((f) => f.id === s.id)!.tid === tidOf(t, "high")), "give m (low) → take m (high)");
});

test("the same program and seed give byte-identical JSON; json() may be called twice", async () => {
  const a = await program(7);
  const b = await program(7);
  assert.equal(a.json, b.json);
  assert.equal(a.rec.json(), a.json, "json() does not change the recorder");
});

test("maxEvents bounds the recording: it stops there and the JSON says so", async () => {
  const full = await program(1);
  assert.equal(full.rec.truncated, false);
  const total = full.rec.eventCount;
  const small = await program(1, { maxEvents: 40 });
  assert.equal(small.rec.truncated, true);
  assert.equal(small.rec.eventCount, 40);
  assert.ok(total > 40, `the full run records ${total} events`);
  const t = parse(small.json);
  checkFields(t);
  checkTracks(t, (tid) => threadNames(t).get(tid) !== "Interrupts");
  assert.equal(t.otherData.truncated, true);
  assert.match(String(t.otherData.note), /maxEvents=40/);
  const events = t.traceEvents.filter((e) => e.ph !== "M");
  // The recorded events, the slices still open when it stopped (one per track at most), and the note.
  assert.ok(events.length <= 40 + threadNames(t).size + 1, `${events.length} events`);
  assert.ok(events.some((e) => e.ph === "i" && e.s === "g" && /truncated/.test(e.name)));
  // The recorder detached itself: the kernel runs on without a sink.
  assert.equal(small.rtos.kernel.traceSink, null);
  assert.throws(() => recordPerfetto(small.rtos, { maxEvents: 0 }), /maxEvents must be a positive integer/);
});

test("a kernel with a trace sink already attached is refused, not silently replaced", () => {
  const rtos = createFreeRTOS();
  rtos.setTraceSink(() => {});
  assert.throws(() => recordPerfetto(rtos), /already has a trace sink/);
  const other = createFreeRTOS();
  const rec = recordPerfetto(other);
  assert.throws(() => recordPerfetto(other), /already has a trace sink/);
  rec.stop();
  assert.equal(other.kernel.traceSink, null);
  recordPerfetto(other).stop();
});

test("a Go-style program: goroutines appear as tracks, with their running slices", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000 });
  const rec = recordPerfetto(rtos);
  const total = await run(async () => {
    const c = chan<number>();
    go(async () => {
      for (let i = 1; i <= 3; i++) {
        await sleep(2);
        await c.send(i);
      }
      c.close();
    }, { name: "producer" });
    let s = 0;
    for await (const v of c) s += v;
    return s;
  }, { rtos });
  assert.equal(total, 6);
  const t = parse(rec.json());
  checkFields(t);
  checkTracks(t, (tid) => tid !== -1);
  const producer = tidOf(t, "producer");
  const names = [...threadNames(t).values()];
  assert.ok(names.some((n) => /^goroutine \d+$/.test(n) || n === "main"), `the main goroutine has a track; tracks: ${names.join(", ")}`);
  assert.ok(t.traceEvents.some((e) => e.tid === producer && e.ph === "X" && e.name === "Running"), "producer runs");
  assert.ok(t.traceEvents.some((e) => e.tid === producer && e.ph === "X" && e.name === "Delayed" && e.dur === 2000), "producer sleeps 2 ms");
});
