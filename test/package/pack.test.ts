/**
 * What `npm pack` puts in the package: only what a user needs — the compiled library (dist/src, .js
 * and .d.ts, compiled from sources that exist), the built playground's static files
 * (dist/playground, served by `tinyrtos playground`), README, LICENSE and package.json; no tests, benches,
 * examples, build info or maps; and every file package.json points at. Checked by rules, not by an
 * exact list, so that adding a module needs no edit here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

/** Why `path` must not be in the package, or null if it may be. */
function rejectReason(path: string): string | null {
  if (/(^|\/)(test|tests|bench|examples)\//.test(path) || /\.(test|bench)\.[^/]+$/.test(path)) return "a test, bench or example";
  if (/tsbuildinfo|\.map$/.test(path)) return "build information";
  if (["package.json", "README.md", "LICENSE", "LICENSE.md"].includes(path)) return null;
  // The browser playground that `tinyrtos playground` serves: the static files scripts/build-playground.mjs writes.
  if (/^dist\/playground\/(index\.html|style\.css|app\.js|worker\.js|session\.js|examples\.json)$/.test(path)) return null;
  if (!/^dist\/src\/.+\.(js|d\.ts)$/.test(path)) return "not the compiled library, README, LICENSE or package.json";
  if (!existsSync(join(repo, path.replace(/^dist\//, "").replace(/\.(d\.ts|js)$/, ".ts")))) return "compiled from a source that is gone";
  return null;
}

/** Every file package.json's entry points (main, types, exports, bin) name. */
function entryPoints(pkg: { main?: string; types?: string; bin?: Record<string, string>; exports?: unknown }): string[] {
  const out = [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})];
  const walk = (v: unknown): void => {
    if (typeof v === "string") out.push(v);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  return out.filter((p): p is string => typeof p === "string").map((p) => p.replace(/^\.\//, ""));
}

test("the rules reject tests, benches, examples, build info and stray files, and accept the library", () => {
  for (const bad of ["dist/src/kernel/queue.test.js", "dist/test/kernel/realtime.test.js", "dist/bench/run.js", "dist/examples/demo-firmware.js", "dist/.tsbuildinfo", "dist/src/index.js.map", "src/index.ts", "dist.gp.mjs", "dist/src/kernel/no-such-module.js"])
    assert.notEqual(rejectReason(bad), null, `${bad} must be rejected`);
  for (const good of ["package.json", "README.md", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/kernel/queue.js", "dist/src/go/index.d.ts"])
    assert.equal(rejectReason(good), null, `${good} must be accepted`);
});

test("npm pack contains the compiled library and its entry points, and nothing a user does not need", () => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet; npm test has just built it.
  const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repo, encoding: "utf8" });
  assert.equal(pack.status, 0, `npm pack failed:\n${pack.stderr}`);
  const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
  const rejected = files.map((f) => [f, rejectReason(f)]).filter(([, why]) => why !== null);
  assert.deepEqual(rejected, [], `files that must not be packed:\n${rejected.map(([f, why]) => `  ${f}: ${why}`).join("\n")}`);
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
  const missing = entryPoints(pkg).filter((p) => !files.includes(p));
  assert.deepEqual(missing, [], "entry points of package.json missing from the package");
  assert.ok(files.includes("README.md") && files.some((f) => f.startsWith("dist/src/kernel/")), `packed:\n${files.join("\n")}`);
});

test("package.json builds dist/ on prepare, so that installing from git works", () => {
  const scripts = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).scripts;
  assert.match(scripts.prepare, /npm run -s build/);
});
