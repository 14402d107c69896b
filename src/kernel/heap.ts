/**
 * Kernel heap accounting in the manner of heap_4: every kernel object charges its FreeRTOS-sized
 * control block (with a queue's or buffer's storage, a task's stack) against
 * configTOTAL_HEAP_SIZE, rounded up to the alignment plus a block header. Exhaustion makes creation fail the FreeRTOS way.
 * Fragmentation is not modelled: freed bytes are available again at once.
 * @module
 */

/** Sizes in bytes of FreeRTOS's structures on a 32-bit port (Cortex-M, all features on). */
export const sizeOf = {
  tcb: 100,
  queue: 80,
  stackWord: 4,
  eventGroup: 32,
  timer: 44,
  streamBuffer: 36,
  /** A pointer (a by-reference queue slot, a queue set's Queue_t *). */
  pointer: 4,
} as const;

const ALIGNMENT = 8;
const BLOCK_HEADER = 8;

export class HeapAccount {
  private freeBytes: number;
  private minEverFreeBytes: number;

  constructor(readonly totalBytes: number) {
    this.freeBytes = totalBytes;
    this.minEverFreeBytes = totalBytes;
  }

  /** The bytes one allocation of `sizeBytes` takes from the heap. */
  static blockSize(sizeBytes: number): number {
    return BLOCK_HEADER + Math.ceil(sizeBytes / ALIGNMENT) * ALIGNMENT;
  }

  /** Reserves a block; returns its size, or 0 when the heap cannot hold it. */
  allocate(sizeBytes: number): number {
    const block = HeapAccount.blockSize(sizeBytes);
    if (block > this.freeBytes) return 0;
    this.freeBytes -= block;
    if (this.freeBytes < this.minEverFreeBytes) this.minEverFreeBytes = this.freeBytes;
    return block;
  }

  free(blockBytes: number): void {
    this.freeBytes += blockBytes;
  }

  /** xPortGetFreeHeapSize */
  getFreeHeapSize(): number {
    return this.freeBytes;
  }

  /** xPortGetMinimumEverFreeHeapSize */
  getMinimumEverFreeHeapSize(): number {
    return this.minEverFreeBytes;
  }
}
