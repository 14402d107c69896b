/**
 * Boards and GPIO (API.md `tinyrtos/hal`): createBoard and its bad input, board RAM addressing,
 * a button edge at tick 3.5 waking a task through a semaphore given by the pin's ISR (an async
 * task and a generator task), an IsrSignal waking a goroutine on board.rtos, LED edges with their
 * ticks, reset from host code and from firmware, determinism.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board, type GenTaskLike } from "./helpers.js";
import { run, IsrSignal } from "../../src/go/index.js";
import { pdTRUE } from "../../src/freertos/index.js";

const none = () => {};

test("unknown board: HalError naming it and listing the boards", () => {
  assert.throws(() => createBoard("stm32f103", { firmware: none }), (e: unknown) => e instanceof HalError && /board "stm32f103": no such board; boards are stm32h743, esp32c3, nrf52840/.test(e.message));
  assert.throws(() => createBoard("nrf52840", {} as never), /board "nrf52840", createBoard: options.firmware must be a function/);
});

test("unknown pin, bad pin configuration, pin in two roles: HalErrors naming board and pin", () => {
  const b = createBoard("nrf52840", { firmware: none });
  assert.throws(() => b.pin("P0.32"), /board "nrf52840", pin "P0.32": no such pin; pins are P0.00..P0.31, P1.00..P1.15; aliases LED \(P0.13\), BUTTON \(P0.11\)/);
  assert.throws(() => b.world.pin("PB0"), /board "nrf52840", pin "PB0": no such pin/);
  assert.throws(() => b.pin("LED").configure({ mode: "open-drain" as never }), /pin "P0.13": mode must be "input" or "output"/);
  assert.throws(() => b.pin("LED").setInterrupt("rising", none, 16), /pin "P0.13": interrupt priority must be an integer in 1..15/);
  b.claimPin("P0.06", "uart0.tx");
  assert.throws(() => b.pin("P0.06"), /board "nrf52840", pin "P0.06": already used as uart0.tx; cannot also use it as gpio/);
  // The alias and the chip name are one pin in one role.
  b.pin("P0.13");
  b.pin("LED");
  const h7 = createBoard("stm32h743", { firmware: none });
  assert.throws(() => h7.pin("PI0"), /pins are PA0..PA15, PB0..PB15, PC0..PC15, PD0..PD15, PE0..PE15, PF0..PF15, PG0..PG15, PH0..PH1/);
});

test("board RAM: addresses map into one ArrayBuffer; outside SRAM is an error naming board and address", () => {
  const b = createBoard("stm32h743", { firmware: none });
  const v = b.ram.view(0x24000010, 4);
  v.set([1, 2, 3, 4]);
  assert.equal(v.buffer, b.ram.buffer);
  assert.equal(b.ram.addressOf(v), 0x24000010);
  assert.deepEqual([...b.ram.view(0x24000010, 4)], [1, 2, 3, 4]);
  assert.equal(b.ram.addressOf(b.ram.view(0x38000000, 1)), 0x38000000);
  assert.throws(() => b.ram.view(0x30048000, 4), /board "stm32h743", ram: address 0x30048000 is not in SRAM; SRAM is ITCM 0x00000000..0x0000ffff/);
  assert.throws(() => b.ram.view(0x2001fffe, 4), /4 bytes at 0x2001fffe run past the end of DTCM/);
  assert.throws(() => b.ram.addressOf(new Uint8Array(4)), /board "stm32h743", ram: the buffer is not in board RAM/);
  const c3 = createBoard("esp32c3", { firmware: none });
  assert.equal(c3.ram.addressOf(c3.ram.view(0x3fcdffff, 1)), 0x3fcdffff);
  assert.throws(() => c3.ram.view(0x3fce0000, 1), /board "esp32c3", ram: address 0x3fce0000 is not in SRAM/);
});

test("default heap is a quarter of SRAM; config overrides and seed reach the kernel", () => {
  const b = createBoard("nrf52840", { firmware: none, seed: 7 });
  assert.equal(b.rtos.kernel.config.configTOTAL_HEAP_SIZE, 64 * 1024);
  assert.equal(b.rtos.kernel.config.seed, 7);
  const c = createBoard("nrf52840", { firmware: none, config: { configTOTAL_HEAP_SIZE: 1000, configTICK_RATE_HZ: 100 } });
  assert.equal(c.rtos.kernel.config.configTOTAL_HEAP_SIZE, 1000);
  assert.equal(c.rtos.kernel.config.configTICK_RATE_HZ, 100);
});

/** Firmware: BUTTON falling edge → ISR gives a semaphore → a task records board time. */
function buttonFirmware(seen: number[], lane: "async" | "gen") {
  return async (b: Board) => {
    const rtos = b.rtos;
    const sem = rtos.xSemaphoreCreateBinary()!;
    const button = b.pin("BUTTON");
    button.configure({ mode: "input", pull: "up" });
    button.setInterrupt("falling", () => {
      const woken = { value: 0 };
      assert.equal(rtos.xSemaphoreGiveFromISR(sem, woken), pdTRUE);
      rtos.portYIELD_FROM_ISR(woken);
    });
    if (lane === "async")
      await rtos.xTaskCreate(async () => {
        for (;;) {
          await rtos.xSemaphoreTake(sem, rtos.portMAX_DELAY);
          seen.push(b.now());
        }
      }, "button", 256, null, 2);
    else
      await rtos.xTaskCreate(function* (): GenTaskLike {
        for (;;) {
          yield* rtos.xSemaphoreTake(sem, rtos.portMAX_DELAY);
          seen.push(b.now());
        }
      }, "button", 256, null, 2);
    rtos.vTaskStartScheduler();
  };
}

for (const lane of ["async", "gen"] as const) {
  test(`a button edge at tick 3.5 wakes a task through a semaphore given by the pin ISR, at 3.5 (${lane} task)`, async () => {
    for (const name of ["nrf52840", "stm32h743", "esp32c3"]) {
      const seen: number[] = [];
      const b = createBoard(name, { firmware: buttonFirmware(seen, lane) });
      const world = b.world.pin("BUTTON");
      world.drive(true);
      world.drive(false, 3.5);
      world.drive(true, 5.25);
      world.drive(false, 7.75);
      assert.equal(await b.run(10), "target");
      assert.deepEqual(seen, [3.5, 7.75], `${name}: the task ran at each falling edge`);
      assert.deepEqual(world.edges, [{ tick: 0, level: true }, { tick: 3.5, level: false }, { tick: 5.25, level: true }, { tick: 7.75, level: false }]);
      const irq = b.spec.gpioInterrupt(b.spec.aliases.BUTTON.pin).irq;
      assert.equal(b.rtos.interruptStats().find((s) => s.irq === irq)?.fired, 2, `${name}: the GPIO interrupt ran once per falling edge`);
    }
  });
}

test("an undriven input reads its pull; released, the line goes back to it", async () => {
  const b = createBoard("esp32c3", {
    firmware: (bb) => {
      bb.pin("BUTTON").configure({ mode: "input", pull: "up" });
      bb.pin("GPIO2").configure({ mode: "input", pull: "down" });
      bb.pin("GPIO3").configure({ mode: "input" });
    },
  });
  await b.run(1);
  assert.deepEqual([b.pin("BUTTON").get(), b.pin("GPIO2").get(), b.pin("GPIO3").get()], [true, false, false]);
  b.world.pin("BUTTON").drive(false, 1.5);
  b.world.pin("BUTTON").release(2.5);
  await b.run(1);
  assert.equal(b.pin("BUTTON").get(), false);
  await b.run(1);
  assert.equal(b.pin("BUTTON").get(), true);
  assert.deepEqual(b.world.pin("BUTTON").edges, [{ tick: 0, level: true }, { tick: 1.5, level: false }, { tick: 2.5, level: true }]);
  assert.throws(() => b.world.pin("BUTTON").drive(true, 1), /board "esp32c3", world pin "GPIO9": drive: atTick 1 is in the past \(board time is 3\)/);
});

test("an IsrSignal raised by the button ISR wakes a goroutine on board.rtos at the edge's time", async () => {
  const sig = new IsrSignal();
  const b = createBoard("stm32h743", {
    firmware: (bb) => {
      const button = bb.pin("BUTTON");
      button.configure({ mode: "input", pull: "down" });
      button.setInterrupt("rising", () => sig.raiseFromISR());
    },
  });
  await b.run(0); // boot: firmware ran, scheduler started
  b.world.pin("BUTTON").drive(true, 3.5);
  const woke = await run(async () => {
    await sig.wait();
    const t = b.now();
    return t;
  }, { rtos: b.rtos });
  assert.equal(woke, 3.5);
});

test("LED edges are recorded with their ticks (firmware output), on each board", async () => {
  for (const name of ["stm32h743", "nrf52840", "esp32c3"]) {
    const b = createBoard(name, {
      firmware: async (bb) => {
        const rtos = bb.rtos;
        const led = bb.pin("LED");
        led.configure({ mode: "output" });
        await rtos.xTaskCreate(async () => {
          for (let i = 0; i < 4; i++) {
            led.toggle();
            await rtos.vTaskDelay(2);
          }
          await rtos.busy(0.25);
          led.low();
          for (;;) await rtos.vTaskDelay(100);
        }, "blink", 256, null, 1);
      },
    });
    await b.run(20);
    assert.deepEqual(b.world.pin("LED").edges, [
      { tick: 0, level: true },
      { tick: 2, level: false },
      { tick: 4, level: true },
      { tick: 6, level: false },
    ], name);
    // the last toggle left it low, so led.low() at 8.25 is no edge
    assert.equal(b.world.pin("LED").level, false);
  }
});

test("shared EXTI line: one port per line; shared interrupt priority; nRF52840 has 8 GPIOTE channels", () => {
  const h7 = createBoard("stm32h743", { firmware: none });
  h7.pin("PA5").setInterrupt("rising", none);
  assert.throws(() => h7.pin("PB5").setInterrupt("rising", none), /board "stm32h743", pin "PB5": EXTI5 already serves pin PA5/);
  h7.pin("PB6").setInterrupt("rising", none); // EXTI6, same EXTI9_5 vector
  assert.throws(() => h7.pin("PC7").setInterrupt("rising", none, 3), /interrupt EXTI9_5 \(irq 23\) already runs at priority 10 for PA5, PB6/);
  const nrf = createBoard("nrf52840", { firmware: none });
  for (let n = 0; n < 8; n++) nrf.pin(`P0.0${n}`).setInterrupt("both", none);
  nrf.pin("P0.00").setInterrupt("falling", none); // re-setting a pin keeps its channel
  assert.throws(() => nrf.pin("P0.08").setInterrupt("both", none), /board "nrf52840", pin "P0.08": no free GPIOTE channel: all 8 are in use/);
});

test("reset from host code: RAM cleared, pins to reset state, fresh kernel, firmware runs again", async () => {
  let boots = 0;
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      boots++;
      bb.pin("LED").configure({ mode: "output" });
      bb.pin("LED").high();
      await bb.rtos.xTaskCreate(async () => {
        for (;;) await bb.rtos.vTaskDelay(10);
      }, "idle-ish", 128, null, 1);
    },
  });
  assert.equal(b.resetReason, "power-on");
  await b.run(5);
  const v = b.ram.view(0x20000100, 4);
  v.set([9, 9, 9, 9]);
  const first = b.rtos;
  const led = b.pin("LED");
  b.reset("software");
  assert.equal(b.resetReason, "software");
  assert.notEqual(b.rtos, first);
  assert.deepEqual([...b.ram.view(0x20000100, 4)], [0, 0, 0, 0]);
  assert.equal(b.world.pin("LED").level, false, "the LED output is released at reset");
  assert.throws(() => led.high(), /board "nrf52840", pin "P0.13": set: this handle is from before the board restarted \(boot 1, now boot 2\)/);
  await b.run(5);
  assert.equal(boots, 2);
  assert.equal(b.now(), 10);
  assert.equal(b.rtos.xTaskGetTickCount(), 5, "the new kernel counts from the reset");
  assert.deepEqual(b.world.pin("LED").edges, [{ tick: 0, level: true }, { tick: 5, level: false }, { tick: 5, level: true }]);
  assert.throws(() => b.reset("cosmic ray" as never), /board "nrf52840", reset: reason must be one of power-on, software, watchdog, brownout/);
});

test("reset from firmware: the call returns, the old boot does nothing more, the board restarts and reruns the firmware", async () => {
  const log: string[] = [];
  const b = createBoard("stm32h743", {
    firmware: async (bb) => {
      const rtos = bb.rtos;
      const boot = bb.resetReason;
      log.push(`boot ${boot} at ${bb.now()}`);
      const led = bb.pin("LED");
      led.configure({ mode: "output" });
      bb.ram.view(0x24000000, 1)[0] = bb.ram.view(0x24000000, 1)[0]! + 1; // 1 after each cleared boot
      log.push(`ram ${bb.ram.view(0x24000000, 1)[0]}`);
      await rtos.xTaskCreate(async () => {
        await rtos.vTaskDelay(3);
        if (boot === "power-on") {
          bb.reset("software");
          log.push("reset returned");
          led.high(); // ignored: the board is going down
          await rtos.vTaskDelay(1);
          log.push("never");
        }
        for (;;) await rtos.vTaskDelay(100);
      }, "main", 256, null, 1);
    },
  });
  assert.equal(await b.run(10), "target");
  assert.deepEqual(log, ["boot power-on at 0", "ram 1", "reset returned", "boot software at 3", "ram 1"]);
  assert.equal(b.resetReason, "software");
  assert.equal(b.now(), 10);
  assert.deepEqual(b.world.pin("LED").edges, [], "the LED never went high");
});

test("determinism: the same seed and firmware give the same edges", async () => {
  async function once(seed: number) {
    const b = createBoard("esp32c3", {
      seed,
      firmware: async (bb) => {
        const rtos = bb.rtos;
        const led = bb.pin("GPIO4");
        led.configure({ mode: "output" });
        const q = rtos.xQueueCreate(4, 0)!;
        bb.pin("BUTTON").configure({ mode: "input", pull: "up" });
        bb.pin("BUTTON").setInterrupt("both", (p) => {
          const woken = { value: 0 };
          rtos.xQueueSendFromISR(q, p.get(), woken);
          rtos.portYIELD_FROM_ISR(woken);
        });
        await rtos.xTaskCreate(async () => {
          const item = { value: false as unknown };
          for (;;) {
            await rtos.xQueueReceive(q, item, rtos.portMAX_DELAY);
            await rtos.busy((rtos.kernel.prng.nextInt(100)) / 400);
            led.set(!(item.value as boolean));
          }
        }, "mirror", 256, null, 2);
      },
    });
    const w = b.world.pin("BUTTON");
    for (let i = 1; i <= 20; i++) w.drive(i % 2 === 0, i * 1.37);
    await b.run(40);
    return JSON.stringify(b.world.pin("GPIO4").edges);
  }
  const a = await once(5);
  assert.equal(a, await once(5));
  assert.ok(JSON.parse(a).length >= 10, "the mirror produced edges");
});

test("reset from a pin ISR at tick 3.5: the new kernel starts at board tick 4; a world edge in between is kept", async () => {
  const boots: string[] = [];
  const b = createBoard("nrf52840", {
    firmware: (bb) => {
      const button = bb.pin("BUTTON");
      button.configure({ mode: "input", pull: "up" });
      boots.push(`${bb.resetReason} at ${bb.now()} reads ${button.get()}`);
      if (bb.resetReason === "power-on") button.setInterrupt("falling", () => bb.reset("software"));
    },
  });
  const w = b.world.pin("BUTTON");
  w.drive(false, 3.5);
  w.drive(true, 3.75);
  w.drive(false, 6);
  assert.equal(await b.run(8), "target");
  assert.deepEqual(boots, ["power-on at 0 reads true", "software at 4 reads true"]);
  assert.equal(b.now(), 8);
  assert.equal(b.rtos.xTaskGetTickCount(), 4);
  // 0: the pull-up lifts the floating line; 3.75 fell while the chip was in reset.
  assert.deepEqual(w.edges, [{ tick: 0, level: true }, { tick: 3.5, level: false }, { tick: 3.75, level: true }, { tick: 6, level: false }]);
});
