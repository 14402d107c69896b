/** Kernel benchmarks (issue 3 and 4 figures). */
import { createFreeRTOS, portMAX_DELAY, type QueueHandle } from "../src/freertos/index.js";
import { Heap4, type GenTask, type KernelCall } from "../src/kernel/index.js";
import { main as demoMain } from "../examples/demo-firmware.js";
import { gc, median, nowNs, round, type Figure } from "./harness.js";

/** ns per context switch: two tasks bounce a value through two length-1 queues. */
async function pingpong(): Promise<Figure[]> {
  const roundTrips = 500_000;
  const ns = await median(5, 2, async () => {
    const rtos = createFreeRTOS({});
    const q1 = rtos.xQueueCreate(1, 0)!;
    const q2 = rtos.xQueueCreate(1, 0)!;
    let t0 = 0;
    let t1 = 0;
    await rtos.xTaskCreate(async () => {
      const r = { value: 0 };
      t0 = nowNs();
      for (let i = 0; i < roundTrips; i++) {
        await rtos.xQueueSend(q1, i, portMAX_DELAY);
        await rtos.xQueueReceive(q2, r, portMAX_DELAY);
      }
      t1 = nowNs();
    }, "ping", 128, null, 2);
    await rtos.xTaskCreate(async () => {
      const r = { value: 0 };
      for (;;) {
        await rtos.xQueueReceive(q1, r, portMAX_DELAY);
        await rtos.xQueueSend(q2, r.value, portMAX_DELAY);
      }
    }, "pong", 128, null, 2);
    rtos.vTaskStartScheduler();
    await rtos.run(1);
    return (t1 - t0) / (2 * roundTrips);
  });
  return [{ name: "kernel.queue.pingpong", value: round(ns), unit: "ns/switch" }];
}

/**
 * kernel.queue.pingpong's program with both tasks generator functions (the generator lane).
 * The casts only retype the facade's calls (typed Promise) as the KernelCall they are.
 */
async function pingpongGen(): Promise<Figure[]> {
  const roundTrips = 500_000;
  const ns = await median(5, 2, async () => {
    const rtos = createFreeRTOS({});
    const q1 = rtos.xQueueCreate(1, 0)!;
    const q2 = rtos.xQueueCreate(1, 0)!;
    let t0 = 0;
    let t1 = 0;
    let sum = 0;
    await rtos.xTaskCreate(function* (): GenTask {
      const r = { value: 0 };
      t0 = nowNs();
      for (let i = 0; i < roundTrips; i++) {
        yield* rtos.xQueueSend(q1, i, portMAX_DELAY);
        yield* rtos.xQueueReceive(q2, r, portMAX_DELAY);
        sum += r.value;
      }
      t1 = nowNs();
    }, "ping", 128, null, 2);
    await rtos.xTaskCreate(function* (): GenTask {
      const r = { value: 0 };
      for (;;) {
        yield* rtos.xQueueReceive(q1, r, portMAX_DELAY);
        yield* rtos.xQueueSend(q2, r.value, portMAX_DELAY);
      }
    }, "pong", 128, null, 2);
    rtos.vTaskStartScheduler();
    await rtos.run(1);
    if (sum !== (roundTrips * (roundTrips - 1)) / 2) throw new Error(`kernel.queue.pingpong.gen: sum ${sum} is wrong`);
    return (t1 - t0) / (2 * roundTrips);
  });
  return [{ name: "kernel.queue.pingpong.gen", value: round(ns), unit: "ns/switch" }];
}

/**
 * ns per wake-up of `cycling` tasks looping over vTaskDelay of 50-149 ticks, while `parked` more
 * tasks sit in timed delays far in the future (the cost of the delay structure as it fills).
 */
async function delayWake(cycling: number, parked = 0): Promise<number> {
  return median(3, 1, async () => {
    const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40, configMAX_PRIORITIES: 8 });
    let wakes = 0;
    for (let i = 0; i < parked; i++) {
      const delay = 10_000_000 + ((i * 7919) % 1_000_000);
      await rtos.xTaskCreate(async () => {
        for (;;) await rtos.vTaskDelay(delay);
      }, "p", 64, null, 1);
    }
    for (let i = 0; i < cycling; i++) {
      const period = 50 + ((i * 7919) % 100);
      await rtos.xTaskCreate(async () => {
        for (;;) {
          await rtos.vTaskDelay(period);
          wakes++;
        }
      }, "d", 64, null, 1 + (i % 4));
    }
    rtos.vTaskStartScheduler();
    await rtos.run(200); // every task is in its delay cycle
    const targetWakes = Math.max(200_000, cycling * 4);
    const ticks = Math.ceil((targetWakes / cycling) * 100);
    wakes = 0;
    const t0 = nowNs();
    await rtos.run(ticks);
    return (nowNs() - t0) / wakes;
  });
}

async function delayWakes(): Promise<Figure[]> {
  const small = await delayWake(1_000);
  const large = await delayWake(100_000);
  const amongParked = await delayWake(1_000, 99_000);
  return [
    { name: "kernel.delay.wake.1k", value: round(small), unit: "ns/wake" },
    { name: "kernel.delay.wake.100k", value: round(large), unit: "ns/wake" },
    { name: "kernel.delay.wake.ratio_100k_1k", value: round(large / small), unit: "ratio" },
    { name: "kernel.delay.wake.1k_among_99k_delayed", value: round(amongParked), unit: "ns/wake" },
    { name: "kernel.delay.wake.ratio_among_99k_1k", value: round(amongParked / small), unit: "ratio" },
  ];
}

/** Bytes of JS heap per task blocked on a queue, with 1,000,000 tasks. */
async function parkedBytes(): Promise<Figure[]> {
  const taskCount = 1_000_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40, configMAX_PRIORITIES: 4 });
  const q: QueueHandle = rtos.xQueueCreate(1, 0)!;
  const body = async (): Promise<void> => {
    const r = { value: 0 };
    await rtos.xQueueReceive(q, r, portMAX_DELAY);
  };
  for (let i = 0; i < taskCount; i++) await rtos.xTaskCreate(body, "p", 64, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  gc();
  const after = process.memoryUsage().heapUsed;
  const blocked = rtos.kernel.tasks().length;
  if (blocked < taskCount) throw new Error(`only ${blocked} tasks exist`);
  return [{ name: "kernel.tasks.parked.bytes", value: round((after - before) / taskCount), unit: "bytes/task" }];
}

/** Bytes of JS heap per generator task blocked on a queue, with 1,000,000 tasks. */
async function parkedBytesGen(): Promise<Figure[]> {
  const taskCount = 1_000_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40, configMAX_PRIORITIES: 4 });
  const q: QueueHandle = rtos.xQueueCreate(1, 0)!;
  const body = function* (): GenTask {
    const r = { value: 0 };
    yield* rtos.xQueueReceive(q, r, portMAX_DELAY);
  };
  for (let i = 0; i < taskCount; i++) await rtos.xTaskCreate(body, "p", 64, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  gc();
  const after = process.memoryUsage().heapUsed;
  const blocked = rtos.kernel.tasks().filter((t) => t.blockedOn !== null).length;
  if (blocked < taskCount) throw new Error(`only ${blocked} tasks are blocked`);
  return [{ name: "kernel.tasks.parked.bytes.gen", value: round((after - before) / taskCount), unit: "bytes/task" }];
}

/** Simulated seconds per wall-clock second for the demo firmware. */
async function simSpeed(): Promise<Figure[]> {
  const simulatedTicks = 60_000;
  const speed = await median(3, 1, async () => {
    const t0 = nowNs();
    await demoMain({ runTicks: simulatedTicks, quiet: true });
    const wallSeconds = (nowNs() - t0) / 1e9;
    return simulatedTicks / 1000 / wallSeconds;
  });
  return [{ name: "kernel.sim.speed", value: round(speed), unit: "simulated s/wall s" }];
}

/** ns of host time per interrupt that wakes a task (virtual time). */
async function isrWake(): Promise<Figure[]> {
  const interrupts = 200_000;
  const ns = await median(5, 1, async () => {
    const rtos = createFreeRTOS({});
    const sem = rtos.xSemaphoreCreateBinary()!;
    let handled = 0;
    let fired = 0;
    const woken = { value: 0 };
    rtos.registerInterrupt(1, 5, () => {
      woken.value = 0;
      rtos.xSemaphoreGiveFromISR(sem, woken);
      rtos.portYIELD_FROM_ISR(woken);
      if (++fired < interrupts) rtos.triggerInterrupt(1, rtos.now() + 0.37);
    });
    await rtos.xTaskCreate(async () => {
      for (;;) {
        await rtos.xSemaphoreTake(sem, portMAX_DELAY);
        handled++;
      }
    }, "handler", 128, null, 3);
    rtos.vTaskStartScheduler();
    rtos.triggerInterrupt(1, 0.5);
    const t0 = nowNs();
    await rtos.run(Math.ceil(interrupts * 0.37) + 2);
    const elapsed = nowNs() - t0;
    if (handled !== interrupts) throw new Error(`handled ${handled} of ${interrupts} interrupts`);
    return elapsed / interrupts;
  });
  return [{ name: "kernel.isr.wake.virtual", value: round(ns), unit: "ns/interrupt" }];
}

/** ns per expiry with `timerCount` auto-reload software timers of 50-149 ticks. */
async function timerExpiry(timerCount: number): Promise<number> {
  return median(3, 1, async () => {
    const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40, configTIMER_QUEUE_LENGTH: 16 });
    let expiries = 0;
    const callback = (): void => {
      expiries++;
    };
    const timers: NonNullable<ReturnType<typeof rtos.xTimerCreate>>[] = [];
    for (let i = 0; i < timerCount; i++) timers.push(rtos.xTimerCreate("t", 50 + ((i * 7919) % 100), 1, i, callback)!);
    // A task starts them, blocking whenever the timer command queue is full.
    await rtos.xTaskCreate(async () => {
      for (const t of timers) await rtos.xTimerStart(t, portMAX_DELAY);
    }, "starter", 128, null, 1);
    rtos.vTaskStartScheduler();
    await rtos.run(200);
    const target = Math.max(200_000, timerCount * 4);
    const ticks = Math.ceil((target / timerCount) * 100);
    expiries = 0;
    const t0 = nowNs();
    await rtos.run(ticks);
    return (nowNs() - t0) / expiries;
  });
}

async function timerExpiries(): Promise<Figure[]> {
  const small = await timerExpiry(1_000);
  const large = await timerExpiry(100_000);
  return [
    { name: "kernel.timer.expiry.1k", value: round(small), unit: "ns/expiry" },
    { name: "kernel.timer.expiry.100k", value: round(large), unit: "ns/expiry" },
    { name: "kernel.timer.expiry.ratio_100k_1k", value: round(large / small), unit: "ratio" },
  ];
}

/** Real-time mode: worker thread → ISR handler latency (p50, p99), 20,000 interrupts/s for 2 s. */
async function isrRealtime(): Promise<Figure[]> {
  const { Worker } = await import("node:worker_threads");
  const { InterruptRing, sharedClockMs } = await import("../src/kernel/index.js");
  const rtos = createFreeRTOS({ clock: "realtime" });
  const ring = InterruptRing.create(1 << 16);
  const latencies: number[] = [];
  rtos.registerInterrupt(3, 6, () => {
    latencies.push((sharedClockMs() - rtos.interruptTimestampMs()) * 1000);
  });
  rtos.attachInterruptRing(ring);
  rtos.vTaskStartScheduler();
  const producer = new URL("../test/kernel/ring-producer.js", import.meta.url);
  const worker = new Worker(producer, { workerData: { buffer: ring.buffer, irq: 3, ratePerSecond: 20_000, durationMs: 2000 } });
  const done = new Promise<{ sent: number; refused: number }>((resolve) => worker.once("message", resolve));
  await rtos.run(2200);
  const { sent } = await done;
  await worker.terminate();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return [
    { name: "kernel.isr.rt.p50_us", value: round(at(0.5)), unit: "us" },
    { name: "kernel.isr.rt.p99_us", value: round(at(0.99)), unit: "us" },
    { name: "kernel.isr.rt.delivered", value: latencies.length, unit: `events of ${sent} (overruns ${ring.overruns})` },
  ];
}

/** ns per task-shaped heap_4 cycle: malloc a 256-byte stack and a TCB, free both (what go() adds per goroutine). */
async function heapTaskCycle(): Promise<Figure[]> {
  const cycles = 2_000_000;
  const ns = await median(5, 2, async () => {
    const heap = new Heap4(1 << 20, 0);
    const owner = { name: "g" };
    const t0 = nowNs();
    for (let i = 0; i < cycles; i++) {
      const stack = heap.malloc(256, "task", owner, "stack");
      const tcb = heap.malloc(96, "task", owner, "TCB");
      heap.free(stack);
      heap.free(tcb);
    }
    return (nowNs() - t0) / cycles;
  });
  return [{ name: "kernel.heap.taskCycle", value: round(ns), unit: "ns/cycle" }];
}

export const benchmarks = { pingpong, pingpongGen, delayWakes, parkedBytes, parkedBytesGen, simSpeed, isrWake, isrRealtime, timerExpiries, heapTaskCycle };
