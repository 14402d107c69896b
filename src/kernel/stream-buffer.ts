/**
 * Stream and message buffers (FreeRTOS V11's stream_buffer.c, rule 32).
 *
 * A stream buffer is a byte ring for exactly one writer and one reader (a task or an ISR on each
 * side). It is built on direct-to-task notifications: a task that has to wait records itself in
 * the buffer (`xTaskWaitingToReceive` / `xTaskWaitingToSend`) and blocks in a notification wait
 * on index `notifyIndex` (tskDEFAULT_INDEX_TO_NOTIFY = 0 unless changed); the other side wakes it
 * with the equivalent of `xTaskNotifyIndexed(waiter, notifyIndex, 0, eNoAction)`. A second task
 * that would block on the same side while one is recorded trips
 * `configASSERT(xTaskWaitingToReceive == NULL)` (or the send twin): KernelAssertError.
 *
 * - The ring holds `sizeBytes + 1` bytes, so the usable capacity is `sizeBytes` (V11 adds the
 *   byte at creation); the heap is charged `sizeof(StreamBuffer_t) + sizeBytes + 1` at creation,
 *   but the host array starts small and grows as writes reach further, so a large buffer costs
 *   the host only what it has held.
 * - Stream buffers: a send writes what fits (a partial write). With a timeout it first waits
 *   until the whole item (capped at the capacity) fits, or the timeout, then writes what fits.
 *   A waiting reader is woken once the bytes in the buffer reach the trigger level; a receive
 *   that finds any byte returns at once with up to `into.length` bytes.
 * - Message buffers: each message is stored behind a 4-byte little-endian length
 *   (configMESSAGE_BUFFER_LENGTH_TYPE = uint32_t), so a message of n bytes needs n + 4 free
 *   bytes. Sends are all-or-nothing; a message that could never fit returns 0 without waiting.
 *   A receive into a buffer smaller than the next message returns 0 and leaves it queued.
 *
 * The second half of a blocking call runs as a continuation when the task is switched back in
 * (as FreeRTOS runs it in the task right after the switch): the send loop re-checks the space
 * and may block again with the remaining time (`xTaskCheckForTimeOut`); the receive re-reads
 * once, whatever woke it.
 *
 * The send and receive paths allocate nothing: the item is copied with a byte loop (short
 * copies) or Uint8Array.set/subarray, and completed calls return a cached settled promise.
 * @module
 */
import { eNoAction, pdFAIL, pdFALSE, pdPASS, pdTRUE } from "./constants.js";
import { checkInteger, describeValue } from "./check.js";
import { Heap4, sizeOf } from "./heap.js";
import { checkStaticBuffer, claimStaticBuffer, releaseStaticBuffers } from "./static.js";
import { settled } from "./exec.js";
import { genLane, type KernelCall } from "./lane.js";
import type { Kernel, KernelTask, Ref } from "./kernel.js";
import { notifyFromIsr, notifyWithoutYield, NOTIFY_PREEMPTS } from "./notify.js";
import { NOTIFY_NOT_WAITING, NOTIFY_WAITING } from "./task.js";

/** sbBYTES_TO_STORE_MESSAGE_LENGTH: sizeof(configMESSAGE_BUFFER_LENGTH_TYPE), a 32-bit length. */
export const MESSAGE_LENGTH_BYTES = 4;

/** Largest sizeBytes accepted (the ring is one typed array). */
const MAX_SIZE_BYTES = 0x7ffffffe;
/** prvInitialiseNewStreamBuffer fills the storage with this value (STREAM_BUFFER_BUFFER_WRITE_VALUE). */
const FILL_VALUE = 0x55;
/** Host bytes a ring starts with; it grows (at least doubling) as writes reach past them. */
const INITIAL_STORAGE_BYTES = 256;
/** Copies up to this many bytes with a loop; longer ones with set/subarray. */
const SHORT_COPY = 32;

/** The API names of one kind of buffer, for messages (constants: nothing built per call). */
interface CallNames {
  readonly send: string;
  readonly receive: string;
  readonly sendFromIsr: string;
  readonly receiveFromIsr: string;
  readonly bytesAvailable: string;
  readonly spacesAvailable: string;
  readonly isEmpty: string;
  readonly isFull: string;
  readonly reset: string;
  readonly resetFromIsr: string;
  readonly setTriggerLevel: string;
  readonly nextLength: string;
  readonly delete: string;
}

const streamCalls: CallNames = {
  send: "xStreamBufferSend",
  receive: "xStreamBufferReceive",
  sendFromIsr: "xStreamBufferSendFromISR",
  receiveFromIsr: "xStreamBufferReceiveFromISR",
  bytesAvailable: "xStreamBufferBytesAvailable",
  spacesAvailable: "xStreamBufferSpacesAvailable",
  isEmpty: "xStreamBufferIsEmpty",
  isFull: "xStreamBufferIsFull",
  reset: "xStreamBufferReset",
  resetFromIsr: "xStreamBufferResetFromISR",
  setTriggerLevel: "xStreamBufferSetTriggerLevel",
  nextLength: "xStreamBufferNextMessageLengthBytes",
  delete: "vStreamBufferDelete",
};

const messageCalls: CallNames = {
  send: "xMessageBufferSend",
  receive: "xMessageBufferReceive",
  sendFromIsr: "xMessageBufferSendFromISR",
  receiveFromIsr: "xMessageBufferReceiveFromISR",
  bytesAvailable: "xStreamBufferBytesAvailable",
  spacesAvailable: "xMessageBufferSpacesAvailable",
  isEmpty: "xMessageBufferIsEmpty",
  isFull: "xMessageBufferIsFull",
  reset: "xMessageBufferReset",
  resetFromIsr: "xMessageBufferResetFromISR",
  setTriggerLevel: "xStreamBufferSetTriggerLevel",
  nextLength: "xMessageBufferNextLengthBytes",
  delete: "vMessageBufferDelete",
};

/** An opaque stream or message buffer handle (StreamBufferHandle_t, MessageBufferHandle_t). */
export class StreamBuffer {
  /** @internal xTail: index of the next byte to read. */
  tail = 0;
  /** @internal xHead: index of the next byte to write. */
  head = 0;
  /** @internal xLength: the ring's length, sizeBytes + 1 (one byte always stays free). */
  readonly length: number;
  /** @internal xTriggerLevelBytes: bytes that must be present before a waiting reader is woken (>= 1). */
  triggerLevelBytes: number;
  /** @internal xTaskWaitingToReceive: the one task blocked reading, or null. */
  waitingToReceive: KernelTask | null = null;
  /** @internal xTaskWaitingToSend: the one task blocked writing, or null. */
  waitingToSend: KernelTask | null = null;
  /** @internal uxNotificationIndex: the notification index a waiting task blocks on. */
  notifyIndex = 0;
  /**
   * pucBuffer: the first bytes of the ring. Shorter than `length` until a write reaches past its
   * end; every byte from 0 to the furthest written one is in it.
   * @internal
   */
  storage: Uint8Array;
  /** @internal Bytes of a stored length prefix: 4 for a message buffer, 0 for a stream buffer. */
  readonly lengthPrefixBytes: number;
  /** @internal */
  readonly calls: CallNames;
  /** @internal */
  deleted = false;
  /** @internal */
  /** @internal Address of the StreamBuffer_t (heap block payload or static buffer). */
  controlAddress = 0;
  /** @internal ucStaticallyAllocated (sbFLAGS_IS_STATICALLY_ALLOCATED) */
  isStatic = false;

  constructor(
    readonly kernel: Kernel,
    readonly id: number,
    public name: string,
    /** The usable capacity in bytes, as passed to xStreamBufferCreate / xMessageBufferCreate. */
    readonly sizeBytes: number,
    triggerLevelBytes: number,
    readonly isMessageBuffer: boolean,
  ) {
    this.length = sizeBytes + 1;
    this.triggerLevelBytes = triggerLevelBytes;
    this.storage = new Uint8Array(Math.min(this.length, INITIAL_STORAGE_BYTES)).fill(FILL_VALUE);
    this.lengthPrefixBytes = isMessageBuffer ? MESSAGE_LENGTH_BYTES : 0;
    this.calls = isMessageBuffer ? messageCalls : streamCalls;
  }

  /** @internal */
  toString(): string {
    return `${this.isMessageBuffer ? "MessageBuffer" : "StreamBuffer"}(${this.name})`;
  }
}

// ───────────────────────────── settled results ─────────────────────────────

const SETTLED_CACHE_LIMIT = 4096;
const settledCache: Array<Promise<number> | undefined> = new Array<Promise<number> | undefined>(SETTLED_CACHE_LIMIT + 1).fill(undefined);

/** An already-settled promise of a byte count, shared per value (no allocation once warm). */
function settledCount(n: number): KernelCall<number> {
  // (In a generator task settled() returns the lane's token, which is not to be cached.)
  if (n > SETTLED_CACHE_LIMIT || genLane.active) return settled(n);
  let p = settledCache[n];
  if (p === undefined) {
    p = settled(n);
    settledCache[n] = p;
  }
  return p as KernelCall<number>;
}

/** Set by the completing helpers: the call readied a task of higher priority than the caller. */
let preempt = false;

// ───────────────────────────── checks ─────────────────────────────

function checkBuffer(k: Kernel, call: string, sb: unknown): StreamBuffer {
  if (!(sb instanceof StreamBuffer))
    throw new TypeError(`${call}: expected a stream or message buffer handle, got ${describeValue(sb)}`);
  if (sb.kernel !== k) throw new TypeError(`${call}: ${sb} belongs to another kernel`);
  if (sb.deleted) k.fail(call, `${sb} has been deleted`);
  return sb;
}

/** The API names for a handle (stream names when it is not a buffer, for the error message). */
function callsOf(sb: unknown): CallNames {
  return sb instanceof StreamBuffer ? sb.calls : streamCalls;
}

function checkBytes(call: string, sb: StreamBuffer, name: string, data: unknown): Uint8Array {
  if (!(data instanceof Uint8Array))
    throw new TypeError(`${call}(${sb.name}): ${name} must be a Uint8Array, got ${describeValue(data)}`);
  return data;
}

function checkWoken(call: string, woken: unknown): void {
  if (woken !== null && woken !== undefined && typeof woken !== "object")
    throw new TypeError(`${call}: pxHigherPriorityTaskWoken must be a { value } reference or null, got ${describeValue(woken)}`);
}

function checkCount(call: string, name: string, value: unknown): number {
  return checkInteger(call, name, value, 0, Number.MAX_SAFE_INTEGER, "a non-negative integer number of bytes");
}

/** A recorded waiter that still exists (a task deleted while waiting no longer counts). */
function liveWaiter(t: KernelTask | null): KernelTask | null {
  return t !== null && !t.deleted ? t : null;
}

const preempting = (k: Kernel): boolean => k.config.configUSE_PREEMPTION === 1;

/** The task-level result: a shared settled promise, or a yield when a woken task preempts the caller. */
function taskResult(k: Kernel, n: number, switchNow: boolean): KernelCall<number> {
  if (switchNow || k.pendSV) return k.result(n, switchNow);
  return settledCount(n);
}

// ───────────────────────────── ring arithmetic and copying ─────────────────────────────

/** prvBytesInBuffer */
function bytesInBuffer(sb: StreamBuffer): number {
  let count = sb.length + sb.head - sb.tail;
  if (count >= sb.length) count -= sb.length;
  return count;
}

/** xStreamBufferSpacesAvailable */
function spaceInBuffer(sb: StreamBuffer): number {
  let space = sb.length + sb.tail - sb.head - 1;
  if (space >= sb.length) space -= sb.length;
  return space;
}

function copyBytes(dst: Uint8Array, dstOffset: number, src: Uint8Array, srcOffset: number, count: number): void {
  if (count <= SHORT_COPY) {
    for (let i = 0; i < count; i++) dst[dstOffset + i] = src[srcOffset + i]!;
  } else if (srcOffset === 0 && count === src.length) {
    dst.set(src, dstOffset);
  } else {
    dst.set(src.subarray(srcOffset, srcOffset + count), dstOffset);
  }
}

/** prvWriteBytesToBuffer: copies `count` bytes at `head`, wrapping; returns the new head (not stored). */
function writeBytes(sb: StreamBuffer, src: Uint8Array, count: number, head: number): number {
  const length = sb.length;
  const first = Math.min(length - head, count);
  copyBytes(sb.storage, head, src, 0, first);
  if (count > first) copyBytes(sb.storage, 0, src, first, count - first);
  head += count;
  if (head >= length) head -= length;
  return head;
}

/** prvReadBytesFromBuffer: copies `count` bytes from `tail` into `dst`; returns the new tail (not stored). */
function readBytes(sb: StreamBuffer, dst: Uint8Array, count: number, tail: number): number {
  const length = sb.length;
  const store = sb.storage;
  const first = Math.min(length - tail, count);
  if (first <= SHORT_COPY) {
    for (let i = 0; i < first; i++) dst[i] = store[tail + i]!;
  } else {
    dst.set(store.subarray(tail, tail + first), 0);
  }
  const rest = count - first;
  if (rest > 0) {
    if (rest <= SHORT_COPY) {
      for (let i = 0; i < rest; i++) dst[first + i] = store[i]!;
    } else {
      dst.set(store.subarray(0, rest), first);
    }
  }
  tail += count;
  if (tail >= length) tail -= length;
  return tail;
}

/** Writes a message's 32-bit little-endian length at `head`; returns the new head. */
function writeLength(sb: StreamBuffer, value: number, head: number): number {
  const store = sb.storage;
  const length = sb.length;
  for (let i = 0; i < MESSAGE_LENGTH_BYTES; i++) {
    store[head] = value & 0xff;
    value >>>= 8;
    if (++head === length) head = 0;
  }
  return head;
}

/** Reads the 32-bit little-endian length stored at `tail`. */
function readLength(sb: StreamBuffer, tail: number): number {
  const store = sb.storage;
  const length = sb.length;
  let value = 0;
  for (let i = 0; i < MESSAGE_LENGTH_BYTES; i++) {
    value += store[tail]! * 2 ** (8 * i);
    if (++tail === length) tail = 0;
  }
  return value;
}

/** prvWriteMessageToBuffer: all-or-nothing for messages, as much as fits for streams. Returns bytes written. */
function writeMessage(sb: StreamBuffer, data: Uint8Array, space: number, requiredSpace: number): number {
  let count = data.length;
  if (sb.isMessageBuffer) {
    if (space < requiredSpace) count = 0;
  } else if (space < count) {
    count = space;
  }
  // A zero-length message is not stored; the head moves only after the whole item is in.
  if (count === 0) return 0;
  if (sb.head + sb.lengthPrefixBytes + count > sb.storage.length && sb.storage.length < sb.length) growStorage(sb, sb.head + sb.lengthPrefixBytes + count);
  const head = sb.isMessageBuffer ? writeLength(sb, count, sb.head) : sb.head;
  sb.head = writeBytes(sb, data, count, head);
  return count;
}

/**
 * Grows the host array so that bytes up to `end` (exclusive, before wrapping) fit. Until the ring
 * first wraps every stored byte lies below the head, so the bytes keep their indices; a write
 * that wraps needs the whole ring.
 */
function growStorage(sb: StreamBuffer, end: number): void {
  const old = sb.storage;
  const size = end > sb.length ? sb.length : Math.min(sb.length, Math.max(end, old.length * 2));
  const storage = new Uint8Array(size);
  storage.set(old, 0);
  storage.fill(FILL_VALUE, old.length);
  sb.storage = storage;
}

/** prvReadMessageFromBuffer: a whole message (0 if `into` is too small: it stays queued) or the bytes available. */
function readMessage(sb: StreamBuffer, into: Uint8Array, available: number): number {
  let nextTail = sb.tail;
  let wanted: number;
  if (sb.isMessageBuffer) {
    wanted = readLength(sb, nextTail);
    nextTail += MESSAGE_LENGTH_BYTES;
    if (nextTail >= sb.length) nextTail -= sb.length;
    available -= MESSAGE_LENGTH_BYTES;
    if (wanted > into.length) wanted = 0;
  } else {
    wanted = into.length;
  }
  const count = wanted < available ? wanted : available;
  if (count !== 0) sb.tail = readBytes(sb, into, count, nextTail);
  return count;
}

// ───────────────────────────── notifications ─────────────────────────────

/** xTaskNotifyIndexed(w, index, 0, eNoAction) at task level; true when the woken task preempts the caller. */
function notifyTask(k: Kernel, w: KernelTask, index: number): boolean {
  return (notifyWithoutYield(k, w, index, 0, eNoAction, null, "stream buffer notify") & NOTIFY_PREEMPTS) !== 0;
}

/** xTaskNotifyIndexedFromISR(w, index, 0, eNoAction, woken): the pending-ready list while suspended. */
function notifyTaskFromIsr(k: Kernel, w: KernelTask, index: number, woken: Ref<number> | null | undefined): void {
  notifyFromIsr(k, w, index, 0, eNoAction, null, woken, "stream buffer notify from ISR");
}

/** sbSEND_COMPLETED: wakes the recorded reader. True when it preempts the caller. */
function sendCompleted(k: Kernel, sb: StreamBuffer): boolean {
  const w = sb.waitingToReceive;
  if (w === null) return false;
  sb.waitingToReceive = null;
  return w.deleted ? false : notifyTask(k, w, sb.notifyIndex);
}

/** sbRECEIVE_COMPLETED: wakes the recorded writer. True when it preempts the caller. */
function receiveCompleted(k: Kernel, sb: StreamBuffer): boolean {
  const w = sb.waitingToSend;
  if (w === null) return false;
  sb.waitingToSend = null;
  return w.deleted ? false : notifyTask(k, w, sb.notifyIndex);
}

/** sbSEND_COMPLETE_FROM_ISR / xStreamBufferSendCompletedFromISR: true when a reader was recorded. */
function sendCompletedFromIsr(k: Kernel, sb: StreamBuffer, woken: Ref<number> | null | undefined): boolean {
  const w = sb.waitingToReceive;
  if (w === null) return false;
  sb.waitingToReceive = null;
  if (!w.deleted) notifyTaskFromIsr(k, w, sb.notifyIndex, woken);
  return true;
}

/** sbRECEIVE_COMPLETED_FROM_ISR / xStreamBufferReceiveCompletedFromISR: true when a writer was recorded. */
function receiveCompletedFromIsr(k: Kernel, sb: StreamBuffer, woken: Ref<number> | null | undefined): boolean {
  const w = sb.waitingToSend;
  if (w === null) return false;
  sb.waitingToSend = null;
  if (!w.deleted) notifyTaskFromIsr(k, w, sb.notifyIndex, woken);
  return true;
}

/**
 * The blocking half common to both sides: xTaskNotifyStateClearIndexed(NULL, index), record the
 * task, then xTaskNotifyWaitIndexed(index, 0, 0, NULL, ticks) — the state was just cleared, so the
 * wait always blocks (Blocked: on the delayed list, or the suspended list for portMAX_DELAY).
 */
function blockOnNotification(k: Kernel, sb: StreamBuffer, t: KernelTask, ticks: number, cont: (k: Kernel, t: KernelTask) => void): void {
  const index = sb.notifyIndex;
  t.setNotifyState(index, NOTIFY_WAITING);
  if (k.traceEnabled()) k.emit("task.notifyWait", t.name, undefined, index);
  k.blockWithoutEventList(ticks, cont, sb.name);
}

// ───────────────────────────── creation ─────────────────────────────

/**
 * xStreamBufferGenericCreate: xStreamBufferCreate(sizeBytes, triggerLevelBytes) or, with
 * `isMessageBuffer`, xMessageBufferCreate(sizeBytes) (pass triggerLevelBytes 0). A trigger level
 * of 0 means 1. Returns null (and runs the malloc-failed hook) when the heap cannot hold
 * `sizeof(StreamBuffer_t) + sizeBytes + 1`. Not callable from an ISR.
 *
 * Asserts (configASSERT): sizeBytes 0 (stream), sizeBytes <= 4 (message), trigger level above sizeBytes.
 *
 * @example
 * const sb = createStreamBuffer(k, 16, 4, false)!; // 16 usable bytes, reader wakes at 4
 * const mb = createStreamBuffer(k, 64, 0, true)!;  // message buffer: 64 bytes incl. 4 per message
 */
export function createStreamBuffer(k: Kernel, sizeBytes: number, triggerLevelBytes: number, isMessageBuffer = false, name?: string): StreamBuffer | null {
  return createStreamBufferIn(k, sizeBytes, triggerLevelBytes, isMessageBuffer, name, null, null);
}

/**
 * xStreamBufferCreateStatic / xMessageBufferCreateStatic: the StreamBuffer_t in `structBuffer`
 * (at least sizeof(StaticStreamBuffer_t)), the data in `storage` (at least sizeBytes + 1 bytes, as
 * FreeRTOS requires); no heap.
 */
export function createStreamBufferStatic(k: Kernel, sizeBytes: number, triggerLevelBytes: number, isMessageBuffer: boolean, storage: Uint8Array, structBuffer: Uint8Array, name?: string): StreamBuffer {
  return createStreamBufferIn(k, sizeBytes, triggerLevelBytes, isMessageBuffer, name, storage ?? null, structBuffer ?? null, true)!;
}

function createStreamBufferIn(
  k: Kernel,
  sizeBytes: number,
  triggerLevelBytes: number,
  isMessageBuffer: boolean,
  name: string | undefined,
  storage: Uint8Array | null,
  structBuffer: Uint8Array | null,
  isStatic = false,
): StreamBuffer | null {
  const call = (isMessageBuffer ? "xMessageBufferCreate" : "xStreamBufferCreate") + (isStatic ? "Static" : "");
  k.assertNotIsr(call);
  sizeBytes = checkCount(call, "xBufferSizeBytes", sizeBytes);
  triggerLevelBytes = checkCount(call, "xTriggerLevelBytes", triggerLevelBytes);
  if (sizeBytes > MAX_SIZE_BYTES) throw new RangeError(`${call}: xBufferSizeBytes ${sizeBytes} is above the limit of ${MAX_SIZE_BYTES} bytes`);
  if (name !== undefined && typeof name !== "string") throw new TypeError(`${call}: name must be a string, got ${typeof name}`);
  if (isMessageBuffer) {
    if (sizeBytes <= MESSAGE_LENGTH_BYTES)
      k.fail(call, `xBufferSizeBytes ${sizeBytes} cannot hold one message: it must be above the ${MESSAGE_LENGTH_BYTES} bytes of a length prefix`);
  } else if (sizeBytes === 0) {
    k.fail(call, "xBufferSizeBytes must be above 0");
  }
  if (triggerLevelBytes > sizeBytes) k.fail(call, `xTriggerLevelBytes ${triggerLevelBytes} is above xBufferSizeBytes ${sizeBytes}`);
  if (triggerLevelBytes === 0) triggerLevelBytes = 1;
  const kind = isMessageBuffer ? "MessageBuffer" : "StreamBuffer";
  const label = isMessageBuffer ? "message buffer" : "stream buffer";
  let block: number;
  if (isStatic) {
    checkStaticBuffer(k, call, "pucStreamBufferStorageArea", storage, sizeBytes + 1, `${sizeBytes} bytes of data plus 1`);
    block = checkStaticBuffer(k, call, "pxStaticStreamBuffer", structBuffer, sizeOf.streamBuffer, "StaticStreamBuffer_t");
    if (storage!.buffer === structBuffer!.buffer && storage!.byteOffset < structBuffer!.byteOffset + sizeOf.streamBuffer && structBuffer!.byteOffset < storage!.byteOffset + sizeBytes + 1)
      k.fail(call, "pucStreamBufferStorageArea and pxStaticStreamBuffer overlap");
  } else {
    block = k.allocateObject(sizeOf.streamBuffer + sizeBytes + 1, `${kind} of ${sizeBytes} bytes`, call);
    if (block === 0) return null;
  }
  const n = k.nextObjectNumber();
  const sb = new StreamBuffer(k, n, name ?? `${kind}#${n}`, sizeBytes, triggerLevelBytes, isMessageBuffer);
  sb.controlAddress = block;
  sb.isStatic = isStatic;
  if (isStatic) {
    claimStaticBuffer(k, sb, `${label} "${sb.name}"`, structBuffer!, sizeOf.streamBuffer);
    claimStaticBuffer(k, sb, `${label} "${sb.name}" storage`, storage!, sizeBytes + 1);
  } else {
    k.heap.label(block, label, sb);
  }
  if (k.traceEnabled()) k.emit("stream.created", k.current?.name, sb.name, sizeBytes);
  return sb;
}

/** Bytes a stream or message buffer of `sizeBytes` takes from the kernel heap (for budgeting). */
export function streamBufferHeapBytes(sizeBytes: number): number {
  return Heap4.blockSize(sizeOf.streamBuffer + sizeBytes + 1);
}

// ───────────────────────────── send ─────────────────────────────

/** The space a send waits for: the message plus its length, or the item capped at the capacity. */
function requiredSpace(sb: StreamBuffer, dataLength: number): number {
  if (sb.isMessageBuffer) return dataLength + MESSAGE_LENGTH_BYTES;
  return dataLength > sb.sizeBytes ? sb.sizeBytes : dataLength;
}

/**
 * xStreamBufferSend / xMessageBufferSend: resolves with the bytes written.
 *
 * Stream buffer: writes what fits (possibly part of `data`). With `ticks` > 0 it first blocks
 * (notification wait, one writer only) until min(data.length, sizeBytes) bytes are free or the
 * time is up, then writes what fits. Message buffer: writes all of `data` behind its length or
 * nothing (0); a message that could never fit (data.length + 4 > sizeBytes) returns 0 at once.
 * Wakes a waiting reader when the bytes present reach the trigger level, and yields at once if
 * that reader has a higher priority. Not callable from an ISR (use streamBufferSendFromIsr).
 *
 * @example
 * const n = await streamBufferSend(k, sb, new Uint8Array([1, 2, 3]), 10); // 3 once there is room
 */
export function streamBufferSend(k: Kernel, sb: StreamBuffer, data: Uint8Array, ticks: number, call?: string): KernelCall<number> {
  const c = call ?? callsOf(sb).send;
  k.assertNotIsr(c);
  sb = checkBuffer(k, c, sb);
  ticks = k.checkTicks(c, ticks);
  data = checkBytes(c, sb, "the data", data);
  if (data.length > 0xffffffff) k.fail(c, `a message of ${data.length} bytes does not fit configMESSAGE_BUFFER_LENGTH_TYPE (32 bits)`);
  const required = requiredSpace(sb, data.length);
  // A message that cannot fit even in the empty buffer never waits.
  if (sb.isMessageBuffer && required > sb.sizeBytes) ticks = 0;
  let space = 0;
  if (ticks !== 0) {
    space = spaceInBuffer(sb);
    if (space < required) {
      k.assertCanBlock(c);
      const t = k.current!;
      const other = liveWaiter(sb.waitingToSend);
      if (other !== null)
        k.fail(c, `task "${other.name}" already waits to send to ${sb}: a stream buffer has one writer (configASSERT(xTaskWaitingToSend == NULL))`);
      k.setTimeOutState(t);
      t.ticksToWait = ticks;
      t.opObject = sb;
      t.opItem = data;
      t.opArg = space;
      sb.waitingToSend = t;
      blockOnNotification(k, sb, t, ticks, sendResume);
      return k.switchAway();
    }
  }
  const n = completeSend(k, sb, data, space, required, k.current?.name);
  return taskResult(k, n, preempt);
}

/**
 * The rest of a blocked send, run when the writer is switched back in: the end of the
 * notification wait, then the loop condition xTaskCheckForTimeOut; while time remains and the
 * space is short it blocks again. On timeout it writes with the space it last measured (V11).
 */
function sendResume(k: Kernel, t: KernelTask): void {
  const sb = t.opObject as StreamBuffer;
  const data = t.opItem as Uint8Array;
  t.setNotifyState(sb.notifyIndex, NOTIFY_NOT_WAITING);
  sb.waitingToSend = null;
  const required = requiredSpace(sb, data.length);
  if (!k.checkForTimeOut(t)) {
    const space = spaceInBuffer(sb);
    t.opArg = space;
    if (space < required) {
      sb.waitingToSend = t;
      blockOnNotification(k, sb, t, t.ticksToWait, sendResume);
      k.switchContext();
      return;
    }
  }
  t.opObject = null;
  t.opItem = undefined;
  t.resumeValue = completeSend(k, sb, data, t.opArg, required, t.name);
  if (preempt && preempting(k)) k.switchContext();
}

/** The end of xStreamBufferSend: write, trace, wake the reader at the trigger level (sets `preempt`). */
function completeSend(k: Kernel, sb: StreamBuffer, data: Uint8Array, space: number, required: number, who: string | undefined): number {
  preempt = false;
  if (space === 0) space = spaceInBuffer(sb);
  const n = writeMessage(sb, data, space, required);
  if (n > 0) {
    if (k.traceEnabled()) k.emit("stream.send", who, sb.name, n);
    if (bytesInBuffer(sb) >= sb.triggerLevelBytes) preempt = sendCompleted(k, sb);
  } else if (k.traceEnabled()) {
    k.emit("stream.sendFailed", who, sb.name, data.length);
  }
  return n;
}

/**
 * xStreamBufferSendFromISR / xMessageBufferSendFromISR: never blocks; returns the bytes written
 * (same partial / all-or-nothing rules as the task-level send). Sets `woken.value` to pdTRUE when
 * it readied a reader of higher priority than the interrupted task. ISR-safe.
 */
export function streamBufferSendFromIsr(k: Kernel, sb: StreamBuffer, data: Uint8Array, woken: Ref<number> | null | undefined, call?: string): number {
  const c = call ?? callsOf(sb).sendFromIsr;
  k.checkFromIsr(c);
  sb = checkBuffer(k, c, sb);
  data = checkBytes(c, sb, "the data", data);
  checkWoken(c, woken);
  if (data.length > 0xffffffff) k.fail(c, `a message of ${data.length} bytes does not fit configMESSAGE_BUFFER_LENGTH_TYPE (32 bits)`);
  const required = sb.isMessageBuffer ? data.length + MESSAGE_LENGTH_BYTES : data.length;
  const n = writeMessage(sb, data, spaceInBuffer(sb), required);
  const who = k.inIsr() ? (k.isrName ?? undefined) : k.current?.name;
  if (n > 0) {
    if (k.traceEnabled()) k.emit("stream.send", who, sb.name, n);
    if (bytesInBuffer(sb) >= sb.triggerLevelBytes) sendCompletedFromIsr(k, sb, woken);
  } else if (k.traceEnabled()) {
    k.emit("stream.sendFailed", who, sb.name, data.length);
  }
  return n;
}

// ───────────────────────────── receive ─────────────────────────────

/**
 * xStreamBufferReceive / xMessageBufferReceive: resolves with the bytes copied into `into`.
 *
 * Stream buffer: up to `into.length` bytes, as soon as any byte is present. Message buffer: the
 * next whole message, or 0 when `into` is shorter than it (the message stays queued). When the
 * buffer is empty and `ticks` > 0, the task blocks once (notification wait, one reader only)
 * until a writer reaches the trigger level (any message, for a message buffer) or the time is
 * up, then reads whatever is there. Wakes a waiting writer after a read. Not callable from an
 * ISR (use streamBufferReceiveFromIsr).
 *
 * @example
 * const into = new Uint8Array(8);
 * const n = await streamBufferReceive(k, sb, into, portMAX_DELAY); // bytes in into[0..n)
 */
export function streamBufferReceive(k: Kernel, sb: StreamBuffer, into: Uint8Array, ticks: number, call?: string): KernelCall<number> {
  const c = call ?? callsOf(sb).receive;
  k.assertNotIsr(c);
  sb = checkBuffer(k, c, sb);
  ticks = k.checkTicks(c, ticks);
  into = checkBytes(c, sb, "the receive buffer", into);
  const available = bytesInBuffer(sb);
  if (ticks !== 0 && available <= sb.lengthPrefixBytes) {
    k.assertCanBlock(c);
    const t = k.current!;
    const other = liveWaiter(sb.waitingToReceive);
    if (other !== null)
      k.fail(c, `task "${other.name}" already waits to receive from ${sb}: a stream buffer has one reader (configASSERT(xTaskWaitingToReceive == NULL))`);
    t.opObject = sb;
    t.opItem = into;
    sb.waitingToReceive = t;
    blockOnNotification(k, sb, t, ticks, receiveResume);
    return k.switchAway();
  }
  const n = completeReceive(k, sb, into, available, k.current?.name);
  return taskResult(k, n, preempt);
}

/** The rest of a blocked receive: the wait is over (data, timeout or any notification); read once. */
function receiveResume(k: Kernel, t: KernelTask): void {
  const sb = t.opObject as StreamBuffer;
  const into = t.opItem as Uint8Array;
  t.setNotifyState(sb.notifyIndex, NOTIFY_NOT_WAITING);
  sb.waitingToReceive = null;
  t.opObject = null;
  t.opItem = undefined;
  t.resumeValue = completeReceive(k, sb, into, bytesInBuffer(sb), t.name);
  if (preempt && preempting(k)) k.switchContext();
}

/** The end of xStreamBufferReceive: read, trace, wake the writer (sets `preempt`). */
function completeReceive(k: Kernel, sb: StreamBuffer, into: Uint8Array, available: number, who: string | undefined): number {
  preempt = false;
  if (available > sb.lengthPrefixBytes) {
    const n = readMessage(sb, into, available);
    if (n !== 0) {
      if (k.traceEnabled()) k.emit("stream.receive", who, sb.name, n);
      preempt = receiveCompleted(k, sb);
      return n;
    }
  }
  if (k.traceEnabled()) k.emit("stream.receiveFailed", who, sb.name, available);
  return 0;
}

/**
 * xStreamBufferReceiveFromISR / xMessageBufferReceiveFromISR: never blocks; returns the bytes
 * copied (0 when empty, or when `into` is shorter than the next message). Sets `woken.value`
 * to pdTRUE when it readied a writer of higher priority than the interrupted task. ISR-safe.
 */
export function streamBufferReceiveFromIsr(k: Kernel, sb: StreamBuffer, into: Uint8Array, woken: Ref<number> | null | undefined, call?: string): number {
  const c = call ?? callsOf(sb).receiveFromIsr;
  k.checkFromIsr(c);
  sb = checkBuffer(k, c, sb);
  into = checkBytes(c, sb, "the receive buffer", into);
  checkWoken(c, woken);
  const available = bytesInBuffer(sb);
  const who = k.inIsr() ? (k.isrName ?? undefined) : k.current?.name;
  if (available > sb.lengthPrefixBytes) {
    const n = readMessage(sb, into, available);
    if (n !== 0) {
      if (k.traceEnabled()) k.emit("stream.receive", who, sb.name, n);
      receiveCompletedFromIsr(k, sb, woken);
      return n;
    }
  }
  if (k.traceEnabled()) k.emit("stream.receiveFailed", who, sb.name, available);
  return 0;
}

/**
 * xStreamBufferSendCompletedFromISR: wakes the waiting reader as a send would (for applications
 * that write the storage themselves). pdTRUE when a reader was waiting. ISR-safe.
 */
export function streamBufferSendCompletedFromIsr(k: Kernel, sb: StreamBuffer, woken: Ref<number> | null | undefined): number {
  const call = "xStreamBufferSendCompletedFromISR";
  k.checkFromIsr(call);
  sb = checkBuffer(k, call, sb);
  checkWoken(call, woken);
  return sendCompletedFromIsr(k, sb, woken) ? pdTRUE : pdFALSE;
}

/** xStreamBufferReceiveCompletedFromISR: wakes the waiting writer. pdTRUE when one was waiting. ISR-safe. */
export function streamBufferReceiveCompletedFromIsr(k: Kernel, sb: StreamBuffer, woken: Ref<number> | null | undefined): number {
  const call = "xStreamBufferReceiveCompletedFromISR";
  k.checkFromIsr(call);
  sb = checkBuffer(k, call, sb);
  checkWoken(call, woken);
  return receiveCompletedFromIsr(k, sb, woken) ? pdTRUE : pdFALSE;
}

// ───────────────────────────── state, reset, delete ─────────────────────────────

/** xStreamBufferBytesAvailable: bytes stored (for a message buffer, the length prefixes included). ISR-safe. */
export function streamBufferBytesAvailable(k: Kernel, sb: StreamBuffer, call?: string): number {
  return bytesInBuffer(checkBuffer(k, call ?? callsOf(sb).bytesAvailable, sb));
}

/** xStreamBufferSpacesAvailable / xMessageBufferSpacesAvailable: free bytes (a message needs its length + 4). ISR-safe. */
export function streamBufferSpacesAvailable(k: Kernel, sb: StreamBuffer, call?: string): number {
  return spaceInBuffer(checkBuffer(k, call ?? callsOf(sb).spacesAvailable, sb));
}

/** xStreamBufferIsEmpty / xMessageBufferIsEmpty: pdTRUE or pdFALSE. ISR-safe. */
export function streamBufferIsEmpty(k: Kernel, sb: StreamBuffer, call?: string): number {
  sb = checkBuffer(k, call ?? callsOf(sb).isEmpty, sb);
  return sb.head === sb.tail ? pdTRUE : pdFALSE;
}

/** xStreamBufferIsFull / xMessageBufferIsFull: pdTRUE when no byte (message buffer: no 1-byte message) fits. ISR-safe. */
export function streamBufferIsFull(k: Kernel, sb: StreamBuffer, call?: string): number {
  sb = checkBuffer(k, call ?? callsOf(sb).isFull, sb);
  return spaceInBuffer(sb) <= sb.lengthPrefixBytes ? pdTRUE : pdFALSE;
}

/** prvInitialiseNewStreamBuffer on an existing buffer: empty, fill pattern, default notification index. */
function reinitialise(sb: StreamBuffer): void {
  sb.head = 0;
  sb.tail = 0;
  sb.waitingToReceive = null;
  sb.waitingToSend = null;
  sb.notifyIndex = 0;
  sb.storage.fill(FILL_VALUE);
}

/**
 * xStreamBufferReset / xMessageBufferReset: empties the buffer and returns pdPASS, or returns
 * pdFAIL and changes nothing while a task is recorded as waiting on either side. The trigger
 * level is kept; the notification index returns to 0 (as V11 re-initialises the structure).
 * Never blocks. Not callable from an ISR (use streamBufferResetFromIsr).
 */
export function streamBufferReset(k: Kernel, sb: StreamBuffer, call?: string): number {
  const c = call ?? callsOf(sb).reset;
  k.assertNotIsr(c);
  return resetBuffer(k, checkBuffer(k, c, sb), k.current?.name);
}

/** xStreamBufferResetFromISR / xMessageBufferResetFromISR: as streamBufferReset. ISR-safe. */
export function streamBufferResetFromIsr(k: Kernel, sb: StreamBuffer, call?: string): number {
  const c = call ?? callsOf(sb).resetFromIsr;
  k.checkFromIsr(c);
  return resetBuffer(k, checkBuffer(k, c, sb), k.inIsr() ? (k.isrName ?? undefined) : k.current?.name);
}

function resetBuffer(k: Kernel, sb: StreamBuffer, who: string | undefined): number {
  if (liveWaiter(sb.waitingToReceive) !== null || liveWaiter(sb.waitingToSend) !== null) return pdFAIL;
  reinitialise(sb);
  if (k.traceEnabled()) k.emit("stream.reset", who, sb.name);
  return pdPASS;
}

/**
 * xStreamBufferSetTriggerLevel: a level of 0 means 1; returns pdTRUE, or pdFALSE (unchanged) when
 * the level is above sizeBytes. A reader already waiting is not re-evaluated. ISR-safe.
 */
export function streamBufferSetTriggerLevel(k: Kernel, sb: StreamBuffer, triggerLevelBytes: number, call?: string): number {
  const c = call ?? callsOf(sb).setTriggerLevel;
  sb = checkBuffer(k, c, sb);
  let level = checkCount(c, "xTriggerLevel", triggerLevelBytes);
  if (level === 0) level = 1;
  if (level < sb.length) {
    sb.triggerLevelBytes = level;
    return pdTRUE;
  }
  return pdFALSE;
}

/**
 * xStreamBufferNextMessageLengthBytes / xMessageBufferNextLengthBytes: the length of the next
 * message, 0 when the buffer is empty (always 0 for a stream buffer). ISR-safe.
 */
export function streamBufferNextMessageLength(k: Kernel, sb: StreamBuffer, call?: string): number {
  const c = call ?? callsOf(sb).nextLength;
  sb = checkBuffer(k, c, sb);
  if (!sb.isMessageBuffer) return 0;
  const available = bytesInBuffer(sb);
  if (available > MESSAGE_LENGTH_BYTES) return readLength(sb, sb.tail);
  if (available !== 0) k.fail(c, `${sb} holds ${available} bytes, fewer than a message needs: the buffer is corrupt`);
  return 0;
}

/** uxStreamBufferGetStreamBufferNotificationIndex */
export function streamBufferGetNotificationIndex(k: Kernel, sb: StreamBuffer): number {
  return checkBuffer(k, "uxStreamBufferGetStreamBufferNotificationIndex", sb).notifyIndex;
}

/**
 * vStreamBufferSetStreamBufferNotificationIndex: the notification index waiting tasks block on.
 * Asserts while a task waits on the buffer, or when the index is not below
 * configTASK_NOTIFICATION_ARRAY_ENTRIES.
 */
export function streamBufferSetNotificationIndex(k: Kernel, sb: StreamBuffer, index: number): void {
  const call = "vStreamBufferSetStreamBufferNotificationIndex";
  sb = checkBuffer(k, call, sb);
  checkInteger(call, "uxNotificationIndex", index, 0, Infinity, "a non-negative integer");
  const waiter = liveWaiter(sb.waitingToReceive) ?? liveWaiter(sb.waitingToSend);
  if (waiter !== null) k.fail(call, `task "${waiter.name}" is waiting on ${sb}: it would never be woken`);
  if (index >= k.config.configTASK_NOTIFICATION_ARRAY_ENTRIES)
    k.fail(call, `notification index ${index} is not below configTASK_NOTIFICATION_ARRAY_ENTRIES (${k.config.configTASK_NOTIFICATION_ARRAY_ENTRIES})`);
  sb.notifyIndex = index;
}

/**
 * vStreamBufferDelete / vMessageBufferDelete: frees the buffer's heap block; the handle is dead
 * afterwards (any call asserts). Asserts while a task is waiting on it (FreeRTOS would leave that
 * task with a dangling buffer). Not callable from an ISR.
 */
export function streamBufferDelete(k: Kernel, sb: StreamBuffer, call?: string): void {
  const c = call ?? callsOf(sb).delete;
  k.assertNotIsr(c);
  sb = checkBuffer(k, c, sb);
  const waiter = liveWaiter(sb.waitingToReceive) ?? liveWaiter(sb.waitingToSend);
  if (waiter !== null)
    k.fail(c, `task "${waiter.name}" is blocked ${waiter === liveWaiter(sb.waitingToReceive) ? "receiving from" : "sending to"} ${sb}: wake it before deleting the buffer`);
  sb.deleted = true;
  sb.waitingToReceive = null;
  sb.waitingToSend = null;
  if (sb.isStatic) releaseStaticBuffers(k, sb);
  else k.heap.free(sb.controlAddress);
  if (k.traceEnabled()) k.emit("stream.deleted", k.current?.name, sb.name);
}
