/**
 * Moving an update over a UART: the framing both sides speak, the firmware's receiver
 * (`UpdateReceiver`, in a task of the board) and the host's sender (`sendUpdate`, world side: the
 * test bench or `tinyrtos ota send`).
 *
 * Stop-and-wait with a CRC, as XMODEM and the serial recovery of MCUboot (SMP over UART) do: the
 * host sends one frame and waits for the device's answer before the next, so the device's bounded
 * receive buffer never overflows and a flash erase may take as long as it takes. The device
 * acknowledges a data frame only when its consumer (the updater) has taken the bytes, i.e. after
 * they are written.
 *
 * Host → device frame: `0xA5`, type u8, sequence u16, length u16, payload, CRC-16/CCITT-FALSE
 * (over type..payload), little-endian. Types: START (payload: total bytes u32, then kind u8: 0
 * image, 1 patch), DATA (payload: the next ≤ `MAX_CHUNK_BYTES` bytes), END (no payload).
 * Device → host frame: `0x5A`, status u8, sequence u16, length u16, payload, CRC. Status: ACK
 * (frame `sequence` taken), NAK (CRC or sequence wrong: send it again), ERROR (payload: the
 * `ImageError` reason, a tab, its message: the update was refused, nothing kept), DONE (payload:
 * a text from the firmware, e.g. the version now pending).
 *
 * An image is sent in stream order (`toStreamOrder`): header, TLV area, payload — so that the
 * updater can check the signature, board and security counter before it writes a byte.
 * @module
 */
import { ImageError, type ImageErrorReason } from "./errors.js";
import { IMAGE_HEADER_BYTES, parseImage } from "./image.js";

export const FRAME_HOST = 0xa5;
export const FRAME_DEVICE = 0x5a;
export const TYPE_START = 1;
export const TYPE_DATA = 2;
export const TYPE_END = 3;
export const STATUS_ACK = 0;
export const STATUS_NAK = 1;
export const STATUS_ERROR = 2;
export const STATUS_DONE = 3;
/** The most payload bytes of one DATA frame. */
export const MAX_CHUNK_BYTES = 512;
/** Frame bytes besides the payload: start, type, sequence, length, CRC. */
export const FRAME_OVERHEAD_BYTES = 8;

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as XMODEM-CRC's polynomial. */
export function crc16(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let crc = 0xffff;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** One frame: `start`, `kind` (type or status), sequence, payload, CRC. */
export function encodeFrame(start: number, kind: number, sequence: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(payload.length + FRAME_OVERHEAD_BYTES);
  out[0] = start;
  out[1] = kind;
  out[2] = sequence & 0xff;
  out[3] = (sequence >> 8) & 0xff;
  out[4] = payload.length & 0xff;
  out[5] = payload.length >> 8;
  out.set(payload, 6);
  const crc = crc16(out, 1, 6 + payload.length);
  out[6 + payload.length] = crc & 0xff;
  out[7 + payload.length] = crc >> 8;
  return out;
}

/** A decoded frame. */
export interface Frame {
  readonly kind: number;
  readonly sequence: number;
  readonly payload: Uint8Array;
}

/**
 * Reassembles frames starting with `start` from bytes as they arrive: skips bytes until a start
 * byte, drops a frame whose CRC fails (reported as `bad`), bounds its buffer.
 */
export class FrameReader {
  private buf: Uint8Array;
  private used = 0;
  /** Frames dropped for a bad CRC or length. */
  bad = 0;

  constructor(
    private readonly start: number,
    maxPayloadBytes = MAX_CHUNK_BYTES,
  ) {
    this.buf = new Uint8Array(maxPayloadBytes + FRAME_OVERHEAD_BYTES);
  }

  /** Adds received bytes; returns the frames they complete (CRC-checked). */
  push(bytes: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.used === 0 && b !== this.start) continue;
      this.buf[this.used++] = b;
      if (this.used < 6) continue;
      const length = this.buf[4]! | (this.buf[5]! << 8);
      if (length + FRAME_OVERHEAD_BYTES > this.buf.length) {
        this.bad++;
        this.used = 0;
        continue;
      }
      if (this.used < length + FRAME_OVERHEAD_BYTES) continue;
      const crc = this.buf[6 + length]! | (this.buf[7 + length]! << 8);
      if (crc === crc16(this.buf, 1, 6 + length)) frames.push({ kind: this.buf[1]!, sequence: this.buf[2]! | (this.buf[3]! << 8), payload: this.buf.slice(6, 6 + length) });
      else this.bad++;
      this.used = 0;
    }
    return frames;
  }
}

/**
 * A signed image reordered for streaming: header, TLV area, payload. The updater takes it back
 * apart (`fromStreamOrder` or as the bytes arrive) and writes the image in its own order.
 */
export function toStreamOrder(signed: Uint8Array): Uint8Array {
  const parsed = parseImage(signed);
  const payloadEnd = parsed.signedPart.length;
  const out = new Uint8Array(signed.length);
  out.set(signed.subarray(0, IMAGE_HEADER_BYTES), 0);
  out.set(signed.subarray(payloadEnd), IMAGE_HEADER_BYTES);
  out.set(parsed.payload, IMAGE_HEADER_BYTES + (signed.length - payloadEnd));
  return out;
}

/** The firmware's UART, as far as the receiver needs it. */
export interface ReceiverUart {
  read(into: Uint8Array, timeoutTicks: number): PromiseLike<number>;
  write(data: Uint8Array): PromiseLike<number>;
}

/** What the host announced in its START frame. */
export interface UpdateOffer {
  readonly totalBytes: number;
  readonly kind: "image" | "patch";
}

/**
 * The firmware side of one transfer, in a task: `await offer()` waits for a START frame (or
 * null after `idleTimeoutTicks` with none); `chunks()` then yields the bytes as DATA frames bring
 * them, acknowledging each when the consumer asks for the next (so when it has written it);
 * `done(text)` or `fail(error)` answers the END frame (or the failure) to the host.
 */
export class UpdateReceiver {
  private readonly reader = new FrameReader(FRAME_HOST);
  private readonly rx = new Uint8Array(64);
  private pending: Frame[] = [];
  private expected = 0;
  private current: UpdateOffer | null = null;
  private lastSequence = 0;

  constructor(
    private readonly uart: ReceiverUart,
    /** How long a frame may take to arrive before the transfer is given up. */
    private readonly frameTimeoutTicks = 2000,
  ) {}

  /** Waits for the host's START; null when none came within `idleTimeoutTicks`. */
  async offer(idleTimeoutTicks: number): Promise<UpdateOffer | null> {
    for (;;) {
      const frame = await this.nextFrame(idleTimeoutTicks);
      if (frame === null) return null;
      if (frame.kind !== TYPE_START || frame.payload.length !== 5) {
        await this.answer(STATUS_NAK, frame.sequence);
        continue;
      }
      const p = frame.payload;
      const totalBytes = (p[0]! | (p[1]! << 8) | (p[2]! << 16) | (p[3]! << 24)) >>> 0;
      this.current = { totalBytes, kind: p[4] === 1 ? "patch" : "image" };
      this.expected = (frame.sequence + 1) & 0xffff;
      this.lastSequence = frame.sequence;
      await this.answer(STATUS_ACK, frame.sequence);
      return this.current;
    }
  }

  /** The offered bytes, chunk by chunk, each acknowledged when the next is asked for. */
  async *chunks(): AsyncGenerator<Uint8Array, void, void> {
    if (this.current === null) throw new ImageError("truncated", "no transfer was offered (await offer() first)");
    let received = 0;
    for (;;) {
      const frame = await this.nextFrame(this.frameTimeoutTicks);
      if (frame === null) throw new ImageError("truncated", `the host went silent after ${received} of ${this.current.totalBytes} bytes`);
      if (frame.sequence !== this.expected) {
        // A repeat of a frame already taken (our ACK was lost): acknowledge it again.
        if (frame.sequence === this.lastSequence) await this.answer(STATUS_ACK, frame.sequence);
        else await this.answer(STATUS_NAK, this.expected);
        continue;
      }
      if (frame.kind === TYPE_END) {
        if (received !== this.current.totalBytes) throw new ImageError("truncated", `the host ended the transfer after ${received} of the ${this.current.totalBytes} bytes it announced`);
        this.lastSequence = frame.sequence;
        return;
      }
      if (frame.kind !== TYPE_DATA) {
        await this.answer(STATUS_NAK, this.expected);
        continue;
      }
      received += frame.payload.length;
      if (received > this.current.totalBytes) throw new ImageError("trailing-bytes", `the host sent more than the ${this.current.totalBytes} bytes it announced`);
      this.lastSequence = frame.sequence;
      this.expected = (frame.sequence + 1) & 0xffff;
      yield frame.payload;
      await this.answer(STATUS_ACK, frame.sequence);
    }
  }

  /** Tells the host the update is taken (answers its END frame). */
  async done(text: string): Promise<void> {
    await this.answer(STATUS_DONE, this.lastSequence, new TextEncoder().encode(text));
  }

  /** Tells the host the update was refused, with the ImageError's reason and message. */
  async fail(error: unknown): Promise<void> {
    const reason = error instanceof ImageError ? error.reason : "truncated";
    const message = error instanceof Error ? error.message : String(error);
    await this.answer(STATUS_ERROR, this.lastSequence, new TextEncoder().encode(`${reason}\t${message}`.slice(0, MAX_CHUNK_BYTES)));
  }

  private async answer(status: number, sequence: number, payload?: Uint8Array): Promise<void> {
    await this.uart.write(encodeFrame(FRAME_DEVICE, status, sequence, payload));
  }

  private async nextFrame(timeoutTicks: number): Promise<Frame | null> {
    while (this.pending.length === 0) {
      const n = await this.uart.read(this.rx, timeoutTicks);
      if (n === 0) return null;
      this.pending.push(...this.reader.push(this.rx.subarray(0, n)));
    }
    return this.pending.shift()!;
  }
}

/** The world side of a board's UART, and the board's clock, as `sendUpdate` drives them. */
export interface SenderBoard {
  run(ticks: number): Promise<unknown>;
  readonly world: { uart(n: number): { write(data: Uint8Array | string): void; read(): Uint8Array } };
}

/** Options of `sendUpdate`. */
export interface SendOptions {
  /** The board's UART (default 0). */
  uart?: number;
  /** Payload bytes per DATA frame (default 256, at most MAX_CHUNK_BYTES). */
  chunkBytes?: number;
  /** How long to wait for an answer before sending a frame again (default 2000 ticks). */
  answerTimeoutTicks?: number;
  /** How many times one frame is sent before giving up (default 5). */
  attempts?: number;
  /** Board time advanced per step while waiting (default 1 tick). */
  stepTicks?: number;
  /** Called after each acknowledged frame with the bytes acknowledged so far and the total. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** What `sendUpdate` reports. */
export interface SendResult {
  /** The device's DONE text. */
  readonly reply: string;
  readonly bytes: number;
  readonly frames: number;
  /** Frames sent again (NAK or no answer in time). */
  readonly retries: number;
}

/**
 * Sends an update (a signed image in stream order, or a patch) to a board's firmware over its
 * UART, driving the board's time while it waits (host side). Resolves with the device's DONE
 * text; rejects with the device's `ImageError` when it refuses the update, or an Error when it
 * does not answer after `attempts` sends of one frame.
 */
export async function sendUpdate(board: SenderBoard, update: Uint8Array, kind: "image" | "patch", options: SendOptions = {}): Promise<SendResult> {
  const n = options.uart ?? 0;
  const chunkBytes = options.chunkBytes ?? 256;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new RangeError(`sendUpdate: chunkBytes must be 1..${MAX_CHUNK_BYTES}, got ${String(chunkBytes)}`);
  const timeout = options.answerTimeoutTicks ?? 2000;
  const attempts = options.attempts ?? 5;
  const step = options.stepTicks ?? 1;
  const uart = board.world.uart(n);
  const reader = new FrameReader(FRAME_DEVICE);
  uart.read(); // what the firmware printed before: not ours
  let sequence = 0;
  let frames = 0;
  let retries = 0;
  const exchange = async (type: number, payload?: Uint8Array): Promise<Frame> => {
    const frame = encodeFrame(FRAME_HOST, type, sequence, payload);
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) retries++;
      uart.write(frame);
      frames++;
      for (let waited = 0; waited < timeout; waited += step) {
        await board.run(step);
        for (const answer of reader.push(uart.read())) {
          if (answer.kind === STATUS_ERROR) {
            const [reason, ...rest] = new TextDecoder().decode(answer.payload).split("\t");
            const message = rest.join("\t").replace(/^(image|patch) rejected \([a-z-]+\): /, "");
            throw new ImageError(reason as ImageErrorReason, message);
          }
          if (answer.sequence !== sequence) continue;
          if (answer.kind === STATUS_NAK) {
            waited = timeout; // send it again now
            break;
          }
          sequence = (sequence + 1) & 0xffff;
          return answer;
        }
      }
    }
    throw new Error(`sendUpdate: no answer from the board's UART ${n} to frame ${sequence} after ${attempts} attempts of ${timeout} ticks each`);
  };
  const start = new Uint8Array(5);
  new DataView(start.buffer).setUint32(0, update.length, true);
  start[4] = kind === "patch" ? 1 : 0;
  await exchange(TYPE_START, start);
  for (let at = 0; at < update.length; at += chunkBytes) {
    await exchange(TYPE_DATA, update.subarray(at, Math.min(update.length, at + chunkBytes)));
    options.onProgress?.(Math.min(update.length, at + chunkBytes), update.length);
  }
  const done = await exchange(TYPE_END);
  return { reply: new TextDecoder().decode(done.payload), bytes: update.length, frames, retries };
}
