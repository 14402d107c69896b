/**
 * Benchmarks of the virtual microcontroller (src/hal): how fast a board simulates firmware that
 * uses its peripherals. Host-time figures (they vary with the machine); never asserted in tests.
 *
 * - `hal.sim.speed.uart_shell`: simulated seconds per wall-clock second for the UART shell example
 *   (examples/uart-shell.ts) on an nRF52840 while the world types a command every 10 ms at
 *   115200 baud (every 16th is `help`, whose ~110-byte answer keeps the TX line busy 9.5 ms).
 * - `hal.uart.bytes_per_s`: simulated UART bytes received per wall-clock second: each byte's stop
 *   bit (a board event), the hardware RX FIFO, the UART interrupt, the driver's ISR moving it into
 *   the stream buffer (xStreamBufferSendFromISR), and a task reading it (xStreamBufferReceive).
 * - `hal.uart.tx_bytes_per_s`: the same for sending with `write()`: FIFO refills from the TX
 *   interrupt and the transfer-complete notification.
 * - `hal.gpio.isr_to_task_ns`: host nanoseconds per button edge, from the world's edge on the pin
 *   to the task the edge woke running: the board event, the GPIO interrupt (GPIOTE), the
 *   handler's xSemaphoreGiveFromISR and portYIELD_FROM_ISR, and the switch to the task. Measured
 *   over many edges (the run's wall time divided by the edges), so it includes the task's loop
 *   back to its take and the switch back to IDLE.
 */
import { createBoard, type Board } from "../src/hal/index.js";
import { main as shellMain } from "../examples/uart-shell.js";
import { median, nowNs, round, type Benchmark, type Figure } from "./harness.js";

/** Simulated seconds per wall second for the UART shell under a steady stream of commands. */
async function shellSpeed(): Promise<Figure[]> {
  const commandEveryTicks = 10;
  const segmentTicks = 1000;
  const segments = 30; // 30 simulated seconds
  const speed = await median(3, 1, async () => {
    const board = createBoard("nrf52840", { firmware: shellMain });
    const terminal = board.world.uart(0);
    let n = 0;
    const t0 = nowNs();
    for (let s = 0; s < segments; s++) {
      // The next second's commands, typed at their ticks (scheduled a second at a time: the
      // board's event queue stays short, as in a real bench).
      for (let t = 0; t < segmentTicks; t += commandEveryTicks, n++) terminal.write(n % 16 === 15 ? "help\r" : n % 2 === 0 ? "led on\r" : "led off\r", board.now() + t + 1);
      await board.run(segmentTicks);
    }
    const wallSeconds = (nowNs() - t0) / 1e9;
    if (board.uart(0).overruns !== 0) throw new Error(`the shell lost ${board.uart(0).overruns} bytes`);
    const answers = terminal.text().split("\r\nled o").length - 1;
    if (answers < n - n / 16 - 2) throw new Error(`only ${answers} of ${n} led commands answered`);
    return (segments * segmentTicks) / 1000 / wallSeconds;
  });
  return [{ name: "hal.sim.speed.uart_shell", value: round(speed), unit: "simulated s/wall s" }];
}

/** A board whose firmware reads uart0 at `baudRate` in 64-byte chunks and counts the bytes. */
function readerBoard(baudRate: number): { board: Board; count: () => number } {
  let received = 0;
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      const uart = b.uart(0);
      uart.configure({ baudRate, rxBufferBytes: 256 });
      await b.rtos.xTaskCreate(
        async () => {
          const into = new Uint8Array(64);
          for (;;) received += await uart.read(into, b.rtos.portMAX_DELAY);
        },
        "reader",
        256,
        null,
        2,
      );
    },
  });
  return { board, count: () => received };
}

/** Simulated UART bytes per wall second, received through the driver (and, second figure, sent). */
async function uartBytes(): Promise<Figure[]> {
  const baudRate = 1_000_000; // the nRF52840's fastest: 0.01 ticks a byte
  const bytes = 200_000;
  const byteTicks = (10 / baudRate) * 1000;
  const rx = await median(3, 1, async () => {
    const { board, count } = readerBoard(baudRate);
    await board.run(1); // boot: the UART is configured before the world sends
    // The world sends in pieces of `chunk` bytes, each as the previous one ends (the third figure,
    // hal.uart.one_write_bytes_per_s, sends them in one write: the world's queue is O(1) a byte).
    const chunk = new Uint8Array(1000).fill(0x55);
    const chunkTicks = Math.round(chunk.length * byteTicks);
    const t0 = nowNs();
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      board.world.uart(0).write(chunk);
      await board.run(chunkTicks);
    }
    await board.run(2);
    const wallSeconds = (nowNs() - t0) / 1e9;
    if (count() !== bytes || board.uart(0).overruns !== 0) throw new Error(`received ${count()} of ${bytes} bytes, ${board.uart(0).overruns} overruns`);
    return bytes / wallSeconds;
  });
  const oneWrite = await median(3, 1, async () => {
    const { board, count } = readerBoard(baudRate);
    await board.run(1);
    const t0 = nowNs();
    board.world.uart(0).write(new Uint8Array(bytes).fill(0x55));
    await board.run(Math.round(bytes * byteTicks) + 2);
    const wallSeconds = (nowNs() - t0) / 1e9;
    if (count() !== bytes || board.uart(0).overruns !== 0) throw new Error(`received ${count()} of ${bytes} bytes, ${board.uart(0).overruns} overruns`);
    return bytes / wallSeconds;
  });
  const tx = await median(3, 1, async () => {
    let sent = 0;
    const chunk = new Uint8Array(256).fill(0x55);
    const board = createBoard("nrf52840", {
      firmware: async (b) => {
        const uart = b.uart(0);
        uart.configure({ baudRate });
        await b.rtos.xTaskCreate(
          async () => {
            for (;;) sent += await uart.write(chunk);
          },
          "writer",
          256,
          null,
          2,
        );
      },
    });
    const t0 = nowNs();
    await board.run(Math.ceil(bytes * byteTicks));
    const wallSeconds = (nowNs() - t0) / 1e9;
    const onWire = board.world.uart(0).txLog.length;
    if (onWire < bytes * 0.99 || sent > onWire) throw new Error(`sent ${onWire} bytes, expected about ${bytes}`);
    return onWire / wallSeconds;
  });
  return [
    { name: "hal.uart.bytes_per_s", value: round(rx), unit: "simulated bytes/wall s" },
    { name: "hal.uart.tx_bytes_per_s", value: round(tx), unit: "simulated bytes/wall s" },
    { name: "hal.uart.one_write_bytes_per_s", value: round(oneWrite), unit: "simulated bytes/wall s" },
  ];
}

/** Host ns per button edge, from the edge to the woken task running (amortized over many edges). */
async function gpioIsrToTask(): Promise<Figure[]> {
  const edgesPerSegment = 1000;
  const segments = 100;
  const ns = await median(5, 1, async () => {
    let handled = 0;
    const board = createBoard("nrf52840", {
      firmware: async (b) => {
        const rtos = b.rtos;
        const sem = rtos.xSemaphoreCreateBinary()!;
        const woken = { value: 0 };
        const button = b.pin("BUTTON");
        button.configure({ mode: "input", pull: "up" });
        button.setInterrupt("falling", () => {
          woken.value = 0;
          rtos.xSemaphoreGiveFromISR(sem, woken);
          rtos.portYIELD_FROM_ISR(woken);
        });
        await rtos.xTaskCreate(
          async () => {
            for (;;) {
              await rtos.xSemaphoreTake(sem, rtos.portMAX_DELAY);
              handled++;
            }
          },
          "button",
          256,
          null,
          3,
        );
      },
    });
    await board.run(1);
    const pin = board.world.pin("BUTTON");
    let elapsed = 0;
    for (let s = 0; s < segments; s++) {
      // One press a tick, at mid-tick: falling at +0.25, released at +0.75 (a rising edge, no interrupt).
      const base = board.now();
      for (let i = 0; i < edgesPerSegment; i++) {
        pin.drive(false, base + i + 0.25);
        pin.release(base + i + 0.75);
      }
      const t0 = nowNs();
      await board.run(edgesPerSegment);
      elapsed += nowNs() - t0;
    }
    const edges = edgesPerSegment * segments;
    if (handled !== edges) throw new Error(`the task ran for ${handled} of ${edges} edges`);
    return elapsed / edges;
  });
  return [{ name: "hal.gpio.isr_to_task_ns", value: round(ns), unit: "ns/edge" }];
}

export const benchmarks: Record<string, Benchmark> = { shellSpeed, uartBytes, gpioIsrToTask };
