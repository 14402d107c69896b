/**
 * The playground page: editor, controls, the board, serial monitor, timeline, task table, errors,
 * share links. The simulation runs in a Web Worker (worker.ts); this file only talks to it.
 * @module
 */
import { basicSetup, EditorView } from "codemirror";
import { javascript } from "@codemirror/lang-javascript";
import type { BoardName, Input, PageMessage, ProgramError, ProgramSpec, Speed, StateReport, WorkerMessage } from "./protocol.js";
import { decodeShare, encodeShare, type SharedRun } from "./share.js";
import { drawTimeline, MAX_ROWS, ROW_HEIGHT, TimelineStore } from "./timeline-view.js";

interface Example {
  id: string;
  title: string;
  board: BoardName | null;
  file: string;
  source: string;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const exampleSelect = $<HTMLSelectElement>("example");
const boardSelect = $<HTMLSelectElement>("board");
const seedInput = $<HTMLInputElement>("seed");
const speedSelect = $<HTMLSelectElement>("speed");
const stopAtInput = $<HTMLInputElement>("stop-at");
const statusEl = $("status");
const reasonEl = $("reason");
const tickEl = $("tick");
const ratioEl = $("ratio");
const errorsEl = $("errors");
const consoleEl = $("console");
const serialEl = $("serial-output");
const ledEl = $("led");
const buttonEl = $<HTMLButtonElement>("button");
const buttonLevelEl = $("button-level");
const boardNameEl = $("board-name");
const labelsEl = $("timeline-labels");
const canvas = $<HTMLCanvasElement>("timeline");
const zoomSelect = $<HTMLSelectElement>("zoom");
const windowEl = $("timeline-window");
const tasksBody = $<HTMLTableElement>("tasks").tBodies[0]!;
const shareUrlEl = $<HTMLInputElement>("share-url");

let examples: Example[] = [];
let editor: EditorView;
let worker: Worker | null = null;
let loadedKey = "";
let last: StateReport | null = null;
let inputs: Input[] = [];
const store = new TimelineStore();
let dirty = false;
let traceId = 0;
const traceWaiters = new Map<number, (json: string) => void>();
let stateWaiters: ((s: StateReport) => void)[] = [];

// ───────────────────────────── the worker ─────────────────────────────

function currentSpec(extra: { stopAtTick?: number | null; inputs?: readonly Input[] } = {}): ProgramSpec {
  const stop = stopAtInput.value.trim();
  return {
    source: editor.state.doc.toString(),
    seed: Math.max(0, Math.floor(Number(seedInput.value) || 0)),
    board: (boardSelect.value || null) as BoardName | null,
    stopAtTick: extra.stopAtTick !== undefined ? extra.stopAtTick : stop === "" ? null : Math.max(1, Math.floor(Number(stop))),
    inputs: extra.inputs ?? [],
  };
}

const keyOf = (spec: ProgramSpec): string => JSON.stringify([spec.source, spec.seed, spec.board]);

function send(message: PageMessage): void {
  worker?.postMessage(message);
}

/** A new worker running `spec`, paused before its first tick (Reset; also ends a program stuck in a loop). */
function load(spec: ProgramSpec): void {
  worker?.terminate();
  worker = new Worker("worker.js", { type: "module" });
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => onMessage(event.data);
  worker.onerror = (event) => showErrors([{ kind: "error", name: "worker", message: event.message || "the simulation worker failed to start", task: null, tick: null }], true);
  loadedKey = keyOf(spec);
  last = null;
  inputs = [];
  serialEl.textContent = "";
  consoleEl.textContent = "";
  errorsEl.textContent = "";
  errorsEl.hidden = true;
  store.epoch = -1;
  store.ingest({ epoch: -2, newRows: [], segments: [], open: [], now: 0 });
  tasksBody.textContent = "";
  boardNameEl.textContent = spec.board ?? "no board: the program makes its own kernels";
  statusEl.textContent = "loading";
  reasonEl.textContent = "";
  send({ type: "load", spec, speed: speedSelect.value as Speed });
  dirty = true;
}

function ensureLoaded(): void {
  const spec = currentSpec();
  if (worker === null || keyOf(spec) !== loadedKey || last === null || last.status === "finished" || last.status === "failed") load(spec);
}

function onMessage(m: WorkerMessage): void {
  if (m.type === "ready") return;
  if (m.type === "trace") {
    traceWaiters.get(m.id)?.(m.json);
    traceWaiters.delete(m.id);
    return;
  }
  last = m;
  statusEl.textContent = m.status;
  reasonEl.textContent = m.reason;
  tickEl.textContent = String(m.tick);
  ratioEl.textContent = m.wallMs > 0 ? `${(m.simMs / m.wallMs).toFixed(1)}× real time` : "";
  if (m.uart !== "") appendSerial(m.uart);
  for (const line of m.console) {
    const span = document.createElement("span");
    if (line.stream === "err") span.className = "err";
    span.textContent = line.text + "\n";
    consoleEl.append(span);
    consoleEl.scrollTop = consoleEl.scrollHeight;
  }
  if (m.errors.length > 0) showErrors(m.errors, false);
  inputs.push(...m.inputs);
  for (const p of m.pins) {
    if (p.name === "LED") ledEl.dataset.on = String(p.level);
    if (p.name === "BUTTON") buttonLevelEl.textContent = `BUTTON pin ${p.level ? "high" : "low"}`;
  }
  if (m.pins.length === 0) {
    ledEl.dataset.on = "false";
    buttonLevelEl.textContent = "";
  }
  renderTasks(m);
  store.ingest(m.timeline);
  dirty = true;
  if (document.body.dataset.ready !== "true") {
    // Interactive: the editor holds the program and the worker has reported (bench: playground.load_ms).
    (window as unknown as { tinyrtosReadyMs: number }).tinyrtosReadyMs = performance.now();
    document.body.dataset.ready = "true";
  }
  const waiters = stateWaiters;
  stateWaiters = [];
  for (const w of waiters) w(m);
}

/** Serial text as a terminal shows it: CR LF as one line break, backspace erases, BEL ignored. */
function appendSerial(text: string): void {
  let s = serialEl.textContent ?? "";
  for (const ch of text.replace(/\r\n/g, "\n")) {
    if (ch === "\b") s = s.slice(0, -1);
    else if (ch === "\r" || ch === "\x07") continue;
    else s += ch;
  }
  serialEl.textContent = s.length > 100_000 ? s.slice(-100_000) : s;
  serialEl.scrollTop = serialEl.scrollHeight;
}

function describe(e: ProgramError): string {
  const where = (e.task !== null ? ` in ${e.task.startsWith("ISR ") ? e.task : `"${e.task}"`}` : "") + (e.tick !== null ? ` at tick ${Math.round(e.tick * 1000) / 1000}` : "");
  return `${e.kind === "deadlock" ? "Deadlock" : e.kind === "panic" ? "Panic" : e.kind === "assert" ? "Kernel assert" : e.kind === "compile" ? "Compile error" : "Error"}${where}: ${e.name}: ${e.message}`;
}

function showErrors(errors: readonly ProgramError[], replace: boolean): void {
  if (replace) errorsEl.textContent = "";
  for (const e of errors) {
    const div = document.createElement("div");
    div.dataset.kind = e.kind;
    div.textContent = describe(e);
    errorsEl.append(div);
  }
  errorsEl.hidden = errorsEl.childElementCount === 0;
}

function renderTasks(m: StateReport): void {
  const rows = m.tasks.slice(0, 200);
  const html: string[] = [];
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  for (const t of rows)
    html.push(`<tr data-task="${esc(t.name)}"><td>${esc(t.name)}</td><td>${t.state}</td><td>${t.priority}</td><td>${t.stackHighWater}</td><td>${t.number}</td><td>${t.cpuPct >= 1 || t.cpuPct === 0 ? t.cpuPct.toFixed(0) : "<1"}%</td></tr>`);
  if (m.tasks.length > rows.length) html.push(`<tr><td colspan="6">… ${m.tasks.length - rows.length} more tasks</td></tr>`);
  tasksBody.innerHTML = html.join("");
}

function frame(): void {
  if (dirty) {
    dirty = false;
    const span = Number(zoomSelect.value);
    drawTimeline(canvas, store, span);
    const names = store.rows.slice(0, MAX_ROWS);
    if (labelsEl.childElementCount !== names.length || [...labelsEl.children].some((c, i) => c.textContent !== names[i])) {
      labelsEl.textContent = "";
      for (const n of names) {
        const d = document.createElement("div");
        d.textContent = n;
        d.title = n;
        labelsEl.append(d);
      }
    }
    labelsEl.style.height = `${Math.max(1, names.length) * ROW_HEIGHT + 4}px`;
    const end = Math.max(store.now, span);
    windowEl.textContent = `ticks ${fmt(end - span)}–${fmt(end)}${store.rows.length > MAX_ROWS ? ` (first ${MAX_ROWS} of ${store.rows.length} rows)` : ""}`;
  }
  requestAnimationFrame(frame);
}
const fmt = (t: number): string => String(Math.round(t * 100) / 100);

// ───────────────────────────── controls ─────────────────────────────

$("run").onclick = () => {
  ensureLoaded();
  send({ type: "run" });
};
$("pause").onclick = () => send({ type: "pause" });
$("step").onclick = () => {
  ensureLoaded();
  send({ type: "step", ticks: 1 });
};
$("reset").onclick = () => load(currentSpec());
speedSelect.onchange = () => send({ type: "speed", speed: speedSelect.value as Speed });
stopAtInput.onchange = () => send({ type: "stopAt", tick: currentSpec().stopAtTick ?? null });
zoomSelect.onchange = () => (dirty = true);
exampleSelect.onchange = () => {
  const e = examples.find((x) => x.id === exampleSelect.value);
  if (e === undefined) return;
  setSource(e.source);
  boardSelect.value = e.board ?? "";
  load(currentSpec());
};
boardSelect.onchange = () => load(currentSpec());
seedInput.onchange = () => load(currentSpec());

let pressed = false;
buttonEl.onpointerdown = (event) => {
  event.preventDefault();
  pressed = true;
  buttonEl.classList.add("pressed");
  send({ type: "button", down: true });
};
const release = (): void => {
  if (!pressed) return;
  pressed = false;
  buttonEl.classList.remove("pressed");
  send({ type: "button", down: false });
};
buttonEl.onpointerup = release;
buttonEl.onpointerleave = release;

$<HTMLFormElement>("serial-form").onsubmit = (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>("serial-input");
  send({ type: "serial", text: input.value + "\r" });
  input.value = "";
};

function nextState(): Promise<StateReport> {
  return new Promise((r) => stateWaiters.push(r));
}

$("share").onclick = async () => {
  if (last !== null && last.status === "running") {
    send({ type: "pause" });
    while ((await nextState()).status === "running");
  }
  const spec = currentSpec();
  const scriptDone = spec.board === null && last !== null && (last.status === "finished" || last.status === "failed");
  const run: SharedRun = {
    v: 1,
    example: examples.find((e) => e.source === spec.source)?.id ?? null,
    source: spec.source,
    seed: spec.seed,
    board: spec.board,
    stopAt: scriptDone || last === null || last.tick === 0 ? (spec.stopAtTick ?? null) : last.tick,
    inputs,
  };
  const hash = await encodeShare(run);
  history.replaceState(null, "", `#${hash}`);
  shareUrlEl.value = location.href;
  shareUrlEl.select();
};

$("download").onclick = async () => {
  if (worker === null) return;
  const id = ++traceId;
  const json = await new Promise<string>((r) => {
    traceWaiters.set(id, r);
    send({ type: "trace", id });
  });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([json], { type: "application/json" }));
  a.download = `tinyrtos-trace-seed${seedInput.value}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
};

function setSource(text: string): void {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
}

// ───────────────────────────── start ─────────────────────────────

async function start(): Promise<void> {
  examples = (await (await fetch("examples.json")).json()) as Example[];
  for (const e of examples) exampleSelect.add(new Option(e.title, e.id));
  editor = new EditorView({ doc: "", extensions: [basicSetup, javascript({ typescript: true })], parent: $("editor") });
  (window as unknown as { tinyrtosPlayground: unknown }).tinyrtosPlayground = {
    getSource: () => editor.state.doc.toString(),
    setSource,
    last: () => last,
    inputs: () => inputs,
  };
  requestAnimationFrame(frame);
  let shared: SharedRun | null = null;
  try {
    shared = await decodeShare(location.hash);
  } catch (e) {
    showErrors([{ kind: "error", name: "share link", message: e instanceof Error ? e.message : String(e), task: null, tick: null }], true);
  }
  if (shared !== null) {
    exampleSelect.value = shared.example ?? examples[0]!.id;
    setSource(shared.source);
    seedInput.value = String(shared.seed);
    boardSelect.value = shared.board ?? "";
    stopAtInput.value = shared.stopAt === null ? "" : String(shared.stopAt);
    load(currentSpec({ inputs: shared.inputs }));
    send({ type: "run" }); // a link reproduces its run
    return;
  }
  const first = examples.find((e) => e.id === "blinky") ?? examples[0]!;
  exampleSelect.value = first.id;
  setSource(first.source);
  boardSelect.value = first.board ?? "";
  load(currentSpec());
}

void start();
