/*
 * Conformance tests for /work/shared/spec/freertos-rules.md rules 22 and 24, including their
 * interrupt halves, checked against FreeRTOS-Kernel V11 queue.c / tasks.c and the ports' ISR
 * model:
 *
 *   22  xQueueGenericSend / xQueueReceive: xTaskRemoveFromEventList(...) != pdFALSE ->
 *       queueYIELD_IF_USING_PREEMPTION() (the task-level call switches at once).
 *       xQueueGenericSendFromISR / xQueueReceiveFromISR / xQueueGiveFromISR: only
 *       `*pxHigherPriorityTaskWoken = pdTRUE` when xTaskRemoveFromEventList returns pdTRUE (woken
 *       priority strictly above pxCurrentTCB's; it also sets xYieldPendings); the switch is
 *       portYIELD_FROM_ISR's PendSV, taken when the (outermost) ISR returns, or else the next tick
 *       (xTaskIncrementTick: xYieldPendings -> xSwitchRequired). A FromISR call from an ISR above
 *       configMAX_SYSCALL_INTERRUPT_PRIORITY is caught by portASSERT_IF_INTERRUPT_PRIORITY_INVALID
 *       (configASSERT in vPortValidateInterruptPriority). taskENTER_CRITICAL raises BASEPRI to
 *       configMAX_SYSCALL_INTERRUPT_PRIORITY: interrupts at or below it stay pending until
 *       taskEXIT_CRITICAL, those above it are never masked. A request for a line that is already
 *       pending merges into it (NVIC pending latch), counted by interruptStats().overruns.
 *   24  xQueueGenericSend / xQueueGenericSendFromISR with pxQueueSetContainer != NULL:
 *       prvNotifyQueueSetContainer only (the member's own xTasksWaitingToReceive is not touched).
 *       xQueueAddToSet: pdFAIL when already in a set or uxMessagesWaiting != 0.
 *       xQueueRemoveFromSet: pdFAIL when not in that set or not empty.
 *       xQueueGenericReset: xTaskRemoveFromEventList(&xTasksWaitingToSend) once; receivers stay.
 *       Deleting a queue with waiting tasks: FreeRTOS leaves it undefined (documented "do not");
 *       rule 24 of our spec makes vQueueDelete assert.
 *
 * Not covered: rule 22's "sends from an ISR to a locked queue are counted and processed when it
 * unlocks" (a queue is only locked inside a task-level call, which takes no virtual time here, so
 * no interrupt can land in that window).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS, pdTRUE, pdFALSE, pdPASS, pdFAIL, portMAX_DELAY,
  eBlocked, eReady, eSuspended, KernelAssertError,
} from "../../src/freertos/index.js";
import type { FreeRTOS, QueueHandle, Ref } from "../../src/freertos/index.js";
import { type Config, T, park, spawn } from "./harness.js";


const SYSCALL = 10; // configMAX_SYSCALL_INTERRUPT_PRIORITY (the default, set explicitly)

function mk(extra: Partial<Config> = {}): FreeRTOS {
  return createFreeRTOS({
    configMAX_PRIORITIES: 8, configUSE_MUTEXES: 1, configUSE_COUNTING_SEMAPHORES: 1,
    configMINIMAL_STACK_SIZE: 128, configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    configMAX_SYSCALL_INTERRUPT_PRIORITY: SYSCALL,
    ...extra,
  } as Config);
}



/** The queue-set calls of contract2.md, reached through this view so the file compiles before they land. */
interface QueueSetApi {
  xQueueCreateSet(length: number): QueueHandle | null;
  xQueueAddToSet(member: QueueHandle, set: QueueHandle): number;
  xQueueRemoveFromSet(member: QueueHandle, set: QueueHandle | null): number;
  xQueueSelectFromSet(set: QueueHandle, ticks: number): Promise<QueueHandle | null>;
  xQueueSelectFromSetFromISR(set: QueueHandle): QueueHandle | null;
}
function queueSets(rtos: FreeRTOS): QueueSetApi {
  const api = rtos as unknown as Partial<QueueSetApi>;
  for (const name of ["xQueueCreateSet", "xQueueAddToSet", "xQueueRemoveFromSet", "xQueueSelectFromSet", "xQueueSelectFromSetFromISR"] as const)
    assert.equal(typeof api[name], "function", `facade has no ${name} (contract2.md queue sets)`);
  return rtos as unknown as QueueSetApi;
}

/** Runs `fn`; it must throw KernelAssertError synchronously, naming `call` and `who`. Returns the message. */
function expectAssert(fn: () => unknown, call: string, who: string): string {
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    assert.ok(e instanceof KernelAssertError, `${call}: expected KernelAssertError, got ${String(e)}`);
    assert.ok(e.message.includes(call), `${call}: message does not name the call: ${JSON.stringify(e.message)}`);
    assert.ok(e.message.includes(who), `${call}: message does not name ${who}: ${JSON.stringify(e.message)}`);
    return e.message;
  }
  if (result instanceof Promise) result.catch(() => {});
  assert.fail(`${call}: did not throw KernelAssertError synchronously (returned ${result instanceof Promise ? "a promise" : String(result)})`);
}

function stat(rtos: FreeRTOS, irq: number): { fired: number; overruns: number; pending: boolean } {
  const s = rtos.interruptStats().find((x) => x.irq === irq);
  assert.ok(s, `interruptStats() has no irq ${irq}`);
  return { fired: s.fired, overruns: s.overruns, pending: s.pending };
}

// ---------------------------------------------------------------------------------------------
// Rule 22
// ---------------------------------------------------------------------------------------------

test("rule 22: a task-level send or receive that wakes a higher-priority task yields at once", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(1, 0)!;
  const full = rtos.xQueueCreate(1, 0)!;
  assert.equal(await rtos.xQueueSend(full, "x", 0), pdPASS);
  const log: string[] = [];
  await spawn(rtos, "H", 3, async () => {
    const r: Ref<unknown> = { value: null };
    await rtos.xQueueReceive(q, r, portMAX_DELAY);
    log.push(`H got ${String(r.value)}`);
    await rtos.xQueueSend(full, "h", portMAX_DELAY); // blocks: full is full
    log.push("H sent");
    await park(rtos);
  });
  await spawn(rtos, "L", 1, async () => {
    const r: Ref<unknown> = { value: null };
    log.push("L send");
    assert.equal(await rtos.xQueueSend(q, 7, 0), pdPASS);
    log.push("L after send");
    assert.equal(await rtos.xQueueReceive(full, r, 0), pdPASS);
    log.push(`L after receive ${String(r.value)}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(log, ["L send", "H got 7", "L after send", "H sent", "L after receive x"]);
});

test("rule 22: xQueueSendFromISR only sets *pxHigherPriorityTaskWoken; portYIELD_FROM_ISR switches when the ISR returns", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const log: string[] = [];
  let hRan = false;
  const h = await spawn(rtos, "H", 3, async () => {
    const r: Ref<unknown> = { value: null };
    await rtos.xQueueReceive(q, r, portMAX_DELAY);
    hRan = true;
    log.push(`H got ${String(r.value)} at ${rtos.now()}`);
    await park(rtos);
  });
  const l = await spawn(rtos, "L", 1, async () => {
    log.push("L busy");
    await rtos.busy(3);
    log.push(`L done at ${rtos.now()}`);
    await park(rtos);
  });
  rtos.registerInterrupt(1, 5, () => {
    const woken: Ref<number> = { value: pdFALSE };
    const r = rtos.xQueueSendFromISR(q, 42, woken);
    log.push(`isr send=${r} woken=${woken.value}`);
    assert.equal(rtos.xTaskGetCurrentTaskHandle(), l, "inside the ISR the interrupted task is still current");
    assert.equal(rtos.eTaskGetState(h), eReady, "H is ready, not running, inside the ISR");
    rtos.portYIELD_FROM_ISR(woken);
    log.push(`isr after yield hRan=${hRan}`);
  }, "isr1");
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(1, 1.25);
  await rtos.run(5);
  assert.deepEqual(log, ["L busy", "isr send=1 woken=1", "isr after yield hRan=false", "H got 42 at 1.25", "L done at 3"]);
});

test("rule 22: without portYIELD_FROM_ISR the woken task waits for the next tick (xYieldPending)", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const log: string[] = [];
  await spawn(rtos, "H", 3, async () => {
    const r: Ref<unknown> = { value: null };
    await rtos.xQueueReceive(q, r, portMAX_DELAY);
    log.push(`H got ${String(r.value)} at ${rtos.now()}`);
    await park(rtos);
  });
  await spawn(rtos, "L", 1, async () => {
    await rtos.busy(3);
    log.push(`L done at ${rtos.now()}`);
    await park(rtos);
  });
  rtos.registerInterrupt(1, 5, () => {
    const woken: Ref<number> = { value: pdFALSE };
    rtos.xQueueSendFromISR(q, 42, woken);
    log.push(`isr woken=${woken.value} at ${rtos.now()}`);
  }, "isr1");
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(1, 1.25);
  await rtos.run(5);
  assert.deepEqual(log, ["isr woken=1 at 1.25", "H got 42 at 2", "L done at 3"]);
});

test("rule 22: *pxHigherPriorityTaskWoken is set only for a woken task strictly above the interrupted one, and never cleared", T, async () => {
  const rtos = mk();
  const qLow = rtos.xQueueCreate(1, 0)!;
  const qEq = rtos.xQueueCreate(1, 0)!;
  const qFull = rtos.xQueueCreate(1, 0)!;
  const qIdle = rtos.xQueueCreate(4, 0)!;
  const sem = rtos.xSemaphoreCreateBinary()!;
  assert.equal(await rtos.xQueueSend(qFull, "old", 0), pdPASS);
  const ran: Record<string, number> = {};
  const recv = (name: string, qq: QueueHandle) => async () => {
    const r: Ref<unknown> = { value: null };
    await rtos.xQueueReceive(qq, r, portMAX_DELAY);
    ran[name] = rtos.now();
    await park(rtos);
  };
  const l = await spawn(rtos, "L", 3, async () => {
    await rtos.vTaskDelay(1); // let everybody block first
    await rtos.busy(5);
    ran.L = rtos.now();
    await park(rtos);
  });
  await spawn(rtos, "Low", 2, recv("Low", qLow));
  await spawn(rtos, "Eq", 3, recv("Eq", qEq));
  await spawn(rtos, "Hs", 4, async () => {
    await rtos.xQueueSend(qFull, "new", portMAX_DELAY);
    ran.Hs = rtos.now();
    await park(rtos);
  });
  await spawn(rtos, "Ht", 5, async () => {
    await rtos.xSemaphoreTake(sem, portMAX_DELAY);
    ran.Ht = rtos.now();
    await park(rtos);
  });
  const seen: number[] = [];
  rtos.registerInterrupt(1, 5, () => {
    assert.equal(rtos.xTaskGetCurrentTaskHandle(), l);
    const acc: Ref<number> = { value: pdFALSE };
    assert.equal(rtos.xQueueSendFromISR(qLow, 1, acc), pdPASS);
    seen.push(acc.value); // wakes Low (2 < 3): pdFALSE
    assert.equal(rtos.xQueueSendFromISR(qEq, 2, acc), pdPASS);
    seen.push(acc.value); // wakes Eq (3 == 3): still pdFALSE
    const r: Ref<unknown> = { value: null };
    assert.equal(rtos.xQueueReceiveFromISR(qFull, r, acc), pdPASS);
    assert.equal(r.value, "old");
    seen.push(acc.value); // wakes the sender Hs (4 > 3): pdTRUE
    assert.equal(rtos.xQueueSendFromISR(qIdle, 3, acc), pdPASS);
    seen.push(acc.value); // wakes nobody: stays pdTRUE (FromISR never writes pdFALSE)
    const w2: Ref<number> = { value: pdFALSE };
    assert.equal(rtos.xSemaphoreGiveFromISR(sem, w2), pdPASS);
    seen.push(w2.value); // wakes Ht (5 > 3): pdTRUE
    assert.equal(Object.keys(ran).length, 0, "no woken task runs inside the ISR");
  }, "isr1");
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(1, 2.5);
  await rtos.run(12);
  assert.deepEqual(seen, [pdFALSE, pdFALSE, pdTRUE, pdTRUE, pdTRUE]);
  // No portYIELD_FROM_ISR: the higher-priority tasks run at the next tick, Low after L is done.
  assert.equal(ran.Ht, 3);
  assert.equal(ran.Hs, 3);
  assert.equal(ran.L, 6);
  assert.ok(ran.Eq !== undefined && ran.Eq >= 3 && ran.Eq <= 6, `Eq ran at ${ran.Eq} (time slicing with L)`);
  assert.ok(ran.Low !== undefined && ran.Low >= 6, `Low ran at ${ran.Low}`);
  assert.equal(rtos.uxQueueMessagesWaiting(qFull), 1, "Hs's item");
});

test("rule 22: with nested interrupts the switch waits until the outermost ISR returns", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(1, 0)!;
  const log: string[] = [];
  let hRan = false;
  await spawn(rtos, "H", 4, async () => {
    const r: Ref<unknown> = { value: null };
    await rtos.xQueueReceive(q, r, portMAX_DELAY);
    hRan = true;
    log.push(`H got ${String(r.value)} at ${rtos.now()}`);
    await park(rtos);
  });
  await spawn(rtos, "L", 1, async () => {
    await rtos.busy(4);
    log.push(`L done at ${rtos.now()}`);
    await park(rtos);
  });
  rtos.registerInterrupt(2, 8, () => {
    const woken: Ref<number> = { value: pdFALSE };
    rtos.xQueueSendFromISR(q, "v", woken);
    log.push(`high woken=${woken.value}`);
    rtos.portYIELD_FROM_ISR(woken);
  }, "high");
  rtos.registerInterrupt(1, 4, () => {
    log.push("low enter");
    rtos.triggerInterrupt(2); // higher priority: preempts this handler at once
    log.push(`low resumes hRan=${hRan}`);
  }, "low");
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(1, 1.5);
  await rtos.run(6);
  assert.deepEqual(log, ["low enter", "high woken=1", "low resumes hRan=false", "H got v at 1.5", "L done at 4"]);
});

test("rule 22: a FromISR call from an ISR above configMAX_SYSCALL_INTERRUPT_PRIORITY throws KernelAssertError", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const sem = rtos.xSemaphoreCreateBinary()!;
  const got: unknown[] = [];
  await spawn(rtos, "R", 2, async () => {
    const r: Ref<unknown> = { value: null };
    for (;;) {
      await rtos.xQueueReceive(q, r, portMAX_DELAY);
      got.push(r.value);
    }
  });
  const messages: string[] = [];
  rtos.registerInterrupt(11, SYSCALL + 1, () => {
    const w: Ref<number> = { value: pdFALSE };
    messages.push(expectAssert(() => rtos.xQueueSendFromISR(q, "bad", w), "xQueueSendFromISR", "hi11"));
    messages.push(expectAssert(() => rtos.xSemaphoreGiveFromISR(sem, w), "xSemaphoreGiveFromISR", "hi11"));
    const r: Ref<unknown> = { value: null };
    messages.push(expectAssert(() => rtos.xQueueReceiveFromISR(q, r, w), "xQueueReceiveFromISR", "hi11"));
    assert.equal(w.value, pdFALSE);
  }, "hi11");
  rtos.registerInterrupt(10, SYSCALL, () => {
    const w: Ref<number> = { value: pdFALSE };
    assert.equal(rtos.xQueueSendFromISR(q, "ok", w), pdPASS); // at the limit: allowed
    rtos.portYIELD_FROM_ISR(w);
  }, "at10");
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(11, 0.5);
  rtos.triggerInterrupt(10, 1.5);
  await rtos.run(3);
  assert.equal(messages.length, 3, "every call asserted");
  assert.equal(rtos.uxSemaphoreGetCount(sem), 0, "the rejected give changed nothing");
  assert.deepEqual(got, ["ok"], "the rejected send queued nothing; the allowed one was received");
  assert.deepEqual(rtos.interruptStats().filter((s) => s.irq >= 10).map((s) => s.fired).sort(), [1, 1]);
});

test("rule 22: an interrupt raised inside taskENTER_CRITICAL runs at taskEXIT_CRITICAL; one above the syscall priority is never masked", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(1, 0)!;
  const log: string[] = [];
  await spawn(rtos, "H", 4, async () => {
    const r: Ref<unknown> = { value: null };
    await rtos.xQueueReceive(q, r, portMAX_DELAY);
    log.push(`H got ${String(r.value)}`);
    await park(rtos);
  });
  rtos.registerInterrupt(1, 5, () => {
    log.push("masked ISR runs");
    const w: Ref<number> = { value: pdFALSE };
    rtos.xQueueSendFromISR(q, "m", w);
    rtos.portYIELD_FROM_ISR(w);
  }, "low5");
  rtos.registerInterrupt(2, SYSCALL, () => log.push("syscall-level ISR runs"), "at10");
  rtos.registerInterrupt(3, SYSCALL + 2, () => log.push("high ISR runs"), "high12");
  await spawn(rtos, "T", 2, async () => {
    rtos.taskENTER_CRITICAL();
    rtos.triggerInterrupt(1);
    rtos.triggerInterrupt(2);
    log.push(`pending low=${stat(rtos, 1).pending} at10=${stat(rtos, 2).pending}`);
    rtos.triggerInterrupt(3); // above configMAX_SYSCALL_INTERRUPT_PRIORITY: runs now
    log.push("after raising high");
    rtos.taskENTER_CRITICAL(); // nested
    await rtos.taskEXIT_CRITICAL(); // nesting 1: still masked
    log.push("inner exit");
    await rtos.taskEXIT_CRITICAL();
    log.push("outer exit returned");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(log, [
    "pending low=true at10=true",
    "high ISR runs",
    "after raising high",
    "inner exit",
    "syscall-level ISR runs", // highest pending first
    "masked ISR runs",
    "H got m", // portYIELD_FROM_ISR in the masked ISR: H runs before taskEXIT_CRITICAL returns to T
    "outer exit returned",
  ]);
  assert.deepEqual(stat(rtos, 1), { fired: 1, overruns: 0, pending: false });
});

test("rule 22: an interrupt storm (triggers while the line is pending) is merged and counted in interruptStats().overruns", T, async () => {
  const rtos = mk();
  let lowRuns = 0;
  let selfRuns = 0;
  rtos.registerInterrupt(1, 3, () => { lowRuns++; }, "low3");
  rtos.registerInterrupt(2, 7, () => {
    const before = lowRuns;
    for (let i = 0; i < 3; i++) rtos.triggerInterrupt(1); // lower line: pends; 2 merged
    assert.equal(lowRuns, before, "the lower line does not preempt the running higher one");
  }, "high7");
  rtos.registerInterrupt(3, 5, () => {
    selfRuns++;
    if (selfRuns === 1) {
      rtos.triggerInterrupt(3); // latch was cleared on entry: a new request
      rtos.triggerInterrupt(3); // merged into it
    }
  }, "self5");
  const seen: string[] = [];
  await spawn(rtos, "T", 2, async () => {
    // A storm while masked: five triggers, one pending request, four overruns.
    rtos.taskENTER_CRITICAL();
    for (let i = 0; i < 5; i++) rtos.triggerInterrupt(1);
    const s = stat(rtos, 1);
    seen.push(`masked fired=${s.fired} overruns=${s.overruns} pending=${s.pending}`);
    await rtos.taskEXIT_CRITICAL();
    seen.push(`after exit runs=${lowRuns}`);
    // A storm from a higher-priority ISR: runs once, by tail-chaining, after it.
    rtos.triggerInterrupt(2);
    seen.push(`after nested storm runs=${lowRuns}`);
    // A line re-triggering itself from its handler.
    rtos.triggerInterrupt(3);
    seen.push(`self runs=${selfRuns}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(seen, ["masked fired=0 overruns=4 pending=true", "after exit runs=1", "after nested storm runs=2", "self runs=2"]);
  assert.deepEqual(stat(rtos, 1), { fired: 2, overruns: 4 + 2, pending: false });
  assert.deepEqual(stat(rtos, 2), { fired: 1, overruns: 0, pending: false });
  assert.deepEqual(stat(rtos, 3), { fired: 2, overruns: 1, pending: false });
});

// ---------------------------------------------------------------------------------------------
// Rule 24
// ---------------------------------------------------------------------------------------------

test("rule 24: a queue in a set notifies only the set; a task blocked on the member itself is not woken", T, async () => {
  const rtos = mk();
  const sets = queueSets(rtos);
  // (a) Nobody waits on the set: the member's own receiver stays blocked until its timeout, then
  // finds the data (rule 13: data present at timeout -> success).
  const qa = rtos.xQueueCreate(2, 0)!;
  const setA = sets.xQueueCreateSet(2)!;
  assert.equal(sets.xQueueAddToSet(qa, setA), pdPASS);
  // (b) A task selects on the set, a higher-priority task receives on the member directly.
  const qb = rtos.xQueueCreate(2, 0)!;
  const setB = sets.xQueueCreateSet(2)!;
  assert.equal(sets.xQueueAddToSet(qb, setB), pdPASS);
  // (c) The ISR variant.
  const qc = rtos.xQueueCreate(2, 0)!;
  const setC = sets.xQueueCreateSet(2)!;
  assert.equal(sets.xQueueAddToSet(qc, setC), pdPASS);

  const log: string[] = [];
  const ra = await spawn(rtos, "Ra", 3, async () => {
    const r: Ref<unknown> = { value: null };
    const res = await rtos.xQueueReceive(qa, r, 20);
    log.push(`Ra ${res} ${String(r.value)} at ${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  const rb = await spawn(rtos, "Rb", 5, async () => {
    const r: Ref<unknown> = { value: null };
    const res = await rtos.xQueueReceive(qb, r, 30);
    log.push(`Rb ${res} at ${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  await spawn(rtos, "Sel", 4, async () => {
    const m = await sets.xQueueSelectFromSet(setB, portMAX_DELAY);
    const r: Ref<unknown> = { value: null };
    const res = m === null ? -1 : await rtos.xQueueReceive(m, r, 0);
    log.push(`Sel ${m === qb ? "qb" : String(m)} ${res} ${String(r.value)} at ${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  const rc = await spawn(rtos, "Rc", 6, async () => {
    const r: Ref<unknown> = { value: null };
    const res = await rtos.xQueueReceive(qc, r, 40);
    log.push(`Rc ${res} ${String(r.value)} at ${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  await spawn(rtos, "S", 1, async () => {
    await rtos.vTaskDelay(5);
    assert.equal(await rtos.xQueueSend(qa, "a", 0), pdPASS);
    log.push(`S sent a: Ra ${rtos.eTaskGetState(ra) === eBlocked ? "blocked" : "woken"}, setA ${rtos.uxQueueMessagesWaiting(setA)}`);
    assert.equal(await rtos.xQueueSend(qb, "b", 0), pdPASS);
    log.push(`S sent b: Rb ${rtos.eTaskGetState(rb) === eBlocked ? "blocked" : "woken"}`);
    await park(rtos);
  });
  const wokenC: number[] = [];
  rtos.registerInterrupt(1, 5, () => {
    const w: Ref<number> = { value: pdFALSE };
    assert.equal(rtos.xQueueSendFromISR(qc, "c", w), pdPASS);
    wokenC.push(w.value, rtos.eTaskGetState(rc), rtos.uxQueueMessagesWaiting(setC));
    rtos.portYIELD_FROM_ISR(w);
  }, "isr");
  rtos.vTaskStartScheduler();
  rtos.triggerInterrupt(1, 7.5);
  await rtos.run(50);
  assert.deepEqual(log, [
    "S sent a: Ra blocked, setA 1",
    "Sel qb 1 b at 5", // the set's waiter (priority 4) is woken, the member's own (priority 5) is not
    "S sent b: Rb blocked",
    "Ra 1 a at 20", // timed out, found the data
    "Rb 0 at 30", // timed out, the set's reader took the item
    "Rc 1 c at 40",
  ]);
  assert.deepEqual(wokenC, [pdFALSE, eBlocked, 1], "xQueueSendFromISR to a member: only the set is notified");
});

test("rule 24: adding a non-empty queue or semaphore to a set fails, as does adding a member twice; removal needs an empty member", T, async () => {
  const rtos = mk();
  const sets = queueSets(rtos);
  const set = sets.xQueueCreateSet(8)!;
  const other = sets.xQueueCreateSet(8)!;
  assert.ok(set && other, "xQueueCreateSet");
  const q = rtos.xQueueCreate(2, 0)!;
  assert.equal(await rtos.xQueueSend(q, 1, 0), pdPASS);
  assert.equal(sets.xQueueAddToSet(q, set), pdFAIL, "non-empty queue");
  const r: Ref<unknown> = { value: null };
  assert.equal(await rtos.xQueueReceive(q, r, 0), pdPASS);
  assert.equal(sets.xQueueAddToSet(q, set), pdPASS, "emptied queue");
  assert.equal(sets.xQueueAddToSet(q, set), pdFAIL, "already in this set");
  assert.equal(sets.xQueueAddToSet(q, other), pdFAIL, "already in another set");
  assert.equal(sets.xQueueRemoveFromSet(q, other), pdFAIL, "not a member of that set");

  const bin = rtos.xSemaphoreCreateBinary()!; // starts empty
  const counting = rtos.xSemaphoreCreateCounting(3, 1)!; // holds one
  const mutex = rtos.xSemaphoreCreateMutex()!; // created given: holds one
  assert.equal(sets.xQueueAddToSet(bin, set), pdPASS, "empty binary semaphore");
  assert.equal(sets.xQueueAddToSet(counting, set), pdFAIL, "counting semaphore with a count");
  assert.equal(sets.xQueueAddToSet(mutex, set), pdFAIL, "available mutex");

  // Data in a member: the set holds its handle; the member cannot leave while it holds data.
  assert.equal(await rtos.xQueueSend(q, 2, 0), pdPASS);
  assert.equal(await rtos.xSemaphoreGive(bin), pdPASS);
  assert.equal(rtos.uxQueueMessagesWaiting(set), 2);
  assert.equal(sets.xQueueRemoveFromSet(q, set), pdFAIL, "member holding data");
  assert.equal(await sets.xQueueSelectFromSet(set, 0), q, "first event: q");
  assert.equal(await rtos.xQueueReceive(q, r, 0), pdPASS);
  assert.equal(r.value, 2);
  assert.equal(sets.xQueueRemoveFromSet(q, set), pdPASS, "empty member");
  assert.equal(sets.xQueueRemoveFromSet(q, set), pdFAIL, "no longer a member");
  assert.equal(await sets.xQueueSelectFromSet(set, 0), bin, "second event: the semaphore");
  assert.equal(await rtos.xSemaphoreTake(bin, 0), pdPASS);
  assert.equal(await sets.xQueueSelectFromSet(set, 0), null, "nothing left");
  assert.equal(sets.xQueueAddToSet(q, other), pdPASS, "a removed, empty queue may join another set");
});

test("rule 24: xQueueReset wakes one blocked sender (the highest priority) and leaves receivers blocked", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const e = rtos.xQueueCreate(2, 0)!;
  assert.equal(await rtos.xQueueSend(q, "old1", 0), pdPASS);
  assert.equal(await rtos.xQueueSend(q, "old2", 0), pdPASS);
  const log: string[] = [];
  const sender = (name: string) => async () => {
    assert.equal(await rtos.xQueueSend(q, name, portMAX_DELAY), pdPASS);
    log.push(`${name} sent`);
    await park(rtos);
  };
  const receiver = (name: string) => async () => {
    const r: Ref<unknown> = { value: null };
    const res = await rtos.xQueueReceive(e, r, portMAX_DELAY);
    log.push(`${name} received ${res}`);
    await park(rtos);
  };
  const s2 = await spawn(rtos, "S2", 2, sender("S2"));
  const s3 = await spawn(rtos, "S3", 3, sender("S3"));
  const s4 = await spawn(rtos, "S4", 4, sender("S4"));
  const r5 = await spawn(rtos, "R5", 5, receiver("R5"));
  const r6 = await spawn(rtos, "R6", 6, receiver("R6"));
  await spawn(rtos, "C", 1, async () => {
    assert.deepEqual([s2, s3, s4, r5, r6].map((t) => rtos.eTaskGetState(t)), [eBlocked, eBlocked, eBlocked, eBlocked, eBlocked]);
    log.push("C reset q");
    assert.equal(await rtos.xQueueReset(q), pdPASS);
    log.push("C after reset q");
    // One sender woken (it preempted C and sent); the others stay blocked although there is room.
    assert.deepEqual([s2, s3, s4].map((t) => rtos.eTaskGetState(t)), [eBlocked, eBlocked, eSuspended]);
    assert.equal(rtos.uxQueueMessagesWaiting(q), 1, "old items gone, S4's item queued");
    assert.equal(rtos.uxQueueSpacesAvailable(q), 1);
    log.push("C reset e");
    assert.equal(await rtos.xQueueReset(e), pdPASS);
    log.push("C after reset e");
    assert.deepEqual([r5, r6].map((t) => rtos.eTaskGetState(t)), [eBlocked, eBlocked]);
    const r: Ref<unknown> = { value: null };
    assert.equal(await rtos.xQueuePeek(q, r, 0), pdPASS);
    assert.equal(r.value, "S4");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["C reset q", "S4 sent", "C after reset q", "C reset e", "C after reset e"]);
  assert.deepEqual([s2, s3, r5, r6].map((t) => rtos.eTaskGetState(t)), [eBlocked, eBlocked, eBlocked, eBlocked], "still blocked later");
});

test("rule 24: deleting a queue, semaphore or set with waiting tasks throws KernelAssertError and changes nothing", T, async () => {
  const rtos = mk();
  const sets = queueSets(rtos);
  const qr = rtos.xQueueCreate(1, 0)!; // a receiver waits
  const qs = rtos.xQueueCreate(1, 0)!; // a sender waits
  const sem = rtos.xSemaphoreCreateBinary()!; // a taker waits
  const member = rtos.xQueueCreate(1, 0)!;
  const set = sets.xQueueCreateSet(1)!; // a selector waits
  assert.equal(sets.xQueueAddToSet(member, set), pdPASS);
  assert.equal(await rtos.xQueueSend(qs, "full", 0), pdPASS);
  const got: string[] = [];
  const r = await spawn(rtos, "R", 2, async () => {
    const v: Ref<unknown> = { value: null };
    assert.equal(await rtos.xQueueReceive(qr, v, portMAX_DELAY), pdPASS);
    got.push(`R ${String(v.value)}`);
    await park(rtos);
  });
  const s = await spawn(rtos, "S", 2, async () => {
    assert.equal(await rtos.xQueueSend(qs, "s", portMAX_DELAY), pdPASS);
    got.push("S sent");
    await park(rtos);
  });
  const t = await spawn(rtos, "T", 2, async () => {
    assert.equal(await rtos.xSemaphoreTake(sem, portMAX_DELAY), pdPASS);
    got.push("T took");
    await park(rtos);
  });
  const sel = await spawn(rtos, "Sel", 2, async () => {
    const m = await sets.xQueueSelectFromSet(set, portMAX_DELAY);
    got.push(`Sel ${m === member ? "member" : String(m)}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual([r, s, t, sel].map((x) => rtos.eTaskGetState(x)), [eBlocked, eBlocked, eBlocked, eBlocked]);

  assert.throws(() => rtos.vQueueDelete(qr), KernelAssertError, "receiver waiting");
  assert.throws(() => rtos.vQueueDelete(qs), KernelAssertError, "sender waiting");
  assert.throws(() => rtos.vSemaphoreDelete(sem), KernelAssertError, "taker waiting");
  assert.throws(() => rtos.vQueueDelete(set), KernelAssertError, "selector waiting");

  // Nothing changed: all four objects still work and their waiters are served.
  assert.deepEqual([r, s, t, sel].map((x) => rtos.eTaskGetState(x)), [eBlocked, eBlocked, eBlocked, eBlocked]);
  assert.equal(await rtos.xQueueSend(qr, "x", 0), pdPASS);
  const v: Ref<unknown> = { value: null };
  assert.equal(await rtos.xQueueReceive(qs, v, 0), pdPASS);
  assert.equal(await rtos.xSemaphoreGive(sem), pdPASS);
  assert.equal(await rtos.xQueueSend(member, "m", 0), pdPASS);
  await rtos.run(2);
  assert.deepEqual(got.sort(), ["R x", "S sent", "Sel member", "T took"]);

  // Without waiters, deletion is fine.
  assert.equal(await rtos.xQueueReceive(qs, v, 0), pdPASS);
  assert.equal(await rtos.xQueueReceive(member, v, 0), pdPASS);
  assert.equal(sets.xQueueRemoveFromSet(member, set), pdPASS);
  for (const h of [qr, qs, member, set]) assert.doesNotThrow(() => rtos.vQueueDelete(h));
  assert.doesNotThrow(() => rtos.vSemaphoreDelete(sem));
});
