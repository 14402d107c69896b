/**
 * Scale: a pipeline of 100,000 goroutines (Go's classic "daisy chain"; cf. golang/go
 * test/chan/goroutines.go, which chains 10,000). Goroutine i receives from channel i and sends
 * value + 1 on channel i + 1; main sends 0 into the first channel and receives from the last.
 *
 * Checks: run() resolves (a broken chain would reject with DeadlockError) and main receives
 * exactly 100,000 (every goroutine added 1 once). Also: every goroutine returned and was freed
 * (after main sleeps 1 ms only main, IDLE and the timer task remain), and a second value travels a second chain on a
 * fresh run. Wall time is measured and printed (not asserted: no wall-clock asserts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, sleep, type Chan } from "../../src/go/index.js";
import { runningKernel } from "../../src/kernel/index.js";

const N = 100_000;

async function pipeline(n: number, input: number): Promise<{ out: number; tasksLeft: string[] }> {
  return run(
    async () => {
      const first = chan<number>();
      let prev: Chan<number> = first;
      for (let i = 0; i < n; i++) {
        const from = prev;
        const to = chan<number>();
        go(async () => {
          const v = await from.recv();
          await to.send((v as number) + 1);
        });
        prev = to;
      }
      const last = prev;
      await first.send(input);
      const out = (await last.recv()) as number;
      // The other goroutines are ready to return (their sends completed); let them finish.
      await sleep(1);
      const tasksLeft = runningKernel()!
        .tasks()
        .map((t) => t.name);
      return { out, tasksLeft };
    },
    { seed: 1, tickRateHz: 1000 },
  );
}

test(`scale: a pipeline of ${N} goroutines adds ${N}`, async (t) => {
  const t0 = performance.now();
  const { out, tasksLeft } = await pipeline(N, 0);
  const ms = performance.now() - t0;
  t.diagnostic(`${N}-goroutine pipeline took ${ms.toFixed(0)} ms of wall time`);
  assert.equal(out, N);
  assert.deepEqual(tasksLeft.sort(), ["IDLE", "Tmr Svc", "main"].sort());
});

test("scale: a second, smaller pipeline on a fresh run starts from its own input", async () => {
  const { out } = await pipeline(1000, 42);
  assert.equal(out, 1042);
});
