// The floor of tinyrtos's execution model: every task switch settles at least one promise.
// Two async functions hand control back and forth through fresh promises, with nothing else
// (no kernel, no scheduler); the time per hand-off is the least a context switch can cost here.
// Prints {"name":"ref.js.promise.handoff","value":…,"unit":"ns/switch"}: the median of 5 runs
// after 2 warm-up runs, 1,000,000 switches each.
// Usage: node bench/reference/js-floor.mjs
const SWITCHES = 1_000_000; // hand-offs per run (each side makes half of them)
const RUNS = 5;
const WARMUP = 2;

/**
 * One run: A and B alternate. Each side, to give control away, resolves the promise the other
 * is awaiting and awaits a fresh promise of its own: one promise settlement per switch.
 */
async function handoff(switches) {
  let wakeA = null;
  let wakeB = null;
  const parkA = () => new Promise((resolve) => (wakeA = resolve));
  const parkB = () => new Promise((resolve) => (wakeB = resolve));
  const rounds = switches / 2;

  const b = (async () => {
    for (let i = 0; i < rounds; i++) {
      await parkB(); // wait for A
      wakeA(); // switch to A
    }
  })();
  // Let B reach its first park before timing.
  await Promise.resolve();

  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const p = parkA();
    wakeB(); // switch to B
    await p; // ...and back
  }
  const ns = Number(process.hrtime.bigint() - t0);
  await b;
  return ns / switches;
}

function round(value) {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4;
  return Number(value.toFixed(digits));
}

for (let i = 0; i < WARMUP; i++) await handoff(SWITCHES);
const values = [];
for (let i = 0; i < RUNS; i++) values.push(await handoff(SWITCHES));
values.sort((x, y) => x - y);
console.log(JSON.stringify({ name: "ref.js.promise.handoff", value: round(values[Math.floor(RUNS / 2)]), unit: "ns/switch" }));
