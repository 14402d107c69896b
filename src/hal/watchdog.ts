/**
 * The board's independent watchdog (`board.watchdog`): `start(timeoutMs)`, then `feed()` before
 * each timeout runs out; when it does, the board resets with reason "watchdog".
 *
 * One watchdog per chip, clocked from its own low-speed oscillator; the timeout is a whole number
 * of that clock's counts, so a requested timeout is rounded *up* to the counter's resolution (the
 * watchdog never fires earlier than asked). `timeoutMs` is what `start` reports back as the
 * programmed figure:
 * - STM32H743, IWDG1: LSI at 32 kHz; prescaler /4, /8, ... /256 (IWDG_PR); 12-bit down-counter
 *   reloaded from IWDG_RLR, so timeout = 4 × 2^PR × (RL + 1) / 32 kHz: 0.125 ms (/4, RL 0) to
 *   32 768 ms (/256, RL 0xFFF). The driver picks the smallest prescaler that reaches the timeout
 *   (the finest resolution). Reference: RM0433 "Independent watchdog (IWDG)" (section number
 *   unconfirmed: §45 in the revisions we recall; not found in the stored copies searched), the
 *   min/max timeout table at 32 kHz, which is the same on the STM32F4 (RM0090 §21.3, Table 107)
 *   whose IWDG this one follows; the field widths are confirmed by stm32h743xx.h (cmsis_device_h7):
 *   IWDG_PR_PR_Msk 0x7 (PR[2:0]) and IWDG_RLR_RL_Msk 0xFFF (12-bit reload). Start again
 *   while running: reconfigured and reloaded (IWDG_PR/IWDG_RLR are writable after the 0x5555 key
 *   while the IWDG runs; RM0433 IWDG "Register access protection").
 * - nRF52840, WDT: LFCLK at 32.768 kHz; timeout = (CRV + 1) / 32 768 s with CRV ≥ 0xF, so
 *   16 counts (0.48828125 ms) to 2^32 counts (131 072 000 ms). PS §6.36 "WDT — Watchdog timer"
 *   (the formula, as on Nordic's nRF52840 PS WDT page). The CRV minimum 0xF: Nordic's WDT register
 *   table gives CRV the range [0xF..0xFFFFFFFF] (docs.nordicsemi.com, CRV at offset 0x504) and
 *   nrfx's MDK defines WDT_CRV_CRV_Min 0x0000000F for the same WDT block on the nRF54L parts; the
 *   nRF52840's own nrf52840_bitfields.h / .svd (nrfx bsp/stable/mdk) state no minimum, so the
 *   figure is confirmed for Nordic's WDT but not read in an nRF52840-specific table.
 *   Start again while running: HalError (CRV, RREN and CONFIG are blocked while the WDT runs,
 *   PS §6.36).
 * - ESP32-C3, RWDT (the RTC watchdog, in the RTC domain; the TRM chapter "Watchdog Timers" also
 *   describes the two MWDTs of the timer groups: RWDT is chosen as the one whose stage action
 *   can reset the whole system). Clocked by RTC_SLOW_CLK, the internal RC_SLOW at 136 kHz
 *   nominal (esp-idf components/soc/esp32c3/include/soc/clk_tree_defs.h:
 *   SOC_CLK_RC_SLOW_FREQ_APPROX 136000, "Internal 136kHz RC Oscillator"). The stage-0 hold
 *   register RTC_CNTL_WDT_STG0_HOLD is 32 bits (esp-idf components/soc/esp32c3/include/soc/
 *   rtc_cntl_reg.h, RTC_CNTL_WDTCONFIG1_REG at RTCCNTL + 0x94, bitpos [31:0]), and stage 0 counts
 *   hold × 2^(1 + WDT_DELAY_SEL) slow-clock cycles: esp-idf components/hal/esp32c3/include/hal/
 *   rwdt_ll.h rwdt_ll_config_stage writes timeout_ticks >> (1 + efuse WDT_DELAY_SEL), and its note
 *   gives the valid stage-0 timeouts as the even counts 2 .. 2 × UINT32_MAX when that eFuse is 0.
 *   Modelled with WDT_DELAY_SEL = 0 (an unprogrammed eFuse field reads 0), action "reset
 *   system": timeout = 2 × hold / 136 kHz, an even count from 2 to 2 × (2^32 − 1) (14.7 µs to
 *   ~63 161 s); a request is rounded up to the next even count. Start again while running:
 *   reconfigured and fed (the registers are writable after the RTC_CNTL_WDT_WKEY unlock,
 *   rwdt_ll.h RTC_CNTL_WDT_WKEY_VALUE 0x50D83AA1).
 *
 * Once started the watchdog cannot be stopped: there is no `stop()` (the IWDG and the nRF WDT
 * have no way to stop; the RWDT could be disabled by firmware after its write-key unlock, which
 * this API does not offer either). A reset of any kind stops it here and the new boot starts
 * without one (the H743's "hardware watchdog" option byte, which starts the IWDG at reset, is not
 * modelled), as does a power cut. Debug-halt and sleep pause options are not modelled.
 *
 * `feed()` is ISR-safe and never blocks; before `start` it does nothing (as writing the reload
 * key to a stopped watchdog does nothing). Times are board virtual time; expiry happens in the
 * board's event context (not a task), at start/feed time + timeout exactly, and resets the board
 * like `board.reset("watchdog")` from firmware. While the board is halted for a reset or off,
 * calls are ignored.
 * @module
 */
import { HalError } from "./errors.js";

/** What a watchdog needs from its board. @internal */
export interface WatchdogHost {
  readonly boardName: string;
  now(): number;
  /** False while the board is halted for a reset or off: firmware-side calls are ignored. */
  live(): boolean;
  schedule(at: number, run: (at: number) => void): void;
  /** Ticks per second of the current kernel. */
  tickRateHz(): number;
  /** Resets the board with reason "watchdog" (from the board's event context). */
  expire(): void;
}

/** A chip's watchdog: its name, counter clock and count range. */
export interface WatchdogSpec {
  /** "IWDG1", "WDT", "RWDT". */
  readonly name: string;
  /** Counter clock in Hz. */
  readonly clockHz: number;
  /** Whether `start` while running reconfigures it (true) or is a HalError (false). */
  readonly restartable: boolean;
  /** Clock counts of the longest timeout. */
  readonly maxCounts: number;
  /** Clock counts of the shortest timeout. */
  readonly minCounts: number;
  /** The counts actually programmed for a request of `counts` (≥ minCounts, ≤ maxCounts). */
  quantize(counts: number): number;
}

/** IWDG prescalers /4 ... /256 (PR = 0..6) and the 12-bit reload (RL + 1 = 1..4096 counts). */
const IWDG_PRESCALERS = [4, 8, 16, 32, 64, 128, 256];
const IWDG_RELOADS = 4096;

/** The watchdog of each board (see the module comment for the sources). */
export const WATCHDOG_SPECS: Readonly<Record<string, WatchdogSpec>> = Object.freeze({
  stm32h743: {
    name: "IWDG1",
    clockHz: 32_000,
    restartable: true,
    minCounts: 4,
    maxCounts: 256 * IWDG_RELOADS,
    quantize(counts: number): number {
      for (const p of IWDG_PRESCALERS) {
        const reload = Math.ceil(counts / p - 1e-9);
        if (reload <= IWDG_RELOADS) return Math.max(1, reload) * p;
      }
      return 256 * IWDG_RELOADS;
    },
  },
  nrf52840: {
    name: "WDT",
    clockHz: 32_768,
    restartable: false,
    minCounts: 16, // CRV >= 0xF
    maxCounts: 2 ** 32, // CRV = 0xFFFFFFFF
    quantize: (counts: number) => Math.ceil(counts - 1e-9),
  },
  esp32c3: {
    name: "RWDT",
    clockHz: 136_000,
    restartable: true,
    // Stage 0 counts 2 × hold (WDT_DELAY_SEL = 0): even counts, hold 1 .. 2^32 − 1 (rwdt_ll.h).
    minCounts: 2,
    maxCounts: 2 * (2 ** 32 - 1),
    quantize: (counts: number) => 2 * Math.ceil(counts / 2 - 1e-9),
  },
});

/** `board.watchdog`. See the module comment. */
export class Watchdog {
  /** The chip's watchdog: name, clock and range. */
  readonly spec: WatchdogSpec;
  private _running = false;
  private _timeoutMs = 0;
  /** Board time at which it expires unless fed. */
  private deadline = 0;
  /** The live expiry event's number (older events are stale) and its time. */
  private token = 0;
  private eventAt: number | null = null;

  /** @internal */
  constructor(
    private readonly host: WatchdogHost,
    spec: WatchdogSpec,
  ) {
    this.spec = spec;
  }

  /** True once started, until the next reset or power cut. */
  get running(): boolean {
    return this._running;
  }

  /** The programmed timeout (the request rounded up to whole counts), in ms; 0 when not running. */
  get timeoutMs(): number {
    return this._timeoutMs;
  }

  /** The shortest and longest timeouts of this chip's watchdog, in ms. */
  get rangeMs(): { readonly minMs: number; readonly maxMs: number } {
    return { minMs: (this.spec.minCounts * 1000) / this.spec.clockHz, maxMs: (this.spec.maxCounts * 1000) / this.spec.clockHz };
  }

  /**
   * Starts the watchdog with `timeoutMs` (rounded up to the counter's resolution; out of the
   * chip's range: HalError with the range, nothing changed). Already running: reconfigured and
   * reloaded on the H743 and the ESP32-C3, HalError on the nRF52840. Never blocks; ISR-safe.
   */
  start(timeoutMs: number): void {
    const s = this.spec;
    const where = `watchdog ${s.name}`;
    const { minMs, maxMs } = this.rangeMs;
    if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < minMs - 1e-12 || timeoutMs > maxMs + 1e-9)
      throw new HalError(this.host.boardName, where, `start: timeoutMs must be a number in ${minMs}..${maxMs} ms (${s.minCounts}..${s.maxCounts} counts of ${s.clockHz} Hz), got ${String(timeoutMs)}`);
    if (this._running && !s.restartable)
      throw new HalError(this.host.boardName, where, `start: already running with ${this._timeoutMs} ms; its configuration (CRV, RREN, CONFIG) is locked while it runs and it cannot be stopped (nRF52840 PS §6.36); only a reset stops it`);
    if (!this.host.live()) return;
    const counts = s.quantize(Math.max(s.minCounts, (timeoutMs * s.clockHz) / 1000));
    this._timeoutMs = (counts * 1000) / s.clockHz;
    this._running = true;
    this.reload();
  }

  /** Reloads the counter: the watchdog expires one timeout from now. ISR-safe; before start: nothing. */
  feed(): void {
    if (!this._running || !this.host.live()) return;
    this.reload();
  }

  /** Stops it (a reset or a power cut). @internal */
  stopForReset(): void {
    this._running = false;
    this._timeoutMs = 0;
    this.token++;
    this.eventAt = null;
  }

  private reload(): void {
    this.deadline = this.host.now() + (this._timeoutMs * this.host.tickRateHz()) / 1000;
    if (this.eventAt === null || this.deadline < this.eventAt) this.arm(this.deadline);
  }

  /** One expiry event at a time; a feed moves the deadline, the event re-arms itself there. */
  private arm(at: number): void {
    const token = ++this.token;
    this.eventAt = at;
    this.host.schedule(at, (now) => {
      if (token !== this.token || !this._running) return;
      this.eventAt = null;
      if (this.deadline > now + 1e-9) {
        this.arm(this.deadline);
        return;
      }
      this.stopForReset();
      this.host.expire();
    });
  }
}
