/**
 * The playground's simulation core in Node: dist/playground/session.js, the very file the page's
 * Web Worker imports. Each example of the menu runs as the page runs it; slicing and tracing
 * change nothing in a run (the session's Perfetto trace equals recordPerfetto's on a plain
 * board.run); errors are reported with their task or goroutine; recorded inputs replay.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard } from "../../src/hal/index.js";
import { recordPerfetto } from "../../src/trace/index.js";
import * as blinky from "../../examples/blinky.js";
import * as shell from "../../examples/uart-shell.js";
import { example, examples, loadSession, type ProgramSpec } from "./helpers.js";

test("the examples menu is generated from the repository's example files, imports rewritten to tinyrtos entry points", () => {
  const list = examples();
  assert.deepEqual(
    list.map((e) => e.id),
    ["freertos-style", "go-style", "blinky", "uart-shell", "coroutines-1024"],
  );
  for (const e of list) {
    assert.doesNotMatch(e.source, /from\s+["']\.\.?\//, `${e.id} still imports a relative path`);
    assert.match(e.source, /from "tinyrtos(\/[a-z]+)?"/, e.id);
  }
  assert.match(example("blinky").source, /import \{ go, IsrSignal, sleep \} from "tinyrtos\/go";/);
});

test("each example runs in Node as the page runs it: console, UART and status", async () => {
  const { runHeadless } = await loadSession();
  const freertos = await runHeadless({ source: example("freertos-style").source, seed: 1, board: null });
  assert.equal(freertos.status, "finished");
  assert.equal(freertos.tick, 100);
  assert.match(freertos.console, /tick 10: reading 0\ntick 20: reading 1\n/);
  assert.match(freertos.console, /tick 90: reading 8\n/);
  assert.match(freertos.console, /logger\s+\tB\t1\t/);

  const goStyle = await runHeadless({ source: example("go-style").source, seed: 1, board: null });
  assert.equal(goStyle.status, "finished");
  assert.equal(goStyle.console, "10\n");

  const led = await runHeadless({ source: example("blinky").source, seed: 1, board: "nrf52840", stopAtTick: 1000 });
  assert.equal(led.status, "paused");
  assert.equal(led.tick, 1000);
  assert.equal(led.uart, "heartbeat 1 at 500 ticks: led off, presses 2\r\n");
  assert.deepEqual(led.errors, []);

  const sh = await runHeadless({ source: example("uart-shell").source, seed: 1, board: "stm32h743", stopAtTick: 300 });
  assert.match(sh.uart, /^tinyrtos shell on stm32h743, type help\r\n> help\r\nhelp {10}this text\r\n/);
  assert.match(sh.uart, /> led on\r\nled on\r\n/);
  assert.match(sh.uart, /error: unknown command "reboot"/);
});

test("the 1024-coroutine experiment runs in the playground's script mode (argv --seed from the session)", async () => {
  const { runHeadless } = await loadSession();
  const r = await runHeadless({ source: example("coroutines-1024").source, seed: 1, board: null });
  assert.equal(r.status, "finished", JSON.stringify(r.errors));
  assert.match(r.console, /stacks at 0x24000000 \(AXI SRAM\); seed 1, 100 activations per coroutine/);
  assert.match(r.console, /^\s+1024\s+16\s+102332\s/m);
});

test("a board run in the session traces byte for byte like recordPerfetto on a plain board.run (slices and the timeline change nothing)", async () => {
  const { runHeadless } = await loadSession();
  for (const [id, mod, board, ticks] of [["blinky", blinky, "nrf52840", 1000], ["uart-shell", shell, "stm32h743", 400]] as const) {
    const plain = createBoard(board, { seed: 3, firmware: mod.main });
    const rec = recordPerfetto(plain.rtos, { processName: board, maxEvents: 250_000 });
    mod.world(plain);
    await plain.run(ticks);
    const r = await runHeadless({ source: example(id).source, seed: 3, board, stopAtTick: ticks });
    assert.equal(r.tick, ticks);
    assert.ok(r.trace === rec.json(), `${id}: the session's trace differs from a plain run's`);
  }
});

test("a script steps one tick at a time to the same trace as a free run", async () => {
  const session = (await loadSession()) as unknown as {
    Session: new (o: { post: (m: { type: string; status?: string; tick?: number; reason?: string }) => void }) => {
      load(spec: ProgramSpec): void;
      step(n: number): void;
      traceJson(): string;
      dispose(): void;
    };
    runHeadless: (spec: ProgramSpec) => Promise<{ trace: string }>;
  };
  const spec: ProgramSpec = { source: example("freertos-style").source, seed: 5, board: null };
  const free = await session.runHeadless(spec);
  let status = "";
  let tick = 0;
  let wake: () => void = () => {};
  const s = new session.Session({
    post: (m) => {
      if (m.type !== "state") return;
      status = m.status!;
      tick = m.tick!;
      wake();
    },
  });
  s.load(spec);
  for (let i = 0; i < 200 && status !== "finished"; i++) {
    const next = new Promise<void>((r) => (wake = r));
    s.step(1);
    await next;
    assert.ok(tick <= i + 1, `step ${i + 1} reached tick ${tick}`);
  }
  assert.equal(status, "finished");
  assert.ok(s.traceJson() === free.trace, "stepped trace differs from the free run's");
  s.dispose();
});

test("faults are reported with their kind, task or goroutine and message", async () => {
  const { runHeadless } = await loadSession();
  const deadlock = await runHeadless({
    source: `import { run, chan, go } from "tinyrtos/go";\nawait run(async () => {\n  const c = chan<number>();\n  go(async () => { await c.recv(); }, { name: "waiter" });\n  await c.recv();\n});\n`,
    seed: 1,
    board: null,
  });
  assert.equal(deadlock.status, "failed");
  assert.equal(deadlock.errors.length, 1);
  assert.equal(deadlock.errors[0]!.kind, "deadlock");
  assert.match(deadlock.errors[0]!.message, /all goroutines are asleep - deadlock!/);
  assert.match(deadlock.errors[0]!.message, /"waiter" \(priority 1\) \[chan receive/);

  const panic = await runHeadless({
    source: `import { run, chan, go, sleep } from "tinyrtos/go";\nawait run(async () => {\n  const c = chan<number>(1);\n  go(async () => { c.close(); c.close(); }, { name: "closer" });\n  await sleep(5);\n});\n`,
    seed: 1,
    board: null,
  });
  assert.equal(panic.status, "failed");
  assert.deepEqual(
    panic.errors.map((e) => [e.kind, e.name, e.message, e.task]),
    [["panic", "GoPanic", "close of closed channel", "closer"]],
  );

  const assertion = await runHeadless({
    source: `import { createFreeRTOS } from "tinyrtos/freertos";\nconst rtos = createFreeRTOS();\nconst q = rtos.xQueueCreate(1, 0)!;\nawait rtos.xTaskCreate(async () => {\n  rtos.vTaskSuspendAll();\n  await rtos.xQueueReceive(q, { value: 0 }, 10);\n}, "locker", 256, null, 1);\nrtos.vTaskStartScheduler();\nawait rtos.run(10);\n`,
    seed: 1,
    board: null,
  });
  assert.equal(assertion.status, "failed");
  assert.equal(assertion.errors[0]!.kind, "assert");
  assert.equal(assertion.errors[0]!.name, "KernelAssertError");
  assert.equal(assertion.errors[0]!.task, "locker");

  const compileError = await runHeadless({ source: "const x: number = ;\n", seed: 1, board: null });
  assert.equal(compileError.status, "failed");
  assert.equal(compileError.errors[0]!.kind, "compile");

  const boardFault = await runHeadless({
    source: `import type { Board } from "tinyrtos/hal";\nexport async function main(board: Board) {\n  await board.rtos.xTaskCreate(async () => { await board.rtos.vTaskDelay(5); throw new Error("sensor gone"); }, "reader", 256, null, 2);\n}\n`,
    seed: 1,
    board: "esp32c3",
    stopAtTick: 50,
  });
  assert.equal(boardFault.status, "paused");
  assert.deepEqual(
    boardFault.errors.map((e) => [e.kind, e.message, e.task]),
    [["error", "sensor gone", "reader"]],
  );
});

test("recorded inputs replay at their ticks: a button press held by the session, a line typed into UART 0", async () => {
  const { runHeadless, MIN_PRESS_TICKS } = await loadSession();
  const pressed = await runHeadless({
    source: example("blinky").source,
    seed: 1,
    board: "nrf52840",
    stopAtTick: 1600,
    inputs: [
      { tick: 1001, kind: "button", down: true },
      { tick: 1001 + MIN_PRESS_TICKS, kind: "button", down: false },
    ],
  });
  assert.match(pressed.uart, /heartbeat 3 at 1500 ticks: led off, presses 4\r\n/);
  const typed = await runHeadless({ source: example("uart-shell").source, seed: 1, board: "stm32h743", stopAtTick: 500, inputs: [{ tick: 400, kind: "uart", text: "led on\r" }] });
  assert.match(typed.uart, /> led on\r\nled on\r\n> $/);
});

test("the session's seed reaches every kernel the program makes, in place of the program's own", async () => {
  const { runHeadless } = await loadSession();
  const r = await runHeadless({
    source: `import { createFreeRTOS } from "tinyrtos/freertos";\nimport { createBoard } from "tinyrtos/hal";\nconsole.log(createFreeRTOS({ seed: 3 }).kernel.config.seed, createBoard("nrf52840", { seed: 4, firmware: () => {} }).rtos.kernel.config.seed);\n`,
    seed: 42,
    board: null,
  });
  assert.equal(r.console, "42 42\n");
});
