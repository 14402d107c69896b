/**
 * What queues, queue sets and stream/message buffers cost: the kernel heap is charged what
 * FreeRTOS allocates (the structure plus all the storage, at creation), so an oversized object
 * fails cleanly with a null handle and the malloc-failed hook; the host holds only what the
 * object has held (rings grow as they fill), so a long queue is cheap to create.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, KernelAssertError, pdPASS, queueSEND_TO_FRONT, type Ref } from "../../src/freertos/index.js";
import { Heap4, Prng, type Queue, type StreamBuffer } from "../../src/kernel/index.js";

const QUEUE_T = 84; // sizeof(StaticQueue_t) on the 32-bit port with queue sets and the trace facility (FreeRTOS 11 FreeRTOS.h)
const STREAM_BUFFER_T = 36; // sizeof(StreamBuffer_t)
const POINTER = 4;

function charged(rtos: ReturnType<typeof createFreeRTOS>, create: () => unknown): number {
  const before = rtos.xPortGetFreeHeapSize();
  assert.notEqual(create(), null);
  return before - rtos.xPortGetFreeHeapSize();
}

test("heap: a queue is charged sizeof(Queue_t) plus length × itemSize (a pointer per by-reference slot); semaphores charge no storage", () => {
  const rtos = createFreeRTOS({});
  assert.equal(charged(rtos, () => rtos.xQueueCreate(10, 6)), Heap4.blockSize(QUEUE_T + 10 * 6));
  assert.equal(charged(rtos, () => rtos.xQueueCreate(10, 0)), Heap4.blockSize(QUEUE_T + 10 * POINTER));
  assert.equal(charged(rtos, () => rtos.xQueueCreateSet(10)), Heap4.blockSize(QUEUE_T + 10 * POINTER), "a set stores a Queue_t * per event");
  assert.equal(charged(rtos, () => rtos.xSemaphoreCreateCounting(100_000, 0)), Heap4.blockSize(QUEUE_T));
  assert.equal(charged(rtos, () => rtos.xSemaphoreCreateBinary()), Heap4.blockSize(QUEUE_T));
  assert.equal(charged(rtos, () => rtos.xSemaphoreCreateMutex()), Heap4.blockSize(QUEUE_T));
  assert.equal(charged(rtos, () => rtos.xStreamBufferCreate(100, 1)), Heap4.blockSize(STREAM_BUFFER_T + 101));
  assert.equal(charged(rtos, () => rtos.xMessageBufferCreate(100)), Heap4.blockSize(STREAM_BUFFER_T + 101));
  const q = rtos.xQueueCreate(1000, 0)!;
  const free = rtos.xPortGetFreeHeapSize();
  rtos.vQueueDelete(q);
  assert.equal(rtos.xPortGetFreeHeapSize() - free, Heap4.blockSize(QUEUE_T + 1000 * POINTER), "delete gives it all back");
});

test("heap: oversized queues, sets and buffers return null and call the malloc-failed hook, at once, taking nothing", () => {
  let mallocFailed = 0;
  const rtos = createFreeRTOS({ vApplicationMallocFailedHook: () => mallocFailed++ });
  const free0 = rtos.xPortGetFreeHeapSize();
  assert.equal(rtos.xQueueCreate(1e9, 0), null);
  assert.equal(rtos.xQueueCreate(1e7, 0), null, "10 million pointers do not fit in 256 KiB");
  assert.equal(rtos.xQueueCreate(70_000, 4), null);
  assert.equal(rtos.xQueueCreateSet(1e9), null);
  assert.equal(rtos.xStreamBufferCreate(1e9, 1), null);
  assert.equal(rtos.xMessageBufferCreate(1e9), null);
  assert.equal(mallocFailed, 6);
  assert.equal(rtos.xPortGetFreeHeapSize(), free0);
  // A counting semaphore stores nothing: any count fits.
  assert.notEqual(rtos.xSemaphoreCreateCounting(1e9, 1e9), null);
  // Beyond a 32-bit size_t FreeRTOS's overflow check asserts.
  assert.throws(() => rtos.xQueueCreate(2 ** 31, 2), (e: unknown) => e instanceof KernelAssertError && /xQueueCreate.*beyond a 32-bit size_t/.test(e.message));
  assert.throws(() => rtos.xQueueCreate(2 ** 32, 0), RangeError, "uxQueueLength above UBaseType_t");
});

/** Random sends to back and front, receives and peeks against an array model of the queue. */
async function exerciseAgainstModel(rtos: ReturnType<typeof createFreeRTOS>, q: Queue, itemSize: number, ops: number, seed: number): Promise<number> {
  const prng = new Prng(seed);
  const model: number[] = [];
  const item = (n: number): unknown => (itemSize === 0 ? n : new Uint8Array(itemSize).fill(n & 0xff));
  const value = (v: unknown): number => (itemSize === 0 ? (v as number) : (v as Uint8Array)[0]!);
  const ref: Ref<unknown> = { value: undefined };
  let most = 0;
  for (let i = 0; i < ops; i++) {
    const r = prng.nextInt(10);
    if (r < 4) {
      assert.equal(await rtos.xQueueSend(q, item(i), 0), pdPASS);
      model.push(i & (itemSize === 0 ? -1 : 0xff));
    } else if (r < 6) {
      assert.equal(await rtos.xQueueSendToFront(q, item(i), 0), pdPASS);
      model.unshift(i & (itemSize === 0 ? -1 : 0xff));
    } else if (r < 9 || model.length === 0) {
      if (model.length === 0) continue;
      assert.equal(await rtos.xQueueReceive(q, ref, 0), pdPASS);
      assert.equal(value(ref.value), model.shift());
    } else {
      assert.equal(await rtos.xQueuePeek(q, ref, 0), pdPASS);
      assert.equal(value(ref.value), model[0]);
    }
    most = Math.max(most, model.length);
    assert.equal(rtos.uxQueueMessagesWaiting(q), model.length);
  }
  while (model.length > 0) {
    assert.equal(await rtos.xQueueReceive(q, ref, 0), pdPASS);
    assert.equal(value(ref.value), model.shift());
  }
  return most;
}

test("a queue of a billion slots is created at once: its ring grows as it fills and keeps FIFO and send-to-front order", async () => {
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40 });
  const free0 = rtos.xPortGetFreeHeapSize();
  const byRef = rtos.xQueueCreate(1e9, 0)!;
  const bytes = rtos.xQueueCreate(1e8, 3)!;
  assert.equal(free0 - rtos.xPortGetFreeHeapSize(), Heap4.blockSize(QUEUE_T + 4e9) + Heap4.blockSize(QUEUE_T + 3e8), "charged in full");
  assert.ok(byRef.slots <= 16 && bytes.bytes!.length <= 16 * 3, "the host holds a few slots");
  let most = [0, 0];
  await rtos.xTaskCreate(async () => {
    most = [await exerciseAgainstModel(rtos, byRef, 0, 3000, 1), await exerciseAgainstModel(rtos, bytes, 3, 3000, 2)];
  }, "model", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  assert.ok(most[0]! > 100 && most[1]! > 100, `the model filled the queues (${most.join(", ")} items)`);
  assert.ok(byRef.slots >= most[0]! && byRef.slots < 4 * most[0]!, `ring of ${byRef.slots} slots for ${most[0]} items`);
  assert.ok(bytes.slots >= most[1]! && bytes.slots < 4 * most[1]!, `ring of ${bytes.slots} slots for ${most[1]} items`);
});

test("a queue that wrapped before growing keeps its order; a full queue of length 40 refuses the 41st item", async () => {
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate<number>(40, 0)!;
  const ref = { value: 0 };
  const got: number[] = [];
  for (let i = 0; i < 10; i++) await rtos.xQueueSend(q, i, 0);
  for (let i = 0; i < 6; i++) {
    await rtos.xQueueReceive(q, ref, 0);
    got.push(ref.value);
  }
  for (let i = 10; i < 44; i++) await rtos.xQueueSend(q, i, 0); // wraps the first 16 slots, then grows twice
  assert.equal(rtos.uxQueueSpacesAvailable(q), 2);
  await rtos.xQueueSendToFront(q, 5, 0);
  await rtos.xQueueSend(q, 44, 0);
  assert.notEqual(await rtos.xQueueSend(q, 45, 0), pdPASS, "full at 40");
  assert.equal(q.slots, 40, "the ring never outgrows the length");
  while (rtos.uxQueueMessagesWaiting(q) > 0) {
    await rtos.xQueueReceive(q, ref, 0);
    got.push(ref.value);
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 5, ...Array.from({ length: 39 }, (_, i) => 6 + i)]);
  await rtos.xQueueReset(q);
  assert.equal(await rtos.xQueueSend(q, 7, 0), pdPASS);
  assert.equal(await rtos.xQueueReceive(q, ref, 0), pdPASS);
  assert.equal(ref.value, 7);
});

test("a gigabyte stream buffer is created at once; its storage grows as writes reach further, and a small one wraps intact", async () => {
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40 });
  const big = rtos.xStreamBufferCreate(1e9, 1)! as StreamBuffer;
  assert.ok(big.storage.length <= 256, "the host holds a few bytes");
  const mb = rtos.xMessageBufferCreate(1000)! as StreamBuffer;
  const sb = rtos.xStreamBufferCreate(1000, 1)! as StreamBuffer;
  const prng = new Prng(3);
  let written = 0;
  let read = 0;
  let streamNext = 0;
  let streamRead = 0;
  await rtos.xTaskCreate(async () => {
    for (let i = 0; i < 400; i++) {
      const n = 1 + prng.nextInt(300);
      const data = new Uint8Array(n).map((_, j) => (written + j) & 0xff);
      assert.equal(await rtos.xStreamBufferSend(big, data, 0), n);
      written += n;
      if (i % 3 === 2) {
        const into = new Uint8Array(2 * n);
        const got = await rtos.xStreamBufferReceive(big, into, 0);
        for (let j = 0; j < got; j++) assert.equal(into[j], (read + j) & 0xff);
        read += got;
      }
      // The 1000-byte buffers wrap many times over.
      const message = new Uint8Array(1 + prng.nextInt(100)).fill(i & 0xff);
      assert.equal(await rtos.xMessageBufferSend(mb, message, 0), message.length);
      const into = new Uint8Array(100);
      assert.equal(await rtos.xMessageBufferReceive(mb, into, 0), message.length);
      assert.deepEqual(into.subarray(0, message.length), message);
      const chunk = new Uint8Array(1 + prng.nextInt(150)).map(() => streamNext++ & 0xff);
      assert.equal(await rtos.xStreamBufferSend(sb, chunk, 0), chunk.length);
      const out = new Uint8Array(150);
      const got = await rtos.xStreamBufferReceive(sb, out, 0);
      for (let j = 0; j < got; j++) assert.equal(out[j], (streamRead + j) & 0xff);
      streamRead += got;
    }
  }, "writer", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  assert.ok(written > 50_000);
  assert.ok(big.storage.length >= written && big.storage.length <= 2 * written + 256, `storage of ${big.storage.length} bytes after ${written} written`);
  assert.equal(rtos.xStreamBufferBytesAvailable(big), written - read);
  assert.equal(mb.storage.length, 1001);
});
