/**
 * Go's sync package: Mutex on a kernel mutex (priority inheritance), WaitGroup, RWMutex and Once
 * on the kernel's park/unpark. Every blocking call is lane-neutral (a kernel exit: `await` it in
 * an async goroutine, `yield*` it in a generator goroutine); Once.do, which runs user code
 * between waits, picks its lane at entry.
 * @module
 */
import {
  createSemaphore,
  mutexHandOff,
  mutexHolder,
  QueueKind,
  semaphoreTake,
  type Kernel,
  type KernelTask,
  type ParkWaiter,
  type Queue,
  park,
  reparkCurrent,
  transferMutex,
  unpark,
  settledValue,
  genLane,
  isGenerator,
  type KernelCall,
  type GenTask,
} from "../kernel/index.js";
import { GoPanic } from "./errors.js";
import { currentKernel, fatal } from "./runtime.js";

/** Numbers of default names ("mutex#3"), as channels have. */
let syncObjectNumber = 0;

function checkName(what: string, name: unknown, prefix: string): string {
  if (name === undefined) return `${prefix}#${++syncObjectNumber}`;
  if (typeof name !== "string") throw new TypeError(`${what}: the name must be a string, got ${typeof name}`);
  return name;
}

/**
 * Parked goroutines in FIFO order. `tryAcquire` is what a waiter re-checks when it runs again
 * after a suspension (it takes what it waited for, or the waiter parks again).
 */
class Waiters {
  private readonly tasks: KernelTask[] = [];
  constructor(
    private readonly reason: string,
    private readonly tryAcquire: () => boolean,
  ) {}
  get length(): number {
    return this.tasks.length;
  }
  /** Parks the running goroutine; unpark (or retry) resumes it with undefined. */
  park(k: Kernel): KernelCall<void> {
    const t = k.current!;
    this.tasks.push(t);
    return park(k, this.reason, k.maxDelay, new SyncWaiter(this, t)) as KernelCall<void>;
  }
  withdraw(t: KernelTask): void {
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
  }
  retry(k: Kernel, t: KernelTask, waiter: SyncWaiter): void {
    if (this.tryAcquire()) {
      t.resumeValue = undefined;
      return;
    }
    this.tasks.push(t);
    reparkCurrent(k, this.reason, waiter);
  }
  /** Readies the first waiter; true when it outranks the caller. */
  wakeOne(k: Kernel): boolean {
    const t = this.tasks.shift();
    return t !== undefined && unpark(k, t, undefined);
  }
  wakeAll(k: Kernel): boolean {
    let higher = false;
    while (this.tasks.length > 0) higher = unpark(k, this.tasks.shift()!, undefined) || higher;
    return higher;
  }
}

class SyncWaiter implements ParkWaiter {
  constructor(
    private readonly waiters: Waiters,
    private readonly task: KernelTask,
  ) {}
  withdraw(): void {
    this.waiters.withdraw(this.task);
  }
  retry(k: Kernel, t: KernelTask): void {
    this.waiters.retry(k, t, this);
  }
}

/**
 * A mutual exclusion lock: a kernel mutex, so a higher-priority goroutine waiting on it raises the
 * holder's priority (priority inheritance). Unlock hands the lock to the first waiter (highest
 * priority, then FIFO), so a goroutine that unlocks and re-locks cannot starve it (Go's
 * starvation-mode guarantee). As in FreeRTOS the lock has an owner: unlocking it from another
 * goroutine hands it over first (Go allows that; the inheritance follows the owner).
 * Unlocking an unlocked mutex is a fatal error (GoFatalError), as in Go.
 */
export class Mutex {
  private mutex: Queue | null = null;
  /** Shown in deadlock reports: "sync.Mutex.Lock on <name>". */
  readonly name: string;

  /** `name` (default "mutex#N") names the mutex in deadlock reports and kernel task lists. */
  constructor(name?: string) {
    this.name = checkName("Mutex", name, "mutex");
  }

  private kernelMutex(k: Kernel): Queue {
    if (this.mutex === null) {
      const m = createSemaphore(k, QueueKind.Mutex, 1, 1);
      if (m === null) throw new GoPanic("sync: cannot allocate a kernel mutex (kernel heap exhausted)");
      m.name = this.name;
      m.takeReason = `sync.Mutex.Lock on ${this.name}`;
      this.mutex = m;
    }
    return this.mutex;
  }

  /** Locks; blocks while another goroutine holds it. */
  lock(): KernelCall<void> {
    const k = currentKernel("Mutex.lock");
    return semaphoreTake(k, this.kernelMutex(k), k.maxDelay, "sync.Mutex.Lock") as unknown as KernelCall<void>;
  }

  /** Locks if free; never blocks. */
  tryLock(): boolean {
    const k = currentKernel("Mutex.tryLock");
    const m = this.kernelMutex(k);
    if (m.count === 0) return false;
    k.runDeferred(() => semaphoreTake(k, m, 0, "sync.Mutex.TryLock"));
    return true;
  }

  /**
   * Unlocks. Does not block or switch by itself (it need not be awaited): a goroutine of higher
   * priority that now holds the lock runs at the caller's next kernel call.
   */
  unlock(): void {
    const k = currentKernel("Mutex.unlock");
    const m = this.kernelMutex(k);
    if (m.count > 0) throw fatal(k, "sync: unlock of unlocked mutex");
    const holder = mutexHolder(k, m);
    if (holder !== null && holder !== k.current) transferMutex(k, m, k.current!);
    if (mutexHandOff(k, m, "sync.Mutex.Unlock")) k.requestSwitch();
  }
}

/** Waits for a collection of goroutines to finish. */
export class WaitGroup {
  private counter = 0;
  /** Shown in deadlock reports: "sync.WaitGroup.Wait on <name>". */
  readonly name: string;
  private readonly waiters: Waiters;

  /** `name` (default "waitgroup#N") names the group in deadlock reports. */
  constructor(name?: string) {
    this.name = checkName("WaitGroup", name, "waitgroup");
    this.waiters = new Waiters(`sync.WaitGroup.Wait on ${this.name}`, () => this.counter === 0);
  }

  /** Adds `delta` (may be negative) to the counter; at zero every waiter is released. */
  add(delta: number): void {
    if (typeof delta !== "number" || !Number.isInteger(delta)) throw new TypeError(`WaitGroup.add: delta must be an integer, got ${String(delta)}`);
    this.counter += delta;
    if (this.counter < 0) throw new GoPanic("sync: negative WaitGroup counter");
    if (this.counter === 0 && this.waiters.length > 0) {
      const k = currentKernel("WaitGroup.add");
      if (this.waiters.wakeAll(k)) k.requestSwitch();
    }
  }

  done(): void {
    this.add(-1);
  }

  /** Blocks until the counter is zero. */
  wait(): KernelCall<void> {
    if (this.counter === 0) return settledValue(undefined);
    return this.waiters.park(currentKernel("WaitGroup.wait"));
  }
}

/**
 * A reader/writer lock (writer-preferring, like Go's: a waiting writer holds back new readers).
 * Unlocking it when it is not locked that way is a fatal error (GoFatalError), as in Go.
 */
export class RWMutex {
  private readers = 0;
  private writer = false;
  /** Shown in deadlock reports: "sync.RWMutex.Lock on <name>". */
  readonly name: string;
  private readonly waitingReaders: Waiters;
  private readonly waitingWriters: Waiters;

  /** `name` (default "rwmutex#N") names the lock in deadlock reports. */
  constructor(name?: string) {
    this.name = checkName("RWMutex", name, "rwmutex");
    this.waitingReaders = new Waiters(`sync.RWMutex.RLock on ${this.name}`, () => {
      if (this.writer || this.waitingWriters.length > 0) return false;
      this.readers++;
      return true;
    });
    this.waitingWriters = new Waiters(`sync.RWMutex.Lock on ${this.name}`, () => {
      if (this.writer || this.readers > 0) return false;
      this.writer = true;
      return true;
    });
  }

  rLock(): KernelCall<void> {
    const k = currentKernel("RWMutex.rLock");
    if (!this.writer && this.waitingWriters.length === 0) {
      this.readers++;
      return settledValue(undefined);
    }
    return this.waitingReaders.park(k);
  }

  rUnlock(): void {
    const k = currentKernel("RWMutex.rUnlock");
    if (this.readers === 0) throw fatal(k, "sync: RUnlock of unlocked RWMutex");
    this.readers--;
    if (this.readers === 0 && this.waitingWriters.length > 0) {
      this.writer = true;
      if (this.waitingWriters.wakeOne(k)) k.requestSwitch();
    }
  }

  lock(): KernelCall<void> {
    const k = currentKernel("RWMutex.lock");
    if (!this.writer && this.readers === 0) {
      this.writer = true;
      return settledValue(undefined);
    }
    return this.waitingWriters.park(k);
  }

  unlock(): void {
    const k = currentKernel("RWMutex.unlock");
    if (!this.writer) throw fatal(k, "sync: Unlock of unlocked RWMutex");
    this.writer = false;
    let higher = false;
    if (this.waitingReaders.length > 0) {
      this.readers += this.waitingReaders.length;
      higher = this.waitingReaders.wakeAll(k);
    } else if (this.waitingWriters.length > 0) {
      this.writer = true;
      higher = this.waitingWriters.wakeOne(k);
    }
    if (higher) k.requestSwitch();
  }
}

/**
 * Runs a function once; concurrent callers wait until that first call returns.
 *
 * `do(f)` runs user code between kernel waits, so it cannot be one kernel exit: it picks its lane
 * at entry. In a generator goroutine it returns a generator (`yield* once.do(function* () {...})`;
 * f may be a generator function, whose calls it `yield*`s, or a plain function); in an async one
 * a promise (`await once.do(async () => {...})`; a generator function f is driven to its end from
 * the async goroutine). Once done, it is a plain kernel exit in either lane.
 */
export class Once {
  private done = false;
  private readonly m: Mutex;

  /** `name` (default "once#N") names the lock its waiting callers show in deadlock reports. */
  constructor(name?: string) {
    this.m = new Mutex(checkName("Once", name, "once"));
  }

  /** Calls `fn` if no call of do() on this Once has; returns when that first call has returned. */
  do(fn: () => unknown): KernelCall<void> {
    if (this.done) return settledValue(undefined);
    // The lane check at entry (see the class comment): the token of a kernel exit cannot carry f's code.
    if (genLane.active) return this.doGen(fn) as unknown as KernelCall<void>;
    return this.doAsync(fn) as KernelCall<void>;
  }

  private async doAsync(fn: () => unknown): Promise<void> {
    await this.m.lock();
    try {
      if (!this.done) {
        try {
          const r = fn();
          await (isGenerator(r) ? currentKernel("Once.do").driveGenerator(r) : r);
        } finally {
          this.done = true;
        }
      }
    } finally {
      this.m.unlock();
    }
  }

  private *doGen(fn: () => unknown): GenTask<void> {
    yield* this.m.lock();
    try {
      if (!this.done) {
        try {
          const r = fn();
          if (isGenerator(r)) yield* r as GenTask<unknown>;
          else if (r !== null && typeof r === "object" && typeof (r as PromiseLike<unknown>).then === "function")
            throw new TypeError("Once.do: f returned a promise in a generator goroutine; pass a generator function (or a plain one) and yield* once.do(f)");
        } finally {
          this.done = true;
        }
      }
    } finally {
      this.m.unlock();
    }
  }
}
