/**
 * Goroutines and FreeRTOS tasks on one scheduler (API.md "Bridging goroutines and FreeRTOS
 * tasks"); not a port of a Go test. Every test uses `run(main, { rtos })` with
 * rtos = createFreeRTOS(...), so goroutines and rtos.xTaskCreate tasks share one kernel.
 *
 * - queueChan(q), task → goroutine: a task's xQueueSend values arrive, in order, at a goroutine's
 *   recv (JS-value queue); goroutine → task: a goroutine's send arrives at a task's
 *   xQueueReceive; with itemSize > 0 both directions copy (mutating the sent array afterwards
 *   does not change what arrives).
 * - select over a queueChan and a Go channel: receive cases (each fires at the time its producer,
 *   a task or a goroutine, sends) and send cases (the queue case fires when a task frees a slot;
 *   the Go case when a goroutine receives; the losing case leaves nothing behind: no stray
 *   item in the queue, no waiter on the channel).
 * - Introspection: eTaskGetState / uxTaskGetSystemState / vTaskList show goroutines by name as
 *   Running / Ready / Blocked / Suspended; vTaskSuspend on a goroutine (handle from
 *   xTaskGetHandle) stops its progress until vTaskResume, whether it is ready (busy) or blocked
 *   in a channel receive (a send while it is suspended does not run it; after resume it gets the
 *   value exactly once; a resume with nothing sent leaves it waiting, as an xQueueReceive with
 *   portMAX_DELAY re-blocks after vTaskResume). The same scenario through a queueChan (a kernel
 *   queue wait) is the control case.
 * - semChan(n): cap = len = n at start, n receives succeed at once without time passing, the
 *   n+1th blocks until a send (release); a release beyond n blocks; negative n → GoPanic.
 * - queueChan(q).close() → GoPanic (the queue stays usable).
 * - A blocking channel operation (send, recv, recv2, select without default, queueChan
 *   send/recv) inside an interrupt handler throws KernelAssertError and changes nothing; uncaught,
 *   it rejects run().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  run,
  go,
  chan,
  select,
  recv,
  send,
  sleep,
  now,
  queueChan,
  semChan,
  GoPanic,
  KernelAssertError,
} from "../../src/go/index.js";
import {
  createFreeRTOS,
  pdPASS,
  errQUEUE_EMPTY,
  portMAX_DELAY,
  eRunning,
  eReady,
  eBlocked,
  eSuspended,
  type FreeRTOS,
} from "../../src/freertos/index.js";

function newRtos(): FreeRTOS {
  return createFreeRTOS({ configMAX_PRIORITIES: 8, seed: 1 });
}

test("bridge: task xQueueSend -> goroutine queueChan recv, in order", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(2, 0)!;
  const results: number[] = [];
  await rtos.xTaskCreate(
    async () => {
      for (let i = 1; i <= 6; i++) {
        results.push(await rtos.xQueueSend(q, i * 10, portMAX_DELAY));
        if (i % 2 === 0) await rtos.vTaskDelay(3);
      }
    },
    "producer",
    128,
    null,
    2,
  );
  const got = await run(
    async () => {
      const qc = queueChan<number>(q);
      assert.equal(qc.cap, 2);
      const out: [number, number][] = [];
      for (let i = 0; i < 6; i++) out.push([(await qc.recv()) as number, now()]);
      return out;
    },
    { rtos },
  );
  assert.deepEqual(results, [pdPASS, pdPASS, pdPASS, pdPASS, pdPASS, pdPASS]);
  assert.deepEqual(
    got.map(([v]) => v),
    [10, 20, 30, 40, 50, 60],
  );
  // Values sent after each vTaskDelay(3) arrive then.
  assert.deepEqual(
    got.map(([, t]) => t),
    [0, 0, 3, 3, 6, 6],
  );
});

test("bridge: goroutine queueChan send -> task xQueueReceive, and the answer back", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(1, 0)!;
  const back = rtos.xQueueCreate(1, 0)!;
  const taskGot: unknown[] = [];
  await rtos.xTaskCreate(
    async () => {
      const ref = { value: undefined as unknown };
      let sum = 0;
      for (let i = 0; i < 5; i++) {
        assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS);
        taskGot.push(ref.value);
        sum += ref.value as number;
        await rtos.vTaskDelay(2); // the goroutine blocks on the full queue meanwhile
      }
      assert.equal(await rtos.xQueueSend(back, sum, portMAX_DELAY), pdPASS);
    },
    "consumer",
    128,
    null,
    2,
  );
  const result = await run(
    async () => {
      const qc = queueChan<number>(q);
      const bc = queueChan<number>(back);
      go(
        async () => {
          for (let i = 1; i <= 5; i++) await qc.send(i);
        },
        { name: "sender" },
      );
      const sum = await bc.recv();
      return { sum, t: now() };
    },
    { rtos },
  );
  assert.deepEqual(taskGot, [1, 2, 3, 4, 5]);
  assert.equal(result.sum, 15);
  assert.equal(result.t, 10);
});

test("bridge: queueChan on a byte queue copies in both directions", async () => {
  const rtos = newRtos();
  const toTask = rtos.xQueueCreate(2, 4)!;
  const toGo = rtos.xQueueCreate(2, 4)!;
  await rtos.xTaskCreate(
    async () => {
      const ref = { value: null as Uint8Array | null };
      await rtos.vTaskDelay(2); // the goroutine's send is queued and its array mutated before this receive
      assert.equal(await rtos.xQueueReceive(toTask, ref, portMAX_DELAY), pdPASS);
      const item = ref.value!;
      assert.deepEqual([...item], [1, 2, 3, 4], "the task sees the bytes as sent, not the later mutation");
      item[0] = 9;
      assert.equal(await rtos.xQueueSend(toGo, item, portMAX_DELAY), pdPASS);
      item[1] = 9; // after the send: must not show in the goroutine's copy
    },
    "echo",
    128,
    null,
    2,
  );
  const got = await run(
    async () => {
      const out = new Uint8Array([1, 2, 3, 4]);
      await queueChan<Uint8Array>(toTask).send(out);
      out[3] = 77; // after the send, before the task receives: the queued copy is unchanged
      return await queueChan<Uint8Array>(toGo).recv();
    },
    { rtos },
  );
  assert.ok(got instanceof Uint8Array);
  assert.deepEqual([...got], [9, 2, 3, 4]);
});

test("bridge: select over a queueChan and a Go channel (receive cases)", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(4, 0)!;
  await rtos.xTaskCreate(
    async () => {
      await rtos.vTaskDelay(5);
      await rtos.xQueueSend(q, "q1", portMAX_DELAY);
      await rtos.vTaskDelay(10);
      await rtos.xQueueSend(q, "q2", portMAX_DELAY);
    },
    "rtosProducer",
    128,
    null,
    2,
  );
  const { log, leftovers } = await run(
    async () => {
      const qc = queueChan<string>(q);
      const gc = chan<string>(0, "gc");
      go(
        async () => {
          await sleep(10);
          await gc.send("g1");
          await sleep(10);
          await gc.send("g2");
        },
        { name: "goProducer" },
      );
      const log: [number, unknown, unknown, number][] = [];
      for (let i = 0; i < 4; i++) {
        const r = await select([recv(qc), recv(gc)]);
        log.push([r.index, r.value, r.ok, now()]);
      }
      const none = await select([recv(qc), recv(gc)], { default: true });
      return { log, leftovers: { index: none.index, queued: rtos.uxQueueMessagesWaiting(q), gcWaiters: gc.recvq.length + gc.sendq.length } };
    },
    { rtos },
  );
  assert.deepEqual(log, [
    [0, "q1", true, 5],
    [1, "g1", true, 10],
    [0, "q2", true, 15],
    [1, "g2", true, 20],
  ]);
  assert.deepEqual(leftovers, { index: -1, queued: 0, gcWaiters: 0 });
});

test("bridge: select over a queueChan and a Go channel (send cases)", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(1, 0)!;
  const done = rtos.xQueueCreate(1, 0)!;
  assert.equal(await rtos.xQueueSend(q, "fill", 0), pdPASS); // set-up: the queue starts full
  const taskGot: unknown[] = [];
  await rtos.xTaskCreate(
    async () => {
      const ref = { value: undefined as unknown };
      await rtos.vTaskDelay(5);
      assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS); // "fill": frees the slot
      taskGot.push(ref.value);
      assert.equal(await rtos.xQueueReceive(q, ref, portMAX_DELAY), pdPASS); // what select sent
      taskGot.push(ref.value);
      await rtos.vTaskDelay(25);
      taskGot.push(await rtos.xQueueReceive(q, ref, 0) === pdPASS ? ref.value : "empty");
      taskGot.push(await rtos.xQueueReceive(q, ref, 0) === errQUEUE_EMPTY ? "empty" : ref.value); // no stray "sq2"
      await rtos.xQueueSend(done, true, portMAX_DELAY);
    },
    "rtosConsumer",
    128,
    null,
    2,
  );
  const out = await run(
    async () => {
      const qc = queueChan<string>(q);
      const gc = chan<string>(0, "gc");
      let goGot: string | undefined;
      go(
        async () => {
          await sleep(10);
          goGot = await gc.recv();
        },
        { name: "goConsumer" },
      );
      const r1 = await select([send(qc, "sq1"), send(gc, "sg1")]); // queue full, no receiver: blocks
      const t1 = now();
      assert.equal(gc.sendq.length, 0, "the losing Go case left the channel's send queue");
      await qc.send("fill2"); // full again
      const r2 = await select([send(qc, "sq2"), send(gc, "sg2")]);
      const t2 = now();
      await queueChan(done).recv();
      return { r1: r1.index, t1, r2: r2.index, t2, goGot, gcSenders: gc.sendq.length };
    },
    { rtos },
  );
  assert.deepEqual(out, { r1: 0, t1: 5, r2: 1, t2: 10, goGot: "sg2", gcSenders: 0 });
  assert.deepEqual(taskGot, ["fill", "sq1", "fill2", "empty"]);
});

test("bridge: eTaskGetState / uxTaskGetSystemState / vTaskList show goroutines as Running, Ready, Blocked, Suspended; vTaskSuspend stops a busy goroutine", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(1, 0)!;
  await rtos.xTaskCreate(
    async () => {
      const ref = { value: undefined as unknown };
      await rtos.xQueueReceive(q, ref, portMAX_DELAY);
    },
    "rtos-waiter",
    128,
    null,
    2,
  );
  const counters = { spin: 0, susp: 0 };
  await run(
    async () => {
      const never = chan<number>(0, "never");
      go(async () => void (await never.recv()), { name: "g-blocked", priority: 2 });
      go(async () => void (await sleep(1000)), { name: "g-sleeper", priority: 2 });
      go(
        async () => {
          for (;;) {
            counters.spin++;
            await rtos.busy(0.5);
          }
        },
        { name: "g-spin", priority: 1 },
      );
      go(
        async () => {
          for (;;) {
            counters.susp++;
            await rtos.busy(0.5);
          }
        },
        { name: "g-susp", priority: 1 },
      );
      await sleep(2);
      const h = (name: string) => {
        const handle = rtos.xTaskGetHandle(name);
        assert.ok(handle !== null, `xTaskGetHandle(${name})`);
        return handle;
      };
      const state = (name: string) => rtos.eTaskGetState(h(name));
      assert.equal(state("main"), eRunning);
      assert.equal(rtos.xTaskGetCurrentTaskHandle(), h("main"));
      assert.equal(rtos.pcTaskGetName(null), "main");
      assert.equal(state("g-blocked"), eBlocked);
      assert.equal(state("g-sleeper"), eBlocked);
      assert.equal(state("g-spin"), eReady);
      assert.equal(state("g-susp"), eReady);
      assert.equal(state("rtos-waiter"), eBlocked);
      assert.ok(counters.spin > 0 && counters.susp > 0, "both busy goroutines ran");

      await rtos.vTaskSuspend(h("g-susp"));
      assert.equal(state("g-susp"), eSuspended);

      const sys = new Map(rtos.uxTaskGetSystemState().map((s) => [s.name, s]));
      assert.equal(sys.get("main")?.state, eRunning);
      assert.equal(sys.get("g-blocked")?.state, eBlocked);
      assert.equal(sys.get("g-sleeper")?.state, eBlocked);
      assert.equal(sys.get("g-spin")?.state, eReady);
      assert.equal(sys.get("g-susp")?.state, eSuspended);
      assert.equal(sys.get("rtos-waiter")?.state, eBlocked);
      assert.equal(sys.get("g-blocked")?.currentPriority, 2);
      assert.equal(sys.get("g-spin")?.currentPriority, 1);
      assert.equal(sys.get("main")?.handle, h("main"));

      const letters = new Map(
        rtos
          .vTaskList()
          .split("\n")
          .filter((l) => l.length > 0)
          .map((l) => {
            const cols = l.split("\t");
            return [cols[0]!.trim(), cols[1]!] as const;
          }),
      );
      assert.equal(letters.get("main"), "X");
      assert.equal(letters.get("g-blocked"), "B");
      assert.equal(letters.get("g-sleeper"), "B");
      assert.equal(letters.get("g-spin"), "R");
      assert.equal(letters.get("g-susp"), "S");
      assert.equal(letters.get("rtos-waiter"), "B");

      // Suspended: no progress, while its peer keeps running.
      const spin0 = counters.spin;
      const susp0 = counters.susp;
      await sleep(10);
      assert.equal(counters.susp, susp0, "a suspended goroutine makes no progress");
      assert.ok(counters.spin > spin0 + 5, "its peer keeps running");
      assert.equal(state("g-susp"), eSuspended);
      await rtos.vTaskResume(h("g-susp"));
      assert.equal(state("g-susp"), eReady);
      await sleep(10);
      assert.ok(counters.susp > susp0 + 5, "it runs again after vTaskResume");
    },
    { rtos, priority: 3 },
  );
});

test("bridge: vTaskSuspend on a goroutine blocked in a channel receive: a send does not run it until vTaskResume", async () => {
  const rtos = newRtos();
  const got: unknown[] = [];
  let sent = false;
  await run(
    async () => {
      const c = chan<number>(0, "data");
      go(
        async () => {
          for (;;) got.push(await c.recv());
        },
        { name: "consumer", priority: 2 },
      );
      await sleep(1);
      const h = rtos.xTaskGetHandle("consumer")!;
      assert.equal(rtos.eTaskGetState(h), eBlocked);
      await rtos.vTaskSuspend(h);
      assert.equal(rtos.eTaskGetState(h), eSuspended);
      go(
        async () => {
          await c.send(1);
          sent = true;
        },
        { name: "producer", priority: 1 },
      );
      await sleep(5);
      assert.deepEqual(got, [], "the suspended goroutine made no progress");
      assert.equal(rtos.eTaskGetState(h), eSuspended, "still suspended");
      await rtos.vTaskResume(h);
      await sleep(5);
      assert.deepEqual(got, [1], "after vTaskResume it received the value exactly once");
      assert.equal(sent, true);
    },
    { rtos, priority: 3 },
  );
});

test("bridge: a goroutine suspended while blocked in a receive and resumed with nothing sent keeps waiting", async () => {
  const rtos = newRtos();
  const got: unknown[] = [];
  await run(
    async () => {
      const c = chan<number>(0, "data");
      go(
        async () => {
          for (;;) got.push(await c.recv());
        },
        { name: "consumer", priority: 2 },
      );
      await sleep(1);
      const h = rtos.xTaskGetHandle("consumer")!;
      await rtos.vTaskSuspend(h);
      await sleep(1);
      await rtos.vTaskResume(h);
      await sleep(5);
      assert.deepEqual(got, [], "a resume is not a receive");
      assert.equal(rtos.eTaskGetState(h), eBlocked, "back to waiting on the channel");
      await c.send(7);
      await sleep(1);
      assert.deepEqual(got, [7]);
      assert.equal(c.recvq.length, 1, "waiting again for the next value (one waiter, not a stale one)");
    },
    { rtos, priority: 3 },
  );
});

test("bridge: vTaskSuspend on a goroutine blocked in a queueChan receive: a queue send does not run it until vTaskResume", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(1, 0)!;
  const got: unknown[] = [];
  await run(
    async () => {
      const qc = queueChan<number>(q);
      go(
        async () => {
          for (;;) got.push(await qc.recv());
        },
        { name: "consumer", priority: 2 },
      );
      await sleep(1);
      const h = rtos.xTaskGetHandle("consumer")!;
      assert.equal(rtos.eTaskGetState(h), eBlocked);
      await rtos.vTaskSuspend(h);
      await qc.send(1);
      await sleep(5);
      assert.deepEqual(got, [], "the suspended goroutine made no progress");
      assert.equal(rtos.eTaskGetState(h), eSuspended);
      assert.equal(rtos.uxQueueMessagesWaiting(q), 1);
      await rtos.vTaskResume(h);
      await sleep(1);
      assert.deepEqual(got, [1]);
      assert.equal(rtos.eTaskGetState(h), eBlocked);
    },
    { rtos, priority: 3 },
  );
});

test("bridge: semChan(n) starts with n permits; the n+1th acquire blocks until a release", async () => {
  const rtos = newRtos();
  await run(
    async () => {
      const s = semChan(3);
      assert.equal(s.cap, 3);
      assert.equal(s.len, 3, "starts holding 3 tokens");
      const t0 = now();
      for (let i = 0; i < 3; i++) assert.equal(await s.recv(), undefined);
      assert.equal(now(), t0, "the first 3 acquires did not wait");
      assert.equal(s.len, 0);
      assert.equal((await select([recv(s)], { default: true })).index, -1, "a 4th acquire would block");

      let acquiredAt = -1;
      go(
        async () => {
          const [, ok] = await s.recv2();
          assert.equal(ok, true);
          acquiredAt = now();
        },
        { name: "acquirer", priority: 2 },
      );
      await sleep(5);
      assert.equal(acquiredAt, -1, "still blocked");
      assert.equal(rtos.eTaskGetState(rtos.xTaskGetHandle("acquirer")!), eBlocked);
      await s.send(undefined); // release: hands the permit to the waiting acquirer
      assert.equal(acquiredAt, 5, "the release woke the higher-priority acquirer at once");
      assert.equal(s.len, 0);

      // Release beyond capacity blocks, like a full buffered channel.
      for (let i = 0; i < 3; i++) await s.send(undefined);
      assert.equal(s.len, 3);
      assert.equal((await select([send(s, undefined)], { default: true })).index, -1);
    },
    { rtos },
  );
});

test("bridge: semChan(0) has no permits; negative permits panic", async () => {
  await run(async () => {
    const s = semChan(0);
    assert.equal(s.cap, 0);
    assert.equal((await select([recv(s)], { default: true })).index, -1);
    assert.throws(() => semChan(-1), (e: unknown) => e instanceof GoPanic);
    assert.throws(() => semChan(-5), GoPanic);
  });
});

test("bridge: queueChan(q).close() panics; the queue stays usable", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(2, 0)!;
  await run(
    async () => {
      const qc = queueChan<number>(q);
      assert.throws(() => qc.close(), GoPanic);
      await qc.send(5);
      assert.equal(await qc.recv(), 5);
      await qc.send(6);
      assert.deepEqual(await qc.recv2(), [6, true], "a queue is never closed: ok is true");
    },
    { rtos },
  );
});

test("bridge: a blocking channel operation inside an interrupt handler throws KernelAssertError and changes nothing", async () => {
  const rtos = newRtos();
  const q = rtos.xQueueCreate(1, 0)!;
  const outcomes: Record<string, unknown> = {};
  await run(
    async () => {
      const c = chan<number>(0, "c");
      const qc = queueChan<number>(q);
      const ops: Record<string, () => unknown> = {
        send: () => c.send(1),
        recv: () => c.recv(),
        recv2: () => c.recv2(),
        select: () => select([recv(c), send(c, 2)]),
        "queueChan.send": () => qc.send(1),
        "queueChan.recv": () => qc.recv(),
      };
      rtos.registerInterrupt(3, 5, () => {
        for (const [name, op] of Object.entries(ops)) {
          try {
            const p = op();
            outcomes[name] = "returned";
            if (p instanceof Promise) p.catch(() => {});
          } catch (e) {
            outcomes[name] = e;
          }
        }
      });
      rtos.triggerInterrupt(3);
      assert.equal(c.recvq.length + c.sendq.length, 0, "no waiter was left on the channel");
      assert.equal(rtos.uxQueueMessagesWaiting(q), 0, "nothing was queued");
      // The channel still works from tasks.
      go(async () => void (await c.send(9)), { name: "g" });
      assert.equal(await c.recv(), 9);
    },
    { rtos },
  );
  for (const name of ["send", "recv", "recv2", "select", "queueChan.send", "queueChan.recv"]) {
    assert.ok(outcomes[name] instanceof KernelAssertError, `${name} in an ISR: expected KernelAssertError, got ${String(outcomes[name])}`);
  }
});

test("bridge: an uncaught blocking channel operation in an interrupt handler rejects run() with KernelAssertError", async () => {
  const rtos = newRtos();
  await assert.rejects(
    run(
      async () => {
        const c = chan<number>();
        rtos.registerInterrupt(4, 5, () => {
          void c.send(1);
        });
        rtos.triggerInterrupt(4, rtos.now() + 1.5);
        await sleep(10);
        return "main returned";
      },
      { rtos },
    ),
    KernelAssertError,
  );
});
