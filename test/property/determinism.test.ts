/*
 * Determinism (DESIGN.md: "Same program + same seed ⇒ byte-identical trace").
 *
 * One non-trivial program: tasks at five priorities, a queue, a mutex contended across
 * priorities (priority inheritance), direct-to-task notifications (give/take and set-bits/wait),
 * busy() with fractions that are not exact in binary (0.3, 0.7, ...), time slicing between
 * equal-priority tasks, short-lived child tasks created and deleted, an interrupt scheduled at
 * fractional ticks through registerInterrupt/triggerInterrupt whose handler gives a binary
 * semaphore with xSemaphoreGiveFromISR and calls portYIELD_FROM_ISR, and choices drawn from the
 * kernel's PRNG (rtos.kernel.prng.nextInt). A trace sink collects formatTraceEvent(e) lines.
 *
 * Checks: two fresh kernels with the same seed give the same trace text (and it is long);
 * a different seed gives a different trace (the program's PRNG choices differ); running in
 * 100 × run(10) gives the same trace as one run(1000).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, formatTraceEvent, pdFALSE, pdPASS, pdTRUE, portMAX_DELAY, eSetBits } from "../../src/freertos/index.js";
import type { FreeRTOS, Ref, TaskHandle, TraceEvent } from "../../src/freertos/index.js";

interface Outcome {
  trace: string;
  lines: number;
  /** The PRNG draws the program made, in order. */
  draws: number[];
  /** What the tasks observed (values received, counts): part of the comparison too. */
  observed: string[];
}

const IRQ = 3;

async function runProgram(seed: number, chunks: number[]): Promise<Outcome> {
  const rtos: FreeRTOS = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_MUTEXES: 1,
    configUSE_COUNTING_SEMAPHORES: 1,
    configMINIMAL_STACK_SIZE: 128,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    seed,
  } as Parameters<typeof createFreeRTOS>[0]);
  const lines: string[] = [];
  rtos.setTraceSink((e: TraceEvent) => {
    lines.push(formatTraceEvent(e));
  });
  const draws: number[] = [];
  const draw = (n: number): number => {
    const v = rtos.kernel.prng.nextInt(n);
    draws.push(v);
    return v;
  };
  const observed: string[] = [];
  const see = (what: string): void => {
    observed.push(`${rtos.now().toFixed(6)} ${what}`);
  };

  const q = rtos.xQueueCreate(3, 0)!;
  const mutex = rtos.xSemaphoreCreateMutex()!;
  const isrSem = rtos.xSemaphoreCreateBinary()!;
  const consumerRef: Ref<TaskHandle | null> = { value: null };
  const workerRef: Ref<TaskHandle | null> = { value: null };

  // The interrupt: gives the semaphore and switches to the woken task on exit if it is higher.
  let isrRuns = 0;
  rtos.registerInterrupt(IRQ, 5, () => {
    isrRuns++;
    const woken: Ref<number> = { value: pdFALSE };
    rtos.xSemaphoreGiveFromISR(isrSem, woken);
    rtos.portYIELD_FROM_ISR(woken);
  }, "sensor");

  // Priority 4: serves the interrupt, then schedules the next one at a fractional time.
  await rtos.xTaskCreate(async () => {
    for (;;) {
      const r = await rtos.xSemaphoreTake(isrSem, portMAX_DELAY);
      see(`isr-task take -> ${r}`);
      await rtos.busy(0.3);
      rtos.triggerInterrupt(IRQ, rtos.now() + 1.37 + draw(5) * 0.61);
    }
  }, "IsrTask", 128, null, 4);

  // Priority 3: consumer; takes the mutex (inheritance when Low holds it), notifies Worker.
  await rtos.xTaskCreate(async () => {
    const ref: Ref<unknown> = { value: undefined };
    for (;;) {
      const r = await rtos.xQueueReceive(q, ref, 5);
      see(`consumer receive -> ${r} ${r === pdPASS ? String(ref.value) : ""}`);
      if ((await rtos.xSemaphoreTake(mutex, 4)) === pdPASS) {
        await rtos.busy(0.7);
        await rtos.xSemaphoreGive(mutex);
      }
      await rtos.xTaskNotifyGive(workerRef.value!);
      if (r === pdPASS && (ref.value as number) % 3 === 0) await rtos.xTaskNotify(workerRef.value!, 1 << draw(8), eSetBits);
    }
  }, "Consumer", 128, null, 3, consumerRef);

  // Priority 2: producer with PRNG-driven values, work and pauses.
  await rtos.xTaskCreate(async () => {
    for (let i = 0; ; i++) {
      const value = draw(100);
      const r = await rtos.xQueueSend(q, value, portMAX_DELAY);
      see(`producer send ${value} -> ${r}`);
      await rtos.busy(0.1 * (1 + draw(9)));
      await rtos.vTaskDelay(draw(4));
      if (i % 7 === 6) {
        // A short-lived child at a higher priority: created (preempts), works, returns (deleted).
        const n = i;
        await rtos.xTaskCreate(async () => {
          await rtos.busy(0.45);
          see(`child${n} done`);
        }, `child${n}`, 128, null, 3);
      }
    }
  }, "Producer", 128, null, 2);

  // Priority 2: worker waiting on notifications (counting and bits).
  await rtos.xTaskCreate(async () => {
    const bits: Ref<number> = { value: 0 };
    for (;;) {
      const count = await rtos.ulTaskNotifyTake(pdTRUE, 10);
      see(`worker take -> ${count}`);
      await rtos.busy(0.125);
      const w = await rtos.xTaskNotifyWait(0, 0xffffffff, bits, 0);
      if (w === pdTRUE) see(`worker bits ${bits.value}`);
    }
  }, "Worker", 128, null, 2, workerRef);

  // Priority 1: holds the mutex for long stretches, so Consumer's take raises it.
  await rtos.xTaskCreate(async () => {
    for (;;) {
      if ((await rtos.xSemaphoreTake(mutex, portMAX_DELAY)) === pdPASS) {
        await rtos.busy(1.3 + draw(3) * 0.2);
        see(`low prio while holding ${rtos.uxTaskPriorityGet(null)}`);
        await rtos.xSemaphoreGive(mutex);
      }
      await rtos.vTaskDelay(1 + draw(3));
    }
  }, "Low", 128, null, 1);

  // Priority 1 and 0: CPU hogs, time-sliced with Low and with the idle task.
  for (const [name, prio] of [["HogA", 1], ["HogB", 0]] as const) {
    await rtos.xTaskCreate(async () => {
      for (;;) {
        await rtos.busy(0.7 + 0.3 * draw(3));
        if (draw(4) === 0) await rtos.taskYIELD();
        if (draw(5) === 0) await rtos.vTaskDelay(2);
      }
    }, name, 128, null, prio);
  }

  rtos.triggerInterrupt(IRQ, 0.5);
  rtos.vTaskStartScheduler();
  for (const ticks of chunks) await rtos.run(ticks);
  observed.push(`isr runs ${isrRuns}, tick ${rtos.xTaskGetTickCount()}, time ${rtos.now().toFixed(6)}`);
  rtos.setTraceSink(null);
  return { trace: lines.join("\n"), lines: lines.length, draws, observed };
}

const once = [1000];
const split = Array.from({ length: 100 }, () => 10);

test("determinism: the same program and seed give a byte-identical trace", { timeout: 10_000 }, async () => {
  const a = await runProgram(42, once);
  const b = await runProgram(42, once);
  assert.ok(a.lines > 500, `the trace is non-trivial (${a.lines} lines)`);
  // The program really exercises what it claims to.
  for (const kind of ["task.priorityInherit", "task.priorityDisinherit", "isr.enter", "task.created", "task.deleted", "queue.send", "queue.receive", "task.blocked", "task.delayed"])
    assert.ok(a.trace.includes(` ${kind} `) || a.trace.includes(` ${kind}\n`), `trace contains ${kind}`);
  assert.ok(a.observed.some((l) => l.includes("isr-task take -> 1")), "the interrupt woke its task");
  assert.ok(a.observed.some((l) => l.includes("worker bits")), "bit notifications arrived");
  assert.ok(a.observed.some((l) => Number(l.split(" ")[0]) % 1 !== 0), "events happen between ticks");
  assert.ok(a.draws.length > 100, `the program drew from the PRNG (${a.draws.length} draws)`);
  assert.equal(b.lines, a.lines, "same number of trace lines");
  assert.equal(b.trace, a.trace, "identical trace text");
  assert.deepEqual(b.observed, a.observed);
  assert.deepEqual(b.draws, a.draws);
});

test("determinism: a different seed gives a different trace", { timeout: 10_000 }, async () => {
  const a = await runProgram(42, once);
  const c = await runProgram(43, once);
  assert.notDeepEqual(c.draws.slice(0, 20), a.draws.slice(0, 20), "the PRNG draws differ");
  assert.notEqual(c.trace, a.trace, "the traces differ");
  // The traces agree up to the first event the first PRNG-driven choice affects, then diverge.
  const la = a.trace.split("\n");
  const lc = c.trace.split("\n");
  let i = 0;
  while (i < la.length && la[i] === lc[i]) i++;
  assert.ok(i < Math.min(la.length, lc.length), "the traces diverge before either ends");
});

test("determinism: 100 × run(10) gives the same trace as run(1000)", { timeout: 10_000 }, async () => {
  const whole = await runProgram(7, once);
  const pieces = await runProgram(7, split);
  assert.ok(whole.lines > 500, `the trace is non-trivial (${whole.lines} lines)`);
  if (pieces.trace !== whole.trace) {
    const la = whole.trace.split("\n");
    const lb = pieces.trace.split("\n");
    let i = 0;
    while (i < la.length && la[i] === lb[i]) i++;
    assert.fail(`traces differ at line ${i + 1}:\n  run(1000):    ${la[i] ?? "(end)"}\n  100×run(10):  ${lb[i] ?? "(end)"}`);
  }
  assert.deepEqual(pieces.observed, whole.observed);
  assert.deepEqual(pieces.draws, whole.draws);
});
