/**
 * Task stacks on a board (issue 12 item 4): the stack is a heap block in board RAM, filled with
 * FreeRTOS's 0xa5 at creation; stackUse writes the used bytes from the stack's top, so the
 * high-water mark and overflow method 2 read the same bytes a debugger would.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard } from "./helpers.js";
import type { TaskHandle } from "../../src/freertos/index.js";

test("a task's stack in board RAM: filled with 0xa5, used from the top, the mark and method 2 read those bytes", async () => {
  const overflowed: string[] = [];
  const marks: number[] = [];
  let stack: Uint8Array = new Uint8Array(0);
  const fresh: boolean[] = [];
  const written: boolean[] = [];
  const board = createBoard("nrf52840", {
    config: { configCHECK_FOR_STACK_OVERFLOW: 2, vApplicationStackOverflowHook: (_t, name) => overflowed.push(name) },
    firmware: async (b) => {
      const h = { value: null as TaskHandle | null };
      await b.rtos.xTaskCreate(async () => {
        marks.push(b.rtos.uxTaskGetStackHighWaterMark(null));
        b.rtos.stackUse(200)(); // 68 + 200 bytes of 512: the mark drops to (512 - 268) / 4 words
        marks.push(b.rtos.uxTaskGetStackHighWaterMark(null));
        await b.rtos.vTaskDelay(5);
        b.rtos.stackUse(600)(); // past the stack's end, back before the switch-out: method 2 sees it
        await b.rtos.vTaskDelay(1);
        written.push(stack.some((x) => x === 0xa5));
      }, "deep", 128, null, 2, h);
      // Before the scheduler starts: the fresh stack, in board RAM at the task's stack address.
      stack = b.ram.view(h.value!.stackAddress, 512);
      fresh.push(stack.subarray(0, 512 - 68).every((x) => x === 0xa5), stack.subarray(512 - 68).some((x) => x === 0xa5));
    },
  });
  await board.run(2);
  assert.deepEqual(fresh, [true, false], "filled with 0xa5 below the context frame, the frame not fill");
  assert.deepEqual(marks, [(512 - 68) / 4, (512 - 268) / 4]);
  assert.equal(stack.subarray(0, 512 - 268).every((x) => x === 0xa5), true);
  assert.equal(stack.subarray(512 - 268).some((x) => x === 0xa5), false);
  assert.deepEqual(overflowed, []);
  await board.run(10);
  // Method 2 reads the bytes at every switch-out: the delay's and the return's.
  assert.deepEqual(overflowed, ["deep", "deep"]);
  assert.equal(board.rtos.kernel.stackOverflows, 2);
  assert.deepEqual(written, [false], "no fill byte left: the whole stack was used");
});
