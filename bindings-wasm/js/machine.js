// What ClientConnection and ServerConnection share: ownership of the wasm
// object, the call guard (errors, traps), the event queue, and the I/O half
// of the sans-IO contract (bytes, EOF and time in; events, bytes and the
// next deadline out).

import { takePanicMessage } from '../pkg/smtp_rs_wasm.js';
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

/** Replaces the `[start, end]` range at `obj[key]` by a view of the batch's
 * byte payload (one copy out of wasm memory per batch, taken on demand). */
function attachBytes(obj, key, payload) {
  const [start, end] = obj[key];
  obj[key] = payload().subarray(start, end);
}

/** Byte fields per event type: core's `Vec<u8>` fields. */
function fixBytes(ev, payload) {
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
}

export class Machine {
  #raw;
  #broken = null;
  #queue = [];
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
    if (this.#next >= this.#queue.length && !this.#refill()) return null;
    const ev = this.#queue[this.#next];
    this.#queue[this.#next++] = undefined;
    return ev;
  }

  /** Every pending event, oldest first (maybe none). */
  pollEvents() {
    const out = [];
    for (let ev = this.pollEvent(); ev !== null; ev = this.pollEvent()) out.push(ev);
    return out;
  }

  #refill() {
    const text = this[CALL]((r) => r.drainEvents());
    this.#queue = text === '' ? [] : JSON.parse(text);
    this.#next = 0;
    let payload = null;
    const take = () => (payload ??= this[CALL]((r) => r.takePayload()));
    for (const ev of this.#queue) fixBytes(ev, take);
    return this.#queue.length > 0;
  }

  /** A copy of the bytes to write (a copy: it stays valid while an async
   * socket write holds it, whatever the machine does meanwhile). Then
   * call `consumeTransmit(n)` with what was written. */
  pendingTransmit() {
    return this[CALL]((r) => r.pendingTransmit());
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
