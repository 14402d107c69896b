/**
 * The package's public surface, pinned: the runtime export names of `tinyrtos`,
 * `tinyrtos/freertos`, `tinyrtos/go`, `tinyrtos/hal`, `tinyrtos/mem`, `tinyrtos/trace` and `tinyrtos/ota` (the built modules), the type-only export names of
 * their emitted declarations, and the members of `Kernel` a user sees (after stripInternal).
 * It is compared with test/package/public-surface.txt: a change to the surface must update that
 * list (run with UPDATE_PUBLIC_SURFACE=1 to rewrite it), so every change is seen in review.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const rootPath = fileURLToPath(new URL("../../../", import.meta.url));
const listPath = `${rootPath}test/package/public-surface.txt`;
const entries: Array<[string, string]> = [
  ["tinyrtos", "dist/src/index"],
  ["tinyrtos/freertos", "dist/src/freertos/index"],
  ["tinyrtos/go", "dist/src/go/index"],
  ["tinyrtos/hal", "dist/src/hal/index"],
  ["tinyrtos/mem", "dist/src/mem/index"],
  ["tinyrtos/trace", "dist/src/trace/index"],
  ["tinyrtos/ota", "dist/src/ota/index"],
];

async function surface(): Promise<string[]> {
  const lines: string[] = [];
  const program = ts.createProgram(
    entries.map(([, path]) => `${rootPath}${path}.d.ts`),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [], lib: ["lib.es2022.d.ts"], noEmit: true },
  );
  const checker = program.getTypeChecker();
  for (const [name, path] of entries) {
    const runtime = new Set(Object.keys((await import(`${rootPath}${path}.js`)) as object));
    for (const key of [...runtime].sort()) lines.push(`${name}: ${key}`);
    const file = program.getSourceFile(`${rootPath}${path}.d.ts`)!;
    const declared = checker.getExportsOfModule(checker.getSymbolAtLocation(file)!).map((s) => s.name);
    for (const key of declared.filter((n) => !runtime.has(n)).sort()) lines.push(`${name} (type): ${key}`);
  }
  const kernelFile = program.getSourceFile(`${rootPath}dist/src/kernel/kernel.d.ts`)!;
  const kernelSymbol = checker.getExportsOfModule(checker.getSymbolAtLocation(kernelFile)!).find((s) => s.name === "Kernel")!;
  const instance = checker.getDeclaredTypeOfSymbol(kernelSymbol);
  for (const member of checker.getPropertiesOfType(instance).map((s) => s.name).sort()) lines.push(`Kernel: ${member}`);
  return lines;
}

test("the public surface is the committed list (test/package/public-surface.txt)", async () => {
  const actual = await surface();
  if (process.env.UPDATE_PUBLIC_SURFACE === "1") writeFileSync(listPath, actual.join("\n") + "\n");
  const expected = readFileSync(listPath, "utf8").split("\n").filter((l) => l !== "");
  const added = actual.filter((l) => !expected.includes(l));
  const removed = expected.filter((l) => !actual.includes(l));
  assert.deepEqual(
    { added, removed },
    { added: [], removed: [] },
    "the public surface changed: review it, then update test/package/public-surface.txt (UPDATE_PUBLIC_SURFACE=1 npm test -- public-surface)",
  );
});

test("no root export leaks kernel internals", async () => {
  const root = Object.keys((await import(`${rootPath}dist/src/index.js`)) as object);
  for (const name of ["settled", "ResumeWithError", "EventList", "Task", "mutexHandOff", "timerStartNow", "queueSend", "park", "createTask", "Prng", "HeapAccount"])
    assert.ok(!root.includes(name), `tinyrtos exports ${name}`);
  assert.ok(root.includes("Kernel") && root.includes("createFreeRTOS") && root.includes("KernelAssertError"));
});
