/**
 * Go's failure modes: a panic (GoPanic, with Go's message), a fatal error (GoFatalError), the
 * runtime's deadlock report, and a run that reached its tick limit (RunLimitError).
 * @module
 */

/** A Go panic: "send on closed channel", "close of closed channel", "sync: negative WaitGroup counter", ... */
export class GoPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GoPanic";
  }
}

/**
 * A fatal error of the Go runtime, such as "sync: unlock of unlocked mutex" (Go prints it as
 * "fatal error: ..."). Unlike a panic it cannot be recovered: catching it does not help, run()
 * rejects with it once the goroutine that caused it stops or blocks.
 */
export class GoFatalError extends Error {
  /** The goroutine that caused it. */
  taskName?: string;
  constructor(message: string) {
    super(message);
    this.name = "GoFatalError";
  }
}

/** What one goroutine (id > 0) or kernel task (id 0) waits on, as the deadlock and run-limit reports list it. */
export interface BlockedGoroutine {
  id: number;
  name: string;
  priority: number;
  /** "chan receive on chan#3", "select on 2 channels", "sync.Mutex.Lock on mutex#1", "sync.WaitGroup.Wait on workers", "Ready", ... */
  waitingOn: string;
}

/** One line per goroutine or task: `goroutine 3 "name" (priority 1) [what it waits on]`. */
function listGoroutines(goroutines: readonly BlockedGoroutine[]): string {
  return goroutines.map((g) => `${g.id > 0 ? `goroutine ${g.id}` : "task"} "${g.name}" (priority ${g.priority}) [${g.waitingOn}]`).join("\n");
}

/**
 * Every goroutine is blocked and no timer or interrupt can wake one. The message starts as Go's
 * ("all goroutines are asleep - deadlock!") and lists each goroutine and what it waits on.
 */
export class DeadlockError extends Error {
  constructor(readonly goroutines: BlockedGoroutine[]) {
    super("all goroutines are asleep - deadlock!\n\n" + listGoroutines(goroutines));
    this.name = "DeadlockError";
  }
}

/**
 * run()'s `maxTicks` passed before the main goroutine returned (goroutines may be deadlocked
 * while kernel tasks keep time moving, or the program is just long). The message lists what
 * every goroutine and kernel task is doing or waits on; `goroutines` carries the same.
 */
export class RunLimitError extends Error {
  constructor(
    readonly maxTicks: number,
    readonly goroutines: BlockedGoroutine[],
  ) {
    super(`run: ${maxTicks} ticks (maxTicks) passed and the main goroutine has not returned\n\n` + listGoroutines(goroutines));
    this.name = "RunLimitError";
  }
}
