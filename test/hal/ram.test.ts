/**
 * board.ram accounting (API.md `tinyrtos/mem`: usedBytes, freeBytes, report()): the kernel heap
 * (configTOTAL_HEAP_SIZE, a quarter of SRAM by default) is charged at boot, first fit in the
 * catalogue's region order, on every board and again after a reset; a heap that fits no region is
 * a HalError at createBoard with the report; the report's format; allocate/release and their bad
 * input; the allocator's first fit reusing a freed gap.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError } from "./helpers.js";
import { HEAP_OWNER } from "../../src/hal/index.js";
import { RamAllocator } from "../../src/mem/index.js";

const none = () => {};
/**
 * The kernel's own static memory, reserved when the scheduler starts (FreeRTOS 11 with
 * configSUPPORT_STATIC_ALLOCATION 1: idle and timer tasks, timer command queue): idle stack 128
 * words, TCB 96, timer stack 256 words, TCB 96, Queue_t 84 + 10 pointers, each 8-aligned.
 */
const KERNEL_STATIC = 128 * 4 + 96 + 256 * 4 + 96 + Math.ceil((84 + 10 * 4) / 8) * 8;

test("the kernel heap is charged at boot on every board: a quarter of SRAM, in the first region it fits", () => {
  const expected: Record<string, [string, number, number]> = {
    stm32h743: ["AXI SRAM", 0x2400_0000, (1056 * 1024) / 4], // ITCM 64 KB and DTCM 128 KB are too small for 264 KB
    esp32c3: ["SRAM1", 0x3fc8_0000, (400 * 1024) / 4], // SRAM0 16 KB is too small for 100 KB
    nrf52840: ["RAM", 0x2000_0000, (256 * 1024) / 4],
  };
  for (const [name, [region, address, sizeBytes]] of Object.entries(expected)) {
    const b = createBoard(name, { firmware: none });
    assert.equal(b.rtos.kernel.config.configTOTAL_HEAP_SIZE, sizeBytes, name);
    assert.deepEqual(b.ram.allocations(), [{ owner: HEAP_OWNER, region, address, sizeBytes, paddingBytes: 0 }], name);
    assert.equal(b.ram.usedBytes, sizeBytes, name);
    assert.equal(b.ram.freeBytes, b.info.sramBytes - sizeBytes, name);
  }
  assert.equal(HEAP_OWNER, "heap (configTOTAL_HEAP_SIZE)");
});

test("report(): one row per owner, totals, free bytes per region (dma marked)", () => {
  const b = createBoard("stm32h743", { firmware: none });
  assert.equal(
    b.ram.report(),
    [
      "owner                         region    address range            bytes  padding",
      "heap (configTOTAL_HEAP_SIZE)  AXI SRAM  0x24000000..0x24041fff  270336        0",
      "used 270336 bytes (padding 0), free 811008 bytes, SRAM 1081344 bytes",
      "free by region: ITCM 65536, DTCM 131072, AXI SRAM (dma) 253952, SRAM1 (dma) 131072, SRAM2 (dma) 131072, SRAM3 (dma) 32768, SRAM4 (dma) 65536",
    ].join("\n"),
  );
  // configTOTAL_HEAP_SIZE 0 (heap_3-like: no static heap array): nothing charged.
  const none0 = createBoard("nrf52840", { firmware: none, config: { configTOTAL_HEAP_SIZE: 0 } });
  assert.equal(none0.ram.usedBytes, 0);
  assert.equal(
    none0.ram.report(),
    [
      "owner  region  address range  bytes  padding",
      "(nothing allocated)",
      "used 0 bytes (padding 0), free 262144 bytes, SRAM 262144 bytes",
      "free by region: RAM (dma) 262144",
    ].join("\n"),
  );
});

test("a heap that fits no single region is a HalError at createBoard naming board and ram, with the report", () => {
  // 600 KB < 1056 KB of SRAM in all, but the largest region (AXI SRAM) has 512 KB: ucHeap is one array.
  let error: unknown = null;
  try {
    createBoard("stm32h743", { firmware: none, config: { configTOTAL_HEAP_SIZE: 600 * 1024 } });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof HalError);
  assert.equal(error.board, "stm32h743");
  assert.equal(error.peripheral, "ram");
  const [first, ...table] = error.message.split("\n");
  assert.equal(
    first,
    'board "stm32h743", ram: the kernel heap (configTOTAL_HEAP_SIZE = 614400 bytes) does not fit: the largest free SRAM block is 524288 bytes (SRAM ITCM 0x00000000..0x0000ffff, DTCM 0x20000000..0x2001ffff, AXI SRAM 0x24000000..0x2407ffff, SRAM1 0x30000000..0x3001ffff, SRAM2 0x30020000..0x3003ffff, SRAM3 0x30040000..0x30047fff, SRAM4 0x38000000..0x3800ffff)',
  );
  assert.equal(table[1], "(nothing allocated)");
  assert.equal(table[2], "used 0 bytes (padding 0), free 1081344 bytes, SRAM 1081344 bytes");
  // Exactly the largest region fits.
  assert.equal(createBoard("stm32h743", { firmware: none, config: { configTOTAL_HEAP_SIZE: 512 * 1024 } }).ram.allocations()[0]!.address, 0x2400_0000);
});

test("a reset clears RAM and its allocations and charges the heap again at the same place", async () => {
  const b = createBoard("esp32c3", {
    firmware: (bb) => {
      bb.ram.allocate("dma ring", 1000, { dmaOnly: true });
    },
  });
  await b.run(1);
  assert.deepEqual(b.ram.allocations().map((a) => [a.owner, a.address]), [[HEAP_OWNER, 0x3fc8_0000], ["dma ring", 0x3fc9_9000], ["kernel", 0x3fc9_9000 + 1000]]);
  const heapOnly = b.ram.allocations().slice(0, 1);
  assert.equal(b.ram.boot, 1);
  b.reset("watchdog");
  assert.equal(b.ram.boot, 2);
  assert.deepEqual(b.ram.allocations(), heapOnly);
  assert.equal(b.ram.usedBytes, 102_400);
  await b.run(1);
  assert.equal(b.ram.usedBytes, 102_400 + 1000 + KERNEL_STATIC, "the firmware charged its ring again at boot, the scheduler its static memory");
});

test("allocate / release: first fit with alignment and DMA-only, bad input is a HalError, release gives the bytes back", () => {
  const b = createBoard("esp32c3", { firmware: none });
  // SRAM0 (not DMA-reachable) is first in the catalogue: a plain allocation goes there.
  const a = b.ram.allocate("table", 10)!;
  assert.deepEqual(a, { owner: "table", region: "SRAM0", address: 0x4037_c000, sizeBytes: 10, paddingBytes: 0 });
  const aligned = b.ram.allocate("aligned", 4, { alignBytes: 64 })!;
  assert.deepEqual([aligned.address, aligned.paddingBytes], [0x4037_c040, 54]);
  assert.equal(b.ram.allocate("dma", 4, { dmaOnly: true })!.region, "SRAM1");
  assert.equal(b.ram.allocate("too big", 400 * 1024), null);
  const used = b.ram.usedBytes;
  assert.equal(used, 102_400 + 10 + 54 + 4 + 4);
  b.ram.release(aligned.address);
  assert.equal(b.ram.usedBytes, used - 58);
  assert.throws(() => b.ram.release(aligned.address), /^HalError: board "esp32c3", ram: release: no allocated block starts at 0x4037c040$/);
  assert.throws(() => b.ram.allocate("x", 0), /board "esp32c3", ram: allocate for x: sizeBytes must be a positive integer, got 0/);
  assert.throws(() => b.ram.allocate("x", 8, { alignBytes: 12 }), /ram: allocate for x: alignBytes must be a power of two, got 12/);
  assert.throws(() => b.ram.allocate("", 8), /ram: allocate: owner must be a non-empty string, got ""/);
  assert.equal(b.ram.usedBytes + b.ram.freeBytes, b.info.sramBytes);
});

test("RamAllocator: a freed gap is reused first fit; the padding of a block is charged to it", () => {
  const ram = new RamAllocator([
    { name: "A", base: 0x1000, sizeBytes: 64, dma: false },
    { name: "B", base: 0x2000, sizeBytes: 64, dma: true },
  ]);
  const x = ram.allocate("x", 20)!; // 0x1000..0x1013
  const y = ram.allocate("y", 8)!; // next 8-aligned: 0x1018, 4 bytes padding
  const z = ram.allocate("z", 24)!; // 0x1020..0x1037
  assert.deepEqual([x.address, y.address, y.paddingBytes, z.address], [0x1000, 0x1018, 4, 0x1020]);
  assert.equal(ram.usedBytes, 20 + 4 + 8 + 24);
  assert.equal(ram.allocate("w", 16)!.address, 0x2000, "8 bytes left in A: on to B");
  assert.ok(ram.free(x.address));
  assert.equal(ram.usedBytes, 4 + 8 + 24 + 16);
  assert.equal(ram.largestFreeBytes(), 48);
  assert.equal(ram.allocate("v", 16)!.address, 0x1000, "the freed gap at the start of A");
  assert.equal(ram.freeBytes, 128 - ram.usedBytes);
  ram.reset();
  assert.deepEqual([ram.usedBytes, ram.allocations().length], [0, 0]);
});
