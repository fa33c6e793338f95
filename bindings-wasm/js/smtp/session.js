// The I/O half of the high-level client: one ClientConnection (the
// sans-IO machine, which makes every protocol decision) and one socket
// from an adapter. The session writes what the machine has to send, feeds
// it what the socket reads, and bounds every wait by the machine's next
// deadline (pollTimeout) and by `timeoutMs`. It knows nothing of SMTP
// itself: the callers (smtp.js) say which event they wait for.

import { SmtpLocalError } from '../errors.js';
import { SMTPServerDisconnected } from './errors.js';
import { finalError } from './outcome.js';

const TIMEOUT = Symbol('timeout');
/** How long a wait may last when no machine timer runs and the caller
 * gave no timeoutMs (RFC 5321 §4.5.3.2's longest, the data termination). */
const FALLBACK_WAIT_MS = 10 * 60 * 1000;
/** How long close() waits for the socket to confirm (workerd #2060: a
 * close() promise that never settles). */
export const CLOSE_WAIT_MS = 1000;
/** Writes up to this size are copied out of the machine afresh; larger
 * ones go through the session's reused buffer of WRITE_BUFFER octets. */
const SMALL_WRITE = 16 * 1024;
const WRITE_BUFFER = 256 * 1024;

export const clock = () => performance.now();

/** `promise`, or TIMEOUT after `ms`; the timer never outlives the race. */
export function within(promise, ms) {
  let timer;
  const alarm = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(0, ms), TIMEOUT); });
  return Promise.race([promise, alarm]).finally(() => clearTimeout(timer));
}

export { TIMEOUT };

export class Session {
  /** The machine; smtp.js calls its commands directly. */
  m;
  #socket;
  #timeoutMs;
  #events = [];
  #head = 0;
  #read = null;
  /** The reused buffer of large writes. */
  #out = null;
  /** The first write error: the rest of the output is dropped, but what
   * the server said before it hung up is still read. */
  #writeError = null;
  #readError = null;
  /** The final event (Closed, TimedOut, Failed) once it came. */
  final = null;
  /** The 421 reply, when the server said it is closing. */
  closing = null;

  constructor(machine, socket, timeoutMs) {
    this.m = machine;
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
  }

  get socket() { return this.#socket; }

  /** Moves the machine's events to the queue. */
  #pull() {
    for (let ev = this.m.pollEvent(); ev !== null; ev = this.m.pollEvent()) {
      // A 421 (RFC 5321 §3.8) is known at once, even while events before
      // it are still being handed out: the connection will not be reused.
      if (ev.type === 'ServiceClosing') this.closing = ev.reply;
      this.#events.push(ev);
    }
  }

  /** The next queued event, or undefined. */
  #shift() {
    if (this.#head >= this.#events.length) {
      if (this.#head) { this.#events.length = 0; this.#head = 0; }
      return undefined;
    }
    const ev = this.#events[this.#head];
    this.#events[this.#head++] = undefined;
    if (ev.final) this.final = ev;
    return ev;
  }

  /** Skips to the final event if one is queued (the machine refused a
   * command because the session is over); returns it or null. */
  takeFinal() {
    this.#pull();
    while (!this.final && this.#shift() !== undefined);
    return this.final;
  }

  /** Whether an event of these types waits in the queue. */
  queued(types) {
    this.#pull();
    for (let i = this.#head; i < this.#events.length; i++) if (types.includes(this.#events[i].type)) return true;
    return false;
  }

  /**
   * Runs the connection until `accept(event)` is true for an event, and
   * returns that event. Events it passes over are dropped (the machine's
   * result objects carry everything a transaction said). A final event
   * that is not accepted throws its error (SMTPServerDisconnected and
   * kin) and leaves the session closed.
   */
  async next(accept) {
    for (;;) {
      // Events first: one may ask for more to send (ReadyForBody right
      // after a pipelined BDAT envelope), which then leaves in the same
      // write as the commands before it.
      this.#pull();
      for (let ev = this.#shift(); ev !== undefined; ev = this.#shift()) {
        if (accept(ev)) return ev;
        if (ev.final) throw this.error();
      }
      if (this.final) throw this.error();
      await this.flush();
      this.#pull();
      if (this.#head < this.#events.length) continue;
      await this.input();
      this.#pull();
    }
  }

  /** The error for the final event (or for a session used after it). */
  error() {
    return finalError(this.final, { readError: this.#readError, writeError: this.#writeError });
  }

  /** Writes everything the machine has to send. Small writes (commands)
   * get a fresh copy; large ones (message data) go through one reused
   * buffer, so streaming a body makes no garbage per write: the adapter's
   * write() resolves once it is done with the bytes. */
  async flush() {
    for (;;) {
      if (this.#writeError) return;
      const pending = this.m.pendingTransmitLength();
      if (pending === 0) return;
      if (pending <= SMALL_WRITE) {
        // A fresh copy nobody reuses: no need to wait for the socket to be
        // done with it (writes go out in order; an error shows up on the
        // next write or as the end of the input).
        this.#socket.write(this.m.takeTransmit()).catch((e) => { this.#writeError ??= e; });
        continue;
      }
      const out = (this.#out ??= new Uint8Array(WRITE_BUFFER));
      const bytes = out.subarray(0, this.m.takeTransmitInto(out.subarray(0, Math.min(pending, out.length))));
      let result;
      try {
        result = await this.#wait(this.#socket.write(bytes));
      } catch (e) {
        this.#writeError = e;
        return;
      }
      if (result === TIMEOUT) return;
    }
  }

  /** Waits for bytes from the server or the next deadline, and feeds
   * what happened to the machine. */
  async input() {
    const read = (this.#read ??= this.#socket.read().then((data) => ({ data }), (error) => ({ error })));
    const r = await this.#wait(read);
    if (r === TIMEOUT) return;
    this.#read = null;
    if (r.error) {
      // A reset is the end of the input: what was read stands.
      this.#readError = r.error;
      this.m.receiveEof(clock());
    } else if (r.data === null) {
      this.m.receiveEof(clock());
    } else {
      this.m.receiveData(r.data, clock());
    }
  }

  /** `promise`, raced against the machine's deadline: when that passes the
   * machine hears the time (which may end the session with TimedOut, or
   * only restart the data-block timer) and TIMEOUT is returned if the
   * session is over, else the wait goes on. */
  async #wait(promise) {
    for (;;) {
      const deadline = this.m.pollTimeout();
      const now = clock();
      const ms = deadline === null ? (this.#timeoutMs ?? FALLBACK_WAIT_MS) : deadline - now;
      const r = await within(promise, ms);
      if (r !== TIMEOUT) return r;
      if (deadline === null) {
        // No machine timer was running: a wait nothing bounds. Treat the
        // quiet as the end of the connection.
        this.#readError = new Error(`no answer within ${Math.round(ms)} ms`);
        this.m.receiveEof(clock());
        return TIMEOUT;
      }
      this.m.handleTimeout(clock());
      if (this.m.isClosed()) return TIMEOUT;
    }
  }

  /**
   * Sends a message body after ReadyForBody: each piece goes to the machine
   * only when it can take it (its transmit buffer below the high-water
   * mark, a BDAT chunk's reply in), so a stream is read no faster than the
   * server takes it. Returns false when the transaction ended early (a
   * refused BDAT chunk, a 421, the connection lost): the rest of the
   * source is left unread and the events say why.
   */
  async sendBody(source) {
    const m = this.m;
    const stop = ['TransactionFailed', 'ServiceClosing', 'Closed', 'TimedOut', 'Failed'];
    // With pipelined BDAT a reply may doom the transaction while its body
    // is being sent: the machine then refuses more body (InvalidState) and
    // the outcome follows once the replies still owed are in.
    const take = (call) => {
      try {
        call();
        return true;
      } catch (e) {
        if (e instanceof SmtpLocalError && e.code === 'InvalidState') return false;
        throw e;
      }
    };
    if (source.whole) {
      if (!(await this.#room(stop)) || !take(() => m.sendBody(source.whole))) return false;
    } else {
      for await (const piece of source.pieces) {
        if (!(await this.#room(stop)) || !take(() => m.sendBody(piece))) return false;
      }
    }
    return take(() => m.finishBody());
  }

  /** Waits until the machine takes a body piece; false if the transaction
   * ended instead. */
  async #room(stop) {
    const m = this.m;
    for (;;) {
      // Ready means the transaction still waits for its body: no refusal
      // came (the machine would not be ready after one).
      if (m.bodyReady() && !this.closing) return true;
      if (m.isClosed() || this.queued(stop)) return false;
      if (m.pendingTransmitLength() > 0 && !this.#writeError) await this.flush();
      else await this.input();
    }
  }

  /** Writes what is still pending (bounded), then closes the socket; the
   * socket's own close is awaited at most CLOSE_WAIT_MS. Never throws. */
  async close() {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    try {
      const rest = this.m.takeTransmit();
      if (rest.length && !this.#writeError) await within(socket.write(rest).catch(() => {}), CLOSE_WAIT_MS);
    } catch {
      // A freed or broken machine: nothing more to write.
    }
    await within(Promise.resolve().then(() => socket.close()).catch(() => {}), CLOSE_WAIT_MS);
  }

  /** Swaps in the socket the TLS upgrade returned. */
  replaceSocket(socket) {
    this.#socket = socket;
  }

  /** Marks the session unusable: `final` is set so every call throws. */
  abandon(reason) {
    if (!this.final) this.final = { type: 'Closed', clean: false, inFlight: 'Idle', final: true, reason };
  }
}

export function disconnected(message = 'please run connect() first') {
  return new SMTPServerDisconnected(message);
}
