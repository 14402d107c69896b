/**
 * Goroutine stacks and the goroutine limit (issue 12; the seed's section 2.2: a fixed goroutine
 * limit and 512-byte static stacks): each goroutine's task has a 512-byte stack by default, or
 * run()'s goroutineStackBytes; run(main, { maxGoroutines }) makes go() past the limit panic (the
 * main goroutine counts); stackUse charges the calling goroutine's stack and the kernel's
 * overflow checks see goroutines as any task.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, gosched, chan, stackUse, GoPanic, WaitGroup, GOROUTINE_STACK_BYTES, GOROUTINE_STACK_WORDS } from "../../src/go/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";
import { runningKernel, type Kernel } from "../../src/kernel/index.js";

const T = { timeout: 20_000 };

function kernel(): Kernel {
  return runningKernel()!;
}

/** [stackDepth in words, high-water mark in words] of the calling goroutine. */
function stackOf(): [number, number] {
  const k = kernel();
  const t = k.current!;
  return [t.stackDepth, k.stackHighWaterMark(t)];
}

test("a goroutine's stack is 512 bytes (128 words) by default: main's and a spawned one's", T, async () => {
  assert.equal(GOROUTINE_STACK_BYTES, 512);
  assert.equal(GOROUTINE_STACK_WORDS, 128);
  const got = await run(async () => {
    const c = chan<[number, number]>(1);
    go(async () => {
      await c.send(stackOf());
    });
    return [stackOf(), await c.recv()];
  });
  // 128 words less the 17-word context frame.
  assert.deepEqual(got, [
    [128, 111],
    [128, 111],
  ]);
});

test("run(main, { goroutineStackBytes }) sizes every goroutine's stack of that run", T, async () => {
  const got = await run(
    async () => {
      const c = chan<[number, number]>(1);
      go(async () => {
        await c.send(stackOf());
      });
      return [stackOf(), await c.recv()];
    },
    { goroutineStackBytes: 256 },
  );
  assert.deepEqual(got, [
    [64, 47],
    [64, 47],
  ]);
});

test("goroutineStackBytes must be whole 4-byte words of at least the 68-byte context frame; maxGoroutines an integer >= 1", async () => {
  await assert.rejects(run(() => 0, { goroutineStackBytes: 66 }), (e: unknown) => e instanceof RangeError && e.message === "run: options.goroutineStackBytes must be a whole number of 4-byte stack words, at least the 68-byte context frame, got 66");
  await assert.rejects(run(() => 0, { goroutineStackBytes: 64 }), RangeError);
  await assert.rejects(run(() => 0, { goroutineStackBytes: "512" as unknown as number }), (e: unknown) => e instanceof TypeError && e.message === "run: options.goroutineStackBytes must be a number of bytes, got string");
  await assert.rejects(run(() => 0, { maxGoroutines: 0 }), (e: unknown) => e instanceof RangeError && e.message === "run: options.maxGoroutines must be an integer >= 1 (the main goroutine counts), got 0");
  await assert.rejects(run(() => 0, { maxGoroutines: 2.5 }), RangeError);
  assert.equal(await run(() => 68, { goroutineStackBytes: 68, maxGoroutines: 1 }), 68, "the smallest stack and limit run main alone");
});

test("maxGoroutines: go() past the limit panics naming the live count and the limit (main counts); a goroutine that ends frees its place", T, async () => {
  const got = await run(
    async () => {
      const messages: string[] = [];
      const block = chan<number>();
      const wg = new WaitGroup();
      wg.add(1);
      go(async () => {
        wg.done(); // goroutine 2: ends at once
      });
      await wg.wait();
      go(async () => void (await block.recv())); // goroutine 3
      go(async () => void (await block.recv())); // goroutine 4: 3 live with main
      try {
        go(async () => {});
        messages.push("no panic");
      } catch (e) {
        assert.ok(e instanceof GoPanic);
        messages.push(e.message);
      }
      await block.send(1); // one blocked goroutine ends
      await gosched();
      go(async () => void (await block.recv())); // goroutine 5 fits again
      try {
        go(async () => {}, { name: "extra" });
      } catch (e) {
        messages.push((e as Error).message);
      }
      return messages;
    },
    { maxGoroutines: 3 },
  );
  assert.deepEqual(got, [
    'runtime: cannot start "goroutine 5": 3 goroutines are live and run()\'s maxGoroutines is 3 (the main goroutine counts)',
    'runtime: cannot start "extra": 3 goroutines are live and run()\'s maxGoroutines is 3 (the main goroutine counts)',
  ]);
});

test("an uncaught goroutine-limit panic ends the run with GoPanic", T, async () => {
  await assert.rejects(
    run(
      async () => {
        go(async () => {});
      },
      { maxGoroutines: 1 },
    ),
    (e: unknown) => e instanceof GoPanic && e.message === 'runtime: cannot start "goroutine 2": 1 goroutine is live and run()\'s maxGoroutines is 1 (the main goroutine counts)',
  );
});

test("stackUse charges the calling goroutine: its high-water mark falls by the peak", T, async () => {
  const got = await run(async () => {
    const release = stackUse(100);
    const inner = stackUse(20);
    inner();
    release();
    const c = chan<number>(1);
    go(async () => {
      const r = stackUse(400); // 68 + 400 = 468 of 512 bytes
      r();
      await c.send(stackOf()[1]);
    });
    return [stackOf()[1], await c.recv()];
  });
  // main: 512 - 68 - 120 = 324 bytes = 81 words; the goroutine: 44 bytes = 11 words.
  assert.deepEqual(got, [81, 11]);
});

test("goroutines on a FreeRTOS instance with configCHECK_FOR_STACK_OVERFLOW 2: the hook names the goroutine that went past its stack's end", T, async () => {
  const names: string[] = [];
  const rtos = createFreeRTOS({ configCHECK_FOR_STACK_OVERFLOW: 2, vApplicationStackOverflowHook: (_t, name) => void names.push(name) });
  await run(
    async () => {
      const done = chan<number>();
      go(
        async () => {
          const r = stackUse(180); // 68 + 180 = 248 of 256 bytes: within, but into the last 16 bytes
          r();
          await done.send(1);
        },
        { name: "deep" },
      );
      go(
        async () => {
          const r = stackUse(172); // 240 bytes: the last 16 untouched
          r();
          await done.send(1);
        },
        { name: "shallow" },
      );
      await done.recv();
      await done.recv();
    },
    { rtos, goroutineStackBytes: 256 },
  );
  assert.deepEqual(names, ["deep"]);
  assert.equal(rtos.kernel.stackOverflows, 1);
});
