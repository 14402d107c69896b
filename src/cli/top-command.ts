/**
 * `tinyrtos top <firmware.js> --board <name>`: runs the firmware on a virtual board and shows its
 * task table per interval of board time, like `top`: CPU % and wake-ups over the interval, busiest
 * first. On a terminal (stdout) the table is redrawn in place (cursor home, clear), at most ten
 * times a second of wall time; otherwise one plain table is printed per interval. It ends when
 * --ticks have passed or at Ctrl-C (exit 0 both, as top does when you quit it).
 * @module
 */
import { CommandError, EXIT, parseCommandArgs, type CommandSpec } from "./commands.js";
import { reportFault } from "./firmware.js";
import { loadBoard, TASK_TABLE_NOTES } from "./run-command.js";
import { Interrupt, runSliced, wallMs, wallSecondsSince } from "./sliced-run.js";
import { formatTaskTable, IntervalSampler } from "./task-table.js";

/** Board milliseconds per table when --interval-ms is not given. */
export const DEFAULT_INTERVAL_MS = 1000;

/** The table of `top`. */
export const TOP_COMMAND: CommandSpec = {
  name: "top",
  operands: "<firmware.js>",
  summary:
    "run a firmware's main(board) on a virtual board and show its live task table (CPU % and wake-ups per interval, busiest first), refreshed in place on a terminal, one table per interval otherwise; until --ticks pass or Ctrl-C",
  options: {
    board: { type: "string", value: "<name>", help: "stm32h743, esp32c3 or nrf52840", required: true },
    realtime: { type: "boolean", help: "pace board time to the wall clock (1 tick = 1/configTICK_RATE_HZ s)" },
    "interval-ms": { type: "string", value: "N", integer: true, help: `board milliseconds per table (default ${DEFAULT_INTERVAL_MS})` },
    ticks: { type: "string", value: "N", integer: true, help: "stop after N ticks (default: run until Ctrl-C)" },
    seed: { type: "string", value: "S", integer: true, help: "seed of the board's PRNG (default 1)" },
  },
  notes: `${TASK_TABLE_NOTES} In top, CPU % and Wake-ups are over the interval the table covers.`,
  exitCodes: [
    `${EXIT.ok} the ticks passed, or Ctrl-C ended it (the way to leave top)`,
    `${EXIT.fault} a firmware fault (a task or ISR of the board threw, or world(board) did): printed on stderr`,
    `${EXIT.usage} bad command line, or a module that cannot be loaded`,
  ],
};

/** `tinyrtos top ...`; returns the exit code. */
export async function topCommand(args: readonly string[]): Promise<number> {
  const { values, operands } = parseCommandArgs(TOP_COMMAND, args);
  if (operands.length !== 1) throw new CommandError(`top: expects the firmware module (one file), got ${operands.length === 0 ? "none" : operands.join(" ")}`, null);
  const file = operands[0]!;
  const boardName = values.board as string;
  const intervalMs = (values["interval-ms"] as number | undefined) ?? DEFAULT_INTERVAL_MS;
  if (intervalMs === 0) throw new CommandError("top: --interval-ms must be at least 1", null);
  const ticks = (values.ticks as number | undefined) ?? Infinity;
  const { board, world } = await loadBoard("top", file, boardName, (values.seed as number | undefined) ?? 1);
  const worldCode = await world();
  if (worldCode !== EXIT.ok) return worldCode;

  const hz = board.rtos.kernel.config.configTICK_RATE_HZ;
  const everyTicks = Math.max(1, Math.round((intervalMs * hz) / 1000));
  const tty = process.stdout.isTTY === true;
  const sampler = new IntervalSampler();
  const start = wallMs();
  let sampledAt = 0;
  let drawnAt = -Infinity;
  const total = ticks === Infinity ? "" : ` of ${ticks}`;

  /** Samples the interval since the last table; on a terminal draws it unless one was drawn <100 ms ago (`force`: the last table, always drawn). */
  const show = (done: number, force: boolean): void => {
    if (done === sampledAt) return;
    const rows = sampler.sample(board.rtos);
    const spanMs = ((done - sampledAt) * 1000) / hz;
    sampledAt = done;
    const rtos = board.rtos;
    const facts = `${rtos.uxTaskGetNumberOfTasks()} tasks, ${rtos.kernel.switchCount} context switches, reset reason ${board.resetReason}; CPU % and wake-ups over the last ${spanMs} ms`;
    const at = `${boardName} ${file}: board time ${(done / hz).toFixed(3)} s (tick ${done}${total})`;
    if (!tty) {
      process.stdout.write(`${at}, ${facts}\n${formatTaskTable(rows)}\n`);
      return;
    }
    const now = wallMs();
    if (!force && now - drawnAt < 100) return;
    drawnAt = now;
    const wall = wallSecondsSince(start);
    const speed = wall > 0 ? ` (${(done / hz / wall).toFixed(2)}x)` : "";
    const lines = [`${at}, wall ${wall.toFixed(2)} s${speed}`, facts, "", ...formatTaskTable(rows).trimEnd().split("\n"), ...(force ? [] : ["", "Ctrl-C quits"])];
    process.stdout.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\n")}\x1b[J`);
  };

  if (tty) process.stdout.write("\x1b[2J");
  const interrupt = new Interrupt(EXIT.ok).install();
  try {
    const result = await runSliced(board, {
      ticks,
      realtime: values.realtime === true,
      everyTicks,
      interrupt,
      onSlice: (done) => {
        if (done % everyTicks === 0 || done === ticks) show(done, done === ticks);
      },
    });
    show(result.ticksRun, true);
    if (tty) process.stdout.write("\n");
    return EXIT.ok;
  } catch (error) {
    if (tty) process.stdout.write("\n");
    reportFault(error);
    return EXIT.fault;
  } finally {
    interrupt.uninstall();
  }
}
