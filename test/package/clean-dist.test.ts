/** scripts/clean-dist.mjs deletes compiled outputs whose source is gone, and nothing else. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../../scripts/clean-dist.mjs", import.meta.url));

test("clean-dist deletes the outputs of deleted or moved sources and keeps the rest", () => {
  const root = mkdtempSync(join(tmpdir(), "clean-dist-"));
  try {
    const touch = (path: string): void => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), "");
    };
    ["src/kernel/queue.ts", "test/kernel/moved.test.ts"].forEach(touch);
    const kept = ["dist/src/kernel/queue.js", "dist/src/kernel/queue.d.ts", "dist/test/kernel/moved.test.js", "dist/.tsbuildinfo", "dist/notes.txt"];
    const stale = ["dist/src/kernel/moved.test.js", "dist/src/kernel/moved.test.d.ts", "dist/src/gone.js", "dist/src/gone.js.map", "dist/src/gone.d.ts.map"];
    [...kept, ...stale].forEach(touch);
    const run = spawnSync(process.execPath, [script, `--dist=${join(root, "dist")}`, `--sources=${root}`], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(kept.filter((p) => !existsSync(join(root, p))), [], "deleted, though its source exists or it is no compiled output");
    assert.deepEqual(stale.filter((p) => existsSync(join(root, p))), [], "kept, though its source is gone");
    assert.match(run.stdout, /deleted 5 stale output\(s\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
