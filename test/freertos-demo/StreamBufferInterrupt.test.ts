/**
 * Port of FreeRTOS/Demo/Common/Minimal/StreamBufferInterrupt.c (repo FreeRTOS/FreeRTOS,
 * main @ 592732b) to tinyrtos.
 *
 * vStartStreamBufferInterruptDemo(): a 100-byte stream buffer with trigger level 10, and the task
 * "StrIntRx" at tskIDLE_PRIORITY + 2 (prvReceivingTask) that reads it one byte at a time with
 * portMAX_DELAY, looking for "Hello FreeRTOS" inside the stream "_____Hello FreeRTOS_____".
 * vBasicStreamBufferSendFromISR() runs from vApplicationTickHook (ISR context, every tick), as in
 * the demo mains: every 101st call it sends the next 4 bytes with xStreamBufferSendFromISR(...,
 * NULL). So one 24-byte string takes 6 sends = 606 ticks, and because of the trigger level the task
 * only wakes once 12 bytes (3 sends) are in the buffer.
 *
 * Check mapping:
 *  - configASSERT( sizeof( cRxBuffer ) > strlen( pcStringToReceive ) ), configASSERT( xStreamBuffer
 *    != NULL ) and configASSERT( xNextByte < sizeof( cRxBuffer ) ) => asserts in the task.
 *  - strcmp( cRxBuffer, pcStringToReceive ) != 0 => xDemoStatus = pdFAIL (latched, recorded with
 *    the received text) => asserted pdPASS at every check.
 *  - xIsInterruptStreamBufferDemoStillRunning(): ulCycleCount advanced since the previous call, and
 *    xDemoStatus == pdPASS => asserted after each of CHECK_ROUNDS `await rtos.run(CHECK_PERIOD)`.
 *  - Added (diagnosis): the ISR's xStreamBufferSendFromISR never fails to write 4 bytes (the task
 *    drains the buffer long before it could fill), recorded and asserted empty.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdFAIL, pdPASS, portMAX_DELAY, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { FreeRTOS } from "../../src/freertos/index.js";

type StreamBufferHandle = NonNullable<ReturnType<FreeRTOS["xStreamBufferCreate"]>>;

const sbiSTREAM_BUFFER_LENGTH_BYTES = 100;
const sbiSTREAM_BUFFER_TRIGGER_LEVEL_10 = 10;
const CHECK_PERIOD = 2000; // >= 3 strings (606 ticks each) per check
const CHECK_ROUNDS = 5;

const enc = new TextEncoder();
const cstr = (s: string): Uint8Array => {
  const b = new Uint8Array(s.length + 1);
  b.set(enc.encode(s));
  return b;
};
const pcStringToSend = cstr("_____Hello FreeRTOS_____");
const pcStringToReceive = cstr("Hello FreeRTOS");
const strlen = (b: Uint8Array): number => {
  const i = b.indexOf(0);
  return i < 0 ? b.length : i;
};
const strcmp = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; ; i++) {
    const ca = a[i] ?? 0;
    const cb = b[i] ?? 0;
    if (ca !== cb) return ca - cb;
    if (ca === 0) return 0;
  }
};
const show = (b: Uint8Array): string => JSON.stringify(new TextDecoder().decode(b.subarray(0, strlen(b))));

test("StreamBufferInterrupt: tick-hook ISR streams to a task through a trigger-level-10 stream buffer", async () => {
  let xStreamBuffer: StreamBufferHandle | null = null;
  let xDemoStatus = pdPASS;
  let ulCycleCount = 0;
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };

  // vBasicStreamBufferSendFromISR(), called from the tick hook.
  let xNextByteToSend = 0;
  let xCallCount = 0;
  const xBytesToSend = 4;
  const xCallsBetweenSends = 100;
  const vBasicStreamBufferSendFromISR = (): void => {
    xCallCount++;
    if (xCallCount > xCallsBetweenSends) {
      xCallCount = 0;
      const sent = rtos.xStreamBufferSendFromISR(xStreamBuffer!, pcStringToSend.subarray(xNextByteToSend, xNextByteToSend + xBytesToSend), null);
      if (sent !== xBytesToSend) fail(`ISR: xStreamBufferSendFromISR wrote ${sent} of ${xBytesToSend} bytes`);
      xNextByteToSend += xBytesToSend;
      if (xNextByteToSend >= strlen(pcStringToSend)) xNextByteToSend = 0;
    }
  };

  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configMINIMAL_STACK_SIZE: 128,
    vApplicationTickHook: vBasicStreamBufferSendFromISR,
  });

  const prvReceivingTask = async (): Promise<void> => {
    const cRxBuffer = new Uint8Array(20);
    let xNextByte = 0;
    assert.ok(cRxBuffer.length > strlen(pcStringToReceive), "StrIntRx: Rx buffer too small");
    assert.ok(xStreamBuffer !== null, "StrIntRx: stream buffer not created");
    cRxBuffer.fill(0);
    for (;;) {
      await rtos.xStreamBufferReceive(xStreamBuffer, cRxBuffer.subarray(xNextByte, xNextByte + 1), portMAX_DELAY);
      if (xNextByte === 0) {
        if (cRxBuffer[xNextByte] === "H".charCodeAt(0)) xNextByte++;
      } else {
        if (cRxBuffer[xNextByte] === "S".charCodeAt(0)) {
          if (strcmp(cRxBuffer, pcStringToReceive) !== 0) {
            if (xDemoStatus === pdPASS) fail(`StrIntRx: received ${show(cRxBuffer)}, expected ${show(pcStringToReceive)}`);
            xDemoStatus = pdFAIL;
          }
          cRxBuffer.fill(0);
          xNextByte = 0;
          if (xDemoStatus === pdPASS) ulCycleCount++;
        } else {
          xNextByte++;
          assert.ok(xNextByte < cRxBuffer.length, `StrIntRx: no 'S' within ${cRxBuffer.length} bytes: ${show(cRxBuffer)}`);
        }
      }
    }
  };

  // vStartStreamBufferInterruptDemo()
  xStreamBuffer = rtos.xStreamBufferCreate(sbiSTREAM_BUFFER_LENGTH_BYTES, sbiSTREAM_BUFFER_TRIGGER_LEVEL_10);
  assert.equal(await rtos.xTaskCreate(prvReceivingTask, "StrIntRx", 128, null, tskIDLE_PRIORITY + 2), pdPASS);

  rtos.vTaskStartScheduler();

  // xIsInterruptStreamBufferDemoStillRunning()
  let ulLastCycleCount = 0;
  for (let round = 1; round <= CHECK_ROUNDS; round++) {
    await rtos.run(CHECK_PERIOD);
    if (ulLastCycleCount === ulCycleCount) {
      if (xDemoStatus === pdPASS) fail(`check ${round}: ulCycleCount stuck at ${ulCycleCount}`);
      xDemoStatus = pdFAIL;
    } else {
      ulLastCycleCount = ulCycleCount;
    }
    assert.deepEqual(failures, [], `round ${round}: failures`);
    assert.equal(xDemoStatus, pdPASS, `round ${round}: xIsInterruptStreamBufferDemoStillRunning`);
  }
  // 5 checks x 2000 ticks = 10000 ticks = 99 sends of 4 bytes = 16.5 strings: the 16 complete ones.
  assert.equal(ulCycleCount, 16, "ulCycleCount after 10000 ticks");
});
