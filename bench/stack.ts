/**
 * The stack model's cost (issue 12): kernel.queue.pingpong's program (generator lane) with
 * configCHECK_FOR_STACK_OVERFLOW 1 and 2 — the check runs at every switch-out — and each task
 * charging a stackUse around its receive, on stacks with a view of their bytes (as on a board).
 * Beside kernel.queue.pingpong.gen (checks off: one field test per switch), it is what the
 * checks and the charges (a stackUse allocates its release function) add per switch.
 */
import { createFreeRTOS, portMAX_DELAY, type TaskHandle } from "../src/freertos/index.js";
import { attachStackView, type GenTask } from "../src/kernel/index.js";
import { median, nowNs, round, type Figure } from "./harness.js";

async function pingpongChecked(method: 1 | 2): Promise<number> {
  const roundTrips = 500_000;
  return median(5, 2, async () => {
    let detections = 0;
    const rtos = createFreeRTOS({ configCHECK_FOR_STACK_OVERFLOW: method, vApplicationStackOverflowHook: () => void detections++ });
    const q1 = rtos.xQueueCreate(1, 0)!;
    const q2 = rtos.xQueueCreate(1, 0)!;
    let t0 = 0;
    let t1 = 0;
    const ping = { value: null as TaskHandle | null };
    const pong = { value: null as TaskHandle | null };
    await rtos.xTaskCreate(function* (): GenTask {
      const r = { value: 0 };
      t0 = nowNs();
      for (let i = 0; i < roundTrips; i++) {
        yield* rtos.xQueueSend(q1, i, portMAX_DELAY);
        const release = rtos.stackUse(64);
        yield* rtos.xQueueReceive(q2, r, portMAX_DELAY);
        release();
      }
      t1 = nowNs();
    }, "ping", 128, null, 2, ping);
    await rtos.xTaskCreate(function* (): GenTask {
      const r = { value: 0 };
      for (;;) {
        const release = rtos.stackUse(64);
        yield* rtos.xQueueReceive(q1, r, portMAX_DELAY);
        release();
        yield* rtos.xQueueSend(q2, r.value, portMAX_DELAY);
      }
    }, "pong", 128, null, 2, pong);
    attachStackView(ping.value!, new Uint8Array(512));
    attachStackView(pong.value!, new Uint8Array(512));
    rtos.vTaskStartScheduler();
    await rtos.run(1);
    if (detections !== 0) throw new Error(`kernel.stack.pingpong: ${detections} false detections`);
    return (t1 - t0) / (2 * roundTrips);
  });
}

async function pingpongCheck1(): Promise<Figure[]> {
  return [{ name: "kernel.stack.pingpong.check1.gen", value: round(await pingpongChecked(1)), unit: "ns/switch" }];
}

async function pingpongCheck2(): Promise<Figure[]> {
  return [{ name: "kernel.stack.pingpong.check2.gen", value: round(await pingpongChecked(2)), unit: "ns/switch" }];
}

export const benchmarks = { pingpongCheck1, pingpongCheck2 };
