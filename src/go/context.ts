/**
 * Go's context package: cancellation and deadlines that propagate from parent to children.
 * done() is a channel closed on cancellation, so a goroutine blocked in a select on it wakes
 * with the context's error available from err(). Deadlines are kernel software timers, exact
 * however far away.
 * @module
 */
import { Chan, recv, select } from "./chan.js";
import { currentKernel, go } from "./runtime.js";
import { Alarm, msToTicks, now } from "./time.js";
import { GoPanic } from "./errors.js";

/** The error of a context cancelled by its cancel function ("context canceled"). */
export const Canceled: Error = Object.freeze(new Error("context canceled"));
/** The error of a context whose deadline passed ("context deadline exceeded"). */
export const DeadlineExceeded: Error = Object.freeze(new Error("context deadline exceeded"));

export interface Context {
  /** A channel closed when the context is cancelled; null for a context that can never be cancelled. */
  done(): Chan<void> | null;
  /** null while not cancelled, then Canceled or DeadlineExceeded. */
  err(): Error | null;
  /** The deadline in virtual milliseconds (now() scale), if any. */
  deadline(): number | undefined;
  value(key: unknown): unknown;
}

export type CancelFunc = () => void;

class BackgroundContext implements Context {
  done(): null {
    return null;
  }
  err(): null {
    return null;
  }
  deadline(): undefined {
    return undefined;
  }
  value(): undefined {
    return undefined;
  }
}

const backgroundContext = new BackgroundContext();

/** The root context: never cancelled, no deadline, no values. */
export function background(): Context {
  return backgroundContext;
}

/** Go's context.TODO: the same as background(). */
export function todo(): Context {
  return backgroundContext;
}

class CancelContext implements Context {
  private readonly doneChan: Chan<void>;
  private error: Error | null = null;
  readonly children = new Set<CancelContext>();
  /** The deadline's timer, if it has one. */
  alarm: Alarm | null = null;

  constructor(
    readonly parent: Context,
    private readonly deadlineMs: number | undefined,
  ) {
    currentKernel("context");
    this.doneChan = new Chan<void>(0, "ctx.done");
  }

  done(): Chan<void> {
    return this.doneChan;
  }
  err(): Error | null {
    return this.error;
  }
  deadline(): number | undefined {
    return this.deadlineMs;
  }
  value(key: unknown): unknown {
    return this.parent.value(key);
  }

  /** Cancels this context and its children with `error` (idempotent). */
  cancel(error: Error, removeFromParent: boolean): void {
    if (this.error !== null) return;
    this.error = error;
    this.doneChan.close();
    for (const child of this.children) child.cancel(error, false);
    this.children.clear();
    if (this.alarm !== null) {
      this.alarm.stop();
      this.alarm = null;
    }
    if (removeFromParent && this.parent instanceof CancelContext) this.parent.children.delete(this);
  }
}

class ValueContext implements Context {
  constructor(
    readonly parent: Context,
    private readonly key: unknown,
    private readonly val: unknown,
  ) {}
  done(): Chan<void> | null {
    return this.parent.done();
  }
  err(): Error | null {
    return this.parent.err();
  }
  deadline(): number | undefined {
    return this.parent.deadline();
  }
  value(key: unknown): unknown {
    return Object.is(key, this.key) ? this.val : this.parent.value(key);
  }
}

/** The nearest cancellable ancestor (skipping value contexts). */
function cancellableAncestor(ctx: Context): CancelContext | null {
  let at: Context = ctx;
  while (at instanceof ValueContext) at = at.parent;
  return at instanceof CancelContext ? at : null;
}

function checkParent(what: string, parent: unknown): Context {
  if (parent === null || typeof parent !== "object" || typeof (parent as Context).err !== "function")
    throw new TypeError(`${what}: cannot create context from nil parent`);
  return parent as Context;
}

function newCancelContext(parent: Context, deadlineMs: number | undefined): [CancelContext, CancelFunc] {
  const ctx = new CancelContext(parent, deadlineMs);
  const ancestor = cancellableAncestor(parent);
  const parentError = parent.err();
  if (parentError !== null) ctx.cancel(parentError, false);
  else if (ancestor !== null) ancestor.children.add(ctx);
  else {
    // A parent of a type this package does not know (Go's propagateCancel): watch its done channel.
    const parentDone = parent.done();
    if (parentDone !== null)
      go(
        function* () {
          const r = yield* select([recv(parentDone), recv(ctx.done())]);
          if (r.index === 0) ctx.cancel(parent.err() ?? Canceled, false);
        },
        { name: "context.propagateCancel" },
      );
  }
  return [ctx, () => ctx.cancel(Canceled, true)];
}

/** A child context cancelled by the returned function or when the parent is. */
export function withCancel(parent: Context): [Context, CancelFunc] {
  return newCancelContext(checkParent("withCancel", parent), undefined);
}

/** A child context also cancelled (DeadlineExceeded) at virtual time `deadlineMs` (now() scale). */
export function withDeadline(parent: Context, deadlineMs: number): [Context, CancelFunc] {
  parent = checkParent("withDeadline", parent);
  if (typeof deadlineMs !== "number" || Number.isNaN(deadlineMs)) throw new RangeError(`withDeadline: the deadline must be a number of milliseconds, got ${String(deadlineMs)}`);
  const parentDeadline = parent.deadline();
  if (parentDeadline !== undefined && parentDeadline <= deadlineMs) return newCancelContext(parent, parentDeadline);
  const [ctx, cancel] = newCancelContext(parent, deadlineMs);
  if (ctx.err() !== null) return [ctx, cancel];
  const remaining = deadlineMs - now();
  if (remaining <= 0) {
    ctx.cancel(DeadlineExceeded, true);
    return [ctx, cancel];
  }
  if (remaining === Infinity) return [ctx, cancel];
  const k = currentKernel("withDeadline");
  ctx.alarm = new Alarm(k, "ctx.deadline", () => ctx.cancel(DeadlineExceeded, true));
  ctx.alarm.start(msToTicks(k, remaining));
  return [ctx, cancel];
}

/** withDeadline(parent, now() + ms). */
export function withTimeout(parent: Context, ms: number): [Context, CancelFunc] {
  if (typeof ms !== "number" || Number.isNaN(ms)) throw new RangeError(`withTimeout: the timeout must be a number of milliseconds, got ${String(ms)}`);
  return withDeadline(parent, now() + ms);
}

/** A child context carrying `value` under `key`. A null or undefined key panics ("nil key"), as in Go. */
export function withValue(parent: Context, key: unknown, value: unknown): Context {
  parent = checkParent("withValue", parent);
  if (key === null || key === undefined) throw new GoPanic("nil key");
  return new ValueContext(parent, key, value);
}
