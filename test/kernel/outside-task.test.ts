/**
 * Calls made outside any task (set-up code, before the scheduler starts or between runs): one
 * that completes without waiting works as in a task; one that would have to wait throws
 * KernelAssertError naming the call, because only a task can block.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  KernelAssertError,
  errQUEUE_EMPTY,
  errQUEUE_FULL,
  pdFAIL,
  pdPASS,
  portMAX_DELAY,
  type FreeRTOS,
} from "../../src/freertos/index.js";

const T = { timeout: 10_000 };

function assertCannotBlock(fn: () => unknown, call: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KernelAssertError, `${call}: expected KernelAssertError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${call} called from set-up code (outside any task)`), `${call}: ${e.message}`);
    assert.match(e.message, /only a task can block/, call);
    return true;
  });
}

/** Every blocking call that would have to wait, made from set-up code. */
async function checkWouldBlock(rtos: FreeRTOS, phase: string): Promise<void> {
  const q = rtos.xQueueCreate(1, 0)!;
  const r = { value: 0 as unknown };
  assertCannotBlock(() => rtos.xQueueReceive(q, r, portMAX_DELAY), "xQueueReceive");
  assertCannotBlock(() => rtos.xQueuePeek(q, r, 5), "xQueuePeek");
  assert.equal(await rtos.xQueueSend(q, 1, portMAX_DELAY), pdPASS, `${phase}: a send with space completes`);
  assertCannotBlock(() => rtos.xQueueSend(q, 2, 10), "xQueueSend");
  assertCannotBlock(() => rtos.xQueueSendToFront(q, 2, 10), "xQueueSendToFront");
  assert.equal(await rtos.xQueueSend(q, 2, 0), errQUEUE_FULL, `${phase}: a zero wait fails at once`);
  assert.equal(await rtos.xQueueReceive(q, r, portMAX_DELAY), pdPASS);
  assert.equal(r.value, 1);
  assert.equal(await rtos.xQueueReceive(q, r, 0), errQUEUE_EMPTY);

  const set = rtos.xQueueCreateSet(1)!;
  const member = rtos.xQueueCreate(1, 0)!;
  assert.equal(rtos.xQueueAddToSet(member, set), pdPASS);
  assertCannotBlock(() => rtos.xQueueSelectFromSet(set, 3), "xQueueSelectFromSet");

  const sem = rtos.xSemaphoreCreateBinary()!;
  assertCannotBlock(() => rtos.xSemaphoreTake(sem, 1), "xSemaphoreTake");
  assert.equal(await rtos.xSemaphoreGive(sem), pdPASS, `${phase}: giving completes`);
  assert.equal(await rtos.xSemaphoreTake(sem, portMAX_DELAY), pdPASS, `${phase}: an available token is taken`);
  assert.equal(await rtos.xSemaphoreTake(sem, 0), pdFAIL);

  const mutex = rtos.xSemaphoreCreateMutex()!;
  assert.equal(await rtos.xSemaphoreTake(mutex, portMAX_DELAY), pdPASS);
  assertCannotBlock(() => rtos.xSemaphoreTake(mutex, portMAX_DELAY), "xSemaphoreTake");

  const eg = rtos.xEventGroupCreate()!;
  assertCannotBlock(() => rtos.xEventGroupWaitBits(eg, 0x1, 1, 0, 10), "xEventGroupWaitBits");
  assertCannotBlock(() => rtos.xEventGroupSync(eg, 0x1, 0x3, 10), "xEventGroupSync");
  assert.equal(rtos.xEventGroupGetBits(eg), 0, `${phase}: a sync that cannot wait sets no bit`);
  assert.equal(await rtos.xEventGroupSetBits(eg, 0x1), 0x1);
  assert.equal(await rtos.xEventGroupWaitBits(eg, 0x1, 1, 0, portMAX_DELAY), 0x1, `${phase}: a satisfied wait completes`);
  assert.equal(await rtos.xEventGroupSync(eg, 0x3, 0x3, portMAX_DELAY), 0x3, `${phase}: a satisfied sync completes`);

  const sb = rtos.xStreamBufferCreate(8, 1)!;
  assertCannotBlock(() => rtos.xStreamBufferReceive(sb, new Uint8Array(4), 10), "xStreamBufferReceive");
  assert.equal(await rtos.xStreamBufferSend(sb, new Uint8Array(7), portMAX_DELAY), 7, `${phase}: a send with room completes`);
  assertCannotBlock(() => rtos.xStreamBufferSend(sb, new Uint8Array(2), 10), "xStreamBufferSend");
  assert.equal(await rtos.xStreamBufferReceive(sb, new Uint8Array(8), portMAX_DELAY), 7, `${phase}: bytes present are received`);
  const mb = rtos.xMessageBufferCreate(16)!;
  assertCannotBlock(() => rtos.xMessageBufferReceive(mb, new Uint8Array(4), 10), "xMessageBufferReceive");

  assertCannotBlock(() => rtos.vTaskDelay(10), "vTaskDelay");
  assert.equal(await rtos.vTaskDelay(0), 0, `${phase}: vTaskDelay(0) has nothing to yield to`);
  assert.equal(await rtos.taskYIELD(), 0);
  const prev = { value: rtos.xTaskGetTickCount() };
  assertCannotBlock(() => rtos.xTaskDelayUntil(prev, 10), "xTaskDelayUntil");
  assert.equal(prev.value, rtos.xTaskGetTickCount(), `${phase}: pxPreviousWakeTime unchanged by the refused call`);

  // Notifications are the calling task's own: outside a task there is none to wait for.
  assert.throws(() => rtos.ulTaskNotifyTake(1, 10), /ulTaskNotifyTake called from set-up code \(outside any task\): only a task/);
  assert.throws(() => rtos.xTaskNotifyWait(0, 0, null, 10), /xTaskNotifyWait called from set-up code \(outside any task\): only a task/);

  assert.equal(await rtos.xTaskCreate(async () => {}, `T-${phase}`, 128, null, 1), pdPASS, `${phase}: creating a task completes`);
}

test("before vTaskStartScheduler: calls that need no wait complete, calls that would wait throw KernelAssertError", T, async () => {
  const rtos = createFreeRTOS({});
  await checkWouldBlock(rtos, "before start");
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(5), "target", "the kernel is unharmed");
});

test("between runs: the same; and timer commands wait only once the scheduler runs", T, async () => {
  const rtos = createFreeRTOS({ configTIMER_QUEUE_LENGTH: 2 });
  const timer = rtos.xTimerCreate("t", 10, 0, null, () => {})!;
  // Before the start a timer command never waits (FreeRTOS sends it with no delay): a full
  // command queue fails the command.
  assert.equal(await rtos.xTimerStart(timer, portMAX_DELAY), pdPASS);
  assert.equal(await rtos.xTimerStop(timer, portMAX_DELAY), pdPASS);
  assert.equal(await rtos.xTimerStart(timer, portMAX_DELAY), pdFAIL, "queue full before the start: fails, never waits");
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(1), "target");
  await checkWouldBlock(rtos, "between runs");
  // Between runs the timer task drains its queue only in a run: the third command would wait.
  assert.equal(await rtos.xTimerStart(timer, 10), pdPASS);
  assert.equal(await rtos.xTimerReset(timer, 10), pdPASS);
  assertCannotBlock(() => rtos.xTimerStop(timer, 10), "xTimerStop");
  assert.equal(await rtos.xTimerStop(timer, 0), pdFAIL, "a zero wait fails at once");
  assert.equal(await rtos.run(5), "target");
});

test("a call from a task still blocks (the check is about the caller, not the call)", T, async () => {
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate(1, 0)!;
  let got = 0;
  await rtos.xTaskCreate(async () => {
    const r = { value: 0 };
    assert.equal(await rtos.xQueueReceive(q, r, portMAX_DELAY), pdPASS);
    got = r.value;
  }, "rx", 128, null, 2);
  rtos.vTaskStartScheduler();
  assert.equal(await rtos.run(3), "target");
  assert.equal(await rtos.xQueueSend(q, 42, 0), pdPASS, "sending from set-up code to a waiting task");
  assert.equal(await rtos.run(1), "target");
  assert.equal(got, 42);
});
