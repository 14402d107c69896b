/** The command line: version, help, running a firmware module, and clear errors for bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const demo = fileURLToPath(new URL("../examples/demo-firmware.js", import.meta.url));
const tinyrtos = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

test("cli: version and help", () => {
  const version = tinyrtos("version");
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^tinyrtos \d+\.\d+\.\d+\n$/);
  const help = tinyrtos("help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: tinyrtos <command>/);
});

test("cli: run executes a firmware module's main for the given ticks", () => {
  const r = tinyrtos("run", demo, "--ticks", "300");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /300 ticks at 1000 Hz/);
  assert.match(r.stdout, /IDLE/);
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
});
