/**
 * sensor-pipeline — a Go-style program on tinyrtos: a temperature sensor pipeline built from
 * goroutines, channels, select, a context, a Mutex, a WaitGroup and an interrupt.
 *
 * Run it:  npm run build && node dist/examples/sensor-pipeline.js
 *
 * If you know Go, read every `await x.recv()` as `<-x`, `await x.send(v)` as `x <- v`,
 * `go(async () => {...})` as `go func() {...}()` and `select([...])` as a `select` statement.
 * Each goroutine is a kernel task, and the scheduler is a real-time one (FreeRTOS rules): there
 * is ONE CPU, and the highest-priority goroutine that is ready always runs. A goroutine keeps the
 * CPU until it blocks (on a channel, a timer, a lock...) or a higher-priority one becomes ready.
 *
 * The pipeline (priority in brackets, higher wins):
 *
 *   tick(10) ──▶ sampler [5] ──readings (chan, cap 8)──▶ filter [4] ──results (chan, cap 4)──▶ uplink [2]
 *                  │  ▲                                    │ select: reading / ctx.done / after(15)
 *   start ADC ─────┘  └── IsrSignal ◀── "data ready" interrupt, 0.37 ms after each start
 *
 *   - sampler: every 10 ms (a ticker) starts an ADC conversion. The ADC raises its DATA READY
 *     interrupt line 0.37 ms later (between two kernel ticks); the interrupt handler latches the
 *     value and raises an IsrSignal, which wakes the sampler. The sampler sends the reading on.
 *     After reading #5 the sensor recalibrates for 25 ms: the ticker keeps ticking, one tick waits
 *     in its channel and the next is dropped (Go's tickers drop ticks for a slow receiver).
 *   - filter: a moving average over 4 readings; rejects outliers (reading #7 is a glitch). Its
 *     select also waits on `after(15)`, a timeout: "no reading for 15 ms" (during recalibration),
 *     and on ctx.done(), the context that stops the whole pipeline after 95 ms.
 *   - uplink: batches 4 filtered values per radio packet (a transmission takes 3 ms); when the
 *     results channel is closed it sends what is left and stops.
 *   - stats: one object updated by all three, guarded by a Mutex.
 *   - main: starts everything, prints the task table while the pipeline runs (goroutines appear
 *     by name, as FreeRTOS tasks), waits for the three with a WaitGroup, prints a summary.
 *
 * All time is VIRTUAL (no real waiting), so the output is the same on every run.
 */
import { pathToFileURL } from "node:url";
import { createFreeRTOS } from "../src/freertos/index.js";
import { runningKernel } from "../src/kernel/index.js";
import {
  after,
  background,
  chan,
  go,
  IsrSignal,
  Mutex,
  now,
  recv,
  run,
  select,
  sleep,
  tick,
  WaitGroup,
  withTimeout,
} from "../src/go/index.js";

// ── Settings ───────────────────────────────────────────────────────────────────────────────
const SAMPLER_PRIORITY = 5;
const FILTER_PRIORITY = 4;
const UPLINK_PRIORITY = 2;
const MAIN_PRIORITY = 1; // run()'s default for the main goroutine

const SAMPLE_PERIOD_MS = 10; // the ticker period
const ADC_CONVERSION_MS = 0.37; // start → DATA READY interrupt (1 tick = 1 ms here)
const IRQ_ADC_DRDY = 3; // interrupt number of the ADC's DATA READY line
const IRQ_PRIORITY = 5; // interrupt priority (1-15); <= 10 so it may call FromISR functions
const RECALIBRATE_AFTER = 5; // the sensor recalibrates after this reading...
const RECALIBRATION_MS = 25; // ...for this long
const GLITCH_AT = 7; // this reading is a glitch (85 °C)
const FILTER_TIMEOUT_MS = 15; // the filter complains after this long without a reading
const WINDOW = 4; // moving-average length
const OUTLIER_CENTI_C = 300; // a reading more than 3 °C off the average is rejected
const BATCH = 4; // filtered values per radio packet
const RADIO_TX_MS = 3; // air time of one packet
const TABLE_AT_MS = 55; // when main prints the task table
const DEFAULT_RUN_MS = 95; // the context deadline: the pipeline stops then

/** A reading travelling down the pipeline. Temperatures are integers in centi-degrees C. */
interface Reading {
  seq: number;
  centiC: number;
  atMs: number;
}

/** Counters returned by main(), checked by sensor-pipeline.test.ts. */
export interface SensorPipelineResult {
  /** Conversions read by the sampler (one per DATA READY interrupt). */
  samples: number;
  /** IsrSignal raises by the interrupt handler. */
  irqRaises: number;
  /** Ticks the ticker dropped because the sampler was busy recalibrating. */
  ticksDropped: number;
  /** Readings the filter passed on, readings it rejected, readings left unread at shutdown. */
  filtered: number;
  outliers: number;
  discarded: number;
  /** Times the filter's after(...) case won the select. */
  timeouts: number;
  /** Radio packets and the values they carried. */
  batches: number;
  uplinked: number;
  /** ctx.err() at the end ("context deadline exceeded"). */
  stopReason: string;
  /** Virtual time (ms) when the pipeline had fully stopped. */
  endMs: number;
  /** vTaskList() taken at TABLE_AT_MS. */
  taskList: string;
  /** Every line printed (or that would have been printed, with quiet). */
  output: string[];
}

export interface SensorPipelineOptions {
  /** Collect the output without printing it. */
  quiet?: boolean;
  /** Context deadline in ms (default 95). */
  runMs?: number;
}

/** The "physical" temperature for reading n (1, 2, ...): a slow rise plus deterministic noise. */
function sensorTemperature(n: number): number {
  if (n === GLITCH_AT) return 8500; // a glitch: 85.00 °C
  const noise = ((n * 7919) % 31) - 15; // -15..+15 centi-degrees, no Math.random: reproducible
  return 2100 + 12 * n + noise;
}

const fmtC = (centi: number): string => (centi / 100).toFixed(2);

export async function main(options: SensorPipelineOptions = {}): Promise<SensorPipelineResult> {
  const runMs = options.runMs ?? DEFAULT_RUN_MS;
  const output: string[] = [];
  const print = (line = ""): void => {
    output.push(line);
    if (options.quiet !== true) console.log(line);
  };
  // A log line stamped with the virtual time: "[  10.37 ms] sampler  ...".
  const log = (who: string, msg: string): void => print(`[${now().toFixed(2).padStart(7)} ms] ${who.padEnd(8)} ${msg}`);

  // A FreeRTOS instance (default config: 1000 Hz tick, so 1 tick = 1 ms). Running the Go program
  // on it (run(main, { rtos })) lets us use its FreeRTOS API too, e.g. vTaskList().
  const rtos = createFreeRTOS({});

  const result = await run(
    async () => {
      // ── Shared state ─────────────────────────────────────────────────────────────────────
      // Go: var mu sync.Mutex; stats := struct{...}{}. Every goroutine touches `stats` only
      // while holding `mu`.
      const mu = new Mutex();
      const stats = { samples: 0, filtered: 0, outliers: 0, discarded: 0, timeouts: 0, batches: 0, uplinked: 0 };
      const withStats = async (update: (s: typeof stats) => void): Promise<void> => {
        await mu.lock(); // mu.Lock()
        try {
          update(stats);
        } finally {
          mu.unlock(); // defer mu.Unlock()
        }
      };

      // ctx is cancelled (its done() channel closed) after runMs, or when cancel() is called.
      // Go: ctx, cancel := context.WithTimeout(context.Background(), 95*time.Millisecond)
      const [ctx, cancel] = withTimeout(background(), runMs);
      const readings = chan<Reading>(8); // sampler → filter (buffered)
      const results = chan<Reading>(4); // filter → uplink (buffered)
      const wg = new WaitGroup();
      wg.add(3); // sampler, filter, uplink

      // ── The interrupt ────────────────────────────────────────────────────────────────────
      // The "hardware": an ADC that raises DATA READY when a conversion finishes. The handler
      // runs in interrupt context: it must not block, so it only latches the value and raises
      // an IsrSignal (no allocation, never lost), which wakes the goroutine waiting on it.
      const k = runningKernel()!; // the kernel this Go program runs on
      const dataReady = new IsrSignal();
      let conversions = 0;
      let adcDataRegister = 0;
      k.registerInterrupt(IRQ_ADC_DRDY, IRQ_PRIORITY, () => {
        adcDataRegister = sensorTemperature(++conversions);
        dataReady.raiseFromISR();
      }, "ADC_DRDY");
      // Starting a conversion = scheduling the interrupt 0.37 ms from now (times are in ticks).
      const startConversion = (): void => k.triggerInterrupt(IRQ_ADC_DRDY, k.now() + ADC_CONVERSION_MS);

      // ── sampler [5] ──────────────────────────────────────────────────────────────────────
      const ticker = tick(SAMPLE_PERIOD_MS);
      go(
        async () => {
          const done = ctx.done();
          for (let seq = 1; ; seq++) {
            const r = await select([recv(ticker), recv(done)]);
            if (r.index === 1) break; // ctx.done(): stop
            startConversion();
            await dataReady.wait(); // blocked until the interrupt handler raises the signal
            await readings.send({ seq, centiC: adcDataRegister, atMs: now() });
            await withStats((s) => s.samples++);
            log("sampler", `#${seq} ${fmtC(adcDataRegister)} °C`);
            if (seq === RECALIBRATE_AFTER) {
              log("sampler", `recalibrating the sensor for ${RECALIBRATION_MS} ms`);
              await sleep(RECALIBRATION_MS); // the ticker goes on ticking meanwhile
            }
          }
          ticker.stop();
          readings.close(); // the sender closes: tells the filter no more readings will come
          log("sampler", `stop: ${ctx.err()!.message}`);
          wg.done();
        },
        { name: "sampler", priority: SAMPLER_PRIORITY },
      );

      // ── filter [4] ───────────────────────────────────────────────────────────────────────
      go(
        async () => {
          const window: number[] = [];
          for (;;) {
            // A fresh after(15) each time round: it fires only if nothing else happens first.
            // (A timer nobody listens to any more just expires. To avoid creating one per
            // reading, Go code often keeps one newTimer(...) and calls reset() instead.)
            const r = await select([recv(readings), recv(ctx.done()), recv(after(FILTER_TIMEOUT_MS))]);
            if (r.index === 2) {
              await withStats((s) => s.timeouts++);
              log("filter", `no reading for ${FILTER_TIMEOUT_MS} ms`);
              continue;
            }
            if (r.index === 1 || r.ok === false) break; // ctx.done(), or readings closed
            const reading = r.value as Reading;
            const mean = window.length > 0 ? window.reduce((a, b) => a + b, 0) / window.length : reading.centiC;
            if (Math.abs(reading.centiC - mean) > OUTLIER_CENTI_C) {
              await withStats((s) => s.outliers++);
              log("filter", `#${reading.seq} rejected: ${fmtC(reading.centiC)} °C is an outlier`);
              continue;
            }
            window.push(reading.centiC);
            if (window.length > WINDOW) window.shift();
            const average = Math.round(window.reduce((a, b) => a + b, 0) / window.length);
            await results.send({ ...reading, centiC: average });
            await withStats((s) => s.filtered++);
          }
          // Shutting down: count what the sampler sent but nobody will process (range until closed).
          let left = 0;
          for await (const _ of readings) left++;
          await withStats((s) => (s.discarded += left));
          results.close();
          log("filter", `stop: ${ctx.err()!.message}`);
          wg.done();
        },
        { name: "filter", priority: FILTER_PRIORITY },
      );

      // ── uplink [2] ───────────────────────────────────────────────────────────────────────
      go(
        async () => {
          let batch: Reading[] = [];
          const transmit = async (): Promise<void> => {
            log("uplink", `packet: ${batch.map((r) => fmtC(r.centiC)).join(" ")} °C (#${batch[0]!.seq}..#${batch[batch.length - 1]!.seq})`);
            await sleep(RADIO_TX_MS); // on the air
            const n = batch.length;
            await withStats((s) => {
              s.batches++;
              s.uplinked += n;
            });
            batch = [];
          };
          for await (const r of results) {
            // Go: for r := range results
            batch.push(r);
            if (batch.length === BATCH) await transmit();
          }
          if (batch.length > 0) await transmit(); // results closed: send the rest
          log("uplink", "stop: results channel closed");
          wg.done();
        },
        { name: "uplink", priority: UPLINK_PRIORITY },
      );

      // ── main [1] ─────────────────────────────────────────────────────────────────────────
      print(`sensor-pipeline: sampler [${SAMPLER_PRIORITY}] -> filter [${FILTER_PRIORITY}] -> uplink [${UPLINK_PRIORITY}], deadline ${runMs} ms (virtual time)`);
      // The others all outrank main, so main only runs when they are all blocked.
      await sleep(TABLE_AT_MS);
      const taskList = rtos.vTaskList(); // goroutines are kernel tasks: they are listed by name
      print(`Task table at ${now()} ms (X running, R ready, B blocked):`);
      print(`${"Name".padEnd(15)}\tState\tPrio\tStack\tNum`);
      for (const line of taskList.trimEnd().split("\n")) print(line);

      await wg.wait(); // wg.Wait(): until sampler, filter and uplink have called wg.done()
      cancel(); // Go: defer cancel() — always release a context (a no-op here: it already expired)

      await mu.lock();
      const s = { ...stats };
      mu.unlock();
      return { ...s, taskList, stopReason: ctx.err()!.message, endMs: now(), irqRaises: dataReady.raises, ticksDropped: ticker.dropped };
    },
    { rtos, priority: MAIN_PRIORITY },
  );

  print("Summary:");
  print(`  samples  ${result.samples} (DATA READY interrupts ${result.irqRaises}, ticker ticks dropped ${result.ticksDropped})`);
  print(`  filter   passed ${result.filtered}, outliers ${result.outliers}, left unread ${result.discarded}, timeouts ${result.timeouts}`);
  print(`  uplink   ${result.batches} packets carrying ${result.uplinked} values`);
  print(`  stopped  at ${result.endMs} ms: ${result.stopReason}`);
  return { ...result, output };
}

// Run only when executed directly (`node dist/examples/sensor-pipeline.js`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
