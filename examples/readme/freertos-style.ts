/** The FreeRTOS-style example of the README (test/docs.test.ts checks the README shows this file's body and runs it). */
// README:begin
import { createFreeRTOS, portMAX_DELAY } from "tinyrtos/freertos";

const rtos = createFreeRTOS({ configTICK_RATE_HZ: 1000, configMAX_PRIORITIES: 8 });
const queue = rtos.xQueueCreate(4, 0)!; // itemSize 0: JS values by reference
const uart = rtos.xSemaphoreCreateMutex()!;
const lines: string[] = [];

await rtos.xTaskCreate(async () => {
  const prev = { value: rtos.xTaskGetTickCount() };
  for (let i = 0; ; i++) {
    await rtos.xTaskDelayUntil(prev, 10); // every 10 ticks
    await rtos.busy(0.25); // 0.25 tick of CPU work (preemptible)
    await rtos.xQueueSend(queue, i, portMAX_DELAY);
  }
}, "sensor", 256, null, 3);

await rtos.xTaskCreate(async () => {
  const item = { value: 0 };
  for (;;) {
    await rtos.xQueueReceive(queue, item, portMAX_DELAY);
    await rtos.xSemaphoreTake(uart, portMAX_DELAY);
    lines.push(`tick ${rtos.xTaskGetTickCount()}: reading ${item.value}`);
    await rtos.xSemaphoreGive(uart);
  }
}, "logger", 256, null, 1);

rtos.vTaskStartScheduler();
await rtos.run(100); // exactly 100 ticks of virtual time
console.log(lines.join("\n"));
console.log(rtos.vTaskList());
// README:end

export { lines, rtos };
