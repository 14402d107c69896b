/**
 * The stack model (issue 12, src/kernel/stack.ts): stackUse charges, the high-water mark
 * (uxTaskGetStackHighWaterMark/2) from the peak or from a stack's fill bytes, and
 * configCHECK_FOR_STACK_OVERFLOW methods 1 and 2 (stack_macros.h) with
 * vApplicationStackOverflowHook. Figures: a stack word is 4 bytes, the context frame 17 words
 * (68 bytes), method 2 checks the 16 bytes at the stack's far end. Written lane-neutral (the
 * generator-lane variants of this file run every task as a generator).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createFreeRTOS,
  KernelAssertError,
  portMAX_DELAY,
  pdTRUE,
  type FreeRTOS,
  type FreeRTOSConfig,
  type TaskHandle,
  type TraceEvent,
} from "../../src/freertos/index.js";
import { attachStackView, CONTEXT_FRAME_WORDS, tskSTACK_FILL_BYTE, STACK_CHECK_BYTES, CONTEXT_FRAME_BYTES } from "../../src/kernel/index.js";

const T = { timeout: 10_000 };

/** uxTaskGetStackHighWaterMark by the rule: words never used of `stackDepth`, with `declaredPeak` bytes charged at the most. */
function expectedHwm(stackDepth: number, declaredPeak: number): number {
  return Math.max(0, Math.floor((stackDepth * 4 - CONTEXT_FRAME_WORDS * 4 - declaredPeak) / 4));
}

interface Detection {
  task: TaskHandle;
  name: string;
  tick: number;
}

function kernelWithHook(method: 0 | 1 | 2, extra: FreeRTOSConfig = {}): { rtos: FreeRTOS; detections: Detection[] } {
  const detections: Detection[] = [];
  const rtos: FreeRTOS = createFreeRTOS({
    configCHECK_FOR_STACK_OVERFLOW: method,
    vApplicationStackOverflowHook: (task, name) => void detections.push({ task, name, tick: rtos.xTaskGetTickCount() }),
    ...extra,
  });
  return { rtos, detections };
}

test("the context frame is 17 words (68 bytes) and the fill byte and method 2's check span are FreeRTOS's", () => {
  assert.equal(CONTEXT_FRAME_BYTES, 68);
  assert.equal(tskSTACK_FILL_BYTE, 0xa5);
  assert.equal(STACK_CHECK_BYTES, 16);
});

test("high-water mark: stackDepth - context frame - the peak of the nested charges, in whole words; uxTaskGetStackHighWaterMark2 and the system state agree", T, async () => {
  const rtos = createFreeRTOS();
  const handle = { value: null as TaskHandle | null };
  const marks: number[] = [];
  const mark = (): void => void marks.push(rtos.uxTaskGetStackHighWaterMark(null));
  await rtos.xTaskCreate(async () => {
    mark(); // 100 - 17
    const outer = rtos.stackUse(30);
    mark(); // 98 bytes used: 302 free = 75 words
    const inner = rtos.stackUse(10);
    mark(); // 108 used: 292 free = 73 words
    inner();
    outer();
    mark(); // the peak stays
    await rtos.vTaskDelay(1);
    const again = rtos.stackUse(35); // 103 used: below the peak of 108
    again();
    mark();
    const deeper = rtos.stackUse(41); // 109 used: 291 free = 72.75 words, 72
    deeper();
    mark();
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "meter", 100, null, 1, handle);
  rtos.vTaskStartScheduler();
  assert.equal(rtos.uxTaskGetStackHighWaterMark(handle.value), 83, "before it runs: the context frame only");
  await rtos.run(3);
  assert.deepEqual(marks, [expectedHwm(100, 0), expectedHwm(100, 30), expectedHwm(100, 40), expectedHwm(100, 40), expectedHwm(100, 40), expectedHwm(100, 41)]);
  assert.deepEqual(marks, [83, 75, 73, 73, 73, 72]);
  assert.equal(rtos.uxTaskGetStackHighWaterMark2(handle.value), 72);
  const row = rtos.uxTaskGetSystemState().find((s) => s.name === "meter")!;
  assert.equal(row.stackHighWaterMark, 72);
  assert.match(rtos.vTaskList(), /^meter\s+B\s+1\s+72\s/m);
});

test("the function form charges while fn runs and returns its value; a throw releases the charge and keeps the peak", T, async () => {
  const rtos = createFreeRTOS();
  const seen: unknown[] = [];
  await rtos.xTaskCreate(async () => {
    seen.push(rtos.stackUse(40, () => rtos.uxTaskGetStackHighWaterMark(null)));
    seen.push(rtos.uxTaskGetStackHighWaterMark(null));
    try {
      rtos.stackUse(100, () => {
        throw new Error("deep failure");
      });
    } catch (e) {
      seen.push((e as Error).message);
    }
    seen.push(rtos.uxTaskGetStackHighWaterMark(null));
    // Released: a new outer charge is the innermost again.
    const release = rtos.stackUse(8);
    release();
    // A charge left open by code that threw is unwound with it.
    try {
      rtos.stackUse(12, () => {
        rtos.stackUse(4); // never released
        throw new Error("leaked");
      });
    } catch (e) {
      seen.push((e as Error).message);
    }
    const after = rtos.stackUse(200);
    after();
    seen.push(rtos.uxTaskGetStackHighWaterMark(null));
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "fn", 128, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  // 512-byte stack: 68 + 40 = 108 used -> 101 words; 68 + 100 = 168 -> 86; 68 + 200 = 268 -> 61 (nothing left charged).
  assert.deepEqual(seen, [101, 101, "deep failure", 86, "leaked", 61]);
});

test("a charge held across a blocking call counts while the task is switched out (the kernel call form is released when the call completes)", T, async () => {
  const { rtos, detections } = kernelWithHook(1);
  const marks: number[] = [];
  await rtos.xTaskCreate(async () => {
    await rtos.stackUse(60, () => rtos.vTaskDelay(1)); // 68 + 60 = 128 = the whole stack while it sleeps
    marks.push(rtos.uxTaskGetStackHighWaterMark(null));
    const release = rtos.stackUse(4); // nothing else is held: this is the innermost charge
    release();
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "sleeper", 32, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.deepEqual(marks, [0]);
  assert.deepEqual(detections.map((d) => [d.name, d.tick]), [["sleeper", 0]], "switched out at tick 0 with its stack full");
});

test("method 1 catches a task switched out with its stack full, not one that stays inside; the hook gets the handle and the name, and the task runs on", T, async () => {
  const { rtos, detections } = kernelWithHook(1);
  const over = { value: null as TaskHandle | null };
  let ranOn = false;
  // 32 words = 128 bytes. At switch-out "over" uses 68 + 60 = 128 bytes: its saved stack
  // pointer is at the stack's lowest word (pxTopOfStack <= pxStack). "inside" uses 124.
  await rtos.xTaskCreate(async () => {
    const release = rtos.stackUse(60);
    await rtos.vTaskDelay(1);
    release();
    ranOn = true;
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "over", 32, null, 2, over);
  await rtos.xTaskCreate(async () => {
    const release = rtos.stackUse(56);
    await rtos.vTaskDelay(1);
    release();
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "inside", 32, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  assert.equal(detections.length, 1, "one detection: the switch-out with the stack full");
  assert.equal(detections[0]!.task, over.value);
  assert.equal(detections[0]!.name, "over");
  assert.equal(detections[0]!.tick, 0);
  assert.equal(rtos.kernel.stackOverflows, 1);
  assert.ok(ranOn, "after the hook the task runs on (stopping it is the hook's business)");
});

test("method 2 catches the task that went deep and came back before it was switched out; method 1 does not", T, async () => {
  const results: Record<number, string[]> = {};
  for (const method of [1, 2] as const) {
    const { rtos, detections } = kernelWithHook(method);
    // 32 words = 128 bytes; method 2 checks bytes 0..15. "deep" peaks at 68 + 45 = 113 bytes
    // (byte 15 written) and releases before its first switch-out; "edge" peaks at 68 + 44 = 112
    // (bytes 0..15 untouched). Both then block forever: one switch-out each.
    await rtos.xTaskCreate(async () => {
      rtos.stackUse(45, () => 0);
      for (;;) await rtos.vTaskDelay(portMAX_DELAY);
    }, "deep", 32, null, 2);
    await rtos.xTaskCreate(async () => {
      rtos.stackUse(44, () => 0);
      for (;;) await rtos.vTaskDelay(portMAX_DELAY);
    }, "edge", 32, null, 1);
    rtos.vTaskStartScheduler();
    await rtos.run(3);
    results[method] = detections.map((d) => d.name);
    assert.equal(rtos.kernel.stackOverflows, detections.length);
  }
  assert.deepEqual(results[1], [], "method 1: the stack in use at switch-out was within the stack");
  assert.deepEqual(results[2], ["deep"], "method 2: the peak reached the 16 bytes at the stack's end");
});

test("the hook is called at every switch-out that detects: method 1 once for the switch-out while over, method 2 at each later switch-out too", T, async () => {
  const counts: number[] = [];
  for (const method of [0, 1, 2] as const) {
    const { rtos, detections } = kernelWithHook(method);
    await rtos.xTaskCreate(async () => {
      const release = rtos.stackUse(70); // 138 bytes of a 128-byte stack
      await rtos.vTaskDelay(1); // switch-out 1: over
      release();
      await rtos.vTaskDelay(1); // switch-out 2: within, but the end of the stack was written
      await rtos.vTaskDelay(1); // switch-out 3: the same
      for (;;) await rtos.vTaskDelay(portMAX_DELAY); // switch-out 4
    }, "loop", 32, null, 1);
    rtos.vTaskStartScheduler();
    await rtos.run(5);
    counts.push(detections.length);
    assert.equal(rtos.kernel.stackOverflows, detections.length);
    assert.equal(rtos.uxTaskGetStackHighWaterMark(rtos.xTaskGetHandle("loop")), 0, "the peak passed the stack's end");
  }
  assert.deepEqual(counts, [0, 1, 4]);
});

test("a detection is traced as task.stackOverflow with the task's name and its peak in bytes", T, async () => {
  const { rtos } = kernelWithHook(2);
  const events: TraceEvent[] = [];
  rtos.setTraceSink((e) => {
    if (e.kind === "task.stackOverflow") events.push(e);
  });
  await rtos.xTaskCreate(async () => {
    rtos.stackUse(50, () => 0);
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "tracer", 32, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  assert.deepEqual(events.map((e) => [e.kind, e.task, e.value]), [["task.stackOverflow", "tracer", 118]]);
});

test("a hook that throws ends the run with its error (as a hook that halts), naming the hook", T, async () => {
  const rtos = createFreeRTOS({
    configCHECK_FOR_STACK_OVERFLOW: 1,
    vApplicationStackOverflowHook: (_task, name) => {
      throw new Error(`stack overflow in ${name}`);
    },
  });
  await rtos.xTaskCreate(async () => {
    const release = rtos.stackUse(100);
    await rtos.vTaskDelay(1);
    release();
  }, "crasher", 32, null, 1);
  rtos.vTaskStartScheduler();
  await assert.rejects(rtos.run(5), (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /^stack overflow in crasher \[thrown by the stack overflow hook at tick 0\]$/);
    assert.equal((e as { isrName?: string }).isrName, "stack overflow hook");
    return true;
  });
});

test("with configCHECK_FOR_STACK_OVERFLOW 0 (the default) nothing is checked", T, async () => {
  let called = 0;
  const rtos = createFreeRTOS({ vApplicationStackOverflowHook: () => void called++ });
  assert.equal(rtos.kernel.config.configCHECK_FOR_STACK_OVERFLOW, 0);
  await rtos.xTaskCreate(async () => {
    const release = rtos.stackUse(1000);
    await rtos.vTaskDelay(1);
    release();
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "unchecked", 32, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.equal(called, 0);
  assert.equal(rtos.kernel.stackOverflows, 0);
});

test("releasing twice, out of order or from another task is a KernelAssertError naming the task", T, async () => {
  const rtos = createFreeRTOS();
  const errors: string[] = [];
  const attempt = (fn: () => void): void => {
    try {
      fn();
      errors.push("no error");
    } catch (e) {
      assert.ok(e instanceof KernelAssertError, String(e));
      errors.push(e.message);
    }
  };
  let foreign: (() => void) | null = null;
  await rtos.xTaskCreate(async () => {
    const a = rtos.stackUse(16);
    a();
    attempt(a);
    const outer = rtos.stackUse(32);
    const inner = rtos.stackUse(8);
    attempt(outer);
    inner();
    outer();
    foreign = rtos.stackUse(4);
    await rtos.vTaskDelay(portMAX_DELAY);
  }, "owner", 64, null, 2);
  await rtos.xTaskCreate(async () => {
    attempt(foreign!);
    for (;;) await rtos.vTaskDelay(portMAX_DELAY);
  }, "thief", 64, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  assert.deepEqual(errors, [
    'stackUse release called twice: the charge of 16 bytes of task "owner" was already released',
    'stackUse release out of order in task "owner": the charge of 32 bytes is not the innermost (8 bytes charged after it are still held); release charges innermost first',
    'stackUse release of task "owner" (4 bytes) called from task "thief": release a charge in the task that made it',
  ]);
  assert.throws(() => foreign!(), (e: unknown) => e instanceof KernelAssertError && e.message === 'stackUse release of task "owner" (4 bytes) called from set-up code (outside any task): release a charge in the task that made it');
});

test("stackUse outside a task is a KernelAssertError; bad byte counts are a RangeError or TypeError", () => {
  const rtos = createFreeRTOS();
  assert.throws(() => rtos.stackUse(8), (e: unknown) => e instanceof KernelAssertError && e.message === "stackUse called from set-up code (outside any task): only a task's code runs on a task stack");
  assert.throws(() => rtos.stackUse(0), (e: unknown) => e instanceof RangeError && e.message === "stackUse: bytes must be an integer number of bytes >= 1, got 0");
  assert.throws(() => rtos.stackUse(1.5), RangeError);
  assert.throws(() => rtos.stackUse("8" as unknown as number), (e: unknown) => e instanceof TypeError && e.message === "stackUse: bytes must be a number, got string");
  assert.throws(() => rtos.stackUse(8, 5 as unknown as () => void), (e: unknown) => e instanceof TypeError && e.message === "stackUse(8, fn): fn must be a function, got number");
});

test("from an ISR stackUse charges no task (handlers run on the interrupt stack): the interrupted task's mark is unchanged", T, async () => {
  const { rtos, detections } = kernelWithHook(2);
  const results: unknown[] = [];
  rtos.registerInterrupt(3, 5, () => {
    const release = rtos.stackUse(4000);
    release();
    release(); // the ISR's release does nothing, however often
    results.push(rtos.stackUse(4000, () => "ran"));
  });
  const h = { value: null as TaskHandle | null };
  await rtos.xTaskCreate(async () => {
    rtos.triggerInterrupt(3);
    for (;;) await rtos.vTaskDelay(1);
  }, "victim", 32, null, 1, h);
  rtos.vTaskStartScheduler();
  await rtos.run(3);
  assert.deepEqual(results, ["ran"]);
  assert.equal(rtos.uxTaskGetStackHighWaterMark(h.value), 15);
  assert.deepEqual(detections, []);
});

test("a stack view (board RAM) is filled with 0xa5, the used part is written from the top, and the mark is counted from the bytes", T, async () => {
  const { rtos, detections } = kernelWithHook(2);
  const h = { value: null as TaskHandle | null };
  const marks: number[] = [];
  await rtos.xTaskCreate(async () => {
    const release = rtos.stackUse(20); // 88 bytes used: bytes 40..127
    release();
    marks.push(rtos.uxTaskGetStackHighWaterMark(null));
    await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY); // switch-out 1
    marks.push(rtos.uxTaskGetStackHighWaterMark(null));
    for (;;) await rtos.ulTaskNotifyTake(pdTRUE, portMAX_DELAY); // switch-out 2
  }, "board", 32, null, 1, h);
  const view = new Uint8Array(128);
  attachStackView(h.value!, view);
  assert.equal(h.value!.stackView, view);
  // Fresh: 128 - 68 = 60 fill bytes at the low end, the context frame above them.
  assert.ok(view.subarray(0, 60).every((b) => b === 0xa5));
  assert.ok(view.subarray(60).every((b) => b !== 0xa5));
  assert.equal(rtos.uxTaskGetStackHighWaterMark(h.value), 15);
  rtos.vTaskStartScheduler();
  await rtos.run(1);
  assert.ok(view.subarray(0, 40).every((b) => b === 0xa5));
  assert.ok(view.subarray(40).every((b) => b !== 0xa5));
  assert.deepEqual(marks, [10]);
  assert.equal(detections.length, 0);
  // A stray write by other code at byte 3 of the stack's end: the mark counts 3 fill bytes (0
  // words), and method 2 reads it at the task's next switch-out.
  view[3] = 0x00;
  assert.equal(rtos.uxTaskGetStackHighWaterMark(h.value), 0);
  await rtos.xTaskNotifyGive(h.value!);
  await rtos.run(1);
  assert.deepEqual(marks, [10, 0]);
  assert.deepEqual(detections.map((d) => d.name), ["board"]);
});

test("a stack view of the wrong size or type is refused, naming the task", () => {
  const rtos = createFreeRTOS();
  const h = { value: null as TaskHandle | null };
  void rtos.xTaskCreate(async () => {}, "sized", 32, null, 1, h);
  assert.throws(() => attachStackView(h.value!, new Uint8Array(64)), (e: unknown) => e instanceof RangeError && e.message === 'task "sized": its stack view must be 128 bytes (stackDepth 32 words of 4 bytes), got 64');
  assert.throws(() => attachStackView(h.value!, [] as unknown as Uint8Array), TypeError);
  assert.equal(h.value!.stackView, null);
});

test("config: configCHECK_FOR_STACK_OVERFLOW is 0, 1 or 2 and the hook a function; a stack smaller than the context frame names the task and the rule", () => {
  assert.throws(() => createFreeRTOS({ configCHECK_FOR_STACK_OVERFLOW: 3 as 2 }), (e: unknown) => e instanceof RangeError && e.message === "configCHECK_FOR_STACK_OVERFLOW must be 0, 1 or 2 (stack overflow checking method), got 3");
  assert.throws(() => createFreeRTOS({ vApplicationStackOverflowHook: 1 as unknown as null }), (e: unknown) => e instanceof TypeError && e.message === "vApplicationStackOverflowHook must be a function, got number");
  const rtos = createFreeRTOS();
  assert.throws(
    () => rtos.xTaskCreate(async () => {}, "tiny", 16, null, 1),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message === 'xTaskCreate("tiny"): stackDepth must be an integer number of words >= 17, got 16: a task\'s stack must hold at least its context frame (17 words, saved at every switch)',
  );
  assert.equal(rtos.uxTaskGetNumberOfTasks(), 0, "nothing created");
});

test("a task that overflows and returns is checked at its last switch-out (method 2)", T, async () => {
  const { rtos, detections } = kernelWithHook(2);
  await rtos.xTaskCreate(async () => {
    rtos.stackUse(100, () => 0);
  }, "returner", 32, null, 1);
  rtos.vTaskStartScheduler();
  await rtos.run(2);
  assert.deepEqual(detections.map((d) => d.name), ["returner"]);
});
