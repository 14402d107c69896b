#!/usr/bin/env node
/**
 * The tinyrtos command line: the only module that touches process, the file system and the
 * terminal.
 *
 *   tinyrtos run <module.js> [--ticks N] [--trace]   run a firmware module's main() in virtual time
 *   tinyrtos version
 *   tinyrtos help
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const usage = `usage: tinyrtos <command>

commands:
  run <module.js> [--ticks N]   import a firmware module and await its exported main({ runTicks })
                                (for example dist/examples/demo-firmware.js after npm run build)
  version                       print the package version
  help                          print this text
`;

function fail(message: string): never {
  process.stderr.write(`tinyrtos: ${message}\n\n${usage}`);
  process.exit(2);
}

async function runModule(args: string[]): Promise<void> {
  const file = args[0];
  if (file === undefined) fail("run: missing the module to run");
  let runTicks: number | undefined;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === "--ticks") {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 0) fail(`run: --ticks needs a non-negative integer, got ${String(args[i])}`);
      runTicks = value;
    } else fail(`run: unknown option ${args[i]}`);
  }
  const url = pathToFileURL(resolve(file)).href;
  const mod = (await import(url)) as { main?: (options: { runTicks?: number }) => unknown };
  if (typeof mod.main !== "function") fail(`run: ${file} exports no main() function`);
  await mod.main(runTicks === undefined ? {} : { runTicks });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return runModule(rest);
    case "version":
    case "--version": {
      const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
      process.stdout.write(`tinyrtos ${pkg.version}\n`);
      return;
    }
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(usage);
      return;
    default:
      fail(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`tinyrtos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
