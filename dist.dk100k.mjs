import { createFreeRTOS } from "/work/main/dist/src/freertos/index.js";
const cycling = 100000;
let best = Infinity;
for (let rep = 0; rep < 3; rep++) {
const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40, configMAX_PRIORITIES: 8 });
let wakes = 0;
for (let i = 0; i < cycling; i++) {
  const period = 50 + ((i * 7919) % 100);
  await rtos.xTaskCreate(async () => { for (;;) { await rtos.vTaskDelay(period); wakes++; } }, "d", 64, null, 1 + (i % 4));
}
rtos.vTaskStartScheduler();
await rtos.run(200);
const targetWakes = Math.max(200_000, cycling * 4);
const ticks = Math.ceil((targetWakes / cycling) * 100);
wakes = 0; const t0 = performance.now();
await rtos.run(ticks);
const ns = (performance.now() - t0) * 1e6 / wakes;
if (rep > 0) best = Math.min(best, ns);
}
console.log(best.toFixed(0));
