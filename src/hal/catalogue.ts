/**
 * The shape of a board's catalogue entry: the chip's and the dev kit's figures, each cited in the
 * board's own file (src/hal/boards/*.ts). Data only; the peripherals read their figures from here.
 *
 * Interrupt numbers are the vendor's: the CMSIS `IRQn_Type` value on the Cortex-M parts, the
 * interrupt-matrix source number (`periph_interrput_t`) on the ESP32-C3. The board registers its
 * handlers at exactly these numbers on its kernel (`registerInterrupt(irq, priority, ...)`), so an
 * interrupt in a trace carries the number the vendor's header gives. Priorities are the kernel's
 * 1-15 scale (higher preempts), not the NVIC's inverted one; a firmware port would map kernel
 * priority p to NVIC priority (2^__NVIC_PRIO_BITS - p), i.e. 16 - p on the STM32H7 (4 priority
 * bits) and, clamped, 8 - p on the nRF52840 (3 bits).
 * @module
 */

/** One contiguous SRAM region of the chip's memory map. */
export interface RamRegion {
  /** Name from the reference manual ("DTCM", "AXI SRAM", "SRAM1", ...). */
  readonly name: string;
  /** Base address on the bus the CPU uses for data. */
  readonly base: number;
  readonly sizeBytes: number;
  /** Whether the chip's general DMA can reach it (H743: not the TCMs from DMA1/2). */
  readonly dma: boolean;
}

/** The board's main flash (on-chip or the module's SPI NOR). */
export interface FlashSpec {
  /** Address the CPU reads it at (memory-mapped or cache-mapped). */
  readonly base: number;
  readonly sizeBytes: number;
  /** Smallest erasable unit (sector / page). */
  readonly eraseBytes: number;
  /** Programming granularity (one flash word / one 32-bit word / one byte). */
  readonly writeBytes: number;
  /** Largest single program operation (a page program on SPI NOR; = writeBytes on-chip). */
  readonly programMaxBytes: number;
  /**
   * How many times one write unit may be programmed between erases (1: the H743's ECC word;
   * 2: the nRF52840's nWRITE; Infinity: NOR that only clears bits, as SPI NOR allows).
   */
  readonly writesPerErase: number;
  /** Erase of one erase unit, typical and maximum, in microseconds; null where not yet confirmed from the document. */
  readonly eraseUs: { readonly typ: number | null; readonly max: number | null };
  /** Programming of one write unit (or one page on SPI NOR), typical and maximum, in microseconds. */
  readonly programUs: { readonly typ: number | null; readonly max: number | null };
  /** The document the timing comes from. */
  readonly timingSource: string;
}

/** One serial peripheral instance (UART, SPI or I2C). */
export interface PeripheralInstance {
  /** Vendor name ("USART3", "UARTE0", "UART0", "SPI2", "TWIM0", ...). */
  readonly name: string;
  /** Interrupt number (vendor numbering, see the module comment). */
  readonly irq: number;
  /** Hardware FIFO depth in bytes; 0 when there is none (a single data register or EasyDMA only); null when not yet confirmed from the document. */
  readonly fifoBytes: number | null;
}

/** A dev-kit alias ("LED", "BUTTON") and how the kit wires it. */
export interface AliasSpec {
  readonly pin: string;
  /** The level at which the LED is lit / the button reads pressed. */
  readonly activeLevel: "high" | "low";
  /**
   * The kit's external resistor on that line (data only: boards model no external resistors,
   * so firmware configures the matching internal pull), or null.
   */
  readonly externalPull: "up" | "down" | null;
  /** What is really on the line, when it is more than a plain LED or button. */
  readonly note?: string;
}

/** Where a pin's edge interrupt goes. */
export interface GpioInterruptRoute {
  /** Interrupt number of the handler that serves this pin. */
  readonly irq: number;
  /** Name for traces and messages ("EXTI9_5", "GPIOTE", "GPIO"). */
  readonly irqName: string;
  /**
   * The hardware channel the pin needs: a name two pins may not share (H743: "EXTI5" serves
   * PA5 or PB5 ... but only one at a time, chosen by SYSCFG_EXTICR), or "*" for a channel taken
   * from a pool (nRF52840: one of the GPIOTE IN[n] channels), or null when every pin has its own.
   */
  readonly channel: string | null;
}

/** A board's whole catalogue entry. */
export interface BoardSpec {
  readonly name: string;
  /** The dev kit modelled. */
  readonly devKit: string;
  readonly chip: string;
  readonly core: string;
  readonly cpuHz: number;
  readonly ram: readonly RamRegion[];
  readonly flash: FlashSpec;
  /** Memory-protection regions: Cortex-M MPU regions or RISC-V PMP entries. */
  readonly mpuRegions: number;
  readonly mpuKind: "MPU" | "PMP";
  /** Every GPIO pin name, in port order. */
  readonly pins: readonly string[];
  readonly aliases: { readonly LED: AliasSpec; readonly BUTTON: AliasSpec };
  /** The interrupt route of a pin's edge interrupt. */
  gpioInterrupt(pin: string): GpioInterruptRoute;
  /** Size of the pool of channels behind "*" routes (nRF52840 GPIOTE: 8), or 0. */
  readonly gpioInterruptChannels: number;
  readonly uarts: readonly PeripheralInstance[];
  readonly spis: readonly PeripheralInstance[];
  readonly i2cs: readonly PeripheralInstance[];
}

/** Sum of a board's SRAM regions. */
export function sramBytes(spec: BoardSpec): number {
  let n = 0;
  for (const r of spec.ram) n += r.sizeBytes;
  return n;
}
