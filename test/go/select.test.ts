/*
 * Port of golang/go test/chan/select.go ("Test simple select.") to tinyrtos/go.
 *
 * Send(a, b) loops over a select with two send cases and a default; a case that fires sets its
 * channel to nil, so the loop ends when both channels are nil (or full) and default runs.
 * GetValue() is called for the value of EVERY send case each time the select is entered (Go
 * evaluates all case operands, nil channels included, before choosing), and the shift grows
 * after every successful case.
 *
 * Check mapping (Go -> here):
 *   Send(a, b) != 2          -> assert.equal(send(a, b), 2)
 *   <-a | <-b != 3           -> assert.equal(av | bv, 3)   (1<<0 and 1<<1, in either order)
 *   Send(a, nil) != 1        -> assert.equal(send(a, null), 1)
 *   counter != 10            -> assert.equal(counter, 10)  (3 selects x 2 + 2 selects x 2)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, chan, select, send, type Chan } from "../../src/go/index.js";

// The original runs once with Go's random choice; several seeds cover both choice orders.
for (const seed of [1, 2, 3, 4]) test(`select.go: send cases with nil-ing and default (seed ${seed})`, async () => {
  await run(async () => {
    let counter = 0;
    let shift = 0;

    const getValue = (): number => {
      counter++;
      return 1 << shift;
    };

    const Send = async (a: Chan<number> | null, b: Chan<number> | null): Promise<number> => {
      let i = 0;
      for (;;) {
        // Case operands are evaluated left to right on entry, as in Go.
        const r = await select([send(a, getValue()), send(b, getValue())], { default: true });
        if (r.index === 0) {
          i++;
          a = null;
        } else if (r.index === 1) {
          i++;
          b = null;
        } else {
          assert.equal(r.index, -1, `unexpected select index ${r.index}`);
          break; // default: break LOOP
        }
        shift++;
      }
      return i;
    };

    const a = chan<number>(1);
    const b = chan<number>(1);
    {
      const v = await Send(a, b);
      assert.equal(v, 2, `Send returned ${v} != 2`);
    }
    {
      const av = (await a.recv()) as number;
      const bv = (await b.recv()) as number;
      assert.equal(av | bv, 3, `bad values ${av} ${bv}`);
    }
    {
      const v = await Send(a, null);
      assert.equal(v, 1, `Send returned ${v} != 1`);
    }
    assert.equal(counter, 10, `counter is ${counter} != 10`);
  }, { seed, tickRateHz: 1000 });
});
