/**
 * board.cutPower / board.powerOn / board.powered (API.md `tinyrtos/hal`, issue 11 "power"): a
 * cut at a tick stops everything (board time goes on, world events still happen), powerOn boots
 * "power-on" with RAM cleared and flash kept; a cut at flash operation 0 or 2 without tear (that
 * operation did not happen), with tear (a program leaves a prefix of its bytes, an erase leaves a
 * unit neither old nor erased; deterministic per seed, from the power PRNG), an erase in progress
 * at a tick torn at its time fraction; the operation counter; a pending cut across a reset and
 * cancelled by powerOn; the watchdog stopped by a cut; bad input; a flash operation requested
 * after a firmware reset request never runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board, type GenTaskLike } from "./helpers.js";
import { Prng } from "../../src/kernel/index.js";

/** 1 tick = 1 ms. */
const config = { configTICK_RATE_HZ: 1000 };

function bytes(b: Board, offset: number, n: number): number[] {
  const into = new Uint8Array(n);
  b.flash.read(offset, into);
  return [...into];
}

/** The board's power PRNG as src/hal/power.ts seeds it (the seed with "POWR" mixed in). */
function powerStream(seed: number): Prng {
  return new Prng((seed ^ 0x504f5752) >>> 0);
}

test("cut at a tick: nothing runs after it, time goes on with the board off, world edges still happen; powerOn boots power-on with RAM cleared and flash kept", async () => {
  const log: string[] = [];
  const b = createBoard("nrf52840", {
    config,
    firmware: async (bb) => {
      const ram = bb.ram.view(0x2000_0100, 1);
      log.push(`boot ${bb.resetReason} at ${bb.now()} ram ${ram[0]} flash ${bytes(bb, 0x1000, 4).join(",")}`);
      const led = bb.pin("LED");
      led.configure({ mode: "output" });
      await bb.rtos.xTaskCreate(async () => {
        if (bb.resetReason === "power-on" && bytes(bb, 0x1000, 1)[0] === 0xff) await bb.flash.program(0x1000, Uint8Array.of(1, 2, 3, 4));
        for (;;) {
          ram[0] = ram[0]! + 1;
          led.toggle();
          log.push(`tick ${bb.now()}`);
          await bb.rtos.vTaskDelay(10);
        }
      }, "main", 256, null, 1);
    },
  });
  b.cutPower({ atTick: 25 });
  assert.equal(b.powered, true);
  b.world.pin("BUTTON").drive(false, 50); // while off: the world still acts
  assert.equal(await b.run(100), "target");
  assert.equal(b.powered, false);
  assert.equal(b.now(), 100);
  assert.deepEqual(log, ["boot power-on at 0 ram 0 flash 255,255,255,255", "tick 0.041", "tick 10", "tick 20"]);
  // LED high at 0.041, low at 10, high at 20, released (unpowered: not driven, not pulled) at 25.
  assert.deepEqual(b.world.pin("LED").edges, [{ tick: 0.041, level: true }, { tick: 10, level: false }, { tick: 20, level: true }, { tick: 25, level: false }]);
  assert.deepEqual(b.world.pin("BUTTON").edges, [], "driven low onto a line that already reads low (no pull while off)");
  b.world.pin("BUTTON").drive(true, 105);
  await b.run(10);
  assert.deepEqual(b.world.pin("BUTTON").edges, [{ tick: 105, level: true }]);
  assert.deepEqual([...b.ram.view(0x2000_0100, 1)], [0], "RAM lost");
  assert.throws(() => b.reset("software"), /board "nrf52840", reset: the board is off \(power cut\): only powerOn\(\) starts it/);
  b.powerOn();
  assert.equal(b.powered, true);
  assert.equal(b.resetReason, "power-on");
  await b.run(15);
  assert.deepEqual(log.slice(4), ["boot power-on at 110 ram 0 flash 1,2,3,4", "tick 110", "tick 120"]);
});

test("powerOn on a board that is on power-cycles it; a cut stops the watchdog", async () => {
  const log: string[] = [];
  const b = createBoard("stm32h743", {
    config,
    firmware: async (bb) => {
      log.push(`boot ${bb.resetReason} at ${bb.now()}`);
      if (bb.resetReason === "power-on" && bb.now() === 0) bb.watchdog.start(100);
    },
  });
  await b.run(50);
  b.cutPower({ atTick: 80 });
  await b.run(200); // the watchdog would have expired at 100
  assert.deepEqual(log, ["boot power-on at 0"]);
  assert.equal(b.watchdog.running, false);
  b.powerOn();
  await b.run(10);
  b.powerOn(); // on: a power cycle
  await b.run(10);
  assert.deepEqual(log, ["boot power-on at 0", "boot power-on at 250", "boot power-on at 260"]);
});

/**
 * nRF52840 firmware doing flash operations 0..3 on power-on boots: program page 1 (op 0),
 * program page 1 again (op 1), erase pages 2-3 (op 2), program 64 bytes at page 4 (op 3); logs
 * each end. Pages 2-3 hold 0x00 from the bench first.
 */
function flashBoard(seed: number, log: string[]): Board {
  const b = createBoard("nrf52840", {
    seed,
    config,
    firmware: async (bb) => {
      log.push(`boot ${bb.resetReason}`);
      if (bb.resetReason !== "power-on" || bb.flash.ops > 0) return;
      await bb.rtos.xTaskCreate(async () => {
        const f = bb.flash;
        await f.program(0x1000, Uint8Array.of(0x11, 0x22, 0x33, 0x44));
        log.push("op 0 done");
        await f.program(0x1004, Uint8Array.of(0x55, 0x66, 0x77, 0x88));
        log.push("op 1 done");
        await f.erase(0x2000, 2 * 4096);
        log.push("op 2 done");
        await f.program(0x4000, new Uint8Array(64).map((_, i) => i));
        log.push("op 3 done");
        for (;;) await bb.rtos.vTaskDelay(1000);
      }, "flash", 256, null, 1);
    },
  });
  b.flash.programNow(0x2000, new Uint8Array(2 * 4096)); // bench: pages 2-3 all 0x00 (not counted)
  return b;
}

test("cut at flash operation 0 and 2 without tear: that operation did not happen (contents and bookkeeping), earlier ones did; ops counts it", async () => {
  {
    const log: string[] = [];
    const b = flashBoard(1, log);
    b.cutPower({ atFlashOp: 0 });
    assert.equal(await b.run(1000), "target");
    assert.equal(b.powered, false);
    assert.deepEqual(log, ["boot power-on"]);
    assert.deepEqual(bytes(b, 0x1000, 8), [255, 255, 255, 255, 255, 255, 255, 255]);
    assert.equal(b.flash.ops, 1);
  }
  {
    const log: string[] = [];
    const b = flashBoard(1, log);
    b.cutPower({ atFlashOp: 2 }); // the erase
    await b.run(1000);
    assert.deepEqual(log, ["boot power-on", "op 0 done", "op 1 done"]);
    assert.deepEqual(bytes(b, 0x1000, 8), [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    assert.deepEqual(bytes(b, 0x2000, 2), [0, 0], "the erase never happened");
    assert.deepEqual([b.flash.eraseCount(2), b.flash.eraseCount(3)], [0, 0]);
    assert.equal(b.flash.ops, 3);
    // The bookkeeping was not touched either: page 1's words were written once; a second write is allowed (nWRITE = 2).
    b.flash.programNow(0x1000, Uint8Array.of(0x01, 0x02, 0x03, 0x04));
    assert.throws(() => b.flash.programNow(0x1000, Uint8Array.of(0, 0, 0, 0)), /nWRITE = 2/);
    b.powerOn();
    await b.run(10);
    assert.deepEqual(log.slice(3), ["boot power-on"], "ops > 0: the firmware does nothing more");
    assert.equal(b.flash.ops, 3);
  }
});

test("torn program (cut at op 3, tear): a prefix of 1..63 of its 64 bytes programmed, drawn from the power PRNG; same seed same bytes, another seed others", async () => {
  async function torn(seed: number): Promise<number> {
    const log: string[] = [];
    const b = flashBoard(seed, log);
    b.cutPower({ atFlashOp: 3, tear: true });
    await b.run(1000);
    assert.deepEqual(log, ["boot power-on", "op 0 done", "op 1 done", "op 2 done"]);
    assert.equal(b.flash.ops, 4);
    const got = bytes(b, 0x4000, 64);
    const k = 1 + powerStream(seed).nextInt(63);
    assert.deepEqual(got, [...Array.from({ length: k }, (_, i) => i), ...new Array(64 - k).fill(0xff)], `seed ${seed}: prefix of ${k}`);
    return k;
  }
  const k1 = await torn(1);
  assert.equal(await torn(1), k1);
  const k2 = await torn(2);
  assert.notEqual(k2, k1);
  assert.ok(k1 >= 1 && k1 <= 63 && k2 >= 1 && k2 <= 63);
});

test("torn erase (cut at op 2, tear): units before the drawn one erased, it neither old nor erased, the rest old; deterministic per seed", async () => {
  async function torn(seed: number): Promise<[number, number]> {
    const log: string[] = [];
    const b = flashBoard(seed, log);
    b.cutPower({ atFlashOp: 2, tear: true });
    await b.run(1000);
    assert.deepEqual(log, ["boot power-on", "op 0 done", "op 1 done"]);
    const prng = powerStream(seed);
    const unit = prng.nextInt(2);
    const m = 1 + prng.nextInt(4095);
    const erased = unit * 4096 + m;
    const got = bytes(b, 0x2000, 8192);
    assert.equal(got.findIndex((v) => v !== 0xff), erased, `seed ${seed}: 0xFF up to ${erased}`);
    assert.ok(got.slice(erased).every((v) => v === 0), "the rest old (0x00)");
    const tornUnit = got.slice(unit * 4096, unit * 4096 + 4096);
    assert.ok(tornUnit.includes(0xff) && tornUnit.includes(0), "the torn unit is neither old nor erased");
    assert.deepEqual([b.flash.eraseCount(2), b.flash.eraseCount(3)], unit === 0 ? [1, 0] : [1, 1]);
    return [unit, m];
  }
  const a = await torn(1);
  assert.deepEqual(await torn(1), a);
  assert.notDeepEqual(await torn(3), a);
});

test("cut at a tick during an erase: torn at the fraction of its time that had passed; the caller never wakes", async () => {
  const log: string[] = [];
  const b = createBoard("nrf52840", {
    config,
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(async () => {
        log.push(`erase from ${bb.now()}`);
        await bb.flash.erase(0x2000, 4096); // tERASEPAGE 85 ms
        log.push("erase done");
      }, "e", 256, null, 1);
    },
  });
  b.flash.programNow(0x2000, new Uint8Array(4096));
  b.cutPower({ atTick: 42.5 });
  await b.run(200);
  assert.deepEqual(log, ["erase from 0"]);
  // 42.5 / 85 of 4096 bytes.
  const got = bytes(b, 0x2000, 4096);
  assert.equal(got.findIndex((v) => v !== 0xff), 2048);
  assert.ok(got.slice(2048).every((v) => v === 0));
  assert.equal(b.flash.eraseCount(2), 1);
});

test("a pending cut is kept across a reset and cancelled by powerOn; a new cut replaces it", async () => {
  const log: string[] = [];
  const b = flashBoard(1, log);
  b.cutPower({ atTick: 500 });
  b.cutPower({ atFlashOp: 1 }); // replaces the cut at 500
  b.reset("software"); // before the first boot: the firmware does nothing on a software boot
  b.powerOn(); // cancels the cut at op 1
  await b.run(1000);
  assert.deepEqual(log, ["boot power-on", "op 0 done", "op 1 done", "op 2 done", "op 3 done"]);
  assert.equal(b.powered, true);

  const log2: string[] = [];
  const c = flashBoard(1, log2);
  c.cutPower({ atFlashOp: 1 });
  c.reset("power-on"); // a reset (whatever its reason) keeps the pending cut
  await c.run(1000);
  assert.equal(c.powered, false);
  assert.deepEqual(log2, ["boot power-on", "op 0 done"]);
  assert.equal(c.flash.ops, 2);
});

test("bad input: HalError naming the board and cutPower, nothing planned", async () => {
  const b = createBoard("esp32c3", { config, firmware: () => {} });
  await b.run(10);
  const bad: [unknown, RegExp][] = [
    [{}, /board "esp32c3", cutPower: say when: \{ atTick \} or \{ atFlashOp, tear\? \}/],
    [null, /cutPower: expects \{ atTick \} or \{ atFlashOp, tear\? \}, got null/],
    [{ atTick: -1 }, /cutPower: atTick -1 is in the past \(board time is 10\)/],
    [{ atTick: 9.5 }, /cutPower: atTick 9.5 is in the past/],
    [{ atTick: NaN }, /cutPower: atTick must be a finite number of ticks, got NaN/],
    [{ atTick: 20, atFlashOp: 0 }, /cutPower: give atTick or atFlashOp, not both/],
    [{ atFlashOp: 0, tear: "yes" }, /cutPower: tear must be a boolean, got string/],
    [{ atFlashOp: -1 }, /cutPower: atFlashOp must be a non-negative integer \(0: the next operation\), got -1/],
    [{ atFlashOp: 1.5 }, /atFlashOp must be a non-negative integer/],
    [{ atTick: 20, tear: true }, /cutPower: tear goes with atFlashOp only/],
  ];
  for (const [options, message] of bad) assert.throws(() => b.cutPower(options as never), (e: unknown) => e instanceof HalError && message.test(e.message), String(message));
  await b.run(100);
  assert.equal(b.powered, true, "nothing was planned");
  b.cutPower({ atTick: b.now() }); // now: at once
  assert.equal(b.powered, false);
  assert.throws(() => b.cutPower({ atTick: 200 }), /board "esp32c3", cutPower: the board is already off; powerOn\(\) first/);
});

test("powerOn from the board's own firmware: HalError", async () => {
  let error: unknown = null;
  const b = createBoard("esp32c3", {
    config,
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(async () => {
        try {
          bb.powerOn();
        } catch (e) {
          error = e;
        }
        for (;;) await bb.rtos.vTaskDelay(100);
      }, "t", 256, null, 1);
    },
  });
  await b.run(5);
  assert.ok(error instanceof HalError && /board "esp32c3", powerOn: called from this board's firmware/.test(error.message));
});

test("a flash operation requested after a firmware reset request never runs (not on the discarded kernel, not after the restart)", async () => {
  const log: string[] = [];
  const b = createBoard("esp32c3", {
    config,
    firmware: async (bb) => {
      log.push(`boot ${bb.resetReason} at ${bb.now()}`);
      if (bb.resetReason !== "power-on") return;
      await bb.rtos.xTaskCreate(async () => {
        await bb.rtos.vTaskDelay(2);
        bb.reset("software");
        await bb.flash.program(0x1000, Uint8Array.of(0));
        log.push("never");
      }, "t", 256, null, 1);
    },
  });
  await b.run(100);
  assert.deepEqual(log, ["boot power-on at 0", "boot software at 2"]);
  assert.deepEqual(bytes(b, 0x1000, 1), [0xff]);
  assert.equal(b.flash.ops, 0);
});

test("code of the old boot after a cut at a flash op: the call returns, further firmware-side calls are ignored", async () => {
  const b = createBoard("esp32c3", {
    config,
    firmware: async (bb) => {
      const led = bb.pin("LED");
      led.configure({ mode: "output" });
      await bb.rtos.xTaskCreate(async () => {
        const call = bb.flash.erase(0, 4096);
        led.high(); // ignored: the power is failing
        bb.watchdog.start(10); // ignored
        await call;
      }, "t", 256, null, 1);
    },
  });
  b.cutPower({ atFlashOp: 0 });
  await b.run(100);
  assert.equal(b.powered, false);
  assert.deepEqual(b.world.pin("LED").edges, []);
  assert.equal(b.watchdog.running, false);
  assert.equal(b.flash.eraseCount(0), 0);
});

test("a generator task cut at a torn program: the same prefix as an async task for the same seed", async () => {
  const b = createBoard("stm32h743", {
    seed: 5,
    config,
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(function* (): GenTaskLike {
        yield* bb.flash.program(0x20, new Uint8Array(64)); // two 256-bit flash words
        for (;;) yield* bb.rtos.vTaskDelay(1000);
      }, "g", 256, null, 1);
    },
  });
  b.cutPower({ atFlashOp: 0, tear: true });
  assert.equal(await b.run(100), "target");
  const k = 1 + powerStream(5).nextInt(63);
  assert.deepEqual(bytes(b, 0x20, 64), [...new Array(k).fill(0), ...new Array(64 - k).fill(0xff)]);
  // The touched flash words count as programmed (a torn 256-bit word's ECC is not valid): erase first.
  assert.throws(() => b.flash.programNow(0x20, new Uint8Array(32)), /already programmed since sector 0 was erased/);
});
