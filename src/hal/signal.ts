/**
 * Signals: the digital lines a logic analyser (the VCD recorder in tinyrtos/trace) can record —
 * every pin, and each serial bus's lines (`uart0.tx`, later `spi0.sck`, `i2c0.sda`, ...).
 *
 * A peripheral keeps a log of what went on its wire (bytes with their board times) and turns it
 * into edges only when asked, so the hot path pays nothing for a recorder nobody attached. Board
 * times are ticks (fractions allowed), as everywhere in the hal.
 * @module
 */

/** One level change of a line at a board time. */
export interface SignalEdge {
  readonly tick: number;
  readonly level: boolean;
}

/** A line's level at the start of a window and its edges inside it, in time order. */
export interface SignalTrace {
  readonly initial: boolean;
  readonly edges: readonly SignalEdge[];
}

/** A recordable line. `trace(from, to)`: its level at board time `from` and its edges in (from, to]. */
export interface SignalSource {
  readonly name: string;
  trace(fromTick: number, toTick: number): SignalTrace;
}

/** A trace from a complete edge history (oldest first) and the level before the first edge. */
export function traceFromEdges(history: readonly SignalEdge[], levelBefore: boolean, fromTick: number, toTick: number): SignalTrace {
  let initial = levelBefore;
  const edges: SignalEdge[] = [];
  for (const e of history) {
    if (e.tick <= fromTick) initial = e.level;
    else if (e.tick <= toTick) edges.push(e);
    else break;
  }
  return { initial, edges };
}

/**
 * The edges of one 8N1 UART frame ending (stop bit end) at `endTick` and lasting `byteTicks`:
 * start bit low, eight data bits LSB first, stop bit high; the line idles high. Appends only
 * changes of level, given the level the line had before the frame.
 */
export function uartFrameEdges(out: SignalEdge[], byte: number, endTick: number, byteTicks: number, levelBefore: boolean): boolean {
  const bit = byteTicks / 10;
  const start = endTick - byteTicks;
  let level = levelBefore;
  for (let i = 0; i < 10; i++) {
    const want = i === 0 ? false : i === 9 ? true : ((byte >> (i - 1)) & 1) === 1;
    if (want !== level) {
      out.push({ tick: start + i * bit, level: want });
      level = want;
    }
  }
  return level;
}

/** A UART line (idle high) from its byte log: entries `{ tick (stop bit end), byte, byteTicks }`, oldest first. */
export function uartSignal(name: string, log: readonly { readonly tick: number; readonly byte: number; readonly byteTicks: number }[]): SignalSource {
  return {
    name,
    trace(fromTick: number, toTick: number): SignalTrace {
      const edges: SignalEdge[] = [];
      let level = true;
      for (const e of log) {
        if (e.tick - e.byteTicks >= toTick) break;
        if (e.tick <= fromTick) continue; // the line is high again at the end of a frame
        uartFrameEdges(edges, e.byte, e.tick, e.byteTicks, level);
        level = true;
      }
      // A frame straddling `fromTick`: its edges before the window set the initial level.
      let initial = true;
      let i = 0;
      while (i < edges.length && edges[i]!.tick <= fromTick) initial = edges[i++]!.level;
      let j = edges.length;
      while (j > i && edges[j - 1]!.tick > toTick) j--;
      return { initial, edges: edges.slice(i, j) };
    },
  };
}
