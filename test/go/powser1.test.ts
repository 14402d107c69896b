/**
 * Port of golang/go test/chan/powser1.go (@ 4f61fc96), Doug McIlroy's power series on channels
 * ("Squinting at Power Series"). A power series is a demand channel pair (req, dat) along which
 * rational coefficients flow; a denominator of zero (finis) marks the end. Every operator is a
 * goroutine; split/dosplit replicate a series onto two outputs read at different rates, and
 * getn uses a select over two sends and two receives, with nil channels disabling cases.
 *
 * The rat type keeps Go's int64 arithmetic exactly, as bigint (truncating / and %, like Go; no
 * coefficient here comes near 2^63, so Go's wrap-around never happens).
 *
 * Check mapping (the original's test branch, `len(os.Args) == 1`):
 *   check(U, c, count, str): `if !r.eq(c) { print("got: ", r, "should get ", c); panic(str) }`
 *     => assert.fail(`${str}: got r should get c`) for each of `count` terms.
 *   checka(U, a, str): check of a[i], i < N = 10 => same.
 *   The checks, in the original's order: Ones (1 x5), Add Ones Ones (count 0), Add Ones Twos
 *   (count 0), Diff (1..10), Integ (0 1 1/2 .. 1/9), CMul (-2 x10), Sub Ones Twos (count 0),
 *   Mul (1..10), Exp (1 1 3/2 13/6 73/24 167/40 4051/720 37633/5040 43817/4480
 *   4596553/362880), ATan (0 1 0 -1/3 0 1/5 0 -1/7 0 1/9).
 *   panic("bad n in getn") / panic("zero divide in inv") => thrown errors.
 * The count-0 checks are vacuous in the original and are kept as such in the faithful test; a
 * second, added test checks those three series for 10 terms (2, 3, -1).
 * Not ported: the print branch (`len(os.Args) > 1`: printn/evaln output, nothing checked) and the
 * commented-out Poly and Revert/Tan code. Unused helpers (Mon, Xmul, Binom, Recip, Subst, eval)
 * are ported for completeness but, as in the original, not exercised.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, send, type Chan } from "../../src/go/index.js";

// ---- rationals (int64 as bigint) ----
interface Rat { readonly num: bigint; readonly den: bigint } // numerator, denominator

function pr(u: Rat): string {
  return u.den === 1n ? `${u.num}` : `${u.num}/${u.den}`;
}

function eq(u: Rat, c: Rat): boolean {
  return u.num === c.num && u.den === c.den;
}

// Integer gcd; needed for rational arithmetic
function gcd(u: bigint, v: bigint): bigint {
  if (u < 0n) return gcd(-u, v);
  if (u === 0n) return v;
  return gcd(v % u, u);
}

// Make a rational from two ints and from one int
function i2tor(u: bigint, v: bigint): Rat {
  const g = gcd(u, v);
  if (v > 0n) return { num: u / g, den: v / g };
  return { num: -u / g, den: -v / g };
}

function itor(u: bigint): Rat {
  return i2tor(u, 1n);
}

let zero: Rat;
let one: Rat;
// End mark and end test
let finis: Rat;

function end(u: Rat): number {
  return u.den === 0n ? 1 : 0;
}

// Operations on rationals
function add(u: Rat, v: Rat): Rat {
  const g = gcd(u.den, v.den);
  return i2tor(u.num * (v.den / g) + v.num * (u.den / g), u.den * (v.den / g));
}

function mul(u: Rat, v: Rat): Rat {
  const g1 = gcd(u.num, v.den);
  const g2 = gcd(u.den, v.num);
  return { num: (u.num / g1) * (v.num / g2), den: (u.den / g2) * (v.den / g1) };
}

function neg(u: Rat): Rat {
  return i2tor(-u.num, u.den);
}

function sub(u: Rat, v: Rat): Rat {
  return add(u, neg(v));
}

function inv(u: Rat): Rat { // invert a rat
  if (u.num === 0n) throw new Error("panic: zero divide in inv");
  return i2tor(u.den, u.num);
}

// ---- demand channels ----
interface Dch { req: Chan<number>; dat: Chan<Rat>; nam: number }
type Dch2 = [Dch, Dch]; // shared and mutated in place by dosplit, like Go's *dch2
type PS = Dch; // power series

let chnames = "";
let chnameserial = 0;
let seqno = 0;

function mkdch(): Dch {
  const c = chnameserial % chnames.length;
  chnameserial++;
  return { req: chan<number>(), dat: chan<Rat>(), nam: c };
}

function mkdch2(): Dch2 {
  return [mkdch(), mkdch()];
}

// split reads a single demand channel and replicates its output onto two, which may be read at
// different rates. A goroutine is created at first demand for a rat and dies after the rat has
// been sent to both outputs. The newest generation services out[0]; the oldest services out[1];
// a signal on the release-wait channel tells the next newer generation to service out[1].
async function dosplit(inp: Dch, out: Dch2, wait: Chan<number>): Promise<void> {
  let both = false; // do not service both channels

  const r = await select([recv(out[0].req), recv(wait)]);
  if (r.index === 1) {
    both = true;
    const r2 = await select([recv(out[0].req), recv(out[1].req)]);
    if (r2.index === 1) {
      const t = out[0];
      out[0] = out[1];
      out[1] = t;
    }
  }

  seqno++;
  await inp.req.send(seqno);
  const release = chan<number>();
  go(() => dosplit(inp, out, release));
  const dat = (await inp.dat.recv()) as Rat;
  await out[0].dat.send(dat);
  if (!both) await wait.recv();
  await out[1].req.recv();
  await out[1].dat.send(dat);
  await release.send(0);
}

async function split(inp: Dch, out: Dch2): Promise<void> {
  const release = chan<number>();
  go(() => dosplit(inp, out, release));
  await release.send(0);
}

async function put(dat: Rat, out: Dch): Promise<void> {
  await out.req.recv();
  await out.dat.send(dat);
}

async function get(inp: Dch): Promise<Rat> {
  seqno++;
  await inp.req.send(seqno);
  return (await inp.dat.recv()) as Rat;
}

// Get one rat from each of n demand channels
async function getn(inp: Dch[]): Promise<Rat[]> {
  let n = inp.length;
  if (n !== 2) throw new Error("panic: bad n in getn");
  const req: (Chan<number> | null)[] = [null, null];
  const dat: (Chan<Rat> | null)[] = [null, null];
  const out: Rat[] = [{ num: 0n, den: 0n }, { num: 0n, den: 0n }];
  for (let i = 0; i < n; i++) {
    req[i] = inp[i]!.req;
    dat[i] = null;
  }
  for (n = 2 * n; n > 0; n--) {
    seqno++;
    const r = await select([send(req[0]!, seqno), send(req[1]!, seqno), recv(dat[0]!), recv(dat[1]!)]);
    switch (r.index) {
      case 0:
        dat[0] = inp[0]!.dat;
        req[0] = null;
        break;
      case 1:
        dat[1] = inp[1]!.dat;
        req[1] = null;
        break;
      case 2:
        out[0] = r.value as Rat;
        dat[0] = null;
        break;
      case 3:
        out[1] = r.value as Rat;
        dat[1] = null;
        break;
      default:
        assert.fail(`getn: select returned index ${(r as { index: number }).index}`);
    }
  }
  return out;
}

// Get one rat from each of 2 demand channels
function get2(in0: Dch, in1: Dch): Promise<Rat[]> {
  return getn([in0, in1]);
}

async function copy(inp: Dch, out: Dch): Promise<never> {
  for (;;) {
    await out.req.recv();
    await out.dat.send(await get(inp));
  }
}

async function repeat(dat: Rat, out: Dch): Promise<never> {
  for (;;) await put(dat, out);
}

let Ones: PS;
let Twos: PS;

function mkPS(): Dch { return mkdch(); }
function mkPS2(): Dch2 { return mkdch2(); }

// ---- power-series constructors: each starts a generator goroutine ----

// Make a pair of power series identical to a given power series
function Split(U: PS): Dch2 {
  const UU = mkdch2();
  go(() => split(U, UU));
  return UU;
}

// Add two power series
function Add(U: PS, V: PS): PS {
  const Z = mkPS();
  go(async () => {
    for (;;) {
      await Z.req.recv();
      const uv = await get2(U, V);
      switch (end(uv[0]!) + 2 * end(uv[1]!)) {
        case 0:
          await Z.dat.send(add(uv[0]!, uv[1]!));
          break;
        case 1:
          await Z.dat.send(uv[1]!);
          await copy(V, Z);
          break;
        case 2:
          await Z.dat.send(uv[0]!);
          await copy(U, Z);
          break;
        case 3:
          await Z.dat.send(finis);
          break;
      }
    }
  });
  return Z;
}

// Multiply a power series by a constant
function Cmul(c: Rat, U: PS): PS {
  const Z = mkPS();
  go(async () => {
    let done = false;
    while (!done) {
      await Z.req.recv();
      const u = await get(U);
      if (end(u) !== 0) done = true;
      else await Z.dat.send(mul(c, u));
    }
    await Z.dat.send(finis);
  });
  return Z;
}

// Subtract
function Sub(U: PS, V: PS): PS {
  return Add(U, Cmul(neg(one), V));
}

// Multiply a power series by the monomial x^n
function Monmul(U: PS, n: number): PS {
  const Z = mkPS();
  go(async () => {
    for (; n > 0; n--) await put(zero, Z);
    await copy(U, Z);
  });
  return Z;
}

// Multiply by x
function Xmul(U: PS): PS {
  return Monmul(U, 1);
}

function Rep(c: Rat): PS {
  const Z = mkPS();
  go(() => repeat(c, Z));
  return Z;
}

// Monomial c*x^n
function Mon(c: Rat, n: number): PS {
  const Z = mkPS();
  go(async () => {
    if (c.num !== 0n) {
      for (; n > 0; n = n - 1) await put(zero, Z);
      await put(c, Z);
    }
    await put(finis, Z);
  });
  return Z;
}

function Shift(c: Rat, U: PS): PS {
  const Z = mkPS();
  go(async () => {
    await put(c, Z);
    await copy(U, Z);
  });
  return Z;
}

// Multiply. Let U = u + x*UU, V = v + x*VV; then UV = u*v + x*(u*VV+v*UU) + x*x*UU*VV
function Mul(U: PS, V: PS): PS {
  const Z = mkPS();
  go(async () => {
    await Z.req.recv();
    const uv = await get2(U, V);
    if (end(uv[0]!) !== 0 || end(uv[1]!) !== 0) {
      await Z.dat.send(finis);
    } else {
      await Z.dat.send(mul(uv[0]!, uv[1]!));
      const UU = Split(U);
      const VV = Split(V);
      const W = Add(Cmul(uv[0]!, VV[0]), Cmul(uv[1]!, UU[0]));
      await Z.req.recv();
      await Z.dat.send(await get(W));
      await copy(Add(W, Mul(UU[1], VV[1])), Z);
    }
  });
  return Z;
}

// Differentiate
function Diff(U: PS): PS {
  const Z = mkPS();
  go(async () => {
    await Z.req.recv();
    let u = await get(U);
    if (end(u) === 0) {
      let done = false;
      for (let i = 1; !done; i++) {
        u = await get(U);
        if (end(u) !== 0) {
          done = true;
        } else {
          await Z.dat.send(mul(itor(BigInt(i)), u));
          await Z.req.recv();
        }
      }
    }
    await Z.dat.send(finis);
  });
  return Z;
}

// Integrate, with const of integration
function Integ(c: Rat, U: PS): PS {
  const Z = mkPS();
  go(async () => {
    await put(c, Z);
    let done = false;
    for (let i = 1; !done; i++) {
      await Z.req.recv();
      const u = await get(U);
      if (end(u) !== 0) done = true;
      await Z.dat.send(mul(i2tor(1n, BigInt(i)), u));
    }
    await Z.dat.send(finis);
  });
  return Z;
}

// Binomial theorem (1+x)^c
function Binom(c: Rat): PS {
  const Z = mkPS();
  go(async () => {
    let n = 1;
    let t = itor(1n);
    while (c.num !== 0n) {
      await put(t, Z);
      t = mul(mul(t, c), i2tor(1n, BigInt(n)));
      c = sub(c, one);
      n++;
    }
    await put(finis, Z);
  });
  return Z;
}

// Reciprocal of a power series: z = 1/u, ZZ = -UU*(z+x*ZZ)/u
function Recip(U: PS): PS {
  const Z = mkPS();
  go(async () => {
    const ZZ = mkPS2();
    await Z.req.recv();
    const z = inv(await get(U));
    await Z.dat.send(z);
    await split(Mul(Cmul(neg(z), U), Shift(z, ZZ[0])), ZZ);
    await copy(ZZ[1], Z);
  });
  return Z;
}

// Exponential of a power series with constant term 0: Z = exp(U), DZ = Z*DU, integrate to get Z.
// (bug in the original, kept: the constant term is simply ignored)
async function Exp(U: PS): Promise<PS> {
  const ZZ = mkPS2();
  await split(Integ(one, Mul(ZZ[0], Diff(U))), ZZ);
  return ZZ[1];
}

// Substitute V for x in U, where the leading term of V is zero: S(U,V) = u + VV*S(V,UU)
// (bug in the original, kept: a nonzero constant term is ignored)
function Subst(U: PS, V: PS): PS {
  const Z = mkPS();
  go(async () => {
    const VV = Split(V);
    await Z.req.recv();
    const u = await get(U);
    await Z.dat.send(u);
    if (end(u) === 0) {
      if (end(await get(VV[0])) !== 0) await put(finis, Z);
      else await copy(Mul(VV[0], Subst(U, VV[1])), Z);
    }
  });
  return Z;
}

// Monomial Substitution: U(c x^n). Each Ui is multiplied by c^i and followed by n-1 zeros.
function MonSubst(U: PS, c0: Rat, n: number): PS {
  const Z = mkPS();
  go(async () => {
    let c = one;
    for (;;) {
      await Z.req.recv();
      const u = await get(U);
      await Z.dat.send(mul(u, c));
      c = mul(c, c0);
      if (end(u) !== 0) {
        await Z.dat.send(finis);
        break;
      }
      for (let i = 1; i < n; i++) {
        await Z.req.recv();
        await Z.dat.send(zero);
      }
    }
  });
  return Z;
}

// Evaluate n terms of power series U at x=c (unused by the original's test branch)
async function evalPS(c: Rat, U: PS, n: number): Promise<Rat> {
  if (n === 0) return zero;
  const y = await get(U);
  if (end(y) !== 0) return zero;
  return add(y, mul(c, await evalPS(c, U, n - 1)));
}
void [Xmul, Mon, Binom, Recip, Subst, evalPS];

function Init(): void {
  chnameserial = -1;
  seqno = 0;
  chnames = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  zero = itor(0n);
  one = itor(1n);
  finis = i2tor(1n, 0n);
  Ones = Rep(one);
  Twos = Rep(itor(2n));
}

async function check(U: PS, c: Rat, count: number, str: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = await get(U);
    if (!eq(r, c)) assert.fail(`${str}: got: ${pr(r)} should get ${pr(c)}`);
  }
}

const N = 10;
async function checka(U: PS, a: Rat[], str: string): Promise<void> {
  for (let i = 0; i < N; i++) await check(U, a[i]!, 1, `${str} [term ${i}]`);
}

test("powser1: the original's checks (Ones, Diff, Integ, CMul, Mul, Exp, ATan)", async () => {
  await run(async () => {
    Init();
    await check(Ones, one, 5, "Ones");
    await check(Add(Ones, Ones), itor(2n), 0, "Add Ones Ones"); // count 0 in the original
    await check(Add(Ones, Twos), itor(3n), 0, "Add Ones Twos"); // count 0 in the original
    const a: Rat[] = new Array<Rat>(N);
    const d = Diff(Ones);
    for (let i = 0; i < N; i++) a[i] = itor(BigInt(i + 1));
    await checka(d, a, "Diff"); // 1 2 3 4 5
    const inn = Integ(zero, Ones);
    a[0] = zero; // integration constant
    for (let i = 1; i < N; i++) a[i] = i2tor(1n, BigInt(i));
    await checka(inn, a, "Integ"); // 0 1 1/2 1/3 1/4 1/5
    await check(Cmul(neg(one), Twos), itor(-2n), 10, "CMul"); // -2 -2 -2 -2 -2
    await check(Sub(Ones, Twos), itor(-1n), 0, "Sub Ones Twos"); // count 0 in the original
    const m = Mul(Ones, Ones);
    for (let i = 0; i < N; i++) a[i] = itor(BigInt(i + 1));
    await checka(m, a, "Mul"); // 1 2 3 4 5
    const e = await Exp(Ones);
    a[0] = itor(1n);
    a[1] = itor(1n);
    a[2] = i2tor(3n, 2n);
    a[3] = i2tor(13n, 6n);
    a[4] = i2tor(73n, 24n);
    a[5] = i2tor(167n, 40n);
    a[6] = i2tor(4051n, 720n);
    a[7] = i2tor(37633n, 5040n);
    a[8] = i2tor(43817n, 4480n);
    a[9] = i2tor(4596553n, 362880n);
    await checka(e, a, "Exp"); // 1 1 3/2 13/6 73/24
    const at = Integ(zero, MonSubst(Ones, neg(one), 2));
    for (let c = 1n, i = 0; i < N; i++) {
      if (i % 2 === 0) {
        a[i] = zero;
      } else {
        a[i] = i2tor(c, BigInt(i));
        c *= -1n;
      }
    }
    await checka(at, a, "ATan"); // 0 1 0 -1/3 0 1/5
  }, { seed: 1, tickRateHz: 1000 });
});

test("powser1 (added): the original's count-0 series checked for 10 terms", async () => {
  await run(async () => {
    Init();
    await check(Add(Ones, Ones), itor(2n), 10, "Add Ones Ones"); // 2 2 2 ...
    await check(Add(Ones, Twos), itor(3n), 10, "Add Ones Twos"); // 3 3 3 ...
    await check(Sub(Ones, Twos), itor(-1n), 10, "Sub Ones Twos"); // -1 -1 -1 ...
  }, { seed: 1, tickRateHz: 1000 });
});
