/**
 * The command table machinery of the CLI: each command is one definition — its operands, its
 * options (type, value placeholder, help, whether required or a non-negative integer, and for a
 * command with several forms such as `run`, the forms an option belongs to), a summary and its
 * exit codes. From it come the argument parsing (Node's `util.parseArgs`, strict), the command's
 * `--help` and its lines in the main usage.
 *
 * Errors of the command line are one wording for every command: `<command>: unknown option
 * --x`, `<command>: --x needs a value`, `<command>: --x needs a non-negative integer, got y`,
 * `<command>: --x is required`. They are `CommandError`s: main.ts prints them with a usage and
 * exits with {@link EXIT.usage}.
 * @module
 */
import { parseArgs } from "node:util";

/** The exit codes of every command (the usage text, main.ts's header and the README list them). */
export const EXIT = {
  /** Done: the command did what it was asked (a run reached its ticks, `top` ended). */
  ok: 0,
  /** A firmware fault (a task or ISR threw, a panic, a deadlock), or an image or patch rejected. */
  fault: 1,
  /** A bad command line, a module that cannot be loaded, a file that cannot be read or written. */
  usage: 2,
  /** The run limit passed (main() rejected with the Go bridge's RunLimitError). */
  runLimit: 3,
  /** Stopped by Ctrl-C (SIGINT) after writing what it had: 128 + SIGINT (2), as shells report it. */
  interrupted: 130,
} as const;

/** CommandError.usage for "print the main usage" (main.ts builds it from every table). */
export const MAIN_USAGE = "\0main usage";

/**
 * A usage error or an unreadable file: exit 2. `usage` is printed after the message: a command's
 * usage, MAIN_USAGE for the main usage, or null for none.
 */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly usage: string | null = null,
  ) {
    super(message);
  }
}

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** The value's placeholder in the help (`<file>`, `N`); string options only. */
  readonly value?: string;
  readonly help: string;
  readonly required?: boolean;
  /** The value must be a non-negative integer (checked by parseCommandArgs, which returns it as a number). */
  readonly integer?: boolean;
  /** For a command with several forms (`run`): the forms the option belongs to; default all. */
  readonly forms?: readonly string[];
  /** For a command with several forms: the option's help in a form where it means something else. */
  readonly formHelp?: Readonly<Record<string, string>>;
}

/** One form of a command with several (`run <module>` and `run <module> --board <name>`). */
export interface FormSpec {
  readonly name: string;
  /** The form's synopsis after `tinyrtos <command> `. */
  readonly synopsis: string;
  /** What the form does (lines of the main usage and of --help). */
  readonly summary: string;
  /** The heading of its options in --help. */
  readonly optionsHeading: string;
}

/** A command's definition: everything its parsing, --help and usage lines come from. */
export interface CommandSpec {
  /** `run`, `patch make`. */
  readonly name: string;
  /** The operands after the name: `<module.js>`, `<old-image> <new-image>`. */
  readonly operands: string;
  /** One line for the main usage. */
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Forms, for a command that has several; their options are listed under each. */
  readonly forms?: readonly FormSpec[];
  /** More text for --help (what a column means, what a file holds). */
  readonly notes?: string;
  /** The command's exit codes, as "<code> <meaning>" lines (printed in --help and the main usage). */
  readonly exitCodes: readonly string[];
}

/** Option values after parsing: strings, booleans, and numbers for `integer` options. */
export type OptionValues = Record<string, string | boolean | number | undefined>;

/** Whether `args` asks for help (`--help` or `-h` anywhere wins over everything else). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

const optionLeft = (flag: string, o: OptionSpec): string => `--${flag}${o.type === "string" && o.value !== undefined ? " " + o.value : ""}`;

function optionLines(options: [string, OptionSpec][], indent: string, width: number, form?: string): string[] {
  return options.map(([flag, o]) => {
    const left = optionLeft(flag, o);
    const help = `${(form !== undefined ? o.formHelp?.[form] : undefined) ?? o.help}${o.required ? " (required)" : ""}`;
    return hanging(`${indent}${left}`, help, indent.length + width);
  });
}

/** `left`, then `text` wrapped in a column from `column` on (on the next line when `left` reaches it). */
export function hanging(left: string, text: string, column: number): string {
  const body = wrap(text, " ".repeat(column));
  return left.length <= column - 2 ? left + body.slice(left.length) : `${left}\n${body}`;
}

/** Wraps `text` at `width` columns, each line indented by `indent`. */
export function wrap(text: string, indent: string, width = 100): string {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line !== "" && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line === "" ? word : `${line} ${word}`;
    }
    out.push(indent + line);
  }
  return out.join("\n");
}

/** The command's `--help`: synopsis, summary, options (by form), notes and exit codes. */
export function commandHelp(c: CommandSpec): string {
  const entries = Object.entries(c.options);
  const help: [string, OptionSpec] = ["help", { type: "boolean", help: "print this text" }];
  let text: string;
  if (c.forms === undefined) {
    text = `usage: tinyrtos ${c.name}${c.operands ? " " + c.operands : ""} [options]\n\n${wrap(c.summary, "")}\n\noptions:\n${optionLines([...entries, help], "  ", 30).join("\n")}\n`;
  } else {
    const synopses = c.forms.map((f, i) => `${i === 0 ? "usage: " : "       "}tinyrtos ${c.name} ${f.synopsis}`).join("\n");
    const forms = c.forms.map((f) => {
      const own = entries.filter(([, o]) => o.forms === undefined || o.forms.includes(f.name));
      return `${f.optionsHeading}\n${wrap(f.summary, "  ")}\n\n${optionLines(own, "  ", 30, f.name).join("\n")}`;
    });
    text = `${synopses}\n\n${wrap(c.summary, "")}\n\n${forms.join("\n\n")}\n\n${optionLines([help], "  ", 30).join("\n")}\n`;
  }
  if (c.notes !== undefined) text += `\n${wrap(c.notes, "")}\n`;
  return `${text}\nexit codes:\n${c.exitCodes.map((e) => hanging(`  ${e.split(" ", 1)[0]!}`, e.slice(e.indexOf(" ") + 1), 8)).join("\n")}\n`;
}

/**
 * The command's lines in the main usage: its summary line, or for a command with forms each
 * form's synopsis, summary and options.
 */
export function usageLines(c: CommandSpec): string {
  if (c.forms === undefined) {
    return hanging(`  ${c.name}${c.operands ? " " + c.operands : ""}`, c.summary, 20);
  }
  const entries = Object.entries(c.options);
  return c.forms
    .map((f) => {
      const own = entries.filter(([, o]) => o.forms === undefined || o.forms.includes(f.name));
      return `  ${c.name} ${f.synopsis}\n${wrap(f.summary + "; options:", " ".repeat(20))}\n${optionLines(own, " ".repeat(22), 20, f.name).join("\n")}`;
    })
    .join("\n");
}

/** An option's flag as parseArgs names it in its messages ("Option '--ticks <value>' ..."). */
function flagIn(message: string): string {
  return /'(-[^ ']+)/.exec(message)?.[1] ?? "an option";
}

/**
 * Parses `args` by the command's table: strict (an unknown option is an error), operands
 * allowed. A string option's value may not start with "-" (parseArgs would take `--trace
 * --board` as a missing value) unless it looks like a number, so that `--ticks -1` says the
 * number is wrong rather than that it is missing. `integer` options come back as numbers;
 * a required option that is absent, an empty string value or a bad number is a CommandError
 * whose usage is `usage`.
 */
export function parseCommandArgs(c: CommandSpec, args: readonly string[], usage: string | null = commandHelp(c)): { values: OptionValues; operands: string[] } {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const spec = arg.startsWith("--") ? c.options[arg.slice(2)] : undefined;
    if (spec?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options = Object.fromEntries(Object.entries(c.options).map(([k, o]) => [k, { type: o.type }]));
    parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new CommandError(`${c.name}: unknown option ${flagIn(message)}`, usage);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const flag = flagIn(message);
      throw new CommandError(/does not take an argument/.test(message) ? `${c.name}: ${flag} takes no value` : `${c.name}: ${flag} needs a value`, usage);
    }
    throw new CommandError(`${c.name}: ${message.replace(/\. To specify.*$/s, "")}`, usage);
  }
  const values: OptionValues = { ...parsed.values };
  for (const [flag, o] of Object.entries(c.options)) {
    const v = parsed.values[flag];
    if (v === undefined) {
      if (o.required) throw new CommandError(`${c.name}: --${flag} is required`, usage);
      continue;
    }
    if (typeof v !== "string") continue;
    if (v === "") throw new CommandError(`${c.name}: --${flag} needs a value`, usage);
    if (o.integer) values[flag] = integerValue(c.name, flag, v, usage);
  }
  return { values, operands: parsed.positionals };
}

function integerValue(command: string, flag: string, text: string, usage: string | null): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new CommandError(`${command}: --${flag} needs a non-negative integer, got ${text}`, usage);
  return n;
}
