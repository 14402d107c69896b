/**
 * The least the generator lane costs, for the floors' `.gen` variants (floor.ts,
 * floor-freertos.ts): tasks are generators resumed by a dispatch loop with `gen.next()`, and
 * every call returns this one token, which `yield*` reads. A call that completes at once costs
 * one `next()` of the token inside the task; a call that switches sets `pending`, so its `yield*`
 * yields to the dispatch loop, which resumes the next task. No promise anywhere. The same shape
 * as the kernel's lane (src/kernel/lane.ts) with nothing else: no misuse checks, no host.
 */

/** What a floor task yields to its dispatch loop (only through `yield*` of a call). */
export type Switched = { readonly switched: true };

/** A floor task: a generator whose calls are `yield*`ed. */
export type FloorTask = Generator<Switched, void, unknown>;

export class Lane implements Iterator<Switched, number, unknown> {
  /** The last call switched away: its `yield*` yields to the dispatch loop. */
  pending = false;
  /** The value of the completed call (or the resume value of the switched one). */
  value = 0;
  private readonly switched: IteratorResult<Switched, number> = { done: false, value: { switched: true } };
  private readonly completed: { done: true; value: number } = { done: true, value: 0 };

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<Switched, number> {
    if (this.pending) {
      this.pending = false;
      return this.switched;
    }
    const r = this.completed;
    r.value = this.value;
    return r;
  }

  /** A call that completed with `value`. */
  done(value: number): Lane {
    this.value = value;
    return this;
  }

  /** A call that switched away: the dispatch loop runs the next task, then resumes this one with `value`. */
  switch(): Lane {
    this.pending = true;
    return this;
  }
}

/**
 * The dispatch loop of the floors' generator variants: resumes the current task with
 * `gen.next()` until `main` returns; another task that returns switches back to `main` (its
 * only waiter in these programs).
 */
export class Dispatcher {
  readonly lane = new Lane();
  current: FloorTask | null = null;

  /** A call that blocks: the caller's `yield*` yields to the loop, which resumes `to`. */
  switchTo(to: FloorTask): Lane {
    this.current = to;
    return this.lane.switch();
  }

  run(main: FloorTask): void {
    const lane = this.lane;
    this.current = main;
    for (;;) {
      const t: FloorTask = this.current!;
      lane.value = 1;
      if (t.next().done === true) {
        if (t === main) return;
        this.current = main;
      }
    }
  }
}
