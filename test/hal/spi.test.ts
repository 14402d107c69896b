/**
 * SPI (API.md `tinyrtos/hal`, board.spi / board.world.spi): byte timing 8 / f per byte on every
 * board and mode, full-duplex loopback (async and generator tasks), the fill byte, CS routing to
 * two devices and MISO idle 0xFF, the SCK rate rounding and ranges, the bus signals decoded back
 * into bytes for each mode, DMA zero copy and its refusal of host buffers, task-only calls from
 * an ISR, bad input, reset, and the nRF52840 SPIM0/TWIM0 shared instance.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board, type GenTaskLike } from "./helpers.js";
import { KernelAssertError } from "../../src/freertos/index.js";
import { spiClockRange, SPI_FILL_BYTE, type SpiDevice, type SpiMode, type SignalTrace } from "../../src/hal/index.js";

const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
/** Per board: a CS pin, a second CS pin, and an SCK rate every SPI of the board can make exactly. */
const SETUP = {
  stm32h743: { cs: "PA4", cs2: "PB6", hz: 12_500_000 }, // 100 MHz / 8
  esp32c3: { cs: "GPIO5", cs2: "GPIO6", hz: 10_000_000 }, // 80 MHz / 8
  nrf52840: { cs: "P0.10", cs2: "P0.11", hz: 8_000_000 }, // FREQUENCY M8
} as const;
const BOARDS = Object.keys(SETUP) as (keyof typeof SETUP)[];
const MODES: SpiMode[] = [0, 1, 2, 3];

/** Loopback plug: MISO = the MOSI byte just clocked. */
function loopback(): SpiDevice & { selects: number; deselects: number; seen: number[] } {
  return {
    selects: 0,
    deselects: 0,
    seen: [],
    exchange(mosi) {
      this.seen.push(mosi);
      return mosi;
    },
    select() {
      this.selects++;
    },
    deselect() {
      this.deselects++;
    },
  };
}

/** Firmware: one task that configures spi0 and CS, waits 1 tick, then runs `body`. */
function firmware(opts: { frequencyHz: number; mode?: SpiMode; cs: string; lane?: "async" | "gen" }, body: (b: Board) => Promise<void> | ((b: Board) => GenTaskLike)) {
  return async (b: Board) => {
    const spi = b.spi(0);
    spi.configure({ frequencyHz: opts.frequencyHz, mode: opts.mode ?? 0 });
    const cs = b.pin(opts.cs);
    cs.high();
    cs.configure({ mode: "output" });
    await b.rtos.xTaskCreate(async () => {
      await b.rtos.vTaskDelay(1);
      await body(b);
    }, "spi", 256, null, 2);
  };
}

test("byte timing on every board and mode: byte i's first SCK edge at t0 + i·8/f + ½/f, the transfer ends at t0 + n·8/f", async () => {
  for (const name of BOARDS) {
    const { cs, hz } = SETUP[name];
    for (const mode of MODES) {
      let start = -1;
      let end = -1;
      const b = createBoard(name, {
        firmware: firmware({ frequencyHz: hz, mode, cs }, async (bb) => {
          const pin = bb.pin(cs);
          pin.low();
          start = bb.now();
          await bb.spi(0).tx(Uint8Array.of(1, 2, 3), null);
          end = bb.now();
          pin.high();
        }),
      });
      b.world.spi(0).attach(cs, loopback());
      await b.run(5);
      const tickHz = b.rtos.kernel.config.configTICK_RATE_HZ;
      const byteTicks = (8 / hz) * tickHz;
      const log = b.world.spi(0).log;
      assert.equal(b.spi(0).frequencyHz, hz);
      assert.equal(start, 1);
      assert.equal(log.length, 3, `${name} mode ${mode}`);
      log.forEach((e, i) => {
        assert.ok(near(e.tick, start + i * byteTicks + byteTicks / 16), `${name} mode ${mode}: byte ${i} first SCK edge at ${start + i * byteTicks + byteTicks / 16}, got ${e.tick}`);
        assert.ok(near(e.bitTicks, tickHz / hz));
        assert.equal(e.mode, mode);
        assert.equal(e.cs, cs);
        assert.equal(e.mosi, i + 1);
        assert.equal(e.miso, i + 1);
      });
      assert.ok(near(end, start + 3 * byteTicks), `${name} mode ${mode}: tx resolves at ${start + 3 * byteTicks}, got ${end}`);
      const irq = b.spec.spis[0]!.irq;
      assert.equal(b.rtos.interruptStats().find((s) => s.irq === irq)?.fired, 1, `${name}: one transfer-complete interrupt at vendor number ${irq}`);
    }
  }
});

for (const lane of ["async", "gen"] as const) {
  test(`full duplex through a loopback device: read = write; fill byte ${SPI_FILL_BYTE} when write is short or null (${lane} task)`, async () => {
    const got: number[][] = [];
    const b = createBoard("nrf52840", {
      firmware: async (bb) => {
        const spi = bb.spi(0);
        spi.configure({ frequencyHz: 4_000_000, mode: 0 });
        const cs = bb.pin("P0.10");
        cs.high();
        cs.configure({ mode: "output" });
        const r1 = new Uint8Array(4);
        const r2 = new Uint8Array(5);
        const r3 = new Uint8Array(2);
        const done = () => got.push([...r1], [...r2], [...r3]);
        if (lane === "async")
          await bb.rtos.xTaskCreate(async () => {
            cs.low();
            await spi.tx(Uint8Array.of(0xde, 0xad, 0xbe, 0xef), r1);
            await spi.tx(Uint8Array.of(9, 8), r2);
            await spi.tx(null, r3);
            await spi.tx(Uint8Array.of(7), null);
            cs.high();
            done();
          }, "t", 256, null, 2);
        else
          await bb.rtos.xTaskCreate(function* (): GenTaskLike {
            cs.low();
            yield* spi.tx(Uint8Array.of(0xde, 0xad, 0xbe, 0xef), r1);
            yield* spi.tx(Uint8Array.of(9, 8), r2);
            const v: void = yield* spi.tx(null, r3);
            assert.equal(v, undefined);
            yield* spi.tx(Uint8Array.of(7), null);
            yield* spi.tx(null, null); // nothing to clock: completes at once
            cs.high();
            done();
          }, "t", 256, null, 2);
      },
    });
    const dev = loopback();
    b.world.spi(0).attach("P0.10", dev);
    await b.run(3);
    assert.deepEqual(got, [
      [0xde, 0xad, 0xbe, 0xef],
      [9, 8, 0, 0, 0],
      [0, 0],
    ]);
    assert.deepEqual(dev.seen, [0xde, 0xad, 0xbe, 0xef, 9, 8, 0, 0, 0, 0, 0, 7]);
    assert.equal(dev.selects, 1);
    // Two rising edges: the pin reads low (unconfigured input, no pull) until configure makes it an output at high.
    assert.equal(dev.deselects, 2);
  });
}

test("CS routing: each device exchanges only while its CS is low; none selected reads 0xFF", async () => {
  const got: number[][] = [];
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const spi = bb.spi(0);
      spi.configure({ frequencyHz: 12_500_000 });
      const a = bb.pin("PA4");
      const c = bb.pin("PB6");
      for (const p of [a, c]) {
        p.high();
        p.configure({ mode: "output" });
      }
      await bb.rtos.xTaskCreate(async () => {
        const r = () => new Uint8Array(2);
        let x = r();
        a.low();
        await spi.tx(Uint8Array.of(1, 2), x);
        a.high();
        got.push([...x]);
        x = r();
        c.low();
        await spi.tx(Uint8Array.of(3, 4), x);
        c.high();
        got.push([...x]);
        x = r();
        await spi.tx(Uint8Array.of(5, 6), x);
        got.push([...x]);
      }, "t", 256, null, 2);
    },
  });
  const seenA: number[] = [];
  const seenB: number[] = [];
  let selB = 0;
  b.world.spi(0).attach("PA4", { exchange: (m) => (seenA.push(m), 0xa0 | m) });
  b.world.spi(0).attach("PB6", { exchange: (m) => (seenB.push(m), 0xb0 | m), select: () => selB++ });
  await b.run(2);
  assert.deepEqual(got, [
    [0xa1, 0xa2],
    [0xb3, 0xb4],
    [0xff, 0xff],
  ]);
  assert.deepEqual(seenA, [1, 2]);
  assert.deepEqual(seenB, [3, 4]);
  assert.equal(selB, 1);
  assert.deepEqual(b.world.spi(0).log.map((e) => e.cs), ["PA4", "PA4", "PB6", "PB6", null, null]);
});

test("SCK rate: rounded down to one the instance can make; out of range is a HalError naming the figure", () => {
  assert.deepEqual(spiClockRange("stm32h743", "SPI1").ratesHz, [390_625, 781_250, 1_562_500, 3_125_000, 6_250_000, 12_500_000, 25_000_000, 50_000_000]);
  assert.deepEqual(spiClockRange("nrf52840", "SPIM0").ratesHz, [125e3, 250e3, 500e3, 1e6, 2e6, 4e6, 8e6]);
  assert.equal(spiClockRange("nrf52840", "SPIM3").maxHz, 32e6);
  assert.equal(spiClockRange("esp32c3", "SPI2").maxHz, 80e6);
  assert.equal(spiClockRange("esp32c3", "SPI2").minHz, 80e6 / (64 * 16));
  const cases: [string, number, number, number][] = [
    ["stm32h743", 0, 30e6, 25e6],
    ["stm32h743", 0, 50e6, 50e6],
    ["nrf52840", 0, 5e6, 4e6],
    ["nrf52840", 3, 20e6, 16e6],
    ["esp32c3", 0, 79e6, 40e6],
    ["esp32c3", 0, 26e6, 80e6 / 4],
  ];
  for (const [name, n, req, want] of cases) {
    const b = createBoard(name, { firmware: () => {} });
    b.spi(n).configure({ frequencyHz: req });
    assert.equal(b.spi(n).frequencyHz, want, `${name} spi${n} ${req} Hz → ${want}`);
  }
  const nrf = createBoard("nrf52840", { firmware: () => {} });
  assert.throws(() => nrf.spi(0).configure({ frequencyHz: 16e6 }), (e: unknown) => e instanceof HalError && /nrf52840.*spi0 \(SPIM0\).*16000000 Hz is out of range 125000\.\.8000000/.test(e.message));
  assert.throws(() => nrf.spi(0).configure({ frequencyHz: 100e3 }), HalError);
  assert.throws(() => createBoard("stm32h743", { firmware: () => {} }).spi(0).configure({ frequencyHz: 60e6 }), /out of range 390625\.\.50000000/);
  assert.throws(() => createBoard("esp32c3", { firmware: () => {} }).spi(0).configure({ frequencyHz: 81e6 }), HalError);
});

/** Samples `data` at each sampling edge of `sck` (leading edge for CPHA 0, trailing for CPHA 1): the bytes, MSB first. */
function decode(sck: SignalTrace, data: SignalTrace, mode: SpiMode): number[] {
  const cpol = mode >= 2;
  const cpha = (mode & 1) === 1;
  const bits: number[] = [];
  let d = data.initial;
  let di = 0;
  for (const e of sck.edges) {
    const leading = e.level !== cpol;
    if (leading === cpha) continue;
    while (di < data.edges.length && data.edges[di]!.tick <= e.tick) d = data.edges[di++]!.level;
    bits.push(d ? 1 : 0);
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(bits.slice(i, i + 8).reduce((a, x) => (a << 1) | x, 0));
  return bytes;
}

test("bus signals per mode: SCK idles at CPOL, MOSI/MISO decode back into the bytes at the sampling edges, cs is the device's CS pin", async () => {
  for (const mode of MODES) {
    const b = createBoard("esp32c3", {
      firmware: firmware({ frequencyHz: 10e6, mode, cs: "GPIO5" }, async (bb) => {
        bb.pin("GPIO5").low();
        await bb.spi(0).tx(Uint8Array.of(0x00, 0xa5, 0x3c, 0xff, 0x81), null);
        bb.pin("GPIO5").high();
      }),
    });
    b.world.spi(0).attach("GPIO5", { exchange: (m) => m ^ 0x5a });
    await b.run(3);
    const sck = b.signal("spi0.sck").trace(-1, 3);
    const mosi = b.signal("spi0.mosi").trace(-1, 3);
    const miso = b.signal("spi0.miso").trace(-1, 3);
    const cs = b.signal("spi0.cs").trace(-1, 3);
    const cpol = mode >= 2;
    assert.equal(sck.initial, false, "SCK low before configure (reset state)");
    // Idle level: CPOL from configure (tick 0) on; 16 edges per byte, ending at CPOL.
    const byteEdges = sck.edges.filter((e) => e.tick >= 1);
    assert.equal(byteEdges.length, 5 * 16, `mode ${mode}: 16 SCK edges per byte`);
    assert.equal(byteEdges[byteEdges.length - 1]!.level, cpol, `mode ${mode}: SCK back at its idle level ${cpol}`);
    assert.equal(byteEdges[0]!.level, !cpol, `mode ${mode}: first edge leaves the idle level`);
    if (cpol) assert.deepEqual(sck.edges[0], { tick: 0, level: true }, "CPOL 1: SCK goes high at configure");
    else assert.ok(sck.edges[0]!.tick >= 1, "CPOL 0: SCK stays low until the first byte");
    const log = b.world.spi(0).log;
    assert.ok(near(byteEdges[0]!.tick, log[0]!.tick), "the log's tick is the first SCK edge");
    const clocked = { initial: cpol, edges: byteEdges }; // the transfer's edges (not the idle change at configure)
    assert.deepEqual(decode(clocked, mosi, mode), [0x00, 0xa5, 0x3c, 0xff, 0x81], `mode ${mode}: MOSI decodes`);
    assert.deepEqual(decode(clocked, miso, mode), [0x5a, 0xff, 0x66, 0xa5, 0xdb], `mode ${mode}: MISO decodes`);
    // Data changes half a bit before an SCK edge (the sampling edge).
    const half = log[0]!.bitTicks / 2;
    assert.ok(mosi.edges.every((e) => sck.edges.some((s) => near(s.tick, e.tick + half))), `mode ${mode}: MOSI changes half a bit before an SCK edge`);
    assert.deepEqual(cs.edges, b.world.pin("GPIO5").edges);
    // CS high at configure, low for the 5 bytes (8 / 10 MHz × 1000 Hz = 8e-4 ticks each).
    assert.deepEqual(cs.edges.map((e) => e.level), [true, false, true]);
    assert.ok(near(cs.edges[0]!.tick, 0) && near(cs.edges[1]!.tick, 1) && near(cs.edges[2]!.tick, 1 + 5 * 8e-4), `mode ${mode}: CS edges ${JSON.stringify(cs.edges)}`);
  }
  const b = createBoard("esp32c3", { firmware: () => {} });
  assert.deepEqual(b.signal("spi0.cs").trace(0, 5), { initial: true, edges: [] }, "no device attached: cs reads high (deselected)");
  assert.throws(() => b.signal("spi0.clk"), /lines sck, mosi, miso and cs/);
  assert.throws(() => b.signal("spi3.sck"), /no such SPI; spis are 0..0 \(SPI2\)/);
});

test("txDMA is zero copy: a byte changed in RAM before its turn goes out changed; received bytes land in RAM", async () => {
  let inRam: number[] = [];
  const b = createBoard("stm32h743", {
    firmware: firmware({ frequencyHz: 12.5e6, cs: "PA4" }, async (bb) => {
      const base = bb.ram.regions.find((r) => r.dma)!.base;
      const out = bb.ram.view(base, 4);
      out.set([1, 2, 3, 4]);
      const into = bb.ram.view(base + 16, 4);
      bb.pin("PA4").low();
      await bb.spi(0).txDMA(out, into);
      bb.pin("PA4").high();
      inRam = [...bb.ram.view(base + 16, 4)];
    }),
  });
  let mutated = false;
  b.world.spi(0).attach("PA4", {
    exchange(m) {
      if (!mutated) {
        // End of byte 0: byte 1 has not started yet; change bytes 1 and 2 in RAM.
        mutated = true;
        b.ram.view(b.ram.regions.find((r) => r.dma)!.base + 1, 2).set([0x77, 0x88]);
      }
      return 0xff - m;
    },
  });
  await b.run(3);
  assert.deepEqual(b.world.spi(0).log.map((e) => e.mosi), [1, 0x77, 0x88, 4]);
  assert.deepEqual(inRam, [0xfe, 0x88, 0x77, 0xfb]);
});

test("txDMA from a host buffer is refused with a HalError; nothing goes on the wire", async () => {
  const errors: string[] = [];
  const b = createBoard("nrf52840", {
    firmware: firmware({ frequencyHz: 8e6, cs: "P0.10" }, async (bb) => {
      for (const f of [() => bb.spi(0).txDMA(new Uint8Array(4), null), () => bb.spi(0).txDMA(null, new Uint8Array(4))])
        try {
          await f();
        } catch (e) {
          errors.push(e instanceof HalError ? e.message : `not a HalError: ${String(e)}`);
        }
      await bb.spi(0).tx(null, null);
    }),
  });
  await b.run(3);
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /nrf52840.*spi0 \(SPIM0\).*txDMA: the write buffer is not in board RAM/);
  assert.match(errors[1]!, /txDMA: the read buffer is not in board RAM/);
  assert.equal(b.world.spi(0).log.length, 0);
});

test("tx and txDMA from an ISR are KernelAssertErrors naming the driver call", async () => {
  const errors: string[] = [];
  const b = createBoard("esp32c3", {
    firmware: (bb) => {
      const spi = bb.spi(0);
      spi.configure({ frequencyHz: 1e6 });
      const button = bb.pin("BUTTON");
      button.configure({ mode: "input", pull: "up" });
      button.setInterrupt("falling", () => {
        for (const f of [() => spi.tx(Uint8Array.of(1), null), () => spi.txDMA(bb.ram.view(bb.ram.regions[0]!.base, 1), null)])
          try {
            f();
          } catch (e) {
            errors.push(e instanceof KernelAssertError ? e.message : `not a KernelAssertError: ${String(e)}`);
          }
      });
    },
  });
  b.world.pin("BUTTON").drive(false, 2);
  await b.run(5);
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /board "esp32c3" spi0 \(SPI2\)\.tx called from ISR "GPIO": only a task may make this call/);
  assert.match(errors[1]!, /spi0 \(SPI2\)\.txDMA called from ISR/);
  assert.equal(b.world.spi(0).log.length, 0);
});

test("bad input: bus, mode, frequency, CS pin, a second device on one CS, a device without exchange", () => {
  const b = createBoard("stm32h743", { firmware: () => {} });
  assert.throws(() => b.spi(6), (e: unknown) => e instanceof HalError && /stm32h743.*spi 6.*no such SPI; spis are 0..5/.test(e.message));
  assert.throws(() => b.world.spi(-1), HalError);
  assert.throws(() => b.spi(0).configure({ frequencyHz: 1e6, mode: 4 as SpiMode }), /mode must be 0, 1, 2 or 3/);
  assert.throws(() => b.spi(0).configure({ frequencyHz: Number.NaN }), /frequencyHz must be a positive number/);
  assert.throws(() => b.spi(0).configure({ frequencyHz: 1e6, priority: 16 }), /priority must be an integer in 1\.\.15/);
  assert.equal(b.spi(0).frequencyHz, 0, "a refused configure leaves the SPI unconfigured");
  b.spi(0).configure({ frequencyHz: 1e6, priority: 5 });
  b.spi(0).configure({ frequencyHz: 2e6, mode: 2 }); // rate and mode may change
  assert.equal(b.spi(0).frequencyHz, 1_562_500);
  assert.throws(() => b.spi(0).configure({ frequencyHz: 1e6, priority: 6 }), /already runs at priority 5/);
  assert.equal(b.spi(0).mode, 2, "the refused reconfigure changed nothing");
  assert.throws(() => b.world.spi(0).attach("PZ9", loopback()), /no such pin/);
  b.world.spi(0).attach("PA4", loopback());
  assert.throws(() => b.world.spi(1).attach("PA4", loopback()), /pin PA4 is already the chip select of a device on spi0 \(SPI1\)/);
  assert.throws(() => b.world.spi(0).attach("PA5", {} as SpiDevice), /attach expects a device \{ exchange/);
  assert.throws(() => b.world.spi(0).attach("PA5", null as unknown as SpiDevice), HalError);
  assert.equal(b.world.spi(0).log.length, 0);
});

test("reset clears the driver: unconfigured after reset, tx needs configure again; devices stay attached", async () => {
  let boots = 0;
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      boots++;
      if (boots === 1) bb.spi(1).configure({ frequencyHz: 2e6, mode: 3 });
    },
  });
  const dev = loopback();
  b.world.spi(1).attach("P0.10", dev);
  await b.run(2);
  assert.equal(b.spi(1).frequencyHz, 2e6);
  assert.equal(b.spi(1).mode, 3);
  b.reset("software");
  await b.run(2);
  assert.equal(b.spi(1).frequencyHz, 0);
  assert.equal(b.spi(1).mode, null);
  assert.equal(b.signal("spi1.sck").trace(0, 10).edges.at(-1)!.level, false, "SCK back to the reset level");
  assert.equal(b.signal("spi1.cs").name, "spi1.cs", "the device stays on the bus");
});

test("nRF52840 SPIM0 and TWIM0 share peripheral ID 3: one role per boot", () => {
  const b = createBoard("nrf52840", { firmware: () => {} });
  b.spi(0).configure({ frequencyHz: 1e6 });
  assert.throws(() => b.claimInstance(b.spec.i2cs[0]!, "i2c0"), /i2c0 \(TWIM0\).*peripheral ID 3 is already in use as spi0/);
  const c = createBoard("nrf52840", { firmware: () => {} });
  c.claimInstance(c.spec.i2cs[0]!, "i2c0");
  assert.throws(() => c.spi(0).configure({ frequencyHz: 1e6 }), /spi0 \(SPIM0\).*already in use as i2c0/);
  assert.equal(c.spi(0).frequencyHz, 0);
  c.spi(2).configure({ frequencyHz: 1e6 }); // SPIM2 has its own ID
  assert.equal(c.spi(2).frequencyHz, 1e6);
});

test("determinism: the same firmware and devices give the same wire log", async () => {
  const once = async () => {
    const b = createBoard("stm32h743", {
      seed: 7,
      firmware: firmware({ frequencyHz: 3e6, mode: 1, cs: "PA4" }, async (bb) => {
        for (let i = 0; i < 10; i++) {
          bb.pin("PA4").low();
          await bb.spi(0).tx(Uint8Array.of(i, i * 3), new Uint8Array(3));
          bb.pin("PA4").high();
          await bb.rtos.vTaskDelay(1);
        }
      }),
    });
    let n = 0;
    b.world.spi(0).attach("PA4", { exchange: (m) => (m + n++) & 0xff });
    await b.run(20);
    return JSON.stringify(b.world.spi(0).log);
  };
  const a = await once();
  assert.equal(JSON.parse(a).length, 30);
  assert.equal(await once(), a);
});
