/**
 * The interrupt controller (an NVIC-like model): interrupt lines with priorities 1-15 (a higher
 * number preempts a lower one), one pending latch per line, and interrupts scheduled at
 * absolute virtual times (fractions of a tick allowed). A trigger that finds its line already
 * pending is merged, as in hardware, and counted as an overrun, so no event is lost silently.
 * @module
 */

export type InterruptHandler = () => void;

/** One interrupt line and its counters. */
export class InterruptLine {
  pending = false;
  /** Handler invocations. */
  fired = 0;
  /** Triggers merged into an already-pending request (lost edges). */
  overruns = 0;
  constructor(
    readonly irq: number,
    readonly priority: number,
    readonly handler: InterruptHandler,
    readonly name: string,
  ) {}
}

/** Counters of one line, as interruptStats() reports them. */
export interface InterruptStats {
  irq: number;
  name: string;
  priority: number;
  fired: number;
  overruns: number;
  pending: boolean;
}

interface Scheduled {
  tick: number;
  frac: number;
  seq: number;
  line: InterruptLine;
}

function earlier(a: Scheduled, b: Scheduled): boolean {
  return a.tick < b.tick || (a.tick === b.tick && (a.frac < b.frac || (a.frac === b.frac && a.seq < b.seq)));
}

export class InterruptController {
  private readonly lines = new Map<number, InterruptLine>();
  /** Lines sorted by priority, highest first (ties: lower irq number first, as the NVIC). */
  private byPriority: InterruptLine[] = [];
  private readonly heap: Scheduled[] = [];
  private seq = 0;
  pendingCount = 0;

  /** Adds a line for `irq`, which must not have one (the kernel checks). */
  register(irq: number, priority: number, handler: InterruptHandler, name: string): InterruptLine {
    const line = new InterruptLine(irq, priority, handler, name);
    this.lines.set(irq, line);
    this.sortLines();
    return line;
  }

  /** Removes the line of `irq` with its pending request and its scheduled triggers; returns it. */
  unregister(irq: number): InterruptLine | undefined {
    const line = this.lines.get(irq);
    if (line === undefined) return undefined;
    this.lines.delete(irq);
    if (line.pending) {
      line.pending = false;
      this.pendingCount--;
    }
    const kept = this.heap.filter((s) => s.line !== line);
    if (kept.length !== this.heap.length) {
      this.heap.length = 0;
      for (const s of kept) this.push(s);
    }
    this.sortLines();
    return line;
  }

  private sortLines(): void {
    this.byPriority = [...this.lines.values()].sort((a, b) => b.priority - a.priority || a.irq - b.irq);
  }

  line(irq: number): InterruptLine | undefined {
    return this.lines.get(irq);
  }

  /** Latches a request; returns false when it merged into a pending one (an overrun). */
  pend(line: InterruptLine): boolean {
    if (line.pending) {
      line.overruns++;
      return false;
    }
    line.pending = true;
    this.pendingCount++;
    return true;
  }

  /** The highest-priority pending line whose priority is above `level`, or null. */
  highestPendingAbove(level: number): InterruptLine | null {
    if (this.pendingCount === 0) return null;
    for (const line of this.byPriority) {
      if (line.priority <= level) return null;
      if (line.pending) return line;
    }
    return null;
  }

  take(line: InterruptLine): void {
    line.pending = false;
    this.pendingCount--;
    line.fired++;
  }

  schedule(line: InterruptLine, tick: number, frac: number): void {
    this.push({ tick, frac, seq: this.seq++, line });
  }

  private push(item: Scheduled): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(item, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  get scheduledCount(): number {
    return this.heap.length;
  }

  /** Whole tick of the earliest scheduled interrupt (Infinity if none). */
  nextTick(): number {
    return this.heap.length > 0 ? this.heap[0]!.tick : Infinity;
  }

  /** Fraction of the earliest scheduled interrupt (call when nextTick() is finite). */
  nextFrac(): number {
    return this.heap[0]!.frac;
  }

  /** Removes and returns the earliest scheduled line if it is due at or before (tick, frac). */
  popDue(tick: number, frac: number): InterruptLine | null {
    const heap = this.heap;
    if (heap.length === 0) return null;
    const top = heap[0]!;
    if (top.tick > tick || (top.tick === tick && top.frac > frac)) return null;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && earlier(heap[r]!, heap[l]!) ? r : l;
        if (!earlier(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top.line;
  }

  stats(): InterruptStats[] {
    return [...this.lines.values()].map((l) => ({ irq: l.irq, name: l.name, priority: l.priority, fired: l.fired, overruns: l.overruns, pending: l.pending }));
  }
}
