/**
 * Static creation (the `...Static` twins of the create calls): caller-supplied buffers instead of
 * heap blocks. A buffer is a Uint8Array; on a board it must lie in board RAM and the object's
 * address is the buffer's. While its object lives, no other static object may use any byte of it.
 * Deleting a static object frees no heap (ucStaticallyAllocated).
 *
 * Also the kernel's own static memory: with configSUPPORT_STATIC_ALLOCATION 1, FreeRTOS 11
 * creates the idle task (vApplicationGetIdleTaskMemory), the timer task
 * (vApplicationGetTimerTaskMemory) and the timer command queue (static arrays in timers.c) without
 * the heap; here that memory is one kernel-owned block (the board's `kernel` RAM row).
 * @module
 */
import type { Kernel } from "./kernel.js";
import { sizeOf } from "./heap.js";

/** One claimed buffer: its bytes, and the object using it. */
interface Claim {
  readonly buffer: ArrayBufferLike;
  readonly start: number;
  readonly end: number;
  readonly owner: object;
  readonly what: string;
}

const claims = new WeakMap<Kernel, Claim[]>();

/**
 * Checks a static buffer for `call` and claims it for `owner`; returns its address (0 off a
 * board). Asserts (KernelAssertError naming the call and the rule): static allocation
 * configured out, a missing or non-Uint8Array buffer, one smaller than `minBytes`, one not in
 * board RAM (on a board), one overlapping a buffer of a live object. Checks all before claiming.
 * @internal
 */
export function checkStaticBuffer(k: Kernel, call: string, param: string, buf: unknown, minBytes: number, struct: string): number {
  if (k.config.configSUPPORT_STATIC_ALLOCATION === 0) k.fail(call, "configSUPPORT_STATIC_ALLOCATION is 0: static creation is compiled out");
  if (buf === undefined || buf === null) k.fail(call, `${param} is missing: static creation needs a buffer (configASSERT(${param} != NULL))`);
  if (!(buf instanceof Uint8Array)) k.fail(call, `${param} must be a Uint8Array, got ${typeof buf === "object" ? (buf as object).constructor?.name ?? "an object" : typeof buf}`);
  if (buf.byteLength < minBytes) k.fail(call, `${param} has ${buf.byteLength} bytes; ${struct} needs ${minBytes}`);
  let address = 0;
  if (k.memory !== null) {
    address = k.memory.addressOf(buf);
    if (address < 0) k.fail(call, `${param} is not in board RAM (a host buffer): place it with staticBuffer(board, name, sizeBytes) from tinyrtos/mem`);
  }
  const list = claims.get(k);
  if (list !== undefined) {
    const start = buf.byteOffset;
    const end = start + minBytes;
    for (const c of list)
      if (c.buffer === buf.buffer && start < c.end && c.start < end) k.fail(call, `${param} is already in use by ${c.what} (a live static object): one buffer per object`);
  }
  return address;
}

/** Claims checked buffers for `owner` (after every check of the call passed). @internal */
export function claimStaticBuffer(k: Kernel, owner: object, what: string, buf: Uint8Array, sizeBytes: number): void {
  let list = claims.get(k);
  if (list === undefined) claims.set(k, (list = []));
  list.push({ buffer: buf.buffer, start: buf.byteOffset, end: buf.byteOffset + sizeBytes, owner, what });
}

/** Releases every buffer `owner` claimed (its object was deleted). @internal */
export function releaseStaticBuffers(k: Kernel, owner: object): void {
  const list = claims.get(k);
  if (list === undefined) return;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.owner === owner) list.splice(i, 1);
}

/** The number of static buffers claimed by live objects. @internal */
export function staticBufferCount(k: Kernel): number {
  return claims.get(k)?.length ?? 0;
}

/** Where the kernel's own static objects lie in its static block (offsets), and the block's size. @internal */
export function kernelStaticLayout(k: Kernel): { idleStack: number; idleTcb: number; timerStack: number; timerTcb: number; timerQueue: number; sizeBytes: number } {
  const c = k.config;
  const align = (n: number): number => Math.ceil(n / 8) * 8;
  const idleStack = 0;
  const idleTcb = align(idleStack + c.configMINIMAL_STACK_SIZE * sizeOf.stackWord);
  const timerStack = align(idleTcb + sizeOf.tcb);
  const timerTcb = align(timerStack + c.configTIMER_TASK_STACK_DEPTH * sizeOf.stackWord);
  const timerQueue = align(timerTcb + sizeOf.tcb);
  const sizeBytes = align(timerQueue + sizeOf.queue + c.configTIMER_QUEUE_LENGTH * sizeOf.pointer);
  return { idleStack, idleTcb, timerStack, timerTcb, timerQueue, sizeBytes };
}
