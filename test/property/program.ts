/*
 * The seeded program of the determinism and lane-parity tests: tasks at six priorities, a
 * queue, a mutex contended across priorities (priority inheritance), direct-to-task
 * notifications (give/take and set-bits/wait), an event group, busy() with fractions that are
 * not exact in binary (0.3, 0.7, ...), time slicing between equal-priority tasks, short-lived
 * child tasks created and deleted, a periodic task (xTaskDelayUntil) that suspends, resumes and
 * aborts the delay of others, an auto-reload software timer whose callback sets event bits, an
 * interrupt scheduled at fractional ticks through registerInterrupt/triggerInterrupt whose handler
 * gives a binary semaphore with xSemaphoreGiveFromISR and calls portYIELD_FROM_ISR, and choices
 * drawn from the kernel's PRNG (rtos.kernel.prng.nextInt). A trace sink collects
 * formatTraceEvent(e) lines.
 *
 * Each task body (and the timer callback) is written once, as a script that yields kernel-call
 * thunks and receives their results; it is instantiated as an async function (`await step()`)
 * or as a generator function (`yield* step()`), per task, as `lanes` says.
 */
import { createFreeRTOS, formatTraceEvent, pdFALSE, pdPASS, pdTRUE, portMAX_DELAY, eSetBits } from "../../src/freertos/index.js";
import type { FreeRTOS, Ref, TaskHandle, TraceEvent } from "../../src/freertos/index.js";
import { Prng, type KernelCall } from "../../src/kernel/index.js";

export interface Outcome {
  trace: string;
  lines: number;
  /** The PRNG draws the program made, in order. */
  draws: number[];
  /** What the tasks observed (values received, counts): part of the comparison too. */
  observed: string[];
  /** Each task's (and the timer callback's) lane, in creation order: "name:async" or "name:gen". */
  lanes: string[];
  /** Names of the tasks alive at the end that run in the generator lane (as the kernel sees them). */
  generatorTasks: string[];
}

export type Lane = "async" | "gen";
/** Every task in one lane, or a mix drawn (per task, in creation order) from its own seed. */
export type Lanes = Lane | { mixSeed: number };

/** A kernel call, made when the script reaches it. */
type Step = () => PromiseLike<unknown>;
/** A task body: yields the kernel calls it makes, in order, and receives their results. */
type Script<A extends unknown[] = []> = (...args: A) => Generator<Step, void, unknown>;

/** The script as an async function: `await step()`. */
function asAsync<A extends unknown[]>(script: Script<A>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const it = script(...args);
    let value: unknown;
    for (;;) {
      const s = it.next(value);
      if (s.done === true) return;
      value = await s.value();
    }
  };
}

/** The script as a generator function: `yield* step()`. */
function asGenerator<A extends unknown[]>(script: Script<A>): (...args: A) => Generator<unknown, void, unknown> {
  return function* (...args: A) {
    const it = script(...args);
    let value: unknown;
    for (;;) {
      const s = it.next(value);
      if (s.done === true) return;
      value = yield* s.value() as KernelCall<unknown>;
    }
  };
}

const IRQ = 3;

export async function runProgram(seed: number, chunks: number[], lanes: Lanes = "async"): Promise<Outcome> {
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

  // The lane of each function, in creation order (a PRNG of its own: the kernel's draws stay the same).
  const laneLog: string[] = [];
  const mix = typeof lanes === "object" ? new Prng(lanes.mixSeed) : null;
  const inLane = <A extends unknown[]>(name: string, script: Script<A>): ((...args: A) => unknown) => {
    const lane: Lane = mix !== null ? (mix.nextInt(2) === 0 ? "async" : "gen") : (lanes as Lane);
    laneLog.push(`${name}:${lane}`);
    return lane === "gen" ? asGenerator(script) : asAsync(script);
  };
  const task = (script: Script, name: string, prio: number, ref: Ref<TaskHandle | null> | null = null): Step => () =>
    rtos.xTaskCreate(inLane(name, script) as () => Promise<void>, name, 128, null, prio, ref);

  const q = rtos.xQueueCreate(3, 0)!;
  const mutex = rtos.xSemaphoreCreateMutex()!;
  const isrSem = rtos.xSemaphoreCreateBinary()!;
  const events = rtos.xEventGroupCreate()!;
  const consumerRef: Ref<TaskHandle | null> = { value: null };
  const workerRef: Ref<TaskHandle | null> = { value: null };
  const lowRef: Ref<TaskHandle | null> = { value: null };
  const hogBRef: Ref<TaskHandle | null> = { value: null };

  // The interrupt: gives the semaphore and switches to the woken task on exit if it is higher.
  let isrRuns = 0;
  rtos.registerInterrupt(IRQ, 5, () => {
    isrRuns++;
    const woken: Ref<number> = { value: pdFALSE };
    rtos.xSemaphoreGiveFromISR(isrSem, woken);
    rtos.portYIELD_FROM_ISR(woken);
  }, "sensor");

  // Software timer (the timer task, priority 7): sets one of three event bits every 4 ticks.
  const timer = rtos.xTimerCreate("Tick4", 4, pdTRUE, null, inLane("Tick4", function* () {
    const bits = (yield () => rtos.xEventGroupSetBits(events, 1 << draw(3))) as number;
    see(`timer bits -> ${bits}`);
  }) as () => void)!;

  const tasks: Step[] = [];

  // Priority 5: periodic (xTaskDelayUntil); suspends and resumes HogB, aborts Low's delay.
  tasks.push(task(function* () {
    const prev: Ref<number> = { value: rtos.xTaskGetTickCount() };
    let hogSuspended = false;
    for (;;) {
      yield () => rtos.xTaskDelayUntil(prev, 3);
      yield () => rtos.busy(0.05);
      if (draw(4) === 0) {
        yield () => (hogSuspended ? rtos.vTaskResume(hogBRef.value!) : rtos.vTaskSuspend(hogBRef.value!));
        hogSuspended = !hogSuspended;
        see(`ctl hogB ${hogSuspended ? "suspended" : "resumed"}`);
      }
      if (draw(5) === 0) see(`ctl abort low -> ${String(yield () => rtos.xTaskAbortDelay(lowRef.value!))}`);
    }
  }, "Ctl", 5));

  // Priority 4: serves the interrupt, then schedules the next one at a fractional time.
  tasks.push(task(function* () {
    for (;;) {
      const r = yield () => rtos.xSemaphoreTake(isrSem, portMAX_DELAY);
      see(`isr-task take -> ${String(r)}`);
      yield () => rtos.busy(0.3);
      rtos.triggerInterrupt(IRQ, rtos.now() + 1.37 + draw(5) * 0.61);
    }
  }, "IsrTask", 4));

  // Priority 3: consumer; takes the mutex (inheritance when Low holds it), notifies Worker.
  tasks.push(task(function* () {
    const ref: Ref<unknown> = { value: undefined };
    for (;;) {
      const r = yield () => rtos.xQueueReceive(q, ref, 5);
      see(`consumer receive -> ${String(r)} ${r === pdPASS ? String(ref.value) : ""}`);
      if ((yield () => rtos.xSemaphoreTake(mutex, 4)) === pdPASS) {
        yield () => rtos.busy(0.7);
        yield () => rtos.xSemaphoreGive(mutex);
      }
      yield () => rtos.xTaskNotifyGive(workerRef.value!);
      if (r === pdPASS && (ref.value as number) % 3 === 0) yield () => rtos.xTaskNotify(workerRef.value!, 1 << draw(8), eSetBits);
    }
  }, "Consumer", 3, consumerRef));

  // Priority 3: waits for the timer's event bits (any of three, cleared on exit).
  tasks.push(task(function* () {
    for (;;) {
      const bits = yield () => rtos.xEventGroupWaitBits(events, 0b111, pdTRUE, pdFALSE, 6);
      see(`events wait -> ${String(bits)}`);
      yield () => rtos.busy(0.2 + 0.1 * draw(3));
    }
  }, "Events", 3));

  // Priority 2: producer with PRNG-driven values, work and pauses.
  tasks.push(task(function* () {
    for (let i = 0; ; i++) {
      const value = draw(100);
      const r = yield () => rtos.xQueueSend(q, value, portMAX_DELAY);
      see(`producer send ${value} -> ${String(r)}`);
      yield () => rtos.busy(0.1 * (1 + draw(9)));
      yield () => rtos.vTaskDelay(draw(4));
      if (i % 7 === 6) {
        // A short-lived child at a higher priority: created (preempts), works, returns (deleted).
        const n = i;
        yield task(function* () {
          yield () => rtos.busy(0.45);
          see(`child${n} done`);
        }, `child${n}`, 3);
      }
    }
  }, "Producer", 2));

  // Priority 2: worker waiting on notifications (counting and bits).
  tasks.push(task(function* () {
    const bits: Ref<number> = { value: 0 };
    for (;;) {
      const count = yield () => rtos.ulTaskNotifyTake(pdTRUE, 10);
      see(`worker take -> ${String(count)}`);
      yield () => rtos.busy(0.125);
      const w = yield () => rtos.xTaskNotifyWait(0, 0xffffffff, bits, 0);
      if (w === pdTRUE) see(`worker bits ${bits.value}`);
    }
  }, "Worker", 2, workerRef));

  // Priority 1: holds the mutex for long stretches, so Consumer's take raises it.
  tasks.push(task(function* () {
    for (;;) {
      if ((yield () => rtos.xSemaphoreTake(mutex, portMAX_DELAY)) === pdPASS) {
        yield () => rtos.busy(1.3 + draw(3) * 0.2);
        see(`low prio while holding ${rtos.uxTaskPriorityGet(null)}`);
        yield () => rtos.xSemaphoreGive(mutex);
      }
      yield () => rtos.vTaskDelay(1 + draw(3));
    }
  }, "Low", 1, lowRef));

  // Priority 1 and 0: CPU hogs, time-sliced with Low and with the idle task.
  for (const [name, prio] of [["HogA", 1], ["HogB", 0]] as const) {
    tasks.push(task(function* () {
      for (;;) {
        yield () => rtos.busy(0.7 + 0.3 * draw(3));
        if (draw(4) === 0) yield () => rtos.taskYIELD();
        if (draw(5) === 0) yield () => rtos.vTaskDelay(2);
      }
    }, name, prio, name === "HogB" ? hogBRef : null));
  }

  for (const create of tasks) await create();
  await rtos.xTimerStart(timer, 0);
  rtos.triggerInterrupt(IRQ, 0.5);
  rtos.vTaskStartScheduler();
  for (const ticks of chunks) await rtos.run(ticks);
  observed.push(`isr runs ${isrRuns}, tick ${rtos.xTaskGetTickCount()}, time ${rtos.now().toFixed(6)}`);
  rtos.setTraceSink(null);
  const generatorTasks = rtos.kernel
    .tasks()
    .filter((t) => (t as unknown as { gen: unknown }).gen !== null)
    .map((t) => t.name);
  return { trace: lines.join("\n"), lines: lines.length, draws, observed, lanes: laneLog, generatorTasks };
}
