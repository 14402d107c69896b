/**
 * board.memory and fault isolation (issue 12 item 5; src/hal/memory.ts): what a restricted task
 * may touch (its regions, `ro` for loads only, its own stack), every access kind (read/write ×
 * u8/u16/u32/bulk × inside/outside/straddling/read-only) with the fault record's exact fields,
 * privileged tasks, ISRs and host code seeing everything mapped, an unmapped address as a
 * BusFault, the stopped task's code unable to go on (async and generator tasks), the fault hook,
 * and one faulting task among 100 leaving the 99 others to finish.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board } from "./helpers.js";
import { HEAP_OWNER, TaskStoppedError, type MemoryFault, type MemoryRegion } from "../../src/hal/index.js";
import { eDeleted, pdFALSE, pdPASS, type FreeRTOS } from "../../src/freertos/index.js";

// nrf52840: RAM 0x20000000..0x2003ffff; the kernel heap takes the first 64 KB and the kernel's
// own objects (idle and timer task, 1856 B) follow it, so the regions start at 128 KB.
const BUF = 0x2002_0000; // a 1 KB rw region
const CONST = 0x2002_0400; // a 256 B ro region
const OUTSIDE = 0x2003_0000; // mapped, in no region
const UNMAPPED = 0x1000_0000;
const REGIONS: MemoryRegion[] = [
  { address: BUF, lengthBytes: 1024, access: "rw" },
  { address: CONST, lengthBytes: 256, access: "ro" },
];

/** Boots `name` with one restricted task running `body` (priority 2) and returns the board after `ticks`. */
async function runRestricted(body: (board: Board, rtos: FreeRTOS) => Promise<unknown> | unknown, options: { name?: string; regions?: MemoryRegion[]; ticks?: number } = {}): Promise<Board> {
  const board = createBoard(options.name ?? "nrf52840", {
    firmware: async (b) => {
      const code = await b.rtos.xTaskCreateRestricted({ fn: () => body(b, b.rtos), name: "app", stackDepth: 128, params: null, priority: 2, regions: options.regions ?? REGIONS });
      assert.equal(code, pdPASS);
    },
  });
  assert.equal(await board.run(options.ticks ?? 5), "target");
  return board;
}

/**
 * The region of the restricted task's stack: "app" is the first task created, so its stack is the
 * heap's first block (heap_4: the payload after an 8-byte header at the heap region's start).
 */
function firstStack(board: Board, stackDepth = 128): MemoryRegion {
  const heap = board.ram.allocations().find((a) => a.owner === HEAP_OWNER)!;
  return { address: heap.address + 8, lengthBytes: stackDepth * 4, access: "rw" };
}

const fault = (board: Board, f: Partial<MemoryFault>): MemoryFault => ({
  taskName: "app",
  address: 0,
  access: "read",
  sizeBytes: 4,
  tick: 0,
  boot: 1,
  kind: "MemManage",
  regions: [firstStack(board), ...REGIONS],
  ...f,
});

test("a restricted task reads and writes its rw region, reads its ro region, little endian", async () => {
  const seen: number[] = [];
  const board = await runRestricted((b) => {
    const m = b.memory;
    m.writeU32(BUF, 0x1234_5678);
    seen.push(m.readU8(BUF), m.readU8(BUF + 3), m.readU16(BUF + 1), m.readU32(BUF));
    m.writeU16(BUF + 8, 0xbeef);
    m.writeU8(BUF + 10, 0x7f);
    seen.push(m.readU32(BUF + 8));
    m.write(BUF + 1020, new Uint8Array([1, 2, 3, 4]));
    const into = new Uint8Array(4);
    m.read(BUF + 1020, into);
    seen.push(...into);
    seen.push(m.readU32(CONST + 252)); // ro: loads allowed (RAM is zero after boot)
  });
  assert.deepEqual(seen, [0x78, 0x12, 0x3456, 0x1234_5678, 0x007f_beef, 1, 2, 3, 4, 0]);
  assert.deepEqual(board.faults, []);
  // The same bytes through board RAM: the address map is the RAM's.
  assert.deepEqual([...board.ram.view(BUF, 4)], [0x78, 0x56, 0x34, 0x12]);
});

/** Every access kind that breaks a rule, with the record it must leave. */
const violations: { what: string; access: (b: Board) => void; expected: Partial<MemoryFault>; why: string }[] = [
  { what: "readU8 outside", access: (b) => b.memory.readU8(OUTSIDE), expected: { address: OUTSIDE, sizeBytes: 1 }, why: "outside its stack and regions" },
  { what: "readU16 outside", access: (b) => b.memory.readU16(OUTSIDE), expected: { address: OUTSIDE, sizeBytes: 2 }, why: "outside its stack and regions" },
  { what: "readU32 outside", access: (b) => b.memory.readU32(OUTSIDE), expected: { address: OUTSIDE, sizeBytes: 4 }, why: "outside its stack and regions" },
  { what: "read (bulk) outside", access: (b) => b.memory.read(OUTSIDE, new Uint8Array(16)), expected: { address: OUTSIDE, sizeBytes: 16 }, why: "outside its stack and regions" },
  { what: "writeU8 outside", access: (b) => b.memory.writeU8(OUTSIDE, 1), expected: { address: OUTSIDE, sizeBytes: 1, access: "write" }, why: "outside its stack and regions" },
  { what: "writeU16 outside", access: (b) => b.memory.writeU16(OUTSIDE, 1), expected: { address: OUTSIDE, sizeBytes: 2, access: "write" }, why: "outside its stack and regions" },
  { what: "writeU32 outside", access: (b) => b.memory.writeU32(OUTSIDE, 1), expected: { address: OUTSIDE, sizeBytes: 4, access: "write" }, why: "outside its stack and regions" },
  { what: "write (bulk) outside", access: (b) => b.memory.write(OUTSIDE, new Uint8Array(3)), expected: { address: OUTSIDE, sizeBytes: 3, access: "write" }, why: "outside its stack and regions" },
  { what: "readU16 straddling the rw region's end", access: (b) => b.memory.readU16(BUF + 1023), expected: { address: BUF + 1023, sizeBytes: 2 }, why: "straddles the end of regions[0] (0x20020000..0x200203ff)" },
  { what: "readU32 straddling the ro region's end", access: (b) => b.memory.readU32(CONST + 254), expected: { address: CONST + 254, sizeBytes: 4 }, why: "straddles the end of regions[1] (0x20020400..0x200204ff)" },
  { what: "read (bulk) straddling", access: (b) => b.memory.read(BUF + 1000, new Uint8Array(25)), expected: { address: BUF + 1000, sizeBytes: 25 }, why: "straddles the end of regions[0] (0x20020000..0x200203ff)" },
  { what: "writeU32 straddling", access: (b) => b.memory.writeU32(BUF + 1022, 1), expected: { address: BUF + 1022, sizeBytes: 4, access: "write" }, why: "straddles the end of regions[0] (0x20020000..0x200203ff)" },
  { what: "write (bulk) straddling", access: (b) => b.memory.write(BUF + 1020, new Uint8Array(8)), expected: { address: BUF + 1020, sizeBytes: 8, access: "write" }, why: "straddles the end of regions[0] (0x20020000..0x200203ff)" },
  { what: "writeU8 to ro", access: (b) => b.memory.writeU8(CONST, 1), expected: { address: CONST, sizeBytes: 1, access: "write" }, why: "regions[1] (0x20020400..0x200204ff) is read-only" },
  { what: "writeU16 to ro", access: (b) => b.memory.writeU16(CONST + 2, 1), expected: { address: CONST + 2, sizeBytes: 2, access: "write" }, why: "regions[1] (0x20020400..0x200204ff) is read-only" },
  { what: "writeU32 to ro", access: (b) => b.memory.writeU32(CONST + 4, 1), expected: { address: CONST + 4, sizeBytes: 4, access: "write" }, why: "regions[1] (0x20020400..0x200204ff) is read-only" },
  { what: "write (bulk) to ro", access: (b) => b.memory.write(CONST, new Uint8Array(10)), expected: { address: CONST, sizeBytes: 10, access: "write" }, why: "regions[1] (0x20020400..0x200204ff) is read-only" },
];

for (const v of violations) {
  test(`MemManage fault: ${v.what} — the record, the error, the task stopped, the write not done`, async () => {
    let thrown: unknown = null;
    let after = false;
    const board = await runRestricted((b) => {
      try {
        v.access(b);
      } catch (e) {
        thrown = e;
        throw e;
      }
      after = true;
    });
    const expected = fault(board, v.expected);
    assert.deepEqual(board.faults, [expected]);
    assert.ok(thrown instanceof TaskStoppedError);
    const size = expected.sizeBytes === 1 ? "1 byte" : `${expected.sizeBytes} bytes`;
    assert.equal(
      (thrown as Error).message,
      `task "app" stopped by a MemManage fault: ${expected.access === "write" ? "writing" : "reading"} ${size} at 0x${expected.address.toString(16).padStart(8, "0")} (${v.why})`,
    );
    assert.equal(after, false);
    assert.equal(board.rtos.xTaskGetHandle("app"), null, "the task is deleted");
    assert.deepEqual([...board.ram.view(OUTSIDE, 4), ...board.ram.view(CONST, 4)], [0, 0, 0, 0, 0, 0, 0, 0], "nothing was written");
  });
}

test("the fault record: plain, frozen, with the tick of the fault and the regions in force; the hook sees it first", async () => {
  const hooked: MemoryFault[] = [];
  const board = createBoard("stm32h743", {
    onFault: (f) => hooked.push(f),
    firmware: async (b) => {
      const regions: MemoryRegion[] = [{ address: 0x2400_0000 + 0x80000 - 4096, lengthBytes: 4096, access: "ro" }];
      await b.rtos.xTaskCreateRestricted({
        fn: async () => {
          await b.rtos.vTaskDelay(7);
          b.memory.writeU32(0x2400_0000 + 0x80000 - 4096, 5);
        },
        name: "late",
        stackDepth: 200,
        params: null,
        priority: 1,
        regions,
      });
    },
  });
  await board.run(20);
  const expected: MemoryFault = {
    taskName: "late",
    address: 0x2407_f000,
    access: "write",
    sizeBytes: 4,
    tick: 7,
    boot: 1,
    kind: "MemManage",
    regions: [firstStack(board, 200), { address: 0x2407_f000, lengthBytes: 4096, access: "ro" }],
  };
  assert.deepEqual(board.faults, [expected]);
  assert.equal(hooked.length, 1);
  assert.equal(hooked[0], board.faults[0]);
  assert.ok(Object.isFrozen(board.faults[0]) && Object.isFrozen(board.faults[0]!.regions));
});

test("the C3's violations are PMP faults", async () => {
  const regions: MemoryRegion[] = [{ address: 0x3fca_0000, lengthBytes: 12, access: "ro" }];
  const board = await runRestricted((b) => b.memory.writeU8(0x3fca_0008, 1), { name: "esp32c3", regions });
  assert.deepEqual(board.faults, [fault(board, { address: 0x3fca_0008, sizeBytes: 1, access: "write", kind: "PMP", regions: [firstStack(board), ...regions] })]);
});

test("a restricted task's own stack is accessible once placed; the record lists it first", async () => {
  let stack = 0;
  const seen: number[] = [];
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      const handle = { value: null as never };
      await b.rtos.xTaskCreateRestricted(
        {
          fn: () => {
            b.memory.writeU32(stack + 508, 0xabcd);
            seen.push(b.memory.readU32(stack + 508));
            b.memory.writeU32(stack + 510, 1); // straddles the stack's end (128 words = 512 bytes)
          },
          name: "app",
          stackDepth: 128,
          params: null,
          priority: 2,
          regions: REGIONS,
        },
        handle,
      );
      // The board placed its stack in the heap (heap_4's first block).
      stack = (handle.value as { stackAddress: number }).stackAddress;
    },
  });
  await board.run(3);
  assert.equal(stack, firstStack(board).address);
  assert.deepEqual(seen, [0xabcd]);
  assert.deepEqual(board.faults, [
    fault(board, { address: stack + 510, access: "write", regions: [{ address: stack, lengthBytes: 512, access: "rw" }, ...REGIONS] }),
  ]);
});

test("the heap block header just below its stack is off limits (the stack is exactly its region)", async () => {
  const board = await runRestricted((b) => b.memory.readU8(0x2000_0007));
  assert.equal(firstStack(board).address, 0x2000_0008);
  assert.deepEqual(board.faults, [fault(board, { address: 0x2000_0007, sizeBytes: 1 })]);
});

test("privileged tasks, ISRs and host code see all of SRAM", async () => {
  const seen: number[] = [];
  const board = createBoard("stm32h743", {
    firmware: async (b) => {
      const r = b.rtos;
      b.memory.writeU32(0x2000_0000, 0x11); // host (set-up) code: DTCM
      r.registerInterrupt(5, 3, () => {
        seen.push(b.memory.readU32(0x3800_0000)); // ISR: SRAM4
        b.memory.writeU8(0x3800_0004, 0x22);
      });
      await r.xTaskCreate(
        async () => {
          seen.push(b.memory.readU32(0x2000_0000));
          b.memory.writeU32(0x3800_0000, 0x33);
          r.triggerInterrupt(5);
          await r.vTaskDelay(1);
          seen.push(b.memory.readU8(0x3800_0004));
          b.memory.write(0x3001_fffe, new Uint8Array([1, 2, 3, 4])); // SRAM1 → SRAM2: contiguous, one access
        },
        "priv",
        128,
        null,
        1,
      );
    },
  });
  await board.run(5);
  assert.deepEqual(seen, [0x11, 0x33, 0x22]);
  assert.deepEqual(board.faults, []);
  assert.equal(board.memory.readU32(0x3001_fffe), 0x0403_0201); // host code after the run
});

test("an unmapped address: a BusFault that stops even a privileged task; from host code or an ISR, a HalError", async () => {
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      await b.rtos.xTaskCreate(() => b.memory.readU32(UNMAPPED), "priv", 128, null, 1);
    },
  });
  assert.equal(await board.run(3), "target");
  assert.deepEqual(board.faults, [{ taskName: "priv", address: UNMAPPED, access: "read", sizeBytes: 4, tick: 0, boot: 1, kind: "BusFault", regions: [] }]);
  assert.throws(
    () => board.memory.writeU8(0x2004_0000, 1),
    (e: unknown) => e instanceof HalError && e.message === `board "nrf52840", memory: writeU8: BusFault: 1 byte at 0x20040000 are not all mapped (SRAM is RAM 0x20000000..0x2003ffff)`,
  );
  assert.throws(() => board.memory.readU32(0x2003_fffe), /readU32: BusFault: 4 bytes at 0x2003fffe are not all mapped/);
  // A restricted task's region that lies outside SRAM: mapped-ness is checked first.
  const b2 = await runRestricted((b) => b.memory.readU8(0x3000_0000), { regions: [{ address: 0x3000_0000, lengthBytes: 32, access: "rw" }] });
  assert.equal(b2.faults[0]!.kind, "BusFault");
  // From an ISR: the HalError ends the run.
  const b3 = createBoard("nrf52840", {
    firmware: async (b) => {
      b.rtos.registerInterrupt(2, 3, () => b.memory.readU8(UNMAPPED));
      await b.rtos.xTaskCreate(() => b.rtos.triggerInterrupt(2), "t", 128, null, 1);
    },
  });
  await assert.rejects(b3.run(3), /memory: readU8: BusFault: 1 byte at 0x10000000/);
});

test("bad arguments are HalErrors naming the call", async () => {
  const board = createBoard("nrf52840", { firmware: () => {} });
  assert.throws(() => board.memory.readU8(-1), /board "nrf52840", memory: readU8: address must be an integer in 0\.\.0xffffffff, got -1/);
  assert.throws(() => board.memory.writeU16(BUF, 0x10000), /memory: writeU16: value must be an integer in 0\.\.0xffff, got 65536/);
  assert.throws(() => board.memory.writeU32(BUF, 1.5), /memory: writeU32: value must be an integer in 0\.\.0xffffffff, got 1\.5/);
  assert.throws(() => board.memory.read(BUF, [1] as unknown as Uint8Array), /memory: read: into must be a Uint8Array, got object/);
  assert.throws(() => board.memory.write(BUF, null as unknown as Uint8Array), /memory: write: data must be a Uint8Array, got null/);
  assert.throws(() => createBoard("nrf52840", { firmware: () => {}, onFault: 1 as never }), /options\.onFault must be a function \(fault\) => void, got number/);
});

test("an async task that catches the stop cannot go on: its next kernel call throws the stop again and never returns", async () => {
  const steps: string[] = [];
  const board = await runRestricted(async (b, r) => {
    try {
      b.memory.writeU32(OUTSIDE, 1);
    } catch (e) {
      steps.push(`caught ${(e as Error).name}`);
    }
    try {
      b.memory.readU8(BUF); // allowed before the fault; the task is stopped now
    } catch {
      steps.push("memory refused");
    }
    try {
      await r.vTaskDelay(1);
      steps.push("delay returned");
    } catch (e) {
      steps.push(`delay threw ${(e as Error).name}`);
    }
    await r.xQueueSend(r.xQueueCreate(1, 0)!, 1, 0).then(() => steps.push("send returned"), () => steps.push("send threw"));
  });
  assert.deepEqual(steps, ["caught TaskStoppedError", "memory refused", "delay threw TaskStoppedError"]);
  assert.equal(board.faults.length, 1, "one fault: the later refusals are the same stop");
  assert.equal(board.rtos.xTaskGetHandle("app"), null);
});

test("a generator task that catches the stop cannot go on either", async () => {
  const steps: string[] = [];
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      const r = b.rtos;
      await r.xTaskCreateRestricted({
        fn: function* () {
          try {
            b.memory.writeU32(OUTSIDE, 1);
          } catch {
            steps.push("caught");
          }
          try {
            yield* r.vTaskDelay(1);
            steps.push("delay returned");
          } catch {
            steps.push("delay threw");
          }
          steps.push("went on");
          yield* r.vTaskDelay(1);
          steps.push("NOT REACHED");
        },
        name: "app",
        stackDepth: 128,
        params: null,
        priority: 2,
        regions: REGIONS,
      });
      await r.xTaskCreate(
        function* () {
          for (let i = 0; i < 3; i++) yield* r.vTaskDelay(1);
          steps.push("other done");
        },
        "other",
        128,
        null,
        1,
      );
    },
  });
  assert.equal(await board.run(10), "target");
  // Its code runs on to the end of its step (it cannot be interrupted mid-step), but nothing it calls returns.
  assert.deepEqual(steps, ["caught", "delay threw", "went on", "other done"]);
  assert.equal(board.rtos.xTaskGetHandle("app"), null);
  assert.equal(board.faults.length, 1);
});

test("a stopped task's critical section is released; a mutex it holds stays held (as vTaskDelete leaves it)", async () => {
  const results: number[] = [];
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      const r = b.rtos;
      const mutex = r.xSemaphoreCreateMutex()!;
      await r.xTaskCreateRestricted({
        fn: async () => {
          await r.xSemaphoreTake(mutex, 0);
          r.taskENTER_CRITICAL();
          b.memory.writeU8(OUTSIDE, 1);
        },
        name: "app",
        stackDepth: 128,
        params: null,
        priority: 2,
        regions: REGIONS,
      });
      await r.xTaskCreate(
        async () => {
          results.push(await r.xSemaphoreTake(mutex, 5));
          results.push(r.xTaskGetTickCount());
        },
        "waiter",
        128,
        null,
        1,
      );
    },
  });
  assert.equal(await board.run(10), "target");
  assert.deepEqual(results, [pdFALSE, 5]);
  assert.equal(board.faults.length, 1);
});

test("fault isolation: one faulting task among 100 — the 99 others finish their work, the run resolves, one record", async () => {
  const done: number[] = [];
  const stacks: number[] = [];
  const board = createBoard("stm32h743", {
    firmware: async (b) => {
      const r = b.rtos;
      for (let i = 0; i < 100; i++) {
        const base = 0x2400_0000 + 0x70000 + i * 256; // AXI SRAM above the heap (264 KB)
        const handle = { value: null as { stackAddress: number } | null };
        await r.xTaskCreateRestricted({
          fn: async () => {
            for (let round = 0; round < 10; round++) {
              b.memory.writeU32(base + round * 4, i * 100 + round);
              if (i === 42 && round === 3) b.memory.writeU32(base + 256, 1); // the neighbour's region
              await r.vTaskDelay(1);
            }
            done.push(i);
          },
          name: `t${i}`,
          stackDepth: 128,
          params: null,
          priority: 1 + (i % 3),
          regions: [{ address: base, lengthBytes: 256, access: "rw" }],
        }, handle as never);
        stacks.push(handle.value!.stackAddress);
      }
    },
  });
  assert.equal(await board.run(50), "target");
  assert.equal(done.length, 99);
  assert.ok(!done.includes(42));
  const base42 = 0x2400_0000 + 0x70000 + 42 * 256;
  assert.deepEqual(board.faults, [
    { taskName: "t42", address: base42 + 256, access: "write", sizeBytes: 4, tick: 3, boot: 1, kind: "MemManage", regions: [{ address: stacks[42]!, lengthBytes: 512, access: "rw" }, { address: base42, lengthBytes: 256, access: "rw" }] },
  ]);
  // Task 43's region was not touched by 42; 42's own writes stopped after round 3.
  assert.equal(board.memory.readU32(base42 + 256), 4300);
  assert.deepEqual([0, 1, 2, 3, 4].map((k) => board.memory.readU32(base42 + k * 4)), [4200, 4201, 4202, 4203, 0]);
});

test("faults are kept across a reset, with the boot they happened in", async () => {
  const board = await runRestricted((b) => b.memory.readU8(OUTSIDE));
  board.reset("software");
  await board.run(3);
  assert.deepEqual(
    board.faults.map((f) => [f.taskName, f.boot]),
    [
      ["app", 1],
      ["app", 2],
    ],
  );
});

test("a fault emits the trace event task.faulted (and no task.deleted run failure)", async () => {
  const kinds: string[] = [];
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      b.rtos.kernel.setTraceSink((e) => {
        if (e.task === "app" && (e.kind === "task.faulted" || e.kind === "task.deleted")) kinds.push(e.kind);
      });
      await b.rtos.xTaskCreateRestricted({ fn: () => b.memory.readU8(OUTSIDE), name: "app", stackDepth: 128, params: null, priority: 2, regions: REGIONS });
    },
  });
  assert.equal(await board.run(3), "target");
  assert.deepEqual(kinds, ["task.faulted", "task.deleted"]);
});

test("a fault hook that throws fails the run with its error (the task is stopped all the same)", async () => {
  const board = createBoard("nrf52840", {
    onFault: () => {
      throw new Error("hook bug");
    },
    firmware: async (b) => {
      await b.rtos.xTaskCreateRestricted({ fn: () => b.memory.readU8(OUTSIDE), name: "app", stackDepth: 128, params: null, priority: 2, regions: REGIONS });
    },
  });
  await assert.rejects(board.run(3), /^Error: hook bug$/);
  assert.equal(board.faults.length, 1);
  assert.equal(board.rtos.eTaskGetState(board.rtos.xTaskGetHandle("app")!), eDeleted, "deleted (the idle task has not run to free it)");
});

test("goroutines (privileged) are stopped by a bus fault like tasks", async () => {
  const { go } = await import("../../src/go/index.js");
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      await b.rtos.xTaskCreate(
        async () => {
          go(async () => b.memory.readU8(UNMAPPED));
          go(function* () {
            b.memory.readU8(UNMAPPED + 4);
          });
          await b.rtos.vTaskDelay(2);
        },
        "main",
        128,
        null,
        1,
      );
    },
  });
  assert.equal(await board.run(5), "target");
  assert.deepEqual(
    board.faults.map((f) => [f.taskName, f.kind, f.address]),
    [
      ["goroutine 1", "BusFault", UNMAPPED],
      ["goroutine 2", "BusFault", UNMAPPED + 4],
    ],
  );
});
