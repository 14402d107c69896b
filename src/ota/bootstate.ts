/**
 * The boot state and the stored security counter, as records of their logs (src/ota/records.ts).
 *
 * MCUboot's trailer fields (docs/design.md "Image trailer", "Image trailers") become records of
 * the state log, appended in this order by an update:
 *
 * | record | MCUboot | written by |
 * |---|---|---|
 * | PENDING { permanent, image hash } | secondary magic + image-ok (boot_set_pending) | the application (requestUpgrade) |
 * | START { swap type, units } | swap info (swap type) + swap size | the bootloader, before it moves anything |
 * | STEP { phases done } | the swap status bytes, one per step | the bootloader, after each step |
 * | DONE { swap type } | copy-done | the bootloader, after the last step |
 * | CONFIRM | primary image-ok (boot_set_confirmed) | the application (confirmImage) |
 * | CANCEL | (MCUboot erases a bad secondary's trailer) | the bootloader, when the pending image fails its checks |
 *
 * The state (`reduceState`): `pending` (an upgrade requested, with the SHA-256 prefix of the image
 * it was requested for: an image written into the secondary after the request does not match it),
 * `swap` (a swap in progress, its type, units and phases done), `testing` (the primary holds an
 * image swapped in for a test boot and not confirmed: the next boot reverts it).
 *
 * The security counter log holds COUNTER { value } records; the stored counter is the highest
 * valid one. It only rises: the bootloader raises it to a confirmed (or permanently installed)
 * primary image's counter, and confirmImage raises it after the CONFIRM record is written —
 * never before, so a revert never meets a counter above the image it reverts to.
 * @module
 */
import { RecordLog, type LogRecord } from "./records.js";
import type { BootLayout } from "./layout.js";

export const T_PENDING = 0x10;
export const T_CANCEL = 0x11;
export const T_START = 0x20;
export const T_STEP = 0x21;
export const T_DONE = 0x22;
export const T_CONFIRM = 0x30;
export const T_COUNTER = 0x40;

/** Log kinds (a byte in each unit's header). */
export const KIND_STATE = 0x53; // "S"
export const KIND_COUNTER = 0x43; // "C"

/** MCUboot's swap types (BOOT_SWAP_TYPE_TEST 2, PERM 3, REVERT 4) and overwrite-only's copy. */
export type SwapKind = "test" | "perm" | "revert" | "overwrite";
const KIND_CODES: Readonly<Record<SwapKind, number>> = { test: 2, perm: 3, revert: 4, overwrite: 5 };
const CODE_KINDS = new Map<number, SwapKind>(Object.entries(KIND_CODES).map(([k, v]) => [v, k as SwapKind]));

/** Bytes of the image hash a PENDING record keeps (a prefix of the image's SHA-256 TLV). */
export const PENDING_HASH_BYTES = 16;

/** The state the log holds. */
export interface BootLogState {
  pending: { permanent: boolean; hash: Uint8Array } | null;
  swap: { kind: SwapKind; units: number; done: number } | null;
  testing: boolean;
}

function body(n: number): Uint8Array {
  return new Uint8Array(n);
}

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

function withU32(b: Uint8Array, at: number, v: number): Uint8Array {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, true);
  return b;
}

export const rec = {
  pending(permanent: boolean, hash: Uint8Array): LogRecord {
    const b = body(1 + PENDING_HASH_BYTES);
    b[0] = permanent ? 1 : 0;
    b.set(hash.subarray(0, PENDING_HASH_BYTES), 1);
    return { type: T_PENDING, body: b };
  },
  cancel(): LogRecord {
    return { type: T_CANCEL, body: body(0) };
  },
  start(kind: SwapKind, units: number): LogRecord {
    const b = body(5);
    b[0] = KIND_CODES[kind];
    return { type: T_START, body: withU32(b, 1, units) };
  },
  step(done: number): LogRecord {
    return { type: T_STEP, body: withU32(body(4), 0, done) };
  },
  done(kind: SwapKind): LogRecord {
    const b = body(1);
    b[0] = KIND_CODES[kind];
    return { type: T_DONE, body: b };
  },
  confirm(): LogRecord {
    return { type: T_CONFIRM, body: body(0) };
  },
  counter(value: number): LogRecord {
    return { type: T_COUNTER, body: withU32(body(4), 0, value) };
  },
};

/** The state the records say, oldest first. Unknown or malformed records change nothing. */
export function reduceState(records: readonly LogRecord[]): BootLogState {
  const s: BootLogState = { pending: null, swap: null, testing: false };
  for (const r of records) {
    switch (r.type) {
      case T_PENDING:
        s.pending = { permanent: r.body[0] === 1, hash: r.body.slice(1, 1 + PENDING_HASH_BYTES) };
        break;
      case T_CANCEL:
        s.pending = null;
        break;
      case T_START: {
        const kind = CODE_KINDS.get(r.body[0]!);
        if (kind === undefined) break;
        s.swap = { kind, units: u32(r.body, 1), done: 0 };
        s.pending = null;
        break;
      }
      case T_STEP:
        if (s.swap !== null) s.swap.done = Math.max(s.swap.done, u32(r.body, 0));
        break;
      case T_DONE: {
        const kind = CODE_KINDS.get(r.body[0]!);
        if (kind === undefined) break;
        s.swap = null;
        s.testing = kind === "test";
        break;
      }
      case T_CONFIRM:
        s.testing = false;
        break;
    }
  }
  return s;
}

/** The fewest records for `state` (what a compaction writes). */
export function stateRecords(s: BootLogState): LogRecord[] {
  const out: LogRecord[] = [];
  if (s.testing) out.push(rec.done("test"));
  if (s.swap !== null) {
    out.push(rec.start(s.swap.kind, s.swap.units));
    if (s.swap.done > 0) out.push(rec.step(s.swap.done));
  }
  if (s.pending !== null) out.push(rec.pending(s.pending.permanent, s.pending.hash));
  return out;
}

/** The highest valid counter record, 0 when none. */
export function reduceCounter(records: readonly LogRecord[]): number {
  let max = 0;
  for (const r of records) if (r.type === T_COUNTER) max = Math.max(max, u32(r.body, 0));
  return max;
}

/** The two logs of a layout. */
export function stateLog(layout: BootLayout): RecordLog {
  return new RecordLog(layout.state, KIND_STATE, (records) => stateRecords(reduceState(records)));
}

export function counterLog(layout: BootLayout): RecordLog {
  return new RecordLog(layout.counter, KIND_COUNTER, (records) => [rec.counter(reduceCounter(records))]);
}
