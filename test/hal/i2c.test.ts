/**
 * I2C (API.md `tinyrtos/hal`, board.i2c / board.world.i2c): transaction timing against the
 * UM10204 formula on every board at 100 kHz and 400 kHz (and the boards' other modes), repeated
 * START, NACK → I2CError with its exact message and the bus usable after it (tBUF respected),
 * generator tasks, address and frequency errors with nothing half-done, two devices at one
 * address, calls from an ISR, the nRF52840 TWIM0/SPIM0 shared ID, reset, and the scl/sda
 * signals decoded back into START / address / bytes / ACK / STOP.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board, type GenTaskLike } from "./helpers.js";
import { KernelAssertError } from "../../src/freertos/index.js";
import { I2CError, type I2CDevice, type I2CLogEntry, type SignalEdge } from "../../src/hal/index.js";

const BOARDS = ["stm32h743", "esp32c3", "nrf52840"] as const;
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

/** UM10204 §6.1 minima (µs): tHD;STA, tSU;STA, tSU;STO, tBUF, written out here again on purpose. */
const UM = {
  100_000: { hdSta: 4.0, suSta: 4.7, suSto: 4.0, buf: 4.7 },
  250_000: { hdSta: 0.6, suSta: 0.6, suSto: 0.6, buf: 1.3 },
  400_000: { hdSta: 0.6, suSta: 0.6, suSto: 0.6, buf: 1.3 },
  1_000_000: { hdSta: 0.26, suSta: 0.26, suSto: 0.26, buf: 0.5 },
} as const;

/**
 * Ticks of a transaction: START hold, 9 clocks per byte (address bytes included), for each
 * repeated START a low phase (0.6 T) + tSU;STA + tHD;STA, then STOP (a low phase + tSU;STO).
 */
function txTicks(b: Board, f: keyof typeof UM, parts: number[]): number {
  const hz = b.rtos.kernel.config.configTICK_RATE_HZ;
  const us = hz / 1e6;
  const T = hz / f;
  const m = UM[f];
  let t = m.hdSta * us;
  parts.forEach((n, i) => {
    if (i > 0) t += 0.6 * T + (m.suSta + m.hdSta) * us;
    t += 9 * T * (1 + n);
  });
  return t + 0.6 * T + m.suSto * us;
}

/** A register-file device recording its calls. */
function regDevice(address: number, calls: string[]): I2CDevice & { regs: Uint8Array } {
  let ptr = 0;
  const regs = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  return {
    address,
    regs,
    write(bytes) {
      calls.push(`w ${[...bytes].map((x) => x.toString(16)).join(" ")}`);
      ptr = bytes[0]!;
      for (let i = 1; i < bytes.length; i++) regs[(ptr + i - 1) & 15] = bytes[i]!;
    },
    read(into) {
      calls.push(`r ${into.length}`);
      for (let i = 0; i < into.length; i++) into[i] = regs[(ptr + i) & 15]!;
    },
  };
}

const FREQS: Record<(typeof BOARDS)[number], (keyof typeof UM)[]> = {
  stm32h743: [100_000, 400_000, 1_000_000],
  esp32c3: [100_000, 400_000],
  nrf52840: [100_000, 250_000, 400_000],
};

test("readRegister timing matches the formula on every board and mode; the device sees write then read; read buffer filled at the STOP", async () => {
  for (const name of BOARDS) {
    for (const f of FREQS[name]) {
      const calls: string[] = [];
      const seen = { end: -1, got: [] as number[] };
      const b = createBoard(name, {
        firmware: async (bb) => {
          const bus = bb.i2c(0);
          bus.configure({ frequencyHz: f });
          await bb.rtos.xTaskCreate(async () => {
            await bb.rtos.vTaskDelay(2);
            const into = new Uint8Array(3);
            await bus.readRegister(0x48, 0x04, into);
            seen.end = bb.now();
            seen.got = [...into];
          }, "t", 256, null, 2);
        },
      });
      b.world.i2c(0).attach(regDevice(0x48, calls));
      await b.run(5);
      const expected = 2 + txTicks(b, f, [1, 3]);
      assert.ok(near(seen.end, expected), `${name} @${f}: resolves at the STOP, ${expected}, got ${seen.end}`);
      assert.deepEqual(seen.got, [0xa4, 0xa5, 0xa6]);
      assert.deepEqual(calls, ["w 4", "r 3"]);
      const log = b.world.i2c(0).log;
      assert.equal(log.length, 1);
      const e = log[0]!;
      assert.equal(e.startTick, 2);
      assert.ok(near(e.endTick, expected));
      assert.equal(e.address, 0x48);
      assert.equal(e.frequencyHz, f);
      assert.deepEqual(e.parts.map((p) => [p.rw, p.ack, [...p.bytes]]), [["write", true, [4]], ["read", true, [0xa4, 0xa5, 0xa6]]]);
      const irq = b.spec.i2cs[0]!.irq;
      assert.equal(b.rtos.interruptStats().find((s) => s.irq === irq)?.fired, 1, `${name}: one transfer-complete interrupt at vendor irq ${irq}`);
    }
  }
});

test("writeRegister is one write part [register, ...data]; tx write-only and read-only and probe transactions", async () => {
  const calls: string[] = [];
  const ends: number[] = [];
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const bus = bb.i2c(1);
      bus.configure({ frequencyHz: 400_000 });
      await bb.rtos.xTaskCreate(async () => {
        await bus.writeRegister(0x50, 2, Uint8Array.of(0x11, 0x22));
        ends.push(bb.now());
        const into = new Uint8Array(2);
        await bus.tx(0x50, null, into);
        ends.push(bb.now());
        await bus.tx(0x50, null, null);
        ends.push(bb.now());
        assert.deepEqual([...into], [0x11, 0x22]);
      }, "t", 256, null, 2);
    },
  });
  const dev = regDevice(0x50, calls);
  b.world.i2c(1).attach(dev);
  await b.run(3);
  assert.deepEqual(calls, ["w 2 11 22", "r 2"]);
  const log = b.world.i2c(1).log;
  assert.deepEqual(log.map((e) => e.parts.map((p) => `${p.rw}:${p.ack ? "A" : "N"}:${[...p.bytes].join(",")}`)), [["write:A:2,17,34"], ["read:A:17,34"], ["write:A:"]]);
  const tBuf = 1.3e-3; // Fm tBUF in ticks at 1000 Hz
  assert.ok(near(ends[0]!, txTicks(b, 400_000, [3])));
  assert.ok(near(log[1]!.startTick, ends[0]! + tBuf), "the next START waits tBUF after the STOP");
  assert.ok(near(ends[1]!, log[1]!.startTick + txTicks(b, 400_000, [2])));
  assert.ok(near(ends[2]!, log[2]!.startTick + txTicks(b, 400_000, [0])));
});

test("no device at the address: I2CError with the exact message after a STOP; the bus works again at once (async task)", async () => {
  const out: { error?: unknown; at?: number; after?: number[] } = {};
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 100_000 });
      await bb.rtos.xTaskCreate(async () => {
        try {
          await bus.readRegister(0x49, 0, new Uint8Array(2));
        } catch (e) {
          out.error = e;
          out.at = bb.now();
        }
        const into = new Uint8Array(1);
        await bus.readRegister(0x48, 1, into);
        out.after = [...into];
      }, "t", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(regDevice(0x48, []));
  await b.run(5);
  assert.ok(out.error instanceof I2CError, `expected I2CError, got ${String(out.error)}`);
  assert.ok(out.error instanceof HalError);
  assert.equal((out.error as Error).message, 'board "nrf52840", i2c0 (TWIM0): no acknowledge from address 0x49');
  assert.equal((out.error as I2CError).address, 0x49);
  // START, address + W (NACK), STOP: nothing else went on the wire.
  assert.ok(near(out.at!, txTicks(b, 100_000, [0])));
  const log = b.world.i2c(0).log;
  assert.deepEqual(log[0]!.parts.map((p) => [p.rw, p.ack, p.bytes.length]), [["write", false, 0]]);
  assert.deepEqual(out.after, [0xa1]);
  assert.ok(near(log[1]!.startTick, log[0]!.endTick + 4.7e-3), "the next START after tBUF (Sm 4.7 µs)");
});

test("NACK and success in a generator task (yield*): I2CError thrown at the yield*, void result otherwise", async () => {
  const out: { error?: unknown; value?: unknown; got?: number[] } = {};
  const b = createBoard("esp32c3", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 400_000 });
      await bb.rtos.xTaskCreate(function* (): GenTaskLike {
        try {
          yield* bus.tx(0x30, Uint8Array.of(1), new Uint8Array(1));
        } catch (e) {
          out.error = e;
        }
        const into = new Uint8Array(2);
        out.value = yield* bus.readRegister(0x48, 2, into);
        out.got = [...into];
      }, "g", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(regDevice(0x48, []));
  await b.run(3);
  assert.ok(out.error instanceof I2CError);
  assert.equal((out.error as Error).message, 'board "esp32c3", i2c0 (I2C0): no acknowledge from address 0x30');
  assert.equal(out.value, undefined);
  assert.deepEqual(out.got, [0xa2, 0xa3]);
});

test("bad addresses and arguments are HalErrors naming board, bus and value; nothing goes on the wire", async () => {
  const errors: string[] = [];
  let later = -1;
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 100_000 });
      await bb.rtos.xTaskCreate(async () => {
        for (const f of [
          () => bus.tx(0x80, null, null),
          () => bus.tx(-1, null, null),
          () => bus.tx(1.5, null, null),
          () => bus.tx("0x48" as unknown as number, null, null),
          () => bus.tx(0x48, [1] as unknown as Uint8Array, null),
          () => bus.readRegister(0x48, 256, new Uint8Array(1)),
          () => bus.writeRegister(0x48, 1, null as unknown as Uint8Array),
        ])
          try {
            await f();
            errors.push("no error");
          } catch (e) {
            errors.push(e instanceof HalError && !(e instanceof I2CError) ? e.message : `not a HalError: ${String(e)}`);
          }
        await bus.tx(0x48, null, null);
        later = bb.now();
      }, "t", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(regDevice(0x48, []));
  await b.run(3);
  assert.deepEqual(errors, [
    'board "stm32h743", i2c0 (I2C1): tx: address must be a 7-bit address, an integer 0x00..0x7f; got 0x80',
    'board "stm32h743", i2c0 (I2C1): tx: address must be a 7-bit address, an integer 0x00..0x7f; got -1',
    'board "stm32h743", i2c0 (I2C1): tx: address must be a 7-bit address, an integer 0x00..0x7f; got 1.5',
    'board "stm32h743", i2c0 (I2C1): tx: address must be a 7-bit address, an integer 0x00..0x7f; got 0x48',
    'board "stm32h743", i2c0 (I2C1): tx: write must be a Uint8Array or null, got Array',
    'board "stm32h743", i2c0 (I2C1): readRegister: register must be an integer 0..255 (a one-byte register address), got 256',
    'board "stm32h743", i2c0 (I2C1): writeRegister: data must be a Uint8Array, got null',
  ]);
  // Nothing was half-started: the probe afterwards is the first and only transaction, at tick 0.
  assert.equal(b.world.i2c(0).log.length, 1);
  assert.equal(b.world.i2c(0).log[0]!.startTick, 0);
  assert.ok(near(later, txTicks(b, 100_000, [0])));
});

test("frequencies: each board's modes, others refused naming the allowed values; unknown bus; not configured", () => {
  const h7 = createBoard("stm32h743", { firmware: () => {} });
  h7.i2c(3).configure({ frequencyHz: 1_000_000 });
  assert.throws(() => h7.i2c(0).configure({ frequencyHz: 200_000 }), (e: unknown) => e instanceof HalError && e.message === 'board "stm32h743", i2c0 (I2C1): frequencyHz 200000 is not supported: the STM32H743 I2C runs Standard-mode, Fast-mode and Fast-mode Plus (RM0433 §47); allowed: 100000, 400000, 1000000');
  const c3 = createBoard("esp32c3", { firmware: () => {} });
  assert.throws(() => c3.i2c(0).configure({ frequencyHz: 1_000_000 }), /board "esp32c3", i2c0 \(I2C0\): frequencyHz 1000000 is not supported: .*allowed: 100000, 400000$/);
  const nrf = createBoard("nrf52840", { firmware: () => {} });
  assert.throws(() => nrf.i2c(1).configure({ frequencyHz: 1_000_000 }), /board "nrf52840", i2c1 \(TWIM1\): frequencyHz 1000000 is not supported: the TWIM's FREQUENCY register takes K100, K250 and K400 only .*allowed: 100000, 250000, 400000$/);
  nrf.i2c(1).configure({ frequencyHz: 250_000 });
  assert.throws(() => nrf.i2c(2), /board "nrf52840", i2c 2: no such I2C bus; i2cs are 0..1 \(TWIM0, TWIM1\)/);
  assert.throws(() => c3.i2c(0).configure({ frequencyHz: 100_000, priority: 16 }), /interrupt priority must be an integer in 1..15/);
  assert.throws(() => h7.i2c(0).tx(0x48, null, null), /board "stm32h743", i2c0 \(I2C1\): tx: the bus is not configured in this boot; call configure\(\{ frequencyHz \}\) first/);
});

test("nRF52840: TWIM0 shares its peripheral ID with SPIM0, so i2c0 cannot be configured once spi0 holds it", () => {
  const nrf = createBoard("nrf52840", { firmware: () => {} });
  nrf.claimInstance(nrf.spec.spis[0]!, "spi0");
  assert.throws(() => nrf.i2c(0).configure({ frequencyHz: 100_000 }), /board "nrf52840", i2c0 \(TWIM0\): its peripheral ID 3 is already in use as spi0/);
  nrf.i2c(1).configure({ frequencyHz: 100_000 }); // TWIM1 is free
});

test("world attach: two devices at one address, reserved or bad addresses, devices without read/write are HalErrors", () => {
  const b = createBoard("nrf52840", { firmware: () => {} });
  const w = b.world.i2c(0);
  w.attach(regDevice(0x48, []));
  assert.throws(() => w.attach(regDevice(0x48, [])), (e: unknown) => e instanceof HalError && e.message === 'board "nrf52840", world i2c0 (TWIM0): attach: address 0x48 is already taken by another device; addresses on one bus must differ');
  assert.throws(() => w.attach(regDevice(0x05, [])), /world i2c0 \(TWIM0\): attach: address must be a 7-bit address outside the reserved ranges 0x00-0x07 and 0x78-0x7f \(UM10204 §3.1.12\), an integer 0x08..0x77; got 0x05/);
  assert.throws(() => w.attach(regDevice(0x78, [])), /got 0x78/);
  assert.throws(() => w.attach({ address: 0x20, write() {} } as unknown as I2CDevice), /attach: the device at 0x20 needs write\(bytes\) and read\(into\) functions/);
  assert.throws(() => w.attach(null as unknown as I2CDevice), /attach expects a device/);
  assert.equal(w.detach(0x48), true);
  w.attach(regDevice(0x48, [])); // free again
});

test("tx, readRegister and configure from an ISR are KernelAssertErrors; a second task while a transaction runs is a HalError", async () => {
  const errors: string[] = [];
  let busy = "";
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 100_000 });
      const button = bb.pin("BUTTON");
      button.configure({ mode: "input", pull: "down" });
      button.setInterrupt("rising", () => {
        for (const f of [() => bus.tx(0x48, null, null), () => bus.readRegister(0x48, 0, new Uint8Array(1)), () => bus.configure({ frequencyHz: 400_000 })])
          try {
            f();
            errors.push("no error");
          } catch (e) {
            errors.push(e instanceof KernelAssertError ? e.message : `not a KernelAssertError: ${String(e)}`);
          }
      });
      await bb.rtos.xTaskCreate(async () => {
        await bus.tx(0x48, new Uint8Array(20), null);
      }, "long", 256, null, 2);
      await bb.rtos.xTaskCreate(async () => {
        try {
          await bus.tx(0x48, null, null);
        } catch (e) {
          busy = e instanceof HalError ? e.message : String(e);
        }
      }, "second", 256, null, 1);
    },
  });
  b.world.i2c(0).attach(regDevice(0x48, []));
  b.world.pin("BUTTON").drive(true, 1);
  await b.run(3);
  assert.equal(errors.length, 3);
  assert.match(errors[0]!, /^board "stm32h743" i2c0 \(I2C1\)\.tx called from ISR "EXTI15_10": only a task may make this call/);
  assert.match(errors[1]!, /i2c0 \(I2C1\)\.readRegister called from ISR/);
  assert.match(errors[2]!, /i2c0 \(I2C1\)\.configure called from ISR/);
  assert.equal(busy, 'board "stm32h743", i2c0 (I2C1): tx: task "long" has a transaction in progress; one at a time (guard the bus with a mutex)');
  assert.equal(b.world.i2c(0).log.length, 1, "only the long transaction went on the wire");
});

test("reset: the driver is gone (configure again), devices stay attached, a transaction cut by the reset never completes", async () => {
  let boots = 0;
  const calls: string[] = [];
  const results: string[] = [];
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const boot = ++boots;
      const bus = bb.i2c(0);
      if (boot === 2) {
        try {
          bus.tx(0x48, null, null);
        } catch (e) {
          results.push(e instanceof HalError ? e.message : String(e));
        }
      }
      bus.configure({ frequencyHz: 100_000 });
      await bb.rtos.xTaskCreate(async () => {
        if (boot === 1) {
          await bb.rtos.xTaskCreate(async () => {
            await bb.rtos.busy(0.1);
            bb.reset("software"); // in the middle of the long write below
            for (;;) await bb.rtos.vTaskDelay(100);
          }, "resetter", 256, null, 1);
          await bus.tx(0x48, new Uint8Array(300), null); // 300 × 90 µs: 27 ms
          results.push("boot 1 write completed (wrong)");
        } else {
          const into = new Uint8Array(1);
          await bus.readRegister(0x48, 3, into);
          results.push(`boot 2 read ${into[0]!.toString(16)}`);
        }
      }, "t", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(regDevice(0x48, calls));
  await b.run(60);
  assert.equal(boots, 2);
  assert.deepEqual(results, ['board "nrf52840", i2c0 (TWIM0): tx: the bus is not configured in this boot; call configure({ frequencyHz }) first', "boot 2 read a3"]);
  assert.deepEqual(calls, ["w 3", "r 1"], "the cut write never reached the device");
  assert.equal(b.world.i2c(0).log.length, 1);
});

// ── signals: decode the edges back ──

interface Decoded {
  address: number;
  parts: { rw: "write" | "read"; ack: boolean; bytes: number[] }[];
  start: number;
  stop: number;
}

/** A logic-analyser I2C decoder: START/Sr = SDA falls with SCL high, STOP = SDA rises with SCL high, bits sampled at SCL rising. */
function decode(scl: { initial: boolean; edges: readonly SignalEdge[] }, sda: { initial: boolean; edges: readonly SignalEdge[] }): Decoded[] {
  const events = [...scl.edges.map((e) => ({ ...e, line: "scl" as const })), ...sda.edges.map((e) => ({ ...e, line: "sda" as const }))].sort((a, b) => a.tick - b.tick);
  for (let i = 1; i < events.length; i++) assert.notEqual(events[i]!.tick, events[i - 1]!.tick, "no two edges at the same time");
  let c = scl.initial;
  let d = sda.initial;
  const out: Decoded[] = [];
  let cur: Decoded | null = null;
  let bits: boolean[] = [];
  let byteIndex = 0;
  for (const e of events) {
    if (e.line === "sda") {
      if (c) {
        if (!e.level) {
          // START or repeated START
          if (cur === null) cur = { address: -1, parts: [], start: e.tick, stop: -1 };
          bits = [];
          byteIndex = 0;
        } else {
          assert.ok(cur !== null, "STOP without START");
          cur.stop = e.tick;
          out.push(cur);
          cur = null;
        }
      }
      d = e.level;
    } else {
      c = e.level;
      if (c) {
        assert.ok(cur !== null, "clock outside a transaction");
        bits.push(d);
        if (bits.length === 9) {
          let v = 0;
          for (let i = 0; i < 8; i++) v = (v << 1) | (bits[i] ? 1 : 0);
          const ack = !bits[8]!;
          if (byteIndex === 0) {
            cur.address = v >> 1;
            cur.parts.push({ rw: (v & 1) === 1 ? "read" : "write", ack, bytes: [] });
          } else {
            const part = cur.parts[cur.parts.length - 1]!;
            part.bytes.push(v);
            // a write byte is ACKed by the device; a read byte by the master, except the last (NACK)
            if (part.rw === "write") assert.equal(ack, true);
          }
          byteIndex++;
          bits = [];
        }
      }
    }
  }
  assert.equal(cur, null, "the window ends with the bus idle");
  return out;
}

test("scl/sda signals decode back to the logged transactions: START, address + r/w, bytes, ACK/NACK, repeated START, STOP", async () => {
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 400_000 });
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(1); // the first START after tick 0: the window sees both lines idle first
        await bus.writeRegister(0x48, 0x01, Uint8Array.of(0x5a, 0xc3));
        await bus.readRegister(0x48, 0x01, new Uint8Array(2));
        await bus.tx(0x48, null, new Uint8Array(3));
        await bus.tx(0x22, Uint8Array.of(0xff), null).catch(() => {});
        await bb.rtos.vTaskDelay(1);
        await bus.tx(0x48, null, null);
      }, "t", 256, null, 2);
    },
  });
  b.world.i2c(0).attach(regDevice(0x48, []));
  await b.run(4);
  const scl = b.signal("i2c0.scl").trace(0, 4);
  const sda = b.signal("i2c0.sda").trace(0, 4);
  assert.equal(scl.initial, true, "lines idle high (pulled up)");
  assert.equal(sda.initial, true);
  const got = decode(scl, sda);
  const log = b.world.i2c(0).log;
  const want = log.map((e: I2CLogEntry) => ({ address: e.address, parts: e.parts.map((p) => ({ rw: p.rw, ack: p.ack, bytes: [...p.bytes] })), start: e.startTick, stop: e.endTick }));
  assert.deepEqual(got, want);
  assert.deepEqual(got.map((t) => t.parts.map((p) => `${p.rw}${p.ack ? "" : "(nack)"} ${p.bytes.map((x) => x.toString(16)).join(" ")}`.trim())), [
    ["write 1 5a c3"],
    ["write 1", "read 5a c3"],
    ["read 5a c3 a3"],
    ["write(nack)"],
    ["write"],
  ]);
  // A window that starts in the middle of the second transaction: its level there, and the next one complete.
  const mid = (log[1]!.startTick + log[1]!.endTick) / 2;
  const s2 = b.signal("i2c0.sda").trace(log[1]!.endTick, 4);
  const c2 = b.signal("i2c0.scl").trace(log[1]!.endTick, 4);
  assert.equal(decode(c2, s2).length, 3);
  const partial = b.signal("i2c0.scl").trace(mid, mid + 1e-9);
  assert.equal(partial.edges.length, 0);
  assert.throws(() => b.signal("i2c0.sck"), /board "nrf52840", signal "i2c0.sck": an I2C bus has lines scl and sda, not "sck"/);
  // Each edge of SCL alternates, and the clock count is 9 per byte: (1+3) + (1+1) + (1+2) + (1+3) + 1 + 1 bytes.
  const rising = scl.edges.filter((e) => e.level).length;
  assert.equal(rising, 9 * (4 + 2 + 3 + 4 + 1 + 1) + 1 + 5, "9 clocks per byte, plus one SCL rise per repeated START and per STOP");
});

test("configure again in the same boot changes the SCL frequency (not while a transaction runs); the next transaction uses it", async () => {
  const out: string[] = [];
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const bus = bb.i2c(0);
      bus.configure({ frequencyHz: 100_000 });
      await bb.rtos.xTaskCreate(async () => {
        await bus.tx(0x48, Uint8Array.of(1), null);
        bus.configure({ frequencyHz: 1_000_000 });
        await bus.tx(0x48, Uint8Array.of(2), null);
      }, "t", 256, null, 2);
      await bb.rtos.xTaskCreate(async () => {
        // runs while "t" waits in its first transaction
        try {
          bus.configure({ frequencyHz: 400_000 });
        } catch (e) {
          out.push(e instanceof HalError ? e.message : String(e));
        }
      }, "other", 256, null, 1);
    },
  });
  b.world.i2c(0).attach(regDevice(0x48, []));
  await b.run(2);
  assert.deepEqual(out, ['board "stm32h743", i2c0 (I2C1): configure while a transaction is in progress: wait for it to complete first']);
  const log = b.world.i2c(0).log;
  assert.deepEqual(log.map((e) => e.frequencyHz), [100_000, 1_000_000]);
  assert.ok(near(log[0]!.endTick, txTicks(b, 100_000, [1])));
  // The second START waits for the Sm tBUF of the first STOP (4.7 µs), then runs at 1 MHz.
  assert.ok(near(log[1]!.startTick, log[0]!.endTick + 4.7e-3));
  assert.ok(near(log[1]!.endTick - log[1]!.startTick, txTicks(b, 1_000_000, [1])));
});
