/*
 * Port of golang/go test/chan/select5.go ("Generate test of channel operations and simple
 * selects.") to tinyrtos/go.
 *
 * The Go file is a generator: it executes five text/templates (recv, send, recvOrder, sendOrder,
 * nonblock) once for every path through their {{if .Maybe}} / {{if .MaybeDefault}} /
 * {{if .MustDefault}} conditions, enumerated by choose/maybe/next, and prints one Go function per
 * path; that output is then compiled and run. Here the same enumerator (choose/maybe/next and the
 * arg type with Maybe/MaybeDefault/MustDefault/reset, ported line by line) drives five generator
 * functions that follow the templates condition by condition, in template order, and produce
 * each path as DATA (a list of statements and select cases). An interpreter then runs every
 * generated case the way the generated Go code does. Nothing is generated as source.
 *
 * Generated-program state -> here: `var c = make(chan int, 1)`, `dummy = make(chan int)`,
 * `nilch` (nil -> null case channel), `n`, `x`, `i interface{}`, `m map[int]int`, `order`.
 * Go's receive-assignment forms (x = <-c, *f(&x) = <-c, y := <-c; x = y, i = <-c; x = i.(int),
 * m[13] = <-c; x = m[13], **(**int)(nil) = <-dummy) are kept as distinct data forms; the
 * interpreter performs the assignment only after the case is chosen, as Go does (evaluating the
 * `**(**int)(nil)` target would throw).
 *
 * Check mapping (generated Go -> here):
 *   `if x != n { die(x) }` ("have x want n", panic("chan"))      -> throw `chan: have x want n`
 *   checkorder(o): "invalid order o after order", panic("order") -> throw from checkorder, via
 *     fc/fp/fn called while building the cases (operands evaluated left to right on entry to the
 *     select) and for the receive target after the case is chosen (lhsOrder 100)
 *   panic("nonblock") in a default that must not run, panic("dummy send"), panic("dummy
 *     receive"), panic("nilch send"), panic("nilch recv"), and nonblock's panic("dummy <- 1") ...
 *     panic("<-nilch (and didn't crash saving result!)") -> throw with the same text
 *   i.(int) type assertion -> throws if i is not a number
 *   a blocked `c <- n` with c full would be a Go deadlock -> run rejects with DeadlockError
 *   generator invariants: panic("inconsistent choices") kept in choose(); the Go compiler's
 *     "multiple defaults in select" -> asserted at generation time (at most one default)
 *   "// N cases" trailer -> per-template and total counts asserted (241+49+194+49+512 = 1045,
 *     worked out from the templates: recv 1 + 3 default placements x 5 forms x 2^4 dummies, ...).
 * Addition: c is asserted empty after each case (diagnoses what would otherwise be a deadlock).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, chan, select, recv, send, type Chan } from "../../src/go/index.js";

// ---------------------------------------------------------------------------------------------
// Enumerator: "Code for enumerating all possible paths through some logic."

interface Choice { i: number; n: number }

class Enumerator {
  private choices: Choice[] = [];
  private cp = -1;

  maybe(): boolean {
    return this.choose(2) === 0;
  }

  choose(n: number): number {
    if (this.cp >= this.choices.length) {
      // never asked this before: start with 0.
      this.choices.push({ i: 0, n });
      this.cp = this.choices.length;
      return 0;
    }
    // otherwise give recorded answer
    if (n !== this.choices[this.cp]!.n) throw new Error("inconsistent choices");
    const i = this.choices[this.cp]!.i;
    this.cp++;
    return i;
  }

  next(): boolean {
    if (this.cp < 0) {
      // start a new round
      this.cp = 0;
      return true;
    }
    // increment last choice sequence
    this.cp = this.choices.length - 1;
    while (this.cp >= 0 && this.choices[this.cp]!.i === this.choices[this.cp]!.n - 1) this.cp--;
    if (this.cp < 0) {
      this.choices.length = 0;
      return false;
    }
    this.choices[this.cp]!.i++;
    this.choices.length = this.cp + 1;
    this.cp = 0;
    return true;
  }

  /** The current path, for naming a generated case. */
  path(): number[] {
    return this.choices.map((c) => c.i);
  }
}

class Arg {
  def = false;
  nreset = 0;
  constructor(private readonly e: Enumerator) {}
  Maybe(): boolean {
    return this.e.maybe();
  }
  MaybeDefault(): boolean {
    if (this.def) return false;
    this.def = this.e.maybe();
    return this.def;
  }
  MustDefault(): boolean {
    return !this.def;
  }
  reset(): void {
    this.def = false;
    this.nreset++;
  }
}

// ---------------------------------------------------------------------------------------------
// Generated test cases as data.

type ChName = "c" | "dummy" | "nilch";
/** Receive targets: x = <-, *f(&x) = <-, y := <-, i = <-, m[13] = <-, none, **(**int)(nil) = <- */
type Lhs = "x" | "ptr" | "define" | "iface" | "map" | "none" | "nilptr";

interface RecvCase { kind: "recv"; ch: ChName; lhs: Lhs; chOrder?: number; lhsOrder?: number; panic?: string }
interface SendCase { kind: "send"; ch: ChName; value: "n" | 1; chOrder?: number; valOrder?: number; panic?: string }
interface DefaultCase { kind: "default"; panic?: string }
type Case = RecvCase | SendCase | DefaultCase;

type Stmt =
  | { kind: "resetOrder" } // order = 0
  | { kind: "xIsN" } // x = n
  | { kind: "sendN"; chOrder?: number; valOrder?: number } // c <- n, fc(c, 1) <- fn(n, 2)
  // x = <-c, *fp(&x, 1) = <-fc(c, 2), m[fn(13, 1)] = <-fc(c, 2); x = m[13]
  | { kind: "recvX"; lhs: "x" | "ptr" | "map"; lhsOrder?: number; chOrder?: number }
  | { kind: "select"; cases: Case[] };

interface GenCase { template: string; id: number; path: number[]; stmts: Stmt[] }

type Template = (a: Arg) => Stmt[];

const recvForms = (a: Arg, order: boolean): Lhs => {
  if (!order) {
    if (a.Maybe()) return "x";
    if (a.Maybe()) return "ptr";
    if (a.Maybe()) return "define";
    if (a.Maybe()) return "iface";
    return "map";
  }
  if (a.Maybe()) return "ptr";
  if (a.Maybe()) return "define";
  if (a.Maybe()) return "iface";
  return "map";
};

/** The dummy and nil-channel cases shared by recv/send/recvOrder/sendOrder, with their orders. */
function dummyCases(a: Arg, orders?: { ds: [number, number]; dr: number; ns: [number, number]; nr: number }): Case[] {
  const cs: Case[] = [];
  if (a.Maybe()) cs.push({ kind: "send", ch: "dummy", value: 1, panic: "dummy send", ...(orders && { chOrder: orders.ds[0], valOrder: orders.ds[1] }) });
  if (a.Maybe()) cs.push({ kind: "recv", ch: "dummy", lhs: "none", panic: "dummy receive", ...(orders && { chOrder: orders.dr }) });
  if (a.Maybe()) cs.push({ kind: "send", ch: "nilch", value: 1, panic: "nilch send", ...(orders && { chOrder: orders.ns[0], valOrder: orders.ns[1] }) });
  if (a.Maybe()) cs.push({ kind: "recv", ch: "nilch", lhs: "none", panic: "nilch recv", ...(orders && { chOrder: orders.nr }) });
  return cs;
}

const templates: Record<string, Template> = {
  // Send n, receive it one way or another into x, check that they match.
  recv(a) {
    const stmts: Stmt[] = [{ kind: "sendN" }];
    if (a.Maybe()) {
      stmts.push({ kind: "recvX", lhs: "x" });
    } else {
      const cases: Case[] = [];
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      cases.push({ kind: "recv", ch: "c", lhs: recvForms(a, false) });
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      cases.push(...dummyCases(a));
      stmts.push({ kind: "select", cases });
    }
    return stmts;
  },

  // Send n one way or another, receive it into x, check that they match.
  send(a) {
    const stmts: Stmt[] = [];
    if (a.Maybe()) {
      stmts.push({ kind: "sendN" });
    } else {
      const cases: Case[] = [];
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      cases.push({ kind: "send", ch: "c", value: "n" });
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      cases.push(...dummyCases(a));
      stmts.push({ kind: "select", cases });
    }
    stmts.push({ kind: "recvX", lhs: "x" });
    return stmts;
  },

  // As recv, checking the order of operations along the way.
  recvOrder(a) {
    const stmts: Stmt[] = [{ kind: "resetOrder" }, { kind: "sendN" }];
    if (a.Maybe()) {
      // Outside of select, left-to-right rule applies.
      stmts.push({ kind: "recvX", lhs: "ptr", lhsOrder: 1, chOrder: 2 });
    } else if (a.Maybe()) {
      stmts.push({ kind: "recvX", lhs: "map", lhsOrder: 1, chOrder: 2 });
    } else {
      // Inside select, assignment waits until case is chosen.
      const cases: Case[] = [];
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      const lhs = recvForms(a, true);
      cases.push({ kind: "recv", ch: "c", lhs, chOrder: 1, ...((lhs === "ptr" || lhs === "map") && { lhsOrder: 100 }) });
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      cases.push(...dummyCases(a, { ds: [2, 3], dr: 4, ns: [5, 6], nr: 7 }));
      stmts.push({ kind: "select", cases });
    }
    return stmts;
  },

  // As send, checking the order of operations along the way.
  sendOrder(a) {
    const stmts: Stmt[] = [{ kind: "resetOrder" }];
    if (a.Maybe()) {
      stmts.push({ kind: "sendN", chOrder: 1, valOrder: 2 });
    } else {
      const cases: Case[] = [];
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      cases.push({ kind: "send", ch: "c", value: "n", chOrder: 1, valOrder: 2 });
      if (a.MaybeDefault()) cases.push({ kind: "default", panic: "nonblock" });
      cases.push(...dummyCases(a, { ds: [3, 4], dr: 5, ns: [6, 7], nr: 8 }));
      stmts.push({ kind: "select", cases });
    }
    stmts.push({ kind: "recvX", lhs: "x" });
    return stmts;
  },

  // Test various combinations of non-blocking operations. Receive assignments must not edit or
  // even attempt to compute the address of the lhs.
  nonblock(a) {
    const cases: Case[] = [];
    if (a.MaybeDefault()) cases.push({ kind: "default" });
    if (a.Maybe()) cases.push({ kind: "send", ch: "dummy", value: 1, panic: "dummy <- 1" });
    if (a.Maybe()) cases.push({ kind: "send", ch: "nilch", value: 1, panic: "nilch <- 1" });
    if (a.Maybe()) cases.push({ kind: "recv", ch: "dummy", lhs: "none", panic: "<-dummy" });
    if (a.Maybe()) cases.push({ kind: "recv", ch: "dummy", lhs: "x", panic: "<-dummy x" });
    if (a.Maybe()) cases.push({ kind: "recv", ch: "dummy", lhs: "nilptr", panic: "<-dummy (and didn't crash saving result!)" });
    if (a.Maybe()) cases.push({ kind: "recv", ch: "nilch", lhs: "none", panic: "<-nilch" });
    if (a.Maybe()) cases.push({ kind: "recv", ch: "nilch", lhs: "x", panic: "<-nilch x" });
    if (a.Maybe()) cases.push({ kind: "recv", ch: "nilch", lhs: "nilptr", panic: "<-nilch (and didn't crash saving result!)" });
    if (a.MustDefault()) cases.push({ kind: "default" });
    return [{ kind: "xIsN" }, { kind: "select", cases }];
  },
};

const templateOrder = ["recv", "send", "recvOrder", "sendOrder", "nonblock"] as const;
const expectedCounts: Record<(typeof templateOrder)[number], number> = {
  recv: 1 + 3 * 5 * 16, // 241
  send: 1 + 3 * 16, // 49
  recvOrder: 2 + 3 * 4 * 16, // 194
  sendOrder: 1 + 3 * 16, // 49
  nonblock: 2 * 256, // 512
};

/** main() of select5.go: do(recv); do(send); do(recvOrder); do(sendOrder); do(nonblock). */
function generate(): { cases: Map<string, GenCase[]>; nreset: number } {
  const e = new Enumerator();
  const a = new Arg(e);
  const cases = new Map<string, GenCase[]>();
  for (const name of templateOrder) {
    const t = templates[name]!;
    const list: GenCase[] = [];
    for (; e.next(); a.reset()) {
      const stmts = t(a);
      list.push({ template: name, id: list.length, path: e.path(), stmts });
    }
    cases.set(name, list);
  }
  return { cases, nreset: a.nreset };
}

// ---------------------------------------------------------------------------------------------
// Rendering (for failure messages) and interpretation.

function renderCase(k: Case): string {
  const ord = (s: string, o?: number, f = "fc") => (o === undefined ? s : `${f}(${s}, ${o})`);
  if (k.kind === "default") return `default:${k.panic ? ` panic("${k.panic}")` : ""}`;
  const body = k.panic ? ` panic("${k.panic}")` : "";
  if (k.kind === "send") return `case ${ord(k.ch, k.chOrder)} <- ${ord(String(k.value), k.valOrder, "fn")}:${body}`;
  const src = `<-${ord(k.ch, k.chOrder)}`;
  const lhs: Record<Lhs, string> = {
    x: `x = ${src}`, ptr: k.lhsOrder ? `*fp(&x, ${k.lhsOrder}) = ${src}` : `*f(&x) = ${src}`,
    define: `y := ${src}`, iface: `i = ${src}`, map: k.lhsOrder ? `m[fn(13, ${k.lhsOrder})] = ${src}` : `m[13] = ${src}`,
    none: src, nilptr: `**(**int)(nil) = ${src}`,
  };
  return `case ${lhs[k.lhs]}:${body}`;
}

function render(g: GenCase): string {
  const s = g.stmts.map((st) => {
    switch (st.kind) {
      case "resetOrder": return "order = 0";
      case "xIsN": return "x = n";
      case "sendN": return st.chOrder ? "fc(c, 1) <- fn(n, 2)" : "c <- n";
      case "recvX":
        if (st.lhs === "x") return "x = <-c";
        if (st.lhs === "ptr") return "*fp(&x, 1) = <-fc(c, 2)";
        return "m[fn(13, 1)] = <-fc(c, 2); x = m[13]";
      case "select": return `select { ${st.cases.map(renderCase).join("; ")} }`;
    }
  });
  return `${g.template}#${g.id} [${g.path.join("")}]: ${s.join("; ")}`;
}

let n = 1; // var n = 1 (shared by all generated functions, as in the generated program)

async function runCases(list: GenCase[]): Promise<void> {
  const c = chan<number>(1);
  const nilch: Chan<number> | null = null;
  const dummy = chan<number>();
  let x = 0;
  let i: unknown;
  const m: Record<number, number> = {};
  let order = 0;
  const xRef = { get value() { return x; }, set value(v: number) { x = v; } };

  // check order of operations by ensuring that successive calls to checkorder have increasing o values.
  const checkorder = (o: number) => {
    if (o <= order) throw new Error(`order: invalid order ${o} after ${order}`);
    order = o;
  };
  const f = (p: { value: number }) => p;
  const fc = (ch: Chan<number> | null, o: number) => { checkorder(o); return ch; };
  const fp = (p: { value: number }, o: number) => { checkorder(o); return p; };
  const fn = (v: number, o: number) => { checkorder(o); return v; };
  const die = (v: unknown) => { throw new Error(`chan: have ${v} want ${n}`); };
  const chanOf = (name: ChName) => (name === "c" ? c : name === "dummy" ? dummy : nilch);
  const intOf = (v: unknown): number => {
    if (typeof v !== "number") throw new Error(`interface conversion: interface {} is ${typeof v}, not int`);
    return v;
  };

  /** Performs a receive assignment after the value arrived (targets of order 100 evaluated now). */
  const assign = (lhs: Lhs, v: number | undefined, lhsOrder?: number) => {
    switch (lhs) {
      case "x": x = v as number; break;
      case "ptr": (lhsOrder === undefined ? f(xRef) : fp(xRef, lhsOrder)).value = v as number; break;
      case "define": { const y = v; x = y as number; break; }
      case "iface": i = v; x = intOf(i); break;
      case "map": m[lhsOrder === undefined ? 13 : fn(13, lhsOrder)] = v as number; x = m[13]!; break;
      case "none": break;
      case "nilptr": {
        const p = null as unknown as { value: { value: number } };
        p.value.value = v as number; // throws, like Go's nil dereference
        break;
      }
    }
  };

  for (const g of list) {
    try {
      for (const st of g.stmts) {
        switch (st.kind) {
          case "resetOrder": order = 0; break;
          case "xIsN": x = n; break;
          case "sendN":
            if (st.chOrder === undefined) await c.send(n);
            else await fc(c, st.chOrder)!.send(fn(n, st.valOrder!));
            break;
          case "recvX":
            if (st.lhs === "x") x = (await c.recv()) as number;
            else if (st.lhs === "ptr") fp(xRef, st.lhsOrder!).value = (await fc(c, st.chOrder!)!.recv()) as number;
            else { m[fn(13, st.lhsOrder!)] = (await fc(c, st.chOrder!)!.recv()) as number; x = m[13]!; }
            break;
          case "select": {
            const defaults = st.cases.filter((k): k is DefaultCase => k.kind === "default");
            assert.ok(defaults.length <= 1, "multiple defaults in select");
            const real = st.cases.filter((k): k is RecvCase | SendCase => k.kind !== "default");
            // All channel operands and send values are evaluated once, in source order, on entry.
            const ops = real.map((k) => {
              const ch = k.chOrder === undefined ? chanOf(k.ch) : fc(chanOf(k.ch), k.chOrder);
              if (k.kind === "recv") return recv(ch);
              const v = k.value === "n" ? n : 1;
              return send(ch, k.valOrder === undefined ? v : fn(v, k.valOrder));
            });
            const r = await select(ops, { default: defaults.length > 0 });
            if (r.index === -1) {
              assert.ok(defaults.length === 1, `select returned -1 without a default case`);
              if (defaults[0]!.panic) throw new Error(defaults[0]!.panic);
              break;
            }
            const k = real[r.index];
            assert.ok(k, `select returned index ${r.index} of ${real.length} cases`);
            if (k.kind === "recv") assign(k.lhs, r.value as number | undefined, k.lhsOrder);
            if (k.panic) throw new Error(k.panic);
            break;
          }
        }
      }
      if (x !== n) die(x);
      n++;
      assert.equal(c.len, 0, "c not drained");
    } catch (err) {
      throw new Error(`${render(g)}\n  -> ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }
}

const generated = generate();

test("select5.go: generator enumerates every path ('// N cases')", () => {
  let total = 0;
  for (const name of templateOrder) {
    const got = generated.cases.get(name)!.length;
    assert.equal(got, expectedCounts[name], `${name}: ${got} cases`);
    total += got;
  }
  assert.equal(generated.nreset, total);
  assert.equal(total, 1045);
  // every path is distinct
  const keys = new Set([...generated.cases.values()].flat().map((g) => `${g.template}:${g.path.join("")}`));
  assert.equal(keys.size, total);
});

for (const name of templateOrder) {
  test(`select5.go: ${name} (${generated.cases.get(name)!.length} generated cases)`, async () => {
    await run(() => runCases(generated.cases.get(name)!), { seed: 1, tickRateHz: 1000 });
  });
}
