// Argument checks shared by the classes: a wrong type is a TypeError that
// names the argument, what was expected and what was given.

const encoder = new TextEncoder();

/** A short description of a value for error messages. */
export function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)}`;
    case 'number': case 'boolean': case 'bigint': return `${typeof value} ${String(value)}`;
    case 'undefined': return 'undefined';
    case 'function': return 'a function';
    default: return `an object (${value.constructor?.name ?? 'null prototype'})`;
  }
}

export function fail(name, expected, value) {
  throw new TypeError(`${name} must be ${expected}, got ${describe(value)}`);
}

/** A clock reading in milliseconds: a finite number >= 0. */
export function time(value, name = 'nowMs') {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    fail(name, 'a finite number of milliseconds >= 0 (your clock, e.g. performance.now())', value);
  }
  return value;
}

/** Bytes: a Uint8Array (a Node Buffer is one), another ArrayBuffer view
 * or an ArrayBuffer; with `text`, a string too (sent as UTF-8). */
export function bytes(value, name, text = false) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (text && typeof value === 'string') return encoder.encode(value);
  fail(name, text ? 'a string or a Uint8Array' : 'a Uint8Array', value);
}

export function string(value, name) {
  if (typeof value !== 'string') fail(name, 'a string', value);
  return value;
}

export function optionalString(value, name) {
  return value === undefined || value === null ? undefined : string(value, name);
}

export function integer(value, name, min = 0, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function stringList(value, name) {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    fail(name, 'an array of strings', value);
  }
  return value;
}

export function plainObject(value, name) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(name, 'an object', value);
  }
  return value;
}
