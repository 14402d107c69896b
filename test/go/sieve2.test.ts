/**
 * Port of golang/go test/chan/sieve2.go (@ 97eb0623).
 *
 * Eratosthenes-style sieve over odd candidates: a merging goroutine keeps a heap (container/heap)
 * of channels of odd multiples of each prime and emits all composites in increasing order; a
 * sieving goroutine drops the composites from the odd candidates and feeds each new prime back
 * through a send proxy (an expanding container/ring buffer served by a select whose send case
 * uses a nil channel while the buffer is empty).
 *
 * Check mapping:
 *   main: `if x := <-primes; x != a[i] { println(x, " != ", a[i]); panic("fail") }` for the
 *   25 primes below 100 => assert.equal(x, a[i]) for each i.
 * container/heap (Push/Pop/up/down) and container/ring (New/Next/Prev/Link) are ported with
 * their Go algorithms so the goroutines see the same sequence of heap states.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, send, type Chan } from "../../src/go/index.js";

// ---- container/ring ----
class Ring {
  next: Ring = this;
  prev: Ring = this;
  value: unknown = undefined;
  static make(n: number): Ring {
    const r = new Ring();
    let p = r;
    for (let i = 1; i < n; i++) {
      const q = new Ring();
      q.prev = p;
      p.next = q;
      p = q;
    }
    p.next = r;
    r.prev = p;
    return r;
  }
  Next(): Ring { return this.next; }
  Prev(): Ring { return this.prev; }
  // r.Link(s) connects ring r with ring s such that r.Next() becomes s; returns the old r.Next().
  Link(s: Ring): Ring {
    const n = this.Next();
    const p = s.Prev();
    this.next = s;
    s.prev = this;
    n.prev = p;
    p.next = n;
    return n;
  }
}

// ---- container/heap over PeekChHeap ----
interface PeekCh { head: number; ch: Chan<number> }
class PeekChHeap {
  items: PeekCh[] = [];
  Less(i: number, j: number): boolean { return this.items[i]!.head < this.items[j]!.head; }
  Swap(i: number, j: number): void {
    const t = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = t;
  }
  Len(): number { return this.items.length; }
}
function heapUp(h: PeekChHeap, j: number): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2); // parent
    if (i === j || !h.Less(j, i)) break;
    h.Swap(i, j);
    j = i;
  }
}
function heapDown(h: PeekChHeap, i0: number, n: number): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1; // left child
    const j2 = j1 + 1;
    if (j2 < n && h.Less(j2, j1)) j = j2;
    if (!h.Less(j, i)) break;
    h.Swap(i, j);
    i = j;
  }
}
function heapPush(h: PeekChHeap, x: PeekCh): void {
  h.items.push(x);
  heapUp(h, h.Len() - 1);
}
function heapPop(h: PeekChHeap): PeekCh {
  const n = h.Len() - 1;
  if (n < 0) throw new Error("index out of range [-1]"); // Go panics on Pop of an empty heap
  h.Swap(0, n);
  heapDown(h, 0, n);
  return h.items.pop()!;
}

// Return a chan of odd numbers, starting from 5.
function odds(): Chan<number> {
  const out = chan<number>(50);
  go(async () => {
    let n = 5;
    for (;;) {
      await out.send(n);
      n += 2;
    }
  });
  return out;
}

// Return a chan of odd multiples of the prime number p, starting from p*p.
function multiples(p: number): Chan<number> {
  const out = chan<number>(10);
  go(async () => {
    let n = p * p;
    for (;;) {
      await out.send(n);
      n += 2 * p;
    }
  });
  return out;
}

// Return a channel to serve as a sending proxy to 'out'. A goroutine receives values from the
// proxy and stores them in an expanding buffer, so that sending to 'out' never blocks.
function sendproxy(out: Chan<number>): Chan<number> {
  const proxy = chan<number>(10);
  go(async () => {
    let n = 16; // the allocated size of the circular queue
    let first = Ring.make(n);
    let last = first;
    let c: Chan<number> | null;
    let e = 0;
    for (;;) {
      c = out;
      if (first === last) {
        // buffer empty: disable output
        c = null;
      } else {
        e = first.value as number;
      }
      const r = await select([recv(proxy), send(c, e)]);
      switch (r.index) {
        case 0:
          e = r.value as number;
          last.value = e;
          if (last.Next() === first) {
            // buffer full: expand it
            last.Link(Ring.make(n));
            n *= 2;
          }
          last = last.Next();
          break;
        case 1:
          first = first.Next();
          break;
        default:
          assert.fail(`select returned index ${(r as { index: number }).index}`);
      }
    }
  });
  return proxy;
}

// Return a chan int of primes.
async function sieve(): Promise<Chan<number>> {
  // The output values.
  const out = chan<number>(10);
  await out.send(2);
  await out.send(3);

  // The channel of all composites to be eliminated in increasing order.
  const composites = chan<number>(50);

  // The feedback loop.
  const primes = chan<number>(10);
  await primes.send(3);

  // Merge channels of multiples of 'primes' into 'composites'.
  go(async () => {
    const h = new PeekChHeap();
    let min = 15;
    for (;;) {
      const m = multiples((await primes.recv()) as number);
      const head = (await m.recv()) as number;
      while (min < head) {
        await composites.send(min);
        const minchan = heapPop(h);
        min = minchan.head;
        minchan.head = (await minchan.ch.recv()) as number;
        heapPush(h, minchan);
      }
      while (min === head) {
        const minchan = heapPop(h);
        min = minchan.head;
        minchan.head = (await minchan.ch.recv()) as number;
        heapPush(h, minchan);
      }
      await composites.send(head);
      heapPush(h, { head: (await m.recv()) as number, ch: m });
    }
  });

  // Sieve out 'composites' from 'candidates'.
  go(async () => {
    // The merging goroutine receives from 'primes' much slower than this goroutine sends to
    // it; a proxy goroutine does automatic buffering so the feedback loop cannot deadlock.
    const primesProxy = sendproxy(primes);

    const candidates = odds();
    let p = (await candidates.recv()) as number;

    for (;;) {
      const c = (await composites.recv()) as number;
      while (p < c) {
        await primesProxy.send(p);
        await out.send(p);
        p = (await candidates.recv()) as number;
      }
      if (p === c) p = (await candidates.recv()) as number;
    }
  });

  return out;
}

const a = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

test("sieve2: first 25 primes from the heap-merging Eratosthenes sieve", async () => {
  const got = await run(async () => {
    const primes = await sieve();
    const seen: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const x = await primes.recv();
      assert.equal(x, a[i], `${x} != ${a[i]}`);
      seen.push(x as number);
    }
    return seen;
  }, { seed: 1, tickRateHz: 1000 });
  assert.deepEqual(got, a);
});
