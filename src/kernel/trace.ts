/**
 * Trace hooks. The kernel calls its sink at every state change (the traceTASK_SWITCHED_IN,
 * traceBLOCKING_ON_QUEUE_RECEIVE, ... points of FreeRTOS). With no sink attached each hook costs
 * one null check and allocates nothing.
 * @module
 */

/** Event kinds, stable strings so that traces compare byte for byte across runs. */
export type TraceKind =
  | "task.created"
  | "task.deleted"
  | "task.switchedIn"
  | "task.switchedOut"
  | "task.ready"
  | "task.blocked"
  | "task.delayed"
  | "task.suspended"
  | "task.resumed"
  | "task.prioritySet"
  | "task.priorityInherit"
  | "task.priorityDisinherit"
  | "task.notify"
  | "task.notifyWait"
  | "task.delayAborted"
  | "task.faulted"
  | "task.stackOverflow"
  | "queue.created"
  | "queue.deleted"
  | "queue.reset"
  | "queue.send"
  | "queue.sendFailed"
  | "queue.receive"
  | "queue.receiveFailed"
  | "queue.peek"
  | "mutex.take"
  | "mutex.give"
  | "stream.created"
  | "stream.deleted"
  | "stream.reset"
  | "stream.send"
  | "stream.sendFailed"
  | "stream.receive"
  | "stream.receiveFailed"
  | "scheduler.started"
  | "scheduler.suspended"
  | "scheduler.resumed"
  | "heap.mallocFailed"
  | "isr.enter"
  | "isr.exit"
  | "eventGroup.created"
  | "eventGroup.setBits"
  | "eventGroup.clearBits"
  | "eventGroup.deleted"
  | "timer.created"
  | "timer.command"
  | "timer.expired";

export interface TraceEvent {
  kind: TraceKind;
  /** Virtual time of the event in ticks since the kernel was created (fractional between ticks). */
  timeTicks: number;
  /** Name of the task concerned (the running task for object operations). */
  task?: string;
  /** Name of the object concerned (queue, semaphore, mutex, ISR). */
  object?: string;
  /** A number that goes with the event: a priority, a wake tick, a count. */
  value?: number;
}

export type TraceSink = (event: TraceEvent) => void;

/** Formats an event as one stable text line (used by determinism checks and the text exporter). */
export function formatTraceEvent(e: TraceEvent): string {
  let line = `${e.timeTicks.toFixed(6)} ${e.kind}`;
  if (e.task !== undefined) line += ` task=${e.task}`;
  if (e.object !== undefined) line += ` object=${e.object}`;
  if (e.value !== undefined) line += ` value=${e.value}`;
  return line;
}
