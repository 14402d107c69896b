/*
 * Checks the UART shell example (examples/uart-shell.ts): the exact transcript of what the world
 * typed (line editing, every command, the bounded line), the LED switched when the command's
 * last byte arrived, and the output really went out by DMA from board RAM.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boards, createBoard } from "../src/hal/index.js";
import { COMMANDS, LINE_MAX_BYTES, main, TX_BUFFER_BYTES, TX_POOL_NAME, UART_BAUD, world } from "./uart-shell.js";

/** 8N1: 10 bit times a byte, in ticks at the boards' default 1000 Hz. */
const BYTE_TICKS = (10 / UART_BAUD) * 1000;

function transcript(board: string): string {
  return (
    `tinyrtos shell on ${board}, type help\r\n` +
    "> help\r\n" +
    "help          this text\r\n" +
    "tasks         the task table (vTaskList)\r\n" +
    "led on|off    switch the LED\r\n" +
    "> led on\r\n" + // "led on\r\n" typed: CR LF ends one line
    "led on\r\n" +
    "> tasks\r\n" +
    "Name           \tState\tPrio\tStack\tNum\r\n" +
    "shell          \tX\t2\t495\t1\r\n" +
    "IDLE           \tR\t0\t111\t2\r\n" +
    "Tmr Svc        \tB\t31\t239\t3\r\n" +
    "> lde\b \b\b \bed off\r\n" + // two DELs erase "e" and "d"
    "led off\r\n" +
    "> reboot\r\n" +
    'error: unknown command "reboot" (type help)\r\n' +
    "> led blue\r\n" +
    "error: usage: led on|off\r\n" +
    `> ${"x".repeat(LINE_MAX_BYTES)}\x07\x07\b \b\b \b\r\n` + // 2 refused with BEL, then 2 erased
    `error: unknown command "${"x".repeat(LINE_MAX_BYTES - 2)}" (type help)\r\n` +
    "> "
  );
}

for (const name of boards) {
  test(`uart shell on ${name}: the exact transcript`, async () => {
    const board = createBoard(name, { firmware: main });
    world(board);
    await board.run(400);
    assert.equal(board.world.uart(0).text(), transcript(name));
    assert.equal(board.uart(0).overruns, 0);
    assert.equal(board.uart(0).received, COMMANDS.reduce((n, c) => n + c.text.length, 0));
  });
}

test("uart shell: the LED switches when the stop bit of the command's CR ends", async () => {
  const board = createBoard("nrf52840", { firmware: main });
  world(board);
  await board.run(400);
  const on = COMMANDS[1]!; // "led on\r\n": the CR is byte 7
  const off = COMMANDS[3]!; // "lde\x7f\x7fed off\r": 12 bytes
  const edges = board.world.pin("LED").edges;
  assert.equal(edges.length, 2);
  assert.equal(edges[0]!.level, true);
  assert.ok(Math.abs(edges[0]!.tick - (on.atTick + 7 * BYTE_TICKS)) < 1e-9, `on at ${edges[0]!.tick}`);
  assert.equal(edges[1]!.level, false);
  assert.ok(Math.abs(edges[1]!.tick - (off.atTick + off.text.length * BYTE_TICKS)) < 1e-9, `off at ${edges[1]!.tick}`);
});

test("uart shell: the output is sent by DMA from board RAM (the buffer holds the last piece sent)", async () => {
  const board = createBoard("esp32c3", { firmware: main });
  world(board);
  await board.run(400);
  // The last piece sent is at the start of the 128-byte pool unit (in DMA-reachable RAM). While
  // the shell sends the first BS's echo, the second BS and the CR arrive and wait in the receive
  // buffer; one read then takes both, so their echo, the error line and the prompt go out as one piece.
  const last = `\b \b\r\nerror: unknown command "${"x".repeat(LINE_MAX_BYTES - 2)}" (type help)\r\n> `;
  const unit = board.ram.allocations().find((a) => a.owner === `pool "${TX_POOL_NAME}"`);
  assert.ok(unit !== undefined, board.ram.report());
  assert.equal(unit.sizeBytes, TX_BUFFER_BYTES);
  assert.ok(board.ram.regions.find((r) => r.name === unit.region)!.dma, "the pool lies in DMA-reachable RAM");
  const view = board.ram.view(unit.address, last.length);
  assert.equal(String.fromCharCode(...view), last);
  assert.ok(board.world.uart(0).text().endsWith(last));
});
