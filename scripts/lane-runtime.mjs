// Runtime of the lane variants written by scripts/gen-lane.mjs (dist/test-gen, dist/test-mixed).
// Every async function of task code becomes a "dual": a wrapper holding the original async
// function and a generator version of it. Which version runs is decided per call:
//   - a call the transform forced, because its caller awaits it: `$ac` (the caller is async code)
//     takes the async version, `$gc` (the caller is a generator version) the generator version;
//   - any other call (the kernel starting a task, the timer task running a callback, run(main),
//     a plain `() => this.task()` wrapper) takes the dual's preference: always the generator in
//     the gen lane; in the mixed lane every second one (per function literal, alternating with
//     each function value created), so one program runs with some tasks async and some generators.
// The preference is also the wrapper's Symbol.toStringTag, which the kernel reads to choose a
// task's lane at creation.

/** Lane variant: every dual prefers its generator version ("gen"), or every second one ("mixed"). */
export function laneRuntime(mode, fileKey) {
  if (mode !== "gen" && mode !== "mixed") throw new Error(`lane-runtime: unknown mode ${mode}`);
  const created = new Map();

  /** The preference of the next function value made from literal `id` (parity: its position). */
  function prefer(id, parity) {
    if (mode === "gen") return true;
    const n = created.get(id) ?? 0;
    created.set(id, n + 1);
    return (parity + n) % 2 === 1;
  }

  function tag(f, gen) {
    Object.defineProperty(f, Symbol.toStringTag, { value: gen ? "GeneratorFunction" : "AsyncFunction", configurable: true });
  }

  /** A dual made from a function expression or arrow (literal `id` of this file). */
  function dual(id, parity, asyncFn, genFn) {
    const gen = prefer(`${fileKey}:${id}`, parity);
    const chosen = gen ? genFn : asyncFn;
    const f = function (...args) {
      return chosen.apply(this, args);
    };
    f.$async = asyncFn;
    f.$gen = genFn;
    tag(f, gen);
    return f;
  }

  /** Marks a function declaration `f` (hoisted wrapper) with its two versions. */
  function mark(id, parity, f, asyncFn, genFn) {
    f.$async = asyncFn;
    f.$gen = genFn;
    f.$pref = prefer(`${fileKey}:${id}`, parity);
    tag(f, f.$pref);
  }

  /** The body of a declaration's wrapper: its preference (async until marked). */
  function pick(f, self, args) {
    return (f.$pref === true ? f.$gen : f.$async).apply(self, args);
  }

  /** The body of a dual method's wrapper. */
  function pickMethod(self, name, id, parity, args) {
    const gen = prefer(`${fileKey}:${id}`, parity);
    return self[gen ? `${name}$gen` : `${name}$async`](...args);
  }

  return { dual, mark, pick, pickMethod };
}

/** An awaited call from async code: a dual runs its async version. */
export function $ac(f, args) {
  return typeof f === "function" && typeof f.$async === "function" ? Reflect.apply(f.$async, undefined, args) : Reflect.apply(f, undefined, args);
}

/** An awaited call from generator code: a dual runs its generator version. */
export function $gc(f, args) {
  return typeof f === "function" && typeof f.$gen === "function" ? Reflect.apply(f.$gen, undefined, args) : Reflect.apply(f, undefined, args);
}

/** An awaited method call from async code. */
export function $acm(obj, name, args) {
  const a = obj[`${name}$async`];
  if (typeof a === "function") return Reflect.apply(a, obj, args);
  const f = obj[name];
  return Reflect.apply(typeof f === "function" && typeof f.$async === "function" ? f.$async : f, obj, args);
}

/** An awaited method call from generator code. */
export function $gcm(obj, name, args) {
  const g = obj[`${name}$gen`];
  if (typeof g === "function") return Reflect.apply(g, obj, args);
  const f = obj[name];
  return Reflect.apply(typeof f === "function" && typeof f.$gen === "function" ? f.$gen : f, obj, args);
}

function isIterator(x) {
  return x !== null && typeof x === "object" && typeof x.next === "function" && typeof x[Symbol.iterator] === "function";
}

function isThenable(x) {
  return x !== null && (typeof x === "object" || typeof x === "function") && typeof x.then === "function";
}

/**
 * `await x` in a generator version: `yield* $y(x)`. A kernel call (the lane's token) or a
 * generator is delegated to; a plain value is the result, as await gives it; a promise cannot
 * be waited for in the generator lane: the function awaiting it must stay async.
 */
export function* $y(x) {
  if (isIterator(x)) return yield* x;
  if (isThenable(x)) {
    throw new Error("lane variant: generator code awaited a promise (an async-only function or host work): list the function in scripts/gen-lane.mjs's exclusions so that it stays async");
  }
  return x;
}

/** `await x` in async code: a generator here means a dual was called unforced from async code. */
export function $w(x) {
  if (isIterator(x) && typeof x.throw === "function" && !isThenable(x)) {
    throw new Error("lane variant: async code awaited a generator (a dual function called where the transform did not force its async version)");
  }
  return x;
}
