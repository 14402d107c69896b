/**
 * The image and update commands of the CLI: `keygen`, `build`, `sign`, `verify`, `patch make|apply`
 * and `ota send` (to a simulated board: there is no serial-port driver in the package).
 * Each command is one table (src/cli/commands.ts): its arguments are parsed by Node's
 * `util.parseArgs` from it, and its `--help` and usage lines come from it.
 *
 * Keys are files of the raw 32 bytes (`<name>.key` private, `<name>.pub` public, as
 * `generateSigningKey` returns them); images and patches are binary files. With `--json` each
 * command prints one JSON object on stdout instead of text.
 *
 * Exit codes: 0 done; 1 rejected (an image or patch failed a check — here, or on the board for
 * `ota send` — the reason is printed, and in the JSON as `reason`), or the board did not answer;
 * 2 bad command line, or a file that cannot be read or written.
 * @module
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import type { ImageError as ImageErrorType } from "../ota/index.js";
import { CommandError, EXIT, commandHelp, parseCommandArgs, usageLines, wantsHelp, type CommandSpec, type OptionSpec, type OptionValues } from "./commands.js";

/** Exit code of a command whose input was rejected. */
export const EXIT_REJECTED = EXIT.fault;

/** One command: its table (commands.ts) and what it does. */
interface Command extends CommandSpec {
  readonly run: (operands: string[], values: OptionValues) => Promise<number>;
}

const DONE = `${EXIT.ok} done`;
const REJECTED = `${EXIT.fault} rejected: the image or patch failed a check (its reason printed; with --json { ok: false, reason, message })`;
const BAD_INPUT = `${EXIT.usage} bad command line, or a file that cannot be read or written`;

const json: OptionSpec = { type: "boolean", help: "print one JSON object instead of text" };

const COMMANDS: readonly Command[] = [
  {
    name: "keygen",
    operands: "",
    summary: "make an Ed25519 key pair: <out>.key (private, 32 raw bytes) and <out>.pub (public)",
    options: { out: { type: "string", value: "<name>", help: "file name without extension (default signing)" }, force: { type: "boolean", help: "overwrite existing key files" }, json },
    exitCodes: [DONE, `${EXIT.usage} bad command line, key files that exist (without --force) or cannot be written`],
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
      "security-counter": { type: "string", value: "<n>", integer: true, help: "anti-rollback counter (default 0)" },
      key: { type: "string", value: "<file.key>", help: "sign with this private key" },
      out: { type: "string", value: "<file>", help: "where the image goes", required: true },
      json,
    },
    exitCodes: [DONE, REJECTED, BAD_INPUT],
    async run(operands, v) {
      const { buildImage, signImage } = await import("../ota/index.js");
      const entry = one(operands, "build", "the entry module");
      const image = await buildImage({ entry, board: v.board as string, version: v.version as string, securityCounter: (v["security-counter"] as number | undefined) ?? 0 });
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
    exitCodes: [DONE, REJECTED, BAD_INPUT],
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
      "min-security-counter": { type: "string", value: "<n>", integer: true, help: "the least counter accepted" },
      "min-version": { type: "string", value: "<x.y.z>", help: "the least version accepted" },
      json,
    },
    exitCodes: [DONE, REJECTED, BAD_INPUT],
    async run(operands, v) {
      const { verifyImage } = await import("../ota/index.js");
      const file = one(operands, "verify", "the image");
      const info = verifyImage(read(file), readKey(v.key as string), {
        ...(v.board !== undefined ? { board: v.board as string } : {}),
        ...(v["min-security-counter"] !== undefined ? { minSecurityCounter: v["min-security-counter"] as number } : {}),
        ...(v["min-version"] !== undefined ? { minVersion: v["min-version"] as string } : {}),
      });
      print(v, { ok: true, ...info }, `${file}: valid: version ${info.version}, security counter ${info.securityCounter}, board ${info.board}, ${info.sizeBytes} bytes`);
      return 0;
    },
  },
  {
    name: "patch make",
    operands: "<old-image> <new-image>",
    summary: "make a delta patch that turns one signed image into another (applied by otaClient or patch apply)",
    options: { out: { type: "string", value: "<file>", help: "where the patch goes", required: true }, json },
    exitCodes: [DONE, REJECTED, BAD_INPUT],
    async run(operands, v) {
      const { makePatch } = await import("../ota/index.js");
      const [oldFile, newFile] = two(operands, "patch make", "the old and the new image");
      const next = read(newFile);
      const patch = makePatch(read(oldFile), next);
      write(v.out as string, patch);
      const percent = ((100 * patch.length) / next.length).toFixed(1);
      print(v, { out: v.out, patchBytes: patch.length, imageBytes: next.length }, `wrote ${v.out as string} (${patch.length} bytes, ${percent}% of the ${next.length}-byte image)`);
      return 0;
    },
  },
  {
    name: "patch apply",
    operands: "<old-image> <patch>",
    summary: "apply a patch to the image it was made from, checking base and result hashes (and the signature with --key)",
    options: { out: { type: "string", value: "<file>", help: "where the new image goes", required: true }, key: { type: "string", value: "<file.pub>", help: "also verify the result's signature with this public key" }, json },
    exitCodes: [DONE, REJECTED, BAD_INPUT],
    async run(operands, v) {
      const { applyPatch, verifyImage, readPatchManifest } = await import("../ota/index.js");
      const [oldFile, patchFile] = two(operands, "patch apply", "the old image and the patch");
      const patch = read(patchFile);
      if (v.key !== undefined) readPatchManifest(patch); // a malformed patch says so before the key is needed
      const image = await applyPatch(read(oldFile), patch);
      const info = v.key !== undefined ? verifyImage(image, readKey(v.key as string)) : null;
      write(v.out as string, image);
      print(v, { out: v.out, sizeBytes: image.length, verified: info !== null, ...(info !== null ? { version: info.version } : {}) }, `wrote ${v.out as string} (${image.length} bytes${info !== null ? `, version ${info.version}, signature valid` : ""})`);
      return 0;
    },
  },
  {
    name: "ota send",
    operands: "<image-or-patch>",
    summary: "send an update over a UART to a simulated board running --running (with progress), reset, report what boots",
    options: {
      running: { type: "string", value: "<image>", help: "the signed image the board runs (it takes updates with otaClient and UpdateReceiver)", required: true },
      key: { type: "string", value: "<file.pub>", help: "the public key the board's bootloader holds", required: true },
      board: { type: "string", value: "<name>", help: "the board (default: the running image's)" },
      uart: { type: "string", value: "<n>", integer: true, help: "the UART the firmware takes updates on (default 0)" },
      console: { type: "string", value: "<n>", integer: true, help: "print what the firmware sent on this UART" },
      "settle-ms": { type: "string", value: "<ms>", integer: true, help: "board time after the transfer for the reset, swap and self-test (default 3000)" },
      seed: { type: "string", value: "<n>", integer: true, help: "the board's seed (default 1)" },
      json,
    },
    exitCodes: [DONE, `${REJECTED}; here or by the board's firmware`, `${EXIT.fault} the board did not answer (reason "no-answer")`, BAD_INPUT],
    async run(operands, v) {
      const { sendUpdate, toStreamOrder, installBootloader, writeSlot, verifyImage, bootRecords, readPatchManifest } = await import("../ota/index.js");
      const { createBoard } = await import("../hal/index.js");
      const file = one(operands, "ota send", "the image or patch to send");
      const update = read(file);
      const running = read(v.running as string);
      const publicKey = readKey(v.key as string);
      const runningInfo = verifyImage(running, publicKey);
      const isPatch = update.length >= 4 && new TextDecoder().decode(update.subarray(0, 4)) === "tRTP";
      const target = isPatch ? readPatchManifest(update).imageHeader.version : verifyImage(update, publicKey).version;
      const boardName = (v.board as string | undefined) ?? runningInfo.board;
      const uart = (v.uart as number | undefined) ?? 0;
      const board = createBoard(boardName, { seed: (v.seed as number | undefined) ?? 1, config: { configTICK_RATE_HZ: 1000 }, firmware: () => {} });
      installBootloader(board, { publicKey });
      writeSlot(board, "primary", running);
      await board.run(10);
      const t0 = board.now();
      const tty = process.stderr.isTTY === true && v.json !== true;
      let shown = -1;
      const progress = (sent: number, total: number) => {
        const pct = Math.floor((100 * sent) / total);
        if (!tty || pct === shown) return;
        shown = pct;
        process.stderr.write(`\rsending ${file}: ${String(pct).padStart(3)}% (${sent} / ${total} bytes, board time ${((board.now() - t0) / 1000).toFixed(2)} s)`);
      };
      let sent: Awaited<ReturnType<typeof sendUpdate>>;
      try {
        sent = await sendUpdate(board, isPatch ? update : toStreamOrder(update), isPatch ? "patch" : "image", { uart, onProgress: progress });
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith("sendUpdate: no answer")) throw e;
        const message = `the firmware of ${v.running as string} did not answer on UART ${uart} (does it take updates there? ${e.message.replace("sendUpdate: ", "")})`;
        if (v.json === true) process.stdout.write(JSON.stringify({ ok: false, reason: "no-answer", message }) + "\n");
        else process.stderr.write(`tinyrtos ota send: ${message}\n`);
        return EXIT_REJECTED;
      } finally {
        if (tty && shown >= 0) process.stderr.write("\n");
      }
      const transferSeconds = (board.now() - t0) / 1000;
      const before = bootRecords(board).length;
      await board.run((v["settle-ms"] as number | undefined) ?? 3000);
      const boots = bootRecords(board).slice(before).map((b) => ({ resetReason: b.resetReason, outcome: b.outcome, version: b.version, testBoot: b.testBoot, swap: b.swap, storedSecurityCounter: b.storedSecurityCounter }));
      const consoleText = v.console === undefined ? null : new TextDecoder().decode(Uint8Array.from(board.world.uart(v.console as number).txLog.filter((e) => e.tick >= t0), (e) => e.byte));
      const lines = [
        `${file}: ${isPatch ? "patch" : "image"} for ${target}, ${update.length} bytes sent over UART ${uart} in ${transferSeconds.toFixed(2)} s of board time (${sent.frames} frames, ${sent.retries} sent again); the board took it: ${sent.reply}`,
        ...boots.map((b) => `boot (${b.resetReason}): ${b.outcome} ${b.version ?? "-"}${b.testBoot ? " (test boot)" : ""}${b.swap !== null ? `, swap ${b.swap}` : ""}, stored security counter ${b.storedSecurityCounter}`),
        ...(consoleText !== null ? [`console (UART ${v.console as string}) since the transfer began:`, consoleText.trimEnd()] : []),
      ];
      print(v, { ok: true, kind: isPatch ? "patch" : "image", version: target, bytes: update.length, transferSeconds, frames: sent.frames, retries: sent.retries, reply: sent.reply, boots, ...(consoleText !== null ? { console: consoleText } : {}) }, lines.join("\n"));
      return 0;
    },
  },
];

/** The usage of one command (its --help), from its table. */
export function commandUsage(name: string): string {
  const c = COMMANDS.find((x) => x.name === name);
  return c === undefined ? "" : commandHelp(c);
}

/** The commands' lines in the main usage. */
export function commandSummaries(): string {
  return COMMANDS.map(usageLines).join("\n");
}

/** The tables of these commands (for the main usage's exit codes). */
export const imageCommandSpecs: readonly CommandSpec[] = COMMANDS;

/** Whether `name` is one of these commands. */
export function isImageCommand(name: string | undefined): boolean {
  return COMMANDS.some((c) => c.name === name);
}

/**
 * Runs `group` (`patch`, `ota`) with its subcommand first in `args`; an unknown or missing
 * subcommand is a CommandError listing the group's subcommands.
 */
export function runGroupCommand(group: string, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const names = COMMANDS.filter((c) => c.name.startsWith(`${group} `)).map((c) => c.name);
  const list = names.map((n) => commandUsage(n).split("\n")[0]!).join("\n") + "\n";
  if (sub === undefined) throw new CommandError(`${group}: expects a subcommand: ${names.map((n) => n.split(" ")[1]).join(" or ")}`, list);
  if (sub === "--help" || sub === "-h") {
    process.stdout.write(names.map(commandUsage).join("\n"));
    return Promise.resolve(0);
  }
  if (!names.includes(`${group} ${sub}`)) throw new CommandError(`${group}: unknown subcommand "${sub}"; expected ${names.map((n) => n.split(" ")[1]).join(" or ")}`, list);
  return runImageCommand(`${group} ${sub}`, rest);
}

/** Runs command `name` with `args`; returns the exit code. ImageError → printed, exit 1. */
export async function runImageCommand(name: string, args: string[]): Promise<number> {
  const c = COMMANDS.find((x) => x.name === name)!;
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp(c));
    return 0;
  }
  const { values, operands } = parseCommandArgs(c, args);
  const parsed = { values, positionals: operands };
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

function two(operands: string[], name: string, what: string): [string, string] {
  if (operands.length !== 2) throw new CommandError(`${name}: expects ${what} (two files), got ${operands.length === 0 ? "none" : operands.join(" ")}`, commandUsage(name));
  return [operands[0]!, operands[1]!];
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
