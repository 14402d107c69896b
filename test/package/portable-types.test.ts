/**
 * tsconfig.portable.json, the type check of the layers that must run in any JavaScript host: with its
 * compiler options, browser-only and Node-only globals are errors, the host services every host has
 * are not. And the build runs it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

test("the portable type check rejects DOM and Node globals and accepts the declared host services", () => {
  const dir = mkdtempSync(join(tmpdir(), "portable-types-"));
  try {
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, "host-only.ts"),
      [
        "export const a = document.title;",
        "export const b = window.location;",
        "export const c = process.env;",
        "export const d = Buffer.alloc(1);",
        "export const e = require('fs');",
        "export const f = localStorage.length;",
      ].join("\n") + "\n",
    );
    writeFileSync(
      join(dir, "portable.ts"),
      "export const t = setTimeout(() => {}, 1);\nclearTimeout(t);\n" +
        "export const now = performance.timeOrigin + performance.now();\n" +
        "export const shared = new Int32Array(new SharedArrayBuffer(4));\nAtomics.store(shared, 0, 1);\n",
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(repo, "tsconfig.portable.json"),
        compilerOptions: { incremental: false, noEmit: true, rootDir: "/" },
        files: [join(repo, "src/kernel/host-globals.d.ts"), "host-only.ts", "portable.ts"],
        include: [],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], { cwd: dir, encoding: "utf8" });
    const errors = tsc.stdout.split("\n").filter((line) => line.includes("error TS"));
    const named = errors.map((line) => /Cannot find name '(\w+)'/.exec(line)?.[1] ?? line);
    assert.deepEqual(named.sort(), ["Buffer", "document", "localStorage", "process", "require", "window"], `tsc output:\n${tsc.stdout}${tsc.stderr}`);
    assert.ok(errors.every((line) => line.startsWith("host-only.ts")), `errors outside host-only.ts:\n${errors.join("\n")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("npm run build runs the portable type check over the kernel, freertos and go layers", () => {
  const build: string = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).scripts.build;
  assert.match(build, /tsc -p tsconfig\.portable\.json/);
  const config = readFileSync(join(repo, "tsconfig.portable.json"), "utf8");
  for (const layer of ["src/kernel", "src/freertos", "src/go"]) assert.ok(config.includes(`"${layer}"`), `tsconfig.portable.json includes ${layer}`);
});
