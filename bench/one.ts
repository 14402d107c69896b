/** Runs one benchmark: node one.js <module> <name>; prints its figures as JSON lines. */
import type { Benchmark } from "./harness.js";

const [module, name] = process.argv.slice(2);
if (!module || !name) throw new Error("usage: node one.js <module> <benchmark>");
const mod = (await import(module)) as { benchmarks: Record<string, Benchmark> };
const bench = mod.benchmarks[name];
if (!bench) throw new Error(`no benchmark "${name}" in ${module}`);
for (const figure of await bench()) console.log(JSON.stringify(figure));
process.exit(0);
