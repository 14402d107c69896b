/**
 * The kernel heap: FreeRTOS's heap_4 (portable/MemMang/heap_4.c) over the address range
 * [baseAddress, baseAddress + configTOTAL_HEAP_SIZE). Every kernel object created dynamically is
 * a block at an address: a task is two (its stack, then its TCB, as prvCreateTask does on a
 * descending stack), a queue, semaphore, event group, timer or stream buffer one (structure and
 * storage together).
 *
 * heap_4's rules, as this allocator keeps them (32-bit port, portBYTE_ALIGNMENT 8):
 * - the start is aligned up to 8 (the bytes skipped are lost), an 8-byte end marker sits at the
 *   top (aligned down), and the rest is one free block;
 * - each block starts with an 8-byte header (BlockLink_t: next pointer, size); a request of n
 *   bytes takes n + 8 rounded up to 8; a request of 0 fails;
 * - the free list is in address order; allocation is first fit from the lowest address; a block is
 *   split when what would be left is larger than heapMINIMUM_BLOCK_SIZE (two headers, 16 bytes),
 *   otherwise the caller gets the whole block;
 * - a freed block is merged with the free block right before it and the one right after it;
 * - xFreeBytesRemaining, xMinimumEverFreeBytesRemaining and the successful allocation and free
 *   counts are kept as heap_4 keeps them (vPortGetHeapStats).
 *
 * Memory and speed: go() creates and frees two blocks per goroutine and a parked task holds two,
 * so block records are not JS objects but 24-byte slots of one buffer (ids recycled: no
 * allocation per malloc/free in steady state), and the owner's label is built only when blocks()
 * is read.
 * @module
 */
import { KernelAssertError } from "./errors.js";

/**
 * Sizes in bytes of FreeRTOS's structures on a 32-bit port with the features this kernel has
 * (both static and dynamic allocation, configUSE_TRACE_FACILITY, run-time stats, mutexes, queue
 * sets, one notification entry, xTaskAbortDelay), from the StaticXxx_t mirrors in FreeRTOS 11's
 * include/FreeRTOS.h (which are sized to match the real structures):
 * - StaticTask_t 96: pxTopOfStack 4, two list items 40, priority 4, pxStack 4, name 16
 *   (configMAX_TASK_NAME_LEN 16), TCB and task numbers 8, base priority and mutexes held 8,
 *   run-time counter 4, notified value 4, notify state 1, ucStaticallyAllocated 1, ucDelayAborted 1,
 *   padded to 4.
 * - StaticQueue_t 84: three pointers 12, the union 4, two lists 40, three counts 12, the two
 *   locks 2, ucStaticallyAllocated 1 (padded), pxQueueSetContainer 4, queue number 4, queue type 1, padded.
 * - StaticEventGroup_t 32: bits 4, a list 20, number 4, ucStaticallyAllocated 1, padded.
 * - StaticTimer_t 44: name 4, a list item 20, period 4, ID 4, callback 4, number 4, status 1, padded.
 * - StaticStreamBuffer_t 36: four size_t 16, three pointers 12, flags 1 (padded), number 4.
 *   FreeRTOS 11.1 adds the notification index (4 more bytes) and, with
 *   configUSE_SB_COMPLETED_CALLBACK, two callback pointers: not counted here (unconfirmed for 11.0).
 */
export const sizeOf = {
  tcb: 96,
  queue: 84,
  stackWord: 4,
  eventGroup: 32,
  timer: 44,
  streamBuffer: 36,
  /** A pointer (a by-reference queue slot, a queue set's Queue_t *). */
  pointer: 4,
} as const;

/**
 * portBYTE_ALIGNMENT of the Cortex-M ports (portmacro.h), used for the heap's blocks on every
 * board. ESP-IDF's RISC-V port uses 16 (its portmacro.h): the board aligns the heap region to 16
 * on the ESP32-C3, but blocks inside it are still rounded to 8 there (a known gap).
 */
export const HEAP_ALIGNMENT = 8;
/** xHeapStructSize: sizeof(BlockLink_t) (two 32-bit words) rounded up to the alignment. */
export const HEAP_HEADER_BYTES = 8;
/** heapMINIMUM_BLOCK_SIZE: a split must leave more than two headers. */
export const HEAP_MINIMUM_BLOCK_BYTES = 2 * HEAP_HEADER_BYTES;

/** HeapStats_t, as vPortGetHeapStats fills it. */
export interface HeapStats {
  xAvailableHeapSpaceInBytes: number;
  xSizeOfLargestFreeBlockInBytes: number;
  xSizeOfSmallestFreeBlockInBytes: number;
  xNumberOfFreeBlocks: number;
  xMinimumEverFreeBytesRemaining: number;
  xNumberOfSuccessfulAllocations: number;
  xNumberOfSuccessfulFrees: number;
}

/** A live block of the kernel heap, as `blocks()` lists it. */
export interface HeapBlock {
  /** The payload address (what pvPortMalloc returned). */
  readonly address: number;
  /** The bytes the caller asked for. */
  readonly sizeBytes: number;
  /** The bytes the block takes from the heap (header and alignment included). */
  readonly blockBytes: number;
  /** Who owns it: `task "blink" stack`, `queue "rx"`, or the label given to malloc. */
  readonly owner: string;
}

/** An object that names the owner of a block (a task, a queue), read when the report is built. */
export interface HeapOwner {
  readonly name: string;
}

/** No block (end of the free list, an empty slot of the live index). */
const NIL = -1;
/** The id of xStart, the sentinel below every block. */
const START = 0;
/** The id of pxEnd, the end marker at the top. */
const END = 1;
/** (kind, part) pairs interned per heap; past this many a label is built when the block is made. */
const MAX_LABELS = 255;
/** Bytes of one block record: header address and size (float64), free-list link and meta (int32). */
const RECORD_BYTES = 24;

/**
 * A heap_4 allocator over `[baseAddress, baseAddress + totalBytes)`. Addresses are numbers in the
 * board's memory map (off a board the heap starts at 0). Each kernel has one (`kernel.heap`).
 *
 * Block records are 24-byte slots of one buffer indexed by a block id (header address and size as
 * float64, since the simulator's heaps can pass 2^32 bytes; the free-list link and a meta word as
 * int32), with one JS array of owner refs beside it. Ids no block uses are chained through their
 * link, so a block costs no JS object and malloc/free allocate nothing once the buffer has grown.
 * Live blocks are found by payload address through an open-addressing index of ids (linear
 * probing, backward-shift deletion). The few arrays touched per call keep go()'s churn cheap.
 */
export class Heap4 {
  /** The first byte of ucHeap (before alignment). */
  readonly baseAddress: number;
  readonly totalBytes: number;
  /** Block records, float64 view: [3 id] header address, [3 id + 1] block bytes (header included). */
  private f: Float64Array;
  /**
   * Block records, int32 view: [6 id + 4] the free-list link (next free block's id; NIL while
   * allocated; the next spare id while unused), [6 id + 5] meta: slack | label << 8, where slack is
   * the block's bytes minus the bytes asked for (8..31: header, rounding, an unsplit rest) and
   * label is 0 when `refs[id]` is the whole label (a string), else an index into labelKinds/labelParts.
   */
  private w: Int32Array;
  /** The owner of each allocated block (a HeapOwner, or the label string); null while free. */
  private readonly refs: (HeapOwner | string | null)[] = [];
  /** The first unused id (chained through the link), or NIL. */
  private spareHead = NIL;
  /** Ids handed out so far (the records' used prefix). */
  private ids = 0;
  /** Records the buffer holds. */
  private capacity = 16;
  private readonly labelKinds: string[] = [""];
  private readonly labelParts: string[] = [""];
  // The two (kind, part) pairs met last and their ids: a task's blocks alternate "stack" and "TCB".
  private kindA = "";
  private partA = "";
  private labelA = 0;
  private kindB = "";
  private partB = "";
  private labelB = 0;
  /** The live index: ids by payload address (open addressing), NIL when empty. */
  private slots: Int32Array;
  /** 32 - log2(slots.length): the hash keeps the product's top bits. */
  private slotShift: number;
  private liveCount = 0;
  /** Requests that are not whole bytes (Heap4 is public): the slack cannot give them back exactly. */
  private oddRequests: Map<number, number> | null = null;
  private freeBytes = 0;
  private minEverFreeBytes = 0;
  private allocations = 0;
  private frees = 0;

  constructor(totalBytes: number, baseAddress = 0) {
    this.totalBytes = totalBytes;
    this.baseAddress = baseAddress;
    const buffer = new ArrayBuffer(this.capacity * RECORD_BYTES);
    this.f = new Float64Array(buffer);
    this.w = new Int32Array(buffer);
    this.slots = new Int32Array(16).fill(NIL);
    this.slotShift = 28;
    // prvHeapInit: align the start up, place the end marker at the top, aligned down.
    const aligned = Math.ceil(baseAddress / HEAP_ALIGNMENT) * HEAP_ALIGNMENT;
    const endAddress = Math.floor((baseAddress + totalBytes - HEAP_HEADER_BYTES) / HEAP_ALIGNMENT) * HEAP_ALIGNMENT;
    const start = this.newId();
    const end = this.newId();
    this.f[3 * start] = -1;
    this.f[3 * end] = Math.max(endAddress, aligned);
    this.w[6 * end + 4] = NIL;
    if (endAddress - aligned >= HEAP_MINIMUM_BLOCK_BYTES) {
      const first = this.newId();
      this.f[3 * first] = aligned;
      this.f[3 * first + 1] = endAddress - aligned;
      this.w[6 * first + 4] = END;
      this.w[6 * START + 4] = first;
      this.freeBytes = endAddress - aligned;
    } else {
      // Too small to hold a block (heap_4 would underflow here): an empty heap.
      this.w[6 * START + 4] = END;
    }
    this.minEverFreeBytes = this.freeBytes;
  }

  /** The bytes one request of `sizeBytes` takes from the heap (header and alignment included). */
  static blockSize(sizeBytes: number): number {
    return Math.ceil((sizeBytes + HEAP_HEADER_BYTES) / HEAP_ALIGNMENT) * HEAP_ALIGNMENT;
  }

  /**
   * pvPortMalloc: the payload address of a new block of at least `sizeBytes`, or 0 when no free
   * block is large enough (the caller runs the malloc-failed hook). `owner` labels the block in
   * `blocks()`; with `ref`, the label is `${owner} "${ref.name}"` plus ` ${part}` when given, built
   * only when read.
   */
  malloc(sizeBytes: number, owner: string, ref: HeapOwner | null = null, part = ""): number {
    // heap_4 also refuses a request with size_t's top bit set (the allocated mark): on a 32-bit
    // port no heap is that large, so the size check below refuses it anyway; it is left out so
    // that the simulator's very large heaps (tests with 2^40 bytes) keep working.
    if (!(sizeBytes > 0)) return 0;
    let wanted = sizeBytes + HEAP_HEADER_BYTES;
    const over = wanted % HEAP_ALIGNMENT;
    if (over !== 0) wanted += HEAP_ALIGNMENT - over;
    if (wanted > this.freeBytes) return 0;
    // A split needs an id: take it before anything changes (growing replaces the views).
    if (this.spareHead === NIL && this.ids === this.capacity) this.grow();
    const f = this.f;
    const w = this.w;
    let prev = START;
    let b = w[6 * START + 4]!;
    while (f[3 * b + 1]! < wanted && w[6 * b + 4]! !== NIL) {
      prev = b;
      b = w[6 * b + 4]!;
    }
    if (b === END) return 0;
    const header = f[3 * b]!;
    const blockBytes = f[3 * b + 1]!;
    let taken = blockBytes;
    if (blockBytes - wanted > HEAP_MINIMUM_BLOCK_BYTES) {
      // The rest goes back in b's place: it lies between prev and b's successor, and touches
      // neither (free blocks are never adjacent), so no walk from the start is needed.
      const rest = this.newId();
      f[3 * rest] = header + wanted;
      f[3 * rest + 1] = blockBytes - wanted;
      w[6 * rest + 4] = w[6 * b + 4]!;
      w[6 * prev + 4] = rest;
      f[3 * b + 1] = wanted;
      taken = wanted;
    } else {
      w[6 * prev + 4] = w[6 * b + 4]!;
    }
    this.freeBytes -= taken;
    if (this.freeBytes < this.minEverFreeBytes) this.minEverFreeBytes = this.freeBytes;
    w[6 * b + 4] = NIL;
    const slack = taken - sizeBytes;
    w[6 * b + 5] = slack | (this.labelFor(b, owner, ref, part) << 8);
    if ((slack | 0) !== slack) (this.oddRequests ??= new Map()).set(b, sizeBytes);
    this.allocations++;
    this.indexInsert(b, header);
    const payload = header + HEAP_HEADER_BYTES;
    // A small integer whenever it can be one: a float64 read from the records would reach the
    // caller as a heap number, and one heap number stored in a Task's address field turns that
    // field into a boxed double in every Task (16 bytes more each).
    return payload < 0x80000000 ? payload | 0 : payload;
  }

  /** vPortFree. An address that is not a live block's payload asserts, as heap_4's configASSERTs do. */
  free(address: number): void {
    const slot = typeof address === "number" ? this.findSlot(address) : NIL;
    if (slot === NIL)
      throw new KernelAssertError(
        `vPortFree: ${typeof address === "number" ? `0x${address.toString(16)}` : String(address)} is not the address of an allocated heap block (heap_4 asserts the block's allocated bit)`,
      );
    const b = this.slots[slot]!;
    this.indexDelete(slot);
    this.refs[b] = null;
    if (this.oddRequests !== null) this.oddRequests.delete(b);
    this.freeBytes += this.f[3 * b + 1]!;
    this.insert(b);
    this.frees++;
  }

  /** Names the owner of the live block at `address` (a kernel object created after its block). */
  label(address: number, kind: string, ref: HeapOwner | null, part = ""): void {
    const slot = this.findSlot(address);
    if (slot === NIL) return;
    const b = this.slots[slot]!;
    const meta = 6 * b + 5;
    this.w[meta] = (this.w[meta]! & 0xff) | (this.labelFor(b, kind, ref, part) << 8);
  }

  /** True when `address` is the payload address of a live block. */
  isLive(address: number): boolean {
    return this.findSlot(address) !== NIL;
  }

  /** An unused id: a spare one, else the next of the records' prefix (the caller made room). */
  private newId(): number {
    const id = this.spareHead;
    if (id !== NIL) {
      this.spareHead = this.w[6 * id + 4]!;
      return id;
    }
    this.refs.push(null);
    return this.ids++;
  }

  /** Gives id b back to the spare chain. */
  private dropId(b: number): void {
    this.w[6 * b + 4] = this.spareHead;
    this.spareHead = b;
  }

  /** Doubles the record buffer (ids in use keep their records). */
  private grow(): void {
    this.capacity *= 2;
    const buffer = new ArrayBuffer(this.capacity * RECORD_BYTES);
    new Float64Array(buffer).set(this.f);
    this.f = new Float64Array(buffer);
    this.w = new Int32Array(buffer);
  }

  /** Stores block b's owner and returns its label id: 0 when `refs[b]` holds the whole label. */
  private labelFor(b: number, kind: string, ref: HeapOwner | null, part: string): number {
    if (ref === null) {
      this.refs[b] = kind;
      return 0;
    }
    let label: number;
    if (kind === this.kindA && part === this.partA) label = this.labelA;
    else if (kind === this.kindB && part === this.partB) label = this.labelB;
    else {
      label = this.internLabel(kind, part);
      this.kindB = this.kindA;
      this.partB = this.partA;
      this.labelB = this.labelA;
      this.kindA = kind;
      this.partA = part;
      this.labelA = label;
    }
    // More distinct (kind, part) pairs than the table holds: the label is built now.
    this.refs[b] = label === 0 ? `${kind} "${ref.name}"${part === "" ? "" : ` ${part}`}` : ref;
    return label;
  }

  /** The id of (kind, part) in the label table, added when new; 0 when the table is full. */
  private internLabel(kind: string, part: string): number {
    const kinds = this.labelKinds;
    for (let i = 1; i < kinds.length; i++) if (kinds[i] === kind && this.labelParts[i] === part) return i;
    if (kinds.length > MAX_LABELS) return 0;
    kinds.push(kind);
    this.labelParts.push(part);
    return kinds.length - 1;
  }

  /** The owner's label of allocated block b. */
  private ownerLabel(b: number): string {
    const label = this.w[6 * b + 5]! >> 8;
    const ref = this.refs[b]!;
    if (label === 0) return ref as string;
    const part = this.labelParts[label]!;
    return `${this.labelKinds[label]!} "${(ref as HeapOwner).name}"${part === "" ? "" : ` ${part}`}`;
  }

  /** The live index's home slot for a header address (multiples of 8: drop those bits; Fibonacci hashing). */
  private slotOf(header: number): number {
    return Math.imul((header * 0.125) | 0, 0x9e3779b1) >>> this.slotShift;
  }

  /** The live index's slot holding the block whose payload is at `address`, or NIL. */
  private findSlot(address: number): number {
    const header = address - HEAP_HEADER_BYTES;
    const slots = this.slots;
    const f = this.f;
    const mask = slots.length - 1;
    for (let i = this.slotOf(header); ; i = (i + 1) & mask) {
      const id = slots[i]!;
      if (id === NIL) return NIL;
      if (f[3 * id] === header) return i;
    }
  }

  private indexInsert(b: number, header: number): void {
    if ((this.liveCount + 1) * 2 > this.slots.length) this.growIndex();
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = this.slotOf(header);
    while (slots[i] !== NIL) i = (i + 1) & mask;
    slots[i] = b;
    this.liveCount++;
  }

  /** Empties the live index's slot i; shifts the following run back so probes never meet a hole. */
  private indexDelete(slot: number): void {
    const slots = this.slots;
    const f = this.f;
    const mask = slots.length - 1;
    let i = slot;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const id = slots[j]!;
      if (id === NIL) break;
      const home = this.slotOf(f[3 * id]!);
      // Move entry j into hole i when its home does not lie cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        slots[i] = id;
        i = j;
      }
    }
    slots[i] = NIL;
    this.liveCount--;
  }

  private growIndex(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(NIL);
    this.slotShift--;
    this.liveCount = 0;
    for (let i = 0; i < old.length; i++) {
      const id = old[i]!;
      if (id !== NIL) this.indexInsert(id, this.f[3 * id]!);
    }
  }

  /** prvInsertBlockIntoFreeList: in address order, merged with the free neighbours it touches. */
  private insert(b: number): void {
    const f = this.f;
    const w = this.w;
    const at = f[3 * b]!;
    let it = START;
    for (let n = w[4]!; f[3 * n]! < at; n = w[6 * n + 4]!) it = n;
    if (f[3 * it]! + f[3 * it + 1]! === at) {
      f[3 * it + 1] = f[3 * it + 1]! + f[3 * b + 1]!;
      this.dropId(b);
      b = it;
    }
    const after = w[6 * it + 4]!;
    if (f[3 * b]! + f[3 * b + 1]! === f[3 * after]! && after !== END) {
      f[3 * b + 1] = f[3 * b + 1]! + f[3 * after + 1]!;
      w[6 * b + 4] = w[6 * after + 4]!;
      this.dropId(after);
    } else {
      w[6 * b + 4] = after;
    }
    if (it !== b) w[6 * it + 4] = b;
  }

  /** xPortGetFreeHeapSize */
  getFreeHeapSize(): number {
    return this.freeBytes;
  }

  /** xPortGetMinimumEverFreeHeapSize */
  getMinimumEverFreeHeapSize(): number {
    return this.minEverFreeBytes;
  }

  /**
   * vPortGetHeapStats. As heap_4 walks the free list: with no free block left it meets the end
   * marker first and reports one block of 0 bytes.
   */
  getHeapStats(): HeapStats {
    let blocks = 0;
    let max = 0;
    let min = 0xffffffff; // portMAX_DELAY
    let b = this.w[6 * START + 4]!;
    do {
      blocks++;
      const size = this.f[3 * b + 1]!;
      if (size > max) max = size;
      if (size < min) min = size;
      b = this.w[6 * b + 4]!;
    } while (b !== END && b !== NIL);
    return {
      xAvailableHeapSpaceInBytes: this.freeBytes,
      xSizeOfLargestFreeBlockInBytes: max,
      xSizeOfSmallestFreeBlockInBytes: min,
      xNumberOfFreeBlocks: blocks,
      xMinimumEverFreeBytesRemaining: this.minEverFreeBytes,
      xNumberOfSuccessfulAllocations: this.allocations,
      xNumberOfSuccessfulFrees: this.frees,
    };
  }

  /** The free blocks in address order: header address and size (header included). For tests and reports. */
  freeBlocks(): { address: number; sizeBytes: number }[] {
    const out: { address: number; sizeBytes: number }[] = [];
    for (let b = this.w[6 * START + 4]!; b !== END; b = this.w[6 * b + 4]!) out.push({ address: this.f[3 * b]!, sizeBytes: this.f[3 * b + 1]! });
    return out;
  }

  /** The largest free block's bytes (header included), 0 when none. */
  largestFreeBlockBytes(): number {
    let max = 0;
    for (let b = this.w[6 * START + 4]!; b !== END; b = this.w[6 * b + 4]!) if (this.f[3 * b + 1]! > max) max = this.f[3 * b + 1]!;
    return max;
  }

  /** The live blocks in address order, with their owners' labels. */
  blocks(): HeapBlock[] {
    const out: HeapBlock[] = [];
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const b = slots[i]!;
      if (b === NIL) continue;
      const blockBytes = this.f[3 * b + 1]!;
      const sizeBytes = this.oddRequests?.get(b) ?? blockBytes - (this.w[6 * b + 5]! & 0xff);
      out.push({ address: this.f[3 * b]! + HEAP_HEADER_BYTES, sizeBytes, blockBytes, owner: this.ownerLabel(b) });
    }
    return out.sort((x, y) => x.address - y.address);
  }
}
