/**
 * Goroutines bound one-to-one to kernel tasks, and `run`, which drives a kernel until the main
 * goroutine returns. The Go layer uses only the kernel's public API (src/kernel/index.ts): task
 * creation, park/unpark (the runtime shim), delays, mutexes and software timers.
 * @module
 */
import {
  Kernel,
  KernelError,
  runningKernel,
  startTimerService,
  type KernelConfig,
  type KernelTask,
  awaitExternal,
  spawnTask,
  startScheduler,
  taskYield,
  isGenerator,
  isGeneratorFunction,
  type KernelCall,
  stackUse as kernelStackUse,
  type StackUseFunction,
  CONTEXT_FRAME_BYTES,
  STACK_WORD_BYTES,
} from "../kernel/index.js";
import { DeadlockError, GoFatalError, GoPanic, RunLimitError, type BlockedGoroutine } from "./errors.js";

/**
 * A goroutine's stack by default, in bytes: the seed's 512-byte static stacks (its section 2.2).
 * `run(main, { goroutineStackBytes })` changes it for a run.
 */
export const GOROUTINE_STACK_BYTES = 512;

/** GOROUTINE_STACK_BYTES in stack words (of 4 bytes): the stackDepth of a goroutine's task. */
export const GOROUTINE_STACK_WORDS = GOROUTINE_STACK_BYTES / 4;

/** The name prefix of a goroutine without a name ("goroutine 7", as Go's tracebacks say). */
const UNNAMED = "goroutine ";

/** configMAX_TASK_NAME_LEN of kernels made by run(): goroutine names up to 31 characters are kept whole. */
export const GOROUTINE_NAME_LEN = 32;

/** Per-goroutine Go-layer state, kept in the task's `tag`: the waiter it blocks with (see chan.ts). */
export interface GoroutineState {
  goroutineId: number;
}

/** Per-kernel Go runtime state. */
export class GoRuntime {
  nextGoroutineId = 1;
  /** Virtual time (ticks) when run() started: now() counts from here. */
  startTicks = 0;
  /** The first fatal error of the program: run() rejects with it even if the program caught it. */
  fatal: GoFatalError | null = null;
  /** Ids below this make "goroutine <id>" names that fit configMAX_TASK_NAME_LEN whole. */
  readonly numberedNameLimit: number;
  /** The stackDepth (words) of goroutines spawned now: run()'s goroutineStackBytes / 4. */
  stackWords = GOROUTINE_STACK_WORDS;
  /** run()'s maxGoroutines: live goroutines (main included) allowed at once. */
  maxGoroutines = Infinity;
  constructor(readonly kernel: Kernel) {
    this.numberedNameLimit = 10 ** Math.max(0, kernel.config.configMAX_TASK_NAME_LEN - 1 - UNNAMED.length);
  }
}

const runtimes = new WeakMap<Kernel, GoRuntime>();

/** The last lookup, kept: a program runs on one kernel, and go() asks for every spawn. */
let lastKernel: Kernel | null = null;
let lastRuntime: GoRuntime | null = null;

export function runtimeOf(k: Kernel): GoRuntime {
  if (k === lastKernel) return lastRuntime!;
  let rt = runtimes.get(k);
  if (rt === undefined) {
    rt = new GoRuntime(k);
    runtimes.set(k, rt);
  }
  lastKernel = k;
  lastRuntime = rt;
  return rt;
}

/** Forgets the cached lookup (run() ends: the kernel must not be kept alive by the cache). */
function forgetRuntimeCache(k: Kernel): void {
  if (lastKernel === k) {
    lastKernel = null;
    lastRuntime = null;
  }
}

/** The kernel of the goroutine calling; throws when called outside run(). */
export function currentKernel(what: string): Kernel {
  const k = runningKernel();
  if (k === null) throw new KernelError(`${what}: no Go program is running; call it inside run(main) (from a goroutine)`);
  return k;
}

/**
 * Raises a fatal error of the Go runtime (not recoverable, as Go's sync.fatal): records it so
 * that run() rejects with it, stops the kernel, and returns it for the caller to throw.
 */
export function fatal(k: Kernel, message: string): GoFatalError {
  const error = new GoFatalError(message);
  if (k.current !== null) error.taskName = k.current.name;
  const rt = runtimeOf(k);
  if (rt.fatal === null) rt.fatal = error;
  k.stop();
  return error;
}

/** Options of `go()`. */
export interface GoOptions {
  name?: string;
  /** Kernel priority; default: the parent goroutine's. */
  priority?: number;
}

/**
 * Starts `fn` as a new goroutine: a new kernel task. Like Go's `go` statement it returns at once;
 * a goroutine of higher priority than its parent starts running at the parent's next kernel call.
 */
export function go(fn: () => unknown, options?: GoOptions): void {
  const k = currentKernel("go");
  if (typeof fn !== "function") throw new TypeError(`go: expected a function, got ${typeof fn}`);
  // The common call, go(fn): the parent's priority, a numbered name; nothing more to check.
  if (options === undefined) {
    spawn(k, fn, undefined, k.current !== null ? k.current.basePriority : 1);
    return;
  }
  if (options === null || typeof options !== "object") throw new TypeError("go: options must be an object");
  const name = options.name;
  if (name !== undefined && typeof name !== "string") throw new TypeError(`go: options.name must be a string, got ${typeof name}`);
  let priority = options.priority;
  if (priority === undefined) priority = k.current !== null ? k.current.basePriority : 1;
  // Checked here so that the error names the goroutine (spawn builds its name only when read).
  else priority = k.checkPriority(`go("${name ?? `${UNNAMED}${runtimeOf(k).nextGoroutineId}`}")`, priority);
  spawn(k, fn, name, priority);
}

/**
 * Waits in a goroutine for a promise that is not a channel or kernel operation (a file read, a
 * fetch, a host timer): the goroutine blocks until it settles and then resumes with its value
 * (or throws its rejection), while other goroutines keep running. Virtual time does not advance
 * while every goroutine is idle and such a promise is pending. A goroutine that awaits outside
 * work directly, without external(), is an error that ends the run.
 * @example
 * ```ts
 * const text = await external(readFile("config.json", "utf8"));
 * ```
 */
export function external<T>(promise: PromiseLike<T>): KernelCall<T> {
  return awaitExternal(currentKernel("external"), promise);
}

function spawn(k: Kernel, fn: () => unknown, name: string | undefined, priority: number): KernelTask {
  const rt = runtimeOf(k);
  // The seed's fixed goroutine limit: spawnedLive counts the kernel's goroutine tasks not yet freed (main included).
  if (k.spawnedLive >= rt.maxGoroutines) throw goroutineLimit(k, rt, name);
  const id = rt.nextGoroutineId++;
  // An unnamed goroutine is "goroutine <id>", its string built only when read (when it fits the name length).
  const numbered = name === undefined && id < rt.numberedNameLimit;
  const t = spawnTask(k, fn, numbered ? UNNAMED : (name ?? `${UNNAMED}${id}`), rt.stackWords, priority);
  if (t === null) throw new GoPanic(`runtime: cannot allocate goroutine ${id}: kernel heap exhausted (${k.heap.getFreeHeapSize()} bytes free)`);
  if (numbered) t.setNumberedName(UNNAMED, id);
  t.tag = id;
  return t;
}

function goroutineLimit(k: Kernel, rt: GoRuntime, name: string | undefined): GoPanic {
  const what = name ?? `${UNNAMED}${rt.nextGoroutineId}`;
  return new GoPanic(
    `runtime: cannot start ${what === "main" ? "the main goroutine" : `"${what}"`}: ${k.spawnedLive} goroutine${k.spawnedLive === 1 ? " is" : "s are"} live and run()'s maxGoroutines is ${rt.maxGoroutines} (the main goroutine counts)`,
  );
}

/**
 * Declares that the code it surrounds uses `bytes` more of the calling goroutine's stack (a deep
 * call, a local buffer), for the stack model: the goroutine's high-water mark and the kernel's
 * configCHECK_FOR_STACK_OVERFLOW checks (see the FreeRTOS facade's `rtos.stackUse`).
 * `const release = stackUse(bytes)` … `release()`, or `stackUse(bytes, fn)` around `fn`
 * (await it when `fn` is async; `yield*` it in a generator goroutine).
 * @example
 * ```ts
 * await run(async () => {
 *   await stackUse(256, async () => { await sleep(1); }); // 256 bytes of locals while it sleeps
 * }, { goroutineStackBytes: 512 });
 * ```
 */
export const stackUse: StackUseFunction = ((bytes: number, fn?: () => unknown) => kernelStackUse(currentKernel("stackUse"), bytes, fn)) as StackUseFunction;

/** The goroutine id of a task (0 for a task that is not a goroutine). */
export function goroutineId(t: KernelTask): number {
  const tag = t.tag;
  if (typeof tag === "number") return tag;
  if (tag !== null && typeof tag === "object" && "goroutineId" in tag) return (tag as GoroutineState).goroutineId;
  return 0;
}

/** Yields the processor to other ready goroutines of the same priority (runtime.Gosched → taskYIELD). */
export function gosched(): KernelCall<void> {
  return taskYield(currentKernel("gosched")) as unknown as KernelCall<void>;
}

/** Options of `run()`. */
export interface RunOptions {
  /** Seed of the kernel's PRNG (select's random choice). Default 1. */
  seed?: number;
  tickRateHz?: number;
  maxPriorities?: number;
  /** Priority of the main goroutine (default 1). */
  priority?: number;
  clock?: "virtual" | "realtime";
  /** Bytes of kernel heap (task control blocks, stacks, queues). Default 1 GiB. */
  heapBytes?: number;
  /**
   * Run on an existing createFreeRTOS instance (anything with a `kernel`) instead of a fresh
   * kernel. Its tick width is kept: durations longer than its longest delay are re-armed.
   */
  rtos?: { kernel: Kernel };
  /**
   * Ends the run after this many ticks of virtual time, rejecting with RunLimitError (which lists
   * what every goroutine and task waits on) if main has not returned. Default: no limit. Use it
   * when kernel tasks keep time moving, so that deadlocked goroutines are not detected otherwise.
   */
  maxTicks?: number;
  /**
   * Stack of each goroutine spawned in this run, in bytes: the stackDepth of its task (a
   * multiple of 4, at least the 68-byte context frame). Default GOROUTINE_STACK_BYTES, 512.
   */
  goroutineStackBytes?: number;
  /**
   * The seed's fixed goroutine limit: at most this many goroutines live at once, the main
   * goroutine included; `go()` past it panics (GoPanic naming the count and the limit). Default:
   * no limit.
   */
  maxGoroutines?: number;
}

/**
 * Runs `main` as the main goroutine and drives virtual time until it returns; resolves with its
 * return value (other goroutines are abandoned, as in Go). Rejects with the panic of any
 * goroutine, with a GoFatalError (even one the program caught), with DeadlockError when every
 * goroutine is blocked and nothing can wake one, or with RunLimitError after `maxTicks`.
 * A kernel made by run() has 64-bit ticks, so that every Go duration (up to 292 years) is one wait.
 * A generator function `main` runs in the generator lane (`yield*` its channel operations).
 */
export function run<T>(main: () => Generator<unknown, T, unknown>, options?: RunOptions): Promise<T>;
/** run() with an async (or plain) `main`: its channel operations are awaited. */
export function run<T>(main: () => T | Promise<T>, options?: RunOptions): Promise<T>;
export async function run<T>(main: () => T | Promise<T> | Generator<unknown, T, unknown>, options: RunOptions = {}): Promise<T> {
  if (typeof main !== "function") throw new TypeError(`run: main must be a function, got ${typeof main}`);
  const maxTicks = options.maxTicks ?? Infinity;
  if (typeof maxTicks !== "number") throw new TypeError(`run: options.maxTicks must be a number of ticks, got ${typeof maxTicks}`);
  if (maxTicks !== Infinity && (!Number.isInteger(maxTicks) || maxTicks < 0))
    throw new RangeError(`run: options.maxTicks must be a non-negative integer number of ticks, got ${maxTicks}`);
  const stackBytes = options.goroutineStackBytes ?? GOROUTINE_STACK_BYTES;
  if (typeof stackBytes !== "number") throw new TypeError(`run: options.goroutineStackBytes must be a number of bytes, got ${typeof stackBytes}`);
  if (!Number.isInteger(stackBytes) || stackBytes % STACK_WORD_BYTES !== 0 || stackBytes < CONTEXT_FRAME_BYTES)
    throw new RangeError(
      `run: options.goroutineStackBytes must be a whole number of ${STACK_WORD_BYTES}-byte stack words, at least the ${CONTEXT_FRAME_BYTES}-byte context frame, got ${stackBytes}`,
    );
  const maxGoroutines = options.maxGoroutines ?? Infinity;
  if (typeof maxGoroutines !== "number") throw new TypeError(`run: options.maxGoroutines must be a number, got ${typeof maxGoroutines}`);
  if (maxGoroutines !== Infinity && (!Number.isInteger(maxGoroutines) || maxGoroutines < 1))
    throw new RangeError(`run: options.maxGoroutines must be an integer >= 1 (the main goroutine counts), got ${maxGoroutines}`);
  let k: Kernel;
  if (options.rtos !== undefined) {
    if (options.rtos === null || !(options.rtos.kernel instanceof Kernel)) throw new TypeError("run: options.rtos must be a createFreeRTOS instance");
    k = options.rtos.kernel;
  } else {
    const config: Partial<KernelConfig> = {
      configTICK_RATE_HZ: options.tickRateHz ?? 1000,
      configMAX_PRIORITIES: options.maxPriorities ?? 32,
      configTOTAL_HEAP_SIZE: options.heapBytes ?? 2 ** 30,
      // Room for "goroutine 1234567" and descriptive names (FreeRTOS's 16 would cut them).
      configMAX_TASK_NAME_LEN: GOROUTINE_NAME_LEN,
      configTIMER_QUEUE_LENGTH: 64,
      configTICK_TYPE_WIDTH_IN_BITS: 64,
      seed: options.seed ?? 1,
      clock: options.clock ?? "virtual",
    };
    k = new Kernel(config);
  }
  const rt = runtimeOf(k);
  rt.startTicks = k.now();
  rt.fatal = null;
  rt.stackWords = stackBytes / STACK_WORD_BYTES;
  rt.maxGoroutines = maxGoroutines;
  const endTicks = k.now() + maxTicks;
  let finished = false;
  let value: T | undefined;
  let failed = false;
  let error: unknown;
  // main runs in the lane it is written for: a generator function in the generator lane.
  const mainBody = isGeneratorFunction(main)
    ? function* (): Generator<unknown, void, unknown> {
        try {
          value = yield* (main as () => Generator<unknown, T, unknown>)();
        } catch (e) {
          failed = true;
          error = e;
        }
        finished = true;
        k.stop();
      }
    : async (): Promise<void> => {
        try {
          const result = main();
          // A plain function that returns a generator: run it to its end from this async task.
          value = (isGenerator(result) ? await k.driveGenerator(result) : await result) as T;
        } catch (e) {
          failed = true;
          error = e;
        }
        finished = true;
        k.stop();
      };
  const mainTask = spawn(k, mainBody, "main", options.priority ?? 1);
  if (!k.isSchedulerRunning()) startScheduler(k, startTimerService);
  try {
    for (;;) {
      let outcome;
      try {
        // A deadlock found before the limit is still a deadlock (endOnStall), not a limit.
        outcome = await k.advance(maxTicks === Infinity ? Infinity : Math.max(0, Math.ceil(endTicks - k.now())), true);
      } catch (e) {
        throw rt.fatal ?? e; // a fatal error comes first, even when the program went on to fail otherwise
      }
      if (rt.fatal !== null) throw rt.fatal;
      if (finished) {
        if (failed) throw error;
        return value as T;
      }
      if (outcome === "stalled") throw new DeadlockError(blockedGoroutines(k, mainTask));
      if (outcome === "target" && k.now() >= endTicks) throw new RunLimitError(maxTicks, blockedGoroutines(k, mainTask));
    }
  } finally {
    forgetRuntimeCache(k);
  }
}

/** Every goroutine and task (but idle and timer service) and what it waits on, goroutines first, for the reports. */
function blockedGoroutines(k: Kernel, main: KernelTask): BlockedGoroutine[] {
  return k
    .tasks()
    .filter((t) => t !== k.idleTask && t !== k.timerTask)
    .map((t) => ({ id: goroutineId(t), name: t.name, priority: t.priority, waitingOn: k.describeWait(t), main: t === main }))
    .sort((a, b) => (a.id === 0 ? 1 : 0) - (b.id === 0 ? 1 : 0) || a.id - b.id)
    .map(({ id, name, priority, waitingOn }) => ({ id, name, priority, waitingOn }));
}
