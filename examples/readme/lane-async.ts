/** The README's two-lanes example, async side (test/docs.test.ts checks the README shows it and that both sides agree). */
import { createFreeRTOS, portMAX_DELAY } from "tinyrtos/freertos";
import { run, go, chan } from "tinyrtos/go";

const rtos = createFreeRTOS({});
const q = rtos.xQueueCreate<number>(4, 0)!;
const log: string[] = [];
// README:begin
rtos.xTaskCreate(async () => {
  const item = { value: 0 };
  for (;;) {
    await rtos.xQueueReceive(q, item, portMAX_DELAY);
    await rtos.busy(0.5);
    log.push(`${item.value} at ${rtos.now()}`);
  }
}, "rx", 256, null, 2);

const sum = await run(async () => {
  const c = chan<number>();
  go(async () => {
    for (let i = 1; i <= 3; i++) await c.send(i * 2);
    c.close();
  });
  let s = 0;
  for (;;) {
    const [v, ok] = await c.recv2();
    if (!ok) return s; // 12
    s += v!;
  }
});
// README:end
rtos.vTaskStartScheduler();
for (const v of [7, 8, 9]) void rtos.xQueueSend(q, v, 0);
await rtos.run(5);

export { log, sum };
