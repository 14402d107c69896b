/**
 * UART (API.md `tinyrtos/hal`, board.uart / board.world.uart): 8N1 byte timing at 9600 and
 * 115200 on every board, an echo task against the world (async and generator tasks), an RX
 * flood with nobody reading (received = buffered + overruns), a read timeout, writeDMA zero copy
 * and its refusal of host buffers, bad baud rates, task-only calls from an ISR, reset, determinism.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board, type GenTaskLike } from "./helpers.js";
import { KernelAssertError } from "../../src/freertos/index.js";
import { uartBaudRange } from "../../src/hal/index.js";

const BOARDS = ["stm32h743", "esp32c3", "nrf52840"] as const;
const none = () => {};
/** 10 bit times in ticks at the board's default tick rate. */
const byteTicks = (b: Board, baud: number) => (10 / baud) * b.rtos.kernel.config.configTICK_RATE_HZ;
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

for (const baud of [9600, 115200]) {
  test(`byte timing at ${baud} baud on every board: TX and RX stop bits end at 10/baud seconds per byte`, async () => {
    for (const name of BOARDS) {
      const seen: { txDone: number; n: number; rxAt: number; got: number[] } = { txDone: -1, n: -1, rxAt: -1, got: [] };
      const b = createBoard(name, {
        firmware: async (bb) => {
          const rtos = bb.rtos;
          const u = bb.uart(0);
          u.configure({ baudRate: baud });
          await rtos.xTaskCreate(async () => {
            seen.n = await u.write("AB");
            seen.txDone = bb.now();
            const into = new Uint8Array(8);
            const n = await u.read(into, rtos.portMAX_DELAY);
            seen.rxAt = bb.now();
            seen.got = [...into.subarray(0, n)];
          }, "t", 256, null, 2);
        },
      });
      const T = byteTicks(b, baud);
      b.world.uart(0).write(Uint8Array.of(0x5a), 10);
      await b.run(20);
      const log = b.world.uart(0).txLog;
      assert.equal(log.length, 2, `${name}: two bytes sent`);
      assert.ok(near(log[0]!.tick, T), `${name} @${baud}: first stop bit ends at ${T} ticks, got ${log[0]!.tick}`);
      assert.ok(near(log[1]!.tick, 2 * T), `${name} @${baud}: second byte follows back to back, at ${2 * T}, got ${log[1]!.tick}`);
      assert.equal(seen.n, 2);
      assert.ok(near(seen.txDone, 2 * T), `${name}: write completes when the last stop bit has left, at ${2 * T}, got ${seen.txDone}`);
      assert.ok(near(seen.rxAt, 10 + T), `${name}: read resolves at the received byte's stop bit, ${10 + T}, got ${seen.rxAt}`);
      assert.deepEqual(seen.got, [0x5a]);
      assert.deepEqual(b.world.uart(0).rxLog.map((e) => e.byte), [0x5a]);
      assert.ok(near(b.world.uart(0).rxLog[0]!.tick, 10 + T) && near(b.world.uart(0).rxLog[0]!.byteTicks, T), `${name}: the RX line log has the byte's stop bit and length`);
      assert.equal(b.world.uart(0).text(), "AB");
      const irq = b.spec.uarts[0]!.irq;
      assert.ok((b.rtos.interruptStats().find((s) => s.irq === irq)?.fired ?? 0) >= 2, `${name}: the UART interrupt ran at its vendor number ${irq}`);
    }
  });
}

test("a write longer than the TX FIFO goes out back to back: the TX ISR refills the FIFO in time (every board)", async () => {
  for (const name of BOARDS) {
    let done = -1;
    const b = createBoard(name, {
      firmware: async (bb) => {
        const u = bb.uart(0);
        u.configure({ baudRate: 115200 });
        await bb.rtos.xTaskCreate(async () => {
          assert.equal(await u.write(new Uint8Array(300).map((_, i) => i)), 300);
          done = bb.now();
        }, "tx", 256, null, 2);
      },
    });
    await b.run(40);
    const T = byteTicks(b, 115200);
    const log = b.world.uart(0).txLog;
    assert.equal(log.length, 300, `${name}: 300 bytes sent (FIFO ${b.spec.uarts[0]!.fifoBytes})`);
    log.forEach((e, i) => {
      assert.equal(e.byte, i & 0xff, `${name}: byte ${i} in order`);
      assert.ok(near(e.tick, (i + 1) * T), `${name}: byte ${i} ends at ${(i + 1) * T}, got ${e.tick} (a gap means the FIFO ran dry)`);
    });
    assert.ok(near(done, 300 * T), `${name}: write completed at the last stop bit ${300 * T}, got ${done}`);
  }
});

function echoFirmware(lane: "async" | "gen") {
  return async (b: Board) => {
    const rtos = b.rtos;
    const u = b.uart(0);
    u.configure({ baudRate: 115200, rxBufferBytes: 64 });
    const into = new Uint8Array(16);
    if (lane === "async")
      await rtos.xTaskCreate(async () => {
        for (;;) {
          const n = await u.read(into, rtos.portMAX_DELAY);
          await u.write(into.slice(0, n));
        }
      }, "echo", 256, null, 2);
    else
      await rtos.xTaskCreate(function* (): GenTaskLike {
        for (;;) {
          const n = yield* u.read(into, rtos.portMAX_DELAY);
          yield* u.write(into.slice(0, n));
        }
      }, "echo", 256, null, 2);
  };
}

for (const lane of ["async", "gen"] as const) {
  test(`an echo task (read then write) sends back what the world sent (${lane} task)`, async () => {
    for (const name of BOARDS) {
      const b = createBoard(name, { firmware: echoFirmware(lane) });
      const w = b.world.uart(0);
      w.write("hello, ", 1);
      w.write("wörld\n", 5);
      await b.run(30);
      assert.equal(w.text(), "hello, wörld\n", `${name}: echoed text`);
      assert.equal(new TextDecoder().decode(w.read()), "hello, wörld\n");
      assert.equal(w.read().length, 0, "read() returns only what was sent since the last read");
      assert.equal(b.uart(0).overruns, 0, `${name}: no byte lost`);
      // Echo of the first byte cannot end before that byte was received and sent again.
      assert.ok(w.txLog[0]!.tick >= 1 + 2 * byteTicks(b, 115200) - 1e-9);
    }
  });
}

test("RX flood with nobody reading: received = buffered + overruns exactly, on every board", async () => {
  for (const name of BOARDS) {
    const b = createBoard(name, { firmware: (bb) => bb.uart(1).configure({ baudRate: 115200, rxBufferBytes: 100 }) });
    const flood = new Uint8Array(1000).map((_, i) => i & 0xff);
    b.world.uart(1).write(flood, 1);
    await b.run(200);
    const u = b.uart(1);
    assert.equal(u.received, 1000, `${name}: every byte's stop bit ended`);
    assert.equal(u.buffered(), 100, `${name}: the receive buffer is full`);
    assert.equal(u.overruns, 900, `${name}: the rest is counted as overruns`);
    assert.equal(u.received, u.buffered() + u.overruns);
  }
});

test("a read that times out returns 0 at its tick (async and generator tasks)", async () => {
  for (const lane of ["async", "gen"] as const) {
    const out: [number, number][] = [];
    const b = createBoard("nrf52840", {
      firmware: async (bb) => {
        const rtos = bb.rtos;
        const u = bb.uart(0);
        u.configure({ baudRate: 9600 });
        const into = new Uint8Array(4);
        if (lane === "async")
          await rtos.xTaskCreate(async () => {
            out.push([await u.read(into, 7), bb.now()]);
          }, "r", 256, null, 2);
        else
          await rtos.xTaskCreate(function* (): GenTaskLike {
            out.push([yield* u.read(into, 7), bb.now()]);
          }, "r", 256, null, 2);
      },
    });
    await b.run(20);
    assert.deepEqual(out, [[0, 7]], `${lane}: read timed out with 0 at tick 7`);
  }
});

test("writeDMA is zero copy: a byte changed in board RAM mid-transfer goes out changed; it resolves with nothing (void)", async () => {
  for (const name of BOARDS) {
    const dmaResult: unknown[] = [];
    const b = createBoard(name, {
      firmware: async (bb) => {
        const rtos = bb.rtos;
        const u = bb.uart(0);
        u.configure({ baudRate: 9600 });
        const base = bb.ram.regions.find((r) => r.dma)!.base;
        const buf = bb.ram.view(base + 64, 10);
        buf.set([..."0123456789"].map((c) => c.charCodeAt(0)));
        await rtos.xTaskCreate(async () => {
          dmaResult.push(await u.writeDMA(buf));
        }, "dma", 256, null, 3);
        await rtos.xTaskCreate(async () => {
          await rtos.vTaskDelay(5); // byte 4 is on the wire (5 × 1.04 ticks in); byte 7 not yet
          buf[7] = "X".charCodeAt(0);
          buf[2] = "Y".charCodeAt(0); // already sent: no effect
        }, "poke", 256, null, 2);
      },
    });
    await b.run(20);
    assert.equal(b.world.uart(0).text(), "0123456X89", `${name}: the world saw the byte as it was in RAM when it went out`);
    assert.deepEqual(dmaResult, [undefined], `${name}: writeDMA completed once, with no value`);
  }
});

test("writeDMA of a host buffer is refused with an error naming board and uart", async () => {
  let error: unknown = null;
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const u = bb.uart(2);
      u.configure({ baudRate: 115200 });
      await bb.rtos.xTaskCreate(async () => {
        try {
          await u.writeDMA(new Uint8Array(4));
        } catch (e) {
          error = e;
        }
      }, "t", 256, null, 2);
    },
  });
  await b.run(5);
  assert.ok(error instanceof HalError, `expected HalError, got ${String(error)}`);
  assert.match((error as Error).message, /board "stm32h743", uart2 \(USART3\): writeDMA: the buffer is not in board RAM/);
  assert.equal(b.world.uart(2).read().length, 0, "nothing was sent");
});

test("writeDMA of a view in the H743's DTCM (which its DMA cannot reach) is refused, naming the region; nothing is sent", async () => {
  const errors: string[] = [];
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const u = bb.uart(2);
      u.configure({ baudRate: 115200 });
      const dtcm = bb.ram.view(0x2000_0000 + 256, 4);
      const axi = bb.ram.view(0x2400_0000 + 256 * 1024, 4);
      await bb.rtos.xTaskCreate(async () => {
        try {
          await u.writeDMA(dtcm);
        } catch (e) {
          errors.push((e as Error).message);
        }
        await u.writeDMA(axi); // AXI SRAM: reachable, goes out
      }, "t", 256, null, 2);
    },
  });
  await b.run(5);
  assert.deepEqual(errors, [
    'board "stm32h743", uart2 (USART3): writeDMA: the buffer is in DTCM (0x20000000..0x2001ffff), which the DMA cannot reach; DMA reaches only board RAM it can reach: use a pool (createPool) or a view of a DMA region',
  ]);
  assert.equal(b.world.uart(2).read().length, 4, "only the AXI SRAM buffer went out");
});

test("bad baud rates and bad uart numbers are refused, naming board, uart, value and range", () => {
  const h7 = createBoard("stm32h743", { firmware: none });
  assert.throws(() => h7.uart(0).configure({ baudRate: 20_000_000 }), (e: unknown) => e instanceof HalError && /board "stm32h743", uart0 \(USART1\): baud rate 20000000 is out of range 1200..12500000: 12.5 Mbit\/s/.test(e.message));
  assert.throws(() => h7.uart(0).configure({ baudRate: 0 }), /uart0 \(USART1\): baudRate must be a positive number/);
  assert.throws(() => h7.uart(8), /board "stm32h743", uart 8: no such UART; uarts are 0..7/);
  const c3 = createBoard("esp32c3", { firmware: none });
  assert.throws(() => c3.uart(1).configure({ baudRate: 6_000_000 }), /board "esp32c3", uart1 \(UART1\): baud rate 6000000 is out of range 1200..5000000: 5 Mbit\/s is SOC_UART_BITRATE_MAX/);
  const nrf = createBoard("nrf52840", { firmware: none });
  assert.throws(() => nrf.uart(0).configure({ baudRate: 100_000 }), /board "nrf52840", uart0 \(UARTE0\): baud rate 100000 is not supported: the UARTE's BAUDRATE register takes only the rates of its table/);
  assert.throws(() => nrf.uart(0).configure({ baudRate: 9600, rxBufferBytes: 0 }), /rxBufferBytes must be a positive integer/);
  assert.deepEqual(uartBaudRange("nrf52840").only?.includes(115200), true);
  // Nothing half-done: a refused configure left the UART unconfigured.
  assert.throws(() => nrf.uart(0).buffered(), /uart0 \(UARTE0\): buffered: the UART is not configured/);
});

test("write and read from an ISR are KernelAssertErrors naming the driver call", async () => {
  const errors: string[] = [];
  const b = createBoard("esp32c3", {
    firmware: (bb) => {
      const u = bb.uart(0);
      u.configure({ baudRate: 115200 });
      const button = bb.pin("BUTTON");
      button.configure({ mode: "input", pull: "up" });
      button.setInterrupt("falling", () => {
        for (const f of [() => u.write("x"), () => u.read(new Uint8Array(1), 0), () => u.writeDMA(bb.ram.view(bb.ram.regions.find((r) => r.dma)!.base, 1))])
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
  assert.equal(errors.length, 3);
  assert.match(errors[0]!, /board "esp32c3" uart0 \(UART0\)\.write called from ISR "GPIO": only a task may make this call/);
  assert.match(errors[1]!, /uart0 \(UART0\)\.read called from ISR/);
  assert.match(errors[2]!, /uart0 \(UART0\)\.writeDMA called from ISR/);
  assert.equal(b.world.uart(0).read().length, 0);
});

test("reset clears the driver: text() starts again, read() keeps what was not read, the receive buffer is new", async () => {
  let boots = 0;
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      boots++;
      const u = bb.uart(2);
      u.configure({ baudRate: 115200 });
      await bb.rtos.xTaskCreate(async () => {
        await u.write(`boot ${boots}\n`);
      }, "hi", 256, null, 2);
    },
  });
  b.world.uart(2).write("zz", 5);
  await b.run(10);
  assert.equal(b.world.uart(2).text(), "boot 1\n");
  assert.equal(b.uart(2).buffered(), 2);
  b.reset("software");
  await b.run(10);
  assert.equal(b.world.uart(2).text(), "boot 2\n", "text() counts from the last start");
  assert.equal(new TextDecoder().decode(b.world.uart(2).read()), "boot 1\nboot 2\n");
  assert.equal(b.uart(2).buffered(), 0, "the receive buffer of the new boot is empty");
  assert.equal(b.uart(2).received, 0);
});

test("determinism: same seed, same bytes and ticks", async () => {
  const once = async () => {
    const b = createBoard("nrf52840", { seed: 42, firmware: echoFirmware("async") });
    const w = b.world.uart(0);
    for (let i = 0; i < 20; i++) w.write(`cmd ${i}\n`, 1 + i * 3.25);
    await b.run(100);
    return JSON.stringify(w.txLog);
  };
  const a = await once();
  assert.ok(a.length > 100);
  assert.equal(await once(), a);
});

test("one world write of 200 000 bytes arrives whole and in order, back to back (the world's queue is O(1) a byte)", async () => {
  const bytes = 200_000;
  const sent = Uint8Array.from({ length: bytes }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
  const got = new Uint8Array(bytes);
  let n = 0;
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const uart = bb.uart(0);
      uart.configure({ baudRate: 1_000_000, rxBufferBytes: 256 });
      await bb.rtos.xTaskCreate(async () => {
        const into = new Uint8Array(64);
        for (;;) {
          const k = await uart.read(into, bb.rtos.portMAX_DELAY);
          got.set(into.subarray(0, k), n);
          n += k;
        }
      }, "reader", 256, null, 2);
    },
  });
  await b.run(1);
  b.world.uart(0).write(sent);
  // 10 bits a byte at 1 Mbaud: 0.01 tick a byte, 2000 ticks for all of them.
  await b.run(2002);
  assert.equal(n, bytes);
  assert.equal(b.uart(0).overruns, 0);
  assert.ok(Buffer.from(got).equals(Buffer.from(sent)), "every byte, in order");
  const log = b.world.uart(0).rxLog;
  assert.equal(log.length, bytes);
  // Back to back: the k-th byte's stop bit ends (k + 1) byte times after the write at tick 1.
  for (const k of [0, 1, 99_999, bytes - 1]) assert.ok(Math.abs(log[k]!.tick - (1 + (k + 1) * 0.01)) < 1e-6, `byte ${k} at ${log[k]!.tick}`);
});
