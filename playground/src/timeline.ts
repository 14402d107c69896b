/**
 * The timeline's model, fed by a kernel's trace events: one row per task (in order of first
 * appearance) plus an "Interrupts" row, each a sequence of state segments in ticks. The worker
 * keeps only what it has not reported yet (delta()), so its memory stays bounded however long the
 * run; the page keeps a bounded window of it.
 * @module
 */
import type { TraceEvent } from "tinyrtos";
import type { TimelineDelta } from "./protocol.js";

const RUNNING = 0;
const READY = 1;
const BLOCKED = 2;
const DELAYED = 3;
const SUSPENDED = 4;
const ISR = 5;
const NONE = -1;

/** Most segment numbers kept between two reports (4 per segment); beyond it the oldest go. */
const MAX_PENDING_NUMBERS = 4 * 100_000;

interface Row {
  readonly index: number;
  state: number;
  start: number;
  /** The state a running task enters when it is switched out (set while it runs). */
  afterOut: number;
  deleted: boolean;
}

export const INTERRUPTS_ROW = "Interrupts";

export class TimelineRecorder {
  private epochNumber = 0;
  private readonly rows = new Map<string, Row>();
  private readonly names: string[] = [];
  private reportedRows = 0;
  private segments: number[] = [];
  private running: Row | null = null;
  private readonly isrStack: number[] = [];
  /** Segments dropped because reports did not keep up (counted, never silent). */
  dropped = 0;

  get epoch(): number {
    return this.epochNumber;
  }

  /** Starts a new timeline (a new kernel). */
  restart(): void {
    this.epochNumber++;
    this.rows.clear();
    this.names.length = 0;
    this.reportedRows = 0;
    this.segments = [];
    this.running = null;
    this.isrStack.length = 0;
  }

  private row(name: string): Row {
    let r = this.rows.get(name);
    if (r === undefined) {
      r = { index: this.names.length, state: NONE, start: 0, afterOut: NONE, deleted: false };
      this.rows.set(name, r);
      this.names.push(name);
    }
    return r;
  }

  private push(row: number, start: number, end: number, state: number): void {
    if (this.segments.length >= MAX_PENDING_NUMBERS) {
      // Reports did not keep up: the older half goes (at once, so that each push stays O(1) on average).
      const half = (MAX_PENDING_NUMBERS / 8) * 4;
      this.segments.splice(0, half);
      this.dropped += half / 4;
    }
    this.segments.push(row, start, end, state);
  }

  private setState(r: Row, state: number, t: number): void {
    if (r.deleted || r.state === state) return;
    // A waiting state that lasted no time is left out; a Running slice is kept even at 0 ticks.
    if (r.state !== NONE && (t > r.start || r.state === RUNNING)) this.push(r.index, r.start, t, r.state);
    r.state = state;
    r.start = t;
  }

  private leaveRunning(r: Row, state: number, t: number): void {
    if (this.running === r) r.afterOut = state;
    else this.setState(r, state, t);
  }

  /** The trace sink's other half: one kernel event. */
  readonly onEvent = (e: TraceEvent): void => {
    const t = e.timeTicks;
    switch (e.kind) {
      case "task.switchedIn": {
        const r = this.row(e.task!);
        this.running = r;
        r.afterOut = NONE;
        this.setState(r, RUNNING, t);
        break;
      }
      case "task.switchedOut": {
        const r = this.row(e.task!);
        if (this.running === r) this.running = null;
        const after = r.afterOut === NONE ? READY : r.afterOut;
        r.afterOut = NONE;
        this.setState(r, after, t);
        break;
      }
      case "task.ready": {
        const r = this.row(e.task!);
        if (this.running !== r) this.setState(r, READY, t);
        break;
      }
      case "task.blocked":
        this.leaveRunning(this.row(e.task!), BLOCKED, t);
        break;
      case "task.delayed":
        this.leaveRunning(this.row(e.task!), DELAYED, t);
        break;
      case "task.suspended":
        this.leaveRunning(this.row(e.task!), SUSPENDED, t);
        break;
      case "task.created": {
        const r = this.row(e.task!);
        r.deleted = false;
        break;
      }
      case "task.deleted": {
        const r = this.row(e.task!);
        this.setState(r, NONE, t);
        r.deleted = true;
        r.afterOut = NONE;
        if (this.running === r) this.running = null;
        break;
      }
      case "isr.enter":
        this.row(INTERRUPTS_ROW);
        this.isrStack.push(t);
        break;
      case "isr.exit": {
        const start = this.isrStack.pop();
        if (start !== undefined) this.push(this.row(INTERRUPTS_ROW).index, start, t, ISR);
        break;
      }
      default:
        break;
    }
  };

  /** What is new since the last call; `now` is the kernel's time. */
  delta(now: number): TimelineDelta {
    const newRows = this.names.slice(this.reportedRows);
    this.reportedRows = this.names.length;
    const segments = this.segments;
    this.segments = [];
    const open: number[] = [];
    for (const r of this.rows.values()) if (r.state !== NONE && !r.deleted) open.push(r.index, r.start, r.state);
    for (const start of this.isrStack.slice(0, 1)) open.push(this.rows.get(INTERRUPTS_ROW)!.index, start, ISR);
    return { epoch: this.epochNumber, newRows, segments, open, now };
  }
}

export const STATE_CODES = { RUNNING, READY, BLOCKED, DELAYED, SUSPENDED, ISR } as const;
