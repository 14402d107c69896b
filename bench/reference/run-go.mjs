// Runs the Go reference benchmarks (bench/reference/go/chanbench.go) when a Go toolchain is on
// PATH and echoes their JSON lines {"name":"ref.go.…","value":…,"unit":…} on stdout. Without Go
// it says so on stderr and exits 0: the project does not depend on Go.
// Usage: node bench/reference/run-go.mjs
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const goDir = fileURLToPath(new URL("./go/", import.meta.url));

const probe = spawnSync("go", ["version"], { encoding: "utf8" });
if (probe.error !== undefined || probe.status !== 0) {
  console.error("run-go: Go is not installed (no `go` on PATH); skipping the Go reference benchmarks");
  process.exit(0);
}

// GO111MODULE=off: a standalone file of the standard library only, no go.mod needed or wanted.
const result = spawnSync("go", ["run", "chanbench.go"], {
  cwd: goDir,
  encoding: "utf8",
  env: { ...process.env, GO111MODULE: "off" },
  stdio: ["ignore", "pipe", "inherit"],
  maxBuffer: 1 << 20,
});
if (result.error !== undefined) {
  console.error(`run-go: cannot run go: ${result.error.message}`);
  process.exit(1);
}
for (const line of result.stdout.split("\n")) {
  if (line.trim() === "") continue;
  try {
    JSON.parse(line);
  } catch {
    console.error(`run-go: unexpected output from chanbench.go: ${line}`);
    continue;
  }
  process.stdout.write(`${line}\n`);
}
if (result.status !== 0) {
  console.error(`run-go: chanbench.go exited with ${result.status ?? result.signal}`);
  process.exit(result.status ?? 1);
}
