/*
 * Unit tests of src/kernel/stream-buffer.ts against FreeRTOS-Kernel V11 stream_buffer.c (rule 32):
 *
 *   capacity        xStreamBufferGenericCreate allocates xBufferSizeBytes + 1 (usable = size),
 *                   prvBytesInBuffer / xStreamBufferSpacesAvailable, wrap-around copies.
 *   partial writes  prvWriteMessageToBuffer: stream writes min(length, space).
 *   all-or-nothing  prvWriteMessageToBuffer: message needs length + 4, else 0; xRequiredSpace >
 *                   xMaxReportedSpace -> xTicksToWait = 0 (no wait, returns 0).
 *   too small rx    prvReadMessageFromBuffer: xNextMessageLength > xBufferLengthBytes -> 0, tail kept.
 *   trigger level   xStreamBufferSend: prvSEND_COMPLETED only when bytes >= xTriggerLevelBytes.
 *   blocking        xStreamBufferSend loop (vTaskSetTimeOutState / xTaskCheckForTimeOut, the space
 *                   measured last is the one used after a timeout); xStreamBufferReceive blocks once.
 *   ISR twins       sbSEND_COMPLETE_FROM_ISR / sbRECEIVE_COMPLETED_FROM_ISR -> xTaskNotifyFromISR
 *                   sets *pxHigherPriorityTaskWoken.
 *   reset           xStreamBufferReset fails while xTaskWaitingToReceive / xTaskWaitingToSend set.
 *   single reader   configASSERT( pxStreamBuffer->xTaskWaitingToReceive == NULL ) (and the writer twin).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Kernel, type KernelTask, type Ref } from "../../src/kernel/kernel.js";
import {
  MESSAGE_LENGTH_BYTES,
  StreamBuffer,
  createStreamBuffer,
  streamBufferBytesAvailable,
  streamBufferDelete,
  streamBufferGetNotificationIndex,
  streamBufferHeapBytes,
  streamBufferIsEmpty,
  streamBufferIsFull,
  streamBufferNextMessageLength,
  streamBufferReceive,
  streamBufferReceiveCompletedFromIsr,
  streamBufferReceiveFromIsr,
  streamBufferReset,
  streamBufferResetFromIsr,
  streamBufferSend,
  streamBufferSendCompletedFromIsr,
  streamBufferSendFromIsr,
  streamBufferSetNotificationIndex,
  streamBufferSetTriggerLevel,
  streamBufferSpacesAvailable,
} from "../../src/kernel/stream-buffer.js";
import { notify } from "../../src/kernel/notify.js";
import { KernelAssertError } from "../../src/kernel/errors.js";
import { eBlocked, eReady, eSuspended, eNoAction, pdFAIL, pdFALSE, pdPASS, pdTRUE } from "../../src/kernel/constants.js";
import type { TraceEvent } from "../../src/kernel/trace.js";
import { yieldFromIsr } from "../../src/kernel/isr.js";
import { abortDelay, createTask, deleteTask, startScheduler, taskDelay } from "../../src/kernel/task-control.js";
import { resumeAll, suspendAll } from "../../src/kernel/tick.js";

const T = { timeout: 10_000 };

function mk(extra: Record<string, unknown> = {}): Kernel {
  return new Kernel({ configMAX_PRIORITIES: 8, ...extra });
}

function spawn(k: Kernel, name: string, prio: number, fn: () => Promise<unknown>): KernelTask {
  const ref: Ref<KernelTask | null> = { value: null };
  void createTask(k, fn, name, 128, null, prio, ref);
  assert.ok(ref.value, `task ${name} created`);
  return ref.value;
}

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);
const seq = (n: number, from = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

// ───────────────────────────── creation, capacity, arguments ─────────────────────────────

test("create: usable capacity is sizeBytes (ring of sizeBytes + 1), heap charged and freed", T, () => {
  const k = mk();
  const free0 = k.heap.getFreeHeapSize();
  const sb = createStreamBuffer(k, 10, 1, false)!;
  assert.ok(sb instanceof StreamBuffer);
  assert.equal(sb.length, 11);
  assert.equal(streamBufferHeapBytes(10), free0 - k.heap.getFreeHeapSize());
  assert.equal(streamBufferSpacesAvailable(k, sb), 10);
  assert.equal(streamBufferBytesAvailable(k, sb), 0);
  assert.equal(streamBufferIsEmpty(k, sb), pdTRUE);
  assert.equal(streamBufferIsFull(k, sb), pdFALSE);
  streamBufferDelete(k, sb);
  assert.equal(k.heap.getFreeHeapSize(), free0);
  assert.throws(() => streamBufferSpacesAvailable(k, sb), KernelAssertError);
  assert.throws(() => streamBufferDelete(k, sb), /vStreamBufferDelete.*deleted/);
});

test("create: configASSERTs and argument errors name the call", T, () => {
  const k = mk();
  assert.throws(() => createStreamBuffer(k, 0, 0, false), (e: unknown) => e instanceof KernelAssertError && /xStreamBufferCreate/.test(e.message));
  assert.throws(() => createStreamBuffer(k, 4, 0, true), (e: unknown) => e instanceof KernelAssertError && /xMessageBufferCreate/.test(e.message));
  assert.ok(createStreamBuffer(k, 5, 0, true));
  assert.throws(() => createStreamBuffer(k, 8, 9, false), (e: unknown) => e instanceof KernelAssertError && /xTriggerLevelBytes 9/.test(e.message));
  assert.throws(() => createStreamBuffer(k, -1, 0, false), (e: unknown) => e instanceof RangeError && /xStreamBufferCreate.*xBufferSizeBytes/.test(e.message));
  assert.throws(() => createStreamBuffer(k, 1.5, 0, false), RangeError);
  assert.throws(() => createStreamBuffer(k, 8, -2, false), (e: unknown) => e instanceof RangeError && /xTriggerLevelBytes/.test(e.message));
  const sb = createStreamBuffer(k, 8, 0, false)!;
  assert.equal(sb.triggerLevelBytes, 1, "a trigger level of 0 becomes 1");
  assert.throws(() => streamBufferSendFromIsr(k, sb, [1, 2] as unknown as Uint8Array, null), (e: unknown) => e instanceof TypeError && /xStreamBufferSendFromISR.*Uint8Array/.test(e.message));
  assert.throws(() => streamBufferReceiveFromIsr(k, sb, null as unknown as Uint8Array, null), TypeError);
  assert.throws(() => streamBufferBytesAvailable(k, {} as StreamBuffer), (e: unknown) => e instanceof TypeError && /xStreamBufferBytesAvailable/.test(e.message));
  const other = mk();
  assert.throws(() => streamBufferIsEmpty(other, sb), /another kernel/);
  assert.throws(() => streamBufferSend(k, sb, bytes(1), -1), RangeError);
});

test("create: returns null when the heap cannot hold the buffer", T, () => {
  let failed = 0;
  const k = mk({ configTOTAL_HEAP_SIZE: 1024, vApplicationMallocFailedHook: () => failed++ });
  assert.equal(createStreamBuffer(k, 2000, 1, false), null);
  assert.equal(failed, 1);
  assert.ok(createStreamBuffer(k, 100, 1, false));
});

// ───────────────────────────── stream writes and reads ─────────────────────────────

test("stream: writes are partial, capacity is sizeBytes, data survives wrap-around", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 10, 1, false)!;
  assert.equal(await streamBufferSend(k, sb, seq(6, 1), 0), 6);
  assert.equal(await streamBufferSend(k, sb, seq(6, 7), 0), 4, "only 4 of 6 fit");
  assert.equal(streamBufferIsFull(k, sb), pdTRUE);
  assert.equal(streamBufferSpacesAvailable(k, sb), 0);
  assert.equal(streamBufferBytesAvailable(k, sb), 10);
  assert.equal(await streamBufferSend(k, sb, bytes(99), 0), 0, "full: nothing written");
  const into = new Uint8Array(7);
  assert.equal(await streamBufferReceive(k, sb, into, 0), 7);
  assert.deepEqual([...into], [1, 2, 3, 4, 5, 6, 7]);
  // Head wraps: 5 more go at indices 10, 0..3.
  assert.equal(await streamBufferSend(k, sb, seq(5, 20), 0), 5);
  const all = new Uint8Array(20);
  assert.equal(await streamBufferReceive(k, sb, all, 0), 8);
  assert.deepEqual([...all.subarray(0, 8)], [8, 9, 10, 20, 21, 22, 23, 24]);
  assert.equal(streamBufferIsEmpty(k, sb), pdTRUE);
  assert.equal(await streamBufferReceive(k, sb, all, 0), 0, "empty: nothing read");
  assert.equal(await streamBufferSend(k, sb, new Uint8Array(0), 0), 0, "zero bytes");
  // A stream send longer than the capacity writes the capacity.
  assert.equal(await streamBufferSend(k, sb, seq(25), 0), 10);
});

test("stream and message: random traffic matches a reference FIFO (long copies and wraps)", T, async () => {
  const k = mk();
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const sb = createStreamBuffer(k, 97, 1, false)!;
  const model: number[] = [];
  let next = 0;
  for (let i = 0; i < 2000; i++) {
    if (rnd(2) === 0) {
      const data = seq(rnd(80), next);
      const n = await streamBufferSend(k, sb, data, 0);
      assert.equal(n, Math.min(data.length, 97 - model.length));
      for (let j = 0; j < n; j++) model.push(data[j]!);
      next += n;
    } else {
      const into = new Uint8Array(rnd(80));
      const n = await streamBufferReceive(k, sb, into, 0);
      assert.equal(n, Math.min(into.length, model.length));
      assert.deepEqual([...into.subarray(0, n)], model.splice(0, n));
    }
    assert.equal(streamBufferBytesAvailable(k, sb), model.length);
    assert.equal(streamBufferSpacesAvailable(k, sb), 97 - model.length);
  }
  const mb = createStreamBuffer(k, 120, 0, true)!;
  const queued: Uint8Array[] = [];
  let used = 0;
  for (let i = 0; i < 2000; i++) {
    if (rnd(2) === 0) {
      const data = seq(1 + rnd(60), i);
      const n = await streamBufferSend(k, mb, data, 0);
      if (used + data.length + 4 <= 120) {
        assert.equal(n, data.length);
        queued.push(data);
        used += data.length + 4;
      } else assert.equal(n, 0, "message does not fit: nothing written");
    } else {
      const into = new Uint8Array(64);
      const n = await streamBufferReceive(k, mb, into, 0);
      const want = queued.shift();
      assert.equal(n, want?.length ?? 0);
      if (want) {
        assert.deepEqual([...into.subarray(0, n)], [...want]);
        used -= want.length + 4;
      }
    }
    assert.equal(streamBufferBytesAvailable(k, mb), used);
    assert.equal(streamBufferNextMessageLength(k, mb), queued[0]?.length ?? 0);
  }
});

// ───────────────────────────── message buffers ─────────────────────────────

test("message: all-or-nothing with a 4-byte length per message; too big never waits", T, async () => {
  const k = mk();
  const mb = createStreamBuffer(k, 20, 0, true)!;
  assert.equal(MESSAGE_LENGTH_BYTES, 4);
  assert.equal(await streamBufferSend(k, mb, seq(10, 1), 0), 10);
  assert.equal(streamBufferBytesAvailable(k, mb), 14);
  assert.equal(streamBufferSpacesAvailable(k, mb), 6);
  assert.equal(await streamBufferSend(k, mb, seq(3), 0), 0, "3 + 4 > 6: nothing written");
  assert.equal(streamBufferBytesAvailable(k, mb), 14);
  assert.equal(streamBufferIsFull(k, mb), pdFALSE);
  assert.equal(await streamBufferSend(k, mb, seq(2, 50), 0), 2, "2 + 4 = 6 fits exactly");
  assert.equal(streamBufferIsFull(k, mb), pdTRUE);
  assert.equal(await streamBufferSend(k, mb, new Uint8Array(0), 0), 0, "a zero-length message is not stored");
  const into = new Uint8Array(20);
  assert.equal(await streamBufferReceive(k, mb, into, 0), 10);
  assert.deepEqual([...into.subarray(0, 10)], [...seq(10, 1)]);
  assert.equal(await streamBufferReceive(k, mb, into, 0), 2);
  assert.deepEqual([...into.subarray(0, 2)], [50, 51]);
  assert.equal(await streamBufferReceive(k, mb, into, 0), 0);

  // 17 + 4 > 20: can never fit, so even portMAX_DELAY returns 0 at once (xTicksToWait forced to 0).
  let result = -1;
  let at = -1;
  spawn(k, "big", 2, async () => {
    result = await streamBufferSend(k, mb, seq(17), k.maxDelay);
    at = k.getTickCount();
  });
  startScheduler(k);
  await k.advance(5);
  assert.equal(result, 0);
  assert.equal(at, 0);
  assert.equal(await streamBufferSend(k, mb, seq(16), 0), 16, "16 + 4 = 20 fits an empty buffer");
});

test("message: a receive buffer smaller than the next message returns 0 and the message stays", T, async () => {
  const k = mk();
  const mb = createStreamBuffer(k, 32, 0, true)!;
  assert.equal(await streamBufferSend(k, mb, seq(8, 100), 0), 8);
  assert.equal(await streamBufferSend(k, mb, seq(3, 200), 0), 3);
  assert.equal(streamBufferNextMessageLength(k, mb), 8);
  const small = new Uint8Array(7);
  assert.equal(await streamBufferReceive(k, mb, small, 0), 0);
  assert.equal(streamBufferReceiveFromIsr(k, mb, small, null), 0);
  assert.deepEqual([...small], [0, 0, 0, 0, 0, 0, 0], "nothing copied");
  assert.equal(streamBufferBytesAvailable(k, mb), 8 + 4 + 3 + 4, "both messages still queued");
  assert.equal(streamBufferNextMessageLength(k, mb), 8);
  const exact = new Uint8Array(8);
  assert.equal(await streamBufferReceive(k, mb, exact, 0), 8);
  assert.deepEqual([...exact], [...seq(8, 100)]);
  assert.equal(streamBufferNextMessageLength(k, mb), 3);
  const big = new Uint8Array(100);
  assert.equal(await streamBufferReceive(k, mb, big, 0), 3, "a larger buffer gets just the message");
  assert.equal(streamBufferNextMessageLength(k, mb), 0);
  const sb = createStreamBuffer(k, 8, 1, false)!;
  await streamBufferSend(k, sb, seq(5), 0);
  assert.equal(streamBufferNextMessageLength(k, sb), 0, "always 0 for a stream buffer");
});

test("message: a too-small receive with a timeout does not block when a message is queued", T, async () => {
  const k = mk();
  const mb = createStreamBuffer(k, 32, 0, true)!;
  await streamBufferSend(k, mb, seq(8), 0);
  let n = -1;
  let at = -1;
  spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, mb, new Uint8Array(4), 50);
    at = k.getTickCount();
  });
  startScheduler(k);
  await k.advance(1);
  assert.equal(n, 0);
  assert.equal(at, 0);
  assert.equal(streamBufferNextMessageLength(k, mb), 8);
});

// ───────────────────────────── trigger level and blocking ─────────────────────────────

test("trigger level: a blocked reader wakes only when the bytes present reach it, and preempts the writer", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 16, 4, false)!;
  const log: string[] = [];
  const rx = spawn(k, "rx", 3, async () => {
    const into = new Uint8Array(16);
    const n = await streamBufferReceive(k, sb, into, k.maxDelay);
    log.push(`rx ${n} @${k.getTickCount()} [${[...into.subarray(0, n)]}]`);
  });
  spawn(k, "tx", 2, async () => {
    for (let i = 1; i <= 5; i++) {
      await taskDelay(k, 1);
      const n = await streamBufferSend(k, sb, bytes(i), 0);
      log.push(`tx ${n} @${k.getTickCount()}`);
    }
  });
  startScheduler(k);
  await k.advance(3);
  assert.deepEqual(log, ["tx 1 @1", "tx 1 @2", "tx 1 @3"]);
  assert.equal(k.getState(rx), eBlocked, "3 bytes < trigger 4: reader still blocked");
  assert.equal(sb.waitingToReceive, rx);
  await k.advance(1);
  assert.deepEqual(log.slice(3), ["rx 4 @4 [1,2,3,4]", "tx 1 @4"], "the reader runs inside the 4th send");
  assert.equal(sb.waitingToReceive, null);
  await k.advance(2);
  assert.deepEqual(log.slice(5), ["tx 1 @5"]);
  assert.equal(streamBufferBytesAvailable(k, sb), 1);
});

test("trigger level: a receive returns at once with fewer bytes than the trigger level if any are present", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 16, 8, false)!;
  await streamBufferSend(k, sb, seq(2), 0);
  let n = -1;
  spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(16), 100);
  });
  startScheduler(k);
  await k.advance(1);
  assert.equal(n, 2);
});

test("trigger level: setTriggerLevel (0 means 1; above sizeBytes is refused); a lower-priority reader does not preempt", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 8, 1, false)!;
  assert.equal(streamBufferSetTriggerLevel(k, sb, 9), pdFALSE);
  assert.equal(sb.triggerLevelBytes, 1);
  assert.equal(streamBufferSetTriggerLevel(k, sb, 8), pdTRUE);
  assert.equal(sb.triggerLevelBytes, 8);
  assert.equal(streamBufferSetTriggerLevel(k, sb, 0), pdTRUE);
  assert.equal(sb.triggerLevelBytes, 1);
  assert.throws(() => streamBufferSetTriggerLevel(k, sb, -1), RangeError);
  assert.equal(streamBufferSetTriggerLevel(k, sb, 3), pdTRUE);
  const log: string[] = [];
  spawn(k, "rx", 1, async () => {
    const into = new Uint8Array(8);
    const n = await streamBufferReceive(k, sb, into, k.maxDelay);
    log.push(`rx ${n}`);
  });
  spawn(k, "tx", 2, async () => {
    await taskDelay(k, 1);
    log.push(`tx ${await streamBufferSend(k, sb, seq(3), 0)}`);
    log.push("tx after");
    await taskDelay(k, 1);
  });
  startScheduler(k);
  await k.advance(3);
  assert.deepEqual(log, ["tx 3", "tx after", "rx 3"]);
});

test("message buffer: the reader wakes on any complete message", T, async () => {
  const k = mk();
  const mb = createStreamBuffer(k, 100, 0, true)!;
  const log: string[] = [];
  spawn(k, "rx", 3, async () => {
    const into = new Uint8Array(50);
    for (let i = 0; i < 2; i++) {
      const n = await streamBufferReceive(k, mb, into, k.maxDelay);
      log.push(`rx ${n} @${k.getTickCount()}`);
    }
  });
  spawn(k, "tx", 2, async () => {
    await taskDelay(k, 2);
    await streamBufferSend(k, mb, seq(1), 0);
    await taskDelay(k, 3);
    await streamBufferSend(k, mb, seq(30), 0);
  });
  startScheduler(k);
  await k.advance(10);
  assert.deepEqual(log, ["rx 1 @2", "rx 30 @5"]);
});

test("blocking receive with a timeout: Blocked (a notification wait), then 0 at the deadline", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 8, 1, false)!;
  let n = -1;
  let at = -1;
  const rx = spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(8), 10);
    at = k.getTickCount();
  });
  startScheduler(k);
  await k.advance(9);
  assert.equal(k.getState(rx), eBlocked);
  assert.equal(rx.notifyState(0), 1, "waiting on notification index 0 (taskWAITING_NOTIFICATION)");
  assert.equal(n, -1);
  await k.advance(1);
  assert.equal(n, 0);
  assert.equal(at, 10);
  assert.equal(rx.notifyState(0), 0);
  assert.equal(sb.waitingToReceive, null);
});

test("blocking receive with portMAX_DELAY is Blocked (not Suspended) and wakes on data", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 8, 1, false)!;
  let n = -1;
  const rx = spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(8), k.maxDelay);
  });
  startScheduler(k);
  await k.advance(1000);
  assert.equal(k.getState(rx), eBlocked);
  assert.notEqual(k.getState(rx), eSuspended);
  assert.equal(await streamBufferSend(k, sb, seq(5), 0), 5);
  assert.equal(k.getState(rx), eReady);
  await k.advance(1);
  assert.equal(n, 5);
});

test("blocking stream send waits for the whole item, re-blocks on partial room, writes all when it fits", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 10, 1, false)!;
  const log: string[] = [];
  const tx = spawn(k, "tx", 2, async () => {
    log.push(`tx ${await streamBufferSend(k, sb, seq(10), 0)}`);
    const n = await streamBufferSend(k, sb, seq(6, 50), 100);
    log.push(`tx ${n} @${k.getTickCount()}`);
  });
  spawn(k, "rx", 1, async () => {
    const into = new Uint8Array(3);
    for (let i = 0; i < 2; i++) {
      await taskDelay(k, 5);
      log.push(`rx ${await streamBufferReceive(k, sb, into, 0)} @${k.getTickCount()}`);
    }
  });
  startScheduler(k);
  await k.advance(4);
  assert.deepEqual(log, ["tx 10"]);
  assert.equal(k.getState(tx), eBlocked);
  await k.advance(2); // rx reads 3 at tick 5: 3 free < 6, the writer wakes (higher priority) and blocks again
  assert.deepEqual(log.slice(1), ["rx 3 @5"]);
  assert.equal(k.getState(tx), eBlocked);
  assert.equal(sb.waitingToSend, tx);
  assert.equal(streamBufferBytesAvailable(k, sb), 7);
  await k.advance(5); // rx reads 3 more at tick 10: 6 free, the writer writes all 6 and preempts rx
  assert.deepEqual(log.slice(2), ["tx 6 @10", "rx 3 @10"]);
  assert.equal(streamBufferBytesAvailable(k, sb), 10);
});

test("blocking stream send times out, then writes what fits (partial)", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 10, 1, false)!;
  let n = -1;
  let at = -1;
  spawn(k, "tx", 2, async () => {
    await streamBufferSend(k, sb, seq(8), 0);
    n = await streamBufferSend(k, sb, seq(5, 100), 7);
    at = k.getTickCount();
  });
  startScheduler(k);
  await k.advance(7);
  assert.equal(n, 2, "2 of 5 bytes fit after the timeout");
  assert.equal(at, 7);
  const into = new Uint8Array(10);
  assert.equal(await streamBufferReceive(k, sb, into, 0), 10);
  assert.deepEqual([...into.subarray(8)], [100, 101]);
});

test("blocking stream send longer than the capacity waits for an empty buffer and writes the capacity", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 8, 1, false)!;
  let n = -1;
  let at = -1;
  spawn(k, "tx", 2, async () => {
    await streamBufferSend(k, sb, seq(1), 0);
    n = await streamBufferSend(k, sb, seq(20), k.maxDelay);
    at = k.getTickCount();
  });
  startScheduler(k);
  await k.advance(3);
  assert.equal(n, -1, "7 free < min(20, 8): waits");
  const woken = { value: pdFALSE };
  assert.equal(streamBufferReceiveFromIsr(k, sb, new Uint8Array(1), woken), 1);
  assert.equal(woken.value, pdTRUE);
  yieldFromIsr(k, woken);
  await k.advance(1);
  assert.equal(n, 8);
  assert.equal(at, 3);
});

test("blocking send on timeout uses the space it measured last (V11 xSpace is not re-read)", T, async () => {
  // The writer blocks at tick 0 for 5 ticks with 2 bytes free. At tick 5 a higher-priority reader
  // (its delay ends on the same tick) frees 3 more and notifies the writer; the writer then sees
  // xTaskCheckForTimeOut expire and writes with xSpace = 2, not 5.
  const k = mk();
  const sb = createStreamBuffer(k, 10, 1, false)!;
  let n = -1;
  spawn(k, "rx", 3, async () => {
    await taskDelay(k, 5);
    await streamBufferReceive(k, sb, new Uint8Array(3), 0);
  });
  spawn(k, "tx", 2, async () => {
    await streamBufferSend(k, sb, seq(8), 0);
    n = await streamBufferSend(k, sb, seq(8), 5);
  });
  startScheduler(k);
  await k.advance(6);
  assert.equal(n, 2);
  assert.equal(streamBufferBytesAvailable(k, sb), 7);
});

test("blocking message send waits until the whole message fits", T, async () => {
  const k = mk();
  const mb = createStreamBuffer(k, 20, 0, true)!;
  const log: string[] = [];
  spawn(k, "tx", 2, async () => {
    log.push(`tx ${await streamBufferSend(k, mb, seq(10), 0)}`); // 14 used
    log.push(`tx ${await streamBufferSend(k, mb, seq(8), 3)} @${k.getTickCount()}`); // needs 12: times out
    log.push(`tx ${await streamBufferSend(k, mb, seq(8), 20)} @${k.getTickCount()}`);
  });
  spawn(k, "rx", 1, async () => {
    await taskDelay(k, 6);
    log.push(`rx ${await streamBufferReceive(k, mb, new Uint8Array(20), 0)} @${k.getTickCount()}`);
  });
  startScheduler(k);
  await k.advance(10);
  assert.deepEqual(log, ["tx 10", "tx 0 @3", "tx 8 @6", "rx 10 @6"]);
  assert.equal(streamBufferNextMessageLength(k, mb), 8);
});

test("a direct notification on the same index wakes a blocked reader early: it returns 0 (no loop on receive)", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 8, 1, false)!;
  let n = -1;
  let at = -1;
  const rx = spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(8), 50);
    at = k.getTickCount();
  });
  spawn(k, "poker", 1, async () => {
    await taskDelay(k, 3);
    await notify(k, rx, 0, 0, eNoAction);
  });
  startScheduler(k);
  await k.advance(10);
  assert.equal(n, 0);
  assert.equal(at, 3);
});

test("a blocked writer whose wait is aborted re-blocks for the remaining time (the notify wait is not an event list)", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 4, 1, false)!;
  let n = -1;
  let at = -1;
  const tx = spawn(k, "tx", 2, async () => {
    await streamBufferSend(k, sb, seq(4), 0);
    n = await streamBufferSend(k, sb, seq(2), 10);
    at = k.getTickCount();
  });
  spawn(k, "aborter", 1, async () => {
    await taskDelay(k, 4);
    assert.equal(await abortDelay(k, tx), pdPASS);
  });
  startScheduler(k);
  await k.advance(5);
  assert.equal(k.getState(tx), eBlocked, "back in the wait after the abort");
  await k.advance(6);
  assert.equal(n, 0);
  assert.equal(at, 10);
});

// ───────────────────────────── single reader / single writer ─────────────────────────────

test("single reader: a second task blocking to receive asserts; a second writer likewise", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 4, 1, false)!;
  const errors: unknown[] = [];
  const r1 = spawn(k, "r1", 2, async () => {
    await streamBufferReceive(k, sb, new Uint8Array(4), k.maxDelay);
  });
  spawn(k, "r2", 1, async () => {
    try {
      await streamBufferReceive(k, sb, new Uint8Array(4), 10);
    } catch (e) {
      errors.push(e);
    }
    // Polling (ticks 0) is not a wait and does not assert.
    assert.equal(await streamBufferReceive(k, sb, new Uint8Array(4), 0), 0);
  });
  startScheduler(k);
  await k.advance(1);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof KernelAssertError);
  assert.match((errors[0] as Error).message, /xStreamBufferReceive called from task "r2".*"r1" already waits.*one reader/);
  assert.equal(sb.waitingToReceive, r1, "the first reader is still recorded");

  const mb = createStreamBuffer(k, 8, 0, true)!;
  await streamBufferSend(k, mb, seq(4), 0);
  spawn(k, "w1", 5, async () => {
    await streamBufferSend(k, mb, seq(4), k.maxDelay);
  });
  spawn(k, "w2", 4, async () => {
    try {
      await streamBufferSend(k, mb, seq(1), 5);
    } catch (e) {
      errors.push(e);
    }
  });
  await k.advance(1);
  assert.equal(errors.length, 2);
  assert.ok(errors[1] instanceof KernelAssertError);
  assert.match((errors[1] as Error).message, /xMessageBufferSend called from task "w2".*"w1" already waits.*one writer/);
});

test("task-level calls assert in an ISR; blocking asserts with the scheduler suspended", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 4, 1, false)!;
  const caught: string[] = [];
  k.registerInterrupt(1, 5, () => {
    for (const f of [() => streamBufferSend(k, sb, bytes(1), 0), () => streamBufferReceive(k, sb, new Uint8Array(1), 0), () => streamBufferReset(k, sb), () => streamBufferDelete(k, sb)]) {
      try {
        void f();
      } catch (e) {
        if (e instanceof KernelAssertError) caught.push(e.message);
      }
    }
  }, "uart");
  let suspendedError: unknown = null;
  spawn(k, "t", 1, async () => {
    suspendAll(k);
    try {
      await streamBufferReceive(k, sb, new Uint8Array(1), 5);
    } catch (e) {
      suspendedError = e;
    }
    await resumeAll(k);
  });
  startScheduler(k);
  k.triggerInterrupt(1, 2);
  await k.advance(3);
  assert.equal(caught.length, 4);
  assert.match(caught[0]!, /xStreamBufferSend called from ISR "uart"/);
  assert.match(caught[1]!, /xStreamBufferReceive called from ISR "uart"/);
  assert.ok(suspendedError instanceof KernelAssertError);
  assert.equal(sb.waitingToReceive, null, "nothing recorded by the failed call");
});

// ───────────────────────────── ISR twins ─────────────────────────────

test("SendFromISR wakes a higher-priority reader and sets *pxHigherPriorityTaskWoken; portYIELD_FROM_ISR switches at once", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 16, 3, false)!;
  const log: string[] = [];
  const wokenSeen: number[] = [];
  let chunk = 0;
  k.registerInterrupt(2, 5, () => {
    const woken = { value: pdFALSE };
    const n = streamBufferSendFromIsr(k, sb, seq(2, 10 * ++chunk), woken);
    log.push(`isr ${n}`);
    wokenSeen.push(woken.value);
    yieldFromIsr(k, woken);
  }, "dma");
  spawn(k, "rx", 3, async () => {
    const into = new Uint8Array(16);
    const n = await streamBufferReceive(k, sb, into, k.maxDelay);
    log.push(`rx ${n} @${k.now()} [${[...into.subarray(0, n)]}]`);
  });
  spawn(k, "low", 1, async () => {
    await k.busy(100);
  });
  startScheduler(k);
  k.triggerInterrupt(2, 2.25);
  k.triggerInterrupt(2, 4.5);
  await k.advance(10);
  assert.deepEqual(wokenSeen, [pdFALSE, pdTRUE], "first: 2 < trigger 3 (no wake); second: 4 >= 3");
  assert.deepEqual(log, ["isr 2", "isr 2", "rx 4 @4.5 [10,11,20,21]"]);
});

test("SendFromISR: a lower-priority reader is readied but woken stays pdFALSE", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 16, 1, false)!;
  let woken = -1;
  const rx = spawn(k, "rx", 1, async () => {
    await streamBufferReceive(k, sb, new Uint8Array(16), k.maxDelay);
  });
  spawn(k, "busy", 2, async () => {
    await taskDelay(k, 1);
    await k.busy(5);
  });
  k.registerInterrupt(3, 5, () => {
    const ref = { value: pdFALSE };
    streamBufferSendFromIsr(k, sb, seq(1), ref);
    woken = ref.value;
  });
  startScheduler(k);
  k.triggerInterrupt(3, 2.5);
  await k.advance(3);
  assert.equal(woken, pdFALSE);
  assert.equal(k.getState(rx), eReady);
});

test("SendFromISR with the scheduler suspended puts the reader on the pending-ready list", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 16, 1, false)!;
  const log: string[] = [];
  const rx = spawn(k, "rx", 3, async () => {
    log.push(`rx ${await streamBufferReceive(k, sb, new Uint8Array(16), k.maxDelay)}`);
  });
  k.registerInterrupt(4, 5, () => {
    const woken = { value: pdFALSE };
    log.push(`isr ${streamBufferSendFromIsr(k, sb, seq(3), woken)} woken=${woken.value}`);
  });
  spawn(k, "t", 1, async () => {
    suspendAll(k);
    k.triggerInterrupt(4);
    log.push(`state ${k.getState(rx) === eReady ? "ready" : "other"} pending=${k.pendingReadyList.length}`);
    await resumeAll(k);
    log.push("t resumed");
  });
  startScheduler(k);
  await k.advance(2);
  assert.deepEqual(log, ["isr 3 woken=1", "state ready pending=1", "rx 3", "t resumed"]);
});

test("ReceiveFromISR wakes a blocked higher-priority writer (woken pdTRUE); message receive from ISR is all-or-nothing", T, async () => {
  const k = mk();
  const mb = createStreamBuffer(k, 12, 0, true)!;
  const log: string[] = [];
  spawn(k, "tx", 3, async () => {
    log.push(`tx ${await streamBufferSend(k, mb, seq(8), 0)}`);
    log.push(`tx ${await streamBufferSend(k, mb, seq(5, 40), k.maxDelay)} @${k.now()}`);
  });
  spawn(k, "low", 1, async () => {
    await k.busy(50);
  });
  const got: number[] = [];
  k.registerInterrupt(5, 6, () => {
    const woken = { value: pdFALSE };
    got.push(streamBufferReceiveFromIsr(k, mb, new Uint8Array(4), woken), woken.value);
    got.push(streamBufferReceiveFromIsr(k, mb, new Uint8Array(8), woken), woken.value);
    yieldFromIsr(k, woken);
  });
  startScheduler(k);
  k.triggerInterrupt(5, 3.5);
  await k.advance(5);
  assert.deepEqual(got, [0, pdFALSE, 8, pdTRUE]);
  assert.deepEqual(log, ["tx 8", "tx 5 @3.5"]);
  assert.equal(streamBufferNextMessageLength(k, mb), 5);
});

test("FromISR calls assert above configMAX_SYSCALL_INTERRUPT_PRIORITY", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 16, 1, false)!;
  let err: unknown = null;
  k.registerInterrupt(6, 12, () => {
    try {
      streamBufferSendFromIsr(k, sb, seq(1), null);
    } catch (e) {
      err = e;
    }
  });
  startScheduler(k);
  k.triggerInterrupt(6, 1);
  await k.advance(2);
  assert.ok(err instanceof KernelAssertError);
  assert.equal(streamBufferBytesAvailable(k, sb), 0);
});

test("Send/ReceiveCompletedFromISR wake the recorded task and report whether one waited", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 4, 1, false)!;
  let n = -1;
  spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(4), k.maxDelay);
  });
  startScheduler(k);
  await k.advance(1);
  assert.equal(streamBufferReceiveCompletedFromIsr(k, sb, null), pdFALSE);
  // Bytes written "by hand" then signalled: the reader wakes and reads them.
  sb.storage.set([7, 8], 0);
  sb.head = 2;
  const woken = { value: pdFALSE };
  assert.equal(streamBufferSendCompletedFromIsr(k, sb, woken), pdTRUE);
  assert.equal(woken.value, pdTRUE, "rx (2) is above the running idle task");
  assert.equal(streamBufferSendCompletedFromIsr(k, sb, null), pdFALSE);
  await k.advance(1);
  assert.equal(n, 2);
});

// ───────────────────────────── reset, delete, notification index ─────────────────────────────

test("reset: refused while a task waits on either side; otherwise empties and keeps the trigger level", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 8, 3, false)!;
  await streamBufferSend(k, sb, seq(5), 0);
  assert.equal(streamBufferReset(k, sb), pdPASS);
  assert.equal(streamBufferBytesAvailable(k, sb), 0);
  assert.equal(streamBufferSpacesAvailable(k, sb), 8);
  assert.equal(sb.triggerLevelBytes, 3);

  let n = -1;
  const rx = spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(8), 20);
  });
  startScheduler(k);
  await k.advance(1);
  await streamBufferSend(k, sb, seq(1), 0); // below the trigger level: rx stays blocked
  assert.equal(k.getState(rx), eBlocked);
  assert.equal(streamBufferReset(k, sb), pdFAIL);
  assert.equal(streamBufferResetFromIsr(k, sb), pdFAIL);
  assert.equal(streamBufferBytesAvailable(k, sb), 1, "a refused reset changes nothing");
  await k.advance(25);
  assert.equal(n, 1, "the reader timed out and read the byte");
  assert.equal(streamBufferReset(k, sb), pdPASS);

  // The writer side too.
  const mb = createStreamBuffer(k, 8, 0, true)!;
  await streamBufferSend(k, mb, seq(4), 0);
  spawn(k, "tx", 2, async () => {
    await streamBufferSend(k, mb, seq(4), 5);
  });
  await k.advance(1);
  assert.equal(streamBufferReset(k, mb), pdFAIL);
  await k.advance(10);
  assert.equal(streamBufferReset(k, mb), pdPASS);
  assert.equal(streamBufferIsEmpty(k, mb), pdTRUE);
});

test("reset returns the notification index to 0 (V11 re-initialises the structure); index checks", T, () => {
  const k = mk({ configTASK_NOTIFICATION_ARRAY_ENTRIES: 3 });
  const sb = createStreamBuffer(k, 8, 1, false)!;
  assert.equal(streamBufferGetNotificationIndex(k, sb), 0);
  streamBufferSetNotificationIndex(k, sb, 2);
  assert.equal(streamBufferGetNotificationIndex(k, sb), 2);
  assert.throws(() => streamBufferSetNotificationIndex(k, sb, 3), KernelAssertError);
  assert.throws(() => streamBufferSetNotificationIndex(k, sb, -1), RangeError);
  assert.equal(streamBufferReset(k, sb), pdPASS);
  assert.equal(streamBufferGetNotificationIndex(k, sb), 0);
});

test("a reader blocks on the configured notification index and is woken through it", T, async () => {
  const k = mk({ configTASK_NOTIFICATION_ARRAY_ENTRIES: 2 });
  const sb = createStreamBuffer(k, 8, 1, false)!;
  streamBufferSetNotificationIndex(k, sb, 1);
  let n = -1;
  const rx = spawn(k, "rx", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(8), k.maxDelay);
  });
  startScheduler(k);
  await k.advance(1);
  assert.deepEqual([rx.notifyState(0), rx.notifyState(1)], [0, 1]);
  assert.throws(() => streamBufferSetNotificationIndex(k, sb, 0), /"rx" is waiting/);
  await notify(k, rx, 0, 0, eNoAction); // index 0 is not the one it waits on
  assert.equal(k.getState(rx), eBlocked);
  await streamBufferSend(k, sb, seq(2), 0);
  await k.advance(1);
  assert.equal(n, 2);
});

test("delete: asserts while a task is blocked on the buffer; frees the heap otherwise", T, async () => {
  const k = mk();
  const free0 = k.heap.getFreeHeapSize();
  const mb = createStreamBuffer(k, 30, 0, true)!;
  spawn(k, "rx", 2, async () => {
    await streamBufferReceive(k, mb, new Uint8Array(30), 5);
  });
  const afterTask = k.heap.getFreeHeapSize();
  startScheduler(k);
  await k.advance(1);
  assert.throws(() => streamBufferDelete(k, mb), (e: unknown) => e instanceof KernelAssertError && /vMessageBufferDelete.*"rx" is blocked receiving/.test(e.message));
  await k.advance(10);
  streamBufferDelete(k, mb);
  assert.ok(k.heap.getFreeHeapSize() > afterTask);
  assert.ok(free0 >= k.heap.getFreeHeapSize());
  assert.throws(() => streamBufferSend(k, mb, seq(1), 0), /xMessageBufferSend.*deleted/);
});

test("a reader deleted while waiting does not block reset or a new reader, and is never revived", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 8, 1, false)!;
  const rx = spawn(k, "rx", 2, async () => {
    await streamBufferReceive(k, sb, new Uint8Array(8), k.maxDelay);
  });
  startScheduler(k);
  await k.advance(1);
  await deleteTask(k, rx);
  assert.equal(sb.waitingToReceive, rx, "the handle stays recorded, as in C");
  assert.equal(await streamBufferSend(k, sb, seq(1), 0), 1);
  assert.equal(sb.waitingToReceive, null);
  assert.equal(rx.deleted, true);
  assert.equal(k.readyCountAt(2), 0, "the deleted reader was not put back on a ready list");
  assert.equal(streamBufferReset(k, sb), pdPASS);
  let n = -1;
  spawn(k, "rx2", 2, async () => {
    n = await streamBufferReceive(k, sb, new Uint8Array(8), k.maxDelay);
  });
  await k.advance(1);
  await streamBufferSend(k, sb, seq(3), 0);
  await k.advance(1);
  assert.equal(n, 3);
});

// ───────────────────────────── trace ─────────────────────────────

test("trace: created, send, sendFailed, receive, receiveFailed, reset, deleted, blocked on the buffer", T, async () => {
  const k = mk();
  const events: TraceEvent[] = [];
  k.setTraceSink((e) => {
    if (e.kind.startsWith("stream.") || (e.kind === "task.blocked" && e.object === "uartRx")) events.push(e);
  });
  const sb = createStreamBuffer(k, 4, 1, false, "uartRx")!;
  spawn(k, "rx", 2, async () => {
    const into = new Uint8Array(4);
    await streamBufferReceive(k, sb, into, 3);
    await streamBufferSend(k, sb, seq(6), 0);
    await streamBufferSend(k, sb, seq(1), 0);
    await streamBufferReceive(k, sb, into, 0);
  });
  startScheduler(k);
  await k.advance(5);
  streamBufferReset(k, sb);
  streamBufferDelete(k, sb);
  assert.deepEqual(
    events.map((e) => `${e.kind} ${e.task ?? "-"} ${e.object} ${e.value ?? "-"}`),
    [
      "stream.created - uartRx 4",
      "task.blocked rx uartRx 3",
      "stream.receiveFailed rx uartRx 0",
      "stream.send rx uartRx 4",
      "stream.sendFailed rx uartRx 1",
      "stream.receive rx uartRx 4",
      "stream.reset IDLE uartRx -",
      "stream.deleted IDLE uartRx -",
    ],
  );
});

// ───────────────────────────── fast path ─────────────────────────────

test("non-blocking calls return shared settled promises (no allocation per call once warm)", T, async () => {
  const k = mk();
  const sb = createStreamBuffer(k, 64, 1, false)!;
  const data = seq(16);
  const into = new Uint8Array(16);
  const p1 = streamBufferSend(k, sb, data, 0);
  const p2 = streamBufferSend(k, sb, data, 0);
  assert.equal(p1, p2);
  assert.equal(await p1, 16);
  const r1 = streamBufferReceive(k, sb, into, 0);
  const r2 = streamBufferReceive(k, sb, into, 0);
  assert.equal(r1, r2);
});
