/**
 * recordVCD's output decoded by sigrok's protocol decoders (an independent implementation of each
 * protocol): a string the firmware writes on uart0 at 115200 baud comes back byte for byte from
 * the `uart` decoder; synthetic SPI (mode 0) and I2C waveforms, drawn through fake signal sources
 * and recorded by recordVCD, decode with the `spi` and `i2c` decoders using the same option syntax
 * the SPI and I2C drivers' tests will use. sigrok-cli missing → these tests fail, saying to install it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, createTMP102, w25q32jv } from "../../src/hal/index.js";
import { traceFromEdges, type SignalEdge, type SignalSource } from "../../src/hal/signal.js";
import { recordVCD, type VCDBoard } from "../../src/trace/index.js";
import { sigrokAnnotations, sigrokDecode } from "./sigrok.js";

const UART = "uart:rx=uart0.tx:baudrate=115200";

test("sigrok's uart decoder reads back the string the firmware wrote on uart0 at 115200 baud", async () => {
  const message = "tinyrtos \x00\xff\x55 ok\n";
  const bytes = Uint8Array.from(message, (c) => c.charCodeAt(0));
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const u = bb.uart(0);
      u.configure({ baudRate: 115200 });
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(1);
        await u.write(bytes);
      }, "tx", 256, null, 1);
    },
  });
  const vcd = recordVCD(b, ["uart0.tx", "LED"]);
  const cut = recordVCD(b, ["uart0.tx"], { maxChanges: 40 });
  await b.run(5); // 20 bytes × 86.8 µs ≈ 1.74 ms of a 1 ms tick: done by tick 3
  assert.equal(b.world.uart(0).txLog.length, bytes.length);
  const text = vcd.text();
  assert.deepEqual(sigrokDecode(text, UART, "uart=rx-data"), [...bytes]);
  // Downsampled by 100 (10 MHz, 87 samples per bit) it decodes the same.
  assert.deepEqual(sigrokDecode(text, UART, "uart=rx-data", { downsample: 100 }), [...bytes]);
  // A truncated dump is still a VCD sigrok reads: it decodes a proper prefix of the string.
  assert.equal(cut.truncated, true);
  const partBytes = sigrokDecode(cut.text(), UART, "uart=rx-data");
  assert.ok(partBytes.length > 0 && partBytes.length < bytes.length, `${partBytes.length} bytes decoded from the truncated dump`);
  assert.deepEqual(partBytes, [...bytes].slice(0, partBytes.length));
  // The wrong baud rate does not: the check can fail.
  assert.notDeepEqual(sigrokDecode(text, "uart:rx=uart0.tx:baudrate=57600", "uart=rx-data"), [...bytes]);
});

/** A board-shaped fake for recordVCD: lines drawn from edge lists, a 1 kHz tick; `board.now()` is `clock.tick`. */
function fakeBoard(lines: Record<string, { idle: boolean; edges: SignalEdge[] }>, clock: { tick: number }): VCDBoard {
  return {
    info: { name: "fake" },
    rtos: { kernel: { config: { configTICK_RATE_HZ: 1000 } } },
    now: () => clock.tick,
    signal(name: string): SignalSource {
      const line = lines[name];
      if (line === undefined) throw new Error(`no line ${name}`);
      return { name, trace: (from, to) => traceFromEdges(line.edges, line.idle, from, to) };
    },
  };
}

/** Appends `level` at `tick` when it changes the line (edges only). */
function set(line: { level: boolean; edges: SignalEdge[] }, tick: number, level: boolean): void {
  if (line.level === level) return;
  line.level = level;
  line.edges.push({ tick, level });
}

test("a synthetic SPI mode-0 exchange (1 MHz, chip select low) decodes with sigrok's spi decoder: MOSI and MISO bytes", () => {
  const mosiBytes = [0x9f, 0x00, 0xa5, 0x3c];
  const misoBytes = [0xff, 0xef, 0x40, 0x18];
  const bit = 0.001; // ticks: 1 µs at 1 kHz → 1 MHz SCK
  const sck = { level: false, edges: [] as SignalEdge[] };
  const mosi = { level: false, edges: [] as SignalEdge[] };
  const miso = { level: false, edges: [] as SignalEdge[] };
  const cs = { level: true, edges: [] as SignalEdge[] };
  let t = 0.01;
  set(cs, t, false);
  t += bit;
  mosiBytes.forEach((m, i) => {
    for (let k = 7; k >= 0; k--) {
      // Mode 0 (CPOL 0, CPHA 0): data changes while SCK is low, sampled on the rising edge. MSB first.
      set(mosi, t, ((m >> k) & 1) === 1);
      set(miso, t, ((misoBytes[i]! >> k) & 1) === 1);
      set(sck, t + bit / 2, true);
      set(sck, t + bit, false);
      t += bit;
    }
  });
  set(cs, t + bit, true);
  const clock = { tick: 0 };
  const board = fakeBoard(
    {
      "spi0.sck": { idle: false, edges: sck.edges },
      "spi0.mosi": { idle: false, edges: mosi.edges },
      "spi0.miso": { idle: false, edges: miso.edges },
      "spi0.cs": { idle: true, edges: cs.edges },
    },
    clock,
  );
  const vcd = recordVCD(board, ["spi0.sck", "spi0.mosi", "spi0.miso", "spi0.cs"]);
  clock.tick = t + 0.01;
  const text = vcd.text();
  const spec = "spi:clk=spi0.sck:mosi=spi0.mosi:miso=spi0.miso:cs=spi0.cs";
  assert.deepEqual(sigrokDecode(text, spec, "spi=mosi-data"), mosiBytes);
  assert.deepEqual(sigrokDecode(text, spec, "spi=miso-data"), misoBytes);
  // Read as mode 1 (sampled on the falling edge) the same waveform gives other bytes: the check can fail.
  assert.notDeepEqual(sigrokDecode(text, `${spec}:cpha=1`, "spi=mosi-data"), mosiBytes);
});

test("a synthetic I2C write-then-read (100 kHz) decodes with sigrok's i2c decoder: address, written and read bytes, ACK/NACK", () => {
  const bit = 0.01; // ticks: 10 µs at 1 kHz → 100 kHz SCL
  const scl = { level: true, edges: [] as SignalEdge[] };
  const sda = { level: true, edges: [] as SignalEdge[] };
  let t = 0.05;
  const start = (): void => {
    // (Repeated) START: SDA falls while SCL is high.
    set(sda, t, true);
    set(scl, t + bit / 4, true);
    set(sda, t + bit / 2, false);
    set(scl, t + bit, false);
    t += bit;
  };
  const byte = (value: number, ack: boolean): void => {
    // Nine clocks: eight data bits MSB first, then the receiver's ACK (SDA low) or NACK (high);
    // SDA changes only while SCL is low.
    for (let k = 8; k >= 0; k--) {
      set(sda, t + bit / 4, k === 0 ? !ack : ((value >> (k - 1)) & 1) === 1);
      set(scl, t + bit / 2, true);
      set(scl, t + bit, false);
      t += bit;
    }
  };
  const stop = (): void => {
    // STOP: SDA rises while SCL is high.
    set(sda, t + bit / 4, false);
    set(scl, t + bit / 2, true);
    set(sda, t + bit, true);
    t += 2 * bit;
  };
  // writeRegister-style: 0x49 write, register 0x0A; repeated start, 0x49 read, two bytes, NACK the last.
  start();
  byte((0x49 << 1) | 0, true);
  byte(0x0a, true);
  start();
  byte((0x49 << 1) | 1, true);
  byte(0x12, true);
  byte(0x34, false);
  stop();
  const clock = { tick: 0 };
  const board = fakeBoard({ "i2c0.scl": { idle: true, edges: scl.edges }, "i2c0.sda": { idle: true, edges: sda.edges } }, clock);
  const vcd = recordVCD(board, ["i2c0.scl", "i2c0.sda"]);
  clock.tick = t + 0.05;
  const text = vcd.text();
  const spec = "i2c:scl=i2c0.scl:sda=i2c0.sda";
  assert.deepEqual(sigrokDecode(text, spec, "i2c=address-write"), [0x49]);
  assert.deepEqual(sigrokDecode(text, spec, "i2c=address-read"), [0x49]);
  assert.deepEqual(sigrokDecode(text, spec, "i2c=data-write"), [0x0a]);
  assert.deepEqual(sigrokDecode(text, spec, "i2c=data-read"), [0x12, 0x34]);
  assert.deepEqual(sigrokAnnotations(text, spec, "i2c=start:repeat-start:stop:ack:nack"), [
    "Start", "ACK", "ACK", "Start repeat", "ACK", "ACK", "NACK", "Stop",
  ]);
});

test("a board's SPI capture decodes with sigrok's spi decoder: the W25Q32JV's JEDEC ID exchange, MOSI and MISO", async () => {
  const seen: number[] = [];
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const spi = bb.spi(1);
      spi.configure({ frequencyHz: 1_000_000, mode: 0 });
      const cs = bb.pin("P0.20");
      cs.configure({ mode: "output" });
      cs.high();
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(1);
        const id = new Uint8Array(4);
        cs.low();
        await spi.tx(Uint8Array.of(0x9f, 0, 0, 0), id);
        cs.high();
        seen.push(...id);
      }, "jedec", 256, null, 1);
    },
  });
  b.world.spi(1).attach("P0.20", w25q32jv());
  const vcd = recordVCD(b, ["spi1.sck", "spi1.mosi", "spi1.miso", "spi1.cs"]);
  await b.run(3);
  assert.deepEqual(seen, [0xff, 0xef, 0x40, 0x16], "the firmware read the JEDEC ID");
  const spec = "spi:clk=spi1.sck:mosi=spi1.mosi:miso=spi1.miso:cs=spi1.cs";
  const text = vcd.text();
  assert.deepEqual(sigrokDecode(text, spec, "spi=mosi-data", { downsample: 10 }), [0x9f, 0, 0, 0]);
  assert.deepEqual(sigrokDecode(text, spec, "spi=miso-data", { downsample: 10 }), [0xff, 0xef, 0x40, 0x16]);
  // Read as mode 1 (sampling on the other edge) it does not match: the check can fail.
  assert.notDeepEqual(sigrokDecode(text, `${spec}:cpha=1`, "spi=miso-data", { downsample: 10 }), [0xff, 0xef, 0x40, 0x16]);
});

test("a board's I2C capture decodes with sigrok's i2c decoder: a TMP102 register read (address, pointer, two data bytes)", async () => {
  const seen: number[] = [];
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const i2c = bb.i2c(0);
      i2c.configure({ frequencyHz: 100_000 });
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(1);
        const config = new Uint8Array(2);
        await i2c.readRegister(0x48, 0x01, config);
        seen.push(...config);
      }, "sensor", 256, null, 1);
    },
  });
  b.world.i2c(0).attach(createTMP102({ address: 0x48, celsius: 25 }));
  const vcd = recordVCD(b, ["i2c0.scl", "i2c0.sda"]);
  await b.run(3);
  assert.deepEqual(seen, [0x60, 0xa0], "the TMP102's power-on configuration register");
  const spec = "i2c:scl=i2c0.scl:sda=i2c0.sda";
  const text = vcd.text();
  assert.deepEqual(sigrokDecode(text, spec, "i2c=address-write", { downsample: 10 }), [0x48]);
  assert.deepEqual(sigrokDecode(text, spec, "i2c=address-read", { downsample: 10 }), [0x48]);
  assert.deepEqual(sigrokDecode(text, spec, "i2c=data-write", { downsample: 10 }), [0x01]);
  assert.deepEqual(sigrokDecode(text, spec, "i2c=data-read", { downsample: 10 }), [0x60, 0xa0]);
});
