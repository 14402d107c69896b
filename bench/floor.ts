/**
 * The JS floor of each benchmark: the same program shape (the same awaits, hand-offs and
 * loop counts) with no kernel at all, only the promises the execution model cannot avoid. A
 * benchmark cannot be faster than its floor on the same machine; the difference is the cost of
 * the kernel's bookkeeping. Printed in the same run as the benchmarks so they compare directly.
 *
 * - An `await` of an already-settled promise still suspends the caller until a microtask.
 * - A switch between two tasks settles one promise (DESIGN.md): the blocked side awaits a fresh
 *   pending promise, the other side's kernel call resolves it.
 *
 * The `.gen` floors (floorsGen) are the same shapes in the generator lane (floor-lane.ts): tasks
 * are generators that `yield*` every call and a dispatch loop resumes them with `gen.next()`; a
 * call that completes at once costs one `next()` of the lane's token, a switch one return to
 * the loop and one `gen.next()`. No promise at all.
 */
import { Dispatcher, type FloorTask } from "./floor-lane.js";
import { median, nowNs, round, type Figure } from "./harness.js";

const SETTLED: Promise<number> = Promise.resolve(1);

/** A minimal parking slot: park() returns a fresh pending promise, wake() settles it. */
class Slot {
  private resolveFn: ((value: number) => void) | null = null;
  private readonly executor = (resolve: (value: number) => void): void => {
    this.resolveFn = resolve;
  };
  park(): Promise<number> {
    return new Promise<number>(this.executor);
  }
  wake(): void {
    const r = this.resolveFn;
    this.resolveFn = null;
    r!(1);
  }
  get parked(): boolean {
    return this.resolveFn !== null;
  }
}

/** ns per `await` of an already-settled promise. */
async function awaitSettled(): Promise<number> {
  const n = 2_000_000;
  return median(5, 2, async () => {
    const t0 = nowNs();
    for (let i = 0; i < n; i++) await SETTLED;
    return (nowNs() - t0) / n;
  });
}

/** ns per bare hand-off: each side wakes the other and awaits a fresh promise of its own. */
async function handoff(): Promise<number> {
  const rounds = 500_000;
  return median(5, 2, () => {
    const a = new Slot();
    const b = new Slot();
    void (async () => {
      for (;;) {
        await b.park();
        a.wake();
      }
    })();
    return (async () => {
      await SETTLED; // b parks first
      const t0 = nowNs();
      for (let i = 0; i < rounds; i++) {
        const p = a.park();
        b.wake();
        await p;
      }
      return (nowNs() - t0) / (2 * rounds);
    })();
  });
}

/**
 * ns per switch of the ping-pong shape (kernel.queue.pingpong, go.pingpong.unbuffered): each
 * side makes a call that completes at once (a send to the waiting peer, awaited: one settled
 * await) and one that blocks (a receive: it parks and switches to the peer, one hand-off).
 */
async function pingpong(): Promise<number> {
  const rounds = 500_000;
  return median(5, 2, () => {
    const a = new Slot();
    const b = new Slot();
    void (async () => {
      await b.park();
      for (;;) {
        await SETTLED;
        const p = b.park();
        a.wake();
        await p;
      }
    })();
    return (async () => {
      const t0 = nowNs();
      for (let i = 0; i < rounds; i++) {
        await SETTLED;
        const p = a.park();
        b.wake();
        await p;
      }
      return (nowNs() - t0) / (2 * rounds);
    })();
  });
}

/**
 * ns per message through a 128-slot ring between a producer and a consumer
 * (go.prodcons.buf128): every operation is awaited; a side that must wait parks and switches
 * to the other, so there is a switch only when the ring is full or empty.
 */
async function prodcons(): Promise<number> {
  const messages = 2_000_000;
  return median(5, 2, () => {
    const cap = 128;
    const ring = new Array<number>(cap).fill(0);
    let head = 0;
    let count = 0;
    const producer = new Slot();
    const consumer = new Slot();
    const switchTo = (me: Slot, other: Slot): Promise<number> => {
      const p = me.park();
      if (other.parked) other.wake();
      return p;
    };
    let sum = 0;
    void (async () => {
      for (let i = 0; i < messages; i++) {
        if (count === 0) await switchTo(consumer, producer);
        else await SETTLED;
        sum += ring[head]!;
        head = head + 1 === cap ? 0 : head + 1;
        count--;
      }
      producer.wake();
    })();
    return (async () => {
      const t0 = nowNs();
      for (let i = 0; i < messages; i++) {
        if (count === cap) await switchTo(producer, consumer);
        else await SETTLED;
        let slot = head + count;
        if (slot >= cap) slot -= cap;
        ring[slot] = i;
        count++;
      }
      await switchTo(producer, consumer);
      const ns = (nowNs() - t0) / messages;
      if (sum !== (messages * (messages - 1)) / 2) throw new Error(`floor.prodcons: sum ${sum} is wrong`);
      return ns;
    })();
  });
}

/**
 * ns per spawn + exit (go.spawn): the parent parks; the child starts in a microtask, makes one
 * call that completes at once (a send to the waiting parent), and returns; its completion
 * switches back to the parent.
 */
async function spawn(): Promise<number> {
  const spawns = 200_000;
  return median(5, 2, async () => {
    const parent = new Slot();
    const body = async (): Promise<void> => {
      await SETTLED;
    };
    const exited = (): void => parent.wake();
    const start = (): void => {
      void body().then(exited);
    };
    const t0 = nowNs();
    for (let i = 0; i < spawns; i++) {
      const p = parent.park();
      void SETTLED.then(start);
      await p;
    }
    return (nowNs() - t0) / spawns;
  });
}

/** ns per select with one of two cases ready (go.select2.ready): a buffered send and a select, both completing at once. */
async function select2(): Promise<number> {
  const selects = 1_000_000;
  return median(5, 2, async () => {
    const t0 = nowNs();
    for (let i = 0; i < selects; i++) {
      await SETTLED; // ready.send(i)
      await SETTLED; // select(cases)
    }
    return (nowNs() - t0) / selects;
  });
}

/**
 * ns per wake-up of `tasks` tasks cycling through timed waits (kernel.delay.wake.*): each task
 * parks on a fresh promise in the bucket of its wake tick; the one running wakes the next due
 * task (a hand-off) and parks. Time-ordered buckets make every step O(1), so what changes from
 * 1,000 to 100,000 tasks is only the memory the parked tasks keep: their promises outlive young
 * collections, and each wake-up touches memory that has left the caches.
 */
async function delayWake(tasks: number): Promise<number> {
  return median(3, 1, () => {
    const slots = 256; // more than the longest period
    const buckets: Sleeper[][] = [];
    for (let i = 0; i < slots; i++) buckets.push([]);
    let now = 0;
    let cursor = 0;
    let current: Sleeper | null = null;
    const executor = (resolve: (value: number) => void): void => {
      current!.resolve = resolve;
    };
    const park = (s: Sleeper): Promise<number> => {
      current = s;
      return new Promise<number>(executor);
    };
    const wakeNext = (): void => {
      for (;;) {
        const bucket = buckets[now & (slots - 1)]!;
        if (cursor < bucket.length) {
          const s = bucket[cursor]!;
          bucket[cursor++] = undefined as unknown as Sleeper;
          const resolve = s.resolve!;
          s.resolve = null;
          resolve(0);
          return;
        }
        bucket.length = 0;
        cursor = 0;
        now++;
      }
    };
    const measured = Math.max(200_000, tasks * 4);
    let wakes = 0;
    let mark = 0;
    let t0 = 0;
    return new Promise<number>((finish) => {
      for (let i = 0; i < tasks; i++) {
        const s = new Sleeper(50 + ((i * 7919) % 100));
        buckets[s.periodTicks & (slots - 1)]!.push(s);
        void (async () => {
          await park(s);
          for (;;) {
            wakes++;
            if (mark === 0 && now >= 200) {
              mark = wakes; // every task is in its delay cycle
              t0 = nowNs();
            } else if (mark > 0 && wakes - mark === measured) {
              finish((nowNs() - t0) / measured);
              return; // the other tasks stay parked and are collected
            }
            const p = park(s);
            buckets[(now + s.periodTicks) & (slots - 1)]!.push(s);
            wakeNext();
            await p;
          }
        })();
      }
      wakeNext();
    });
  });
}

class Sleeper {
  resolve: ((value: number) => void) | null = null;
  constructor(readonly periodTicks: number) {}
}

/** floor.pingpong in the generator lane: per side, one call that completes and one that switches to the peer. */
async function pingpongGen(): Promise<number> {
  const rounds = 500_000;
  return median(5, 2, async () => {
    const d = new Dispatcher();
    let ns = 0;
    let a: FloorTask | null = null;
    const b: FloorTask = (function* (): FloorTask {
      for (;;) {
        yield* d.lane.done(1);
        yield* d.switchTo(a!);
      }
    })();
    a = (function* (): FloorTask {
      const t0 = nowNs();
      for (let i = 0; i < rounds; i++) {
        yield* d.lane.done(1);
        yield* d.switchTo(b);
      }
      ns = (nowNs() - t0) / (2 * rounds);
    })();
    d.run(a);
    return ns;
  });
}

/** floor.prodcons.buf128 in the generator lane: every operation `yield*`ed, a switch only when the ring is full or empty. */
async function prodconsGen(): Promise<number> {
  const messages = 2_000_000;
  return median(5, 2, async () => {
    const cap = 128;
    const ring = new Array<number>(cap).fill(0);
    let head = 0;
    let count = 0;
    let sum = 0;
    let ns = 0;
    const d = new Dispatcher();
    const lane = d.lane;
    let producer: FloorTask | null = null;
    const consumer: FloorTask = (function* (): FloorTask {
      for (let i = 0; i < messages; i++) {
        yield* count === 0 ? d.switchTo(producer!) : lane.done(1);
        sum += ring[head]!;
        head = head + 1 === cap ? 0 : head + 1;
        count--;
      }
    })();
    producer = (function* (): FloorTask {
      const t0 = nowNs();
      for (let i = 0; i < messages; i++) {
        yield* count === cap ? d.switchTo(consumer) : lane.done(1);
        let slot = head + count;
        if (slot >= cap) slot -= cap;
        ring[slot] = i;
        count++;
      }
      yield* d.switchTo(consumer); // it drains the ring and returns, which switches back here
      ns = (nowNs() - t0) / messages;
    })();
    d.run(producer);
    if (sum !== (messages * (messages - 1)) / 2) throw new Error(`floor.prodcons.gen: sum ${sum} is wrong`);
    return ns;
  });
}

/** floor.spawn in the generator lane: a fresh generator per spawn, switched to; it makes one call that completes and returns. */
async function spawnGen(): Promise<number> {
  const spawns = 200_000;
  return median(5, 2, async () => {
    const d = new Dispatcher();
    const body = function* (): FloorTask {
      yield* d.lane.done(1);
    };
    let ns = 0;
    d.run(
      (function* (): FloorTask {
        const t0 = nowNs();
        for (let i = 0; i < spawns; i++) yield* d.switchTo(body());
        ns = (nowNs() - t0) / spawns;
      })(),
    );
    return ns;
  });
}

/** floor.select2.ready in the generator lane: two calls that complete at once per select. */
async function select2Gen(): Promise<number> {
  const selects = 1_000_000;
  return median(5, 2, async () => {
    const d = new Dispatcher();
    const lane = d.lane;
    let ns = 0;
    d.run(
      (function* (): FloorTask {
        const t0 = nowNs();
        for (let i = 0; i < selects; i++) {
          yield* lane.done(1); // ready.send(i)
          yield* lane.done(1); // select(cases)
        }
        ns = (nowNs() - t0) / selects;
      })(),
    );
    return ns;
  });
}

async function floorsGen(): Promise<Figure[]> {
  return [
    { name: "floor.pingpong.gen", value: round(await pingpongGen()), unit: "ns/switch" },
    { name: "floor.prodcons.buf128.gen", value: round(await prodconsGen()), unit: "ns/msg" },
    { name: "floor.spawn.gen", value: round(await spawnGen()), unit: "ns/spawn" },
    { name: "floor.select2.ready.gen", value: round(await select2Gen()), unit: "ns/select" },
  ];
}

async function floors(): Promise<Figure[]> {
  return [
    { name: "floor.await.settled", value: round(await awaitSettled()), unit: "ns/await" },
    { name: "floor.promise.handoff", value: round(await handoff()), unit: "ns/switch" },
    { name: "floor.pingpong", value: round(await pingpong()), unit: "ns/switch" },
    { name: "floor.prodcons.buf128", value: round(await prodcons()), unit: "ns/msg" },
    { name: "floor.spawn", value: round(await spawn()), unit: "ns/spawn" },
    { name: "floor.select2.ready", value: round(await select2()), unit: "ns/select" },
    ...(await delayWakes()),
  ];
}

async function delayWakes(): Promise<Figure[]> {
  const small = await delayWake(1_000);
  const large = await delayWake(100_000);
  return [
    { name: "floor.delay.wake.1k", value: round(small), unit: "ns/wake" },
    { name: "floor.delay.wake.100k", value: round(large), unit: "ns/wake" },
    { name: "floor.delay.wake.ratio_100k_1k", value: round(large / small), unit: "ratio" },
  ];
}

export const benchmarks = { floors, floorsGen };
