/**
 * demo-firmware — a small sensor-node firmware in FreeRTOS style, running on tinyrtos in
 * deterministic virtual time (`npm start` runs it).
 *
 * The board: a temperature sensor on an ADC, a push button on a GPIO line, and ONE UART that is
 * shared (through an analog switch) by the debug console and a LoRa modem driven by AT commands.
 * Whoever talks on the UART must hold the `uartMutex`.
 *
 *   Button ISR ──xSemaphoreGiveFromISR──▶ "Button" (prio 6): debounces, posts a log message
 *   "Sensor" (prio 5): every 10 ticks (xTaskDelayUntil) samples the ADC and sends a 4-byte
 *       reading { u16 sequence, i16 centi-degrees C } through `readingQueue` (itemSize 4)
 *   "Filter" (prio 4): receives readings, keeps a moving average over 8 samples; every 10
 *       readings it posts a log message and notifies the radio with the batch packed in the
 *       notification value (xTaskNotify ... eSetValueWithOverwrite: the newest batch wins)
 *   "Radio"  (prio 3): waits for the notification, wakes the modem (2 ticks), then sends an
 *       AT+SEND frame on the UART
 *   "Logger" (prio 1): drains `logQueue` (strings, itemSize 0) onto the UART console
 *
 * Priority inversion on purpose: the logger (prio 1) usually starts printing the batch line
 * while the radio is still waking its modem; the radio then blocks on the UART mutex and the
 * logger inherits priority 3 until it gives the mutex back. The event log shows it.
 *
 * CPU work is modelled with `rtos.busy(ticks)` (fractions of a tick): ADC conversion, filter
 * arithmetic and UART transmission time at 115200 baud. Everything else takes zero virtual time.
 *
 * Output: the first lines of the event log (UART traffic + kernel events), a summary, then the
 * FreeRTOS task table (vTaskList) and run-time statistics (vTaskGetRunTimeStats). Same output on
 * every run: all time is virtual and the "noise" comes from a fixed-seed LCG.
 */
import { pathToFileURL } from "node:url";
import {
  createFreeRTOS,
  eSetValueWithOverwrite,
  pdPASS,
  pdTRUE,
  portMAX_DELAY,
  type Ref,
  type TaskHandle,
  type TraceEvent,
} from "../src/freertos/index.js";

// ── FreeRTOSConfig.h ────────────────────────────────────────────────────────────────────────
const configTICK_RATE_HZ = 1000; // 1 tick = 1 ms
const configMAX_PRIORITIES = 8; // timer service task gets configMAX_PRIORITIES - 1

// ── Task priorities and stack sizes (words) ──────────────────────────────────────────────────
const BUTTON_PRIORITY = 6;
const SENSOR_PRIORITY = 5;
const FILTER_PRIORITY = 4;
const RADIO_PRIORITY = 3;
const LOGGER_PRIORITY = 1;
const STACK_WORDS = 256;

// ── Application constants ──────────────────────────────────────────────────────────────────
const SAMPLE_PERIOD_TICKS = 10; // 100 Hz sampling
const ADC_CONVERSION_TICKS = 0.25; // CPU time of one sample (ADC + scaling)
const FILTER_WORK_TICKS = 0.4; // CPU time of one filter step
const MOVING_AVERAGE_LEN = 8;
const BATCH_LEN = 10; // readings per radio batch
const MODEM_WAKEUP_TICKS = 2; // the LoRa modem needs 2 ms after wake-up before AT commands
const READING_SIZE_BYTES = 4; // { u16 seq, i16 centi-degC }, little-endian
const READING_QUEUE_LEN = 8;
const LOG_QUEUE_LEN = 16;
const UART_BAUD = 115200;
const BUTTON_IRQ = 7;
const BUTTON_IRQ_PRIORITY = 5; // <= configMAX_SYSCALL_INTERRUPT_PRIORITY (10): may call FromISR
const DEBOUNCE_TICKS = 20;
/** When the (bouncy) button is pressed, in ticks: each press bounces twice within a millisecond. */
const BUTTON_EDGES_TICKS = [137.25, 137.6, 138.1, 1033.5, 1033.8, 1650.75, 1651.2];

/** What main() returns: the firmware's counters, the tables it printed and the whole output. */
export interface DemoResult {
  runTicks: number;
  /** Readings the sensor queued (sampled = produced + dropped). */
  produced: number;
  /** Readings the filter took from the queue. */
  consumed: number;
  /** Readings still in the queue when the run stopped. */
  inQueue: number;
  /** Readings lost because the queue was full. */
  dropped: number;
  batchesBuilt: number;
  batchesSent: number;
  /** Batches overwritten in the radio's notification value before it read them. */
  batchesLost: number;
  /** Button interrupts handled (one per edge). */
  buttonEdges: number;
  /** Edges whose give failed because the binary semaphore was already given. */
  buttonEdgesMerged: number;
  buttonPresses: number;
  /** Edges taken by the button task during a debounce window. */
  buttonBouncesIgnored: number;
  /** Largest time from the button ISR to the button task running, in ticks. */
  maxButtonLatencyTicks: number;
  uartLines: number;
  logMessagesDropped: number;
  /** Longest wait for the UART mutex, in ticks. */
  maxMutexWaitTicks: number;
  priorityInheritances: number;
  lastAverageCentiC: number;
  /** Names of the tasks the firmware created (idle and timer tasks excluded). */
  appTaskNames: string[];
  taskList: string;
  runTimeStats: string;
  /** Every line printed (or that would have been printed, with quiet). */
  output: string[];
}

export interface DemoOptions {
  /** Simulated run length in ticks (default 2000 = 2 s). */
  runTicks?: number;
  /** Don't print; the lines are still returned in `output`. */
  quiet?: boolean;
  /** How many event-log lines to show (default 16). */
  eventLogLines?: number;
}

/** Ticks to send `bytes` bytes at 115200 baud, 8N1 (10 bits a byte). */
const uartTicks = (bytes: number): number => (bytes * 10 * configTICK_RATE_HZ) / UART_BAUD;

const fmtC = (centi: number): string => (centi / 100).toFixed(2);
const fmtT = (ticks: number): string => ticks.toFixed(2).padStart(8);

export async function main(options: DemoOptions = {}): Promise<DemoResult> {
  const runTicks = options.runTicks ?? 2 * configTICK_RATE_HZ;
  const eventLogLines = options.eventLogLines ?? 16;
  const output: string[] = [];
  const print = (line = ""): void => {
    output.push(line);
    if (options.quiet !== true) console.log(line);
  };

  const rtos = createFreeRTOS({ configTICK_RATE_HZ, configMAX_PRIORITIES });

  // Counters (the "still running" variables a FreeRTOS check task would look at).
  const c = {
    produced: 0,
    consumed: 0,
    dropped: 0,
    batchesBuilt: 0,
    batchesSent: 0,
    batchesLost: 0,
    buttonEdges: 0,
    buttonEdgesMerged: 0,
    buttonPresses: 0,
    buttonBouncesIgnored: 0,
    maxButtonLatencyTicks: 0,
    uartLines: 0,
    logMessagesDropped: 0,
    maxMutexWaitTicks: 0,
    priorityInheritances: 0,
    lastAverageCentiC: 0,
  };

  // Event log: UART traffic and the kernel events we care about, in virtual-time order.
  const events: string[] = [];
  const logEvent = (time: number, who: string, text: string): void => {
    events.push(`${fmtT(time)}  ${who.padEnd(7)}| ${text}`);
  };
  rtos.setTraceSink((e: TraceEvent) => {
    if (e.kind === "task.priorityInherit") {
      c.priorityInheritances++;
      logEvent(e.timeTicks, "kernel", `${e.task} inherits priority ${e.value} (holds UART)`);
    } else if (e.kind === "task.priorityDisinherit") {
      logEvent(e.timeTicks, "kernel", `${e.task} back to priority ${e.value}`);
    }
  });

  // ── Kernel objects ──
  const readingQueue = rtos.xQueueCreate(READING_QUEUE_LEN, READING_SIZE_BYTES)!;
  const logQueue = rtos.xQueueCreate(LOG_QUEUE_LEN, 0)!; // strings, by reference
  const uartMutex = rtos.xSemaphoreCreateMutex()!;
  const buttonSemaphore = rtos.xSemaphoreCreateBinary()!;
  rtos.vQueueAddToRegistry(readingQueue, "readings");
  rtos.vQueueAddToRegistry(logQueue, "log");
  rtos.vQueueAddToRegistry(uartMutex, "uart");
  rtos.vQueueAddToRegistry(buttonSemaphore, "button");
  const radioHandle: Ref<TaskHandle | null> = { value: null };

  /** Posts a line for the logger task; never blocks (a full log queue drops the message). */
  const logPost = async (text: string): Promise<void> => {
    if ((await rtos.xQueueSend(logQueue, text, 0)) !== pdPASS) c.logMessagesDropped++;
  };

  /**
   * The UART driver: takes the mutex (recording how long that took), then transmits `text`
   * (busy for its duration at 115200 baud: the CPU feeds the FIFO) and records the line.
   */
  const uartWrite = async (who: string, text: string): Promise<void> => {
    const asked = rtos.now();
    await rtos.xSemaphoreTake(uartMutex, portMAX_DELAY);
    const start = rtos.now();
    c.maxMutexWaitTicks = Math.max(c.maxMutexWaitTicks, start - asked);
    logEvent(start, who, text);
    await rtos.busy(uartTicks(text.length + 2)); // + "\r\n"
    c.uartLines++;
    await rtos.xSemaphoreGive(uartMutex);
  };

  // ── Button interrupt: give the semaphore, switch to the button task on exit if it was woken ──
  let lastEdgeTicks = 0;
  rtos.registerInterrupt(
    BUTTON_IRQ,
    BUTTON_IRQ_PRIORITY,
    () => {
      lastEdgeTicks = rtos.now();
      c.buttonEdges++;
      const woken: Ref<number> = { value: 0 };
      // A binary semaphore holds one event: an edge while it is still given is merged.
      if (rtos.xSemaphoreGiveFromISR(buttonSemaphore, woken) !== pdTRUE) c.buttonEdgesMerged++;
      rtos.portYIELD_FROM_ISR(woken);
    },
    "EXTI_button",
  );
  for (const at of BUTTON_EDGES_TICKS) if (at < runTicks) rtos.triggerInterrupt(BUTTON_IRQ, at);

  // ── Tasks ──

  /** Button: one press per debounce window; edges inside the window are bounces. */
  const buttonTask = async (): Promise<void> => {
    for (;;) {
      await rtos.xSemaphoreTake(buttonSemaphore, portMAX_DELAY);
      const latency = rtos.now() - lastEdgeTicks;
      c.maxButtonLatencyTicks = Math.max(c.maxButtonLatencyTicks, latency);
      c.buttonPresses++;
      await logPost(`button press #${c.buttonPresses} (ISR->task ${latency.toFixed(3)} ticks)`);
      await rtos.vTaskDelay(DEBOUNCE_TICKS);
      while ((await rtos.xSemaphoreTake(buttonSemaphore, 0)) === pdTRUE) c.buttonBouncesIgnored++;
    }
  };

  /** Sensor: strictly periodic sampling; a reading is a 4-byte little-endian record. */
  const sensorTask = async (): Promise<void> => {
    const reading = new Uint8Array(READING_SIZE_BYTES);
    const view = new DataView(reading.buffer);
    let lcg = 12345; // deterministic ADC noise
    let seq = 0;
    const lastWake: Ref<number> = { value: rtos.xTaskGetTickCount() };
    for (;;) {
      await rtos.busy(ADC_CONVERSION_TICKS);
      lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0;
      const noise = ((lcg >>> 24) % 21) - 10; // -0.10 .. +0.10 °C
      const phase = seq % 400; // slow triangle: 21.00 °C .. 23.00 °C and back over 4 s
      const centiC = 2100 + (phase < 200 ? phase : 400 - phase) + noise;
      view.setUint16(0, seq & 0xffff, true);
      view.setInt16(2, centiC, true);
      // The queue copies the 4 bytes, so `reading` can be reused at once.
      if ((await rtos.xQueueSend(readingQueue, reading, 0)) === pdPASS) c.produced++;
      else c.dropped++;
      seq++;
      await rtos.xTaskDelayUntil(lastWake, SAMPLE_PERIOD_TICKS);
    }
  };

  /** Filter: moving average; every BATCH_LEN readings a batch goes to the logger and the radio. */
  const filterTask = async (): Promise<void> => {
    const item: Ref<Uint8Array> = { value: new Uint8Array(READING_SIZE_BYTES) }; // filled in place
    const window = new Int16Array(MOVING_AVERAGE_LEN);
    let sum = 0;
    let n = 0;
    let min = Infinity;
    let max = -Infinity;
    for (;;) {
      await rtos.xQueueReceive(readingQueue, item, portMAX_DELAY);
      c.consumed++;
      const view = new DataView(item.value.buffer, item.value.byteOffset, READING_SIZE_BYTES);
      const seq = view.getUint16(0, true);
      const centiC = view.getInt16(2, true);
      await rtos.busy(FILTER_WORK_TICKS);
      sum += centiC - window[n % MOVING_AVERAGE_LEN]!;
      window[n % MOVING_AVERAGE_LEN] = centiC;
      n++;
      min = Math.min(min, centiC);
      max = Math.max(max, centiC);
      const average = Math.round(sum / Math.min(n, MOVING_AVERAGE_LEN));
      c.lastAverageCentiC = average;
      if (n % BATCH_LEN === 0) {
        c.batchesBuilt++;
        const batch = c.batchesBuilt;
        await logPost(`batch ${batch} seq ${seq}: avg ${fmtC(average)} C, min ${fmtC(min)}, max ${fmtC(max)}`);
        // Pack batch number and average into the 32-bit notification value.
        await rtos.xTaskNotify(radioHandle.value!, (((batch & 0xffff) << 16) | (average & 0xffff)) >>> 0, eSetValueWithOverwrite);
        min = Infinity;
        max = -Infinity;
      }
    }
  };

  /** Radio: one AT+SEND frame per batch notification. */
  const radioTask = async (): Promise<void> => {
    const value: Ref<number> = { value: 0 };
    let lastBatch = 0;
    for (;;) {
      await rtos.xTaskNotifyWait(0, 0xffffffff, value, portMAX_DELAY);
      const batch = value.value >>> 16;
      const average = (value.value << 16) >> 16; // sign-extend the low half
      c.batchesLost += batch - lastBatch - 1; // overwritten before we got to them
      lastBatch = batch;
      await rtos.vTaskDelay(MODEM_WAKEUP_TICKS);
      const payload = `${batch.toString(16).padStart(4, "0")}${(average & 0xffff).toString(16).padStart(4, "0")}`;
      await uartWrite("Radio", `AT+SEND=1,${payload}`);
      c.batchesSent++;
    }
  };

  /** Logger: the only console writer; lowest application priority. */
  const loggerTask = async (): Promise<void> => {
    const line: Ref<string> = { value: "" };
    await uartWrite("Logger", `boot: sensor node up, ${rtos.uxTaskGetNumberOfTasks()} tasks, ${rtos.xPortGetFreeHeapSize()} bytes heap free`);
    for (;;) {
      await rtos.xQueueReceive(logQueue, line, portMAX_DELAY);
      await uartWrite("Logger", line.value);
    }
  };

  // ── Start-up (main() of a FreeRTOS application) ──
  await rtos.xTaskCreate(buttonTask, "Button", STACK_WORDS, null, BUTTON_PRIORITY);
  await rtos.xTaskCreate(sensorTask, "Sensor", STACK_WORDS, null, SENSOR_PRIORITY);
  await rtos.xTaskCreate(filterTask, "Filter", STACK_WORDS, null, FILTER_PRIORITY);
  await rtos.xTaskCreate(radioTask, "Radio", STACK_WORDS, null, RADIO_PRIORITY, radioHandle);
  await rtos.xTaskCreate(loggerTask, "Logger", STACK_WORDS, null, LOGGER_PRIORITY);
  const appTaskNames = ["Button", "Sensor", "Filter", "Radio", "Logger"];
  rtos.vTaskStartScheduler();
  await rtos.run(runTicks);
  rtos.setTraceSink(null);

  // ── Report ──
  const inQueue = rtos.uxQueueMessagesWaiting(readingQueue);
  print(`tinyrtos demo firmware: sensor node, ${runTicks} ticks at ${configTICK_RATE_HZ} Hz (virtual time)`);
  print();
  print(`Event log (first ${Math.min(eventLogLines, events.length)} of ${events.length}):`);
  print(`    tick  source | event`);
  for (const e of events.slice(0, eventLogLines)) print(e);
  if (events.length > eventLogLines) print(`     ...  (${events.length - eventLogLines} more)`);
  print();
  print("Summary:");
  print(`  readings  produced ${c.produced}, consumed ${c.consumed}, in queue ${inQueue}, dropped ${c.dropped}`);
  print(`  batches   built ${c.batchesBuilt}, sent ${c.batchesSent}, lost ${c.batchesLost}; last average ${fmtC(c.lastAverageCentiC)} C`);
  print(`  button    edges ${c.buttonEdges} = presses ${c.buttonPresses} + bounces ignored ${c.buttonBouncesIgnored} + merged ${c.buttonEdgesMerged}; max ISR->task latency ${c.maxButtonLatencyTicks.toFixed(3)} ticks`);
  print(`  uart      lines ${c.uartLines}, max mutex wait ${c.maxMutexWaitTicks.toFixed(3)} ticks, priority inheritances ${c.priorityInheritances}, log drops ${c.logMessagesDropped}`);
  print(`  heap      free ${rtos.xPortGetFreeHeapSize()} bytes (minimum ever ${rtos.xPortGetMinimumEverFreeHeapSize()})`);
  print();
  const taskList = rtos.vTaskList();
  const runTimeStats = rtos.vTaskGetRunTimeStats();
  const nameColumn = (s: string): string => s.padEnd(15);
  print(`${nameColumn("Name")}\tState\tPrio\tStack\tNum`);
  print("*".repeat(56));
  for (const l of taskList.trimEnd().split("\n")) print(l);
  print();
  print(`${nameColumn("Task")}\tAbs Time (us)\t% Time`);
  print("*".repeat(56));
  for (const l of runTimeStats.trimEnd().split("\n")) print(l);

  return { runTicks, ...c, inQueue, appTaskNames, taskList, runTimeStats, output };
}

// Run only when executed directly (`node dist/examples/demo-firmware.js`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
