/*
 * Port of FreeRTOS/Demo/Common/Minimal/IntSemTest.c (FreeRTOS/FreeRTOS, main branch) to tinyrtos:
 * "Demonstrates and tests mutexes being used from an interrupt."
 *
 * Nothing of the original is left out. Its ISR half, vInterruptSemaphorePeriodicTest(), is called
 * from the tick hook in the FreeRTOS demos; test 1 does exactly that (vApplicationTickHook, ISR
 * context). Test 2 runs the same function from a periodic interrupt instead (IRQ priority 5,
 * re-triggered from its own handler every tick at half-tick offsets, portYIELD_FROM_ISR at exit).
 *
 * Structure kept: xISRMutex (mutex given from the interrupt), xISRCountingSemaphore (max 3,
 * initial 0), xMasterSlaveMutex; tasks "IntMuS" (slave, priority 1), "IntMuM" (master, priority
 * 0) and "IntCnt" (counting-semaphore task, priority 0); the master alternates
 * prvTakeAndGiveInTheSameOrder / prvTakeAndGiveInTheOppositeOrder with 100-tick delays; the
 * interrupt gives every 100 ticks while xOkToGiveMutex / xOkToGiveCountingSemaphore are set.
 *
 * Check mapping:
 *  - every `xErrorDetected = __LINE__` calls `flag(what)` (recorded; asserted empty after each
 *    rtos.run(), = xAreInterruptSemaphoreTasksStillRunning's xErrorDetected check): priorities
 *    (0 at start, 1 = inherited from the slave while it waits for the shared mutex, kept while
 *    any mutex is held, 0 after the last give), take/give results (the ISR mutex arrives within 2
 *    give periods; a second take fails), counting semaphore full after 4 give periods (3
 *    messages waiting, 0 spaces, taken exactly 3 times), the slave's take/give results.
 *  - configASSERT(eTaskGetState(xSlaveHandle) == eSuspended / eBlocked) in the master are asserts
 *    inside the task; configASSERT(second xSemaphoreGiveFromISR == pdFAIL) in the ISR is recorded
 *    and asserted after each run.
 *  - xAreInterruptSemaphoreTasksStillRunning: ulMasterLoops and ulCountingSemaphoreLoops advanced
 *    since the previous call. The C function then does `ulLast = ulCountingSemaphoreLoops++`
 *    (it increments the counter itself, so its counting check can never fail again); that is
 *    ported as is, and in addition the test asserts that the counting task itself advanced.
 *  - ADDED (not in the C file, to make the port able to fail): the number of successful
 *    xSemaphoreGiveFromISR(xISRMutex) calls must advance between checks. After the first round
 *    the master only obtains xISRMutex from the interrupt, because xQueueReset(xISRMutex) leaves
 *    the mutex EMPTY with no holder (FreeRTOS-Kernel queue.c xQueueGenericReset sets
 *    uxMessagesWaiting = 0 and u.xQueue.pcTail, which aliases u.xSemaphore.xMutexHolder, to
 *    pcHead + 0 = NULL for a mutex).
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
  eBlocked,
  eSuspended,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle, SemaphoreHandle } from "../../src/freertos/index.js";

const configMAX_PRIORITIES = 8;
const intsemMASTER_PRIORITY = tskIDLE_PRIORITY;
const intsemSLAVE_PRIORITY = tskIDLE_PRIORITY + 1;
const intsemINTERRUPT_MUTEX_GIVE_PERIOD_MS = 100;
const intsemNO_BLOCK = 0;
const intsemMAX_COUNT = 3;

const stateName = (s: number): string => ["eRunning", "eReady", "eBlocked", "eSuspended", "eDeleted"][s] ?? `state ${s}`;

interface Demo {
  rtos: FreeRTOS;
  xInterruptGivePeriod: number;
  errors: string[];
  ulMasterLoops: number;
  ulCountingSemaphoreLoops: number;
  /** Increments by the counting task alone (see the header). */
  countingTaskLoops: number;
  /** Successful xSemaphoreGiveFromISR(xISRMutex) calls (see the header). */
  isrMutexGives: number;
  xSlaveHandle: TaskHandle | null;
  xISRMutex: SemaphoreHandle;
  xISRCountingSemaphore: SemaphoreHandle;
  xMasterSlaveMutex: SemaphoreHandle;
  xOkToGiveMutex: number;
  xOkToGiveCountingSemaphore: number;
  xLastGiveTime: number;
}

function flagger(d: Demo, who: string): (what: string) => void {
  return (what) => d.errors.push(`${who} @tick ${d.rtos.xTaskGetTickCount()}: ${what}`);
}

function assertSlaveState(d: Demo, expected: number, where: string): void {
  const s = d.rtos.eTaskGetState(d.xSlaveHandle!);
  assert.equal(s, expected, `${where}: configASSERT(eTaskGetState(xSlaveHandle) == ${stateName(expected)}), got ${stateName(s)}`);
}

// ───────────────────────── master / slave ─────────────────────────

/** Checks the running task's priority; a mismatch is flagged. */
type PriorityCheck = (expected: number, what: string) => void;

/**
 * The first half both orders share: take the shared mutex, let the (higher-priority) slave block
 * on it, then take the ISR mutex the interrupt gives. Ends holding both, at the slave's priority.
 */
async function prvTakeBothMutexes(d: Demo, order: string, flag: (what: string) => void, prio: PriorityCheck): Promise<void> {
  const { rtos } = d;
  assertSlaveState(d, eSuspended, `${order}, start`);
  prio(intsemMASTER_PRIORITY, "at start");

  if ((await rtos.xSemaphoreTake(d.xMasterSlaveMutex, intsemNO_BLOCK)) !== pdPASS) flag("take shared mutex");

  // The slave (higher priority) runs and blocks on the shared mutex.
  await rtos.vTaskResume(d.xSlaveHandle!);
  assertSlaveState(d, eBlocked, `${order}, after resuming the slave`);
  prio(intsemSLAVE_PRIORITY, "inherited from the slave");

  // Wait a little longer than the interrupt's give period for the ISR mutex.
  d.xOkToGiveMutex = pdTRUE;
  if ((await rtos.xSemaphoreTake(d.xISRMutex, d.xInterruptGivePeriod * 2)) !== pdPASS) flag("take ISR mutex within 2 give periods");
  d.xOkToGiveMutex = pdFALSE;

  if ((await rtos.xSemaphoreTake(d.xISRMutex, intsemNO_BLOCK)) !== pdFAIL) flag("second take of the ISR mutex must fail");
  prio(intsemSLAVE_PRIORITY, "holding both mutexes");
}

function priorityCheck(d: Demo, flag: (what: string) => void): PriorityCheck {
  return (expected, what) => {
    const p = d.rtos.uxTaskPriorityGet(null);
    if (p !== expected) flag(`${what}: priority ${p}, expected ${expected}`);
  };
}

async function prvTakeAndGiveInTheSameOrder(d: Demo): Promise<void> {
  const { rtos } = d;
  const flag = flagger(d, "IntMuM same order");
  const prio = priorityCheck(d, flag);
  await prvTakeBothMutexes(d, "same order", flag, prio);

  // Giving the ISR mutex back keeps the inherited priority: the shared mutex is still held.
  if ((await rtos.xSemaphoreGive(d.xISRMutex)) !== pdPASS) flag("give ISR mutex");
  prio(intsemSLAVE_PRIORITY, "after giving the ISR mutex (shared still held)");

  // Giving the shared mutex disinherits; the slave runs, takes and gives it, and suspends.
  if ((await rtos.xSemaphoreGive(d.xMasterSlaveMutex)) !== pdPASS) flag("give shared mutex");
  prio(intsemMASTER_PRIORITY, "after giving the last mutex");
  assertSlaveState(d, eSuspended, "same order, end");

  await rtos.xQueueReset(d.xISRMutex);
}

async function prvTakeAndGiveInTheOppositeOrder(d: Demo): Promise<void> {
  const { rtos } = d;
  const flag = flagger(d, "IntMuM opposite order");
  const prio = priorityCheck(d, flag);
  await prvTakeBothMutexes(d, "opposite order", flag, prio);

  // Giving the shared mutex first: the priority stays inherited while the ISR mutex is held.
  if ((await rtos.xSemaphoreGive(d.xMasterSlaveMutex)) !== pdPASS) flag("give shared mutex");
  prio(intsemSLAVE_PRIORITY, "after giving the shared mutex (ISR mutex still held)");

  // The last mutex given: back to the base priority.
  if ((await rtos.xSemaphoreGive(d.xISRMutex)) !== pdPASS) flag("give ISR mutex");
  prio(intsemMASTER_PRIORITY, "after giving the last mutex");

  await rtos.xQueueReset(d.xISRMutex);
}

async function vInterruptMutexMasterTask(d: Demo): Promise<void> {
  for (;;) {
    await prvTakeAndGiveInTheSameOrder(d);
    d.ulMasterLoops++;
    await d.rtos.vTaskDelay(intsemINTERRUPT_MUTEX_GIVE_PERIOD_MS);
    await prvTakeAndGiveInTheOppositeOrder(d);
    d.ulMasterLoops++;
    await d.rtos.vTaskDelay(intsemINTERRUPT_MUTEX_GIVE_PERIOD_MS);
  }
}

async function vInterruptMutexSlaveTask(d: Demo): Promise<void> {
  const { rtos } = d;
  const flag = flagger(d, "IntMuS");
  for (;;) {
    await rtos.vTaskSuspend(null);
    if ((await rtos.xSemaphoreTake(d.xMasterSlaveMutex, portMAX_DELAY)) !== pdPASS) flag("take shared mutex");
    if ((await rtos.xSemaphoreGive(d.xMasterSlaveMutex)) !== pdPASS) flag("give shared mutex");
  }
}

async function vInterruptCountingSemaphoreTask(d: Demo): Promise<void> {
  const { rtos } = d;
  const flag = flagger(d, "IntCnt");
  const xDelay = rtos.pdMS_TO_TICKS(intsemINTERRUPT_MUTEX_GIVE_PERIOD_MS) * (intsemMAX_COUNT + 1);
  for (;;) {
    if (rtos.uxQueueMessagesWaiting(d.xISRCountingSemaphore) !== 0) flag(`count ${rtos.uxQueueMessagesWaiting(d.xISRCountingSemaphore)} at start, expected 0`);

    d.xOkToGiveCountingSemaphore = pdTRUE;
    await rtos.vTaskDelay(xDelay);
    d.xOkToGiveCountingSemaphore = pdFALSE;

    if (rtos.uxQueueMessagesWaiting(d.xISRCountingSemaphore) !== intsemMAX_COUNT) flag(`count ${rtos.uxQueueMessagesWaiting(d.xISRCountingSemaphore)} after ${xDelay} ticks, expected ${intsemMAX_COUNT}`);
    if (rtos.uxQueueSpacesAvailable(d.xISRCountingSemaphore) !== 0) flag(`spaces ${rtos.uxQueueSpacesAvailable(d.xISRCountingSemaphore)}, expected 0`);

    d.ulCountingSemaphoreLoops++;
    d.countingTaskLoops++;

    let xCount = 0;
    while ((await rtos.xSemaphoreTake(d.xISRCountingSemaphore, 0)) === pdPASS) xCount++;
    if (xCount !== intsemMAX_COUNT) flag(`took ${xCount} times, expected ${intsemMAX_COUNT}`);

    // Raised so that it runs as soon as the interrupt gives.
    await rtos.vTaskPrioritySet(null, configMAX_PRIORITIES - 1);
    d.xOkToGiveCountingSemaphore = pdTRUE;
    await rtos.xSemaphoreTake(d.xISRCountingSemaphore, portMAX_DELAY);
    await rtos.xSemaphoreTake(d.xISRCountingSemaphore, portMAX_DELAY);
    d.xOkToGiveCountingSemaphore = pdFALSE;
    await rtos.vTaskPrioritySet(null, tskIDLE_PRIORITY);

    d.ulCountingSemaphoreLoops++;
    d.countingTaskLoops++;
  }
}

// ───────────────────────── ISR half ─────────────────────────

/** vInterruptSemaphorePeriodicTest: ISR context. Returns xHigherPriorityTaskWoken. */
function vInterruptSemaphorePeriodicTest(d: Demo): number {
  const { rtos } = d;
  const xHigherPriorityTaskWoken = { value: pdFALSE };
  const xTimeNow = rtos.xTaskGetTickCountFromISR();
  if (((xTimeNow - d.xLastGiveTime) >>> 0) >= rtos.pdMS_TO_TICKS(intsemINTERRUPT_MUTEX_GIVE_PERIOD_MS)) {
    if (d.xOkToGiveMutex !== pdFALSE) {
      // NULL woken on this give, non-NULL on the others (code coverage, as in the original).
      if (rtos.xSemaphoreGiveFromISR(d.xISRMutex, null) === pdPASS) d.isrMutexGives++;
      const second = rtos.xSemaphoreGiveFromISR(d.xISRMutex, xHigherPriorityTaskWoken);
      if (second !== pdFAIL) d.errors.push(`ISR @tick ${xTimeNow}: configASSERT(second xSemaphoreGiveFromISR(xISRMutex) == pdFAIL), got ${second}`);
    }
    if (d.xOkToGiveCountingSemaphore !== pdFALSE) rtos.xSemaphoreGiveFromISR(d.xISRCountingSemaphore, xHigherPriorityTaskWoken);
    d.xLastGiveTime = xTimeNow;
  }
  return xHigherPriorityTaskWoken.value;
}

// ───────────────────────── set-up and check ─────────────────────────

type IsrSource = "tick hook" | "periodic interrupt";

async function runDemo(source: IsrSource): Promise<void> {
  const d = {
    errors: [],
    ulMasterLoops: 0,
    ulCountingSemaphoreLoops: 0,
    countingTaskLoops: 0,
    isrMutexGives: 0,
    xSlaveHandle: null,
    xOkToGiveMutex: pdFALSE,
    xOkToGiveCountingSemaphore: pdFALSE,
    xLastGiveTime: 0,
  } as unknown as Demo;
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE: 128,
    configUSE_MUTEXES: 1,
    configUSE_COUNTING_SEMAPHORES: 1,
    vApplicationTickHook: source === "tick hook" ? () => void vInterruptSemaphorePeriodicTest(d) : null,
  });
  d.rtos = rtos;
  d.xInterruptGivePeriod = rtos.pdMS_TO_TICKS(intsemINTERRUPT_MUTEX_GIVE_PERIOD_MS);

  // vStartInterruptSemaphoreTasks
  const isrMutex = rtos.xSemaphoreCreateMutex();
  const countingSem = rtos.xSemaphoreCreateCounting(intsemMAX_COUNT, 0);
  const sharedMutex = rtos.xSemaphoreCreateMutex();
  assert.ok(isrMutex, "configASSERT(xISRMutex)");
  assert.ok(countingSem, "configASSERT(xISRCountingSemaphore)");
  assert.ok(sharedMutex, "configASSERT(xMasterSlaveMutex)");
  d.xISRMutex = isrMutex;
  d.xISRCountingSemaphore = countingSem;
  d.xMasterSlaveMutex = sharedMutex;
  const slaveRef = { value: null as TaskHandle | null };
  assert.equal(await rtos.xTaskCreate(async () => vInterruptMutexSlaveTask(d), "IntMuS", 128, null, intsemSLAVE_PRIORITY, slaveRef), pdPASS);
  d.xSlaveHandle = slaveRef.value;
  assert.equal(await rtos.xTaskCreate(async () => vInterruptMutexMasterTask(d), "IntMuM", 128, null, intsemMASTER_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(async () => vInterruptCountingSemaphoreTask(d), "IntCnt", 128, null, tskIDLE_PRIORITY), pdPASS);

  const IRQ = 3;
  let isrRuns = 0;
  if (source === "periodic interrupt") {
    rtos.registerInterrupt(
      IRQ,
      5,
      () => {
        isrRuns++;
        const woken = vInterruptSemaphorePeriodicTest(d);
        rtos.triggerInterrupt(IRQ, rtos.now() + 1);
        rtos.portYIELD_FROM_ISR(woken);
      },
      "IntSemTimer",
    );
  }
  rtos.vTaskStartScheduler();
  if (source === "periodic interrupt") rtos.triggerInterrupt(IRQ, 0.5);

  // xAreInterruptSemaphoreTasksStillRunning, called by the check task every checkPeriod.
  const checkPeriod = 1000;
  let ulLastMasterLoopCounter = 0;
  let ulLastCountingSemaphoreLoops = 0;
  let lastCountingTaskLoops = 0;
  let lastIsrMutexGives = 0;
  for (let check = 1; check <= 6; check++) {
    await rtos.run(checkPeriod);
    const problems: string[] = [];
    if (ulLastMasterLoopCounter === d.ulMasterLoops) problems.push(`ulMasterLoops stalled at ${d.ulMasterLoops}`);
    ulLastMasterLoopCounter = d.ulMasterLoops;
    if (ulLastCountingSemaphoreLoops === d.ulCountingSemaphoreLoops) problems.push(`ulCountingSemaphoreLoops stalled at ${d.ulCountingSemaphoreLoops}`);
    ulLastCountingSemaphoreLoops = d.ulCountingSemaphoreLoops++; // sic, as in the original
    assert.deepEqual([...problems, ...d.errors], [], `check ${check} (${source}): xErrorDetected`);
    assert.ok(d.countingTaskLoops > lastCountingTaskLoops, `check ${check}: the counting-semaphore task stalled at ${d.countingTaskLoops} loops`);
    lastCountingTaskLoops = d.countingTaskLoops;
    assert.ok(d.isrMutexGives > lastIsrMutexGives, `check ${check}: the interrupt gave xISRMutex ${d.isrMutexGives} times in total (no new give since the last check; after xQueueReset the mutex must be empty, so the master can only get it from the ISR)`);
    lastIsrMutexGives = d.isrMutexGives;
  }
  if (source === "periodic interrupt") {
    assert.ok(isrRuns >= 6 * checkPeriod - 1, `periodic interrupt ran ${isrRuns} times`);
    const stats = rtos.interruptStats().find((s) => s.irq === IRQ);
    assert.ok(stats, "interruptStats has the IRQ");
    assert.equal(stats.overruns, 0, "no overruns");
  }
}

test("IntSemTest.c: mutex and counting semaphore given from the tick hook (as in the original)", { timeout: 30_000 }, async () => {
  await runDemo("tick hook");
});

test("IntSemTest.c: mutex and counting semaphore given from a periodic interrupt (priority 5, every tick)", { timeout: 30_000 }, async () => {
  await runDemo("periodic interrupt");
});

