/**
 * recordVCD: the header and `#0` block exactly, identifier codes, changes at exact nanoseconds for
 * pins toggled at known ticks and for UART frames at 115200 baud (bit time 1e9 / 115200 =
 * 8680.5̅ ns, so the edges land on rounded multiples), a window starting mid-run, stop(),
 * rounding merges and zero-width glitches, truncation at maxChanges, bad input, and determinism.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board } from "../../src/hal/index.js";
import { recordVCD } from "../../src/trace/index.js";
import { vcdId } from "../../src/trace/vcd.js";

/** The body of a VCD after `$enddefinitions $end` (the `#0` block onwards), as lines. */
function body(text: string): string[] {
  const lines = text.trimEnd().split("\n");
  return lines.slice(lines.indexOf("$enddefinitions $end") + 1);
}

test("identifier codes: printable ASCII from ! to ~, then two characters", () => {
  assert.equal(vcdId(0), "!");
  assert.equal(vcdId(1), '"');
  assert.equal(vcdId(93), "~");
  assert.equal(vcdId(94), "!!");
  assert.equal(vcdId(95), '!"');
  assert.equal(vcdId(94 + 94 * 94 - 1), "~~");
  assert.equal(vcdId(94 + 94 * 94), "!!!");
});

test("header, #0 values and changes at exact ns: LED toggled at ticks 3 and 5, a pulled-up button, two UART bytes at 115200 baud", async () => {
  const b = createBoard("stm32h743", {
    config: { configTICK_RATE_HZ: 1000 },
    firmware: async (bb) => {
      const u = bb.uart(0);
      u.configure({ baudRate: 115200 });
      bb.pin("BUTTON").configure({ mode: "input", pull: "up" }); // at tick 0: the #0 value is 1
      const led = bb.pin("LED");
      led.configure({ mode: "output" });
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(1);
        await u.write(Uint8Array.of(0x55, 0x0f));
      }, "uart", 256, null, 2);
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(3);
        led.high();
        await bb.rtos.vTaskDelay(2);
        led.low();
      }, "led", 256, null, 1);
    },
  });
  const vcd = recordVCD(b, ["LED", "BUTTON", "uart0.tx"]);
  await b.run(6);
  // A 1 kHz tick is 1e6 ns. 8N1 at 115200 baud: bit i of a frame starting at s ns is at
  // s + i × 8680.5̅ ns (1e9 / 115200), rounded. Frame 1 starts at tick 1 = 1,000,000 ns; 0x55 =
  // LSB first 1,0,1,0,1,0,1,0, so every one of its 10 bit boundaries is an edge:
  // round(i × 8680.5̅) = 0, 8681, 17361, 26042, 34722, 43403, 52083, 60764, 69444, 78125.
  // Frame 2 (0x0F) starts when frame 1's stop bit ends, at 1,086,805.5̅ ns: start bit low at
  // round(1,086,805.5̅) = 1,086,806; bits 0-3 high from 1,095,486.1 → 1,095,486; bits 4-7 low from
  // 1,130,208.3 → 1,130,208; stop bit high from 1,164,930.5̅ → 1,164,931.
  assert.equal(
    vcd.text(),
    [
      "$timescale 1 ns $end",
      "$scope module stm32h743 $end",
      "$var wire 1 ! LED $end",
      '$var wire 1 " BUTTON $end',
      "$var wire 1 # uart0.tx $end",
      "$upscope $end",
      "$enddefinitions $end",
      "#0",
      "$dumpvars",
      "0!",
      '1"',
      "1#",
      "$end",
      ...[1000000, 1008681, 1017361, 1026042, 1034722, 1043403, 1052083, 1060764, 1069444, 1078125].flatMap((ns, i) => [`#${ns}`, `${i % 2}#`]),
      "#1086806", "0#",
      "#1095486", "1#",
      "#1130208", "0#",
      "#1164931", "1#",
      "#3000000", "1!",
      "#5000000", "0!",
      "#6000000",
      "",
    ].join("\n"),
  );
  assert.equal(vcd.changeCount, 16);
  assert.equal(vcd.truncated, false);
  assert.equal(b.world.uart(0).text(), "U\x0f");
});

test("a window starting mid-run: #0 is the creation time, values are the levels then; stop() freezes the end", async () => {
  const b = createBoard("nrf52840", {
    config: { configTICK_RATE_HZ: 100 }, // a 10 ms tick: 1e7 ns
    firmware: async (bb) => {
      const led = bb.pin("LED");
      led.configure({ mode: "output" });
      await bb.rtos.xTaskCreate(async () => {
        for (;;) {
          await bb.rtos.vTaskDelay(2);
          led.toggle();
        }
      }, "blink", 256, null, 1);
    },
  });
  await b.run(3); // LED went high at tick 2
  const vcd = recordVCD(b, ["LED", "BUTTON"]);
  await b.run(4); // toggles at ticks 4 and 6 → 1 and 3 ticks after the start; ends at tick 7
  vcd.stop();
  await b.run(4); // after stop(): not in the recording
  vcd.stop(); // a second stop changes nothing
  assert.deepEqual(body(vcd.text()), ["#0", "$dumpvars", "1!", '0"', "$end", "#10000000", "0!", "#30000000", "1!", "#40000000"]);
});

test("edges that round to one nanosecond: the last level wins, a zero-width pulse is dropped, and an edge at 0 ns sets the #0 value", async () => {
  const b = createBoard("stm32h743", { firmware: () => {} });
  const w = b.world.pin("PA0");
  // 1 kHz: 1e-7 tick = 0.1 ns.
  w.drive(true, 0.0000004); // rounds to 0 ns: the #0 value
  w.drive(false, 1.0000001); // 1,000,000.1 ns
  w.drive(true, 1.0000004); // 1,000,000.4 ns: back to 1 within the same ns → no change at all
  w.drive(false, 2.0000001); // 2,000,000 ns: a real change to 0
  w.drive(true, 2.0000006); // 2,000,001 ns ...
  w.drive(false, 2.0000009); // ... and back to 0 in the same ns: dropped
  w.drive(true, 3.0000006); // 3,000,001 ns
  w.drive(false, 3.0000007); // 3,000,001 ns: the last level (0) wins, a change from 1
  w.drive(true, 3.0000019); // 3,000,002 ns
  const vcd = recordVCD(b, ["PA0"]);
  await b.run(4);
  assert.deepEqual(body(vcd.text()), ["#0", "$dumpvars", "1!", "$end", "#2000000", "0!", "#3000002", "1!", "#4000000"]);
});

test("a pulled-up input is 1 at #0, follows the world's drive and is 1 again once released", async () => {
  const b = createBoard("nrf52840", {
    firmware: (bb) => {
      bb.pin("BUTTON").configure({ mode: "input", pull: "up" });
    },
  });
  await b.run(1); // configured at tick 0
  const vcd = recordVCD(b, ["BUTTON"]);
  b.world.pin("BUTTON").drive(false, 2.5);
  await b.run(2);
  b.world.pin("BUTTON").release(); // at tick 3: back to the pull-up
  await b.run(1);
  assert.deepEqual(body(vcd.text()), ["#0", "$dumpvars", "1!", "$end", "#1500000", "0!", "#2000000", "1!", "#3000000"]);
});

/** A board whose firmware toggles PA1 and PA2 together every tick for `n` ticks. */
function twoPins(n: number): Board {
  return createBoard("stm32h743", {
    firmware: async (bb) => {
      const a = bb.pin("PA1");
      const c = bb.pin("PA2");
      a.configure({ mode: "output" });
      c.configure({ mode: "output" });
      await bb.rtos.xTaskCreate(async () => {
        for (let i = 0; i < n; i++) {
          await bb.rtos.vTaskDelay(1);
          a.toggle();
          c.toggle();
        }
      }, "t", 256, null, 1);
    },
  });
}

test("truncation at maxChanges: the dump ends before the timestamp that would pass the limit, with a $comment saying where", async () => {
  const b = twoPins(5);
  const vcd = recordVCD(b, ["PA1", "PA2"], { maxChanges: 5 });
  await b.run(10);
  // 10 changes at ticks 1..5, two per timestamp. 5 would cut tick 3's pair: the dump keeps ticks
  // 1 and 2 (4 changes) and ends at tick 3.
  assert.equal(vcd.truncated, true);
  assert.equal(vcd.changeCount, 4);
  const text = vcd.text();
  assert.equal(text.split("\n")[0], "$comment truncated: more than 5 value changes; the dump ends at #3000000 $end");
  assert.deepEqual(body(text), ["#0", "$dumpvars", "0!", '0"', "$end", "#1000000", "1!", '1"', "#2000000", "0!", '0"', "#3000000"]);
  // The limit exactly reached is not a truncation.
  const full = recordVCD(twoPins(5), ["PA1", "PA2"], { maxChanges: 10 });
  assert.equal(full.truncated, false);
  const zero = recordVCD(b, ["PA1"], { maxChanges: 0 });
  await b.run(1); // nothing changes any more: no truncation with 0 changes
  assert.equal(zero.truncated, false);
});

test("truncation with maxChanges 0 and changes pending: only the #0 values, ending at the first change", async () => {
  const b = twoPins(2);
  const vcd = recordVCD(b, ["PA1"], { maxChanges: 0 });
  await b.run(5);
  assert.equal(vcd.truncated, true);
  assert.deepEqual(body(vcd.text()), ["#0", "$dumpvars", "0!", "$end", "#1000000"]);
});

test("bad input: unknown signals throw the board's HalError, duplicates and bad options are refused, nothing recorded", () => {
  const b = createBoard("nrf52840", { firmware: () => {} });
  assert.throws(() => recordVCD(b, ["LED", "P9.99"]), (e: unknown) => e instanceof HalError && /board "nrf52840", pin "P9.99": no such pin/.test(e.message));
  assert.throws(() => recordVCD(b, ["can0.tx"]), (e: unknown) => e instanceof HalError && /no such signal/.test(e.message));
  assert.throws(() => recordVCD(b, ["uart0.tx", "LED", "uart0.tx"]), (e: unknown) => e instanceof HalError && /board "nrf52840", recordVCD: signal "uart0.tx" is requested twice/.test(e.message));
  assert.throws(() => recordVCD(b, []), (e: unknown) => e instanceof HalError && /non-empty array/.test(e.message));
  assert.throws(() => recordVCD(b, ["a b"]), (e: unknown) => e instanceof HalError && /without spaces/.test(e.message));
  assert.throws(() => recordVCD(b, ["LED"], { maxChanges: -1 }), (e: unknown) => e instanceof HalError && /maxChanges must be a non-negative integer, got -1/.test(e.message));
  assert.throws(() => recordVCD(b, ["LED"], { maxChanges: 1.5 }), (e: unknown) => e instanceof HalError && /maxChanges/.test(e.message));
  assert.throws(() => recordVCD(null as unknown as Board, ["LED"]), (e: unknown) => e instanceof HalError && /expects a board/.test(e.message));
});

/** A whole board: a button pressed by the world wakes a task that blinks and answers on uart0. */
async function wholeBoard(seed: number): Promise<string> {
  const b = createBoard("esp32c3", {
    seed,
    firmware: async (bb) => {
      const rtos = bb.rtos;
      const u = bb.uart(0);
      u.configure({ baudRate: 115200 });
      const led = bb.pin("LED");
      led.configure({ mode: "output" });
      const sem = rtos.xSemaphoreCreateBinary()!;
      bb.pin("BUTTON").configure({ mode: "input", pull: "up" });
      bb.pin("BUTTON").setInterrupt("falling", () => {
        const woken = { value: 0 };
        rtos.xSemaphoreGiveFromISR(sem, woken);
        rtos.portYIELD_FROM_ISR(woken);
      });
      await rtos.xTaskCreate(async () => {
        let n = 0;
        for (;;) {
          await rtos.xSemaphoreTake(sem, 1000);
          led.toggle();
          await u.write(`press ${n++}\n`);
        }
      }, "btn", 512, null, 2);
      await rtos.xTaskCreate(async () => {
        const buf = new Uint8Array(8);
        for (;;) if ((await u.read(buf, 100)) > 0) led.toggle();
      }, "rx", 512, null, 1);
    },
  });
  const vcd = recordVCD(b, ["LED", "BUTTON", "uart0.tx", "uart0.rx"]);
  const button = b.world.pin("BUTTON");
  for (const t of [2.25, 7.5, 13.125]) {
    button.drive(false, t);
    button.drive(true, t + 0.5);
  }
  b.world.uart(0).write("hello", 4.3);
  await b.run(20);
  button.release();
  await b.run(5);
  return vcd.text();
}

test("determinism: a whole-board run with pins and both UART lines gives byte-identical VCD twice", async () => {
  const one = await wholeBoard(7);
  const two = await wholeBoard(7);
  assert.equal(one, two);
  // It recorded something of each line: 3 presses (6 button edges), 3 LED toggles for presses and
  // one per UART read, and UART frames on both lines.
  const changes = body(one).filter((l) => /^[01]/.test(l));
  assert.equal(changes.filter((l) => l.endsWith('"')).length, 1 + 6, "BUTTON: its #0 value and 6 edges");
  assert.ok(changes.filter((l) => l.endsWith("#")).length > 3 * 8, "uart0.tx carries the answers");
  assert.ok(changes.filter((l) => l.endsWith("$")).length > 5, "uart0.rx carries hello");
});
