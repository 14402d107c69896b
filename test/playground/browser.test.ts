/**
 * The playground page in headless Chromium (Debian's chromium, driven by playwright-core; .ci/run
 * installs it, and without it these tests fail saying so): load the page, run each example and
 * check the LED, serial monitor and console; press the button and see the firmware react; step
 * ticks; type into the serial monitor; share a link and reopen it to the same run; the timeline
 * canvas against committed screenshots; faults shown with their task; and the trace the page
 * downloads equal, byte for byte, to the one Node makes from the same program and seed.
 *
 * TINYRTOS_UPDATE_SCREENSHOTS=1 rewrites the reference screenshots (test/playground/__screenshots__).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { chromium, type Browser, type Page } from "playwright-core";
import { PNG } from "pngjs";
import pixelmatch from "pixelmatch";
import { example, loadSession, repo, requireChromium, shareHash, startServer, stopServer, type BoardName, type Input } from "./helpers.js";

/** The page's document as the functions evaluated in it see it (the tests compile without DOM types). */
type PageDocument = { querySelector(selector: string): { textContent: string | null; value?: string } | null };
type PageGlobal = { document: PageDocument; tinyrtosPlayground: { inputs(): unknown } };

const screenshots = join(repo, "test", "playground", "__screenshots__");
let browser: Browser;
let server: { url: string; child: ChildProcess };

before(async () => {
  const executablePath = requireChromium();
  server = await startServer();
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"] });
});

after(async () => {
  await browser?.close();
  if (server !== undefined) await stopServer(server.child);
});

async function open(hash = ""): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1, acceptDownloads: true });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(server.url + (hash === "" ? "" : `#${hash}`));
  await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
  assert.deepEqual(problems, [], "errors in the page");
  return page;
}

const text = (page: Page, id: string): Promise<string> => page.locator(`[data-testid=${id}]`).innerText();

/** Waits until the status shows `status` (and the reason starts with `reason`, when given). */
async function waitStatus(page: Page, status: string, reason = "", timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction(
    ([s, r]) => {
      const d = (globalThis as unknown as PageGlobal).document;
      return d.querySelector("[data-testid=status]")!.textContent === s && d.querySelector("[data-testid=reason]")!.textContent!.startsWith(r!);
    },
    [status, reason],
    { timeout: timeoutMs },
  );
}

async function chooseExample(page: Page, id: string): Promise<void> {
  await page.selectOption("[data-testid=example-select]", id);
  await waitStatus(page, "paused", "ready");
}

async function runTo(page: Page, tick: number): Promise<void> {
  await page.fill("[data-testid=stop-at]", String(tick));
  await page.locator("[data-testid=stop-at]").dispatchEvent("change");
  await page.click("[data-testid=run]");
  await waitStatus(page, "paused", `stop at tick ${tick}`);
}

/** The trace the page's Download button saves. */
async function downloadTrace(page: Page): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download-trace]")]);
  return readFileSync((await download.path())!, "utf8");
}

async function canvasPng(page: Page): Promise<Buffer> {
  return page.locator("[data-testid=timeline]").screenshot();
}

test("the page loads with the examples menu, the editor and the board", async () => {
  const page = await open();
  const options = await page.locator("[data-testid=example-select] option").allInnerTexts();
  assert.deepEqual(options, ["FreeRTOS style (README)", "Go style (README)", "Button and LED board (blinky)", "UART shell", "1024-coroutine experiment"]);
  assert.match(await page.locator("[data-testid=editor]").innerText(), /blinky — the "hello world" of a microcontroller/);
  assert.equal(await text(page, "status"), "paused");
  assert.equal(await page.locator("[data-testid=led]").getAttribute("data-on"), "false");
  await page.close();
});

test("each example runs: LED and serial output on the boards, console output of the scripts", async () => {
  const page = await open();
  await chooseExample(page, "blinky");
  await runTo(page, 1000);
  assert.equal(await text(page, "serial-output"), "heartbeat 1 at 500 ticks: led off, presses 2\n");
  assert.equal(await page.locator("[data-testid=led]").getAttribute("data-on"), "true"); // the third press (tick 700) lit it
  assert.match(await text(page, "task-table"), /heartbeat\s+B\s+1/);

  await chooseExample(page, "uart-shell");
  await runTo(page, 300);
  const serial = await text(page, "serial-output");
  assert.match(serial, /^tinyrtos shell on stm32h743, type help\n> help\nhelp {10}this text\n/);
  assert.match(serial, /> led on\nled on\n/);
  assert.match(serial, /> led off\nled off\n/);
  assert.equal(await page.locator("[data-testid=led]").getAttribute("data-on"), "false");

  await page.fill("[data-testid=stop-at]", "");
  await page.locator("[data-testid=stop-at]").dispatchEvent("change");
  await chooseExample(page, "freertos-style");
  await page.click("[data-testid=run]");
  await waitStatus(page, "finished");
  assert.match(await text(page, "console"), /tick 90: reading 8/);
  assert.equal(await text(page, "tick"), "100");

  await chooseExample(page, "go-style");
  await page.click("[data-testid=run]");
  await waitStatus(page, "finished");
  assert.equal((await text(page, "console")).trim(), "10");

  await chooseExample(page, "coroutines-1024");
  await page.click("[data-testid=run]");
  await waitStatus(page, "finished", "", 110_000);
  const console = await text(page, "console");
  assert.match(console, /stacks at 0x24000000 \(AXI SRAM\); seed 1, 100 activations per coroutine/);
  assert.match(console, /^\s+1024\s+16\s+102332\s/m);
  await page.close();
});

test("pressing the button drives the BUTTON pin and the firmware toggles the LED", async () => {
  const page = await open();
  await chooseExample(page, "blinky");
  await runTo(page, 1000);
  assert.equal(await page.locator("[data-testid=led]").getAttribute("data-on"), "true");
  // Pressed while paused at tick 1000: low from tick 1001, released (a click) MIN_PRESS_TICKS later.
  await page.locator("[data-testid=button]").dispatchEvent("pointerdown");
  await page.locator("[data-testid=button]").dispatchEvent("pointerup");
  await runTo(page, 1600);
  assert.equal(await page.locator("[data-testid=led]").getAttribute("data-on"), "false");
  assert.match(await text(page, "serial-output"), /heartbeat 3 at 1500 ticks: led off, presses 4\n/);
  const inputs = (await page.evaluate(() => (globalThis as unknown as PageGlobal).tinyrtosPlayground.inputs())) as Input[];
  const { MIN_PRESS_TICKS } = await loadSession();
  assert.deepEqual(inputs, [
    { tick: 1001, kind: "button", down: true },
    { tick: 1001 + MIN_PRESS_TICKS, kind: "button", down: false },
  ]);
  await page.close();
});

test("Step advances one tick at a time", async () => {
  const page = await open();
  await chooseExample(page, "uart-shell");
  for (let i = 1; i <= 3; i++) {
    await page.click("[data-testid=step]");
    await page.waitForFunction((n) => (globalThis as unknown as PageGlobal).document.querySelector("[data-testid=tick]")!.textContent === String(n), i);
  }
  assert.equal(await text(page, "status"), "paused");
  assert.match(await text(page, "task-table"), /shell/);
  await page.close();
});

test("a line typed into the serial monitor reaches UART 0 and the shell answers", async () => {
  const page = await open();
  await chooseExample(page, "uart-shell");
  await runTo(page, 400);
  await page.fill("[data-testid=serial-input]", "help");
  await page.press("[data-testid=serial-input]", "Enter");
  await runTo(page, 500);
  const serial = await text(page, "serial-output");
  assert.equal(serial.split("help          this text").length - 1, 2, serial);
  assert.match(serial, /> help\nhelp {10}this text\ntasks {9}the task table \(vTaskList\)\nled on\|off {4}switch the LED\n> $/);
  await page.close();
});

test("a shared link reproduces the run: the same trace and the same timeline", async () => {
  const page = await open();
  await chooseExample(page, "blinky");
  await runTo(page, 1000);
  await page.locator("[data-testid=button]").dispatchEvent("pointerdown");
  await page.locator("[data-testid=button]").dispatchEvent("pointerup");
  await runTo(page, 1300);
  const trace = await downloadTrace(page);
  const timeline = await canvasPng(page);
  await page.click("[data-testid=share]");
  await page.waitForFunction(() => ((globalThis as unknown as PageGlobal).document.querySelector("[data-testid=share-url]")!.value ?? "").includes("#s="));
  const link = await page.locator("[data-testid=share-url]").inputValue();
  await page.close();

  const again = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1, acceptDownloads: true });
  await again.goto(link);
  await waitStatus(again, "paused", "stop at tick 1300");
  assert.equal(await text(again, "tick"), "1300");
  assert.ok((await downloadTrace(again)) === trace, "the reopened link's trace differs");
  assert.ok((await canvasPng(again)).equals(timeline), "the reopened link's timeline differs");
  assert.match(await text(again, "serial-output"), /presses 2/);
  await again.close();
});

/** Compares the canvas with a committed reference (a few differing pixels allowed). */
function compareScreenshot(name: string, png: Buffer): void {
  const file = join(screenshots, name);
  if (process.env.TINYRTOS_UPDATE_SCREENSHOTS === "1") {
    mkdirSync(screenshots, { recursive: true });
    writeFileSync(file, png);
  }
  assert.ok(existsSync(file), `no reference screenshot ${file}: run the test with TINYRTOS_UPDATE_SCREENSHOTS=1 and look at it before committing`);
  const expected = PNG.sync.read(readFileSync(file));
  const actual = PNG.sync.read(png);
  assert.deepEqual([actual.width, actual.height], [expected.width, expected.height], `${name}: size`);
  const diff = new PNG({ width: expected.width, height: expected.height });
  const differing = pixelmatch(expected.data, actual.data, diff.data, expected.width, expected.height, { threshold: 0.1 });
  if (differing > expected.width * expected.height * 0.002) {
    writeFileSync(file.replace(/\.png$/, ".actual.png"), png);
    writeFileSync(file.replace(/\.png$/, ".diff.png"), PNG.sync.write(diff));
    assert.fail(`${name}: ${differing} pixels differ from the reference (actual and diff written beside it)`);
  }
}

test("the timeline canvas matches the committed screenshots", async () => {
  const page = await open();
  await chooseExample(page, "uart-shell");
  await page.selectOption("[data-testid=zoom]", "500");
  await runTo(page, 300);
  await page.waitForTimeout(100); // one animation frame draws it
  compareScreenshot("uart-shell-300.png", await canvasPng(page));
  await chooseExample(page, "blinky");
  await page.selectOption("[data-testid=zoom]", "100");
  await runTo(page, 720);
  await page.waitForTimeout(100);
  compareScreenshot("blinky-720.png", await canvasPng(page));
  await page.close();
});

async function openShared(source: string, board: BoardName | null, stopAt: number | null = null): Promise<Page> {
  return open(await shareHash({ source, seed: 1, board, stopAt }));
}

test("a deadlock, a Go panic and a KernelAssertError are shown with the task or goroutine", async () => {
  let page = await openShared(`import { run, chan, go } from "tinyrtos/go";\nawait run(async () => {\n  const c = chan<number>();\n  go(async () => { await c.recv(); }, { name: "waiter" });\n  await c.recv();\n});\n`, null);
  await waitStatus(page, "failed");
  let errors = await text(page, "errors");
  assert.match(errors, /^Deadlock: DeadlockError: all goroutines are asleep - deadlock!/);
  assert.match(errors, /goroutine 2 "waiter" \(priority 1\) \[chan receive/);
  await page.close();

  page = await openShared(`import { run, chan, go, sleep } from "tinyrtos/go";\nawait run(async () => {\n  const c = chan<number>(1);\n  go(async () => { c.close(); c.close(); }, { name: "closer" });\n  await sleep(5);\n});\n`, null);
  await waitStatus(page, "failed");
  assert.match(await text(page, "errors"), /^Panic in "closer"(?: at tick [\d.]+)?: GoPanic: close of closed channel/);
  await page.close();

  page = await openShared(
    `import type { Board } from "tinyrtos/hal";\nexport async function main(board: Board) {\n  const rtos = board.rtos;\n  const q = rtos.xQueueCreate(1, 0)!;\n  await rtos.xTaskCreate(async () => {\n    await rtos.vTaskDelay(3);\n    rtos.vTaskSuspendAll();\n    await rtos.xQueueReceive(q, { value: 0 }, 10);\n  }, "locker", 256, null, 2);\n}\n`,
    "nrf52840",
    20,
  );
  await waitStatus(page, "paused", "fault");
  assert.match(await text(page, "errors"), /^Kernel assert in "locker" at tick 3: KernelAssertError: /);
  await page.close();
});

test("the trace the page downloads equals, byte for byte, the one Node makes from the same program and seed", async () => {
  const { runHeadless } = await loadSession();
  for (const [id, board, ticks, seed] of [["uart-shell", "stm32h743", 400, 7], ["blinky", "esp32c3", 1200, 2]] as const) {
    const inNode = await runHeadless({ source: example(id).source, seed, board, stopAtTick: ticks });
    const page = await open(await shareHash({ example: id, source: example(id).source, seed, board, stopAt: ticks }));
    await waitStatus(page, "paused", `stop at tick ${ticks}`);
    const inBrowser = await downloadTrace(page);
    assert.ok(inBrowser.length > 10_000, `${id}: a trace of ${inBrowser.length} bytes`);
    assert.ok(inBrowser === inNode.trace, `${id}: the browser's trace (${inBrowser.length} bytes) differs from Node's (${inNode.trace.length} bytes)`);
    await page.close();
  }
  // A script (the Go-style example: goroutines, select, timers) as well.
  const goNode = await runHeadless({ source: example("go-style").source, seed: 9, board: null });
  const page = await open(await shareHash({ source: example("go-style").source, seed: 9, board: null, stopAt: null }));
  await waitStatus(page, "finished");
  assert.ok((await downloadTrace(page)) === goNode.trace, "go-style: the browser's trace differs from Node's");
  await page.close();
});
