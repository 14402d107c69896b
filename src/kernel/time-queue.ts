/**
 * A time-ordered "list": items ordered by a numeric time key, FIFO among equal keys (vListInsert
 * order, rule 8). Items due at the same time share one bucket (an intrusive FIFO list), and a
 * min-heap holds the distinct keys, so the cost of taking the next item depends on the number of
 * distinct times pending, not on the number of items.
 *
 * The kernel keys delayed tasks by absolute wake tick, which never wraps (exact up to 2^53 ticks,
 * 285,000 years at 1 kHz): FreeRTOS's delayed/overflow list pair is equivalent to ordering by
 * absolute wake time. The timer service keeps FreeRTOS's two lists of wrapped expiry times.
 * @module
 */
import { List, ListKind, type ListItem } from "./list.js";

export class TimeQueue<T> {
  private readonly buckets = new Map<number, List<T>>();
  /** Min-heap of wake ticks; may hold ticks whose bucket has emptied (skipped lazily). */
  private heap: number[] = [];
  private lastBucket: List<T> | null = null;
  private lastWake = -1;
  count = 0;

  /** Inserts `item` at time `wakeAbs` (after every item already at that time). */
  insert(item: ListItem<T>, wakeAbs: number): void {
    let bucket: List<T> | undefined;
    if (wakeAbs === this.lastWake && this.lastBucket !== null && this.lastBucket.length > 0) bucket = this.lastBucket;
    else {
      bucket = this.buckets.get(wakeAbs);
      if (bucket === undefined) {
        bucket = new List<T>(ListKind.Delayed);
        bucket.end.value = wakeAbs;
        this.buckets.set(wakeAbs, bucket);
        this.push(wakeAbs);
      }
      this.lastBucket = bucket;
      this.lastWake = wakeAbs;
    }
    item.value = wakeAbs;
    bucket.insertEnd(item);
    this.count++;
  }

  /** Removes an item that is in one of this structure's buckets. */
  remove(item: ListItem<T>): void {
    const bucket = item.container!;
    if (bucket.remove(item) === 0) {
      this.buckets.delete(bucket.end.value);
      if (this.lastBucket === bucket) this.lastBucket = null;
      // Keep the heap bounded when early wake-ups leave many stale ticks behind.
      if (this.heap.length > 64 && this.heap.length > 4 * this.buckets.size) this.rebuild();
    }
    this.count--;
  }

  /** The earliest wake tick pending, or Infinity. */
  nextWake(): number {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (this.buckets.has(top)) return top;
      this.pop();
    }
    return Infinity;
  }

  /** The first task of the earliest bucket (call after nextWake() returned a finite tick). */
  headOfNext(): T {
    return this.buckets.get(this.heap[0]!)!.head()!;
  }

  /** Every delayed owner in wake order, for introspection; allocates. */
  toArray(): T[] {
    return [...this.buckets.keys()].sort((a, b) => a - b).flatMap((k) => this.buckets.get(k)!.toArray());
  }

  private push(value: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pv = heap[parent]!;
      if (pv <= value) break;
      heap[i] = pv;
      i = parent;
    }
    heap[i] = value;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]! < heap[l]! ? r : l;
      if (heap[c]! >= last) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
  }

  private rebuild(): void {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    this.heap = keys; // a sorted array is a valid min-heap
  }
}
