/**
 * The board's event queue: things that happen outside the CPU at exact virtual times (a pin
 * driven by the world at tick 3.5; later UART bits, flash operations ending). Each event is
 * delivered through one board-internal interrupt line of the kernel, scheduled with the kernel's
 * own `triggerInterrupt(irq, atTick)`, at priority 15 so that no critical section delays the
 * outside world (hardware does not wait for the CPU); the peripheral interrupts an event raises
 * then run at their own priorities, masked as usual.
 *
 * Times are board ticks: ticks since the board was created, which equal the kernel's tick count
 * until the first reset (a reset starts a fresh kernel at tick 0 while board time goes on).
 * While the board is off (board.cutPower) no kernel is attached: board time is advanced by
 * board.run through `advanceTo`, which delivers the world's events in order.
 * @module
 */
import type { Kernel } from "../kernel/index.js";

/** The interrupt number of the board's event line: above every vendor interrupt number. */
export const BOARD_EVENT_IRQ = 0x1_0000;
/** Its kernel priority: the highest, never masked (it calls no FromISR function). */
export const BOARD_EVENT_PRIORITY = 15;

interface BoardEvent {
  at: number;
  seq: number;
  run: (at: number) => void;
}

export class BoardClock {
  /**
   * Pending events, `queue[head..]`, sorted by time then order of scheduling. Taking the next one
   * moves `head` (no `shift()`, which is O(length)); the delivered prefix is dropped when it is
   * at least half the array, so each event is moved O(1) times.
   */
  private queue: BoardEvent[] = [];
  private head = 0;
  private seq = 0;
  private kernel: Kernel | null = null;
  /** Board time at the new kernel's tick 0. */
  offset = 0;

  /** Binds a (fresh) kernel whose tick 0 is board time `offset`; registers the event line and re-arms pending events. */
  attach(kernel: Kernel, offset: number): void {
    this.kernel = kernel;
    this.offset = offset;
    kernel.registerInterrupt(BOARD_EVENT_IRQ, BOARD_EVENT_PRIORITY, this.deliver, "board.events");
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.at > offset) kernel.triggerInterrupt(BOARD_EVENT_IRQ, e.at - offset);
    }
  }

  /** Board time now, in ticks (fractions allowed). */
  now(): number {
    return this.offset + (this.kernel === null ? 0 : this.kernel.now());
  }

  /** Runs `run(at)` at board time `at` (>= now). */
  schedule(at: number, run: (at: number) => void): void {
    const e: BoardEvent = { at, seq: this.seq++, run };
    // Sorted insert (by time, then order of scheduling): after every pending event due at or
    // before `at`. Events mostly come in time order: then it is a push.
    const q = this.queue;
    if (q.length === this.head || q[q.length - 1]!.at <= at) q.push(e);
    else {
      let lo = this.head;
      let hi = q.length - 1; // q[hi].at > at
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (q[mid]!.at > at) hi = mid;
        else lo = mid + 1;
      }
      q.splice(lo, 0, e);
    }
    // Detached (board off): advanceTo delivers it.
    if (this.kernel !== null) this.kernel.triggerInterrupt(BOARD_EVENT_IRQ, at - this.offset);
  }

  /**
   * Unbinds the kernel (the board lost power): board time stays at `at` and moves on only
   * through advanceTo, which delivers the events that fall while no kernel runs.
   */
  detach(at: number): void {
    this.kernel = null;
    this.offset = at;
  }

  /** While detached: delivers every event due by board time `target`, in order, and moves time there. */
  advanceTo(target: number): void {
    while (this.head < this.queue.length && this.queue[this.head]!.at <= target + 1e-9) {
      const e = this.take();
      if (e.at > this.offset) this.offset = e.at;
      e.run(e.at);
    }
    if (target > this.offset) this.offset = target;
  }

  /** Runs every event due by now (also at boot, for events that fell in a reset). */
  readonly deliver = (): void => {
    const now = this.now();
    // (a hair of tolerance: the kernel's time of a scheduled trigger is at - offset, rounded)
    while (this.head < this.queue.length && this.queue[this.head]!.at <= now + 1e-9) {
      const e = this.take();
      e.run(e.at);
    }
  };

  /** The next pending event, taken off the queue (the caller checked there is one). */
  private take(): BoardEvent {
    const q = this.queue;
    const e = q[this.head]!;
    q[this.head++] = undefined as unknown as BoardEvent; // let the delivered event's closure go
    // (Not `length = 0` when drained: V8 would drop the backing store and the next push allocate.)
    if (this.head >= 1024 && this.head * 2 >= q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    return e;
  }
}
