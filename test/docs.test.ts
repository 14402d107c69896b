/**
 * Docs that hold: the README's two code examples are the bodies of examples/readme/*.ts
 * (compiled with the project), shown verbatim, and they produce what the README says they do;
 * every relative link in the README and docs/ leads to a file of the repository; a user's project
 * with the tsconfig settings the README asks for type-checks against the built package; the
 * README's board run of blinky prints exactly the output the README shows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = new URL("../../", import.meta.url);
const rootPath = fileURLToPath(root);

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

test("README shows the two-lanes example verbatim, both sides, and they do the same: same log, same sum", async () => {
  for (const side of ["lane-async", "lane-gen"]) assert.ok(readme.includes("```ts\n" + region(`examples/readme/${side}.ts`) + "```"), `README's two-lanes example matches examples/readme/${side}.ts`);
  const asyncSide = (await import("../examples/readme/lane-async.js")) as { log: string[]; sum: number };
  const genSide = (await import("../examples/readme/lane-gen.js")) as { log: string[]; sum: number };
  assert.deepEqual(asyncSide.log, ["7 at 0.5", "8 at 1", "9 at 1.5"]);
  assert.equal(asyncSide.sum, 12);
  assert.deepEqual(genSide.log, asyncSide.log);
  assert.equal(genSide.sum, asyncSide.sum);
});

/** Relative link targets of a markdown file: [text](target) and <a href>, without #fragments. */
function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const targets = [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...withoutCode.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith("#")).map((t) => decodeURI(t.split("#")[0]!));
}

test("every relative link in README.md and docs/*.md leads to a file in the repository", () => {
  const files = ["README.md", ...readdirSync(join(rootPath, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  assert.ok(files.includes("docs/scheduling-rules.md"));
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const target of relativeLinks(readFileSync(join(rootPath, file), "utf8"))) {
      checked++;
      const path = join(rootPath, dirname(file), target);
      // In the repository: not outside it, and not generated (docs/api/ is built by npm run docs).
      const tracked = spawnSync("git", ["ls-files", "--error-unmatch", path], { cwd: rootPath, encoding: "utf8" });
      if (!path.startsWith(rootPath) || !existsSync(path) || tracked.status !== 0) broken.push(`${file}: ${target}`);
    }
  }
  assert.ok(checked >= 5, `links found: ${checked}`);
  assert.deepEqual(broken, []);
});

test("the link check finds links and rejects one that leads outside the repository", () => {
  assert.deepEqual(relativeLinks("see [rules](docs/scheduling-rules.md#rule-30), [x](https://example.com), `[no](code.md)`"), ["docs/scheduling-rules.md"]);
  assert.deepEqual(relativeLinks('[API](../shared/API.md) <a href="docs/api/index.html">'), ["../shared/API.md", "docs/api/index.html"]);
});

test("the README names no file outside the repository (API.md, DESIGN.md, shared/spec)", () => {
  for (const name of ["API.md", "DESIGN.md", "shared/spec", "freertos-rules.md"]) assert.ok(!readme.includes(name), `README mentions ${name}`);
});

/**
 * Type-checks examples/consumer (its own package.json and tsconfig.json) as a user's project
 * would be: in a temp dir whose node_modules/tinyrtos is the repository itself, so the package's
 * exports map and dist/src/*.d.ts are what is checked. Extra tsc arguments override the tsconfig.
 */
function typeCheckConsumer(...tscArgs: string[]): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-consumer-"));
  try {
    for (const file of readdirSync(join(rootPath, "examples/consumer"))) copyFileSync(join(rootPath, "examples/consumer", file), join(dir, file));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(rootPath, join(dir, "node_modules/tinyrtos"), "dir");
    const tsc = join(rootPath, "node_modules/typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json"), ...tscArgs], { encoding: "utf8" });
    return { status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("examples/consumer: a project with the README's tsconfig settings type-checks against the built package", () => {
  const tsconfig = readFileSync(join(rootPath, "examples/consumer/tsconfig.json"), "utf8");
  // No DOM and no Node types: the package's declarations must not need them.
  for (const setting of [/"module": "nodenext"/, /"moduleResolution": "nodenext"/, /"target": "ES2022"/, /"strict": true/, /"lib": \["ES2022"\]/, /"types": \[\]/]) assert.match(tsconfig, setting);
  assert.ok(readme.includes("```json\n" + tsconfig + "```"), "README shows examples/consumer/tsconfig.json verbatim");
  const source = readFileSync(join(rootPath, "examples/consumer/main.ts"), "utf8");
  for (const specifier of ['"tinyrtos"', '"tinyrtos/freertos"', '"tinyrtos/go"']) assert.ok(source.includes(`from ${specifier}`), specifier);
  const r = typeCheckConsumer();
  assert.equal(r.status, 0, r.output);
});

test("examples/consumer: without nodenext resolution the subpath exports cannot be resolved (why the README asks for it)", () => {
  const r = typeCheckConsumer("--module", "commonjs", "--moduleResolution", "node10");
  assert.notEqual(r.status, 0);
  assert.match(r.output, /Cannot find module 'tinyrtos\/freertos'/);
});

test("README: the blinky board run prints exactly the output the README shows, and writes the trace it names", () => {
  const command = /```sh\nnpm run build && node dist\/src\/cli\/main\.js (run dist\/examples\/blinky\.js [^\n]*)\n```\n\n```\n([\s\S]*?)```/.exec(readme);
  assert.ok(command !== null, "README shows the blinky command and its output");
  const args = command[1]!.split(" ");
  args[1] = join(rootPath, args[1]!); // the module, from the repository root
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-readme-"));
  try {
    const r = spawnSync(process.execPath, [join(rootPath, "dist/src/cli/main.js"), ...args], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.replace(/\r\n/g, "\n"), command[2]); // the UART's lines end in CR LF
    const trace = JSON.parse(readFileSync(join(dir, "blinky.json"), "utf8")) as { traceEvents: unknown[] };
    assert.ok(trace.traceEvents.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
