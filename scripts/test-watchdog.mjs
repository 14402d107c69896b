// Preloaded (node --import) into every test file's process by run-tests.mjs. Two jobs:
// - records which tests are running in TINYRTOS_TEST_PROGRESS_DIR, written synchronously, so that
//   test-hang-reporter.mjs and run-tests.mjs can name the test when a file must be stopped;
// - ends the file's process when a top-level test runs longer than TINYRTOS_TEST_TIMEOUT_MS, naming
//   the test (Node 20 applies --test-timeout to whole files only). The clock runs in a worker thread,
//   because a livelocked kernel may never yield to the event loop, where no timer could fire.
import { afterEach, beforeEach } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

const timeoutMs = Number(process.env.TINYRTOS_TEST_TIMEOUT_MS);
const progressDir = process.env.TINYRTOS_TEST_PROGRESS_DIR;
if (process.env.NODE_TEST_CONTEXT && (timeoutMs > 0 || progressDir)) {
  const file = process.argv[1];
  const progressFile = progressDir ? join(progressDir, encodeURIComponent(file)) : null;
  const running = []; // names of started, unfinished tests, outermost first (root-level hooks also run around subtests)
  const record = () => progressFile && writeFileSync(progressFile, JSON.stringify(running));
  // shared[0]: the number of the top-level test running, 0 between tests.
  const shared = new Int32Array(new SharedArrayBuffer(4));
  let started = 0;
  if (timeoutMs > 0) {
    const watchdog = new Worker(
      `const { workerData: { shared, timeoutMs, file, progressFile } } = require("node:worker_threads");
      const { readFileSync, writeSync } = require("node:fs");
      let seen = 0;
      let sinceMs = Date.now();
      setInterval(() => {
        const test = Atomics.load(shared, 0);
        if (test !== seen) {
          seen = test;
          sinceMs = Date.now();
        } else if (test !== 0 && Date.now() - sinceMs > timeoutMs) {
          let names = "a test";
          try {
            names = JSON.parse(readFileSync(progressFile, "utf8")).map((n) => JSON.stringify(n)).join(" > ");
          } catch {}
          writeSync(2, "run-tests: test " + names + " in " + file + " did not finish within " + timeoutMs + " ms (a livelock or a lost wake-up?); ending this file\\n");
          process.kill(process.pid, "SIGKILL");
        }
      }, Math.min(1000, timeoutMs / 4));`,
      { eval: true, workerData: { shared, timeoutMs, file, progressFile } },
    );
    watchdog.unref();
  }
  beforeEach((t) => {
    running.push(t.name);
    record();
    if (running.length === 1) Atomics.store(shared, 0, ++started);
  });
  afterEach((t) => {
    const at = running.lastIndexOf(t.name);
    if (at >= 0) running.length = at;
    record();
    if (running.length === 0) Atomics.store(shared, 0, 0);
  });
}
