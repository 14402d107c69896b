/**
 * scripts/gen-lane.mjs, the source transform behind the lane variants (dist/test-gen,
 * dist/test-mixed): a fixture program transformed in each mode really runs its tasks in the
 * generator lane (all of them, or every second one), with the same result as the original;
 * what drives the kernel stays async; test names carry the lane. Without this, a transform
 * that left every task async would make the parity variants pass vacuously.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

type Transform = (text: string, fileName: string, mode: "gen" | "mixed", runtimeImport: string, fileKey: string) => { text: string; duals: number };

const root = fileURLToPath(new URL("../../../", import.meta.url));
const freertos = pathToFileURL(join(root, "dist/src/freertos/index.js")).href;
const runtime = pathToFileURL(join(root, "scripts/lane-runtime.mjs")).href;

// Tasks through a helper (awaited from task code and from the set-up), a forwarder, a timer callback.
const fixture = `import { createFreeRTOS, pdTRUE } from ${JSON.stringify(freertos)};
async function settle(rtos, n) {
  await rtos.vTaskDelay(n);
  return n;
}
const spawn = (rtos, name, body) => rtos.xTaskCreate(body, name, 128, null, 1, null);
export async function main() {
  const rtos = createFreeRTOS({ configMAX_PRIORITIES: 4 });
  const log = [];
  for (const name of ["A", "B", "C", "D"]) {
    await spawn(rtos, name, async () => {
      log.push(name + (await settle(rtos, 1)) + "@" + rtos.xTaskGetTickCount());
      await rtos.vTaskSuspend(null);
    });
  }
  const timer = rtos.xTimerCreate("T", 2, pdTRUE, null, async () => { log.push("timer@" + rtos.xTaskGetTickCount()); });
  await rtos.xTimerStart(timer, 0);
  rtos.vTaskStartScheduler();
  await rtos.run(5);
  const gen = rtos.kernel.tasks().filter((t) => t.gen !== null).map((t) => t.name);
  return { log, gen };
}
`;

async function load(dir: string, name: string, text: string): Promise<{ main: () => Promise<{ log: string[]; gen: string[] }> }> {
  const file = join(dir, name);
  writeFileSync(file, text);
  return (await import(pathToFileURL(file).href)) as { main: () => Promise<{ log: string[]; gen: string[] }> };
}

test("gen-lane: the transformed fixture runs every task (gen) or every second task (mixed) as a generator, with the original's result", async () => {
  const { transform } = (await import(pathToFileURL(join(root, "scripts/gen-lane.mjs")).href)) as { transform: Transform };
  const dir = mkdtempSync(join(tmpdir(), "gen-lane-fixture-"));
  try {
    const original = await (await load(dir, "original.js", fixture)).main();
    assert.deepEqual(original.gen, [], "the original's tasks are async");
    assert.deepEqual(original.log, ["A1@1", "B1@1", "C1@1", "D1@1", "timer@2", "timer@4"]);

    const named = `import { test } from "node:test";\ntest("fixture test", async () => {});\n`;
    assert.match(transform(named, "named.js", "gen", runtime, "named.js").text, /"fixture test" \+ " \[gen\]"/, "test names carry the lane");
    assert.match(transform(named, "named.js", "mixed", runtime, "named.js").text, /"fixture test" \+ " \[mixed\]"/);
    const gen = transform(fixture, "fixture.js", "gen", runtime, "fixture.js");
    assert.match(gen.text, /async function main\b/, "main drives the kernel (.run): it stays async");
    const g = await (await load(dir, "gen.js", gen.text)).main();
    assert.deepEqual(g.gen, ["A", "B", "C", "D"], "every task is a generator task");
    assert.deepEqual(g.log, original.log, "same result as the original");

    const mixed = transform(fixture, "fixture.js", "mixed", runtime, "fixture.js");
    const m = await (await load(dir, "mixed.js", mixed.text)).main();
    assert.equal(m.gen.length, 2, `every second task is a generator task (got ${JSON.stringify(m.gen)})`);
    assert.deepEqual(m.log, original.log, "same result as the original");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
