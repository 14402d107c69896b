/**
 * The command line behaving as people expect (issue 14, part 3): a progress line on a terminal
 * only; Ctrl-C stopping a board run cleanly (trace files complete up to the stop, the summary and
 * task table printed, exit 130); --json for scripts; --realtime; `top`; --help for every command
 * from its table; exit codes of bad input.
 *
 * A terminal is a pseudo-terminal from util-linux `script -qfec "<cmd>" /dev/null`: the command's
 * stdin, stdout and stderr are the pty, and what it writes comes out on script's stdout. A ^C
 * written to script's stdin reaches the pty's line discipline, which sends SIGINT to the command:
 * a real Ctrl-C.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandSpec } from "../src/cli/commands.js";
import { imageCommandSpecs } from "../src/cli/image-commands.js";
import { RUN_COMMAND } from "../src/cli/run-command.js";
import { TOP_COMMAND } from "../src/cli/top-command.js";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const blinky = fileURLToPath(new URL("../examples/blinky.js", import.meta.url));
const blinkyHref = new URL("../examples/blinky.js", import.meta.url).href;
const shell = fileURLToPath(new URL("../examples/uart-shell.js", import.meta.url));
const tinyrtos = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const T = { timeout: 30_000 };

/** A shell word: the paths here have no quotes, but may have spaces. */
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `tinyrtos args...` on a pseudo-terminal (util-linux script); stdin a pipe the caller may write to. */
function onTerminal(args: string[]): ChildProcess {
  const command = [process.execPath, cli, ...args].map(quote).join(" ");
  return spawn("/usr/bin/script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
}

/** Collects a child's stdout and stderr; resolves with them and its exit status when it ends. */
function collect(child: ChildProcess): { out: () => string; err: () => string; done: Promise<number | null> } {
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { out: () => out, err: () => err, done };
}

/** Resolves when `text()` matches `pattern` (polled), or rejects after `ms`. */
async function waitFor(text: () => string, pattern: RegExp, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(text())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; got:\n${text().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withDir<T>(body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-cli-behaviour-"));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withDirAsync(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-cli-behaviour-"));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The progress line: simulated time, wall time, speed ratio, ticks done / total. */
const PROGRESS = /\rnrf52840: \d+\.\d{3} s simulated in \d+\.\d{2} s wall \([\d.]+x\), \d+ \/ (\d+) ticks \(\d+%\)\x1b\[K/;
/** The task table's header. */
const TABLE_HEADER = /^Task +Prio +State +CPU % +Stack +Wake-ups\r?$/m;

/** The rows of the (first) task table in `text`: [name, prio, state, cpu, stack, wake-ups]. */
function tableRows(text: string): string[][] {
  const lines = text.replace(/\r/g, "").split("\n");
  const header = lines.findIndex((l) => TABLE_HEADER.test(l));
  assert.ok(header >= 0, text);
  const rows: string[][] = [];
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === "") break;
    rows.push(line.trim().split(/\s{2,}/));
  }
  return rows;
}

test("cli behaviour: the progress line is drawn on a terminal (stderr a TTY), never into pipes or with --json", T, async () => {
  const child = onTerminal(["run", blinky, "--board", "nrf52840", "--ticks", "300000"]);
  const r = collect(child);
  child.stdin!.end();
  assert.equal(await r.done, 0, r.out());
  const tty = r.out();
  const progress = PROGRESS.exec(tty);
  assert.ok(progress !== null, `a progress line on the terminal:\n${JSON.stringify(tty.slice(0, 600))}`);
  assert.equal(progress[1], "300000");
  // Erased before the output: the summary starts on a clean line.
  assert.match(tty, /\r\x1b\[Kheartbeat 1 at 500 ticks/);
  assert.match(tty, /^nrf52840: 300000 ticks \(300000 ms at 1000 Hz\)/m);
  assert.match(tty, TABLE_HEADER);

  const piped = tinyrtos("run", blinky, "--board", "nrf52840", "--ticks", "300000");
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stderr, "");
  assert.doesNotMatch(piped.stdout, /simulated in|\x1b\[/);
  // The same run, the same output, progress or not (the terminal turns \n into \r\n).
  assert.equal(tty.slice(tty.indexOf("heartbeat 1 ")).replace(/\r+\n/g, "\n"), piped.stdout.replace(/\r+\n/g, "\n"));

  const json = onTerminal(["run", blinky, "--board", "nrf52840", "--ticks", "300000", "--json"]);
  const j = collect(json);
  json.stdin!.end();
  assert.equal(await j.done, 0, j.out());
  assert.doesNotMatch(j.out(), /simulated in/);
});

test("cli behaviour: Ctrl-C typed on the terminal stops a board run at once: summary, task table, exit 130", T, async () => {
  const child = onTerminal(["run", blinky, "--board", "nrf52840", "--ticks", "1000000000", "--signals", "LED"]);
  const r = collect(child);
  await waitFor(r.out, PROGRESS);
  child.stdin!.write("\x03");
  const status = await r.done;
  child.stdin!.end();
  assert.equal(status, 130, r.out().slice(-2000));
  // What the terminal shows: the progress line (and the ^C the terminal echoes) erased.
  const out = r.out().replace(/^.*\r\x1b\[K/gm, "");
  const summary = /^nrf52840: interrupted \(Ctrl-C\) after (\d+) of 1000000000 ticks \((\d+) ms at 1000 Hz\), reset reason power-on, 4 tasks, \d+ context switches\r?$/m.exec(out);
  assert.ok(summary !== null, out.slice(-2000));
  assert.equal(summary[1], summary[2]);
  assert.deepEqual(tableRows(out).map((row) => row[0]).sort(), ["button", "heartbeat", "IDLE", "Tmr Svc"].sort());
});

test("cli behaviour: SIGINT to a board run writes a complete trace and VCD up to the stop, the UART output, the summary and the task table; exit 130", T, async () => {
  await withDirAsync(async (dir) => {
    // blinky, with a line on stderr once the board has booted: the run loop is then under way.
    const firmware = join(dir, "marked.mjs");
    writeFileSync(
      firmware,
      `import * as blinky from ${JSON.stringify(blinkyHref)};
export const world = blinky.world;
export async function main(board) {
  await blinky.main(board);
  process.stderr.write("booted\\n");
}
`,
    );
    const trace = join(dir, "t.json");
    const vcd = join(dir, "v.vcd");
    const child = spawn(process.execPath, [cli, "run", firmware, "--board", "nrf52840", "--ticks", "1000000000", "--trace", trace, "--vcd", vcd, "--signals", "LED,BUTTON"], { stdio: ["ignore", "pipe", "pipe"] });
    const r = collect(child);
    await waitFor(r.err, /booted/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGINT");
    assert.equal(await r.done, 130, r.err());
    assert.equal(r.err(), "booted\n");
    const out = r.out();
    const summary = /^nrf52840: interrupted \(Ctrl-C\) after (\d+) of 1000000000 ticks .*, trace .*t\.json \((\d+) events\), vcd .*v\.vcd \((\d+) changes\)$/m.exec(out);
    assert.ok(summary !== null, out.slice(-2000));
    const ticksRun = Number(summary[1]);
    assert.ok(ticksRun > 1000 && ticksRun < 1_000_000_000, `${ticksRun} ticks`);
    // The UART output up to the stop: one heartbeat every 500 ticks (the last may be still on the wire).
    const beats = out.match(/^heartbeat \d+ at/gm) ?? [];
    assert.ok(Math.abs(beats.length - Math.floor(ticksRun / 500)) <= 1, `${beats.length} heartbeats in ${ticksRun} ticks`);
    assert.equal(beats.at(-1), `heartbeat ${beats.length} at`);
    assert.ok(out.indexOf(summary[0]) > out.lastIndexOf(beats.at(-1)!), "the summary after the UART output");
    assert.deepEqual(tableRows(out.slice(out.indexOf(summary[0]))).map((row) => [row[0], row[1], row[2]]).sort(), [
      ["IDLE", "0", "Running"],
      ["Tmr Svc", "31", "Blocked"],
      ["button", "3", "Blocked"],
      ["heartbeat", "1", "Blocked"],
    ]);

    // The trace: valid JSON, its events counted in the summary, the last ones near the stop.
    const events = (JSON.parse(readFileSync(trace, "utf8")) as { traceEvents: { ph: string; ts: number; dur?: number }[] }).traceEvents;
    const timed = events.filter((e) => e.ph !== "M");
    assert.ok(timed.length > 100, `${timed.length} events`);
    const lastUs = timed.reduce((most, e) => Math.max(most, e.ts + (e.dur ?? 0)), 0);
    assert.ok(lastUs <= ticksRun * 1000 && lastUs > (ticksRun - 501) * 1000, `last event at ${lastUs} µs, stop at tick ${ticksRun}`);

    // The VCD: header, initial values, the button presses' LED changes, and its end at the stop.
    const text = readFileSync(vcd, "utf8");
    assert.match(text, /^\$timescale 1 ns \$end\n\$scope module nrf52840 \$end\n\$var wire 1 ! LED \$end\n\$var wire 1 " BUTTON \$end\n\$upscope \$end\n\$enddefinitions \$end\n#0\n\$dumpvars\n0!\n[01]"\n\$end\n/);
    assert.match(text, /\n#120000000\n1!\n/);
    assert.ok(text.endsWith(`\n#${ticksRun * 1_000_000}\n`), text.slice(-200));
    assert.equal(Number(summary[3]), (text.slice(text.indexOf("$end\n#", text.indexOf("$dumpvars")) + 5).match(/^[01]/gm) ?? []).length);
  });
});

test("cli behaviour: run --board --json prints one object with the run, the UART text, the task rows, the files and the exit code", T, () => {
  withDir((dir) => {
    const trace = join(dir, "shell.json");
    const r = tinyrtos("run", shell, "--board", "esp32c3", "--ticks", "400", "--seed", "7", "--trace", trace, "--json");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout.trimEnd().split("\n").length, 1, "one line of JSON");
    const o = JSON.parse(r.stdout) as Record<string, unknown> & { uart: { n: number; text: string }; tasks: Record<string, unknown>[]; trace: { file: string; events: number; truncated: boolean } };
    assert.deepEqual(
      [o.board, o.module, o.seed, o.ticks, o.ticksRun, o.tickRateHz, o.simulatedMs, o.resetReason, o.interrupted, o.fault, o.exitCode, o.vcd],
      ["esp32c3", shell, 7, 400, 400, 1000, 400, "power-on", false, null, 0, null],
    );
    assert.equal(typeof o.wallMs, "number");
    assert.equal(typeof o.contextSwitches, "number");
    assert.equal(o.uart.n, 0);
    assert.ok(o.uart.text.startsWith("tinyrtos shell on esp32c3, type help\r\n> help\r\n"), o.uart.text);
    assert.deepEqual(o.trace, { file: trace, events: o.trace.events, truncated: false });
    assert.equal((JSON.parse(readFileSync(trace, "utf8")) as { traceEvents: unknown[] }).traceEvents.length > 0, true);
    // The rows are the text table's of the same run.
    const text = tinyrtos("run", shell, "--board", "esp32c3", "--ticks", "400", "--seed", "7");
    assert.deepEqual(
      o.tasks.map((t) => [t.name, String(t.priority), t.state, (t.cpuPercent as number).toFixed(1), String(t.stackHighWaterMark), String(t.wakeUps)]),
      tableRows(text.stdout),
    );
    assert.deepEqual(Object.keys(o.tasks[0]!), ["name", "priority", "state", "cpuPercent", "stackHighWaterMark", "wakeUps"]);

    // Zero ticks still boots the firmware: its tasks are in the table.
    const zero = JSON.parse(tinyrtos("run", blinky, "--board", "nrf52840", "--ticks", "0", "--json").stdout) as { ticksRun: number; tasks: { name: string }[] };
    assert.deepEqual([zero.ticksRun, zero.tasks.map((t) => t.name).sort()], [0, ["IDLE", "Tmr Svc", "button", "heartbeat"]]);

    // A fault: the JSON says which task and when, exit 1; the trace is still written.
    const fault = join(dir, "fault.mjs");
    writeFileSync(
      fault,
      `export async function main(board) {
  await board.rtos.xTaskCreate(async () => { await board.rtos.vTaskDelay(40); throw new RangeError("sensor out of range"); }, "Sensor", 256, null, 2);
}
`,
    );
    const faultTrace = join(dir, "fault.json");
    const f = tinyrtos("run", fault, "--board", "stm32h743", "--ticks", "100", "--json", "--trace", faultTrace);
    assert.equal(f.status, 1);
    const fo = JSON.parse(f.stdout) as { fault: unknown; exitCode: number; interrupted: boolean };
    assert.deepEqual([fo.fault, fo.exitCode, fo.interrupted], [{ task: "Sensor", tick: 40, message: "RangeError: sensor out of range" }, 1, false]);
    assert.match(f.stderr, /^tinyrtos: firmware fault in task "Sensor" at tick 40: RangeError: sensor out of range\n/);
    assert.ok(JSON.parse(readFileSync(faultTrace, "utf8")), "the trace up to the fault");
    const plain = tinyrtos("run", fault, "--board", "stm32h743", "--ticks", "100", "--trace", faultTrace);
    assert.equal(plain.status, 1);
    assert.equal(plain.stdout, "");
    assert.match(plain.stderr, /\ntinyrtos: written up to the fault, trace .*fault\.json \(\d+ events\)\n$/);
  });
});

test("cli behaviour: --realtime paces board time to the wall clock and changes nothing else", T, () => {
  const paced = tinyrtos("run", blinky, "--board", "nrf52840", "--ticks", "300", "--realtime", "--json");
  assert.equal(paced.status, 0, paced.stderr);
  const fast = tinyrtos("run", blinky, "--board", "nrf52840", "--ticks", "300", "--json");
  const p = JSON.parse(paced.stdout) as { wallMs: number };
  const f = JSON.parse(fast.stdout) as { wallMs: number };
  // 300 ticks at 1000 Hz: board time never runs ahead of the wall clock.
  assert.ok(p.wallMs >= 299, `${p.wallMs} ms`);
  assert.deepEqual({ ...p, wallMs: 0 }, { ...f, wallMs: 0 });
});

test("cli behaviour: top prints one plain table per interval on a pipe, CPU % and wake-ups of that interval, and exits 0 after --ticks", T, () => {
  const r = tinyrtos("top", shell, "--board", "esp32c3", "--ticks", "2500");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.doesNotMatch(r.stdout, /\x1b/);
  const headers = [...r.stdout.matchAll(/^esp32c3 .*uart-shell\.js: board time ([\d.]+) s \(tick (\d+) of 2500\), 3 tasks, \d+ context switches, reset reason power-on; CPU % and wake-ups over the last (\d+) ms$/gm)];
  assert.deepEqual(headers.map((h) => [h[1], h[2], h[3]]), [["1.000", "1000", "1000"], ["2.000", "2000", "1000"], ["2.500", "2500", "500"]]);
  const tables = r.stdout.split(/^esp32c3 .*$/m).slice(1).map(tableRows);
  assert.equal(tables.length, 3);
  for (const rows of tables) {
    assert.deepEqual(rows.map((row) => row[0]).sort(), ["IDLE", "Tmr Svc", "shell"]);
    const cpu = rows.reduce((sum, row) => sum + Number(row[3]), 0);
    assert.ok(Math.abs(cpu - 100) <= 0.2, `CPU % adds up to ${cpu}`);
  }
  // The shell's typed commands come in the first second: it wakes then, and not in the others.
  const wakeUps = tables.map((rows) => Number(rows.find((row) => row[0] === "shell")![5]));
  assert.ok(wakeUps[0]! > 0, `${wakeUps}`);
  assert.deepEqual(wakeUps.slice(1), [0, 0]);
  // The same run on a pipe gives the same tables.
  assert.equal(tinyrtos("top", shell, "--board", "esp32c3", "--ticks", "2500").stdout, r.stdout);
});

test("cli behaviour: top on a terminal redraws in place; Ctrl-C (SIGINT) ends it with exit 0", T, async () => {
  const child = onTerminal(["top", blinky, "--board", "nrf52840", "--ticks", "3000", "--interval-ms", "500"]);
  const r = collect(child);
  child.stdin!.end();
  assert.equal(await r.done, 0, r.out());
  assert.match(r.out(), /^\x1b\[2J\x1b\[H/);
  assert.match(r.out(), /\x1b\[Hnrf52840 .*blinky\.js: board time 3\.000 s \(tick 3000 of 3000\), wall [\d.]+ s/);

  const forever = spawn(process.execPath, [cli, "top", blinky, "--board", "nrf52840"], { stdio: ["ignore", "pipe", "pipe"] });
  const f = collect(forever);
  await waitFor(f.out, /board time 2\.000 s/);
  forever.kill("SIGINT");
  assert.equal(await f.done, 0, f.err());
  assert.match(f.out(), /board time 1\.000 s \(tick 1000\), 4 tasks/);
});

/** Each command's words and its table. */
const COMMANDS: [string[], CommandSpec][] = [
  [["run"], RUN_COMMAND],
  [["top"], TOP_COMMAND],
  ...imageCommandSpecs.map((c): [string[], CommandSpec] => [c.name.split(" "), c]),
];

test("cli behaviour: --help (and -h) of every command lists every option of its table and its exit codes; the usage lists every command's", T, () => {
  assert.deepEqual(COMMANDS.map(([words]) => words.join(" ")), ["run", "top", "keygen", "build", "sign", "verify", "patch make", "patch apply", "ota send"]);
  const usage = tinyrtos("help").stdout;
  // The usage's "exit codes:" part: entries "  <commands>  <text>" continued on deeper-indented lines.
  const usageExitCodes = new Map<string, string>();
  let last = "";
  for (const line of usage.slice(usage.indexOf("\nexit codes:")).split("\n").slice(2)) {
    const start = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (start !== null) usageExitCodes.set((last = start[1]!), start[2] ?? "");
    else if (last !== "" && line.trim() !== "") usageExitCodes.set(last, `${usageExitCodes.get(last)!} ${line.trim()}`);
  }
  assert.deepEqual([...usageExitCodes.keys()], ["run", "top", "keygen, build, sign, verify, patch, ota send"]);
  for (const [words, spec] of COMMANDS) {
    for (const flag of ["--help", "-h"]) {
      const r = tinyrtos(...words, flag);
      assert.equal(r.status, 0, `${words.join(" ")} ${flag}: ${r.stderr}`);
      assert.equal(r.stderr, "");
      assert.match(r.stdout, new RegExp(`^usage: tinyrtos ${words.join(" ")} `));
      for (const [option, o] of Object.entries(spec.options)) {
        const left = `--${option}${o.type === "string" && o.value !== undefined ? ` ${o.value}` : ""}`;
        assert.ok(r.stdout.includes(`  ${left} `) || r.stdout.includes(`  ${left}\n`), `${words.join(" ")} --help lists ${left}`);
      }
      const codes = r.stdout.slice(r.stdout.indexOf("\nexit codes:\n")).match(/^ {2}\d+ /gm)?.map((c) => Number(c)) ?? [];
      assert.deepEqual(codes, spec.exitCodes.map((e) => Number(e.split(" ")[0])), `${words.join(" ")}: exit codes`);
    }
    // The usage's exit codes: an entry for the command (the image commands share one) with each of its codes.
    const entry = usageExitCodes.get(words[0] === "run" || words[0] === "top" ? words[0] : "keygen, build, sign, verify, patch, ota send");
    assert.ok(entry !== undefined, `usage: exit codes of ${words.join(" ")}`);
    for (const e of spec.exitCodes) {
      const code = e.split(" ")[0]!;
      assert.match(entry, new RegExp(`(^|[^\\d])${code} `), `usage: ${words.join(" ")} exit code ${code}`);
    }
  }
  // patch and ota: the group's --help lists its subcommands'.
  assert.match(tinyrtos("patch", "--help").stdout, /usage: tinyrtos patch make .*\n[\s\S]*usage: tinyrtos patch apply /);
});

test("cli behaviour: bad input: one clear line naming what was wrong, and exit 2", T, () => {
  const cases: [string[], RegExp][] = [
    [["run", blinky, "--ticks", "x"], /^tinyrtos: run: --ticks needs a non-negative integer, got x\n/],
    [["run", blinky, "--ticks=-5"], /^tinyrtos: run: --ticks needs a non-negative integer, got -5\n/],
    [["run", blinky, "--json"], /^tinyrtos: run: --json needs --board <name> \(it is an option of a board run\)\n/],
    [["run", blinky, "--realtime"], /^tinyrtos: run: --realtime needs --board <name>/],
    [["run", blinky, "--board", "nrf52840", "--realtime=yes"], /^tinyrtos: run: --realtime takes no value\n/],
    [["run", blinky, "--board", "nrf52840", "--vcd", "--json"], /^tinyrtos: run: --vcd needs a value\n/],
    [["run", blinky, shell, "--board", "nrf52840"], /^tinyrtos: run: one module only, got .*blinky\.js and .*uart-shell\.js\n/],
    [["top", blinky], /^tinyrtos: top: --board is required\n\nusage: tinyrtos top <firmware\.js>/],
    [["top", "--board", "nrf52840"], /^tinyrtos: top: expects the firmware module \(one file\), got none\n/],
    [["top", blinky, "--board", "nope"], /^tinyrtos: top: no board "nope"; boards are stm32h743, esp32c3, nrf52840\n/],
    [["top", blinky, "--board", "nrf52840", "--interval-ms", "0"], /^tinyrtos: top: --interval-ms must be at least 1\n/],
    [["top", blinky, "--board", "nrf52840", "--ticks", "1.5"], /^tinyrtos: top: --ticks needs a non-negative integer, got 1\.5\n/],
    [["top", blinky, "--board", "nrf52840", "--trace", "t.json"], /^tinyrtos: top: unknown option --trace\n/],
    [["top", join(tmpdir(), "no-such-firmware.js"), "--board", "nrf52840"], /^tinyrtos: top: no such file: .*no-such-firmware\.js\n$/],
    [["verify", "x.img", "--key"], /^tinyrtos: verify: --key needs a value\n/],
    [["frobnicate"], /^tinyrtos: unknown command "frobnicate"\n/],
  ];
  for (const [args, message] of cases) {
    const r = tinyrtos(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stdout, "");
  }
});
