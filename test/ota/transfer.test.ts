/**
 * The UART update transfer (src/ota/transfer.ts): a host's sendUpdate and a firmware task's
 * UpdateReceiver move 20 KB intact over a 115200-baud UART of the virtual nrf52840 in the time
 * 8N1 framing takes, with progress; a frame corrupted on the wire is dropped by its CRC and sent
 * again; a refusal comes back to the host as the firmware's ImageError with its reason; the stream
 * order of an image (header, TLVs, payload).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard } from "tinyrtos/hal";
import { ImageError, createImage } from "tinyrtos/ota";
import { UpdateReceiver, sendUpdate, toStreamOrder, encodeFrame, FrameReader, FRAME_HOST, TYPE_DATA, crc16 } from "../../src/ota/transfer.js";
import { Prng } from "../../src/kernel/index.js";

function data(n: number, seed: number): Uint8Array {
  const prng = new Prng(seed);
  return Uint8Array.from({ length: n }, () => prng.nextInt(256));
}

/** A board whose firmware receives one update and answers DONE with its length and a checksum, or refuses it when `refuse` says so. */
function receiverBoard(refuse?: (received: number) => Error | null) {
  const got: Uint8Array[] = [];
  const board = createBoard("nrf52840", {
    seed: 3,
    config: { configTICK_RATE_HZ: 1000 },
    firmware: async (b) => {
      const uart = b.uart(0);
      uart.configure({ baudRate: 115200, rxBufferBytes: 1024 });
      await b.rtos.xTaskCreate(async () => {
        const rx = new UpdateReceiver(uart);
        const offer = await rx.offer(100_000);
        if (offer === null) return;
        let n = 0;
        try {
          for await (const chunk of rx.chunks()) {
            got.push(chunk);
            n += chunk.length;
            const e = refuse?.(n);
            if (e) throw e;
          }
          await rx.done(`${offer.kind} ${n}`);
        } catch (e) {
          await rx.fail(e);
        }
      }, "updater", 512, null, 2);
    },
  });
  return { board, got };
}

test("20 KB arrive intact over 115200 baud, in about the time 8N1 takes, with progress", async () => {
  const { board, got } = receiverBoard();
  const update = data(20_000, 1);
  const progress: number[] = [];
  await board.run(1); // the firmware is up and listening (a START sent before would be lost and sent again)
  const t0 = board.now();
  const result = await sendUpdate(board, update, "patch", { onProgress: (sent, total) => progress.push(sent / total) });
  const ticks = board.now() - t0;
  assert.equal(result.reply, "patch 20000");
  assert.equal(result.retries, 0);
  const joined = new Uint8Array(20_000);
  let at = 0;
  for (const c of got) joined.set(c, (at += c.length) - c.length);
  assert.deepEqual(joined, update);
  assert.equal(progress.length, Math.ceil(20_000 / 256));
  assert.equal(progress.at(-1), 1);
  // 20,000 bytes + 8 bytes per 256-byte frame, 10 bit times per byte at 115200 baud: 1.78 s at least.
  const wireMs = ((20_000 + 8 * (progress.length + 2)) * 10 * 1000) / 115200;
  assert.ok(ticks >= wireMs && ticks < wireMs * 1.6, `took ${ticks} ms for ${wireMs.toFixed(0)} ms of wire time`);
});

test("a frame corrupted on the wire is dropped by its CRC and sent again", async () => {
  const { board, got } = receiverBoard();
  await board.run(1);
  // A corrupted DATA frame before the START: the receiver skips it (bad CRC) and waits on.
  const bad = encodeFrame(FRAME_HOST, TYPE_DATA, 0, data(10, 2));
  bad[7]! ^= 0xff;
  board.world.uart(0).write(bad);
  const result = await sendUpdate(board, data(700, 3), "image");
  assert.equal(result.reply, "image 700");
  assert.equal(got.reduce((n, c) => n + c.length, 0), 700);
  const reader = new FrameReader(FRAME_HOST);
  assert.deepEqual(reader.push(bad), []);
  assert.equal(reader.bad, 1);
  assert.equal(crc16(new TextEncoder().encode("123456789")), 0x29b1); // CRC-16/CCITT-FALSE check value
});

test("a refusal reaches the host as the firmware's ImageError, with its reason", async () => {
  const { board } = receiverBoard((n) => (n > 512 ? new ImageError("signature", "the Ed25519 signature does not verify with this public key") : null));
  await assert.rejects(sendUpdate(board, data(2000, 4), "image"), (e: unknown) => e instanceof ImageError && e.reason === "signature" && /image rejected \(signature\): the Ed25519 signature does not verify/.test(e.message));
});

test("no answer: the sender gives up after its attempts, naming the frame", async () => {
  const board = createBoard("nrf52840", { config: { configTICK_RATE_HZ: 1000 }, firmware: async () => {} });
  await assert.rejects(sendUpdate(board, data(10, 5), "image", { answerTimeoutTicks: 50, attempts: 2 }), /no answer from the board's UART 0 to frame 0 after 2 attempts of 50 ticks/);
});

test("stream order: header, TLV area, payload", () => {
  const image = createImage({ payload: "export function main() {}", version: "1.0.0", securityCounter: 0, board: "nrf52840" });
  const stream = toStreamOrder(image);
  assert.deepEqual(stream.subarray(0, 64), image.subarray(0, 64));
  const tlv = image.subarray(64 + 25);
  assert.deepEqual(stream.subarray(64, 64 + tlv.length), tlv);
  assert.deepEqual(stream.subarray(64 + tlv.length), image.subarray(64, 64 + 25));
});
