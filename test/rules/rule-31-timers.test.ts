/*
 * Conformance tests for rule 31 of /work/shared/spec/freertos-rules.md (software timers), with the
 * expectations derived from FreeRTOS-Kernel V11.1.0 timers.c (line numbers of that tag):
 *
 *   prvTimerTask (748)              loop: prvGetNextExpireTime; prvProcessTimerOrBlockTask (process
 *                                   ONE expired timer, or block); prvProcessReceivedCommands (drain
 *                                   the whole queue). A task woken from its block goes straight on
 *                                   to prvProcessReceivedCommands.
 *   prvProcessExpiredTimer (718)    auto-reload: prvReloadTimer first, then the callback; one-shot:
 *                                   clear tmrSTATUS_IS_ACTIVE, then the callback.
 *   prvReloadTimer (699)            while prvInsertTimerInActiveList(expired + period) says "already
 *                                   due": advance, call the callback (catch-up of missed periods).
 *   prvInsertTimerInActiveList (894) next <= now: fire at once if (now - commandTime) >= period,
 *                                   else overflow list; next > now: fire at once if the count
 *                                   wrapped since the command but the expiry did not, else the
 *                                   current list. The list item value is set first (so
 *                                   xTimerGetExpiryTime inside a catch-up callback is that period's
 *                                   successor).
 *   prvProcessReceivedCommands (938) pended function calls run in the timer task (960); START/RESET
 *                                   use commandTime (= xTaskGetTickCount() when SENT, timers.h
 *                                   xTimerStart/xTimerReset macros) + period; CHANGE_PERIOD (1036)
 *                                   sets ACTIVE and uses xTimeNow (processing time) + new period.
 *   prvSampleTimeNow (871) / prvSwitchTimerLists (1086)  on wrap, every timer left in the current
 *                                   list is processed (with now = tmrMAX_TIME_BEFORE_OVERFLOW), then
 *                                   the lists swap.
 *   xTimerGenericCommandFromISR (499) -> xQueueSendToBackFromISR: pxHigherPriorityTaskWoken set when
 *                                   the unblocked timer task outranks the interrupted task.
 *
 * All tick values below are exact (virtual time).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { pdTRUE, pdFALSE, pdPASS, eReady, eBlocked } from "../../src/freertos/index.js";
import type { FreeRTOS, Ref } from "../../src/freertos/index.js";
import { T, mk, spawn } from "./harness.js";

type TimerHandle = NonNullable<ReturnType<FreeRTOS["xTimerCreate"]>>;

const FOREVER = 0xffffffff;



function timer(rtos: FreeRTOS, name: string, period: number, autoReload: number, cb: (t: TimerHandle) => void | Promise<void>): TimerHandle {
  const t = rtos.xTimerCreate(name, period, autoReload, 0, cb);
  assert.ok(t, `xTimerCreate(${name})`);
  return t;
}

/** Runs the kernel up to absolute tick `tick` (32-bit kernels; the test's tick count starts at 0). */
async function runTo(rtos: FreeRTOS, tick: number): Promise<void> {
  const now = Math.floor(rtos.now());
  assert.ok(tick >= now, `runTo(${tick}) but now is ${now}`);
  if (tick > now) await rtos.run(tick - now);
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: the timer task processes one expired timer, then drains its command queue before the next expired timer", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  let C!: TimerHandle;
  // A, B, C are one-shot, period 10, started in this order at tick 0: all expire at tick 10 and sit
  // in the active list in start order (vListInsert places equal values after existing ones).
  const A = timer(rtos, "A", 10, pdFALSE, async () => {
    log.push(`A@${rtos.xTaskGetTickCount()}`);
    assert.equal(await rtos.xTimerPendFunctionCall((p1: unknown, p2: number) => { log.push(`pended(${String(p1)},${p2})@${rtos.xTaskGetTickCount()}`); }, "x", 7, 0), pdPASS);
    assert.equal(await rtos.xTimerStop(C, 0), pdPASS);
  });
  const B = timer(rtos, "B", 10, pdFALSE, () => { log.push(`B@${rtos.xTaskGetTickCount()}`); });
  C = timer(rtos, "C", 10, pdFALSE, () => { log.push(`C@${rtos.xTaskGetTickCount()}`); });
  assert.equal(await rtos.xTimerStart(A, 0), pdPASS);
  assert.equal(await rtos.xTimerStart(B, 0), pdPASS);
  assert.equal(await rtos.xTimerStart(C, 0), pdPASS);
  rtos.vTaskStartScheduler();
  await rtos.run(30);
  // A's commands (pended call, stop C) are drained before B, the next expired timer, is processed;
  // C was removed from the active list by the stop and never fires.
  assert.deepEqual(log, ["A@10", "pended(x,7)@10", "B@10"]);
  assert.equal(rtos.xTimerIsTimerActive(A), pdFALSE);
  assert.equal(rtos.xTimerIsTimerActive(B), pdFALSE);
  assert.equal(rtos.xTimerIsTimerActive(C), pdFALSE);
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: xTimerStart expires at (tick when the command was sent) + period although the timer task processes it later", T, async () => {
  const rtos = mk({ configTIMER_TASK_PRIORITY: 3 });
  const fired: number[] = [];
  const t = timer(rtos, "late-start", 10, pdFALSE, () => { fired.push(rtos.xTaskGetTickCount()); });
  const seen: Record<string, number> = {};
  await spawn(rtos, "hog", 5, async () => {
    await rtos.vTaskDelay(5);
    seen.sentAt = rtos.xTaskGetTickCount();
    assert.equal(await rtos.xTimerStart(t, 0), pdPASS);
    // The timer task (priority 3) cannot run while this task (priority 5) hogs the CPU.
    seen.activeRightAfterSend = rtos.xTimerIsTimerActive(t);
    await rtos.busy(7);
    seen.hogDoneAt = rtos.xTaskGetTickCount();
    seen.activeBeforeProcessing = rtos.xTimerIsTimerActive(t);
    await rtos.vTaskDelay(FOREVER);
  });
  rtos.vTaskStartScheduler();
  await runTo(rtos, 13);
  assert.equal(seen.sentAt, 5);
  assert.equal(seen.hogDoneAt, 12);
  assert.equal(seen.activeRightAfterSend, pdFALSE, "status is set only when the timer task processes the command");
  assert.equal(seen.activeBeforeProcessing, pdFALSE);
  assert.equal(rtos.xTimerIsTimerActive(t), pdTRUE, "processed at tick 12");
  assert.equal(rtos.xTimerGetExpiryTime(t), 15, "expiry = 5 (sent) + 10, not 12 (processed) + 10");
  await runTo(rtos, 40);
  assert.deepEqual(fired, [15]);
  assert.equal(rtos.xTimerIsTimerActive(t), pdFALSE);
});

test("rule 31: xTimerReset expires at (tick when the command was sent) + period although the timer task processes it later", T, async () => {
  const rtos = mk({ configTIMER_TASK_PRIORITY: 3 });
  const fired: number[] = [];
  const t = timer(rtos, "late-reset", 10, pdTRUE, () => { fired.push(rtos.xTaskGetTickCount()); });
  assert.equal(await rtos.xTimerStart(t, 0), pdPASS); // before the scheduler: command time 0, expiry 10
  const seen: Record<string, number> = {};
  await spawn(rtos, "hog", 5, async () => {
    await rtos.vTaskDelay(5);
    seen.expiryBefore = rtos.xTimerGetExpiryTime(t);
    assert.equal(await rtos.xTimerReset(t, 0), pdPASS); // command time 5
    await rtos.busy(7); // ticks 5..12: the old expiry (10) passes while the reset is still queued
    seen.hogDoneAt = rtos.xTaskGetTickCount();
    await rtos.vTaskDelay(FOREVER);
  });
  rtos.vTaskStartScheduler();
  await runTo(rtos, 13);
  assert.equal(seen.expiryBefore, 10);
  assert.equal(seen.hogDoneAt, 12);
  // The timer task was woken from its queue wait by the reset command, so it drains the queue first
  // (prvTimerTask -> prvProcessReceivedCommands) and the old expiry at 10 never fires.
  assert.deepEqual(fired, []);
  assert.equal(rtos.xTimerGetExpiryTime(t), 15, "expiry = 5 (sent) + 10");
  await runTo(rtos, 36);
  assert.deepEqual(fired, [15, 25, 35]);
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: a start whose expiry is already in the past when processed fires at once", T, async () => {
  const rtos = mk({ configTIMER_TASK_PRIORITY: 3 });
  const oneShot: number[] = [];
  const reload: number[] = [];
  const os = timer(rtos, "os", 4, pdFALSE, () => { oneShot.push(rtos.xTaskGetTickCount()); });
  const ar = timer(rtos, "ar", 4, pdTRUE, () => { reload.push(rtos.xTaskGetTickCount()); });
  await spawn(rtos, "hog", 5, async () => {
    await rtos.vTaskDelay(5);
    assert.equal(await rtos.xTimerStart(os, 0), pdPASS); // expiry 9
    assert.equal(await rtos.xTimerStart(ar, 0), pdPASS); // expiry 9, then 13, 17, ...
    await rtos.busy(7); // processed at 12: 12 - 5 >= 4
    await rtos.vTaskDelay(FOREVER);
  });
  rtos.vTaskStartScheduler();
  await runTo(rtos, 11);
  assert.deepEqual(oneShot, []);
  assert.deepEqual(reload, []);
  await runTo(rtos, 12); // run(n) includes everything that happens at the target tick
  assert.deepEqual(oneShot, [12], "one-shot fires when the start is processed");
  assert.equal(rtos.xTimerIsTimerActive(os), pdFALSE);
  assert.deepEqual(reload, [12], "auto-reload fires at once for its expiry 9 ...");
  assert.equal(rtos.xTimerIsTimerActive(ar), pdTRUE);
  assert.equal(rtos.xTimerGetExpiryTime(ar), 13, "... and stays in phase with the command time: 5 + 2 * 4");
  await runTo(rtos, 22);
  assert.deepEqual(reload, [12, 13, 17, 21]);
  assert.deepEqual(oneShot, [12]);
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: an auto-reload timer that missed several periods catches up (one callback per missed period, consistent expiry times)", T, async () => {
  const rtos = mk({ configTIMER_TASK_PRIORITY: 3 });
  const calls: [tick: number, expiry: number][] = [];
  const t = timer(rtos, "catch-up", 3, pdTRUE, (x) => { calls.push([rtos.xTaskGetTickCount(), rtos.xTimerGetExpiryTime(x)]); });
  assert.equal(await rtos.xTimerStart(t, 0), pdPASS); // expiry 3
  await spawn(rtos, "hog", 5, async () => {
    await rtos.vTaskDelay(1);
    await rtos.busy(10); // ticks 1..11: expiries 3, 6 and 9 pass unprocessed
    await rtos.vTaskDelay(FOREVER);
  });
  rtos.vTaskStartScheduler();
  await runTo(rtos, 10);
  assert.deepEqual(calls, []);
  await runTo(rtos, 20);
  // prvProcessExpiredTimer(3, 11) -> prvReloadTimer: insert(6) due -> callback (item value 6),
  // insert(9) due -> callback (9), insert(12) in the future -> stays; then the callback for 3 (12).
  assert.deepEqual(calls, [
    [11, 6], [11, 9], [11, 12],
    [12, 15], [15, 18], [18, 21],
  ]);
  assert.equal(rtos.xTimerGetExpiryTime(t), 21);
});

test("rule 31: an auto-reload timer that catches up missed periods runs each catch-up callback to completion before the next (async callback)", T, async () => {
  // C callbacks are plain calls in prvReloadTimer's loop: one finishes before the next starts.
  // API.md lets a callback be async when it awaits nothing that blocks; it must still run to
  // completion before the next callback (or command) is processed.
  const rtos2 = mk({ configTIMER_TASK_PRIORITY: 3 });
  const q = rtos2.xQueueCreate(16, 0);
  assert.ok(q);
  const log: string[] = [];
  let n = 0;
  const t2 = timer(rtos2, "catch-up-async", 3, pdTRUE, async () => {
    const k = ++n;
    log.push(`begin${k}@${rtos2.xTaskGetTickCount()}`);
    assert.equal(await rtos2.xQueueSend(q, k, 0), pdPASS); // never blocks: nobody waits, space left
    log.push(`end${k}`);
  });
  assert.equal(await rtos2.xTimerStart(t2, 0), pdPASS);
  await spawn(rtos2, "hog", 5, async () => {
    await rtos2.vTaskDelay(1);
    await rtos2.busy(10);
    await rtos2.vTaskDelay(FOREVER);
  });
  rtos2.vTaskStartScheduler();
  await rtos2.run(13);
  assert.deepEqual(log, ["begin1@11", "end1", "begin2@11", "end2", "begin3@11", "end3", "begin4@12", "end4"]);
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: xTimerChangePeriod counts from processing time and starts a stopped timer", T, async () => {
  // (a) A stopped timer, command processed late: starts, expiry = processing tick + new period.
  {
    const rtos = mk({ configTIMER_TASK_PRIORITY: 3 });
    const fired: number[] = [];
    const t = timer(rtos, "cp-stopped", 100, pdTRUE, () => { fired.push(rtos.xTaskGetTickCount()); });
    const seen: Record<string, number> = {};
    await spawn(rtos, "hog", 5, async () => {
      await rtos.vTaskDelay(5);
      assert.equal(await rtos.xTimerChangePeriod(t, 4, 0), pdPASS);
      seen.periodWhileQueued = rtos.xTimerGetPeriod(t);
      seen.activeWhileQueued = rtos.xTimerIsTimerActive(t);
      await rtos.busy(7); // processed at 12
      await rtos.vTaskDelay(FOREVER);
    });
    assert.equal(rtos.xTimerIsTimerActive(t), pdFALSE);
    rtos.vTaskStartScheduler();
    await runTo(rtos, 13);
    assert.equal(seen.periodWhileQueued, 100, "the period changes when the timer task processes the command");
    assert.equal(seen.activeWhileQueued, pdFALSE);
    assert.equal(rtos.xTimerIsTimerActive(t), pdTRUE, "ChangePeriod started the stopped timer");
    assert.equal(rtos.xTimerGetPeriod(t), 4);
    assert.equal(rtos.xTimerGetExpiryTime(t), 16, "12 (processed) + 4, not 5 (sent) + 4");
    await runTo(rtos, 25);
    assert.deepEqual(fired, [16, 20, 24]);
  }
  // (b) A running timer, timer task highest priority: the new period counts from the change, not
  // from the last expiry or the start.
  {
    const rtos = mk();
    const fired: number[] = [];
    const t = timer(rtos, "cp-running", 10, pdTRUE, () => { fired.push(rtos.xTaskGetTickCount()); });
    assert.equal(await rtos.xTimerStart(t, 0), pdPASS);
    await spawn(rtos, "changer", 2, async () => {
      await rtos.vTaskDelay(7);
      assert.equal(await rtos.xTimerChangePeriod(t, 5, 0), pdPASS);
      assert.equal(rtos.xTimerGetPeriod(t), 5, "timer task (higher priority) processed it at once");
      assert.equal(rtos.xTimerGetExpiryTime(t), 12);
      await rtos.vTaskDelay(FOREVER);
    });
    rtos.vTaskStartScheduler();
    await runTo(rtos, 25);
    assert.deepEqual(fired, [12, 17, 22]);
  }
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: xTimerPendFunctionCall runs the function in the timer task", T, async () => {
  // (a) Timer task above the caller: the call runs before xTimerPendFunctionCall returns.
  {
    const rtos = mk();
    const log: string[] = [];
    const param = { tag: "p1" };
    const seen: { p1?: unknown; p2?: number; inDaemon?: boolean; name?: string; tick?: number } = {};
    await spawn(rtos, "caller", 2, async () => {
      await rtos.vTaskDelay(3);
      const r = await rtos.xTimerPendFunctionCall((p1: unknown, p2: number) => {
        log.push("fn");
        seen.p1 = p1;
        seen.p2 = p2;
        seen.inDaemon = rtos.xTaskGetCurrentTaskHandle() === rtos.xTimerGetTimerDaemonTaskHandle();
        seen.name = rtos.pcTaskGetName(null);
        seen.tick = rtos.xTaskGetTickCount();
      }, param, 42, 0);
      assert.equal(r, pdPASS);
      log.push("after");
      await rtos.vTaskDelay(FOREVER);
    });
    rtos.vTaskStartScheduler();
    await rtos.run(10);
    assert.deepEqual(log, ["fn", "after"]);
    assert.equal(seen.p1, param);
    assert.equal(seen.p2, 42);
    assert.equal(seen.inDaemon, true);
    assert.equal(seen.name, "Tmr Svc");
    assert.equal(seen.tick, 3);
  }
  // (b) Timer task below the caller: the call is deferred until the caller blocks.
  {
    const rtos = mk({ configTIMER_TASK_PRIORITY: 1 });
    const log: string[] = [];
    let inDaemon = false;
    await spawn(rtos, "caller", 3, async () => {
      await rtos.vTaskDelay(3);
      assert.equal(await rtos.xTimerPendFunctionCall(() => {
        log.push(`fn@${rtos.xTaskGetTickCount()}`);
        inDaemon = rtos.xTaskGetCurrentTaskHandle() === rtos.xTimerGetTimerDaemonTaskHandle();
      }, null, 0, 0), pdPASS);
      log.push("after");
      await rtos.busy(2);
      log.push("blocking");
      await rtos.vTaskDelay(FOREVER);
    });
    rtos.vTaskStartScheduler();
    await rtos.run(10);
    assert.deepEqual(log, ["after", "blocking", "fn@5"]);
    assert.equal(inDaemon, true);
  }
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: tick wrap with 16-bit ticks: old-epoch timers expire when the count wraps; expiry times are modulo 2^16", T, async () => {
  const rtos = mk({ configTICK_TYPE_WIDTH_IN_BITS: 16, configTIMER_TASK_PRIORITY: 3 });
  assert.equal(rtos.portMAX_DELAY, 0xffff);
  const calls: string[] = [];
  const cb = (name: string) => (x: TimerHandle) => { calls.push(`${name}@${rtos.xTaskGetTickCount()}:exp${rtos.xTimerGetExpiryTime(x)}`); };
  const C = timer(rtos, "C", 4, pdFALSE, cb("C")); // one-shot
  const D = timer(rtos, "D", 4, pdTRUE, cb("D"));  // auto-reload
  const A = timer(rtos, "A", 10, pdFALSE, cb("A")); // one-shot across the wrap
  const seen: Record<string, number> = {};
  await spawn(rtos, "hog", 5, async () => {
    await rtos.vTaskDelay(65530);
    seen.startedAt = rtos.xTaskGetTickCount();
    assert.equal(await rtos.xTimerStart(C, 0), pdPASS); // 65530 + 4 = 65534
    assert.equal(await rtos.xTimerStart(D, 0), pdPASS); // 65534
    assert.equal(await rtos.xTimerStart(A, 0), pdPASS); // (65530 + 10) mod 2^16 = 4
    await rtos.vTaskDelay(2); // the timer task processes the three starts at 65530
    seen.expC = rtos.xTimerGetExpiryTime(C);
    seen.expD = rtos.xTimerGetExpiryTime(D);
    seen.expA = rtos.xTimerGetExpiryTime(A);
    seen.activeA = rtos.xTimerIsTimerActive(A);
    // Hog the CPU across the wrap: 65532 .. 65539 (tick count 3). C and D (65534) stay unprocessed
    // in the old epoch's list when the count wraps.
    await rtos.busy(7);
    seen.hogDoneAt = rtos.xTaskGetTickCount();
    await rtos.vTaskDelay(1000);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(65532 + 1);
  assert.equal(seen.startedAt, 65530);
  assert.equal(seen.expC, 65534);
  assert.equal(seen.expD, 65534);
  assert.equal(seen.expA, 4, "expiry computed modulo 2^16");
  assert.equal(seen.activeA, pdTRUE);
  assert.deepEqual(calls, []);
  await rtos.run(65548 - 65533); // to absolute 65548 = tick count 12
  assert.equal(seen.hogDoneAt, 3);
  assert.equal(rtos.xTaskGetTickCount(), 12);
  // At tick 3 prvSampleTimeNow sees the wrap: prvSwitchTimerLists processes C and D (old epoch; D
  // reloads to (65534 + 4) mod 2^16 = 2 into the new epoch's list), the lists swap, then D's
  // expiry 2 is due and processed (next 6); A fires at 4; D at 6 and 10.
  assert.deepEqual(calls, [
    "C@3:exp65534",
    "D@3:exp2",
    "D@3:exp6",
    "A@4:exp4",
    "D@6:exp10",
    "D@10:exp14",
  ]);
  assert.equal(rtos.xTimerIsTimerActive(C), pdFALSE);
  assert.equal(rtos.xTimerIsTimerActive(A), pdFALSE);
  assert.equal(rtos.xTimerIsTimerActive(D), pdTRUE);
  assert.equal(rtos.xTimerGetExpiryTime(D), 14);
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: timer callbacks observe xTimerGetTimerDaemonTaskHandle() === the current task", T, async () => {
  const rtos = mk({ configTIMER_TASK_PRIORITY: 6 });
  const obs: { same: boolean; prio: number; name: string }[] = [];
  const t = timer(rtos, "who", 5, pdTRUE, () => {
    const me = rtos.xTaskGetCurrentTaskHandle();
    obs.push({ same: me !== null && me === rtos.xTimerGetTimerDaemonTaskHandle(), prio: rtos.uxTaskPriorityGet(null), name: rtos.pcTaskGetName(null) });
  });
  assert.equal(await rtos.xTimerStart(t, 0), pdPASS);
  await spawn(rtos, "busy", 2, async () => { for (;;) await rtos.busy(1); });
  rtos.vTaskStartScheduler();
  const daemon = rtos.xTimerGetTimerDaemonTaskHandle();
  assert.ok(daemon, "the daemon task exists once the scheduler started");
  assert.equal(rtos.pcTaskGetName(daemon), "Tmr Svc");
  await rtos.run(21);
  assert.equal(obs.length, 4);
  for (const o of obs) assert.deepEqual(o, { same: true, prio: 6, name: "Tmr Svc" });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: xTimerIsTimerActive before and after a one-shot timer's expiry", T, async () => {
  const rtos = mk();
  const inCallback: number[] = [];
  const reloadInCallback: number[] = [];
  const os = timer(rtos, "os", 10, pdFALSE, (x) => { inCallback.push(rtos.xTimerIsTimerActive(x)); });
  const ar = timer(rtos, "ar", 10, pdTRUE, (x) => { reloadInCallback.push(rtos.xTimerIsTimerActive(x)); });
  assert.equal(rtos.xTimerIsTimerActive(os), pdFALSE, "created dormant");
  assert.equal(await rtos.xTimerStart(os, 0), pdPASS);
  assert.equal(await rtos.xTimerStart(ar, 0), pdPASS);
  assert.equal(rtos.xTimerIsTimerActive(os), pdFALSE, "start queued, not yet processed by the timer task");
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  assert.equal(rtos.xTimerIsTimerActive(os), pdTRUE);
  assert.equal(rtos.xTimerGetExpiryTime(os), 10);
  await rtos.run(8); // tick 9
  assert.equal(rtos.xTimerIsTimerActive(os), pdTRUE, "still active just before expiry");
  assert.deepEqual(inCallback, []);
  await rtos.run(1); // tick 10
  assert.deepEqual(inCallback, [pdFALSE], "a one-shot is marked inactive before its callback runs");
  assert.equal(rtos.xTimerIsTimerActive(os), pdFALSE, "inactive after expiry");
  assert.deepEqual(reloadInCallback, [pdTRUE], "an auto-reload timer stays active");
  await rtos.run(20);
  assert.deepEqual(inCallback, [pdFALSE], "a one-shot fires once");
  assert.equal(rtos.xTimerIsTimerActive(os), pdFALSE);
  assert.equal(rtos.xTimerIsTimerActive(ar), pdTRUE);
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
test("rule 31: xTimerStartFromISR sets *pxHigherPriorityTaskWoken when the timer task has a higher priority than the interrupted task", T, async () => {
  // (a) Timer task (7) above the interrupted task (2): woken = pdTRUE; expiry = ISR's tick + period.
  {
    const rtos = mk();
    const fired: number[] = [];
    const t = timer(rtos, "isr", 5, pdFALSE, () => { fired.push(rtos.xTaskGetTickCount()); });
    const seen: { r?: number; woken?: number; tick?: number; running?: string } = {};
    rtos.registerInterrupt(1, 5, () => {
      const woken: Ref<number> = { value: pdFALSE };
      seen.r = rtos.xTimerStartFromISR(t, woken);
      seen.woken = woken.value;
      seen.tick = rtos.xTaskGetTickCountFromISR();
      const cur = rtos.xTaskGetCurrentTaskHandle();
      seen.running = cur === null ? "none" : rtos.pcTaskGetName(cur);
      rtos.portYIELD_FROM_ISR(woken);
    });
    await spawn(rtos, "worker", 2, async () => { for (;;) await rtos.busy(1); });
    rtos.vTaskStartScheduler();
    rtos.triggerInterrupt(1, 10.5);
    await rtos.run(12);
    assert.equal(seen.r, pdPASS);
    assert.equal(seen.running, "worker");
    assert.equal(seen.woken, pdTRUE);
    assert.equal(seen.tick, 10);
    assert.equal(rtos.xTimerIsTimerActive(t), pdTRUE, "processed right after the ISR");
    assert.equal(rtos.xTimerGetExpiryTime(t), 15);
    await rtos.run(10);
    assert.deepEqual(fired, [15]);
  }
  // (b) Timer task (1, blocked on its queue) below the interrupted task (2): the send unblocks it but
  // woken stays pdFALSE; the command waits until the worker blocks at 20, and by then the expiry (10 + 5) has passed: it fires at once.
  {
    const rtos = mk({ configTIMER_TASK_PRIORITY: 1 });
    const fired: number[] = [];
    const t = timer(rtos, "isr", 5, pdFALSE, () => { fired.push(rtos.xTaskGetTickCount()); });
    const seen: { r?: number; woken?: number } = {};
    rtos.registerInterrupt(1, 5, () => {
      const woken: Ref<number> = { value: pdFALSE };
      seen.r = rtos.xTimerStartFromISR(t, woken);
      seen.woken = woken.value;
      rtos.portYIELD_FROM_ISR(woken);
    });
    await spawn(rtos, "worker", 2, async () => {
      await rtos.vTaskDelay(1); // lets the timer task run and block on its (empty) command queue
      await rtos.busy(19); // ticks 1..20
      await rtos.vTaskDelay(FOREVER);
    });
    rtos.vTaskStartScheduler();
    rtos.triggerInterrupt(1, 10.5);
    await rtos.run(10);
    assert.equal(rtos.eTaskGetState(rtos.xTimerGetTimerDaemonTaskHandle()!), eBlocked, "timer task waits on its queue");
    await rtos.run(9);
    assert.equal(seen.r, pdPASS);
    assert.equal(rtos.eTaskGetState(rtos.xTimerGetTimerDaemonTaskHandle()!), eReady, "the send unblocked the timer task");
    assert.equal(seen.woken, pdFALSE);
    assert.equal(rtos.xTimerIsTimerActive(t), pdFALSE, "not yet processed");
    await rtos.run(10);
    assert.deepEqual(fired, [20]);
  }
});
