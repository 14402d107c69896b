/**
 * i2c-sensor — firmware for an nRF52840 DK with a TI TMP102 temperature sensor on TWIM0 (I2C bus
 * 0, 400 kHz), in deterministic virtual time: a FreeRTOS task samples the sensor, a Go-style
 * pipeline (goroutines on the same kernel) averages and prints on the UART console.
 *
 * Run it:  npm run build && node dist/examples/i2c-sensor.js
 * (or through the CLI's `run` command, which calls `main` as the firmware and `world` first.)
 *
 *   "sampler" (FreeRTOS task, prio 3): every 250 ms (xTaskDelayUntil; the TMP102's default
 *       conversion rate is 4 Hz) reads the temperature register with i2c.readRegister(0x48, 0x00)
 *       — START, 0x48 + W, pointer 0x00, repeated START, 0x48 + R, two bytes, STOP — and sends
 *       { atMs, raw } to `samples` (a FreeRTOS queue of 4). No acknowledge (sensor missing) →
 *       I2CError: it sends { atMs, error } instead. A full queue drops the sample (counted).
 *   "pipeline" (FreeRTOS task, prio 2): starts two goroutines with go() and deletes itself:
 *     - "average" (prio 2): receives from the queue through queueChan(samples) (a FreeRTOS queue
 *       seen as a Go channel), keeps a moving average over the last 4 readings, sends lines on
 *       a Go channel `lines` (cap 2);
 *     - "console" (prio 1): for each line, uart(0).write(line) at 115200 baud.
 *
 * The TMP102 temperature register: 12 bits, 0.0625 °C per LSB, two's complement, left-justified
 * in 16 bits (TI SBOS397, "Temperature Register"), so raw = (word >> 4) sign-extended from 12 bits.
 *
 * The world (export `world(board)`): a TMP102 at 0x48 (ADD0 to GND) whose surroundings follow
 * `roomCelsius(ms)`: 21.5 °C, then the board goes into a freezer at 1 s and reaches -18 °C at
 * 2 s. The temperature is that of the whole millisecond of the read.
 * @module
 */
import { pathToFileURL } from "node:url";
import { pdPASS, type QueueHandle } from "../src/freertos/index.js";
import { chan, go, queueChan } from "../src/go/index.js";
import { createBoard, createTMP102, I2CError, type Board, type TMP102 } from "../src/hal/index.js";

// ── Settings ───────────────────────────────────────────────────────────────────────────────
export const TMP102_ADDRESS = 0x48; // ADD0 to GND
const TEMPERATURE_REGISTER = 0x00;
const I2C_HZ = 400_000;
const UART_BAUD = 115_200;
export const SAMPLE_PERIOD_MS = 250; // 1 tick = 1 ms (configTICK_RATE_HZ 1000, the default)
export const WINDOW = 4; // moving-average length
const QUEUE_LEN = 4;
const SAMPLER_PRIORITY = 3;
const PIPELINE_PRIORITY = 2;
const CONSOLE_PRIORITY = 1;

/** What the sampler queues: a raw 12-bit reading (signed, in 1/16 °C) or the bus error. */
type Sample = { atMs: number; raw: number } | { atMs: number; error: string };

/** The firmware: called by the board at each boot. */
export async function main(board: Board): Promise<void> {
  const rtos = board.rtos;
  const i2c = board.i2c(0);
  i2c.configure({ frequencyHz: I2C_HZ });
  const uart = board.uart(0);
  uart.configure({ baudRate: UART_BAUD });
  const samples: QueueHandle<Sample> = rtos.xQueueCreate<Sample>(QUEUE_LEN, 0)!; // itemSize 0: JS values
  let dropped = 0; // samples lost to a full queue

  // ── sampler: a FreeRTOS task ───────────────────────────────────────────────────────────
  await rtos.xTaskCreate(async () => {
    const word = new Uint8Array(2);
    const last = { value: rtos.xTaskGetTickCount() };
    for (;;) {
      const atMs = rtos.xTaskGetTickCount();
      let sample: Sample;
      try {
        await i2c.readRegister(TMP102_ADDRESS, TEMPERATURE_REGISTER, word);
        sample = { atMs, raw: (((word[0]! << 8) | word[1]!) << 16) >> 20 }; // 12 bits, sign-extended
      } catch (e) {
        if (!(e instanceof I2CError)) throw e;
        sample = { atMs, error: e.message };
      }
      if ((await rtos.xQueueSend(samples, sample, 0)) !== pdPASS) dropped++;
      await rtos.xTaskDelayUntil(last, SAMPLE_PERIOD_MS);
    }
  }, "sampler", 256, null, SAMPLER_PRIORITY);

  // ── pipeline: a FreeRTOS task that starts goroutines on the same kernel ────────────────
  await rtos.xTaskCreate(async () => {
    const lines = chan<string>(2);
    go(
      async () => {
        const readings = queueChan<Sample>(samples);
        const window: number[] = [];
        for (;;) {
          const s = await readings.recv(); // Go: s := <-readings
          if ("error" in s) {
            await lines.send(`[${ms(s.atMs)}] ${s.error}\n`);
            continue;
          }
          window.push(s.raw);
          if (window.length > WINDOW) window.shift();
          const avgCenti = averageCenti(window);
          await lines.send(`[${ms(s.atMs)}] raw 0x${(s.raw & 0xfff).toString(16).padStart(3, "0")} ${celsius(s.raw)} °C  avg(${window.length}) ${(avgCenti / 100).toFixed(2)} °C${dropped > 0 ? `  (dropped ${dropped})` : ""}\n`);
        }
      },
      { name: "average", priority: PIPELINE_PRIORITY },
    );
    go(
      async () => {
        for await (const line of lines) await uart.write(line); // Go: for line := range lines
      },
      { name: "console", priority: CONSOLE_PRIORITY },
    );
    await rtos.vTaskDelete(null);
  }, "pipeline", 256, null, PIPELINE_PRIORITY);
}

/** Mean of readings (1/16 °C) in hundredths of °C, rounded half up: sum × 6.25 / n. */
export function averageCenti(raws: readonly number[]): number {
  let sum = 0;
  for (const r of raws) sum += r;
  return Math.round((sum * 625) / (raws.length * 100));
}

/** A raw reading in °C with all four decimals of the 0.0625 °C step. */
function celsius(raw: number): string {
  return (raw / 16).toFixed(4).padStart(9);
}

function ms(atMs: number): string {
  return `${String(atMs).padStart(5)} ms`;
}

/** The temperature around the board at board time `ms`: room, then into a freezer from 1 s to 2 s. */
export function roomCelsius(ms: number): number {
  const t = Math.floor(ms);
  if (t < 1000) return 21.5;
  if (t < 2000) return 21.5 - ((t - 1000) * 39.5) / 1000;
  return -18;
}

/** The world: a TMP102 at 0x48 on I2C bus 0 whose surroundings follow roomCelsius. */
export function world(board: Board): TMP102 {
  const sensor = createTMP102({ address: TMP102_ADDRESS, celsius: roomCelsius(board.now()) });
  board.world.i2c(0).attach({
    address: sensor.address,
    write: (bytes) => sensor.write(bytes),
    read: (into) => {
      sensor.setTemperature(roomCelsius(board.now())); // a conversion of the temperature now
      sensor.read(into);
    },
  });
  return sensor;
}

/** Runs the firmware with its world for `ms` milliseconds on an nRF52840 and returns the console text. */
export async function runExample(options: { ms?: number; withSensor?: boolean; quiet?: boolean } = {}): Promise<string> {
  const board = createBoard("nrf52840", { firmware: main });
  if (options.withSensor !== false) world(board);
  await board.run(options.ms ?? 3000);
  const text = board.world.uart(0).text();
  if (options.quiet !== true) process.stdout.write(text);
  return text;
}

// Run only when executed directly (`node dist/examples/i2c-sensor.js`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runExample().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
