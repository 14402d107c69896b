// Checks the layering of DESIGN.md on the TypeScript sources:
//   kernel ← freertos, go ← mem ← hal ← trace ← ota, sim ← cli ; nothing imports cli;
//   the browser playground (playground/src) imports only tinyrtos's public entry points ("tinyrtos",
//   "tinyrtos/<x>"), its own files and its page's libraries, no Node-only module; nothing in src/
//   imports the playground;
//   src/kernel, src/mem, src/hal, src/trace and src/ota (but its image builder) use no Node-only module (they run in a browser); the file import graph (without type-only imports) has no cycle.
// Exits 1 with every violation listed.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname, resolve, relative } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const src = join(root, "src");

// What each top-level folder of src/ may import (besides itself).
const allowed = {
  kernel: [],
  freertos: ["kernel"],
  go: ["kernel"],
  mem: ["kernel", "freertos", "go"],
  hal: ["kernel", "freertos", "go", "mem"],
  trace: ["kernel", "freertos", "go", "mem", "hal"],
  ota: ["kernel", "freertos", "go", "mem", "trace", "hal"],
  sim: ["kernel", "freertos", "go", "mem", "trace", "hal"],
  cli: ["kernel", "freertos", "go", "mem", "trace", "hal", "ota", "sim", "."],
  ".": ["kernel", "freertos", "go", "mem", "trace", "hal", "ota", "sim"],
};

// Layers that must run in a browser: no Node-only module or global.
const browserLayers = new Set(["kernel", "mem", "hal", "trace", "ota"]);
// The one Node-only file of a browser layer: the image builder (esbuild, files).
const nodeOnlyFiles = new Set(["src/ota/build.ts"]);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const layerOf = (file) => {
  const rel = relative(src, file).split("/");
  return rel.length === 1 ? "." : rel[0];
};

const importRe = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const problems = [];
const graph = new Map();
const files = walk(src, []);
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const layer = layerOf(file);
  const isTest = file.endsWith(".test.ts");
  const mayUseNode = isTest || nodeOnlyFiles.has(relative(root, file));
  const edges = [];
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith(".")) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
      const targetLayer = layerOf(target);
      if (targetLayer === "cli" && layer !== "cli") problems.push(`${relative(root, file)} imports the CLI (${spec}); nothing may import cli`);
      else if (targetLayer !== layer && !allowed[layer]?.includes(targetLayer) && !isTest)
        problems.push(`${relative(root, file)} (layer ${layer}) imports ${spec} (layer ${targetLayer}); allowed: ${allowed[layer]?.join(", ") || "nothing outside itself"}`);
      // A type-only import is erased from the emitted JavaScript: it cannot make a load-order cycle.
      if (!isTest && !/^\s*(?:import|export)\s+type\s/.test(m[0])) edges.push(target);
    } else if (browserLayers.has(layer) && !mayUseNode && (spec.startsWith("node:") || ["fs", "path", "os", "worker_threads", "child_process", "process", "buffer"].includes(spec))) {
      problems.push(`${relative(root, file)} imports the Node-only module "${spec}"; src/${layer} must run in a browser`);
    }
  }
  if (browserLayers.has(layer) && !mayUseNode && /\b(process\.|Buffer\.|require\()/.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "")))
    problems.push(`${relative(root, file)} uses a Node-only global (process, Buffer or require); src/${layer} must run in a browser`);
  graph.set(file, edges);
}

// The playground: public entry points only, browser-safe; src/ never reaches into it.
const playgroundSrc = join(root, "playground", "src");
const playgroundPackages = /^(tinyrtos(\/[a-z]+)?|codemirror|@codemirror\/[a-z-]+|sucrase)$/;
const playgroundFiles = walk(playgroundSrc, []);
// Also side-effect imports (import "x").
const anyImportRe = new RegExp(`${importRe.source}|(?:^|\\n)\\s*import\\s*["']([^"']+)["']`, "g");
for (const file of playgroundFiles) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(anyImportRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith(".")) {
      const target = resolve(dirname(file), spec);
      if (relative(playgroundSrc, target).startsWith("..")) problems.push(`${relative(root, file)} imports ${spec}: the playground imports tinyrtos only through its public entry points ("tinyrtos", "tinyrtos/<x>")`);
    } else if (!playgroundPackages.test(spec)) problems.push(`${relative(root, file)} imports "${spec}": the playground may import tinyrtos's entry points, codemirror and sucrase (it runs in a browser)`);
  }
}
for (const file of files) {
  for (const m of readFileSync(file, "utf8").matchAll(anyImportRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith(".") && !relative(join(root, "playground"), resolve(dirname(file), spec)).startsWith("..")) problems.push(`${relative(root, file)} imports the playground (${spec}); nothing in src/ may`);
  }
}

// Cycle detection (iterative DFS, colours).
const colour = new Map();
for (const start of graph.keys()) {
  if (colour.get(start)) continue;
  const stack = [[start, 0]];
  const path = [start];
  colour.set(start, 1);
  while (stack.length) {
    const frame = stack[stack.length - 1];
    const edges = graph.get(frame[0]) ?? [];
    if (frame[1] < edges.length) {
      const next = edges[frame[1]++];
      const c = colour.get(next) ?? 0;
      if (c === 1) {
        const cycle = path.slice(path.indexOf(next)).concat(next).map((f) => relative(root, f));
        problems.push(`import cycle: ${cycle.join(" -> ")}`);
      } else if (c === 0 && graph.has(next)) {
        colour.set(next, 1);
        stack.push([next, 0]);
        path.push(next);
      }
    } else {
      colour.set(frame[0], 2);
      stack.pop();
      path.pop();
    }
  }
}

if (problems.length) {
  console.error(`check-layers: ${problems.length} violation(s) of DESIGN.md's layering:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} source files and ${playgroundFiles.length} playground files, layering and acyclic imports hold`);
