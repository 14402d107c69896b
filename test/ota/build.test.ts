/**
 * buildImage (src/ota/build.ts, issue 13 "Images"): two builds of the same sources copied into
 * different folders, with different file times, a second apart, are bit-identical (the seed's
 * reproducible-build promise); `tinyrtos` imports stay external; the payload is the module that
 * exports main; build errors name file and line; an entry without main is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, utimesSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImage, verifyImage, signImage, generateSigningKey } from "tinyrtos/ota";

const sources: Record<string, string> = {
  "main.ts": `import { createFreeRTOS } from "tinyrtos/freertos";\nimport type { Board } from "tinyrtos/hal";\nimport { blink, PERIOD_MS } from "./blink.js";\nexport async function main(board: Board): Promise<void> {\n  void createFreeRTOS;\n  await board.rtos.xTaskCreate(() => blink(board, PERIOD_MS), "blink", 256, null, 1);\n}\n`,
  "blink.ts": `import type { Board } from "tinyrtos/hal";\nexport const PERIOD_MS = 500;\nexport async function blink(board: Board, periodMs: number): Promise<void> {\n  for (;;) { board.pin("LED").toggle(); await board.rtos.vTaskDelay(periodMs); }\n}\n`,
};

function project(root: string, time: Date): string {
  const dir = join(root, "firmware", "src");
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(sources)) {
    writeFileSync(join(dir, name), text);
    utimesSync(join(dir, name), time, time);
  }
  return join(dir, "main.ts");
}

async function reproducible(): Promise<boolean> {
  const a = mkdtempSync(join(tmpdir(), "tinyrtos-build-a-"));
  const b = mkdtempSync(join(tmpdir(), "tinyrtos-build-b-deeper-"));
  try {
    const first = await buildImage({ entry: project(a, new Date(2001, 0, 1)), version: "1.0.0", securityCounter: 1, board: "nrf52840" });
    await new Promise((r) => setTimeout(r, 1100));
    const second = await buildImage({ entry: project(join(b, "x", "y"), new Date()), version: "1.0.0", securityCounter: 1, board: "nrf52840" });
    return first.length === second.length && first.every((v, i) => v === second[i]);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}

test("two builds in different folders at different times are bit-identical", async () => {
  assert.equal(await reproducible(), true);
});

test("the payload is an ES module exporting main, with tinyrtos imports external and no paths", async () => {
  const root = mkdtempSync(join(tmpdir(), "tinyrtos-build-"));
  try {
    const image = await buildImage({ entry: project(root, new Date()), version: "2.0.1", securityCounter: 4, board: "esp32c3" });
    const keys = generateSigningKey();
    const info = verifyImage(signImage(image, keys.privateKey), keys.publicKey, { board: "esp32c3" });
    assert.equal(info.version, "2.0.1");
    const text = new TextDecoder().decode(image.subarray(64, 64 + info.payloadBytes));
    assert.match(text, /from"tinyrtos\/freertos"/);
    assert.match(text, /export\{\w+ as main\}/);
    assert.ok(!text.includes(root) && !text.includes("blink.ts"), "the output holds a path");
    assert.ok(text.includes("500"), "the constant from the second file is bundled");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("build errors name the file and line; an entry without main is refused", async () => {
  const root = mkdtempSync(join(tmpdir(), "tinyrtos-build-bad-"));
  try {
    writeFileSync(join(root, "broken.ts"), "export function main( {\n");
    await assert.rejects(buildImage({ entry: join(root, "broken.ts"), version: "1.0.0", securityCounter: 0, board: "nrf52840" }), /does not build \(1 error\):\n {2}broken\.ts:2:0: Expected identifier/);
    writeFileSync(join(root, "missing.ts"), 'import { x } from "./nowhere";\nexport function main() { return x; }\n');
    await assert.rejects(buildImage({ entry: join(root, "missing.ts"), version: "1.0.0", securityCounter: 0, board: "nrf52840" }), /missing\.ts:1:\d+: Could not resolve "\.\/nowhere"/);
    writeFileSync(join(root, "nomain.ts"), "export function start() {}\n");
    await assert.rejects(buildImage({ entry: join(root, "nomain.ts"), version: "1.0.0", securityCounter: 0, board: "nrf52840" }), /has no "main" export \(it exports start\)/);
    await assert.rejects(buildImage({ entry: join(root, "nomain.ts"), version: "x", securityCounter: 0, board: "nrf52840" }), /version must be/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
