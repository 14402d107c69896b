/**
 * createPool (API.md `tinyrtos/mem`): units 8-byte aligned at the addresses the memory map and
 * first fit give (after the kernel heap), in DMA-reachable SRAM only (on the STM32H743 never the
 * TCMs), exhaustion, free and reuse, the KernelAssertErrors of a foreign or double free, PoolError
 * for bad arguments, a pool that does not fit (with the RAM report) and a pool of an earlier boot,
 * and the accounting (usedBytes + freeBytes = SRAM, padding counted as used).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard } from "../../src/hal/index.js";
import { createPool, PoolError, type Pool } from "../../src/mem/index.js";
import { KernelAssertError } from "../../src/kernel/index.js";

const none = () => {};
/** Where the first pool goes on each board: just after the kernel heap (a quarter of SRAM, first fit). */
const FIRST_POOL: Record<string, number> = {
  // 270336-byte heap (1056 KB / 4) fits neither ITCM (64 KB) nor DTCM (128 KB): AXI SRAM at 0x24000000.
  stm32h743: 0x2400_0000 + 270_336,
  // 102400-byte heap (400 KB / 4) does not fit SRAM0 (16 KB): SRAM1 at 0x3fc80000.
  esp32c3: 0x3fc8_0000 + 102_400,
  // 65536-byte heap (256 KB / 4) at the start of RAM.
  nrf52840: 0x2000_0000 + 65_536,
};

test("units are 8-byte aligned views into board RAM at address + i × unitBytes, back to back, after the heap", () => {
  for (const name of Object.keys(FIRST_POOL)) {
    const b = createBoard(name, { firmware: none });
    const pool = createPool(b, "msg_pool", 5, 104);
    assert.equal(pool.address, FIRST_POOL[name], name);
    assert.equal(pool.name, "msg_pool");
    assert.equal(pool.count, 5);
    assert.equal(pool.unitBytes, 104);
    assert.equal(pool.available, 5);
    const units: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) units.push(pool.alloc()!);
    // Fresh pool: address order, 104 bytes apart (no padding: 104 is a multiple of 8).
    assert.deepEqual(units.map((u) => b.ram.addressOf(u)), [0, 1, 2, 3, 4].map((i) => FIRST_POOL[name]! + i * 104), name);
    for (const u of units) {
      assert.equal(u.byteLength, 104);
      assert.equal(u.buffer, b.ram.buffer);
      assert.equal(b.ram.addressOf(u) % 8, 0);
    }
    // The views are board RAM itself: a write shows through ram.view.
    units[2]![0] = 0xa5;
    assert.equal(b.ram.view(FIRST_POOL[name]! + 208, 1)[0], 0xa5);
    // The pool is charged: heap + 5 × 104 bytes.
    assert.equal(b.ram.usedBytes, b.info.sramBytes / 4 + 5 * 104, name);
    assert.equal(b.ram.usedBytes + b.ram.freeBytes, b.info.sramBytes);
  }
});

test("stm32h743: pools lie in DMA-reachable SRAM, never ITCM/DTCM, even when only the TCMs have room", () => {
  const b = createBoard("stm32h743", { firmware: none });
  // AXI SRAM (512 KB) holds the 270336-byte heap; 253952 bytes are left in it.
  const big = createPool(b, "big", 1, 250_000);
  assert.equal(big.address, 0x2404_2000);
  // 3952 bytes left in AXI SRAM; the TCMs (192 KB) are empty but unreachable by DMA1/DMA2: SRAM1.
  const more = createPool(b, "more", 8, 1024);
  assert.equal(more.address, 0x3000_0000);
  for (const p of [big, more]) {
    const region = b.ram.regionAt(p.address)!;
    assert.equal(region.dma, true, `${p.name} in ${region.name}`);
  }
  assert.deepEqual(
    b.ram.allocations().map((a) => [a.owner, a.region, a.address, a.sizeBytes]),
    [
      ["heap (configTOTAL_HEAP_SIZE)", "AXI SRAM", 0x2400_0000, 270_336],
      ['pool "big"', "AXI SRAM", 0x2404_2000, 250_000],
      ['pool "more"', "SRAM1", 0x3000_0000, 8192],
    ],
  );
  // A 16-byte pool fits in AXI SRAM's tail again (first fit in region order): 0x24042000 + 250000.
  assert.equal(createPool(b, "small", 2, 8).address, 0x2404_2000 + 250_000);
});

test("exhaustion gives null; free makes a unit available again (LIFO: the last freed comes back first)", () => {
  const b = createBoard("nrf52840", { firmware: none });
  const pool = createPool(b, "p", 3, 16);
  const [u0, u1, u2] = [pool.alloc()!, pool.alloc()!, pool.alloc()!];
  assert.equal(pool.available, 0);
  assert.equal(pool.alloc(), null);
  assert.equal(pool.alloc(), null);
  pool.free(u1);
  pool.free(u0);
  assert.equal(pool.available, 2);
  assert.equal(pool.alloc(), u0, "the same view object, not a copy");
  assert.equal(pool.alloc(), u1);
  assert.equal(pool.alloc(), null);
  pool.free(u2);
  assert.equal(pool.alloc(), u2);
  assert.deepEqual([u0, u1, u2].map((u) => b.ram.addressOf(u) - pool.address), [0, 16, 32]);
});

test("a double free or a foreign buffer is a KernelAssertError, and leaves the pool as it was", () => {
  const b = createBoard("stm32h743", { firmware: none });
  const pool = createPool(b, "msg_pool", 4, 32);
  const other = createPool(b, "other", 4, 32);
  const u = pool.alloc()!;
  const foreign: [string, unknown, RegExp][] = [
    ["a unit of another pool", other.alloc(), /^pool "msg_pool"\.free: the buffer is not a unit of this pool \(a unit of pool "other" at 0x24042080\); free takes back only a view this pool's alloc returned$/],
    ["a host buffer", new Uint8Array(32), /not a unit of this pool \(a host buffer, not board RAM\)/],
    ["another view of the same RAM", b.ram.view(pool.address, 32), /not a unit of this pool/],
    ["a sub-view of a unit", u.subarray(8), /not a unit of this pool/],
    ["null", null, /not a unit of this pool \(got null\)/],
  ];
  for (const [what, buf, message] of foreign) {
    assert.throws(() => pool.free(buf as Uint8Array), (e: unknown) => e instanceof KernelAssertError && message.test(e.message), what);
    assert.equal(pool.available, 3, what);
  }
  pool.free(u);
  assert.throws(() => pool.free(u), (e: unknown) => e instanceof KernelAssertError && e.message === 'pool "msg_pool".free: unit 0 (0x24042000) is already free (double free); each unit is freed once per alloc');
  assert.equal(pool.available, 4);
  // Unit 3 was never handed out; a fresh view of its bytes is not the pool's view object: foreign.
  const last = b.ram.view(pool.address + 3 * 32, 32);
  assert.throws(() => pool.free(last), KernelAssertError, "a fresh view of unit 3 is not the pool's view object");
});

test("bad arguments are a PoolError naming the pool, the argument and the rule; nothing is charged", () => {
  const b = createBoard("nrf52840", { firmware: none });
  const used = b.ram.usedBytes;
  const bad: [() => unknown, RegExp][] = [
    [() => createPool({} as never, "p", 1, 8), /^createPool: expects a board \(from createBoard\), got object$/],
    [() => createPool(null as never, "p", 1, 8), /expects a board .*got null/],
    [() => createPool(b, "", 1, 8), /^createPool on nrf52840: name must be a non-empty string, got ""$/],
    [() => createPool(b, 7 as never, 1, 8), /name must be a non-empty string, got 7/],
    [() => createPool(b, "p", 0, 8), /^createPool "p" on nrf52840: count must be a positive integer \(a pool has at least one unit\), got 0$/],
    [() => createPool(b, "p", -3, 8), /count must be a positive integer \(a pool has at least one unit\), got -3$/],
    [() => createPool(b, "p", 1.5, 8), /count must be a positive integer .*, got 1.5$/],
    [() => createPool(b, "p", "4" as never, 8), /count must be a positive integer .*, got "4"$/],
    [() => createPool(b, "p", 4, 0), /^createPool "p" on nrf52840: unitBytes must be a positive multiple of 8 \(every unit starts on an 8-byte boundary\), got 0$/],
    [() => createPool(b, "p", 4, -8), /unitBytes must be a positive multiple of 8 .*, got -8$/],
    [() => createPool(b, "p", 4, 12), /^createPool "p" on nrf52840: unitBytes must be a positive multiple of 8 \(every unit starts on an 8-byte boundary\), got 12$/],
    [() => createPool(b, "p", 4, 4), /unitBytes must be a positive multiple of 8 .*, got 4$/],
    [() => createPool(b, "p", 4, 100), /unitBytes must be a positive multiple of 8 .*, got 100$/],
    [() => createPool(b, "p", 4, 8.5), /unitBytes must be a positive multiple of 8 .*, got 8.5$/],
    [() => createPool(b, "p", 4, Number.NaN), /unitBytes must be a positive multiple of 8 .*, got NaN$/],
  ];
  for (const [call, message] of bad) assert.throws(call, (e: unknown) => e instanceof PoolError && e.name === "PoolError" && message.test(e.message), String(message));
  assert.equal(b.ram.usedBytes, used);
});

test("a pool that does not fit is a PoolError naming the pool, with the RAM report; nothing is charged", () => {
  const b = createBoard("nrf52840", { firmware: none });
  createPool(b, "msg_pool", 16, 128);
  const before = b.ram.report();
  let error: unknown = null;
  try {
    createPool(b, "frames", 200, 1000); // 200 × 1000 = 200000 bytes; 194560 are free
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof PoolError);
  const [first, ...table] = error.message.split("\n");
  assert.equal(
    first,
    'createPool "frames" on nrf52840: 200 units of 1000 bytes (200000 bytes with 8-byte alignment) do not fit in DMA-reachable SRAM; the largest free DMA-reachable block is 194560 bytes',
  );
  assert.equal(table.join("\n"), before);
  assert.equal(b.ram.report(), before);
  // 262144 - 65536 (heap) - 16 × 128 (msg_pool) = 194560: exactly that fits.
  assert.equal(createPool(b, "rest", 1, 194_560).address, 0x2001_0800);
  assert.equal(b.ram.freeBytes, 0);
  assert.equal(b.ram.usedBytes, 262_144);
});

test("a pool belongs to one boot: after a reset every use is a PoolError; the firmware makes it again at the same address", async () => {
  const pools: Pool[] = [];
  const b = createBoard("esp32c3", {
    firmware: (bb) => {
      pools.push(createPool(bb, "msg_pool", 4, 64));
    },
  });
  await b.run(1);
  const old = pools[0]!;
  const u = old.alloc()!;
  b.reset("software");
  const stale = /^pool "msg_pool"\.(alloc|free|available): the pool belongs to boot 1 of esp32c3, and the board has been reset since \(now boot 2; RAM was cleared\): create pools again in the firmware at boot$/;
  assert.throws(() => old.alloc(), (e: unknown) => e instanceof PoolError && stale.test(e.message));
  assert.throws(() => old.free(u), (e: unknown) => e instanceof PoolError && stale.test(e.message));
  assert.throws(() => old.available, (e: unknown) => e instanceof PoolError && stale.test(e.message));
  // RAM cleared: only the heap is charged until the firmware runs again.
  assert.deepEqual(b.ram.allocations().map((a) => a.owner), ["heap (configTOTAL_HEAP_SIZE)"]);
  await b.run(1);
  assert.equal(pools.length, 2);
  assert.equal(pools[1]!.address, old.address);
  assert.equal(pools[1]!.available, 4);
});

test("accounting: padding counts as used, usedBytes + freeBytes = SRAM, one report row per owner", () => {
  // A 1001-byte heap ends at 0x200003e8; the next 8-byte boundary is 0x200003f0: 7 bytes of padding.
  const b = createBoard("nrf52840", { firmware: none, config: { configTOTAL_HEAP_SIZE: 1001 } });
  const a = createPool(b, "a", 3, 16); // 48 bytes
  const c = createPool(b, "c", 1, 8);
  const d = createPool(b, "d", 2, 8);
  assert.deepEqual([a.address, c.address, d.address], [0x2000_03f0, 0x2000_0420, 0x2000_0428]);
  assert.equal(b.ram.usedBytes, 1001 + 7 + 48 + 8 + 16);
  assert.equal(c.alloc()!.byteLength, 8);
  assert.equal(b.ram.usedBytes + b.ram.freeBytes, 262_144);
  assert.equal(
    b.ram.report(),
    [
      "owner                         region  address range           bytes  padding",
      "heap (configTOTAL_HEAP_SIZE)  RAM     0x20000000..0x200003e8   1001        0",
      'pool "a"                      RAM     0x200003f0..0x2000041f     48        7',
      'pool "c"                      RAM     0x20000420..0x20000427      8        0',
      'pool "d"                      RAM     0x20000428..0x20000437     16        0',
      "used 1080 bytes (padding 7), free 261064 bytes, SRAM 262144 bytes",
      "free by region: RAM (dma) 261064",
    ].join("\n"),
  );
});
