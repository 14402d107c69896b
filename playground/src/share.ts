/**
 * Share links: the program, seed, board, stop tick and the inputs the user made, as JSON,
 * deflated (CompressionStream "deflate-raw") and base64url-encoded in the URL's hash
 * (`#s=...`). Everything stays in the link: no server.
 * @module
 */
import type { BoardName, Input } from "./protocol.js";

/** What a link holds. */
export interface SharedRun {
  readonly v: 1;
  /** The example it started from, if any (for the menu). */
  readonly example: string | null;
  readonly source: string;
  readonly seed: number;
  readonly board: BoardName | null;
  /** The tick the run stopped at when it was shared (null: a script that ran to its end). */
  readonly stopAt: number | null;
  readonly inputs: readonly Input[];
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The hash part of a link ("s=..."), without "#". */
export async function encodeShare(run: SharedRun): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(run));
  return "s=" + toBase64Url(await pipe(json, new CompressionStream("deflate-raw")));
}

/** Reads a link's hash ("#s=..." or "s=..."); null when it holds no shared run. Throws on a damaged link. */
export async function decodeShare(hash: string): Promise<SharedRun | null> {
  const m = /(?:^#?|&)s=([A-Za-z0-9_-]+)/.exec(hash);
  if (m === null) return null;
  const bytes = await pipe(fromBase64Url(m[1]!), new DecompressionStream("deflate-raw"));
  const run = JSON.parse(new TextDecoder().decode(bytes)) as SharedRun;
  if (run.v !== 1 || typeof run.source !== "string" || typeof run.seed !== "number") throw new Error("this share link is not one this playground understands (version or fields)");
  return run;
}
