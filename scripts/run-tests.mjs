// Runs every compiled *.test.js under dist/ whose TypeScript source still exists, with Node's built-in
// test runner, within bounds so that a livelock fails with a name instead of hanging CI:
//   per test   a top-level test running longer than --test-timeout-ms ends its file, naming the test,
//              even one that never yields to the event loop (scripts/test-watchdog.mjs);
//   per file   a file running longer than --file-timeout-ms is killed (node --test-timeout), and the
//              tests it was running are named (scripts/test-hang-reporter.mjs);
//   suite      the whole run is killed after --suite-timeout-ms.
// A compiled test whose source was deleted or moved is stale output and is not run. The lane variants
// dist/test-gen and dist/test-mixed (written by scripts/gen-lane.mjs after the build) run with the
// rest; their source is that of dist/test (clean-dist.mjs sourceOf).
// Usage: node scripts/run-tests.mjs [--test-timeout-ms=N] [--file-timeout-ms=N] [--suite-timeout-ms=N]
//          [--dist=DIR] [--sources=DIR] [substring filter...]
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readProgress } from "./test-hang-reporter.mjs";
import { sourceOf } from "./clean-dist.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const options = {
  // The slowest test takes about 17 s on a loaded 2-core machine, the slowest file about 32 s.
  "test-timeout-ms": 120_000,
  "file-timeout-ms": 600_000,
  "suite-timeout-ms": 1_800_000,
  dist: join(here, "..", "dist"),
  sources: join(here, ".."),
};
const filters = [];
for (const arg of process.argv.slice(2)) {
  const m = /^--([a-z-]+)=(.*)$/.exec(arg);
  if (!m) filters.push(arg);
  else if (!(m[1] in options)) fail(`unknown option --${m[1]}; known: ${Object.keys(options).map((k) => `--${k}`).join(", ")}`);
  else if (m[1].endsWith("-ms") && !(Number(m[2]) > 0)) fail(`--${m[1]} must be a positive number of milliseconds, got "${m[2]}"`);
  else options[m[1]] = m[1].endsWith("-ms") ? Number(m[2]) : m[2];
}
const dist = resolve(options.dist);
const sources = resolve(options.sources);

function fail(message) {
  console.error(`run-tests: ${message}`);
  process.exit(1);
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

if (!existsSync(dist)) fail(`${dist} does not exist; build first (npm run build)`);
const compiled = walk(dist, [])
  .filter((f) => !relative(dist, f).startsWith("bench/"))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(dist, f).includes(s)))
  .sort();
// `npm run build` deletes stale outputs (clean-dist.mjs); this covers runs after a bare tsc.
const stale = compiled.filter((f) => !existsSync(sourceOf(dist, sources, f)));
const files = compiled.filter((f) => !stale.includes(f));
if (stale.length > 0) console.error(`run-tests: not running ${stale.length} stale compiled test(s) whose source is gone: ${stale.map((f) => relative(dist, f)).join(", ")}`);
if (files.length === 0) fail(`no test files under ${dist} with a source under ${sources} match ${JSON.stringify(filters)}`);

// A fresh run even when started from inside a test (node:test marks its child processes with NODE_TEST_CONTEXT).
const { NODE_TEST_CONTEXT: _, ...parentEnv } = process.env;
const progressDir = mkdtempSync(join(tmpdir(), "tinyrtos-tests-"));
const reporter = process.stdout.isTTY ? "spec" : "tap";
const child = spawn(
  process.execPath,
  [
    "--test",
    "--test-concurrency=2",
    `--test-timeout=${options["file-timeout-ms"]}`,
    `--import=${pathToFileURL(join(here, "test-watchdog.mjs"))}`,
    `--test-reporter=${reporter}`,
    "--test-reporter-destination=stdout",
    `--test-reporter=${pathToFileURL(join(here, "test-hang-reporter.mjs"))}`,
    "--test-reporter-destination=stderr",
    ...files,
  ],
  // Its own process group, so that the suite bound can stop the test files' processes too.
  { stdio: "inherit", detached: true, env: { ...parentEnv, TINYRTOS_TEST_TIMEOUT_MS: String(options["test-timeout-ms"]), TINYRTOS_TEST_PROGRESS_DIR: progressDir } },
);
const suiteTimer = setTimeout(() => {
  const running = readdirSync(progressDir)
    .map((name) => `${decodeURIComponent(name)}: ${readProgress(join(progressDir, name)).map((n) => JSON.stringify(n)).join(" > ")}`)
    .filter((line) => !line.endsWith(": "));
  console.error(`run-tests: the whole suite did not finish within ${options["suite-timeout-ms"]} ms; stopping it. Running:\n  ${running.join("\n  ") || "(no test started)"}`);
  process.kill(-child.pid, "SIGKILL");
}, options["suite-timeout-ms"]);
// Ctrl-C or a CI cancel reaches only this process, not the detached group: pass it on.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.kill(-child.pid, signal));
child.on("exit", (code, signal) => {
  clearTimeout(suiteTimer);
  rmSync(progressDir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
