/**
 * The stack model (issue 12): how much of its stack a task uses, its high-water mark, and the
 * overflow checks of configCHECK_FOR_STACK_OVERFLOW (FreeRTOS's stack_macros.h).
 *
 * A task's modelled use is its context frame (CONTEXT_FRAME_WORDS) plus what its code declares
 * with `stackUse(bytes)` around a deeper call. The task keeps the bytes in use now and the peak.
 * When the task has a view of its stack in board RAM (`stackView`), the view is filled with
 * tskSTACK_FILL_BYTE and the used part (from the top: stacks descend on Cortex-M and RISC-V) is
 * written as the peak grows, so the high-water mark and method 2 read real bytes, as FreeRTOS
 * does; off a board they follow the numeric peak.
 *
 * Interrupts: on Cortex-M "Handler mode always uses the MSP" (Cortex-M4 Generic User Guide ARM
 * DUI 0553A / ST PM0214 section 2.1.3; the hardware pushes its 8-word frame on the interrupted
 * task's stack, which the 17-word context frame covers), and the RISC-V ports switch to an ISR
 * stack on entry (FreeRTOS portASM.S `xISRStackTop`; ESP-IDF's riscv portasm.S
 * `rtos_int_enter`, `xIsrStackTop`). So `stackUse` from an ISR (or the tick hook) charges no
 * task: it returns a release that does nothing (the function form just runs the function).
 * @module
 */
import { KernelAssertError, KernelError } from "./errors.js";
import { Exec } from "./exec.js";
import { callHookInInterruptContext } from "./isr.js";
import { genLane, isGenerator, type KernelCall } from "./lane.js";
import type { Kernel, KernelTask } from "./kernel.js";
import { CONTEXT_FRAME_WORDS, type StackState } from "./task.js";

/** Bytes of a stack word: portSTACK_TYPE is uint32_t in the GCC ARM_CM4F/ARM_CM7 and RV32 RISC-V portmacro.h the boards' ports use. */
export const STACK_WORD_BYTES = 4;

/** The byte a new task's stack is filled with (tskSTACK_FILL_BYTE, tasks.c). */
export const tskSTACK_FILL_BYTE = 0xa5;

/**
 * Bytes at the stack's far end that method 2 checks still hold the fill byte: stack_macros.h
 * (portSTACK_GROWTH < 0) compares the four words pulStack[0..3] with 0xa5a5a5a5.
 */
export const STACK_CHECK_BYTES = 16;

/** The context frame in bytes: what every task's stack holds at the least. */
export const CONTEXT_FRAME_BYTES = CONTEXT_FRAME_WORDS * STACK_WORD_BYTES;

/** What the used part of a board stack is written with (any byte but the fill byte). */
const USED_BYTE = 0x00;

/** Ends a `stackUse` charge. Call it once, in the task that made the charge, innermost first. */
export type StackRelease = () => void;

const noRelease: StackRelease = () => {};

/** The size of `t`'s stack in bytes. @internal */
export function stackSizeBytes(t: KernelTask): number {
  return t.stackDepth * STACK_WORD_BYTES;
}

/** Stack bytes `t` uses now. @internal */
export function stackUseBytes(t: KernelTask): number {
  const s = t.stackState;
  return s === null ? CONTEXT_FRAME_BYTES : s.useBytes;
}

/** The most stack bytes `t` ever used. @internal */
export function stackPeakBytes(t: KernelTask): number {
  const s = t.stackState;
  return s === null ? CONTEXT_FRAME_BYTES : s.peakBytes;
}

/** `t`'s stack state, made at its first charge. */
function stateOf(t: KernelTask): StackState {
  let s = t.stackState;
  if (s === null) s = t.stackState = { useBytes: CONTEXT_FRAME_BYTES, peakBytes: CONTEXT_FRAME_BYTES };
  return s;
}

/**
 * Gives task `t` the view of its stack in board RAM (`stackDepth` words, lowest address first):
 * fills it with tskSTACK_FILL_BYTE and writes the part used so far, as prvInitialiseNewTask
 * fills a new stack (tskSET_NEW_STACKS_TO_KNOWN_VALUE). Called by whoever places the stack (the
 * board's heap); a unit test may attach a plain Uint8Array. Not public: the kernel's index only.
 */
export function attachStackView(t: KernelTask, view: Uint8Array): void {
  if (!(view instanceof Uint8Array)) throw new TypeError(`task "${t.name}": a stack view must be a Uint8Array, got ${view === null ? "null" : typeof view}`);
  const size = stackSizeBytes(t);
  if (view.length !== size)
    throw new RangeError(`task "${t.name}": its stack view must be ${size} bytes (stackDepth ${t.stackDepth} words of ${STACK_WORD_BYTES} bytes), got ${view.length}`);
  t.stackView = view;
  fillStack(t);
}

/** Fills `t`'s stack view: the fill byte below the peak, the used bytes above it. @internal */
export function fillStack(t: KernelTask): void {
  const view = t.stackView;
  if (view === null) return;
  const used = Math.min(stackPeakBytes(t), view.length);
  view.fill(tskSTACK_FILL_BYTE, 0, view.length - used);
  view.fill(USED_BYTE, view.length - used);
}

/** The peak of `t` rises to `bytes`: on a board, the newly used bytes are written. */
function raisePeak(t: KernelTask, s: StackState, bytes: number): void {
  const view = t.stackView;
  if (view !== null) {
    // The stack descends from its top (the view's end). Writes below the stack's lowest byte
    // (the overflow itself) are not modelled: they would land in a neighbour's memory.
    const from = Math.max(0, view.length - bytes);
    const to = Math.max(0, view.length - s.peakBytes);
    if (from < to) view.fill(USED_BYTE, from, to);
  }
  s.peakBytes = bytes;
}

/**
 * `stackUse(bytes)`: task code declares that what follows uses `bytes` more of its stack (a
 * deeper call, a local buffer), until the returned release is called. Charges nest and are
 * released innermost first. `stackUse(bytes, fn)` charges around `fn()`, released when it
 * returns, throws or (a promise, or in a generator task a generator to `yield*`) completes.
 * The facades bind it to their kernel (`rtos.stackUse`, Go's `stackUse`).
 */
export function stackUse(k: Kernel, bytes: number, fn?: () => unknown): unknown {
  const call = "stackUse";
  if (typeof bytes !== "number") throw new TypeError(`${call}: bytes must be a number, got ${bytes === null ? "null" : typeof bytes}`);
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 0x7fffffff) throw new RangeError(`${call}: bytes must be an integer number of bytes >= 1, got ${String(bytes)}`);
  if (fn !== undefined && typeof fn !== "function") throw new TypeError(`${call}(${bytes}, fn): fn must be a function, got ${fn === null ? "null" : typeof fn}`);
  const exec = k.exec;
  if (exec === Exec.Isr) return fn === undefined ? noRelease : fn(); // the ISR stack, not a task's
  const t = k.current;
  if (t === null || (exec !== Exec.Task && exec !== Exec.Kernel)) k.fail(call, "only a task's code runs on a task stack");
  const s = stateOf(t);
  const level = s.useBytes + bytes;
  s.useBytes = level;
  if (level > s.peakBytes) raisePeak(t, s, level);
  const charge = new Charge(k, t, s, bytes, level);
  if (fn === undefined) return charge.release;
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    charge.unwind();
    throw error;
  }
  if (result === (genLane as unknown)) return releaseAfterGen(result as Iterable<unknown>, charge); // a kernel call in a generator task
  if (isGenerator(result)) {
    const g = releaseAfterGen(result, charge);
    // A generator made in an async task (a lane wrapper): run it from here.
    return genLane.active ? g : releaseAfter(k.driveGenerator(g), null);
  }
  if (result !== null && (typeof result === "object" || typeof result === "function") && typeof (result as PromiseLike<unknown>).then === "function") {
    if (genLane.active) {
      charge.unwind();
      throw new KernelError(`${call}(${bytes}, fn) in generator task "${t.name}": fn returned a promise, which a generator task cannot wait for; pass a generator function (function*) and yield* the result`);
    }
    return releaseAfter(result as PromiseLike<unknown>, charge);
  }
  charge.release();
  return result;
}

/** One open `stackUse` charge of a task. */
class Charge {
  private released = false;
  constructor(
    private readonly k: Kernel,
    private readonly t: KernelTask,
    private readonly s: StackState,
    private readonly bytes: number,
    /** The task's use with this charge made: the charge is the innermost while the use is this. */
    private readonly level: number,
  ) {}

  readonly release: StackRelease = (): void => {
    const { k, t, s, bytes } = this;
    if (this.released) throw new KernelAssertError(`stackUse release called twice: the charge of ${bytes} bytes of task "${t.name}" was already released`);
    if (k.current !== t || k.exec === Exec.Isr || (k.exec !== Exec.Task && k.exec !== Exec.Kernel))
      throw new KernelAssertError(`stackUse release of task "${t.name}" (${bytes} bytes) called from ${k.callerDescription()}: release a charge in the task that made it`);
    if (s.useBytes !== this.level)
      throw new KernelAssertError(
        `stackUse release out of order in task "${t.name}": the charge of ${bytes} bytes is not the innermost (${s.useBytes - this.level} bytes charged after it are still held); release charges innermost first`,
      );
    this.released = true;
    s.useBytes = this.level - bytes;
  };

  /** The code it surrounds threw: the stack unwinds to below this charge, inner charges included. */
  unwind(): void {
    if (this.released) return;
    this.released = true;
    if (this.s.useBytes >= this.level) this.s.useBytes = this.level - this.bytes;
  }
}

/** Releases `charge` after `it` (a generator or a generator task's kernel call) completes. */
function* releaseAfterGen(it: Iterable<unknown>, charge: Charge): Generator<unknown, unknown, unknown> {
  let done = false;
  try {
    const value: unknown = yield* it as Generator<unknown, unknown, unknown>;
    done = true;
    charge.release();
    return value;
  } finally {
    if (!done) charge.unwind();
  }
}

/** Releases `charge` (when not null) after `p` settles. */
async function releaseAfter(p: PromiseLike<unknown>, charge: Charge | null): Promise<unknown> {
  let value: unknown;
  try {
    value = await p;
  } catch (error) {
    if (charge !== null) charge.unwind();
    throw error;
  }
  if (charge !== null) charge.release();
  return value;
}

/**
 * prvTaskCheckFreeStackSpace: the stack never used, in words (uxTaskGetStackHighWaterMark). On
 * a board, the fill bytes counted from the stack's far end (the lowest address) up, so a stray
 * write there shows; off a board, from the peak. 0 once the peak reached the stack's end.
 */
export function stackHighWaterMarkWords(t: KernelTask): number {
  const view = t.stackView;
  let freeBytes: number;
  if (view !== null) {
    freeBytes = 0;
    while (freeBytes < view.length && view[freeBytes] === tskSTACK_FILL_BYTE) freeBytes++;
  } else {
    freeBytes = Math.max(0, stackSizeBytes(t) - stackPeakBytes(t));
  }
  return Math.floor(freeBytes / STACK_WORD_BYTES);
}

/**
 * taskCHECK_FOR_STACK_OVERFLOW (stack_macros.h, portSTACK_GROWTH < 0, FreeRTOS V11), run by
 * switchContext for the task switched out when configCHECK_FOR_STACK_OVERFLOW is 1 or 2.
 * Method 1: the saved stack pointer is at or below the stack's lowest word (`pxTopOfStack <=
 * pxStack`): the use now is at least the stack's size. Method 2 also: the last
 * STACK_CHECK_BYTES at the stack's far end no longer hold the fill byte (on a board the real
 * bytes; off a board: the peak reached them). So a task that went deep and came back before it
 * was switched out escapes method 1 and not method 2.
 * @internal
 */
export function checkStackOverflow(k: Kernel, t: KernelTask): void {
  if (t.deleted) return;
  const size = stackSizeBytes(t);
  if (stackUseBytes(t) >= size || (k.stackCheck === 2 && endOverwritten(t, size))) stackOverflowDetected(k, t);
}

function endOverwritten(t: KernelTask, size: number): boolean {
  const view = t.stackView;
  if (view === null) return stackPeakBytes(t) > size - STACK_CHECK_BYTES;
  for (let i = 0; i < STACK_CHECK_BYTES && i < view.length; i++) if (view[i] !== tskSTACK_FILL_BYTE) return true;
  return false;
}

/**
 * Counts the detection, traces it and calls vApplicationStackOverflowHook(task, name), in the
 * kernel's context as FreeRTOS calls it from vTaskSwitchContext (no blocking call; FromISR
 * calls only). The task then runs on: what to do is the hook's business (on hardware it usually
 * halts or resets). A hook that throws ends the run with its error, as a halt would.
 */
function stackOverflowDetected(k: Kernel, t: KernelTask): void {
  k.stackOverflows++;
  if (k.traceSink !== null) k.emit("task.stackOverflow", t.name, undefined, stackPeakBytes(t));
  const hook = k.config.vApplicationStackOverflowHook;
  if (hook === null) return;
  callHookInInterruptContext(k, "stack overflow hook", hook, t, t.name);
}

/** The signatures of `stackUse` (the FreeRTOS facade's `rtos.stackUse`, Go's `stackUse`). */
export interface StackUseFunction {
  /** Charges `bytes` to the calling task's stack until the returned release is called (innermost first). */
  (bytes: number): StackRelease;
  /** In a generator task: charges `bytes` around the generator `fn` returns; `yield*` the result. */
  <Y, R, N>(bytes: number, fn: () => Generator<Y, R, N>): Generator<Y, R, N>;
  /** Charges `bytes` around a kernel call (released when it completes): await it, or `yield*` it in a generator task. */
  <R>(bytes: number, fn: () => KernelCall<R>): KernelCall<R>;
  /** In an async task: charges `bytes` until the promise `fn` returns settles. */
  <R>(bytes: number, fn: () => Promise<R>): Promise<R>;
  /** Charges `bytes` while `fn` runs. */
  <R>(bytes: number, fn: () => R): R;
}
