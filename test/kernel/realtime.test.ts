/**
 * Real-time mode (issue 4): virtual time follows the host clock, and interrupts come from a
 * worker thread through an InterruptRing (SharedArrayBuffer + Atomics, the Idle → Pending →
 * Processing → Idle hand-off). Every event is delivered exactly once and in order, or counted
 * as an overrun when the ring was full.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { createFreeRTOS, InterruptRing, portMAX_DELAY, KernelError } from "../../src/freertos/index.js";

const producerUrl = new URL("./ring-producer.js", import.meta.url);

function startProducer(ring: InterruptRing, irq: number, ratePerSecond: number, durationMs: number): { done: Promise<{ sent: number; refused: number }>; worker: Worker } {
  const worker = new Worker(producerUrl, { workerData: { buffer: ring.buffer, irq, ratePerSecond, durationMs } });
  const done = new Promise<{ sent: number; refused: number }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return { done, worker };
}

test("real time: a worker raising 100,000 interrupts per second for 2 s; each event delivered once, in order, or counted as an overrun", async () => {
  const rtos = createFreeRTOS({ clock: "realtime" });
  const ring = InterruptRing.create(4096);
  const seen: number[] = [];
  let outOfOrder = 0;
  let last = -1;
  const sem = rtos.xSemaphoreCreateCounting(1 << 30, 0)!;
  rtos.registerInterrupt(7, 6, () => {
    const seq = rtos.interruptPayload();
    if (seq <= last) outOfOrder++;
    last = seq;
    seen.push(seq);
    const woken = { value: 0 };
    rtos.xSemaphoreGiveFromISR(sem, woken);
    rtos.portYIELD_FROM_ISR(woken);
  });
  rtos.attachInterruptRing(ring);
  let handled = 0;
  await rtos.xTaskCreate(async () => {
    for (;;) {
      await rtos.xSemaphoreTake(sem, portMAX_DELAY);
      handled++;
    }
  }, "handler", 256, null, 3);
  rtos.vTaskStartScheduler();
  const { done, worker } = startProducer(ring, 7, 100_000, 2000);
  const wallStart = performance.now();
  await rtos.run(2300); // 2.3 s of real time at 1 kHz
  const wallMs = performance.now() - wallStart;
  const { sent, refused } = await done;
  await worker.terminate();

  assert.ok(sent >= 150_000, `the producer sent ${sent} events`);
  assert.equal(outOfOrder, 0, "events are delivered in order");
  assert.equal(new Set(seen).size, seen.length, "no event is delivered twice");
  assert.equal(seen.length + ring.overruns, sent, `delivered ${seen.length} + overruns ${ring.overruns} = sent ${sent}`);
  assert.equal(ring.overruns, refused, "the ring's overrun count is what the producer saw refused");
  assert.equal(ring.backlog, 0, "nothing is left in the ring");
  assert.equal(handled, seen.length, "the task handled one semaphore give per event");
  // Virtual time followed the host clock.
  assert.equal(rtos.xTaskGetTickCount(), 2300);
  assert.ok(wallMs >= 2290 && wallMs < 2300 + 1500, `2300 ticks took ${wallMs.toFixed(0)} ms of host time`);
});

test("real time: delays follow the host clock (ticks from the host clock with drift correction)", async () => {
  const rtos = createFreeRTOS({ clock: "realtime", configTICK_RATE_HZ: 1000 });
  const wakes: number[] = [];
  let t0 = 0;
  await rtos.xTaskCreate(async () => {
    const prev = { value: rtos.xTaskGetTickCount() };
    for (let i = 0; i < 20; i++) {
      await rtos.xTaskDelayUntil(prev, 10);
      wakes.push(performance.now() - t0);
    }
  }, "periodic", 256, null, 2);
  rtos.vTaskStartScheduler();
  // Tasks start with the first run, whose start is tick 0 on the host clock.
  t0 = performance.now();
  await rtos.run(210);
  assert.equal(wakes.length, 20);
  // Wake k happens no earlier than 10(k+1) ms after the start (never early, whatever the load).
  for (let k = 0; k < wakes.length; k++) assert.ok(wakes[k]! >= 10 * (k + 1) - 1, `wake ${k} at ${wakes[k]!.toFixed(2)} ms`);
  // Ticks come from the clock, not from counting intervals, so lateness does not accumulate: a
  // loaded host may delay single wakes, but the best of the last five is close to its schedule.
  const lateness = wakes.slice(15).map((t, i) => t - 10 * (16 + i));
  assert.ok(Math.min(...lateness) < 30, `lateness of the last wakes: ${lateness.map((x) => x.toFixed(1)).join(", ")} ms`);
});

test("real time: interrupt rings need clock realtime; a full ring refuses and counts", () => {
  const rtos = createFreeRTOS({});
  const ring = InterruptRing.create(2);
  assert.throws(() => rtos.attachInterruptRing(ring), KernelError);
  assert.equal(ring.push(1, 0), true);
  assert.equal(ring.push(1, 1), true);
  assert.equal(ring.push(1, 2), false);
  assert.equal(ring.overruns, 1);
  assert.equal(ring.backlog, 2);
  const order: number[] = [];
  assert.equal(ring.drain((_irq, payload) => (order.push(payload), true)), 2);
  assert.deepEqual(order, [0, 1]);
  assert.equal(ring.backlog, 0);
  assert.throws(() => InterruptRing.create(0), RangeError);
  assert.throws(() => new InterruptRing(new SharedArrayBuffer(8)), RangeError);
});

test("real time: a Go program that deadlocks is reported, not left ticking forever; sleeps follow the host clock", async () => {
  const { run, chan, sleep, now, DeadlockError } = await import("../../src/go/index.js");
  const t0 = performance.now();
  const slept = await run(async () => {
    const start = now();
    await sleep(30);
    return now() - start;
  }, { clock: "realtime" });
  assert.equal(slept, 30);
  assert.ok(performance.now() - t0 >= 29, "30 ms of virtual time took about 30 ms of host time");
  await assert.rejects(
    run(async () => {
      await chan<number>().recv();
    }, { clock: "realtime" }),
    DeadlockError,
  );
});
