/**
 * scripts/run-tests.mjs, run on fixture test files written to a temporary directory: a test that
 * livelocks, one that never yields to the event loop, a file and a suite that run too long each end
 * the run with a failure naming the test; a compiled test whose source is gone is not run.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const runner = fileURLToPath(new URL("../../../scripts/run-tests.mjs", import.meta.url));

/** Compiled fixtures (dist/t/*.test.js) and, for all but `stale`, an empty source (src/t/*.test.ts). */
const fixtures: Record<string, string> = {
  spins: `test("passes", () => {});
test("spins forever", async () => { const spin = () => setImmediate(spin); spin(); await new Promise(() => {}); });`,
  "never-yields": `test("outer", async (t) => { await t.test("never yields", () => { for (;;) {} }); });`,
  sleeps: `test("sleeps for an hour", async () => { await new Promise((r) => setTimeout(r, 3_600_000)); });`,
  passes: `test("nested passes", async (t) => { await t.test("inner", () => {}); await t.test("inner 2", async () => { await new Promise((r) => setTimeout(r, 10)); }); });
test("passes after", () => {});`,
  stale: `test("stale", () => { throw new Error("ran a stale compiled test"); });`,
};

let root = "";
before(() => {
  root = mkdtempSync(join(tmpdir(), "run-tests-fixture-"));
  mkdirSync(join(root, "dist", "t"), { recursive: true });
  mkdirSync(join(root, "src", "t"), { recursive: true });
  for (const [name, body] of Object.entries(fixtures)) {
    writeFileSync(join(root, "dist", "t", `${name}.test.js`), `import { test } from "node:test";\n${body}\n`);
    if (name !== "stale") writeFileSync(join(root, "src", "t", `${name}.test.ts`), "");
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

interface Run { status: number | null; signal: string | null; stdout: string; stderr: string; }

/** Runs the runner on the fixtures; kills it (and fails) if it does not end by itself within `guardMs`. */
function runRunner(args: string[], guardMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, `--dist=${join(root, "dist")}`, `--sources=${join(root, "src")}`, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`run-tests ${args.join(" ")} still running after ${guardMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, guardMs);
    child.on("exit", (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

describe("run-tests.mjs", { concurrency: true }, () => {
  test("a test that keeps the event loop busy forever fails the run after the per-test timeout, named", async () => {
    const r = await runRunner(["--test-timeout-ms=500", "spins"]);
    assert.equal(r.status, 1, `exit status; stderr:\n${r.stderr}`);
    assert.match(r.stdout, /run-tests: test "spins forever" in \S+spins\.test\.js did not finish within 500 ms/);
    assert.match(r.stderr, /spins\.test\.js ended while running test "spins forever"/);
    assert.match(r.stdout, /^ok \d+ - passes$/m);
  });

  test("a test that never yields to the event loop fails the run after the per-test timeout, named", async () => {
    const r = await runRunner(["--test-timeout-ms=500", "never-yields"]);
    assert.equal(r.status, 1, `exit status; stderr:\n${r.stderr}`);
    assert.match(r.stdout, /run-tests: test "outer" > "never yields" in \S+never-yields\.test\.js did not finish within 500 ms/);
    assert.match(r.stderr, /never-yields\.test\.js ended while running test "outer" > "never yields"/);
  });

  test("without a per-test timeout, such a test is killed with its file after the per-file timeout, named", async () => {
    const r = await runRunner(["--test-timeout-ms=600000", "--file-timeout-ms=1500", "never-yields"]);
    assert.equal(r.status, 1, `exit status; stderr:\n${r.stderr}`);
    assert.match(r.stderr, /never-yields\.test\.js timed out while running test "outer" > "never yields"/);
  });

  test("a suite that runs longer than the suite timeout is stopped, naming what was running", async () => {
    const r = await runRunner(["--test-timeout-ms=600000", "--suite-timeout-ms=1500", "sleeps"]);
    assert.equal(r.status, 1, `exit status; stderr:\n${r.stderr}`);
    assert.match(r.stderr, /the whole suite did not finish within 1500 ms; stopping it\. Running:\n {2}\S+sleeps\.test\.js: "sleeps for an hour"/);
  });

  test("passing tests, nested ones included, pass under the watchdog; a compiled test whose source is gone is not run", async () => {
    const r = await runRunner(["--test-timeout-ms=30000", "passes", "stale"]);
    assert.equal(r.status, 0, `exit status; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stderr, /not running 1 stale compiled test\(s\) whose source is gone: t\/stale\.test\.js/);
    assert.doesNotMatch(r.stdout, /stale compiled test"|ran a stale/);
    assert.match(r.stdout, /^# pass 4$/m);
  });

  test("with only stale compiled tests selected, it fails rather than passing on nothing", async () => {
    const r = await runRunner(["stale"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no test files under \S+ with a source under \S+ match \["stale"\]/);
  });
});
