/**
 * recordVCD: a logic analyser on a board's lines. It records the requested signals (pins by name
 * or alias, bus lines such as `uart0.tx`) from the moment it is created and writes them as a Value
 * Change Dump (IEEE 1364 §18), which GTKWave and PulseView open and `sigrok-cli -I vcd` decodes.
 *
 * Format (fixed by API.md): `$timescale 1 ns $end`; one flat `$scope module <board name> $end`;
 * one `$var wire 1 <id> <signal name exactly as requested> $end` per signal, in the order asked;
 * `#0` with every signal's value in a `$dumpvars` block; then `#<ns>` blocks in time order with
 * the changes at that time; last, `#<end ns>` marking the end of the recording (so a viewer shows
 * the whole window and a decoder sees the line after the last edge). No `$date`, no `$version`:
 * the text depends only on the board's signals, so the same program and seed give the same bytes.
 *
 * Time: `#0` is the board time at which recordVCD was called; a board time `t` ticks is written
 * as `round((t − start) × 1e9 / configTICK_RATE_HZ)` ns (the board kernel's tick rate). Rounding
 * to whole nanoseconds is exact enough for any bus the hal models (a 10 MHz SPI bit is 100 ns);
 * it is monotonic, so each line's edges keep their order. Several edges of one line that round to
 * the same nanosecond become one change to the level after the last of them, and a pulse that
 * rounds to zero width (the line back at its previous level) is dropped: a VCD cannot show it and
 * a logic analyser sampling at 1 GHz would not see it either. Edges that round to 0 ns set the
 * `#0` value. Changes at one time are listed in the order the signals were requested.
 *
 * The signals are read lazily: text() asks each line for its edges over the window, so recording
 * costs nothing while the board runs. A UART frame is on the line only once its stop bit has ended
 * (the UART logs whole bytes), so a frame still in flight at the end of the window is not shown.
 * @module
 */
import { HalError } from "../hal/errors.js";
import type { SignalSource } from "../hal/signal.js";

/** What recordVCD needs of a board: a `createBoard()` board has all of it. */
export interface VCDBoard {
  readonly info: { readonly name: string };
  readonly rtos: { readonly kernel: { readonly config: { readonly configTICK_RATE_HZ: number } } };
  /** Board time in ticks (fractions allowed). */
  now(): number;
  /** A recordable line by name; unknown names throw the board's HalError. */
  signal(name: string): SignalSource;
}

/** Options of {@link recordVCD}. */
export interface VCDOptions {
  /**
   * Most value changes written after `#0` (default 1,000,000). When the window holds more, the
   * dump ends before the first timestamp that would go past the limit (a timestamp is never cut
   * in half), `truncated` is true, and a `$comment` line at the top of the VCD says so and where
   * it ends.
   */
  maxChanges?: number;
}

/** What {@link recordVCD} returns. */
export interface VCDRecorder {
  /** The recording from creation to now (or to stop()) as VCD text. */
  text(): string;
  /** Freezes the end of the recording at the current board time; later calls do nothing. */
  stop(): void;
  /** Value changes (after `#0`) the VCD of the current window holds, at most `maxChanges`. */
  readonly changeCount: number;
  /** True when the current window holds more than `maxChanges` changes and the VCD is cut short. */
  readonly truncated: boolean;
}

/** Default of VCDOptions.maxChanges. */
export const DEFAULT_MAX_CHANGES = 1_000_000;

/** One value change as written: time in ns, the signal's index, its new level. */
interface Change {
  ns: number;
  sig: number;
  level: boolean;
}

interface Dump {
  initial: boolean[];
  changes: Change[];
  endNs: number;
  truncated: boolean;
}

/**
 * VCD identifier codes: printable ASCII `!` (33) to `~` (126), shortest first, so signal 0 is
 * `!`, signal 93 is `~`, signal 94 is `!!`.
 */
export function vcdId(index: number): string {
  let id = "";
  let n = index;
  do {
    id = String.fromCharCode(33 + (n % 94)) + id;
    n = Math.floor(n / 94) - 1;
  } while (n >= 0);
  return id;
}

/**
 * Starts recording `signals` of `board` at the current board time. Each name is resolved at once
 * with `board.signal(name)`, so an unknown name throws the board's HalError here.
 *
 * @example
 * ```ts
 * const vcd = recordVCD(board, ["LED", "uart0.tx"]);
 * await board.run(100);
 * const text = vcd.text(); // save as .vcd; open it in PulseView or GTKWave
 * ```
 */
export function recordVCD(board: VCDBoard, signals: readonly string[], options: VCDOptions = {}): VCDRecorder {
  const boardName = board?.info?.name ?? null;
  if (boardName === null || typeof board.signal !== "function" || typeof board.now !== "function")
    throw new HalError(null, "recordVCD", "expects a board from createBoard as its first argument");
  if (!Array.isArray(signals) || signals.length === 0)
    throw new HalError(boardName, "recordVCD", "expects a non-empty array of signal names, e.g. [\"LED\", \"uart0.tx\"]");
  if (options === null || typeof options !== "object") throw new HalError(boardName, "recordVCD", "options must be an object { maxChanges? }");
  const maxChanges = options.maxChanges ?? DEFAULT_MAX_CHANGES;
  if (typeof maxChanges !== "number" || !Number.isInteger(maxChanges) || maxChanges < 0)
    throw new HalError(boardName, "recordVCD", `maxChanges must be a non-negative integer, got ${String(maxChanges)}`);
  const seen = new Set<string>();
  for (const name of signals) {
    if (typeof name !== "string" || /\s/.test(name) || name === "")
      throw new HalError(boardName, "recordVCD", `signal names are non-empty strings without spaces, got ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new HalError(boardName, "recordVCD", `signal "${name}" is requested twice; each name may appear once`);
    seen.add(name);
  }
  // Resolve every name before keeping anything: a bad one throws and nothing is recorded.
  const sources = signals.map((name) => board.signal(name));
  const names = [...signals];
  const hz = board.rtos.kernel.config.configTICK_RATE_HZ;
  const nsPerTick = 1e9 / hz;
  const startTick = board.now();
  let stoppedAt: number | null = null;

  const toNs = (tick: number): number => Math.round((tick - startTick) * nsPerTick);

  function dump(endTick: number): Dump {
    const initial: boolean[] = [];
    const all: Change[] = [];
    sources.forEach((src, sig) => {
      const tr = src.trace(startTick, endTick);
      let level = tr.initial;
      // Collapse this line's edges to one level per nanosecond (the last edge there wins).
      const mine: Change[] = [];
      let atZero = level;
      for (const e of tr.edges) {
        const ns = toNs(e.tick);
        if (ns <= 0) {
          atZero = e.level;
          continue;
        }
        const last = mine[mine.length - 1];
        if (last !== undefined && last.ns === ns) last.level = e.level;
        else mine.push({ ns, sig, level: e.level });
      }
      initial.push(atZero);
      level = atZero;
      for (const c of mine) {
        if (c.level === level) continue; // merged back to the level before: a zero-width glitch
        level = c.level;
        all.push(c);
      }
    });
    // Time order; Array.prototype.sort is stable, and `all` is in signal order within each line.
    all.sort((a, b) => a.ns - b.ns || a.sig - b.sig);
    let endNs = Math.max(0, toNs(endTick));
    let truncated = false;
    if (all.length > maxChanges) {
      // Cut before the timestamp holding the first change past the limit.
      const cutNs = all[maxChanges]!.ns;
      let keep = maxChanges;
      while (keep > 0 && all[keep - 1]!.ns === cutNs) keep--;
      all.length = keep;
      endNs = cutNs;
      truncated = true;
    }
    return { initial, changes: all, endNs, truncated };
  }

  const endTick = (): number => stoppedAt ?? board.now();

  return {
    text(): string {
      const d = dump(endTick());
      const ids = names.map((_, i) => vcdId(i));
      const out: string[] = [];
      if (d.truncated) out.push(`$comment truncated: more than ${maxChanges} value changes; the dump ends at #${d.endNs} $end`);
      out.push("$timescale 1 ns $end", `$scope module ${boardName} $end`);
      names.forEach((name, i) => out.push(`$var wire 1 ${ids[i]!} ${name} $end`));
      out.push("$upscope $end", "$enddefinitions $end", "#0", "$dumpvars");
      d.initial.forEach((v, i) => out.push(`${v ? "1" : "0"}${ids[i]!}`));
      out.push("$end");
      let t = 0;
      for (const c of d.changes) {
        if (c.ns !== t) {
          out.push(`#${c.ns}`);
          t = c.ns;
        }
        out.push(`${c.level ? "1" : "0"}${ids[c.sig]!}`);
      }
      if (d.endNs > t) out.push(`#${d.endNs}`);
      return out.join("\n") + "\n";
    },
    stop(): void {
      if (stoppedAt === null) stoppedAt = board.now();
    },
    get changeCount(): number {
      return dump(endTick()).changes.length;
    },
    get truncated(): boolean {
      return dump(endTick()).truncated;
    },
  };
}
