/**
 * ESP32-C3 on the ESP32-C3-DevKitM-1 (module ESP32-C3-MINI-1, chip ESP32-C3FN4 with 4 MB of
 * flash in the package).
 *
 * Documents:
 * - DS: ESP32-C3 Series Datasheet (Espressif).
 * - TRM: ESP32-C3 Technical Reference Manual (Espressif).
 * - esp-idf (espressif/esp-idf, commit 102122904ade11fd1ae373848f34ffd7dfb18aeb):
 *   components/soc/esp32c3/include/soc/soc.h, soc_caps.h, interrupts.h;
 *   components/esp_hw_support/port/esp32c3/cpu_region_protect.c.
 * - The ESP32-C3-DevKitM-1 user guide (esp-idf docs, "ESP32-C3-DevKitM-1").
 * @module
 */
import type { BoardSpec, GpioInterruptRoute, PeripheralInstance } from "../catalogue.js";

// GPIO0..GPIO21: soc_caps.h SOC_GPIO_PIN_COUNT 22. (On the ESP32-C3FN4 the in-package flash uses
// the SPI flash pins GPIO12-17 internally; they remain valid GPIO numbers of the chip.)
const pins: string[] = [];
for (let n = 0; n < 22; n++) pins.push(`GPIO${n}`);

// All pins' interrupts come from one GPIO interrupt source, routed by the interrupt matrix to one
// of the CPU's 32 interrupts (soc_caps.h SOC_CPU_INTR_NUM 32): interrupts.h periph_interrput_t,
// ETS_GPIO_INTR_SOURCE = 16 (counted from ETS_WIFI_MAC_INTR_SOURCE = 0; ETS_SPI_MEM_REJECT_
// CACHE_INTR_SOURCE = 40 anchors the count). Each pin has its own interrupt type setting, so no
// channel is shared (TRM chapter "IO MUX and GPIO Matrix", GPIO_PINn_INT_TYPE).
const route: GpioInterruptRoute = { irq: 16, irqName: "GPIO", channel: null };

// interrupts.h: ETS_UART0_INTR_SOURCE = 21, ETS_UART1_INTR_SOURCE = 22, ETS_SPI2_INTR_SOURCE = 19
// (SPI0/SPI1 serve the flash; SPI2 = GP-SPI2 is the one general-purpose SPI, soc_caps.h
// SOC_SPI_PERIPH_NUM 2 counts SPI1 and SPI2), ETS_I2C_EXT0_INTR_SOURCE = 29 (soc_caps.h
// SOC_I2C_NUM 1). UART FIFO: soc_caps.h SOC_UART_FIFO_LEN 128 ("The UART hardware FIFO length"),
// SOC_UART_NUM 2. SPI2: a 64-byte data buffer (soc_caps.h SOC_SPI_MAXIMUM_BUFFER_SIZE 64). The
// I2C FIFO depth is not yet confirmed from the TRM: null.
const uarts: PeripheralInstance[] = [
  { name: "UART0", irq: 21, fifoBytes: 128 },
  { name: "UART1", irq: 22, fifoBytes: 128 },
];
const spis: PeripheralInstance[] = [{ name: "SPI2", irq: 19, fifoBytes: 64 }];
const i2cs: PeripheralInstance[] = [{ name: "I2C0", irq: 29, fifoBytes: null }];

export const esp32c3: BoardSpec = {
  name: "esp32c3",
  devKit: "ESP32-C3-DevKitM-1",
  chip: "ESP32-C3FN4 (ESP32-C3-MINI-1 module)",
  // DS §1 "Overview": 32-bit RISC-V single-core processor (RV32IMC), up to 160 MHz.
  core: "RISC-V RV32IMC",
  cpuHz: 160_000_000,
  // 400 KB SRAM (DS §1; TRM chapter "System and Memory", table "Internal memory address
  // mapping"): SRAM0, 16 KB, on the instruction bus only at 0x4037C000 (soc.h SOC_IRAM_LOW) and
  // used as ICache by default; SRAM1, 384 KB, on the data bus at 0x3FC80000-0x3FCDFFFF (soc.h
  // SOC_DRAM_LOW 0x3FC80000, SOC_DRAM_HIGH 0x3FCE0000) and aliased on the instruction bus at
  // 0x40380000 (SOC_DIRAM_IRAM_LOW). The data-bus addresses are the ones modelled for SRAM1.
  // GDMA reaches SRAM1 only (TRM chapter "GDMA Controller": internal RAM on the data bus).
  ram: [
    { name: "SRAM0", base: 0x4037_c000, sizeBytes: 16 * 1024, dma: false },
    { name: "SRAM1", base: 0x3fc8_0000, sizeBytes: 384 * 1024, dma: true },
  ],
  flash: {
    // 4 MB in the package of the ESP32-C3FN4 (DS "Ordering information" / ESP32-C3-MINI-1
    // datasheet). Addresses are SPI flash offsets from 0 (what esp_flash uses); the cache maps
    // 64 KB pages of it at 0x42000000 (instructions) and 0x3C000000 (data) (soc.h SOC_IROM_LOW,
    // SOC_DROM_LOW). 4 KB sectors and 256-byte page program are the standard SPI NOR geometry.
    base: 0x0000_0000,
    sizeBytes: 4 * 1024 * 1024,
    eraseBytes: 4096,
    writeBytes: 1,
    programMaxBytes: 256,
    writesPerErase: Infinity,
    // Espressif does not name the flash die in the ESP32-C3FN4 package (the DS lists the part
    // with 4 MB of in-package flash, no vendor or part number), so no datasheet of the real die
    // can be cited. Model: the Winbond W25Q32JV (4 MB SPI NOR, 4 KB sectors, 256-byte pages).
    // W25Q32JV datasheet §9.6 "AC Electrical Characteristics": tPP (page program) 0.4 ms typical,
    // 3 ms maximum; tSE (4 KB sector erase) 45 ms typical, 400 ms maximum. Read from
    // transcriptions of that table (no copy of the PDF at hand in this session; a transcription
    // of another W25Q32 datasheet revision gives tPP 0.7 ms typical — the JV figure is used).
    eraseUs: { typ: 45_000, max: 400_000 },
    programUs: { typ: 400, max: 3_000 },
    timingSource: "model: Winbond W25Q32JV datasheet §9.6 AC Electrical Characteristics (tPP, tSE) — Espressif does not name the die in the ESP32-C3FN4",
  },
  // TRM chapter "High-Performance CPU", "Physical Memory Protection": 16 PMP entries;
  // cpu_region_protect.c programs PMP entries 0..15.
  // ESP-IDF's startup LOCKS all 16 (PMP_L on every entry, TOR ranges over the whole address
  // space: esp_cpu_configure_region_protection), leaving none for per-task isolation. This board
  // models a startup that leaves them unlocked, so that xTaskCreateRestricted can isolate tasks
  // FreeRTOS-MPU style; 2 entries stay reserved for a task's code and constants (src/hal/mpu.ts).
  mpuRegions: 16,
  mpuKind: "PMP",
  pins,
  aliases: {
    // DevKitM-1 user guide: GPIO8 drives the on-board addressable RGB LED (SK68XXMINI-HS, a
    // WS2812-type LED with a one-wire timed protocol). Modelled as a plain GPIO line: the world
    // sees its level and edges; no LED colour is decoded. activeLevel "high" is only the line's
    // idle-to-data convention, not a lit LED.
    LED: {
      pin: "GPIO8",
      activeLevel: "high",
      externalPull: null,
      note: "drives an addressable RGB LED (SK68XXMINI-HS); modelled as a plain GPIO line, its data protocol is not decoded",
    },
    // DevKitM-1 user guide: the BOOT button on GPIO9 (a strapping pin) pulls it to GND when
    // pressed; the board holds it high when released (external pull-up, also the chip's default
    // weak pull-up on GPIO9 at reset, DS "Strapping pins").
    BUTTON: { pin: "GPIO9", activeLevel: "low", externalPull: "up" },
  },
  gpioInterrupt: () => route,
  gpioInterruptChannels: 0,
  uarts,
  spis,
  i2cs,
};
