/**
 * Go's failure modes: a panic (GoPanic, with Go's message) and the runtime's deadlock report.
 * @module
 */

/** A Go panic: "send on closed channel", "close of closed channel", "sync: negative WaitGroup counter", ... */
export class GoPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GoPanic";
  }
}

/** What one blocked goroutine waits on, as the deadlock report lists it. */
export interface BlockedGoroutine {
  id: number;
  name: string;
  priority: number;
  /** "chan receive on chan#3", "select", "sync.Mutex.Lock", "sync.WaitGroup.Wait", ... */
  waitingOn: string;
}

/**
 * Every goroutine is blocked and no timer or interrupt can wake one. The message starts as Go's
 * ("all goroutines are asleep - deadlock!") and lists each goroutine and what it waits on.
 */
export class DeadlockError extends Error {
  constructor(readonly goroutines: BlockedGoroutine[]) {
    super(
      "all goroutines are asleep - deadlock!\n\n" +
        goroutines.map((g) => `goroutine ${g.id} "${g.name}" (priority ${g.priority}) [${g.waitingOn}]`).join("\n"),
    );
    this.name = "DeadlockError";
  }
}
