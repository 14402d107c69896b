/*
 * Port of FreeRTOS/Demo/Common/Minimal/TaskNotify.c (FreeRTOS/FreeRTOS, main branch) to tinyrtos.
 *
 * LEFT OUT of the faithful port (need software timers, not in tinyrtos yet):
 *  1. prvSingleTaskTests, last section "Create a timer that will try notifying this task while it
 *     is suspended": xTimerCreate("SingleNotify", 50 ms, one-shot, prvSuspendedTaskTimerTestCallback),
 *     the two xTimerStart + xTaskNotifyWait(portMAX_DELAY) rounds, xTimerDelete, and the
 *     ulNotifyCycleCount increments inside that section.
 *  2. prvNotifiedTask's main loop, driven by the one-shot software timer "Notifier"
 *     (xTimerCreate/xTimerChangePeriod, callback prvNotifyingTimer -> xTaskNotifyGive), and with
 *     it the ulTimerNotificationsSent/Received deviation check of
 *     xAreTaskNotificationTasksStillRunning.
 * Test 1 below is the faithful port of everything else of prvSingleTaskTests.
 * Test 2 runs 1 and 2 with a STAND-IN: each software timer is emulated by a task at
 * configTIMER_TASK_PRIORITY that runs the original callback (they only call task-level API, as in
 * the timer service task). Replace the stand-in by xTimerCreate & co. when timers land. Test 2's
 * ISR part is the original one: xNotifyTaskFromISR runs from vApplicationTickHook (ISR context)
 * with vTaskNotifyGiveFromISR / xTaskNotifyFromISR / xTaskNotifyAndQueryFromISR, NULL woken.
 *
 * Structure kept: the task "Notified" at tskIDLE_PRIORITY runs prvSingleTaskTests (notifying
 * itself, as the original does).
 * Check mapping:
 *  - Every configASSERT in prvSingleTaskTests is an assert inside the task (a throw rejects
 *    rtos.run()): return values of xTaskNotifyWait / xTaskNotify / xTaskNotifyAndQuery /
 *    xTaskNotifyStateClear / ulTaskNotifyValueClear, notified and previous values, and the
 *    32 iterations of the set-all-bits loop.
 *  - xErrorStatus = pdFAIL (blocked less than 100 ticks with nothing pending, or 100 ticks or
 *    more with a notification pending) is recorded and asserted after rtos.run().
 *  - xAreTaskNotificationTasksStillRunning: ulNotifyCycleCount advanced, xErrorStatus pdPASS
 *    (plus, in test 2, ulTimerNotificationsSent - ulTimerNotificationsReceived <= 5).
 *  - xNotifyTaskFromISR's configASSERT(ulPreviousValue != 0xff) is an assert in the tick hook.
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
import type { FreeRTOS, TaskHandle } from "../../src/freertos/index.js";

const configMAX_PRIORITIES = 8;
const configTIMER_TASK_PRIORITY = configMAX_PRIORITIES - 1;
const notifyTASK_PRIORITY = tskIDLE_PRIORITY;
const notifyUINT32_MAX = 0xffffffff;
const notifyUINT32_HIGH_BYTE = 0xff000000;
const notifyUINT32_LOW_BYTE = 0x000000ff;

const u32 = (x: number): number => x >>> 0;
const tickDiff = (later: number, earlier: number): number => (later - earlier) >>> 0;

function newKernel(): FreeRTOS {
  return createFreeRTOS({
    configMAX_PRIORITIES,
    configTIMER_TASK_PRIORITY,
    configUSE_PREEMPTION: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE: 128,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
  });
}

interface NotifyState {
  xErrorStatus: number;
  ulNotifyCycleCount: number;
  errors: string[];
}

/** prvSingleTaskTests, except the timer section at its end (left out, see header). */
async function prvSingleTaskTests(rtos: FreeRTOS, xTaskToNotify: TaskHandle, s: NotifyState): Promise<void> {
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
  await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0); // start with all bits clear
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
}

test("TaskNotify.c: prvSingleTaskTests (all but the software-timer section)", async () => {
  const rtos = newKernel();
  const s: NotifyState = { xErrorStatus: pdPASS, ulNotifyCycleCount: 0, errors: [] };
  const xTaskToNotify: { value: TaskHandle | null } = { value: null };
  let finished = false;

  async function prvNotifiedTask(): Promise<void> {
    await prvSingleTaskTests(rtos, xTaskToNotify.value!, s);
    finished = true;
    // The timer/ISR-driven main loop is left out here (see the stand-in test below).
    await rtos.vTaskSuspend(null);
  }

  assert.equal(await rtos.xTaskCreate(prvNotifiedTask, "Notified", 128, null, notifyTASK_PRIORITY, xTaskToNotify), pdPASS);
  rtos.vTaskStartScheduler();

  // The single-task tests block twice for 100 ticks.
  await rtos.run(300);
  assert.ok(finished, "prvSingleTaskTests did not complete");
  // xAreTaskNotificationTasksStillRunning()
  assert.deepEqual(s.errors, []);
  assert.equal(s.xErrorStatus, pdPASS);
  assert.notEqual(s.ulNotifyCycleCount, 0, "ulNotifyCycleCount did not advance");
});

/**
 * A one-shot software timer emulated by a task at configTIMER_TASK_PRIORITY (STAND-IN).
 * start/changePeriod/delete post a command like the timer API posts to the timer queue; the
 * expiry counts from the time the command is processed, the callback runs in the emulating task.
 */
async function oneShotTimerStandIn(
  rtos: FreeRTOS,
  name: string,
  periodTicks: number,
  callback: () => Promise<void>,
): Promise<{ start(): Promise<number>; changePeriod(p: number): Promise<number>; delete(): Promise<number> }> {
  const DELETE = -1;
  const commands = rtos.xQueueCreate(10, 0);
  assert.ok(commands);
  let period = periodTicks;
  async function timerTask(): Promise<void> {
    let expiry: number | null = null;
    const cmd = { value: 0 as unknown };
    for (;;) {
      const now = rtos.xTaskGetTickCount();
      const wait = expiry === null ? portMAX_DELAY : Math.max(0, expiry - now);
      if ((await rtos.xQueueReceive(commands!, cmd, wait)) === pdPASS) {
        const c = cmd.value as number;
        if (c === DELETE) return;
        period = c;
        expiry = rtos.xTaskGetTickCount() + period;
      } else if (expiry !== null && rtos.xTaskGetTickCount() >= expiry) {
        expiry = null;
        await callback();
      }
    }
  }
  assert.equal(await rtos.xTaskCreate(timerTask, `${name}Emu`, 128, null, configTIMER_TASK_PRIORITY), pdPASS);
  return {
    start: () => rtos.xQueueSend(commands!, period, portMAX_DELAY),
    changePeriod: (p: number) => rtos.xQueueSend(commands!, p, portMAX_DELAY),
    delete: () => rtos.xQueueSend(commands!, DELETE, portMAX_DELAY),
  };
}

test("TaskNotify.c: main loop and timer section (timers: STAND-IN tasks; ISR: tick hook as in the original)", async () => {
  // xNotifyTaskFromISR, called from the tick hook like the demos do.
  let xCallCount = 0;
  let xAPIToUse = 0;
  let isrError: unknown = null;
  function xNotifyTaskFromISR(): void {
    const xCallInterval = rtos.pdMS_TO_TICKS(50);
    const ulUnexpectedValue = 0xff;
    try {
      assert.ok(xTaskToNotify.value, "configASSERT( xTaskToNotify )");
      if (!timerCreated) return; // xTimer == NULL: the initial tests are still running
      xCallCount++;
      if (xCallCount >= xCallInterval) {
        xCallCount = 0;
        switch (xAPIToUse) {
          case 0:
            rtos.vTaskNotifyGiveFromISR(xTaskToNotify.value, null);
            xAPIToUse++;
            break;
          case 1:
            rtos.xTaskNotifyFromISR(xTaskToNotify.value, 0, eIncrement, null);
            xAPIToUse++;
            break;
          case 2: {
            const ulPreviousValue = { value: ulUnexpectedValue };
            rtos.xTaskNotifyAndQueryFromISR(xTaskToNotify.value, 0, eIncrement, ulPreviousValue, null);
            assert.notEqual(ulPreviousValue.value, ulUnexpectedValue, "configASSERT( ulPreviousValue != ulUnexpectedValue )");
            xAPIToUse = 0;
            break;
          }
        }
        ulTimerNotificationsSent++;
      }
    } catch (e) {
      isrError ??= e; // reported after rtos.run()
    }
  }
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configTIMER_TASK_PRIORITY,
    configUSE_PREEMPTION: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE: 128,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    vApplicationTickHook: xNotifyTaskFromISR,
  });
  const s: NotifyState = { xErrorStatus: pdPASS, ulNotifyCycleCount: 0, errors: [] };
  const xTaskToNotify: { value: TaskHandle | null } = { value: null };
  let ulTimerNotificationsReceived = 0;
  let ulTimerNotificationsSent = 0;
  let timerCreated = false; // xTimer != NULL
  let uxNextRand = 0x2468ace1; // the original seeds with the address of prvRand
  const prvRand = (): number => {
    uxNextRand = u32(Math.imul(0x015a4e35, uxNextRand) + 1);
    return (uxNextRand >>> 16) & 0x7fff;
  };

  // prvSuspendedTaskTimerTestCallback
  let ulCallCount = 0;
  async function prvSuspendedTaskTimerTestCallback(): Promise<void> {
    const h = xTaskToNotify.value!;
    if (ulCallCount === 0) {
      await rtos.vTaskSuspend(h);
      assert.equal(rtos.eTaskGetState(h), eSuspended, "callback 1: task not suspended");
      await rtos.vTaskResume(h);
    } else {
      await rtos.vTaskSuspend(h);
      // Notifying a suspended task passes but does not resume it.
      await rtos.xTaskNotify(h, ulCallCount, eSetValueWithOverwrite);
      assert.equal(rtos.eTaskGetState(h), eSuspended, "callback 2: notification resumed a suspended task");
      await rtos.vTaskResume(h);
    }
    ulCallCount++;
  }

  // prvNotifyingTimer
  async function prvNotifyingTimer(): Promise<void> {
    await rtos.xTaskNotifyGive(xTaskToNotify.value!);
    rtos.taskENTER_CRITICAL();
    ulTimerNotificationsSent++;
    await rtos.taskEXIT_CRITICAL();
  }

  async function prvNotifiedTask(): Promise<void> {
    const h = xTaskToNotify.value!;
    await prvSingleTaskTests(rtos, h, s);

    // ---- Left-out timer section of prvSingleTaskTests.
    const xSingleTaskTimer = await oneShotTimerStandIn(rtos, "SingleNotify", rtos.pdMS_TO_TICKS(50), prvSuspendedTaskTimerTestCallback);
    s.ulNotifyCycleCount++;
    const ulNotifiedValue = { value: 0 };
    await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0); // ensure none pending
    await rtos.vTaskPrioritySet(null, configMAX_PRIORITIES - 1);
    ulNotifiedValue.value = 0;
    await xSingleTaskTimer.start();
    let xReturned = await rtos.xTaskNotifyWait(0, 0, ulNotifiedValue, portMAX_DELAY);
    assert.equal(xReturned, pdFALSE, "suspended/resumed without notification: return");
    assert.equal(ulNotifiedValue.value, 0, "suspended/resumed without notification: value");
    s.ulNotifyCycleCount++;
    await xSingleTaskTimer.start();
    xReturned = await rtos.xTaskNotifyWait(0, 0, ulNotifiedValue, portMAX_DELAY);
    assert.equal(xReturned, pdPASS, "notified while suspended: return");
    assert.notEqual(ulNotifiedValue.value, 0, "notified while suspended: value");
    await rtos.vTaskPrioritySet(null, notifyTASK_PRIORITY);
    await xSingleTaskTimer.delete();
    s.ulNotifyCycleCount++;
    await rtos.xTaskNotifyWait(notifyUINT32_MAX, 0, ulNotifiedValue, 0);

    // ---- Main loop of prvNotifiedTask.
    const xMaxPeriod = rtos.pdMS_TO_TICKS(90);
    const xMinPeriod = rtos.pdMS_TO_TICKS(10);
    const xDontBlock = 0;
    const ulCyclesToRaisePriority = 50;
    const xTimer = await oneShotTimerStandIn(rtos, "Notifier", xMaxPeriod, prvNotifyingTimer);
    timerCreated = true;
    for (;;) {
      let xPeriod = prvRand() % xMaxPeriod;
      if (xPeriod < xMinPeriod) xPeriod = xMinPeriod;
      await xTimer.changePeriod(xPeriod);

      xPeriod = prvRand() % xMaxPeriod;
      if (xPeriod < xMinPeriod) xPeriod = xMinPeriod;

      if ((await rtos.ulTaskNotifyTake(pdFALSE, xPeriod)) !== 0) ulTimerNotificationsReceived++;
      if ((await rtos.ulTaskNotifyTake(pdFALSE, xDontBlock)) !== 0) ulTimerNotificationsReceived++;
      ulTimerNotificationsReceived += await rtos.ulTaskNotifyTake(pdTRUE, xPeriod);

      if (s.ulNotifyCycleCount % ulCyclesToRaisePriority === 0) {
        await rtos.vTaskPrioritySet(h, configMAX_PRIORITIES - 1);
        ulTimerNotificationsReceived += await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
        await rtos.vTaskPrioritySet(h, notifyTASK_PRIORITY);
      } else {
        ulTimerNotificationsReceived += await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
      }
      s.ulNotifyCycleCount++;
    }
  }

  assert.equal(await rtos.xTaskCreate(prvNotifiedTask, "Notified", 128, null, notifyTASK_PRIORITY, xTaskToNotify), pdPASS);
  rtos.vTaskStartScheduler();

  // xAreTaskNotificationTasksStillRunning()
  const ulMaxSendReceiveDeviation = 5;
  let ulLastNotifyCycleCount = 0;
  const checks = 6;
  for (let i = 1; i <= checks; i++) {
    await rtos.run(1000);
    if (isrError !== null) throw isrError;
    assert.notEqual(s.ulNotifyCycleCount, ulLastNotifyCycleCount, `check ${i}: ulNotifyCycleCount did not advance`);
    ulLastNotifyCycleCount = s.ulNotifyCycleCount;
    if (ulTimerNotificationsSent > ulTimerNotificationsReceived) {
      assert.ok(
        ulTimerNotificationsSent - ulTimerNotificationsReceived <= ulMaxSendReceiveDeviation,
        `check ${i}: sent ${ulTimerNotificationsSent}, received ${ulTimerNotificationsReceived}`,
      );
    }
    assert.deepEqual(s.errors, [], `check ${i}: xErrorStatus`);
    assert.equal(s.xErrorStatus, pdPASS, `check ${i}: xErrorStatus`);
  }
  assert.equal(ulCallCount, 2, "SingleNotify stand-in callback calls");
  assert.ok(ulTimerNotificationsSent > 0, "no notification was sent");
});
