/** The README's two-lanes example, generator side (test/docs.test.ts checks the README shows it and that both sides agree). */
import { createFreeRTOS, portMAX_DELAY, type GenTask } from "tinyrtos/freertos";
import { run, go, chan } from "tinyrtos/go";

const rtos = createFreeRTOS({});
const q = rtos.xQueueCreate<number>(4, 0)!;
const log: string[] = [];
// README:begin
rtos.xTaskCreate(function* (): GenTask {
  const item = { value: 0 };
  for (;;) {
    yield* rtos.xQueueReceive(q, item, portMAX_DELAY);
    yield* rtos.busy(0.5);
    log.push(`${item.value} at ${rtos.now()}`);
  }
}, "rx", 256, null, 2);

const sum = await run(function* () {
  const c = chan<number>();
  go(function* () {
    for (let i = 1; i <= 3; i++) yield* c.send(i * 2);
    c.close();
  });
  let s = 0;
  for (;;) {
    const [v, ok] = yield* c.recv2();
    if (!ok) return s; // 12
    s += v!;
  }
});
// README:end
rtos.vTaskStartScheduler();
for (const v of [7, 8, 9]) void rtos.xQueueSend(q, v, 0);
await rtos.run(5);

export { log, sum };
