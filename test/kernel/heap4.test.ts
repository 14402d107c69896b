/**
 * The kernel heap is heap_4 (FreeRTOS-Kernel portable/MemMang/heap_4.c): checked against an
 * independent model of its rules (aligned start, 8-byte header, end marker at the top, first fit
 * in address order, split only when more than two headers remain, coalescing with both free
 * neighbours) under seeded random churn; the layout of a fresh heap; fragmentation failing with
 * enough free bytes (and the malloc-failed hook); vPortGetHeapStats; a bad free asserting; every
 * kernel object as a placed block (a task = stack block, then TCB block).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFreeRTOS, KernelAssertError, type Ref, type TaskHandle } from "../../src/freertos/index.js";
import { Heap4, Prng } from "../../src/kernel/index.js";

/** The model: free intervals [address, size] in address order, whole-block bookkeeping. */
class Model {
  free: [number, number][];
  live = new Map<number, number>(); // payload address → block size
  constructor(base: number, total: number) {
    const start = Math.ceil(base / 8) * 8;
    const end = Math.floor((base + total - 8) / 8) * 8;
    this.free = [[start, end - start]];
  }
  malloc(n: number): number {
    if (n <= 0) return 0;
    const wanted = Math.ceil((n + 8) / 8) * 8;
    const i = this.free.findIndex(([, size]) => size >= wanted);
    if (i < 0) return 0;
    const [at, size] = this.free[i]!;
    if (size - wanted > 16) {
      this.free[i] = [at + wanted, size - wanted];
      this.live.set(at + 8, wanted);
    } else {
      this.free.splice(i, 1);
      this.live.set(at + 8, size);
    }
    return at + 8;
  }
  release(payload: number): void {
    const size = this.live.get(payload)!;
    this.live.delete(payload);
    this.free.push([payload - 8, size]);
    this.free.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [at, sz] of this.free) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[0] + last[1] === at) last[1] += sz;
      else merged.push([at, sz]);
    }
    this.free = merged;
  }
  freeBytes(): number {
    return this.free.reduce((s, [, sz]) => s + sz, 0);
  }
}

test("heap_4 layout: start aligned up to 8, end marker at the top, one free block; a request takes size + 8 rounded up to 8", () => {
  const h = new Heap4(1000, 0x2000_0003); // ucHeap at an odd address: 5 bytes lost to alignment
  // Start 0x20000008; end marker at (0x20000003 + 1000 - 8) aligned down = 0x200003e0.
  assert.deepEqual(h.freeBlocks(), [{ address: 0x2000_0008, sizeBytes: 0x3e0 - 0x8 }]);
  assert.equal(h.getFreeHeapSize(), 984);
  assert.equal(h.malloc(0, "zero"), 0, "a request of 0 fails (heap_4: xWantedSize > 0)");
  const a = h.malloc(1, "a"); // 1 + 8 → 16
  assert.equal(a, 0x2000_0010, "the payload follows the 8-byte header");
  const b = h.malloc(24, "b"); // 24 + 8 = 32
  assert.equal(b, 0x2000_0010 + 16);
  assert.equal(h.getFreeHeapSize(), 984 - 16 - 32);
  assert.equal(Heap4.blockSize(1), 16);
  assert.equal(Heap4.blockSize(24), 32);
  assert.equal(Heap4.blockSize(25), 40);
});

test("no split when the remainder is not larger than heapMINIMUM_BLOCK_SIZE (16): the caller gets the whole block", () => {
  const h = new Heap4(8 + 48 + 8, 0); // one free block of 56 bytes
  assert.equal(h.getFreeHeapSize(), 56);
  const a = h.malloc(32, "a"); // wants 40; 56 - 40 = 16, not > 16: whole block
  assert.equal(a, 8);
  assert.equal(h.getFreeHeapSize(), 0);
  assert.deepEqual(h.freeBlocks(), []);
  h.free(a);
  const h2 = new Heap4(8 + 56 + 8, 0); // 64 bytes: 64 - 40 = 24 > 16: split
  h2.malloc(32, "a");
  assert.deepEqual(h2.freeBlocks(), [{ address: 40, sizeBytes: 24 }]);
});

test("heap_4 against the reference model under seeded random churn: the same addresses and free blocks after every step", () => {
  for (const seed of [1, 2, 3]) {
    const prng = new Prng(seed);
    const h = new Heap4(64 * 1024, 0x2400_0000);
    const m = new Model(0x2400_0000, 64 * 1024);
    const live: number[] = [];
    for (let step = 0; step < 4000; step++) {
      if (live.length > 0 && prng.nextInt(100) < 45) {
        const i = prng.nextInt(live.length);
        const at = live[i]!;
        live[i] = live[live.length - 1]!;
        live.pop();
        h.free(at);
        m.release(at);
      } else {
        const n = 1 + prng.nextInt(prng.nextInt(10) === 0 ? 4000 : 300);
        const got = h.malloc(n, "x");
        assert.equal(got, m.malloc(n), `seed ${seed} step ${step}: malloc(${n})`);
        if (got !== 0) live.push(got);
      }
      assert.equal(h.getFreeHeapSize(), m.freeBytes(), `seed ${seed} step ${step}: free bytes`);
      assert.deepEqual(
        h.freeBlocks().map((b) => [b.address, b.sizeBytes]),
        m.free,
        `seed ${seed} step ${step}: free list`,
      );
    }
    // Everything back: one block again, as at the start.
    for (const at of live) h.free(at);
    assert.deepEqual(h.freeBlocks(), [{ address: 0x2400_0000, sizeBytes: 64 * 1024 - 8 }]);
  }
});

test("fragmentation: enough free bytes in all but no block large enough → null handle, the malloc-failed hook runs; stats say why", () => {
  let hookRuns = 0;
  // 968 bytes: 960 free (the end marker takes the top 8).
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 960 + 8, vApplicationMallocFailedHook: () => hookRuns++ });
  const k = rtos.kernel;
  // Event groups take 32 + 8 = 40 bytes each: 24 fill the heap exactly; then every other one is freed.
  const blocks = 24;
  const groups = [];
  for (let i = 0; i < blocks; i++) groups.push(rtos.xEventGroupCreate()!);
  assert.equal(rtos.xPortGetFreeHeapSize(), 0);
  assert.equal(rtos.xEventGroupCreate(), null);
  assert.equal(hookRuns, 1);
  for (let i = 0; i < blocks; i += 2) rtos.vEventGroupDelete(groups[i]!);
  assert.equal(rtos.xPortGetFreeHeapSize(), 12 * 40, "480 bytes free");
  // A 64-byte stream buffer needs 36 + 65 + 8 → 112 bytes in one block: none is larger than 40.
  assert.equal(rtos.xStreamBufferCreate(64, 1), null);
  assert.equal(hookRuns, 2);
  const stats = rtos.vPortGetHeapStats();
  assert.deepEqual(stats, {
    xAvailableHeapSpaceInBytes: 480,
    xSizeOfLargestFreeBlockInBytes: 40,
    xSizeOfSmallestFreeBlockInBytes: 40,
    xNumberOfFreeBlocks: 12,
    xMinimumEverFreeBytesRemaining: 0,
    xNumberOfSuccessfulAllocations: 24,
    xNumberOfSuccessfulFrees: 12,
  });
  // A filled-in object is returned as given (HeapStats_t *).
  const out = {};
  assert.equal(rtos.vPortGetHeapStats(out), out);
  assert.equal(k.heap.getMinimumEverFreeHeapSize(), 0);
});

test("vPortGetHeapStats on a full heap: heap_4 counts its end marker as one free block of 0 bytes", () => {
  const h = new Heap4(8 + 40 + 8, 0);
  h.malloc(32, "all");
  const s = h.getHeapStats();
  assert.equal(s.xNumberOfFreeBlocks, 1);
  assert.equal(s.xSizeOfLargestFreeBlockInBytes, 0);
  assert.equal(s.xSizeOfSmallestFreeBlockInBytes, 0);
  const fresh = new Heap4(1024, 0).getHeapStats();
  assert.equal(fresh.xSizeOfSmallestFreeBlockInBytes, 1016);
  assert.equal(fresh.xNumberOfSuccessfulAllocations, 0);
});

test("a free of an address that is not a live block asserts (heap_4's allocated-bit configASSERT)", () => {
  const h = new Heap4(1024, 0);
  const a = h.malloc(10, "a");
  assert.throws(() => h.free(a + 8), (e: unknown) => e instanceof KernelAssertError && /^vPortFree: 0x10 is not the address of an allocated heap block/.test((e as Error).message));
  h.free(a);
  assert.throws(() => h.free(a), KernelAssertError, "a double free asserts");
  assert.equal(h.getFreeHeapSize(), 1016);
});

test("kernel objects are placed blocks: a task is its stack block, then its TCB block; delete gives both back; blocks() names owners", async () => {
  const rtos = createFreeRTOS({ configTOTAL_HEAP_SIZE: 16 * 1024 });
  const k = rtos.kernel;
  const free0 = rtos.xPortGetFreeHeapSize();
  const ref: Ref<TaskHandle | null> = { value: null };
  await rtos.xTaskCreate(async () => {}, "blink", 100, null, 1, ref);
  const t = ref.value!;
  // Off a board the heap starts at 0: stack payload at 8, its block 400 + 8 = 408 bytes; TCB next.
  assert.equal(t.stackAddress, 8);
  assert.equal(t.tcbAddress, 8 + 408);
  assert.equal(t.stackView, null, "no views off a board");
  assert.equal(free0 - rtos.xPortGetFreeHeapSize(), 408 + Heap4.blockSize(96));
  const q = rtos.xQueueCreate(4, 8)!;
  rtos.vQueueAddToRegistry(q, "rx");
  assert.equal(q.controlAddress, 8 + 408 + 104);
  assert.deepEqual(
    k.heap.blocks().map((b) => [b.owner, b.address, b.sizeBytes]),
    [
      ['task "blink" stack', 8, 400],
      ['task "blink" TCB', 416, 96],
      ['queue "rx"', 520, 84 + 32],
    ],
  );
  await rtos.vTaskDelete(t);
  rtos.vQueueDelete(q);
  assert.equal(rtos.xPortGetFreeHeapSize(), free0);
  assert.deepEqual(k.heap.blocks(), []);
});

test("blocks() under seeded churn: every live block with its request, its block bytes and its owner's label, as the model places them", () => {
  const prng = new Prng(7);
  const h = new Heap4(32 * 1024, 0x2000_0000);
  const m = new Model(0x2000_0000, 32 * 1024);
  const owners = [{ name: "a" }, { name: "bb" }, { name: "c" }];
  const kinds = ["task", "queue", "timer"];
  const parts = ["stack", "TCB", ""];
  const expected = new Map<number, [number, string]>(); // payload → [request, label]
  let maxLive = 0;
  for (let step = 0; step < 3000; step++) {
    const live = [...expected.keys()];
    if (live.length > 0 && prng.nextInt(100) < 40) {
      const at = live[prng.nextInt(live.length)]!;
      h.free(at);
      m.release(at);
      expected.delete(at);
    } else {
      const n = 1 + prng.nextInt(200);
      const choice = prng.nextInt(4);
      let got: number;
      let label: string;
      if (choice === 3) {
        got = h.malloc(n, `pool "p${step}"`);
        label = `pool "p${step}"`;
      } else {
        const owner = owners[prng.nextInt(owners.length)]!;
        const kind = kinds[choice]!;
        const part = parts[prng.nextInt(parts.length)]!;
        got = h.malloc(n, kind, owner, part);
        label = `${kind} "${owner.name}"${part === "" ? "" : ` ${part}`}`;
      }
      assert.equal(got, m.malloc(n), `step ${step}: malloc(${n})`);
      if (got !== 0) expected.set(got, [n, label]);
    }
    maxLive = Math.max(maxLive, expected.size);
    if (step % 50 === 0 || step > 2950) {
      assert.deepEqual(
        h.blocks(),
        [...expected.entries()].sort((x, y) => x[0] - y[0]).map(([address, [sizeBytes, owner]]) => ({ address, sizeBytes, blockBytes: m.live.get(address)!, owner })),
        `step ${step}: blocks()`,
      );
    }
  }
  assert.ok(maxLive > 64, `the churn keeps more than 64 blocks live at once (${maxLive}), so the records and the index grow`);
  // Names are read when the report is built: a renamed owner shows its new name.
  owners[0]!.name = "renamed" as never;
  assert.ok(h.blocks().every((b) => !b.owner.includes('"a"')));
});

test("blocks(): an unsplit block reports the request, not the block; label() renames a block's owner and keeps its sizes", () => {
  const h = new Heap4(48 + 8, 0); // one free block of 48 bytes (the end marker takes the top 8)
  // 20 bytes take 32; 48 - 32 = 16 is not more than 16: the whole block is taken.
  const a = h.malloc(20, "queue");
  assert.deepEqual(h.blocks(), [{ address: 8, sizeBytes: 20, blockBytes: 48, owner: "queue" }]);
  h.label(a, "queue", { name: "rx" });
  assert.deepEqual(h.blocks(), [{ address: 8, sizeBytes: 20, blockBytes: 48, owner: 'queue "rx"' }]);
  h.label(a, "stream buffer", { name: "sb" }, "storage");
  assert.deepEqual(h.blocks(), [{ address: 8, sizeBytes: 20, blockBytes: 48, owner: 'stream buffer "sb" storage' }]);
  h.label(a + 8, "x", null); // not a live block: ignored
  assert.equal(h.blocks()[0]!.owner, 'stream buffer "sb" storage');
  h.free(a);
  assert.equal(h.isLive(a), false);
  // A request that is not a whole number of bytes is reported as asked (Heap4 is public).
  const b = h.malloc(10.5, "odd");
  assert.deepEqual(h.blocks(), [{ address: 8, sizeBytes: 10.5, blockBytes: 24, owner: "odd" }]);
  h.free(b);
  assert.deepEqual(h.blocks(), []);
});

test("blocks(): more distinct (kind, part) pairs than the label table holds still label every block", () => {
  const h = new Heap4(64 * 1024, 0);
  const owner = { name: "o" };
  const addresses: number[] = [];
  for (let i = 0; i < 300; i++) addresses.push(h.malloc(8, `kind${i}`, owner, `part${i}`));
  const blocks = h.blocks();
  assert.equal(blocks.length, 300);
  for (let i = 0; i < 300; i++) assert.equal(blocks[i]!.owner, `kind${i} "o" part${i}`);
  for (const a of addresses) h.free(a);
  assert.deepEqual(h.freeBlocks(), [{ address: 0, sizeBytes: 64 * 1024 - 8 }]);
});

test("addresses past 2^31 and heaps past 2^32 bytes keep heap_4's arithmetic exact", () => {
  const h = new Heap4(4096, 0xf000_0000);
  const a = h.malloc(100, "x");
  assert.equal(a, 0xf000_0008);
  assert.deepEqual(h.blocks(), [{ address: 0xf000_0008, sizeBytes: 100, blockBytes: 112, owner: "x" }]);
  h.free(a);
  assert.equal(h.getFreeHeapSize(), 4096 - 8);
  const big = new Heap4(2 ** 40, 0);
  const huge = big.malloc(2 ** 33, "huge");
  const after = big.malloc(16, "after");
  assert.equal(huge, 8);
  assert.equal(after, 8 + 2 ** 33 + 8);
  assert.equal(big.getFreeHeapSize(), 2 ** 40 - 8 - (2 ** 33 + 8) - 24);
  big.free(huge);
  assert.deepEqual(big.freeBlocks(), [
    { address: 0, sizeBytes: 2 ** 33 + 8 },
    { address: 2 ** 33 + 8 + 24, sizeBytes: 2 ** 40 - 8 - (2 ** 33 + 8) - 24 },
  ]);
  big.free(after);
  assert.deepEqual(big.freeBlocks(), [{ address: 0, sizeBytes: 2 ** 40 - 8 }]);
});
