// What ClientConnection and ServerConnection share: ownership of the wasm
// object, the call guard (errors, traps), the event queue, and the I/O half
// of the sans-IO contract (bytes, EOF and time in; events, bytes and the
// next deadline out).

import { takePanicMessage, wasmMemory } from '../pkg/smtp_rs_wasm.js';
import { SmtpInternalError, SmtpLocalError } from './errors.js';
import * as check from './check.js';

/** Runs `fn` on the raw object; used by subclasses only. */
export const CALL = Symbol('smtp-rs call');
/** The raw object's class name, for messages. */
const NAME = Symbol('smtp-rs name');

/** Turns what a raw call threw into the package's errors. The Rust side
 * throws only JSON strings; a WebAssembly.RuntimeError is a trap. */
export function translate(error) {
  if (typeof error === 'string') {
    const info = JSON.parse(error);
    return info.kind === 'local' ? new SmtpLocalError(info) : new TypeError(info.message);
  }
  if (error instanceof WebAssembly.RuntimeError) {
    let panic;
    try {
      panic = takePanicMessage();
    } catch {
      panic = undefined;
    }
    return new SmtpInternalError(
      panic
        ? `smtp-rs panicked: ${panic}`
        : `smtp-rs trapped without a panic message (${error.message}); out of memory?`,
    );
  }
  return error;
}

/** Calls a raw function that is not a method (helpers), translating errors. */
export function guarded(fn) {
  try {
    return fn();
  } catch (e) {
    throw translate(e);
  }
}

/** Internal: the pending events unparsed (see `Machine[RAW_EVENTS]`). */
export const RAW_EVENTS = Symbol('smtp-rs raw events');

/** The `type` of an event's JSON text without parsing it: the Rust side
 * writes it first, as `{"type":"Name"` (src/machine.rs, drainEvents). */
export function eventType(text) {
  return text.slice(9, text.indexOf('"', 9));
}

/** Whether an event's JSON text is a final event: its last field is
 * `"final"` (src/machine.rs, drainEvents). */
export function isFinalEvent(text) {
  return text.endsWith('true}');
}

/** Internal: copies the bytes to write into a buffer (see
 * `Machine[COPY_TRANSMIT]`). */
export const COPY_TRANSMIT = Symbol('smtp-rs copy transmit');

/** The module's memory, fetched once (its `buffer` changes as it grows,
 * so that is read at each use). */
let memory = null;

/** `{accepted, refused}` of a TransactionFinished or TransactionFailed
 * event's JSON text, parsed from its tail alone: `result` is the event's
 * last field before `final`, and `accepted` and `refused` are the
 * result's last two (src/convert.rs, mail_result). A quote inside a JSON
 * string is escaped, so `,"` never occurs in one: the last
 * `,"accepted":` is the result's own (the recipients' come before it,
 * the refused entries have none). What sendmail() needs, without
 * parsing every reply of the transaction. */
export function transactionTail(text) {
  const start = text.lastIndexOf(',"accepted":');
  const end = text.lastIndexOf(',"final":');
  return JSON.parse(`{${text.slice(start + 1, end)}`);
}

/** The events that carry byte fields (core's `Vec<u8>` fields). */
const WITH_BYTES = new Set(['MessageData', 'AuthChallenge', 'Auth']);

/** Replaces the `[start, end]` range at `obj[key]` by a view of the batch's
 * byte payload. */
function attachBytes(obj, key, payload) {
  const [start, end] = obj[key];
  obj[key] = payload.subarray(start, end);
}

/** An event as a plain object: its JSON text parsed, its byte fields
 * (`[start, end]` ranges of its batch's `payload`) made Uint8Arrays. */
export function parseEvent(text, payload) {
  const ev = JSON.parse(text);
  switch (ev.type) {
    case 'MessageData': attachBytes(ev, 'data', payload); break;
    case 'AuthChallenge': attachBytes(ev, 'challenge', payload); break;
    case 'Auth':
      if (ev.verification.type === 'CramMd5') {
        attachBytes(ev.verification, 'challenge', payload);
        attachBytes(ev.verification, 'digest', payload);
      }
      break;
    default:
  }
  return ev;
}

export class Machine {
  #raw;
  #broken = null;
  /** The JSON texts of the batch being handed out, and its byte payload. */
  #texts = [];
  #payload = null;
  #next = 0;

  constructor(raw, name) {
    this.#raw = raw;
    this[NAME] = name;
  }

  /** Runs `fn(raw)`: refuses a freed or broken object, translates errors,
   * and marks the object broken when smtp-rs traps. */
  [CALL](fn) {
    if (this.#broken) {
      throw new SmtpInternalError(`this ${this[NAME]} is unusable after an internal error: ${this.#broken}`);
    }
    if (!this.#raw) throw new TypeError(`this ${this[NAME]} was freed`);
    try {
      return fn(this.#raw);
    } catch (e) {
      const error = translate(e);
      if (error instanceof SmtpInternalError) this.#broken = error.message;
      throw error;
    }
  }

  // ----- inputs --------------------------------------------------------------

  /** Bytes read from the peer (after TLS decryption); any split is fine. */
  receiveData(data, nowMs) {
    const b = check.bytes(data, 'data');
    const now = check.time(nowMs);
    this[CALL]((r) => r.receiveData(b, now));
  }

  /** The peer closed the connection. */
  receiveEof(nowMs) {
    const now = check.time(nowMs);
    this[CALL]((r) => r.receiveEof(now));
  }

  /** The time: past `pollTimeout()` this produces the timeout event. */
  handleTimeout(nowMs) {
    const now = check.time(nowMs);
    this[CALL]((r) => r.handleTimeout(now));
  }

  /** The TLS handshake that the `TlsHandshake` event asked for is done. */
  tlsEstablished(nowMs) {
    const now = check.time(nowMs);
    this[CALL]((r) => r.tlsEstablished(now));
  }

  // ----- outputs -------------------------------------------------------------

  /** The next event (a plain object with a `type`), or null. Drain until
   * null after every input and every call. */
  pollEvent() {
    if (this.#next >= this.#texts.length) {
      const batch = this.#drain();
      if (batch === null) return null;
      this.#texts = batch.texts;
      this.#payload = batch.payload;
      this.#next = 0;
    }
    const text = this.#texts[this.#next];
    this.#texts[this.#next++] = undefined;
    return parseEvent(text, this.#payload);
  }

  /** Every pending event, oldest first (maybe none). */
  pollEvents() {
    const out = [];
    for (let ev = this.pollEvent(); ev !== null; ev = this.pollEvent()) out.push(ev);
    return out;
  }

  /** Internal (the high-level client): the pending events as
   * `{texts, payload}`, JSON texts to read with `eventType` and
   * `parseEvent(text, payload)`, or null when there is none. Parsing
   * only the events one waits for is what makes a message cheap. */
  [RAW_EVENTS]() {
    if (this.#next < this.#texts.length) {
      const batch = { texts: this.#texts.slice(this.#next), payload: this.#payload };
      this.#texts = [];
      this.#next = 0;
      return batch;
    }
    return this.#drain();
  }

  /** One crossing for every pending event. The byte payload is taken now
   * when an event has byte fields: the next batch replaces it. */
  #drain() {
    const text = this[CALL]((r) => r.drainEvents());
    if (text === '') return null;
    const texts = text.split('\n');
    let payload = null;
    for (const t of texts) {
      if (WITH_BYTES.has(eventType(t))) {
        payload = this[CALL]((r) => r.takePayload());
        break;
      }
    }
    return { texts, payload };
  }

  /** A copy of the bytes to write (a copy: it stays valid while an async
   * socket write holds it, whatever the machine does meanwhile). Then
   * call `consumeTransmit(n)` with what was written. */
  pendingTransmit() {
    return this[CALL]((r) => r.pendingTransmit());
  }

  /** Internal (the high-level client): copies up to `target.length`
   * octets to write into `target` straight from the module's memory and
   * marks them written; returns how many. Unlike takeTransmitInto this
   * allocates nothing and copies once. */
  [COPY_TRANSMIT](target) {
    return this[CALL]((r) => {
      const n = Math.min(r.pendingTransmitLength(), target.length);
      if (n === 0) return 0;
      memory ??= wasmMemory();
      target.set(new Uint8Array(memory.buffer, r.pendingTransmitAddress(), n));
      r.consumeTransmit(n);
      return n;
    });
  }

  /** `n` octets of `pendingTransmit()` were written. */
  consumeTransmit(n) {
    const count = check.integer(n, 'n');
    this[CALL]((r) => r.consumeTransmit(count));
  }

  /** `pendingTransmit()` and `consumeTransmit()` of all of it, in one call. */
  takeTransmit() {
    return this[CALL]((r) => r.takeTransmit());
  }

  /** Copies up to `buffer.length` octets to write into `buffer` (yours, to
   * reuse: no new buffer per write) and marks them written; returns how
   * many. */
  takeTransmitInto(buffer) {
    const b = check.bytes(buffer, 'buffer');
    return this[CALL]((r) => r.takeTransmitInto(b));
  }

  /** How many octets wait to be written (no copy). */
  pendingTransmitLength() {
    return this[CALL]((r) => r.pendingTransmitLength());
  }

  /** When to call `handleTimeout()` if nothing else happens (a time on the
   * caller's clock, in ms), or null when no timer runs. */
  pollTimeout() {
    return this[CALL]((r) => r.pollTimeout()) ?? null;
  }

  // ----- state ---------------------------------------------------------------

  /** Whether the final event happened: write what is pending, then close. */
  isClosed() {
    return this[CALL]((r) => r.isClosed());
  }

  isTls() {
    return this[CALL]((r) => r.isTls());
  }

  isAuthenticated() {
    return this[CALL]((r) => r.isAuthenticated());
  }

  /** Releases the wasm memory now. Needed where there is no
   * FinalizationRegistry (workerd at older compatibility dates); elsewhere
   * the garbage collector does it eventually. Idempotent. A broken object
   * is not released: its Rust state is unknown after the trap. */
  free() {
    const raw = this.#raw;
    this.#raw = null;
    if (raw && !this.#broken) raw.free();
  }
}

// `using conn = new ClientConnection(...)` frees it at the end of the block
// (runtimes without Symbol.dispose simply lack this method).
if (typeof Symbol.dispose === 'symbol') {
  Machine.prototype[Symbol.dispose] = function dispose() {
    this.free();
  };
}
