/** Trace recorder benchmarks: Perfetto events and VCD edges per wall second. */
import { createFreeRTOS, portMAX_DELAY } from "../src/freertos/index.js";
import { createBoard } from "../src/hal/index.js";
import { recordPerfetto, recordVCD } from "../src/trace/index.js";
import { gc, median, nowNs, round, type Figure } from "./harness.js";

/**
 * Trace events recorded and exported per wall second: two tasks bounce a value through two
 * length-1 queues (every send and receive blocks, wakes and switches) with recordPerfetto attached;
 * the wall time covers the run and json(); the events are those in json()'s traceEvents.
 */
async function perfetto(): Promise<Figure[]> {
  const roundTrips = 20_000;
  const perSecond = await median(5, 1, async () => {
    gc();
    const rtos = createFreeRTOS({});
    const trace = recordPerfetto(rtos, { maxEvents: 10_000_000 });
    const q1 = rtos.xQueueCreate(1, 0)!;
    const q2 = rtos.xQueueCreate(1, 0)!;
    await rtos.xTaskCreate(async () => {
      const r = { value: 0 };
      for (let i = 0; i < roundTrips; i++) {
        await rtos.xQueueSend(q1, i, portMAX_DELAY);
        await rtos.xQueueReceive(q2, r, portMAX_DELAY);
      }
    }, "ping", 128, null, 2);
    await rtos.xTaskCreate(async () => {
      const r = { value: 0 };
      for (;;) {
        await rtos.xQueueReceive(q1, r, portMAX_DELAY);
        await rtos.xQueueSend(q2, r.value, portMAX_DELAY);
      }
    }, "pong", 128, null, 2);
    rtos.vTaskStartScheduler();
    const t0 = nowNs();
    await rtos.run(1);
    const json = trace.json();
    const seconds = (nowNs() - t0) / 1e9;
    if (trace.truncated) throw new Error("perfetto bench: trace truncated; raise maxEvents");
    const events = (JSON.parse(json) as { traceEvents: unknown[] }).traceEvents.length;
    if (events < roundTrips * 4) throw new Error(`perfetto bench: only ${events} events for ${roundTrips} round trips`);
    return events / seconds;
  });
  return [{ name: "trace.perfetto.events_per_s", value: round(perSecond), unit: "events/s" }];
}

/**
 * VCD value changes written per wall second of text(): a board with 50,000 world-driven edges on
 * a pin and 4,000 bytes sent on uart0 at 1 Mbaud. recordVCD reads the lines' edge logs only when
 * asked (nothing is recorded while the board runs), so text() is all of its work.
 */
async function vcd(): Promise<Figure[]> {
  const pinEdges = 50_000;
  const uartBytes = 4_000;
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const u = bb.uart(0);
      u.configure({ baudRate: 1_000_000 });
      await bb.rtos.xTaskCreate(async () => {
        const data = new Uint8Array(uartBytes);
        for (let i = 0; i < uartBytes; i++) data[i] = (i * 37) & 0xff;
        await u.write(data);
      }, "tx", 512, null, 1);
    },
  });
  const recorder = recordVCD(b, ["PA0", "uart0.tx"], { maxChanges: 10_000_000 });
  const w = b.world.pin("PA0");
  for (let i = 0; i < pinEdges; i++) w.drive(i % 2 === 0, 1 + i * 0.00025); // an edge every 250 ns (a 2 MHz square wave) from tick 1
  await b.run(100); // 4,000 bytes × 10 µs = 40 ms; the pin edges end at tick 13.5
  const changes = recorder.changeCount;
  if (changes < pinEdges) throw new Error(`vcd bench: only ${changes} changes`);
  const perSecond = await median(5, 1, async () => {
    gc();
    const t0 = nowNs();
    const text = recorder.text();
    const seconds = (nowNs() - t0) / 1e9;
    if (text.length === 0) throw new Error("vcd bench: empty text");
    return changes / seconds;
  });
  return [{ name: "trace.vcd.edges_per_s", value: round(perSecond), unit: "edges/s" }];
}

export const benchmarks = { perfetto, vcd };
