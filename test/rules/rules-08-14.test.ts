/*
 * Conformance tests for spec/freertos-rules.md rules 8-14 (ticks, delays, timeouts).
 * Reference: FreeRTOS-Kernel V11 (main branch), single core:
 *  - prvAddCurrentTaskToDelayedList: portMAX_DELAY && xCanBlockIndefinitely -> suspended list;
 *    otherwise wake = tick + ticks, wrapped wake -> pxOverflowDelayedTaskList; vListInsert puts
 *    an item after every item of equal value (FIFO among equal wake ticks) (rules 8, 9)
 *  - xTaskIncrementTick: taskSWITCH_DELAYED_LISTS when the tick wraps to 0; while the scheduler
 *    is suspended only xPendedTicks++ and vApplicationTickHook(); the hook is NOT called while
 *    pended ticks are unwound (`if( xPendedTicks == 0 ) vApplicationTickHook()`) (rules 8, 11)
 *  - vTaskDelay / xTaskDelayUntil call prvAddCurrentTaskToDelayedList(..., pdFALSE): a delay of
 *    portMAX_DELAY is finite; xTaskDelayUntil's xShouldDelay logic (`xConstTickCount <
 *    *pxPreviousWakeTime` = tick overflowed since last call) and it returns xShouldDelay (10)
 *  - xTaskResumeAll: drains xPendingReadyList, replays xPendedTicks via xTaskIncrementTick (11)
 *  - xTaskCheckForTimeOut: ucDelayAborted first, then portMAX_DELAY, then the overflow test
 *    `xNumOfOverflows != xOverflowCount && xConstTickCount >= xTimeOnEntering`, then elapsed
 *    subtraction with vTaskInternalSetTimeOutState (12)
 *  - queue.c xQueueReceive / xQueueSemaphoreTake / xQueueGenericSend: for(;;) loop; timeout
 *    state set only the first time the call finds it must block; on timeout the queue is checked
 *    once more before errQUEUE_EMPTY (13)
 *  - xTaskAbortDelay: only if eTaskGetState() == eBlocked, else pdFAIL; sets ucDelayAborted if
 *    the task was on an event list; yield pended only for a higher priority (14)
 * Ticks are asserted exactly. 16-bit tick tests use configTICK_TYPE_WIDTH_IN_BITS: 16 and
 * rtos.portMAX_DELAY (0xffff).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  pdPASS,
  pdFAIL,
  pdTRUE,
  pdFALSE,
  errQUEUE_EMPTY,
  errQUEUE_FULL,
  portMAX_DELAY,
  eBlocked,
  eReady,
  eSuspended,
  taskSCHEDULER_SUSPENDED,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle, TraceEvent } from "../../src/freertos/index.js";

type Config = NonNullable<Parameters<typeof createFreeRTOS>[0]>;

function mk(cfg: Config = {} as Config): FreeRTOS {
  return createFreeRTOS({ configMAX_PRIORITIES: 8, ...cfg });
}
function mk16(cfg: Config = {} as Config): FreeRTOS {
  const rtos = mk({ configTICK_TYPE_WIDTH_IN_BITS: 16, ...cfg } as Config);
  assert.equal(rtos.portMAX_DELAY, 0xffff);
  return rtos;
}

async function spawn(rtos: FreeRTOS, name: string, prio: number, body: () => Promise<void>): Promise<TaskHandle> {
  const h: { value: TaskHandle | null } = { value: null };
  const r = await rtos.xTaskCreate(async () => { await body(); }, name, 128, null, prio, h);
  assert.equal(r, pdPASS, `xTaskCreate(${name})`);
  assert.ok(h.value, `handle of ${name}`);
  return h.value;
}

const newRef = (): { value: unknown } => ({ value: undefined });

// ---------------------------------------------------------------------------------------------
// Rule 8
// ---------------------------------------------------------------------------------------------

test("rule 8: tasks with equal wake ticks wake FIFO, in the order they were delayed", async () => {
  // All wake at 10. C was delayed at tick 0, A at tick 3, B at tick 5: wake order C, A, B
  // (not creation order A, B, C, not LIFO B, A, C).
  const rtos = mk();
  const log: string[] = [];
  const rec = (n: string) => log.push(`${n}@${rtos.xTaskGetTickCount()}`);
  await spawn(rtos, "A", 2, async () => { await rtos.vTaskDelay(3); await rtos.vTaskDelay(7); rec("A"); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "B", 2, async () => { await rtos.vTaskDelay(5); await rtos.vTaskDelay(5); rec("B"); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "C", 2, async () => { await rtos.vTaskDelay(10); rec("C"); await rtos.vTaskSuspend(null); });
  rtos.vTaskStartScheduler();
  await rtos.run(9);
  assert.deepEqual(log, []);
  await rtos.run(1);
  assert.deepEqual(log, ["C@10", "A@10", "B@10"]);
});

test("rule 8: wake ticks that wrap (16-bit tick) go to the overflow list and wake after the wrap, FIFO", async () => {
  const rtos = mk16();
  const log: string[] = [];
  const rec = (n: string) => log.push(`${n}@${rtos.xTaskGetTickCount()}`);
  const handles: TaskHandle[] = [];
  const task = (name: string, first: number, second: number) =>
    spawn(rtos, name, 2, async () => {
      await rtos.vTaskDelay(first);
      await rtos.vTaskDelay(second);
      rec(name);
      await rtos.vTaskSuspend(null);
    });
  handles.push(await task("Y", 65530, 5)); // wake 65535, current list
  handles.push(await task("X", 65530, 10)); // wake 4 (overflow list)
  handles.push(await task("Z", 65532, 4)); // wake 0 (overflow list; lists swap at the wrap)
  handles.push(await task("V", 65531, 9)); // wake 4, delayed after X
  handles.push(await task("W", 65533, 7)); // wake 4, delayed after V
  rtos.vTaskStartScheduler();
  await rtos.run(65534);
  assert.deepEqual(log, [], "nothing may wake before 65535 (a wrapped wake tick is not 'due')");
  for (const h of handles) assert.equal(rtos.eTaskGetState(h), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["Y@65535"]);
  await rtos.run(1);
  assert.equal(rtos.xTaskGetTickCount(), 0);
  assert.deepEqual(log, ["Y@65535", "Z@0"]);
  await rtos.run(3);
  assert.deepEqual(log, ["Y@65535", "Z@0"]);
  await rtos.run(1);
  assert.deepEqual(log, ["Y@65535", "Z@0", "X@4", "V@4", "W@4"]);
  assert.equal(rtos.xTaskGetTickCount(), 4);
});

// ---------------------------------------------------------------------------------------------
// Rule 9
// ---------------------------------------------------------------------------------------------

test("rule 9: portMAX_DELAY waits are Blocked (not Suspended) and vTaskResume does not release them", async () => {
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const ref = newRef();
  const r = await spawn(rtos, "R", 2, async () => {
    const res = await rtos.xQueueReceive(q, ref, portMAX_DELAY);
    log.push(`R:${res}:${String(ref.value)}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  const d = await spawn(rtos, "D", 2, async () => {
    await rtos.vTaskDelay(portMAX_DELAY); // finite (delayed list), state Blocked
    log.push(`D@${rtos.xTaskGetTickCount()}`);
  });
  await spawn(rtos, "C", 3, async () => {
    await rtos.vTaskDelay(1000);
    log.push(`C:R=${rtos.eTaskGetState(r)},D=${rtos.eTaskGetState(d)}`);
    await rtos.vTaskResume(r); // not suspended: ignored (prvTaskIsTaskSuspended)
    await rtos.vTaskResume(d); // on a delayed list: ignored
    log.push(`C:R=${rtos.eTaskGetState(r)},D=${rtos.eTaskGetState(d)}`);
    await rtos.vTaskDelay(10);
    log.push(`C:R=${rtos.eTaskGetState(r)},D=${rtos.eTaskGetState(d)}`);
    assert.equal(await rtos.xQueueSend(q, 7, 0), pdPASS);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(1020);
  const s = `C:R=${eBlocked},D=${eBlocked}`;
  assert.deepEqual(log, [s, s, s, `R:${pdPASS}:7@1010`]);
  assert.equal(rtos.eTaskGetState(d), eBlocked);
});

test("rule 9: with a 16-bit tick portMAX_DELAY blocks forever while vTaskDelay(portMAX_DELAY) wakes after 0xffff ticks", async () => {
  const rtos = mk16();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const ref = newRef();
  const r = await spawn(rtos, "R", 2, async () => {
    const res = await rtos.xQueueReceive(q, ref, rtos.portMAX_DELAY);
    log.push(`R:${res}:${String(ref.value)}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  const d = await spawn(rtos, "D", 2, async () => {
    await rtos.vTaskDelay(3);
    await rtos.vTaskDelay(rtos.portMAX_DELAY); // wake = 3 + 0xffff = absolute 65538 (tick 2)
    log.push(`D@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "S", 3, async () => {
    for (let i = 0; i < 3; i++) await rtos.vTaskDelay(50000); // absolute 150000
    assert.equal(await rtos.xQueueSend(q, 7, 0), pdPASS);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(65537);
  assert.deepEqual(log, []);
  assert.equal(rtos.eTaskGetState(d), eBlocked);
  assert.equal(rtos.eTaskGetState(r), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["D@2"]);
  await rtos.run(149999 - 65538);
  assert.deepEqual(log, ["D@2"], "a portMAX_DELAY receive never times out");
  assert.equal(rtos.eTaskGetState(r), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["D@2", `R:${pdPASS}:7@${150000 % 65536}`]);
});

// ---------------------------------------------------------------------------------------------
// Rule 10
// ---------------------------------------------------------------------------------------------

test("rule 10: vTaskDelay counts from the tick at the call; xTaskDelayUntil stores prev and blocks only for a future wake", async () => {
  const rtos = mk();
  const out: Array<[string, number, number, number]> = [];
  const events: TraceEvent[] = [];
  rtos.setTraceSink((e: TraceEvent) => { events.push({ ...e }); });
  await spawn(rtos, "T", 2, async () => {
    const prev = { value: rtos.xTaskGetTickCount() };
    assert.equal(prev.value, 0);
    const du = async (label: string, inc: number) => {
      const r = await rtos.xTaskDelayUntil(prev, inc);
      out.push([label, r, rtos.xTaskGetTickCount(), prev.value]);
    };
    await du("a", 10); // wake 10 > 0: blocks
    await rtos.vTaskDelay(25); // now 35
    await du("b", 10); // wake 20 <= 35: no block
    await du("c", 15); // wake 35 == now: no block
    await du("d", 10); // wake 45: blocks
    prev.value = 100; // prev "ahead" of the tick: taken as a tick overflow since the last call
    await du("e", 10); // wake 110 not < prev: pdFALSE at once
    await rtos.busy(2.5); // time 47.5, tick 47
    await rtos.vTaskDelay(5); // wakes at tick 52 (52.0), not at time 52.5
    out.push(["delay", -1, rtos.xTaskGetTickCount(), -1]);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(60);
  assert.deepEqual(out, [
    ["a", pdTRUE, 10, 10],
    ["b", pdFALSE, 35, 20],
    ["c", pdFALSE, 35, 35],
    ["d", pdTRUE, 45, 45],
    ["e", pdFALSE, 45, 110],
    ["delay", -1, 52, -1],
  ]);
  // Calls that do not block still yield (taskYIELD_WITHIN_API), so times may repeat; every
  // switch-in of T is at a whole tick, the last one at 52.0.
  const ins = events.filter((e) => e.kind === "task.switchedIn" && e.task === "T").map((e) => e.timeTicks);
  assert.deepEqual([...new Set(ins)], [0, 10, 35, 45, 52]);
});

test("rule 10: xTaskDelayUntil is wrap-aware (16-bit tick) and a block of exactly portMAX_DELAY is finite", async () => {
  const rtos = mk16();
  const out: Array<[string, number, number, number]> = [];
  const t = await spawn(rtos, "T", 2, async () => {
    await rtos.vTaskDelay(65530);
    const prev = { value: rtos.xTaskGetTickCount() };
    assert.equal(prev.value, 65530);
    const du = async (label: string, inc: number) => {
      const r = await rtos.xTaskDelayUntil(prev, inc);
      out.push([label, r, rtos.xTaskGetTickCount(), prev.value]);
    };
    await rtos.vTaskDelay(2); // 65532
    await du("wakeWrapped", 10); // wake 4 < prev: wrapped, delay -> tick 4 (absolute 65540)
    prev.value = 65534;
    await du("bothWrapped", 10); // tick (4) < prev and wake 8 in (tick, prev): delay -> tick 8
    prev.value = 65530;
    await du("wrappedPast", 10); // wake 4 < prev but not > tick 8: no delay
    prev.value = 65530;
    await du("tickWrappedOnly", 3); // wake 65533 not < prev: no delay
    prev.value = rtos.xTaskGetTickCount(); // 8
    await du("maxDelay", 0xffff); // block time 0xffff, still finite: wakes at tick 7
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(65544 + 65534);
  assert.deepEqual(out, [
    ["wakeWrapped", pdTRUE, 4, 4],
    ["bothWrapped", pdTRUE, 8, 8],
    ["wrappedPast", pdFALSE, 8, 4],
    ["tickWrappedOnly", pdFALSE, 8, 65533],
  ]);
  assert.equal(rtos.eTaskGetState(t), eBlocked);
  await rtos.run(1);
  assert.equal(out.length, 5);
  assert.deepEqual(out[4], ["maxDelay", pdTRUE, 7, 7]);
});

// ---------------------------------------------------------------------------------------------
// Rule 11
// ---------------------------------------------------------------------------------------------

test("rule 11: ticks during vTaskSuspendAll run the tick hook, are pended, and are replayed by xTaskResumeAll", async () => {
  let hooks = 0;
  const rtos = mk({ vApplicationTickHook: () => { hooks++; } } as Config);
  const log: string[] = [];
  const seen: Record<string, number> = {};
  const d2 = await spawn(rtos, "D2", 2, async () => { await rtos.vTaskDelay(5); log.push(`D2@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  const d = await spawn(rtos, "D", 2, async () => { await rtos.vTaskDelay(3); log.push(`D@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "T", 3, async () => {
    await rtos.vTaskDelay(1);
    seen.hooksAt1 = hooks;
    rtos.vTaskSuspendAll();
    seen.schedState = rtos.xTaskGetSchedulerState();
    await rtos.busy(5.5); // time 6.5: ticks 2..6 occur while suspended
    seen.tickDuring = rtos.xTaskGetTickCount();
    seen.hooksDuring = hooks;
    seen.stateD = rtos.eTaskGetState(d);
    seen.stateD2 = rtos.eTaskGetState(d2);
    seen.resumeAll = await rtos.xTaskResumeAll();
    seen.tickAfter = rtos.xTaskGetTickCount();
    seen.hooksAfter = hooks;
    log.push("T:resumed");
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(seen, {
    hooksAt1: 1,
    schedState: taskSCHEDULER_SUSPENDED,
    tickDuring: 1, // xTickCount does not advance while suspended
    hooksDuring: 6, // the hook runs on every real tick, suspended or not
    stateD: eBlocked,
    stateD2: eBlocked,
    resumeAll: pdFALSE, // woken tasks have lower priority: no yield
    tickAfter: 6,
    hooksAfter: 6, // replayed ticks do not call the hook again
  });
  assert.deepEqual(log, ["T:resumed", "D@6", "D2@6"]);
  assert.equal(hooks, 10);
  assert.equal(rtos.xTaskGetTickCount(), 10);
});

test("rule 11: a higher-priority task whose wake tick passed during suspension runs at xTaskResumeAll, which returns pdTRUE", async () => {
  const rtos = mk();
  const log: string[] = [];
  await spawn(rtos, "E", 4, async () => { await rtos.vTaskDelay(3); log.push(`E@${rtos.xTaskGetTickCount()}`); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "T", 3, async () => {
    await rtos.vTaskDelay(1);
    rtos.vTaskSuspendAll();
    await rtos.busy(5.5);
    log.push(`T:before resume@${rtos.xTaskGetTickCount()}`);
    const r = await rtos.xTaskResumeAll();
    log.push(`T:resumed r=${r}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["T:before resume@1", "E@6", `T:resumed r=${pdTRUE}@6`]);
});

// ---------------------------------------------------------------------------------------------
// Rule 12
// ---------------------------------------------------------------------------------------------

test("rule 12: an aborted wait times out at once, even with portMAX_DELAY (abort is checked first)", async () => {
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const r1 = await spawn(rtos, "R1", 2, async () => {
    const r = await rtos.xQueueReceive(q, newRef(), portMAX_DELAY);
    log.push(`R1:${r}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  const r2 = await spawn(rtos, "R2", 2, async () => {
    const r = await rtos.xQueueReceive(q, newRef(), 50);
    log.push(`R2:${r}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(5);
    const a1 = await rtos.xTaskAbortDelay(r1);
    const a2 = await rtos.xTaskAbortDelay(r2);
    log.push(`H:${a1},${a2}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(60);
  assert.deepEqual(log, [`H:${pdPASS},${pdPASS}@5`, `R1:${errQUEUE_EMPTY}@5`, `R2:${errQUEUE_EMPTY}@5`]);
  assert.equal(rtos.eTaskGetState(r1), eSuspended);
  assert.equal(rtos.eTaskGetState(r2), eSuspended);
});

test("rule 12: each re-check subtracts the elapsed time; the call times out at entry + timeout", async () => {
  // R takes a semaphore with 20 ticks at tick 0. H gives and immediately re-takes it at 5 and at
  // 12 (R is readied, finds it empty, re-blocks with 15 then 8 remaining). R fails at 20 exactly.
  const rtos = mk();
  const log: string[] = [];
  const sem = rtos.xSemaphoreCreateBinary();
  assert.ok(sem);
  const r = await spawn(rtos, "R", 2, async () => {
    const res = await rtos.xSemaphoreTake(sem, 20);
    log.push(`R:${res}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "H", 3, async () => {
    for (const d of [5, 7]) {
      await rtos.vTaskDelay(d);
      assert.equal(await rtos.xSemaphoreGive(sem), pdPASS);
      assert.equal(rtos.eTaskGetState(r), eReady);
      assert.equal(await rtos.xSemaphoreTake(sem, 0), pdPASS);
      log.push(`H:stole@${rtos.xTaskGetTickCount()}`);
    }
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(19);
  assert.deepEqual(log, ["H:stole@5", "H:stole@12"]);
  assert.equal(rtos.eTaskGetState(r), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["H:stole@5", "H:stole@12", `R:${pdFAIL}@20`]);
});

test("rule 12: tick overflowed since entry and tick >= entry tick -> timed out (16-bit, starved waiter)", async () => {
  // R enters a 100-tick receive at tick 10. At 50 H readies R (send) and steals the item back,
  // then keeps the CPU for 65536.5 ticks. R runs at tick 50 of the next epoch: overflow count
  // differs and 50 >= 10, so it has timed out (plain subtraction would give 40 < 100).
  const rtos = mk16();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  await spawn(rtos, "R", 1, async () => {
    await rtos.vTaskDelay(10);
    const res = await rtos.xQueueReceive(q, newRef(), 100);
    log.push(`R:${res}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(50);
    assert.equal(await rtos.xQueueSend(q, 1, 0), pdPASS);
    assert.equal(await rtos.xQueueReceive(q, newRef(), 0), pdPASS);
    await rtos.busy(65536.5);
    log.push(`H:done@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(65590);
  assert.deepEqual(log, ["H:done@50", `R:${errQUEUE_EMPTY}@50`]);
  assert.equal(rtos.xTaskGetTickCount(), 54);
});

test("rule 12: elapsed time is computed modulo the tick width across a wrap (16-bit)", async () => {
  // R enters a 20-tick receive at 65530 (deadline: tick 14 of the next epoch). At tick 5 it is
  // readied and the item stolen: elapsed 11, 9 remain, so it fails at tick 14.
  const rtos = mk16();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const r = await spawn(rtos, "R", 2, async () => {
    await rtos.vTaskDelay(65530);
    const res = await rtos.xQueueReceive(q, newRef(), 20);
    log.push(`R:${res}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(65000);
    await rtos.vTaskDelay(541); // absolute 65541 = tick 5
    assert.equal(await rtos.xQueueSend(q, 1, 0), pdPASS);
    assert.equal(await rtos.xQueueReceive(q, newRef(), 0), pdPASS);
    log.push(`H:stole@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(65549);
  assert.deepEqual(log, ["H:stole@5"]);
  assert.equal(rtos.eTaskGetState(r), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["H:stole@5", `R:${errQUEUE_EMPTY}@14`]);
});

// ---------------------------------------------------------------------------------------------
// Rule 13
// ---------------------------------------------------------------------------------------------

test("rule 13: a woken receiver that loses the item blocks again for the remaining time", async () => {
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const r = await spawn(rtos, "R", 2, async () => {
    const res = await rtos.xQueueReceive(q, newRef(), 20);
    log.push(`R:${res}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "S", 3, async () => {
    await rtos.vTaskDelay(5);
    assert.equal(await rtos.xQueueSend(q, "x", 0), pdPASS); // readies R, no switch (R lower)
    const ref = newRef();
    assert.equal(await rtos.xQueueReceive(q, ref, 0), pdPASS); // the item is not handed to R
    log.push(`S:stole ${String(ref.value)}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(6);
  assert.deepEqual(log, ["S:stole x@5"]);
  assert.equal(rtos.eTaskGetState(r), eBlocked);
  await rtos.run(13);
  assert.deepEqual(log, ["S:stole x@5"]);
  assert.equal(rtos.eTaskGetState(r), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["S:stole x@5", `R:${errQUEUE_EMPTY}@20`]);
});

test("rule 13: after losing one item the receiver keeps waiting and gets a later one", async () => {
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  await spawn(rtos, "R", 2, async () => {
    const ref = newRef();
    const res = await rtos.xQueueReceive(q, ref, 20);
    log.push(`R:${res}:${String(ref.value)}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "S", 3, async () => {
    await rtos.vTaskDelay(5);
    assert.equal(await rtos.xQueueSend(q, "x", 0), pdPASS);
    assert.equal(await rtos.xQueueReceive(q, newRef(), 0), pdPASS);
    await rtos.vTaskDelay(5);
    assert.equal(await rtos.xQueueSend(q, "y", 0), pdPASS);
    log.push(`S:sent y@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(30);
  assert.deepEqual(log, ["S:sent y@10", `R:${pdPASS}:y@10`]);
});

test("rule 13: a receive whose timeout expired succeeds if data arrived before it ran", async () => {
  // R's 10-tick wait expires at tick 10 (R is readied and taken off the queue's list). H, also
  // woken at 10 and higher, sends first: nobody is waiting, the item stays queued. R then finds
  // the timeout expired but the queue non-empty: pdPASS.
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const r = await spawn(rtos, "R", 1, async () => {
    const ref = newRef();
    const res = await rtos.xQueueReceive(q, ref, 10);
    log.push(`R:${res}:${String(ref.value)}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(10);
    assert.equal(rtos.eTaskGetState(r), eReady);
    assert.equal(await rtos.xQueueSend(q, 42, 0), pdPASS);
    log.push(`H:sent, waiting=${rtos.uxQueueMessagesWaiting(q)}, R=${rtos.eTaskGetState(r)}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(15);
  assert.deepEqual(log, [`H:sent, waiting=1, R=${eReady}`, `R:${pdPASS}:42@10`]);
  assert.equal(rtos.uxQueueMessagesWaiting(q), 0);
});

test("rule 13: a woken sender that loses the space blocks again and fails at its original deadline", async () => {
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  assert.equal(await rtos.xQueueSend(q, "a", 0), pdPASS);
  const sd = await spawn(rtos, "Sd", 2, async () => {
    const res = await rtos.xQueueSend(q, "b", 20);
    log.push(`Sd:${res}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(5);
    const ref = newRef();
    assert.equal(await rtos.xQueueReceive(q, ref, 0), pdPASS); // readies Sd
    assert.equal(ref.value, "a");
    assert.equal(await rtos.xQueueSend(q, "c", 0), pdPASS); // takes the space back
    log.push(`H:refilled@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(19);
  assert.deepEqual(log, ["H:refilled@5"]);
  assert.equal(rtos.eTaskGetState(sd), eBlocked);
  await rtos.run(1);
  assert.deepEqual(log, ["H:refilled@5", `Sd:${errQUEUE_FULL}@20`]);
  const ref = newRef();
  assert.equal(await rtos.xQueuePeek(q, ref, 0), pdPASS);
  assert.equal(ref.value, "c");
});

// ---------------------------------------------------------------------------------------------
// Rule 14
// ---------------------------------------------------------------------------------------------

test("rule 14: aborting a higher-priority delayed task readies it and switches to it at once", async () => {
  const rtos = mk();
  const log: string[] = [];
  const h = await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(100);
    log.push(`H@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "L", 2, async () => {
    await rtos.vTaskDelay(5);
    assert.equal(rtos.eTaskGetState(h), eBlocked);
    const r = await rtos.xTaskAbortDelay(h);
    log.push(`L:abort=${r}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["H@5", `L:abort=${pdPASS}`]);
});

test("rule 14: aborting a lower-priority delayed task does not switch", async () => {
  const rtos = mk();
  const log: string[] = [];
  const m = await spawn(rtos, "M", 1, async () => {
    await rtos.vTaskDelay(100);
    log.push(`M@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "L", 2, async () => {
    await rtos.vTaskDelay(5);
    const r = await rtos.xTaskAbortDelay(m);
    log.push(`L:abort=${r}, M=${rtos.eTaskGetState(m)}`);
    await rtos.vTaskDelay(2);
    log.push(`L@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, [`L:abort=${pdPASS}, M=${eReady}`, "M@5", "L@7"]);
});

test("rule 14: xTaskAbortDelay fails on Ready, Suspended and Running tasks and changes nothing", async () => {
  const rtos = mk();
  const log: string[] = [];
  const sp = await spawn(rtos, "Sp", 4, async () => { await rtos.vTaskSuspend(null); log.push("Sp ran"); });
  const rd = await spawn(rtos, "Rd", 2, async () => { log.push("Rd ran"); await rtos.vTaskSuspend(null); });
  await spawn(rtos, "C", 3, async () => {
    const self = rtos.xTaskGetCurrentTaskHandle();
    assert.ok(self);
    assert.equal(rtos.eTaskGetState(rd), eReady);
    assert.equal(rtos.eTaskGetState(sp), eSuspended);
    log.push(`ready:${await rtos.xTaskAbortDelay(rd)}`);
    log.push(`suspended:${await rtos.xTaskAbortDelay(sp)}`);
    log.push(`self:${await rtos.xTaskAbortDelay(self)}`);
    assert.equal(rtos.eTaskGetState(sp), eSuspended);
    assert.equal(rtos.eTaskGetState(rd), eReady);
    log.push("C done");
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.deepEqual(log, [`ready:${pdFAIL}`, `suspended:${pdFAIL}`, `self:${pdFAIL}`, "C done", "Rd ran"]);
  assert.equal(rtos.eTaskGetState(sp), eSuspended);
});

test("rule 14: every interrupted blocking call returns its failure value at the abort tick", async () => {
  const rtos = mk();
  const log: string[] = [];
  const rec = (s: string) => log.push(`${s}@${rtos.xTaskGetTickCount()}`);
  const qEmpty = rtos.xQueueCreate(1, 0);
  const qFull = rtos.xQueueCreate(1, 0);
  const sem = rtos.xSemaphoreCreateBinary();
  assert.ok(qEmpty && qFull && sem);
  assert.equal(await rtos.xQueueSend(qFull, 0, 0), pdPASS);
  const waiters: TaskHandle[] = [];
  waiters.push(await spawn(rtos, "recv", 2, async () => { rec(`recv:${await rtos.xQueueReceive(qEmpty, newRef(), portMAX_DELAY)}`); await rtos.vTaskSuspend(null); }));
  waiters.push(await spawn(rtos, "send", 2, async () => { rec(`send:${await rtos.xQueueSend(qFull, 1, portMAX_DELAY)}`); await rtos.vTaskSuspend(null); }));
  waiters.push(await spawn(rtos, "take", 2, async () => { rec(`take:${await rtos.xSemaphoreTake(sem, 50)}`); await rtos.vTaskSuspend(null); }));
  waiters.push(await spawn(rtos, "ntake", 2, async () => { rec(`ntake:${await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY)}`); await rtos.vTaskSuspend(null); }));
  waiters.push(await spawn(rtos, "nwait", 2, async () => { rec(`nwait:${await rtos.xTaskNotifyWait(0, 0, { value: 0 }, 50)}`); await rtos.vTaskSuspend(null); }));
  waiters.push(await spawn(rtos, "delay", 2, async () => { await rtos.vTaskDelay(50); rec("delay"); await rtos.vTaskSuspend(null); }));
  // xTaskDelayUntil returns xShouldDelay, which was pdTRUE when it blocked (tasks.c), even if
  // the delay is then aborted.
  waiters.push(await spawn(rtos, "until", 2, async () => { rec(`until:${await rtos.xTaskDelayUntil({ value: 0 }, 50)}`); await rtos.vTaskSuspend(null); }));
  await spawn(rtos, "C", 3, async () => {
    await rtos.vTaskDelay(5);
    const rs: number[] = [];
    for (const w of waiters) {
      assert.equal(rtos.eTaskGetState(w), eBlocked);
      rs.push(await rtos.xTaskAbortDelay(w));
    }
    rec(`C:${rs.join(",")}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(60);
  assert.deepEqual(log, [
    `C:${Array(7).fill(pdPASS).join(",")}@5`,
    `recv:${errQUEUE_EMPTY}@5`,
    `send:${errQUEUE_FULL}@5`,
    `take:${pdFAIL}@5`,
    "ntake:0@5",
    `nwait:${pdFALSE}@5`,
    "delay@5",
    `until:${pdTRUE}@5`,
  ]);
  assert.equal(rtos.uxQueueMessagesWaiting(qFull), 1);
});

test("rule 14: an aborted receiver that finds data when it runs still receives it (the loop re-checks)", async () => {
  const rtos = mk();
  const log: string[] = [];
  const q = rtos.xQueueCreate(1, 0);
  assert.ok(q);
  const r = await spawn(rtos, "R", 2, async () => {
    const ref = newRef();
    const res = await rtos.xQueueReceive(q, ref, portMAX_DELAY);
    log.push(`R:${res}:${String(ref.value)}@${rtos.xTaskGetTickCount()}`);
    await rtos.vTaskSuspend(null);
  });
  await spawn(rtos, "H", 3, async () => {
    await rtos.vTaskDelay(5);
    assert.equal(await rtos.xTaskAbortDelay(r), pdPASS);
    assert.equal(rtos.eTaskGetState(r), eReady);
    assert.equal(await rtos.xQueueSend(q, "z", 0), pdPASS);
    log.push(`H:sent, waiting=${rtos.uxQueueMessagesWaiting(q)}`);
    await rtos.vTaskSuspend(null);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(log, ["H:sent, waiting=1", `R:${pdPASS}:z@5`]);
});
