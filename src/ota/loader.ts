/**
 * Loads an image's payload — an ES module in UTF-8 exporting `main(board)` — in the host's
 * JavaScript realm, as the board's ROM would provide `tinyrtos`: the bare specifiers `tinyrtos`
 * and `tinyrtos/<entry>` in the module's import/export statements (and `import("...")` calls)
 * are rewritten to the absolute URLs of this package's own built modules, so that the
 * application shares module instances (the kernel, the hal, this bootloader) with the host. The
 * module is imported from a `data:text/javascript;base64,...` URL; loaded modules are cached by
 * image hash (at most `LOADER_CACHE_ENTRIES`, oldest dropped first), so booting the same image
 * again costs no new evaluation (a real chip re-runs the code, but module-level state of an
 * application should be nil: everything lives in `main`).
 * @module
 */

/** The package entry points an application may import, and their built files from here (dist/src/ota). */
const ENTRIES: Readonly<Record<string, string>> = {
  tinyrtos: "../index.js",
  "tinyrtos/freertos": "../freertos/index.js",
  "tinyrtos/go": "../go/index.js",
  "tinyrtos/hal": "../hal/index.js",
  "tinyrtos/mem": "../mem/index.js",
  "tinyrtos/trace": "../trace/index.js",
  "tinyrtos/ota": "../ota/index.js",
};

/** Most modules kept loaded. */
export const LOADER_CACHE_ENTRIES = 64;

const cache = new Map<string, Promise<Record<string, unknown>>>();

/** The absolute URL of a package entry ("tinyrtos/hal"), or null when it is not one. */
export function entryUrl(specifier: string): string | null {
  const rel = Object.prototype.hasOwnProperty.call(ENTRIES, specifier) ? ENTRIES[specifier] : undefined;
  if (rel === undefined) return null;
  // URL and import.meta.url exist in every host that runs ES modules; looked up here so that the
  // portable type check (no DOM, no Node types) needs no new host global.
  const HostURL = (globalThis as unknown as { URL: new (url: string, base: string) => { href: string } }).URL;
  return new HostURL(rel, (import.meta as unknown as { url: string }).url).href;
}

/**
 * The module text with its `tinyrtos` specifiers made absolute. Only string literals right after
 * `from`, after `import` (a side-effect import) or inside `import(` are touched; any other
 * `tinyrtos/...` specifier (not an entry of the package) is left for the import to reject.
 */
export function rewriteSpecifiers(source: string): string {
  return source.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(tinyrtos(?:\/[A-Za-z0-9_-]+)?)\2/g, (all, lead: string, quote: string, spec: string) => {
    const url = entryUrl(spec);
    return url === null ? all : `${lead}${quote}${url}${quote}`;
  });
}

/** Base64 of bytes (no host helper: btoa is not in every host's types). */
export function base64(bytes: Uint8Array): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += abc[(n >> 18) & 63]! + abc[(n >> 12) & 63]! + abc[(n >> 6) & 63]! + abc[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += abc[(n >> 18) & 63]! + abc[(n >> 12) & 63]! + (i + 1 < bytes.length ? abc[(n >> 6) & 63]! : "=") + "=";
  }
  return out;
}

/**
 * Imports the payload (UTF-8 module text) of the image whose hash is `hashHex`; resolves with the
 * module namespace. Rejects with what the import threw (a syntax error, an unknown specifier).
 */
export function loadImageModule(payload: Uint8Array, hashHex: string): Promise<Record<string, unknown>> {
  let p = cache.get(hashHex);
  if (p !== undefined) return p;
  const text = rewriteSpecifiers(new TextDecoder("utf-8").decode(payload));
  const url = `data:text/javascript;base64,${base64(new TextEncoder().encode(text))}`;
  p = import(url) as Promise<Record<string, unknown>>;
  p.catch(() => cache.delete(hashHex));
  cache.set(hashHex, p);
  while (cache.size > LOADER_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return p;
}
