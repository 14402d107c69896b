/**
 * Static creation: every `...Static` twin creates a working object in caller-supplied buffers and
 * uses no heap; deleting it frees no heap and releases its buffers; a missing, too small or reused
 * buffer asserts naming the call. configSUPPORT_DYNAMIC_ALLOCATION 0 refuses every dynamic create
 * naming its Static twin; configSUPPORT_STATIC_ALLOCATION 0 refuses the Static calls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, KernelAssertError, pdPASS, StaticSizes, type Ref } from "../../src/freertos/index.js";

const bytes = (n: number): Uint8Array => new Uint8Array(n);

test("StaticSizes: FreeRTOS 11's StaticXxx_t on a 32-bit port with this kernel's features", () => {
  assert.deepEqual({ ...StaticSizes }, {
    StaticTask_t: 96,
    StackType_t: 4,
    StaticQueue_t: 84,
    StaticSemaphore_t: 84,
    StaticEventGroup_t: 32,
    StaticTimer_t: 44,
    StaticStreamBuffer_t: 36,
    StaticMessageBuffer_t: 36,
  });
});

test("every Static create works and uses no heap; deleting frees no heap", async () => {
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 4096 });
  const free0 = rtos.xPortGetFreeHeapSize();
  const log: string[] = [];
  const q = rtos.xQueueCreateStatic<Uint8Array>(4, 2, bytes(8), bytes(StaticSizes.StaticQueue_t));
  const byRef = rtos.xQueueCreateStatic<string>(3, 0, null, bytes(StaticSizes.StaticQueue_t));
  const bin = rtos.xSemaphoreCreateBinaryStatic(bytes(StaticSizes.StaticSemaphore_t));
  const counting = rtos.xSemaphoreCreateCountingStatic(5, 2, bytes(StaticSizes.StaticSemaphore_t));
  const mutex = rtos.xSemaphoreCreateMutexStatic(bytes(StaticSizes.StaticSemaphore_t));
  const rmutex = rtos.xSemaphoreCreateRecursiveMutexStatic(bytes(StaticSizes.StaticSemaphore_t));
  const eg = rtos.xEventGroupCreateStatic(bytes(StaticSizes.StaticEventGroup_t));
  const timer = rtos.xTimerCreateStatic("tick", 5, false, null, () => void log.push(`timer at ${rtos.xTaskGetTickCount()}`), bytes(StaticSizes.StaticTimer_t));
  const sb = rtos.xStreamBufferCreateStatic(16, 1, bytes(17), bytes(StaticSizes.StaticStreamBuffer_t));
  const mb = rtos.xMessageBufferCreateStatic(32, bytes(33), bytes(StaticSizes.StaticMessageBuffer_t));
  const set = rtos.xQueueCreateSetStatic(4, bytes(16), bytes(StaticSizes.StaticQueue_t));
  const handle = await rtos.xTaskCreateStatic(
    async () => {
      assert.equal(await rtos.xQueueSend(q, new Uint8Array([1, 2]), 0), pdPASS);
      const got: Ref<Uint8Array | undefined> = { value: undefined };
      assert.equal(await rtos.xQueueReceive(q, got, 0), pdPASS);
      log.push(`queue ${[...got.value!].join(",")}`);
      await rtos.xQueueSend(byRef, "hello", 0);
      const s: Ref<string | undefined> = { value: undefined };
      await rtos.xQueueReceive(byRef, s, 0);
      log.push(`byRef ${s.value}`);
      await rtos.xSemaphoreGive(bin);
      log.push(`binary ${await rtos.xSemaphoreTake(bin, 0)}`);
      log.push(`counting ${rtos.uxSemaphoreGetCount(counting)}`);
      log.push(`mutex ${await rtos.xSemaphoreTake(mutex, 0)} ${await rtos.xSemaphoreGive(mutex)}`);
      log.push(`recursive ${await rtos.xSemaphoreTakeRecursive(rmutex, 0)} ${await rtos.xSemaphoreTakeRecursive(rmutex, 0)}`);
      await rtos.xEventGroupSetBits(eg, 0b101);
      log.push(`bits ${rtos.xEventGroupGetBits(eg)}`);
      await rtos.xStreamBufferSend(sb, new Uint8Array([7, 8, 9]), 0);
      log.push(`stream ${rtos.xStreamBufferBytesAvailable(sb)}`);
      await rtos.xMessageBufferSend(mb, new Uint8Array([1, 2, 3, 4, 5]), 0);
      log.push(`message ${rtos.xMessageBufferNextLengthBytes(mb)}`);
      log.push(`set ${rtos.xQueueAddToSet(bin, set)}`);
      await rtos.xTimerStart(timer, 0);
      await rtos.vTaskDelay(10);
    },
    "static",
    128,
    null,
    1,
    bytes(128 * 4),
    bytes(StaticSizes.StaticTask_t),
  );
  assert.equal(handle.name, "static");
  rtos.vTaskStartScheduler();
  await rtos.run(20);
  assert.deepEqual(log, ["queue 1,2", "byRef hello", "binary 1", "counting 2", "mutex 1 1", "recursive 1 1", "bits 5", "stream 3", "message 5", "set 1", "timer at 5"]);
  assert.equal(rtos.xPortGetFreeHeapSize(), free0, "no heap used: not by the objects, nor by the idle and timer tasks (kernel-owned static memory)");
  assert.equal(rtos.vPortGetHeapStats().xNumberOfSuccessfulAllocations, 0);
  rtos.xQueueRemoveFromSet(bin, set);
  for (const h of [q, byRef, bin, counting, mutex, set]) rtos.vQueueDelete(h);
  rtos.vEventGroupDelete(eg);
  rtos.vStreamBufferDelete(sb);
  rtos.vMessageBufferDelete(mb);
  assert.equal(rtos.vPortGetHeapStats().xNumberOfSuccessfulFrees, 0, "deleting a static object frees no heap");
  assert.equal(rtos.xPortGetFreeHeapSize(), free0);
});

test("Static errors: missing, too small, wrong type, or already used by a live object → KernelAssertError naming the call; a deleted object's buffer can be reused", async () => {
  const rtos = createFreeRTOS();
  const fails = (call: () => unknown, message: RegExp): void => {
    assert.throws(call, (e: unknown) => e instanceof KernelAssertError && message.test((e as Error).message), String(message));
  };
  fails(() => rtos.xEventGroupCreateStatic(undefined as never), /^xEventGroupCreateStatic called from set-up code \(outside any task\): pxEventGroupBuffer is missing/);
  fails(() => rtos.xEventGroupCreateStatic(bytes(31)), /xEventGroupCreateStatic .*: pxEventGroupBuffer has 31 bytes; StaticEventGroup_t needs 32$/);
  fails(() => rtos.xEventGroupCreateStatic([1, 2] as never), /pxEventGroupBuffer must be a Uint8Array, got Array/);
  fails(() => rtos.xQueueCreateStatic(4, 2, bytes(7), bytes(84)), /xQueueCreateStatic .*: pucQueueStorage has 7 bytes; 4 items of 2 bytes needs 8$/);
  fails(() => rtos.xQueueCreateStatic(4, 0, bytes(16), bytes(84)), /pucQueueStorage must be NULL when the items take no storage/);
  fails(() => rtos.xSemaphoreCreateMutexStatic(bytes(83)), /^xSemaphoreCreateMutexStatic .*: pxStaticQueue has 83 bytes; StaticQueue_t needs 84$/);
  fails(() => rtos.xStreamBufferCreateStatic(16, 1, bytes(16), bytes(36)), /xStreamBufferCreateStatic .*pucStreamBufferStorageArea has 16 bytes; 16 bytes of data plus 1 needs 17/);
  fails(() => rtos.xTimerCreateStatic("t", 5, true, null, () => {}, bytes(43)), /xTimerCreateStatic\("t"\) .*pxTimerBuffer has 43 bytes; StaticTimer_t needs 44/);
  const stack = bytes(128 * 4);
  fails(() => void rtos.xTaskCreateStatic(async () => {}, "t", 128, null, 1, bytes(511), bytes(96)), /xTaskCreateStatic\("t"\) .*puxStackBuffer has 511 bytes; a stack of 128 words needs 512/);
  fails(() => void rtos.xTaskCreateStatic(async () => {}, "t", 128, null, 1, stack, bytes(95)), /pxTaskBuffer has 95 bytes; StaticTask_t needs 96/);
  // Nothing was created by the failed calls.
  assert.equal(rtos.uxTaskGetNumberOfTasks(), 0);
  const buffer = bytes(64);
  const eg = rtos.xEventGroupCreateStatic(buffer);
  fails(() => rtos.xSemaphoreCreateBinaryStatic(bytes(84)) && rtos.xEventGroupCreateStatic(buffer.subarray(8)), /pxEventGroupBuffer is already in use by event group "EventGroup#\d+" \(a live static object\)/);
  rtos.vEventGroupDelete(eg);
  assert.ok(rtos.xEventGroupCreateStatic(buffer), "the buffer is free again once its object is deleted");
  const t = await rtos.xTaskCreateStatic(async () => {}, "a", 128, null, 1, stack, bytes(96));
  fails(() => void rtos.xTaskCreateStatic(async () => {}, "b", 128, null, 1, stack, bytes(96)), /puxStackBuffer is already in use by task "a" stack/);
  await rtos.vTaskDelete(t);
  assert.equal((await rtos.xTaskCreateStatic(async () => {}, "b", 128, null, 1, stack, bytes(96))).name, "b");
});

test("configSUPPORT_DYNAMIC_ALLOCATION 0: every dynamic create asserts naming its Static twin; static creation and the scheduler work", async () => {
  const rtos = createFreeRTOS({ configSUPPORT_DYNAMIC_ALLOCATION: 0 });
  const refused: [string, () => unknown][] = [
    ["xTaskCreate", () => rtos.xTaskCreate(async () => {}, "t", 128, null, 1)],
    ["xQueueCreate", () => rtos.xQueueCreate(1, 1)],
    ["xQueueCreateSet", () => rtos.xQueueCreateSet(1)],
    ["xSemaphoreCreateBinary", () => rtos.xSemaphoreCreateBinary()],
    ["xSemaphoreCreateCounting", () => rtos.xSemaphoreCreateCounting(2, 0)],
    ["xSemaphoreCreateMutex", () => rtos.xSemaphoreCreateMutex()],
    ["xSemaphoreCreateRecursiveMutex", () => rtos.xSemaphoreCreateRecursiveMutex()],
    ["xEventGroupCreate", () => rtos.xEventGroupCreate()],
    ["xTimerCreate", () => rtos.xTimerCreate("t", 1, false, null, () => {})],
    ["xStreamBufferCreate", () => rtos.xStreamBufferCreate(8, 1)],
    ["xMessageBufferCreate", () => rtos.xMessageBufferCreate(8)],
  ];
  for (const [call, create] of refused)
    assert.throws(create, (e: unknown) => e instanceof KernelAssertError && (e as Error).message.includes(`${call} called from set-up code (outside any task): configSUPPORT_DYNAMIC_ALLOCATION is 0: dynamic creation is compiled out; use ${call}Static`), call);
  let ran = false;
  await rtos.xTaskCreateStatic(async () => void (ran = true), "s", 128, null, 1, bytes(512), bytes(96));
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.ok(ran);
  assert.equal(rtos.vPortGetHeapStats().xNumberOfSuccessfulAllocations, 0, "the idle and timer tasks took kernel-owned static memory");
});

test("configSUPPORT_STATIC_ALLOCATION 0: the Static calls assert; the idle and timer tasks come from the heap (two blocks each)", async () => {
  const rtos = createFreeRTOS({ configSUPPORT_STATIC_ALLOCATION: 0 });
  assert.throws(() => rtos.xEventGroupCreateStatic(bytes(32)), /xEventGroupCreateStatic .*configSUPPORT_STATIC_ALLOCATION is 0/);
  rtos.vTaskStartScheduler();
  // Idle and timer task: stack and TCB each; the timer command queue: one block.
  assert.equal(rtos.vPortGetHeapStats().xNumberOfSuccessfulAllocations, 5);
});

test("heapAfterStart false (kernel config): dynamic creation before start is allowed, after start it asserts; Static twins still work", async () => {
  const rtos = createFreeRTOS({ heapAfterStart: false });
  assert.ok(rtos.xQueueCreate(2, 4), "before start");
  const errors: string[] = [];
  await rtos.xTaskCreate(
    async () => {
      for (const create of [() => rtos.xQueueCreate(2, 4), () => rtos.xTaskCreate(async () => {}, "late", 128, null, 1)]) {
        try {
          await create();
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      rtos.xEventGroupCreateStatic(new Uint8Array(32));
      errors.push("static ok");
    },
    "main",
    128,
    null,
    1,
  );
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(errors, [
    'xQueueCreate called from task "main": heap disabled after start (heapAfterStart is false): create every object before vTaskStartScheduler, or use the Static twin',
    'xTaskCreate called from task "main": heap disabled after start (heapAfterStart is false): create every object before vTaskStartScheduler, or use the Static twin',
    "static ok",
  ]);
});
