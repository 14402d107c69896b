/**
 * pools — the seed's static pools on a board: no heap after start, fixed-size units carved from
 * the chip's SRAM, and what happens when a pool runs dry.
 *
 * Run it (any board: nrf52840, stm32h743, esp32c3):
 *
 *   npm run build && node dist/src/cli/main.js run dist/examples/pools.js --board nrf52840 --ticks 500
 *
 * The firmware (`main(board)`), with the seed's two pools (`createPool` from tinyrtos/mem):
 *
 *   msg_pool 16 × 128 B:  task "producer" [2] ──alloc──▶ queue "msgs" ──▶ task "consumer" [1] ──free
 *   evt_pool 32 × 32 B:   BUTTON falling edge ▶ ISR ──alloc──▶ queue "evts" ──▶ task "events" [3] ──free
 *   task "report" [4]: at REPORT_TICK prints board.ram.report() and both pools' stats on uart0
 *
 * - The producer tries for a message every tick from tick 1 to PRODUCER_TICKS; the consumer holds
 *   each message CONSUME_TICKS before it frees it, so the producer is four times faster: after
 *   16 messages msg_pool is empty, `alloc()` returns null, and the producer counts the refusal
 *   and tries again next tick. Nothing blocks and nothing is lost that was accepted.
 * - The world bounces the button in BURSTS of falling edges faster than the events task (which
 *   wakes every EVENT_BATCH_TICKS to drain its queue) frees them: the ISR allocates one 32-byte
 *   event per edge, and in a burst of more than 32 the rest are refused (null) in the ISR and
 *   counted, as an ISR cannot wait.
 * - Each refused `alloc()` also runs the board kernel's vApplicationMallocFailedHook (pass one in
 *   the board's config: `createBoard(name, { firmware: main, config: { vApplicationMallocFailedHook } })`;
 *   the command line's board has none) and traces `heap.mallocFailed` naming the pool.
 *
 * `world(board)` is the test bench: the button bursts.
 * @module
 */
import { pdTRUE } from "../src/freertos/index.js";
import type { Board } from "../src/hal/index.js";
import { createPool, type Pool } from "../src/mem/index.js";

/** The seed's message pool: 16 units of 128 bytes. */
export const MSG_POOL = { name: "msg_pool", count: 16, unitBytes: 128 } as const;
/** The seed's event pool: 32 units of 32 bytes. */
export const EVT_POOL = { name: "evt_pool", count: 32, unitBytes: 32 } as const;
/** The producer tries for a message at each tick 1..PRODUCER_TICKS. */
export const PRODUCER_TICKS = 100;
/** The consumer holds each message this long before freeing it. */
export const CONSUME_TICKS = 4;
/** The events task wakes this often and drains its queue. */
export const EVENT_BATCH_TICKS = 100;
/** When the report task prints. */
export const REPORT_TICK = 400;
export const UART_BAUD = 115200;
/** Button bursts (contact chatter): `edges` falling edges from `atTick`, one every `spacingTicks`. */
export const BURSTS: readonly { readonly atTick: number; readonly edges: number; readonly spacingTicks: number }[] = [
  { atTick: 150, edges: 40, spacingTicks: 0.5 },
  { atTick: 250, edges: 20, spacingTicks: 0.5 },
];

/** What the firmware counted: the example's own bookkeeping, beside the pools' stats. */
export interface PoolsCounts {
  sent: number;
  refused: number;
  consumed: number;
  events: number;
  eventsRefused: number;
  handled: number;
}

/** The counts of each board's firmware (this boot), for the test and the report. */
export const counts = new WeakMap<Board, PoolsCounts>();

/** The firmware: called by the board at each boot. */
export async function main(board: Board): Promise<void> {
  const rtos = board.rtos;
  const uart = board.uart(0);
  uart.configure({ baudRate: UART_BAUD });
  // Pools belong to one boot: made at each boot, from DMA-reachable SRAM.
  const msgPool = createPool(board, MSG_POOL.name, MSG_POOL.count, MSG_POOL.unitBytes);
  const evtPool = createPool(board, EVT_POOL.name, EVT_POOL.count, EVT_POOL.unitBytes);
  // Queues of references (itemSize 0): a unit goes through by pointer, as in C, no copy.
  const msgs = rtos.xQueueCreate<Uint8Array>(32, 0)!;
  const evts = rtos.xQueueCreate<Uint8Array>(EVT_POOL.count, 0)!;
  const c: PoolsCounts = { sent: 0, refused: 0, consumed: 0, events: 0, eventsRefused: 0, handled: 0 };
  counts.set(board, c);

  const button = board.pin("BUTTON");
  button.configure({ mode: "input", pull: "up" });
  const woken = { value: 0 };
  button.setInterrupt("falling", () => {
    const e = evtPool.alloc();
    if (e === null) {
      c.eventsRefused++; // an ISR cannot wait for a unit: count it and return
      return;
    }
    c.events++;
    new DataView(e.buffer, e.byteOffset, e.byteLength).setUint32(0, rtos.xTaskGetTickCountFromISR(), true);
    woken.value = 0;
    rtos.xQueueSendFromISR(evts, e, woken);
    rtos.portYIELD_FROM_ISR(woken);
  });

  await rtos.xTaskCreate(
    async () => {
      for (let n = 1; n <= PRODUCER_TICKS; n++) {
        await rtos.vTaskDelay(1);
        const m = msgPool.alloc();
        if (m === null) {
          c.refused++; // msg_pool is empty: drop this one, try again next tick
          continue;
        }
        const text = `msg ${n}`;
        for (let i = 0; i < text.length; i++) m[i] = text.charCodeAt(i);
        m[text.length] = 0;
        c.sent++;
        await rtos.xQueueSend(msgs, m, rtos.portMAX_DELAY);
      }
    },
    "producer",
    256,
    null,
    2,
  );
  await rtos.xTaskCreate(
    async () => {
      const got: { value: Uint8Array | null | undefined } = { value: null };
      for (;;) {
        await rtos.xQueueReceive(msgs, got, rtos.portMAX_DELAY);
        await rtos.vTaskDelay(CONSUME_TICKS); // "processing"
        c.consumed++;
        msgPool.free(got.value!);
      }
    },
    "consumer",
    256,
    null,
    1,
  );
  await rtos.xTaskCreate(
    async () => {
      const got: { value: Uint8Array | null | undefined } = { value: null };
      for (;;) {
        await rtos.vTaskDelay(EVENT_BATCH_TICKS);
        while ((await rtos.xQueueReceive(evts, got, 0)) === pdTRUE) {
          c.handled++;
          evtPool.free(got.value!);
        }
      }
    },
    "events",
    256,
    null,
    3,
  );
  await rtos.xTaskCreate(
    async () => {
      await rtos.vTaskDelay(REPORT_TICK);
      await uart.write(report(board, c, msgPool, evtPool).replace(/\n/g, "\r\n"));
    },
    "report",
    256,
    null,
    4,
  );
}

/** The report's text (LF line ends): the counts, board.ram.report() and the pools' stats. */
export function report(board: Board, c: PoolsCounts, ...pools: Pool[]): string {
  const lines = [
    `pools on ${board.info.name} at tick ${board.rtos.xTaskGetTickCount()}`,
    `messages: ${c.sent} sent, ${c.refused} refused (msg_pool empty), ${c.consumed} consumed`,
    `button events: ${c.events} queued, ${c.eventsRefused} refused in the ISR (evt_pool empty), ${c.handled} handled`,
    board.ram.report(),
  ];
  for (const p of pools) {
    const s = p.stats;
    lines.push(`pool "${p.name}": inUse ${s.inUse}, highWater ${s.highWater}, failedAllocations ${s.failedAllocations}, count ${s.count}, unitBytes ${s.unitBytes}`);
  }
  return lines.join("\n") + "\n";
}

/** The test bench: the button bursts (each edge a press: drive low, release half a spacing later). */
export function world(board: Board): void {
  const pin = board.world.pin("BUTTON");
  for (const b of BURSTS)
    for (let k = 0; k < b.edges; k++) {
      const at = b.atTick + k * b.spacingTicks;
      pin.drive(false, at);
      pin.release(at + b.spacingTicks / 2);
    }
}
