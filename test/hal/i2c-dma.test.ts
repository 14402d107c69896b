/**
 * I2C txDMA (API.md `tinyrtos/hal`, issue 11 item 4): zero copy from and to board RAM. A write
 * byte changed in RAM before its first bit goes out goes out changed (and the device sees it); a
 * byte already on the wire does not change; read bytes appear in RAM one by one during the
 * transfer; host buffers and the H743's DTCM are refused with exact messages and nothing goes on
 * the wire; NACK → I2CError; both lanes, void result.
 *
 * Times (nRF52840 TWIM at 100 kHz, 1000 ticks/s): T = 0.01 tick per SCL clock, tHD;STA = 4 µs =
 * 0.004 tick (UM10204 Sm). A transaction started at tick 2 has its address byte done at
 * c = 2.004 + 9T = 2.094; data byte k starts going out at c + 9T·k and (read) is in after its
 * 8th bit at c + 9T·k + 8T.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type GenTaskLike } from "./helpers.js";
import { I2CError, type I2CDevice } from "../../src/hal/index.js";
import { createPool } from "../../src/mem/index.js";

/** Records the device's calls and answers reads with `value(i)`. */
function device(address: number, calls: string[], written: number[][], value: (i: number) => number): I2CDevice {
  return {
    address,
    write(bytes) {
      calls.push(`w ${bytes.length}`);
      written.push([...bytes]);
    },
    read(into) {
      calls.push(`r ${into.length}`);
      for (let i = 0; i < into.length; i++) into[i] = value(i);
    },
  };
}

const C = 2.004 + 0.09; // address byte done (see the module comment)

test("txDMA write: a byte changed in RAM before it goes on the wire goes out changed; one already sent does not", async () => {
  const calls: string[] = [];
  const written: number[][] = [];
  const out: { value?: unknown; end?: number } = {};
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 100_000 });
      const pool = createPool(bb, "i2c_tx", 1, 200);
      const buf = pool.alloc()!;
      for (let i = 0; i < 200; i++) buf[i] = i;
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(2);
        out.value = await bus.txDMA(0x48, buf, null);
        out.end = bb.now();
      }, "dma", 256, null, 2);
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(10);
        // At tick 10 byte 87 (started at C + 0.09 × 87 = 9.924) is on the wire, byte 88 (10.014) is not.
        buf[87] = 0xe7;
        buf[88] = 0xe8;
      }, "poke", 256, null, 3);
    },
  });
  b.world.i2c(0).attach(device(0x48, calls, written, () => 0));
  await b.run(30);
  const expected = Array.from({ length: 200 }, (_, i) => (i === 88 ? 0xe8 : i));
  assert.deepEqual(calls, ["w 200"], "one write part, one device call");
  assert.deepEqual(written[0], expected, "the device saw byte 88 changed and byte 87 as it was when it went out");
  const log = b.world.i2c(0).log;
  assert.equal(log.length, 1);
  assert.deepEqual([...log[0]!.parts[0]!.bytes], expected, "the log holds what went on the wire");
  assert.equal(out.value, undefined, "void result");
  // START hold, 201 bytes of 9 clocks, STOP (0.6 T + tSU;STO 4 µs): resolves after the STOP.
  assert.ok(Math.abs(out.end! - (2.004 + 201 * 0.09 + 0.006 + 0.004)) < 1e-9, `end ${out.end}`);
});

test("txDMA read: the received bytes appear in RAM one by one during the transfer (RAM read between bytes)", async () => {
  const calls: string[] = [];
  const snapshots: { tick: number; bytes: number[] }[] = [];
  const value = (i: number): number => (i * 7 + 3) & 0xff; // never 0xee for i < 200
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 100_000 });
      const pool = createPool(bb, "i2c_rx", 2, 200);
      const cmd = pool.alloc()!.subarray(0, 1);
      const into = pool.alloc()!;
      cmd[0] = 0x05;
      into.fill(0xee);
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(2);
        await bus.txDMA(0x48, null, into);
        snapshots.push({ tick: bb.now(), bytes: [...into] });
        await bus.txDMA(0x48, cmd, into.subarray(0, 3)); // write part then read part: two device calls
        snapshots.push({ tick: bb.now(), bytes: [...into.subarray(0, 3)] });
      }, "dma", 256, null, 2);
      await bb.rtos.xTaskCreate(async () => {
        for (const tick of [2, 10, 15]) {
          await bb.rtos.vTaskDelay(tick - bb.rtos.xTaskGetTickCount());
          snapshots.push({ tick, bytes: [...into] });
        }
      }, "peek", 256, null, 3);
    },
  });
  b.world.i2c(0).attach(device(0x48, calls, [], value));
  await b.run(30);
  const landed = (n: number): number[] => Array.from({ length: 200 }, (_, i) => (i < n ? value(i) : 0xee));
  // Byte k is in at C + 0.09 k + 0.08: by tick 10, k ≤ 86 (87 bytes); by tick 15, k ≤ 142 (143 bytes).
  assert.deepEqual(snapshots[0], { tick: 2, bytes: landed(0) });
  assert.deepEqual(snapshots[1], { tick: 10, bytes: landed(87) });
  assert.deepEqual(snapshots[2], { tick: 15, bytes: landed(143) });
  assert.deepEqual(snapshots[3]!.bytes, landed(200));
  assert.deepEqual(snapshots[4]!.bytes, [value(0), value(1), value(2)]);
  assert.deepEqual(calls, ["r 200", "w 1", "r 3"], "one device call per part (START or repeated START to the next or the STOP)");
});

test("txDMA refuses host buffers (write and read) with a HalError naming board, bus and buffer; nothing goes on the wire", async () => {
  const errors: string[] = [];
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 400_000 });
      const unit = createPool(bb, "ok", 1, 8).alloc()!;
      await bb.rtos.xTaskCreate(async () => {
        for (const f of [() => bus.txDMA(0x48, new Uint8Array(2), null), () => bus.txDMA(0x48, unit, new Uint8Array(2))])
          try {
            await f();
          } catch (e) {
            errors.push(e instanceof HalError ? e.message : `not a HalError: ${String(e)}`);
          }
      }, "t", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(device(0x48, [], [], () => 0));
  await b.run(3);
  assert.deepEqual(errors, [
    'board "nrf52840", i2c0 (TWIM0): txDMA: the write buffer is not in board RAM (a host buffer); DMA reaches only board RAM it can reach: use a pool (createPool) or a view of a DMA region',
    'board "nrf52840", i2c0 (TWIM0): txDMA: the read buffer is not in board RAM (a host buffer); DMA reaches only board RAM it can reach: use a pool (createPool) or a view of a DMA region',
  ]);
  assert.equal(b.world.i2c(0).log.length, 0);
});

test("stm32h743: a DTCM view is refused (the DMA cannot reach the TCMs); a pool unit in AXI SRAM works", async () => {
  const errors: string[] = [];
  const got: number[] = [];
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 400_000 });
      const dtcm = bb.ram.regions.find((r) => r.name === "DTCM")!;
      const tcmView = bb.ram.view(dtcm.base + 0x100, 2);
      const unit = createPool(bb, "ok", 1, 8).alloc()!.subarray(0, 2);
      await bb.rtos.xTaskCreate(async () => {
        try {
          await bus.txDMA(0x48, null, tcmView);
        } catch (e) {
          errors.push(e instanceof HalError ? e.message : `not a HalError: ${String(e)}`);
        }
        await bus.txDMA(0x48, null, unit);
        got.push(...unit);
      }, "t", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(device(0x48, [], [], (i) => 0x40 + i));
  await b.run(3);
  assert.deepEqual(errors, [
    'board "stm32h743", i2c0 (I2C1): txDMA: the read buffer is in DTCM (0x20000000..0x2001ffff), which the DMA cannot reach; DMA reaches only board RAM it can reach: use a pool (createPool) or a view of a DMA region',
  ]);
  assert.deepEqual(got, [0x40, 0x41]);
  assert.equal(b.world.i2c(0).log.length, 1, "only the pool transfer went on the wire");
});

test("txDMA in a generator task (yield*): void result; NACK is an I2CError at the yield*, the bus usable after it", async () => {
  const out: { value?: unknown; error?: unknown; got?: number[] } = {};
  const b = createBoard("esp32c3", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 400_000 });
      const pool = createPool(bb, "g", 2, 8);
      const w = pool.alloc()!.subarray(0, 1);
      const r = pool.alloc()!.subarray(0, 2);
      w[0] = 1;
      await bb.rtos.xTaskCreate(function* (): GenTaskLike {
        try {
          yield* bus.txDMA(0x30, w, r);
        } catch (e) {
          out.error = e;
        }
        out.value = yield* bus.txDMA(0x48, w, r);
        out.got = [...r];
      }, "g", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(device(0x48, [], [], (i) => 0x10 + i));
  await b.run(3);
  assert.ok(out.error instanceof I2CError, `expected I2CError, got ${String(out.error)}`);
  assert.equal((out.error as Error).message, 'board "esp32c3", i2c0 (I2C0): no acknowledge from address 0x30');
  assert.equal(out.value, undefined);
  assert.deepEqual(out.got, [0x10, 0x11]);
});

test("a reset cuts a txDMA read: no byte lands in the new boot's RAM, the task never resumes, nothing is logged", async () => {
  let boots = 0;
  let address = -1;
  const results: string[] = [];
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const boot = ++boots;
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 100_000 });
      // Every boot places the pool first, so it lands at the same address before the kernel's
      // own objects (whose stacks are filled with 0xa5) are placed after it.
      const into = createPool(bb, "rx", 1, 200).alloc()!;
      if (boot !== 1) {
        assert.equal(bb.ram.addressOf(into), address, "the same layout on every boot");
        return;
      }
      address = bb.ram.addressOf(into);
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(2);
        await bus.txDMA(0x48, null, into); // 201 bytes × 90 µs: until tick ~20
        results.push("boot 1 read completed (wrong)");
      }, "dma", 256, null, 2);
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(10);
        results.push(`reset with ${[...into].filter((x) => x !== 0).length} bytes in`);
        bb.reset("software");
      }, "resetter", 256, null, 3);
    },
  });
  b.world.i2c(0).attach(device(0x48, [], [], (i) => i + 1));
  await b.run(40);
  assert.equal(boots, 2);
  assert.deepEqual(results, ["reset with 87 bytes in"]);
  assert.deepEqual([...b.ram.view(address, 200)], new Array<number>(200).fill(0), "RAM cleared by the reset stays clear");
  assert.equal(b.world.i2c(0).log.length, 0);
});
