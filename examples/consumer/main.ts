/**
 * A user's program that depends on the tinyrtos package: it type-checks with ./tsconfig.json
 * (the settings the README asks of a project) against the built package, through its exports map.
 */
import { KernelAssertError, type KernelConfig } from "tinyrtos";
import { createFreeRTOS, portMAX_DELAY, pdPASS, type Ref } from "tinyrtos/freertos";
import { run, go, chan, sleep } from "tinyrtos/go";

const config: Partial<KernelConfig> = { configTICK_RATE_HZ: 1000, configMAX_PRIORITIES: 8 };
const rtos = createFreeRTOS(config);
const queue = rtos.xQueueCreate(4, 0)!;
const received: number[] = [];

await rtos.xTaskCreate(async () => {
  for (let i = 0; i < 3; i++) {
    await rtos.vTaskDelay(10);
    await rtos.xQueueSend(queue, i, portMAX_DELAY);
  }
}, "producer", 256, null, 2);

await rtos.xTaskCreate(async () => {
  const item: Ref<number> = { value: 0 };
  for (;;) if ((await rtos.xQueueReceive(queue, item, portMAX_DELAY)) === pdPASS) received.push(item.value);
}, "consumer", 256, null, 1);

rtos.vTaskStartScheduler();
await rtos.run(50);

const sum: number = await run(async () => {
  const c = chan<number>(2);
  go(async () => {
    for (const v of received) await c.send(v);
    c.close();
  });
  let total = 0;
  for await (const v of c) total += v;
  await sleep(1);
  return total;
});

// Set-up code cannot block: a receive outside any task would have to wait, so it throws.
try {
  await rtos.xQueueReceive(queue, { value: 0 }, portMAX_DELAY);
} catch (error) {
  if (!(error instanceof KernelAssertError)) throw error;
}

export { received, sum };
