// Preloaded (node --import) into every test file's process by run-tests.mjs. Two jobs:
// - fails a top-level test that runs longer than TINYRTOS_TEST_TIMEOUT_MS, naming it, so that a
//   livelock ends its file instead of hanging CI (Node 20 applies --test-timeout to whole files only);
// - records which tests are running in TINYRTOS_TEST_PROGRESS_DIR, written synchronously, so that
//   when a file must be killed from outside (a test that never yields to the event loop, where no
//   timer here can fire) test-hang-reporter.mjs can still name the test.
import { afterEach, beforeEach } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const timeoutMs = Number(process.env.TINYRTOS_TEST_TIMEOUT_MS);
const progressDir = process.env.TINYRTOS_TEST_PROGRESS_DIR;
if (process.env.NODE_TEST_CONTEXT && (timeoutMs > 0 || progressDir)) {
  const file = process.argv[1];
  const progressFile = progressDir ? join(progressDir, encodeURIComponent(file)) : null;
  const running = []; // names of started, unfinished tests, outermost first (root-level hooks also run around subtests)
  let timer = null;
  const record = () => progressFile && writeFileSync(progressFile, JSON.stringify(running));
  beforeEach((t) => {
    running.push(t.name);
    record();
    if (running.length > 1 || !(timeoutMs > 0)) return;
    timer = setTimeout(() => {
      process.stderr.write(`run-tests: test "${t.name}" in ${file} did not finish within ${timeoutMs} ms (a livelock or a lost wake-up?); ending this file\n`);
      process.exit(1);
    }, timeoutMs);
    timer.unref(); // a test with nothing left to run still ends as node:test reports it
  });
  afterEach((t) => {
    const at = running.lastIndexOf(t.name);
    if (at >= 0) running.length = at;
    record();
    if (running.length === 0 && timer) clearTimeout(timer);
  });
}
