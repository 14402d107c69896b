/**
 * Power-cut-safe logs of 32-byte records in two erase units: the boot-state log (MCUboot's
 * trailer fields: pending request, swap type, per-step swap status, copy-done, image-ok) and the
 * security counter log. Each log is read whole at every boot; the state it holds is what its
 * records say, oldest first.
 *
 * A record (32 bytes, one H743 flash word, written by one program call):
 *
 * | byte | what |
 * |---|---|
 * | 0 | type (never 0xFF) |
 * | 1..26 | body |
 * | 27..30 | CRC-32 (IEEE) of bytes 0..26, little-endian |
 * | 31 | commit byte 0x5A |
 *
 * Torn writes. A program cut part-way leaves a prefix of its bytes (src/hal/flash.ts): the commit
 * byte, last, is then still 0xFF, so a partial record is never valid; its first byte (the type)
 * is programmed, so it never looks erased either: it is skipped as garbage and the next record
 * goes after it (never over it: a write unit is not programmed twice between erases). A slot that
 * is neither erased nor a valid record (garbage from a torn program or a half-erased unit) is
 * skipped; the CRC makes random old bits pass as a record with odds of 2^-32. A program the flash
 * refuses (a word already written since its erase, which a torn write can leave looking erased on
 * other flashes) falls back to compaction.
 *
 * Half-erased units. Slot 0 of each unit is its header: a record of type HEADER holding the
 * log's kind and an epoch. Compaction (when the active unit is full) erases the other unit,
 * writes the log's current state as a few records from slot 1, and writes the header **last**,
 * with the epoch one above the active one's. A unit counts only with a valid header; of two, the
 * higher epoch wins. So a compaction cut anywhere (erase torn: no header; records torn: no header;
 * header torn: invalid) leaves the old unit in charge, and the unit being erased is never the one
 * in charge. The target is always erased before it is written, whatever it looked like.
 * @module
 */
import type { FlashArea } from "./layout.js";
import { HalError } from "../hal/index.js";

export const RECORD_SIZE = 32;
export const BODY_BYTES = 26;
const CRC_AT = 27;
const COMMIT_AT = 31;
export const COMMIT_BYTE = 0x5a;
/** Record type of a unit's header (slot 0). */
export const T_HEADER = 0x48;

/** A decoded record. */
export interface LogRecord {
  readonly type: number;
  /** BODY_BYTES bytes. */
  readonly body: Uint8Array;
}

/** How a log reads and writes flash: the firmware's blocking flash calls (real time, counted). */
export interface LogIO {
  read(offset: number, into: Uint8Array): void;
  erase(offset: number, lengthBytes: number): PromiseLike<void>;
  program(offset: number, data: Uint8Array): PromiseLike<void>;
}

/** The same operations, immediate (a programmer on the host side). */
export interface LogIONow {
  read(offset: number, into: Uint8Array): void;
  eraseNow(offset: number, lengthBytes: number): void;
  programNow(offset: number, data: Uint8Array): void;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The 32 bytes of a record. */
export function encodeRecord(type: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type > 0xfe) throw new RangeError(`record type must be 0..254, got ${type}`);
  if (body.length > BODY_BYTES) throw new RangeError(`record body of ${body.length} bytes, at most ${BODY_BYTES}`);
  const r = new Uint8Array(RECORD_SIZE).fill(0);
  r[0] = type;
  r.set(body, 1);
  new DataView(r.buffer).setUint32(CRC_AT, crc32(r.subarray(0, CRC_AT)), true);
  r[COMMIT_AT] = COMMIT_BYTE;
  return r;
}

/** What a 32-byte slot holds: erased, a valid record, or garbage. */
export function decodeSlot(slot: Uint8Array): "erased" | "garbage" | LogRecord {
  let erased = true;
  for (let i = 0; i < RECORD_SIZE; i++)
    if (slot[i] !== 0xff) {
      erased = false;
      break;
    }
  if (erased) return "erased";
  if (slot[COMMIT_AT] !== COMMIT_BYTE || slot[0] === 0xff) return "garbage";
  const crc = new DataView(slot.buffer, slot.byteOffset, RECORD_SIZE).getUint32(CRC_AT, true);
  if (crc !== crc32(slot.subarray(0, CRC_AT))) return "garbage";
  return { type: slot[0]!, body: slot.slice(1, 1 + BODY_BYTES) };
}

/** One unit as read. */
export interface UnitView {
  readonly unit: 0 | 1;
  /** Epoch from its valid header, or -1 when it has none. */
  readonly epoch: number;
  /** Valid records after the header, in order. */
  readonly records: readonly LogRecord[];
  /** Index of the first erased slot after the last written one (slots = unit size / 32). */
  readonly next: number;
  /** Slots skipped as garbage (torn records). */
  readonly garbage: number;
}

/** A log as read: its unit in charge (null when neither has a valid header) and the other. */
export interface LogView {
  readonly active: UnitView | null;
  readonly units: readonly [UnitView, UnitView];
}

/**
 * A two-unit log of `kind` (a byte in each header, so that a state unit is never taken for a
 * counter unit). `snapshot(records)` turns a list of records into the fewest records with the
 * same meaning (what compaction writes).
 */
export class RecordLog {
  constructor(
    readonly areas: readonly [FlashArea, FlashArea],
    readonly kind: number,
    private readonly snapshot: (records: readonly LogRecord[]) => LogRecord[],
  ) {}

  /** Slots per unit (slot 0 is the header). */
  get slots(): number {
    return this.areas[0].sizeBytes / RECORD_SIZE;
  }

  /** Reads both units. */
  read(io: { read(offset: number, into: Uint8Array): void }): LogView {
    const units = [this.readUnit(io, 0), this.readUnit(io, 1)] as const;
    let active: UnitView | null = null;
    for (const u of units) if (u.epoch >= 0 && (active === null || u.epoch > active.epoch)) active = u;
    return { active, units };
  }

  /** The records in force (the active unit's), oldest first. */
  records(io: { read(offset: number, into: Uint8Array): void }): readonly LogRecord[] {
    return this.read(io).active?.records ?? [];
  }

  private readUnit(io: { read(offset: number, into: Uint8Array): void }, unit: 0 | 1): UnitView {
    const area = this.areas[unit];
    const slot = new Uint8Array(RECORD_SIZE);
    io.read(area.offset, slot);
    const h = decodeSlot(slot);
    if (typeof h !== "object" || h.type !== T_HEADER || h.body[0] !== this.kind) return { unit, epoch: -1, records: [], next: 1, garbage: 0 };
    const epoch = new DataView(h.body.buffer, h.body.byteOffset).getUint32(1, true);
    const records: LogRecord[] = [];
    let garbage = 0;
    let next = 1;
    for (; next < this.slots; next++) {
      io.read(area.offset + next * RECORD_SIZE, slot);
      const r = decodeSlot(slot);
      if (r === "erased") break;
      if (r === "garbage" || r.type === T_HEADER) garbage++;
      else records.push(r);
    }
    return { unit, epoch, records, next, garbage };
  }

  /**
   * Appends `record` (firmware side: blocking flash calls). In the active unit's next free slot;
   * when it is full (or the flash refuses the slot), by compaction into the other unit.
   */
  async append(io: LogIO, record: LogRecord): Promise<void> {
    const view = this.read(io);
    const a = view.active;
    if (a !== null && a.next < this.slots) {
      let refused = false;
      try {
        await io.program(this.areas[a.unit].offset + a.next * RECORD_SIZE, encodeRecord(record.type, record.body));
      } catch (e) {
        if (!(e instanceof HalError)) throw e;
        refused = true;
      }
      if (!refused) return;
    }
    await this.compact(io, view, [record]);
  }

  /** Writes the state of `view` plus `extra` into the other unit, header last. */
  private async compact(io: LogIO, view: LogView, extra: readonly LogRecord[]): Promise<void> {
    const a = view.active;
    const target = a === null ? 0 : a.unit === 0 ? 1 : 0;
    const epoch = (a?.epoch ?? 0) + 1;
    const records = this.snapshot([...(a?.records ?? []), ...extra]);
    if (records.length > this.slots - 1) throw new RangeError(`log snapshot of ${records.length} records does not fit a unit of ${this.slots - 1}`);
    const area = this.areas[target];
    await io.erase(area.offset, area.sizeBytes);
    if (records.length > 0) await io.program(area.offset + RECORD_SIZE, concat(records));
    await io.program(area.offset, this.header(epoch));
  }

  /** Host side (a programmer): both units erased, unit 0 with header epoch 1 and `records`. */
  formatNow(io: LogIONow, records: readonly LogRecord[] = []): void {
    for (const area of this.areas) io.eraseNow(area.offset, area.sizeBytes);
    if (records.length > 0) io.programNow(this.areas[0].offset + RECORD_SIZE, concat(records));
    io.programNow(this.areas[0].offset, this.header(1));
  }

  private header(epoch: number): Uint8Array {
    const body = new Uint8Array(5);
    body[0] = this.kind;
    new DataView(body.buffer).setUint32(1, epoch >>> 0, true);
    return encodeRecord(T_HEADER, body);
  }
}

function concat(records: readonly LogRecord[]): Uint8Array {
  const out = new Uint8Array(records.length * RECORD_SIZE);
  records.forEach((r, i) => out.set(encodeRecord(r.type, r.body), i * RECORD_SIZE));
  return out;
}
