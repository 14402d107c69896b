/*
 * Conformance tests for spec/freertos-rules.md rules 1-7 (ready lists and switching, tick
 * processing). Reference: FreeRTOS-Kernel V11 tasks.c (main branch), single core:
 *  - taskSELECT_HIGHEST_PRIORITY_TASK / listGET_OWNER_OF_NEXT_ENTRY (rule 1, 3)
 *  - prvAddTaskToReadyList -> listINSERT_END, which inserts just before pxIndex (rule 2)
 *  - prvAddNewTaskToReadyList: `pxCurrentTCB->uxPriority <= pxNewTCB->uxPriority` before the
 *    scheduler runs; vTaskStartScheduler creates the idle task(s), then the timer task (rule 4)
 *  - taskYIELD_ANY_CORE_IF_USING_PREEMPTION: `pxCurrentTCB->uxPriority < pxTCB->uxPriority`,
 *    defined empty when configUSE_PREEMPTION == 0 (rule 5)
 *  - vTaskSwitchContext: traceTASK_SWITCHED_IN after every selection (rule 6)
 *  - xTaskIncrementTick: wake loop over pxDelayedTaskList, `pxTCB->uxPriority >
 *    pxCurrentTCB->uxPriority`, time slicing `listCURRENT_LIST_LENGTH(...) > 1U`, xYieldPendings
 *    (rule 7); xTaskRemoveFromEventList sets xYieldPendings[0] for a higher-priority task.
 * Each scenario is built so that a plausible wrong scheduler gives a different observable
 * (execution order recorded by the tasks, switchedIn trace events, tick counts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  pdPASS,
  pdTRUE,
  pdFALSE,
  portMAX_DELAY,
  eReady,
  eBlocked,
  eSuspended,
  errQUEUE_EMPTY,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle, TraceEvent } from "../../src/freertos/index.js";

type Config = NonNullable<Parameters<typeof createFreeRTOS>[0]>;

function mk(cfg: Config = {} as Config): FreeRTOS {
  return createFreeRTOS({ configMAX_PRIORITIES: 8, ...cfg });
}

async function spawn(rtos: FreeRTOS, name: string, prio: number, body: () => Promise<void>): Promise<TaskHandle> {
  const h: { value: TaskHandle | null } = { value: null };
  const r = await rtos.xTaskCreate(async () => { await body(); }, name, 128, null, prio, h);
  assert.equal(r, pdPASS, `xTaskCreate(${name})`);
  assert.ok(h.value, `handle of ${name}`);
  return h.value;
}

/** Collects every trace event; `marks` are pushed by tasks into the same sequence. */
function recorder(rtos: FreeRTOS): { events: Array<TraceEvent | { kind: "mark"; label: string; timeTicks: number }> } {
  const events: Array<TraceEvent | { kind: "mark"; label: string; timeTicks: number }> = [];
  rtos.setTraceSink((e: TraceEvent) => { events.push({ ...e }); });
  return { events };
}

/** switchedIn events of the given tasks as "name@time". */
function switchedIn(events: ReadonlyArray<{ kind: string; task?: string; timeTicks: number }>, names: ReadonlySet<string>): string[] {
  return events
    .filter((e) => e.kind === "task.switchedIn" && e.task !== undefined && names.has(e.task))
    .map((e) => `${e.task}@${e.timeTicks}`);
}

// ---------------------------------------------------------------------------------------------
// Rule 1
// ---------------------------------------------------------------------------------------------

test("rule 1: the highest non-empty priority always runs first", async () => {
  const rtos = mk();
  const log: string[] = [];
  const body = (name: string) => async () => {
    for (let i = 0; i < 2; i++) {
      log.push(`${name}@${rtos.xTaskGetTickCount()}`);
      await rtos.vTaskDelay(10);
    }
    await rtos.vTaskSuspend(null);
  };
  // Created low, high, middle: creation order must not matter, only priority.
  await spawn(rtos, "L", 1, body("L"));
  await spawn(rtos, "H", 3, body("H"));
  await spawn(rtos, "M", 2, body("M"));
  rtos.vTaskStartScheduler();
  await rtos.run(15);
  assert.deepEqual(log, ["H@0", "M@0", "L@0", "H@10", "M@10", "L@10"]);
});

test("rule 1: equal priorities share the CPU round robin (index advances); lower priority waits", async () => {
  const rtos = mk();
  const log: string[] = [];
  const body = (name: string) => async () => {
    for (let i = 0; i < 3; i++) {
      log.push(name);
      await rtos.taskYIELD();
    }
    await rtos.vTaskSuspend(null);
  };
  await spawn(rtos, "A", 2, body("A"));
  await spawn(rtos, "B", 2, body("B"));
  await spawn(rtos, "C", 2, body("C"));
  await spawn(rtos, "L", 1, async () => { log.push("L"); await rtos.vTaskSuspend(null); });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(log, ["A", "B", "C", "A", "B", "C", "A", "B", "C", "L"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 2
// ---------------------------------------------------------------------------------------------

test("rule 2: a resumed task is inserted just before the list index, not at the list tail", async () => {
  // Ready list at priority 2 is [A, B, C]; B (the index) resumes D. listINSERT_END puts D before
  // B: [A, D, B, C], so after B the rotation is C, A, D, B. Appending at the tail would give
  // C, D, A, B.
  const rtos = mk();
  const log: string[] = [];
  let resumed = false;
  const LIMIT = 12;
  const hD = await spawn(rtos, "D", 2, async () => {
    await rtos.vTaskSuspend(null);
    while (log.length < LIMIT) { log.push("D"); await rtos.taskYIELD(); }
    await rtos.vTaskSuspend(null);
  });
  const body = (name: string) => async () => {
    while (log.length < LIMIT) {
      log.push(name);
      if (name === "B" && !resumed) {
        resumed = true;
        await rtos.vTaskResume(hD);
      }
      await rtos.taskYIELD();
    }
    await rtos.vTaskSuspend(null);
  };
  await spawn(rtos, "A", 2, body("A"));
  await spawn(rtos, "B", 2, body("B"));
  await spawn(rtos, "C", 2, body("C"));
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(log, ["A", "B", "C", "A", "D", "B", "C", "A", "D", "B", "C", "A"]);
});

test("rule 2: a task woken by the tick is inserted just before the running task in the rotation", async () => {
  // Time slicing between A, B, C (busy). D wakes at tick 5 while B runs (index = B): D goes before
  // B, so the slices after B are C, A, D, B, C, A, D (tail insertion would give C, D, A, B, ...).
  const rtos = mk();
  const { events } = recorder(rtos);
  await spawn(rtos, "D", 2, async () => { await rtos.vTaskDelay(5); await rtos.busy(1000); });
  for (const n of ["A", "B", "C"]) await spawn(rtos, n, 2, async () => { await rtos.busy(1000); });
  rtos.vTaskStartScheduler();
  await rtos.run(12);
  const seq = switchedIn(events, new Set(["A", "B", "C", "D"])).filter((s) => Number(s.split("@")[1]) <= 11);
  assert.deepEqual(seq, ["D@0", "A@0", "B@1", "C@2", "A@3", "B@4", "C@5", "A@6", "D@7", "B@8", "C@9", "A@10", "D@11"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 3
// ---------------------------------------------------------------------------------------------

test("rule 3: after preemption the NEXT task at that priority runs, not the preempted one", async () => {
  // Time slicing off, so only the preemption by H moves the CPU. A is preempted at tick 3 while
  // it is the list index; when H blocks, listGET_OWNER_OF_NEXT_ENTRY selects B. A resumes only
  // when B finishes.
  const rtos = mk({ configUSE_TIME_SLICING: 0 } as Config);
  const { events } = recorder(rtos);
  const log: string[] = [];
  await spawn(rtos, "A", 2, async () => { await rtos.busy(9.5); log.push(`A done@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "B", 2, async () => { await rtos.busy(9.5); log.push(`B done@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(3);
    log.push(`H@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(25);
  assert.deepEqual(log, ["H@3", "B done@12", "A done@19"]);
  assert.deepEqual(switchedIn(events, new Set(["A", "B", "H"])), ["H@0", "A@0", "H@3", "B@3", "A@12.5"]);
});

test("rule 3: a task preempted mid-slice by an ISR-woken task loses its turn (time slicing on)", async () => {
  // A, B, C slice; at 1.5 (B running, index = B) an ISR wakes H. When H blocks again the next
  // task after the index, C, runs - not B.
  const rtos = mk();
  const { events } = recorder(rtos);
  const sem = rtos.xSemaphoreCreateBinary();
  assert.ok(sem);
  await spawn(rtos, "H", 3, async () => {
    for (;;) await rtos.xSemaphoreTake(sem, portMAX_DELAY);
  });
  for (const n of ["A", "B", "C"]) await spawn(rtos, n, 2, async () => { await rtos.busy(1000); });
  const wokenSeen: number[] = [];
  rtos.registerInterrupt(1, 5, () => {
    const woken = { value: pdFALSE };
    rtos.xSemaphoreGiveFromISR(sem, woken);
    wokenSeen.push(woken.value);
    rtos.portYIELD_FROM_ISR(woken.value);
  });
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(1, 1.5);
  await rtos.run(4);
  assert.deepEqual(wokenSeen, [pdTRUE]);
  const seq = switchedIn(events, new Set(["A", "B", "C", "H"])).filter((s) => Number(s.split("@")[1]) <= 3);
  assert.deepEqual(seq, ["H@0", "A@0", "B@1", "H@1.5", "C@1.5", "A@2", "B@3"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 4
// ---------------------------------------------------------------------------------------------

test("rule 4: first task to run is the LAST created of the highest priority (<= comparison)", async () => {
  // Timer task below the user tasks so it does not run first. pxCurrentTCB = C (created after B,
  // same priority). The index of the priority-3 list never moved, so when C blocks B runs.
  const rtos = mk({ configTIMER_TASK_PRIORITY: 1 } as Config);
  const { events } = recorder(rtos);
  const log: string[] = [];
  const body = (name: string) => async () => { log.push(name); await rtos.vTaskSuspend(null); };
  await spawn(rtos, "A", 2, body("A"));
  await spawn(rtos, "B", 3, body("B"));
  await spawn(rtos, "C", 3, body("C"));
  await spawn(rtos, "D", 2, body("D"));
  await spawn(rtos, "E", 1, body("E"));
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(log, ["C", "B", "A", "D", "E"]);
  const firstIn = events.find((e) => e.kind === "task.switchedIn") as TraceEvent | undefined;
  assert.equal(firstIn?.task, "C");
});

test("rule 4: the idle task is created before the timer task (timer task runs first at equal priority)", async () => {
  // All at priority 0: U, then IDLE, then Tmr Svc are created. pxCurrentTCB ends as Tmr Svc (last
  // created, <=). When it blocks, the next entry after the untouched index is U, then IDLE.
  const rtos = mk({ configTIMER_TASK_PRIORITY: 0 } as Config);
  const { events } = recorder(rtos);
  await spawn(rtos, "U", 0, async () => { await rtos.vTaskSuspend(null); });
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  const seq = events
    .filter((e) => e.kind === "task.switchedIn")
    .map((e) => (e as TraceEvent).task);
  assert.deepEqual(seq.slice(0, 3), ["Tmr Svc", "U", "IDLE"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 5
// ---------------------------------------------------------------------------------------------

test("rule 5: creating a task yields only for a strictly higher priority", async () => {
  const rtos = mk();
  const log: string[] = [];
  const child = (name: string) => async () => { log.push(name); await rtos.vTaskDelay(100); };
  await spawn(rtos, "P", 2, async () => {
    log.push("P:start");
    await spawn(rtos, "Q", 2, child("Q")); // equal: no yield (Q would run next if it yielded)
    log.push("P:created Q");
    await spawn(rtos, "R", 3, child("R")); // higher: runs at once
    log.push("P:created R");
    await spawn(rtos, "S", 1, child("S")); // lower: no yield
    log.push("P:created S");
    await rtos.vTaskDelay(5);
    log.push("P:woke");
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  // Q (equal) did not run at creation. R preempted P; Q was inserted before P (the index), so
  // when R blocks the next prio-2 entry after P is Q (rule 3), and P continues only after Q blocks.
  assert.deepEqual(log, ["P:start", "P:created Q", "R", "Q", "P:created R", "P:created S", "S", "P:woke"]);
});

test("rule 5: resuming a task yields only for a strictly higher priority", async () => {
  const rtos = mk();
  const log: string[] = [];
  const sleeper = (name: string) => async () => { await rtos.vTaskSuspend(null); log.push(name); await rtos.vTaskDelay(100); };
  // Creation order T3, T2, P: T3 (prio 3) and then T2 (first in the prio-2 list) suspend
  // themselves before P runs.
  const t3 = await spawn(rtos, "T3", 3, sleeper("T3"));
  const t2 = await spawn(rtos, "T2", 2, sleeper("T2"));
  await spawn(rtos, "P", 2, async () => {
    assert.equal(rtos.eTaskGetState(t2), eSuspended);
    assert.equal(rtos.eTaskGetState(t3), eSuspended);
    await rtos.vTaskResume(t2);
    log.push("P:resumed T2");
    await rtos.vTaskResume(t3);
    log.push("P:resumed T3");
    await rtos.vTaskDelay(5);
    log.push("P:woke");
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  // T2 (equal) did not run at resume; T3 (higher) preempted P at once. T2 sits before P in the
  // rotation, so after T3 blocks T2 runs before P continues (rule 3).
  assert.deepEqual(log, ["P:resumed T2", "T3", "T2", "P:resumed T3", "P:woke"]);
});

test("rule 5: with preemption off, creating or resuming a higher-priority task never yields", async () => {
  const rtos = mk({ configUSE_PREEMPTION: 0 } as Config);
  const log: string[] = [];
  const t3 = await spawn(rtos, "T3", 3, async () => { await rtos.vTaskSuspend(null); log.push("T3"); await rtos.vTaskDelay(100); });
  await spawn(rtos, "P", 2, async () => {
    await spawn(rtos, "R", 3, async () => { log.push("R"); await rtos.vTaskDelay(100); });
    log.push("P:created R");
    await rtos.vTaskResume(t3);
    log.push("P:resumed T3");
    assert.equal(rtos.eTaskGetState(t3), eReady);
    await rtos.taskYIELD();
    log.push("P:after yield");
    await rtos.vTaskDelay(100);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["P:created R", "P:resumed T3", "R", "T3", "P:after yield"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 6
// ---------------------------------------------------------------------------------------------

test("rule 6: switchedIn is reported on every switch decision, even when the same task is chosen", async () => {
  const rtos = mk();
  const { events } = recorder(rtos);
  const mark = (label: string) => events.push({ kind: "mark", label, timeTicks: -1 });
  await spawn(rtos, "T", 2, async () => {
    mark("m0");
    await rtos.taskYIELD(); // only task at prio 2: T chosen again, still a switch decision
    mark("m1");
    await rtos.vTaskDelay(0); // vTaskDelay(0) = yield
    mark("m2");
    await rtos.busy(3.5); // ticks 1..3: T alone at its priority, no switch requested
    mark("m3");
    await rtos.vTaskDelay(100);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  const seq = events
    .filter((e) => e.kind === "mark" || (e.kind === "task.switchedIn" && (e as TraceEvent).task === "T"))
    .map((e) => (e.kind === "mark" ? (e as { label: string }).label : "in:T"));
  assert.deepEqual(seq, ["in:T", "m0", "in:T", "m1", "in:T", "m2", "m3"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 7
// ---------------------------------------------------------------------------------------------

test("rule 7: one tick wakes every due task; the highest priority runs first", async () => {
  const rtos = mk();
  const log: string[] = [];
  const handles: TaskHandle[] = [];
  const body = (name: string, delay: number) => async () => {
    await rtos.vTaskDelay(delay);
    log.push(`${name}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  };
  handles.push(await spawn(rtos, "L", 1, body("L", 5)));
  handles.push(await spawn(rtos, "M", 2, body("M", 5)));
  handles.push(await spawn(rtos, "H", 3, body("H", 5)));
  handles.push(await spawn(rtos, "M2", 2, body("M2", 4)));
  rtos.vTaskStartScheduler();
  await rtos.run(4);
  assert.deepEqual(log, ["M2@4"]);
  for (const h of handles.slice(0, 3)) assert.equal(rtos.eTaskGetState(h), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["M2@4", "H@5", "M@5", "L@5"]);
});

test("rule 7: a tick-woken task preempts only with strictly higher priority (time slicing off)", async () => {
  const rtos = mk({ configUSE_TIME_SLICING: 0 } as Config);
  const { events } = recorder(rtos);
  const log: string[] = [];
  // E is created first so it delays (wake 4) before R starts its long busy run.
  await spawn(rtos, "E", 2, async () => { await rtos.vTaskDelay(4); log.push(`E@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "R", 2, async () => { await rtos.busy(9.5); log.push(`R done@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "H", 3, async () => { await rtos.vTaskDelay(3); log.push(`H@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "L", 1, async () => { log.push(`L@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  rtos.vTaskStartScheduler();
  await rtos.run(12);
  assert.deepEqual(log, ["H@3", "R done@9", "E@9", "L@9"]);
  assert.deepEqual(switchedIn(events, new Set(["E", "R", "H", "L"])), ["H@0", "E@0", "R@0", "H@3", "R@3", "E@9.5", "L@9.5"]);
});

test("rule 7: with time slicing, equal-priority ready tasks alternate at every tick", async () => {
  const rtos = mk();
  const { events } = recorder(rtos);
  const log: string[] = [];
  for (const n of ["A", "B"]) {
    await spawn(rtos, n, 2, async () => { await rtos.busy(2.25); log.push(`${n} done@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  }
  rtos.vTaskStartScheduler();
  await rtos.run(6);
  assert.deepEqual(switchedIn(events, new Set(["A", "B"])), ["A@0", "B@1", "A@2", "B@3", "A@4", "B@4.25"]);
  assert.deepEqual(log, ["A done@4", "B done@4"]);
});

test("rule 7: a pending yield (ISR woke a higher task without portYIELD_FROM_ISR) switches at the next tick", async () => {
  const rtos = mk();
  const { events } = recorder(rtos);
  const log: string[] = [];
  const sem = rtos.xSemaphoreCreateBinary();
  assert.ok(sem);
  let woken = -1;
  await spawn(rtos, "H", 3, async () => {
    await rtos.xSemaphoreTake(sem, portMAX_DELAY);
    log.push(`H@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "L", 1, async () => { await rtos.busy(9.5); log.push(`L done@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  rtos.registerInterrupt(1, 5, () => {
    const ref = { value: pdFALSE };
    rtos.xSemaphoreGiveFromISR(sem, ref);
    woken = ref.value;
    // deliberately no portYIELD_FROM_ISR: xYieldPendings makes the next tick switch
  });
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(1, 2.5);
  await rtos.run(12);
  assert.equal(woken, pdTRUE);
  assert.deepEqual(log, ["H@3", "L done@9"]);
  assert.deepEqual(switchedIn(events, new Set(["H", "L"])), ["H@0", "L@0", "H@3", "L@3"]);
});

test("rule 7: a task whose timeout expires is removed from the object's event list", async () => {
  // A (prio 2) times out at tick 5 and then suspends itself. If it stayed on the queue's
  // receive list it would read as Blocked (eTaskGetState) and would absorb the later send.
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const ref: { value: unknown } = { value: undefined };
  const ref2: { value: unknown } = { value: undefined };
  const a = await spawn(rtos, "A", 2, async () => {
    const r = await rtos.xQueueReceive(q, ref, 5);
    log.push(`A:${r}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  const b = await spawn(rtos, "B", 1, async () => {
    const r = await rtos.xQueueReceive(q, ref2, portMAX_DELAY);
    log.push(`B:${r}:${String(ref2.value)}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "S", 4, async () => {
    await rtos.vTaskDelay(8);
    assert.equal(await rtos.xQueueSend(q, "item", 0), pdPASS);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(6);
  assert.deepEqual(log, [`A:${errQUEUE_EMPTY}@5`]);
  assert.equal(rtos.eTaskGetState(a), eSuspended);
  assert.equal(rtos.eTaskGetState(b), eBlocked);
  await rtos.run(4);
  assert.deepEqual(log, [`A:${errQUEUE_EMPTY}@5`, `B:${pdPASS}:item@8`]);
  assert.equal(rtos.eTaskGetState(a), eSuspended);
});
