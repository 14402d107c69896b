/**
 * The task control block (TCB_t). Fields are initialised in the constructor in one fixed order
 * so that every task shares one hidden class.
 * @module
 */
import { ListItem } from "./list.js";

/** Notification states per index (taskNOT_WAITING_NOTIFICATION ...). */
export const NOTIFY_NOT_WAITING = 0;
export const NOTIFY_WAITING = 1;
export const NOTIFY_RECEIVED = 2;

/**
 * What the kernel runs for a task when it is next switched in, before handing control back to
 * the task's own code: the second half of a blocking call (re-check the queue, read the
 * notification value, ...). It either completes the call (`k.completeCurrent(value)`), blocks
 * again, or consumes virtual time (busy, idle). FreeRTOS runs the same code in the task's
 * context right after the switch.
 */
export type Continuation<K> = (kernel: K, task: Task<K>) => void;

/** An opaque task handle (TaskHandle_t). */
export class Task<K = unknown> {
  readonly stateItem: ListItem<Task<K>>;
  readonly eventItem: ListItem<Task<K>>;
  priority: number;
  basePriority: number;
  mutexesHeld = 0;
  /** Resolves the promise the task awaits; set while the task is switched out inside a kernel call. */
  resolve: ((value: unknown) => void) | null = null;
  /** Work to do when switched in (see Continuation); null means "resolve with resumeValue". */
  cont: Continuation<K> | null = null;
  /** What the pending call returns when the task resumes (a number for most calls). */
  resumeValue: unknown = 0;
  /** Operands of the pending blocking call (queue, item or ref, position). */
  opObject: unknown = null;
  opItem: unknown = undefined;
  opArg = 0;
  /** xTaskCheckForTimeOut state of the pending call. */
  ticksToWait = 0;
  timeOutOverflows = 0;
  timeOutEntering = 0;
  delayAborted = false;
  /** For mutex waits: whether this wait raised the holder's priority. */
  inheritanceOccurred = false;
  /** CPU time still owed to a preempted busy() call, in ticks. */
  busyRemaining = 0;
  /** Virtual time consumed while Running, in ticks. */
  runTimeTicks = 0;
  /** The object the task is blocked on, for introspection (queue, mutex, "delay", "notification"). */
  blockedOn: string | null = null;
  /** Event list item value holds event-group bits (taskEVENT_LIST_ITEM_VALUE_IN_USE). */
  eventValueInUse = false;
  readonly notifyValues: Uint32Array;
  readonly notifyStates: Uint8Array;
  /** Set when the task has been deleted and freed. */
  deleted = false;
  heapBlockBytes = 0;
  /** Free-form slot for layers above the kernel (the Go bridge keeps its goroutine here). */
  tag: unknown = null;

  constructor(
    readonly id: number,
    public name: string,
    priority: number,
    readonly stackDepth: number,
    notifyEntries: number,
    readonly isIdle: boolean,
  ) {
    this.stateItem = new ListItem<Task<K>>(this);
    this.eventItem = new ListItem<Task<K>>(this);
    this.priority = priority;
    this.basePriority = priority;
    this.notifyValues = new Uint32Array(notifyEntries);
    this.notifyStates = new Uint8Array(notifyEntries);
  }

  toString(): string {
    return `Task(${this.name})`;
  }
}
