/**
 * Interrupts → goroutines (API.md "Bridging goroutines and FreeRTOS tasks": Chan.trySendFromISR
 * and IsrSignal); not a port of a Go test. Interrupts come from rtos.registerInterrupt /
 * triggerInterrupt at fractional tick times, on an rtos shared with run(main, { rtos }).
 *
 * - Storm: 100,000 numbered interrupts (one every 0.01 tick) each trySendFromISR their number
 *   into a chan(64) drained by a goroutine that is alternately faster and slower than the storm.
 *   Asserts: the handler ran exactly 100,000 times (no merged triggers); received values are
 *   strictly increasing (so no duplicates, FIFO kept); every number is either received or was
 *   refused (trySendFromISR returned false) — never both, never neither; the refusals equal
 *   c.dropped; received + dropped === 100,000; both paths were exercised (drops > 0, received
 *   > capacity).
 * - trySendFromISR to a waiting higher-priority goroutine runs it at ISR exit, before the
 *   interrupted lower-priority goroutine continues.
 * - IsrSignal, hand-made schedule: raises before the goroutine first waits collapse into one; a
 *   raise (or several) while the goroutine processes the previous one is never lost (its next
 *   wait returns at once); a raise while it waits wakes it at the raise time. Asserts the exact
 *   wait-return times, the wait count === number of raise bursts, sig.raises === total raises,
 *   and the final status "idle".
 * - IsrSignal, 300 seeded-random raises: wait-return times equal an independent model of the
 *   Idle/Pending/Processing machine; every raise is followed by a wait return (none lost).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, sleep, IsrSignal, type Chan } from "../../src/go/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";

test("isr: a storm of 100,000 trySendFromISR events: each received exactly once or counted in dropped", async () => {
  const N = 100_000;
  const CAP = 64;
  const rtos = createFreeRTOS({ seed: 1 });
  const received: number[] = [];
  const refused = new Uint8Array(N);
  let seq = 0;
  let refusals = 0;
  let c: Chan<number> | null = null;
  await run(
    async () => {
      const ch = chan<number>(CAP, "storm");
      c = ch;
      rtos.registerInterrupt(5, 5, () => {
        const v = seq++;
        if (!ch.trySendFromISR(v)) {
          refused[v] = 1;
          refusals++;
        }
      });
      for (let i = 0; i < N; i++) rtos.triggerInterrupt(5, 1 + i * 0.01); // ticks 1 .. 1000.99
      const done = chan<void>(1);
      go(
        async () => {
          for await (const v of ch) {
            received.push(v);
            // Faster than the storm for half of every 1000 events, 3x slower for the other half.
            await rtos.busy(v % 1000 < 500 ? 0.005 : 0.03);
          }
          await done.send();
        },
        { name: "drain", priority: 2 },
      );
      await sleep(1005); // the storm is over
      ch.close(); // the drain takes what is still buffered, then its loop ends
      await done.recv();
    },
    { rtos },
  );
  const ch = c as Chan<number> | null;
  assert.ok(ch !== null);
  const stats = rtos.interruptStats().find((s) => s.irq === 5)!;
  assert.equal(stats.fired, N, "every trigger ran the handler");
  assert.equal(stats.overruns, 0);
  assert.equal(seq, N);
  for (let i = 1; i < received.length; i++) assert.ok(received[i]! > received[i - 1]!, `received out of order or duplicated at ${i}: ${received[i - 1]} then ${received[i]}`);
  const got = new Uint8Array(N);
  for (const v of received) {
    assert.ok(Number.isInteger(v) && v >= 0 && v < N, `bad value ${v}`);
    got[v] = 1;
  }
  for (let v = 0; v < N; v++) assert.equal(got[v]! + refused[v]!, 1, `event ${v}: received ${got[v]}, refused ${refused[v]}`);
  assert.equal(ch.dropped, refusals);
  assert.equal(received.length + ch.dropped, N);
  assert.ok(ch.dropped > 0, "the slow phases overflowed the buffer");
  assert.ok(received.length > 10 * CAP, "the fast phases kept up");
});

test("isr: trySendFromISR to a waiting higher-priority goroutine runs it at ISR exit, before the interrupted goroutine continues", async () => {
  const rtos = createFreeRTOS({ seed: 1 });
  const log: string[] = [];
  await run(
    async () => {
      const c = chan<string>(0, "irq");
      rtos.registerInterrupt(2, 5, () => {
        log.push(`isr ${rtos.now()}`);
        assert.equal(c.trySendFromISR("ev"), true, "a receiver is waiting: delivered");
        assert.equal(c.trySendFromISR("ev2"), false, "unbuffered, nobody waiting: refused");
        log.push("isr exit");
      });
      go(
        async () => {
          const v = await c.recv();
          log.push(`high got ${v} at ${rtos.now()}`);
        },
        { name: "high", priority: 4 },
      );
      await sleep(1); // high waits in recv
      rtos.triggerInterrupt(2, 2.5);
      log.push("main busy");
      await rtos.busy(5);
      log.push(`main done at ${rtos.now()}`);
      assert.equal(c.dropped, 1);
    },
    { rtos },
  );
  assert.deepEqual(log, ["main busy", "isr 2.5", "isr exit", "high got ev at 2.5", "main done at 6"]);
});

/** Starts a worker that loops { await sig.wait(); record now(); busy(P) } and raises at `raiseTimes`. */
async function signalScenario(raiseTimes: number[], startAt: number, processing: number, until: number) {
  const rtos = createFreeRTOS({ seed: 1 });
  const sig = new IsrSignal();
  const returns: number[] = [];
  const statusInIsr: string[] = [];
  await run(
    async () => {
      rtos.registerInterrupt(6, 5, () => {
        statusInIsr.push(sig.status);
        sig.raiseFromISR();
      });
      for (const t of raiseTimes) rtos.triggerInterrupt(6, t);
      await sleep(startAt);
      go(
        async () => {
          for (;;) {
            await sig.wait();
            returns.push(rtos.now());
            await rtos.busy(processing);
          }
        },
        { name: "worker", priority: 3 },
      );
      await sleep(until - startAt);
    },
    { rtos },
  );
  return { sig, returns, statusInIsr, stats: rtos.interruptStats().find((s) => s.irq === 6)! };
}

test("isr: IsrSignal never loses a raise that happens while the goroutine processes the previous one", async () => {
  // Bursts: raises that collapse into one wake-up of the worker (start 1, processing 2 ticks).
  const bursts = [
    [0.1, 0.2, 0.3], // before the first wait: collapse into one (wait at 1 returns at once)
    [1.5, 1.7], // while processing 1..3: the wait at 3 returns at once
    [7.25], // while parked (idle since 5): wakes the worker at 7.25
    [8], // while processing 7.25..9.25: the wait at 9.25 returns at once
    [20.5], // parked again: wakes at 20.5
    [20.6], // while processing 20.5..22.5
  ];
  const raises = bursts.flat();
  const { sig, returns, statusInIsr, stats } = await signalScenario(raises, 1, 2, 40);
  assert.equal(stats.fired, raises.length);
  assert.equal(sig.raises, raises.length, "every raise is counted");
  assert.equal(returns.length, bursts.length, "one wait return per burst");
  assert.deepEqual(returns, [1, 3, 7.25, 9.25, 20.5, 22.5]);
  assert.equal(sig.status, "idle", "the worker waits with nothing pending");
  assert.deepEqual(statusInIsr, ["idle", "pending", "pending", "processing", "pending", "idle", "processing", "idle", "processing"]);
});

/** An independent model of the worker: returns the times its wait() returns. */
function modelReturns(raises: number[], start: number, processing: number): number[] {
  const rs = [...raises].sort((a, b) => a - b);
  const out: number[] = [];
  let i = 0;
  let pending = false;
  while (i < rs.length && rs[i]! < start) {
    pending = true;
    i++;
  }
  let t = start;
  for (;;) {
    if (pending) {
      pending = false;
    } else {
      if (i >= rs.length) break;
      t = rs[i++]!;
    }
    out.push(t);
    const end = t + processing;
    while (i < rs.length && rs[i]! < end) {
      pending = true;
      i++;
    }
    t = end;
  }
  return out;
}

test("isr: IsrSignal under 300 seeded-random raises matches the Idle/Pending/Processing model", async () => {
  let x = 12345;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  const raises: number[] = [];
  let t = 0;
  while (raises.length < 300) {
    t += (1 + Math.floor(rand() * 24)) / 8; // gaps of 1/8 .. 3 ticks, exact in binary
    if (t !== 1) raises.push(t);
  }
  const processing = 0.999;
  const last = raises[raises.length - 1]!;
  const { sig, returns, stats } = await signalScenario(raises, 1, processing, Math.ceil(last) + 10);
  const expected = modelReturns(raises, 1, processing);
  assert.equal(stats.fired, raises.length);
  assert.equal(sig.raises, raises.length);
  assert.equal(returns.length, expected.length, "wait count equals the model's number of bursts");
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(returns[i]! - expected[i]!) < 1e-6, `return ${i}: ${returns[i]} vs model ${expected[i]}`);
  // No raise is lost: every raise is followed by a wait return at or after it.
  let j = 0;
  for (const r of raises) {
    while (j < returns.length && returns[j]! < r - 1e-9) j++;
    assert.ok(j < returns.length, `raise at ${r} was never handled`);
  }
  assert.ok(returns.length < raises.length, "some raises collapsed (the test exercises Pending)");
  assert.equal(sig.status, "idle");
});
