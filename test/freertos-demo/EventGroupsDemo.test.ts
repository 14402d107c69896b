/*
 * Port of FreeRTOS/Demo/Common/Minimal/EventGroupsDemo.c (FreeRTOS/FreeRTOS, main branch,
 * V202212.00 header) to tinyrtos.
 *
 * Nothing of the original is left out. Its ISR half, vPeriodicEventGroupsProcessing() ("called
 * periodically from the tick hook"), runs from vApplicationTickHook (ISR context, every tick), as
 * in the original demos. The main-branch prvSyncTask makes two xEventGroupSync calls per first
 * rendezvous (ebDONT_BLOCK, then portMAX_DELAY); older releases had a third, ebONE_TICK call in
 * between. That is the version ported.
 *
 * Structure kept: tasks "WaitO" (test slave, priority 1), "SetB" (test master, priority 0) and two
 * "Rndv" sync tasks (priority 1, sync bits ebBIT_2 / ebBIT_3), created in that order; the master
 * creates xEventGroup, runs prvSelectiveBitsTestMasterFunction once, then loops:
 * recreate xEventGroup, prvBitCombinationTestMasterFunction, prvPerformTaskSyncTests,
 * vEventGroupDelete, state checks. xISREventGroup is created at start-up.
 * The only addition: the C master loop consumes CPU time; here every master cycle ends with
 * `await rtos.busy(0.5)` (virtual time only passes in busy()/idle, so a never-blocking
 * priority-0 loop would otherwise stall the simulation).
 *
 * Check mapping:
 *  - every `xError = pdTRUE` of the master functions and of prvTestSlaveTask calls
 *    `flag(who, what)`, which latches that task's error flag and records the message; the tests
 *    assert after each rtos.run() that nothing was recorded. As in C, a latched flag also stops
 *    that task's cycle counter.
 *  - `configASSERT(xError == pdFALSE)` at the end of the master/slave loops and every
 *    configASSERT of prvSyncTask are `assert` calls inside the task (a throw rejects rtos.run()).
 *  - vPeriodicEventGroupsProcessing: xISRTestError (bits not 0 before the set, set/clear message
 *    not posted, bits != 0x12 100 ticks after the set) is recorded and asserted after each run;
 *    its configASSERT(xISREventGroup) is an assert in the hook.
 *  - xAreEventGroupTasksStillRunning: ulTestMasterCycles, ulTestSlaveCycles and ulISRCycles must
 *    each have advanced since the previous call; called after each of several rtos.run() slices,
 *    as the demo's check task does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  pdTRUE,
  pdFALSE,
  pdPASS,
  portMAX_DELAY,
  tskIDLE_PRIORITY,
  eReady,
  eBlocked,
  eSuspended,
} from "../../src/freertos/index.js";
import type { FreeRTOS, TaskHandle } from "../../src/freertos/index.js";

type EventGroupHandle = NonNullable<ReturnType<FreeRTOS["xEventGroupCreate"]>>;

const configMAX_PRIORITIES = 8;

const ebSET_BIT_TASK_PRIORITY = tskIDLE_PRIORITY;
const ebWAIT_BIT_TASK_PRIORITY = tskIDLE_PRIORITY + 1;

const ebBIT_0 = 0x01;
const ebBIT_1 = 0x02;
const ebBIT_2 = 0x04;
const ebBIT_3 = 0x08;
const ebBIT_5 = 0x20;
const ebBIT_7 = 0x80;
const ebCOMBINED_BITS = ebBIT_1 | ebBIT_5 | ebBIT_7;
const ebALL_BITS = 0xff;

const ebSET_BIT_TASK_SYNC_BIT = ebBIT_0;
const ebWAIT_BIT_TASK_SYNC_BIT = ebBIT_1;
const ebRENDEZVOUS_TASK_1_SYNC_BIT = ebBIT_2;
const ebRENDEZVOUS_TASK_2_SYNC_BIT = ebBIT_3;
const ebALL_SYNC_BITS = ebSET_BIT_TASK_SYNC_BIT | ebWAIT_BIT_TASK_SYNC_BIT | ebRENDEZVOUS_TASK_1_SYNC_BIT | ebRENDEZVOUS_TASK_2_SYNC_BIT;

const ebDONT_BLOCK = 0;
const ebSELECTIVE_BITS_1 = 0x03;
const ebSELECTIVE_BITS_2 = 0x05;

const stateName = (s: number): string => ["eRunning", "eReady", "eBlocked", "eSuspended", "eDeleted"][s] ?? `state ${s}`;

/** The demo's statics, one set per kernel. */
interface Demo {
  rtos: FreeRTOS;
  ulTestMasterCycles: number;
  ulTestSlaveCycles: number;
  ulISRCycles: number;
  xEventGroup: EventGroupHandle | null;
  xISREventGroup: EventGroupHandle | null;
  xSyncTask1: TaskHandle | null;
  xSyncTask2: TaskHandle | null;
  xTestSlaveTaskHandle: TaskHandle | null;
  /** Every xError = pdTRUE of the tasks, with where and what. */
  errors: string[];
  /** vPeriodicEventGroupsProcessing's statics. */
  isr: { xCallCount: number; xISRTestError: boolean; errors: string[] };
}

function eg(d: Demo): EventGroupHandle {
  assert.ok(d.xEventGroup, "xEventGroup exists");
  return d.xEventGroup;
}

/** A task's latched xError: sets it and records what failed. */
class ErrorFlag {
  xError = false;
  constructor(
    private readonly d: Demo,
    private readonly who: string,
  ) {}
  flag(what: string): void {
    this.xError = true;
    this.d.errors.push(`${this.who} @tick ${this.d.rtos.xTaskGetTickCount()}: ${what}`);
  }
  expectState(h: TaskHandle | null, expected: number, what: string): void {
    assert.ok(h);
    const s = this.d.rtos.eTaskGetState(h);
    if (s !== expected) this.flag(`${what}: state ${stateName(s)}, expected ${stateName(expected)}`);
  }
  expectEq(actual: number, expected: number, what: string): void {
    if (actual !== expected) this.flag(`${what}: 0x${actual.toString(16)}, expected 0x${expected.toString(16)}`);
  }
}

// ───────────────────────── master task ─────────────────────────

async function prvTestMasterTask(d: Demo): Promise<void> {
  const { rtos } = d;
  const xTestSlaveTaskHandle = d.xTestSlaveTaskHandle;
  d.xEventGroup = rtos.xEventGroupCreate();
  assert.ok(d.xEventGroup, "master: xEventGroupCreate");

  const err = new ErrorFlag(d, "SetB");
  await prvSelectiveBitsTestMasterFunction(d, err);

  for (;;) {
    d.xEventGroup = rtos.xEventGroupCreate();
    assert.ok(d.xEventGroup, "master: xEventGroupCreate (loop)");

    await prvBitCombinationTestMasterFunction(d, err, xTestSlaveTaskHandle);
    await prvPerformTaskSyncTests(d, err, xTestSlaveTaskHandle);

    await rtos.vEventGroupDelete(d.xEventGroup);

    // All the other tasks should have completed and suspended themselves.
    err.expectState(xTestSlaveTaskHandle, eSuspended, "after delete: slave");
    err.expectState(d.xSyncTask1, eSuspended, "after delete: sync task 1");
    err.expectState(d.xSyncTask2, eSuspended, "after delete: sync task 2");

    if (!err.xError) d.ulTestMasterCycles++;
    assert.equal(err.xError, false, `master: configASSERT(xError == pdFALSE): ${d.errors.join("; ")}`);

    // The C loop spends CPU time; see the header.
    await rtos.busy(0.5);
  }
}

async function prvSelectiveBitsTestMasterFunction(d: Demo, err: ErrorFlag): Promise<void> {
  const { rtos } = d;
  err.expectState(d.xSyncTask1, eSuspended, "selective: sync task 1 at start");
  err.expectState(d.xSyncTask2, eSuspended, "selective: sync task 2 at start");

  for (let uxBit = 0x01; uxBit < 0x100; uxBit <<= 1) {
    await rtos.vTaskResume(d.xSyncTask1!);
    await rtos.vTaskResume(d.xSyncTask2!);

    err.expectState(d.xSyncTask1, eBlocked, `selective bit 0x${uxBit.toString(16)}: sync task 1 after resume`);
    err.expectState(d.xSyncTask2, eBlocked, `selective bit 0x${uxBit.toString(16)}: sync task 2 after resume`);

    await rtos.xEventGroupSetBits(eg(d), uxBit);

    if ((uxBit & ebSELECTIVE_BITS_1) === 0) err.expectState(d.xSyncTask1, eBlocked, `selective bit 0x${uxBit.toString(16)}: sync task 1 must stay blocked`);
    else err.expectState(d.xSyncTask1, eSuspended, `selective bit 0x${uxBit.toString(16)}: sync task 1 must have unblocked and suspended`);

    if ((uxBit & ebSELECTIVE_BITS_2) === 0) err.expectState(d.xSyncTask2, eBlocked, `selective bit 0x${uxBit.toString(16)}: sync task 2 must stay blocked`);
    else err.expectState(d.xSyncTask2, eSuspended, `selective bit 0x${uxBit.toString(16)}: sync task 2 must have unblocked and suspended`);
  }

  // Both tasks block on the group again; deleting it makes them leave the selective-bits part.
  await rtos.vTaskResume(d.xSyncTask1!);
  await rtos.vTaskResume(d.xSyncTask2!);
  await rtos.vEventGroupDelete(eg(d));
}

async function prvBitCombinationTestMasterFunction(d: Demo, err: ErrorFlag, xTestSlaveTaskHandle: TaskHandle | null): Promise<void> {
  const { rtos } = d;
  assert.ok(xTestSlaveTaskHandle);
  let uxBits: number;

  // The slave blocks on ebBIT_1 alone.
  await rtos.vTaskResume(xTestSlaveTaskHandle);
  err.expectState(xTestSlaveTaskHandle, eBlocked, "combination: slave after first resume");

  await rtos.xEventGroupSetBits(eg(d), ebCOMBINED_BITS);

  // The slave ran, cleared ebBIT_1 on exit and blocked again for all of ebCOMBINED_BITS.
  uxBits = await rtos.xEventGroupWaitBits(eg(d), ebALL_BITS, pdFALSE, pdFALSE, ebDONT_BLOCK);
  err.expectEq(uxBits, ebCOMBINED_BITS & ~ebBIT_1, "combination: bits after the slave cleared ebBIT_1");
  err.expectState(xTestSlaveTaskHandle, eBlocked, "combination: slave waiting for all ebCOMBINED_BITS");

  await rtos.xEventGroupSetBits(eg(d), ebALL_BITS & ~ebBIT_1);
  uxBits = await rtos.xEventGroupWaitBits(eg(d), ebALL_BITS, pdFALSE, pdFALSE, ebDONT_BLOCK);
  err.expectEq(uxBits, ebALL_BITS & ~ebBIT_1, "combination: all bits but ebBIT_1");
  err.expectState(xTestSlaveTaskHandle, eBlocked, "combination: slave still blocked without ebBIT_1");

  // ebBIT_1 completes the slave's condition; it then suspends itself.
  await rtos.xEventGroupSetBits(eg(d), ebBIT_1);
  err.expectState(xTestSlaveTaskHandle, eSuspended, "combination: slave suspended after ebBIT_1");

  // The slave did not clear on exit, so all bits are still set.
  err.expectEq(await rtos.xEventGroupSetBits(eg(d), 0x00), ebALL_BITS, "combination: xEventGroupSetBits(0) return");
  err.expectEq(rtos.xEventGroupClearBits(eg(d), ebBIT_1), ebALL_BITS, "combination: xEventGroupClearBits(ebBIT_1) return");

  // The slave now waits for all of ebCOMBINED_BITS, clearing them on exit.
  await rtos.vTaskResume(xTestSlaveTaskHandle);
  err.expectState(xTestSlaveTaskHandle, eBlocked, "combination: slave after second resume");

  await rtos.xEventGroupSetBits(eg(d), ebBIT_1);
  err.expectState(xTestSlaveTaskHandle, eSuspended, "combination: slave suspended after clear-on-exit wait");

  uxBits = await rtos.xEventGroupWaitBits(eg(d), ebALL_BITS, pdFALSE, pdFALSE, ebDONT_BLOCK);
  err.expectEq(uxBits, ebALL_BITS & ~ebCOMBINED_BITS, "combination: the slave cleared ebCOMBINED_BITS");

  err.expectEq(rtos.xEventGroupClearBits(eg(d), ebALL_BITS), ebALL_BITS & ~ebCOMBINED_BITS, "combination: xEventGroupClearBits(all) return");
  err.expectEq(rtos.xEventGroupGetBits(eg(d)), 0x00, "combination: bits after clearing all");
}

async function prvPerformTaskSyncTests(d: Demo, err: ErrorFlag, xTestSlaveTaskHandle: TaskHandle | null): Promise<void> {
  const { rtos } = d;
  assert.ok(xTestSlaveTaskHandle);
  let uxBits: number;

  err.expectState(xTestSlaveTaskHandle, eSuspended, "sync: slave at start");
  err.expectState(d.xSyncTask1, eSuspended, "sync: sync task 1 at start");
  err.expectState(d.xSyncTask2, eSuspended, "sync: sync task 2 at start");

  // A sync with no other task: set every sync bit but this task's, then sync on this task's bit.
  await rtos.xEventGroupSetBits(eg(d), ebALL_SYNC_BITS & ~ebSET_BIT_TASK_SYNC_BIT);
  uxBits = await rtos.xEventGroupSync(eg(d), ebSET_BIT_TASK_SYNC_BIT, ebSET_BIT_TASK_SYNC_BIT, portMAX_DELAY);
  if ((uxBits & ebSET_BIT_TASK_SYNC_BIT) !== ebSET_BIT_TASK_SYNC_BIT) err.flag(`sync alone: returned 0x${uxBits.toString(16)} without the own bit`);
  err.expectEq(rtos.xEventGroupGetBits(eg(d)), ebALL_SYNC_BITS & ~ebSET_BIT_TASK_SYNC_BIT, "sync alone: only the own bit cleared");

  rtos.xEventGroupClearBits(eg(d), ebALL_SYNC_BITS & ~ebSET_BIT_TASK_SYNC_BIT);
  err.expectEq(rtos.xEventGroupGetBits(eg(d)), 0, "sync alone: bits cleared");

  // The others run (higher priority) up to the sync point.
  await rtos.vTaskResume(xTestSlaveTaskHandle);
  await rtos.vTaskResume(d.xSyncTask1!);
  await rtos.vTaskResume(d.xSyncTask2!);
  err.expectState(xTestSlaveTaskHandle, eBlocked, "sync 1: slave at the sync point");
  err.expectState(d.xSyncTask1, eBlocked, "sync 1: sync task 1 at the sync point");
  err.expectState(d.xSyncTask2, eBlocked, "sync 1: sync task 2 at the sync point");

  // This (lowest priority) task sets the last bit.
  uxBits = await rtos.xEventGroupSync(eg(d), ebSET_BIT_TASK_SYNC_BIT, ebALL_SYNC_BITS, portMAX_DELAY);
  if ((uxBits & ebALL_SYNC_BITS) !== ebALL_SYNC_BITS) err.flag(`sync 1: returned 0x${uxBits.toString(16)}`);
  err.expectEq(rtos.xEventGroupGetBits(eg(d)), 0, "sync 1: sync bits cleared");

  err.expectState(xTestSlaveTaskHandle, eSuspended, "sync 1: slave suspended again");
  err.expectState(d.xSyncTask1, eSuspended, "sync 1: sync task 1 suspended again");
  err.expectState(d.xSyncTask2, eSuspended, "sync 1: sync task 2 suspended again");

  // Again, but this time the last bit is set by the highest-priority task.
  await rtos.vTaskResume(xTestSlaveTaskHandle);
  await rtos.vTaskResume(d.xSyncTask1!);
  await rtos.vTaskResume(d.xSyncTask2!);
  err.expectState(xTestSlaveTaskHandle, eBlocked, "sync 2: slave at the sync point");
  err.expectState(d.xSyncTask1, eBlocked, "sync 2: sync task 1 at the sync point");
  err.expectState(d.xSyncTask2, eBlocked, "sync 2: sync task 2 at the sync point");

  await rtos.vTaskPrioritySet(null, ebWAIT_BIT_TASK_PRIORITY + 1);

  uxBits = await rtos.xEventGroupSync(eg(d), ebSET_BIT_TASK_SYNC_BIT, ebALL_SYNC_BITS, portMAX_DELAY);
  if ((uxBits & ebALL_SYNC_BITS) !== ebALL_SYNC_BITS) err.flag(`sync 2: returned 0x${uxBits.toString(16)}`);
  err.expectEq(rtos.xEventGroupGetBits(eg(d)), 0, "sync 2: sync bits cleared");

  // The others are Ready but have not run: this task still has the highest priority.
  err.expectState(xTestSlaveTaskHandle, eReady, "sync 2: slave ready, not run");
  err.expectState(d.xSyncTask1, eReady, "sync 2: sync task 1 ready, not run");
  err.expectState(d.xSyncTask2, eReady, "sync 2: sync task 2 ready, not run");

  await rtos.vTaskPrioritySet(null, ebSET_BIT_TASK_PRIORITY);

  // They have run and blocked on the group again (to be released by its deletion).
  err.expectState(xTestSlaveTaskHandle, eBlocked, "sync 2: slave blocked for the delete test");
  err.expectState(d.xSyncTask1, eBlocked, "sync 2: sync task 1 blocked for the delete test");
  err.expectState(d.xSyncTask2, eBlocked, "sync 2: sync task 2 blocked for the delete test");
}

// ───────────────────────── slave and sync tasks ─────────────────────────

async function prvTestSlaveTask(d: Demo): Promise<void> {
  const { rtos } = d;
  const err = new ErrorFlag(d, "WaitO");
  let uxReturned: number;
  for (;;) {
    // Part 1: counterpart of prvBitCombinationTestMasterFunction.
    await rtos.vTaskSuspend(null);

    uxReturned = await rtos.xEventGroupWaitBits(eg(d), ebBIT_1, pdTRUE, pdTRUE, portMAX_DELAY);
    // Returns the bits when unblocked (all of ebCOMBINED_BITS); ebBIT_1 is cleared afterwards.
    err.expectEq(uxReturned, ebCOMBINED_BITS, "slave: wait for ebBIT_1 (clear on exit) returned");

    uxReturned = await rtos.xEventGroupWaitBits(eg(d), ebCOMBINED_BITS, pdFALSE, pdTRUE, portMAX_DELAY);
    if ((uxReturned & ebCOMBINED_BITS) !== ebCOMBINED_BITS) err.flag(`slave: wait for all ebCOMBINED_BITS returned 0x${uxReturned.toString(16)}`);

    await rtos.vTaskSuspend(null);

    uxReturned = await rtos.xEventGroupWaitBits(eg(d), ebCOMBINED_BITS, pdTRUE, pdTRUE, portMAX_DELAY);
    err.expectEq(uxReturned, ebALL_BITS, "slave: wait for all ebCOMBINED_BITS (clear on exit) returned");

    // Part 2: counterpart of prvPerformTaskSyncTests.
    await rtos.vTaskSuspend(null);

    uxReturned = await rtos.xEventGroupSync(eg(d), ebWAIT_BIT_TASK_SYNC_BIT, ebALL_SYNC_BITS, portMAX_DELAY);
    if ((uxReturned & ebALL_SYNC_BITS) !== ebALL_SYNC_BITS) err.flag(`slave: sync 1 returned 0x${uxReturned.toString(16)}`);
    err.expectEq(await rtos.xEventGroupSetBits(eg(d), 0x00), 0, "slave: sync 1 bits cleared (xEventGroupSetBits(0))");
    err.expectEq(rtos.xEventGroupGetBits(eg(d)), 0, "slave: sync 1 bits cleared (xEventGroupGetBits)");

    if (!err.xError) d.ulTestSlaveCycles++;

    await rtos.vTaskSuspend(null);

    uxReturned = await rtos.xEventGroupSync(eg(d), ebWAIT_BIT_TASK_SYNC_BIT, ebALL_SYNC_BITS, portMAX_DELAY);
    if ((uxReturned & ebALL_SYNC_BITS) !== ebALL_SYNC_BITS) err.flag(`slave: sync 2 returned 0x${uxReturned.toString(16)}`);
    err.expectEq(await rtos.xEventGroupSetBits(eg(d), 0x00), 0, "slave: sync 2 bits cleared");

    // Released by the deletion of the group: returns 0.
    uxReturned = await rtos.xEventGroupWaitBits(eg(d), ebALL_SYNC_BITS, pdFALSE, pdTRUE, portMAX_DELAY);
    err.expectEq(uxReturned, 0, "slave: wait released by vEventGroupDelete returned");

    if (!err.xError) d.ulTestSlaveCycles++;
    assert.equal(err.xError, false, `slave: configASSERT(xError == pdFALSE): ${d.errors.join("; ")}`);
  }
}

async function prvSelectiveBitsTestSlaveFunction(d: Demo): Promise<void> {
  const { rtos } = d;
  const uxPendBits = rtos.xTaskGetCurrentTaskHandle() === d.xSyncTask1 ? ebSELECTIVE_BITS_1 : ebSELECTIVE_BITS_2;
  for (;;) {
    await rtos.vTaskSuspend(null);
    const uxReturned = await rtos.xEventGroupWaitBits(eg(d), uxPendBits, pdTRUE, pdFALSE, portMAX_DELAY);
    if (uxReturned === 0) break; // the group was deleted
  }
}

async function prvSyncTask(d: Demo, uxSynchronisationBit: number): Promise<void> {
  const { rtos } = d;
  const who = `Rndv(0x${uxSynchronisationBit.toString(16)})`;
  await prvSelectiveBitsTestSlaveFunction(d);
  let uxReturned: number;
  for (;;) {
    await rtos.vTaskSuspend(null);

    // The master has the lowest priority here, so the rendezvous cannot be complete yet.
    uxReturned = await rtos.xEventGroupSync(eg(d), uxSynchronisationBit, ebALL_SYNC_BITS, ebDONT_BLOCK);
    assert.notEqual(uxReturned & ebALL_SYNC_BITS, ebALL_SYNC_BITS, `${who}: sync with no block time completed (0x${uxReturned.toString(16)})`);

    uxReturned = await rtos.xEventGroupSync(eg(d), uxSynchronisationBit, ebALL_SYNC_BITS, portMAX_DELAY);
    assert.equal(uxReturned & ebALL_SYNC_BITS, ebALL_SYNC_BITS, `${who}: sync 1 (portMAX_DELAY) returned 0x${uxReturned.toString(16)}`);

    await rtos.vTaskSuspend(null);

    uxReturned = await rtos.xEventGroupSync(eg(d), uxSynchronisationBit, ebALL_SYNC_BITS, portMAX_DELAY);
    assert.equal(uxReturned & ebALL_SYNC_BITS, ebALL_SYNC_BITS, `${who}: sync 2 (portMAX_DELAY) returned 0x${uxReturned.toString(16)}`);

    // Released by the deletion of the group: returns 0.
    uxReturned = await rtos.xEventGroupWaitBits(eg(d), ebALL_SYNC_BITS, pdFALSE, pdTRUE, portMAX_DELAY);
    assert.equal(uxReturned, 0, `${who}: wait released by vEventGroupDelete returned 0x${uxReturned.toString(16)}`);
  }
}

// ───────────────────────── ISR half and check ─────────────────────────

/** vPeriodicEventGroupsProcessing: runs from the tick hook (ISR context). */
function vPeriodicEventGroupsProcessing(d: Demo): void {
  const { rtos, isr } = d;
  const xSetBitCount = 100;
  const xGetBitsCount = 200;
  const xClearBitsCount = 300;
  const uxBitsToSet = 0x12;
  assert.ok(d.xISREventGroup, "configASSERT(xISREventGroup)");
  const fail = (what: string): void => {
    isr.xISRTestError = true;
    isr.errors.push(`tick hook @tick ${rtos.xTaskGetTickCountFromISR()}: ${what}`);
  };

  isr.xCallCount++;
  if (isr.xCallCount === xSetBitCount) {
    const uxReturned = rtos.xEventGroupGetBitsFromISR(d.xISREventGroup);
    if (uxReturned !== 0x00) {
      fail(`bits 0x${uxReturned.toString(16)} before the set, expected 0`);
    } else {
      // NULL pxHigherPriorityTaskWoken, as in the original (called from the tick hook).
      const xMessagePosted = rtos.xEventGroupSetBitsFromISR(d.xISREventGroup, uxBitsToSet, null);
      if (xMessagePosted !== pdPASS) fail(`xEventGroupSetBitsFromISR returned ${xMessagePosted}`);
    }
  } else if (isr.xCallCount === xGetBitsCount) {
    const uxReturned = rtos.xEventGroupGetBitsFromISR(d.xISREventGroup);
    if (uxReturned !== uxBitsToSet) fail(`bits 0x${uxReturned.toString(16)} 100 ticks after the set, expected 0x${uxBitsToSet.toString(16)}`);
  } else if (isr.xCallCount === xClearBitsCount) {
    const uxReturned = rtos.xEventGroupClearBitsFromISR(d.xISREventGroup, uxBitsToSet);
    if (uxReturned !== pdPASS) fail(`xEventGroupClearBitsFromISR returned ${uxReturned}`);
    isr.xCallCount = 0;
    if (!isr.xISRTestError) d.ulISRCycles++;
  }
}

function vStartEventGroupTasks(d: Demo): Promise<void> {
  return (async () => {
    const { rtos } = d;
    const slaveRef = { value: null as TaskHandle | null };
    assert.equal(await rtos.xTaskCreate(async () => prvTestSlaveTask(d), "WaitO", 128, null, ebWAIT_BIT_TASK_PRIORITY, slaveRef), pdPASS);
    d.xTestSlaveTaskHandle = slaveRef.value;
    assert.equal(await rtos.xTaskCreate(async () => prvTestMasterTask(d), "SetB", 128, slaveRef.value, ebSET_BIT_TASK_PRIORITY, null), pdPASS);
    const s1 = { value: null as TaskHandle | null };
    const s2 = { value: null as TaskHandle | null };
    assert.equal(await rtos.xTaskCreate(async (bit: number) => prvSyncTask(d, bit), "Rndv", 128, ebRENDEZVOUS_TASK_1_SYNC_BIT, ebWAIT_BIT_TASK_PRIORITY, s1), pdPASS);
    d.xSyncTask1 = s1.value;
    assert.equal(await rtos.xTaskCreate(async (bit: number) => prvSyncTask(d, bit), "Rndv", 128, ebRENDEZVOUS_TASK_2_SYNC_BIT, ebWAIT_BIT_TASK_PRIORITY, s2), pdPASS);
    d.xSyncTask2 = s2.value;
    assert.ok(d.xSyncTask2, "configASSERT(xSyncTask2)");
    d.xISREventGroup = rtos.xEventGroupCreate();
    assert.ok(d.xISREventGroup, "configASSERT(xISREventGroup)");
  })();
}

function newDemo(): Demo {
  const d = {
    ulTestMasterCycles: 0,
    ulTestSlaveCycles: 0,
    ulISRCycles: 0,
    xEventGroup: null,
    xISREventGroup: null,
    xSyncTask1: null,
    xSyncTask2: null,
    xTestSlaveTaskHandle: null,
    errors: [],
    isr: { xCallCount: 0, xISRTestError: false, errors: [] },
  } as unknown as Demo;
  d.rtos = createFreeRTOS({
    configMAX_PRIORITIES,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
    configTICK_RATE_HZ: 1000,
    configMINIMAL_STACK_SIZE: 128,
    vApplicationTickHook: () => vPeriodicEventGroupsProcessing(d),
  });
  return d;
}

test("EventGroupsDemo.c: selective bits, bit combinations, rendezvous, delete, and FromISR set/clear from the tick hook", { timeout: 60_000 }, async () => {
  const d = newDemo();
  const { rtos } = d;
  await vStartEventGroupTasks(d);
  rtos.vTaskStartScheduler();

  // xAreEventGroupTasksStillRunning, called by the check task after each period.
  const last = { master: 0, slave: 0, isr: 0 };
  const checkPeriod = 700; // > 300 tick-hook calls per ISR cycle
  for (let check = 1; check <= 5; check++) {
    await rtos.run(checkPeriod);
    assert.deepEqual(d.errors, [], `check ${check}: task errors`);
    assert.deepEqual(d.isr.errors, [], `check ${check}: tick-hook (ISR) errors`);
    assert.equal(d.isr.xISRTestError, false, `check ${check}: xISRTestError`);
    assert.ok(d.ulTestMasterCycles > last.master, `check ${check}: ulTestMasterCycles stalled at ${d.ulTestMasterCycles}`);
    assert.ok(d.ulTestSlaveCycles > last.slave, `check ${check}: ulTestSlaveCycles stalled at ${d.ulTestSlaveCycles}`);
    assert.ok(d.ulISRCycles > last.isr, `check ${check}: ulISRCycles stalled at ${d.ulISRCycles}`);
    last.master = d.ulTestMasterCycles;
    last.slave = d.ulTestSlaveCycles;
    last.isr = d.ulISRCycles;
  }
  // Two slave increments per master cycle (one per rendezvous part), as in the C loops.
  assert.ok(d.ulTestSlaveCycles >= 2 * d.ulTestMasterCycles, `slave cycles ${d.ulTestSlaveCycles} vs master ${d.ulTestMasterCycles}`);
  assert.equal(d.ulISRCycles, Math.floor((5 * checkPeriod) / 300), "one ISR cycle per 300 ticks");
});
