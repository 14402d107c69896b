/**
 * The image commands of the CLI: `keygen`, `build`, `sign`, `verify` (and `patch make|apply`).
 * Arguments are parsed by Node's `util.parseArgs` from one table per command, which also gives
 * the command's `--help`.
 *
 * Keys are files of the raw 32 bytes (`<name>.key` private, `<name>.pub` public, as
 * `generateSigningKey` returns them); images and patches are binary files. With `--json` each
 * command prints one JSON object on stdout instead of text.
 *
 * Exit codes: 0 done; 1 rejected (an image or patch failed a check: the reason is printed, and
 * in the JSON as `reason`); 2 bad command line, or a file that cannot be read or written.
 * @module
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { ImageError as ImageErrorType } from "../ota/index.js";

/** A usage error or an unreadable file: exit 2 (main.ts prints it). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly usage: string | null = null,
  ) {
    super(message);
  }
}

/** Exit code of a command whose input was rejected. */
export const EXIT_REJECTED = 1;

type OptionSpec = { type: "string" | "boolean"; help: string; value?: string; required?: boolean };

/** One command: its operands, options and what it does. */
interface Command {
  readonly name: string;
  readonly operands: string;
  readonly summary: string;
  readonly options: Record<string, OptionSpec>;
  readonly run: (operands: string[], values: Record<string, string | boolean | undefined>) => Promise<number>;
}

const json: OptionSpec = { type: "boolean", help: "print one JSON object instead of text" };

const COMMANDS: readonly Command[] = [
  {
    name: "keygen",
    operands: "",
    summary: "make an Ed25519 key pair: <out>.key (private, 32 raw bytes) and <out>.pub (public)",
    options: { out: { type: "string", value: "<name>", help: "file name without extension (default signing)" }, force: { type: "boolean", help: "overwrite existing key files" }, json },
    async run(_operands, v) {
      const { generateSigningKey } = await import("../ota/index.js");
      const base = (v.out as string | undefined) ?? "signing";
      const priv = `${base}.key`;
      const pub = `${base}.pub`;
      for (const f of [priv, pub]) if (existsSync(f) && v.force !== true) throw new CommandError(`keygen: ${f} exists; a new key would orphan every image it signed (--force to overwrite)`);
      const keys = generateSigningKey();
      writeFileSync(priv, keys.privateKey, { mode: 0o600 });
      writeFileSync(pub, keys.publicKey);
      const hex = Buffer.from(keys.publicKey).toString("hex");
      print(v, { privateKey: priv, publicKey: pub, publicKeyHex: hex }, `wrote ${priv} (private: keep it secret) and ${pub} (public ${hex})`);
      return 0;
    },
  },
  {
    name: "build",
    operands: "<entry.ts>",
    summary: "bundle a firmware entry (exporting main(board)) into an image, reproducibly; signed with --key",
    options: {
      board: { type: "string", value: "<name>", help: "the board it is for", required: true },
      version: { type: "string", value: "<x.y.z>", help: "its version (MAJOR.MINOR.REVISION[+BUILD])", required: true },
      "security-counter": { type: "string", value: "<n>", help: "anti-rollback counter (default 0)" },
      key: { type: "string", value: "<file.key>", help: "sign with this private key" },
      out: { type: "string", value: "<file>", help: "where the image goes", required: true },
      json,
    },
    async run(operands, v) {
      const { buildImage, signImage } = await import("../ota/index.js");
      const entry = one(operands, "build", "the entry module");
      const image = await buildImage({ entry, board: v.board as string, version: v.version as string, securityCounter: integer(v["security-counter"] as string | undefined, "--security-counter", 0) });
      const out = v.key !== undefined ? signImage(image, readKey(v.key as string)) : image;
      write(v.out as string, out);
      print(v, { out: v.out, sizeBytes: out.length, signed: v.key !== undefined }, `wrote ${v.out as string} (${out.length} bytes, ${v.key !== undefined ? "signed" : "unsigned: sign it with tinyrtos sign"})`);
      return 0;
    },
  },
  {
    name: "sign",
    operands: "<image>",
    summary: "sign an image with a private key",
    options: { key: { type: "string", value: "<file.key>", help: "the private key", required: true }, out: { type: "string", value: "<file>", help: "where the signed image goes (default: in place)" }, json },
    async run(operands, v) {
      const { signImage } = await import("../ota/index.js");
      const file = one(operands, "sign", "the image");
      const signed = signImage(read(file), readKey(v.key as string));
      const out = (v.out as string | undefined) ?? file;
      write(out, signed);
      print(v, { out, sizeBytes: signed.length }, `wrote ${out} (${signed.length} bytes, signed)`);
      return 0;
    },
  },
  {
    name: "verify",
    operands: "<image>",
    summary: "check an image's structure, hash, signature and policy",
    options: {
      key: { type: "string", value: "<file.pub>", help: "the public key", required: true },
      board: { type: "string", value: "<name>", help: "the board it must be for" },
      "min-security-counter": { type: "string", value: "<n>", help: "the least counter accepted" },
      "min-version": { type: "string", value: "<x.y.z>", help: "the least version accepted" },
      json,
    },
    async run(operands, v) {
      const { verifyImage } = await import("../ota/index.js");
      const file = one(operands, "verify", "the image");
      const info = verifyImage(read(file), readKey(v.key as string), {
        ...(v.board !== undefined ? { board: v.board as string } : {}),
        ...(v["min-security-counter"] !== undefined ? { minSecurityCounter: integer(v["min-security-counter"] as string, "--min-security-counter", 0) } : {}),
        ...(v["min-version"] !== undefined ? { minVersion: v["min-version"] as string } : {}),
      });
      print(v, { ok: true, ...info }, `${file}: valid: version ${info.version}, security counter ${info.securityCounter}, board ${info.board}, ${info.sizeBytes} bytes`);
      return 0;
    },
  },
];

/** The usage of one command, from its table. */
export function commandUsage(name: string): string {
  const c = COMMANDS.find((x) => x.name === name);
  if (c === undefined) return "";
  const opts = Object.entries(c.options).map(([flag, o]) => `  --${(flag + (o.value ? " " + o.value : "")).padEnd(28)}${o.help}${o.required ? " (required)" : ""}`);
  return `usage: tinyrtos ${c.name}${c.operands ? " " + c.operands : ""} [options]\n\n${c.summary}\n\noptions:\n${opts.join("\n")}\n  --help                        print this text\n`;
}

/** The one-line summaries, for the main usage. */
export function commandSummaries(): string {
  return COMMANDS.map((c) => `  ${(c.name + (c.operands ? " " + c.operands : "")).padEnd(18)}${c.summary}`).join("\n");
}

/** Whether `name` is one of these commands. */
export function isImageCommand(name: string | undefined): boolean {
  return COMMANDS.some((c) => c.name === name);
}

/** Runs command `name` with `args`; returns the exit code. ImageError → printed, exit 1. */
export async function runImageCommand(name: string, args: string[]): Promise<number> {
  const c = COMMANDS.find((x) => x.name === name)!;
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(commandUsage(name));
    return 0;
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options = Object.fromEntries(Object.entries(c.options).map(([k, o]) => [k, { type: o.type }]));
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new CommandError(`${name}: ${e instanceof Error ? e.message.replace(/\. To specify.*$/s, "") : String(e)}`, commandUsage(name));
  }
  for (const [flag, o] of Object.entries(c.options)) if (o.required && parsed.values[flag] === undefined) throw new CommandError(`${name}: --${flag} is required`, commandUsage(name));
  try {
    return await c.run(parsed.positionals, parsed.values);
  } catch (e) {
    const { ImageError } = await import("../ota/index.js");
    if (e instanceof ImageError) {
      const err = e as ImageErrorType;
      if (parsed.values.json === true) process.stdout.write(JSON.stringify({ ok: false, reason: err.reason, message: err.message }) + "\n");
      else process.stderr.write(`tinyrtos ${name}: ${err.message}\n`);
      return EXIT_REJECTED;
    }
    if (e instanceof RangeError) throw new CommandError(`${name}: ${e.message}`, commandUsage(name));
    throw e;
  }
}

function print(v: Record<string, unknown>, object: object, text: string): void {
  process.stdout.write(v.json === true ? JSON.stringify(object) + "\n" : text + "\n");
}

function one(operands: string[], name: string, what: string): string {
  if (operands.length !== 1) throw new CommandError(`${name}: expects ${what} (one file), got ${operands.length === 0 ? "none" : operands.join(" ")}`, commandUsage(name));
  return operands[0]!;
}

function integer(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new CommandError(`${flag} needs a non-negative integer, got ${text}`);
  return n;
}

/** A file's bytes; a missing or unreadable file is a CommandError naming it. */
export function read(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new CommandError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Writes a file; failure is a CommandError naming it. */
export function write(file: string, bytes: Uint8Array): void {
  try {
    writeFileSync(file, bytes);
  } catch (e) {
    throw new CommandError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

/** A raw 32-byte key file. */
function readKey(file: string): Uint8Array {
  const key = read(file);
  if (key.length !== 32) throw new CommandError(`${file} holds ${key.length} bytes; a key file holds the raw 32 bytes of an Ed25519 key (tinyrtos keygen writes them)`);
  return key;
}
