/**
 * The browser playground's figures (needs the built playground and Debian's chromium, as its tests):
 *
 * - `playground.sim.speed`: simulated seconds per wall second of the UART shell example in the page
 *   in headless Chromium (its Web Worker, tracing and timeline on, reports to the page every
 *   50 ms), while a command arrives on UART 0 every 10 ticks (every 16th `help`); measured from
 *   Run to the pause at the stop tick, 10 simulated seconds.
 * - `playground.sim.speed.node`: the same program, inputs and ticks through the same session code
 *   (dist/playground/session.js) in Node, timed the same way (Run to the pause).
 * Both trace every kernel event (recordPerfetto and the timeline): a UART byte is an interrupt and
 * several trace events, so these run several times slower than `hal.sim.speed.uart_shell`, which
 * runs the shell with no recorder.
 * - `playground.load_ms`: from navigation start to interactive (the editor holds the example and
 *   the worker has reported its state), median of 5 loads with an empty cache.
 * - `playground.bundle.kb`: bytes the page loads (HTML, CSS, app.js, examples.json, worker.js,
 *   session.js; the server does not compress), and `playground.bundle.gzip_kb` gzipped.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { example, loadSession, playgroundDir, requireChromium, shareHash, startServer, stopServer, type Input, type ProgramSpec } from "../test/playground/helpers.js";
import { median, round, type Benchmark, type Figure } from "./harness.js";

const SIM_TICKS = 10_000;

/** A command every 10 ticks from tick 10 (every 16th is help, ~110 bytes of answer). */
function commands(): Input[] {
  const out: Input[] = [];
  for (let n = 0, t = 10; t < SIM_TICKS; t += 10, n++) out.push({ tick: t, kind: "uart", text: n % 16 === 15 ? "help\r" : n % 2 === 0 ? "led on\r" : "led off\r" });
  return out;
}

async function playground(): Promise<Figure[]> {
  const executablePath = requireChromium();
  const figures: Figure[] = [];
  const source = example("uart-shell").source;
  const inputs = commands();

  // Node: the same session code, as fast as possible, timed as in the page: from Run to the pause.
  const { Session } = (await loadSession()) as unknown as {
    Session: new (o: { post: (m: { type: string; status?: string; reason?: string; tick?: number }) => void }) => { load(spec: ProgramSpec): void; run(): void; dispose(): void };
  };
  const nodeSpeed = await median(3, 1, async () => {
    let reason = "";
    let wake: () => void = () => {};
    const session = new Session({
      post: (m) => {
        if (m.type !== "state") return;
        reason = m.reason ?? "";
        wake();
      },
    });
    const until = async (want: string): Promise<void> => {
      while (reason !== want) await new Promise<void>((r) => (wake = r));
    };
    session.load({ source, seed: 1, board: "stm32h743", stopAtTick: SIM_TICKS, inputs });
    await until("ready: press Run");
    const t0 = performance.now();
    session.run();
    await until(`stop at tick ${SIM_TICKS}`);
    const wallS = (performance.now() - t0) / 1000;
    session.dispose();
    return SIM_TICKS / 1000 / wallS;
  });

  const server = await startServer();
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const browserSpeed = await median(3, 1, async () => {
      const page = await browser.newPage();
      // Loaded paused at tick 1, then run to SIM_TICKS + 1: the timing starts at Run.
      await page.goto(server.url + "#" + (await shareHash({ source, seed: 1, board: "stm32h743", stopAt: 1, inputs })));
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector("[data-testid=reason]").textContent === "stop at tick 1", null, { timeout: 60_000 });
      await page.fill("[data-testid=stop-at]", String(SIM_TICKS + 1));
      await page.locator("[data-testid=stop-at]").dispatchEvent("change");
      const t0 = performance.now();
      await page.click("[data-testid=run]");
      await page.waitForFunction((t) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector("[data-testid=reason]").textContent === `stop at tick ${t}`, SIM_TICKS + 1, { timeout: 300_000, polling: 5 });
      const wallS = (performance.now() - t0) / 1000;
      await page.close();
      return SIM_TICKS / 1000 / wallS;
    });
    const loadMs = await median(5, 1, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
      const ms = (await page.evaluate(() => (globalThis as unknown as { tinyrtosReadyMs: number }).tinyrtosReadyMs)) as number;
      await context.close();
      return ms;
    });
    figures.push({ name: "playground.sim.speed", value: round(browserSpeed), unit: "sim s/wall s" });
    figures.push({ name: "playground.sim.speed.node", value: round(nodeSpeed), unit: "sim s/wall s" });
    figures.push({ name: "playground.load_ms", value: round(loadMs), unit: "ms" });
  } finally {
    await browser.close();
    await stopServer(server.child);
  }
  const files = readdirSync(playgroundDir).map((f) => readFileSync(join(playgroundDir, f)));
  const bytes = files.reduce((n, b) => n + b.length, 0);
  const gz = files.reduce((n, b) => n + gzipSync(b).length, 0);
  figures.push({ name: "playground.bundle.kb", value: round(bytes / 1024), unit: "KiB" });
  figures.push({ name: "playground.bundle.gzip_kb", value: round(gz / 1024), unit: "KiB" });
  return figures;
}

export const benchmarks: Record<string, Benchmark> = { playground };
