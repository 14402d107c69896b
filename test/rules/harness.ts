/** Shared set-up for the rule tests: a kernel with the rule tests' configuration, and task helpers. */
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS } from "../../src/freertos/index.js";
import type { FreeRTOS, Ref, TaskHandle } from "../../src/freertos/index.js";

export type Config = NonNullable<Parameters<typeof createFreeRTOS>[0]>;

/** Per-test timeout for node:test. */
export const T = { timeout: 10_000 };

/** A FreeRTOS instance with 8 priorities, mutexes, counting semaphores and one notification entry. */
export function mk(extra: Partial<Config> = {}): FreeRTOS {
  return createFreeRTOS({
    configMAX_PRIORITIES: 8,
    configUSE_MUTEXES: 1,
    configUSE_COUNTING_SEMAPHORES: 1,
    configMINIMAL_STACK_SIZE: 128,
    configTASK_NOTIFICATION_ARRAY_ENTRIES: 1,
    ...extra,
  } as Config);
}

/** Creates a task (128 words of stack) and returns its handle, asserting the creation passed. */
export async function spawn(rtos: FreeRTOS, name: string, prio: number, fn: () => Promise<void>): Promise<TaskHandle> {
  const ref: Ref<TaskHandle | null> = { value: null };
  const r = await rtos.xTaskCreate(fn, name, 128, null, prio, ref);
  assert.equal(r, pdPASS, `xTaskCreate(${name})`);
  assert.ok(ref.value, `handle of ${name}`);
  return ref.value;
}

/** Takes the calling task out of the picture for good (never runs again). */
export function park(rtos: FreeRTOS): Promise<unknown> {
  return rtos.vTaskSuspend(null);
}
