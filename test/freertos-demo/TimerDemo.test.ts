/*
 * Port of FreeRTOS/Demo/Common/Minimal/TimerDemo.c (FreeRTOS/FreeRTOS main, "FreeRTOS V202212.00"
 * header) to tinyrtos.
 *
 * Structure kept:
 *  - vStartTimerDemoTask(xBasePeriod) -> prvTest1_CreateTimersWithoutSchedulerRunning (before the
 *    scheduler starts), then the task "Tmr Tst" at configTIMER_TASK_PRIORITY - 1 running
 *    prvTimerTestTask: one-shot creation + reload-mode checks, prvTest2, then forever prvTest3..6,
 *    prvTest7 (only with vTimerDemoIncludeBacklogTests(pdTRUE)), prvResetStartConditionsForNextIteration.
 *  - vTimerPeriodicISRTests runs from vApplicationTickHook (ISR context, every tick) and drives the
 *    "ISR AR" / "ISR OS" timers only with the FromISR API (NULL pxHigherPriorityTaskWoken), as the
 *    standard demos' tick hooks do.
 *  - Callbacks prvAutoReloadTimerCallback (ID-indexed counters, stop of timer 0 when requested),
 *    prvOneShotTimerCallback (call count kept in the timer ID: pvTimerGetTimerID/vTimerSetTimerID),
 *    prvISRAutoReloadTimerCallback, prvISROneShotTimerCallback.
 *  - xAreTimerDemoTasksStillRunning(xCycleFrequency) with its static state, called by the check
 *    loop every CHECK_PERIOD ticks (the check task's cycle).
 * Config as the standard demos: configTIMER_TASK_PRIORITY = configMAX_PRIORITIES - 1 (so xMargin = 4),
 * configTIMER_QUEUE_LENGTH 10, xBasePeriod 50 (mainTIMER_TEST_PERIOD).
 *
 * Check mapping: every `xTestStatus = pdFAIL; configASSERT(xTestStatus)` and every bare
 * configASSERT of the original calls fail(msg), which latches xTestStatus = pdFAIL and records the
 * message; after each run chunk the test asserts `errors` is empty (so each original check is an
 * assert naming the check), that xAreTimerDemoTasksStillRunning() returns pdPASS and that
 * ulLoopCounter advanced. Test 1's checks (run before the scheduler) are asserted before starting it.
 * Sanity asserts (not in the original) make sure the checks really ran: several full test-task loops
 * and several full 15 * xBasePeriod ISR sequences.
 *
 * Stand-in: prvTest7 calls xTaskCatchUpTicks(n), which tinyrtos does not have. It is emulated with
 * the same mechanism (tasks.c xTaskCatchUpTicks: vTaskSuspendAll; xPendedTicks += n; xTaskResumeAll):
 * vTaskSuspendAll(); busy(n) (the n ticks are pended while the scheduler is suspended);
 * xTaskResumeAll() (replays them). Unlike the real call, virtual time passes and the tick hook sees
 * those ticks, which the original's xMargin tolerates either way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdTRUE, pdFALSE, pdPASS, pdFAIL, portMAX_DELAY } from "../../src/freertos/index.js";
import type { FreeRTOS } from "../../src/freertos/index.js";

type TimerHandle = NonNullable<ReturnType<FreeRTOS["xTimerCreate"]>>;

const configMAX_PRIORITIES = 8;
const configTIMER_TASK_PRIORITY = configMAX_PRIORITIES - 1;
const configTIMER_QUEUE_LENGTH = 10;
const configMINIMAL_STACK_SIZE = 128;
const tmrTIMER_TEST_TASK_STACK_SIZE = configMINIMAL_STACK_SIZE;
const mainTIMER_TEST_PERIOD = 50;

const tmrdemoDONT_BLOCK = 0;
const tmrdemoNUM_TIMER_RESETS = 10;
const tmrdemoBACKLOG_TIMER_PERIOD = 1;
const tmrdemoEXPECTED_BACKLOG_EXPIRES = 2;

/** The check task's cycle, in ticks, and how many times it checks. */
const CHECK_PERIOD = 1000;
const CHECKS = 8;

const u8 = (x: number): number => x & 0xff;

class TimerDemo {
  xTestStatus = pdPASS;
  readonly errors: string[] = [];
  ucIsBacklogDemoEnabled = pdFALSE;
  ulLoopCounter = 0;

  readonly xAutoReloadTimers: (TimerHandle | null)[] = new Array<TimerHandle | null>(configTIMER_QUEUE_LENGTH + 1).fill(null);
  readonly ucAutoReloadTimerCounters = new Uint8Array(configTIMER_QUEUE_LENGTH + 1);
  ucIsStopNeededInTimerZeroCallback = pdFALSE;

  xOneShotTimer: TimerHandle | null = null;
  ucOneShotTimerCounter = 0;

  xISRAutoReloadTimer: TimerHandle | null = null;
  ucISRAutoReloadTimerCounter = 0;
  xISROneShotTimer: TimerHandle | null = null;
  ucISROneShotTimerCounter = 0;

  xBasePeriod = 0;

  // Function statics of the original.
  private uxCallCount = 0; // prvOneShotTimerCallback
  private uxTick = -1; // vTimerPeriodicISRTests: (TickType_t) -1
  private ulLastLoopCounter = 0; // xAreTimerDemoTasksStillRunning
  private xIterationsWithoutCounterIncrement = 0;
  private xLastCycleFrequency = 0;

  // Sanity counters (not in the original).
  fullLoops = 0;
  isrSequencesCompleted = 0;

  constructor(private readonly rtos: FreeRTOS) {}

  fail(msg: string): void {
    this.xTestStatus = pdFAIL;
    this.errors.push(`${msg} (tick ${this.rtos.xTaskGetTickCount()})`);
  }

  get tmrdemoONE_SHOT_TIMER_PERIOD(): number {
    return this.xBasePeriod * 3;
  }

  private ar(i: number): TimerHandle {
    return this.xAutoReloadTimers[i]!;
  }

  /** xTaskCatchUpTicks stand-in (see the header). */
  private async xTaskCatchUpTicks(ticks: number): Promise<void> {
    this.rtos.vTaskSuspendAll();
    await this.rtos.busy(ticks);
    await this.rtos.xTaskResumeAll();
  }

  async vStartTimerDemoTask(xBasePeriodIn: number): Promise<void> {
    this.ucAutoReloadTimerCounters.fill(0);
    this.xAutoReloadTimers.fill(null);
    this.xBasePeriod = xBasePeriodIn;
    await this.prvTest1_CreateTimersWithoutSchedulerRunning();
    if (this.xTestStatus !== pdFAIL) {
      const r = await this.rtos.xTaskCreate(() => this.prvTimerTestTask(), "Tmr Tst", tmrTIMER_TEST_TASK_STACK_SIZE, null, configTIMER_TASK_PRIORITY - 1, null);
      if (r !== pdPASS) this.fail("xTaskCreate(Tmr Tst)");
    }
  }

  vTimerDemoIncludeBacklogTests(includeBacklogTests: number): void {
    this.ucIsBacklogDemoEnabled = includeBacklogTests;
  }

  private async prvTimerTestTask(): Promise<void> {
    const { rtos } = this;
    // Created as one-shot; the reload mode is flipped to auto-reload and back for coverage.
    this.xOneShotTimer = rtos.xTimerCreate("Oneshot Timer", this.tmrdemoONE_SHOT_TIMER_PERIOD, pdFALSE, 0, (t) => this.prvOneShotTimerCallback(t));
    if (this.xOneShotTimer === null) {
      this.fail("prvTimerTestTask: xTimerCreate(Oneshot Timer) returned NULL");
      return;
    }
    rtos.vTimerSetReloadMode(this.xOneShotTimer, pdTRUE);
    if (rtos.uxTimerGetReloadMode(this.xOneShotTimer) !== pdTRUE) this.fail("prvTimerTestTask: uxTimerGetReloadMode != pdTRUE after vTimerSetReloadMode(pdTRUE)");
    rtos.vTimerSetReloadMode(this.xOneShotTimer, pdFALSE);
    if (rtos.uxTimerGetReloadMode(this.xOneShotTimer) !== pdFALSE) this.fail("prvTimerTestTask: uxTimerGetReloadMode != pdFALSE after vTimerSetReloadMode(pdFALSE)");

    this.prvTest2_CheckTaskAndTimersInitialState();

    for (;;) {
      await this.prvTest3_CheckAutoReloadExpireRates();
      await this.prvTest4_CheckAutoReloadTimersCanBeStopped();
      await this.prvTest5_CheckBasicOneShotTimerBehaviour();
      await this.prvTest6_CheckAutoReloadResetBehaviour();
      if (this.ucIsBacklogDemoEnabled === pdTRUE) await this.prvTest7_CheckBacklogBehaviour();
      await this.prvResetStartConditionsForNextIteration();
      this.fullLoops++;
    }
  }

  xAreTimerDemoTasksStillRunning(xCycleFrequency: number): number {
    if (xCycleFrequency === 0) this.fail("xAreTimerDemoTasksStillRunning: configASSERT(xCycleFrequency != 0)");
    if (this.xLastCycleFrequency !== xCycleFrequency) {
      this.xIterationsWithoutCounterIncrement = 0;
      this.xLastCycleFrequency = xCycleFrequency;
    }
    if (this.ulLastLoopCounter === this.ulLoopCounter) {
      const xMaxBlockTimeUsedByTheseTests = configTIMER_QUEUE_LENGTH * this.xBasePeriod;
      const xLoopCounterIncrementTimeMax = Math.floor(xMaxBlockTimeUsedByTheseTests / xCycleFrequency) + 1;
      this.xIterationsWithoutCounterIncrement++;
      if (this.xIterationsWithoutCounterIncrement > xLoopCounterIncrementTimeMax) this.fail("xAreTimerDemoTasksStillRunning: ulLoopCounter stalled");
    } else {
      this.xIterationsWithoutCounterIncrement = 0;
    }
    this.ulLastLoopCounter = this.ulLoopCounter;
    return this.xTestStatus;
  }

  private async prvTest1_CreateTimersWithoutSchedulerRunning(): Promise<void> {
    const { rtos } = this;
    let xTimer: number;
    for (xTimer = 0; xTimer < configTIMER_QUEUE_LENGTH; xTimer++) {
      const t = rtos.xTimerCreate("FR Timer", (xTimer + 1) * this.xBasePeriod, pdTRUE, xTimer, (x) => this.prvAutoReloadTimerCallback(x));
      this.xAutoReloadTimers[xTimer] = t;
      if (t === null) {
        this.fail(`prvTest1: xTimerCreate(FR Timer ${xTimer}) returned NULL`);
      } else {
        if (rtos.pcTimerGetName(t) !== "FR Timer") this.fail(`prvTest1: pcTimerGetName(timer ${xTimer}) != "FR Timer"`);
        // Scheduler not started: portMAX_DELAY becomes 0, and the queue is not full yet.
        if ((await rtos.xTimerStart(t, portMAX_DELAY)) !== pdPASS) this.fail(`prvTest1: xTimerStart(timer ${xTimer}) before the scheduler != pdPASS`);
      }
    }
    // The timer queue is now full: another timer can be created but not started.
    const extra = rtos.xTimerCreate("FR Timer", configTIMER_QUEUE_LENGTH * this.xBasePeriod, pdTRUE, xTimer, (x) => this.prvAutoReloadTimerCallback(x));
    this.xAutoReloadTimers[configTIMER_QUEUE_LENGTH] = extra;
    if (extra === null) {
      this.fail(`prvTest1: xTimerCreate(FR Timer ${configTIMER_QUEUE_LENGTH}) returned NULL`);
    } else if ((await rtos.xTimerStart(this.ar(xTimer), portMAX_DELAY)) === pdPASS) {
      this.fail("prvTest1: xTimerStart succeeded although the timer queue is full");
    }
    // Timers used from the tick hook; their real period is set from the hook (0 is invalid).
    this.xISRAutoReloadTimer = rtos.xTimerCreate("ISR AR", 0xffff, pdTRUE, null, () => this.prvISRAutoReloadTimerCallback());
    this.xISROneShotTimer = rtos.xTimerCreate("ISR OS", 0xffff, pdFALSE, null, () => this.prvISROneShotTimerCallback());
    if (this.xISRAutoReloadTimer === null || this.xISROneShotTimer === null) this.fail("prvTest1: ISR timer creation returned NULL");
  }

  private prvTest2_CheckTaskAndTimersInitialState(): void {
    const { rtos } = this;
    for (let ucTimer = 0; ucTimer < configTIMER_QUEUE_LENGTH; ucTimer++) {
      if (rtos.xTimerIsTimerActive(this.ar(ucTimer)) === pdFALSE) this.fail(`prvTest2: auto-reload timer ${ucTimer} not active`);
    }
    if (rtos.xTimerIsTimerActive(this.ar(configTIMER_QUEUE_LENGTH)) !== pdFALSE) this.fail(`prvTest2: auto-reload timer ${configTIMER_QUEUE_LENGTH} active`);
  }

  private async prvTest3_CheckAutoReloadExpireRates(): Promise<void> {
    const { rtos } = this;
    const uxOriginalPriority = rtos.uxTaskPriorityGet(null);
    await rtos.vTaskPrioritySet(null, configMAX_PRIORITIES - 1);
    const xBlockPeriod = configTIMER_QUEUE_LENGTH * this.xBasePeriod;
    await rtos.vTaskDelay(xBlockPeriod);
    for (let ucTimer = 0; ucTimer < configTIMER_QUEUE_LENGTH; ucTimer++) {
      const xTimerPeriod = (ucTimer + 1) * this.xBasePeriod;
      const xExpectedNumber = Math.floor(xBlockPeriod / xTimerPeriod);
      const ucMaxAllowableValue = u8(xExpectedNumber);
      const ucMinAllowableValue = u8(xExpectedNumber - 1);
      const count = this.ucAutoReloadTimerCounters[ucTimer]!;
      if (count < ucMinAllowableValue || count > ucMaxAllowableValue)
        this.fail(`prvTest3: auto-reload timer ${ucTimer} expired ${count} times, expected ${ucMinAllowableValue}..${ucMaxAllowableValue}`);
    }
    await rtos.vTaskPrioritySet(null, uxOriginalPriority);
    if (this.xTestStatus === pdPASS) this.ulLoopCounter++;
  }

  private async prvTest4_CheckAutoReloadTimersCanBeStopped(): Promise<void> {
    const { rtos } = this;
    for (let ucTimer = 0; ucTimer < configTIMER_QUEUE_LENGTH; ucTimer++) {
      if (rtos.xTimerIsTimerActive(this.ar(ucTimer)) === pdFALSE) this.fail(`prvTest4: auto-reload timer ${ucTimer} not active before stop`);
      // Acted on at once: the timer task has a higher priority than this task.
      await rtos.xTimerStop(this.ar(ucTimer), tmrdemoDONT_BLOCK);
      if (rtos.xTimerIsTimerActive(this.ar(ucTimer)) !== pdFALSE) this.fail(`prvTest4: auto-reload timer ${ucTimer} active after stop`);
    }
    rtos.taskENTER_CRITICAL();
    {
      if (this.ucAutoReloadTimerCounters[configTIMER_QUEUE_LENGTH] !== 0) this.fail(`prvTest4: never-started timer ${configTIMER_QUEUE_LENGTH} has a non-zero count`);
      this.ucAutoReloadTimerCounters.fill(0);
    }
    await rtos.taskEXIT_CRITICAL();
    await rtos.vTaskDelay(configTIMER_QUEUE_LENGTH * this.xBasePeriod);
    for (let ucTimer = 0; ucTimer < configTIMER_QUEUE_LENGTH; ucTimer++) {
      if (this.ucAutoReloadTimerCounters[ucTimer] !== 0) this.fail(`prvTest4: stopped auto-reload timer ${ucTimer} expired`);
    }
    if (this.xTestStatus === pdPASS) this.ulLoopCounter++;
  }

  private async prvTest5_CheckBasicOneShotTimerBehaviour(): Promise<void> {
    const { rtos } = this;
    const os = this.xOneShotTimer!;
    if (rtos.xTimerIsTimerActive(os) !== pdFALSE) this.fail("prvTest5: one-shot timer active before start");
    if (this.ucOneShotTimerCounter !== 0) this.fail("prvTest5: one-shot counter != 0 before start");
    await rtos.xTimerStart(os, tmrdemoDONT_BLOCK);
    if (rtos.xTimerIsTimerActive(os) === pdFALSE) this.fail("prvTest5: one-shot timer not active after start");
    await rtos.vTaskDelay(this.tmrdemoONE_SHOT_TIMER_PERIOD * 3);
    if (rtos.xTimerIsTimerActive(os) !== pdFALSE) this.fail("prvTest5: one-shot timer still active after 3 periods");
    if (this.ucOneShotTimerCounter !== 1) this.fail(`prvTest5: one-shot timer expired ${this.ucOneShotTimerCounter} times, expected 1`);
    else this.ucOneShotTimerCounter = 0;
    if (this.xTestStatus === pdPASS) this.ulLoopCounter++;
  }

  private async prvTest6_CheckAutoReloadResetBehaviour(): Promise<void> {
    const { rtos } = this;
    const os = this.xOneShotTimer!;
    const last = configTIMER_QUEUE_LENGTH - 1;
    await rtos.xTimerStart(os, tmrdemoDONT_BLOCK);
    if (rtos.xTimerIsTimerActive(os) === pdFALSE) this.fail("prvTest6: one-shot timer not active after start");
    await rtos.xTimerStart(this.ar(last), tmrdemoDONT_BLOCK);
    if (rtos.xTimerIsTimerActive(this.ar(last)) === pdFALSE) this.fail(`prvTest6: auto-reload timer ${last} not active after start`);
    for (let ucTimer = 0; ucTimer < tmrdemoNUM_TIMER_RESETS; ucTimer++) {
      await rtos.vTaskDelay(Math.floor(this.tmrdemoONE_SHOT_TIMER_PERIOD / 2));
      if (rtos.xTimerIsTimerActive(os) === pdFALSE) this.fail(`prvTest6[${ucTimer}]: one-shot timer not active`);
      if (this.ucOneShotTimerCounter !== 0) this.fail(`prvTest6[${ucTimer}]: one-shot timer expired although reset every half period`);
      if (rtos.xTimerIsTimerActive(this.ar(last)) === pdFALSE) this.fail(`prvTest6[${ucTimer}]: auto-reload timer ${last} not active`);
      if (this.ucAutoReloadTimerCounters[last] !== 0) this.fail(`prvTest6[${ucTimer}]: auto-reload timer ${last} expired although reset`);
      await rtos.xTimerReset(os, tmrdemoDONT_BLOCK);
      await rtos.xTimerReset(this.ar(last), tmrdemoDONT_BLOCK);
      if (this.xTestStatus === pdPASS) this.ulLoopCounter++;
    }
    await rtos.vTaskDelay(configTIMER_QUEUE_LENGTH * this.xBasePeriod);
    if (this.ucOneShotTimerCounter !== 1) this.fail(`prvTest6: one-shot timer expired ${this.ucOneShotTimerCounter} times after the resets stopped, expected 1`);
    if (this.ucAutoReloadTimerCounters[last] === 0) this.fail(`prvTest6: auto-reload timer ${last} never expired after the resets stopped`);
    if (rtos.xTimerIsTimerActive(this.ar(last)) === pdFALSE) this.fail(`prvTest6: auto-reload timer ${last} not active at the end`);
    if (rtos.xTimerIsTimerActive(os) === pdTRUE) this.fail("prvTest6: one-shot timer active after expiring");
    await rtos.xTimerStop(this.ar(last), tmrdemoDONT_BLOCK);
    if (rtos.xTimerIsTimerActive(this.ar(last)) !== pdFALSE) this.fail(`prvTest6: auto-reload timer ${last} active after stop`);
    this.ucAutoReloadTimerCounters[last] = 0;
    this.ucOneShotTimerCounter = 0;
    if (this.xTestStatus === pdPASS) this.ulLoopCounter++;
  }

  private async prvTest7_CheckBacklogBehaviour(): Promise<void> {
    const { rtos } = this;
    const t0 = this.ar(0);
    const os = this.xOneShotTimer!;
    // Stop an auto-reload timer from a backlogged callback.
    if (rtos.xTimerIsTimerActive(t0) !== pdFALSE) this.fail("prvTest7: auto-reload timer 0 active before start");
    this.ucIsStopNeededInTimerZeroCallback = pdTRUE;
    await rtos.xTimerChangePeriod(t0, tmrdemoBACKLOG_TIMER_PERIOD, tmrdemoDONT_BLOCK);
    if (rtos.xTimerIsTimerActive(t0) === pdFALSE) this.fail("prvTest7: auto-reload timer 0 not active after xTimerChangePeriod");
    await this.xTaskCatchUpTicks(tmrdemoBACKLOG_TIMER_PERIOD * tmrdemoEXPECTED_BACKLOG_EXPIRES);
    if (rtos.xTimerIsTimerActive(t0) !== pdFALSE) this.fail("prvTest7: auto-reload timer 0 still active after being stopped from its backlogged callback");
    await rtos.xTimerChangePeriod(t0, this.xBasePeriod, tmrdemoDONT_BLOCK);
    await rtos.xTimerStop(t0, tmrdemoDONT_BLOCK);
    this.ucAutoReloadTimerCounters[0] = 0;

    // A one-shot whose reset is processed after its expiry time must end up inactive.
    if (rtos.xTimerIsTimerActive(os) !== pdFALSE) this.fail("prvTest7: one-shot timer active before start");
    await rtos.xTimerChangePeriod(os, tmrdemoBACKLOG_TIMER_PERIOD, tmrdemoDONT_BLOCK);
    const uxOriginalPriority = rtos.uxTaskPriorityGet(null);
    await rtos.vTaskPrioritySet(null, configMAX_PRIORITIES - 1);
    await rtos.xTimerReset(os, tmrdemoDONT_BLOCK);
    await this.xTaskCatchUpTicks(tmrdemoBACKLOG_TIMER_PERIOD);
    await rtos.vTaskPrioritySet(null, uxOriginalPriority);
    if (rtos.xTimerIsTimerActive(os) !== pdFALSE) this.fail("prvTest7: one-shot timer active after its late-processed reset expired");
    await rtos.xTimerChangePeriod(os, this.tmrdemoONE_SHOT_TIMER_PERIOD, tmrdemoDONT_BLOCK);
    await rtos.xTimerStop(os, tmrdemoDONT_BLOCK);
    this.ucOneShotTimerCounter = 0;
    if (this.xTestStatus === pdPASS) this.ulLoopCounter++;
  }

  private async prvResetStartConditionsForNextIteration(): Promise<void> {
    const { rtos } = this;
    for (let ucTimer = 0; ucTimer < configTIMER_QUEUE_LENGTH; ucTimer++) {
      if (rtos.xTimerIsTimerActive(this.ar(ucTimer)) !== pdFALSE) this.fail(`prvReset: auto-reload timer ${ucTimer} active before restart`);
      await rtos.xTimerStart(this.ar(ucTimer), tmrdemoDONT_BLOCK);
      if (rtos.xTimerIsTimerActive(this.ar(ucTimer)) === pdFALSE) this.fail(`prvReset: auto-reload timer ${ucTimer} not active after start`);
    }
    if (this.xTestStatus === pdPASS) this.ulLoopCounter++;
  }

  /** Called from the tick hook (ISR context): FromISR API only. */
  vTimerPeriodicISRTests(): void {
    const { rtos } = this;
    const xBasePeriod = this.xBasePeriod;
    // configTIMER_TASK_PRIORITY == configMAX_PRIORITIES - 1, not Windows.
    const xMargin = 4;
    const isrAR = this.xISRAutoReloadTimer!;
    const isrOS = this.xISROneShotTimer!;
    const expect = (ar: number, os: number, where: string): void => {
      if (this.ucISRAutoReloadTimerCounter !== ar) this.fail(`vTimerPeriodicISRTests(${where}): ISR auto-reload count ${this.ucISRAutoReloadTimerCounter}, expected ${ar}`);
      if (this.ucISROneShotTimerCounter !== os) this.fail(`vTimerPeriodicISRTests(${where}): ISR one-shot count ${this.ucISROneShotTimerCounter}, expected ${os}`);
    };

    this.uxTick++;
    const uxTick = this.uxTick;

    if (uxTick === 0) {
      this.ucISRAutoReloadTimerCounter = 0;
      this.ucISROneShotTimerCounter = 0;
      this.uxTick = -1; // retried on the next tick unless both timers start
      if (rtos.xTimerChangePeriodFromISR(isrAR, xBasePeriod, null) === pdPASS) {
        if (rtos.xTimerChangePeriodFromISR(isrOS, xBasePeriod, null) === pdPASS) this.uxTick = 0;
        else rtos.xTimerStopFromISR(isrAR, null);
      }
    } else if (uxTick === xBasePeriod - xMargin) {
      expect(0, 0, "base - margin"); // neither timer expired yet
    } else if (uxTick === xBasePeriod + xMargin) {
      expect(1, 1, "base + margin");
    } else if (uxTick === 2 * xBasePeriod - xMargin) {
      expect(1, 1, "2 base - margin");
    } else if (uxTick === 2 * xBasePeriod + xMargin) {
      expect(2, 1, "2 base + margin");
    } else if (uxTick === 2 * xBasePeriod + (xBasePeriod >>> 2)) {
      expect(2, 1, "2 base + base/4");
    } else if (uxTick === 3 * xBasePeriod) {
      rtos.xTimerStartFromISR(isrOS, null);
    } else if (uxTick === 3 * xBasePeriod + xMargin) {
      expect(3, 1, "3 base + margin");
      rtos.xTimerStopFromISR(isrAR, null);
    } else if (uxTick === 4 * (xBasePeriod - xMargin)) {
      expect(3, 1, "4 (base - margin)");
    } else if (uxTick === 4 * xBasePeriod + xMargin) {
      expect(3, 2, "4 base + margin");
    } else if (uxTick === 8 * xBasePeriod) {
      expect(3, 2, "8 base");
      rtos.xTimerResetFromISR(isrOS, null);
    } else if (uxTick === 9 * xBasePeriod - xMargin) {
      expect(3, 2, "9 base - margin");
      rtos.xTimerResetFromISR(isrOS, null);
    } else if (uxTick === 10 * xBasePeriod - 2 * xMargin) {
      expect(3, 2, "10 base - 2 margin");
      rtos.xTimerResetFromISR(isrOS, null);
    } else if (uxTick === 11 * xBasePeriod - 3 * xMargin) {
      expect(3, 2, "11 base - 3 margin");
      rtos.xTimerResetFromISR(isrOS, null);
    } else if (uxTick === 12 * xBasePeriod - 2 * xMargin) {
      expect(3, 3, "12 base - 2 margin");
    } else if (uxTick === 15 * xBasePeriod) {
      expect(3, 3, "15 base");
      this.uxTick = -1;
      this.isrSequencesCompleted++;
    }
  }

  private async prvAutoReloadTimerCallback(pxExpiredTimer: TimerHandle): Promise<void> {
    const uxTimerID = this.rtos.pvTimerGetTimerID(pxExpiredTimer) as number;
    if (typeof uxTimerID === "number" && uxTimerID >= 0 && uxTimerID <= configTIMER_QUEUE_LENGTH + 1) {
      this.ucAutoReloadTimerCounters[uxTimerID] = u8((this.ucAutoReloadTimerCounters[uxTimerID] ?? 0) + 1);
      if (uxTimerID === 0 && this.ucIsStopNeededInTimerZeroCallback === pdTRUE) {
        // Non-blocking (tmrdemoDONT_BLOCK) send to the timer task's own queue.
        await this.rtos.xTimerStop(pxExpiredTimer, tmrdemoDONT_BLOCK);
        this.ucIsStopNeededInTimerZeroCallback = pdFALSE;
      }
    } else {
      this.fail(`prvAutoReloadTimerCallback: unexpected timer ID ${String(uxTimerID)}`);
    }
  }

  private prvOneShotTimerCallback(pxExpiredTimer: TimerHandle): void {
    let uxLastCallCount = this.rtos.pvTimerGetTimerID(pxExpiredTimer) as number;
    if (uxLastCallCount !== this.uxCallCount) this.fail(`prvOneShotTimerCallback: timer ID ${String(uxLastCallCount)} != call count ${this.uxCallCount}`);
    uxLastCallCount++;
    this.rtos.vTimerSetTimerID(pxExpiredTimer, uxLastCallCount);
    this.uxCallCount++;
    this.ucOneShotTimerCounter = u8(this.ucOneShotTimerCounter + 1);
  }

  private prvISRAutoReloadTimerCallback(): void {
    this.ucISRAutoReloadTimerCounter = u8(this.ucISRAutoReloadTimerCounter + 1);
  }

  private prvISROneShotTimerCallback(): void {
    this.ucISROneShotTimerCounter = u8(this.ucISROneShotTimerCounter + 1);
  }
}

async function runTimerDemo(includeBacklogTests: number): Promise<void> {
  let demo: TimerDemo | null = null;
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configTIMER_TASK_PRIORITY,
    configTIMER_QUEUE_LENGTH,
    configMINIMAL_STACK_SIZE,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configTICK_RATE_HZ: 1000,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    vApplicationTickHook: () => demo?.vTimerPeriodicISRTests(),
  });
  demo = new TimerDemo(rtos);
  demo.vTimerDemoIncludeBacklogTests(includeBacklogTests);
  await demo.vStartTimerDemoTask(mainTIMER_TEST_PERIOD);
  // prvTest1's checks (run before the scheduler).
  assert.deepEqual(demo.errors, [], "prvTest1_CreateTimersWithoutSchedulerRunning");
  assert.equal(demo.xTestStatus, pdPASS);

  rtos.vTaskStartScheduler();
  let lastLoopCounter = demo.ulLoopCounter;
  for (let check = 1; check <= CHECKS; check++) {
    await rtos.run(CHECK_PERIOD);
    assert.deepEqual(demo.errors, [], `errors detected before check ${check}`);
    assert.equal(demo.xAreTimerDemoTasksStillRunning(CHECK_PERIOD), pdPASS, `xAreTimerDemoTasksStillRunning, check ${check}`);
    assert.ok(demo.ulLoopCounter > lastLoopCounter, `ulLoopCounter advanced before check ${check}`);
    lastLoopCounter = demo.ulLoopCounter;
  }
  // The checks above really ran: whole test-task loops and whole ISR sequences completed.
  assert.ok(demo.fullLoops >= 2, `prvTimerTestTask completed ${demo.fullLoops} full loops`);
  assert.ok(demo.isrSequencesCompleted >= 8, `vTimerPeriodicISRTests completed ${demo.isrSequencesCompleted} sequences`);
}

test("TimerDemo: timer test task, tick-hook ISR tests and check task (backlog tests disabled, the default)", { timeout: 10_000 }, async () => {
  await runTimerDemo(pdFALSE);
});

test("TimerDemo: with vTimerDemoIncludeBacklogTests(pdTRUE) (prvTest7, xTaskCatchUpTicks stand-in)", { timeout: 10_000 }, async () => {
  await runTimerDemo(pdTRUE);
});
