/**
 * recordPerfetto: turns a kernel's trace events into Chrome trace-event JSON (the "JSON Object
 * Format" of the Trace Event Format document: `{"traceEvents": [...], "displayTimeUnit": ...}`),
 * which ui.perfetto.dev and chrome://tracing open.
 *
 * What the trace shows (process 1 is the kernel):
 * - one thread track per task, named by the task (tasks of the same name share a track), holding
 *   its state as back-to-back complete ("X") slices: `Running`, `Ready`, `Blocked on <object>`,
 *   `Delayed`, `Suspended`; and its object operations, priority changes and notifications as
 *   thread-scoped instant ("i") events;
 * - an `Interrupts` track with one slice per ISR run, named by the ISR (nested ISRs nest);
 * - one counter ("C") per queue, semaphore and mutex: the number of items (tokens) it holds after
 *   each operation (a mutex: 1 free, 0 held);
 * - flow arrows ("s" → "f") from a send or give to the receive or take of the task it woke (and
 *   from a receive to the send of a sender it woke); the pairing rule is in the comment of
 *   `PendingFlow` in this file.
 *
 * Timestamps are virtual time: `ticks × 1e6 / configTICK_RATE_HZ` microseconds, sub-tick
 * fractions kept. Task code takes no virtual time unless it calls `busy()`, so most `Running`
 * slices last 0 µs; their order at one instant is the order of the events in the file.
 * The output depends only on the kernel's events: the same program and seed give the same string
 * byte for byte.
 * @module
 */
import type { Kernel } from "../kernel/kernel.js";
import type { TraceEvent } from "../kernel/trace.js";

/** Anything that carries a kernel: a `createFreeRTOS()` instance (or a board's `rtos`). */
export interface PerfettoSource {
  readonly kernel: Kernel;
}

/** Options of {@link recordPerfetto}. */
export interface PerfettoOptions {
  /**
   * Most trace events kept (slices, instants, counters, flows; default 1,000,000). When the
   * recorder reaches it, it stops recording (and detaches its sink): the JSON then ends there, with
   * a global instant event "trace truncated" and `otherData.truncated` = true saying so.
   */
  maxEvents?: number;
  /** The process name Perfetto shows above the tracks (default "tinyrtos"). */
  processName?: string;
}

/** What {@link recordPerfetto} returns. */
export interface PerfettoRecorder {
  /** The trace so far as Chrome trace-event JSON; slices still open end at the kernel's current time. */
  json(): string;
  /** Detaches the recorder's sink from the kernel; json() still returns what was recorded. */
  stop(): void;
  /** Trace events recorded so far (at most `maxEvents`). */
  readonly eventCount: number;
  /** True when the recorder stopped at `maxEvents`. */
  readonly truncated: boolean;
}

type Args = Record<string, string | number>;

/** One trace event as stored: serialized only by json(). */
interface Rec {
  ph: "X" | "i" | "C" | "s" | "f";
  name: string;
  /** Microseconds of virtual time. */
  ts: number;
  tid: number;
  /** Order of creation (for X: when the slice opened), the last key of the output order. */
  seq: number;
  dur?: number;
  id?: number;
  scope?: "t" | "g";
  args?: Args;
}

/** A slice being recorded on a track. */
interface Open {
  name: string;
  start: number;
  seq: number;
  args: Args | undefined;
}

interface Track {
  name: string;
  tid: number;
  /** The task's state slice now open (tasks), or null. */
  open: Open | null;
  /** The state slice just closed, kept back so that Running → Ready → Running at one instant stays one slice. */
  closed: (Open & { end: number }) | null;
  /** The state a running task enters when switched out (set by blocked/delayed/suspended while it runs). */
  afterOut: { name: string; args: Args | undefined } | null;
  deleted: boolean;
}

// Flow pairing rule. The kernel reports a wake as a `task.ready` event that immediately follows
// the operation that caused it, at the same instant: a send/give (`queue.send`, `mutex.give`)
// readies the first waiting receiver, a receive/take (`queue.receive`, `mutex.take`) the first
// waiting sender (xTaskRemoveFromEventList). So: after such an operation by actor A (a task, or
// the ISR running) on object O, each `task.ready` of task T that follows it directly (no other
// event in between) makes a *pending* flow A → T on O. The flow is emitted (an "s" event on A's
// track at the operation, an "f" event with binding point "e" on T's track) when T next completes
// the complementary operation on O (a receive, take or peek after a send/give; a send after a
// receive): that is the operation the wake let it finish. If T blocks, is delayed, fails an
// operation on O or is deleted first (another task took the item, or it timed out), the pending
// flow is dropped: no arrow is drawn for a wake that did not deliver. Wakes that happen while the
// scheduler is suspended are reported (task.ready) only at xTaskResumeAll, not after the
// operation, and get no arrow.

interface PendingFlow {
  object: string;
  /** The operation that completes the flow: "take" (receive/take/peek) or "give" (send/give). */
  completes: "take" | "give";
  fromTid: number;
  ts: number;
  name: string;
}

const DEFAULT_MAX_EVENTS = 1_000_000;
const PID = 1;
const INTERRUPTS = "Interrupts";

/**
 * Records a kernel's trace events for Perfetto. Attaches the kernel's trace sink (a kernel has one:
 * if a sink is already attached this throws rather than replace it; detach it first with
 * `rtos.setTraceSink(null)`).
 *
 * @example
 * ```ts
 * import { createFreeRTOS } from "tinyrtos/freertos";
 * import { recordPerfetto } from "tinyrtos/trace";
 * import { writeFileSync } from "node:fs";
 *
 * const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000 });
 * const trace = recordPerfetto(rtos, { maxEvents: 100_000 });
 * const q = rtos.xQueueCreate<number>(4, 0)!;
 * rtos.xTaskCreate(async () => { for (let i = 0; ; i++) { await rtos.xQueueSend(q, i, rtos.portMAX_DELAY); await rtos.vTaskDelay(10); } }, "producer", 256, null, 2);
 * rtos.xTaskCreate(async () => { const r = { value: 0 }; for (;;) await rtos.xQueueReceive(q, r, rtos.portMAX_DELAY); }, "consumer", 256, null, 1);
 * rtos.vTaskStartScheduler();
 * await rtos.run(100);
 * writeFileSync("trace.json", trace.json()); // open it in https://ui.perfetto.dev
 * ```
 */
export function recordPerfetto(rtos: PerfettoSource, options: PerfettoOptions = {}): PerfettoRecorder {
  const k = rtos?.kernel;
  if (k === undefined || k === null || typeof k.setTraceSink !== "function")
    throw new TypeError("recordPerfetto: the first argument must be a createFreeRTOS() instance (an object with a kernel)");
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  if (typeof maxEvents !== "number" || !Number.isInteger(maxEvents) || maxEvents < 1)
    throw new RangeError(`recordPerfetto: options.maxEvents must be a positive integer, got ${String(maxEvents)}`);
  const processName = options.processName ?? "tinyrtos";
  if (typeof processName !== "string") throw new TypeError(`recordPerfetto: options.processName must be a string, got ${typeof processName}`);
  if (k.traceSink !== null)
    throw new Error("recordPerfetto: this kernel already has a trace sink attached (a kernel has one sink, and the recorder will not replace it); detach it with rtos.setTraceSink(null) first");

  const hz = k.config.configTICK_RATE_HZ;
  const micros = (ticks: number): number => (ticks * 1e6) / hz;

  const recs: Rec[] = [];
  const tracks: Track[] = [];
  const byName = new Map<string, Track>();
  let seq = 0;
  let nextFlowId = 1;
  let lastTs = 0;
  let truncated = false;
  let stoppedAt: number | null = null;
  let running: Track | null = null;
  const isrStack: Array<{ track: Track; open: Open }> = [];
  /** The operation just traced, while the events that directly follow it may be the wakes it caused. */
  let armed: { object: string; completes: "take" | "give"; fromTid: number; ts: number; name: string } | null = null;
  /** Pending flows by the tid of the woken task. */
  const pending = new Map<number, PendingFlow[]>();

  const track = (name: string): Track => {
    let t = byName.get(name);
    if (t === undefined) {
      t = { name, tid: tracks.length + 1, open: null, closed: null, afterOut: null, deleted: false };
      tracks.push(t);
      byName.set(name, t);
    }
    return t;
  };

  const push = (r: Rec): void => {
    if (truncated) return;
    recs.push(r);
    if (recs.length >= maxEvents) truncate(lastTs);
  };

  const truncate = (ts: number): void => {
    truncated = true;
    stoppedAt = ts;
    if (k.traceSink === sink) k.setTraceSink(null);
  };

  const flushClosed = (t: Track): void => {
    const c = t.closed;
    if (c === null) return;
    t.closed = null;
    // A waiting state that lasted no time is left out; Running slices are kept even at 0 µs.
    if (c.end > c.start || c.name === "Running") push(slice(c, c.end, t.tid));
  };

  const slice = (o: Open, end: number, tid: number): Rec => {
    const r: Rec = { ph: "X", name: o.name, ts: o.start, dur: end - o.start, tid, seq: o.seq };
    if (o.args !== undefined) r.args = o.args;
    return r;
  };

  /** Moves task track `t` into state `name` at `ts`. */
  const setState = (t: Track, name: string, ts: number, args?: Args): void => {
    if (t.deleted) return;
    if (t.open !== null) {
      if (t.open.name === name) return;
      flushClosed(t);
      t.closed = { ...t.open, end: ts };
      t.open = null;
    }
    const c = t.closed;
    if (c !== null && c.name === name && c.end === ts) {
      t.open = { name: c.name, start: c.start, seq: c.seq, args: c.args };
      t.closed = null;
      return;
    }
    flushClosed(t);
    t.open = { name, start: ts, seq: seq++, args };
  };

  /** A state a task enters when it stops running (or now, when it is not running). */
  const leaveRunning = (t: Track, name: string, ts: number, args?: Args): void => {
    if (running === t) t.afterOut = { name, args };
    else setState(t, name, ts, args);
  };

  const instant = (tid: number, name: string, ts: number, args?: Args, scope: "t" | "g" = "t"): void => {
    const r: Rec = { ph: "i", name, ts, tid, seq: seq++, scope };
    if (args !== undefined) r.args = args;
    push(r);
  };

  /** The track of whoever did an object operation: the ISR running, else the task named. */
  const actorTrack = (e: TraceEvent): Track | null => {
    if (isrStack.length > 0) return isrStack[isrStack.length - 1]!.track;
    return e.task === undefined ? null : track(e.task);
  };

  const completeFlows = (t: Track, object: string, op: "take" | "give", ts: number): void => {
    const list = pending.get(t.tid);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p.object !== object || p.completes !== op) continue;
      list.splice(i, 1);
      const id = nextFlowId++;
      push({ ph: "s", name: p.name, ts: p.ts, tid: p.fromTid, seq: seq++, id });
      push({ ph: "f", name: p.name, ts, tid: t.tid, seq: seq++, id });
      return;
    }
  };

  const dropFlows = (t: Track, object?: string): void => {
    const list = pending.get(t.tid);
    if (list === undefined) return;
    if (object === undefined) pending.delete(t.tid);
    else pending.set(t.tid, list.filter((p) => p.object !== object));
  };

  /** An operation on a queue, semaphore or mutex. */
  const objectOp = (e: TraceEvent, ts: number): void => {
    const object = e.object ?? "?";
    const actor = actorTrack(e);
    const args: Args = { object };
    if (e.value !== undefined) args.value = e.value;
    if (actor !== null) instant(actor.tid, `${e.kind} ${object}`, ts, args);
    let count: number | undefined;
    let op: "take" | "give" | null = null;
    switch (e.kind) {
      case "queue.send":
      case "mutex.give":
        count = e.value;
        op = "give";
        break;
      case "queue.receive":
      case "queue.peek":
        count = e.value;
        op = "take";
        break;
      case "mutex.take":
        count = 0;
        op = "take";
        break;
      case "queue.reset":
        count = 0;
        break;
      case "queue.sendFailed":
      case "queue.receiveFailed":
        if (actor !== null && isrStack.length === 0) dropFlows(actor, object);
        break;
    }
    if (count !== undefined) push({ ph: "C", name: object, ts, tid: 0, seq: seq++, args: { count } });
    if (op === null || actor === null) return;
    if (isrStack.length === 0) completeFlows(actor, object, op, ts);
    // A peek wakes the next reader, whose read completes like a take; others wake the other side.
    const completes = e.kind === "queue.peek" || op === "give" ? "take" : "give";
    armed = { object, completes, fromTid: actor.tid, ts, name: `${e.kind === "mutex.give" ? "give" : e.kind.slice(6)} ${object}` };
  };

  const sink = (e: TraceEvent): void => {
    if (truncated) return;
    const ts = micros(e.timeTicks);
    if (ts > lastTs) lastTs = ts;
    const wasArmed = armed;
    armed = null;
    const name = e.task;
    switch (e.kind) {
      case "task.switchedIn": {
        const t = track(name!);
        running = t;
        t.afterOut = null;
        setState(t, "Running", ts, e.value === undefined ? undefined : { priority: e.value });
        break;
      }
      case "task.switchedOut": {
        const t = track(name!);
        if (running === t) running = null;
        const after = t.afterOut ?? { name: "Ready", args: undefined };
        t.afterOut = null;
        setState(t, after.name, ts, after.args);
        break;
      }
      case "task.ready": {
        const t = track(name!);
        if (wasArmed !== null) {
          armed = wasArmed; // several wakes by one operation all follow it
          let list = pending.get(t.tid);
          if (list === undefined) pending.set(t.tid, (list = []));
          list.push({ object: wasArmed.object, completes: wasArmed.completes, fromTid: wasArmed.fromTid, ts: wasArmed.ts, name: wasArmed.name });
        }
        if (running !== t) setState(t, "Ready", ts, e.value === undefined ? undefined : { priority: e.value });
        break;
      }
      case "task.blocked": {
        const t = track(name!);
        dropFlows(t);
        const args: Args = { object: e.object ?? "?" };
        if (e.value !== undefined) args.timeoutTicks = e.value;
        leaveRunning(t, `Blocked on ${e.object ?? "?"}`, ts, args);
        break;
      }
      case "task.delayed": {
        const t = track(name!);
        dropFlows(t);
        leaveRunning(t, "Delayed", ts, e.value === undefined ? undefined : { untilTick: e.value });
        break;
      }
      case "task.suspended":
        leaveRunning(track(name!), "Suspended", ts);
        break;
      case "task.created": {
        const t = track(name!);
        t.deleted = false;
        instant(t.tid, "created", ts, e.value === undefined ? undefined : { priority: e.value });
        break;
      }
      case "task.deleted": {
        const t = track(name!);
        dropFlows(t);
        instant(t.tid, "deleted", ts);
        if (t.open !== null) {
          flushClosed(t);
          t.closed = { ...t.open, end: ts };
          t.open = null;
          flushClosed(t);
        }
        t.afterOut = null;
        t.deleted = true;
        if (running === t) running = null;
        break;
      }
      case "task.resumed":
      case "task.prioritySet":
      case "task.priorityInherit":
      case "task.priorityDisinherit":
      case "task.notify":
      case "task.notifyWait":
      case "task.delayAborted":
      case "task.faulted":
        if (name !== undefined) instant(track(name).tid, e.kind.slice(5), ts, e.value === undefined ? undefined : { value: e.value });
        break;
      case "isr.enter": {
        const t = track(INTERRUPTS);
        const open: Open = { name: e.object ?? "ISR", start: ts, seq: seq++, args: e.value === undefined ? undefined : { priority: e.value } };
        isrStack.push({ track: t, open });
        break;
      }
      case "isr.exit": {
        const top = isrStack.pop();
        if (top !== undefined) push(slice(top.open, ts, top.track.tid));
        break;
      }
      case "queue.send":
      case "queue.receive":
      case "queue.peek":
      case "mutex.give":
      case "mutex.take":
      case "queue.reset":
      case "queue.sendFailed":
      case "queue.receiveFailed":
        objectOp(e, ts);
        break;
      case "scheduler.started":
      case "heap.mallocFailed":
        instant(0, e.object === undefined ? e.kind : `${e.kind} ${e.object}`, ts, undefined, "g");
        break;
      default: {
        // Other object events (creation, streams, event groups, timers, scheduler locks): an instant on the actor's track.
        const actor = actorTrack(e) ?? (running as Track | null);
        if (actor === null) break;
        const args: Args = {};
        if (e.object !== undefined) args.object = e.object;
        if (e.value !== undefined) args.value = e.value;
        instant(actor.tid, e.object === undefined ? e.kind : `${e.kind} ${e.object}`, ts, args);
      }
    }
  };

  k.setTraceSink(sink);

  const json = (): string => {
    const end = stoppedAt ?? Math.max(lastTs, micros(k.now()));
    const out: Rec[] = recs.slice();
    // Close what is open, without changing the recorder's state (json() may be called again).
    for (const t of tracks) {
      if (t.closed !== null && (t.closed.end > t.closed.start || t.closed.name === "Running")) out.push(slice(t.closed, t.closed.end, t.tid));
      if (t.open !== null) out.push(slice(t.open, end, t.tid));
    }
    for (const { track: t, open } of isrStack) out.push(slice(open, end, t.tid));
    if (truncated) out.push({ ph: "i", name: `trace truncated: maxEvents ${maxEvents} reached`, ts: end, tid: 0, seq: seq, scope: "g" });
    // Output order: time; at one instant slices first, in the order they opened (a task's 0 µs
    // Running slice before the Blocked slice that follows it; an interrupted ISR's slice before the
    // nested one), then instants, counters and flows, each in the order they happened.
    const rank = { X: 0, i: 1, C: 2, s: 3, f: 4 } as const;
    out.sort((a, b) => a.ts - b.ts || rank[a.ph] - rank[b.ph] || a.seq - b.seq);
    const lines: string[] = [
      JSON.stringify({ name: "process_name", ph: "M", pid: PID, tid: 0, args: { name: processName } }),
    ];
    for (const t of tracks) {
      lines.push(JSON.stringify({ name: "thread_name", ph: "M", pid: PID, tid: t.tid, args: { name: t.name } }));
      lines.push(JSON.stringify({ name: "thread_sort_index", ph: "M", pid: PID, tid: t.tid, args: { sort_index: t.tid } }));
    }
    for (const r of out) lines.push(serialize(r));
    const otherData: Record<string, string | number | boolean> = {
      generator: "tinyrtos recordPerfetto",
      configTICK_RATE_HZ: hz,
      timeUnit: "ts in microseconds of virtual time = ticks * 1e6 / configTICK_RATE_HZ",
      maxEvents,
      truncated,
    };
    if (truncated) otherData.note = `recording stopped at maxEvents=${maxEvents} (at ts ${end} us); later kernel events are not in this trace`;
    return `{"displayTimeUnit":"ns","otherData":${JSON.stringify(otherData)},"traceEvents":[\n${lines.join(",\n")}\n]}\n`;
  };

  return {
    json,
    stop(): void {
      if (stoppedAt === null) stoppedAt = Math.max(lastTs, micros(k.now()));
      if (k.traceSink === sink) k.setTraceSink(null);
    },
    get eventCount() {
      return recs.length;
    },
    get truncated() {
      return truncated;
    },
  };
}

/** One event as JSON with a fixed key order. */
function serialize(r: Rec): string {
  const o: Record<string, unknown> = { name: r.name, cat: r.ph === "C" ? "counter" : r.ph === "s" || r.ph === "f" ? "wake" : "kernel", ph: r.ph, ts: r.ts, pid: PID, tid: r.tid };
  if (r.ph === "X") o.dur = r.dur;
  if (r.ph === "i") o.s = r.scope;
  if (r.ph === "s" || r.ph === "f") o.id = r.id;
  if (r.ph === "f") o.bp = "e";
  if (r.args !== undefined) o.args = r.args;
  return JSON.stringify(o);
}
