/**
 * Queues, semaphores and mutexes (FreeRTOS's queue.c): one structure, as in FreeRTOS, where a
 * semaphore is an item-less queue and a mutex a binary semaphore with a holder and priority
 * inheritance. Task-level calls return promises; the FromISR twins are synchronous.
 *
 * Items: a queue with `itemSize > 0` copies `Uint8Array` items of exactly that size into one
 * ring buffer (FreeRTOS copy semantics, no allocation per item); a queue with `itemSize` 0 holds
 * JS values by reference. The heap is charged the whole queue at creation, as FreeRTOS charges
 * it, but the ring itself starts small and grows as the queue fills, so a long queue costs the
 * host only what it holds.
 * @module
 */
import {
  errQUEUE_EMPTY,
  errQUEUE_FULL,
  pdFAIL,
  pdFALSE,
  pdPASS,
  pdTRUE,
  queueOVERWRITE,
  queueSEND_TO_BACK,
  queueSEND_TO_FRONT,
  type QueuePosition,
} from "./constants.js";
import { checkInteger, describeValue, UBASE_MAX, wrongType } from "./check.js";
import { sizeOf } from "./heap.js";
import { checkStaticBuffer, claimStaticBuffer, releaseStaticBuffers } from "./static.js";
import { settled, settledValue } from "./exec.js";
import type { KernelCall } from "./lane.js";
import type { Kernel, KernelTask, Ref } from "./kernel.js";
import { EventList, ListKind } from "./list.js";
import type { Continuation } from "./task.js";
import type { TraceKind } from "./trace.js";
import { priorityDisinherit, priorityDisinheritAfterTimeout, priorityInherit } from "./blocking.js";

export const enum QueueKind {
  Queue = 0,
  BinarySemaphore = 1,
  CountingSemaphore = 2,
  Mutex = 3,
  RecursiveMutex = 4,
  Set = 5,
}

const kindNames = ["Queue", "BinarySemaphore", "CountingSemaphore", "Mutex", "RecursiveMutex", "QueueSet"] as const;

/** Ring slots a queue starts with; it doubles as it fills, up to its length. */
const INITIAL_SLOTS = 16;

/**
 * An opaque queue handle (QueueHandle_t, SemaphoreHandle_t). `T` is the type of the items (for
 * the compiler only: a queue of `itemSize > 0` holds `Uint8Array`s).
 */
export class Queue<T = unknown> {
  /** @internal */
  count = 0;
  /** @internal Index of the next item to read, in the ring. */
  head = 0;
  /** @internal Slots the ring has now: at most `length`, grown as the queue fills. */
  slots: number;
  /** @internal The ring of a by-reference queue (itemSize 0) or a queue set; null otherwise. */
  values: unknown[] | null;
  /** @internal The ring of a queue of `itemSize` > 0: `slots` items of itemSize bytes; null otherwise. */
  bytes: Uint8Array | null;
  /** @internal */
  readonly txWait = new EventList<KernelTask>(ListKind.Event);
  /** @internal */
  readonly rxWait = new EventList<KernelTask>(ListKind.Event);
  /** @internal */
  holder: KernelTask | null = null;
  /** @internal */
  recursiveCount = 0;
  /** @internal */
  deleted = false;
  /** @internal Address of the Queue_t (heap block payload or static buffer); 0 off a board for a static queue. */
  controlAddress = 0;
  /** @internal ucStaticallyAllocated: deleting frees no heap. */
  isStatic = false;
  /** @internal The queue set this queue belongs to (xQueueAddToSet), if any. */
  set: Queue | null = null;
  /** @internal What a task blocked taking this semaphore waits on, when not the name (the Go bridge: "sync.Mutex.Lock"). */
  takeReason: string | null = null;
  /** @internal Layers above the kernel may hang a wake-up hook here (the Go bridge's select). */
  onSendHook: ((q: Queue) => void) | null = null;
  /** @internal */
  onReceiveHook: ((q: Queue) => void) | null = null;
  /** The item type, for the compiler only (never set). */
  declare readonly itemType?: T;

  constructor(
    readonly kernel: Kernel,
    readonly id: number,
    public name: string,
    readonly length: number,
    readonly itemSize: number,
    readonly kind: QueueKind,
  ) {
    const holdsItems = kind === QueueKind.Queue || kind === QueueKind.Set;
    this.slots = holdsItems ? Math.min(length, INITIAL_SLOTS) : 0;
    this.values = holdsItems && itemSize === 0 ? new Array<unknown>(this.slots).fill(undefined) : null;
    this.bytes = holdsItems && itemSize > 0 ? new Uint8Array(this.slots * itemSize) : null;
  }

  /** @internal */
  get isMutex(): boolean {
    return this.kind === QueueKind.Mutex || this.kind === QueueKind.RecursiveMutex;
  }

  /** @internal */
  get isSemaphore(): boolean {
    return this.kind !== QueueKind.Queue && this.kind !== QueueKind.Set;
  }

  /** @internal */
  toString(): string {
    return `${kindNames[this.kind]}(${this.name})`;
  }
}

// ───────────────────────────── creation and checks ─────────────────────────────

/**
 * The heap bytes FreeRTOS's xQueueGenericCreate asks for: `sizeof(Queue_t)` plus the storage,
 * `length × itemSize` in one block (queue.c). A semaphore or mutex is item-less (itemSize 0: no
 * storage); a queue set stores a `Queue_t *` per event; our by-reference queues (itemSize 0)
 * hold a value per slot, charged as the pointer a 32-bit MCU would store.
 */
function queueSizeBytes(length: number, itemSize: number, kind: QueueKind): number {
  if (kind !== QueueKind.Queue && kind !== QueueKind.Set) return sizeOf.queue;
  return sizeOf.queue + length * (itemSize === 0 ? sizeOf.pointer : itemSize);
}

/** The report label of a queue's kind ("queue", "mutex", ...). */
const reportKinds = ["queue", "binary semaphore", "counting semaphore", "mutex", "recursive mutex", "queue set"] as const;

function createCall(kind: QueueKind): string {
  return kind === QueueKind.Queue ? "xQueueCreate" : kind === QueueKind.Set ? "xQueueCreateSet" : "xSemaphoreCreate";
}

function checkQueueArgs(k: Kernel, call: string, length: number, itemSize: number, kind: QueueKind): [number, number, number] {
  k.assertNotIsr(call);
  length = checkInteger(call, kind === QueueKind.Set ? "uxEventQueueLength" : "uxQueueLength", length, 1, UBASE_MAX, "a positive integer");
  itemSize = checkInteger(call, "uxItemSize", itemSize, 0, UBASE_MAX, "a non-negative integer number of bytes");
  const sizeBytes = queueSizeBytes(length, itemSize, kind);
  if (sizeBytes > UBASE_MAX) k.fail(call, `${length} items of ${itemSize} bytes need ${sizeBytes} bytes, beyond a 32-bit size_t`);
  return [length, itemSize, sizeBytes];
}

function makeQueue<T>(k: Kernel, length: number, itemSize: number, kind: QueueKind, name: string | undefined, address: number, isStatic: boolean): Queue<T> {
  const n = k.nextObjectNumber();
  const q = new Queue<T>(k, n, name ?? `${kindNames[kind]}#${n}`, length, itemSize, kind);
  q.controlAddress = address;
  q.isStatic = isStatic;
  if (k.traceEnabled()) k.emit("queue.created", k.current?.name, q.name, length);
  return q;
}

/**
 * xQueueGenericCreate: Queue_t and the storage in one heap block; null (and the malloc-failed
 * hook) when the heap cannot hold it. A size beyond the 32-bit size_t asserts, as FreeRTOS's
 * overflow check does.
 */
export function createQueue(k: Kernel, length: number, itemSize: number, kind: QueueKind = QueueKind.Queue, name?: string, call = createCall(kind)): Queue | null {
  let sizeBytes: number;
  [length, itemSize, sizeBytes] = checkQueueArgs(k, call, length, itemSize, kind);
  const address = k.allocateObject(sizeBytes, `${kindNames[kind]} of ${length}×${itemSize} bytes`, call);
  if (address === 0) return null;
  const q = makeQueue(k, length, itemSize, kind, name, address, false);
  k.heap.label(address, reportKinds[kind], q);
  return q;
}

/**
 * xQueueGenericCreateStatic: the Queue_t in `queueBuffer` (at least sizeof(StaticQueue_t)), the
 * items in `storage` (at least length × itemSize bytes; none for itemSize 0, as FreeRTOS asserts).
 * No heap. `call` names the public call in errors.
 */
export function createQueueStatic(k: Kernel, call: string, length: number, itemSize: number, kind: QueueKind, storage: Uint8Array | null | undefined, queueBuffer: Uint8Array, name?: string): Queue {
  [length, itemSize] = checkQueueArgs(k, call, length, itemSize, kind);
  const holdsItems = kind === QueueKind.Queue || kind === QueueKind.Set;
  const storageBytes = holdsItems ? length * (itemSize === 0 && kind === QueueKind.Set ? sizeOf.pointer : itemSize) : 0;
  if (storageBytes === 0 && storage !== undefined && storage !== null)
    k.fail(call, "pucQueueStorage must be NULL when the items take no storage (uxItemSize 0, or a semaphore)");
  if (storageBytes > 0) checkStaticBuffer(k, call, "pucQueueStorage", storage, storageBytes, `${length} items of ${itemSize === 0 ? sizeOf.pointer : itemSize} bytes`);
  const address = checkStaticBuffer(k, call, "pxStaticQueue", queueBuffer, sizeOf.queue, "StaticQueue_t");
  if (storageBytes > 0 && storage!.buffer === queueBuffer.buffer && storage!.byteOffset < queueBuffer.byteOffset + sizeOf.queue && queueBuffer.byteOffset < storage!.byteOffset + storageBytes)
    k.fail(call, "pucQueueStorage and pxStaticQueue overlap");
  const q = makeQueue(k, length, itemSize, kind, name, address, true);
  claimStaticBuffer(k, q, `${reportKinds[kind]} "${q.name}"`, queueBuffer, sizeOf.queue);
  if (storageBytes > 0) claimStaticBuffer(k, q, `${reportKinds[kind]} "${q.name}" storage`, storage!, storageBytes);
  return q;
}

/** A by-reference queue in the kernel's own static memory (the timer command queue). @internal */
export function createKernelQueue(k: Kernel, length: number, name: string, address: number): Queue {
  return makeQueue(k, length, 0, QueueKind.Queue, name, address, true);
}

/** Doubles a full ring (up to the queue's length), keeping the items in order from slot 0. */
function growRing(q: Queue): void {
  const slots = Math.min(q.length, Math.max(INITIAL_SLOTS, q.slots * 2));
  const first = q.slots - q.head; // items from head to the end of the old ring, then the rest from 0
  if (q.values !== null) {
    const old = q.values;
    const values = new Array<unknown>(slots).fill(undefined);
    for (let i = 0; i < q.count; i++) values[i] = old[i < first ? q.head + i : i - first];
    q.values = values;
  } else {
    const old = q.bytes!;
    const size = q.itemSize;
    const bytes = new Uint8Array(slots * size);
    bytes.set(old.subarray(q.head * size, (q.head + Math.min(first, q.count)) * size), 0);
    if (q.count > first) bytes.set(old.subarray(0, (q.count - first) * size), first * size);
    q.bytes = bytes;
  }
  q.slots = slots;
  q.head = 0;
}

/**
 * The handle checks of every queue call. Valid handles pass inline; the error paths are out of
 * line so that hot calls stay small enough for V8 to inline them whole.
 */
export function checkQueue(k: Kernel, call: string, q: unknown): Queue {
  if (q instanceof Queue && q.kernel === k && !q.deleted) return q;
  return badQueue(k, call, q);
}

function badQueue(k: Kernel, call: string, q: unknown): never {
  if (!(q instanceof Queue)) throw new TypeError(`${call}: expected a queue or semaphore handle, got ${describeValue(q)}`);
  if (q.kernel !== k) throw new TypeError(`${call}: ${q} belongs to another kernel`);
  return k.fail(call, `${q} has been deleted`);
}

function checkItem(q: Queue, call: string, item: unknown): void {
  if (q.bytes !== null && !(item instanceof Uint8Array && item.length === q.itemSize)) badItem(q, call, item);
}

function badItem(q: Queue, call: string, item: unknown): never {
  throw new TypeError(
    `${call}(${q.name}): the item must be a Uint8Array of exactly ${q.itemSize} bytes (the queue's itemSize), got ${
      item instanceof Uint8Array ? `a Uint8Array of ${item.length} bytes` : describeValue(item)
    }`,
  );
}

function checkRef(call: string, ref: unknown): void {
  if (ref === null || typeof ref !== "object") badRef(call, ref);
}

function badRef(call: string, ref: unknown): never {
  throw new TypeError(`${call}: the receive buffer must be a { value } reference object, got ${describeValue(ref)}`);
}

// ───────────────────────────── copying ─────────────────────────────

/** prvCopyDataToQueue; returns true when a mutex give disinherited a priority (a yield is due). */
function copyToQueue(k: Kernel, q: Queue, item: unknown, position: number, call: string): boolean {
  if (q.isSemaphore) return giveToken(k, q, call);
  if (position !== queueSEND_TO_BACK) {
    copyToFrontOrOverwrite(q, item, position);
    return false;
  }
  if (q.count === q.slots) growRing(q);
  let slot = q.head + q.count;
  if (slot >= q.slots) slot -= q.slots;
  q.count++;
  if (q.values !== null) q.values[slot] = item;
  else q.bytes!.set(item as Uint8Array, slot * q.itemSize);
  return false;
}

/** A semaphore's copy is a count; a mutex's also ends its holding (disinherit, rule 17). */
function giveToken(k: Kernel, q: Queue, call: string): boolean {
  let yieldRequired = false;
  if (q.isMutex) {
    yieldRequired = priorityDisinherit(k, q.holder!, call);
    q.holder = null;
  }
  q.count++;
  return yieldRequired;
}

function copyToFrontOrOverwrite(q: Queue, item: unknown, position: number): void {
  let slot: number;
  if (position === queueOVERWRITE && q.count === q.length) {
    slot = q.head; // length 1: the one item is replaced
  } else {
    if (q.count === q.slots) growRing(q);
    if (position === queueSEND_TO_FRONT) {
      q.head = q.head === 0 ? q.slots - 1 : q.head - 1;
      slot = q.head;
    } else {
      slot = q.head + q.count;
      if (slot >= q.slots) slot -= q.slots;
    }
    q.count++;
  }
  if (q.bytes !== null) q.bytes.set(item as Uint8Array, slot * q.itemSize);
  else q.values![slot] = item;
}

/** prvCopyDataFromQueue into ref.value; `remove` false for peek. */
function copyFromQueue(q: Queue, ref: Ref<unknown>, remove: boolean): void {
  const slot = q.head;
  if (q.values !== null) {
    ref.value = q.values[slot];
    if (remove) q.values[slot] = undefined;
  } else if (q.bytes !== null) {
    copyBytesOut(q, ref, slot);
  }
  if (remove) {
    q.head = slot + 1 === q.slots ? 0 : slot + 1;
    q.count--;
  }
}

/** Copies a byte item into ref.value, reusing the caller's Uint8Array when it has the right size. */
function copyBytesOut(q: Queue, ref: Ref<unknown>, slot: number): void {
  const size = q.itemSize;
  let into = ref.value;
  if (!(into instanceof Uint8Array) || into.length !== size) into = new Uint8Array(size);
  (into as Uint8Array).set(q.bytes!.subarray(slot * size, slot * size + size));
  ref.value = into;
}

/** A trace event for a queue operation by task `t` (out of line: keeps the hot callers small). */
function traceQueue(k: Kernel, kind: TraceKind, t: KernelTask | null, q: Queue, value?: number): void {
  k.emit(kind, t?.name, q.name, value);
}

/**
 * After data arrived: wake the first receiver, or post to the queue's set instead (rule 24: a
 * member notifies only its set, and not when an overwrite left the count unchanged). True when
 * a woken task preempts the caller.
 */
function notifyReceivers(k: Kernel, q: Queue, countBefore: number): boolean {
  if (q.onSendHook !== null) q.onSendHook(q);
  if (q.set !== null) return q.count !== countBefore ? notifySetContainer(k, q) : false;
  if (q.rxWait.length > 0) return k.removeFromEventList(q.rxWait);
  return false;
}

/** prvNotifyQueueSetContainer: a member that received data posts itself to its set (rule 24). */
function notifySetContainer(k: Kernel, member: Queue): boolean {
  const set = member.set!;
  if (set.count >= set.length) k.fail("xQueueSend", `queue set ${set.name} is full: its length must cover every member's capacity`);
  copyToQueue(k, set, member, 0, "xQueueSend");
  if (set.onSendHook !== null) set.onSendHook(set);
  if (set.rxWait.length > 0) return k.removeFromEventList(set.rxWait);
  return false;
}

function wakeSender(k: Kernel, q: Queue): boolean {
  if (q.onReceiveHook !== null) q.onReceiveHook(q);
  return q.txWait.length > 0 ? k.removeFromEventList(q.txWait) : false;
}

const preempting = (k: Kernel): boolean => k.config.configUSE_PREEMPTION === 1;

// ───────────────────────────── send ─────────────────────────────

/** xQueueGenericSend: xQueueSend/SendToBack/SendToFront/Overwrite and xSemaphoreGive. */
export function queueSend(k: Kernel, q: Queue, item: unknown, ticks: number, position: QueuePosition, call = "xQueueSend"): KernelCall<number> {
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  ticks = k.checkTicks(call, ticks);
  if (position === queueOVERWRITE && q.length !== 1) overwriteNeedsLengthOne(k, call, q);
  checkItem(q, call, item);
  if (q.count < q.length || position === queueOVERWRITE) return k.result(pdPASS, copyAndNotify(k, q, item, position, call, k.current));
  if (ticks === 0) return failNow(k, q, "queue.sendFailed", errQUEUE_FULL);
  return waitOn(k, call, q, q.txWait, ticks, item, position, sendRetry);
}

/** Copies the item in and wakes a receiver (or posts to the set); true when the sender should yield. */
function copyAndNotify(k: Kernel, q: Queue, item: unknown, position: number, call: string, who: KernelTask | null): boolean {
  const countBefore = q.count;
  const receiversWaiting = q.set !== null || q.rxWait.length > 0;
  const disinherited = copyToQueue(k, q, item, position, call);
  if (k.traceEnabled()) traceQueue(k, q.isMutex ? "mutex.give" : "queue.send", who, q, q.count);
  const woke = notifyReceivers(k, q, countBefore);
  // V11: with a receiver (or set) to notify, only its wake decides the yield; else a disinherit does.
  return receiversWaiting ? woke : disinherited;
}

/** A call that cannot complete and may not wait: traced, and settled with `code`. */
function failNow(k: Kernel, q: Queue, kind: TraceKind, code: number): KernelCall<number> {
  if (k.traceEnabled()) traceQueue(k, kind, k.current, q);
  return settled(code);
}

/**
 * The running task waits on `list` (q's senders or receivers) for up to `ticks`: the call's
 * operands are kept on the task, and `retry` finishes the call when it is switched back in.
 * (Out of line so the calls that complete at once stay small enough for V8 to inline.)
 */
function waitOn(k: Kernel, call: string, q: Queue, list: EventList<KernelTask>, ticks: number, item: unknown, arg: number, retry: Continuation<Kernel>): KernelCall<number> {
  k.assertCanBlock(call);
  const t = k.current!;
  if (ticks < k.maxDelay) k.setTimeOutState(t);
  t.ticksToWait = ticks;
  t.opObject = q;
  t.opItem = item;
  t.opArg = arg;
  k.placeOnEventList(list, ticks, retry, q.name);
  return k.switchAway();
}

function overwriteNeedsLengthOne(k: Kernel, call: string, q: Queue): never {
  return k.fail(call, `xQueueOverwrite needs a queue of length 1; ${q.name} has length ${q.length}`);
}

/** The rest of a blocked send, run when the sender is switched back in (rule 13). */
function sendRetry(k: Kernel, t: KernelTask): void {
  const q = t.opObject as Queue;
  if (q.count < q.length || t.opArg === queueOVERWRITE) {
    const item = t.opItem;
    t.opItem = undefined;
    t.resumeValue = pdPASS;
    if (copyAndNotify(k, q, item, t.opArg, "xQueueSend", t) && preempting(k)) k.switchContext();
    return;
  }
  if (k.checkForTimeOut(t)) {
    t.opItem = undefined;
    t.resumeValue = errQUEUE_FULL;
    if (k.traceEnabled()) traceQueue(k, "queue.sendFailed", t, q);
    return;
  }
  k.placeOnEventList(q.txWait, t.ticksToWait, sendRetry, q.name);
  k.switchContext();
}

/** xQueueGenericSendFromISR: never blocks; sets woken.value to pdTRUE when a higher-priority task was readied. */
export function queueSendFromIsr(k: Kernel, q: Queue, item: unknown, woken: Ref<number> | null | undefined, position: QueuePosition, call = "xQueueSendFromISR"): number {
  k.checkFromIsr(call);
  q = checkQueue(k, call, q);
  if (position === queueOVERWRITE && q.length !== 1) k.fail(call, `xQueueOverwriteFromISR needs a queue of length 1; ${q.name} has length ${q.length}`);
  if (q.isMutex) k.fail(call, `${q.name} is a mutex: a mutex cannot be given from an ISR`);
  checkItem(q, call, item);
  if (q.count < q.length || position === queueOVERWRITE) {
    const countBefore = q.count;
    copyToQueue(k, q, item, position, call);
    if (k.traceEnabled()) k.emit("queue.send", k.isrName ?? undefined, q.name, q.count);
    if (notifyReceivers(k, q, countBefore) && woken) woken.value = pdTRUE;
    return pdPASS;
  }
  if (k.traceEnabled()) k.emit("queue.sendFailed", k.isrName ?? undefined, q.name);
  return errQUEUE_FULL;
}

// ───────────────────────────── receive and peek ─────────────────────────────

/** xQueueReceive (remove) and xQueuePeek. */
export function queueReceive(k: Kernel, q: Queue, ref: Ref<unknown>, ticks: number, peek: boolean, call = peek ? "xQueuePeek" : "xQueueReceive"): KernelCall<number> {
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  ticks = k.checkTicks(call, ticks);
  checkRef(call, ref);
  if (q.isSemaphore) receiveFromSemaphore(k, call, q);
  if (q.count > 0) return k.result(pdPASS, takeItem(k, q, ref, peek, k.current));
  if (ticks === 0) return failNow(k, q, "queue.receiveFailed", errQUEUE_EMPTY);
  return waitOn(k, call, q, q.rxWait, ticks, ref, peek ? 1 : 0, receiveRetry);
}

function receiveFromSemaphore(k: Kernel, call: string, q: Queue): never {
  return k.fail(call, `${q} is a semaphore: use xSemaphoreTake`);
}

/** Takes (or peeks) the head item; returns true when a woken task preempts the caller. */
function takeItem(k: Kernel, q: Queue, ref: Ref<unknown>, peek: boolean, who: KernelTask | null): boolean {
  copyFromQueue(q, ref, !peek);
  if (k.traceEnabled()) traceQueue(k, peek ? "queue.peek" : "queue.receive", who, q, q.count);
  // A peek leaves the item, so the next waiting reader may have it too (rule 23).
  if (peek) return q.rxWait.length > 0 ? k.removeFromEventList(q.rxWait) : false;
  return wakeSender(k, q);
}

function receiveRetry(k: Kernel, t: KernelTask): void {
  receiveAgain(k, t, receiveRetry);
}

/** The rest of a blocked receive (`self`: the continuation to wait with again); true when the call completed. */
function receiveAgain(k: Kernel, t: KernelTask, self: Continuation<Kernel>): boolean {
  const q = t.opObject as Queue;
  const ref = t.opItem as Ref<unknown>;
  const peek = t.opArg === 1;
  if (q.count > 0) {
    t.opItem = undefined;
    t.resumeValue = pdPASS;
    if (takeItem(k, q, ref, peek, t) && preempting(k)) k.switchContext();
    return true;
  }
  if (k.checkForTimeOut(t)) {
    t.opItem = undefined;
    t.resumeValue = errQUEUE_EMPTY;
    if (k.traceEnabled()) traceQueue(k, "queue.receiveFailed", t, q);
    return true;
  }
  k.placeOnEventList(q.rxWait, t.ticksToWait, self, q.name);
  k.switchContext();
  return false;
}

/** xQueueReceiveFromISR / xQueuePeekFromISR. */
export function queueReceiveFromIsr(k: Kernel, q: Queue, ref: Ref<unknown>, woken: Ref<number> | null | undefined, peek: boolean, call = peek ? "xQueuePeekFromISR" : "xQueueReceiveFromISR"): number {
  k.checkFromIsr(call);
  q = checkQueue(k, call, q);
  checkRef(call, ref);
  if (q.isSemaphore) k.fail(call, `${q} is a semaphore: use xSemaphoreTakeFromISR`);
  if (q.count === 0) return pdFAIL;
  copyFromQueue(q, ref, !peek);
  if (k.traceEnabled()) k.emit(peek ? "queue.peek" : "queue.receive", k.isrName ?? undefined, q.name, q.count);
  if (!peek && wakeSender(k, q) && woken) woken.value = pdTRUE;
  return pdPASS;
}

// ───────────────────────────── semaphores and mutexes ─────────────────────────────

/** xQueueCreateMutex / xSemaphoreCreateBinary / xSemaphoreCreateCounting. */
export function createSemaphore(k: Kernel, kind: QueueKind, maxCount: number, initialCount: number): Queue | null {
  const call = kind === QueueKind.Mutex ? "xSemaphoreCreateMutex" : kind === QueueKind.RecursiveMutex ? "xSemaphoreCreateRecursiveMutex" : kind === QueueKind.BinarySemaphore ? "xSemaphoreCreateBinary" : "xSemaphoreCreateCounting";
  if (kind === QueueKind.CountingSemaphore) {
    maxCount = checkInteger(call, "uxMaxCount", maxCount, 1, UBASE_MAX, "a positive integer");
    initialCount = checkInteger(call, "uxInitialCount", initialCount, 0, maxCount, `an integer in [0, uxMaxCount=${maxCount}]`);
  }
  const q = createQueue(k, maxCount, 0, kind, undefined, call);
  if (q === null) return null;
  q.count = initialCount;
  return q;
}

/** The semaphore create calls' Static twins: the Queue_t in `buffer` (at least sizeof(StaticSemaphore_t)); no heap. */
export function createSemaphoreStatic(k: Kernel, kind: QueueKind, maxCount: number, initialCount: number, buffer: Uint8Array): Queue {
  const call = (kind === QueueKind.Mutex ? "xSemaphoreCreateMutex" : kind === QueueKind.RecursiveMutex ? "xSemaphoreCreateRecursiveMutex" : kind === QueueKind.BinarySemaphore ? "xSemaphoreCreateBinary" : "xSemaphoreCreateCounting") + "Static";
  if (kind === QueueKind.CountingSemaphore) {
    maxCount = checkInteger(call, "uxMaxCount", maxCount, 1, UBASE_MAX, "a positive integer");
    initialCount = checkInteger(call, "uxInitialCount", initialCount, 0, maxCount, `an integer in [0, uxMaxCount=${maxCount}]`);
  }
  const q = createQueueStatic(k, call, maxCount, 0, kind, null, buffer);
  q.count = initialCount;
  return q;
}

/** xQueueSemaphoreTake: xSemaphoreTake, with priority inheritance for mutexes (rules 25, 27). */
export function semaphoreTake(k: Kernel, q: Queue, ticks: number, call = "xSemaphoreTake", recursive = false): KernelCall<number> {
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  ticks = k.checkTicks(call, ticks);
  if (!q.isSemaphore) k.fail(call, `${q} is a queue, not a semaphore: use xQueueReceive`);
  if (q.count > 0) return k.result(pdPASS, takeToken(k, q, k.current, recursive));
  if (ticks === 0) {
    if (k.traceEnabled()) k.emit("queue.receiveFailed", k.current?.name, q.name);
    return settled(pdFAIL);
  }
  k.assertCanBlock(call);
  const t = k.current!;
  if (ticks < k.maxDelay) k.setTimeOutState(t);
  t.ticksToWait = ticks;
  t.opObject = q;
  t.opArg = recursive ? 1 : 0;
  t.inheritanceOccurred = q.isMutex ? priorityInherit(k, q.holder) : false;
  k.placeOnEventList(q.rxWait, ticks, takeRetry, q.takeReason ?? q.name);
  return k.switchAway();
}

/** Takes one token; records the mutex holder. Returns true when a woken sender preempts the caller. */
function takeToken(k: Kernel, q: Queue, taker: KernelTask | null, recursive: boolean): boolean {
  q.count--;
  if (q.isMutex && taker !== null) {
    q.holder = taker;
    taker.mutexesHeld++;
    if (recursive) q.recursiveCount++;
    if (k.traceEnabled()) k.emit("mutex.take", taker.name, q.name);
  } else if (k.traceEnabled()) k.emit("queue.receive", taker?.name, q.name, q.count);
  return wakeSender(k, q);
}

function takeRetry(k: Kernel, t: KernelTask): void {
  const q = t.opObject as Queue;
  if (q.count > 0) {
    t.resumeValue = pdPASS;
    if (takeToken(k, q, t, t.opArg === 1) && preempting(k)) k.switchContext();
    return;
  }
  if (k.checkForTimeOut(t)) {
    if (t.inheritanceOccurred) {
      // rule 27: the holder drops to the highest priority still waiting (or its base).
      const head = q.rxWait.head();
      const highestWaiting = head === null ? 0 : k.maxPriorities - head.eValue;
      priorityDisinheritAfterTimeout(k, q.holder, highestWaiting);
      t.inheritanceOccurred = false;
    }
    t.resumeValue = pdFAIL;
    if (k.traceEnabled()) k.emit("queue.receiveFailed", t.name, q.name);
    return;
  }
  if (q.isMutex) t.inheritanceOccurred = priorityInherit(k, q.holder);
  k.placeOnEventList(q.rxWait, t.ticksToWait, takeRetry, q.takeReason ?? q.name);
  k.switchContext();
}

/** xSemaphoreGive: a give never blocks (rule 26: non-holder asserts; untaken mutex → errQUEUE_FULL). */
export function semaphoreGive(k: Kernel, q: Queue, call = "xSemaphoreGive"): KernelCall<number> {
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  if (!q.isSemaphore) k.fail(call, `${q} is a queue, not a semaphore: use xQueueSend`);
  if (q.isMutex && q.count === 0 && q.holder !== k.current) k.fail(call, `${q} is held by task "${q.holder?.name ?? "?"}"; only the holder may give it`);
  return queueSend(k, q, undefined, 0, 0, call);
}

/**
 * Gives a mutex held by the running task straight to the first waiting task, which returns from
 * its take already holding it (not a FreeRTOS call: the Go bridge's Mutex uses it so a goroutine
 * that unlocks and re-locks cannot starve a waiter, as Go's starvation mode guarantees). With no
 * waiter it is a plain give. Never switches: returns true when the new holder outranks the caller.
 */
export function mutexHandOff(k: Kernel, q: Queue, call = "mutexHandOff"): boolean {
  q = checkQueue(k, call, q);
  if (!q.isMutex) k.fail(call, `${q} is not a mutex`);
  if (q.count > 0 || q.holder !== k.current) k.fail(call, `${q} is not held by the caller`);
  const disinherited = priorityDisinherit(k, q.holder!, call);
  q.holder = null;
  const next = q.rxWait.head();
  if (next === null) {
    q.count = 1;
    if (k.traceEnabled()) k.emit("mutex.give", k.current?.name, q.name, q.count);
    return disinherited;
  }
  const higher = k.removeFromEventList(q.rxWait);
  next.cont = null;
  next.resumeValue = pdPASS;
  q.holder = next;
  next.mutexesHeld++;
  if (k.traceEnabled()) k.emit("mutex.take", next.name, q.name);
  // The new holder inherits from whoever still waits (rule 25).
  const waiter = q.rxWait.head();
  if (waiter !== null && waiter.priority > next.priority) {
    const saved = k.current;
    k.current = waiter;
    priorityInherit(k, next);
    k.current = saved;
  }
  return higher || disinherited;
}

/** xSemaphoreTakeRecursive (rule 28). */
export function semaphoreTakeRecursive(k: Kernel, q: Queue, ticks: number): KernelCall<number> {
  const call = "xSemaphoreTakeRecursive";
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  if (q.kind !== QueueKind.RecursiveMutex) k.fail(call, `${q} is not a recursive mutex`);
  ticks = k.checkTicks(call, ticks);
  if (q.holder !== null && q.holder === k.current && k.inTask()) {
    q.recursiveCount++;
    return settled(pdPASS);
  }
  return semaphoreTake(k, q, ticks, call, true);
}

/** xSemaphoreGiveRecursive (rule 28): pdFAIL from a non-holder. */
export function semaphoreGiveRecursive(k: Kernel, q: Queue): KernelCall<number> {
  const call = "xSemaphoreGiveRecursive";
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  if (q.kind !== QueueKind.RecursiveMutex) k.fail(call, `${q} is not a recursive mutex`);
  if (q.holder === null || q.holder !== k.current) return settled(pdFAIL);
  q.recursiveCount--;
  // The holder gives a mutex it holds: the send succeeds (pdPASS), possibly after yielding.
  if (q.recursiveCount === 0) return queueSend(k, q, undefined, 0, 0, call);
  return settled(pdPASS);
}

/** xSemaphoreGiveFromISR (xQueueGiveFromISR). */
export function semaphoreGiveFromIsr(k: Kernel, q: Queue, woken: Ref<number> | null | undefined): number {
  const call = "xSemaphoreGiveFromISR";
  k.checkFromIsr(call);
  q = checkQueue(k, call, q);
  if (!q.isSemaphore) k.fail(call, `${q} is a queue, not a semaphore`);
  // An ISR may take and give a mutex no task holds (xQueueGiveFromISR's configASSERT).
  if (q.isMutex && q.holder !== null) k.fail(call, `${q} is held by task "${q.holder.name}": a mutex held by a task cannot be given from an ISR`);
  if (q.count >= q.length) return errQUEUE_FULL;
  q.count++;
  if (k.traceEnabled()) k.emit("queue.send", k.isrName ?? undefined, q.name, q.count);
  if (notifyReceivers(k, q, q.count - 1) && woken) woken.value = pdTRUE;
  return pdPASS;
}

/** xSemaphoreTakeFromISR. */
export function semaphoreTakeFromIsr(k: Kernel, q: Queue, woken: Ref<number> | null | undefined): number {
  const call = "xSemaphoreTakeFromISR";
  k.checkFromIsr(call);
  q = checkQueue(k, call, q);
  if (!q.isSemaphore) k.fail(call, `${q} is a queue, not a semaphore`);
  if (q.count === 0) return pdFAIL; // a mutex taken from an ISR records no holder
  q.count--;
  if (k.traceEnabled()) k.emit("queue.receive", k.isrName ?? undefined, q.name, q.count);
  if (wakeSender(k, q) && woken) woken.value = pdTRUE;
  return pdPASS;
}

// ───────────────────────────── reset, delete, getters ─────────────────────────────

/** xQueueReset (rule 24): empties the queue, wakes one blocked sender, leaves receivers blocked. */
export function queueReset(k: Kernel, q: Queue): KernelCall<number> {
  const call = "xQueueReset";
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  q.count = 0;
  q.head = 0;
  if (q.values !== null) q.values.fill(undefined);
  // As V11: a reset mutex is empty (taken) with no holder (pcTail overlays xMutexHolder).
  if (q.isMutex) q.holder = null;
  if (k.traceEnabled()) k.emit("queue.reset", k.current?.name, q.name);
  const woke = q.txWait.length > 0 ? k.removeFromEventList(q.txWait) : false;
  return k.result(pdPASS, woke);
}

/** vQueueDelete (rule 24: deleting a queue that tasks wait on asserts). */
export function queueDelete(k: Kernel, q: Queue): void {
  const call = "vQueueDelete";
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  const waiting = q.txWait.length + q.rxWait.length;
  if (waiting > 0) k.fail(call, `${waiting} task(s) are blocked on ${q}: ${[...q.txWait.toArray(), ...q.rxWait.toArray()].map((t) => `"${t.name}"`).join(", ")}`);
  if (q.set !== null) k.fail(call, `${q} is still a member of queue set ${q.set.name}: remove it first`);
  q.deleted = true;
  if (q.values !== null) q.values.fill(undefined);
  if (q.isStatic) releaseStaticBuffers(k, q);
  else k.heap.free(q.controlAddress);
  if (k.traceEnabled()) k.emit("queue.deleted", k.current?.name, q.name);
}

/** vQueueAddToRegistry: names the queue in traces, errors and pcQueueGetName. */
export function queueAddToRegistry(k: Kernel, q: Queue, name: string): void {
  const call = "vQueueAddToRegistry";
  q = checkQueue(k, call, q);
  if (typeof name !== "string") throw wrongType(call, "pcQueueName", "a string", name);
  q.name = name;
}

/** uxQueueMessagesWaiting / uxSemaphoreGetCount. */
export function messagesWaiting(k: Kernel, q: Queue, call = "uxQueueMessagesWaiting"): number {
  return checkQueue(k, call, q).count;
}

export function spacesAvailable(k: Kernel, q: Queue): number {
  q = checkQueue(k, "uxQueueSpacesAvailable", q);
  return q.length - q.count;
}

export function isQueueFull(k: Kernel, q: Queue): number {
  q = checkQueue(k, "xQueueIsQueueFullFromISR", q);
  return q.count === q.length ? pdTRUE : pdFALSE;
}

export function isQueueEmpty(k: Kernel, q: Queue): number {
  q = checkQueue(k, "xQueueIsQueueEmptyFromISR", q);
  return q.count === 0 ? pdTRUE : pdFALSE;
}

/** xSemaphoreGetMutexHolder: the holding task, or null. */
export function mutexHolder(k: Kernel, q: Queue): KernelTask | null {
  q = checkQueue(k, "xSemaphoreGetMutexHolder", q);
  return q.isMutex ? q.holder : null;
}

// ───────────────────────────── queue sets (rule 24) ─────────────────────────────

/** xQueueCreateSet: a set that can hold `length` events (the sum of its members' capacities). */
export function createQueueSet(k: Kernel, length: number): Queue | null {
  return createQueue(k, length, 0, QueueKind.Set);
}

/** xQueueCreateSetStatic (FreeRTOS 11): the set's Queue_t in `queueBuffer`, a Queue_t * per event in `storage` (length × 4 bytes). */
export function createQueueSetStatic(k: Kernel, length: number, storage: Uint8Array, queueBuffer: Uint8Array): Queue {
  return createQueueStatic(k, "xQueueCreateSetStatic", length, 0, QueueKind.Set, storage ?? null, queueBuffer);
}

function checkSet(k: Kernel, call: string, set: unknown): Queue {
  const s = checkQueue(k, call, set);
  if (s.kind !== QueueKind.Set) throw new TypeError(`${call}: ${s} is not a queue set`);
  return s;
}

/** xQueueAddToSet: pdFAIL when the member is in a set already or is not empty. */
export function addToSet(k: Kernel, member: Queue, set: Queue): number {
  const call = "xQueueAddToSet";
  member = checkQueue(k, call, member);
  set = checkSet(k, call, set);
  if (member.kind === QueueKind.Set) throw new TypeError(`${call}: a queue set cannot be a member of a set`);
  if (member.set !== null || member.count !== 0) return pdFAIL;
  member.set = set;
  return pdPASS;
}

/** xQueueRemoveFromSet: pdFAIL when the member is not in that set or is not empty. */
export function removeFromSet(k: Kernel, member: Queue, set: Queue | null): number {
  const call = "xQueueRemoveFromSet";
  member = checkQueue(k, call, member);
  // As V11, the set is only compared: a null set is simply not the member's set.
  if (set === null || set === undefined) return pdFAIL;
  set = checkSet(k, call, set);
  if (member.set !== set || member.count !== 0) return pdFAIL;
  member.set = null;
  return pdPASS;
}

/** xQueueSelectFromSet: the member that has data, or null on timeout. */
export function selectFromSet(k: Kernel, set: Queue, ticks: number): KernelCall<Queue | null> {
  const call = "xQueueSelectFromSet";
  k.assertNotIsr(call);
  set = checkSet(k, call, set);
  return receiveItemFrom(k, set, k.checkTicks(call, ticks), call, false) as KernelCall<Queue | null>;
}

/**
 * Receives the head item as the call's value (a queue used as a channel): the item, or with
 * `pair` the pair `[item, true]`; null when the wait times out.
 */
export function queueReceiveItem(k: Kernel, q: Queue, ticks: number, pair: boolean, call = "xQueueReceive"): KernelCall<unknown> {
  k.assertNotIsr(call);
  q = checkQueue(k, call, q);
  ticks = k.checkTicks(call, ticks);
  if (q.isSemaphore) receiveFromSemaphore(k, call, q);
  return receiveItemFrom(k, q, ticks, call, pair);
}

/** For receives whose value is the item: the item taken at once, never kept. */
const scratchRef: Ref<unknown> = { value: undefined };

function receiveItemFrom(k: Kernel, q: Queue, ticks: number, call: string, pair: boolean): KernelCall<unknown> {
  if (q.count > 0) {
    const higher = takeItem(k, q, scratchRef, false, k.current);
    const item = scratchRef.value;
    scratchRef.value = undefined;
    return k.resultValue(pair ? [item, true] : item, higher);
  }
  if (ticks === 0) {
    if (k.traceEnabled()) traceQueue(k, "queue.receiveFailed", k.current, q);
    return settledValue(null);
  }
  return waitOn(k, call, q, q.rxWait, ticks, { value: undefined }, 0, pair ? receivePairRetry : receiveItemRetry) as KernelCall<unknown>;
}

/** The rest of a blocked queueReceiveItem (or xQueueSelectFromSet): the item (or null) is the call's value. */
function receiveItemRetry(k: Kernel, t: KernelTask): void {
  const ref = t.opItem as Ref<unknown>;
  if (receiveAgain(k, t, receiveItemRetry)) t.resumeValue = t.resumeValue === pdPASS ? ref.value : null;
}

function receivePairRetry(k: Kernel, t: KernelTask): void {
  const ref = t.opItem as Ref<unknown>;
  if (receiveAgain(k, t, receivePairRetry)) t.resumeValue = t.resumeValue === pdPASS ? [ref.value, true] : null;
}

/**
 * Receives the head item into `ref` without blocking or switching, from a task or from kernel
 * context (a select re-polling a queue view): -1 when the queue is empty, else 1 when a task
 * it readied outranks the running one (the caller yields), else 0.
 */
export function queueTryReceive(k: Kernel, q: Queue, ref: Ref<unknown>): number {
  if (q.count === 0) return -1;
  return takeItem(k, q, ref, false, k.current) ? 1 : 0;
}

/** Sends `item` to the back without blocking or switching (see queueTryReceive): -1 when full, else 1 or 0. */
export function queueTrySend(k: Kernel, q: Queue, item: unknown, call: string): number {
  checkItem(q, call, item);
  if (q.count >= q.length) return -1;
  return copyAndNotify(k, q, item, queueSEND_TO_BACK, call, k.current) ? 1 : 0;
}

/** xQueueSelectFromSetFromISR */
export function selectFromSetFromIsr(k: Kernel, set: Queue): Queue | null {
  const call = "xQueueSelectFromSetFromISR";
  set = checkSet(k, call, set);
  const ref: Ref<unknown> = { value: null };
  return queueReceiveFromIsr(k, set, ref, null, false, call) === pdPASS ? (ref.value as Queue) : null;
}

/**
 * vQueueWaitForMessageRestricted (for the timer task): block until the queue has data or the
 * timeout passes, without receiving; returns at once when data is there.
 */
export function queueWaitForMessageRestricted(k: Kernel, q: Queue, ticks: number, waitIndefinitely: boolean): KernelCall<number> {
  if (q.count > 0 || !k.inTask()) return settled(0);
  k.placeOnEventList(q.rxWait, waitIndefinitely ? k.maxDelay : ticks, null, q.name);
  return k.switchAway();
}
