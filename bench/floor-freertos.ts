/**
 * The floor of kernel.queue.pingpong for any kernel that keeps FreeRTOS's bookkeeping: the
 * ping-pong program on a minimal model of tasks.c and queue.c with nothing else. It keeps only
 * what rules 1–15 need on this path:
 *
 * - per-priority ready lists (circular, with the rotating index) and a bitmap of ready priorities;
 * - a priority-sorted event list per queue direction, linked through the tasks themselves;
 * - the blocked task moved from its ready list to the suspended list (an indefinite wait), and
 *   back to the end of its ready list when it is woken;
 * - a woken receiver that takes the item itself when it is switched back in (rule 13);
 * - one promise settled per switch, as in floor.pingpong; or, in the generator variant
 *   (floor.pingpong.freertos_lists.gen, the floor of kernel.queue.pingpong.gen), no promise:
 *   the tasks are generators that `yield*` every call, resumed by a dispatch loop with
 *   `gen.next()` (floor-lane.ts). The list work is the same code in both.
 *
 * It has no argument checks, traces, timeouts, heap accounting, ISR or scheduler-suspension
 * states, and handles only what this program does. Our kernel cannot be faster than this on the
 * same machine; the difference is the cost of what the model leaves out.
 */
import { Lane, type FloorTask } from "./floor-lane.js";
import { median, nowNs, round, type Figure } from "./harness.js";

const PASS: Promise<number> = Promise.resolve(1);

/** A TCB: its state-list links and event-list links are its own fields (one shape for all). */
class Tcb {
  next: Tcb = this;
  prev: Tcb = this;
  container: StateList | null = null;
  eNext: Tcb = this;
  ePrev: Tcb = this;
  eList: EventList | null = null;
  /** Event-list sort key: higher priority sorts first. */
  eValue: number;
  resolve: ((value: number) => void) | null = null;
  /** The generator variant's task code. */
  gen: FloorTask | null = null;
  /** The blocked call's rest, run when the task is switched back in. */
  cont: ((k: Lists, t: Tcb) => void) | null = null;
  resumeValue = 0;
  waitQueue: MiniQueue | null = null;
  waitRef: { value: number } | null = null;
  constructor(readonly priority: number) {
    this.eValue = 32 - priority;
  }
}

class StateList {
  readonly end = new Tcb(0);
  index: Tcb = this.end;
  length = 0;
  constructor(readonly priority: number) {}
  insertEnd(t: Tcb): void {
    const index = this.index;
    t.next = index;
    t.prev = index.prev;
    index.prev.next = t;
    index.prev = t;
    t.container = this;
    this.length++;
  }
  remove(t: Tcb): number {
    t.next.prev = t.prev;
    t.prev.next = t.next;
    if (this.index === t) this.index = t.prev;
    t.container = null;
    return --this.length;
  }
  nextOwner(): Tcb {
    let index = this.index.next;
    if (index === this.end) index = index.next;
    this.index = index;
    return index;
  }
}

class EventList {
  readonly end = new Tcb(0);
  length = 0;
  /** vListInsert: after the tasks of equal or higher priority. */
  insertSorted(t: Tcb): void {
    const end = this.end;
    let at = end.ePrev;
    while (at !== end && at.eValue > t.eValue) at = at.ePrev;
    t.ePrev = at;
    t.eNext = at.eNext;
    at.eNext.ePrev = t;
    at.eNext = t;
    t.eList = this;
    this.length++;
  }
  removeHead(): Tcb {
    const t = this.end.eNext;
    t.eNext.ePrev = this.end;
    this.end.eNext = t.eNext;
    t.eList = null;
    this.length--;
    return t;
  }
}

class MiniQueue {
  count = 0;
  item = 0;
  readonly rxWait = new EventList();
}

/** The scheduler's lists and the queue calls' list work, shared by both variants. */
class Lists {
  readonly ready: StateList[] = [];
  readyBits = 0;
  readonly suspended = new StateList(-1);
  current!: Tcb;
  constructor(priorities: number) {
    for (let p = 0; p < priorities; p++) this.ready.push(new StateList(p));
  }
  addToReady(t: Tcb): void {
    const list = this.ready[t.priority]!;
    if (list.length === 0) this.readyBits |= 1 << t.priority;
    list.insertEnd(t);
  }
  removeState(t: Tcb): void {
    const list = t.container!;
    if (list.remove(t) === 0 && list.priority >= 0) this.readyBits &= ~(1 << list.priority);
  }
  switchContext(): void {
    this.current = this.ready[31 - Math.clz32(this.readyBits)]!.nextOwner();
  }
  /** xQueueSend to a length-1 queue with space (all this program needs). */
  sendItem(q: MiniQueue, item: number): void {
    q.item = item;
    q.count = 1;
    if (q.rxWait.length > 0) {
      const t = q.rxWait.removeHead();
      this.removeState(t);
      this.addToReady(t);
      // An equal-priority wake does not preempt (rule 4).
    }
  }
  /** xQueueReceive, portMAX_DELAY, from an empty queue: the caller blocks on it. */
  blockOnReceive(q: MiniQueue, ref: { value: number }): void {
    const t = this.current;
    t.waitQueue = q;
    t.waitRef = ref;
    q.rxWait.insertSorted(t);
    this.removeState(t);
    this.suspended.insertEnd(t);
    t.cont = receiveRetry;
  }
  /** Runs the switched-in task's pending continuation (none at all: it resumes its code). */
  runConts(): Tcb {
    for (;;) {
      const t = this.current;
      const cont = t.cont;
      if (cont === null) return t;
      t.cont = null;
      cont(this, t);
    }
  }
}

class MiniKernel extends Lists {
  private readonly executor = (resolve: (value: number) => void): void => {
    this.current.resolve = resolve;
  };
  /** Runs the switched-in task's pending continuation, then resumes its code. */
  dispatch(): void {
    const t = this.runConts();
    const resolve = t.resolve!;
    t.resolve = null;
    resolve(t.resumeValue);
  }
  send(q: MiniQueue, item: number): Promise<number> {
    this.sendItem(q, item);
    return PASS;
  }
  /** xQueueReceive, portMAX_DELAY: takes the item or blocks on the queue. */
  receive(q: MiniQueue, ref: { value: number }): Promise<number> {
    if (q.count > 0) {
      takeItem(this, this.current, q, ref);
      return PASS;
    }
    this.blockOnReceive(q, ref);
    const p = new Promise<number>(this.executor);
    this.switchContext();
    this.dispatch();
    return p;
  }
}

/** The generator variant: calls return the lane's token; a dispatch loop resumes the tasks. */
class GenMiniKernel extends Lists {
  readonly lane = new Lane();
  /** Resumes the current task until one returns (then the program is over). */
  run(): void {
    const lane = this.lane;
    for (;;) {
      const t = this.runConts();
      lane.value = t.resumeValue;
      if (t.gen!.next().done === true) return;
    }
  }
  send(q: MiniQueue, item: number): Lane {
    this.sendItem(q, item);
    return this.lane.done(1);
  }
  receive(q: MiniQueue, ref: { value: number }): Lane {
    if (q.count > 0) {
      takeItem(this, this.current, q, ref);
      return this.lane.done(1);
    }
    this.blockOnReceive(q, ref);
    this.switchContext();
    return this.lane.switch();
  }
}

function takeItem(_k: Lists, t: Tcb, q: MiniQueue, ref: { value: number }): void {
  ref.value = q.item;
  q.count = 0;
  t.resumeValue = 1;
}

function receiveRetry(k: Lists, t: Tcb): void {
  // Woken with the item still there (no other task took it first in this program).
  takeItem(k, t, t.waitQueue!, t.waitRef!);
  t.waitQueue = null;
  t.waitRef = null;
}

/** ns per switch of kernel.queue.pingpong's program on the minimal model. */
async function pingpong(): Promise<number> {
  const roundTrips = 500_000;
  return median(5, 2, async () => {
    const k = new MiniKernel(8);
    const q1 = new MiniQueue();
    const q2 = new MiniQueue();
    const ping = new Tcb(2);
    const pong = new Tcb(2);
    k.addToReady(ping);
    k.addToReady(pong);
    let sum = 0;
    // pong runs first and blocks on q1, which switches to ping (started through its "resolve").
    const done = new Promise<number>((resolveDone) => {
      ping.resolve = () => {
        void PASS.then(async () => {
          const r = { value: 0 };
          const t0 = nowNs();
          for (let i = 0; i < roundTrips; i++) {
            await k.send(q1, i);
            await k.receive(q2, r);
            sum += r.value;
          }
          resolveDone((nowNs() - t0) / (2 * roundTrips));
        });
      };
    });
    k.current = pong;
    void (async () => {
      const r = { value: 0 };
      for (;;) {
        await k.receive(q1, r);
        await k.send(q2, r.value);
      }
    })();
    const ns = await done;
    if (sum !== (roundTrips * (roundTrips - 1)) / 2) throw new Error(`floor.pingpong.freertos: sum ${sum} is wrong`);
    return ns;
  });
}

/** ns per switch of the same program with generator tasks (kernel.queue.pingpong.gen's floor). */
async function pingpongGen(): Promise<number> {
  const roundTrips = 500_000;
  return median(5, 2, async () => {
    const k = new GenMiniKernel(8);
    const q1 = new MiniQueue();
    const q2 = new MiniQueue();
    const ping = new Tcb(2);
    const pong = new Tcb(2);
    k.addToReady(ping);
    k.addToReady(pong);
    let sum = 0;
    let ns = 0;
    ping.gen = (function* (): FloorTask {
      const r = { value: 0 };
      const t0 = nowNs();
      for (let i = 0; i < roundTrips; i++) {
        yield* k.send(q1, i);
        yield* k.receive(q2, r);
        sum += r.value;
      }
      ns = (nowNs() - t0) / (2 * roundTrips);
    })();
    pong.gen = (function* (): FloorTask {
      const r = { value: 0 };
      for (;;) {
        yield* k.receive(q1, r);
        yield* k.send(q2, r.value);
      }
    })();
    // pong runs first and blocks on q1, which switches to ping; the loop ends when ping returns.
    k.current = pong;
    k.run();
    if (sum !== (roundTrips * (roundTrips - 1)) / 2) throw new Error(`floor.pingpong.freertos.gen: sum ${sum} is wrong`);
    return ns;
  });
}

async function freertosFloor(): Promise<Figure[]> {
  return [{ name: "floor.pingpong.freertos_lists", value: round(await pingpong()), unit: "ns/switch" }];
}

async function freertosFloorGen(): Promise<Figure[]> {
  return [{ name: "floor.pingpong.freertos_lists.gen", value: round(await pingpongGen()), unit: "ns/switch" }];
}

export const benchmarks = { freertosFloor, freertosFloorGen };
