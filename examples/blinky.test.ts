/*
 * Checks the blinky example (examples/blinky.ts): on every board, the LED toggles exactly
 * DEBOUNCE_MS after each real press, the glitch and every bounce are ignored, and the heartbeat
 * prints the exact lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boards, createBoard } from "../src/hal/index.js";
import { BOUNCE_TICKS, DEBOUNCE_MS, GLITCH, HEARTBEAT_MS, main, PRESSES, world } from "./blinky.js";

// At the boards' default 1000 Hz a tick is 1 ms.
const MS = 1;

for (const name of boards) {
  test(`blinky on ${name}: the LED toggles DEBOUNCE_MS after each press, never on a bounce or the glitch`, async () => {
    const board = createBoard(name, { firmware: main });
    world(board);
    await board.run(1010);

    // Each press: the first falling edge wakes the goroutine, which reads the pin DEBOUNCE_MS later.
    const expected = PRESSES.map((p, i) => ({ tick: p.downTick + DEBOUNCE_MS * MS, level: i % 2 === 0 }));
    assert.deepEqual(board.world.pin("LED").edges, expected);
    assert.deepEqual(expected.map((e) => e.tick), [120, 420, 720]);

    // The button line really bounced: the pull-up's rise at configure (tick 0), then 6 edges per
    // press (down, bounce up, down; up, bounce down, up), the glitch included.
    const button = board.world.pin("BUTTON").edges;
    assert.deepEqual(button[0], { tick: 0, level: true });
    assert.equal(button.length, 1 + 6 * (PRESSES.length + 1));
    assert.deepEqual(
      button.filter((e) => !e.level && e.tick >= GLITCH.downTick && e.tick <= GLITCH.upTick + 2 * BOUNCE_TICKS).map((e) => e.tick),
      [GLITCH.downTick, GLITCH.downTick + 2 * BOUNCE_TICKS, GLITCH.upTick + BOUNCE_TICKS],
    );

    // Heartbeat every HEARTBEAT_MS: by 500 two presses (LED off again), by 1000 three (LED on).
    assert.equal(HEARTBEAT_MS, 500);
    assert.equal(
      board.world.uart(0).text(),
      "heartbeat 1 at 500 ticks: led off, presses 2\r\n" + "heartbeat 2 at 1000 ticks: led on, presses 3\r\n",
    );
  });
}

test("blinky: without the world nothing toggles, and the heartbeat still runs", async () => {
  const board = createBoard("nrf52840", { firmware: main });
  await board.run(510);
  assert.deepEqual(board.world.pin("LED").edges, []);
  assert.equal(board.world.uart(0).text(), "heartbeat 1 at 500 ticks: led off, presses 0\r\n");
});
