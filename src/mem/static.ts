/**
 * Static buffers on a board (issue 12): `staticBuffer(board, name, sizeBytes, alignBytes)` places
 * a buffer in board SRAM for the `...Static` create calls (xTaskCreateStatic's stack and TCB,
 * xQueueCreateStatic's storage and StaticQueue_t, ...), as a firmware's linker places static
 * arrays in .bss. Its row in `board.ram.report()` is `static "name"`.
 * @module
 */
import { PoolError, type PoolBoard, type PoolRam } from "./pool.js";

/**
 * A zeroed buffer of `sizeBytes` in `board`'s SRAM (any region, the TCMs included, or only the
 * region named `region`, as a linker section places an array: "AXI SRAM" on the stm32h743), its
 * address aligned to `alignBytes` (a power of two, default 8: portBYTE_ALIGNMENT of the Cortex-M
 * ports). Call it in the firmware at boot: the buffer belongs to one boot of its board.
 *
 * Throws PoolError (the error of tinyrtos/mem's placements) on bad arguments, and when the buffer
 * does not fit, naming it, with the RAM report in the message.
 *
 * @example
 * ```ts
 * import { StaticSizes } from "tinyrtos/freertos";
 * const stack = staticBuffer(board, "blink stack", 256 * StaticSizes.StackType_t);
 * const tcb = staticBuffer(board, "blink TCB", StaticSizes.StaticTask_t);
 * await board.rtos.xTaskCreateStatic(blink, "blink", 256, null, 1, stack, tcb);
 * ```
 */
export function staticBuffer(board: PoolBoard, name: string, sizeBytes: number, alignBytes = 8, region?: string): Uint8Array {
  const ram = board !== null && typeof board === "object" ? (board as { ram?: unknown }).ram : undefined;
  if (ram === null || typeof ram !== "object" || typeof (ram as PoolRam).allocate !== "function")
    throw new PoolError(`staticBuffer: expects a board (from createBoard), got ${board === null ? "null" : typeof board}`);
  const r = ram as PoolRam;
  if (typeof name !== "string" || name === "") throw new PoolError(`staticBuffer on ${r.boardName}: name must be a non-empty string, got ${JSON.stringify(name) ?? typeof name}`);
  const where = `staticBuffer "${name}" on ${r.boardName}`;
  if (typeof sizeBytes !== "number" || !Number.isSafeInteger(sizeBytes) || sizeBytes < 1) throw new PoolError(`${where}: sizeBytes must be a positive integer, got ${String(sizeBytes)}`);
  if (typeof alignBytes !== "number" || !Number.isInteger(alignBytes) || alignBytes < 1 || (alignBytes & (alignBytes - 1)) !== 0)
    throw new PoolError(`${where}: alignBytes must be a power of two, got ${String(alignBytes)}`);
  if (region !== undefined && !r.regions.some((x) => x.name === region))
    throw new PoolError(`${where}: no SRAM region ${JSON.stringify(region)}; the regions are ${r.regions.map((x) => JSON.stringify(x.name)).join(", ")}`);
  const options = region === undefined ? { alignBytes } : { alignBytes, region };
  const block = r.allocate(`static "${name}"`, sizeBytes, options);
  if (block === null)
    throw new PoolError(`${where}: ${sizeBytes} bytes (aligned to ${alignBytes}) do not fit in ${region === undefined ? "SRAM" : region}; the largest free block is ${r.largestFreeBytes(options)} bytes\n${r.report()}`);
  return r.view(block.address, sizeBytes);
}
