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
 * Speed: go() creates and frees two blocks per goroutine, so block records are pooled (no
 * allocation per malloc/free in steady state) and the owner's label is built only when blocks()
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

/** A block record: free-list link while free, owner while allocated. Pooled. */
class Block {
  /** Address of the block's header. */
  address = 0;
  /** Bytes of the block, header included. */
  size = 0;
  next: Block | null = null;
  requested = 0;
  /** The owner's kind ("task", "queue") or a whole label when `ref` is null. */
  kind = "";
  /** The part of the owner ("stack", "TCB") or "". */
  part = "";
  ref: HeapOwner | null = null;
}

/**
 * The live blocks by payload address: open addressing with linear probing and backward-shift
 * deletion over typed arrays, so that malloc/free allocate nothing (a Map's deleted entries make
 * it rebuild its table, which go()'s create-and-free churn turns into garbage).
 */
class LiveTable {
  private keys = new Float64Array(64).fill(-1);
  private values: (Block | null)[] = new Array<Block | null>(64).fill(null);
  private mask = 63;
  size = 0;

  private slot(address: number): number {
    // Payload addresses are multiples of 8: drop those bits, then mix (Fibonacci hashing).
    return Math.imul((address / 8) | 0, 0x9e3779b1) >>> 0 & this.mask;
  }

  get(address: number): Block | undefined {
    const keys = this.keys;
    for (let i = this.slot(address); ; i = (i + 1) & this.mask) {
      const key = keys[i]!;
      if (key === address) return this.values[i]!;
      if (key === -1) return undefined;
    }
  }

  set(address: number, block: Block): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const keys = this.keys;
    let i = this.slot(address);
    while (keys[i] !== -1) i = (i + 1) & this.mask;
    keys[i] = address;
    this.values[i] = block;
    this.size++;
  }

  /** Removes `address` (present); shifts the following run back so probes never meet a hole. */
  delete(address: number): void {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = this.slot(address);
    while (keys[i] !== address) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const key = keys[j]!;
      if (key === -1) break;
      const home = this.slot(key);
      // Move key j into hole i when its home does not lie cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = key;
        values[i] = values[j]!;
        i = j;
      }
    }
    keys[i] = -1;
    values[i] = null;
    this.size--;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const n = oldKeys.length * 2;
    this.keys = new Float64Array(n).fill(-1);
    this.values = new Array<Block | null>(n).fill(null);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== -1) this.set(oldKeys[i]!, oldValues[i]!);
  }

  *entries(): IterableIterator<[number, Block]> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== -1) yield [this.keys[i]!, this.values[i]!];
  }
}

/**
 * A heap_4 allocator over `[baseAddress, baseAddress + totalBytes)`. Addresses are numbers in the
 * board's memory map (off a board the heap starts at 0). Each kernel has one (`kernel.heap`).
 */
export class Heap4 {
  /** The first byte of ucHeap (before alignment). */
  readonly baseAddress: number;
  readonly totalBytes: number;
  /** xStart: a sentinel below every block (size 0, so nothing merges with it). */
  private readonly start = new Block();
  /** pxEnd: the end marker at the top. */
  private readonly end = new Block();
  private readonly live = new LiveTable();
  private readonly spare: Block[] = [];
  private freeBytes = 0;
  private minEverFreeBytes = 0;
  private allocations = 0;
  private frees = 0;

  constructor(totalBytes: number, baseAddress = 0) {
    this.totalBytes = totalBytes;
    this.baseAddress = baseAddress;
    // prvHeapInit: align the start up, place the end marker at the top, aligned down.
    const aligned = Math.ceil(baseAddress / HEAP_ALIGNMENT) * HEAP_ALIGNMENT;
    const endAddress = Math.floor((baseAddress + totalBytes - HEAP_HEADER_BYTES) / HEAP_ALIGNMENT) * HEAP_ALIGNMENT;
    this.start.address = -1;
    this.start.size = 0;
    this.end.address = Math.max(endAddress, aligned);
    this.end.size = 0;
    this.end.next = null;
    if (endAddress - aligned >= HEAP_MINIMUM_BLOCK_BYTES) {
      const first = new Block();
      first.address = aligned;
      first.size = endAddress - aligned;
      first.next = this.end;
      this.start.next = first;
      this.freeBytes = first.size;
    } else {
      // Too small to hold a block (heap_4 would underflow here): an empty heap.
      this.start.next = this.end;
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
    let prev = this.start;
    let b = prev.next!;
    while (b.size < wanted && b.next !== null) {
      prev = b;
      b = b.next;
    }
    if (b === this.end) return 0;
    prev.next = b.next;
    if (b.size - wanted > HEAP_MINIMUM_BLOCK_BYTES) {
      // The rest goes back in b's place: it lies between prev and b's successor, and touches
      // neither (free blocks are never adjacent), so no walk from the start is needed.
      const rest = this.spare.pop() ?? new Block();
      rest.address = b.address + wanted;
      rest.size = b.size - wanted;
      rest.next = prev.next;
      prev.next = rest;
      b.size = wanted;
    }
    this.freeBytes -= b.size;
    if (this.freeBytes < this.minEverFreeBytes) this.minEverFreeBytes = this.freeBytes;
    b.next = null;
    b.requested = sizeBytes;
    b.kind = owner;
    b.ref = ref;
    b.part = part;
    this.allocations++;
    const address = b.address + HEAP_HEADER_BYTES;
    this.live.set(address, b);
    return address;
  }

  /** vPortFree. An address that is not a live block's payload asserts, as heap_4's configASSERTs do. */
  free(address: number): void {
    const b = typeof address === "number" ? this.live.get(address) : undefined;
    if (b === undefined)
      throw new KernelAssertError(
        `vPortFree: ${typeof address === "number" ? `0x${address.toString(16)}` : String(address)} is not the address of an allocated heap block (heap_4 asserts the block's allocated bit)`,
      );
    this.live.delete(address);
    b.ref = null;
    this.freeBytes += b.size;
    this.insert(b);
    this.frees++;
  }

  /** Names the owner of the live block at `address` (a kernel object created after its block). */
  label(address: number, kind: string, ref: HeapOwner | null, part = ""): void {
    const b = this.live.get(address);
    if (b === undefined) return;
    b.kind = kind;
    b.ref = ref;
    b.part = part;
  }

  /** True when `address` is the payload address of a live block. */
  isLive(address: number): boolean {
    return this.live.get(address) !== undefined;
  }

  /** prvInsertBlockIntoFreeList: in address order, merged with the free neighbours it touches. */
  private insert(b: Block): void {
    let it = this.start;
    while (it.next!.address < b.address) it = it.next!;
    if (it.address + it.size === b.address) {
      it.size += b.size;
      this.spare.push(b);
      b = it;
    }
    const after = it.next!;
    if (b.address + b.size === after.address && after !== this.end) {
      b.size += after.size;
      b.next = after.next;
      after.next = null;
      this.spare.push(after);
    } else {
      b.next = after;
    }
    if (it !== b) it.next = b;
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
    let b = this.start.next!;
    do {
      blocks++;
      if (b.size > max) max = b.size;
      if (b.size < min) min = b.size;
      b = b.next!;
    } while (b !== this.end && b !== null);
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
    for (let b = this.start.next!; b !== this.end; b = b.next!) out.push({ address: b.address, sizeBytes: b.size });
    return out;
  }

  /** The largest free block's bytes (header included), 0 when none. */
  largestFreeBlockBytes(): number {
    let max = 0;
    for (let b = this.start.next!; b !== this.end; b = b.next!) if (b.size > max) max = b.size;
    return max;
  }

  /** The live blocks in address order, with their owners' labels. */
  blocks(): HeapBlock[] {
    const out: HeapBlock[] = [];
    for (const [address, b] of this.live.entries()) {
      const owner = b.ref === null ? b.kind : `${b.kind} "${b.ref.name}"${b.part === "" ? "" : ` ${b.part}`}`;
      out.push({ address, sizeBytes: b.requested, blockBytes: b.size, owner });
    }
    return out.sort((x, y) => x.address - y.address);
  }
}
