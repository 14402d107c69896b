// Deletes compiled outputs under dist/ whose TypeScript source is gone (deleted or moved), so that
// neither the tests nor the package pick up stale code; tsc never deletes them itself.
// Usage: node scripts/clean-dist.mjs [--dist=DIR] [--sources=DIR]   (run by `npm run build`)
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const outputRe = /\.(d\.ts|js)(\.map)?$/;
const laneVariantRe = /^test-(gen|mixed)\//;

/**
 * The source that `file` (a .js, .d.ts or map under `dist`) was compiled from: dist/<path>.js <- <sources>/<path>.ts.
 * The lane variants dist/test-gen/<path> and dist/test-mixed/<path> (scripts/gen-lane.mjs) come from test/<path>.
 */
export function sourceOf(dist, sources, file) {
  return join(sources, relative(dist, file).replace(laneVariantRe, "test/").replace(outputRe, ".ts"));
}

/** Every compiled output under `dist` whose source under `sources` does not exist. */
export function staleOutputs(dist, sources) {
  const stale = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      // dist/playground is esbuild's output (scripts/build-playground.mjs), rebuilt whole by each build.
      if (statSync(path).isDirectory()) {
        if (relative(dist, path) !== "playground") walk(path);
      }
      else if (outputRe.test(name) && !existsSync(sourceOf(dist, sources, path))) stale.push(path);
    }
  };
  if (existsSync(dist)) walk(dist);
  return stale;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const options = { dist: join(root, "dist"), sources: root };
  for (const arg of process.argv.slice(2)) {
    const m = /^--(dist|sources)=(.+)$/.exec(arg);
    if (!m) {
      console.error(`clean-dist: unknown argument ${arg}; known: --dist=DIR, --sources=DIR`);
      process.exit(1);
    }
    options[m[1]] = resolve(m[2]);
  }
  const stale = staleOutputs(options.dist, options.sources);
  for (const file of stale) rmSync(file);
  if (stale.length > 0) console.log(`clean-dist: deleted ${stale.length} stale output(s) whose source is gone: ${stale.map((f) => relative(options.dist, f)).join(", ")}`);
}
