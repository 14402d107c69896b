/**
 * `tinyrtos playground`: serves dist/playground with the right MIME types, refuses paths that
 * leave it and methods other than GET/HEAD, prints its URL, and stops on Ctrl-C (SIGINT) with
 * exit code 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveStaticPath } from "../../src/cli/playground-command.js";
import { cli, playgroundDir, startServer, stopServer } from "./helpers.js";

/** A raw request (the path is sent as given, not normalised by a URL parser). */
function get(url: string, path: string, method = "GET"): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("tinyrtos playground serves the built page with MIME types, refuses traversal, stops on Ctrl-C", async () => {
  const { url, child, output } = await startServer();
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(url, "/");
    assert.equal(index.status, 200);
    assert.equal(index.type, "text/html; charset=utf-8");
    assert.equal(index.body.toString(), readFileSync(join(playgroundDir, "index.html"), "utf8"));
    for (const [path, type] of [
      ["/app.js", "text/javascript; charset=utf-8"],
      ["/worker.js", "text/javascript; charset=utf-8"],
      ["/session.js", "text/javascript; charset=utf-8"],
      ["/style.css", "text/css; charset=utf-8"],
      ["/examples.json", "application/json; charset=utf-8"],
      ["/index.html?x=1", "text/html; charset=utf-8"],
    ] as const) {
      const r = await get(url, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.type, type, path);
    }
    const head = await get(url, "/app.js", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    for (const bad of ["/../package.json", "/..%2f..%2fpackage.json", "/%2e%2e/%2e%2e/package.json", "/a/../../src/index.ts", "/%00", "/%E0%A4%A", "/nope.js"]) {
      const r = await get(url, bad);
      assert.equal(r.status, 404, `${bad} → ${r.status}`);
      assert.doesNotMatch(r.body.toString(), /"name": "tinyrtos"/);
    }
    assert.equal((await get(url, "/", "POST")).status, 405);
  } finally {
    const code = await stopServer(child);
    assert.equal(code, 0, output());
    assert.match(output(), /stopped/);
  }
});

test("resolveStaticPath keeps every path inside the directory", () => {
  assert.equal(resolveStaticPath("/srv/p", "/"), "/srv/p/index.html");
  assert.equal(resolveStaticPath("/srv/p", "/a/b.js?v=2#x"), "/srv/p/a/b.js");
  assert.equal(resolveStaticPath("/srv/p", "/a/../b.js"), "/srv/p/b.js");
  for (const bad of ["/../x", "/..%2fx", "/%2e%2e/x", "x", "/a%00b", "/%zz"]) assert.equal(resolveStaticPath("/srv/p", bad), null, bad);
  assert.equal(resolveStaticPath("/srv/p", "/..%2fp-other/x"), null);
});

test("tinyrtos playground: --help, bad options and a missing build exit with documented codes", () => {
  const help = spawnSync(process.execPath, [cli, "playground", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: tinyrtos playground \[options\]/);
  for (const option of ["--port N", "--host H", "--dir D"]) assert.ok(help.stdout.includes(option), `--help lists ${option}`);
  const bad = spawnSync(process.execPath, [cli, "playground", "--port", "70000"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port must be 0\.\.65535, got 70000/);
  const unknown = spawnSync(process.execPath, [cli, "playground", "--bogus"], { encoding: "utf8" });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option --bogus/);
  const missing = spawnSync(process.execPath, [cli, "playground", "--dir", join(playgroundDir, "no-such-dir")], { encoding: "utf8" });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no built playground/);
});
