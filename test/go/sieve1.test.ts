/**
 * Port of golang/go test/chan/sieve1.go (@ bac8f89d).
 *
 * Classical concurrent prime sieve: a Generate goroutine feeds 2, 3, 4, ... into a daisy chain
 * of Filter goroutines, one per prime found, all on unbuffered channels.
 *
 * Check mapping:
 *   main: `if x := <-primes; x != a[i] { println(x, " != ", a[i]); panic("fail") }` for the
 *   25 primes below 100 => assert.equal(x, a[i], "x != a[i]") for each i.
 * Go's `for i := range in` is `for await (const i of inp)`. main returns after the 25th prime,
 * abandoning the generator and the filters, as Go's main does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, type Chan } from "../../src/go/index.js";

// Send the sequence 2, 3, 4, ... to channel 'ch'.
async function generate(ch: Chan<number>): Promise<void> {
  for (let i = 2; ; i++) await ch.send(i);
}

// Copy the values from channel 'inp' to channel 'out', removing those divisible by 'prime'.
async function filter(inp: Chan<number>, out: Chan<number>, prime: number): Promise<void> {
  for await (const i of inp) {
    if (i % prime !== 0) await out.send(i);
  }
}

// The prime sieve: daisy-chain Filter goroutines together.
async function sieve(primes: Chan<number>): Promise<void> {
  let ch = chan<number>();
  go(() => generate(ch));
  for (;;) {
    // Note that ch is different on each iteration.
    const prime = (await ch.recv()) as number;
    await primes.send(prime);
    const ch1 = chan<number>();
    const inp = ch;
    go(() => filter(inp, ch1, prime));
    ch = ch1;
  }
}

const a = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

test("sieve1: first 25 primes from a chain of filter goroutines", async () => {
  const got = await run(async () => {
    const primes = chan<number>();
    go(() => sieve(primes));
    const seen: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const x = await primes.recv();
      assert.equal(x, a[i], `${x} != ${a[i]}`);
      seen.push(x as number);
    }
    return seen;
  }, { seed: 1, tickRateHz: 1000 });
  assert.deepEqual(got, a);
});
