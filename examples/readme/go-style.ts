/** The Go-style example of the README (test/docs.test.ts checks the README shows this file's body and runs it). */
// README:begin
import { run, go, chan, select, recv, after, sleep, WaitGroup } from "tinyrtos/go";

const total = await run(async () => {
  const readings = chan<number>(8);
  const wg = new WaitGroup();
  wg.add(1);
  go(async () => { // a goroutine = a kernel task
    for (let i = 0; i < 5; i++) {
      await sleep(10);
      await readings.send(i);
    }
    readings.close();
    wg.done();
  }, { name: "sampler", priority: 3 });
  let sum = 0;
  for (;;) {
    const r = await select([recv(readings), recv(after(100))]);
    if (r.index === 1 || !r.ok) break; // timeout, or closed and drained
    sum += r.value as number;
  }
  await wg.wait();
  return sum; // 10
}, { seed: 1 });
console.log(total);
// README:end

export { total };
