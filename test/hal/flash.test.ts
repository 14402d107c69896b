/**
 * board.flash (API.md `tinyrtos/hal`, issue 11 item 2 "NOR flash"): geometry per board, erase to
 * 0xFF, program clears bits only (AND), each board's rule for programming a unit that is not
 * erased, erase counts, the operation counter, timing in virtual time (an async task and a
 * generator task see the same results and times), bad input leaving the flash unchanged, a call
 * from an ISR, contents kept across a reset.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board, type GenTaskLike } from "./helpers.js";
import { KernelAssertError } from "../../src/freertos/index.js";

const none = () => {};
/** A fixed tick rate: 1 tick = 1 ms, so a time in µs is µs / 1000 ticks. */
const config = { configTICK_RATE_HZ: 1000 };

function bytes(b: Board, offset: number, n: number): number[] {
  const into = new Uint8Array(n);
  b.flash.read(offset, into);
  return [...into];
}

test("geometry per board, from the catalogue; a new flash reads 0xFF, no erases, no operations", () => {
  const expect: Record<string, [number, number, number]> = {
    stm32h743: [2 * 1024 * 1024, 128 * 1024, 32],
    nrf52840: [1024 * 1024, 4096, 4],
    esp32c3: [4 * 1024 * 1024, 4096, 1],
  };
  for (const [name, [size, erase, write]] of Object.entries(expect)) {
    const b = createBoard(name, { firmware: none });
    assert.deepEqual([b.flash.sizeBytes, b.flash.eraseBytes, b.flash.writeBytes], [size, erase, write], name);
    assert.deepEqual([b.info.flashBytes, b.info.flashEraseBytes], [size, erase], name);
    assert.deepEqual(bytes(b, 0, 4), [0xff, 0xff, 0xff, 0xff], name);
    assert.deepEqual(bytes(b, size - 2, 2), [0xff, 0xff], name);
    assert.equal(b.flash.eraseCount(size / erase - 1), 0, name);
    assert.equal(b.flash.ops, 0, name);
    assert.throws(() => b.flash.eraseCount(size / erase), (e: unknown) => e instanceof HalError && new RegExp(`board "${name}", flash: eraseCount: unit index must be an integer in 0\\.\\.${size / erase - 1}`).test(e.message));
    assert.throws(() => b.flash.read(size - 1, new Uint8Array(2)), new RegExp(`board "${name}", flash: read: 2 bytes at 0x${(size - 1).toString(16).padStart(8, "0")} run past the end of the flash`));
  }
});

/** What the nRF52840 scenario records: board times and results. */
interface Seen {
  log: string[];
}

/** nRF52840: program, re-program (AND), a third write refused (nWRITE = 2), page erase; times recorded. */
function nrfFirmware(seen: Seen, lane: "async" | "gen") {
  const body = (b: Board) => {
    const f = b.flash;
    const at = 0x1000; // page 1
    const log = (s: string) => seen.log.push(`${b.now()}: ${s}`);
    const third = () => {
      try {
        return f.program(at, Uint8Array.of(0, 0, 0, 0));
      } catch (e) {
        log(`third write refused: ${(e as Error).message}`);
        return null;
      }
    };
    return { f, at, log, third };
  };
  return async (b: Board) => {
    const rtos = b.rtos;
    if (lane === "async")
      await rtos.xTaskCreate(async () => {
        const { f, at, log, third } = body(b);
        log("start");
        await f.program(at, Uint8Array.of(0x0f, 0xf0, 0x55, 0xaa));
        log(`programmed ${bytes(b, at, 4).join(",")}`);
        await f.program(at, Uint8Array.of(0xf3, 0xff, 0x0f, 0xff));
        log(`re-programmed ${bytes(b, at, 4).join(",")}`);
        const t = third();
        if (t !== null) await t;
        const erased: void = await f.erase(at, 4096);
        log(`erase gave ${String(erased)}`);
        log(`erased ${bytes(b, at, 4).join(",")} count ${f.eraseCount(1)} ops ${f.ops}`);
        await f.program(at, Uint8Array.of(1, 2, 3, 4));
        log(`after erase ${bytes(b, at, 4).join(",")}`);
        for (;;) await rtos.vTaskDelay(1000);
      }, "flash", 256, null, 2);
    else
      await rtos.xTaskCreate(function* (): GenTaskLike {
        const { f, at, log, third } = body(b);
        log("start");
        yield* f.program(at, Uint8Array.of(0x0f, 0xf0, 0x55, 0xaa));
        log(`programmed ${bytes(b, at, 4).join(",")}`);
        yield* f.program(at, Uint8Array.of(0xf3, 0xff, 0x0f, 0xff));
        log(`re-programmed ${bytes(b, at, 4).join(",")}`);
        const t = third();
        if (t !== null) yield* t;
        const erased: void = yield* f.erase(at, 4096);
        log(`erase gave ${String(erased)}`);
        log(`erased ${bytes(b, at, 4).join(",")} count ${f.eraseCount(1)} ops ${f.ops}`);
        yield* f.program(at, Uint8Array.of(1, 2, 3, 4));
        log(`after erase ${bytes(b, at, 4).join(",")}`);
        for (;;) yield* rtos.vTaskDelay(1000);
      }, "flash", 256, null, 2);
  };
}

test("nRF52840: program clears bits only (AND), two writes per word, the third refused; page erase → 0xFF; times tWRITE 41 µs and tERASEPAGE 85 ms; async and generator tasks agree", async () => {
  const results: string[][] = [];
  for (const lane of ["async", "gen"] as const) {
    const seen: Seen = { log: [] };
    const b = createBoard("nrf52840", { config, firmware: nrfFirmware(seen, lane) });
    assert.equal(await b.run(200), "target");
    const w = 41 / 1000; // one word, tWRITE 41 µs max (PS §4.3), in 1 ms ticks
    assert.deepEqual(seen.log, [
      "0: start",
      `${w}: programmed 15,240,85,170`,
      `${2 * w}: re-programmed 3,240,5,170`,
      `${2 * w}: third write refused: board "nrf52840", flash: program(0x00001000, 4 bytes): the word at 0x00001000 was already written 2 times since page 1 was erased; the NVMC allows nWRITE = 2 writes per word between page erases (nRF52840 PS §4.3)`,
      `${2 * w + 85}: erase gave undefined`,
      `${2 * w + 85}: erased 255,255,255,255 count 1 ops 3`,
      `${2 * w + 85 + w}: after erase 1,2,3,4`,
    ], lane);
    assert.equal(b.flash.ops, 4, "the refused write is no operation");
    results.push(seen.log);
  }
  assert.deepEqual(results[0], results[1], "async and generator tasks give the same results and times");
});

test("STM32H743: erasing one 128 KB sector completes at tERASE128KB (1.1 s at x32, DS12110) = 1100 ticks at 1 kHz; two sectors take 2200 more", async () => {
  const times: number[] = [];
  const counts: number[] = [];
  const b = createBoard("stm32h743", {
    config,
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(async () => {
        await bb.flash.erase(0x20000, 128 * 1024);
        times.push(bb.now());
        await bb.flash.erase(0x40000, 2 * 128 * 1024);
        times.push(bb.now());
        counts.push(bb.flash.eraseCount(0), bb.flash.eraseCount(1), bb.flash.eraseCount(2), bb.flash.eraseCount(3));
        for (;;) await bb.rtos.vTaskDelay(10_000);
      }, "erase", 256, null, 1);
    },
  });
  await b.run(4000);
  assert.deepEqual(times, [1100, 3300]);
  assert.deepEqual(counts, [0, 1, 1, 1]);
  assert.equal(b.flash.ops, 2);
  // The FLASH interrupt (stm32h743xx.h FLASH_IRQn = 4) woke the task at each end.
  assert.equal(b.rtos.interruptStats().find((s) => s.irq === 4)?.fired, 2);
});

test("a second task's operation waits for the controller: two page erases end at 85 and 170 ms", async () => {
  const ends: string[] = [];
  const b = createBoard("nrf52840", {
    config,
    firmware: async (bb) => {
      for (const [name, page] of [["a", 3], ["b", 4]] as const)
        await bb.rtos.xTaskCreate(async () => {
          await bb.flash.erase(page * 4096, 4096);
          ends.push(`${name} ${bb.now()}`);
          for (;;) await bb.rtos.vTaskDelay(10_000);
        }, name, 256, null, 1);
    },
  });
  await b.run(300);
  assert.deepEqual(ends, ["a 85", "b 170"]);
});

test("STM32H743 flash word: once between erases; ESP32-C3 SPI NOR: AND, any number of times (model checks without timing)", () => {
  const h7 = createBoard("stm32h743", { firmware: none });
  const word = new Uint8Array(32).fill(0xf0);
  h7.flash.programNow(0x40, word);
  assert.deepEqual(bytes(h7, 0x40, 2), [0xf0, 0xf0]);
  assert.throws(() => h7.flash.programNow(0x40, new Uint8Array(32)), /board "stm32h743", flash: programNow\(0x00000040, 32 bytes\): the flash word at 0x00000040 was already programmed since sector 0 was erased; a 256-bit flash word with ECC can be programmed once between erases/);
  assert.deepEqual(bytes(h7, 0x40, 2), [0xf0, 0xf0], "the refused program changed nothing");
  h7.flash.programNow(0x60, word); // the next flash word is still erased
  assert.throws(() => h7.flash.programNow(0x50, new Uint8Array(32)), /offset is not aligned to the 32-byte \(256-bit\) flash word/);
  h7.flash.eraseNow(0, 128 * 1024);
  assert.deepEqual(bytes(h7, 0x40, 2), [0xff, 0xff]);
  assert.equal(h7.flash.eraseCount(0), 1);
  h7.flash.programNow(0x40, new Uint8Array(32)); // erased: programmable again
  assert.deepEqual(bytes(h7, 0x40, 2), [0, 0]);

  const c3 = createBoard("esp32c3", { firmware: none });
  for (const v of [0xfe, 0xfd, 0xfb, 0xf7, 0xef]) c3.flash.programNow(0x123, Uint8Array.of(v));
  assert.deepEqual(bytes(c3, 0x123, 1), [0xe0], "each program cleared one more bit");
  c3.flash.programNow(0x123, Uint8Array.of(0xff));
  assert.deepEqual(bytes(c3, 0x123, 1), [0xe0], "a program cannot set a bit");
  c3.flash.eraseNow(0, 4096);
  assert.deepEqual(bytes(c3, 0x123, 1), [0xff]);
  assert.equal(c3.flash.ops, 0, "model checks are no operations");
});

test("STM32H743 program: one flash word takes tprog (130 µs at x32, DS12110) = 0.13 ticks; a second program of a word is refused", async () => {
  const log: string[] = [];
  const b = createBoard("stm32h743", {
    config,
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(async () => {
        await bb.flash.program(0x40, new Uint8Array(32).fill(0x3c));
        log.push(`${bb.now()} one word`);
        await bb.flash.program(0x60, new Uint8Array(64).fill(0xc3));
        log.push(`${bb.now()} two words`);
        try {
          await bb.flash.program(0x60, new Uint8Array(32));
        } catch (e) {
          log.push(`${bb.now()} ${(e as Error).message}`);
        }
        for (;;) await bb.rtos.vTaskDelay(10_000);
      }, "p", 256, null, 1);
    },
  });
  await b.run(5);
  assert.deepEqual(log, [
    `${0.13} one word`,
    `${0.13 + 0.26} two words`,
    `${0.13 + 0.26} board "stm32h743", flash: program(0x00000060, 32 bytes): the flash word at 0x00000060 was already programmed since sector 0 was erased; a 256-bit flash word with ECC can be programmed once between erases (RM0433 §4)`,
  ]);
  assert.deepEqual([...bytes(b, 0x3e, 4)], [0xff, 0xff, 0x3c, 0x3c]);
  assert.equal(b.flash.ops, 2);
});

test("ESP32-C3 (W25Q32JV model): 4 KB sector erase tSE 45 ms; program tPP 0.4 ms per page-program command (300 bytes over 3 pages: 1.2 ms); AND with no limit", async () => {
  const log: string[] = [];
  const b = createBoard("esp32c3", {
    config,
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(async () => {
        await bb.flash.erase(0x1000, 4096);
        log.push(`${bb.now()} erased`);
        await bb.flash.program(0x11f0, new Uint8Array(300).fill(0x7f));
        log.push(`${bb.now()} programmed ${bytes(bb, 0x11f0, 1)}`);
        for (const v of [0xfe, 0xfd, 0xfb]) await bb.flash.program(0x11f0, Uint8Array.of(v));
        log.push(`${bb.now()} ${bytes(bb, 0x11f0, 2).join(",")}`);
        for (;;) await bb.rtos.vTaskDelay(10_000);
      }, "p", 256, null, 1);
    },
  });
  await b.run(100);
  const e = 45, p = 0.4;
  assert.deepEqual(log, [`${e} erased`, `${e + 3 * p} programmed 127`, `${e + 3 * p + p + p + p} ${0x7f & 0xf8},127`]);
  assert.equal(b.flash.eraseCount(1), 1);
  assert.equal(b.flash.ops, 5);
});

test("misaligned or out-of-range erase/program: HalError naming board, flash, offset/length and unit; contents and counters unchanged", () => {
  const b = createBoard("nrf52840", { config, firmware: none });
  b.flash.programNow(0x2000, Uint8Array.of(1, 2, 3, 4));
  const before = bytes(b, 0x2000, 8);
  const cases: [() => unknown, RegExp][] = [
    [() => b.flash.erase(0x2001, 4096), /board "nrf52840", flash: erase\(0x00002001, 4096\): offset is not at the start of a 4096-byte page/],
    [() => b.flash.erase(0x2000, 100), /board "nrf52840", flash: erase\(0x00002000, 100\): length is not a whole number of 4096-byte pages/],
    [() => b.flash.erase(0x2000, 0), /length is 0/],
    [() => b.flash.erase(0xff000, 2 * 4096), /board "nrf52840", flash: erase\(0x000ff000, 8192\): 8192 bytes at 0x000ff000 run past the end of the flash \(1048576 bytes/],
    [() => b.flash.erase(-4096, 4096), /offset must be a non-negative integer, got -4096/],
    [() => b.flash.program(0x2002, Uint8Array.of(0, 0, 0, 0)), /board "nrf52840", flash: program\(0x00002002, 4 bytes\): offset is not aligned to the 4-byte \(32-bit\) word/],
    [() => b.flash.program(0x2000, Uint8Array.of(0, 0)), /program\(0x00002000, 2 bytes\): length is not a whole number of 4-byte \(32-bit\) words/],
    [() => b.flash.program(0xffffc, new Uint8Array(8)), /program\(0x000ffffc, 8 bytes\): 8 bytes at 0x000ffffc run past the end of the flash/],
    [() => b.flash.program(0x2000, [0, 0, 0, 0] as never), /program\(0x00002000, Array\): data must be a Uint8Array/],
  ];
  for (const [call, re] of cases) assert.throws(call, (e: unknown) => e instanceof HalError && re.test(e.message), String(re));
  assert.deepEqual(bytes(b, 0x2000, 8), before);
  assert.equal(b.flash.eraseCount(2), 0);
  assert.equal(b.flash.ops, 0);
  // Host code (no task) cannot wait for the flash.
  assert.throws(() => b.flash.erase(0x3000, 4096), /board "nrf52840", flash: erase\(0x00003000, 4096\): must be called from a task of this board/);
  assert.equal(b.flash.ops, 0);
});

test("erase/program from an ISR: KernelAssertError, nothing started", async () => {
  const caught: unknown[] = [];
  const b = createBoard("nrf52840", {
    config,
    firmware: (bb) => {
      const button = bb.pin("BUTTON");
      button.configure({ mode: "input", pull: "up" });
      button.setInterrupt("falling", () => {
        for (const call of [() => bb.flash.erase(0, 4096), () => bb.flash.program(0, new Uint8Array(4))]) {
          try {
            call();
          } catch (e) {
            caught.push(e);
          }
        }
      });
    },
  });
  b.world.pin("BUTTON").drive(false, 2.5);
  await b.run(5);
  assert.equal(caught.length, 2);
  assert.ok(caught[0] instanceof KernelAssertError);
  assert.match((caught[0] as Error).message, /board "nrf52840", flash: erase\(0x00000000, 4096\) called from an ISR; erase and program block the caller/);
  assert.ok(caught[1] instanceof KernelAssertError);
  assert.equal(b.flash.ops, 0);
});

test("flash contents, erase counts and the operation count survive a reset (RAM does not)", async () => {
  let boots = 0;
  const b = createBoard("nrf52840", {
    config,
    firmware: async (bb) => {
      boots++;
      if (boots > 1) return;
      await bb.rtos.xTaskCreate(async () => {
        await bb.flash.erase(0x5000, 4096);
        await bb.flash.program(0x5000, Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
        bb.ram.view(0x20000000, 1)[0] = 7;
        for (;;) await bb.rtos.vTaskDelay(1000);
      }, "writer", 256, null, 1);
    },
  });
  await b.run(100);
  assert.deepEqual(bytes(b, 0x5000, 4), [0xde, 0xad, 0xbe, 0xef]);
  b.reset("software");
  await b.run(10);
  assert.equal(boots, 2);
  assert.deepEqual(bytes(b, 0x5000, 4), [0xde, 0xad, 0xbe, 0xef], "flash kept");
  assert.equal(b.ram.view(0x20000000, 1)[0], 0, "RAM cleared");
  assert.equal(b.flash.eraseCount(5), 1);
  assert.equal(b.flash.ops, 2);
});

test("after a reset, a task of the new boot can use the flash (its interrupt is registered on the new kernel)", async () => {
  const ends: number[] = [];
  const b = createBoard("stm32h743", {
    config,
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(async () => {
        await bb.flash.erase(0, 128 * 1024);
        ends.push(bb.now());
        for (;;) await bb.rtos.vTaskDelay(10_000);
      }, "e", 256, null, 1);
    },
  });
  await b.run(1200);
  b.reset("software");
  await b.run(1200);
  assert.deepEqual(ends, [1100, 2300]);
  assert.equal(b.flash.eraseCount(0), 2);
});
