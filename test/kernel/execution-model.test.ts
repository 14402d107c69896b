/**
 * The execution model of DESIGN.md and the kernel-core requirements no FreeRTOS rule covers:
 * foreign awaits are detected by name, external() blocks on outside work, long runs yield to the
 * host, two kernels cannot run at once, virtual time keeps its precision over a simulated year,
 * tick widths, heap exhaustion, and bad input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY,
  eBlocked,
  KernelAssertError,
  KernelError,
  pdPASS,
  portMAX_DELAY,
  type TraceEvent,
} from "../../src/freertos/index.js";

test("a task that awaits a non-kernel promise is reported by name and the run rejects", async () => {
  const rtos = createFreeRTOS({});
  await rtos.xTaskCreate(async () => {
    await rtos.vTaskDelay(2);
    await new Promise((resolve) => setTimeout(resolve, 5)); // not a kernel operation
  }, "sneaky", 128, null, 1);
  rtos.vTaskStartScheduler();
  await assert.rejects(rtos.run(10), (e: unknown) => e instanceof KernelError && /task "sneaky" awaited a promise that is not a kernel operation/.test(e.message) && /external\(promise\)/.test(e.message));
  // The schedule can no longer be trusted: later runs keep failing with the same error.
  await assert.rejects(rtos.run(1), KernelError);
});

test("external(promise) blocks the task (Blocked), virtual time waits for it, and its value or error comes back", async () => {
  const rtos = createFreeRTOS({});
  const log: string[] = [];
  const handle = { value: null as unknown };
  await rtos.xTaskCreate(async () => {
    const v = await rtos.external(new Promise<number>((resolve) => setTimeout(() => resolve(42), 20)));
    log.push(`value ${v} at ${rtos.xTaskGetTickCount()}`);
    await assert.rejects(rtos.external(Promise.reject(new Error("io failed"))), /io failed/);
    log.push("error passed through");
  }, "io", 128, null, 2, handle as never);
  let otherRan = 0;
  let ioStateSeenByOther = -1;
  await rtos.xTaskCreate(async () => {
    for (;;) {
      otherRan++;
      if (ioStateSeenByOther === -1) ioStateSeenByOther = rtos.eTaskGetState(handle.value as never);
      await rtos.vTaskDelay(100);
    }
  }, "other", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.equal(ioStateSeenByOther, eBlocked, "the task waiting on external() is Blocked");
  assert.deepEqual(log, ["value 42 at 0", "error passed through"], "the outside work completed at virtual time 0: time waits for it");
  assert.ok(otherRan >= 1, "other tasks ran meanwhile");
  assert.throws(() => rtos.external(42 as never), TypeError);
});

test("a long run yields to the host event loop (timers and I/O keep working)", async () => {
  const rtos = createFreeRTOS({ hostYieldIntervalMs: 5 });
  let hostTimerFiredDuringRun = false;
  let running = true;
  await rtos.xTaskCreate(async () => {
    for (;;) await rtos.busy(1); // a CPU-bound task: every tick is eventful (time slicing with idle)
  }, "spin", 128, null, 0);
  rtos.vTaskStartScheduler();
  setTimeout(() => {
    if (running) hostTimerFiredDuringRun = true;
  }, 1);
  await rtos.run(3_000_000);
  running = false;
  assert.equal(rtos.xTaskGetTickCount(), 3_000_000);
  assert.ok(hostTimerFiredDuringRun, "a host timer fired while the kernel was running");
});

test("two kernels cannot run at once in one thread; one after the other is fine", async () => {
  const a = createFreeRTOS({});
  const b = createFreeRTOS({});
  await a.xTaskCreate(async () => {
    for (;;) await a.busy(1);
  }, "a", 128, null, 1);
  a.vTaskStartScheduler();
  b.vTaskStartScheduler();
  const runA = a.run(2_000_000);
  await assert.rejects(b.run(10), (e: unknown) => e instanceof KernelError && /another kernel is running/.test(e.message));
  await runA;
  await b.run(10);
  assert.equal(b.xTaskGetTickCount(), 10);
  await assert.rejects(a.run(-1), RangeError);
  await assert.rejects(createFreeRTOS({}).run(1), /before vTaskStartScheduler/);
});

test("a simulated year at 1 kHz keeps sub-tick precision, and the 32-bit tick count wraps", async () => {
  const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configTICK_TYPE_WIDTH_IN_BITS: 32 });
  const yearTicks = 365 * 24 * 3600 * 1000; // 3.15e10 ticks > 2^32
  const seen: number[] = [];
  rtos.registerInterrupt(1, 5, () => seen.push(rtos.now()));
  rtos.vTaskStartScheduler();
  await rtos.run(yearTicks);
  assert.equal(rtos.now(), yearTicks);
  assert.equal(rtos.xTaskGetTickCount(), yearTicks % 2 ** 32, "the tick count wrapped");
  rtos.triggerInterrupt(1, yearTicks + 0.125);
  rtos.triggerInterrupt(1, yearTicks + 0.25);
  await rtos.run(1);
  assert.deepEqual(seen.map((t) => t - yearTicks), [0.125, 0.25], "events an eighth of a tick apart stay apart after a year");
  assert.equal(rtos.now(), yearTicks + 1, "a whole number of ticks again, exactly");
});

test("16-bit ticks: portMAX_DELAY is 0xffff and timeouts above it wait forever; 64-bit ticks do not wrap", async () => {
  const r16 = createFreeRTOS({ configTICK_TYPE_WIDTH_IN_BITS: 16 });
  assert.equal(r16.portMAX_DELAY, 0xffff);
  const q = r16.xQueueCreate(1, 0)!;
  let result = -1;
  await r16.xTaskCreate(async () => {
    result = await r16.xQueueReceive(q, { value: 0 }, portMAX_DELAY); // 0xffffffff ≥ 0xffff: forever
  }, "w", 128, null, 1);
  r16.vTaskStartScheduler();
  await r16.run(200_000);
  assert.equal(result, -1, "still waiting after three wraps");
  await r16.xQueueSend(q, 1, 0);
  await r16.run(1);
  assert.equal(result, pdPASS);

  const r64 = createFreeRTOS({ configTICK_TYPE_WIDTH_IN_BITS: 64 });
  r64.vTaskStartScheduler();
  await r64.run(2 ** 33);
  assert.equal(r64.xTaskGetTickCount(), 2 ** 33);
});

test("heap accounting: creation fails the FreeRTOS way when the heap is exhausted, calls the malloc-failed hook, and memory comes back on delete", async () => {
  let mallocFailed = 0;
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 4096, vApplicationMallocFailedHook: () => mallocFailed++ });
  const free0 = rtos.xPortGetFreeHeapSize();
  const ref = { value: null as unknown };
  assert.equal(await rtos.xTaskCreate(async () => {}, "big", 2000, null, 1, ref as never), errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY);
  assert.equal(ref.value, null);
  assert.equal(mallocFailed, 1);
  assert.equal(rtos.xPortGetFreeHeapSize(), free0, "a failed creation takes nothing");
  const q = rtos.xQueueCreate(50, 100);
  assert.equal(q, null, "a 5000-byte queue does not fit in a 4096-byte heap");
  assert.equal(mallocFailed, 2);
  const small = rtos.xQueueCreate(4, 4)!;
  const afterQueue = rtos.xPortGetFreeHeapSize();
  assert.ok(afterQueue < free0);
  rtos.vQueueDelete(small);
  assert.equal(rtos.xPortGetFreeHeapSize(), free0);
  assert.ok(rtos.xPortGetMinimumEverFreeHeapSize() <= afterQueue);
});

test("bad input throws TypeError/RangeError saying what was wrong, misuse throws KernelAssertError, and the kernel stays usable", async () => {
  const rtos = createFreeRTOS({ configMAX_PRIORITIES: 5 });
  const q = rtos.xQueueCreate(2, 4)!;
  const errors: string[] = [];
  await rtos.xTaskCreate(async () => {
    const expect = (fn: () => unknown, type: new (...args: never[]) => Error, pattern: RegExp): void => {
      try {
        fn();
        errors.push(`no error for ${pattern}`);
      } catch (e) {
        if (!(e instanceof type)) errors.push(`wrong type ${(e as Error).name} for ${pattern}`);
        else if (!pattern.test((e as Error).message)) errors.push(`message "${(e as Error).message}" does not match ${pattern}`);
      }
    };
    expect(() => rtos.vTaskDelay(-1), RangeError, /vTaskDelay: ticks must be a non-negative integer.*-1/);
    expect(() => rtos.vTaskDelay(Number.NaN), RangeError, /NaN/);
    expect(() => rtos.vTaskDelay("5" as never), TypeError, /must be a number of ticks, got string/);
    expect(() => rtos.xQueueSend(q, new Uint8Array(3), 0), TypeError, /exactly 4 bytes.*got a Uint8Array of 3 bytes/);
    expect(() => rtos.xQueueSend(q, 7, 0), TypeError, /Uint8Array of exactly 4 bytes.*got number/);
    expect(() => rtos.xTaskCreate("not a function" as never, "x", 128, null, 1), TypeError, /task function must be a function, got string/);
    expect(() => rtos.xTaskCreate(async () => {}, "x", 128, null, -1), RangeError, /priority must be a non-negative integer/);
    expect(() => rtos.xTaskCreate(async () => {}, "x", 128, null, 5), KernelAssertError, /xTaskCreate\("x"\) called from task "main": priority 5 is not below configMAX_PRIORITIES \(5\)/);
    expect(() => rtos.vTaskPrioritySet(null, 9), KernelAssertError, /vTaskPrioritySet.*priority 9/);
    expect(() => rtos.xQueueCreate(0, 4), RangeError, /uxQueueLength must be a positive integer, got 0/);
    expect(() => rtos.xSemaphoreCreateCounting(2, 3), RangeError, /uxInitialCount must be an integer in \[0, uxMaxCount=2\]/);
    expect(() => rtos.xQueueOverwrite(q, new Uint8Array(4)), KernelAssertError, /length 1/);
    expect(() => rtos.busy(-0.5), RangeError, /busy: ticks must be a non-negative finite number/);
    // The kernel still works.
    const item = new Uint8Array([1, 2, 3, 4]);
    if ((await rtos.xQueueSend(q, item, 0)) !== pdPASS) errors.push("send failed after errors");
    const got = { value: new Uint8Array(4) };
    if ((await rtos.xQueueReceive(q, got, 0)) !== pdPASS || got.value.join() !== "1,2,3,4") errors.push("receive failed after errors");
    await rtos.vTaskDelay(3);
  }, "main", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(10);
  assert.deepEqual(errors, []);
  assert.throws(() => createFreeRTOS({ configTICK_RATE_HZ: 0 }), /configTICK_RATE_HZ must be an integer in \[1, 1000000\], got 0/);
  assert.throws(() => createFreeRTOS({ bogus: 1 } as never), /unknown kernel config key "bogus"/);
});

test("trace hooks: every switch is traced with a sink attached; none are built without one", async () => {
  const events: TraceEvent[] = [];
  const rtos = createFreeRTOS({});
  const q = rtos.xQueueCreate(1, 0)!;
  await rtos.xTaskCreate(async () => {
    await rtos.xQueueReceive(q, { value: 0 }, portMAX_DELAY);
  }, "rx", 128, null, 2);
  rtos.setTraceSink((e) => events.push(e));
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  await rtos.xQueueSend(q, 1, 0);
  await rtos.run(1);
  const kinds = new Set(events.map((e) => e.kind));
  for (const k of ["scheduler.started", "task.switchedIn", "task.switchedOut", "task.blocked", "task.ready", "queue.send", "queue.receive", "task.deleted"])
    assert.ok(kinds.has(k as TraceEvent["kind"]), `trace has ${k}`);
  assert.throws(() => rtos.setTraceSink(42 as never), TypeError);
});
