import { run, chan, select, recv } from "/work/main/dist/src/go/index.js";
const N = 1000000, mode = "select";
let best = Infinity;
for (let rep = 0; rep < 6; rep++) {
  const ns = await run(async () => {
    const ready = chan(1), idle = chan();
    const cases = [recv(idle), recv(ready)];
    const t0 = performance.now();
    if (mode === "select") for (let i = 0; i < N; i++) { await ready.send(i); await select(cases); }
    else if (mode === "recv") for (let i = 0; i < N; i++) { await ready.send(i); await ready.recv(); }
    return (performance.now() - t0) * 1e6 / N;
  });
  if (rep >= 2) best = Math.min(best, ns);
}
console.log(best.toFixed(1));
