/**
 * The bootloader's partition of a board's flash (`bootLayout(boardName)`), chosen per board from
 * its flash geometry (src/hal/boards/*.ts): whole erase units only, so that no two areas share an
 * erase unit and erasing one never touches another.
 *
 * | area | what |
 * |---|---|
 * | bootloader | the bootloader's own code (nothing of ours is stored there; kept as a real layout keeps it) |
 * | primary | slot 0: the image that runs; one erase unit larger than the secondary (swap-move's spare unit, src/ota/swap.ts) |
 * | secondary | slot 1: the downloaded image (and, after a test swap, the previous one, for revert) |
 * | state | two erase units: the boot-state log (src/ota/records.ts) holding MCUboot's trailer fields as records |
 * | counter | two erase units: the stored security counter, an append-only log of counter records |
 * | free | what is left at the end (an application's storage partition) |
 *
 * MCUboot keeps its trailer (magic, swap info, copy-done, image-ok, swap status) in the last
 * sector(s) of each slot and moves it with the image during a swap (docs/design.md "Image
 * trailer"); its scratch-trailer juggling is where power cuts hurt (mcuboot issues #1966, #2108:
 * torn writes, partial erases). Here the same fields are records in a log of their own two erase
 * units, so a swap moves image units only, and every record is self-checking (src/ota/records.ts).
 * The slots hold images only; the usable size of both (`slotBytes`, the largest image) is the
 * secondary's size. There is no scratch area: swaps use MCUboot's swap-move (src/ota/swap.ts).
 *
 * Figures per board (erase unit, write unit: src/hal/boards/*.ts):
 * - nrf52840, 1 MB in 256 pages of 4 KB, 4-byte words (2 writes per word per erase): the
 *   bootloader takes 48 KB at 0x0, as Zephyr's nrf52840dk board partition table gives MCUboot
 *   (`boot_partition` reg 0x0 0xC000); slots of 119 and 118 pages (472 KB usable); then state and
 *   counter (4 pages) and 12 KB free.
 * - esp32c3, 4 MB SPI NOR in 4 KB sectors, byte writes: the bootloader takes the 64 KB below
 *   0x10000 (Zephyr's Espressif partition tables put `boot_partition` "mcuboot" in 60 KB at
 *   0x1000, ending at 0x10000, the first application at 0x20000; here the whole 64 KB from 0x0
 *   and the primary right after it); slots of 481 and 480 sectors (1920 KB usable); then state,
 *   counter and 172 KB free.
 * - stm32h743, 2 MB in 16 sectors of 128 KB, 32-byte flash words programmable once per erase:
 *   the bootloader takes sector 0 (128 KB at 0x08000000, as Zephyr's STM32H7 boards give
 *   `boot_partition` one sector); slots of 6 and 5 sectors (640 KB usable); state 2 and counter 2
 *   sectors (a 128 KB sector is the smallest unit the flash erases, so each log costs 256 KB
 *   here; MCUboot's own trailers cost it one sector per slot). Records
 *   are 32 bytes everywhere: one H743 flash word, so every record written separately has its
 *   own word (MCUboot's BOOT_MAX_ALIGN 32 for this flash).
 * @module
 */

/** One area: whole erase units. */
export interface FlashArea {
  /** Flash offset of its first byte (a multiple of the erase unit). */
  readonly offset: number;
  readonly sizeBytes: number;
  /** Its erase units. */
  readonly units: number;
}

/** The partition of one board's flash. */
export interface BootLayout {
  readonly board: string;
  readonly eraseBytes: number;
  readonly writeBytes: number;
  /** Bytes of one log record (src/ota/records.ts): 32 on every board. */
  readonly recordBytes: number;
  readonly bootloader: FlashArea;
  readonly primary: FlashArea;
  readonly secondary: FlashArea;
  /** The boot-state log's two erase units. */
  readonly state: readonly [FlashArea, FlashArea];
  /** The security counter log's two erase units. */
  readonly counter: readonly [FlashArea, FlashArea];
  /** The rest of the flash, free for the application. */
  readonly free: FlashArea;
  /** Usable bytes of a slot (the largest image). */
  readonly slotBytes: number;
}

/** Geometry of a board's flash, as src/hal/catalogue.ts gives it. */
export interface FlashGeometry {
  readonly sizeBytes: number;
  readonly eraseBytes: number;
  readonly writeBytes: number;
}

/** Bootloader units and slot units per board (see the module comment for the sources). */
const PLAN: Readonly<Record<string, { bootUnits: number; slotUnits: number }>> = {
  nrf52840: { bootUnits: 12, slotUnits: 118 },
  esp32c3: { bootUnits: 16, slotUnits: 480 },
  stm32h743: { bootUnits: 1, slotUnits: 5 },
};

/** The record size of the logs: one H743 flash word, a multiple of every board's write unit. */
export const RECORD_BYTES = 32;

/**
 * The layout of board `board` with flash `geometry`. A board without a plan: RangeError naming
 * the boards that have one.
 */
export function bootLayout(board: string, geometry: FlashGeometry): BootLayout {
  const plan = PLAN[board];
  if (plan === undefined) throw new RangeError(`no bootloader layout for board "${board}"; layouts exist for ${Object.keys(PLAN).join(", ")}`);
  const unit = geometry.eraseBytes;
  if (RECORD_BYTES % geometry.writeBytes !== 0) throw new RangeError(`board "${board}": write unit ${geometry.writeBytes} does not divide the ${RECORD_BYTES}-byte record`);
  let at = 0;
  const take = (units: number): FlashArea => {
    const a = { offset: at * unit, sizeBytes: units * unit, units };
    at += units;
    return Object.freeze(a);
  };
  const bootloader = take(plan.bootUnits);
  const primary = take(plan.slotUnits + 1);
  const secondary = take(plan.slotUnits);
  const state = Object.freeze([take(1), take(1)] as const);
  const counter = Object.freeze([take(1), take(1)] as const);
  const total = geometry.sizeBytes / unit;
  if (at > total) throw new RangeError(`board "${board}": the layout needs ${at} erase units, the flash has ${total}`);
  const free = take(total - at);
  return Object.freeze({
    board,
    eraseBytes: unit,
    writeBytes: geometry.writeBytes,
    recordBytes: RECORD_BYTES,
    bootloader,
    primary,
    secondary,
    state,
    counter,
    free,
    slotBytes: secondary.sizeBytes,
  });
}
