/**
 * A bounded single-producer ring of interrupt events in a SharedArrayBuffer, for interrupts that
 * come from another thread (a Worker reading a real device) into a kernel in real-time mode.
 *
 * The producer writes an event (irq, payload, timestamp) and then signals the kernel through a
 * state word with a compare-and-swap hand-off: Idle → Pending (and Atomics.notify),
 * the kernel takes Pending → Processing while it drains, and Processing → Idle when the ring is
 * empty; an event written during processing turns Processing back into Pending, so the kernel
 * drains again and nothing is lost. Events are delivered exactly once and in order; when the
 * ring is full the producer's event is refused and counted in `overruns`.
 *
 * Standard SharedArrayBuffer and Atomics only (no Node API): it works with Node's worker_threads
 * and with browser Workers. One producer thread per ring.
 * @module
 */

const STATE = 0;
const WRITE = 1;
const READ = 2;
const OVERRUNS = 3;
const CAPACITY = 4;
const HEADER_INT32 = 8; // 32 bytes, keeps the Float64 slots aligned
const SLOT_DOUBLES = 3; // irq, payload, timestamp (ms, performance.timeOrigin + performance.now())

export const RING_IDLE = 0;
export const RING_PENDING = 1;
export const RING_PROCESSING = 2;

/** Milliseconds on a clock shared by every thread of the process (time origin + now). */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export class InterruptRing {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly control: Int32Array;
  private readonly slots: Float64Array;
  /** A pending Atomics.waitAsync on the state word (consumer side), if any. */
  waiting: Promise<unknown> | null = null;

  /** Attaches to a ring's buffer (the producer thread does this with the buffer it was sent). */
  constructor(buffer: SharedArrayBuffer) {
    if (typeof SharedArrayBuffer !== "function" || !(buffer instanceof SharedArrayBuffer))
      throw new TypeError("InterruptRing: expected a SharedArrayBuffer (from InterruptRing.create(...).buffer)");
    this.buffer = buffer;
    this.control = new Int32Array(buffer, 0, HEADER_INT32);
    this.capacity = Atomics.load(this.control, CAPACITY);
    if (!(this.capacity > 0) || buffer.byteLength !== HEADER_INT32 * 4 + this.capacity * SLOT_DOUBLES * 8)
      throw new RangeError(`InterruptRing: the buffer is not a ring (capacity ${this.capacity}, ${buffer.byteLength} bytes)`);
    this.slots = new Float64Array(buffer, HEADER_INT32 * 4, this.capacity * SLOT_DOUBLES);
  }

  /** A new ring of `capacity` events. */
  static create(capacity: number): InterruptRing {
    if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24)
      throw new RangeError(`InterruptRing.create: capacity must be an integer in [1, 2^24], got ${String(capacity)}`);
    if (typeof SharedArrayBuffer !== "function") throw new TypeError("InterruptRing.create: SharedArrayBuffer is not available (a browser needs cross-origin isolation)");
    const buffer = new SharedArrayBuffer(HEADER_INT32 * 4 + capacity * SLOT_DOUBLES * 8);
    Atomics.store(new Int32Array(buffer, 0, HEADER_INT32), CAPACITY, capacity);
    return new InterruptRing(buffer);
  }

  // ───────────── producer side (any one thread) ─────────────

  /**
   * Posts an interrupt event; false (and an overrun counted) when the ring is full. Never blocks.
   * `timestampMs` defaults to sharedClockMs(), so the kernel can measure latency.
   */
  push(irq: number, payload = 0, timestampMs = sharedClockMs()): boolean {
    const c = this.control;
    const w = Atomics.load(c, WRITE);
    const r = Atomics.load(c, READ);
    if (((w - r) | 0) >= this.capacity) {
      Atomics.add(c, OVERRUNS, 1);
      this.signal();
      return false;
    }
    const base = ((w >>> 0) % this.capacity) * SLOT_DOUBLES;
    this.slots[base] = irq;
    this.slots[base + 1] = payload;
    this.slots[base + 2] = timestampMs;
    Atomics.store(c, WRITE, (w + 1) | 0); // publishes the slot written above
    this.signal();
    return true;
  }

  /** Idle → Pending (waking the kernel), or Processing → Pending (it will drain again). */
  private signal(): void {
    const c = this.control;
    for (;;) {
      const s = Atomics.load(c, STATE);
      if (s === RING_PENDING) return;
      if (Atomics.compareExchange(c, STATE, s, RING_PENDING) === s) {
        if (s === RING_IDLE) Atomics.notify(c, STATE);
        return;
      }
    }
  }

  // ───────────── consumer side (the kernel's thread) ─────────────

  /** Events written and not yet delivered. */
  get backlog(): number {
    return (Atomics.load(this.control, WRITE) - Atomics.load(this.control, READ)) | 0;
  }

  /** Events refused because the ring was full. */
  get overruns(): number {
    return Atomics.load(this.control, OVERRUNS);
  }

  /** Events delivered so far. */
  get delivered(): number {
    return Atomics.load(this.control, READ) >>> 0;
  }

  get state(): number {
    return Atomics.load(this.control, STATE);
  }

  /**
   * Delivers events in order to `deliver(irq, payload, timestampMs)`, which returns false to stop
   * (the event stays in the ring, e.g. while its interrupt is masked). Returns how many it delivered.
   */
  drain(deliver: (irq: number, payload: number, timestampMs: number) => boolean): number {
    const c = this.control;
    let delivered = 0;
    // Claim the ring: Idle or Pending → Processing (a write may be published before its signal).
    for (;;) {
      const s = Atomics.load(c, STATE);
      if (s === RING_PROCESSING || Atomics.compareExchange(c, STATE, s, RING_PROCESSING) === s) break;
    }
    for (;;) {
      let r = Atomics.load(c, READ);
      const w = Atomics.load(c, WRITE);
      while (r !== w) {
        const base = ((r >>> 0) % this.capacity) * SLOT_DOUBLES;
        if (!deliver(this.slots[base]!, this.slots[base + 1]!, this.slots[base + 2]!)) {
          // Stopped with events left: leave the ring Pending so the next look drains it.
          Atomics.store(c, STATE, RING_PENDING);
          return delivered;
        }
        r = (r + 1) | 0;
        Atomics.store(c, READ, r);
        delivered++;
      }
      // Processing → Idle. If the producer signalled meanwhile the state is Pending: go again.
      // A write published after our last look but signalled after this CAS finds Idle and
      // notifies, so it wakes the kernel: nothing is lost either way.
      if (Atomics.compareExchange(c, STATE, RING_PROCESSING, RING_IDLE) === RING_PROCESSING) return delivered;
      Atomics.compareExchange(c, STATE, RING_PENDING, RING_PROCESSING);
    }
  }

  /**
   * A promise that settles when the producer signals (the state leaves Idle), or null when it
   * is not Idle now (drain at once). Uses Atomics.waitAsync.
   */
  whenSignalled(): Promise<unknown> | null {
    const waitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number) => { async: boolean; value: unknown } }).waitAsync;
    if (typeof waitAsync !== "function") throw new TypeError("InterruptRing: Atomics.waitAsync is not available in this runtime");
    const result = waitAsync(this.control, STATE, RING_IDLE);
    return result.async ? (result.value as Promise<unknown>) : null;
  }
}
