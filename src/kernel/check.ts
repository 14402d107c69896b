/**
 * Argument checks shared by the kernel's calls: a wrong type is a TypeError that names the type
 * (and shows a short value), a number out of range a RangeError. Only error paths live here.
 * @module
 */

/** The largest UBaseType_t / size_t on the 32-bit port the kernel models. */
export const UBASE_MAX = 0xffffffff;

/** How a value is shown in an error: its type, and the value itself when short (`string "4"`). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "bigint":
      return `bigint ${String(value)}n`;
    case "symbol":
      return `symbol ${String(value)}`;
    case "function":
      return value.name === "" ? "function" : `function ${value.name}`;
    default: {
      const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return ctor === undefined || ctor === "" || ctor === "Object" ? "object" : `object ${ctor}`;
    }
  }
}

/** `call: name must be <expected>, got <type and value>`. */
export function wrongType(call: string, name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${call}: ${name} must be ${expected}, got ${describeValue(value)}`);
}

/**
 * An integer argument in [min, max]: a TypeError when it is not a number at all, a RangeError
 * when it is not an integer in range. `what` completes "must be …" (e.g. "a positive integer").
 */
export function checkInteger(call: string, name: string, value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== "number") throw wrongType(call, name, "a number", value);
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${call}: ${name} must be ${what}, got ${value}`);
  return value;
}
