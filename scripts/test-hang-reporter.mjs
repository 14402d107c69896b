// node:test reporter used by run-tests.mjs next to tap/spec: when a test file fails as a whole (its
// process timed out, was killed or exited), names the tests that were running in it, as recorded by
// test-watchdog.mjs in TINYRTOS_TEST_PROGRESS_DIR.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** The names test-watchdog.mjs recorded in `progressFile`, outermost first; none if it is absent or being written. */
export function readProgress(progressFile) {
  try {
    return JSON.parse(readFileSync(progressFile, "utf8"));
  } catch {
    return [];
  }
}

export default async function* hangReporter(source) {
  const progressDir = process.env.TINYRTOS_TEST_PROGRESS_DIR;
  for await (const { type, data } of source) {
    if (!progressDir || (type !== "test:fail" && type !== "test:pass") || data.nesting !== 0 || data.name !== data.file) continue;
    const progressFile = join(progressDir, encodeURIComponent(data.file));
    const running = readProgress(progressFile);
    rmSync(progressFile, { force: true });
    if (type === "test:fail" && running.length > 0) {
      const how = data.details?.error?.failureType === "testTimeoutFailure" ? "timed out" : "ended";
      yield `run-tests: ${data.file} ${how} while running test ${running.map((n) => JSON.stringify(n)).join(" > ")}\n`;
    }
  }
}
