// Message sources: whatever the caller gives as a message becomes an async
// sequence of Uint8Array pieces of at most PIECE octets. Pieces are views
// (no copy) where the source allows; a stream is read one chunk at a time,
// only when the connection can take more (backpressure), so memory stays
// bounded whatever the message size.

import { describe } from '../check.js';

/** The most handed to the machine at once: every octet given to wasm grows
 * its memory to hold it, and wasm memory never shrinks. */
export const PIECE = 64 * 1024;

const encoder = new TextEncoder();

function* slices(bytes) {
  if (bytes.length === 0) return;
  for (let i = 0; i < bytes.length; i += PIECE) yield bytes.subarray(i, i + PIECE);
}

/** A string as UTF-8, encoded a slice at a time (never split between the
 * halves of a surrogate pair). */
function* stringPieces(text) {
  const step = PIECE / 4;
  for (let i = 0; i < text.length;) {
    let end = Math.min(i + step, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    yield encoder.encode(text.slice(i, end));
    i = end;
  }
}

function asBytes(chunk, where) {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`${where} yielded ${describe(chunk)}; message chunks must be strings or Uint8Arrays`);
}

async function* streamPieces(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield* slices(asBytes(value, 'the ReadableStream'));
    }
  } finally {
    // The send may stop early (the server refused the message): cancel
    // the stream so its source is released.
    reader.cancel().catch(() => {});
  }
}

async function* iterablePieces(iterable) {
  for await (const chunk of iterable) yield* slices(asBytes(chunk, 'the message iterable'));
}

const isNodeReadable = (m) => typeof m?.pipe === 'function' && typeof m?.on === 'function'
  && typeof m[Symbol.asyncIterator] === 'function';

/** UTF-8 length of a string without encoding it all at once. */
export function utf8Length(text) {
  if (globalThis.Buffer) return globalThis.Buffer.byteLength(text, 'utf8');
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) { n += 4; i++; } else n += 3;
  }
  return n;
}

/**
 * The message as `{ size, bytes, pieces }`: `size` its length in octets
 * when known up front (strings and byte arrays: what SIZE= declares), else
 * null; `bytes()` the whole message at once (only when `size` is known);
 * `pieces` an async iterator of Uint8Arrays of at most PIECE octets. `name`
 * names the argument in a TypeError.
 */
export function messageSource(message, name = 'message') {
  if (typeof message === 'string') return new TextSource(message);
  if (message instanceof Uint8Array || ArrayBuffer.isView(message) || message instanceof ArrayBuffer) {
    return new BytesSource(asBytes(message, name));
  }
  if (message && typeof message.getReader === 'function') {
    return { size: null, bytes: null, pieces: streamPieces(message) };
  }
  if (isNodeReadable(message) || (message && typeof message[Symbol.asyncIterator] === 'function')
    || (message && typeof message[Symbol.iterator] === 'function')) {
    return { size: null, bytes: null, pieces: iterablePieces(message) };
  }
  throw new TypeError(`${name} must be a string, a Uint8Array, a ReadableStream, an async iterable or a Node Readable, got ${describe(message)}`);
}

// Classes rather than object literals with a getter: a message is made
// per send, and literals with accessors are slow to create.
class TextSource {
  #text;

  constructor(text) {
    this.#text = text;
    this.size = utf8Length(text);
  }

  bytes() { return encoder.encode(this.#text); }

  get pieces() { return toAsync(stringPieces(this.#text)); }
}

class BytesSource {
  #bytes;

  constructor(bytes) {
    this.#bytes = bytes;
    this.size = bytes.length;
  }

  bytes() { return this.#bytes; }

  get pieces() { return toAsync(slices(this.#bytes)); }
}

async function* toAsync(iterator) {
  yield* iterator;
}
