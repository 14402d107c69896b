/** Shared set-up for the rule tests: a kernel with the rule tests' configuration, and task helpers. */
import assert from "node:assert/strict";
import { createFreeRTOS, pdPASS, portMAX_DELAY } from "../../src/freertos/index.js";
import type { FreeRTOS, Ref, SemaphoreHandle, TaskHandle } from "../../src/freertos/index.js";

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

/**
 * The two-mutex chain of the inheritance tests. L (priority 1) takes m1 at once and works for 6
 * ticks, then logs `lGiveEntry()` and gives m1; Md (2) takes m2 at tick 1 and waits for m1, logs
 * "Md" and gives both; H (5) waits for m2 from tick 2 and logs "H". Returns L's and Md's handles.
 */
export async function spawnMutexChain(
  rtos: FreeRTOS,
  m1: SemaphoreHandle,
  m2: SemaphoreHandle,
  log: string[],
  lGiveEntry: () => string,
): Promise<{ L: TaskHandle; Md: TaskHandle }> {
  const L = await spawn(rtos, "L", 1, async () => {
    assert.equal(await rtos.xSemaphoreTake(m1, 0), pdPASS);
    await rtos.busy(6);
    log.push(lGiveEntry());
    assert.equal(await rtos.xSemaphoreGive(m1), pdPASS);
    await park(rtos);
  });
  const Md = await spawn(rtos, "Md", 2, async () => {
    await rtos.vTaskDelay(1);
    assert.equal(await rtos.xSemaphoreTake(m2, 0), pdPASS);
    assert.equal(await rtos.xSemaphoreTake(m1, portMAX_DELAY), pdPASS);
    log.push("Md");
    assert.equal(await rtos.xSemaphoreGive(m1), pdPASS);
    assert.equal(await rtos.xSemaphoreGive(m2), pdPASS);
    await park(rtos);
  });
  await spawn(rtos, "H", 5, async () => {
    await rtos.vTaskDelay(2);
    assert.equal(await rtos.xSemaphoreTake(m2, portMAX_DELAY), pdPASS);
    log.push("H");
    assert.equal(await rtos.xSemaphoreGive(m2), pdPASS);
    await park(rtos);
  });
  return { L, Md };
}
