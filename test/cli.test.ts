/** The command line: version, help, running a firmware module, and clear errors for bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const cliSource = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const demo = fileURLToPath(new URL("../examples/demo-firmware.js", import.meta.url));
const freertos = new URL("../src/freertos/index.js", import.meta.url).href;
const goModule = new URL("../src/go/index.js", import.meta.url).href;
const hal = new URL("../src/hal/index.js", import.meta.url).href;
const blinky = fileURLToPath(new URL("../examples/blinky.js", import.meta.url));
const shell = fileURLToPath(new URL("../examples/uart-shell.js", import.meta.url));
const tinyrtos = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

/** Fixture modules in a fresh temp dir, removed after the test. */
function withModules(files: Record<string, string>, body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-cli-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The error is one line on stderr, with no Node stack trace. */
function assertOneLine(stderr: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
}

test("cli: version and help", () => {
  const version = tinyrtos("version");
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^tinyrtos \d+\.\d+\.\d+\n$/);
  const help = tinyrtos("help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: tinyrtos <command>/);
  assert.match(help.stdout, /exit codes: 0 .*, 1 firmware fault/);
});

test("cli: the header comment lists exactly the commands the usage text lists, and each exists", () => {
  const source = readFileSync(cliSource, "utf8");
  const header = source.slice(0, source.indexOf("*/"));
  // A command may have several forms (run, run --board): one line each, the command counted once.
  const headerCommands = [...new Set([...header.matchAll(/^ \*\s+tinyrtos (\w+)/gm)].map((m) => m[1]!))].sort();
  const usageText = tinyrtos("help").stdout;
  const usageCommands = [...new Set([...usageText.slice(usageText.indexOf("commands:")).matchAll(/^  (\w+)/gm)].map((m) => m[1]!))].sort();
  assert.deepEqual(headerCommands, ["build", "help", "keygen", "ota", "patch", "playground", "run", "sign", "top", "verify", "version"]);
  assert.deepEqual(usageCommands, headerCommands);
  for (const command of headerCommands) assert.doesNotMatch(tinyrtos(command, "--help").stderr, /unknown command/);
  // Every option the header names is in the usage or in one of the commands' --help.
  const allUsage = usageText + headerCommands.map((c) => tinyrtos(c, "--help").stdout).join("");
  for (const option of header.matchAll(/--[a-z-]+/g)) assert.match(allUsage, new RegExp(option[0]));
});

test("cli: run executes a firmware module's main for the given ticks", () => {
  const r = tinyrtos("run", demo, "--ticks", "300");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /300 ticks at 1000 Hz/);
  assert.match(r.stdout, /IDLE/);
});

test("cli: run passes --ticks and --max-ticks to main as runTicks and maxTicks, and nothing not given", () => {
  withModules({ "echo.mjs": "export function main(options) { console.log(JSON.stringify(options)); }\n" }, (dir) => {
    const both = tinyrtos("run", join(dir, "echo.mjs"), "--ticks", "5", "--max-ticks", "70");
    assert.equal(both.status, 0, both.stderr);
    assert.deepEqual(JSON.parse(both.stdout), { runTicks: 5, maxTicks: 70 });
    const none = tinyrtos("run", join(dir, "echo.mjs"));
    assert.deepEqual(JSON.parse(none.stdout), {});
    const bad = tinyrtos("run", join(dir, "echo.mjs"), "--max-ticks", "1.5");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^tinyrtos: run: --max-ticks needs a non-negative integer, got 1\.5\n/);
  });
});

test("cli: bad input gets a clear error and exit code 2", () => {
  const unknown = tinyrtos("bogus");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "bogus"/);
  const badTicks = tinyrtos("run", demo, "--ticks", "-1");
  assert.equal(badTicks.status, 2);
  assert.match(badTicks.stderr, /--ticks needs a non-negative integer/);
  const missing = tinyrtos("run");
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing the module/);
  const unknownOption = tinyrtos("run", demo, "--tracing");
  assert.equal(unknownOption.status, 2);
  assert.match(unknownOption.stderr, /unknown option --tracing/);
});

test("cli: a module that cannot be loaded is one line on stderr and exit code 2", () => {
  withModules(
    {
      "app.ts": "export const periodTicks: number = 10;\nexport function main(): void {}\n",
      "broken.mjs": "export const a = 1;\nexport function main( {\n",
      "needs-dep.mjs": 'import "no-such-package-for-tinyrtos";\nexport function main() {}\n',
      "no-main.mjs": "export const x = 1;\n",
    },
    (dir) => {
      const ts = tinyrtos("run", join(dir, "app.ts"));
      assert.equal(ts.status, 2);
      assertOneLine(ts.stderr);
      assert.match(ts.stderr, /cannot load .*app\.ts: .*build it \(tsc\) and run the \.js .*or write the module as \.js\/\.mjs/);

      const absent = tinyrtos("run", join(dir, "absent.js"));
      assert.equal(absent.status, 2);
      assertOneLine(absent.stderr);
      assert.match(absent.stderr, /^tinyrtos: run: no such file: .*absent\.js\n$/);

      const syntax = tinyrtos("run", join(dir, "broken.mjs"));
      assert.equal(syntax.status, 2);
      assertOneLine(syntax.stderr);
      assert.match(syntax.stderr, /cannot load .*broken\.mjs: SyntaxError: .* at .*broken\.mjs:\d+\n$/);

      const dep = tinyrtos("run", join(dir, "needs-dep.mjs"));
      assert.equal(dep.status, 2);
      assertOneLine(dep.stderr);
      assert.match(dep.stderr, /cannot load .*needs-dep\.mjs: Error: Cannot find package 'no-such-package-for-tinyrtos'/);

      const noMain = tinyrtos("run", join(dir, "no-main.mjs"));
      assert.equal(noMain.status, 2);
      assertOneLine(noMain.stderr);
      assert.match(noMain.stderr, /no-main\.mjs exports no main\(\) function/);
    },
  );
});

test("cli: a firmware fault names the task and the tick, shows where it was thrown, and exits with 1", () => {
  const firmware = `import { createFreeRTOS } from ${JSON.stringify(freertos)};
export async function main({ runTicks = 100 }) {
  const rtos = createFreeRTOS({});
  await rtos.xTaskCreate(async () => {
    await rtos.vTaskDelay(40);
    await rtos.busy(0.5);
    throw new RangeError("sensor out of range");
  }, "Sensor", 128, null, 2);
  rtos.vTaskStartScheduler();
  await rtos.run(runTicks);
  console.log("not reached");
}
`;
  withModules({ "fault.mjs": firmware }, (dir) => {
    const r = tinyrtos("run", join(dir, "fault.mjs"));
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    const [first, ...frames] = r.stderr.trimEnd().split("\n");
    assert.equal(first, 'tinyrtos: firmware fault in task "Sensor" at tick 40.5: RangeError: sensor out of range');
    assert.match(frames[0] ?? "", /^\s+at .*fault\.mjs:7:/);
  });
});

test("cli: a Go-style main that passes --max-ticks on stops at the limit with exit code 3 and the waits", () => {
  const ticking = `import { run, chan } from ${JSON.stringify(goModule)};
import { createFreeRTOS } from ${JSON.stringify(freertos)};
export async function main({ maxTicks }) {
  const rtos = createFreeRTOS({});
  await rtos.xTaskCreate(async () => { for (;;) await rtos.vTaskDelay(1); }, "blinker", 128, null, 1);
  await run(async () => { await chan().recv(); }, { rtos, maxTicks });
}
`;
  const stuck = `import { run, chan } from ${JSON.stringify(goModule)};
export async function main({ maxTicks }) {
  await run(async () => { await chan().recv(); }, { maxTicks });
}
`;
  withModules({ "ticking.mjs": ticking, "stuck.mjs": stuck }, (dir) => {
    const r = tinyrtos("run", join(dir, "ticking.mjs"), "--max-ticks", "50");
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^tinyrtos: run limit reached: run: 50 ticks \(maxTicks\) passed/);
    assert.match(r.stderr, /chan receive/);
    assert.match(r.stderr, /blinker/);
    // Without a ticking task the same program is a deadlock: a fault, not a limit.
    const dead = tinyrtos("run", join(dir, "stuck.mjs"), "--max-ticks", "50");
    assert.equal(dead.status, 1, dead.stderr);
    assert.match(dead.stderr, /deadlock/);
  });
});

// ───────────────────────────── run --board ─────────────────────────────

/** The task table's rows after the header: [name, priority, state, CPU %, stack, wake-ups]. */
function taskRows(stdout: string): string[][] {
  const lines = stdout.trimEnd().split("\n");
  const header = lines.findIndex((l) => l.startsWith("Task  "));
  assert.ok(header >= 0, stdout);
  return lines.slice(header + 1).map((l) => l.trim().split(/\s{2,}/));
}

test("cli: run --board runs blinky's main(board) with its world(board), prints uart0, the summary and the task table", () => {
  const r = tinyrtos("run", blinky, "--board", "nrf52840", "--ticks", "1100");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const lines = r.stdout.split("\n");
  // The heartbeat lines (uart0, CR LF as sent), then the summary: world() pressed 3 times.
  assert.equal(lines[0], "heartbeat 1 at 500 ticks: led off, presses 2\r");
  assert.equal(lines[1], "heartbeat 2 at 1000 ticks: led on, presses 3\r");
  assert.match(lines[2]!, /^nrf52840: 1100 ticks \(1100 ms at 1000 Hz\), reset reason power-on, 4 tasks, \d+ context switches$/);
  assert.match(lines[3]!, /^Task +Prio +State +CPU % +Stack +Wake-ups$/);
  // No task but IDLE uses CPU time (nothing calls busy()). heartbeat was switched in at 0, at 500
  // and 1000 (its period) and after each line's UART write (a notification at 504 and 1004).
  assert.deepEqual(
    taskRows(r.stdout).sort((a, b) => a[0]!.localeCompare(b[0]!)),
    [
      ["button", "3", "Blocked", "0.0", "111", "46"],
      ["heartbeat", "1", "Blocked", "0.0", "239", "5"],
      ["IDLE", "0", "Running", "100.0", "111", "50"],
      ["Tmr Svc", "31", "Blocked", "0.0", "239", "0"],
    ],
  );
});

test("cli: run --board on every board; --uart picks the UART; the same seed gives the same output", () => {
  for (const board of ["stm32h743", "esp32c3", "nrf52840"]) {
    const r = tinyrtos("run", shell, "--board", board, "--ticks", "400", "--seed", "7");
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.startsWith(`tinyrtos shell on ${board}, type help\r\n> help\r\n`), r.stdout);
    assert.match(r.stdout, /^> led on\r$/m);
    assert.match(r.stdout, new RegExp(`^${board}: 400 ticks \\(400 ms at 1000 Hz\\), reset reason power-on, 3 tasks, \\d+ context switches$`, "m"));
    assert.equal(tinyrtos("run", shell, "--board", board, "--ticks", "400", "--seed", "7").stdout, r.stdout);
  }
  // Nothing was sent on uart1: only the summary and the table.
  const quiet = tinyrtos("run", shell, "--board", "nrf52840", "--ticks", "400", "--uart", "1");
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.match(quiet.stdout, /^nrf52840: 400 ticks/);
});

test("cli: run --board --trace writes a Perfetto trace with the firmware's tasks", () => {
  withModules({}, (dir) => {
    const out = join(dir, "blinky.json");
    const r = tinyrtos("run", blinky, "--board", "esp32c3", "--ticks", "300", "--trace", out);
    assert.equal(r.status, 0, r.stderr);
    const events = r.stdout.match(/, trace .*blinky\.json \((\d+) events\)$/m);
    assert.ok(events !== null, r.stdout);
    const trace = JSON.parse(readFileSync(out, "utf8")) as { traceEvents: { ph: string; name: string; args?: { name?: string } }[] };
    assert.equal(trace.traceEvents.filter((e) => e.ph !== "M").length > 0, true);
    const threads = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.args?.name);
    for (const task of ["button", "heartbeat", "IDLE"]) assert.ok(threads.includes(task), `track ${task} in ${threads.join(", ")}`);
    // The GPIO interrupt of the button's edge (nRF: GPIOTE, ESP32-C3: GPIO) ran at 100 and 120 presses.
    assert.ok(trace.traceEvents.some((e) => e.ph === "X" && /GPIO/.test(e.name)), "an ISR slice of the GPIO interrupt");
  });
});

test("cli: run --board --vcd writes a VCD of LED, BUTTON and the UART lines; the LED changes 20 ms after each press", () => {
  withModules({}, (dir) => {
    const out = join(dir, "blinky.vcd");
    const r = tinyrtos("run", blinky, "--board", "nrf52840", "--ticks", "1100", "--vcd", out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /, vcd .*blinky\.vcd \(\d+ changes\)$/m);
    const text = readFileSync(out, "utf8");
    const ids = new Map<string, string>();
    for (const m of text.matchAll(/^\$var wire 1 (\S+) (\S+) \$end$/gm)) ids.set(m[2]!, m[1]!);
    assert.deepEqual([...ids.keys()], ["LED", "BUTTON", "uart0.tx", "uart0.rx"]);
    // Times (ns at 1 kHz ticks) at which the LED's value changes after #0.
    const led = ids.get("LED")!;
    const changes: number[] = [];
    let time = 0;
    for (const line of text.split("\n")) {
      if (line.startsWith("#")) time = Number(line.slice(1));
      else if (time > 0 && (line === `0${led}` || line === `1${led}`)) changes.push(time);
    }
    assert.deepEqual(changes, [120e6, 420e6, 720e6]);
    const custom = tinyrtos("run", blinky, "--board", "nrf52840", "--ticks", "10", "--vcd", out, "--signals", "LED");
    assert.equal(custom.status, 0, custom.stderr);
    assert.deepEqual([...readFileSync(out, "utf8").matchAll(/^\$var wire 1 \S+ (\S+) \$end$/gm)].map((m) => m[1]), ["LED"]);
    const bad = tinyrtos("run", blinky, "--board", "nrf52840", "--vcd", out, "--signals", "LED,PB0");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^tinyrtos: run: --signals: board "nrf52840", pin "PB0": no such pin/);
  });
});

test("cli: run --board: bad options are a clear error, the usage, and exit code 2", () => {
  const cases: [string[], RegExp][] = [
    [["--board", "nope"], /^tinyrtos: run: no board "nope"; boards are stm32h743, esp32c3, nrf52840\n/],
    [["--board"], /^tinyrtos: run: --board needs a value\n/],
    [["--board", "nrf52840", "--uart", "9"], /^tinyrtos: run: --uart 9: nrf52840 has UARTs 0\.\.1\n/],
    [["--board", "nrf52840", "--uart", "-1"], /^tinyrtos: run: --uart needs a non-negative integer, got -1\n/],
    [["--board", "nrf52840", "--seed", "x"], /^tinyrtos: run: --seed needs a non-negative integer, got x\n/],
    [["--board", "nrf52840", "--trace"], /^tinyrtos: run: --trace needs a value\n/],
    [["--board", "nrf52840", "--max-ticks", "5"], /^tinyrtos: run: --max-ticks is for a module's main\(options\); with --board, --ticks says how long the board runs\n/],
    [["--board", "nrf52840", "--bogus"], /^tinyrtos: run: unknown option --bogus\n/],
    [["--trace", "t.json"], /^tinyrtos: run: --trace needs --board <name> \(it is an option of a board run\)\n/],
    [["--uart", "0"], /^tinyrtos: run: --uart needs --board <name>/],
  ];
  for (const [args, message] of cases) {
    const r = tinyrtos("run", blinky, ...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /\nusage: tinyrtos <command>/);
    assert.equal(r.stdout, "");
  }
  const noModule = tinyrtos("run", "--board", "nrf52840");
  assert.equal(noModule.status, 2);
  assert.match(noModule.stderr, /missing the module/);
});

test("cli: run --board: a task that throws is a firmware fault naming the task and the tick, after the UART output", () => {
  const firmware = `export async function main(board) {
  const uart = board.uart(0);
  uart.configure({ baudRate: 115200 });
  await board.rtos.xTaskCreate(async () => {
    await uart.write("starting\\r\\n");
    await board.rtos.vTaskDelay(40);
    throw new RangeError("sensor out of range");
  }, "Sensor", 256, null, 2);
}
export function world(board) {
  board.world.pin("BUTTON").drive(false, 5);
}
`;
  const badWorld = `export function main() {}\nexport function world(board) { board.world.pin("NOPE"); }\n`;
  const noMain = `import { boards } from ${JSON.stringify(hal)};\nexport const world = boards;\n`;
  withModules({ "fault.mjs": firmware, "no-main.mjs": noMain, "bad-world.mjs": badWorld }, (dir) => {
    const r = tinyrtos("run", join(dir, "fault.mjs"), "--board", "stm32h743", "--ticks", "100");
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "starting\r\n");
    // "starting\r\n" (10 bytes at 115200 baud) is sent at 0.868 ticks, within tick 0; the delay
    // counts 40 from there: the task throws at tick 40.
    assert.match(r.stderr, /^tinyrtos: firmware fault in task "Sensor" at tick 40: RangeError: sensor out of range\n/);
    const world = tinyrtos("run", join(dir, "bad-world.mjs"), "--board", "esp32c3");
    assert.equal(world.status, 1);
    assertOneLine(world.stderr);
    assert.match(world.stderr, /^tinyrtos: .*bad-world\.mjs: world\(board\) threw: HalError: .*esp32c3.*pin "NOPE"/);
    const bad = tinyrtos("run", join(dir, "no-main.mjs"), "--board", "nrf52840");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no-main\.mjs exports no main\(\) function \(with --board, main\(board\) is the firmware\)/);
  });
});

test("cli: keygen, build, sign, verify: files, --json, exit codes 0 / 1 (rejected, with its reason) / 2 (usage)", () => {
  withModules({ "app.ts": 'import type { Board } from "tinyrtos/hal";\nexport async function main(board: Board) { board.pin("LED").high(); }\n' }, (dir) => {
    const at = (name: string) => join(dir, name);
    const keygen = tinyrtos("keygen", "--out", at("k"), "--json");
    assert.equal(keygen.status, 0, keygen.stderr);
    const keys = JSON.parse(keygen.stdout) as { publicKeyHex: string };
    assert.equal(readFileSync(at("k.key")).length, 32);
    assert.equal(Buffer.from(readFileSync(at("k.pub"))).toString("hex"), keys.publicKeyHex);
    const again = tinyrtos("keygen", "--out", at("k"));
    assert.equal(again.status, 2);
    assert.match(again.stderr, /k\.key exists/);
    const build = tinyrtos("build", at("app.ts"), "--board", "nrf52840", "--version", "1.4.0", "--security-counter", "2", "--out", at("unsigned.bin"));
    assert.equal(build.status, 0, build.stderr);
    assert.match(build.stdout, /unsigned/);
    const unsigned = tinyrtos("verify", at("unsigned.bin"), "--key", at("k.pub"), "--json");
    assert.equal(unsigned.status, 1);
    assert.equal((JSON.parse(unsigned.stdout) as { reason: string }).reason, "unsigned");
    const sign = tinyrtos("sign", at("unsigned.bin"), "--key", at("k.key"), "--out", at("signed.bin"));
    assert.equal(sign.status, 0, sign.stderr);
    const ok = tinyrtos("verify", at("signed.bin"), "--key", at("k.pub"), "--board", "nrf52840", "--json");
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { ok: true, version: "1.4.0", securityCounter: 2, board: "nrf52840", sizeBytes: readFileSync(at("signed.bin")).length, payloadBytes: JSON.parse(ok.stdout).payloadBytes });
    const board = tinyrtos("verify", at("signed.bin"), "--key", at("k.pub"), "--board", "esp32c3");
    assert.equal(board.status, 1);
    assert.match(board.stderr, /image rejected \(board\): built for "nrf52840", this is "esp32c3"/);
    const counter = tinyrtos("verify", at("signed.bin"), "--key", at("k.pub"), "--min-security-counter", "3");
    assert.equal(counter.status, 1);
    assert.match(counter.stderr, /security-counter/);
    const missing = tinyrtos("verify", at("signed.bin"));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--key is required\n\nusage: tinyrtos verify <image>/);
    const unknown = tinyrtos("sign", at("signed.bin"), "--key", at("k.key"), "--bogus");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^tinyrtos: sign: unknown option --bogus\n/);
    const nofile = tinyrtos("verify", at("none.bin"), "--key", at("k.pub"));
    assert.equal(nofile.status, 2);
    assert.match(nofile.stderr, /cannot read .*none\.bin/);
    const help = tinyrtos("build", "--help");
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--security-counter <n>/);
  });
});

test("cli: patch make / apply and ota send to a simulated board: progress only on a TTY, --json, exit codes 0 / 1 (rejected on the board, with its reason; no answer) / 2", () => {
  withModules({}, (dir) => {
    const at = (name: string) => join(dir, name);
    const app = (file: string) => fileURLToPath(new URL(`../../examples/ota-app/${file}`, import.meta.url));
    assert.equal(tinyrtos("keygen", "--out", at("k")).status, 0);
    for (const [file, version, counter, out] of [["main.ts", "1.0.0", "1", "v1"], ["main-faulty.ts", "1.1.0", "1", "v11"], ["main.ts", "1.2.0", "2", "v12"]] as const) {
      const b = tinyrtos("build", app(file), "--board", "nrf52840", "--version", version, "--security-counter", counter, "--key", at("k.key"), "--out", at(`${out}.img`));
      assert.equal(b.status, 0, b.stderr);
    }
    const make = tinyrtos("patch", "make", at("v1.img"), at("v12.img"), "--out", at("p.bin"), "--json");
    assert.equal(make.status, 0, make.stderr);
    const made = JSON.parse(make.stdout) as { patchBytes: number; imageBytes: number };
    assert.equal(made.patchBytes, readFileSync(at("p.bin")).length);
    assert.ok(made.patchBytes < made.imageBytes / 2, `patch ${made.patchBytes} B of a ${made.imageBytes} B image`);
    const apply = tinyrtos("patch", "apply", at("v1.img"), at("p.bin"), "--out", at("v12b.img"), "--key", at("k.pub"), "--json");
    assert.equal(apply.status, 0, apply.stderr);
    assert.equal((JSON.parse(apply.stdout) as { version: string }).version, "1.2.0");
    assert.deepEqual(readFileSync(at("v12b.img")), readFileSync(at("v12.img")));
    const wrongBase = tinyrtos("patch", "apply", at("v11.img"), at("p.bin"), "--out", at("x.img"), "--json");
    assert.equal(wrongBase.status, 1);
    assert.equal((JSON.parse(wrongBase.stdout) as { reason: string }).reason, "patch-base");
    assert.throws(() => readFileSync(at("x.img")), /ENOENT/, "nothing written for a rejected patch");

    // The faulty image: taken, test-booted, reverted. Not a TTY: no progress line on stderr.
    const faulty = tinyrtos("ota", "send", at("v11.img"), "--running", at("v1.img"), "--key", at("k.pub"), "--console", "1");
    assert.equal(faulty.status, 0, faulty.stderr);
    assert.equal(faulty.stderr, "");
    assert.match(faulty.stdout, /image for 1\.1\.0, \d+ bytes sent over UART 0 in [\d.]+ s of board time \(\d+ frames, 0 sent again\); the board took it: 1\.1\.0/);
    assert.match(faulty.stdout, /boot \(software\): booted 1\.1\.0 \(test boot\), swap test.*\nboot \(software\): booted 1\.0\.0, swap revert/);
    assert.match(faulty.stdout, /self-test failed/);
    const patch = tinyrtos("ota", "send", at("p.bin"), "--running", at("v1.img"), "--key", at("k.pub"), "--json");
    assert.equal(patch.status, 0, patch.stderr);
    const sent = JSON.parse(patch.stdout) as { kind: string; version: string; bytes: number; boots: { version: string; testBoot: boolean }[] };
    assert.deepEqual([sent.kind, sent.version, sent.bytes], ["patch", "1.2.0", made.patchBytes]);
    assert.deepEqual(sent.boots.map((b) => [b.version, b.testBoot]), [["1.2.0", true]]);
    const downgrade = tinyrtos("ota", "send", at("v1.img"), "--running", at("v12.img"), "--key", at("k.pub"), "--json");
    assert.equal(downgrade.status, 1);
    assert.equal((JSON.parse(downgrade.stdout) as { reason: string }).reason, "security-counter");
    const silent = tinyrtos("ota", "send", at("v1.img"), "--running", at("v1.img"), "--key", at("k.pub"), "--uart", "1", "--json");
    assert.equal(silent.status, 1);
    assert.equal((JSON.parse(silent.stdout) as { reason: string }).reason, "no-answer");
    const noSub = tinyrtos("patch");
    assert.equal(noSub.status, 2);
    assert.match(noSub.stderr, /patch: expects a subcommand: make or apply/);
    const badSub = tinyrtos("ota", "receive");
    assert.equal(badSub.status, 2);
    assert.match(badSub.stderr, /ota: unknown subcommand "receive"; expected send/);
    const missing = tinyrtos("ota", "send", at("v1.img"), "--key", at("k.pub"));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--running is required/);
    assert.match(tinyrtos("ota", "--help").stdout, /--settle-ms <ms>/);
  });
});
