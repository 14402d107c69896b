/**
 * `tinyrtos playground [--port N] [--host H] [--dir D]`: serves the built browser playground
 * (dist/playground/, made by `npm run build`) as static files with node:http, prints its URL, and
 * stops on Ctrl-C. Everything runs in the page; this server only sends files.
 *
 * Only GET and HEAD; a path is decoded, resolved inside the directory and refused (404) if it
 * leaves it; files are sent with their MIME type.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CommandError, EXIT, commandHelp, parseCommandArgs, wantsHelp, type CommandSpec } from "./commands.js";

/** MIME types of what the playground serves (anything else is application/octet-stream). */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = "127.0.0.1";

/** Where `npm run build` puts the playground, seen from dist/src/cli/. */
export const DEFAULT_PLAYGROUND_DIR = fileURLToPath(new URL("../../playground/", import.meta.url));

/** The table of `playground`: its parsing, --help and usage lines come from it. */
export const PLAYGROUND_COMMAND: CommandSpec = {
  name: "playground",
  operands: "",
  summary:
    "serve the browser playground (an editor with the examples, a virtual board with its LED, button and serial monitor, a live task timeline, the task table, Perfetto trace download, share links) on localhost and print its URL; the simulation runs in the page; Ctrl-C stops it",
  options: {
    port: { type: "string", value: "N", integer: true, help: `TCP port (default ${DEFAULT_PORT}; 0 picks a free one)` },
    host: { type: "string", value: "H", help: `address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 serves other machines too)` },
    dir: { type: "string", value: "D", help: "the built playground (default: the package's dist/playground, made by npm run build)" },
  },
  exitCodes: [
    `${EXIT.ok} stopped by Ctrl-C (SIGINT) or SIGTERM`,
    `${EXIT.fault} the server could not listen (port in use...)`,
    `${EXIT.usage} bad command line, or the playground is not built`,
  ],
};

/** Resolves a request path inside `root`, or null when it is malformed or leaves it. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split("?", 1)[0]!.split("#", 1)[0]!);
  } catch {
    return null;
  }
  if (path.includes("\0") || !path.startsWith("/")) return null;
  if (path.endsWith("/")) path += "index.html";
  const base = resolve(root);
  const full = resolve(join(base, path));
  if (full !== base && !full.startsWith(base + sep)) return null;
  return full;
}

function serve(root: string, req: IncomingMessage, res: ServerResponse): void {
  const headers = { "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" };
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...headers, Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("method not allowed\n");
    return;
  }
  const file = resolveStaticPath(root, req.url ?? "/");
  let body: Buffer | null = null;
  if (file !== null && existsSync(file) && statSync(file).isFile()) body = readFileSync(file);
  if (file === null || body === null) {
    res.writeHead(404, { ...headers, "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
    return;
  }
  res.writeHead(200, { ...headers, "Content-Type": MIME_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream", "Content-Length": body.length });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Runs the command; resolves with its exit code when the server stops. */
export async function runPlaygroundCommand(args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp(PLAYGROUND_COMMAND));
    return EXIT.ok;
  }
  const { values, operands } = parseCommandArgs(PLAYGROUND_COMMAND, args);
  if (operands.length > 0) throw new CommandError(`playground: takes no operands, got ${operands.join(" ")}`, commandHelp(PLAYGROUND_COMMAND));
  const port = (values.port as number | undefined) ?? DEFAULT_PORT;
  if (port > 65535) throw new CommandError(`playground: --port must be 0..65535, got ${port}`, commandHelp(PLAYGROUND_COMMAND));
  const host = (values.host as string | undefined) ?? DEFAULT_HOST;
  const root = resolve((values.dir as string | undefined) ?? DEFAULT_PLAYGROUND_DIR);
  if (!existsSync(join(root, "index.html"))) {
    process.stderr.write(`tinyrtos playground: no built playground in ${root} (no index.html): run npm run build\n`);
    return 2;
  }
  const server = createServer((req, res) => serve(root, req, res));
  return new Promise<number>((done) => {
    server.once("error", (e) => {
      process.stderr.write(`tinyrtos playground: cannot listen on ${host}:${port}: ${e.message}\n`);
      done(1);
    });
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === "object" && address !== null ? address.port : port;
      const shown = host.includes(":") ? `[${host}]` : host;
      process.stdout.write(`tinyrtos playground: http://${shown}:${actual}/ (serving ${root}; Ctrl-C stops)\n`);
      const stop = (): void => {
        process.stdout.write("tinyrtos playground: stopped\n");
        server.close(() => done(0));
        server.closeAllConnections();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  });
}
