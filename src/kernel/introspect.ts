/**
 * Task tables in the format of FreeRTOS's vTaskList (vTaskListTasks) and vTaskGetRunTimeStats:
 * the name padded to configMAX_TASK_NAME_LEN, then tab-separated columns. Lines end in "\n"
 * (FreeRTOS writes "\r\n").
 * @module
 */
import { eBlocked, eDeleted, eReady, eRunning, eSuspended } from "./constants.js";
import type { Kernel } from "./kernel.js";

const stateLetter: Record<number, string> = { [eRunning]: "X", [eReady]: "R", [eBlocked]: "B", [eSuspended]: "S", [eDeleted]: "D" };

function padName(k: Kernel, name: string): string {
  return name.padEnd(k.config.configMAX_TASK_NAME_LEN - 1, " ");
}

/** vTaskList: name, state (X running, R ready, B blocked, S suspended, D deleted), priority, stack high-water mark in words, task number. */
export function taskListText(k: Kernel): string {
  let out = "";
  for (const s of k.systemState()) {
    out += `${padName(k, s.name)}\t${stateLetter[s.state] ?? "?"}\t${s.currentPriority}\t${s.stackHighWaterMark}\t${s.taskNumber}\n`;
  }
  return out;
}

/** vTaskGetRunTimeStats: name, run time (microseconds of virtual time, or the board's cycle counter), share of the total. */
export function runTimeStatsText(k: Kernel): string {
  const total = k.totalRunTimeCounter();
  let out = "";
  for (const s of k.systemState()) {
    const percent = total > 0 ? Math.floor((s.runTimeCounter * 100) / total) : 0;
    out += `${padName(k, s.name)}\t${s.runTimeCounter}\t\t${percent > 0 ? `${percent}%` : "<1%"}\n`;
  }
  return out;
}
