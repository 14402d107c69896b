/*
 * Conformance tests for /work/shared/spec/freertos-rules.md rules 23, 25-28 and 33 (queues,
 * mutexes, asserts), checked against FreeRTOS-Kernel V11 queue.c / tasks.c / event_groups.c:
 *
 *   23  prvCopyDataToQueue (queueSEND_TO_FRONT writes at pcReadFrom and moves it back;
 *       queueOVERWRITE replaces the single item), xQueueGenericSend (configASSERT overwrite
 *       only on length 1; overwrite ignores "full", so never blocks), xQueuePeek (restores
 *       pcReadFrom and xTaskRemoveFromEventList(xTasksWaitingToReceive) while data remains).
 *   25  xQueueSemaphoreTake (xMutexHolder = pvTaskIncrementMutexHeldCount(); before blocking
 *       xTaskPriorityInherit(holder)), xTaskPriorityInherit (changes the holder only).
 *   26  prvCopyDataToQueue -> xTaskPriorityDisinherit (configASSERT(pxTCB == pxCurrentTCB);
 *       disinherit only when uxMutexesHeld reaches 0, then xReturn = pdTRUE -> yield);
 *       xSemaphoreGive on a mutex that is not taken -> queue full -> errQUEUE_FULL.
 *   27  xQueueSemaphoreTake timeout path -> prvGetHighestPriorityOfWaitToReceiveList +
 *       vTaskPriorityDisinheritAfterTimeout (only if uxMutexesHeld == 1).
 *   28  xQueueTakeMutexRecursive / xQueueGiveMutexRecursive (count, pdFAIL for non-holder).
 *   33  configASSERTs: xQueueGenericSend / xQueueReceive / xQueuePeek / xQueueSemaphoreTake /
 *       xEventGroupWaitBits "!(suspended && xTicksToWait != 0)"; vTaskDelay / xTaskDelayUntil
 *       "uxSchedulerSuspended == 1" after their own suspend; vTaskSuspend / vTaskDelete of self
 *       "uxSchedulerSuspended == 0"; vTaskPrioritySet / prvInitialiseNewTask
 *       "priority < configMAX_PRIORITIES"; event-group set/clear/wait
 *       "(bits & eventEVENT_BITS_CONTROL_BYTES) == 0"; xTaskPriorityDisinherit holder check.
 *
 * Task-level behaviour only. Not covered here (ISR-only parts): the FromISR variants of rule 22's
 * neighbours, and rule 33's "any blocking call from an ISR" / "a non-FromISR call from an ISR".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  pdTRUE, pdFALSE, pdPASS, pdFAIL, errQUEUE_FULL, errQUEUE_EMPTY, portMAX_DELAY,
  eReady, eBlocked, taskSCHEDULER_SUSPENDED, taskSCHEDULER_RUNNING, KernelAssertError,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle, Ref, TraceEvent } from "../../src/freertos/index.js";
import { T, mk, park, spawn, spawnMutexChain } from "./harness.js";






function basePriority(rtos: FreeRTOS, h: TaskHandle): number {
  const s = rtos.uxTaskGetSystemState().find((x) => x.handle === h);
  assert.ok(s, "task not in uxTaskGetSystemState()");
  return s.basePriority;
}

/** API.md's event-group calls, reached through this view so the file compiles before they land. */
interface EventGroupApi {
  xEventGroupCreate(): object | null;
  xEventGroupSetBits(eg: object, bits: number): Promise<number>;
  xEventGroupClearBits(eg: object, bits: number): number;
  xEventGroupGetBits(eg: object): number;
  xEventGroupWaitBits(eg: object, bits: number, clearOnExit: number, waitForAll: number, ticks: number): Promise<number>;
}
function eventGroups(rtos: FreeRTOS): EventGroupApi {
  const api = rtos as unknown as Partial<EventGroupApi>;
  for (const name of ["xEventGroupCreate", "xEventGroupSetBits", "xEventGroupClearBits", "xEventGroupGetBits", "xEventGroupWaitBits"] as const)
    assert.equal(typeof api[name], "function", `facade has no ${name} (API.md event groups)`);
  return rtos as unknown as EventGroupApi;
}

function u8(...bytes: number[]): Uint8Array {
  return Uint8Array.from(bytes);
}

/**
 * The call must throw KernelAssertError synchronously, with a message naming the call and the
 * calling task. A promise returned instead is a failure (its rejection is consumed).
 */
function expectAssert(fn: () => unknown, call: string, taskName: string): void {
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    assert.ok(e instanceof KernelAssertError, `${call}: expected KernelAssertError, got ${String(e)}`);
    assert.ok(e.message.includes(call), `${call}: message does not name the call: ${JSON.stringify(e.message)}`);
    assert.ok(e.message.includes(taskName), `${call}: message does not name task "${taskName}": ${JSON.stringify(e.message)}`);
    return;
  }
  if (result instanceof Promise) result.catch(() => {});
  assert.fail(`${call}: did not throw KernelAssertError synchronously (returned ${result instanceof Promise ? "a promise" : String(result)})`);
}

// ---------------------------------------------------------------------------------------------
// Rule 23
// ---------------------------------------------------------------------------------------------

test("rule 23: send-to-front writes at the read end (also across the ring buffer wrap)", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(3, 1)!;
  assert.ok(q);
  const got: number[] = [];
  let done = false;
  await spawn(rtos, "Q", 2, async () => {
    const ref: Ref<Uint8Array | null> = { value: null };
    const recv = async () => {
      assert.equal(await rtos.xQueueReceive(q, ref, 0), pdPASS);
      got.push(ref.value![0]);
    };
    assert.equal(await rtos.xQueueSendToBack(q, u8(1), 0), pdPASS);
    assert.equal(await rtos.xQueueSendToBack(q, u8(2), 0), pdPASS);
    assert.equal(await rtos.xQueueSendToFront(q, u8(3), 0), pdPASS);
    assert.equal(rtos.uxQueueMessagesWaiting(q), 3);
    assert.equal(await rtos.xQueueSendToFront(q, u8(9), 0), errQUEUE_FULL, "front send on a full queue");
    await recv(); await recv(); await recv(); // 3 1 2
    // Wrap: [4 5] -> receive 4 -> front 6, back 7 -> 6 5 7
    assert.equal(await rtos.xQueueSend(q, u8(4), 0), pdPASS);
    assert.equal(await rtos.xQueueSend(q, u8(5), 0), pdPASS);
    await recv();
    assert.equal(await rtos.xQueueSendToFront(q, u8(6), 0), pdPASS);
    assert.equal(await rtos.xQueueSendToBack(q, u8(7), 0), pdPASS);
    await recv(); await recv(); await recv();
    assert.equal(await rtos.xQueueReceive(q, ref, 0), errQUEUE_EMPTY);
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.ok(done);
  assert.deepEqual(got, [3, 1, 2, 4, 6, 5, 7]);
});

test("rule 23: overwrite replaces the single item, never blocks, wakes a receiver, and asserts on a queue longer than 1", T, async () => {
  const rtos = mk();
  const q1 = rtos.xQueueCreate(1, 0)!;
  const q2 = rtos.xQueueCreate(2, 0)!;
  assert.ok(q1 && q2);
  const log: string[] = [];
  await spawn(rtos, "R", 3, async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q1, ref, portMAX_DELAY), pdPASS);
    log.push(`R:${String(ref.value)}`);
    await park(rtos);
  });
  await spawn(rtos, "Ovr", 1, async () => {
    assert.equal(await rtos.xQueueOverwrite(q1, "a"), pdPASS); // wakes R (higher): switch at once
    log.push("O:a");
    const t0 = rtos.xTaskGetTickCount();
    assert.equal(await rtos.xQueueOverwrite(q1, "b"), pdPASS);
    assert.equal(await rtos.xQueueOverwrite(q1, "c"), pdPASS); // full: overwritten, no block
    assert.equal(rtos.xTaskGetTickCount(), t0, "overwrite blocked");
    assert.equal(rtos.uxQueueMessagesWaiting(q1), 1);
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueuePeek(q1, ref, 0), pdPASS);
    log.push(`O:peek:${String(ref.value)}`);
    expectAssert(() => rtos.xQueueOverwrite(q2, "x"), "xQueueOverwrite", "Ovr");
    assert.equal(rtos.uxQueueMessagesWaiting(q2), 0);
    log.push("O:end");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(log, ["R:a", "O:a", "O:peek:c", "O:end"]);
});

test("rule 23: peek leaves the item and wakes the next waiting receiver", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(2, 0)!;
  const log: string[] = [];
  await spawn(rtos, "P", 3, async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueuePeek(q, ref, portMAX_DELAY), pdPASS);
    log.push(`P:${String(ref.value)}:${rtos.uxQueueMessagesWaiting(q)}`);
    await park(rtos);
  });
  await spawn(rtos, "R", 2, async () => {
    const ref: Ref<unknown> = { value: undefined };
    assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
    log.push(`R:${String(ref.value)}@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  await spawn(rtos, "S", 1, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xQueueSend(q, "x", 0), pdPASS); // wakes P (head); P's peek wakes R
    log.push(`S:${rtos.uxQueueMessagesWaiting(q)}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.deepEqual(log, ["P:x:1", "R:x@1", "S:0"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 25
// ---------------------------------------------------------------------------------------------

test("rule 25: take records the holder; a higher-priority waiter raises the holder to its priority, a lower one does not", T, async () => {
  const rtos = mk();
  const m = rtos.xSemaphoreCreateMutex()!;
  assert.ok(m);
  const inherits: string[] = [];
  rtos.setTraceSink((e: TraceEvent) => {
    if (e.kind === "task.priorityInherit") inherits.push(String(e.task));
  });
  const log: string[] = [];
  const lRef: { h: TaskHandle | null } = { h: null };
  let hHandle: TaskHandle | null = null;
  lRef.h = await spawn(rtos, "L", 2, async () => {
    assert.equal(rtos.xSemaphoreGetMutexHolder(m), null);
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    assert.equal(rtos.xSemaphoreGetMutexHolder(m), lRef.h);
    await rtos.vTaskDelay(2); // W (prio 1) blocks at 0: no change; H (prio 4) blocks at 1: L -> 4
    log.push(`L:${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(basePriority(rtos, lRef.h!), 2);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS); // H runs at once
    log.push(`L:${rtos.uxTaskPriorityGet(null)}`);
    await park(rtos);
  });
  await spawn(rtos, "W", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(m, portMAX_DELAY), pdPASS);
    log.push("W");
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    await park(rtos);
  });
  hHandle = await spawn(rtos, "H", 4, async () => {
    await rtos.vTaskDelay(1);
    log.push(`H:L=${rtos.uxTaskPriorityGet(lRef.h!)}`);
    assert.equal(await rtos.xSemaphoreTake(m, portMAX_DELAY), pdPASS);
    assert.equal(rtos.xSemaphoreGetMutexHolder(m), hHandle);
    log.push("H");
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(6);
  assert.deepEqual(log, ["H:L=2", "L:4", "H", "L:2", "W"]);
  assert.deepEqual(inherits, ["L"]);
});

test("rule 25: inheritance does not chain through the holder's own wait", T, async () => {
  // L holds M1; Md holds M2 and waits for M1 (L -> 2); H waits for M2 (Md -> 4, L stays 2).
  // X (3) therefore runs before L can finish.
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const m1 = rtos.xSemaphoreCreateMutex()!;
  const m2 = rtos.xSemaphoreCreateMutex()!;
  const log: string[] = [];
  const h = await spawnMutexChain(rtos, m1, m2, log, () => "L:give");
  await spawn(rtos, "O", 6, async () => {
    await rtos.vTaskDelay(3);
    log.push(`O:L=${rtos.uxTaskPriorityGet(h.L)},Md=${rtos.uxTaskPriorityGet(h.Md)}`);
    assert.equal(rtos.eTaskGetState(h.Md), eBlocked);
    await park(rtos);
  });
  await spawn(rtos, "X", 3, async () => {
    await rtos.vTaskDelay(3);
    await rtos.busy(5);
    log.push("X:done");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(30);
  // Md gets M1, gives M1 (still holds M2: keeps 5), gives M2 (disinherit to 2 -> H runs).
  assert.deepEqual(log, ["O:L=2,Md=5", "X:done", "L:give", "Md", "H"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 26
// ---------------------------------------------------------------------------------------------

test("rule 26: give by a non-holder asserts; giving an untaken mutex returns errQUEUE_FULL", T, async () => {
  const rtos = mk();
  const m = rtos.xSemaphoreCreateMutex()!;
  const log: string[] = [];
  const aRef: { h: TaskHandle | null } = { h: null };
  aRef.h = await spawn(rtos, "Owner", 2, async () => {
    assert.equal(await rtos.xSemaphoreGive(m), errQUEUE_FULL, "untaken mutex");
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    assert.equal(await rtos.xSemaphoreGive(m), errQUEUE_FULL, "given twice");
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    await rtos.vTaskDelay(2); // hold it while Other tries to give it
    assert.equal(rtos.xSemaphoreGetMutexHolder(m), aRef.h);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    log.push("Owner:gave");
    await park(rtos);
  });
  await spawn(rtos, "Other", 1, async () => {
    // Not taken by anyone: errQUEUE_FULL (the holder check is only reached when the give copies).
    await rtos.vTaskDelay(3);
    assert.equal(await rtos.xSemaphoreGive(m), errQUEUE_FULL);
    log.push("Other:untaken");
    await park(rtos);
  });
  await spawn(rtos, "Thief", 1, async () => {
    await rtos.vTaskDelay(1);
    expectAssert(() => rtos.xSemaphoreGive(m), "xSemaphoreGive", "Thief");
    assert.equal(rtos.xSemaphoreGetMutexHolder(m), aRef.h, "holder unchanged");
    assert.equal(rtos.uxSemaphoreGetCount(m), 0);
    log.push("Thief:asserted");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["Thief:asserted", "Owner:gave", "Other:untaken"]);
});

test("rule 26: the base priority returns only when the last mutex is given, and that give yields", T, async () => {
  const rtos = mk({ configUSE_TIME_SLICING: 0 });
  const ma = rtos.xSemaphoreCreateMutex()!;
  const mb = rtos.xSemaphoreCreateMutex()!;
  const log: string[] = [];
  const lRef: { h: TaskHandle | null } = { h: null };
  rtos.setTraceSink((e: TraceEvent) => {
    if (e.kind === "task.priorityDisinherit" && e.task === "L") log.push("disinherit:L");
  });
  let hHandle: TaskHandle | null = null;
  lRef.h = await spawn(rtos, "L", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(ma, 0), pdPASS);
    assert.equal(await rtos.xSemaphoreTake(mb, 0), pdPASS);
    await rtos.busy(1.5); // tick 1: H blocks on A (L -> 3), M becomes ready
    log.push(`L:prio${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(basePriority(rtos, lRef.h!), 1);
    assert.equal(await rtos.xSemaphoreGive(ma), pdPASS); // H readied, 3 is not > 3: no switch
    log.push(`L:gaveA prio${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(rtos.eTaskGetState(hHandle!), eReady);
    assert.equal(await rtos.xSemaphoreGive(mb), pdPASS); // no waiter, but disinherit -> yield
    log.push(`L:gaveB prio${rtos.uxTaskPriorityGet(null)}`);
    await park(rtos);
  });
  hHandle = await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xSemaphoreTake(ma, portMAX_DELAY), pdPASS);
    log.push("H");
    assert.equal(await rtos.xSemaphoreGive(ma), pdPASS);
    await park(rtos);
  });
  await spawn(rtos, "M", 2, async () => {
    await rtos.vTaskDelay(1);
    log.push("M");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["L:prio3", "L:gaveA prio3", "disinherit:L", "H", "M", "L:gaveB prio1"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 27
// ---------------------------------------------------------------------------------------------

test("rule 27: a mutex wait timing out drops the holder to max(base, highest remaining waiter)", T, async () => {
  const rtos = mk();
  const m = rtos.xSemaphoreCreateMutex()!;
  const log: string[] = [];
  const lRef: { h: TaskHandle | null } = { h: null };
  lRef.h = await spawn(rtos, "L", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    await rtos.vTaskDelay(20); // blocked while holding m
    log.push(`L:${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    await park(rtos);
  });
  const waiter = (name: string, delayTicks: number, timeout: number) => async () => {
    await rtos.vTaskDelay(delayTicks);
    assert.equal(await rtos.xSemaphoreTake(m, timeout), errQUEUE_EMPTY);
    log.push(`${name}@${rtos.xTaskGetTickCount()}:L=${rtos.uxTaskPriorityGet(lRef.h!)}`);
    await park(rtos);
  };
  await spawn(rtos, "H1", 4, waiter("H1", 1, 5)); // blocks at 1, times out at 6
  await spawn(rtos, "H2", 3, waiter("H2", 2, 10)); // blocks at 2, times out at 12
  await spawn(rtos, "W", 2, waiter("W", 2, 2)); // blocks at 2, times out at 4
  await spawn(rtos, "O", 6, async () => {
    await rtos.vTaskDelay(3);
    log.push(`O:L=${rtos.uxTaskPriorityGet(lRef.h!)}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(25);
  assert.deepEqual(log, ["O:L=4", "W@4:L=4", "H1@6:L=3", "H2@12:L=1", "L:1"]);
});

test("rule 27: no disinheritance after a timeout while the holder holds more than one mutex", T, async () => {
  const rtos = mk();
  const m = rtos.xSemaphoreCreateMutex()!;
  const m2 = rtos.xSemaphoreCreateMutex()!;
  const log: string[] = [];
  const lRef: { h: TaskHandle | null } = { h: null };
  lRef.h = await spawn(rtos, "L", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    assert.equal(await rtos.xSemaphoreTake(m2, 0), pdPASS);
    await rtos.vTaskDelay(20);
    log.push(`L:${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(await rtos.xSemaphoreGive(m2), pdPASS);
    log.push(`L:gave m2:${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    log.push(`L:gave m:${rtos.uxTaskPriorityGet(null)}`);
    await park(rtos);
  });
  const waiter = (name: string, delayTicks: number, timeout: number) => async () => {
    await rtos.vTaskDelay(delayTicks);
    assert.equal(await rtos.xSemaphoreTake(m, timeout), errQUEUE_EMPTY);
    log.push(`${name}@${rtos.xTaskGetTickCount()}:L=${rtos.uxTaskPriorityGet(lRef.h!)}`);
    await park(rtos);
  };
  await spawn(rtos, "H1", 4, waiter("H1", 1, 5));
  await spawn(rtos, "H2", 3, waiter("H2", 2, 10));
  rtos.vTaskStartScheduler();
  await rtos.run(25);
  assert.deepEqual(log, ["H1@6:L=4", "H2@12:L=4", "L:4", "L:gave m2:4", "L:gave m:1"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 28
// ---------------------------------------------------------------------------------------------

test("rule 28: recursive mutex counts takes and gives, is released at 0, and a non-holder give returns pdFAIL", T, async () => {
  const rtos = mk();
  const rm = rtos.xSemaphoreCreateRecursiveMutex()!;
  assert.ok(rm);
  const log: string[] = [];
  const lRef: { h: TaskHandle | null } = { h: null };
  let wHandle: TaskHandle | null = null;
  lRef.h = await spawn(rtos, "L", 1, async () => {
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdFAIL, "untaken");
    for (let i = 0; i < 3; i++) assert.equal(await rtos.xSemaphoreTakeRecursive(rm, 0), pdPASS);
    assert.equal(rtos.xSemaphoreGetMutexHolder(rm), lRef.h);
    await rtos.busy(1.5); // W blocks at tick 1
    assert.equal(rtos.uxTaskPriorityGet(null), 2, "inherited from W");
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdPASS);
    log.push("L:gave1");
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdPASS);
    log.push("L:gave2");
    assert.equal(rtos.xSemaphoreGetMutexHolder(rm), lRef.h, "still held at count 1");
    assert.equal(rtos.eTaskGetState(wHandle!), eBlocked);
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdPASS); // released: W runs
    log.push(`L:gave3:${rtos.uxTaskPriorityGet(null)}`);
    assert.equal(rtos.xSemaphoreGetMutexHolder(rm), wHandle);
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdFAIL, "non-holder");
    log.push("L:nonholder");
    assert.equal(rtos.xSemaphoreGetMutexHolder(rm), wHandle);
    await park(rtos);
  });
  wHandle = await spawn(rtos, "W", 2, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xSemaphoreTakeRecursive(rm, portMAX_DELAY), pdPASS);
    log.push("W:got");
    assert.equal(await rtos.xSemaphoreTakeRecursive(rm, 0), pdPASS);
    await rtos.vTaskDelay(2); // hold (count 2) while L tries to give
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdPASS);
    assert.equal(rtos.xSemaphoreGetMutexHolder(rm), wHandle);
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdPASS);
    assert.equal(rtos.xSemaphoreGetMutexHolder(rm), null);
    log.push("W:released");
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(6);
  assert.deepEqual(log, ["L:gave1", "L:gave2", "W:got", "L:gave3:1", "L:nonholder", "W:released"]);
});

// ---------------------------------------------------------------------------------------------
// Rule 33 (task-level misuse only)
// ---------------------------------------------------------------------------------------------

test("rule 33: blocking queue and semaphore calls while the scheduler is suspended assert; the kernel keeps working", T, async () => {
  const rtos = mk();
  const q = rtos.xQueueCreate(1, 0)!;
  const full = rtos.xQueueCreate(1, 0)!;
  const sem = rtos.xSemaphoreCreateBinary()!;
  assert.ok(q && full && sem);
  const log: string[] = [];
  await spawn(rtos, "Misuser", 2, async () => {
    assert.equal(await rtos.xQueueSend(full, "f", 0), pdPASS);
    rtos.vTaskSuspendAll();
    const ref: Ref<unknown> = { value: undefined };
    expectAssert(() => rtos.xQueueReceive(q, ref, 10), "xQueueReceive", "Misuser");
    expectAssert(() => rtos.xQueuePeek(q, ref, portMAX_DELAY), "xQueuePeek", "Misuser");
    expectAssert(() => rtos.xQueueSend(full, "x", 5), "xQueueSend", "Misuser");
    expectAssert(() => rtos.xSemaphoreTake(sem, 1), "xSemaphoreTake", "Misuser");
    // Non-blocking forms are fine while suspended.
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_SUSPENDED);
    assert.equal(await rtos.xQueueReceive(q, ref, 0), errQUEUE_EMPTY);
    assert.equal(await rtos.xQueueSend(full, "x", 0), errQUEUE_FULL);
    assert.equal(await rtos.xSemaphoreTake(sem, 0), errQUEUE_EMPTY);
    assert.equal(await rtos.xTaskResumeAll(), pdFALSE);
    // Still working: block for real, be woken by Helper.
    assert.equal(await rtos.xSemaphoreTake(sem, 10), pdPASS);
    log.push(`Misuser:ok@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  await spawn(rtos, "Helper", 1, async () => {
    await rtos.vTaskDelay(2);
    assert.equal(await rtos.xSemaphoreGive(sem), pdPASS);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["Misuser:ok@2"]);
});

test("rule 33: a notification wait while the scheduler is suspended asserts (API.md: blocking while suspended)", T, async () => {
  const rtos = mk();
  let done = false;
  await spawn(rtos, "Notified", 2, async () => {
    rtos.vTaskSuspendAll();
    expectAssert(() => rtos.ulTaskNotifyTake(pdTRUE, 5), "ulTaskNotifyTake", "Notified");
    const ref: Ref<number> = { value: 0 };
    expectAssert(() => rtos.xTaskNotifyWait(0, 0, ref, portMAX_DELAY), "xTaskNotifyWait", "Notified");
    assert.equal(await rtos.xTaskResumeAll(), pdFALSE);
    assert.equal(await rtos.ulTaskNotifyTake(pdTRUE, 2), 0); // times out normally
    assert.equal(rtos.xTaskGetTickCount(), 2);
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(4);
  assert.ok(done);
});

test("rule 33: vTaskDelay and xTaskDelayUntil while the scheduler is suspended assert; the kernel keeps working", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  await spawn(rtos, "Sleeper", 2, async () => {
    await rtos.vTaskDelay(1);
    rtos.vTaskSuspendAll();
    expectAssert(() => rtos.vTaskDelay(5), "vTaskDelay", "Sleeper");
    const prev: Ref<number> = { value: rtos.xTaskGetTickCount() };
    expectAssert(() => rtos.xTaskDelayUntil(prev, 5), "xTaskDelayUntil", "Sleeper");
    assert.equal(prev.value, 1, "prev untouched");
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_SUSPENDED);
    assert.equal(await rtos.xTaskResumeAll(), pdFALSE);
    await rtos.vTaskDelay(2);
    log.push(`Sleeper@${rtos.xTaskGetTickCount()}`);
    await rtos.xTaskDelayUntil(prev, 5);
    log.push(`Sleeper@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  await spawn(rtos, "Other", 1, async () => {
    await rtos.vTaskDelay(4);
    log.push(`Other@${rtos.xTaskGetTickCount()}`);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(8);
  assert.deepEqual(log, ["Sleeper@3", "Other@4", "Sleeper@6"]);
});

test("rule 33: a task suspending or deleting itself while the scheduler is suspended asserts; other tasks may be suspended", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const victim = await spawn(rtos, "Victim", 1, async () => {
    for (;;) {
      log.push(`Victim@${rtos.xTaskGetTickCount()}`);
      await rtos.vTaskDelay(1);
    }
  });
  const n0 = { n: 0 };
  await spawn(rtos, "Selfish", 2, async () => {
    await rtos.vTaskDelay(1);
    rtos.vTaskSuspendAll();
    n0.n = rtos.uxTaskGetNumberOfTasks();
    expectAssert(() => rtos.vTaskSuspend(null), "vTaskSuspend", "Selfish");
    expectAssert(() => rtos.vTaskDelete(null), "vTaskDelete", "Selfish");
    assert.equal(rtos.uxTaskGetNumberOfTasks(), n0.n);
    await rtos.vTaskSuspend(victim); // allowed while suspended
    assert.equal(await rtos.xTaskResumeAll(), pdFALSE);
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_RUNNING);
    log.push("Selfish:still-running");
    await rtos.vTaskDelay(3); // victim suspended: does not run at ticks 2..4
    await rtos.vTaskResume(victim);
    await rtos.vTaskDelay(1);
    log.push("Selfish:end");
    await rtos.vTaskDelete(null); // now legal
  });
  rtos.vTaskStartScheduler();
  await rtos.run(7);
  // Victim, woken at tick 1 too, is suspended by Selfish before it runs; resumed at tick 4.
  assert.deepEqual(log.slice(0, 4), ["Victim@0", "Selfish:still-running", "Victim@4", "Selfish:end"]);
  assert.equal(rtos.uxTaskGetNumberOfTasks(), n0.n - 1, "Selfish deleted and freed by idle");
});

test("rule 33: priority >= configMAX_PRIORITIES asserts in vTaskPrioritySet and xTaskCreate", T, async () => {
  const rtos = mk(); // configMAX_PRIORITIES 8
  let done = false;
  const other = await spawn(rtos, "Other", 1, async () => { await park(rtos); });
  await spawn(rtos, "Prio", 2, async () => {
    expectAssert(() => rtos.vTaskPrioritySet(null, 8), "vTaskPrioritySet", "Prio");
    expectAssert(() => rtos.vTaskPrioritySet(other, 99), "vTaskPrioritySet", "Prio");
    assert.equal(rtos.uxTaskPriorityGet(null), 2);
    assert.equal(rtos.uxTaskPriorityGet(other), 1);
    const n = rtos.uxTaskGetNumberOfTasks();
    expectAssert(() => rtos.xTaskCreate(async () => {}, "Bad", 128, null, 8), "xTaskCreate", "Prio");
    assert.equal(rtos.uxTaskGetNumberOfTasks(), n, "no task created");
    await rtos.vTaskPrioritySet(null, 7); // highest legal priority still works
    assert.equal(rtos.uxTaskPriorityGet(null), 7);
    await rtos.vTaskDelay(1);
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.ok(done);
});

test("rule 33: reserved event-group control bits assert (32-bit and 16-bit ticks); so does a blocking wait while suspended", T, async () => {
  for (const [width, reserved, usable] of [[32, 0x01000000, 0x00ffffff], [16, 0x0100, 0x00ff]] as const) {
    const rtos = mk({ configTICK_TYPE_WIDTH_IN_BITS: width });
    const egApi = eventGroups(rtos);
    const eg = egApi.xEventGroupCreate()!;
    assert.ok(eg);
    let done = false;
    await spawn(rtos, "Bits", 2, async () => {
      expectAssert(() => egApi.xEventGroupSetBits(eg, reserved), "xEventGroupSetBits", "Bits");
      expectAssert(() => egApi.xEventGroupClearBits(eg, reserved | 1), "xEventGroupClearBits", "Bits");
      expectAssert(() => egApi.xEventGroupWaitBits(eg, reserved | 1, pdTRUE, pdFALSE, 0), "xEventGroupWaitBits", "Bits");
      rtos.vTaskSuspendAll(); // blocking wait while suspended
      expectAssert(() => egApi.xEventGroupWaitBits(eg, 1, pdTRUE, pdFALSE, 3), "xEventGroupWaitBits", "Bits");
      assert.equal(await rtos.xTaskResumeAll(), pdFALSE);
      assert.equal(egApi.xEventGroupGetBits(eg), 0);
      assert.equal(await egApi.xEventGroupSetBits(eg, usable), usable);
      assert.equal(egApi.xEventGroupGetBits(eg), usable);
      done = true;
      await park(rtos);
    });
    rtos.vTaskStartScheduler();
    await rtos.run(2);
    assert.ok(done, `width ${width}`);
  }
});

test("rule 33: giving a mutex you do not hold asserts, and the holder keeps it", T, async () => {
  const rtos = mk();
  const m = rtos.xSemaphoreCreateMutex()!;
  const rm = rtos.xSemaphoreCreateRecursiveMutex()!;
  const log: string[] = [];
  const hRef: { h: TaskHandle | null } = { h: null };
  hRef.h = await spawn(rtos, "Holder", 2, async () => {
    assert.equal(await rtos.xSemaphoreTake(m, 0), pdPASS);
    assert.equal(await rtos.xSemaphoreTakeRecursive(rm, 0), pdPASS);
    await rtos.vTaskDelay(2);
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdPASS);
    log.push("Holder:gave");
    await park(rtos);
  });
  await spawn(rtos, "Intruder", 1, async () => {
    await rtos.vTaskDelay(1);
    expectAssert(() => rtos.xSemaphoreGive(m), "xSemaphoreGive", "Intruder");
    assert.equal(rtos.xSemaphoreGetMutexHolder(m), hRef.h);
    // The recursive give checks the holder itself and fails without asserting (rule 28).
    assert.equal(await rtos.xSemaphoreGiveRecursive(rm), pdFAIL);
    // Then waits for the mutex the normal way.
    assert.equal(await rtos.xSemaphoreTake(m, portMAX_DELAY), pdPASS);
    log.push("Intruder:took");
    assert.equal(await rtos.xSemaphoreGive(m), pdPASS);
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.deepEqual(log, ["Holder:gave", "Intruder:took"]);
});

// The ISR halves of rule 33 (blocking call from an ISR, non-FromISR call from an ISR) are ISR-only
// and are not covered in this file.
