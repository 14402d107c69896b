/**
 * The CLI's task table (the summary of `run --board` and the screen of `top`): per task its
 * priority, state, CPU %, stack high-water mark and wake-ups, from uxTaskGetSystemState.
 *
 * - CPU %: the task's run-time counter (vTaskGetRunTimeStats: microseconds of virtual time the
 *   task was Running, or CPU cycles on a board counting cycles) as a share of the kernel's total
 *   since the current boot — or, in `top`, of the last interval's. The idle task's share is the
 *   time no other task ran.
 * - Stack: uxTaskGetStackHighWaterMark, the words of stack the task never used.
 * - Wake-ups: the times the scheduler switched the task in while another task had been running
 *   (TaskStatus.switchInCount), since the boot — or, in `top`, in the interval.
 * @module
 */
import type { FreeRTOS, TaskStatus } from "../freertos/index.js";

/** One row of the table (also the `tasks` rows of `run --board --json`). */
export interface TaskRow {
  name: string;
  priority: number;
  state: string;
  /** Share of the run-time counter, 0..100, with one decimal. */
  cpuPercent: number;
  /** Words of stack never used. */
  stackHighWaterMark: number;
  wakeUps: number;
}

/** eTaskState names, by eRunning (0) .. eDeleted (4). */
const STATE_NAMES = ["Running", "Ready", "Blocked", "Suspended", "Deleted"];

const percent = (part: number, total: number): number => (total > 0 ? Math.round((part * 1000) / total) / 10 : 0);

function row(s: TaskStatus, runTime: number, total: number, wakeUps: number): TaskRow {
  return {
    name: s.name,
    priority: s.currentPriority,
    state: STATE_NAMES[s.state] ?? "Invalid",
    cpuPercent: percent(runTime, total),
    stackHighWaterMark: s.stackHighWaterMark,
    wakeUps,
  };
}

/** The rows of every live task of `rtos` since its boot, in the kernel's order (as vTaskList). */
export function taskRows(rtos: FreeRTOS): TaskRow[] {
  const total = rtos.kernel.totalRunTimeCounter();
  return rtos.uxTaskGetSystemState().map((s) => row(s, s.runTimeCounter, total, s.switchInCount));
}

/**
 * Rows over intervals (`top`): each sample() gives CPU % and wake-ups since the previous sample
 * of the same kernel (a reset's fresh kernel starts over), busiest first.
 */
export class IntervalSampler {
  private rtos: FreeRTOS | null = null;
  private total = 0;
  private readonly last = new Map<unknown, { runTime: number; wakeUps: number }>();

  sample(rtos: FreeRTOS): TaskRow[] {
    if (rtos !== this.rtos) {
      this.rtos = rtos;
      this.total = 0;
      this.last.clear();
    }
    const total = rtos.kernel.totalRunTimeCounter();
    const span = total - this.total;
    this.total = total;
    const rows: TaskRow[] = [];
    const seen = new Set<unknown>();
    for (const s of rtos.uxTaskGetSystemState()) {
      const before = this.last.get(s.handle) ?? { runTime: 0, wakeUps: 0 };
      rows.push(row(s, s.runTimeCounter - before.runTime, span, s.switchInCount - before.wakeUps));
      this.last.set(s.handle, { runTime: s.runTimeCounter, wakeUps: s.switchInCount });
      seen.add(s.handle);
    }
    for (const handle of [...this.last.keys()]) if (!seen.has(handle)) this.last.delete(handle);
    return rows.map((r, i) => ({ r, i })).sort((a, b) => b.r.cpuPercent - a.r.cpuPercent || a.i - b.i).map((x) => x.r);
  }
}

const HEADERS = ["Task", "Prio", "State", "CPU %", "Stack", "Wake-ups"] as const;

/**
 * The rows as an aligned text table: a header line, then one line per task; columns separated by
 * at least two spaces, the name left-aligned, numbers right-aligned.
 */
export function formatTaskTable(rows: readonly TaskRow[]): string {
  const cells = rows.map((r) => [r.name, String(r.priority), r.state, r.cpuPercent.toFixed(1), String(r.stackHighWaterMark), String(r.wakeUps)]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((cell, i) => (i === 0 || i === 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(HEADERS), ...cells.map(line)].join("\n") + "\n";
}
