/** The command line: version, help, running a firmware module, and clear errors for bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const cliSource = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const demo = fileURLToPath(new URL("../examples/demo-firmware.js", import.meta.url));
const freertos = new URL("../src/freertos/index.js", import.meta.url).href;
const goModule = new URL("../src/go/index.js", import.meta.url).href;
const tinyrtos = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

/** Fixture modules in a fresh temp dir, removed after the test. */
function withModules(files: Record<string, string>, body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-cli-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The error is one line on stderr, with no Node stack trace. */
function assertOneLine(stderr: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
}

test("cli: version and help", () => {
  const version = tinyrtos("version");
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^tinyrtos \d+\.\d+\.\d+\n$/);
  const help = tinyrtos("help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: tinyrtos <command>/);
  assert.match(help.stdout, /exit codes: 0 .*, 1 firmware fault/);
});

test("cli: the header comment lists exactly the commands the usage text lists, and each exists", () => {
  const source = readFileSync(cliSource, "utf8");
  const header = source.slice(0, source.indexOf("*/"));
  const headerCommands = [...header.matchAll(/^ \*\s+tinyrtos (\w+)/gm)].map((m) => m[1]!).sort();
  const usageText = tinyrtos("help").stdout;
  const usageCommands = [...usageText.slice(usageText.indexOf("commands:")).matchAll(/^  (\w+)/gm)].map((m) => m[1]!).sort();
  assert.deepEqual(headerCommands, ["help", "run", "version"]);
  assert.deepEqual(usageCommands, headerCommands);
  for (const command of headerCommands) assert.doesNotMatch(tinyrtos(command).stderr, /unknown command/);
  // Every option the header names is accepted by run.
  for (const option of header.matchAll(/--[a-z-]+/g)) assert.match(usageText, new RegExp(option[0]));
});

test("cli: run executes a firmware module's main for the given ticks", () => {
  const r = tinyrtos("run", demo, "--ticks", "300");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /300 ticks at 1000 Hz/);
  assert.match(r.stdout, /IDLE/);
});

test("cli: run passes --ticks and --max-ticks to main as runTicks and maxTicks, and nothing not given", () => {
  withModules({ "echo.mjs": "export function main(options) { console.log(JSON.stringify(options)); }\n" }, (dir) => {
    const both = tinyrtos("run", join(dir, "echo.mjs"), "--ticks", "5", "--max-ticks", "70");
    assert.equal(both.status, 0, both.stderr);
    assert.deepEqual(JSON.parse(both.stdout), { runTicks: 5, maxTicks: 70 });
    const none = tinyrtos("run", join(dir, "echo.mjs"));
    assert.deepEqual(JSON.parse(none.stdout), {});
    const bad = tinyrtos("run", join(dir, "echo.mjs"), "--max-ticks", "1.5");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^tinyrtos: run: --max-ticks needs a non-negative integer, got 1\.5\n/);
  });
});

test("cli: bad input gets a clear error and exit code 2", () => {
  const unknown = tinyrtos("bogus");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "bogus"/);
  const badTicks = tinyrtos("run", demo, "--ticks", "-1");
  assert.equal(badTicks.status, 2);
  assert.match(badTicks.stderr, /--ticks needs a non-negative integer/);
  const missing = tinyrtos("run");
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing the module/);
  const unknownOption = tinyrtos("run", demo, "--trace");
  assert.equal(unknownOption.status, 2);
  assert.match(unknownOption.stderr, /unknown option --trace/);
});

test("cli: a module that cannot be loaded is one line on stderr and exit code 2", () => {
  withModules(
    {
      "app.ts": "export const periodTicks: number = 10;\nexport function main(): void {}\n",
      "broken.mjs": "export const a = 1;\nexport function main( {\n",
      "needs-dep.mjs": 'import "no-such-package-for-tinyrtos";\nexport function main() {}\n',
      "no-main.mjs": "export const x = 1;\n",
    },
    (dir) => {
      const ts = tinyrtos("run", join(dir, "app.ts"));
      assert.equal(ts.status, 2);
      assertOneLine(ts.stderr);
      assert.match(ts.stderr, /cannot load .*app\.ts: .*build it \(tsc\) and run the \.js .*or write the module as \.js\/\.mjs/);

      const absent = tinyrtos("run", join(dir, "absent.js"));
      assert.equal(absent.status, 2);
      assertOneLine(absent.stderr);
      assert.match(absent.stderr, /^tinyrtos: run: no such file: .*absent\.js\n$/);

      const syntax = tinyrtos("run", join(dir, "broken.mjs"));
      assert.equal(syntax.status, 2);
      assertOneLine(syntax.stderr);
      assert.match(syntax.stderr, /cannot load .*broken\.mjs: SyntaxError: .* at .*broken\.mjs:\d+\n$/);

      const dep = tinyrtos("run", join(dir, "needs-dep.mjs"));
      assert.equal(dep.status, 2);
      assertOneLine(dep.stderr);
      assert.match(dep.stderr, /cannot load .*needs-dep\.mjs: Error: Cannot find package 'no-such-package-for-tinyrtos'/);

      const noMain = tinyrtos("run", join(dir, "no-main.mjs"));
      assert.equal(noMain.status, 2);
      assertOneLine(noMain.stderr);
      assert.match(noMain.stderr, /no-main\.mjs exports no main\(\) function/);
    },
  );
});

test("cli: a firmware fault names the task and the tick, shows where it was thrown, and exits with 1", () => {
  const firmware = `import { createFreeRTOS } from ${JSON.stringify(freertos)};
export async function main({ runTicks = 100 }) {
  const rtos = createFreeRTOS({});
  await rtos.xTaskCreate(async () => {
    await rtos.vTaskDelay(40);
    await rtos.busy(0.5);
    throw new RangeError("sensor out of range");
  }, "Sensor", 128, null, 2);
  rtos.vTaskStartScheduler();
  await rtos.run(runTicks);
  console.log("not reached");
}
`;
  withModules({ "fault.mjs": firmware }, (dir) => {
    const r = tinyrtos("run", join(dir, "fault.mjs"));
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    const [first, ...frames] = r.stderr.trimEnd().split("\n");
    assert.equal(first, 'tinyrtos: firmware fault in task "Sensor" at tick 40.5: RangeError: sensor out of range');
    assert.match(frames[0] ?? "", /^\s+at .*fault\.mjs:7:/);
  });
});

test("cli: a Go-style main that passes --max-ticks on stops at the limit with exit code 3 and the waits", () => {
  const ticking = `import { run, chan } from ${JSON.stringify(goModule)};
import { createFreeRTOS } from ${JSON.stringify(freertos)};
export async function main({ maxTicks }) {
  const rtos = createFreeRTOS({});
  await rtos.xTaskCreate(async () => { for (;;) await rtos.vTaskDelay(1); }, "blinker", 128, null, 1);
  await run(async () => { await chan().recv(); }, { rtos, maxTicks });
}
`;
  const stuck = `import { run, chan } from ${JSON.stringify(goModule)};
export async function main({ maxTicks }) {
  await run(async () => { await chan().recv(); }, { maxTicks });
}
`;
  withModules({ "ticking.mjs": ticking, "stuck.mjs": stuck }, (dir) => {
    const r = tinyrtos("run", join(dir, "ticking.mjs"), "--max-ticks", "50");
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^tinyrtos: run limit reached: run: 50 ticks \(maxTicks\) passed/);
    assert.match(r.stderr, /chan receive/);
    assert.match(r.stderr, /blinker/);
    // Without a ticking task the same program is a deadlock: a fault, not a limit.
    const dead = tinyrtos("run", join(dir, "stuck.mjs"), "--max-ticks", "50");
    assert.equal(dead.status, 1, dead.stderr);
    assert.match(dead.stderr, /deadlock/);
  });
});
