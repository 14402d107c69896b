/**
 * uart-shell — a command shell on a virtual board's serial port, as a small device console would
 * have one: line editing, a few commands, output by DMA from a buffer in the board's RAM.
 *
 * Run it (any board: nrf52840, stm32h743, esp32c3):
 *
 *   npm run build && node dist/src/cli/main.js run dist/examples/uart-shell.js --board stm32h743 --ticks 400
 *
 * The firmware (`main(board)`): one task, "shell", on uart0 at 115200 baud (8N1: 10 bits a byte,
 * so a byte takes 86.8 µs, 0.0868 ticks at 1000 Hz).
 * - Line editing: printable characters are echoed and kept, up to LINE_MAX_BYTES (one more is
 *   refused with a BEL, 0x07); backspace (0x08) or DEL (0x7f) erases the last one ("\b \b" on the
 *   terminal); CR or LF ends the line (CR LF counts once); other control bytes are ignored.
 * - Commands: `help`, `tasks` (the task table, rtos.vTaskList()), `led on|off`; anything else is
 *   an error line. Every line of output ends with CR LF, then the prompt "> ".
 * - Output goes out by `writeDMA` from a TX_BUFFER_BYTES buffer in DMA-reachable board RAM: the
 *   text is put into the buffer and the UART reads it from there as each byte goes on the wire,
 *   with no copy into a FIFO; longer output goes in buffer-sized pieces.
 *
 * `world(board)` is the terminal: it types the COMMANDS at their ticks.
 * @module
 */
import type { Board } from "../src/hal/index.js";
import { createPool } from "../src/mem/index.js";

export const UART_BAUD = 115200;
/** Longest command line kept; a character beyond it is refused with BEL. */
export const LINE_MAX_BYTES = 32;
/** The DMA transmit buffer in board RAM. */
export const TX_BUFFER_BYTES = 128;
/** The pool the buffer comes from (its owner row in board.ram.report()). */
export const TX_POOL_NAME = "shell_tx";
/** The driver's receive buffer (a kernel stream buffer). */
export const RX_BUFFER_BYTES = 64;
export const PROMPT = "> ";

const SHELL_PRIORITY = 2;
const BS = 0x08;
const DEL = 0x7f;
const CR = 0x0d;
const LF = 0x0a;
const BEL = "\x07";

/** The shell's help text, one command a line. */
export const HELP = ["help          this text", "tasks         the task table (vTaskList)", "led on|off    switch the LED"];

/** The firmware: called by the board at each boot. */
export async function main(board: Board): Promise<void> {
  const rtos = board.rtos;
  const led = board.pin("LED");
  led.configure({ mode: "output" });
  const uart = board.uart(0);
  uart.configure({ baudRate: UART_BAUD, rxBufferBytes: RX_BUFFER_BYTES });
  // A pool belongs to one boot: made again at each boot, as RAM is cleared by a reset.
  const tx = createPool(board, TX_POOL_NAME, 1, TX_BUFFER_BYTES).alloc()!;

  /** Sends `text` (ASCII) by DMA, in buffer-sized pieces. */
  async function send(text: string): Promise<void> {
    for (let at = 0; at < text.length; at += tx.length) {
      const n = Math.min(tx.length, text.length - at);
      for (let i = 0; i < n; i++) tx[i] = text.charCodeAt(at + i) & 0xff;
      await uart.writeDMA(tx.subarray(0, n));
    }
  }

  /** Runs one command line; returns its output (CR LF line ends). */
  function execute(line: string): string {
    const words = line.trim().split(/ +/);
    const [command, ...args] = words;
    switch (command) {
      case "":
        return "";
      case "help":
        return HELP.map((l) => l + "\r\n").join("");
      case "tasks":
        return "Name           \tState\tPrio\tStack\tNum\r\n" + rtos.vTaskList().replace(/\n/g, "\r\n");
      case "led":
        if (args.length === 1 && (args[0] === "on" || args[0] === "off")) {
          led.set(args[0] === "on");
          return `led ${args[0]}\r\n`;
        }
        return "error: usage: led on|off\r\n";
      default:
        return `error: unknown command "${command}" (type help)\r\n`;
    }
  }

  await rtos.xTaskCreate(
    async () => {
      await send(`tinyrtos shell on ${board.info.name}, type help\r\n${PROMPT}`);
      const rx = new Uint8Array(RX_BUFFER_BYTES);
      let line = "";
      let afterCR = false;
      for (;;) {
        const n = await uart.read(rx, rtos.portMAX_DELAY);
        let out = "";
        for (let i = 0; i < n; i++) {
          const byte = rx[i]!;
          if (byte === LF && afterCR) {
            afterCR = false; // CR LF ends one line, not two
            continue;
          }
          afterCR = byte === CR;
          if (byte === CR || byte === LF) {
            out += "\r\n" + execute(line) + PROMPT;
            line = "";
          } else if (byte === BS || byte === DEL) {
            if (line.length > 0) {
              line = line.slice(0, -1);
              out += "\b \b";
            }
          } else if (byte >= 0x20 && byte < 0x7f) {
            if (line.length < LINE_MAX_BYTES) {
              line += String.fromCharCode(byte);
              out += String.fromCharCode(byte);
            } else out += BEL;
          }
        }
        if (out.length > 0) await send(out);
      }
    },
    "shell",
    512,
    null,
    SHELL_PRIORITY,
  );
}

/** What world() types, and when (ticks; 1 ms each at the default 1000 Hz). */
export const COMMANDS: readonly { readonly atTick: number; readonly text: string }[] = [
  { atTick: 20, text: "help\r" },
  { atTick: 60, text: "led on\r\n" },
  { atTick: 80, text: "tasks\n" },
  { atTick: 160, text: "lde\x7f\x7fed off\r" }, // a typo fixed with two DELs
  { atTick: 200, text: "reboot\r" },
  { atTick: 230, text: "led blue\r" },
  { atTick: 260, text: "x".repeat(LINE_MAX_BYTES + 2) + "\b\b\r" }, // two too many, then erased twice
];

/** The terminal: types COMMANDS into uart0 at 115200 baud. */
export function world(board: Board): void {
  const terminal = board.world.uart(0);
  for (const c of COMMANDS) terminal.write(c.text, c.atTick);
}
