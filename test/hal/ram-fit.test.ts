/**
 * The kernel heap on a board (issue 12): heap blocks lie in the board's "heap
 * (configTOTAL_HEAP_SIZE)" region and are views of its RAM; ram.report() lists them under the heap
 * row; staticBuffer places Static buffers in board RAM (its own row); a host buffer is refused on a
 * board; heapAfterStart false refuses dynamic creation after start only; a firmware that does not
 * fit fails at start with a HalError naming what and how many bytes, with the RAM report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError } from "./helpers.js";
import { HEAP_OWNER } from "../../src/hal/index.js";
import { staticBuffer, PoolError } from "../../src/mem/index.js";
import { KernelAssertError, StaticSizes, type Ref, type TaskHandle, type QueueHandle } from "../../src/freertos/index.js";

test("on every board, task stacks, TCBs and queues are heap blocks inside the heap region, and views of board RAM", async () => {
  for (const name of ["stm32h743", "esp32c3", "nrf52840"]) {
    const ref: Ref<TaskHandle | null> = { value: null };
    let q: QueueHandle | null = null;
    const b = createBoard(name, {
      firmware: async (bb) => {
        await bb.rtos.xTaskCreate(
          async () => {
            for (;;) await bb.rtos.vTaskDelay(100);
          },
          "blink",
          64,
          null,
          1,
          ref,
        );
        q = bb.rtos.xQueueCreate(4, 4);
        bb.rtos.vQueueAddToRegistry(q!, "rx");
      },
    });
    await b.run(1);
    const heap = b.ram.allocations().find((a) => a.owner === HEAP_OWNER)!;
    const t = ref.value!;
    // The heap's first block: stack payload 8 bytes into the (8-aligned) region, TCB after 256 + 8.
    assert.equal(t.stackAddress, heap.address + 8, name);
    assert.equal(t.tcbAddress, heap.address + 8 + 264, name);
    assert.equal(q!.controlAddress, heap.address + 8 + 264 + 104, name);
    for (const at of [t.stackAddress, t.tcbAddress, q!.controlAddress]) assert.ok(at >= heap.address && at < heap.address + heap.sizeBytes, `${name}: ${at} in the heap`);
    assert.equal(t.stackView!.buffer, b.ram.buffer, name);
    assert.equal(b.ram.addressOf(t.stackView!), t.stackAddress, name);
    assert.equal(t.stackView!.byteLength, 256, name);
    const lines = b.ram.report().split("\n");
    const at = lines.findIndex((l) => l.startsWith(HEAP_OWNER));
    const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;
    assert.deepEqual(lines.slice(at + 1, at + 4), [
      `  task "blink" stack  ${hex(t.stackAddress)}..${hex(t.stackAddress + 255)}     256`,
      `  task "blink" TCB    ${hex(t.tcbAddress)}..${hex(t.tcbAddress + 95)}      96`,
      `  queue "rx"          ${hex(q!.controlAddress)}..${hex(q!.controlAddress + 99)}     100`,
    ], name);
    assert.ok(lines.some((l) => l.startsWith("kernel ")), `${name}: the kernel's static memory row`);
  }
});

test("staticBuffer: Static objects in board RAM at the buffer's address, their own report rows; a host buffer is refused on a board", async () => {
  let handle: TaskHandle | null = null;
  const errors: string[] = [];
  const b = createBoard("nrf52840", {
    firmware: async (bb) => {
      const stack = staticBuffer(bb, "blink stack", 64 * StaticSizes.StackType_t);
      const tcb = staticBuffer(bb, "blink TCB", StaticSizes.StaticTask_t);
      handle = await bb.rtos.xTaskCreateStatic(async () => {}, "blink", 64, null, 1, stack, tcb);
      try {
        bb.rtos.xEventGroupCreateStatic(new Uint8Array(32));
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    },
  });
  await b.run(1);
  const rows = b.ram.allocations();
  const stackRow = rows.find((a) => a.owner === 'static "blink stack"')!;
  const tcbRow = rows.find((a) => a.owner === 'static "blink TCB"')!;
  // The heap takes the first 65536 bytes of RAM; the static buffers follow, 8-aligned.
  assert.deepEqual([stackRow.address, stackRow.sizeBytes, tcbRow.address, tcbRow.sizeBytes], [0x2001_0000, 256, 0x2001_0100, 96]);
  const t = handle!;
  assert.equal(t.stackAddress, 0x2001_0000);
  assert.equal(t.tcbAddress, 0x2001_0100);
  assert.equal(b.ram.addressOf(t.stackView!), 0x2001_0000, "the stack view is the stack buffer");
  assert.deepEqual(errors, [
    "KernelAssertError: xEventGroupCreateStatic called from set-up code (outside any task): pxEventGroupBuffer is not in board RAM (a host buffer): place it with staticBuffer(board, name, sizeBytes) from tinyrtos/mem",
  ]);
  assert.equal(b.rtos.vPortGetHeapStats().xNumberOfSuccessfulAllocations, 0, "no heap for the static task");
  assert.throws(
    () => staticBuffer(b, "huge", 300_000),
    (e: unknown) => e instanceof PoolError && /^staticBuffer "huge" on nrf52840: 300000 bytes \(aligned to 8\) do not fit in SRAM; the largest free block is \d+ bytes\nowner/.test((e as Error).message),
  );
});

test("createBoard(name, { heapAfterStart: false }): dynamic creation before start works, after start it asserts naming the call", async () => {
  const b = createBoard("esp32c3", {
    heapAfterStart: false,
    firmware: async (bb) => {
      assert.ok(bb.rtos.xQueueCreate(2, 4), "before start");
      await bb.rtos.xTaskCreate(
        async () => {
          bb.rtos.xSemaphoreCreateBinary();
        },
        "late",
        128,
        null,
        1,
      );
    },
  });
  await assert.rejects(
    b.run(5),
    (e: unknown) => e instanceof KernelAssertError && (e as Error).message === 'xSemaphoreCreateBinary called from task "late": heap disabled after start (heapAfterStart is false): create every object before vTaskStartScheduler, or use the Static twin',
  );
  assert.throws(() => createBoard("esp32c3", { heapAfterStart: 0 as never, firmware: () => {} }), HalError);
});

test("a firmware that does not fit fails at start: board.run rejects with a HalError naming what and how many bytes, with the RAM report", async () => {
  const b = createBoard("nrf52840", {
    config: { configTOTAL_HEAP_SIZE: 4096 },
    firmware: async (bb) => {
      await bb.rtos.xTaskCreate(async () => {}, "small", 128, null, 1);
      await bb.rtos.xTaskCreate(async () => {}, "big", 1024, null, 1); // 4096-byte stack: no room
    },
  });
  let error: unknown = null;
  try {
    await b.run(1);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof HalError);
  const [first, ...table] = (error as Error).message.split("\n");
  // 4096 - 8 (end marker) = 4088 free; "small" took 512 + 8 and 96 + 8 → 3464 left.
  assert.equal(
    first,
    'board "nrf52840", heap: the firmware does not fit: task "big" stack needed 4096 bytes (4104 or more with heap_4\'s block header) at start, but the kernel heap (configTOTAL_HEAP_SIZE = 4096 bytes) had 3464 bytes free, the largest free block 3464 bytes',
  );
  assert.equal(table[1], "heap (configTOTAL_HEAP_SIZE)  RAM     0x20000000..0x20000fff   4096        0");
  assert.ok(table[2]!.startsWith('  task "small" stack  0x20000008..'), table[2]);
});
