/**
 * The task control block (TCB_t). A task is its own state list item (xStateListItem: ready,
 * delayed, suspended, termination lists) and carries its event list links (xEventListItem:
 * the lists of tasks waiting on an object, and the pending-ready list) inline. Fields are
 * initialised in one fixed order so that every task shares one hidden class, and kept few:
 * a million parked tasks must fit in well under a kilobyte each.
 * @module
 */
import type { EventList, EventNode, List, ListItem } from "./list.js";

/** Notification states per index (taskNOT_WAITING_NOTIFICATION ...). */
/** Words of stack a task uses at the least: the context frame a Cortex-M port saves (no FPU). */
export const CONTEXT_FRAME_WORDS = 17;

/**
 * A task's modelled stack use (stack.ts), in bytes, the context frame included.
 * @internal
 */
export interface StackState {
  /** In use now: the context frame plus the open stackUse charges. */
  useBytes: number;
  /** The most ever in use (the high-water mark's complement). */
  peakBytes: number;
}

export const NOTIFY_NOT_WAITING = 0;
export const NOTIFY_WAITING = 1;
export const NOTIFY_RECEIVED = 2;

/**
 * What the kernel runs for a task when it is next switched in, before handing control back to
 * the task's own code: the second half of a blocking call (re-check the queue, read the
 * notification value, ...). It either completes the call (leaving `cont` null and the result in
 * `resumeValue`), blocks again, switches to another task, or consumes virtual time (busy, idle).
 * FreeRTOS runs the same code in the task's context right after the switch.
 */
export type Continuation<K> = (kernel: K, task: Task<K>) => void;

const FLAG_IDLE = 1;
const FLAG_DELETED = 2;
const FLAG_DELAY_ABORTED = 4;
const FLAG_INHERITANCE_OCCURRED = 8;
const FLAG_EVENT_VALUE_IN_USE = 16;
const FLAG_RECLAIM_ON_RETURN = 32;
/** ucStaticallyAllocated: the stack and TCB are caller-supplied buffers (or kernel-owned static memory), not heap blocks. */
const FLAG_STATIC = 64;
/** tskSTATICALLY_ALLOCATED_STACK_ONLY: the stack is a caller-supplied buffer, the TCB a heap block (xTaskCreateRestricted with a stack buffer). */
const FLAG_STATIC_STACK_ONLY = 128;

/** An opaque task handle (TaskHandle_t). */
export class Task<K = unknown> implements ListItem<Task<K>>, EventNode {
  // Every field is assigned in the constructor, in the order declared here ("declare": no
  // class-field initialisers, which V8 runs as an extra function per object and which would
  // put the fields without an initial value last). The order is access order: what a wake-up
  // and a switch touch comes first (the state item, priority, flags, the resume slots), what
  // blocking calls and introspection read after, so a wake-up touches fewer cache lines of a
  // task that has gone cold (kernel.delay.wake.100k about 5% faster than with the kernel handle
  // and ids first).
  // xStateListItem, inline: the task is its own list item. (Declared here rather than
  // inherited: a base-class constructor is cheaper to run than a derived one, and goroutines
  // are created at a high rate.)
  declare next: ListItem<Task<K>>;
  declare prev: ListItem<Task<K>>;
  declare container: List<Task<K>> | null;
  /** Sort key of the state item (the wake tick on the delayed list). */
  declare value: number;
  declare owner: Task<K>;
  /** @internal */
  declare priority: number;
  private declare flags: number;
  /** @internal Resolves the promise the task awaits; set while the task is switched out inside a kernel call. */
  declare resolve: ((value: unknown) => void) | null;
  /** @internal A generator task's generator (the generator lane, resumed with next()); null for an async task. */
  declare gen: Generator<unknown, unknown, unknown> | null;
  /** @internal Work to do when switched in (see Continuation); null means "resolve with resumeValue". */
  declare cont: Continuation<K> | null;
  /** @internal What the pending call returns when the task resumes (a number for most calls). */
  declare resumeValue: unknown;
  /** @internal What the task is blocked on, for introspection (a queue's name, "delay", "notification"). */
  declare blockedOn: string | null;
  // xEventListItem, inline (see EventList).
  declare eList: EventList<EventNode> | null;
  declare eNext: EventNode;
  declare ePrev: EventNode;
  declare eValue: number;
  /** @internal Operands of the pending blocking call (queue, item or ref, position); the function and its argument before the task starts. */
  declare opObject: unknown;
  /** @internal */
  declare opItem: unknown;
  /** @internal */
  declare opArg: number;
  /** @internal xTaskCheckForTimeOut state of the pending call (ticks left; the absolute tick when the wait began). */
  declare ticksToWait: number;
  /** @internal */
  declare timeOutEnteringAbs: number;
  /** @internal */
  declare basePriority: number;
  /** @internal */
  declare mutexesHeld: number;
  /** @internal Virtual time consumed while Running, in ticks. */
  declare runTimeTicks: number;
  /** @internal Times the scheduler switched this task in when another task had been running. */
  declare switchInCount: number;
  /** ulNotifiedValue[] then ucNotifyState[], allocated on first use. */
  private declare notifyArray: number[] | null;
  /** @internal Free-form slot for layers above the kernel (the Go bridge keeps its goroutine here). */
  declare tag: unknown;
  /** The name, or its prefix while nameNumber >= 0. */
  private declare label: string;
  /** When >= 0 the name is `label + nameNumber`, built on first use (goroutines are numbered by the thousand and rarely named aloud). */
  private declare nameNumber: number;
  /** @internal The kernel the task belongs to. */
  declare readonly kernel: K;
  /** @internal */
  declare readonly id: number;
  /** @internal */
  declare readonly stackDepth: number;
  // Memory of the task (issue 12): where its TCB and stack lie in the board's address map (0
  // off a board, where the kernel has no addresses), its stack as a view of board RAM (null off
  // a board), and the MPU regions of a restricted task (null: privileged, sees everything).
  /** @internal Address of the TCB (StaticTask_t or heap block payload); 0 when not placed. */
  declare tcbAddress: number;
  /** @internal Lowest address of the stack region; 0 when not placed. */
  declare stackAddress: number;
  /** @internal The stack's bytes in board RAM; null off a board. */
  declare stackView: Uint8Array | null;
  /** @internal The task's MPU regions (set by xTaskCreateRestricted); null for a privileged task. */
  declare mpuRegions: unknown;
  // The stack model (issue 12, stack.ts). One field, null until the task first charges its
  // stack (then the context frame only is in use): a parked task stays 8 bytes larger, not 16
  // (kernel.tasks.parked.bytes.gen's target is 550).
  /** @internal Stack bytes in use now and at the most; null: only the context frame, ever. */
  declare stackState: StackState | null;

  constructor(kernel: K, id: number, name: string, priority: number, stackDepth: number, isIdle: boolean) {
    this.next = this;
    this.prev = this;
    this.container = null;
    this.value = 0;
    this.owner = this;
    this.priority = priority;
    this.flags = isIdle ? FLAG_IDLE : 0;
    this.resolve = null;
    this.gen = null;
    this.cont = null;
    this.resumeValue = 0;
    this.blockedOn = null;
    this.eList = null;
    this.eNext = this;
    this.ePrev = this;
    this.eValue = 0;
    this.opObject = null;
    this.opItem = undefined;
    this.opArg = 0;
    this.ticksToWait = 0;
    this.timeOutEnteringAbs = 0;
    this.basePriority = priority;
    this.mutexesHeld = 0;
    this.runTimeTicks = 0;
    this.switchInCount = 0;
    this.notifyArray = null;
    this.tag = null;
    this.label = name;
    this.nameNumber = -1;
    this.kernel = kernel;
    this.id = id;
    this.stackDepth = stackDepth;
    this.tcbAddress = 0;
    this.stackAddress = 0;
    this.stackView = null;
    this.mpuRegions = null;
    this.stackState = null;
  }

  /** pcTaskName */
  get name(): string {
    if (this.nameNumber >= 0) {
      this.label += String(this.nameNumber);
      this.nameNumber = -1;
    }
    return this.label;
  }
  set name(name: string) {
    this.label = name;
    this.nameNumber = -1;
  }

  /** @internal Names the task `prefix + number`, without building the string until someone reads it. */
  setNumberedName(prefix: string, number: number): void {
    this.label = prefix;
    this.nameNumber = number;
  }

  /** @internal xStateListItem: the task itself. */
  get stateItem(): ListItem<Task<K>> {
    return this;
  }

  /** @internal */
  get isIdle(): boolean {
    return (this.flags & FLAG_IDLE) !== 0;
  }

  /** @internal Set once the task has been deleted and freed. */
  get deleted(): boolean {
    return (this.flags & FLAG_DELETED) !== 0;
  }
  /** @internal */
  set deleted(on: boolean) {
    this.flags = on ? this.flags | FLAG_DELETED : this.flags & ~FLAG_DELETED;
  }

  /** @internal ucStaticallyAllocated: deleting the task frees no heap. */
  get staticallyAllocated(): boolean {
    return (this.flags & FLAG_STATIC) !== 0;
  }
  /** @internal */
  set staticallyAllocated(on: boolean) {
    this.flags = on ? this.flags | FLAG_STATIC : this.flags & ~FLAG_STATIC;
  }

  /** @internal tskSTATICALLY_ALLOCATED_STACK_ONLY: deleting the task frees its TCB, not its stack. */
  get staticStackOnly(): boolean {
    return (this.flags & FLAG_STATIC_STACK_ONLY) !== 0;
  }
  /** @internal */
  set staticStackOnly(on: boolean) {
    this.flags = on ? this.flags | FLAG_STATIC_STACK_ONLY : this.flags & ~FLAG_STATIC_STACK_ONLY;
  }

  /** @internal ucDelayAborted */
  get delayAborted(): boolean {
    return (this.flags & FLAG_DELAY_ABORTED) !== 0;
  }
  /** @internal */
  set delayAborted(on: boolean) {
    this.flags = on ? this.flags | FLAG_DELAY_ABORTED : this.flags & ~FLAG_DELAY_ABORTED;
  }

  /** @internal For mutex waits: whether this wait raised the holder's priority. */
  get inheritanceOccurred(): boolean {
    return (this.flags & FLAG_INHERITANCE_OCCURRED) !== 0;
  }
  /** @internal */
  set inheritanceOccurred(on: boolean) {
    this.flags = on ? this.flags | FLAG_INHERITANCE_OCCURRED : this.flags & ~FLAG_INHERITANCE_OCCURRED;
  }

  /** @internal The event item value holds event-group bits (taskEVENT_LIST_ITEM_VALUE_IN_USE). */
  get eventValueInUse(): boolean {
    return (this.flags & FLAG_EVENT_VALUE_IN_USE) !== 0;
  }
  /** @internal */
  set eventValueInUse(on: boolean) {
    this.flags = on ? this.flags | FLAG_EVENT_VALUE_IN_USE : this.flags & ~FLAG_EVENT_VALUE_IN_USE;
  }

  /** @internal When its function returns the task is freed at once (a goroutine's exit), not by the idle task. */
  get reclaimOnReturn(): boolean {
    return (this.flags & FLAG_RECLAIM_ON_RETURN) !== 0;
  }
  /** @internal */
  set reclaimOnReturn(on: boolean) {
    this.flags = on ? this.flags | FLAG_RECLAIM_ON_RETURN : this.flags & ~FLAG_RECLAIM_ON_RETURN;
  }

  /** @internal CPU time still owed to a preempted busy() call, in ticks (busy() is not a blocking call: it shares ticksToWait). */
  get busyRemaining(): number {
    return this.ticksToWait;
  }
  /** @internal */
  set busyRemaining(ticks: number) {
    this.ticksToWait = ticks;
  }

  /** @internal The notification value at `index`. */
  notifyValue(index: number): number {
    const a = this.notifyArray;
    return a === null ? 0 : a[index]!;
  }

  /** @internal */
  setNotifyValue(index: number, value: number): void {
    this.notifications()[index] = value;
  }

  /** @internal The notification state at `index` (NOTIFY_*). */
  notifyState(index: number): number {
    const a = this.notifyArray;
    return a === null ? NOTIFY_NOT_WAITING : a[(a.length >> 1) + index]!;
  }

  /** @internal */
  setNotifyState(index: number, state: number): void {
    const a = this.notifications();
    a[(a.length >> 1) + index] = state;
  }

  private notifications(): number[] {
    let a = this.notifyArray;
    if (a === null) {
      const entries = (this.kernel as unknown as { config: { configTASK_NOTIFICATION_ARRAY_ENTRIES: number } }).config.configTASK_NOTIFICATION_ARRAY_ENTRIES;
      a = this.notifyArray = new Array<number>(2 * entries).fill(0);
    }
    return a;
  }

  /** @internal Whether any notification index is in the waiting state (without allocating). */
  waitingForNotification(): boolean {
    const a = this.notifyArray;
    if (a === null) return false;
    for (let i = a.length >> 1; i < a.length; i++) if (a[i] === NOTIFY_WAITING) return true;
    return false;
  }

  /** @internal Cancels every notification wait (vTaskSuspend). */
  cancelNotificationWaits(): void {
    const a = this.notifyArray;
    if (a === null) return;
    for (let i = a.length >> 1; i < a.length; i++) if (a[i] === NOTIFY_WAITING) a[i] = NOTIFY_NOT_WAITING;
  }

  /** @internal */
  toString(): string {
    return `Task(${this.name})`;
  }
}
