/**
 * Priority-preemptive scheduling seen from goroutines (tinyrtos/go on the kernel; not a port of
 * a Go test: Go has no goroutine priorities).
 *
 * 1. "A high-priority goroutine blocked on a channel runs as soon as the value arrives, before a
 *    lower-priority sender continues": every goroutine appends to an execution log and the whole
 *    log is compared with the exact expected order, for an unbuffered channel, a buffered one, a
 *    high-priority sender blocked on a full buffer (the receive that frees space yields to it),
 *    select receive cases and select send cases.
 * 2. "Priority inheritance through Mutex is observable from goroutines": a low-priority goroutine
 *    holds a Mutex, a high-priority one blocks in lock(), a medium one is ready and busy. The
 *    holder's priority is raised to the high one's (read from the kernel's task table, and from
 *    the FreeRTOS facade's uxTaskPriorityGet when run on an rtos), the medium goroutine does not
 *    run before the holder unlocks, and the holder's priority drops back after unlock().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, send, gosched, sleep, Mutex } from "../../src/go/index.js";
import { runningKernel } from "../../src/kernel/index.js";
import { createFreeRTOS } from "../../src/freertos/index.js";

const opts = { seed: 1, tickRateHz: 1000 };

/** Consume CPU time in the calling goroutine (kernel busy(); preemptible). */
function busy(ticks: number): Promise<number> {
  return runningKernel()!.busy(ticks);
}

for (const cap of [0, 3]) {
  test(`priority: a high goroutine blocked in recv on a ${cap === 0 ? "unbuffered" : "buffered"} channel runs before the low sender continues`, async () => {
    const log: string[] = [];
    await run(async () => {
      const c = chan<number>(cap);
      const done = chan<void>(1);
      go(
        async () => {
          for (let i = 0; i < 3; i++) {
            log.push("hi:wait");
            const v = await c.recv();
            log.push(`hi:got ${v}`);
          }
          log.push("hi:done");
          await done.send();
        },
        { name: "high", priority: 3 },
      );
      log.push("lo:spawned");
      await gosched(); // the high goroutine runs and blocks in recv
      for (let i = 1; i <= 3; i++) {
        log.push(`lo:send ${i}`);
        await c.send(i);
        log.push(`lo:sent ${i}`);
      }
      await done.recv();
    }, opts);
    assert.deepEqual(log, [
      "lo:spawned",
      "hi:wait",
      "lo:send 1",
      "hi:got 1",
      "hi:wait",
      "lo:sent 1",
      "lo:send 2",
      "hi:got 2",
      "hi:wait",
      "lo:sent 2",
      "lo:send 3",
      "hi:got 3",
      "hi:done",
      "lo:sent 3",
    ]);
  });
}

test("priority: a high goroutine blocked sending on a full buffered channel runs as soon as the low receiver frees a slot", async () => {
  const log: string[] = [];
  await run(async () => {
    const c = chan<number>(1);
    go(
      async () => {
        for (let i = 1; i <= 3; i++) {
          log.push(`hi:send ${i}`);
          await c.send(i);
          log.push(`hi:sent ${i}`);
        }
      },
      { name: "high", priority: 3 },
    );
    await gosched(); // high: 1 is buffered, 2 blocks
    for (let i = 0; i < 3; i++) {
      log.push("lo:recv");
      const v = await c.recv();
      log.push(`lo:got ${v}`);
    }
  }, opts);
  assert.deepEqual(log, [
    "hi:send 1",
    "hi:sent 1",
    "hi:send 2",
    "lo:recv", // takes 1, moves 2 into the buffer, readies high
    "hi:sent 2",
    "hi:send 3", // buffer full again: blocks
    "lo:got 1",
    "lo:recv", // takes 2, moves 3 in
    "hi:sent 3", // high returns
    "lo:got 2",
    "lo:recv",
    "lo:got 3",
  ]);
});

test("priority: a high goroutine blocked in select (receive cases) runs before the low sender continues", async () => {
  const log: string[] = [];
  await run(async () => {
    const a = chan<string>(0, "a");
    const b = chan<string>(2, "b");
    const done = chan<void>(1);
    go(
      async () => {
        for (let i = 0; i < 4; i++) {
          log.push("hi:select");
          const r = await select([recv(a), recv(b)]);
          log.push(`hi:case ${r.index} ${String(r.value)} ${String(r.ok)}`);
        }
        await done.send();
      },
      { name: "high", priority: 3 },
    );
    await gosched();
    for (const [ch, v] of [[b, "x"], [a, "y"], [a, "z"], [b, "w"]] as const) {
      log.push(`lo:send ${v}`);
      await ch.send(v);
      log.push(`lo:sent ${v}`);
    }
    await done.recv();
    // The losing cases left no waiter behind.
    assert.equal(a.recvq.length, 0);
    assert.equal(b.recvq.length, 0);
    assert.equal(b.len, 0);
  }, opts);
  assert.deepEqual(log, [
    "hi:select",
    "lo:send x",
    "hi:case 1 x true",
    "hi:select",
    "lo:sent x",
    "lo:send y",
    "hi:case 0 y true",
    "hi:select",
    "lo:sent y",
    "lo:send z",
    "hi:case 0 z true",
    "hi:select",
    "lo:sent z",
    "lo:send w",
    "hi:case 1 w true",
    "lo:sent w",
  ]);
});

test("priority: a high goroutine blocked in select (send cases) runs as soon as the low goroutine receives", async () => {
  const log: string[] = [];
  await run(async () => {
    const a = chan<string>(0, "a");
    const b = chan<string>(0, "b");
    go(
      async () => {
        for (let i = 0; i < 3; i++) {
          log.push("hi:select");
          const r = await select([send(a, `a${i}`), send(b, `b${i}`)]);
          log.push(`hi:sent case ${r.index}`);
        }
      },
      { name: "high", priority: 3 },
    );
    await gosched();
    for (const ch of [b, a, b]) {
      log.push(`lo:recv ${ch.name}`);
      const v = await ch.recv();
      log.push(`lo:got ${v}`);
    }
    assert.equal(a.sendq.length, 0);
    assert.equal(b.sendq.length, 0);
  }, opts);
  assert.deepEqual(log, [
    "hi:select",
    "lo:recv b",
    "hi:sent case 1",
    "hi:select",
    "lo:got b0",
    "lo:recv a",
    "hi:sent case 0",
    "hi:select",
    "lo:got a1",
    "lo:recv b",
    "hi:sent case 1",
    "lo:got b2",
  ]);
});

/**
 * The Mutex inheritance scenario. `prio(name)` reads a task's current priority, `base(name)` its
 * base priority. main (priority 10) orchestrates: low (1) locks and works for 10 ticks; at tick 1
 * high (8) and medium (5) are started; high blocks in lock(), so low inherits 8 and keeps the CPU
 * although medium is ready; after unlock low is back at 1, high gets the lock, then medium runs,
 * and low continues only after both.
 */
async function inheritanceScenario(prio: (name: string) => number, base: (name: string) => number): Promise<{ log: string[]; samples: Record<string, number> }> {
  const log: string[] = [];
  const samples: Record<string, number> = {};
  const m = new Mutex();
  go(
    async () => {
      await m.lock();
      log.push("low:locked");
      await busy(10);
      samples.lowBeforeUnlock = prio("low");
      log.push("low:unlock");
      m.unlock();
      samples.lowAfterUnlock = prio("low");
      samples.lowBaseAfterUnlock = base("low");
      await gosched(); // high (now holding the lock) and medium outrank low again
      log.push("low:after unlock");
    },
    { name: "low", priority: 1 },
  );
  await sleep(1); // low locks and starts its work
  samples.lowBeforeHigh = prio("low");
  go(
    async () => {
      log.push("high:lock");
      await m.lock();
      log.push("high:locked");
      samples.highWhileHolding = prio("high");
      m.unlock();
      log.push("high:unlocked");
    },
    { name: "high", priority: 8 },
  );
  go(
    async () => {
      log.push("medium:start");
      await busy(3);
      log.push("medium:done");
    },
    { name: "medium", priority: 5 },
  );
  await sleep(1); // high blocks on the lock: low inherits 8; medium is ready but outranked
  samples.lowInherited = prio("low");
  samples.lowBaseInherited = base("low");
  log.push("main:checked");
  await sleep(30); // everyone else finishes (low returns at tick 13)
  return { log, samples };
}

const expectedLog = [
  "low:locked",
  "high:lock",
  "main:checked",
  "low:unlock",
  "high:locked",
  "high:unlocked",
  "medium:start",
  "medium:done",
  "low:after unlock",
];

test("priority: inheritance through Mutex is observable from goroutines (kernel task table)", async () => {
  const byName = (name: string) => {
    const t = runningKernel()!.tasks().find((x) => x.name === name);
    assert.ok(t, `task ${name} exists`);
    return t;
  };
  const { log, samples } = await run(
    () => inheritanceScenario((n) => byName(n).priority, (n) => byName(n).basePriority),
    { ...opts, priority: 10 },
  );
  assert.deepEqual(log, expectedLog);
  assert.equal(samples.lowBeforeHigh, 1);
  assert.equal(samples.lowInherited, 8, "the holder runs at the blocked high goroutine's priority");
  assert.equal(samples.lowBaseInherited, 1);
  assert.equal(samples.lowBeforeUnlock, 8);
  assert.equal(samples.lowAfterUnlock, 1, "unlock drops the inherited priority");
  assert.equal(samples.lowBaseAfterUnlock, 1);
  assert.equal(samples.highWhileHolding, 8);
});

test("priority: inheritance through Mutex is observable from goroutines (uxTaskPriorityGet on an rtos)", async () => {
  const rtos = createFreeRTOS({ configMAX_PRIORITIES: 16, seed: 1 });
  const { log, samples } = await run(
    () =>
      inheritanceScenario(
        (n) => rtos.uxTaskPriorityGet(rtos.xTaskGetHandle(n)!),
        (n) => rtos.uxTaskGetSystemState().find((s) => s.name === n)!.basePriority,
      ),
    { rtos, priority: 10 },
  );
  assert.deepEqual(log, expectedLog);
  assert.equal(samples.lowBeforeHigh, 1);
  assert.equal(samples.lowInherited, 8);
  assert.equal(samples.lowBaseInherited, 1);
  assert.equal(samples.lowBeforeUnlock, 8);
  assert.equal(samples.lowAfterUnlock, 1);
  assert.equal(samples.lowBaseAfterUnlock, 1);
  assert.equal(samples.highWhileHolding, 8);
});
