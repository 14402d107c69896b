/**
 * Port of FreeRTOS/Demo/Common/Minimal/MessageBufferDemo.c (repo FreeRTOS/FreeRTOS, main @ 592732b)
 * to tinyrtos. Expected values follow FreeRTOS-Kernel V11 stream_buffer.c with the default
 * configMESSAGE_BUFFER_LENGTH_TYPE (size_t, 4 bytes on a 32-bit MCU): each message costs its
 * length + 4 bytes, and a dynamically created N-byte message buffer has N bytes of space.
 *
 * Tasks (names, priorities and structure as in vStartMessageBufferTasks()):
 *  - "1EchoServer" (prio 1) / "2EchoServer" (prio 0): create two 50-byte message buffers, check a
 *    250 ms receive times out with 0, create "EchoClient" at the other priority (the prio-1 server
 *    first runs prvSingleTaskTests() on its client buffer), then echo every message, creating and
 *    deleting a 50-byte message buffer each time.
 *  - "EchoClient": sends messages of length 1..46 (50 - sizeof(size_t)), checks each echo with
 *    strcmp, counts ulEchoLoopCounters[priority] each time the length wraps back to 1.
 *  - "NonBlkTx"/"NonBlkRx" (prio 0): non-blocking send/receive of the decimal strings 0..1500.
 *  - "1Sender" (prio 1) / "2Sender" (prio 0) + "MsgReceiver": the configSUPPORT_STATIC_ALLOCATION
 *    part. The facade has no xMessageBufferCreateStatic, so the buffer is created with
 *    xMessageBufferCreate(50): the same 50 bytes of space as the original's static buffer over 51
 *    bytes of storage. The prio-0 sender runs prvSingleTaskTests() on it first, as the original
 *    does on its static buffer. The temp static buffer over cTxString[12] becomes
 *    xMessageBufferCreate(11) (create + delete).
 *  - configRUN_ADDITIONAL_TESTS (coherence tasks) is off in the demo mains and not ported.
 *
 * Check mapping:
 *  - Every configASSERT() (prvSingleTaskTests: exact space/next-length/return values, IsFull /
 *    IsEmpty, data, block-time windows [25, 25 + 3) ticks; echo client/server; MsgReceiver strcmp)
 *    => an assert in the task; a throw rejects rtos.run() with the message.
 *  - xNonBlockingReceiveError in NonBlkRx (latched, counter stops) => recorded, asserted empty.
 *  - xAreMessageBufferTasksStillRunning(): ulEchoLoopCounters[0..1], ulNonBlockingRxCounter and
 *    ulSenderLoopCounters[0..1] each advanced since the previous call => asserted after each of
 *    CHECK_ROUNDS `await rtos.run(...)`.
 *  - Added for diagnosis only: both prvSingleTaskTests() runs completed by the first check.
 *
 * Adaptations: every forever-loop starts with `await rtos.busy(CPU_PER_LOOP)` (synchronous code
 * takes zero virtual time; the echo and sender ping-pongs would otherwise never let time advance).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, pdTRUE, pdFALSE, pdPASS, portMAX_DELAY, tskIDLE_PRIORITY } from "../../src/freertos/index.js";
import type { FreeRTOS } from "../../src/freertos/index.js";

type MessageBufferHandle = NonNullable<ReturnType<FreeRTOS["xMessageBufferCreate"]>>;

const mbMESSAGE_BUFFER_LENGTH_BYTES = 50;
const mbBYTES_TO_STORE_MESSAGE_LENGTH = 4; // sizeof(configMESSAGE_BUFFER_LENGTH_TYPE)
const SIZEOF_SIZE_T = 4;
const mbASCII_SPACE = 32;
const mbASCII_TILDA = 126;
const mbNUMBER_OF_ECHO_CLIENTS = 2;
const mbNUMBER_OF_SENDER_TASKS = 2;
const mbLOWER_PRIORITY = tskIDLE_PRIORITY;
const mbHIGHER_PRIORITY = tskIDLE_PRIORITY + 1;
const mbDONT_BLOCK = 0;
const CONFIG_MAX_PRIORITIES = 8;
const CONFIG_MINIMAL_STACK_SIZE = 128;
const xStackSize = CONFIG_MINIMAL_STACK_SIZE; // vStartMessageBufferTasks( configMINIMAL_STACK_SIZE )
const xBlockingStackSize = xStackSize + (xStackSize >> 1);

const CPU_PER_LOOP = 0.05;
const FIRST_CHECK_AFTER = 3000;
const CHECK_PERIOD = 2000;
const CHECK_ROUNDS = 4;

const enc = new TextEncoder();
const pc55ByteString = (() => {
  const s = "One two three four five six seven eight nine ten eleven";
  const b = new Uint8Array(s.length + 1);
  b.set(enc.encode(s));
  return b;
})();
/** memset(buf, 0) + sprintf(buf, "%d", v): returns strlen. */
const sprintfD = (buf: Uint8Array, v: number): number => {
  buf.fill(0);
  const s = enc.encode(String(v));
  buf.set(s);
  return s.length;
};
const strlen = (b: Uint8Array): number => {
  const i = b.indexOf(0);
  return i < 0 ? b.length : i;
};
const memcmp = (a: Uint8Array, b: Uint8Array, n: number): number => {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
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

test("MessageBufferDemo: single-task tests, echo, non-blocking and sender tasks", async () => {
  const rtos = createFreeRTOS({
    configMAX_PRIORITIES: CONFIG_MAX_PRIORITIES,
    configMINIMAL_STACK_SIZE: CONFIG_MINIMAL_STACK_SIZE,
    configUSE_PREEMPTION: 1,
    configUSE_TIME_SLICING: 1,
  });

  const ulEchoLoopCounters = [0, 0];
  let ulNonBlockingRxCounter = 0;
  const ulSenderLoopCounters = [0, 0];
  const latched: string[] = [];
  const latch = (what: string): void => {
    if (latched.length < 20) latched.push(`tick ${rtos.xTaskGetTickCount()}: ${what}`);
  };
  const singleTaskTestsDone = new Set<string>();
  const singleTaskTestsStage = new Map<string, string>();
  const elapsed = (before: number): number => (rtos.xTaskGetTickCount() - before) >>> 0;

  const prvSingleTaskTests = async (xMessageBuffer: MessageBufferHandle, who: string): Promise<void> => {
    const stage = (s: string): void => void singleTaskTestsStage.set(who, s);
    const ck = (cond: boolean, what: string): void => assert.ok(cond, `${who} prvSingleTaskTests: ${what}`);
    const eq = (actual: number, expected: number, what: string): void =>
      assert.equal(actual, expected, `${who} prvSingleTaskTests: ${what}`);
    const mb = xMessageBuffer;
    const xMax6ByteMessages = Math.floor(mbMESSAGE_BUFFER_LENGTH_BYTES / (6 + mbBYTES_TO_STORE_MESSAGE_LENGTH));
    const x6ByteLength = 6;
    const x17ByteLength = 17;
    const xBlockTime = rtos.pdMS_TO_TICKS(25);
    const xAllowableMargin = rtos.pdMS_TO_TICKS(3);

    // pucFullBuffer = pvPortMalloc(50); pucData and pucReadData overlay it, as in C. The oversize
    // sends below read past the end of the 50-byte allocation in C; here they send 54 bytes.
    const pucFullBuffer = new Uint8Array(mbMESSAGE_BUFFER_LENGTH_BYTES + mbBYTES_TO_STORE_MESSAGE_LENGTH);
    const pucData = pucFullBuffer;
    const pucReadData = pucFullBuffer.subarray(x17ByteLength);
    const data = (n: number): Uint8Array => pucData.subarray(0, n);

    // Nothing added yet.
    stage("initial state");
    let xExpectedSpace = rtos.xMessageBufferSpacesAvailable(mb);
    eq(xExpectedSpace, mbMESSAGE_BUFFER_LENGTH_BYTES, "xMessageBufferSpacesAvailable of a fresh buffer");
    eq(rtos.xMessageBufferIsEmpty(mb), pdTRUE, "IsEmpty of a fresh buffer");
    eq(rtos.xMessageBufferNextLengthBytes(mb), 0, "NextLengthBytes of a fresh buffer");

    // More bytes than possible: FromISR, then with an infinite block time (must not lock up).
    stage("oversize sends (FromISR, then portMAX_DELAY)");
    const oversize = mbMESSAGE_BUFFER_LENGTH_BYTES + mbBYTES_TO_STORE_MESSAGE_LENGTH;
    eq(rtos.xMessageBufferSendFromISR(mb, data(oversize), null), 0, `xMessageBufferSendFromISR of ${oversize} bytes`);
    eq(await rtos.xMessageBufferSend(mb, data(oversize), portMAX_DELAY), 0, `xMessageBufferSend of ${oversize} bytes with portMAX_DELAY`);

    // Five 6-byte messages (10 bytes each with the length) fill the 50-byte buffer.
    stage("6-byte messages with xMessageBufferSendFromISR");
    for (let xItem = 0; xItem < xMax6ByteMessages; xItem++) {
      eq(rtos.xMessageBufferIsFull(mb), pdFALSE, `IsFull before 6-byte message ${xItem}`);
      pucData.fill(0x30 + xItem, 0, x6ByteLength);
      rtos.taskENTER_CRITICAL();
      const r = rtos.xMessageBufferSendFromISR(mb, data(x6ByteLength), null);
      await rtos.taskEXIT_CRITICAL();
      eq(r, x6ByteLength, `xMessageBufferSendFromISR of 6-byte message ${xItem}`);
      xExpectedSpace -= x6ByteLength + mbBYTES_TO_STORE_MESSAGE_LENGTH;
      eq(rtos.xMessageBufferSpacesAvailable(mb), xExpectedSpace, `space after 6-byte message ${xItem}`);
      eq(rtos.xMessageBufferNextLengthBytes(mb), x6ByteLength, `NextLengthBytes after 6-byte message ${xItem}`);
    }

    // Full: adding anything fails, without and with a timeout.
    eq(rtos.xMessageBufferIsFull(mb), pdTRUE, "IsFull after five 6-byte messages");
    eq(await rtos.xMessageBufferSend(mb, data(1), mbDONT_BLOCK), 0, "1-byte send into full buffer (no block)");
    stage("timed send into full buffer");
    const uxOriginalPriority = rtos.uxTaskPriorityGet(null);
    await rtos.vTaskPrioritySet(null, CONFIG_MAX_PRIORITIES - 1);
    let xTimeBeforeCall = rtos.xTaskGetTickCount();
    let xReturned = await rtos.xMessageBufferSend(mb, data(1), xBlockTime);
    let xBlocked = elapsed(xTimeBeforeCall);
    await rtos.vTaskPrioritySet(null, uxOriginalPriority);
    ck(xBlocked >= xBlockTime, `send into full buffer blocked ${xBlocked} ticks, expected >= ${xBlockTime}`);
    ck(xBlocked < xBlockTime + xAllowableMargin, `send into full buffer blocked ${xBlocked} ticks, expected < ${xBlockTime + xAllowableMargin}`);
    eq(xReturned, 0, "timed send into full buffer");

    // Read the "000000", "111111", ... messages out.
    stage("6-byte reads");
    for (let xItem = 0; xItem < xMax6ByteMessages; xItem++) {
      pucData.fill(0x30 + xItem, 0, x6ByteLength);
      // Too small a buffer: 0, and the message stays.
      eq(await rtos.xMessageBufferReceive(mb, pucReadData.subarray(0, x6ByteLength - 1), mbDONT_BLOCK), 0, `receive of 6-byte message ${xItem} into 5 bytes`);
      eq(rtos.xMessageBufferNextLengthBytes(mb), x6ByteLength, `NextLengthBytes after too-small receive ${xItem}`);
      rtos.taskENTER_CRITICAL();
      const r = rtos.xMessageBufferReceiveFromISR(mb, pucReadData.subarray(0, x6ByteLength), null);
      await rtos.taskEXIT_CRITICAL();
      eq(r, x6ByteLength, `xMessageBufferReceiveFromISR of 6-byte message ${xItem}`);
      ck(memcmp(pucData, pucReadData, x6ByteLength) === 0, `6-byte message ${xItem}: got ${show(pucReadData.subarray(0, 6))}`);
      xExpectedSpace += x6ByteLength + mbBYTES_TO_STORE_MESSAGE_LENGTH;
      eq(rtos.xMessageBufferSpacesAvailable(mb), xExpectedSpace, `space after reading 6-byte message ${xItem}`);
    }
    eq(rtos.xMessageBufferIsEmpty(mb), pdTRUE, "IsEmpty after reading the 6-byte messages");
    eq(rtos.xMessageBufferSpacesAvailable(mb), mbMESSAGE_BUFFER_LENGTH_BYTES, "space after reading the 6-byte messages");
    eq(rtos.xMessageBufferNextLengthBytes(mb), 0, "NextLengthBytes after reading the 6-byte messages");

    // Reading with a timeout fails after the block time.
    stage("timed receive from empty buffer");
    await rtos.vTaskPrioritySet(null, CONFIG_MAX_PRIORITIES - 1);
    xTimeBeforeCall = rtos.xTaskGetTickCount();
    xReturned = await rtos.xMessageBufferReceive(mb, pucReadData.subarray(0, x6ByteLength), xBlockTime);
    xBlocked = elapsed(xTimeBeforeCall);
    await rtos.vTaskPrioritySet(null, uxOriginalPriority);
    ck(xBlocked >= xBlockTime, `receive from empty buffer blocked ${xBlocked} ticks, expected >= ${xBlockTime}`);
    ck(xBlocked < xBlockTime + xAllowableMargin, `receive from empty buffer blocked ${xBlocked} ticks, expected < ${xBlockTime + xAllowableMargin}`);
    eq(xReturned, 0, "timed receive from empty buffer");

    // 17-byte messages (21 bytes each) written then read 100 times; they wrap in the buffer.
    stage("17-byte message loop");
    xExpectedSpace = mbMESSAGE_BUFFER_LENGTH_BYTES - (x17ByteLength + mbBYTES_TO_STORE_MESSAGE_LENGTH);
    for (let xItem = 0; xItem < 100; xItem++) {
      pucData.fill((0x30 + xItem) & 0xff, 0, x17ByteLength);
      eq(await rtos.xMessageBufferSend(mb, data(x17ByteLength), mbDONT_BLOCK), x17ByteLength, `17-byte send ${xItem}`);
      eq(rtos.xMessageBufferNextLengthBytes(mb), x17ByteLength, `NextLengthBytes after 17-byte send ${xItem}`);
      eq(rtos.xMessageBufferSpacesAvailable(mb), xExpectedSpace, `space after 17-byte send ${xItem}`);
      eq(await rtos.xMessageBufferReceive(mb, pucReadData.subarray(0, x17ByteLength), mbDONT_BLOCK), x17ByteLength, `17-byte receive ${xItem}`);
      ck(memcmp(pucData, pucReadData, x17ByteLength) === 0, `17-byte message ${xItem}: data mismatch`);
      eq(rtos.xMessageBufferNextLengthBytes(mb), 0, `NextLengthBytes after 17-byte receive ${xItem}`);
    }
    eq(rtos.xMessageBufferIsEmpty(mb), pdTRUE, "IsEmpty after the 17-byte loop");
    eq(rtos.xMessageBufferSpacesAvailable(mb), mbMESSAGE_BUFFER_LENGTH_BYTES, "space after the 17-byte loop");

    // Cannot write within 4 bytes of the full 50 bytes (the length takes 4).
    stage("messages of 50..47 bytes");
    for (const n of [mbMESSAGE_BUFFER_LENGTH_BYTES, mbMESSAGE_BUFFER_LENGTH_BYTES - 1, mbMESSAGE_BUFFER_LENGTH_BYTES - 2, mbMESSAGE_BUFFER_LENGTH_BYTES - 3]) {
      eq(await rtos.xMessageBufferSend(mb, pc55ByteString.subarray(0, n), mbDONT_BLOCK), 0, `${n}-byte message into empty 50-byte buffer`);
    }
    eq(rtos.xMessageBufferNextLengthBytes(mb), 0, "NextLengthBytes after the too-large messages");

    // Can write 50 - sizeof(size_t) bytes though.
    stage("46-byte message");
    const x46 = mbMESSAGE_BUFFER_LENGTH_BYTES - SIZEOF_SIZE_T;
    eq(await rtos.xMessageBufferSend(mb, pc55ByteString.subarray(0, x46), mbDONT_BLOCK), x46, `${x46}-byte message`);
    eq(rtos.xMessageBufferNextLengthBytes(mb), x46, `NextLengthBytes after the ${x46}-byte message`);
    eq(await rtos.xMessageBufferReceive(mb, pucFullBuffer.subarray(0, x46), mbDONT_BLOCK), x46, `receive of the ${x46}-byte message`);
    ck(memcmp(pucFullBuffer, pc55ByteString, x46) === 0, `${x46}-byte message data: ${show(pucFullBuffer.subarray(0, x46))}`);

    stage("reset");
    rtos.xMessageBufferReset(mb);
    stage("done");
    singleTaskTestsDone.add(who);
  };

  const prvNonBlockingSenderTask = async (xMessageBuffer: MessageBufferHandle): Promise<void> => {
    let iDataToSend = 0;
    const iMaxValue = 1500;
    const cTxString = new Uint8Array(12);
    let xStringLength = sprintfD(cTxString, iDataToSend);
    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      if ((await rtos.xMessageBufferSend(xMessageBuffer, cTxString.subarray(0, strlen(cTxString)), mbDONT_BLOCK)) === xStringLength) {
        iDataToSend++;
        if (iDataToSend > iMaxValue) iDataToSend = 0;
        xStringLength = sprintfD(cTxString, iDataToSend);
      }
    }
  };

  const prvNonBlockingReceiverTask = async (xMessageBuffer: MessageBufferHandle): Promise<void> => {
    let xNonBlockingReceiveError = false;
    let iDataToSend = 0;
    const iMaxValue = 1500;
    const cExpectedString = new Uint8Array(12);
    const cRxString = new Uint8Array(12);
    let xStringLength = sprintfD(cExpectedString, iDataToSend);
    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      const xReceiveLength = await rtos.xMessageBufferReceive(xMessageBuffer, cRxString, mbDONT_BLOCK);
      if (xReceiveLength !== 0 && xReceiveLength !== xStringLength) {
        if (!xNonBlockingReceiveError) latch(`NonBlkRx: received ${xReceiveLength} bytes ${show(cRxString)}, expected ${xStringLength} (${show(cExpectedString)})`);
        xNonBlockingReceiveError = true;
      }
      if (xReceiveLength === xStringLength) {
        if (strcmp(cRxString, cExpectedString) !== 0) {
          if (!xNonBlockingReceiveError) latch(`NonBlkRx: received ${show(cRxString)}, expected ${show(cExpectedString)}`);
          xNonBlockingReceiveError = true;
        }
        iDataToSend++;
        if (iDataToSend > iMaxValue) iDataToSend = 0;
        cRxString.fill(0);
        xStringLength = sprintfD(cExpectedString, iDataToSend);
        if (!xNonBlockingReceiveError) ulNonBlockingRxCounter++;
      }
    }
  };

  const prvReceiverTask = async (pxMessageBuffer: MessageBufferHandle): Promise<void> => {
    const cExpectedString = new Uint8Array(12);
    const cReceivedString = new Uint8Array(12);
    let iExpectedData = 0;
    const xTicksToWait = rtos.pdMS_TO_TICKS(5);
    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      sprintfD(cExpectedString, iExpectedData);
      cReceivedString.fill(0);
      let xReceivedBytes: number;
      do {
        xReceivedBytes = await rtos.xMessageBufferReceive(pxMessageBuffer, cReceivedString.subarray(0, cExpectedString.length), xTicksToWait);
      } while (xReceivedBytes === 0);
      assert.ok(
        strcmp(cExpectedString, cReceivedString) === 0,
        `MsgReceiver (prio ${rtos.uxTaskPriorityGet(null)}): received ${show(cReceivedString)}, expected ${show(cExpectedString)}`,
      );
      iExpectedData++;
    }
  };

  const prvSenderTask = async (): Promise<void> => {
    let iDataToSend = 0;
    const iSendsBetweenIncrements = 100;
    const cTxString = new Uint8Array(12);
    const xTicksToWait = rtos.pdMS_TO_TICKS(175);
    const xShortDelay = rtos.pdMS_TO_TICKS(50);
    const uxIndex = rtos.uxTaskPriorityGet(null);
    assert.ok(uxIndex < mbNUMBER_OF_ECHO_CLIENTS, `Sender: priority ${uxIndex} not usable as an index`);
    // Stand-in for xMessageBufferCreateStatic(51 bytes of storage) => 50 bytes of space.
    const xMessageBuffer = rtos.xMessageBufferCreate(mbMESSAGE_BUFFER_LENGTH_BYTES);
    assert.ok(xMessageBuffer, "Sender: xMessageBufferCreate(50)");
    if (rtos.uxTaskPriorityGet(null) === mbLOWER_PRIORITY) {
      await prvSingleTaskTests(xMessageBuffer, "2Sender");
      await rtos.xTaskCreate(prvReceiverTask, "MsgReceiver", xBlockingStackSize, xMessageBuffer, mbHIGHER_PRIORITY);
    } else {
      await rtos.xTaskCreate(prvReceiverTask, "MsgReceiver", xBlockingStackSize, xMessageBuffer, mbLOWER_PRIORITY);
    }
    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      const n = sprintfD(cTxString, iDataToSend);
      let xBytesSent: number;
      do {
        xBytesSent = await rtos.xMessageBufferSend(xMessageBuffer, cTxString.subarray(0, n), xTicksToWait);
      } while (xBytesSent === 0);
      iDataToSend++;
      if (iDataToSend % iSendsBetweenIncrements === 0) {
        ulSenderLoopCounters[uxIndex]!++;
        if (rtos.uxTaskPriorityGet(null) === mbHIGHER_PRIORITY) await rtos.vTaskDelay(xShortDelay);
        // Stand-in for the static temp buffer over cTxString[12]: create and delete.
        const xTempMessageBuffer = rtos.xMessageBufferCreate(cTxString.length - 1);
        assert.ok(xTempMessageBuffer, "Sender: temp xMessageBufferCreate(11)");
        rtos.vMessageBufferDelete(xTempMessageBuffer);
      }
    }
  };

  interface EchoMessageBuffers {
    xEchoClientBuffer: MessageBufferHandle;
    xEchoServerBuffer: MessageBufferHandle;
  }

  const prvEchoClient = async (pxMessageBuffers: EchoMessageBuffers): Promise<void> => {
    let xSendLength = 0;
    let cNextChar = mbASCII_SPACE;
    const xTicksToWait = rtos.pdMS_TO_TICKS(50);
    const uxIndex = rtos.uxTaskPriorityGet(null);
    const pcStringToSend = new Uint8Array(mbMESSAGE_BUFFER_LENGTH_BYTES);
    const pcStringReceived = new Uint8Array(mbMESSAGE_BUFFER_LENGTH_BYTES);
    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      xSendLength++;
      if (xSendLength > mbMESSAGE_BUFFER_LENGTH_BYTES - SIZEOF_SIZE_T) {
        xSendLength = 1;
        ulEchoLoopCounters[uxIndex]!++;
      }
      pcStringToSend.fill(0);
      for (let ux = 0; ux < xSendLength; ux++) {
        pcStringToSend[ux] = cNextChar;
        cNextChar++;
        if (cNextChar > mbASCII_TILDA) cNextChar = mbASCII_SPACE;
      }
      let ux: number;
      do {
        ux = await rtos.xMessageBufferSend(pxMessageBuffers.xEchoClientBuffer, pcStringToSend.subarray(0, xSendLength), xTicksToWait);
      } while (ux === 0);
      pcStringReceived.fill(0);
      await rtos.xMessageBufferReceive(pxMessageBuffers.xEchoServerBuffer, pcStringReceived.subarray(0, xSendLength), portMAX_DELAY);
      assert.ok(
        strcmp(pcStringToSend, pcStringReceived) === 0,
        `EchoClient (prio ${uxIndex}): sent ${show(pcStringToSend)}, echo ${show(pcStringReceived)}`,
      );
    }
  };

  const prvEchoServer = async (): Promise<void> => {
    const xTicksToBlock = rtos.pdMS_TO_TICKS(250);
    const who = rtos.uxTaskPriorityGet(null) === mbHIGHER_PRIORITY ? "1EchoServer" : "2EchoServer";
    const xEchoClientBuffer = rtos.xMessageBufferCreate(mbMESSAGE_BUFFER_LENGTH_BYTES);
    const xEchoServerBuffer = rtos.xMessageBufferCreate(mbMESSAGE_BUFFER_LENGTH_BYTES);
    assert.ok(xEchoClientBuffer, `${who}: client buffer`);
    assert.ok(xEchoServerBuffer, `${who}: server buffer`);
    const xMessageBuffers: EchoMessageBuffers = { xEchoClientBuffer, xEchoServerBuffer };
    const pcReceivedString = new Uint8Array(mbMESSAGE_BUFFER_LENGTH_BYTES);

    const xTimeOnEntering = rtos.xTaskGetTickCount();
    let xReceivedLength = await rtos.xMessageBufferReceive(xEchoClientBuffer, pcReceivedString, xTicksToBlock);
    const waited = elapsed(xTimeOnEntering);
    assert.ok(waited >= xTicksToBlock, `${who}: initial receive returned after ${waited} ticks, expected >= ${xTicksToBlock}`);
    assert.equal(xReceivedLength, 0, `${who}: initial receive from empty buffer`);

    if (rtos.uxTaskPriorityGet(null) === mbLOWER_PRIORITY) {
      await rtos.xTaskCreate(prvEchoClient, "EchoClient", CONFIG_MINIMAL_STACK_SIZE, xMessageBuffers, mbHIGHER_PRIORITY);
    } else {
      await prvSingleTaskTests(xEchoClientBuffer, who);
      await rtos.xTaskCreate(prvEchoClient, "EchoClient", CONFIG_MINIMAL_STACK_SIZE, xMessageBuffers, mbLOWER_PRIORITY);
    }

    for (;;) {
      await rtos.busy(CPU_PER_LOOP);
      pcReceivedString.fill(0);
      xReceivedLength = await rtos.xMessageBufferReceive(xEchoClientBuffer, pcReceivedString, portMAX_DELAY);
      assert.ok(xReceivedLength > 0, `${who}: portMAX_DELAY receive returned 0`);
      await rtos.xMessageBufferSend(xEchoServerBuffer, pcReceivedString.subarray(0, xReceivedLength), portMAX_DELAY);
      const xTempMessageBuffer = rtos.xMessageBufferCreate(mbMESSAGE_BUFFER_LENGTH_BYTES);
      assert.ok(xTempMessageBuffer, `${who}: temp xMessageBufferCreate(50)`);
      rtos.vMessageBufferDelete(xTempMessageBuffer);
    }
  };

  // vStartMessageBufferTasks( configMINIMAL_STACK_SIZE )
  assert.equal(await rtos.xTaskCreate(prvEchoServer, "1EchoServer", xBlockingStackSize, null, mbHIGHER_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvEchoServer, "2EchoServer", xBlockingStackSize, null, mbLOWER_PRIORITY), pdPASS);
  const xMessageBuffer = rtos.xMessageBufferCreate(mbMESSAGE_BUFFER_LENGTH_BYTES);
  assert.ok(xMessageBuffer, "xMessageBufferCreate(50) for the non-blocking tasks");
  assert.equal(await rtos.xTaskCreate(prvNonBlockingReceiverTask, "NonBlkRx", xStackSize, xMessageBuffer, tskIDLE_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvNonBlockingSenderTask, "NonBlkTx", xStackSize, xMessageBuffer, tskIDLE_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvSenderTask, "1Sender", xBlockingStackSize, null, mbHIGHER_PRIORITY), pdPASS);
  assert.equal(await rtos.xTaskCreate(prvSenderTask, "2Sender", xBlockingStackSize, null, mbLOWER_PRIORITY), pdPASS);

  rtos.vTaskStartScheduler();

  // xAreMessageBufferTasksStillRunning()
  const ulLastEchoLoopCounters = [0, 0];
  let ulLastNonBlockingRxCounter = 0;
  const ulLastSenderLoopCounters = [0, 0];
  const xAreMessageBufferTasksStillRunning = (): string[] => {
    const stuck: string[] = [];
    for (let x = 0; x < mbNUMBER_OF_ECHO_CLIENTS; x++) {
      if (ulLastEchoLoopCounters[x] === ulEchoLoopCounters[x]) stuck.push(`ulEchoLoopCounters[${x}] stuck at ${ulEchoLoopCounters[x]}`);
      else ulLastEchoLoopCounters[x] = ulEchoLoopCounters[x]!;
    }
    if (ulNonBlockingRxCounter === ulLastNonBlockingRxCounter) stuck.push(`ulNonBlockingRxCounter stuck at ${ulNonBlockingRxCounter}`);
    else ulLastNonBlockingRxCounter = ulNonBlockingRxCounter;
    for (let x = 0; x < mbNUMBER_OF_SENDER_TASKS; x++) {
      if (ulLastSenderLoopCounters[x] === ulSenderLoopCounters[x]) stuck.push(`ulSenderLoopCounters[${x}] stuck at ${ulSenderLoopCounters[x]}`);
      else ulLastSenderLoopCounters[x] = ulSenderLoopCounters[x]!;
    }
    return stuck;
  };

  for (let round = 1; round <= CHECK_ROUNDS; round++) {
    await rtos.run(round === 1 ? FIRST_CHECK_AFTER : CHECK_PERIOD);
    if (round === 1) {
      for (const who of ["1EchoServer", "2Sender"]) {
        assert.ok(singleTaskTestsDone.has(who), `${who}: prvSingleTaskTests did not complete (stuck at: ${singleTaskTestsStage.get(who) ?? "not started"})`);
      }
    }
    assert.deepEqual(latched, [], `round ${round}: errors latched by NonBlkRx`);
    assert.deepEqual(xAreMessageBufferTasksStillRunning(), [], `round ${round} (tick ${rtos.xTaskGetTickCount()}): xAreMessageBufferTasksStillRunning`);
  }
});
