/*
 * Port of FreeRTOS/Demo/Common/Minimal/TaskNotify.c (FreeRTOS/FreeRTOS, main @ 592732b) to tinyrtos.
 * Nothing of the original is left out.
 *
 * Structure kept (vStartTaskNotifyTask): the task "Notified" at tskIDLE_PRIORITY runs
 * prvSingleTaskTests (notifying itself, as the original does), whose last section uses the
 * one-shot software timer "SingleNotify" (50 ms, prvSuspendedTaskTimerTestCallback: suspend /
 * [notify] / resume the waiting task) with the task raised to configMAX_PRIORITIES - 1; then it
 * creates the one-shot timer "Notifier" (90 ms, prvNotifyingTimer -> xTaskNotifyGive) and loops:
 * xTimerChangePeriod to a pseudo-random period, ulTaskNotifyTake with another pseudo-random block
 * time, non-clearing/non-blocking/clearing takes, then an indefinite take (every 50th cycle at
 * configMAX_PRIORITIES - 1). xNotifyTaskFromISR runs from config vApplicationTickHook (ISR context,
 * every tick) once xTimer != NULL: every 50 ticks vTaskNotifyGiveFromISR / xTaskNotifyFromISR /
 * xTaskNotifyAndQueryFromISR in turn, NULL pxHigherPriorityTaskWoken.
 *
 * Test 1 runs prvSingleTaskTests alone (the task suspends itself afterwards); test 2 runs the
 * whole demo with the check of xAreTaskNotificationTasksStillRunning called every 1000 ticks.
 *
 * Check mapping:
 *  - Every configASSERT in prvSingleTaskTests and prvNotifiedTask is an assert inside the task
 *    (a throw rejects rtos.run()): return values of xTaskNotifyWait / xTaskNotify /
 *    xTaskNotifyAndQuery / xTaskNotifyStateClear / ulTaskNotifyValueClear, notified and previous
 *    values, the 32 iterations of the set-all-bits loop, configASSERT( xSingleTaskTimer ), and the
 *    timer section: pdFALSE & value 0 after the suspend/resume-only expiry, pdPASS & value != 0
 *    after the notify-while-suspended expiry.
 *  - configASSERT( eTaskGetState( xTaskToNotify ) == eSuspended ) in
 *    prvSuspendedTaskTimerTestCallback (both branches) is an assert in the callback (it runs in
 *    the timer service task; a throw rejects rtos.run()).
 *  - configASSERT( ulPreviousValue != ulUnexpectedValue ) and configASSERT( xTaskToNotify ) in
 *    xNotifyTaskFromISR are asserts in the tick hook, recorded and rethrown after rtos.run().
 *  - xErrorStatus = pdFAIL (blocked less than 100 ticks with nothing pending, or 100 ticks or
 *    more with a notification pending) is recorded with a reason and asserted after rtos.run().
 *  - xAreTaskNotificationTasksStillRunning (ported as is, asserted pdPASS after each run):
 *    ulNotifyCycleCount changed since the last call, and ulTimerNotificationsSent -
 *    ulTimerNotificationsReceived <= ulMaxSendReceiveDeviation (5) when more were sent.
 * Added (not in the original): xTimerStart/xTimerDelete/xTimerCreate("Notifier") succeed;
 * prvSingleTaskTests ends with ulNotifyCycleCount == 4 and the SingleNotify callback called twice;
 * in test 2 notifications were sent by both the timer and the tick hook, and at least one cycle
 * ran at the raised priority.
 * Values are uint32_t: all bit arithmetic is normalised with `>>> 0`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  pdTRUE,
  pdFALSE,
  pdPASS,
  pdFAIL,
  portMAX_DELAY,
  tskIDLE_PRIORITY,
  eNoAction,
  eSetBits,
  eIncrement,
  eSetValueWithOverwrite,
  eSetValueWithoutOverwrite,
  eSuspended,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle, TimerHandle } from "../../src/freertos/index.js";

const configMAX_PRIORITIES = 8;
const configTIMER_TASK_PRIORITY = configMAX_PRIORITIES - 1;
const notifyTASK_PRIORITY = tskIDLE_PRIORITY;
const notifyUINT32_MAX = 0xffffffff;
const notifyUINT32_HIGH_BYTE = 0xff000000;
const notifyUINT32_LOW_BYTE = 0x000000ff;
const notifySUSPENDED_TEST_TIMER_PERIOD = (rtos: FreeRTOS): number => rtos.pdMS_TO_TICKS(50);

const u32 = (x: number): number => x >>> 0;
const tickDiff = (later: number, earlier: number): number => (later - earlier) >>> 0;

/** The file-scope statics of TaskNotify.c, one set per kernel. */
interface Demo {
  rtos: FreeRTOS;
  xErrorStatus: number;
  ulNotifyCycleCount: number;
  xTaskToNotify: { value: TaskHandle | null };
  ulTimerNotificationsReceived: number;
  ulTimerNotificationsSent: number;
  xTimer: TimerHandle | null;
  uxNextRand: number;
  // static locals
  ulSuspendedCallbackCount: number; // prvSuspendedTaskTimerTestCallback's ulCallCount
  xCallCount: number; // xNotifyTaskFromISR's statics
  xAPIToUse: number;
  ulLastNotifyCycleCount: number; // xAreTaskNotificationTasksStillRunning's static
  // test bookkeeping
  errors: string[]; // why xErrorStatus was set
  isrError: unknown; // first assert failure in the tick hook
  singleTaskTestsDone: boolean;
  isrNotificationsSent: number;
  raisedPriorityCycles: number;
}

/**
 * vStartTaskNotifyTask plus the kernel: `mainLoop` false stops "Notified" (suspends it) after
 * prvSingleTaskTests. The tick hook is xNotifyTaskFromISR, as in the demo applications.
 */
async function vStartTaskNotifyTask(mainLoop: boolean): Promise<Demo> {
  const d: Demo = {
    rtos: null as unknown as FreeRTOS,
    xErrorStatus: pdPASS,
    ulNotifyCycleCount: 0,
    xTaskToNotify: { value: null },
    ulTimerNotificationsReceived: 0,
    ulTimerNotificationsSent: 0,
    xTimer: null,
    uxNextRand: 0,
    ulSuspendedCallbackCount: 0,
    xCallCount: 0,
    xAPIToUse: 0,
    ulLastNotifyCycleCount: 0,
    errors: [],
    isrError: null,
    singleTaskTestsDone: false,
    isrNotificationsSent: 0,
    raisedPriorityCycles: 0,
  };
  d.rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configTIMER_TASK_PRIORITY,
    configUSE_PREEMPTION: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE: 128,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    vApplicationTickHook: () => xNotifyTaskFromISR(d),
  });
  const created = await d.rtos.xTaskCreate(
    () => prvNotifiedTask(d, mainLoop),
    "Notified",
    128,
    null,
    notifyTASK_PRIORITY,
    d.xTaskToNotify,
  );
  assert.equal(created, pdPASS);
  d.uxNextRand = 0x2468ace1; // the original seeds with the address of prvRand
  return d;
}

/** prvSingleTaskTests (whole, including the "SingleNotify" software-timer section at its end). */
async function prvSingleTaskTests(d: Demo): Promise<void> {
  const { rtos } = d;
  const xTaskToNotify = d.xTaskToNotify.value!;
  const s = d;
  const xTicksToWait = rtos.pdMS_TO_TICKS(100);
  const ulFirstNotifiedConst = 100001;
  const ulSecondNotifiedValueConst = 5555;
  const ulMaxLoops = 5;
  const ulBit0 = 0x01;
  const ulBit1 = 0x02;
  const ulNotifiedValue = { value: 0 };
  const ulPreviousValue = { value: 0 };
  let xReturned: number;
  const fail = (what: string): void => {
    s.xErrorStatus = pdFAIL;
    s.errors.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  // ---- Blocking when there are no notifications.
  let xTimeOnEntering = rtos.xTaskGetTickCount();
  xReturned = await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, xTicksToWait);
  if (tickDiff(rtos.xTaskGetTickCount(), xTimeOnEntering) < xTicksToWait) {
    fail(`xTaskNotifyWait with nothing pending blocked ${tickDiff(rtos.xTaskGetTickCount(), xTimeOnEntering)} < ${xTicksToWait}`);
  }
  assert.equal(xReturned, pdFAIL, "wait with nothing pending: return");
  assert.equal(ulNotifiedValue.value, 0, "wait with nothing pending: value");

  // ---- No blocking when a notification is pending (the task notifies itself).
  xReturned = await rtos.xTaskNotifyAndQuery(xTaskToNotify, ulFirstNotifiedConst, eSetValueWithoutOverwrite, ulPreviousValue);
  assert.equal(xReturned, pdPASS, "first eSetValueWithoutOverwrite: return");
  assert.equal(ulPreviousValue.value, 0, "first eSetValueWithoutOverwrite: previous value");

  xTimeOnEntering = rtos.xTaskGetTickCount();
  xReturned = await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, xTicksToWait);
  if (tickDiff(rtos.xTaskGetTickCount(), xTimeOnEntering) >= xTicksToWait) {
    fail("xTaskNotifyWait with a notification pending blocked for the whole block time");
  }
  assert.equal(xReturned, pdPASS, "wait with a notification pending: return");
  assert.equal(ulNotifiedValue.value, ulFirstNotifiedConst, "wait with a notification pending: value");

  s.ulNotifyCycleCount++;

  // ---- Non-overwriting: the second eSetValueWithoutOverwrite fails, the first value stays.
  xReturned = await rtos.xTaskNotify(xTaskToNotify, ulFirstNotifiedConst, eSetValueWithoutOverwrite);
  assert.equal(xReturned, pdPASS, "eSetValueWithoutOverwrite #1");
  xReturned = await rtos.xTaskNotify(xTaskToNotify, ulSecondNotifiedValueConst, eSetValueWithoutOverwrite);
  assert.equal(xReturned, pdFAIL, "eSetValueWithoutOverwrite #2 while pending");
  xReturned = await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0);
  assert.equal(xReturned, pdPASS, "wait after non-overwriting notifies: return");
  assert.equal(ulNotifiedValue.value, ulFirstNotifiedConst, "wait after non-overwriting notifies: value");

  // ---- Overwriting: both pass, the second value is read back.
  xReturned = await rtos.xTaskNotify(xTaskToNotify, ulFirstNotifiedConst, eSetValueWithOverwrite);
  assert.equal(xReturned, pdPASS, "eSetValueWithOverwrite #1");
  xReturned = await rtos.xTaskNotify(xTaskToNotify, ulSecondNotifiedValueConst, eSetValueWithOverwrite);
  assert.equal(xReturned, pdPASS, "eSetValueWithOverwrite #2");
  xReturned = await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0);
  assert.equal(xReturned, pdPASS, "wait after overwriting notifies: return");
  assert.equal(ulNotifiedValue.value, ulSecondNotifiedValueConst, "wait after overwriting notifies: value");

  // ---- eNoAction passes without updating the value.
  xReturned = await rtos.xTaskNotify(xTaskToNotify, ulFirstNotifiedConst, eNoAction);
  assert.equal(xReturned, pdPASS, "eNoAction: return");
  xReturned = await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0);
  assert.equal(xReturned, pdPASS, "wait after eNoAction: return");
  assert.equal(ulNotifiedValue.value, ulSecondNotifiedValueConst, "wait after eNoAction: value");

  // ---- eIncrement, ulMaxLoops times.
  for (let ulLoop = 0; ulLoop < ulMaxLoops; ulLoop++) {
    xReturned = await rtos.xTaskNotify(xTaskToNotify, 0, eIncrement);
    assert.equal(xReturned, pdPASS, `eIncrement ${ulLoop}`);
  }
  xReturned = await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0);
  assert.equal(xReturned, pdPASS, "wait after eIncrement: return");
  assert.equal(ulNotifiedValue.value, ulSecondNotifiedValueConst + ulMaxLoops, "wait after eIncrement: value");

  // Nothing pending now.
  xReturned = await rtos.xTaskNotifyWait(0, 0, ulNotifiedValue, 0);
  assert.equal(xReturned, pdFAIL, "wait with nothing pending (no block): return");

  // ---- All 32 bits can be set, one more per notification (eSetBits).
  let ulNotifyingValue = 0x01;
  let ulLoop = 0;
  // The original's "clear all bits". Since V11.2.0 a zero-timeout wait clears nothing on entry,
  // so earlier bits (all below bit 13) stay set; the loop still needs all 32 notifications.
  await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0);
  do {
    await rtos.xTaskNotify(xTaskToNotify, ulNotifyingValue, eSetBits);
    xReturned = await rtos.xTaskNotifyWait(0, 0, ulNotifiedValue, 0);
    assert.equal(xReturned, pdPASS, `eSetBits loop ${ulLoop}: return`);
    ulLoop++;
    ulNotifyingValue = u32(ulNotifyingValue << 1);
  } while (ulNotifiedValue.value !== notifyUINT32_MAX && ulLoop < 64); // bound: a wrong value must not hang
  assert.equal(ulNotifiedValue.value, notifyUINT32_MAX, "eSetBits loop: all bits set");
  assert.equal(ulLoop, 32, "eSetBits loop: iterations");

  // ---- Bits cleared on entry but not on exit when the wait times out.
  xReturned = await rtos.xTaskNotifyWait(ulBit0, ulBit1, ulNotifiedValue, xTicksToWait);
  assert.equal(xReturned, pdFAIL, "wait clearing bit0 on entry / bit1 on exit (times out): return");
  await rtos.xTaskNotify(xTaskToNotify, notifyUINT32_MAX, eNoAction);
  xReturned = await rtos.xTaskNotifyWait(0, 0, ulNotifiedValue, 0);
  assert.equal(xReturned, pdPASS, "read back after eNoAction: return");
  assert.equal(ulNotifiedValue.value, u32(notifyUINT32_MAX & ~ulBit0), "bit 0 cleared on entry, bit 1 kept");

  // ---- Clearing on exit needs a received notification.
  await rtos.xTaskNotify(xTaskToNotify, 0, eNoAction);
  await rtos.xTaskNotifyWait(0x00, ulBit1, ulNotifiedValue, 0);
  assert.equal(ulNotifiedValue.value, u32(notifyUINT32_MAX & ~ulBit0), "value returned before the exit clear");
  xReturned = await rtos.xTaskNotifyWait(0x00, 0x00, ulNotifiedValue, 0);
  assert.equal(xReturned, pdFAIL, "read back after exit clear: return");
  assert.equal(ulNotifiedValue.value, u32(notifyUINT32_MAX & ~(ulBit0 | ulBit1)), "bit 1 cleared on exit");

  // ---- Querying the previous value while notifying.
  await rtos.xTaskNotifyAndQuery(xTaskToNotify, 0x00, eSetBits, ulPreviousValue);
  assert.equal(ulNotifiedValue.value, u32(notifyUINT32_MAX & ~(ulBit0 | ulBit1)), "value after query notify");

  await rtos.xTaskNotifyWait(0x00, notifyUINT32_MAX, ulNotifiedValue, 0); // clear all bits
  await rtos.xTaskNotifyAndQuery(xTaskToNotify, 0x00, eSetBits, ulPreviousValue);
  assert.equal(ulPreviousValue.value, 0, "previous value after clearing all bits");

  let ulExpectedValue = 0;
  for (let bit = 0x01; bit < 0x80; bit <<= 1) {
    await rtos.xTaskNotifyAndQuery(xTaskToNotify, bit, eSetBits, ulPreviousValue);
    assert.equal(ulPreviousValue.value, ulExpectedValue, `previous value before setting bit 0x${bit.toString(16)}`);
    ulExpectedValue |= bit;
  }

  // ---- Clear the previous notifications; xTaskNotifyStateClear.
  await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0);
  assert.equal(await rtos.xTaskNotifyStateClear(null), pdFALSE, "xTaskNotifyStateClear with nothing pending");
  await rtos.xTaskNotifyAndQuery(xTaskToNotify, ulFirstNotifiedConst, eSetValueWithoutOverwrite, ulPreviousValue);
  assert.equal(await rtos.xTaskNotifyStateClear(null), pdTRUE, "xTaskNotifyStateClear with a notification pending");
  assert.equal(await rtos.xTaskNotifyStateClear(null), pdFALSE, "xTaskNotifyStateClear again");

  // ---- ulTaskNotifyValueClear.
  await rtos.xTaskNotify(xTaskToNotify, notifyUINT32_MAX, eSetBits);
  assert.equal(await rtos.ulTaskNotifyValueClear(xTaskToNotify, notifyUINT32_HIGH_BYTE), notifyUINT32_MAX, "clear high byte");
  assert.equal(
    await rtos.ulTaskNotifyValueClear(xTaskToNotify, notifyUINT32_LOW_BYTE),
    u32(notifyUINT32_MAX & ~notifyUINT32_HIGH_BYTE),
    "clear low byte",
  );
  assert.equal(
    await rtos.ulTaskNotifyValueClear(xTaskToNotify, notifyUINT32_MAX),
    u32(notifyUINT32_MAX & ~notifyUINT32_HIGH_BYTE & ~notifyUINT32_LOW_BYTE),
    "clear all bytes",
  );
  assert.equal(await rtos.ulTaskNotifyValueClear(xTaskToNotify, notifyUINT32_MAX), 0, "clear when all clear");
  assert.equal(await rtos.ulTaskNotifyValueClear(xTaskToNotify, 0), 0, "clear nothing");
  assert.equal(await rtos.ulTaskNotifyValueClear(xTaskToNotify, notifyUINT32_MAX), 0, "clear all again");
  assert.equal(await rtos.xTaskNotifyStateClear(null), pdTRUE, "state still notified after value clears");
  assert.equal(await rtos.xTaskNotifyStateClear(null), pdFALSE, "state cleared");

  // ---- A timer that tries notifying this task while it is suspended.
  const xSingleTaskTimer = rtos.xTimerCreate(
    "SingleNotify",
    notifySUSPENDED_TEST_TIMER_PERIOD(rtos),
    pdFALSE,
    null,
    () => prvSuspendedTaskTimerTestCallback(d),
  );
  assert.ok(xSingleTaskTimer, "configASSERT( xSingleTaskTimer )");
  s.ulNotifyCycleCount++;
  await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, null, 0); // consume a pending notification, if any
  // Raised so it can suspend itself (block) before the timer expires.
  await rtos.vTaskPrioritySet(null, configMAX_PRIORITIES - 1);

  // First expiry: the callback suspends then resumes this task without notifying it.
  ulNotifiedValue.value = 0;
  assert.equal(await rtos.xTimerStart(xSingleTaskTimer, portMAX_DELAY), pdPASS, "xTimerStart(SingleNotify) #1"); // added
  xReturned = await rtos.xTaskNotifyWait(0, 0, ulNotifiedValue, portMAX_DELAY);
  assert.equal(xReturned, pdFALSE, "suspended and resumed without a notification: return");
  assert.equal(ulNotifiedValue.value, 0, "suspended and resumed without a notification: value");
  s.ulNotifyCycleCount++;

  // Second expiry: the callback suspends this task, notifies it, then resumes it.
  assert.equal(await rtos.xTimerStart(xSingleTaskTimer, portMAX_DELAY), pdPASS, "xTimerStart(SingleNotify) #2"); // added
  xReturned = await rtos.xTaskNotifyWait(0, 0, ulNotifiedValue, portMAX_DELAY);
  assert.equal(xReturned, pdPASS, "notified while suspended: return");
  assert.notEqual(ulNotifiedValue.value, 0, "notified while suspended: value");

  // Back to the proper priority; the timer is not used again.
  await rtos.vTaskPrioritySet(null, notifyTASK_PRIORITY);
  assert.equal(await rtos.xTimerDelete(xSingleTaskTimer, portMAX_DELAY), pdPASS, "xTimerDelete(SingleNotify)"); // added
  s.ulNotifyCycleCount++;

  await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, null, 0); // leave no notification pending
}


/** prvSuspendedTaskTimerTestCallback (runs in the timer service task). */
async function prvSuspendedTaskTimerTestCallback(d: Demo): Promise<void> {
  const { rtos } = d;
  const h = d.xTaskToNotify.value!;
  if (d.ulSuspendedCallbackCount === 0) {
    await rtos.vTaskSuspend(h);
    assert.equal(rtos.eTaskGetState(h), eSuspended, "SingleNotify callback #1: configASSERT( eTaskGetState == eSuspended )");
    await rtos.vTaskResume(h);
  } else {
    await rtos.vTaskSuspend(h);
    // Notifying a suspended task passes but must not resume it (ulCallCount: a non-zero value).
    await rtos.xTaskNotify(h, d.ulSuspendedCallbackCount, eSetValueWithOverwrite);
    assert.equal(rtos.eTaskGetState(h), eSuspended, "SingleNotify callback #2: the notification resumed the suspended task");
    await rtos.vTaskResume(h);
  }
  d.ulSuspendedCallbackCount++;
}

/** prvNotifyingTimer (runs in the timer service task). */
async function prvNotifyingTimer(d: Demo): Promise<void> {
  const { rtos } = d;
  await rtos.xTaskNotifyGive(d.xTaskToNotify.value!);
  // Also incremented from the tick interrupt.
  rtos.taskENTER_CRITICAL();
  d.ulTimerNotificationsSent++;
  await rtos.taskEXIT_CRITICAL();
}

/** prvRand */
function prvRand(d: Demo): number {
  d.uxNextRand = u32(Math.imul(0x015a4e35, d.uxNextRand) + 1);
  return (d.uxNextRand >>> 16) & 0x7fff;
}

/** prvNotifiedTask */
async function prvNotifiedTask(d: Demo, mainLoop: boolean): Promise<void> {
  const { rtos } = d;
  const xMaxPeriod = rtos.pdMS_TO_TICKS(90);
  const xMinPeriod = rtos.pdMS_TO_TICKS(10);
  const xDontBlock = 0;
  const ulCyclesToRaisePriority = 50;
  const xTaskToNotify = d.xTaskToNotify.value!;

  await prvSingleTaskTests(d);
  d.singleTaskTestsDone = true;
  if (!mainLoop) {
    await rtos.vTaskSuspend(null); // test 1 stops here
    return;
  }

  d.xTimer = rtos.xTimerCreate("Notifier", xMaxPeriod, pdFALSE, null, () => prvNotifyingTimer(d));
  assert.ok(d.xTimer, "xTimerCreate(Notifier)"); // added

  for (;;) {
    // Restart the timer with a different period, sometimes above, sometimes below the block time.
    let xPeriod = prvRand(d) % xMaxPeriod;
    if (xPeriod < xMinPeriod) xPeriod = xMinPeriod;
    await rtos.xTimerChangePeriod(d.xTimer, xPeriod, portMAX_DELAY);

    xPeriod = prvRand(d) % xMaxPeriod;
    if (xPeriod < xMinPeriod) xPeriod = xMinPeriod;

    // Not clearing: count one, the rest stay pending.
    if ((await rtos.ulTaskNotifyTake(pdFALSE, xPeriod)) !== 0) d.ulTimerNotificationsReceived++;
    if ((await rtos.ulTaskNotifyTake(pdFALSE, xDontBlock)) !== 0) d.ulTimerNotificationsReceived++;
    // Clearing: count all that were pending.
    d.ulTimerNotificationsReceived += await rtos.ulTaskNotifyTake(pdTRUE, xPeriod);

    // Occasionally be the highest priority task when notified from the tick hook (NULL woken).
    if (d.ulNotifyCycleCount % ulCyclesToRaisePriority === 0) {
      await rtos.vTaskPrioritySet(xTaskToNotify, configMAX_PRIORITIES - 1);
      d.ulTimerNotificationsReceived += await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
      await rtos.vTaskPrioritySet(xTaskToNotify, notifyTASK_PRIORITY);
      d.raisedPriorityCycles++;
    } else {
      d.ulTimerNotificationsReceived += await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    }
    d.ulNotifyCycleCount++;
  }
}

/** xNotifyTaskFromISR: the tick hook (ISR context, every tick). */
function xNotifyTaskFromISR(d: Demo): void {
  const { rtos } = d;
  const xCallInterval = rtos.pdMS_TO_TICKS(50);
  const ulUnexpectedValue = 0xff;
  try {
    assert.ok(d.xTaskToNotify.value, "configASSERT( xTaskToNotify )");
    // Nothing is sent until the task created the timer (its initial tests are done).
    if (d.xTimer === null) return;
    d.xCallCount++;
    if (d.xCallCount >= xCallInterval) {
      d.xCallCount = 0;
      switch (d.xAPIToUse) {
        case 0:
          rtos.vTaskNotifyGiveFromISR(d.xTaskToNotify.value, null);
          d.xAPIToUse++;
          break;
        case 1:
          rtos.xTaskNotifyFromISR(d.xTaskToNotify.value, 0, eIncrement, null);
          d.xAPIToUse++;
          break;
        case 2: {
          const ulPreviousValue = { value: ulUnexpectedValue };
          rtos.xTaskNotifyAndQueryFromISR(d.xTaskToNotify.value, 0, eIncrement, ulPreviousValue, null);
          assert.notEqual(ulPreviousValue.value, ulUnexpectedValue, "configASSERT( ulPreviousValue != ulUnexpectedValue )");
          d.xAPIToUse = 0;
          break;
        }
        default:
          break;
      }
      d.ulTimerNotificationsSent++;
      d.isrNotificationsSent++;
    }
  } catch (e) {
    d.isrError ??= e; // rethrown after rtos.run()
  }
}

/** xAreTaskNotificationTasksStillRunning */
function xAreTaskNotificationTasksStillRunning(d: Demo): number {
  const ulMaxSendReceiveDeviation = 5;
  if (d.ulLastNotifyCycleCount === d.ulNotifyCycleCount) {
    d.xErrorStatus = pdFAIL;
    d.errors.push(`ulNotifyCycleCount stuck at ${d.ulNotifyCycleCount}`);
  } else {
    d.ulLastNotifyCycleCount = d.ulNotifyCycleCount;
  }
  if (d.ulTimerNotificationsSent > d.ulTimerNotificationsReceived) {
    if (d.ulTimerNotificationsSent - d.ulTimerNotificationsReceived > ulMaxSendReceiveDeviation) {
      d.xErrorStatus = pdFAIL;
      d.errors.push(`sent ${d.ulTimerNotificationsSent} - received ${d.ulTimerNotificationsReceived} > ${ulMaxSendReceiveDeviation}`);
    }
  }
  return d.xErrorStatus;
}

test("TaskNotify.c: prvSingleTaskTests, including the SingleNotify software-timer section", async () => {
  const d = await vStartTaskNotifyTask(false);
  d.rtos.vTaskStartScheduler();

  // Blocks: 100 + 100 ticks of timed-out waits, then two 50-tick timer expiries.
  await d.rtos.run(400);
  if (d.isrError !== null) throw d.isrError;
  assert.ok(d.singleTaskTestsDone, "prvSingleTaskTests did not complete");
  assert.deepEqual(d.errors, [], "xErrorStatus");
  assert.equal(d.xErrorStatus, pdPASS);
  assert.equal(d.ulNotifyCycleCount, 4, "ulNotifyCycleCount after prvSingleTaskTests"); // added
  assert.equal(d.ulSuspendedCallbackCount, 2, "SingleNotify callback calls"); // added
  assert.equal(xAreTaskNotificationTasksStillRunning(d), pdPASS, "xAreTaskNotificationTasksStillRunning");
});

test("TaskNotify.c: whole demo (Notifier timer + tick-hook ISR notifications, sent/received deviation)", async () => {
  const d = await vStartTaskNotifyTask(true);
  d.rtos.vTaskStartScheduler();

  const checks = 8;
  for (let i = 1; i <= checks; i++) {
    await d.rtos.run(1000);
    if (d.isrError !== null) throw d.isrError;
    const status = xAreTaskNotificationTasksStillRunning(d);
    assert.deepEqual(d.errors, [], `check ${i}: xErrorStatus`);
    assert.equal(status, pdPASS, `check ${i}: xAreTaskNotificationTasksStillRunning`);
  }
  // Added: both sources notified, the raised-priority path ran, the single-task part completed.
  assert.ok(d.singleTaskTestsDone);
  assert.equal(d.ulSuspendedCallbackCount, 2, "SingleNotify callback calls");
  assert.ok(d.isrNotificationsSent >= 3, `tick hook sent ${d.isrNotificationsSent} notifications`);
  assert.ok(d.ulTimerNotificationsSent - d.isrNotificationsSent > 0, "the Notifier timer sent no notification");
  assert.ok(d.raisedPriorityCycles > 0, "no cycle ran at the raised priority");
});
