/**
 * What the board's drivers share: the task-notification index a blocking driver call (a UART
 * write, a flash erase or program) waits on while the peripheral's interrupt completes it.
 * @module
 */
import type { Kernel } from "../kernel/index.js";

/**
 * The last notification index (index 0 when configTASK_NOTIFICATION_ARRAY_ENTRIES is 1, the
 * default): firmware that notifies a task at that index while it waits in a driver call wakes it
 * early, as on a BSP that uses the same index.
 */
export function driverNotifyIndex(k: Kernel): number {
  return k.config.configTASK_NOTIFICATION_ARRAY_ENTRIES - 1;
}
