/**
 * nRF52840 on the nRF52840 DK (PCA10056).
 *
 * Documents:
 * - PS: nRF52840 Product Specification v1.x (Nordic Semiconductor).
 * - nrf52840.h: NordicSemiconductor nrfx, mdk/nrf52840.h (MDK device header, IRQn_Type).
 * - pca10056.h: nRF5 SDK, components/boards/pca10056.h (the DK's LEDs and buttons).
 * @module
 */
import type { BoardSpec, GpioInterruptRoute, PeripheralInstance } from "../catalogue.js";

// GPIO: port P0 with 32 pins and port P1 with 16 (PS §6.9 "GPIO — General purpose input/output":
// "P0.00 to P0.31, P1.00 to P1.15"; 48 GPIOs on the aQFN73 package the DK uses).
const pins: string[] = [];
for (let n = 0; n < 32; n++) pins.push(`P0.${String(n).padStart(2, "0")}`);
for (let n = 0; n < 16; n++) pins.push(`P1.${String(n).padStart(2, "0")}`);

// Pin edge interrupts go through GPIOTE: eight IN[n] channels, each bound to one pin, all on one
// interrupt (PS §6.10 "GPIOTE — GPIO tasks and events": "up to eight GPIOTE channels";
// nrf52840.h GPIOTE_IRQn = 6). A ninth pin with an edge interrupt finds no channel.
const route: GpioInterruptRoute = { irq: 6, irqName: "GPIOTE", channel: "*" };

// Serial instances, nrf52840.h IRQn_Type: UARTE0_UART0_IRQn = 2, UARTE1_IRQn = 40;
// SPIM0_SPIS0_TWIM0_TWIS0_SPI0_TWI0_IRQn = 3, SPIM1_SPIS1_TWIM1_TWIS1_SPI1_TWI1_IRQn = 4,
// SPIM2_SPIS2_SPI2_IRQn = 35, SPIM3_IRQn = 47. SPIM0/TWIM0 and SPIM1/TWIM1 share an ID (and an
// interrupt): only one of each pair can be enabled at a time (PS §4.x "Peripheral interface",
// "Shared resources").
// FIFO depths: the UARTE, SPIM and TWIM move data by EasyDMA from/to RAM. The UARTE keeps 5
// bytes in its RX FIFO behind EasyDMA: nrfx drivers/src/nrfx_uarte.c `#define
// UARTE_HW_RX_FIFO_SIZE 5` (the same in Zephyr drivers/serial/uart_nrfx_uarte.c, "Size of
// hardware fifo in RX path"); the PS (§6.34 UARTE) text itself has not been checked here.
// SPIM/TWIM: EasyDMA, no FIFO the software sees (0).
const uarts: PeripheralInstance[] = [
  { name: "UARTE0", irq: 2, fifoBytes: 5 },
  { name: "UARTE1", irq: 40, fifoBytes: 5 },
];
const spis: PeripheralInstance[] = [
  { name: "SPIM0", irq: 3, fifoBytes: 0 },
  { name: "SPIM1", irq: 4, fifoBytes: 0 },
  { name: "SPIM2", irq: 35, fifoBytes: 0 },
  { name: "SPIM3", irq: 47, fifoBytes: 0 },
];
const i2cs: PeripheralInstance[] = [
  { name: "TWIM0", irq: 3, fifoBytes: 0 },
  { name: "TWIM1", irq: 4, fifoBytes: 0 },
];

export const nrf52840: BoardSpec = {
  name: "nrf52840",
  devKit: "nRF52840 DK (PCA10056)",
  chip: "nRF52840-QIAA",
  // PS §1 "Key features": Arm Cortex-M4 with FPU, 64 MHz.
  core: "Cortex-M4F",
  cpuHz: 64_000_000,
  // PS §4.2 "Memory", memory map: Data RAM 256 KB at 0x20000000 (also at 0x00800000 as code RAM).
  ram: [{ name: "RAM", base: 0x2000_0000, sizeBytes: 256 * 1024, dma: true }],
  flash: {
    // PS §4.2 "Memory" / §4.3 "NVMC — Non-volatile memory controller": 1 MB at 0x00000000 in
    // 256 pages of 4 KB; full 32-bit words only, to word-aligned addresses; a word may be
    // written nWRITE = 2 times before its page is erased; writes only clear bits.
    base: 0x0000_0000,
    sizeBytes: 1024 * 1024,
    eraseBytes: 4096,
    writeBytes: 4,
    programMaxBytes: 4,
    writesPerErase: 2,
    // PS §4.3.x NVMC "Electrical specification": tERASEPAGE (one 4 KB page) 85 ms max,
    // tWRITE (one 32-bit word) 41 µs max; the PS gives maxima only.
    eraseUs: { typ: null, max: 85_000 },
    programUs: { typ: null, max: 41 },
    timingSource: "nRF52840 PS §4.3 NVMC, electrical specification (tERASEPAGE, tWRITE, nWRITE)",
  },
  // Cortex-M4 MPU: 8 regions (Arm Cortex-M4 Devices Generic User Guide §4.5 "Optional Memory
  // Protection Unit"; nrf52840.h __MPU_PRESENT 1).
  mpuRegions: 8,
  mpuKind: "MPU",
  pins,
  aliases: {
    // pca10056.h: LED_1 = NRF_GPIO_PIN_MAP(0,13), LEDS_ACTIVE_STATE 0 (lit when low);
    // BUTTON_1 = 11, BUTTONS_ACTIVE_STATE 0 (low when pressed), BUTTON_PULL NRF_GPIO_PIN_PULLUP:
    // the DK has no external pull-up, firmware enables the internal one.
    LED: { pin: "P0.13", activeLevel: "low", externalPull: null },
    BUTTON: { pin: "P0.11", activeLevel: "low", externalPull: null },
  },
  gpioInterrupt: () => route,
  gpioInterruptChannels: 8,
  uarts,
  spis,
  i2cs,
};
