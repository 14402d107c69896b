/**
 * STM32H743ZI on the NUCLEO-H743ZI2 board.
 *
 * Documents:
 * - DS12110: STM32H742xI/G STM32H743xI/G datasheet (ST).
 * - RM0433: STM32H742, STM32H743/753 and STM32H750 reference manual (ST).
 * - UM2407: STM32H7 Nucleo-144 boards (MB1364) user manual (ST).
 * - stm32h743xx.h: STMicroelectronics/cmsis_device_h7, Include/stm32h743xx.h (CMSIS device header).
 * @module
 */
import type { BoardSpec, GpioInterruptRoute, PeripheralInstance } from "../catalogue.js";

// GPIO ports on the package the Nucleo-H743ZI2 carries (STM32H743ZIT6, LQFP144): ports A to G
// complete and PH0/PH1 (the HSE oscillator pins), 114 I/Os — DS12110 §1 "Description", table
// "STM32H742xI/G and STM32H743xI/G features and peripheral counts" (GPIOs: 114 for LQFP144) and
// the LQFP144 pinout (§5 "Pinouts, pin description and alternate functions"). Ports I, J, K exist
// only on the larger packages and are not on this board.
const pins: string[] = [];
for (const port of "ABCDEFG") for (let n = 0; n < 16; n++) pins.push(`P${port}${n}`);
pins.push("PH0", "PH1");

// EXTI: line n serves pin n of ONE port, chosen by SYSCFG_EXTICR (RM0433 §20 "Extended interrupt
// and event controller (EXTI)" and §12 "System configuration controller (SYSCFG)", SYSCFG_EXTICRx).
// Lines 0-4 have their own NVIC vectors, 5-9 and 10-15 share one each (stm32h743xx.h IRQn_Type:
// EXTI0_IRQn = 6, EXTI1_IRQn = 7, EXTI2_IRQn = 8, EXTI3_IRQn = 9, EXTI4_IRQn = 10,
// EXTI9_5_IRQn = 23, EXTI15_10_IRQn = 40).
const EXTI_IRQ = [6, 7, 8, 9, 10] as const;
function gpioInterrupt(pin: string): GpioInterruptRoute {
  const line = Number(pin.slice(2));
  const channel = `EXTI${line}`;
  if (line <= 4) return { irq: EXTI_IRQ[line]!, irqName: `EXTI${line}`, channel };
  if (line <= 9) return { irq: 23, irqName: "EXTI9_5", channel };
  return { irq: 40, irqName: "EXTI15_10", channel };
}

// U(S)ARTs and their NVIC numbers: stm32h743xx.h IRQn_Type (USART1_IRQn = 37, USART2_IRQn = 38,
// USART3_IRQn = 39, UART4_IRQn = 52, UART5_IRQn = 53, USART6_IRQn = 71, UART7_IRQn = 82,
// UART8_IRQn = 83). FIFO: RM0433 §48 "Universal synchronous/asynchronous receiver transmitter
// (USART/UART)": in FIFO mode each USART/UART has a 16-byte TXFIFO and RXFIFO. (LPUART1 is left
// out.) On the Nucleo, USART3 (PD8/PD9) is the ST-LINK virtual COM port (UM2407 §6.9
// "USART communication").
const uarts: PeripheralInstance[] = [
  { name: "USART1", irq: 37, fifoBytes: 16 },
  { name: "USART2", irq: 38, fifoBytes: 16 },
  { name: "USART3", irq: 39, fifoBytes: 16 },
  { name: "UART4", irq: 52, fifoBytes: 16 },
  { name: "UART5", irq: 53, fifoBytes: 16 },
  { name: "USART6", irq: 71, fifoBytes: 16 },
  { name: "UART7", irq: 82, fifoBytes: 16 },
  { name: "UART8", irq: 83, fifoBytes: 16 },
];

// SPIs: stm32h743xx.h (SPI1_IRQn = 35, SPI2_IRQn = 36, SPI3_IRQn = 51, SPI4_IRQn = 84,
// SPI5_IRQn = 85, SPI6_IRQn = 86). FIFO depth: RM0433 §50 "Serial peripheral interface (SPI)",
// table "SPI features": SPI1-3 have 16 x 8-bit FIFOs, SPI4-6 8 x 8-bit.
const spis: PeripheralInstance[] = [
  { name: "SPI1", irq: 35, fifoBytes: 16 },
  { name: "SPI2", irq: 36, fifoBytes: 16 },
  { name: "SPI3", irq: 51, fifoBytes: 16 },
  { name: "SPI4", irq: 84, fifoBytes: 8 },
  { name: "SPI5", irq: 85, fifoBytes: 8 },
  { name: "SPI6", irq: 86, fifoBytes: 8 },
];

// I2Cs: the event interrupts, stm32h743xx.h (I2C1_EV_IRQn = 31, I2C2_EV_IRQn = 33,
// I2C3_EV_IRQn = 72, I2C4_EV_IRQn = 95; the error lines are 32, 34, 73, 96). No FIFO: one
// TXDR and one RXDR byte register (RM0433 §47 "Inter-integrated circuit (I2C) interface").
const i2cs: PeripheralInstance[] = [
  { name: "I2C1", irq: 31, fifoBytes: 0 },
  { name: "I2C2", irq: 33, fifoBytes: 0 },
  { name: "I2C3", irq: 72, fifoBytes: 0 },
  { name: "I2C4", irq: 95, fifoBytes: 0 },
];

export const stm32h743: BoardSpec = {
  name: "stm32h743",
  devKit: "NUCLEO-H743ZI2",
  chip: "STM32H743ZIT6",
  // DS12110 §1 "Description": Arm Cortex-M7 core with double-precision FPU.
  core: "Cortex-M7",
  // 480 MHz only with the LDO supply in VOS0: DS12110 §6.3.1 "General operating conditions"
  // (fCPU max 480 MHz in VOS0) and RM0433 §6 "Power control (PWR)", VOS0 available only when the
  // LDO regulator supplies VCORE; with the SMPS the maximum is VOS1's 400 MHz. The Nucleo-H743ZI2
  // runs on the LDO (UM2407, "Power supply" / SB jumpers default).
  cpuHz: 480_000_000,
  // Memory map: stm32h743xx.h (STMicroelectronics/cmsis_device_h7 at 13ba9da, "Peripheral_memory_map":
  // D1_ITCMRAM_BASE 0x00000000 "64KB", D1_DTCMRAM_BASE 0x20000000 "128KB", D1_AXISRAM_BASE
  // 0x24000000 "up to 512KB", D2_AHBSRAM_BASE 0x30000000 "up to 288KB", D3_SRAM_BASE 0x38000000
  // "64 KB"); the split of the 288 KB D2 SRAM into SRAM1 128 KB at 0x30000000, SRAM2 128 KB at
  // 0x30020000 and SRAM3 32 KB at 0x30040000: Zephyr dts/arm/st/h7/stm32h743.dtsi (nodes sram0
  // 0x24000000 512K, the D1-domain AXI SRAM; sram1/sram2/sram3 0x30000000 128K, 0x30020000 128K,
  // 0x30040000 32K, D2-domain SRAM on the AHB bus; sram4 0x38000000 64K, D3 domain) and the
  // stm32-rs/stm32h7xx-hal memory.x (same origins and lengths); RM0433 §2.3.2 "Memory map and
  // register boundary addresses" (its table not read here: unconfirmed table number) and DS12110
  // §3.5 "Embedded SRAM" (192 KB TCM RAM + 864 KB user SRAM =
  // 1056 KB). The 4 KB backup SRAM (D3_BKPSRAM_BASE 0x38800000) keeps its contents across resets
  // and is not modelled yet. TCMs: the DMA1/DMA2 masters cannot reach them (RM0433 §2.1 "System
  // architecture", bus matrix; the MDMA can): dma false.
  //
  // Issue 12 item 7 (the seed's "coroutine stacks in AXI-SRAM at 0x30040000"): the two addresses
  // are different memories. 0x24000000 is the D1-domain AXI SRAM, 512 KB (0x24000000-0x2407FFFF;
  // D1_AXISRAM_BASE). 0x30040000 is SRAM3, the last 32 KB of the D2-domain AHB SRAM
  // (0x30040000-0x30047FFF; D2_AHBSRAM_BASE + 256 KB, after SRAM1 and SRAM2), not AXI SRAM. So
  // "AXI-SRAM" means 0x24000000, and 0x30040000 cannot hold the seed's stacks: 256 stacks x 256 B
  // = 64 KB and 1024 x 256 B = 256 KB exceed SRAM3's 32 KB (128 such stacks at most), while both
  // fit in the AXI SRAM (64 KB and 256 KB of 512 KB). (stm32h743xx.h also names the D2 SRAM's
  // AXI-side alias D2_AXISRAM_BASE 0x10000000, "up to 288KB ... accessible over AXI"; that alias
  // is not modelled, and 0x30040000 is not in it.) The regions below follow these sources.
  ram: [
    { name: "ITCM", base: 0x0000_0000, sizeBytes: 64 * 1024, dma: false },
    { name: "DTCM", base: 0x2000_0000, sizeBytes: 128 * 1024, dma: false },
    { name: "AXI SRAM", base: 0x2400_0000, sizeBytes: 512 * 1024, dma: true },
    { name: "SRAM1", base: 0x3000_0000, sizeBytes: 128 * 1024, dma: true },
    { name: "SRAM2", base: 0x3002_0000, sizeBytes: 128 * 1024, dma: true },
    { name: "SRAM3", base: 0x3004_0000, sizeBytes: 32 * 1024, dma: true },
    { name: "SRAM4", base: 0x3800_0000, sizeBytes: 64 * 1024, dma: true },
  ],
  flash: {
    // stm32h743xx.h FLASH_BANK1_BASE 0x08000000, FLASH_BANK2_BASE 0x08100000, FLASH_END
    // 0x081FFFFF: 2 MB in two 1 MB banks. RM0433 §4 "Embedded flash memory (FLASH)": each bank
    // has 8 sectors of 128 KB; the flash word is 256 bits (+10 ECC bits), written as a whole, and
    // a flash word may not be programmed twice between erases (the ECC of a non-erased word
    // cannot be updated: programming it again raises an error / gives an ECC fault).
    base: 0x0800_0000,
    sizeBytes: 2 * 1024 * 1024,
    eraseBytes: 128 * 1024,
    writeBytes: 32,
    programMaxBytes: 32,
    writesPerErase: 1,
    // DS12110 §6.3.11 "Flash memory characteristics", table "Flash memory programming" (Table
    // 43 in DS12110 Rev 11; the same figures for the rev V silicon in §7.3.11), per program/erase
    // parallelism (FLASH_CR PSIZE, RM0433 §4): tprog (one 266-bit word: 256 data + 10 ECC bits)
    // and tERASE128KB (one 128 KB sector). Modelled: x32 parallelism, what the STM32CubeH7 HAL's
    // FLASH_VOLTAGE_RANGE_3 (the usual choice at 3.3 V) selects: tprog 130 µs typical, 260 µs
    // maximum; tERASE128KB 1.1 s typical, 2.2 s maximum. (x8: 290/580 µs, 2/4 s; x16: 180/360 µs,
    // 1.8/3.6 s; x64: 100/200 µs, 1/2 s.) Read from transcriptions of that table (no copy of the
    // PDF at hand in this session); the x32 erase figures are also quoted by ST (community.st.com
    // "STM32H743 Flash EraseSector Reset Problem", td-p/734674).
    eraseUs: { typ: 1_100_000, max: 2_200_000 },
    programUs: { typ: 130, max: 260 },
    timingSource: "DS12110 §6.3.11 table 'Flash memory programming' (Table 43 in Rev 11), x32 parallelism: tprog, tERASE128KB",
  },
  // Cortex-M7 MPU with 16 regions on the STM32H7: RM0433 §2 / PM0253 "STM32F7 Series and
  // STM32H7 Series Cortex-M7 processor programming manual" §4.6 "Memory protection unit" (16
  // regions on STM32H7); stm32h743xx.h __MPU_PRESENT 1.
  mpuRegions: 16,
  mpuKind: "MPU",
  pins,
  aliases: {
    // UM2407 §6.5 "LEDs": LD1 (green) on PB0 (MB1364 default), lit when PB0 is high.
    LED: { pin: "PB0", activeLevel: "high", externalPull: null },
    // UM2407 §6.6 "Push-buttons": B1 USER on PC13, reads high when pressed; the board pulls the
    // line down when released (external pull-down).
    BUTTON: { pin: "PC13", activeLevel: "high", externalPull: "down" },
  },
  gpioInterrupt,
  gpioInterruptChannels: 0,
  uarts,
  spis,
  i2cs,
};
