/**
 * blinky — the "hello world" of a microcontroller, on a virtual board: a button toggles the LED,
 * and a heartbeat prints a line on the serial port twice a second.
 *
 * Run it (any board: nrf52840, stm32h743, esp32c3):
 *
 *   npm run build && node dist/src/cli/main.js run dist/examples/blinky.js --board nrf52840 --ticks 1100
 *
 * (`npx tinyrtos run ...` where tinyrtos is installed as a dependency.)
 *
 * What runs on the chip (`main(board)`, the firmware):
 *
 *   BUTTON pin ──falling edge──▶ ISR ──IsrSignal──▶ goroutine "button" [3] ──▶ LED toggles
 *                                                      (debounce: sleep 20 ms, read the pin)
 *   task "heartbeat" [1]: starts the goroutine, then every 500 ms writes a line on uart0
 *
 * - The button is wired to ground with the chip's internal pull-up (pressed = low), so a press is
 *   a falling edge. Its interrupt handler does the least it can: `raiseFromISR()` on an IsrSignal
 *   (the seed's lock-free Idle → Pending → Processing hand-off), which wakes the goroutine.
 * - Debounce: a mechanical contact bounces for a few milliseconds, and each bounce is an edge. The
 *   goroutine waits DEBOUNCE_MS after the first edge and then reads the pin: still low is a press
 *   (toggle the LED, then wait for the release); high was a bounce or the release's chatter, and
 *   is ignored. Edges during the wait collapse into one pending raise of the signal.
 * - Goroutines are bound to tasks of the kernel that runs them. The board's kernel is driven by
 *   `board.run` (virtual time), so the firmware does not call the Go bridge's `run(main, { rtos })`
 *   (which drives the kernel itself until main returns): a FreeRTOS task calls `go()`, and the
 *   goroutine becomes a task of the board's kernel, scheduled with the others.
 *
 * `world(board)` is the test bench: a finger pressing the button (with contact bounce) at set
 * times. The CLI calls it before running when the module exports it.
 * @module
 */
import { go, IsrSignal, sleep } from "../src/go/index.js";
import type { Board } from "../src/hal/index.js";

/** Wait after the first edge before the pin is trusted (switch bounce is typically < 10 ms). */
export const DEBOUNCE_MS = 20;
/** While the button is held, its level is read this often to see the release. */
export const RELEASE_POLL_MS = 10;
/** The heartbeat's period. */
export const HEARTBEAT_MS = 500;
export const UART_BAUD = 115200;

const BUTTON_PRIORITY = 3;
const HEARTBEAT_PRIORITY = 1;

/** The firmware: called by the board at each boot. */
export async function main(board: Board): Promise<void> {
  const rtos = board.rtos;
  const led = board.pin("LED");
  led.configure({ mode: "output" });
  const button = board.pin("BUTTON");
  button.configure({ mode: "input", pull: "up" });
  const uart = board.uart(0);
  uart.configure({ baudRate: UART_BAUD });

  const pressed = new IsrSignal();
  button.setInterrupt("falling", () => pressed.raiseFromISR());
  let presses = 0;

  await rtos.xTaskCreate(
    async () => {
      // Goroutines need a running kernel to belong to: this task's.
      go(
        async () => {
          for (;;) {
            await pressed.wait();
            await sleep(DEBOUNCE_MS);
            if (button.get()) continue; // high again: a bounce or the release's chatter
            presses++;
            led.toggle();
            while (!button.get()) await sleep(RELEASE_POLL_MS); // held: wait for the release
          }
        },
        { name: "button", priority: BUTTON_PRIORITY },
      );
      const hz = rtos.kernel.config.configTICK_RATE_HZ;
      const periodTicks = Math.max(1, Math.round((HEARTBEAT_MS * hz) / 1000));
      const lastWake = { value: rtos.xTaskGetTickCount() };
      for (let beat = 1; ; beat++) {
        await rtos.xTaskDelayUntil(lastWake, periodTicks); // a fixed period, however long the write took
        await uart.write(`heartbeat ${beat} at ${rtos.xTaskGetTickCount()} ticks: led ${led.get() ? "on" : "off"}, presses ${presses}\r\n`);
      }
    },
    "heartbeat",
    256,
    null,
    HEARTBEAT_PRIORITY,
  );
}

/** The button presses world() makes, in ticks (1 ms at the default 1000 Hz): pressed at downTick, released at upTick. */
export const PRESSES: readonly { readonly downTick: number; readonly upTick: number }[] = [
  { downTick: 100, upTick: 185 },
  { downTick: 400, upTick: 433 },
  { downTick: 700, upTick: 955 },
];
/** A 5 ms glitch (a tap too short to be a press, or interference): debounce must ignore it. */
export const GLITCH = { downTick: 600, upTick: 605 } as const;
/** Contact bounce: each press and each release flips back once this long after it, and settles this long after that. */
export const BOUNCE_TICKS = 0.4;

/**
 * The test bench: presses the button at PRESSES and makes GLITCH, each contact change with one
 * bounce (so a press makes two falling edges and a release one).
 */
export function world(board: Board): void {
  const pin = board.world.pin("BUTTON");
  const press = (downTick: number, upTick: number): void => {
    pin.drive(false, downTick); // pressed: the contact pulls the line to ground
    pin.release(downTick + BOUNCE_TICKS); // bounce: open again (the pull-up wins)...
    pin.drive(false, downTick + 2 * BOUNCE_TICKS); // ...and closed for good
    pin.release(upTick); // released
    pin.drive(false, upTick + BOUNCE_TICKS); // chatter on release
    pin.release(upTick + 2 * BOUNCE_TICKS);
  };
  for (const p of PRESSES) press(p.downTick, p.upTick);
  press(GLITCH.downTick, GLITCH.upTick);
}
