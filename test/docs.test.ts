/**
 * Doc examples run as tests: the README's two code examples are the bodies of
 * examples/readme/*.ts (compiled with the project), shown verbatim, and they produce what the
 * README says they do.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);

function region(path: string): string {
  const text = readFileSync(new URL(path, root), "utf8");
  const begin = text.indexOf("// README:begin\n");
  const end = text.indexOf("// README:end");
  assert.ok(begin >= 0 && end > begin, `${path} marks its README region`);
  return text.slice(begin + "// README:begin\n".length, end);
}

const readme = readFileSync(new URL("README.md", root), "utf8");

test("README shows the FreeRTOS-style example verbatim, and it runs: one reading every 10 ticks, logged under the mutex", async () => {
  assert.ok(readme.includes("```ts\n" + region("examples/readme/freertos-style.ts") + "```"), "README's FreeRTOS example matches examples/readme/freertos-style.ts");
  const { lines, rtos } = (await import("../examples/readme/freertos-style.js")) as { lines: string[]; rtos: { xTaskGetTickCount(): number } };
  assert.deepEqual(lines, Array.from({ length: 9 }, (_, i) => `tick ${10 * (i + 1)}: reading ${i}`));
  assert.equal(rtos.xTaskGetTickCount(), 100);
});

test("README shows the Go-style example verbatim, and it returns 10", async () => {
  assert.ok(readme.includes("```ts\n" + region("examples/readme/go-style.ts") + "```"), "README's Go example matches examples/readme/go-style.ts");
  const { total } = (await import("../examples/readme/go-style.js")) as { total: number };
  assert.equal(total, 10);
});
