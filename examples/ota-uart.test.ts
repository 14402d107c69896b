/*
 * Checks the OTA example (examples/ota-uart.ts): the faulty 1.1.0 is taken, test-booted, fails its
 * self-test and is reverted; 1.2.0 comes as a patch much smaller than the image, passes and
 * confirms itself (counter 2); 1.1.0 again is refused as a rollback before anything is written;
 * the host saw progress up to the whole of each transfer; the transfers take the wire time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runOtaDemo } from "./ota-uart.js";
import { readBootState } from "../src/ota/updater.js";

test("OTA over UART: a faulty image rolls back, a patch confirms, a downgrade is refused", async () => {
  const progress = new Map<string, number[]>();
  const r = await runOtaDemo({ onProgress: (what, sent) => progress.set(what, [...(progress.get(what) ?? []), sent]) });
  const image = r.steps[0]!.bytes;
  assert.deepEqual(
    r.console.split("\n"),
    [
      "app 1.0.0: confirmed, stored security counter 1",
      `receiving a ${image}-byte image`,
      `image for 1.1.0 written (${image}-byte image); resetting into its test boot`,
      "app 1.1.0: test boot, stored security counter 1",
      "self-test failed: the known frame parses to 23306, expected 2651; resetting to roll back",
      "app 1.0.0: confirmed, stored security counter 1",
      `receiving a ${r.steps[1]!.bytes}-byte patch`,
      `patch for 1.2.0 written (${image}-byte image); resetting into its test boot`,
      "app 1.2.0: test boot, stored security counter 1",
      "self-test passed: 1.2.0 confirmed, stored security counter 2",
      `receiving a ${image}-byte image`,
      "update refused: image rejected (security-counter): security counter 1 is below the stored counter 2: a rollback to an older image",
      "",
    ],
  );
  assert.deepEqual(
    r.steps.map((s) => [s.kind, s.outcome]),
    [
      ["image", "taken: 1.1.0"],
      ["patch", "taken: 1.2.0"],
      ["image", "refused (security-counter)"],
    ],
  );
  assert.ok(r.steps[1]!.bytes < image / 2, `the patch (${r.steps[1]!.bytes} B) is much smaller than the image (${image} B)`);
  // 115200 baud 8N1: at least the wire time of the bytes.
  assert.ok(r.steps[0]!.transferSeconds >= (image * 10) / 115200, `transfer took ${r.steps[0]!.transferSeconds} s`);
  for (const [what, sent] of progress) {
    assert.ok(sent.every((n, i) => i === 0 || n > sent[i - 1]!), `${what}: progress rises`);
    if (!what.includes("downgrade")) assert.equal(sent.at(-1), r.steps.find((s) => s.what === what)!.bytes, `${what}: progress reaches the whole`);
  }
  assert.deepEqual(
    r.boots.map((b) => [b.resetReason, b.version, b.testBoot, b.swap, b.storedSecurityCounter]),
    [
      ["power-on", "1.0.0", false, null, 1],
      ["software", "1.1.0", true, "test", 1],
      ["software", "1.0.0", false, "revert", 1],
      ["software", "1.2.0", true, "test", 1],
    ],
  );
  const st = readBootState(r.board);
  assert.equal(st.primary?.version, "1.2.0");
  assert.equal(st.secondary?.version, "1.0.0", "the downgrade wrote nothing: the secondary still holds 1.0.0");
  assert.equal(st.securityCounter, 2);
  assert.equal(st.testBoot, false);
});
