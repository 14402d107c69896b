/**
 * The live timeline on a canvas: one row per task (and one for interrupts), state segments
 * coloured by state, the current tick at the right edge. The canvas holds only bars and grid
 * lines (no text, so that screenshots do not depend on fonts); the row names are DOM elements
 * beside it.
 * @module
 */
import type { TimelineDelta } from "./protocol.js";

export const ROW_HEIGHT = 16;
/** Rows drawn at most (the 1024-coroutine experiment has more tasks than a page has room for). */
export const MAX_ROWS = 40;
/** Segments kept per row (3 numbers each); the oldest half goes beyond it. */
const MAX_ROW_SEGMENTS = 20_000;
export const STATE_COLOURS = ["#2e9d4a", "#e0b030", "#c65353", "#7d8fb3", "#999999", "#8a4fd0"];

export class TimelineStore {
  epoch = -1;
  rows: string[] = [];
  /** Per row: [start, end, state, start, end, state, ...]. */
  segs: number[][] = [];
  /** Per row: [start, state] of the open segment, or null. */
  open: ([number, number] | null)[] = [];
  now = 0;

  ingest(d: TimelineDelta): void {
    if (d.epoch !== this.epoch) {
      this.epoch = d.epoch;
      this.rows = [];
      this.segs = [];
      this.open = [];
    }
    for (const name of d.newRows) {
      this.rows.push(name);
      this.segs.push([]);
      this.open.push(null);
    }
    const s = d.segments;
    for (let i = 0; i < s.length; i += 4) {
      const row = this.segs[s[i]!];
      if (row === undefined) continue;
      if (row.length >= 3 * MAX_ROW_SEGMENTS) row.splice(0, 3 * (MAX_ROW_SEGMENTS / 2));
      row.push(s[i + 1]!, s[i + 2]!, s[i + 3]!);
    }
    this.open.fill(null);
    for (let i = 0; i < d.open.length; i += 3) this.open[d.open[i]!] = [d.open[i + 1]!, d.open[i + 2]!];
    this.now = d.now;
  }
}

/** Draws the window [now - spanTicks, now]. */
export function drawTimeline(canvas: HTMLCanvasElement, store: TimelineStore, spanTicks: number): void {
  const rows = Math.min(store.rows.length, MAX_ROWS);
  const width = canvas.width;
  const height = Math.max(1, rows) * ROW_HEIGHT + 4;
  if (canvas.height !== height) canvas.height = height;
  canvas.style.height = `${height}px`;
  const g = canvas.getContext("2d");
  if (g === null) return;
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, width, height);
  const end = Math.max(store.now, spanTicks);
  const start = end - spanTicks;
  const x = (t: number): number => ((t - start) / spanTicks) * (width - 2);
  // Grid: ten divisions, a line per division.
  g.fillStyle = "#eceef2";
  const step = spanTicks / 10;
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) g.fillRect(Math.round(x(t)), 0, 1, height);
  for (let r = 0; r < rows; r++) {
    const y = r * ROW_HEIGHT + 2;
    g.fillStyle = r % 2 === 0 ? "rgba(0,0,0,0.025)" : "rgba(0,0,0,0)";
    g.fillRect(0, y, width, ROW_HEIGHT);
    const bar = (s: number, e: number, state: number): void => {
      if (e < start || s > end) return;
      const x0 = x(Math.max(s, start));
      const x1 = x(Math.min(e, end));
      g.fillStyle = STATE_COLOURS[state] ?? "#000";
      const running = state === 0 || state === 5;
      const w = Math.max(running ? 1 : 0, Math.round(x1) - Math.round(x0));
      if (w <= 0) return;
      if (running) g.fillRect(Math.round(x0), y + 2, w, ROW_HEIGHT - 4);
      else g.fillRect(Math.round(x0), y + 5, w, ROW_HEIGHT - 10);
    };
    const segs = store.segs[r]!;
    // Segments of a row are in time order: walk back from the newest until they end before the window.
    for (let i = segs.length - 3; i >= 0; i -= 3) {
      if (segs[i + 1]! < start) break;
      bar(segs[i]!, segs[i + 1]!, segs[i + 2]!);
    }
    const open = store.open[r];
    if (open !== null && open !== undefined) bar(open[0], store.now, open[1]);
  }
  // The current tick.
  g.fillStyle = "#d0201a";
  g.fillRect(Math.min(width - 2, Math.round(x(store.now))), 0, 2, height);
}
