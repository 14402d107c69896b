/**
 * The firmware of the OTA example (examples/ota-uart.ts), shared by every version of it: a
 * weather-station node that parses its sensor's 4-byte frames and takes updates over UART 0.
 *
 * At each boot it prints its version and boot state on the console (UART 1). In a test boot (a
 * new image the bootloader swapped in) it runs its self-test first: when the test passes it
 * confirms the image (`ota.confirm()`: kept for good, the stored security counter raised); when it
 * fails it resets, and the bootloader swaps the previous image back (revert). Then it waits for
 * updates from the host (`tinyrtos ota send`, or `sendUpdate`): an `UpdateReceiver` on UART 0
 * hands the chunks to `otaClient(board).write`, which checks signature, board and security
 * counter before it writes anything, then `markPending` and a reset start the test boot.
 *
 * The versions differ in `parseReading` (main.ts: right; main-faulty.ts: the bug the self-test
 * catches).
 */
import type { Board } from "tinyrtos/hal";
import { otaClient, UpdateReceiver } from "tinyrtos/ota";

/** The console and the update link run at 115200 baud, 8N1. */
export const BAUD = 115_200;
/** The console: UART 1 (UARTE1 on the nRF52840). Updates come over UART 0. */
export const CONSOLE_UART = 1;
export const UPDATE_UART = 0;

/** A reading of the sensor: temperature in centi-degrees Celsius from a 4-byte frame. */
export type ParseReading = (frame: Uint8Array) => number;

/** A frame the sensor's datasheet gives as an example, and the value it stands for: 0x0A5B = 2651 → 26.51 °C. */
const KNOWN_FRAME = Uint8Array.of(0xa5, 0x0a, 0x5b, 0xa5 ^ 0x0a ^ 0x5b);
const KNOWN_CENTI_C = 2651;

/** The firmware's main, given this version's frame parser. */
export async function runApp(board: Board, parseReading: ParseReading): Promise<void> {
  const ota = otaClient(board);
  const console = board.uart(CONSOLE_UART);
  console.configure({ baudRate: BAUD });
  const link = board.uart(UPDATE_UART);
  link.configure({ baudRate: BAUD, rxBufferBytes: 1024 });
  const say = (line: string) => console.write(`${line}\n`);
  await board.rtos.xTaskCreate(
    async () => {
      const st = ota.state();
      const version = st.primary?.version ?? "unknown";
      await say(`app ${version}: ${st.testBoot ? "test boot" : "confirmed"}, stored security counter ${st.securityCounter}`);
      if (st.testBoot) {
        const got = parseReading(KNOWN_FRAME);
        if (got !== KNOWN_CENTI_C) {
          await say(`self-test failed: the known frame parses to ${got}, expected ${KNOWN_CENTI_C}; resetting to roll back`);
          board.reset("software");
          return;
        }
        await ota.confirm();
        await say(`self-test passed: ${version} confirmed, stored security counter ${ota.state().securityCounter}`);
      }
      const receiver = new UpdateReceiver(link);
      for (;;) {
        const offer = await receiver.offer(60_000);
        if (offer === null) continue;
        await say(`receiving a ${offer.totalBytes}-byte ${offer.kind}`);
        try {
          const written = await ota.write(receiver.chunks());
          await ota.markPending();
          await say(`${written.kind} for ${written.version} written (${written.sizeBytes}-byte image); resetting into its test boot`);
          await receiver.done(written.version);
          board.reset("software");
          return;
        } catch (e) {
          await say(`update refused: ${e instanceof Error ? e.message : String(e)}`);
          await receiver.fail(e);
        }
      }
    },
    "app",
    1024,
    null,
    2,
  );
}
