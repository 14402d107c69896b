/*
 * Conformance tests for /work/shared/spec/freertos-rules.md rules 15-21 (event lists, scheduler
 * suspension, task control), checked against FreeRTOS-Kernel V11 tasks.c / queue.c / list.c:
 *
 *   15  vTaskPlaceOnEventList (vListInsert on xItemValue = configMAX_PRIORITIES - priority),
 *       xTaskRemoveFromEventList (wakes the head, pdTRUE only for strictly higher priority),
 *       vTaskPrioritySet (sets the event item value, never re-sorts the list).
 *   16  xTaskRemoveFromEventList (uxSchedulerSuspended -> xPendingReadyList, xYieldPendings),
 *       xTaskResumeAll (drain xPendingReadyList from the head, replay xPendedTicks, return pdTRUE
 *       when it yielded), xTaskIncrementTick (only xPendedTicks++ while suspended).
 *   17  eTaskGetState (pending-ready -> eReady; suspended list + no event list + no notification
 *       wait -> eSuspended, else eBlocked; termination list -> eDeleted; caller -> eRunning).
 *   18  vTaskSuspend (removes the event list item, taskWAITING_NOTIFICATION -> NOT_WAITING),
 *       vTaskResume (only if prvTaskIsTaskSuspended; ignores pxCurrentTCB).
 *   19  vTaskPrioritySet (four cases: raise other above running -> yield; lower running -> yield;
 *       inherited -> only uxBasePriority; a Ready task is removed and re-added at the end).
 *   20  vTaskDelete (self -> xTasksWaitingTermination, uxCurrentNumberOfTasks unchanged, yield;
 *       other -> freed at once), prvCheckTasksWaitingTermination in the idle task.
 *   21  prvIdleTask (check termination list, taskYIELD if configIDLE_SHOULD_YIELD and another
 *       priority-0 task is ready, vApplicationIdleHook).
 *
 * Task-level behaviour only: the FromISR halves (xTaskResumeFromISR, pending-ready from ISRs)
 * are not covered here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  pdTRUE, pdFALSE, pdPASS, portMAX_DELAY, tskIDLE_PRIORITY,
  eRunning, eReady, eBlocked, eSuspended, eDeleted,
  taskSCHEDULER_SUSPENDED, taskSCHEDULER_RUNNING,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle, Ref } from "../../src/freertos/index.js";
import { T, mk, park, spawn, spawnMutexChain } from "./harness.js";






function basePriority(rtos: FreeRTOS, h: TaskHandle): number {
  const s = rtos.uxTaskGetSystemState().find((x) => x.handle === h);
  assert.ok(s, "task not in uxTaskGetSystemState()");
  return s.basePriority;
}

// ---------------------------------------------------------------------------------------------
// Rule 15
// ---------------------------------------------------------------------------------------------

test("rule 15: waiters are woken in priority order, FIFO among equal priorities; a send to a higher-priority waiter switches at once", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(4, 0)!;
  assert.ok(q);
  const log: string[] = [];
  const receiver = (name: string, delayTicks: number) => async () => {
    await rtos.vTaskDelay(delayTicks);
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`${name}:${String(ref.value)}`);
    await park(rtos);
  };
  // Blocking order a(t1) b(t2) c(t3) d(t4); priorities a=2 b=3 c=2 d=3.
  await spawn(rtos, "a", 2, receiver("a", 1));
  await spawn(rtos, "b", 3, receiver("b", 2));
  await spawn(rtos, "c", 2, receiver("c", 3));
  await spawn(rtos, "d", 3, receiver("d", 4));
  await spawn(rtos, "S", 1, async () => {
    await rtos.vTaskDelay(10);
    for (let i = 1; i <= 4; i++) {
      assert.equal(await rtos.xQueueSend(q, i, 0), pdPASS);
      log.push(`S:${i}`);
    }
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  // Highest priority first, FIFO among equals (b before d, a before c); each receiver has a
  // higher priority than S, so it runs before S's next statement.
  assert.deepEqual(log, ["b:1", "S:1", "d:2", "S:2", "a:3", "S:3", "c:4", "S:4"]);
});

test("rule 15: a send or give to an equal- or lower-priority waiter does not switch", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const sem = rtos.xSemaphoreCreateBinary()!;
  assert.ok(q && sem);
  const log: string[] = [];
  await spawn(rtos, "Weq", 2, async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`Weq:${String(ref.value)}`);
    await park(rtos);
  });
  await spawn(rtos, "Wlow", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(sem, portMAX_DELAY), pdPASS);
    log.push("Wlow:took");
    await park(rtos);
  });
  await spawn(rtos, "S", 2, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xQueueSend(q, "x", 0), pdPASS);
    log.push("S:sent");
    assert.equal(await rtos.xSemaphoreGive(sem), pdPASS);
    log.push("S:gave");
    await rtos.vTaskDelay(5);
    log.push("S:end");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["S:sent", "S:gave", "Weq:x", "Wlow:took", "S:end"]);
});

test("rule 15: changing a waiting task's priority does not re-sort the list it waits on", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const log: string[] = [];
  const waiter = (name: string, delayTicks: number) => async () => {
    await rtos.vTaskDelay(delayTicks);
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`${name}:${String(ref.value)}`);
    await park(rtos);
  };
  await spawn(rtos, "W1", 3, waiter("W1", 1));
  const w2 = await spawn(rtos, "W2", 2, waiter("W2", 2));
  await spawn(rtos, "C", 1, async () => {
    await rtos.vTaskDelay(3);
    // W1 (prio 3) is the head of the event list, W2 (prio 2) behind it. Raise W2 above W1.
    await rtos.vTaskPrioritySet(w2, 5);
    assert.equal(rtos.uxTaskPriorityGet(w2), 5);
    assert.equal(rtos.eTaskGetState(w2), eBlocked);
    assert.equal(await rtos.xQueueSend(q, 1, 0), pdPASS); // wakes the head: still W1
    log.push("C:after1");
    assert.equal(await rtos.xQueueSend(q, 2, 0), pdPASS);
    log.push("C:after2");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["W1:1", "C:after1", "W2:2", "C:after2"]);
});

test("rule 15: a later waiter is inserted by the changed item value, the changed task keeps its place (vListInsert)", T, async () => {
  // V11: vTaskPrioritySet sets xEventListItem's value to configMAX_PRIORITIES - newPriority
  // without moving it; vListInsert then walks from the head while item value <= new value.
  // Event list [A(val 8-6=2), B(val 8-3=5)]; A lowered to 2 -> [A(6), B(5)];
  // W (prio 4, val 4) inserts at the head because A's value 6 > 4 -> [W, A, B].
  // (Re-sorting would give W, B, A; remembering A's old key would give A, W, B.)
  const rtos = mk();
  const q = rtos.xQueueCreate(3, 0)!;
  const log: string[] = [];
  const waiter = (name: string, delayTicks: number) => async () => {
    await rtos.vTaskDelay(delayTicks);
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`${name}:${String(ref.value)}`);
    await park(rtos);
  };
  const a = await spawn(rtos, "A", 6, waiter("A", 1));
  await spawn(rtos, "B", 3, waiter("B", 2));
  await spawn(rtos, "W", 4, waiter("W", 4));
  await spawn(rtos, "X", 1, async () => {
    await rtos.vTaskDelay(3);
    await rtos.vTaskPrioritySet(a, 2);
    assert.equal(rtos.uxTaskPriorityGet(a), 2);
    await rtos.vTaskDelay(2); // W blocks at tick 4
    for (let i = 1; i <= 3; i++) assert.equal(await rtos.xQueueSend(q, i, 0), pdPASS);
    log.push("X:done");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["W:1", "A:2", "B:3", "X:done"]);
});

test("rule 15: a task blocks with the event item value vTaskPrioritySet left (vTaskPlaceOnEventList does not recompute it)", T, async () => {
  // L inherits 4 from H, then sets its own priority to 2: uxPriority stays 4 but the event item
  // value becomes 8-2=6 (uxNewPriority). L then waits on q where X (prio 3, value 5) already
  // waits: vListInsert places L after X, so a send wakes X although L's priority is higher.
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const m = rtos.xSemaphoreCreateMutex()!;
  const q = rtos.xQueueCreate(1, 0)!;
  const log: string[] = [];
  const h: Record<string, TaskHandle> = {};
  const receive = async (name: string) => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`${name}:${String(ref.value)}`);
  };
  h.L = await spawn(rtos, "L", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    await rtos.vTaskDelay(2); // H blocks on m at tick 1: L inherits 4
    await rtos.vTaskPrioritySet(null, 2);
    assert.equal(rtos.uxTaskPriorityGet(null), 4);
    await receive("L");
    await park(rtos);
  });
  h.X = await spawn(rtos, "X", 3, async () => { await receive("X"); await park(rtos); });
  await spawn(rtos, "H", 4, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xSemaphoreTake(m, portMAX_DELAY), pdPASS);
    await park(rtos);
  });
  await spawn(rtos, "S", 6, async () => {
    await rtos.vTaskDelay(3);
    assert.equal(rtos.eTaskGetState(h.L), eBlocked);
    assert.equal(await rtos.xQueueSend(q, "s", 0), pdPASS);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(6);
  assert.deepEqual(log, ["X:s"]);
  assert.equal(rtos.eTaskGetState(h.L), eBlocked);
});

// ---------------------------------------------------------------------------------------------
// Rule 16
// ---------------------------------------------------------------------------------------------

test("rule 16: tasks unblocked while suspended wait on the pending-ready list, drained in order by xTaskResumeAll, which returns pdTRUE when it yields", T, async () => {
  const rtos = mk();
  const qA = rtos.xQueueCreate(1, 0)!;
  const qB = rtos.xQueueCreate(1, 0)!;
  const qC = rtos.xQueueCreate(1, 0)!;
  const log: string[] = [];
  const waiter = (name: string, q: NonNullable<typeof qA>) => async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(name);
    await park(rtos);
  };
  const wa = await spawn(rtos, "WA", 2, waiter("A", qA));
  const wb = await spawn(rtos, "WB", 2, waiter("B", qB));
  const wc = await spawn(rtos, "WC", 3, waiter("C", qC));
  await spawn(rtos, "T", 1, async () => {
    await rtos.vTaskDelay(1);
    rtos.vTaskSuspendAll();
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_SUSPENDED);
    assert.equal(await rtos.xQueueSend(qB, 1, 0), pdPASS);
    log.push("T:sentB");
    assert.equal(await rtos.xQueueSend(qA, 1, 0), pdPASS);
    log.push("T:sentA");
    assert.equal(await rtos.xQueueSend(qC, 1, 0), pdPASS); // higher priority: switch only pended
    log.push("T:sentC");
    for (const h of [wa, wb, wc]) assert.equal(rtos.eTaskGetState(h), eReady, "pending-ready task is Ready");
    const yielded = await rtos.xTaskResumeAll();
    log.push("T:resumed");
    assert.equal(yielded, pdTRUE);
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_RUNNING);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  // B was readied before A, so among the two priority-2 tasks B runs first.
  assert.deepEqual(log, ["T:sentB", "T:sentA", "T:sentC", "C", "B", "A", "T:resumed"]);
});

test("rule 16: nested suspension; xTaskResumeAll returns pdFALSE when no readied task outranks the caller", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(1, 0)!;
  const q2 = rtos.xQueueCreate(1, 0)!;
  const log: string[] = [];
  const w = await spawn(rtos, "W", 2, async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push("W");
    await park(rtos);
  });
  const l = await spawn(rtos, "L", 1, async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q2, ref, portMAX_DELAY), pdPASS);
    log.push("L");
    await park(rtos);
  });
  await spawn(rtos, "T", 2, async () => {
    await rtos.vTaskDelay(1);
    rtos.vTaskSuspendAll();
    rtos.vTaskSuspendAll();
    assert.equal(await rtos.xQueueSend(q, 1, 0), pdPASS); // equal priority
    assert.equal(await rtos.xQueueSend(q2, 1, 0), pdPASS); // lower priority
    assert.equal(rtos.eTaskGetState(w), eReady);
    assert.equal(rtos.eTaskGetState(l), eReady);
    assert.equal(await rtos.xTaskResumeAll(), pdFALSE); // still suspended once
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_SUSPENDED);
    log.push("T:inner");
    assert.equal(await rtos.xTaskResumeAll(), pdFALSE);
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_RUNNING);
    log.push("T:outer");
    await rtos.vTaskDelay(1);
    log.push("T:end");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["T:inner", "T:outer", "W", "L", "T:end"]);
});

test("rule 16: ticks during suspension are counted, replayed by xTaskResumeAll, and a task they wake runs before it returns pdTRUE", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const d = await spawn(rtos, "D", 2, async () => {
    await rtos.vTaskDelay(5); // due at tick 5
    log.push(`D@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  await spawn(rtos, "T", 1, async () => {
    await rtos.vTaskDelay(3);
    assert.equal(rtos.xTaskGetTickCount(), 3);
    rtos.vTaskSuspendAll();
    await rtos.busy(3.5); // ticks 4, 5, 6 occur while suspended
    // xTaskIncrementTick only increments xPendedTicks while suspended.
    assert.equal(rtos.xTaskGetTickCount(), 3, "tick count frozen while suspended");
    assert.equal(rtos.eTaskGetState(d), eBlocked, "D not woken while suspended");
    log.push("T:resuming");
    const yielded = await rtos.xTaskResumeAll();
    log.push(`T:resumed@${rtos.xTaskGetTickCount()}`);
    assert.equal(yielded, pdTRUE);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  // All pended ticks are replayed before the yield, so D sees tick 6.
  assert.deepEqual(log, ["T:resuming", "D@6", "T:resumed@6"]);
  assert.equal(rtos.xTaskGetTickCount(), 10);
});

// ---------------------------------------------------------------------------------------------
// Rule 17
// ---------------------------------------------------------------------------------------------

test("rule 17: eTaskGetState for running, ready, pending-ready, delayed, object/notification waits, suspended and deleted tasks", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(1, 0)!;
  const q2 = rtos.xQueueCreate(1, 0)!;
  const q3 = rtos.xQueueCreate(1, 0)!;
  const h: Record<string, TaskHandle> = {};
  let checked = false;
  h.Dly = await spawn(rtos, "Dly", 2, async () => { await rtos.vTaskDelay(50); await park(rtos); });
  h.QForever = await spawn(rtos, "QForever", 2, async () => {
    const ref: Ref<unknown> = { value: undefined };
    await rtos.xQueueReceive(q, ref, portMAX_DELAY);
    await park(rtos);
  });
  h.QTimeout = await spawn(rtos, "QTimeout", 2, async () => {
    const ref: Ref<unknown> = { value: undefined };
    await rtos.xQueueReceive(q2, ref, 50);
    await park(rtos);
  });
  h.NForever = await spawn(rtos, "NForever", 2, async () => { await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY); await park(rtos); });
  h.NTimeout = await spawn(rtos, "NTimeout", 2, async () => { await rtos.ulTaskNotifyTake(pdTRUE, 50); await park(rtos); });
  h.NWait = await spawn(rtos, "NWait", 2, async () => {
    const ref: Ref<number> = { value: 0 };
    await rtos.xTaskNotifyWait(0, 0, ref, portMAX_DELAY);
    await park(rtos);
  });
  h.Susp = await spawn(rtos, "Susp", 2, async () => { await park(rtos); });
  h.SuspBlocked = await spawn(rtos, "SuspBlocked", 2, async () => {
    const ref: Ref<unknown> = { value: undefined };
    await rtos.xQueueReceive(q3, ref, portMAX_DELAY);
    await park(rtos);
  });
  h.SelfDel = await spawn(rtos, "SelfDel", 2, async () => { await rtos.vTaskDelete(null); });
  // Keeps the CPU at priority 1 so the idle task never runs (SelfDel stays on the termination list).
  h.Rdy = await spawn(rtos, "Rdy", 1, async () => { for (;;) await rtos.busy(1); });
  h.Busy = await spawn(rtos, "Busy", 3, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(rtos.eTaskGetState(h.Busy), eRunning, "caller");
    assert.equal(rtos.eTaskGetState(h.Rdy), eReady, "preempted task");
    assert.equal(rtos.eTaskGetState(h.Dly), eBlocked, "vTaskDelay");
    assert.equal(rtos.eTaskGetState(h.QForever), eBlocked, "queue wait, portMAX_DELAY");
    assert.equal(rtos.eTaskGetState(h.QTimeout), eBlocked, "queue wait with timeout");
    assert.equal(rtos.eTaskGetState(h.NForever), eBlocked, "notification wait, portMAX_DELAY");
    assert.equal(rtos.eTaskGetState(h.NTimeout), eBlocked, "notification wait with timeout");
    assert.equal(rtos.eTaskGetState(h.NWait), eBlocked, "xTaskNotifyWait, portMAX_DELAY");
    assert.equal(rtos.eTaskGetState(h.Susp), eSuspended, "vTaskSuspend(NULL)");
    assert.equal(rtos.eTaskGetState(h.SuspBlocked), eBlocked, "before suspension");
    await rtos.vTaskSuspend(h.SuspBlocked);
    assert.equal(rtos.eTaskGetState(h.SuspBlocked), eSuspended, "suspended while waiting forever");
    rtos.vTaskSuspendAll();
    assert.equal(await rtos.xQueueSend(q, 1, 0), pdPASS);
    assert.equal(rtos.eTaskGetState(h.QForever), eReady, "on the pending-ready list");
    assert.equal(await rtos.xTaskResumeAll(), pdFALSE);
    assert.equal(rtos.eTaskGetState(h.QForever), eReady, "on its ready list");
    assert.equal(rtos.eTaskGetState(h.SelfDel), eDeleted, "self-deleted, idle has not run");
    checked = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.ok(checked);
});

// ---------------------------------------------------------------------------------------------
// Rule 18
// ---------------------------------------------------------------------------------------------

test("rule 18: vTaskSuspend removes a task from the event list it waits on", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const log: string[] = [];
  const waiter = (name: string) => async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`${name}:${String(ref.value)}`);
    await park(rtos);
  };
  const t1 = await spawn(rtos, "T1", 2, waiter("T1"));
  const t2 = await spawn(rtos, "T2", 2, waiter("T2"));
  await spawn(rtos, "C", 3, async () => {
    await rtos.vTaskDelay(1);
    await rtos.vTaskSuspend(t1); // T1 was the head of the waiting list
    assert.equal(rtos.eTaskGetState(t1), eSuspended);
    assert.equal(await rtos.xQueueSend(q, "x", 0), pdPASS);
    assert.equal(rtos.eTaskGetState(t2), eReady, "T2 woken instead of the suspended T1");
    assert.equal(rtos.eTaskGetState(t1), eSuspended);
    await rtos.vTaskDelay(1);
    assert.deepEqual(log, ["T2:x"]);
    await rtos.vTaskResume(t1); // resumes inside xQueueReceive: queue empty, portMAX_DELAY -> blocks again
    await rtos.vTaskDelay(1);
    assert.equal(rtos.eTaskGetState(t1), eBlocked);
    assert.equal(await rtos.xQueueSend(q, "y", 0), pdPASS);
    await rtos.vTaskDelay(1);
    log.push("C:end");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["T2:x", "T1:y", "C:end"]);
});

test("rule 18: vTaskSuspend cancels a notification wait (the take returns 0 on resume; a notify while suspended does not wake)", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const n = await spawn(rtos, "N", 2, async () => {
    const v1 = await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    log.push(`N:${v1}@${rtos.xTaskGetTickCount()}`);
    const v2 = await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    log.push(`N:${v2}@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  await spawn(rtos, "C", 3, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(rtos.eTaskGetState(n), eBlocked);
    await rtos.vTaskSuspend(n);
    assert.equal(rtos.eTaskGetState(n), eSuspended, "notification wait cancelled");
    await rtos.vTaskDelay(2);
    await rtos.vTaskResume(n); // tick 3: N continues in ulTaskNotifyTake with nothing received
    await rtos.vTaskDelay(1);
    assert.equal(rtos.eTaskGetState(n), eBlocked, "N waits again");
    await rtos.vTaskSuspend(n);
    await rtos.xTaskNotifyGive(n); // N is not waiting any more: value pending, N stays suspended
    assert.equal(rtos.eTaskGetState(n), eSuspended);
    await rtos.vTaskDelay(1);
    assert.equal(log.length, 1);
    await rtos.vTaskResume(n); // tick 5
    await rtos.vTaskDelay(1);
    log.push("C:end");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["N:0@3", "N:1@5", "C:end"]);
});

test("rule 18: vTaskResume ignores tasks that are blocked (object, delay, notification) or ready", T, async () => {
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const q = rtos.xQueueCreate(1, 0)!;
  const log: string[] = [];
  const qb = await spawn(rtos, "QB", 2, async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`QB@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  const dl = await spawn(rtos, "DL", 2, async () => {
    await rtos.vTaskDelay(5);
    log.push(`DL@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  const nb = await spawn(rtos, "NB", 2, async () => {
    const v = await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    log.push(`NB:${v}@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  // Two ready priority-1 tasks, A ahead of B in the rotation.
  const a = await spawn(rtos, "A", 1, async () => { log.push("A"); await park(rtos); });
  await spawn(rtos, "B", 1, async () => { log.push("B"); await park(rtos); });
  await spawn(rtos, "C", 3, async () => {
    await rtos.vTaskResume(a); // Ready, not suspended: must not be moved to the end of its list
    assert.equal(rtos.eTaskGetState(a), eReady);
    await rtos.vTaskDelay(1); // QB, DL, NB block; A then B run
    for (const x of [qb, dl, nb]) {
      await rtos.vTaskResume(x);
      assert.equal(rtos.eTaskGetState(x), eBlocked);
    }
    await rtos.vTaskDelay(1);
    log.push("C@2");
    await rtos.vTaskDelay(6); // tick 8
    assert.equal(await rtos.xQueueSend(q, 1, 0), pdPASS);
    await rtos.xTaskNotifyGive(nb);
    await rtos.vTaskDelay(1);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(12);
  assert.deepEqual(log, ["A", "B", "C@2", "DL@5", "QB@8", "NB:1@8"]);
});

test("rule 18: vTaskResume on the calling task itself is ignored (no yield, no list change)", T, async () => {
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const log: string[] = [];
  const xRef: { h: TaskHandle | null } = { h: null };
  xRef.h = await spawn(rtos, "X", 1, async () => {
    await rtos.vTaskResume(xRef.h!);
    log.push("X:after-resume");
    assert.equal(rtos.eTaskGetState(xRef.h!), eRunning);
    await rtos.taskYIELD();
    log.push("X:after-yield");
    await park(rtos);
  });
  await spawn(rtos, "Y", 1, async () => {
    log.push("Y");
    await rtos.taskYIELD();
    log.push("Y:after-yield");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.deepEqual(log, ["X:after-resume", "Y", "X:after-yield", "Y:after-yield"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 19
// ---------------------------------------------------------------------------------------------

test("rule 19: raising another task above the running one yields at once; raising it to equal does not", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const l = await spawn(rtos, "L", 1, async () => {
    log.push(`L:${rtos.uxTaskPriorityGet(null)}`);
    await park(rtos);
  });
  await spawn(rtos, "C", 2, async () => {
    await rtos.vTaskPrioritySet(l, 2);
    assert.equal(rtos.uxTaskPriorityGet(l), 2);
    log.push("C:eq");
    await rtos.vTaskPrioritySet(l, 3);
    log.push("C:after");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(log, ["C:eq", "L:3", "C:after"]);
});

test("rule 19: lowering the running task yields, also to a task of the new equal priority", T, async () => {
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const log: string[] = [];
  await spawn(rtos, "T", 1, async () => { log.push("T"); await park(rtos); });
  await spawn(rtos, "M", 2, async () => { log.push("M"); await park(rtos); });
  await spawn(rtos, "C", 3, async () => {
    log.push("C:before");
    await rtos.vTaskPrioritySet(null, 1);
    log.push(`C:after:${rtos.uxTaskPriorityGet(null)}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  // M outranks C's new priority; T is ahead of C (re-added at the end) in the priority-1 list.
  assert.deepEqual(log, ["C:before", "M", "T", "C:after:1"]);
});

test("rule 19: while a priority is inherited only the base priority changes", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const m = rtos.xSemaphoreCreateMutex()!;
  const m2 = rtos.xSemaphoreCreateMutex()!;
  assert.ok(m && m2);
  const lRef: { h: TaskHandle | null } = { h: null };
  lRef.h = await spawn(rtos, "L", 1, async () => {
    const me = lRef.h!;
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    await rtos.vTaskDelay(2); // H blocks on m at tick 1 -> L inherits 4
    assert.equal(rtos.uxTaskPriorityGet(null), 4);
    await rtos.vTaskPrioritySet(null, 2); // below the inherited priority
    assert.equal(rtos.uxTaskPriorityGet(null), 4, "inherited priority kept");
    assert.equal(basePriority(rtos, me), 2, "base priority changed");
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS); // disinherit to the new base 2: H runs
    log.push(`L:after-give:${rtos.uxTaskPriorityGet(null)}`);
    // Second round: set a priority above the inherited one -> it is used at once.
    assert.equal(await rtos.xSemaphoreTake(m2, 0), pdPASS);
    await rtos.vTaskDelay(2); // H2 (prio 5) blocks on m2
    assert.equal(rtos.uxTaskPriorityGet(null), 5);
    await rtos.vTaskPrioritySet(null, 6);
    assert.equal(rtos.uxTaskPriorityGet(null), 6);
    assert.equal(basePriority(rtos, me), 6);
    assert.equal(await rtos.xSemaphoreGive(m2), pdPASS); // H2 (5) < 6: no switch
    log.push(`L:after-give2:${rtos.uxTaskPriorityGet(null)}`);
    await park(rtos);
  });
  await spawn(rtos, "H", 4, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xSemaphoreTake(m, portMAX_DELAY), pdPASS);
    log.push(`H:L=${rtos.uxTaskPriorityGet(lRef.h!)}`);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    await park(rtos);
  });
  await spawn(rtos, "H2", 5, async () => {
    await rtos.vTaskDelay(3);
    assert.equal(await rtos.xSemaphoreTake(m2, portMAX_DELAY), pdPASS);
    log.push("H2");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["H:L=2", "L:after-give:2", "L:after-give2:6", "H2"]);
});

test("rule 19: vTaskPrioritySet on a blocked task with an inherited priority gives its event item the new base value (uxNewPriority)", T, async () => {
  // V11 vTaskPrioritySet: uxPriority stays inherited, but
  //   listSET_LIST_ITEM_VALUE(&xEventListItem, configMAX_PRIORITIES - uxNewPriority).
  // Md (base 2) waits on m1 having inherited 5 from H (value 8-5=3). C sets Md's priority to 1:
  // Md keeps priority 5, its item value becomes 8-1=7. W (prio 3, value 5) then blocks on m1 and
  // vListInsert puts it ahead of Md (7 > 5). So when L gives m1, W is woken first, not Md.
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const m1 = rtos.xSemaphoreCreateMutex()!;
  const m2 = rtos.xSemaphoreCreateMutex()!;
  const log: string[] = [];
  const h = await spawnMutexChain(rtos, m1, m2, log, () => `L:give@${rtos.uxTaskPriorityGet(null)}`);
  await spawn(rtos, "C", 6, async () => {
    await rtos.vTaskDelay(3);
    assert.equal(rtos.uxTaskPriorityGet(h.Md), 5);
    await rtos.vTaskPrioritySet(h.Md, 1);
    assert.equal(rtos.uxTaskPriorityGet(h.Md), 5, "inherited priority kept");
    assert.equal(basePriority(rtos, h.Md), 1);
    await park(rtos);
  });
  await spawn(rtos, "W", 3, async () => {
    await rtos.vTaskDelay(4);
    assert.equal(await rtos.xSemaphoreTake(m1, portMAX_DELAY), pdPASS);
    log.push("W");
    assert.equal(await rtos.xSemaphoreGive(m1), pdPASS);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  // L gives m1 (drops 3 -> 1): W, the head, runs; its give wakes Md (5 > 3); Md's last give
  // drops it to base 1 and wakes H.
  assert.deepEqual(log, ["L:give@3", "W", "Md", "H"]);
});

test("rule 19: a ready task whose base priority changes is moved to the end of its ready list even though its effective priority is unchanged", T, async () => {
  // A (base 1) inherits 3 from H. C (3) runs with the rotation C -> A -> B. C sets A's
  // priority to 2 (below the inherited 3): uxPriority stays 3, but vTaskPrioritySet removes A
  // from its ready list and re-adds it at the end -> rotation C -> B -> A. C yields: B runs.
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const m = rtos.xSemaphoreCreateMutex()!;
  const log: string[] = [];
  const aRef: { h: TaskHandle | null } = { h: null };
  aRef.h = await spawn(rtos, "A", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    await rtos.busy(10);
    log.push(`A:${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    log.push(`A:after-give:${rtos.uxTaskPriorityGet(null)}`);
    await park(rtos);
  });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xSemaphoreTake(m, portMAX_DELAY), pdPASS);
    log.push("H");
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    await park(rtos);
  });
  await spawn(rtos, "C", 3, async () => {
    await rtos.vTaskDelay(1);
    await rtos.busy(1.5); // B becomes ready at tick 2 (no time slicing: C keeps running)
    const a = aRef.h!;
    assert.equal(rtos.uxTaskPriorityGet(a), 3);
    assert.equal(rtos.eTaskGetState(a), eReady);
    await rtos.vTaskPrioritySet(a, 2);
    assert.equal(rtos.uxTaskPriorityGet(a), 3, "effective priority unchanged (inherited)");
    assert.equal(basePriority(rtos, a), 2);
    log.push("C:yield");
    await rtos.taskYIELD();
    await park(rtos);
  });
  await spawn(rtos, "B", 3, async () => {
    await rtos.vTaskDelay(2);
    log.push("B");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  assert.deepEqual(log, ["C:yield", "B", "A:3", "H", "A:after-give:2"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 20
// ---------------------------------------------------------------------------------------------

test("rule 20: a self-deleted task waits on the termination list until the idle task frees it", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const heapBeforeV = rtos.xPortGetFreeHeapSize();
  const v = await spawn(rtos, "V", 3, async () => {
    log.push("V");
    await rtos.vTaskDelete(null);
    log.push("V:after-delete"); // never reached
  });
  const vBytes = heapBeforeV - rtos.xPortGetFreeHeapSize();
  assert.ok(vBytes > 0, "creating a task takes heap");
  await spawn(rtos, "B", 2, async () => {
    await rtos.busy(5); // keeps the idle task off the CPU until tick 5
    log.push(`B@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  const n0 = rtos.uxTaskGetNumberOfTasks(); // V, B, IDLE, Tmr Svc
  const heapStart = rtos.xPortGetFreeHeapSize();
  await rtos.run(1);
  assert.deepEqual(log, ["V"]);
  assert.equal(rtos.uxTaskGetNumberOfTasks(), n0, "still counted until idle frees it");
  assert.equal(rtos.xPortGetFreeHeapSize(), heapStart, "memory not freed before idle runs");
  assert.equal(rtos.eTaskGetState(v), eDeleted, "on the termination list");
  await rtos.run(3); // tick 4: B still busy
  assert.equal(rtos.uxTaskGetNumberOfTasks(), n0);
  assert.equal(rtos.xPortGetFreeHeapSize(), heapStart);
  await rtos.run(3); // tick 7: B blocked at 5, idle ran
  assert.deepEqual(log, ["V", "B@5"]);
  assert.equal(rtos.uxTaskGetNumberOfTasks(), n0 - 1);
  assert.equal(rtos.xPortGetFreeHeapSize(), heapStart + vBytes);
});

test("rule 20: deleting another task frees it at once", T, async () => {
  const rtos = mk();
  let checked = false;
  const heap0 = rtos.xPortGetFreeHeapSize();
  const v = await spawn(rtos, "V2", 1, async () => { await rtos.vTaskDelay(100); });
  const vBytes = heap0 - rtos.xPortGetFreeHeapSize();
  await spawn(rtos, "K", 3, async () => {
    await rtos.vTaskDelay(1);
    const n = rtos.uxTaskGetNumberOfTasks();
    const heap = rtos.xPortGetFreeHeapSize();
    await rtos.vTaskDelete(v);
    assert.equal(rtos.uxTaskGetNumberOfTasks(), n - 1);
    assert.equal(rtos.xPortGetFreeHeapSize(), heap + vBytes);
    checked = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.ok(checked);
});

// ---------------------------------------------------------------------------------------------
// Rule 21
// ---------------------------------------------------------------------------------------------

test("rule 21: the idle hook runs in the idle task, only when the idle task runs", T, async () => {
  let hookCalls = 0;
  const hookTasks = new Set<string>();
  const rtos: FreeRTOS = mk({
    vApplicationIdleHook: () => {
      hookCalls++;
      hookTasks.add(rtos.pcTaskGetName(rtos.xTaskGetCurrentTaskHandle()));
    },
  });
  const seen: number[] = [];
  await spawn(rtos, "H", 2, async () => {
    const c0 = hookCalls;
    await rtos.busy(5);
    seen.push(hookCalls - c0); // 0: idle never ran
    await rtos.vTaskDelay(5);
    seen.push(hookCalls - c0); // > 0
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(12);
  assert.equal(seen.length, 2);
  assert.equal(seen[0], 0, "idle hook ran while a higher-priority task was busy");
  assert.ok(seen[1] > 0, "idle hook did not run while everything was blocked");
  assert.deepEqual([...hookTasks], ["IDLE"]);
});

async function idleYieldIterations(idleShouldYield: 0 | 1, timeSlicing: 0 | 1): Promise<number> {
  const rtos = mk({ configIDLE_SHOULD_YIELD: idleShouldYield, configUSE_TIME_SLICING: timeSlicing });
  let iterations = 0;
  await spawn(rtos, "P", tskIDLE_PRIORITY, async () => {
    for (;;) {
      iterations++;
      await rtos.taskYIELD();
      await rtos.busy(0.5);
    }
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  return iterations;
}

test("rule 21: with configIDLE_SHOULD_YIELD=1 the idle task yields at once to another priority-0 task", T, async () => {
  const noSlice = await idleYieldIterations(1, 0);
  assert.ok(noSlice >= 19 && noSlice <= 21, `iterations ${noSlice} (expected ~20: idle yields straight back)`);
  const slice = await idleYieldIterations(1, 1);
  assert.ok(slice >= 19 && slice <= 21, `iterations ${slice} (expected ~20)`);
});

test("rule 21: with configIDLE_SHOULD_YIELD=0 the idle task keeps the CPU (until a time slice ends)", T, async () => {
  const noSlice = await idleYieldIterations(0, 0);
  assert.equal(noSlice, 1, "idle never yields and nothing preempts it without time slicing");
  const slice = await idleYieldIterations(0, 1);
  assert.ok(slice >= 9 && slice <= 11, `iterations ${slice} (expected ~10: P runs once per time slice)`);
});
