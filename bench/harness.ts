/**
 * Benchmark helpers: each benchmark module exports `benchmarks`, a list of named async
 * functions returning figures; run.ts runs each module in its own process and prints one JSON
 * line `{"name","value","unit"}` per figure on stdout.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export type Benchmark = () => Promise<Figure[]>;

/** Wall-clock nanoseconds since an arbitrary origin. */
export function nowNs(): number {
  return performance.now() * 1e6;
}

/** The median of `runs` measurements (each a number), after `warmup` discarded ones. */
export async function median(runs: number, warmup: number, measure: () => Promise<number>): Promise<number> {
  for (let i = 0; i < warmup; i++) await measure();
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

/** Rounds to a sensible number of significant digits for reporting. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4;
  return Number(value.toFixed(digits));
}
