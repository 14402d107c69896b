import { createFreeRTOS, portMAX_DELAY } from "/work/main/dist/src/freertos/index.js";
async function once(timerCount) {
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 2 ** 40, configTIMER_QUEUE_LENGTH: 16 });
  let expiries = 0; const callback = () => { expiries++; };
  const timers = [];
  for (let i = 0; i < timerCount; i++) timers.push(rtos.xTimerCreate("t", 50 + ((i * 7919) % 100), 1, i, callback));
  await rtos.xTaskCreate(async () => { for (const t of timers) await rtos.xTimerStart(t, portMAX_DELAY); }, "starter", 128, null, 1);
  rtos.vTaskStartScheduler(); await rtos.run(200);
  const target = Math.max(200000, timerCount * 4); const ticks = Math.ceil((target / timerCount) * 100);
  expiries = 0; const t0 = performance.now(); await rtos.run(ticks);
  return (performance.now() - t0) * 1e6 / expiries;
}
const r = []; for (let i = 0; i < 4; i++) r.push(await once(100000));
console.log(Math.min(...r.slice(1)).toFixed(0));
