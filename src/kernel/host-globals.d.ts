/**
 * The host services the kernel (and the layers on it) may use, declared for the portable type check
 * (tsconfig.portable.json: lib ES2022, no DOM, no Node types). Each exists in browsers, workers and
 * Node; using any other host global fails that check. Services some hosts lack (setImmediate,
 * MessageChannel) are typed where the kernel looks them up on globalThis.
 * Not part of the main build, where Node's types declare these.
 */
declare function setTimeout(callback: () => void, delayMs?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare var performance: { now(): number; readonly timeOrigin: number };
/** UTF-8 text encoding (every host has it; src/ota encodes module text). */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
