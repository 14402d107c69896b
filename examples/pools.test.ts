/*
 * Checks the pools example (examples/pools.ts) on every board: the exact counts (derived below
 * from the example's rules), the malloc-failed hook once per refused alloc with a
 * heap.mallocFailed trace naming the pool at the exact ticks, and the printed report.
 *
 * Messages: the producer (priority 2) tries at ticks 1..100; the consumer (priority 1) receives a
 * message, holds it 4 ticks and frees it, so it frees at ticks 5, 9, 13, ... and, being the lower
 * priority, after the producer's attempt at the same tick. Before the attempt at tick t, t - 1
 * attempts succeeded and ⌊(t - 2) / 4⌋ units came back while the pool had room: 16 are in use
 * first at t = 21 (20 - 4), the first refusal. From then on one unit comes back every 4 ticks
 * (refusals at 21, 23, 24, 25, 27, 28, 29, 31, ...):
 * 16 + |{5, 9, ..., 97}| = 16 + 24 = 40 sent, 100 - 40 = 60 refused; all 40 consumed by tick 161.
 * Events: the events task (priority 3) drains at ticks 100, 200, 300. Burst 1 (40 edges from
 * tick 150, every 0.5) finds 32 free units: edges 32..39 (ticks 166..169.5) are refused. Burst 2
 * (20 edges from tick 250) comes after the drain at 200: all queued. 52 queued, 8 refused, all 52
 * handled by tick 300.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boards, createBoard } from "../src/hal/index.js";
import type { TraceEvent } from "../src/kernel/index.js";
import { counts, EVT_POOL, main, MSG_POOL, world } from "./pools.js";

for (const name of boards) {
  test(`pools on ${name}: exact counts, the malloc-failed hook and its trace at the exact ticks, the report`, async () => {
    let hookCalls = 0;
    const board = createBoard(name, { firmware: main, config: { vApplicationMallocFailedHook: () => hookCalls++ } });
    const failed: TraceEvent[] = [];
    board.rtos.kernel.setTraceSink((e) => {
      if (e.kind === "heap.mallocFailed") failed.push(e);
    });
    world(board);
    await board.run(1500);
    assert.deepEqual(counts.get(board), { sent: 40, refused: 60, consumed: 40, events: 52, eventsRefused: 8, handled: 52 });
    assert.equal(hookCalls, 68, "one hook call per refused alloc");
    const msgTicks = failed.filter((e) => e.object === 'pool "msg_pool"').map((e) => e.timeTicks);
    const evtTicks = failed.filter((e) => e.object === 'pool "evt_pool"').map((e) => e.timeTicks);
    assert.equal(msgTicks.length, 60);
    // Full at 21 (refused), the unit freed at 21 taken at 22, full again at 23, 24, 25 (the free at 25 comes after the attempt), taken at 26.
    assert.deepEqual(msgTicks.slice(0, 6), [21, 23, 24, 25, 27, 28]);
    assert.deepEqual(evtTicks, [166, 166.5, 167, 167.5, 168, 168.5, 169, 169.5]);

    const text = board.world.uart(0).text();
    const pools = board.ram.allocations().filter((a) => a.owner.startsWith("pool "));
    assert.deepEqual(
      pools.map((a) => [a.owner, a.sizeBytes]),
      [
        ['pool "msg_pool"', MSG_POOL.count * MSG_POOL.unitBytes],
        ['pool "evt_pool"', EVT_POOL.count * EVT_POOL.unitBytes],
      ],
    );
    // The report as printed at tick 400: the counts, board.ram.report() (whose rows for the kernel
    // heap may list its live blocks, which change as tasks end), then the stats.
    const lines = text.split("\r\n");
    assert.deepEqual(lines.slice(0, 3), [
      `pools on ${name} at tick 400`,
      "messages: 40 sent, 60 refused (msg_pool empty), 40 consumed",
      "button events: 52 queued, 8 refused in the ISR (evt_pool empty), 52 handled",
    ]);
    assert.deepEqual(lines.slice(-3), [
      'pool "msg_pool": inUse 0, highWater 16, failedAllocations 60, count 16, unitBytes 128',
      'pool "evt_pool": inUse 0, highWater 32, failedAllocations 8, count 32, unitBytes 32',
      "",
    ]);
    const printed = lines.slice(3, -3);
    const now = board.ram.report().split("\n");
    assert.equal(printed[0], now[0], "the report's header");
    const poolRows = now.filter((l) => l.startsWith('pool "'));
    assert.equal(poolRows.length, 2);
    for (const row of poolRows) assert.ok(printed.includes(row), `printed: ${row}`);
  });
}

test("pools on nrf52840: the RAM report's pool rows and totals, byte for byte", async () => {
  const board = createBoard("nrf52840", { firmware: main });
  world(board);
  await board.run(1500);
  const rows = board.ram.report().split("\n");
  assert.deepEqual(
    rows.filter((l) => l.startsWith('pool "') || l.startsWith("owner") || l.startsWith("heap") || l.startsWith("kernel") || l.startsWith("used") || l.startsWith("free")),
    [
      "owner                         region  address range           bytes  padding",
      "heap (configTOTAL_HEAP_SIZE)  RAM     0x20000000..0x2000ffff  65536        0",
      'pool "msg_pool"               RAM     0x20010000..0x200107ff   2048        0',
      'pool "evt_pool"               RAM     0x20010800..0x20010bff   1024        0',
      // The kernel's own static memory (idle and timer tasks, timer queue), placed at start.
      "kernel                        RAM     0x20010c00..0x2001133f   1856        0",
      "used 70464 bytes (padding 0), free 191680 bytes, SRAM 262144 bytes",
      "free by region: RAM (dma) 191680",
    ],
  );
});
