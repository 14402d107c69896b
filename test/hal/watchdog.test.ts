/**
 * board.watchdog (API.md `tinyrtos/hal`, issue 11 "watchdog"): the exact expiry time on each
 * chip with its counter rounding (H743 IWDG1: 4·2^PR·(RL+1) / 32 kHz; nRF52840 WDT: (CRV+1) /
 * 32 768 Hz; ESP32-C3 RWDT stage 0: 2 × hold / 136 kHz, esp-idf rwdt_ll.h), feeding postpones it, the reset reason "watchdog",
 * the firmware running again with RAM cleared and flash kept, range errors per board, a second
 * start per chip, feeding from an ISR, and a reset stopping the watchdog.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board } from "./helpers.js";

/** 1 tick = 1 ms: a timeout in ms is the same number of ticks. */
const config = { configTICK_RATE_HZ: 1000 };

/** Firmware: LED line high at each boot (it falls at the exact reset time), boots logged, `main` in a task. */
function firmware(log: string[], main: (b: Board) => Promise<void>) {
  return async (b: Board) => {
    log.push(`boot ${b.resetReason} at ${b.now()}`);
    const led = b.pin("LED");
    led.configure({ mode: "output" });
    led.high(); // the line, whatever the LED's active level
    await b.rtos.xTaskCreate(() => main(b), "main", 256, null, 1);
  };
}

/** Board times at which the LED line changed (the reset releases the output at its exact time). */
function edgeTicks(b: Board): number[] {
  return b.world.pin("LED").edges.map((e) => e.tick);
}

test("expiry at the exact timeout, rounded up to the chip's counter resolution; reset reason watchdog; the firmware runs again", async () => {
  const cases: [string, number, number][] = [
    // IWDG1: 700.01 ms × 32 kHz = 22 400.32 LSI cycles: /4 would need 5601 > 4096 reloads, so
    // /8: ceil(2800.04) = 2801 reloads → 2801 × 8 / 32 000 s = 700.25 ms.
    ["stm32h743", 700.01, (2801 * 8 * 1000) / 32_000],
    // WDT: 100 ms × 32.768 kHz = 3276.8 → CRV + 1 = 3277 → 3277 / 32 768 s = 100.006103515625 ms.
    ["nrf52840", 100, (3277 * 1000) / 32_768],
    // RWDT stage 0 counts 2 × hold (WDT_DELAY_SEL = 0): 50.12 ms × 136 kHz = 6816.32 → the next
    // even count 6818 (hold 3409) → 6818 / 136 000 s = 50.132352941... ms.
    ["esp32c3", 50.12, (6818 * 1000) / 136_000],
  ];
  assert.deepEqual(cases.map((c) => c[2]), [700.25, 100.006103515625, 50.13235294117647]);
  for (const [name, requestMs, expectMs] of cases) {
    const log: string[] = [];
    const b = createBoard(name, {
      config,
      firmware: firmware(log, async (bb) => {
        if (bb.resetReason === "power-on") {
          bb.watchdog.start(requestMs);
          log.push(`timeout ${bb.watchdog.timeoutMs}`);
        }
        for (;;) await bb.rtos.vTaskDelay(1000);
      }),
    });
    assert.equal(await b.run(1000), "target", name);
    assert.equal(b.resetReason, "watchdog", name);
    assert.deepEqual(log, ["boot power-on at 0", `timeout ${expectMs}`, `boot watchdog at ${Math.ceil(expectMs)}`], name);
    // The LED line: high at 0, released at the exact expiry, high again at the reboot.
    assert.deepEqual(edgeTicks(b), [0, expectMs, Math.ceil(expectMs)], name);
    assert.equal(b.watchdog.running, false, `${name}: the reset stopped it; the second boot did not start it`);
  }
});

test("feeding postpones expiry to the last feed + timeout; RAM is cleared and flash kept across the watchdog reset", async () => {
  const log: string[] = [];
  const b = createBoard("stm32h743", {
    config,
    firmware: firmware(log, async (bb) => {
      const ram = bb.ram.view(0x2400_0000, 1);
      const word = new Uint8Array(32);
      bb.flash.read(0, word);
      log.push(`ram ${ram[0]} flash ${word[0]}`);
      if (bb.resetReason !== "power-on") {
        for (;;) await bb.rtos.vTaskDelay(1000);
      }
      ram[0] = 7;
      await bb.flash.program(0, new Uint8Array(32).fill(0x5a)); // 130 µs: ends at 0.13
      bb.watchdog.start(100); // 100 × 32 / 4 = 800 reloads at /4: exactly 100 ms
      for (let i = 0; i < 4; i++) {
        await bb.rtos.vTaskDelay(50);
        bb.watchdog.feed();
        log.push(`fed at ${bb.now()}`);
      }
      for (;;) await bb.rtos.vTaskDelay(1000);
    }),
  });
  await b.run(1000);
  // vTaskDelay(50) from 0.13 wakes at tick 50 (the delay counts tick interrupts), then 100, 150, 200.
  assert.deepEqual(log, ["boot power-on at 0", "ram 0 flash 255", "fed at 50", "fed at 100", "fed at 150", "fed at 200", "boot watchdog at 300", "ram 0 flash 90"]);
  assert.deepEqual(edgeTicks(b), [0, 300, 300]);
  assert.equal(b.resetReason, "watchdog");
});

test("timeout out of range: HalError with the board's range, nothing started", () => {
  const ranges: [string, string, number[]][] = [
    ["stm32h743", "IWDG1: start: timeoutMs must be a number in 0.125..32768 ms (4..1048576 counts of 32000 Hz)", [0.1, 32768.5, 0, -1, NaN]],
    ["nrf52840", "WDT: start: timeoutMs must be a number in 0.48828125..131072000 ms (16..4294967296 counts of 32768 Hz)", [0.48, 131072001, Infinity]],
    // 2 .. 2 × (2^32 − 1) counts: 0.0147... ms .. 63 161 283.75 ms.
    ["esp32c3", `RWDT: start: timeoutMs must be a number in ${2000 / 136_000}..63161283.75 ms (2..8589934590 counts of 136000 Hz)`, [0, 0.0147, 63161284]],
  ];
  for (const [name, message, bad] of ranges) {
    const b = createBoard(name, { firmware: () => {} });
    for (const t of bad) {
      assert.throws(
        () => b.watchdog.start(t),
        (e: unknown) => e instanceof HalError && e.message === `board "${name}", watchdog ${message}, got ${String(t)}`,
        `${name} ${t}`,
      );
      assert.equal(b.watchdog.running, false);
    }
    assert.throws(() => b.watchdog.start("100" as never), HalError);
    const { minMs, maxMs } = b.watchdog.rangeMs;
    b.watchdog.start(maxMs);
    assert.equal(b.watchdog.timeoutMs, maxMs, name);
    const c = createBoard(name, { firmware: () => {} });
    c.watchdog.start(minMs);
    assert.equal(c.watchdog.timeoutMs, minMs, name);
  }
});

test("a second start: the H743 and the ESP32-C3 reconfigure and reload; the nRF52840 refuses (CRV locked while running)", async () => {
  for (const name of ["stm32h743", "esp32c3"]) {
    const log: string[] = [];
    const b = createBoard(name, {
      config,
      firmware: firmware(log, async (bb) => {
        if (bb.resetReason === "power-on") {
          bb.watchdog.start(100);
          await bb.rtos.vTaskDelay(50);
          bb.watchdog.start(20); // expires at 50 + 20, before the first deadline
        }
        for (;;) await bb.rtos.vTaskDelay(1000);
      }),
    });
    await b.run(200);
    assert.deepEqual(log, ["boot power-on at 0", "boot watchdog at 70"], name);
  }
  const nrf = createBoard("nrf52840", { config, firmware: () => {} });
  nrf.watchdog.start(1000);
  assert.throws(() => nrf.watchdog.start(500), /board "nrf52840", watchdog WDT: start: already running with 1000 ms; its configuration \(CRV, RREN, CONFIG\) is locked while it runs/);
  assert.equal(nrf.watchdog.timeoutMs, 1000);
});

test("feed from a pin ISR (falling edges at 80 and 160): expiry at 160 + 100; before start feed does nothing", async () => {
  const log: string[] = [];
  const b = createBoard("stm32h743", {
    config,
    firmware: async (bb) => {
      log.push(`boot ${bb.resetReason} at ${bb.now()}`);
      bb.watchdog.feed(); // not started: nothing
      assert.equal(bb.watchdog.running, false);
      const button = bb.pin("BUTTON");
      button.configure({ mode: "input", pull: "down" });
      if (bb.resetReason === "power-on") {
        button.setInterrupt("rising", () => bb.watchdog.feed());
        bb.watchdog.start(100);
      }
    },
  });
  b.world.pin("BUTTON").drive(true, 80);
  b.world.pin("BUTTON").drive(false, 120);
  b.world.pin("BUTTON").drive(true, 160);
  await b.run(500);
  assert.deepEqual(log, ["boot power-on at 0", "boot watchdog at 260"]);
});

test("a reset stops the watchdog: after a software reset nothing expires", async () => {
  const log: string[] = [];
  const b = createBoard("nrf52840", {
    config,
    firmware: firmware(log, async (bb) => {
      if (bb.resetReason === "power-on") {
        bb.watchdog.start(100);
        await bb.rtos.vTaskDelay(60);
        bb.reset("software");
      }
      for (;;) await bb.rtos.vTaskDelay(1000);
    }),
  });
  await b.run(1000);
  assert.deepEqual(log, ["boot power-on at 0", "boot software at 60"]);
  assert.equal(b.watchdog.running, false);
});
