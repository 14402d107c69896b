/*
 * Port of FreeRTOS/Demo/Common/Minimal/IntQueue.c (FreeRTOS/FreeRTOS, main branch) to tinyrtos,
 * with the two timer interrupts of the demos' IntQueueTimer.c (e.g.
 * CORTEX_LM3S6965_GCC_QEMU/LocalDemoFiles/IntQueueTimer.c: timer 2 at 2000 Hz runs
 * xFirstTimerHandler one priority level below timer 3, which runs xSecondTimerHandler at
 * configMAX_SYSCALL_INTERRUPT_PRIORITY, "assigned different priorities so they nest").
 *
 * Structure kept: queues NormallyEmpty and NormallyFull (length 10, 4-byte UBaseType_t items);
 * tasks H1QRx/H2QRx (prvHigherPriorityNormallyEmptyTask, intqHIGHER_PRIORITY), L1QRx
 * (prvLowerPriorityNormallyEmptyTask, idle priority), H1QTx/H2QTx (the 1st/2nd
 * HigherPriorityNormallyFull tasks), L2QRx (prvLowerPriorityNormallyFullTask); H1QRx starts the
 * timers (vInitialiseTimerForIntQueueTest) when it first runs. The ISR bodies are the original
 * xFirstTimerHandler / xSecondTimerHandler with the timerNORMALLY_* macros (FromISR sends in
 * taskENTER_CRITICAL_FROM_ISR sections, xQueueIsQueueFullFromISR, xQueueReceiveFromISR), each
 * ending in portEND_SWITCHING_ISR(xHigherPriorityTaskWoken).
 *
 * Interrupt model (how the nesting of the original is reproduced):
 *  - "tmr2" (irq 2, priority 9) runs xFirstTimerHandler every 0.5 tick (2000 Hz at 1000 Hz ticks);
 *    "tmr3" (irq 3, priority 10 = configMAX_SYSCALL_INTERRUPT_PRIORITY) runs xSecondTimerHandler
 *    every 1000/2003 tick (2003 Hz). Both are periodic: each slot k is an absolute time
 *    base + k * period, so the two phases drift past each other (beat period ~333 ticks).
 *  - Handlers are synchronous and take no virtual time, so a timer 3 slot can never "fall inside"
 *    a running timer-2 handler by itself. On hardware it does whenever timer 3 expires within the
 *    first handler's execution time. We give xFirstTimerHandler a modelled execution time of
 *    FIRST_HANDLER_TICKS (0.1 tick). When timer 3's next slot falls in [t2, t2 + 0.1) of a timer-2
 *    run, that slot is NOT scheduled as its own trigger; instead the timer-2 handler raises irq 3
 *    itself (rtos.triggerInterrupt(3), "now") at the point of its body matching the slot's offset
 *    in that window: before one of its queue operations, or inside one of the
 *    taskENTER_CRITICAL_FROM_ISR sections. The higher-priority handler then runs nested at once
 *    (preempting xFirstTimerHandler mid-body, as on hardware), or, when raised inside a critical
 *    section (which masks up to configMAX_SYSCALL_INTERRUPT_PRIORITY), stays pending and runs
 *    nested at taskEXIT_CRITICAL_FROM_ISR. Each timer-3 slot runs exactly once either way.
 *  - Extra checks of this model (not in the original): a nested raise outside a critical section
 *    ran xSecondTimerHandler at once, a raise inside one did not run it before the exit but did at
 *    the exit, xSecondTimerHandler never ran while xFirstTimerHandler held its critical section,
 *    and both kinds of nesting happened in every check period.
 *
 * Check mapping (every prvQueueAccessLogError site of the original is recorded with a description
 * and asserted empty after every rtos.run(); xErrorStatus is asserted pdPASS):
 *  - H?QRx: receive from NormallyEmpty timed out (140 ticks); H1QRx's cycle check: a value in
 *    1..199 missing, task 1 or task 2 logged < intqMIN_ACCEPTABLE_TASK_COUNT values three cycles in
 *    a row, no value received by an interrupt.
 *  - L1QRx: received while H1QRx was not suspended; send with portMAX_DELAY failed.
 *  - H1QTx: send timed out; xWasSuspended still pdTRUE; a value in 1..199 missing; no value
 *    received by an interrupt. H2QTx: send timed out while not suspended.
 *  - L2QRx: send succeeded while H1QTx was not suspended; receive with portMAX_DELAY failed.
 *  - prvRecordValue_*: a value received twice. timerNORMALLY_EMPTY_RX: receive failed.
 *  - xAreIntQueueTasksStillRunning: uxHighPriorityLoops1/2 and uxLowPriorityLoops1/2 advanced
 *    since the previous call; asserted after each of several run periods.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, pdFAIL, pdTRUE, pdFALSE, errQUEUE_EMPTY, errQUEUE_FULL, portMAX_DELAY, tskIDLE_PRIORITY, eSuspended } from "../../src/freertos/index.js";
import type { QueueHandle, TaskHandle, Ref } from "../../src/freertos/index.js";

const configMAX_PRIORITIES = 8;
const configMAX_SYSCALL_INTERRUPT_PRIORITY = 10;
const configTICK_RATE_HZ = 1000;

const intqHIGHER_PRIORITY = configMAX_PRIORITIES - 2;
const intqLOWER_PRIORITY = tskIDLE_PRIORITY;
const intqNUM_VALUES_TO_LOG = 200;
const intqSHORT_DELAY = 140;
const intqVALUE_OVERRUN = 50;
const intqONE_TICK_DELAY = 1;
const intqHIGH_PRIORITY_TASK1 = 1;
const intqHIGH_PRIORITY_TASK2 = 2;
const intqLOW_PRIORITY_TASK = 3;
const intqSECOND_INTERRUPT = 5;
const intqQUEUE_LENGTH = 10;
const intqMIN_ACCEPTABLE_TASK_COUNT = 5;

// Interrupt model (see header).
const IRQ_TMR2 = 2;
const IRQ_TMR3 = 3;
const TMR2_PRIORITY = configMAX_SYSCALL_INTERRUPT_PRIORITY - 1; // lower: xFirstTimerHandler
const TMR3_PRIORITY = configMAX_SYSCALL_INTERRUPT_PRIORITY; // higher: xSecondTimerHandler
const tmrTIMER_2_FREQUENCY = 2000;
const tmrTIMER_3_FREQUENCY = 2003;
const TMR2_PERIOD_TICKS = configTICK_RATE_HZ / tmrTIMER_2_FREQUENCY;
const TMR3_PERIOD_TICKS = configTICK_RATE_HZ / tmrTIMER_3_FREQUENCY;
/** Modelled execution time of xFirstTimerHandler: a timer-3 slot inside it nests. */
const FIRST_HANDLER_TICKS = 0.1;

/** Ticks between two calls of the check function (the demos' check task period). */
const CHECK_PERIOD_TICKS = 1000;
const CHECKS = 5;

const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const getU32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);

/** Where, inside xFirstTimerHandler, timer 3 "expires" (see header). */
interface NestHooks {
  /** Before one of the handler's queue operations. */
  before(): void;
  /** Just after taskENTER_CRITICAL_FROM_ISR of a timerNORMALLY_*_TX. */
  inCritical(): void;
  /** Just before the matching taskEXIT_CRITICAL_FROM_ISR. */
  exitingCritical(): void;
  /** Just after it. */
  afterCritical(): void;
}

test("IntQueue.c: two queues hammered by five tasks and two nesting interrupts; no value lost or duplicated", { timeout: 60_000 }, async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configTICK_RATE_HZ,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configMINIMAL_STACK_SIZE: 128,
    configMAX_SYSCALL_INTERRUPT_PRIORITY,
  });

  // ---- File-scope variables of the original.
  let uxHighPriorityLoops1 = 0;
  let uxHighPriorityLoops2 = 0;
  let uxLowPriorityLoops1 = 0;
  let uxLowPriorityLoops2 = 0;
  let xErrorStatus = pdPASS;
  const errors: string[] = [];
  let xWasSuspended = pdFALSE;
  let uxValueForNormallyEmptyQueue = 0;
  let uxValueForNormallyFullQueue = 0;
  const xHighPriorityNormallyEmptyTask1: Ref<TaskHandle | null> = { value: null };
  const xHighPriorityNormallyEmptyTask2: Ref<TaskHandle | null> = { value: null };
  const xHighPriorityNormallyFullTask1: Ref<TaskHandle | null> = { value: null };
  const xHighPriorityNormallyFullTask2: Ref<TaskHandle | null> = { value: null };
  const ucNormallyEmptyReceivedValues = new Uint8Array(intqNUM_VALUES_TO_LOG);
  const ucNormallyFullReceivedValues = new Uint8Array(intqNUM_VALUES_TO_LOG);

  const prvQueueAccessLogError = (what: string): void => {
    xErrorStatus = pdFAIL;
    if (errors.length < 20) errors.push(`t=${rtos.now().toFixed(3)}: ${what}`);
  };

  // ---- Queues (vStartInterruptQueueTasks creates them after the tasks; nothing runs before the scheduler).
  const xNormallyFullQueue: QueueHandle | null = rtos.xQueueCreate(intqQUEUE_LENGTH, 4);
  const xNormallyEmptyQueue: QueueHandle | null = rtos.xQueueCreate(intqQUEUE_LENGTH, 4);
  assert.ok(xNormallyFullQueue !== null && xNormallyEmptyQueue !== null, "xQueueCreate");
  const fullQ: QueueHandle = xNormallyFullQueue;
  const emptyQ: QueueHandle = xNormallyEmptyQueue;
  rtos.vQueueAddToRegistry(fullQ, "NormallyFull");
  rtos.vQueueAddToRegistry(emptyQ, "NormallyEmpty");

  const prvRecordValue_NormallyFull = (uxValue: number, uxSource: number): void => {
    if (uxValue < intqNUM_VALUES_TO_LOG) {
      if (ucNormallyFullReceivedValues[uxValue] !== 0) {
        prvQueueAccessLogError(`NormallyFull value ${uxValue} received twice (by ${ucNormallyFullReceivedValues[uxValue]} and ${uxSource})`);
      }
      ucNormallyFullReceivedValues[uxValue] = uxSource;
    }
  };
  const prvRecordValue_NormallyEmpty = (uxValue: number, uxSource: number): void => {
    if (uxValue < intqNUM_VALUES_TO_LOG) {
      if (ucNormallyEmptyReceivedValues[uxValue] !== 0) {
        prvQueueAccessLogError(`NormallyEmpty value ${uxValue} received twice (by ${ucNormallyEmptyReceivedValues[uxValue]} and ${uxSource})`);
      }
      ucNormallyEmptyReceivedValues[uxValue] = uxSource;
    }
  };

  // ---- The timerNORMALLY_* macros (ISR context). `hooks` is only passed by xFirstTimerHandler.
  const isrRx: Ref<Uint8Array> = { value: new Uint8Array(4) };
  const timerNORMALLY_EMPTY_TX = (woken: Ref<number>, hooks?: NestHooks): void => {
    hooks?.before();
    if (rtos.xQueueIsQueueFullFromISR(emptyQ) !== pdTRUE) {
      const saved = rtos.taskENTER_CRITICAL_FROM_ISR();
      hooks?.inCritical();
      uxValueForNormallyEmptyQueue++;
      if (rtos.xQueueSendFromISR(emptyQ, u32(uxValueForNormallyEmptyQueue), woken) !== pdPASS) uxValueForNormallyEmptyQueue--;
      hooks?.exitingCritical();
      rtos.taskEXIT_CRITICAL_FROM_ISR(saved);
      hooks?.afterCritical();
    }
  };
  const timerNORMALLY_FULL_TX = (woken: Ref<number>, hooks?: NestHooks): void => {
    hooks?.before();
    if (rtos.xQueueIsQueueFullFromISR(fullQ) !== pdTRUE) {
      const saved = rtos.taskENTER_CRITICAL_FROM_ISR();
      hooks?.inCritical();
      uxValueForNormallyFullQueue++;
      if (rtos.xQueueSendFromISR(fullQ, u32(uxValueForNormallyFullQueue), woken) !== pdPASS) uxValueForNormallyFullQueue--;
      hooks?.exitingCritical();
      rtos.taskEXIT_CRITICAL_FROM_ISR(saved);
      hooks?.afterCritical();
    }
  };
  const timerNORMALLY_EMPTY_RX = (woken: Ref<number>, hooks?: NestHooks): void => {
    hooks?.before();
    if (rtos.xQueueReceiveFromISR(emptyQ, isrRx, woken) !== pdPASS) prvQueueAccessLogError("timerNORMALLY_EMPTY_RX: xQueueReceiveFromISR failed");
    else prvRecordValue_NormallyEmpty(getU32(isrRx.value), intqSECOND_INTERRUPT);
  };
  const timerNORMALLY_FULL_RX = (woken: Ref<number>, hooks?: NestHooks): void => {
    hooks?.before();
    if (rtos.xQueueReceiveFromISR(fullQ, isrRx, woken) === pdPASS) prvRecordValue_NormallyFull(getU32(isrRx.value), intqSECOND_INTERRUPT);
  };

  // ---- xFirstTimerHandler / xSecondTimerHandler
  let uxNextOperation1 = 0;
  const xFirstTimerHandler = (hooks: NestHooks): number => {
    const xHigherPriorityTaskWoken: Ref<number> = { value: pdFALSE };
    uxNextOperation1++;
    if (uxNextOperation1 & 1) {
      timerNORMALLY_EMPTY_TX(xHigherPriorityTaskWoken, hooks);
      timerNORMALLY_EMPTY_TX(xHigherPriorityTaskWoken, hooks);
      timerNORMALLY_EMPTY_TX(xHigherPriorityTaskWoken, hooks);
    } else {
      timerNORMALLY_FULL_RX(xHigherPriorityTaskWoken, hooks);
      timerNORMALLY_FULL_RX(xHigherPriorityTaskWoken, hooks);
      timerNORMALLY_FULL_RX(xHigherPriorityTaskWoken, hooks);
    }
    return xHigherPriorityTaskWoken.value;
  };
  let uxNextOperation2 = 0;
  const xSecondTimerHandler = (): number => {
    const xHigherPriorityTaskWoken: Ref<number> = { value: pdFALSE };
    uxNextOperation2++;
    if (uxNextOperation2 & 1) {
      timerNORMALLY_EMPTY_TX(xHigherPriorityTaskWoken);
      timerNORMALLY_EMPTY_TX(xHigherPriorityTaskWoken);
      timerNORMALLY_EMPTY_RX(xHigherPriorityTaskWoken);
      timerNORMALLY_EMPTY_RX(xHigherPriorityTaskWoken);
    } else {
      timerNORMALLY_FULL_RX(xHigherPriorityTaskWoken);
      timerNORMALLY_FULL_TX(xHigherPriorityTaskWoken);
      timerNORMALLY_FULL_TX(xHigherPriorityTaskWoken);
      timerNORMALLY_FULL_TX(xHigherPriorityTaskWoken);
    }
    return xHigherPriorityTaskWoken.value;
  };

  // ---- IntQueueTimer.c: two periodic timers, timer 3 nesting into timer 2 (see header).
  let tmr2Base = 0;
  let tmr3Base = 0;
  let tmr2Runs = 0; // index of the next timer-2 slot to run
  let tmr3Slot = 0; // index of the timer-3 slot being handled / scheduled
  let tmr3Runs = 0;
  /** A timer-3 slot that falls inside a timer-2 run: which run, and where in its body (0..1). */
  let nestInto: { run: number; offset: number } | null = null;
  let inFirstHandler = false;
  let firstInCritical = false;
  // Model counters (extra checks).
  let nestedAtOnce = 0; // timer 3 preempted xFirstTimerHandler between operations
  let nestedAtCriticalExit = 0; // timer 3 raised inside the critical section, ran at its exit
  let tmr3RanNested = 0;

  const scheduleTimer3Slot = (slot: number): void => {
    const t = tmr3Base + slot * TMR3_PERIOD_TICKS;
    const run = Math.floor((t - tmr2Base) / TMR2_PERIOD_TICKS);
    const t2 = tmr2Base + run * TMR2_PERIOD_TICKS;
    if (run >= tmr2Runs && t - t2 >= 0 && t - t2 < FIRST_HANDLER_TICKS) {
      nestInto = { run, offset: (t - t2) / FIRST_HANDLER_TICKS };
    } else {
      rtos.triggerInterrupt(IRQ_TMR3, Math.max(t, rtos.now()));
    }
  };

  const vT3InterruptHandler = (): void => {
    tmr3Runs++;
    if (inFirstHandler) tmr3RanNested++;
    if (firstInCritical) prvQueueAccessLogError("model: xSecondTimerHandler ran inside xFirstTimerHandler's taskENTER_CRITICAL_FROM_ISR section");
    rtos.portEND_SWITCHING_ISR(xSecondTimerHandler());
    tmr3Slot++;
    scheduleTimer3Slot(tmr3Slot); // periodic: the next slot
  };

  const vT2InterruptHandler = (): void => {
    const run = tmr2Runs++;
    rtos.triggerInterrupt(IRQ_TMR2, Math.max(tmr2Base + tmr2Runs * TMR2_PERIOD_TICKS, rtos.now())); // periodic reload
    let nest: { run: number; offset: number } | null = nestInto !== null && nestInto.run === run ? nestInto : null;
    if (nest !== null) nestInto = null;
    // Preemption points of this run: odd runs do three TXs (before + in critical each), even runs three RXs.
    const points = (uxNextOperation1 + 1) & 1 ? 6 : 3;
    const nestAt = nest !== null ? Math.min(points - 1, Math.floor(nest.offset * points)) : -1;
    let point = 0;
    let deferredFrom = -1;
    const raise = (inCritical: boolean): void => {
      nest = null;
      const before = tmr3Runs;
      rtos.triggerInterrupt(IRQ_TMR3); // timer 3 expires now, in the middle of this handler
      if (inCritical) {
        if (tmr3Runs !== before) prvQueueAccessLogError("model: timer 3 raised inside taskENTER_CRITICAL_FROM_ISR ran before taskEXIT_CRITICAL_FROM_ISR");
        deferredFrom = before;
      } else if (tmr3Runs !== before + 1) {
        prvQueueAccessLogError("model: timer 3 (higher priority) raised inside xFirstTimerHandler did not preempt it");
      } else {
        nestedAtOnce++;
      }
    };
    const hooks: NestHooks = {
      before: () => {
        if (nest !== null && point++ === nestAt) raise(false);
      },
      inCritical: () => {
        firstInCritical = true;
        if (nest !== null && point++ === nestAt) raise(true);
      },
      exitingCritical: () => {
        firstInCritical = false;
      },
      afterCritical: () => {
        if (deferredFrom >= 0) {
          if (tmr3Runs !== deferredFrom + 1) prvQueueAccessLogError("model: timer 3 held back by the critical section did not run at taskEXIT_CRITICAL_FROM_ISR");
          else nestedAtCriticalExit++;
          deferredFrom = -1;
        }
      },
    };
    inFirstHandler = true;
    const woken = xFirstTimerHandler(hooks);
    if (nest !== null) raise(false); // a skipped point (queue full): timer 3 expires at the end of the body
    inFirstHandler = false;
    rtos.portEND_SWITCHING_ISR(woken);
  };

  rtos.registerInterrupt(IRQ_TMR2, TMR2_PRIORITY, vT2InterruptHandler, "tmr2");
  rtos.registerInterrupt(IRQ_TMR3, TMR3_PRIORITY, vT3InterruptHandler, "tmr3");

  const vInitialiseTimerForIntQueueTest = (): void => {
    const now = rtos.now();
    tmr2Base = now + TMR2_PERIOD_TICKS;
    tmr3Base = now + TMR3_PERIOD_TICKS;
    rtos.triggerInterrupt(IRQ_TMR2, tmr2Base);
    scheduleTimer3Slot(0);
  };

  // ---- prvHigherPriorityNormallyEmptyTask (H1QRx, H2QRx)
  const prvHigherPriorityNormallyEmptyTask = async (pvParameters: number): Promise<void> => {
    const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
    let uxErrorCount1 = 0;
    let uxErrorCount2 = 0;
    // Only task 1 starts the timers, once the scheduler runs.
    if (pvParameters === intqHIGH_PRIORITY_TASK1) vInitialiseTimerForIntQueueTest();
    for (;;) {
      // Interrupts write to the queue, so a value must arrive.
      if ((await rtos.xQueueReceive(emptyQ, rx, intqSHORT_DELAY)) !== pdPASS) {
        prvQueueAccessLogError(`H${pvParameters}QRx: receive from NormallyEmpty timed out`);
      } else {
        prvRecordValue_NormallyEmpty(getU32(rx.value), pvParameters);
      }
      await rtos.taskYIELD(); // let the other task running this code execute

      if (pvParameters === intqHIGH_PRIORITY_TASK1 && uxValueForNormallyEmptyQueue > intqNUM_VALUES_TO_LOG + intqVALUE_OVERRUN) {
        await rtos.vTaskSuspend(xHighPriorityNormallyEmptyTask2.value);
        let uxTask1 = 0;
        let uxTask2 = 0;
        let uxInterrupts = 0;
        // Position 0 is never used.
        for (let ux = 1; ux < intqNUM_VALUES_TO_LOG; ux++) {
          const who = ucNormallyEmptyReceivedValues[ux];
          if (who === 0) prvQueueAccessLogError(`H1QRx: NormallyEmpty value ${ux} missing`);
          else if (who === intqHIGH_PRIORITY_TASK1) uxTask1++;
          else if (who === intqHIGH_PRIORITY_TASK2) uxTask2++;
          else if (who === intqSECOND_INTERRUPT) uxInterrupts++;
        }
        if (uxTask1 < intqMIN_ACCEPTABLE_TASK_COUNT) {
          uxErrorCount1++; // only task 2 logged values
          if (uxErrorCount1 > 2) prvQueueAccessLogError(`H1QRx: task 1 received only ${uxTask1} values, ${uxErrorCount1} cycles in a row`);
        } else {
          uxErrorCount1 = 0;
        }
        if (uxTask2 < intqMIN_ACCEPTABLE_TASK_COUNT) {
          uxErrorCount2++; // only task 1 logged values
          if (uxErrorCount2 > 2) prvQueueAccessLogError(`H1QRx: task 2 received only ${uxTask2} values, ${uxErrorCount2} cycles in a row`);
        } else {
          uxErrorCount2 = 0;
        }
        if (uxInterrupts === 0) prvQueueAccessLogError("H1QRx: no NormallyEmpty value was received by an interrupt");

        ucNormallyEmptyReceivedValues.fill(0);
        uxHighPriorityLoops1++;
        rtos.taskENTER_CRITICAL();
        uxValueForNormallyEmptyQueue = 0;
        await rtos.taskEXIT_CRITICAL();

        // Let the low-priority task receive something; it resumes us, then we resume task 2.
        await rtos.vTaskSuspend(null);
        await rtos.vTaskResume(xHighPriorityNormallyEmptyTask2.value!);
      }
    }
  };

  // ---- prvLowerPriorityNormallyEmptyTask (L1QRx)
  const prvLowerPriorityNormallyEmptyTask = async (): Promise<void> => {
    const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
    for (;;) {
      if ((await rtos.xQueueReceive(emptyQ, rx, intqONE_TICK_DELAY)) !== errQUEUE_EMPTY) {
        // Only possible while the high-priority task is suspended.
        if (rtos.eTaskGetState(xHighPriorityNormallyEmptyTask1.value!) !== eSuspended) {
          prvQueueAccessLogError("L1QRx: received from NormallyEmpty while H1QRx was not suspended");
        }
        prvRecordValue_NormallyEmpty(getU32(rx.value), intqLOW_PRIORITY_TASK);
        await rtos.vTaskResume(xHighPriorityNormallyEmptyTask1.value!);
        uxLowPriorityLoops1++;
      } else {
        // Raise our priority to get the value in ahead of the high-priority tasks.
        await rtos.vTaskPrioritySet(null, intqHIGHER_PRIORITY + 1);
        rtos.taskENTER_CRITICAL();
        uxValueForNormallyEmptyQueue++;
        const uxValue = uxValueForNormallyEmptyQueue;
        await rtos.taskEXIT_CRITICAL();
        if ((await rtos.xQueueSend(emptyQ, u32(uxValue), portMAX_DELAY)) !== pdPASS) {
          prvQueueAccessLogError("L1QRx: send to NormallyEmpty with portMAX_DELAY failed");
        }
        await rtos.vTaskPrioritySet(null, intqLOWER_PRIORITY);
      }
    }
  };

  const nextFullValue = async (): Promise<number> => {
    rtos.taskENTER_CRITICAL();
    uxValueForNormallyFullQueue++;
    const v = uxValueForNormallyFullQueue;
    await rtos.taskEXIT_CRITICAL();
    return v;
  };

  // ---- prv1stHigherPriorityNormallyFullTask (H1QTx)
  const prv1stHigherPriorityNormallyFullTask = async (): Promise<void> => {
    // Start (near) full: >> 1 as there are two such tasks.
    for (let ux = 0; ux < intqQUEUE_LENGTH >> 1; ux++) {
      await rtos.xQueueSend(fullQ, u32(await nextFullValue()), intqSHORT_DELAY);
    }
    for (;;) {
      const uxValueToTx = await nextFullValue();
      if ((await rtos.xQueueSend(fullQ, u32(uxValueToTx), intqSHORT_DELAY)) !== pdPASS) {
        // H2QTx is never suspended while this task sends, so this must not time out.
        prvQueueAccessLogError("H1QTx: send to NormallyFull timed out");
      }
      await rtos.taskYIELD();

      if (uxValueToTx > intqNUM_VALUES_TO_LOG + intqVALUE_OVERRUN) {
        // Let the other task finish sending any value below intqNUM_VALUES_TO_LOG.
        await rtos.vTaskDelay(intqSHORT_DELAY);
        await rtos.vTaskSuspend(xHighPriorityNormallyFullTask2.value);
        if (xWasSuspended === pdTRUE) prvQueueAccessLogError("H1QTx: xWasSuspended still pdTRUE (H2QTx did not clear it)");
        xWasSuspended = pdTRUE; // H2QTx may time out once it is resumed
        let uxInterrupts = 0;
        for (let ux = 1; ux < intqNUM_VALUES_TO_LOG; ux++) {
          const who = ucNormallyFullReceivedValues[ux];
          if (who === 0) prvQueueAccessLogError(`H1QTx: NormallyFull value ${ux} missing`);
          else if (who === intqSECOND_INTERRUPT) uxInterrupts++;
        }
        if (uxInterrupts === 0) prvQueueAccessLogError("H1QTx: no NormallyFull value was received by an interrupt");

        ucNormallyFullReceivedValues.fill(0);
        uxHighPriorityLoops2++;
        rtos.taskENTER_CRITICAL();
        uxValueForNormallyFullQueue = 0;
        await rtos.taskEXIT_CRITICAL();

        await rtos.vTaskSuspend(null);
        await rtos.vTaskResume(xHighPriorityNormallyFullTask2.value!);
      }
    }
  };

  // ---- prv2ndHigherPriorityNormallyFullTask (H2QTx)
  const prv2ndHigherPriorityNormallyFullTask = async (): Promise<void> => {
    for (let ux = 0; ux < intqQUEUE_LENGTH >> 1; ux++) {
      await rtos.xQueueSend(fullQ, u32(await nextFullValue()), intqSHORT_DELAY);
    }
    for (;;) {
      const uxValueToTx = await nextFullValue();
      if ((await rtos.xQueueSend(fullQ, u32(uxValueToTx), intqSHORT_DELAY)) !== pdPASS) {
        if (xWasSuspended !== pdTRUE) prvQueueAccessLogError("H2QTx: send to NormallyFull timed out while not suspended");
      }
      xWasSuspended = pdFALSE;
      await rtos.taskYIELD();
    }
  };

  // ---- prvLowerPriorityNormallyFullTask (L2QRx)
  const prvLowerPriorityNormallyFullTask = async (): Promise<void> => {
    const uxTxed = 9999;
    const rx: Ref<Uint8Array> = { value: new Uint8Array(4) };
    for (;;) {
      if ((await rtos.xQueueSend(fullQ, u32(uxTxed), intqONE_TICK_DELAY)) !== errQUEUE_FULL) {
        // Only possible while the high-priority task is suspended.
        if (rtos.eTaskGetState(xHighPriorityNormallyFullTask1.value!) !== eSuspended) {
          prvQueueAccessLogError("L2QRx: sent to NormallyFull while H1QTx was not suspended");
        }
        await rtos.vTaskResume(xHighPriorityNormallyFullTask1.value!);
        uxLowPriorityLoops2++;
      } else {
        // Raise our priority to get a value out ahead of the high-priority tasks.
        await rtos.vTaskPrioritySet(null, intqHIGHER_PRIORITY + 1);
        if ((await rtos.xQueueReceive(fullQ, rx, portMAX_DELAY)) !== pdPASS) {
          prvQueueAccessLogError("L2QRx: receive from NormallyFull with portMAX_DELAY failed");
        } else {
          prvRecordValue_NormallyFull(getU32(rx.value), intqLOW_PRIORITY_TASK);
        }
        await rtos.vTaskPrioritySet(null, intqLOWER_PRIORITY);
      }
    }
  };

  // ---- vStartInterruptQueueTasks
  const created = [
    await rtos.xTaskCreate(prvHigherPriorityNormallyEmptyTask, "H1QRx", 128, intqHIGH_PRIORITY_TASK1, intqHIGHER_PRIORITY, xHighPriorityNormallyEmptyTask1),
    await rtos.xTaskCreate(prvHigherPriorityNormallyEmptyTask, "H2QRx", 128, intqHIGH_PRIORITY_TASK2, intqHIGHER_PRIORITY, xHighPriorityNormallyEmptyTask2),
    await rtos.xTaskCreate(prvLowerPriorityNormallyEmptyTask, "L1QRx", 128, null, intqLOWER_PRIORITY),
    await rtos.xTaskCreate(prv1stHigherPriorityNormallyFullTask, "H1QTx", 128, intqHIGH_PRIORITY_TASK1, intqHIGHER_PRIORITY, xHighPriorityNormallyFullTask1),
    await rtos.xTaskCreate(prv2ndHigherPriorityNormallyFullTask, "H2QTx", 128, intqHIGH_PRIORITY_TASK2, intqHIGHER_PRIORITY, xHighPriorityNormallyFullTask2),
    await rtos.xTaskCreate(prvLowerPriorityNormallyFullTask, "L2QRx", 128, null, intqLOWER_PRIORITY),
  ];
  assert.deepEqual(created, [pdPASS, pdPASS, pdPASS, pdPASS, pdPASS, pdPASS], "xTaskCreate");

  // ---- xAreIntQueueTasksStillRunning
  let uxLastHighPriorityLoops1 = 0;
  let uxLastHighPriorityLoops2 = 0;
  let uxLastLowPriorityLoops1 = 0;
  let uxLastLowPriorityLoops2 = 0;
  const xAreIntQueueTasksStillRunning = (): number => {
    if (uxHighPriorityLoops1 === uxLastHighPriorityLoops1) prvQueueAccessLogError(`check: H1QRx cycle stalled at ${uxHighPriorityLoops1}`);
    uxLastHighPriorityLoops1 = uxHighPriorityLoops1;
    if (uxHighPriorityLoops2 === uxLastHighPriorityLoops2) prvQueueAccessLogError(`check: H1QTx cycle stalled at ${uxHighPriorityLoops2}`);
    uxLastHighPriorityLoops2 = uxHighPriorityLoops2;
    if (uxLowPriorityLoops1 === uxLastLowPriorityLoops1) prvQueueAccessLogError(`check: L1QRx cycle stalled at ${uxLowPriorityLoops1}`);
    uxLastLowPriorityLoops1 = uxLowPriorityLoops1;
    if (uxLowPriorityLoops2 === uxLastLowPriorityLoops2) prvQueueAccessLogError(`check: L2QRx cycle stalled at ${uxLowPriorityLoops2}`);
    uxLastLowPriorityLoops2 = uxLowPriorityLoops2;
    return xErrorStatus;
  };

  rtos.vTaskStartScheduler();
  let lastNestedAtOnce = 0;
  let lastNestedAtCriticalExit = 0;
  for (let check = 1; check <= CHECKS; check++) {
    await rtos.run(CHECK_PERIOD_TICKS);
    const status = xAreIntQueueTasksStillRunning();
    assert.deepEqual(errors, [], `check ${check}: errors logged by the IntQueue tasks, interrupts or check`);
    assert.equal(status, pdPASS, `check ${check}: xAreIntQueueTasksStillRunning`);
    // The interrupt model really nested in this period (see header).
    assert.ok(nestedAtOnce > lastNestedAtOnce, `check ${check}: timer 3 never preempted xFirstTimerHandler`);
    assert.ok(nestedAtCriticalExit > lastNestedAtCriticalExit, `check ${check}: timer 3 never arrived inside a critical section of xFirstTimerHandler`);
    lastNestedAtOnce = nestedAtOnce;
    lastNestedAtCriticalExit = nestedAtCriticalExit;
  }
  // Each timer-3 slot ran exactly once, nested or not; both timers kept their rates.
  const stats = rtos.interruptStats();
  const s2 = stats.find((s) => s.irq === IRQ_TMR2)!;
  const s3 = stats.find((s) => s.irq === IRQ_TMR3)!;
  assert.equal(s3.fired, tmr3Runs, "tmr3 handler runs");
  assert.equal(tmr3RanNested, nestedAtOnce + nestedAtCriticalExit, "every nested timer-3 run was counted");
  assert.equal(s2.overruns + s3.overruns, 0, "no timer interrupt overran");
  const elapsed = rtos.now() - tmr2Base;
  assert.ok(Math.abs(s2.fired - (Math.floor(elapsed / TMR2_PERIOD_TICKS) + 1)) <= 1, `tmr2 fired ${s2.fired} times in ${elapsed} ticks`);
  assert.ok(Math.abs(s3.fired - (Math.floor((rtos.now() - tmr3Base) / TMR3_PERIOD_TICKS) + 1)) <= 1, `tmr3 fired ${s3.fired} times`);
});
