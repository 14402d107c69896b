/**
 * Bad arguments through the FreeRTOS facade: a wrong type is a TypeError that names the type
 * (and shows the value), a number out of range a RangeError, misuse FreeRTOS asserts on a
 * KernelAssertError; the kernel stays usable after each.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, eSetBits, KernelAssertError, pdPASS } from "../../src/freertos/index.js";

type ErrorClass = new (...args: never[]) => Error;

test("a wrong type is a TypeError naming the argument, the expected type and what was passed", async () => {
  const rtos = createFreeRTOS({ configMAX_PRIORITIES: 5 });
  const q = rtos.xQueueCreate<number>(2, 0)!;
  const sb = rtos.xStreamBufferCreate(8, 1)!;
  const eg = rtos.xEventGroupCreate()!;
  const problems: string[] = [];
  const expect = (fn: () => unknown, type: ErrorClass, message: string | RegExp): void => {
    try {
      fn();
      problems.push(`no error, expected ${String(message)}`);
    } catch (e) {
      const text = (e as Error).message;
      if (!(e instanceof type)) problems.push(`${(e as Error).name} instead of ${type.name}: ${text}`);
      else if (typeof message === "string" ? text !== message : !message.test(text)) problems.push(`message "${text}" is not ${String(message)}`);
    }
  };
  const any = (v: unknown): never => v as never;
  let queueName = "";
  await rtos.xTaskCreate(async () => {
    // lengths and sizes
    expect(() => rtos.xQueueCreate(any("4"), 0), TypeError, 'xQueueCreate: uxQueueLength must be a number, got string "4"');
    expect(() => rtos.xQueueCreate(4, any("0")), TypeError, 'xQueueCreate: uxItemSize must be a number, got string "0"');
    expect(() => rtos.xQueueCreate(any(null), 0), TypeError, "xQueueCreate: uxQueueLength must be a number, got null");
    expect(() => rtos.xQueueCreate(4.5, 0), RangeError, "xQueueCreate: uxQueueLength must be a positive integer, got 4.5");
    expect(() => rtos.xQueueCreate(-1, 0), RangeError, "xQueueCreate: uxQueueLength must be a positive integer, got -1");
    expect(() => rtos.xQueueCreateSet(any(undefined)), TypeError, "xQueueCreateSet: uxEventQueueLength must be a number, got undefined");
    expect(() => rtos.xSemaphoreCreateCounting(any("2"), 0), TypeError, 'xSemaphoreCreateCounting: uxMaxCount must be a number, got string "2"');
    expect(() => rtos.xSemaphoreCreateCounting(2, any(true)), TypeError, "xSemaphoreCreateCounting: uxInitialCount must be a number, got boolean true");
    expect(() => rtos.xStreamBufferCreate(any("8"), 1), TypeError, 'xStreamBufferCreate: xBufferSizeBytes must be a number, got string "8"');
    expect(() => rtos.xMessageBufferCreate(any(8n)), TypeError, "xMessageBufferCreate: xBufferSizeBytes must be a number, got bigint 8n");
    expect(() => rtos.xStreamBufferSetTriggerLevel(sb, any("1")), TypeError, /xTriggerLevel must be a number, got string "1"/);
    // ticks
    expect(() => rtos.vTaskDelay(any("5")), TypeError, 'vTaskDelay: ticks must be a number of ticks, got string "5"');
    expect(() => rtos.xQueueReceive(q, { value: 0 }, any(null)), TypeError, "xQueueReceive: ticks must be a number of ticks, got null");
    expect(() => rtos.vTaskDelay(-1), RangeError, /vTaskDelay: ticks must be a non-negative integer/);
    // priorities
    expect(() => rtos.xTaskCreate(async () => {}, "x", 128, null, any("1")), TypeError, 'xTaskCreate("x"): priority must be a number, got string "1"');
    expect(() => rtos.vTaskPrioritySet(null, any(true)), TypeError, "vTaskPrioritySet: priority must be a number, got boolean true");
    expect(() => rtos.vTaskPrioritySet(null, 1.5), RangeError, "vTaskPrioritySet: priority must be a non-negative integer, got 1.5");
    expect(() => rtos.vTaskPrioritySet(null, 5), KernelAssertError, /priority 5 is not below configMAX_PRIORITIES \(5\)/);
    // bits and indices
    expect(() => rtos.xEventGroupSetBits(eg, any("1")), TypeError, 'xEventGroupSetBits: uxBitsToSet must be a number, got string "1"');
    expect(() => rtos.xEventGroupSetBits(eg, -1), RangeError, /xEventGroupSetBits: uxBitsToSet must be an unsigned integer bit mask, got -1/);
    expect(() => rtos.xTaskNotify(rtos.xTaskGetCurrentTaskHandle()!, any("5"), eSetBits), TypeError, 'xTaskNotify: ulValue must be a number, got string "5"');
    expect(() => rtos.xTaskNotifyIndexed(rtos.xTaskGetCurrentTaskHandle()!, any("0"), 1, eSetBits), TypeError, /uxIndexToNotify must be a number, got string "0"/);
    // handles
    expect(() => rtos.xQueueSend(any("q"), 1, 0), TypeError, 'xQueueSend: expected a queue or semaphore handle, got string "q"');
    expect(() => rtos.xQueueSend(any(sb), 1, 0), TypeError, "xQueueSend: expected a queue or semaphore handle, got object StreamBuffer");
    expect(() => rtos.xQueueReceive(q, any(5), 0), TypeError, "xQueueReceive: the receive buffer must be a { value } reference object, got number 5");
    expect(() => rtos.pcQueueGetName(any(null)), TypeError, "pcQueueGetName: expected a queue or semaphore handle, got null");
    expect(() => rtos.vQueueAddToRegistry(q, any(5)), TypeError, "vQueueAddToRegistry: pcQueueName must be a string, got number 5");
    expect(() => rtos.uxTaskPriorityGet(any({})), TypeError, "uxTaskPriorityGet: expected a task handle, got object");
    expect(() => rtos.uxTaskPriorityGet(any(q)), TypeError, "uxTaskPriorityGet: expected a task handle, got object Queue");
    expect(() => rtos.xTaskNotifyGive(any(undefined)), TypeError, "xTaskNotifyGive: a task handle is required, got undefined");
    expect(() => rtos.xStreamBufferSend(sb, any("abc"), 0), TypeError, /xStreamBufferSend\(.*\): the data must be a Uint8Array, got string "abc"/);
    expect(() => rtos.xStreamBufferBytesAvailable(any(7)), TypeError, "xStreamBufferBytesAvailable: expected a stream or message buffer handle, got number 7");
    expect(() => rtos.xEventGroupGetBits(any([])), TypeError, "xEventGroupGetBits: expected an event group handle, got object Array");
    // task creation, CPU time, timers, interrupts, time conversion
    expect(() => void rtos.xTaskCreate(async () => {}, "t", any("128"), null, 1), TypeError, 'xTaskCreate("t"): stackDepth must be a number of words, got string "128"');
    expect(() => void rtos.xTaskCreate(async () => {}, any(7), 128, null, 1), TypeError, "xTaskCreate: name must be a string, got number 7");
    expect(() => void rtos.busy(any("1")), TypeError, 'busy: ticks must be a number of ticks, got string "1"');
    expect(() => rtos.xTimerCreate("tmr", any("10"), false, null, () => {}), TypeError, 'xTimerCreate("tmr"): the period must be a number of ticks, got string "10"');
    expect(() => rtos.registerInterrupt(any("3"), 5, () => {}), TypeError, 'registerInterrupt: irq must be a number, got string "3"');
    expect(() => rtos.registerInterrupt(-1, 5, () => {}), RangeError, "registerInterrupt: irq must be a non-negative integer, got -1");
    expect(() => rtos.registerInterrupt(3, any(null), () => {}), TypeError, "registerInterrupt(3): interrupt priority must be a number, got null");
    expect(() => rtos.registerInterrupt(3, 16, () => {}), RangeError, "registerInterrupt(3): interrupt priority must be an integer in [1, 15], got 16");
    expect(() => rtos.registerInterrupt(3, 5, any("h")), TypeError, 'registerInterrupt(3): handler must be a function, got string "h"');
    expect(() => rtos.triggerInterrupt(any("3")), TypeError, 'triggerInterrupt: irq must be a number, got string "3"');
    expect(() => rtos.unregisterInterrupt(any(undefined)), TypeError, "unregisterInterrupt: irq must be a number, got undefined");
    expect(() => rtos.pdMS_TO_TICKS(any("5")), TypeError, 'pdMS_TO_TICKS: ms must be a number of milliseconds, got string "5"');
    // The kernel still works.
    if ((await rtos.xQueueSend(q, 1, 0)) !== pdPASS) problems.push("send failed after the errors");
    const got = { value: 0 };
    if ((await rtos.xQueueReceive(q, got, 0)) !== pdPASS || got.value !== 1) problems.push("receive failed after the errors");
    queueName = rtos.pcQueueGetName(q);
  }, "main", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(problems, []);
  assert.match(queueName, /^Queue#/);
  await assert.rejects(rtos.run(any("5")), (e: unknown) => e instanceof TypeError && e.message === 'run: ticks must be a number of ticks, got string "5"');
});
