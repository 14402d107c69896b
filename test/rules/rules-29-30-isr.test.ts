/*
 * Conformance tests for /work/shared/spec/freertos-rules.md rules 29 and 30, including their ISR
 * halves, checked against FreeRTOS-Kernel V11 event_groups.c / tasks.c / timers.c:
 *
 *   29  xEventGroupWaitBits / xEventGroupSync block with vTaskPlaceOnUnorderedEventList
 *       (listINSERT_END: FIFO, no priority order); xEventGroupSetBits walks the whole list,
 *       readies every waiter whose condition holds (vTaskRemoveFromUnorderedEventList, the item
 *       value = the bits at that moment), collects their clear-on-exit bits in uxBitsToClear and
 *       clears them after the loop, returning the bits after that clear.
 *       xEventGroupSetBitsFromISR / xEventGroupClearBitsFromISR = xTimerPendFunctionCallFromISR
 *       (vEventGroupSetBitsCallback / vEventGroupClearBitsCallback): nothing changes until the
 *       timer task runs the command; pxHigherPriorityTaskWoken is set only when the timer task
 *       outranks the interrupted task; pdFAIL when the timer queue is full.
 *   30  xTaskGenericNotify: eSetValueWithoutOverwrite fails when ucNotifyState is
 *       taskNOTIFICATION_RECEIVED; a waiting task is readied (prvAddTaskToReadyList) even while the
 *       scheduler is suspended. xTaskGenericNotifyFromISR: while uxSchedulerSuspended != 0 the task
 *       goes to xPendingReadyList (eTaskGetState -> eReady) and runs after xTaskResumeAll;
 *       *pxHigherPriorityTaskWoken = pdTRUE for a higher-priority task. xTaskGenericNotifyWait:
 *       clears ulBitsToClearOnEntry only when ucNotifyState != taskNOTIFICATION_RECEIVED; exit
 *       bits only when a notification was received.
 *
 * ISR parts run from interrupt handlers (registerInterrupt at priority 5 + triggerInterrupt at
 * fractional tick times while a task is busy()).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  
  pdTRUE,
  pdFALSE,
  pdPASS,
  pdFAIL,
  portMAX_DELAY,
  eReady,
  eBlocked,
  eSetBits,
  eSetValueWithoutOverwrite,
  taskSCHEDULER_SUSPENDED,
} from "../../src/freertos/index.js";
import type { TaskHandle, Ref, TraceEvent } from "../../src/freertos/index.js";
import { T, mk, park, spawn } from "./harness.js";


const IRQ = 2;
const IRQ_PRIO = 5;




/** The tasks a trace readied, in order. */
function readyOrder(events: TraceEvent[]): string[] {
  return events.filter((e) => e.kind === "task.ready").map((e) => e.task ?? "?");
}

// ---------------------------------------------------------------------------------------------
// Rule 29
// ---------------------------------------------------------------------------------------------

test("rule 29: event group waiters are FIFO, not priority ordered: SetBits readies them in the order they blocked", T, async () => {
  const rtos = mk();
  const eg = rtos.xEventGroupCreate();
  assert.ok(eg);
  const log: string[] = [];
  const waiter = (name: string) => async () => {
    const bits = await rtos.xEventGroupWaitBits(eg, 0x01, pdFALSE, pdFALSE, portMAX_DELAY);
    log.push(`${name}:0x${bits.toString(16)}`);
    await park(rtos);
  };
  let done = false;
  await spawn(rtos, "C", 6, async () => {
    // Blocking order: A (priority 2), B (priority 4), H (priority 5).
    const a = await spawn(rtos, "A", 2, waiter("A"));
    await rtos.vTaskDelay(1);
    const b = await spawn(rtos, "B", 4, waiter("B"));
    await rtos.vTaskDelay(1);
    const h = await spawn(rtos, "H", 5, waiter("H"));
    await rtos.vTaskDelay(1);
    for (const t of [a, b, h]) assert.equal(rtos.eTaskGetState(t), eBlocked);
    // B drops to A's priority while it waits: with a FIFO list it stays behind A.
    await rtos.vTaskPrioritySet(b, 2);

    const events: TraceEvent[] = [];
    rtos.setTraceSink((e) => events.push(e));
    const after = await rtos.xEventGroupSetBits(eg, 0x01);
    rtos.setTraceSink(null);
    assert.equal(after, 0x01, "SetBits return (no clear-on-exit)");
    // Readied in list order = blocking order (a priority-ordered list would give H, B, A).
    assert.deepEqual(readyOrder(events), ["A", "B", "H"], "order in which SetBits readied the waiters");
    for (const t of [a, b, h]) assert.equal(rtos.eTaskGetState(t), eReady);
    assert.deepEqual(log, [], "C (priority 6) keeps the CPU");

    await rtos.vTaskDelay(1);
    // H (5) first; then A before B in the priority-2 ready list, in wake order.
    assert.deepEqual(log, ["H:0x1", "A:0x1", "B:0x1"]);
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.ok(done, "controller finished");
});

test("rule 29: SetBits wakes every satisfied waiter and applies clear-on-exit after the loop", T, async () => {
  const rtos = mk();
  const eg = rtos.xEventGroupCreate();
  assert.ok(eg);
  const got: Record<string, number> = {};
  const waiter = (name: string, waitFor: number, clear: number, all: number) => async () => {
    got[name] = await rtos.xEventGroupWaitBits(eg, waitFor, clear, all, portMAX_DELAY);
    await park(rtos);
  };
  let done = false;
  await spawn(rtos, "C", 5, async () => {
    await rtos.xEventGroupSetBits(eg, 0x10);
    // Blocking order W1..W5 (all priority 3).
    const w1 = await spawn(rtos, "W1", 3, waiter("W1", 0x03, pdTRUE, pdFALSE)); // any of 0x03, clears 0x03
    const w2 = await spawn(rtos, "W2", 3, waiter("W2", 0x01, pdFALSE, pdFALSE)); // needs bit 0 W1 clears
    const w3 = await spawn(rtos, "W3", 3, waiter("W3", 0x0c, pdTRUE, pdTRUE)); // all of 0x0c: not yet
    const w4 = await spawn(rtos, "W4", 3, waiter("W4", 0x04, pdTRUE, pdTRUE)); // clears 0x04
    const w5 = await spawn(rtos, "W5", 3, waiter("W5", 0x05, pdFALSE, pdTRUE)); // needs bits W1 and W4 clear
    await rtos.vTaskDelay(1);
    for (const t of [w1, w2, w3, w4, w5]) assert.equal(rtos.eTaskGetState(t), eBlocked);

    // 0x10 | 0x05 = 0x15; the clears (0x03 | 0x04) happen after every waiter was examined.
    const after = await rtos.xEventGroupSetBits(eg, 0x05);
    assert.equal(after, 0x10, "SetBits returns the bits after the clear-on-exit of the woken waiters");
    assert.equal(rtos.xEventGroupGetBits(eg), 0x10);
    for (const t of [w1, w2, w4, w5]) assert.equal(rtos.eTaskGetState(t), eReady, `${rtos.pcTaskGetName(t)} woken`);
    assert.equal(rtos.eTaskGetState(w3), eBlocked, "W3 (needs 0x08 too) still waits");

    await rtos.vTaskDelay(1);
    // Each woken waiter returns the bits as they were when the loop readied it (before the clears).
    assert.deepEqual(got, { W1: 0x15, W2: 0x15, W4: 0x15, W5: 0x15 });

    // W4 cleared 0x04, so setting 0x08 does not complete W3's 0x0c yet.
    assert.equal(await rtos.xEventGroupSetBits(eg, 0x08), 0x18);
    assert.equal(rtos.eTaskGetState(w3), eBlocked, "0x04 was cleared by W4's clear-on-exit");
    assert.equal(await rtos.xEventGroupSetBits(eg, 0x04), 0x10, "W3 satisfied: 0x1c, its clear-on-exit removes 0x0c");
    await rtos.vTaskDelay(1);
    assert.equal((got as Record<string, number>)["W3"], 0x1c);
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.ok(done, "controller finished");
});

test("rule 29: FromISR set/clear are deferred to the timer task; the bits change only when the timer task runs", T, async () => {
  // The timer task (priority 1) is below the busy task (priority 3): the ISR's commands wait.
  const rtos = mk({ configTIMER_TASK_PRIORITY: 1 });
  const eg = rtos.xEventGroupCreate();
  assert.ok(eg);
  const log: string[] = [];
  const isr: { ret: number[]; woken: number[]; bitsInIsr: number[] } = { ret: [], woken: [], bitsInIsr: [] };
  let phase = 0;
  rtos.registerInterrupt(IRQ, IRQ_PRIO, () => {
    const woken: Ref<number> = { value: pdFALSE };
    if (phase === 0) isr.ret.push(rtos.xEventGroupSetBitsFromISR(eg, 0x01, woken));
    else isr.ret.push(rtos.xEventGroupClearBitsFromISR(eg, 0x01));
    isr.woken.push(woken.value);
    isr.bitsInIsr.push(rtos.xEventGroupGetBitsFromISR(eg));
    rtos.portYIELD_FROM_ISR(woken);
  });
  const waiter = await spawn(rtos, "Waiter", 4, async () => {
    const bits = await rtos.xEventGroupWaitBits(eg, 0x01, pdFALSE, pdTRUE, portMAX_DELAY);
    log.push(`Waiter woke @${rtos.xTaskGetTickCount()} bits 0x${bits.toString(16)}`);
    await park(rtos);
  });
  let done = false;
  await spawn(rtos, "Busy", 3, async () => {
    rtos.triggerInterrupt(IRQ, rtos.now() + 2.5);
    await rtos.busy(10);
    assert.deepEqual(isr.ret, [pdPASS], "the set was posted");
    assert.deepEqual(isr.woken, [pdFALSE], "the timer task (1) does not outrank Busy (3): no woken flag");
    assert.deepEqual(isr.bitsInIsr, [0], "the bits did not change inside the ISR");
    assert.equal(rtos.xEventGroupGetBits(eg), 0, "the bits did not change while the timer task could not run");
    assert.equal(rtos.eTaskGetState(waiter), eBlocked, "the waiter (priority 4) still waits");
    assert.deepEqual(log, []);
    const blockedAt = rtos.xTaskGetTickCount();
    await rtos.vTaskDelay(5); // now the timer task runs the deferred set, which wakes the waiter
    assert.deepEqual(log, [`Waiter woke @${blockedAt} bits 0x1`]);
    assert.equal(rtos.xEventGroupGetBits(eg), 0x01);

    phase = 1;
    rtos.triggerInterrupt(IRQ, rtos.now() + 2.5);
    await rtos.busy(10);
    assert.deepEqual(isr.ret, [pdPASS, pdPASS], "the clear was posted");
    assert.deepEqual(isr.bitsInIsr, [0, 0x01], "the bits did not change inside the ISR");
    assert.equal(rtos.xEventGroupGetBits(eg), 0x01, "the deferred clear has not run yet");
    await rtos.vTaskDelay(5);
    assert.equal(rtos.xEventGroupGetBits(eg), 0, "the timer task ran the clear");
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(40);
  assert.ok(done, "Busy finished");
});

test("rule 29: a FromISR set wakes the timer task; with a higher timer priority it runs at ISR exit (portYIELD_FROM_ISR)", T, async () => {
  const rtos = mk(); // configTIMER_TASK_PRIORITY = 7
  const eg = rtos.xEventGroupCreate();
  assert.ok(eg);
  const log: string[] = [];
  const isr: { ret: number; woken: number; bitsInIsr: number } = { ret: -1, woken: -1, bitsInIsr: -1 };
  rtos.registerInterrupt(IRQ, IRQ_PRIO, () => {
    const woken: Ref<number> = { value: pdFALSE };
    isr.ret = rtos.xEventGroupSetBitsFromISR(eg, 0x02, woken);
    isr.woken = woken.value;
    isr.bitsInIsr = rtos.xEventGroupGetBitsFromISR(eg);
    rtos.portYIELD_FROM_ISR(woken);
  });
  await spawn(rtos, "Waiter", 4, async () => {
    const bits = await rtos.xEventGroupWaitBits(eg, 0x02, pdTRUE, pdTRUE, portMAX_DELAY);
    log.push(`Waiter woke @${rtos.xTaskGetTickCount()} bits 0x${bits.toString(16)}`);
    await park(rtos);
  });
  let done = false;
  await spawn(rtos, "Busy", 3, async () => {
    const t0 = rtos.xTaskGetTickCount();
    rtos.triggerInterrupt(IRQ, rtos.now() + 2.5);
    await rtos.busy(10);
    assert.equal(isr.ret, pdPASS);
    assert.equal(isr.woken, pdTRUE, "the timer task (7) outranks Busy (3)");
    assert.equal(isr.bitsInIsr, 0, "still deferred inside the ISR");
    // The timer task ran at ISR exit, set the bit, and the waiter (4) preempted Busy at tick 2.
    assert.deepEqual(log, [`Waiter woke @${t0 + 2} bits 0x2`]);
    assert.equal(rtos.xEventGroupGetBits(eg), 0, "the waiter's clear-on-exit removed 0x02");
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  assert.ok(done, "Busy finished");
});

test("rule 29: a FromISR set/clear returns pdFAIL when the timer command queue is full, and nothing is lost from the posted ones", T, async () => {
  const rtos = mk({ configTIMER_TASK_PRIORITY: 1, configTIMER_QUEUE_LENGTH: 2 });
  const eg = rtos.xEventGroupCreate();
  assert.ok(eg);
  const ret: number[] = [];
  rtos.registerInterrupt(IRQ, IRQ_PRIO, () => {
    ret.push(rtos.xEventGroupSetBitsFromISR(eg, 0x01, null));
    ret.push(rtos.xEventGroupSetBitsFromISR(eg, 0x02, null));
    ret.push(rtos.xEventGroupSetBitsFromISR(eg, 0x04, null));
    ret.push(rtos.xEventGroupClearBitsFromISR(eg, 0x01));
  });
  let done = false;
  await spawn(rtos, "Busy", 3, async () => {
    rtos.triggerInterrupt(IRQ, rtos.now() + 1.5);
    await rtos.busy(5);
    assert.deepEqual(ret, [pdPASS, pdPASS, pdFAIL, pdFAIL], "queue of 2: the third and fourth posts fail");
    assert.equal(rtos.xEventGroupGetBits(eg), 0);
    await rtos.vTaskDelay(2);
    assert.equal(rtos.xEventGroupGetBits(eg), 0x03, "the two posted sets ran in the timer task");
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  assert.ok(done, "Busy finished");
});

// ---------------------------------------------------------------------------------------------
// Rule 30
// ---------------------------------------------------------------------------------------------

test("rule 30: a FromISR notify while the scheduler is suspended uses the pending-ready list (eReady, runs after xTaskResumeAll); a task-level notify readies directly", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const taker = (name: string) => async () => {
    for (;;) {
      const v = await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
      log.push(`${name}:${v}`);
    }
  };
  const w1 = await spawn(rtos, "W1", 3, taker("W1"));
  const w2 = await spawn(rtos, "W2", 3, taker("W2"));
  const isr = { woken: -1, ran: false };
  rtos.registerInterrupt(IRQ, IRQ_PRIO, () => {
    const woken: Ref<number> = { value: pdFALSE };
    rtos.vTaskNotifyGiveFromISR(w2, woken);
    isr.woken = woken.value;
    isr.ran = true;
    rtos.portYIELD_FROM_ISR(woken);
  });
  let done = false;
  await spawn(rtos, "S", 2, async () => {
    assert.equal(rtos.eTaskGetState(w1), eBlocked);
    assert.equal(rtos.eTaskGetState(w2), eBlocked);
    rtos.vTaskSuspendAll();
    rtos.triggerInterrupt(IRQ, rtos.now() + 1.5);
    await rtos.busy(3);
    assert.ok(isr.ran, "the interrupt ran");
    assert.equal(rtos.xTaskGetSchedulerState(), taskSCHEDULER_SUSPENDED);
    assert.equal(isr.woken, pdTRUE, "W2 (3) outranks S (2): pxHigherPriorityTaskWoken set even while suspended");
    assert.equal(rtos.eTaskGetState(w2), eReady, "on the pending-ready list: eReady");
    assert.deepEqual(log, [], "no switch while the scheduler is suspended");

    // W2 was woken first (pending-ready); W1 is now readied by a task-level notify, directly.
    assert.equal(await rtos.xTaskNotifyGive(w1), pdPASS);
    assert.equal(rtos.eTaskGetState(w1), eReady);
    assert.deepEqual(log, [], "still no switch while suspended");

    const r = await rtos.xTaskResumeAll();
    assert.equal(r, pdTRUE, "xTaskResumeAll yielded");
    // W1 was already in the ready list; W2 was appended behind it when the pending list was drained.
    assert.deepEqual(log, ["W1:1", "W2:1"]);
    assert.equal(rtos.eTaskGetState(w1), eBlocked);
    assert.equal(rtos.eTaskGetState(w2), eBlocked);
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.ok(done, "S finished");
});

test("rule 30: a FromISR notify with the scheduler running readies the task at once; it runs at ISR exit with portYIELD_FROM_ISR", T, async () => {
  const rtos = mk();
  const log: string[] = [];
  const w = await spawn(rtos, "W", 3, async () => {
    for (;;) {
      const v = await rtos.ulTaskNotifyTake(pdFALSE, portMAX_DELAY);
      log.push(`W:${v}@${rtos.xTaskGetTickCount()}`);
    }
  });
  let wokenInIsr = -1;
  rtos.registerInterrupt(IRQ, IRQ_PRIO, () => {
    const woken: Ref<number> = { value: pdFALSE };
    rtos.vTaskNotifyGiveFromISR(w, woken);
    wokenInIsr = woken.value;
    rtos.portYIELD_FROM_ISR(woken);
  });
  let done = false;
  await spawn(rtos, "S", 2, async () => {
    const t0 = rtos.xTaskGetTickCount();
    rtos.triggerInterrupt(IRQ, rtos.now() + 1.5);
    await rtos.busy(4);
    assert.equal(wokenInIsr, pdTRUE, "W (3) outranks S (2)");
    assert.deepEqual(log, [`W:1@${t0 + 1}`], "W preempted S at the ISR's exit (tick 1)");
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.ok(done, "S finished");
});

test("rule 30: eSetValueWithoutOverwrite fails while a notification is pending (task and ISR); succeeds once consumed or cleared", T, async () => {
  const rtos = mk();
  const isrResults: Array<{ ret: number; prev: number }> = [];
  let isrValue = 0;
  let me: TaskHandle | null = null;
  rtos.registerInterrupt(IRQ, IRQ_PRIO, () => {
    const prev: Ref<number> = { value: -1 };
    isrResults.push({ ret: rtos.xTaskNotifyAndQueryFromISR(me!, isrValue, eSetValueWithoutOverwrite, prev, null), prev: prev.value });
  });
  const fromIsr = async (value: number): Promise<{ ret: number; prev: number }> => {
    isrValue = value;
    const n = isrResults.length;
    rtos.triggerInterrupt(IRQ, rtos.now() + 0.5);
    await rtos.busy(1);
    assert.equal(isrResults.length, n + 1, "the interrupt ran");
    return isrResults[n]!;
  };
  let done = false;
  me = await spawn(rtos, "C", 3, async () => {
    const ref: Ref<number> = { value: 0 };
    const prev: Ref<number> = { value: 0 };
    // Nothing pending: the first one sets the value.
    assert.equal(await rtos.xTaskNotify(me!, 5, eSetValueWithoutOverwrite), pdPASS);
    // Pending: task-level and ISR attempts fail and leave the value alone.
    assert.equal(await rtos.xTaskNotifyAndQuery(me!, 6, eSetValueWithoutOverwrite, prev), pdFAIL);
    assert.equal(prev.value, 5, "previous value reported even on failure");
    assert.deepEqual(await fromIsr(7), { ret: pdFAIL, prev: 5 });
    assert.equal(rtos.ulTaskNotifyValueClear(null, 0), 5, "value kept");

    // Consumed: the ISR may set it again; then it is pending again for the task level.
    assert.equal(await rtos.xTaskNotifyWait(0, 0, ref, 0), pdTRUE);
    assert.equal(ref.value, 5);
    assert.deepEqual(await fromIsr(8), { ret: pdPASS, prev: 5 });
    assert.equal(await rtos.xTaskNotify(me!, 9, eSetValueWithoutOverwrite), pdFAIL);
    assert.equal(rtos.ulTaskNotifyValueClear(null, 0), 8);

    // Cleared with xTaskNotifyStateClear (value untouched): both succeed again.
    assert.equal(rtos.xTaskNotifyStateClear(null), pdTRUE);
    assert.equal(await rtos.xTaskNotify(me!, 10, eSetValueWithoutOverwrite), pdPASS);
    assert.equal(rtos.xTaskNotifyStateClear(null), pdTRUE);
    assert.deepEqual(await fromIsr(11), { ret: pdPASS, prev: 10 });
    assert.equal(await rtos.xTaskNotifyWait(0, 0, ref, 0), pdTRUE);
    assert.equal(ref.value, 11);
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  assert.ok(done, "C finished");
});

test("rule 30: xTaskNotifyWait clears bits on entry only when nothing is pending and it may block; exit bits only when notified", T, async () => {
  const rtos = mk();
  let isrBits = 0;
  let me: TaskHandle | null = null;
  const wokenLog: number[] = [];
  const isrRet: number[] = [];
  rtos.registerInterrupt(IRQ, IRQ_PRIO, () => {
    const woken: Ref<number> = { value: pdFALSE };
    isrRet.push(rtos.xTaskNotifyFromISR(me!, isrBits, eSetBits, woken));
    wokenLog.push(woken.value);
    rtos.portYIELD_FROM_ISR(woken);
  });
  let done = false;
  me = await spawn(rtos, "C", 3, async () => {
    const ref: Ref<number> = { value: 0 };
    const value = (): number => rtos.ulTaskNotifyValueClear(null, 0);

    // Pending (task-level eSetBits): the entry clear is skipped.
    assert.equal(await rtos.xTaskNotify(me!, 0xff, eSetBits), pdPASS);
    assert.equal(await rtos.xTaskNotifyWait(0x0f, 0, ref, 0), pdTRUE);
    assert.equal(ref.value, 0xff, "entry bits not cleared while a notification was pending");
    assert.equal(value(), 0xff);

    // Nothing pending, zero timeout: it cannot block, so nothing is cleared on entry (V11.2.0).
    assert.equal(await rtos.xTaskNotifyWait(0x0f, 0, ref, 0), pdFALSE);
    assert.equal(ref.value, 0xff, "no entry clear with a zero timeout");
    assert.equal(rtos.ulTaskNotifyValueClear(null, 0x0f), 0xff);

    // Pending from an ISR while C is busy: even a clear-all on entry is skipped.
    isrBits = 0x100;
    rtos.triggerInterrupt(IRQ, rtos.now() + 0.5);
    await rtos.busy(1);
    assert.deepEqual(wokenLog, [pdFALSE], "C was running, not waiting");
    assert.equal(await rtos.xTaskNotifyWait(0xffffffff, 0, ref, 0), pdTRUE);
    assert.equal(ref.value, 0x1f0);

    // Nothing pending, blocking: entry clear 0x30 first, then the ISR's bits, then exit clear 0xc0.
    isrBits = 0x200;
    const t0 = rtos.xTaskGetTickCount();
    rtos.triggerInterrupt(IRQ, rtos.now() + 2.5);
    assert.equal(await rtos.xTaskNotifyWait(0x30, 0xc0, ref, 10), pdTRUE);
    assert.equal(rtos.xTaskGetTickCount(), t0 + 2, "woken at the ISR");
    assert.deepEqual(wokenLog, [pdFALSE, pdTRUE], "the ISR woke C, which outranks idle");
    assert.equal(ref.value, 0x3c0, "returned before the exit clear: (0x1f0 & ~0x30) | 0x200");
    assert.equal(value(), 0x300, "exit bits cleared after the notification");

    // Timeout: entry clear applied, exit clear not.
    const t1 = rtos.xTaskGetTickCount();
    assert.equal(await rtos.xTaskNotifyWait(0x100, 0x200, ref, 5), pdFALSE);
    assert.equal(rtos.xTaskGetTickCount(), t1 + 5);
    assert.equal(ref.value, 0x200);
    assert.equal(value(), 0x200, "no exit clear on timeout");
    assert.deepEqual(isrRet, [pdPASS, pdPASS], "eSetBits from the ISR always passes");
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(30);
  assert.ok(done, "C finished");
});

test("rule 30 (V11.2.0): xTaskNotifyWaitIndexed with a zero timeout clears no bits on entry; with a timeout it does", T, async () => {
  const rtos = mk({ configTASK_NOTIFICATION_ARRAY_ENTRIES: 2 });
  let done = false;
  const me = await spawn(rtos, "C", 3, async () => {
    const ref: Ref<number> = { value: 0 };
    // Bits set, then the notification consumed: bits present, nothing pending.
    assert.equal(await rtos.xTaskNotifyIndexed(me, 1, 0xf0f, eSetBits), pdPASS);
    assert.equal(rtos.xTaskNotifyStateClearIndexed(null, 1), pdTRUE);
    assert.equal(await rtos.xTaskNotifyWaitIndexed(1, 0xffffffff, 0, ref, 0), pdFALSE);
    assert.equal(ref.value, 0xf0f, "zero timeout: no entry clear");
    assert.equal(rtos.ulTaskNotifyValueClearIndexed(null, 1, 0), 0xf0f, "value unchanged");
    // The zero-timeout wait left the state not-waiting: a new notification is pending, not lost.
    assert.equal(await rtos.xTaskNotifyIndexed(me, 1, 0x1000, eSetValueWithoutOverwrite), pdPASS);
    assert.equal(await rtos.xTaskNotifyWaitIndexed(1, 0, 0, ref, 0), pdTRUE);
    assert.equal(ref.value, 0x1000);
    // A wait that may block clears the entry bits first (then times out after 2 ticks).
    const t0 = rtos.xTaskGetTickCount();
    assert.equal(await rtos.xTaskNotifyWaitIndexed(1, 0x1000, 0, ref, 2), pdFALSE);
    assert.equal(rtos.xTaskGetTickCount(), t0 + 2);
    assert.equal(ref.value, 0, "entry bits cleared before blocking");
    done = true;
    await park(rtos);
  });
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.ok(done, "C finished");
});
