// Builds the browser playground into static files under dist/playground/ (run by `npm run build`):
//   index.html, style.css        copied from playground/
//   app.js                       the page (playground/src/main.ts: editor, board, timeline, share)
//   worker.js                    the Web Worker (playground/src/worker.ts), which imports ./session.js
//   session.js                   the simulation (playground/src/session.ts with tinyrtos and sucrase),
//                                an ES module that Node imports too (test/playground, bench/playground)
//   examples.json                the examples menu, generated from the repository's example files
//                                with their "../src/x/index.js" imports rewritten to "tinyrtos/x"
// Usage: node scripts/build-playground.mjs [--out=DIR]
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
let out = join(root, "dist", "playground");
for (const arg of process.argv.slice(2)) {
  const m = /^--out=(.+)$/.exec(arg);
  if (!m) {
    console.error(`build-playground: unknown argument ${arg}; known: --out=DIR`);
    process.exit(1);
  }
  out = resolve(m[1]);
}

/** The examples menu: id, title, the board it runs on (null: a script), its file. */
export const EXAMPLES = [
  { id: "freertos-style", title: "FreeRTOS style (README)", board: null, file: "examples/readme/freertos-style.ts" },
  { id: "go-style", title: "Go style (README)", board: null, file: "examples/readme/go-style.ts" },
  { id: "blinky", title: "Button and LED board (blinky)", board: "nrf52840", file: "examples/blinky.ts" },
  { id: "uart-shell", title: "UART shell", board: "stm32h743", file: "examples/uart-shell.ts" },
  { id: "coroutines-1024", title: "1024-coroutine experiment", board: null, file: "examples/coroutines-1024.ts" },
];

/** An example file as the playground shows it: imports of the repository's sources become package imports. */
export function playgroundSource(text, file) {
  const rewritten = text.replace(/(["'])(?:\.\.\/)+src\/(?:([a-z]+)\/)?index\.js\1/g, (_m, q, layer) => `${q}tinyrtos${layer ? "/" + layer : ""}${q}`);
  const left = /from\s+["'](\.[^"']*)["']/.exec(rewritten);
  if (left) throw new Error(`build-playground: ${file} imports ${left[1]}, which the playground cannot resolve (only tinyrtos entry points and node:url)`);
  return rewritten;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const examples = EXAMPLES.map((e) => ({ ...e, source: playgroundSource(readFileSync(join(root, e.file), "utf8"), e.file) }));
writeFileSync(join(out, "examples.json"), JSON.stringify(examples, null, 1) + "\n");
for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "playground", f), join(out, f));

const common = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: process.env.PLAYGROUND_MINIFY !== "0",
  legalComments: "none",
  tsconfig: join(root, "playground", "tsconfig.json"),
  logLevel: "warning",
};
await build({ ...common, entryPoints: [join(root, "playground/src/session.ts")], outfile: join(out, "session.js") });
await build({ ...common, entryPoints: [join(root, "playground/src/worker.ts")], outfile: join(out, "worker.js"), external: ["./session.js"] });
await build({ ...common, entryPoints: [join(root, "playground/src/main.ts")], outfile: join(out, "app.js") });
console.log(`build-playground: ${out}`);
