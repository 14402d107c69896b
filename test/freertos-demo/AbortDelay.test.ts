/*
 * Port of FreeRTOS/Demo/Common/Minimal/AbortDelay.c (FreeRTOS/FreeRTOS, main @ 592732b) to tinyrtos.
 * Nothing of the original is left out: the controlling task runs all eight tests
 * (abtNOTIFY_WAIT_ABORTS .. abtSTREAM_BUFFER_RECEIVE) in the original order 0,1,...,7,0,...
 * configSUPPORT_STATIC_ALLOCATION is taken as 0 (tinyrtos has no static creation): the event group
 * comes from xEventGroupCreate() and the stream buffer from xStreamBufferCreate(sizeof(uint8_t), 1),
 * each checked with configASSERT( handle ).
 *
 * Structure kept: "AbtCtrl" (controlling, configMAX_PRIORITIES - 3) tells "AbtBlk" (blocking,
 * configMAX_PRIORITIES - 2) by a notification (eSetValueWithOverwrite) which test to run; the
 * blocking task makes three blocking calls of xMaxBlockTime (100 ms): the first and third time
 * out, the second is aborted half way by xTaskAbortDelay() from the controlling task (which
 * raises itself to the blocking priority and delays 100 + 50 + 2 ticks).
 *
 * Check mapping: each `xErrorOccurred = __LINE__` of the original calls `flag(...)`; after every
 * `rtos.run()` the test asserts no flag was raised and that xControllingCycles and xBlockingCycles
 * both advanced (xAreAbortDelayTestTasksStillRunning). Flags raised:
 *  - prvPerformSingleTaskTests: xTaskAbortDelay(self) on a non-blocked task must return pdFALSE.
 *  - controlling task: xTaskAbortDelay(blocking task) must return pdPASS; the whole test must take
 *    [250, 257] ticks (2 x 100 + 50, margin 7).
 *  - prvCheckExpectedTimeIsWithinAnAcceptableMargin: each blocking call lasted [T, T + 7] ticks,
 *    T = 100 for the timed-out calls and 50 for the aborted one.
 *  - return values: xTaskNotifyWait -> pdFALSE (x3), ulTaskNotifyTake -> 0 (x3), first
 *    xQueueSend to the empty 1-item queue -> pdPASS then pdFALSE (x3), xSemaphoreTake ->
 *    pdFALSE (x3), xEventGroupWaitBits(bit 0, clear on exit, wait for all) -> 0x00 (x3),
 *    xStreamBufferReceive of 1 byte -> 0 bytes (x3). The configASSERT( xReturned == pdTRUE ) of
 *    the first and third xTaskDelayUntil, and the configASSERT( xQueue / xEventGroup /
 *    xStreamBuffer ) of the creations, are asserts inside the task (a throw rejects rtos.run()).
 * Added (not in the original): at the end every one of the eight tests ran at least twice.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  pdTRUE,
  pdFALSE,
  pdPASS,
  portMAX_DELAY,
  eSetValueWithOverwrite,
} from "../../src/freertos/index.js";

const configMAX_PRIORITIES = 8;
const abtCONTROLLING_PRIORITY = configMAX_PRIORITIES - 3;
const abtBLOCKING_PRIORITY = configMAX_PRIORITIES - 2;

const abtNOTIFY_WAIT_ABORTS = 0;
const abtNOTIFY_TAKE_ABORTS = 1;
const abtDELAY_ABORTS = 2;
const abtDELAY_UNTIL_ABORTS = 3;
const abtSEMAPHORE_TAKE_ABORTS = 4;
const abtEVENT_GROUP_ABORTS = 5;
const abtQUEUE_SEND_ABORTS = 6;
const abtSTREAM_BUFFER_RECEIVE = 7;
const abtMAX_TESTS = 8;

const tickDiff = (later: number, earlier: number): number => (later - earlier) >>> 0;

test("AbortDelay.c: xTaskAbortDelay tests (AbtCtrl/AbtBlk) keep running without error", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configUSE_PREEMPTION: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE: 128,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
  });

  const xMaxBlockTime = rtos.pdMS_TO_TICKS(100);
  const xHalfMaxBlockTime = rtos.pdMS_TO_TICKS(50);
  const xAllowableMargin = rtos.pdMS_TO_TICKS(7);

  let xControllingCycles = 0;
  let xBlockingCycles = 0;
  const errors: string[] = []; // xErrorOccurred
  const runsPerTest = new Array<number>(abtMAX_TESTS).fill(0);
  const flag = (what: string): void => {
    errors.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  const pcControllingTaskName = "AbtCtrl";
  const pcBlockingTaskName = "AbtBlk";

  function prvCheckExpectedTimeIsWithinAnAcceptableMargin(
    xStartTime: number,
    xExpectedBlockTime: number,
    what: string,
  ): void {
    const xActualBlockTime = tickDiff(rtos.xTaskGetTickCount(), xStartTime);
    if (xActualBlockTime < xExpectedBlockTime) {
      flag(`${what}: blocked ${xActualBlockTime} < expected ${xExpectedBlockTime}`);
    }
    if (xActualBlockTime > xExpectedBlockTime + xAllowableMargin) {
      flag(`${what}: blocked ${xActualBlockTime} > expected ${xExpectedBlockTime} + ${xAllowableMargin}`);
    }
  }

  async function prvControllingTask(): Promise<void> {
    let ulTestToPerform = abtNOTIFY_WAIT_ABORTS;
    const xStartMargin = 2;
    const xBlockingTask = rtos.xTaskGetHandle(pcBlockingTaskName);
    assert.ok(xBlockingTask); // configASSERT( xBlockingTask )

    for (;;) {
      // Tell the blocking task to perform the next test.
      const xTimeAtStart = rtos.xTaskGetTickCount();
      await rtos.xTaskNotify(xBlockingTask, ulTestToPerform, eSetValueWithOverwrite);

      // Raise to the blocking priority and wait until half way through the second block.
      await rtos.vTaskPrioritySet(null, abtBLOCKING_PRIORITY);
      await rtos.vTaskDelay(xMaxBlockTime + xHalfMaxBlockTime + xStartMargin);
      const r = await rtos.xTaskAbortDelay(xBlockingTask);
      if (r !== pdPASS) flag(`test ${ulTestToPerform}: xTaskAbortDelay(blocking task) returned ${r}`);
      await rtos.vTaskPrioritySet(null, abtCONTROLLING_PRIORITY);

      // Wait for the blocking task to finish its test.
      await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY);

      // Two full block times plus the aborted half block time.
      prvCheckExpectedTimeIsWithinAnAcceptableMargin(
        xTimeAtStart,
        xMaxBlockTime + xMaxBlockTime + xHalfMaxBlockTime,
        `controller, whole test ${ulTestToPerform}`,
      );

      // Move onto the next test.
      ulTestToPerform++;
      if (ulTestToPerform >= abtMAX_TESTS) ulTestToPerform = 0;

      xControllingCycles++;
    }
  }

  async function prvPerformSingleTaskTests(): Promise<void> {
    const xThisTask = rtos.xTaskGetCurrentTaskHandle();
    assert.ok(xThisTask);
    const r = await rtos.xTaskAbortDelay(xThisTask);
    if (r !== pdFALSE) flag(`xTaskAbortDelay(self, not blocked) returned ${r}`);
  }

  async function prvTestAbortingTaskDelayUntil(): Promise<void> {
    let xTimeAtStart = rtos.xTaskGetTickCount();
    const xLastBlockTime = { value: xTimeAtStart };
    // First delay times out.
    let xReturned = await rtos.xTaskDelayUntil(xLastBlockTime, xMaxBlockTime);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "delay until #1");
    assert.equal(xReturned, pdTRUE, "configASSERT: first xTaskDelayUntil returned pdFALSE");

    // Second delay is aborted half way (vTaskDelayUntil here, for coverage, as in the original).
    xTimeAtStart = rtos.xTaskGetTickCount();
    xLastBlockTime.value = xTimeAtStart;
    await rtos.vTaskDelayUntil(xLastBlockTime, xMaxBlockTime);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "delay until #2 (aborted)");

    // Third delay times out.
    xTimeAtStart = rtos.xTaskGetTickCount();
    xLastBlockTime.value = xTimeAtStart;
    xReturned = await rtos.xTaskDelayUntil(xLastBlockTime, xMaxBlockTime);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "delay until #3");
    assert.equal(xReturned, pdTRUE, "configASSERT: third xTaskDelayUntil returned pdFALSE");
  }

  async function prvTestAbortingTaskDelay(): Promise<void> {
    let xTimeAtStart = rtos.xTaskGetTickCount();
    await rtos.vTaskDelay(xMaxBlockTime);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "delay #1");

    xTimeAtStart = rtos.xTaskGetTickCount();
    await rtos.vTaskDelay(xMaxBlockTime); // aborted half way
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "delay #2 (aborted)");

    xTimeAtStart = rtos.xTaskGetTickCount();
    await rtos.vTaskDelay(xMaxBlockTime);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "delay #3");
  }

  async function prvTestAbortingTaskNotifyTake(): Promise<void> {
    let xTimeAtStart = rtos.xTaskGetTickCount();
    let ulReturn = await rtos.ulTaskNotifyTake(pdFALSE, xMaxBlockTime);
    if (ulReturn !== 0) flag(`notify take #1 returned ${ulReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "notify take #1");

    xTimeAtStart = rtos.xTaskGetTickCount();
    ulReturn = await rtos.ulTaskNotifyTake(pdFALSE, xMaxBlockTime); // aborted half way
    if (ulReturn !== 0) flag(`notify take #2 returned ${ulReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "notify take #2 (aborted)");

    xTimeAtStart = rtos.xTaskGetTickCount();
    ulReturn = await rtos.ulTaskNotifyTake(pdFALSE, xMaxBlockTime);
    if (ulReturn !== 0) flag(`notify take #3 returned ${ulReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "notify take #3");
  }

  async function prvTestAbortingQueueSend(): Promise<void> {
    const xQueue = rtos.xQueueCreate(1, 1);
    assert.ok(xQueue); // configASSERT( xQueue )
    const ucItemToQueue = new Uint8Array(1);

    // The queue must be full for the send to block: fill its only space.
    let xReturn = await rtos.xQueueSend(xQueue, ucItemToQueue, xMaxBlockTime);
    if (xReturn !== pdPASS) flag(`queue send (filling) returned ${xReturn}`);

    let xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xQueueSend(xQueue, ucItemToQueue, xMaxBlockTime);
    if (xReturn !== pdFALSE) flag(`queue send #1 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "queue send #1");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xQueueSend(xQueue, ucItemToQueue, xMaxBlockTime); // aborted half way
    if (xReturn !== pdFALSE) flag(`queue send #2 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "queue send #2 (aborted)");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xQueueSend(xQueue, ucItemToQueue, xMaxBlockTime);
    if (xReturn !== pdFALSE) flag(`queue send #3 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "queue send #3");

    rtos.vQueueDelete(xQueue);
  }

  async function prvTestAbortingSemaphoreTake(): Promise<void> {
    const xSemaphore = rtos.xSemaphoreCreateBinary();
    assert.ok(xSemaphore);

    let xTimeAtStart = rtos.xTaskGetTickCount();
    let xReturn = await rtos.xSemaphoreTake(xSemaphore, xMaxBlockTime);
    if (xReturn !== pdFALSE) flag(`semaphore take #1 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "semaphore take #1");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xSemaphoreTake(xSemaphore, portMAX_DELAY); // aborted half way
    if (xReturn !== pdFALSE) flag(`semaphore take #2 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "semaphore take #2 (aborted)");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xSemaphoreTake(xSemaphore, xMaxBlockTime);
    if (xReturn !== pdFALSE) flag(`semaphore take #3 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "semaphore take #3");

    rtos.vSemaphoreDelete(xSemaphore);
  }

  async function prvTestAbortingEventGroupWait(): Promise<void> {
    const xBitsToWaitFor = 0x01;
    const xEventGroup = rtos.xEventGroupCreate();
    assert.ok(xEventGroup); // configASSERT( xEventGroup )

    let xTimeAtStart = rtos.xTaskGetTickCount();
    let xReturn = await rtos.xEventGroupWaitBits(xEventGroup, xBitsToWaitFor, pdTRUE, pdTRUE, xMaxBlockTime);
    if (xReturn !== 0x00) flag(`event group wait #1 returned 0x${xReturn.toString(16)}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "event group wait #1");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xEventGroupWaitBits(xEventGroup, xBitsToWaitFor, pdTRUE, pdTRUE, xMaxBlockTime); // aborted half way
    if (xReturn !== 0x00) flag(`event group wait #2 returned 0x${xReturn.toString(16)}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "event group wait #2 (aborted)");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xEventGroupWaitBits(xEventGroup, xBitsToWaitFor, pdTRUE, pdTRUE, xMaxBlockTime);
    if (xReturn !== 0x00) flag(`event group wait #3 returned 0x${xReturn.toString(16)}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "event group wait #3");

    await rtos.vEventGroupDelete(xEventGroup);
  }

  async function prvTestAbortingStreamBufferReceive(): Promise<void> {
    const xTriggerLevelBytes = 1;
    const uxRxData = new Uint8Array(1);
    const xStreamBuffer = rtos.xStreamBufferCreate(uxRxData.length /* sizeof( uint8_t ) */, xTriggerLevelBytes);
    assert.ok(xStreamBuffer); // configASSERT( xStreamBuffer )

    let xTimeAtStart = rtos.xTaskGetTickCount();
    let xReturn = await rtos.xStreamBufferReceive(xStreamBuffer, uxRxData, xMaxBlockTime);
    if (xReturn !== 0) flag(`stream buffer receive #1 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "stream buffer receive #1");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xStreamBufferReceive(xStreamBuffer, uxRxData, xMaxBlockTime); // aborted half way
    if (xReturn !== 0) flag(`stream buffer receive #2 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "stream buffer receive #2 (aborted)");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xStreamBufferReceive(xStreamBuffer, uxRxData, xMaxBlockTime);
    if (xReturn !== 0) flag(`stream buffer receive #3 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "stream buffer receive #3");

    rtos.vStreamBufferDelete(xStreamBuffer);
  }

  async function prvTestAbortingTaskNotifyWait(): Promise<void> {
    let xTimeAtStart = rtos.xTaskGetTickCount();
    let xReturn = await rtos.xTaskNotifyWait(0, 0, null, xMaxBlockTime);
    if (xReturn !== pdFALSE) flag(`notify wait #1 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "notify wait #1");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xTaskNotifyWait(0, 0, null, portMAX_DELAY); // aborted half way
    if (xReturn !== pdFALSE) flag(`notify wait #2 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xHalfMaxBlockTime, "notify wait #2 (aborted)");

    xTimeAtStart = rtos.xTaskGetTickCount();
    xReturn = await rtos.xTaskNotifyWait(0, 0, null, xMaxBlockTime);
    if (xReturn !== pdFALSE) flag(`notify wait #3 returned ${xReturn}`);
    prvCheckExpectedTimeIsWithinAnAcceptableMargin(xTimeAtStart, xMaxBlockTime, "notify wait #3");
  }

  async function prvBlockingTask(): Promise<void> {
    const ulMax = 0xffffffff;
    const ulNotificationValue = { value: 0 };

    await prvPerformSingleTaskTests();

    const xControllingTask = rtos.xTaskGetHandle(pcControllingTaskName);
    assert.ok(xControllingTask); // configASSERT( xControllingTask )

    for (;;) {
      // Wait to be told which test to perform next.
      await rtos.xTaskNotifyWait(0, ulMax, ulNotificationValue, portMAX_DELAY);

      switch (ulNotificationValue.value) {
        case abtNOTIFY_WAIT_ABORTS:
          await prvTestAbortingTaskNotifyWait();
          break;
        case abtNOTIFY_TAKE_ABORTS:
          await prvTestAbortingTaskNotifyTake();
          break;
        case abtDELAY_ABORTS:
          await prvTestAbortingTaskDelay();
          break;
        case abtDELAY_UNTIL_ABORTS:
          await prvTestAbortingTaskDelayUntil();
          break;
        case abtSEMAPHORE_TAKE_ABORTS:
          await prvTestAbortingSemaphoreTake();
          break;
        case abtEVENT_GROUP_ABORTS:
          await prvTestAbortingEventGroupWait();
          break;
        case abtQUEUE_SEND_ABORTS:
          await prvTestAbortingQueueSend();
          break;
        case abtSTREAM_BUFFER_RECEIVE:
          await prvTestAbortingStreamBufferReceive();
          break;
        default:
          break; // "Should not get here."
      }
      if (ulNotificationValue.value < abtMAX_TESTS) runsPerTest[ulNotificationValue.value]!++;

      // Tell the controlling task the test is complete.
      await rtos.xTaskNotifyGive(xControllingTask);

      xBlockingCycles++;
    }
  }

  // vCreateAbortDelayTasks()
  assert.equal(
    await rtos.xTaskCreate(prvControllingTask, pcControllingTaskName, 128, null, abtCONTROLLING_PRIORITY),
    pdPASS,
  );
  assert.equal(await rtos.xTaskCreate(prvBlockingTask, pcBlockingTaskName, 128, null, abtBLOCKING_PRIORITY), pdPASS);

  rtos.vTaskStartScheduler();

  // xAreAbortDelayTestTasksStillRunning(): one test takes ~252 ticks; check every 1000 ticks.
  let xLastControllingCycleCount = 0;
  let xLastBlockingCycleCount = 0;
  const checks = 6;
  for (let i = 1; i <= checks; i++) {
    await rtos.run(1000);
    assert.deepEqual(errors, [], `check ${i}: xErrorOccurred was set`);
    assert.notEqual(xControllingCycles, xLastControllingCycleCount, `check ${i}: controlling task made no cycle`);
    assert.notEqual(xBlockingCycles, xLastBlockingCycleCount, `check ${i}: blocking task made no cycle`);
    xLastBlockingCycleCount = xBlockingCycles;
    xLastControllingCycleCount = xControllingCycles;
  }

  // Added: every test was performed at least twice (6000 ticks = ~23 tests of ~252 ticks, 8 kinds).
  for (let t = 0; t < abtMAX_TESTS; t++) {
    assert.ok(runsPerTest[t]! >= 2, `test ${t} ran ${runsPerTest[t]} times`);
  }
});
