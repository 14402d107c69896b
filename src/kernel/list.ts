/**
 * Intrusive circular doubly-linked list with a sentinel and a walking index, as FreeRTOS's
 * list.c: the ready lists rotate through `index`, event lists are sorted by `value`
 * (FIFO among equal values), every other list appends at the end. No allocation on insert or
 * remove: each owner carries its own items.
 * @module
 */

/** What a list holds; lets eTaskGetState tell where a task is from its state item alone. */
export const enum ListKind {
  Ready = 0,
  Delayed = 1,
  Suspended = 2,
  PendingReady = 3,
  Termination = 4,
  Event = 5,
}

export class ListItem<T> {
  next: ListItem<T>;
  prev: ListItem<T>;
  container: List<T> | null = null;
  /** Sort key: wake tick for delayed items, `maxPriorities - priority` for event items. */
  value = 0;
  /** The object this item links into lists (a subclass may be its own owner). */
  owner: T;
  constructor(owner: T) {
    this.next = this;
    this.prev = this;
    this.owner = owner;
  }
}

export class List<T> {
  /** Sentinel; its owner is never read. */
  readonly end: ListItem<T>;
  /** The walking index of listGET_OWNER_OF_NEXT_ENTRY; insertEnd places items just before it. */
  index: ListItem<T>;
  length = 0;
  /** The priority of a ready list (-1 for other lists). */
  priority = -1;

  constructor(readonly kind: ListKind) {
    this.end = new ListItem<T>(null as unknown as T);
    this.end.value = Infinity;
    this.index = this.end;
  }

  /** listINSERT_END: the new item is the last one the index reaches. */
  insertEnd(item: ListItem<T>): void {
    const index = this.index;
    item.next = index;
    item.prev = index.prev;
    index.prev.next = item;
    index.prev = item;
    item.container = this;
    this.length++;
  }

  /**
   * vListInsert: after every item, from the head, whose value is <= `item.value`. Searching from
   * the head matters: priority changes do not re-sort event lists (rule 15), so a list can be
   * out of order and a search from the tail would place the item elsewhere.
   */
  insertSorted(item: ListItem<T>): void {
    const value = item.value;
    let at = this.end;
    while (at.next !== this.end && at.next.value <= value) at = at.next;
    item.prev = at;
    item.next = at.next;
    at.next.prev = item;
    at.next = item;
    item.container = this;
    this.length++;
  }

  /** uxListRemove; returns the number of items left. */
  remove(item: ListItem<T>): number {
    item.next.prev = item.prev;
    item.prev.next = item.next;
    if (this.index === item) this.index = item.prev;
    item.container = null;
    item.next = item;
    item.prev = item;
    return --this.length;
  }

  /** listGET_OWNER_OF_HEAD_ENTRY; null when empty. */
  head(): T | null {
    return this.length === 0 ? null : this.end.next.owner;
  }

  /** listGET_OWNER_OF_NEXT_ENTRY: advances the index, skipping the sentinel. The list must not be empty. */
  nextOwner(): T {
    let index = this.index.next;
    if (index === this.end) index = index.next;
    this.index = index;
    return index.owner;
  }

  /** Owners in list order (from the head), for introspection; allocates. */
  toArray(): T[] {
    const out: T[] = [];
    for (let at = this.end.next; at !== this.end; at = at.next) out.push(at.owner);
    return out;
  }
}

/**
 * A node that can be linked into an EventList: the links of FreeRTOS's xEventListItem, carried
 * by the task itself (no separate item object per task).
 */
export interface EventNode {
  eNext: EventNode;
  ePrev: EventNode;
  /** The event list the node is in, or null. */
  eList: EventList<EventNode> | null;
  /** Sort key: `maxPriorities - priority`, or event-group bits (see Task.eventValueInUse). */
  eValue: number;
}

/**
 * A list of tasks waiting on an object (or the pending-ready list), linked through the tasks'
 * own event links. Sorted inserts follow vListInsert (after equal values, searching from the
 * head); insertEnd appends (event lists never walk an index).
 */
export class EventList<T extends EventNode> {
  readonly end: EventNode;
  length = 0;
  /**
   * Set when a member's value changed while it was in the list (priority changes do not
   * re-sort, rule 15). While the list is sorted, searching from the tail finds the same place
   * as vListInsert's search from the head, in O(1) for the common equal-priority case.
   */
  unsorted = false;

  constructor(readonly kind: ListKind) {
    const end = { eNext: null as unknown as EventNode, ePrev: null as unknown as EventNode, eList: null, eValue: Infinity };
    end.eNext = end;
    end.ePrev = end;
    this.end = end;
  }

  insertEnd(node: T): void {
    const end = this.end;
    node.eNext = end;
    node.ePrev = end.ePrev;
    end.ePrev.eNext = node;
    end.ePrev = node;
    node.eList = this as unknown as EventList<EventNode>;
    this.length++;
  }

  /** vListInsert: after every node, from the head, whose value is <= node.eValue (rule 15). */
  insertSorted(node: T): void {
    const value = node.eValue;
    const end = this.end;
    let at = end;
    if (this.unsorted) {
      while (at.eNext !== end && at.eNext.eValue <= value) at = at.eNext;
    } else {
      at = end.ePrev;
      while (at !== end && at.eValue > value) at = at.ePrev;
    }
    node.ePrev = at;
    node.eNext = at.eNext;
    at.eNext.ePrev = node;
    at.eNext = node;
    node.eList = this as unknown as EventList<EventNode>;
    this.length++;
  }

  /** Unlinks `node`; returns the number of nodes left. */
  remove(node: T): number {
    node.eNext.ePrev = node.ePrev;
    node.ePrev.eNext = node.eNext;
    node.eList = null;
    node.eNext = node;
    node.ePrev = node;
    if (--this.length === 0) this.unsorted = false;
    return this.length;
  }

  head(): T | null {
    return this.length === 0 ? null : (this.end.eNext as T);
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let at = this.end.eNext; at !== this.end; at = at.eNext) out.push(at as T);
    return out;
  }
}
