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
import { parseArgs } from "node:util";

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

const usage = `usage: tinyrtos playground [--port N] [--host H] [--dir D]

Serves the browser playground (an editor with the examples, a virtual board with its LED, button
and serial monitor, a live task timeline and the task table, Perfetto trace download, share links)
on http://H:N/ and prints the URL; Ctrl-C stops it. The simulation runs in the page.

options:
  --port N    TCP port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H    address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 serves other machines too)
  --dir D     the built playground (default: the package's dist/playground, made by npm run build)
  --help      this text

exit codes: 0 stopped by Ctrl-C (SIGINT) or SIGTERM, 1 the server could not listen (port in use...),
2 bad command line or the playground is not built
`;

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
  let values: { port?: string; host?: string; dir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: "string" }, host: { type: "string" }, dir: { type: "string" }, help: { type: "boolean" } }, strict: true, allowPositionals: false }));
  } catch (e) {
    process.stderr.write(`tinyrtos playground: ${e instanceof Error ? e.message : String(e)}\n\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`tinyrtos playground: --port needs an integer 0..65535, got ${String(values.port)}\n\n${usage}`);
    return 2;
  }
  const host = values.host ?? DEFAULT_HOST;
  const root = resolve(values.dir ?? DEFAULT_PLAYGROUND_DIR);
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
