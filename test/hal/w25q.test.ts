/**
 * The W25Q32JV SPI NOR model on an SPI bus, command by command against the datasheet's
 * instruction set: JEDEC ID, read / fast read, page program (bits only cleared, wrap within the
 * page), sector / block / chip erase to 0xFF, BUSY and WEL in virtual time (tPP, tSE), the WEL
 * rules, power-down, and attach errors. Firmware drives CS and the SPI like a real driver would.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board, type GenTaskLike } from "./helpers.js";
import { w25q32jv, W25Q32JV_TIMING_US, W25Q32JV_SIZE_BYTES, type W25Q } from "../../src/hal/index.js";

interface Bus {
  /** CS low, clock `write` then `readBytes` fill bytes, CS high; the bytes read after `write`. */
  cmd(write: number[], readBytes?: number): Promise<number[]>;
  status(): Promise<number>;
  /** WREN, then the instruction. */
  wcmd(write: number[]): Promise<void>;
  delay(ticks: number): Promise<void>;
  readonly board: Board;
}

const a24 = (addr: number) => [(addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Runs `script` in a task of an esp32c3 board with `dev` on spi0, CS GPIO5, at `frequencyHz`. */
async function withFlash(script: (bus: Bus) => Promise<void>, opts: { dev?: W25Q; frequencyHz?: number; ticks?: number } = {}): Promise<{ b: Board; dev: W25Q }> {
  const dev = opts.dev ?? w25q32jv();
  let finished = false;
  const b = createBoard("esp32c3", {
    firmware: async (bb) => {
      const spi = bb.spi(0);
      spi.configure({ frequencyHz: opts.frequencyHz ?? 10e6, mode: 0 });
      const cs = bb.pin("GPIO5");
      cs.high();
      cs.configure({ mode: "output" });
      const bus: Bus = {
        board: bb,
        async cmd(write, readBytes = 0) {
          const w = new Uint8Array(write.length + readBytes);
          w.set(write);
          const r = new Uint8Array(w.length);
          cs.low();
          await spi.tx(w, r);
          cs.high();
          return [...r.subarray(write.length)];
        },
        async status() {
          return (await bus.cmd([0x05], 1))[0]!;
        },
        async wcmd(write) {
          await bus.cmd([0x06]);
          await bus.cmd(write);
        },
        async delay(ticks) {
          await bb.rtos.vTaskDelay(ticks);
        },
      };
      await bb.rtos.xTaskCreate(async () => {
        await script(bus);
        finished = true;
      }, "flash", 512, null, 2);
    },
  });
  b.world.spi(0).attach("GPIO5", dev);
  await b.run(opts.ticks ?? 200);
  assert.ok(finished, "the script ran to its end");
  return { b, dev };
}

/** Waits (polling status every tick) until BUSY clears; returns the status seen then. */
async function waitReady(bus: Bus): Promise<number> {
  for (let i = 0; i < 20_000; i++) {
    const s = await bus.status();
    if ((s & 1) === 0) return s;
    await bus.delay(1);
  }
  throw new Error("still busy");
}

test("JEDEC ID 9Fh reads EF 40 16 (Winbond, W25Q32JV); ABh with 3 dummy bytes reads device ID 15h", async () => {
  await withFlash(async (bus) => {
    assert.deepEqual(await bus.cmd([0x9f], 3), [0xef, 0x40, 0x16]);
    assert.deepEqual(await bus.cmd([0xab, 0, 0, 0], 1), [0x15]);
    assert.equal(await bus.status(), 0x00, "idle: BUSY 0, WEL 0");
  });
});

test("JEDEC ID from a generator task", async () => {
  const got: number[] = [];
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const spi = bb.spi(0);
      spi.configure({ frequencyHz: 8e6, mode: 3 });
      const cs = bb.pin("P0.10");
      cs.high();
      cs.configure({ mode: "output" });
      await bb.rtos.xTaskCreate(function* (): GenTaskLike {
        const r = new Uint8Array(4);
        cs.low();
        yield* spi.tx(Uint8Array.of(0x9f), r);
        cs.high();
        got.push(...r.subarray(1));
      }, "id", 256, null, 2);
    },
  });
  b.world.spi(0).attach("P0.10", w25q32jv());
  await b.run(2);
  assert.deepEqual(got, [0xef, 0x40, 0x16]);
});

test("page program 02h then read 03h and fast read 0Bh (one dummy byte) give the data back; WEL clears when the program ends", async () => {
  const { dev } = await withFlash(async (bus) => {
    await bus.cmd([0x06]);
    assert.equal(await bus.status(), 0x02, "WEL set by 06h");
    await bus.cmd([0x02, ...a24(0x012345), ...ascii("hello")]);
    assert.equal(await bus.status(), 0x03, "BUSY and WEL during tPP");
    assert.equal(await waitReady(bus), 0x00, "WEL cleared after the program");
    assert.deepEqual(await bus.cmd([0x03, ...a24(0x012345)], 5), ascii("hello"));
    assert.deepEqual(await bus.cmd([0x0b, ...a24(0x012345), 0x00], 6), [...ascii("hello"), 0xff]);
  });
  assert.deepEqual([...dev.memory.subarray(0x012344, 0x01234b)], [0xff, ...ascii("hello"), 0xff]);
});

test("a read past the last byte wraps to address 0 (Winbond's W25Q32JV simulation model masks the address)", async () => {
  const contents = new Uint8Array(W25Q32JV_SIZE_BYTES);
  contents.set([0x11, 0x22], 0);
  contents.set([0xaa, 0xbb], W25Q32JV_SIZE_BYTES - 2);
  await withFlash(
    async (bus) => {
      assert.deepEqual(await bus.cmd([0x03, ...a24(W25Q32JV_SIZE_BYTES - 2)], 4), [0xaa, 0xbb, 0x11, 0x22]);
      assert.deepEqual(await bus.cmd([0x0b, ...a24(W25Q32JV_SIZE_BYTES - 1), 0x00], 3), [0xbb, 0x11, 0x22]);
    },
    { dev: w25q32jv({ contents }) },
  );
});

test("program only clears bits: new = old AND data", async () => {
  const contents = new Uint8Array(16).fill(0xaa);
  const { dev } = await withFlash(
    async (bus) => {
      await bus.wcmd([0x02, ...a24(0), 0x0f, 0xf0, 0xff]);
      await waitReady(bus);
      await bus.wcmd([0x02, ...a24(1), 0x0f]);
      await waitReady(bus);
      await bus.wcmd([0x02, ...a24(0x100), 0xf0]);
      await waitReady(bus);
      await bus.wcmd([0x02, ...a24(0x100), 0x0f]);
      await waitReady(bus);
    },
    { dev: w25q32jv({ contents }) },
  );
  assert.deepEqual([...dev.memory.subarray(0, 4)], [0x0a, 0xa0 & 0x0f, 0xaa, 0xaa]);
  assert.equal(dev.memory[0x100], 0x00, "0xF0 then 0x0F on an erased byte: 0x00, not 0x0F");
});

test("page program wraps within the 256-byte page; more than 256 bytes keep the last ones sent", async () => {
  const { dev } = await withFlash(async (bus) => {
    await bus.wcmd([0x02, ...a24(0x0200fe), 1, 2, 3, 4]);
    await waitReady(bus);
    const many = Array.from({ length: 260 }, (_, i) => i & 0xff); // byte i to (0x10 + i) % 256
    await bus.wcmd([0x02, ...a24(0x030010), ...many]);
    await waitReady(bus);
  });
  const m = dev.memory;
  assert.deepEqual([m[0x0200fe], m[0x0200ff], m[0x020000], m[0x020001]], [1, 2, 3, 4]);
  assert.equal(m[0x020100], 0xff, "the next page is untouched");
  assert.equal(m[0x0200fd], 0xff);
  // 260 bytes from offset 0x10: bytes 256..259 (values 0,1,2,3) land on offsets 0x10..0x13 last.
  assert.deepEqual([...m.subarray(0x030010, 0x030014)], [0, 1, 2, 3]);
  assert.equal(m[0x030014], 4);
  assert.equal(m[0x03000f], 255, "offset 0x0f got byte 255");
  assert.equal(m[0x030110], 0xff);
});

test("erase: 20h 4 KB sector, 52h 32 KB block, D8h 64 KB block, C7h chip: the aligned unit becomes 0xFF", async () => {
  const contents = new Uint8Array(W25Q32JV_SIZE_BYTES).fill(0x00);
  const dev = w25q32jv({ contents });
  await withFlash(
    async (bus) => {
      await bus.wcmd([0x20, ...a24(0x001234)]);
      await waitReady(bus);
      await bus.wcmd([0x52, ...a24(0x10_9000)]); // 32 KB block 0x108000..0x10FFFF
      await waitReady(bus);
      await bus.wcmd([0xd8, ...a24(0x2f_0001)]); // 64 KB block 0x2F0000..0x2FFFFF
      await waitReady(bus);
    },
    { dev, ticks: 400 },
  );
  const m = dev.memory;
  const erased = (from: number, to: number) => m.subarray(from, to).every((x) => x === 0xff);
  const zero = (at: number) => m[at] === 0x00;
  assert.ok(erased(0x1000, 0x2000) && zero(0x0fff) && zero(0x2000), "sector 1 (0x1000..0x1FFF)");
  assert.ok(erased(0x108000, 0x110000) && zero(0x107fff) && zero(0x110000), "32 KB block");
  assert.ok(erased(0x2f0000, 0x300000) && zero(0x2effff) && zero(0x300000), "64 KB block");
  const erasedCount = m.reduce((n, x) => n + (x === 0xff ? 1 : 0), 0);
  assert.equal(erasedCount, 4096 + 32768 + 65536);
  await withFlash(
    async (bus) => {
      await bus.wcmd([0x60]);
      assert.equal(await bus.status(), 0x03);
    },
    { dev: w25q32jv({ contents }) },
  ).then(({ dev: d }) => assert.ok(d.memory.every((x) => x === 0xff), "60h chip erase"));
});

test("BUSY lasts tPP and tSE (datasheet typical) in board virtual time; only 05h is answered meanwhile", async () => {
  assert.equal(W25Q32JV_TIMING_US.pageProgram, 400);
  assert.equal(W25Q32JV_TIMING_US.sectorErase, 45_000);
  // 80 MHz / 48 = 1.6667 MHz: a byte is 4.8 µs; the program starts when CS rises at t0; status
  // byte k (k = 1.. after the 05h opcode) is sampled at t0 + (k + 1)·4.8 µs, busy while < 400 µs.
  const { b } = await withFlash(
    async (bus) => {
      await bus.wcmd([0x02, ...a24(0), 0x12]);
      const st = await bus.cmd([0x05], 100);
      const busyBytes = st.filter((s) => s === 0x03).length;
      assert.equal(busyBytes, 82, "status bytes 1..82 busy: (k + 1)·4.8 µs < 400 µs ⇔ k ≤ 82");
      assert.deepEqual(st.slice(82), new Array(18).fill(0x00), "then ready and WEL clear");
      // Sector erase: 45 ms = 45 ticks at 1 kHz. Commands other than 05h are ignored while busy.
      await bus.wcmd([0x20, ...a24(0)]);
      assert.deepEqual(await bus.cmd([0x9f], 3), [0xff, 0xff, 0xff], "9Fh ignored while busy");
      assert.deepEqual(await bus.cmd([0x03, ...a24(0)], 1), [0xff], "03h ignored while busy");
      await bus.cmd([0x04]); // Write Disable ignored too: WEL stays until the erase ends
      assert.equal(await bus.status(), 0x03);
      await bus.delay(44);
      assert.equal(await bus.status(), 0x03, "still busy 44 ticks later");
      await bus.delay(2);
      assert.equal(await bus.status(), 0x00, "ready after 45 ms");
      assert.deepEqual(await bus.cmd([0x03, ...a24(0)], 1), [0xff], "the programmed byte was erased");
      assert.deepEqual(await bus.cmd([0x9f], 3), [0xef, 0x40, 0x16]);
    },
    { frequencyHz: 80e6 / 48 },
  );
  assert.ok(b.world.spi(0).log.length > 100);
});

test("WEL rules: program and erase without WEL are ignored; 04h clears WEL; WEL is cleared after an operation", async () => {
  const contents = new Uint8Array(8192).fill(0x00);
  const { dev } = await withFlash(
    async (bus) => {
      await bus.cmd([0x02, ...a24(0x10), 0x55]);
      assert.equal(await bus.status(), 0x00, "no WEL: program ignored, not busy");
      await bus.cmd([0x06]);
      await bus.cmd([0x04]);
      assert.equal(await bus.status(), 0x00, "04h cleared WEL");
      await bus.cmd([0x20, ...a24(0)]);
      await bus.cmd([0xc7]);
      assert.equal(await bus.status(), 0x00, "erase without WEL ignored");
      await bus.wcmd([0x20, ...a24(0x1000)]);
      await waitReady(bus);
      await bus.cmd([0x20, ...a24(0)]);
      assert.equal(await bus.status(), 0x00, "WEL was cleared by the previous erase: this one is ignored");
      await bus.cmd([0x06]);
      await bus.cmd([0x20, ...a24(0)], 1); // CS rises after 5 bytes, not 4: not executed
      assert.equal(await bus.status(), 0x02, "a mis-sized erase does nothing (WEL still set)");
    },
    { dev: w25q32jv({ contents }) },
  );
  assert.equal(dev.memory[0x10], 0x00);
  assert.ok(dev.memory.subarray(0, 0x1000).every((x) => x === 0));
  assert.ok(dev.memory.subarray(0x1000, 0x2000).every((x) => x === 0xff));
});

test("power-down B9h: everything but ABh is ignored until released", async () => {
  await withFlash(async (bus) => {
    await bus.cmd([0xb9]);
    assert.deepEqual(await bus.cmd([0x9f], 3), [0xff, 0xff, 0xff]);
    assert.equal(await bus.status(), 0xff, "05h ignored in power-down (MISO high)");
    await bus.cmd([0xab]);
    assert.deepEqual(await bus.cmd([0x9f], 3), [0xef, 0x40, 0x16]);
  });
});

test("a device belongs to one bus; bad contents are refused", () => {
  const dev = w25q32jv();
  const b = createBoard("stm32h743", { firmware: () => {} });
  b.world.spi(0).attach("PA4", dev);
  assert.throws(() => b.world.spi(1).attach("PA5", dev), (e: unknown) => e instanceof HalError && /already attached \(to spi0 \(SPI1\) of board stm32h743, CS PA4\)/.test(e.message));
  b.world.spi(1).attach("PA5", w25q32jv()); // the refused attach left PA5 free
  assert.throws(() => w25q32jv({ contents: new Uint8Array(W25Q32JV_SIZE_BYTES + 1) }), /contents must be a Uint8Array of at most 4194304 bytes/);
});
