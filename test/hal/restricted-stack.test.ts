/**
 * xTaskCreateRestricted with a caller's stack buffer (TaskParameters.stackBuffer, FreeRTOS's
 * puxStackBuffer: tskSTATICALLY_ALLOCATED_STACK_ONLY), the board option mpuSlots, and
 * staticBuffer's region argument — what the 1024-coroutine experiment stands on.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError } from "./helpers.js";
import { staticBuffer, PoolError } from "../../src/mem/index.js";
import { KernelAssertError, pdPASS, type TaskHandle } from "../../src/freertos/index.js";

test("the stack is the caller's buffer, the TCB a heap block; deleting frees the TCB and gives the buffer back", async () => {
  const seen: { stackAddress: number; freeAfterCreate: number; freeBefore: number; code: number }[] = [];
  let again = -1;
  const board = createBoard("stm32h743", {
    firmware: async (b) => {
      const stack = staticBuffer(b, "coro stack", 256, 256, "AXI SRAM");
      const freeBefore = b.rtos.xPortGetFreeHeapSize();
      const h = { value: null as TaskHandle | null };
      const code = await b.rtos.xTaskCreateRestricted({ fn: async () => b.rtos.vTaskDelay(1), name: "coro", stackDepth: 64, params: null, priority: 1, regions: [], stackBuffer: stack }, h);
      seen.push({ stackAddress: h.value!.stackAddress, freeAfterCreate: b.rtos.xPortGetFreeHeapSize(), freeBefore, code });
      assert.equal(h.value!.stackAddress, b.ram.addressOf(stack));
      await b.rtos.xTaskCreate(async () => {
        await b.rtos.vTaskDelay(5); // "coro" has returned and been freed by now
        // The buffer is free again: a second task may take it.
        again = await b.rtos.xTaskCreateRestricted({ fn: () => {}, name: "coro2", stackDepth: 64, params: null, priority: 1, regions: [], stackBuffer: stack });
      }, "later", 128, null, 2);
    },
  });
  await board.run(10);
  const stackAt = board.ram.allocations().find((a) => a.owner === 'static "coro stack"')!.address;
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.code, pdPASS);
  assert.equal(seen[0]!.stackAddress, stackAt);
  assert.equal(seen[0]!.freeBefore - seen[0]!.freeAfterCreate, 96 + 8, "only the TCB (StaticTask_t 96 B + header) comes from the heap");
  assert.equal(again, pdPASS);
  assert.equal(board.rtos.kernel.heap.blocks().some((blk) => blk.owner === 'task "coro" TCB'), false, "the TCB was freed");
});

test("a bad stack buffer asserts naming the task and the rule, and nothing is taken from the heap", async () => {
  const errors: string[] = [];
  let freeBefore = 0;
  let freeAfter = 0;
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      freeBefore = b.rtos.xPortGetFreeHeapSize();
      const small = staticBuffer(b, "small", 128);
      const ok = staticBuffer(b, "ok", 256);
      const attempts: [string, Uint8Array][] = [
        ["too small", small],
        ["host buffer", new Uint8Array(256)],
      ];
      for (const [, buf] of attempts) {
        try {
          await b.rtos.xTaskCreateRestricted({ fn: () => {}, name: "t", stackDepth: 64, params: null, priority: 1, regions: [], stackBuffer: buf });
        } catch (e) {
          assert.ok(e instanceof KernelAssertError);
          errors.push((e as Error).message);
        }
      }
      await b.rtos.xTaskCreateRestricted({ fn: async () => b.rtos.vTaskDelay(100), name: "owner", stackDepth: 64, params: null, priority: 1, regions: [], stackBuffer: ok });
      try {
        await b.rtos.xTaskCreateRestricted({ fn: () => {}, name: "t", stackDepth: 64, params: null, priority: 1, regions: [], stackBuffer: ok });
      } catch (e) {
        errors.push((e as Error).message);
      }
      freeAfter = b.rtos.xPortGetFreeHeapSize();
    },
  });
  await board.run(1);
  assert.equal(errors.length, 3);
  assert.match(errors[0]!, /xTaskCreateRestricted\("t"\).*puxStackBuffer has 128 bytes; a stack of 64 words needs 256/);
  assert.match(errors[1]!, /xTaskCreateRestricted\("t"\).*puxStackBuffer is not in board RAM/);
  assert.match(errors[2]!, /xTaskCreateRestricted\("t"\).*puxStackBuffer is already in use by task "owner" stack/);
  assert.equal(freeBefore - freeAfter, 96 + 8, "only the owner's TCB");
});

test("mpuSlots: the slots the regions are loaded into; bad values are refused naming the range", async () => {
  for (const [slots, expected] of [
    [undefined, 12],
    [8, 8],
    [16, 16],
  ] as const) {
    const b = createBoard("stm32h743", { mpuSlots: slots, firmware: () => {} });
    assert.equal(b.mpu.slots.slotCount, expected);
    assert.equal(b.mpu.rules.taskRegions, expected);
    assert.equal(b.mpu.rules.reservedRegions, 16 - expected);
  }
  assert.equal(createBoard("nrf52840", { firmware: () => {} }).mpu.slots.slotCount, 4);
  for (const bad of [0, 17, 2.5, "8"])
    assert.throws(
      () => createBoard("stm32h743", { mpuSlots: bad as number, firmware: () => {} }),
      (e: unknown) => e instanceof HalError && e.message.includes(`options.mpuSlots must be an integer 1..16 (the MPU regions of the STM32H743`) && e.message.endsWith(`got ${String(bad)}`),
    );
});

test("slots are direct-mapped (region i in slot i % slots): with 2 slots, a and c share slot 0 and reload at every switch-in, b keeps slot 1; with 3 all stay loaded", async () => {
  const reloads: number[] = [];
  for (const mpuSlots of [2, 3]) {
    const board = createBoard("stm32h743", {
      mpuSlots,
      firmware: async (b) => {
        for (const name of ["a", "b", "c"])
          await b.rtos.xTaskCreateRestricted({
            fn: async () => {
              for (let i = 0; i < 10; i++) await b.rtos.taskYIELD();
              await b.rtos.vTaskSuspend(null);
            },
            name,
            stackDepth: 64,
            params: null,
            priority: 2,
            regions: [],
          });
      },
    });
    await board.run(1);
    reloads.push(board.mpu.reloads);
  }
  // 11 switch-ins each: a and c reload every time (22), b once; with 3 slots only the first 3.
  assert.deepEqual(reloads, [23, 3]);
});

test("staticBuffer(board, name, size, align, region): placed in that region; an unknown region is named", () => {
  const b = createBoard("stm32h743", { firmware: () => {} });
  const buf = staticBuffer(b, "in sram1", 1024, 1024, "SRAM1");
  assert.equal(b.ram.addressOf(buf), 0x3000_0000);
  assert.throws(() => staticBuffer(b, "x", 16, 8, "SRAM9"), (e: unknown) => e instanceof PoolError && e.message.startsWith('staticBuffer "x" on stm32h743: no SRAM region "SRAM9"; the regions are "ITCM", "DTCM", "AXI SRAM"'));
  assert.throws(() => staticBuffer(b, "big", 64 * 1024, 8, "SRAM3"), (e: unknown) => e instanceof PoolError && e.message.startsWith('staticBuffer "big" on stm32h743: 65536 bytes (aligned to 8) do not fit in SRAM3; the largest free block is 32768 bytes'));
});
