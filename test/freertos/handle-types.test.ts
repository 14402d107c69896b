/**
 * Typed queue handles: `xQueueCreate<T>()` returns a `QueueHandle<T>` whose send takes only `T`
 * and whose receive and peek fill only a `Ref<T>`. The `@ts-expect-error` lines are checked by
 * the build (tsc fails on a directive whose line compiles), so this file fails `npm test` if the
 * handles stop being typed; untyped handles (`QueueHandle`, T = unknown) take anything.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, type FreeRTOS, type QueueHandle, type Ref, type SemaphoreHandle } from "../../src/freertos/index.js";

/** Compile-time checks only: never called. */
export function typedHandleMisuse(rtos: FreeRTOS, woken: Ref<number>): void {
  const numbers = rtos.xQueueCreate<number>(4, 0)!;
  const text: Ref<string> = { value: "" };
  // @ts-expect-error a Ref<string> cannot receive from a number queue
  void rtos.xQueueReceive(numbers, text, 0);
  // @ts-expect-error nor peek
  void rtos.xQueuePeek(numbers, text, 0);
  // @ts-expect-error nor from an ISR
  rtos.xQueueReceiveFromISR(numbers, text, woken);
  // @ts-expect-error a number queue takes numbers only
  void rtos.xQueueSend(numbers, "one", 0);
  // @ts-expect-error to the front too
  void rtos.xQueueSendToFront(numbers, "one", 0);
  // @ts-expect-error and from an ISR
  rtos.xQueueSendFromISR(numbers, "one", woken);
  // @ts-expect-error overwrite as well
  void rtos.xQueueOverwrite(numbers, "one");
  const frames = rtos.xQueueCreate<Uint8Array>(4, 8)!;
  // @ts-expect-error a queue of byte items takes Uint8Array items
  void rtos.xQueueSend(frames, 42, 0);
  // @ts-expect-error a QueueHandle<string> is not a QueueHandle<number>
  const wrong: QueueHandle<number> = rtos.xQueueCreate<string>(1, 0)!;
  void wrong;
}

/** Compile-time checks only: what must keep compiling. */
export function untypedHandlesStillWork(rtos: FreeRTOS, mutex: SemaphoreHandle): void {
  const any = rtos.xQueueCreate(4, 0)!; // QueueHandle<unknown>
  void rtos.xQueueSend(any, "one", 0);
  void rtos.xQueueSend(any, 1, 0);
  void rtos.xQueueReceive(any, { value: 0 }, 0);
  const numbers: QueueHandle<number> = rtos.xQueueCreate<number>(4, 0)!;
  const untyped: QueueHandle = numbers; // a typed handle goes where any queue is taken
  rtos.vQueueDelete(untyped);
  void rtos.uxQueueMessagesWaiting(numbers);
  void rtos.xSemaphoreTake(mutex, 0);
}

test("a typed queue carries its item type through send and receive", async () => {
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate<{ id: number }>(2, 0)!;
  const got: Ref<{ id: number } | null> = { value: null };
  assert.equal(await rtos.xQueueSend(q, { id: 7 }, 0), pdPASS);
  assert.equal(await rtos.xQueueReceive(q, got, 0), pdPASS);
  assert.equal(got.value?.id, 7);
});
