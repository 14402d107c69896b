/**
 * xTaskCreateRestricted and the region rules (issue 12 item 5; src/hal/mpu.ts): Cortex-M (power of
 * two >= 32 bytes aligned to its size; 3 task regions of 8, 11 of 16, as FreeRTOS-MPU leaves them)
 * and the ESP32-C3's PMP (NAPOT or TOR with 4-byte granularity, no overlaps, 14 entries for the
 * stack and the regions), accepted and refused with exact messages and nothing created; the
 * kernel's shape check (the only check off a board); region slots and the reload count of the
 * seed's i % slots reuse.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBoard, HalError, type Board } from "./helpers.js";
import { RegionSet, RegionSlots, type MemoryRegion } from "../../src/hal/index.js";
import { createFreeRTOS, pdPASS, type FreeRTOS, type TaskHandle } from "../../src/freertos/index.js";

const idle = async (): Promise<void> => {};

/** Creates a restricted task "t" on a fresh board's kernel (before start): its result or what it threw. */
function tryCreate(boardName: string, regions: MemoryRegion[]): { board: Board; result: Promise<number> | null; error: unknown } {
  const board = createBoard(boardName, { firmware: () => {} });
  try {
    return { board, result: board.rtos.xTaskCreateRestricted({ fn: idle, name: "t", stackDepth: 128, params: null, priority: 1, regions }), error: null };
  } catch (error) {
    return { board, result: null, error };
  }
}

function refused(boardName: string, regions: MemoryRegion[], message: string): void {
  const { board, error } = tryCreate(boardName, regions);
  assert.ok(error instanceof HalError, `expected a HalError, got ${String(error)}`);
  assert.equal((error as Error).message, `board "${boardName}", xTaskCreateRestricted("t"): ${message}`);
  // Nothing created: no task, no heap.
  assert.equal(board.rtos.uxTaskGetNumberOfTasks(), 0);
  const untouched = createBoard(boardName, { firmware: () => {} }).rtos.xPortGetFreeHeapSize();
  assert.equal(board.rtos.xPortGetFreeHeapSize(), untouched, "the heap as at boot (heap_4 keeps its end marker)");
}

async function accepted(boardName: string, regions: MemoryRegion[]): Promise<void> {
  const { board, result, error } = tryCreate(boardName, regions);
  assert.equal(error, null, String(error));
  assert.equal(await result, pdPASS);
  const t = board.rtos.xTaskGetHandle("t")!;
  assert.ok(t.mpuRegions instanceof RegionSet);
  assert.deepEqual((t.mpuRegions as RegionSet).regions, regions);
}

const r = (address: number, lengthBytes: number, access: "rw" | "ro" = "rw"): MemoryRegion => ({ address, lengthBytes, access });
const SIZE_RULE = "an MPU region's size must be a power of two >= 32 bytes (MPU_RASR.SIZE: 2^(SIZE+1) bytes, SIZE >= 4)";

test("Cortex-M: sizes are powers of two >= 32 bytes", async () => {
  await accepted("nrf52840", [r(0x2001_0000, 32), r(0x2002_0000, 65536, "ro"), r(0x0000_0000, 1 << 20, "ro")]);
  refused("nrf52840", [r(0x2001_0000, 48)], `regions[0] (0x20010000, 48 bytes): ${SIZE_RULE}`);
  refused("nrf52840", [r(0x2001_0000, 32), r(0x2001_0100, 16)], `regions[1] (0x20010100, 16 bytes): ${SIZE_RULE}`);
  refused("stm32h743", [r(0x2400_0000, 1000)], `regions[0] (0x24000000, 1000 bytes): ${SIZE_RULE}`);
});

test("Cortex-M: a base aligned to the size", async () => {
  await accepted("stm32h743", [r(0x2408_0000, 0x8_0000)]);
  refused("nrf52840", [r(0x2001_0020, 64)], "regions[0] (0x20010020, 64 bytes): an MPU region's base must be aligned to its size (0x20010020 is not a multiple of 64; MPU_RBAR.ADDR)");
  refused("stm32h743", [r(0x2400_0000, 1024), r(0x2400_1000, 8192)], "regions[1] (0x24001000, 8192 bytes): an MPU region's base must be aligned to its size (0x24001000 is not a multiple of 8192; MPU_RBAR.ADDR)");
});

test("Cortex-M: overlapping regions are allowed (the highest-numbered decides)", async () => {
  await accepted("nrf52840", [r(0x2001_0000, 1024, "ro"), r(0x2001_0000, 256, "rw")]);
});

test("Cortex-M: 3 task regions with 8 MPU regions, 11 with 16 (FreeRTOS-MPU's layout)", async () => {
  const regions = (n: number): MemoryRegion[] => Array.from({ length: n }, (_, i) => r(0x2001_0000 + i * 256, 256));
  await accepted("nrf52840", regions(3));
  refused("nrf52840", regions(4), `task "t" has 4 regions but a task may have 3 on this 8-region MPU (FreeRTOS-MPU: regions 0-3 are the kernel's, 4 the task's stack, 5-7 configurable)`);
  await accepted("stm32h743", regions(11));
  refused("stm32h743", regions(12), `task "t" has 12 regions but a task may have 11 on this 16-region MPU (FreeRTOS-MPU: regions 0-3 are the kernel's, 4 the task's stack, 5-15 configurable)`);
  await accepted("nrf52840", []);
});

const PMP_SHAPE = "a PMP region must be NAPOT (a power of two >= 8 bytes aligned to its size) or TOR (address and length multiples of 4 bytes, the PMP's granularity; RISC-V privileged spec §3.7)";

test("ESP32-C3 PMP: NAPOT (power of two >= 8, aligned) or TOR (4-byte granularity)", async () => {
  await accepted("esp32c3", [r(0x3fca_0000, 8), r(0x3fcb_0000, 4096, "ro")]); // NAPOT
  await accepted("esp32c3", [r(0x3fca_0004, 12), r(0x3fca_0100, 4)]); // TOR
  refused("esp32c3", [r(0x3fca_0000, 6)], `regions[0] (0x3fca0000, 6 bytes): ${PMP_SHAPE}`);
  refused("esp32c3", [r(0x3fca_0000, 8), r(0x3fca_0102, 8)], `regions[1] (0x3fca0102, 8 bytes): ${PMP_SHAPE}`);
});

test("ESP32-C3 PMP: no overlapping regions", async () => {
  await accepted("esp32c3", [r(0x3fca_0000, 32), r(0x3fca_0020, 32)]); // adjacent is not overlapping
  refused("esp32c3", [r(0x3fca_0000, 32), r(0x3fca_0010, 16)], "regions[1] (0x3fca0010, 16 bytes) overlaps regions[0] (0x3fca0000, 32 bytes): the ESP32-C3's PMP does not support overlapping regions");
  refused("esp32c3", [r(0x3fca_0100, 8), r(0x3fca_0000, 4), r(0x3fca_00fc, 12)], "regions[2] (0x3fca00fc, 12 bytes) overlaps regions[0] (0x3fca0100, 8 bytes): the ESP32-C3's PMP does not support overlapping regions");
});

test("ESP32-C3 PMP: 14 entries for the stack (a TOR pair) and the regions (NAPOT 1, TOR 2 or 1 after its neighbour)", async () => {
  const napot = (n: number): MemoryRegion[] => Array.from({ length: n }, (_, i) => r(0x3fca_0000 + i * 64, 64));
  const tor = (n: number): MemoryRegion[] => Array.from({ length: n }, (_, i) => r(0x3fca_0000 + i * 64, 12));
  const chain = (n: number): MemoryRegion[] => Array.from({ length: n }, (_, i) => r(0x3fca_0000 + i * 12, 12));
  const needs = (n: number): string =>
    `task "t" needs ${n} PMP entries (its stack 2, then 1 per NAPOT region, 2 per TOR region or 1 when it starts where the previous one ends) but a task may have 14 of the 16 (2 are kept for the task's code and constants)`;
  await accepted("esp32c3", napot(12)); // 2 + 12
  refused("esp32c3", napot(13), needs(15));
  await accepted("esp32c3", tor(6)); // 2 + 6 × 2
  refused("esp32c3", tor(7), needs(16));
  await accepted("esp32c3", chain(11)); // 2 + 2 + 10
  refused("esp32c3", chain(12), needs(15));
});

test("the kernel's shape check, on and off a board; off a board nothing else is checked", async () => {
  const rtos = createFreeRTOS();
  const create = (regions: unknown, ...parameters: unknown[]) =>
    rtos.xTaskCreateRestricted((parameters.length > 0 ? parameters[0] : { fn: idle, name: "t", stackDepth: 128, params: null, priority: 1, regions }) as never);
  assert.equal(await create([r(0x2001_0010, 48)]), pdPASS); // breaks the Cortex-M rules: no MPU off a board
  assert.deepEqual(rtos.xTaskGetHandle("t")!.mpuRegions, [r(0x2001_0010, 48)]);
  assert.throws(() => create(null, null), { name: "TypeError", message: "xTaskCreateRestricted: expects { fn, name, stackDepth, params, priority, regions }, got null" });
  assert.throws(() => create({ address: 0 }), { name: "TypeError", message: `xTaskCreateRestricted("t"): regions must be an array of { address, lengthBytes, access }, got object` });
  assert.throws(() => create([r(0, 32), 5]), { name: "TypeError", message: `xTaskCreateRestricted("t"): regions[1] must be an object { address, lengthBytes, access }, got number 5` });
  assert.throws(() => create([r(-4, 32)]), { name: "RangeError", message: `xTaskCreateRestricted("t"): regions[0].address must be an integer address in 0..0xffffffff, got number -4` });
  assert.throws(() => create([r(0, 0)]), { name: "RangeError", message: `xTaskCreateRestricted("t"): regions[0].lengthBytes must be a positive integer, got number 0` });
  assert.throws(() => create([r(0xffff_fff0, 32)]), { name: "RangeError", message: `xTaskCreateRestricted("t"): regions[0] (32 bytes at 0xfffffff0) runs past the end of the 32-bit address space` });
  assert.throws(() => create([{ address: 0, lengthBytes: 32, access: "rx" }]), { name: "TypeError", message: `xTaskCreateRestricted("t"): regions[0].access must be "rw" or "ro", got string "rx"` });
  assert.equal(rtos.uxTaskGetNumberOfTasks(), 1, "only the first task was created");
  // On a board the shape is checked before the board's rules.
  const { error } = tryCreate("nrf52840", [{ address: 0x2001_0000, lengthBytes: 48, access: "x" as never }]);
  assert.ok(error instanceof TypeError);
  // The xTaskCreate checks still apply, with the call's name.
  assert.throws(() => create([], { fn: idle, name: "t", stackDepth: 2, params: null, priority: 1, regions: [] }), /^RangeError: xTaskCreateRestricted\("t"\): stackDepth must be an integer number of words >= /);
  // Privileged tasks carry no regions.
  await rtos.xTaskCreate(idle, "p", 128, null, 1);
  assert.equal(rtos.xTaskGetHandle("p")!.mpuRegions, null);
});

test("a restricted task that preempts its creator runs with its regions from its first instruction", async () => {
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      await b.rtos.xTaskCreate(
        async () => {
          await b.rtos.xTaskCreateRestricted({ fn: () => b.memory.writeU8(0x2002_0000, 1), name: "hi", stackDepth: 128, params: null, priority: 3, regions: [r(0x2001_0000, 32)] });
        },
        "creator",
        128,
        null,
        1,
      );
    },
  });
  await board.run(2);
  assert.deepEqual(board.faults.map((f) => [f.taskName, f.kind]), [["hi", "MemManage"]]);
  assert.equal(board.mpu.reloads, 2, "its stack and its region were loaded at that switch");
});

test("RegionSlots: region i lives in slot i % slots; a slot already holding it costs nothing", () => {
  const s = new RegionSlots(8);
  assert.equal(s.load(0, 1), 1);
  assert.equal(s.load(0, 1), 0);
  assert.equal(s.load(1, 7), 7);
  assert.equal(s.load(8, 2), 2); // slots 0 and 1
  assert.equal(s.load(2, 1), 0);
  assert.equal(s.load(0, 2), 2);
  assert.equal(s.reloads, 12);
  s.clear();
  assert.equal(s.reloads, 0);
  assert.equal(s.load(0, 1), 1);
  assert.throws(() => new RegionSlots(0), /RegionSlots: slotCount must be a positive integer, got 0/);
});

/**
 * `n` restricted tasks of equal priority taking turns (taskYIELD `rounds` times each), each with
 * `regionsEach` regions; the board's reloads.
 */
async function roundRobin(boardName: string, n: number, regionsEach: number, rounds: number): Promise<{ reloads: number; order: string[]; cycleModelReloads: number }> {
  const order: string[] = [];
  const board = createBoard(boardName, {
    firmware: async (b) => {
      const rt: FreeRTOS = b.rtos;
      for (let i = 0; i < n; i++) {
        const regions = Array.from({ length: regionsEach }, (_, j) => r(0x2001_0000 + 0x1000 * i + 64 * j, 64));
        await rt.xTaskCreateRestricted({
          fn: async () => {
            for (let k = 0; k <= rounds; k++) {
              order.push(`t${i}`);
              if (k < rounds) await rt.taskYIELD();
            }
          },
          name: `t${i}`,
          stackDepth: 128,
          params: null,
          priority: 1,
          regions,
        });
      }
    },
  });
  await board.run(2);
  // The board's port hands each switch's reloads to the cycle model (charged per switch).
  return { reloads: board.mpu.reloads, order, cycleModelReloads: board.cycles.mpuReloads };
}

test("reloads: 3 tasks × (stack + 1 region) on the nRF52840's 4 task slots, the i % slots rule", async () => {
  const rounds = 10;
  const { reloads, order, cycleModelReloads } = await roundRobin("nrf52840", 3, 1, rounds);
  // They take turns in a fixed cycle; the first one in gets regions 0-1 (slots 0-1), the second
  // 2-3 (slots 2-3), the third 4-5 (slots 0-1 again). First round: 6 loads; every later round the
  // first and third evict each other (2 + 2) while the second keeps its slots.
  const cycle = order.slice(0, 3);
  assert.equal(new Set(cycle).size, 3);
  assert.deepEqual(order, Array.from({ length: 3 * (rounds + 1) }, (_, i) => cycle[i % 3]));
  assert.equal(reloads, 6 + 4 * rounds);
  assert.equal(cycleModelReloads, reloads, "the cycle model was charged every region the MPU reloaded");
});

test("reloads: 5 tasks × (stack + 2 regions) on the STM32H743's 12 task slots", async () => {
  const rounds = 7;
  const { reloads } = await roundRobin("stm32h743", 5, 2, rounds);
  // Regions 0-14: tasks 1-4 fill slots 0-11, task 5 takes slots 0-2 from task 1: 15 loads, then 3 + 3 a round.
  assert.equal(reloads, 15 + 6 * rounds);
});

test("reloads: tasks that fit the slots load once; privileged tasks load nothing", async () => {
  const { reloads } = await roundRobin("stm32h743", 4, 2, 5);
  assert.equal(reloads, 12);
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      for (let i = 0; i < 3; i++)
        await b.rtos.xTaskCreate(async () => {
          for (let k = 0; k < 5; k++) await b.rtos.taskYIELD();
        }, `p${i}`, 128, null, 1);
    },
  });
  await board.run(2);
  assert.equal(board.mpu.reloads, 0);
  assert.ok(board.rtos.kernel.switchCount >= 15);
});

test("the MPU's rules per board, and the slots empty again after a reset", async () => {
  const rules = (name: string) => createBoard(name, { firmware: () => {} }).mpu.rules;
  assert.deepEqual(rules("stm32h743"), { kind: "MPU", totalRegions: 16, reservedRegions: 4, taskRegions: 12 });
  assert.deepEqual(rules("nrf52840"), { kind: "MPU", totalRegions: 8, reservedRegions: 4, taskRegions: 4 });
  assert.deepEqual(rules("esp32c3"), { kind: "PMP", totalRegions: 16, reservedRegions: 2, taskRegions: 14 });
  const board = createBoard("nrf52840", {
    firmware: async (b) => {
      await b.rtos.xTaskCreateRestricted({ fn: idle, name: "t", stackDepth: 128, params: null, priority: 1, regions: [r(0x2001_0000, 32)] });
    },
  });
  await board.run(1);
  assert.equal(board.mpu.reloads, 2);
  board.reset();
  assert.equal(board.mpu.reloads, 0);
  await board.run(1);
  assert.equal(board.mpu.reloads, 2, "the new boot's task gets regions 0-1 again, into empty slots");
  const h: TaskHandle | null = board.rtos.xTaskGetHandle("t");
  assert.equal(h, null, "it returned");
});
