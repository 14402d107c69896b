/**
 * Shared by the playground's tests and its benchmark: the built playground (dist/playground, made by
 * `npm run build`), its session module loaded in Node (the same file the page's worker imports),
 * its examples, the `tinyrtos playground` server as a child process, and headless Chromium.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository (this file runs as dist/test/playground/helpers.js). */
export const repo = fileURLToPath(new URL("../../../", import.meta.url));
export const playgroundDir = join(repo, "dist", "playground");
export const cli = join(repo, "dist", "src", "cli", "main.js");

export type BoardName = "nrf52840" | "stm32h743" | "esp32c3";
export type Input = { tick: number; kind: "button"; down: boolean } | { tick: number; kind: "uart"; text: string };

export interface ProgramSpec {
  source: string;
  seed: number;
  board: BoardName | null;
  stopAtTick?: number | null;
  inputs?: readonly Input[];
}

export interface ProgramError {
  kind: string;
  name: string;
  message: string;
  task: string | null;
  tick: number | null;
}

export interface HeadlessResult {
  trace: string;
  status: string;
  tick: number;
  uart: string;
  console: string;
  errors: readonly ProgramError[];
  wallMs: number;
  simMs: number;
}

export interface SessionModule {
  runHeadless(spec: ProgramSpec): Promise<HeadlessResult>;
  MIN_PRESS_TICKS: number;
}

export interface Example {
  id: string;
  title: string;
  board: BoardName | null;
  file: string;
  source: string;
}

function needBuild(): void {
  if (!existsSync(join(playgroundDir, "session.js"))) throw new Error(`the playground is not built (${playgroundDir}/session.js is missing): run npm run build`);
}

/** dist/playground/session.js, imported in Node. */
export async function loadSession(): Promise<SessionModule> {
  needBuild();
  return (await import(pathToFileURL(join(playgroundDir, "session.js")).href)) as SessionModule;
}

/** The examples menu as the build generated it. */
export function examples(): Example[] {
  needBuild();
  return JSON.parse(readFileSync(join(playgroundDir, "examples.json"), "utf8")) as Example[];
}

export function example(id: string): Example {
  const e = examples().find((x) => x.id === id);
  if (e === undefined) throw new Error(`no example ${id}`);
  return e;
}

/** `tinyrtos playground --port 0` as a child process, with the URL it printed. */
export async function startServer(extraArgs: string[] = []): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  needBuild();
  const child = spawn(process.execPath, [cli, "playground", "--port", "0", ...extraArgs], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tinyrtos playground printed no URL within 10 s:\n${out}`)), 10_000);
    const check = (): void => {
      const m = /http:\/\/[^\s]+\//.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`tinyrtos playground exited (${code}) before printing its URL:\n${out}`));
    });
  });
  return { url, child, output: () => out };
}

/** Stops a server child with SIGINT (Ctrl-C) and resolves with its exit code. */
export function stopServer(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGINT");
  });
}

/** Where Debian's chromium is (CHROMIUM_PATH overrides); .ci/run installs it. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Throws, saying what to install, when Chromium is missing: the browser tests never skip silently. */
export function requireChromium(): string {
  if (!existsSync(chromiumPath))
    throw new Error(`Chromium not found at ${chromiumPath}: the playground's browser tests need it (apt-get install -y chromium, as .ci/run does; or set CHROMIUM_PATH)`);
  return chromiumPath;
}

/** A share link's hash for a run (the page's own encoding: deflate-raw + base64url of the JSON). */
export async function shareHash(run: { example?: string | null; source: string; seed: number; board: BoardName | null; stopAt: number | null; inputs?: readonly Input[] }): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, example: run.example ?? null, source: run.source, seed: run.seed, board: run.board, stopAt: run.stopAt, inputs: run.inputs ?? [] }));
  const stream = new Blob([json]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = Buffer.from(await new Response(stream).arrayBuffer());
  return "s=" + bytes.toString("base64url");
}
