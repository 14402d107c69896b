/**
 * The generator lane: tasks written as generator functions, resumed by the kernel's dispatch
 * loop with `gen.next()` instead of a promise settlement. Every kernel call that can block or
 * switch returns a `KernelCall<T>`: in an async task a Promise, in a generator task the shared
 * token below, which `yield*` reads. The lane is chosen here, at the kernel's exits (a call
 * completes, a call switches away), never in an object's own code.
 * @module
 */

declare const kernelYieldBrand: unique symbol;

/** What a generator task yields to the kernel (opaque: only `yield*` of a kernel call produces it). */
export interface KernelYield {
  readonly [kernelYieldBrand]: true;
}

/**
 * The result of a kernel call that can block or switch: a `Promise<T>` to `await` in an async
 * task, and an iterable to `yield*` in a generator task (`const n = yield* rtos.xQueueReceive(q, ref, 10)`
 * is typed `number`). Await or `yield*` every such call where you make it.
 */
export interface KernelCall<T> extends Promise<T> {
  [Symbol.iterator](): Iterator<KernelYield, T, unknown>;
}

/**
 * The generator a generator task (or goroutine) function returns: `function* (): GenTask { ... }`.
 * It may only `yield*` kernel calls (and `external(promise)` for outside work).
 */
export type GenTask<R = void> = Generator<KernelYield, R, unknown>;

/** The kernel, asked when a generator task misuses a call: it makes the error (naming the task where it can) and ends the run with it. */
export interface LaneHost {
  laneMisuse(what: string): Error;
}

/**
 * The lane state and the token every kernel call returns in a generator task. One per thread:
 * only one kernel runs at a time, and only one generator's code runs inside it.
 * `active` is true exactly while a generator task's own code runs (the dispatch loop, or the
 * timer task's driver of a generator callback, sets and clears it around `next()`).
 */
class GenLane {
  /** A generator task's code is running (kernel exits return the token, not a promise). */
  active = false;
  /** The last call switched away: the generator must yield to the dispatch loop (`yield*` does). */
  pending = false;
  /** The value of the completed call (or the resume value of the switched one). */
  value: unknown = undefined;
  /** The kernel running the generator, for misuse errors. */
  host: LaneHost | null = null;
  /** The one result a generator yields when its call switched away (yield* passes it through unchanged). */
  readonly switched: IteratorResult<KernelYield, never> = Object.freeze({ done: false, value: SWITCH_MARKER }) as IteratorResult<KernelYield, never>;
  /** The result of a completed call, reused (yield* reads it at once). */
  private readonly completed: { done: true; value: unknown } = { done: true, value: undefined };

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<KernelYield, unknown> {
    if (this.pending) {
      this.pending = false;
      return this.switched;
    }
    const r = this.completed;
    r.value = this.value;
    this.value = undefined;
    return r;
  }

  /** An error resumption (gen.throw from the dispatch loop) raises in the task at its `yield*`. */
  throw(error: unknown): never {
    throw error;
  }

  /** `return()` of a delegating generator (a finally that returns early): nothing to clean up. */
  return(value?: unknown): IteratorResult<KernelYield, unknown> {
    return { done: true, value };
  }

  /**
   * A kernel call of a generator task used as a promise: `await` reads `then` at once (to
   * adopt a thenable), so the misuse is caught while the task's code still runs.
   */
  get then(): never {
    throw this.misuse("a kernel call made by a generator task was used as a promise (awaited or .then-ed): in a generator task, `yield*` every kernel call");
  }

  catch(): never {
    return this.then;
  }

  finally(): never {
    return this.then;
  }

  private misuse(what: string): Error {
    const host = this.host;
    return host !== null ? host.laneMisuse(what) : new Error(what);
  }
}

/** The marker inside `GenLane.switched` (never seen by task code: the dispatch loop consumes it). */
const SWITCH_MARKER = Object.freeze({ kernelSwitch: true }) as unknown as KernelYield;

/** The generator lane of this thread. */
export const genLane = new GenLane();

/** The token a generator task's kernel call returns, typed as the call's result. */
export function genCall<T>(): KernelCall<T> {
  return genLane as unknown as KernelCall<T>;
}

/** Whether `fn` is a generator function (`function*`), so that its task runs in the generator lane. */
export function isGeneratorFunction(fn: Function): boolean {
  return (fn as unknown as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "GeneratorFunction";
}

/** Whether `fn` is an `async function*`, which can be neither kind of task. */
export function isAsyncGeneratorFunction(fn: Function): boolean {
  return (fn as unknown as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "AsyncGeneratorFunction";
}

/** Whether `value` is a generator object (what a plain function that wraps a generator function returns). */
export function isGenerator(value: unknown): value is Generator {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as Generator).next === "function" &&
    typeof (value as Generator).throw === "function" &&
    typeof (value as Generator)[Symbol.iterator] === "function" &&
    typeof (value as PromiseLike<unknown>).then !== "function"
  );
}
