/**
 * Test helper: decodes a VCD (recordVCD's text) with sigrok-cli's protocol decoders, so the
 * waveforms the hal draws are checked by an independent implementation of each protocol.
 *
 * sigrok-cli must be installed (Debian: `apt-get install sigrok-cli`; `.ci/run` installs it); when
 * it is missing, sigrokDecode throws saying so, and the tests that use it fail rather than skip.
 *
 * How sigrok reads our VCD (checked with sigrok-cli 0.7.2 / libsigrok 0.5.2): each `$var`'s
 * reference name becomes the channel name as is (`uart0.tx`, `spi0.sck`; the scope is not
 * prefixed), and the samplerate is 1 / timescale, so `$timescale 1 ns` is 1 GHz: one sample per
 * ns up to the last `#` time. `-I vcd:downsample=N` divides that rate; any N that keeps several
 * samples per bit decodes the same bytes (115200 baud is 8681 samples per bit at 1 GHz).
 *
 * Call shapes (decoder spec → the `-P` argument, annotation → the `-A` argument):
 * ```ts
 * sigrokDecode(vcd.text(), "uart:rx=uart0.tx:baudrate=115200", "uart=rx-data");        // bytes the device sent
 * sigrokDecode(vcd.text(), "spi:clk=spi0.sck:mosi=spi0.mosi:miso=spi0.miso:cs=spi0.cs", "spi=mosi-data"); // or spi=miso-data; add :cpol=1:cpha=1 for mode 3
 * sigrokDecode(vcd.text(), "i2c:scl=i2c0.scl:sda=i2c0.sda", "i2c=data-write");          // or i2c=address-write, i2c=data-read
 * sigrokAnnotations(vcd.text(), "i2c:scl=i2c0.scl:sda=i2c0.sda", "i2c");               // every annotation as text, e.g. "Address write: 49"
 * ```
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Options of the sigrok helpers. */
export interface SigrokOptions {
  /** `-I vcd:downsample=N`: divides the 1 GHz sample rate of a 1 ns VCD (default 1: every ns). */
  downsample?: number;
}

/** True when sigrok-cli runs on this machine. */
export function haveSigrok(): boolean {
  const r = spawnSync("sigrok-cli", ["--version"], { encoding: "utf8" });
  return r.status === 0;
}

/**
 * Runs `sigrok-cli -I vcd -i <file> -P <decoderSpec> -A <annotation>` on `vcdText` and returns
 * the annotation texts, without the `<decoder>-<n>: ` prefix sigrok-cli writes before each.
 */
export function sigrokAnnotations(vcdText: string, decoderSpec: string, annotation: string, options: SigrokOptions = {}): string[] {
  if (!haveSigrok())
    throw new Error("sigrok-cli is not installed: install it (Debian/Ubuntu: apt-get install -y sigrok-cli; .ci/run does this) to run the sigrok decode tests");
  const dir = mkdtempSync(join(tmpdir(), "tinyrtos-sigrok-"));
  try {
    const file = join(dir, "trace.vcd");
    writeFileSync(file, vcdText);
    const input = options.downsample !== undefined && options.downsample !== 1 ? `vcd:downsample=${options.downsample}` : "vcd";
    const args = ["-I", input, "-i", file, "-P", decoderSpec, "-A", annotation];
    const r = spawnSync("sigrok-cli", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    // sigrok-cli exits 0 even for some decoder errors but reports them on stderr.
    if (r.status !== 0 || /error|failed/i.test(r.stderr))
      throw new Error(`sigrok-cli ${args.join(" ")} failed (exit ${String(r.status)}): ${r.stderr.trim()}`);
    return r.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const m = /^[a-z0-9_]+-\d+: (.*)$/.exec(l);
        if (m === null) throw new Error(`sigrok-cli wrote an unexpected line: ${JSON.stringify(l)}`);
        return m[1]!;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Decodes `vcdText` with `decoderSpec` and returns the byte values of the `annotation` class
 * (data annotations in the decoders' default hex format, e.g. uart's `rx-data` "4F", spi's
 * `mosi-data` "4F", i2c's `data-write` "Data write: 4F": the last word is the value). The i2c
 * decoder (libsigrokdecode 0.5.3) also files its annotation of the R/W bit, "Write" or "Read", under
 * `address-write` / `address-read`: those two are skipped; any other text is an error.
 */
export function sigrokDecode(vcdText: string, decoderSpec: string, annotation: string, options: SigrokOptions = {}): number[] {
  const texts = sigrokAnnotations(vcdText, decoderSpec, annotation, options).filter((t) => t !== "Write" && t !== "Read");
  return texts.map((text) => {
    const word = text.split(" ").pop()!;
    if (!/^[0-9A-Fa-f]{1,2}$/.test(word)) throw new Error(`sigrok annotation ${JSON.stringify(text)} does not end in a hex byte`);
    return parseInt(word, 16);
  });
}
