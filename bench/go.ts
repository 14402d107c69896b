/** Go-bridge benchmarks (issue 5 figures). */
import { after, chan, go, IsrSignal, run, select, recv, type Chan } from "../src/go/index.js";
import type { GenTask } from "../src/kernel/index.js";
import { gc, median, nowNs, round, type Figure } from "./harness.js";

/** ns per one-way message: two goroutines bounce a value through two unbuffered channels. */
async function pingpong(): Promise<Figure[]> {
  const roundTrips = 500_000;
  const ns = await median(5, 2, () =>
    run(async () => {
      const ping = chan<number>();
      const pong = chan<number>();
      go(async () => {
        for (;;) await pong.send((await ping.recv())!);
      });
      const t0 = nowNs();
      for (let i = 0; i < roundTrips; i++) {
        await ping.send(i);
        await pong.recv();
      }
      return (nowNs() - t0) / (2 * roundTrips);
    }),
  );
  return [{ name: "go.pingpong.unbuffered", value: round(ns), unit: "ns/msg" }];
}

/** go.pingpong.unbuffered with generator goroutines (the generator lane). */
async function pingpongGen(): Promise<Figure[]> {
  const roundTrips = 500_000;
  const ns = await median(5, 2, () =>
    run(function* (): GenTask<number> {
      const ping = chan<number>();
      const pong = chan<number>();
      go(function* (): GenTask {
        for (;;) yield* pong.send((yield* ping.recv())!);
      });
      let sum = 0;
      const t0 = nowNs();
      for (let i = 0; i < roundTrips; i++) {
        yield* ping.send(i);
        sum += (yield* pong.recv())!;
      }
      const ns = (nowNs() - t0) / (2 * roundTrips);
      if (sum !== (roundTrips * (roundTrips - 1)) / 2) throw new Error(`go.pingpong.unbuffered.gen: sum ${sum} is wrong`);
      return ns;
    }),
  );
  return [{ name: "go.pingpong.unbuffered.gen", value: round(ns), unit: "ns/msg" }];
}

/** ns per message: a producer and a consumer through a buffered channel of 128. */
async function prodcons(): Promise<Figure[]> {
  const messages = 2_000_000;
  const ns = await median(5, 2, () =>
    run(async () => {
      const c = chan<number>(128);
      const done = chan<number>();
      go(async () => {
        let sum = 0;
        for (let i = 0; i < messages; i++) sum += (await c.recv())!;
        await done.send(sum);
      });
      const t0 = nowNs();
      for (let i = 0; i < messages; i++) await c.send(i);
      await done.recv();
      return (nowNs() - t0) / messages;
    }),
  );
  return [{ name: "go.prodcons.buf128", value: round(ns), unit: "ns/msg" }];
}

/** go.prodcons.buf128 with generator goroutines. */
async function prodconsGen(): Promise<Figure[]> {
  const messages = 2_000_000;
  const ns = await median(5, 2, () =>
    run(function* (): GenTask<number> {
      const c = chan<number>(128);
      const done = chan<number>();
      go(function* (): GenTask {
        let sum = 0;
        for (let i = 0; i < messages; i++) sum += (yield* c.recv())!;
        yield* done.send(sum);
      });
      const t0 = nowNs();
      for (let i = 0; i < messages; i++) yield* c.send(i);
      const sum = yield* done.recv();
      const ns = (nowNs() - t0) / messages;
      if (sum !== (messages * (messages - 1)) / 2) throw new Error(`go.prodcons.buf128.gen: sum ${String(sum)} is wrong`);
      return ns;
    }),
  );
  return [{ name: "go.prodcons.buf128.gen", value: round(ns), unit: "ns/msg" }];
}

/** ns per go() + goroutine exit, one at a time. */
async function spawn(): Promise<Figure[]> {
  const spawns = 200_000;
  const ns = await median(5, 2, () =>
    run(async () => {
      const done = chan<void>();
      const body = async (): Promise<void> => {
        await done.send(undefined);
      };
      const t0 = nowNs();
      for (let i = 0; i < spawns; i++) {
        go(body);
        await done.recv();
      }
      return (nowNs() - t0) / spawns;
    }),
  );
  return [{ name: "go.spawn", value: round(ns), unit: "ns/spawn" }];
}

/** go.spawn with generator goroutines. */
async function spawnGen(): Promise<Figure[]> {
  const spawns = 200_000;
  const ns = await median(5, 2, () =>
    run(function* (): GenTask<number> {
      const done = chan<void>();
      const body = function* (): GenTask {
        yield* done.send(undefined);
      };
      const t0 = nowNs();
      for (let i = 0; i < spawns; i++) {
        go(body);
        yield* done.recv();
      }
      return (nowNs() - t0) / spawns;
    }),
  );
  return [{ name: "go.spawn.gen", value: round(ns), unit: "ns/spawn" }];
}

/** ns per select over two channels with one ready. */
async function select2(): Promise<Figure[]> {
  const selects = 1_000_000;
  const ns = await median(5, 2, () =>
    run(async () => {
      const ready = chan<number>(1);
      const idle = chan<number>();
      const cases = [recv(idle), recv(ready)];
      const t0 = nowNs();
      for (let i = 0; i < selects; i++) {
        await ready.send(i);
        await select(cases);
      }
      return (nowNs() - t0) / selects;
    }),
  );
  return [{ name: "go.select2.ready", value: round(ns), unit: "ns/select" }];
}

/** go.select2.ready in a generator main goroutine. */
async function select2Gen(): Promise<Figure[]> {
  const selects = 1_000_000;
  const ns = await median(5, 2, () =>
    run(function* (): GenTask<number> {
      const ready = chan<number>(1);
      const idle = chan<number>();
      const cases = [recv(idle), recv(ready)];
      let sum = 0;
      const t0 = nowNs();
      for (let i = 0; i < selects; i++) {
        yield* ready.send(i);
        const r = yield* select(cases);
        sum += r.value as number;
      }
      const ns = (nowNs() - t0) / selects;
      if (sum !== (selects * (selects - 1)) / 2) throw new Error(`go.select2.ready.gen: sum ${sum} is wrong`);
      return ns;
    }),
  );
  return [{ name: "go.select2.ready.gen", value: round(ns), unit: "ns/select" }];
}

/** Bytes of JS heap per goroutine parked on a channel receive, with 1,000,000 goroutines. */
async function parked(): Promise<Figure[]> {
  const count = 1_000_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  let after = 0;
  await run(
    async () => {
      const c = chan<number>();
      const body = async (): Promise<void> => {
        await c.recv();
      };
      for (let i = 0; i < count; i++) go(body);
      await after_(1);
      gc();
      after = process.memoryUsage().heapUsed;
    },
    { maxPriorities: 4 },
  );
  return [{ name: "go.parked.bytes", value: round((after - before) / count), unit: "bytes/goroutine" }];
}

/** Bytes of JS heap per generator goroutine parked on a channel receive, with 1,000,000 goroutines. */
async function parkedGen(): Promise<Figure[]> {
  const count = 1_000_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  let heapAfter = 0;
  let parkedCount = 0;
  await run(
    function* (): GenTask {
      const c = chan<number>();
      const body = function* (): GenTask {
        yield* c.recv();
      };
      for (let i = 0; i < count; i++) go(body);
      yield* after(1).recv();
      gc();
      heapAfter = process.memoryUsage().heapUsed;
      parkedCount = c.recvq.length;
    },
    { maxPriorities: 4 },
  );
  if (parkedCount !== count) throw new Error(`go.parked.bytes.gen: ${parkedCount} goroutines parked, not ${count}`);
  return [{ name: "go.parked.bytes.gen", value: round((heapAfter - before) / count), unit: "bytes/goroutine" }];
}

async function after_(ms: number): Promise<void> {
  await after(ms).recv();
}

/** ns of host time per interrupt that wakes a goroutine through an IsrSignal (virtual time). */
async function isrWake(): Promise<Figure[]> {
  const interrupts = 200_000;
  const ns = await median(5, 1, () =>
    run(
      async () => {
        const sig = new IsrSignal();
        const done: Chan<number> = chan<number>();
        let fired = 0;
        const { runningKernel } = await import("../src/kernel/index.js");
        const k = runningKernel()!;
        k.registerInterrupt(1, 5, () => {
          sig.raiseFromISR();
          if (++fired < interrupts) k.triggerInterrupt(1, k.now() + 0.37);
        });
        go(
          async () => {
            for (let i = 0; i < interrupts; i++) await sig.wait();
            await done.send(i_(interrupts));
          },
          { priority: 3 },
        );
        k.triggerInterrupt(1, k.now() + 0.5);
        const t0 = nowNs();
        await done.recv();
        return (nowNs() - t0) / interrupts;
      },
      { priority: 1 },
    ),
  );
  return [{ name: "go.isr.wake", value: round(ns), unit: "ns/interrupt" }];
}

function i_(n: number): number {
  return n;
}

export const benchmarks = { pingpong, pingpongGen, prodcons, prodconsGen, spawn, spawnGen, select2, select2Gen, parked, parkedGen, isrWake };
