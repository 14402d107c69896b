#!/usr/bin/env node
/**
 * The tinyrtos command line: the only module that touches process, the file system and the
 * terminal. This file dispatches; each command is one table (src/cli/commands.ts) from which its
 * arguments are parsed (node:util parseArgs), its --help and its lines in the usage are made.
 *
 *   tinyrtos run <module> [--ticks N] [--max-ticks N]   import a firmware module, await its main()
 *   tinyrtos run <module> --board <name> [--ticks N] [--seed S] [--trace out.json] [--vcd out.vcd]
 *                [--signals a,b,...] [--uart N] [--realtime] [--json]
 *                                                        run its main(board) as a board's firmware
 *                                                        (src/cli/run-command.ts)
 *   tinyrtos top <module> --board <name> [--realtime] [--interval-ms N] [--ticks N] [--seed S]
 *                                                        a live task table (src/cli/top-command.ts)
 *   tinyrtos keygen [--out <name>]                         make an Ed25519 key pair (src/cli/image-commands.ts)
 *   tinyrtos build <entry.ts> --board B --version V --out F [--key K]   build an image, reproducibly
 *   tinyrtos sign <image> --key K [--out F]              sign an image
 *   tinyrtos verify <image> --key P [--board B]          check an image
 *   tinyrtos patch make <old> <new> --out F              make a delta patch
 *   tinyrtos patch apply <old> <patch> --out F [--key P] apply one
 *   tinyrtos ota send <update> --running R --key P       send an update over UART to a simulated board
 *   tinyrtos playground [--port N] [--host H] [--dir D]  serve the browser playground (src/cli/playground-command.ts)
 *   tinyrtos version                                     print the package version
 *   tinyrtos help                                        print the usage
 *
 * Exit codes (commands.ts EXIT):
 *   0    done: main() returned, the board ran its ticks, top ended (its ticks, or Ctrl-C), an
 *        image command did its work;
 *   1    a firmware fault (main() rejected, a task or ISR of the board threw), or an image or patch
 *        rejected (here or by the board in ota send), or the board did not answer;
 *   2    a bad command line, a module that cannot be loaded or has no main(), a file that cannot
 *        be read or written;
 *   3    run: the run limit passed (main() rejected with the Go bridge's RunLimitError);
 *   130  run --board: stopped by Ctrl-C (SIGINT) — trace files, UART output, summary and task
 *        table still written up to the stop.
 * @module
 */
import { readFileSync } from "node:fs";
import { CommandError, EXIT, MAIN_USAGE, commandHelp, usageLines, wantsHelp, wrap } from "./commands.js";
import { commandSummaries, runGroupCommand, runImageCommand } from "./image-commands.js";
import { RUN_COMMAND, runCommand } from "./run-command.js";
import { TOP_COMMAND, topCommand } from "./top-command.js";
import { PLAYGROUND_COMMAND, runPlaygroundCommand } from "./playground-command.js";

const EXIT_CODES = `exit codes: 0 done, 1 firmware fault or input rejected, 2 bad command line or input that cannot
be read, 3 run limit passed, 130 stopped by Ctrl-C; by command (each command's --help says more):
  run               0 main() returned (with --board: the ticks ran), 1 firmware fault (main()
                    rejected: a task threw, a panic, a deadlock; with --board, a task or ISR of the
                    board threw), 2 bad command line or a module that cannot be loaded, 3 the run
                    limit passed (main() rejected with RunLimitError: what each goroutine and task
                    waits on is printed), 130 with --board: stopped by Ctrl-C (trace files, UART
                    output, summary and task table still written)
  top               0 the ticks passed or Ctrl-C ended it, 1 firmware fault, 2 bad command line or a
                    module that cannot be loaded
  keygen, build, sign, verify, patch, ota send
                    0 done, 1 an image or patch rejected (here or, for ota send, by the board's
                    firmware; its reason printed; --json prints { ok: false, reason, message }) or
                    the board did not answer (reason "no-answer"), 2 bad command line or a file that
                    cannot be read or written
`;

const usage = `usage: tinyrtos <command>

commands:
${usageLines(RUN_COMMAND)}
${usageLines(TOP_COMMAND)}
${commandSummaries()}
${wrap("(tinyrtos <command> --help for each one's options; run --help and top --help also say what the task table's columns are)", " ".repeat(20))}
${usageLines(PLAYGROUND_COMMAND)}
  version           print the package version
  help              print this text

${EXIT_CODES}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      if (wantsHelp(rest)) return help(commandHelp(RUN_COMMAND));
      return runCommand(rest);
    case "top":
      if (wantsHelp(rest)) return help(commandHelp(TOP_COMMAND));
      return topCommand(rest);
    case "keygen":
    case "build":
    case "sign":
    case "verify":
      return runImageCommand(command, rest);
    case "patch":
    case "ota":
      return runGroupCommand(command, rest);
    case "playground":
      return runPlaygroundCommand(rest);
    case "version":
    case "--version": {
      const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
      process.stdout.write(`tinyrtos ${pkg.version}\n`);
      return EXIT.ok;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return help(usage);
    default:
      throw new CommandError(`unknown command "${command}"`, MAIN_USAGE);
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  // On a failure a firmware's tasks and timers may still be pending: the exit ends them.
  (code) => {
    if (code !== EXIT.ok) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof CommandError) {
      const shown = error.usage === MAIN_USAGE ? usage : error.usage;
      process.stderr.write(`tinyrtos: ${error.message}\n${shown !== null ? "\n" + shown : ""}`);
      process.exit(EXIT.usage);
    }
    // A bug in the CLI itself: keep the stack.
    process.stderr.write(`tinyrtos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.fault);
  },
);
