/**
 * Event groups (FreeRTOS's event_groups.c, rule 29): a word of event bits and a FIFO list of
 * waiting tasks (not priority ordered). The top byte of the bits is reserved for control flags
 * carried in the waiter's event item value; setting or waiting on it asserts.
 *
 * With 32- and 64-bit ticks 24 bits are usable (JS bitwise operations are 32-bit, so a 64-bit
 * tick kernel keeps the 32-bit layout); with 16-bit ticks, 8 bits.
 * @module
 */
import { checkInteger, describeValue } from "./check.js";
import { pdPASS } from "./constants.js";
import { sizeOf } from "./heap.js";
import { checkStaticBuffer, claimStaticBuffer, releaseStaticBuffers } from "./static.js";
import { settled } from "./exec.js";
import type { KernelCall } from "./lane.js";
import type { Kernel, KernelTask, Ref } from "./kernel.js";
import { EventList, ListKind } from "./list.js";
import { pendFunctionCallFromIsr } from "./timers.js";
import { placeOnUnorderedEventList, resetEventItemValue } from "./blocking.js";

/** An opaque event group handle (EventGroupHandle_t). */
export class EventGroup {
  /** @internal */
  bits = 0;
  /** @internal */
  readonly waiting = new EventList<KernelTask>(ListKind.Event);
  /** @internal */
  deleted = false;
  /** @internal */
  /** @internal Address of the EventGroup_t (heap block payload or static buffer). */
  controlAddress = 0;
  /** @internal ucStaticallyAllocated */
  isStatic = false;
  constructor(
    readonly kernel: Kernel,
    readonly id: number,
    public name: string,
  ) {}
  /** @internal */
  toString(): string {
    return `EventGroup(${this.name})`;
  }
}

interface ControlBits {
  clearOnExit: number;
  unblocked: number;
  waitForAll: number;
  reserved: number;
}

const controlBits32: ControlBits = { clearOnExit: 0x01000000, unblocked: 0x02000000, waitForAll: 0x04000000, reserved: 0xff000000 };
const controlBits16: ControlBits = { clearOnExit: 0x0100, unblocked: 0x0200, waitForAll: 0x0400, reserved: 0xff00 };

function control(k: Kernel): ControlBits {
  return k.config.configTICK_TYPE_WIDTH_IN_BITS === 16 ? controlBits16 : controlBits32;
}

function checkGroup(k: Kernel, call: string, eg: unknown): EventGroup {
  if (!(eg instanceof EventGroup)) throw new TypeError(`${call}: expected an event group handle, got ${describeValue(eg)}`);
  if (eg.kernel !== k) throw new TypeError(`${call}: ${eg} belongs to another kernel`);
  if (eg.deleted) k.fail(call, `${eg} has been deleted`);
  return eg;
}

function checkBits(k: Kernel, call: string, name: string, value: unknown, nonZero: boolean): number {
  const bits = checkInteger(call, name, value, 0, 0xffffffff, "an unsigned integer bit mask");
  const reserved = control(k).reserved;
  if ((bits & reserved) !== 0)
    k.fail(call, `${name} 0x${bits.toString(16)} uses the reserved control bits 0x${(reserved >>> 0).toString(16)} (with ${k.config.configTICK_TYPE_WIDTH_IN_BITS}-bit ticks only 0x${(~reserved >>> 0).toString(16)} are event bits)`);
  if (nonZero && bits === 0) k.fail(call, `${name} must not be 0`);
  return bits >>> 0;
}

/** xEventGroupCreate: null (and the malloc-failed hook) when the heap cannot hold it. */
export function createEventGroup(k: Kernel): EventGroup | null {
  k.assertNotIsr("xEventGroupCreate");
  const block = k.allocateObject(sizeOf.eventGroup, "event group", "xEventGroupCreate");
  if (block === 0) return null;
  const eg = makeEventGroup(k, block, false);
  k.heap.label(block, "event group", eg);
  return eg;
}

/** xEventGroupCreateStatic: the EventGroup_t in `buffer` (at least sizeof(StaticEventGroup_t)); no heap. */
export function createEventGroupStatic(k: Kernel, buffer: Uint8Array): EventGroup {
  const call = "xEventGroupCreateStatic";
  k.assertNotIsr(call);
  const address = checkStaticBuffer(k, call, "pxEventGroupBuffer", buffer, sizeOf.eventGroup, "StaticEventGroup_t");
  const eg = makeEventGroup(k, address, true);
  claimStaticBuffer(k, eg, `event group "${eg.name}"`, buffer, sizeOf.eventGroup);
  return eg;
}

function makeEventGroup(k: Kernel, address: number, isStatic: boolean): EventGroup {
  const n = k.nextObjectNumber();
  const eg = new EventGroup(k, n, `EventGroup#${n}`);
  eg.controlAddress = address;
  eg.isStatic = isStatic;
  if (k.traceEnabled()) k.emit("eventGroup.created", k.current?.name, eg.name);
  return eg;
}

function conditionMet(current: number, waitFor: number, waitForAll: boolean): boolean {
  return waitForAll ? (current & waitFor) === waitFor : (current & waitFor) !== 0;
}

/**
 * The waiting loop of xEventGroupSetBits: readies every waiter whose condition now holds (in
 * FIFO order), then clears the clear-on-exit bits of all of them after the loop (rule 29).
 * Returns true when a readied task outranks the caller.
 */
function releaseSatisfiedWaiters(k: Kernel, eg: EventGroup): boolean {
  const c = control(k);
  let clear = 0;
  let higher = false;
  const end = eg.waiting.end;
  for (let node = end.eNext; node !== end; ) {
    const next = node.eNext;
    const t = node as KernelTask;
    const flags = t.eValue & c.reserved;
    const waitFor = t.eValue & ~c.reserved;
    if (conditionMet(eg.bits, waitFor, (flags & c.waitForAll) !== 0)) {
      if ((flags & c.clearOnExit) !== 0) clear |= waitFor;
      // vTaskRemoveFromUnorderedEventList: the item now carries the bits that released it.
      t.eValue = (eg.bits | c.unblocked) >>> 0;
      eg.waiting.remove(t);
      t.blockedOn = null;
      k.removeState(t);
      k.addToReadyList(t);
      if (k.current !== null && t.priority > k.current.priority) {
        k.yieldPending = true;
        higher = true;
      }
    }
    node = next;
  }
  eg.bits = (eg.bits & ~clear) >>> 0;
  return higher;
}

/** xEventGroupSetBits: returns the bits after waking satisfied waiters and clearing their exit bits. */
export function setBits(k: Kernel, eg: EventGroup, bits: number, call = "xEventGroupSetBits"): KernelCall<number> {
  k.assertNotIsr(call);
  eg = checkGroup(k, call, eg);
  bits = checkBits(k, call, "uxBitsToSet", bits, false);
  eg.bits = (eg.bits | bits) >>> 0;
  if (k.traceEnabled()) k.emit("eventGroup.setBits", k.current?.name, eg.name, eg.bits);
  const higher = releaseSatisfiedWaiters(k, eg);
  return k.result(eg.bits, higher);
}

/** xEventGroupClearBits: returns the bits before clearing. */
export function clearBits(k: Kernel, eg: EventGroup, bits: number, call = "xEventGroupClearBits"): number {
  eg = checkGroup(k, call, eg);
  bits = checkBits(k, call, "uxBitsToClear", bits, false);
  const before = eg.bits;
  eg.bits = (eg.bits & ~bits) >>> 0;
  if (k.traceEnabled()) k.emit("eventGroup.clearBits", k.current?.name, eg.name, eg.bits);
  return before;
}

export function getBits(k: Kernel, eg: EventGroup, call = "xEventGroupGetBits"): number {
  return checkGroup(k, call, eg).bits;
}

/** xEventGroupWaitBits: the bits when the condition was met, or the current bits on timeout. */
export function waitBits(k: Kernel, eg: EventGroup, waitFor: number, clearOnExit: number | boolean, waitForAll: number | boolean, ticks: number): KernelCall<number> {
  const call = "xEventGroupWaitBits";
  k.assertNotIsr(call);
  eg = checkGroup(k, call, eg);
  waitFor = checkBits(k, call, "uxBitsToWaitFor", waitFor, true);
  ticks = k.checkTicks(call, ticks);
  if (ticks !== 0 && k.schedulerSuspended > 0) k.fail(call, "blocking while the scheduler is suspended (vTaskSuspendAll)");
  const current = eg.bits;
  if (conditionMet(current, waitFor, !!waitForAll)) {
    if (clearOnExit) eg.bits = (eg.bits & ~waitFor) >>> 0;
    return settled(current);
  }
  if (ticks === 0) return settled(current);
  k.assertCanBlock(call);
  const c = control(k);
  const t = k.current!;
  t.opObject = eg;
  placeOnUnorderedEventList(k, eg.waiting, (waitFor | (clearOnExit ? c.clearOnExit : 0) | (waitForAll ? c.waitForAll : 0)) >>> 0, ticks, waitFinish, eg.name);
  return k.switchAway();
}

/** After an event-group wait: released by bits (the item carries them) or timed out. */
function waitFinish(k: Kernel, t: KernelTask): void {
  const eg = t.opObject as EventGroup;
  t.opObject = null;
  const c = control(k);
  const waited = t.eValue;
  let value = resetEventItemValue(k, t);
  if ((value & c.unblocked) === 0) {
    // Timed out (or aborted, or suspended): report the bits as they are now.
    const waitFor = waited & ~c.reserved;
    value = eg.bits;
    if (conditionMet(value, waitFor, (waited & c.waitForAll) !== 0) && (waited & c.clearOnExit) !== 0) eg.bits = (eg.bits & ~waitFor) >>> 0;
  }
  t.resumeValue = (value & ~c.reserved) >>> 0;
}

/** xEventGroupSync: set bits, then wait for all of `waitFor` (a rendezvous); returns the bits. */
export function syncBits(k: Kernel, eg: EventGroup, setBitsValue: number, waitFor: number, ticks: number): KernelCall<number> {
  const call = "xEventGroupSync";
  k.assertNotIsr(call);
  eg = checkGroup(k, call, eg);
  setBitsValue = checkBits(k, call, "uxBitsToSet", setBitsValue, false);
  waitFor = checkBits(k, call, "uxBitsToWaitFor", waitFor, true);
  ticks = k.checkTicks(call, ticks);
  if (ticks !== 0 && k.schedulerSuspended > 0) k.fail(call, "blocking while the scheduler is suspended (vTaskSuspendAll)");
  const original = eg.bits;
  // A sync that will wait is checked before it sets any bit.
  if (ticks !== 0 && ((original | setBitsValue) & waitFor) !== waitFor) k.assertCanBlock(call);
  eg.bits = (eg.bits | setBitsValue) >>> 0;
  if (k.traceEnabled()) k.emit("eventGroup.setBits", k.current?.name, eg.name, eg.bits);
  const higher = releaseSatisfiedWaiters(k, eg);
  if (((original | setBitsValue) & waitFor) === waitFor) {
    eg.bits = (eg.bits & ~waitFor) >>> 0;
    return k.result((original | setBitsValue) >>> 0, higher);
  }
  if (ticks === 0) return k.result(eg.bits, higher);
  const c = control(k);
  const t = k.current!;
  t.opObject = eg;
  placeOnUnorderedEventList(k, eg.waiting, (waitFor | c.clearOnExit | c.waitForAll) >>> 0, ticks, waitFinish, eg.name);
  return k.switchAway();
}

/** The timer task's half of xEventGroupSetBitsFromISR. */
function setBitsDeferred(eg: unknown, bits: number): void {
  const group = eg as EventGroup;
  if (group.deleted) return;
  void setBits(group.kernel, group, bits, "xEventGroupSetBitsFromISR");
}

function clearBitsDeferred(eg: unknown, bits: number): void {
  const group = eg as EventGroup;
  if (group.deleted) return;
  clearBits(group.kernel, group, bits, "xEventGroupClearBitsFromISR");
}

/** xEventGroupSetBitsFromISR: deferred to the timer task (rule 29); pdFAIL when its queue is full. */
export function setBitsFromIsr(k: Kernel, eg: EventGroup, bits: number, woken: Ref<number> | null | undefined): number {
  const call = "xEventGroupSetBitsFromISR";
  k.checkFromIsr(call);
  eg = checkGroup(k, call, eg);
  bits = checkBits(k, call, "uxBitsToSet", bits, false);
  return pendFunctionCallFromIsr(k, setBitsDeferred, eg, bits, woken, call);
}

/** xEventGroupClearBitsFromISR: deferred to the timer task; pdFAIL when its queue is full. */
export function clearBitsFromIsr(k: Kernel, eg: EventGroup, bits: number): number {
  const call = "xEventGroupClearBitsFromISR";
  k.checkFromIsr(call);
  eg = checkGroup(k, call, eg);
  bits = checkBits(k, call, "uxBitsToClear", bits, false);
  return pendFunctionCallFromIsr(k, clearBitsDeferred, eg, bits, null, call);
}

/** vEventGroupDelete: releases every waiter (they return 0) and frees the group. */
export function deleteEventGroup(k: Kernel, eg: EventGroup): KernelCall<number> {
  const call = "vEventGroupDelete";
  k.assertNotIsr(call);
  eg = checkGroup(k, call, eg);
  const c = control(k);
  let higher = false;
  for (;;) {
    const t = eg.waiting.head();
    if (t === null) break;
    t.eValue = c.unblocked;
    eg.waiting.remove(t);
    t.blockedOn = null;
    k.removeState(t);
    k.addToReadyList(t);
    if (k.current !== null && t.priority > k.current.priority) higher = true;
  }
  eg.deleted = true;
  if (eg.isStatic) releaseStaticBuffers(k, eg);
  else k.heap.free(eg.controlAddress);
  if (k.traceEnabled()) k.emit("eventGroup.deleted", k.current?.name, eg.name);
  return k.result(pdPASS, higher);
}
