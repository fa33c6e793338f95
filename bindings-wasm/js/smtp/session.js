// The I/O half of the high-level client: one ClientConnection (the
// sans-IO machine, which makes every protocol decision) and one socket
// from an adapter. The session writes what the machine has to send, feeds
// it what the socket reads, and bounds every wait by the machine's next
// deadline (pollTimeout) and by `timeoutMs`. It knows nothing of SMTP
// itself: the callers (smtp.js) say which event they wait for.

import { SmtpLocalError } from '../errors.js';
import { COPY_TRANSMIT, eventType, isFinalEvent, parseEvent, RAW_EVENTS, transactionTail } from '../machine.js';
import { SMTPServerDisconnected } from './errors.js';
import { finalError } from './outcome.js';

const TIMEOUT = Symbol('timeout');
/** What a read brought besides bytes: the end of the stream, an error. */
const END = Symbol('end');
const READ_FAILED = Symbol('read failed');
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

/** Small writes are cut from slabs of this size, each part written once
 * and never reused (the way Node pools small Buffers): one allocation
 * per many writes instead of one per write. */
const SLAB = 64 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** `n` fresh octets (n <= SMALL_WRITE) nobody else writes into. */
function slabPart(n) {
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  const part = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return part;
}

export const clock = () => performance.now();

/** `promise`, or TIMEOUT after `ms`; the timer never outlives the race. */
export function within(promise, ms) {
  let timer;
  const alarm = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(0, ms), TIMEOUT); });
  return Promise.race([promise, alarm]).finally(() => clearTimeout(timer));
}

export { TIMEOUT };

/** Lets the process exit while only this timer is left (Node's unref,
 * Deno's unrefTimer), or holds it again; elsewhere nothing to do. */
function holdTimer(timer, hold) {
  if (typeof timer === 'object') {
    if (hold) timer.ref?.();
    else timer.unref?.();
  } else if (globalThis.Deno) {
    if (hold) globalThis.Deno.refTimer?.(timer);
    else globalThis.Deno.unrefTimer?.(timer);
  }
}

/** One queued event: its type read from its JSON text, which is parsed
 * only if someone wants the event (most pass unread). */
export class Queued {
  constructor(text, payload) {
    this.type = eventType(text);
    this.text = text;
    this.payload = payload;
    this.parsed = null;
  }

  get event() {
    return (this.parsed ??= parseEvent(this.text, this.payload));
  }

  get final() {
    return isFinalEvent(this.text);
  }

  /** `{accepted, refused}` of a transaction's end (transactionTail). */
  get tail() {
    return this.parsed?.result ?? transactionTail(this.text);
  }
}

/** Runs a body call; false if the machine refused it as InvalidState:
 * with pipelined BDAT a reply may doom the transaction while its body is
 * being sent, the machine then refuses more body, and the outcome follows
 * once the replies still owed are in. */
function takeBody(call) {
  try {
    call();
    return true;
  } catch (e) {
    if (e instanceof SmtpLocalError && e.code === 'InvalidState') return false;
    throw e;
  }
}

export class Session {
  /** The machine; smtp.js calls its commands directly. */
  m;
  #socket;
  #timeoutMs;
  #events = [];
  #head = 0;
  /** A read handed to the socket whose result has not come
   * (`#reading`), or has come and waits to be fed (`#arrived`: the bytes,
   * END or READ_FAILED). */
  #reading = false;
  #arrived = null;
  /** The reused buffer of large writes. */
  #out = null;
  /** The first write error: the rest of the output is dropped, but what
   * the server said before it hung up is still read. */
  #writeError = null;
  #readError = null;
  /** The one timer of the session. Arming a timer per wait costs more
   * than the rest of a message's bookkeeping, so it is armed for the
   * deadline of the wait that needs it and then left alone: a later wait
   * with a later deadline (the usual case: each command restarts the
   * machine's timer) keeps it, and when it rings early it is armed again
   * for what the current wait needs. Between waits it does not hold the
   * process open. */
  #timer = null;
  #timerAt = Infinity;
  #held = false;
  /** The current wait: when it must end, how to wake it, and the
   * machine's deadline (null: none) and the wait's length it began with. */
  #wakeAt = Infinity;
  #wake = null;
  #sleepDeadline = null;
  #sleepMs = 0;
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

  /** Moves the machine's events to the queue, unparsed. */
  #pull() {
    const batch = this.m[RAW_EVENTS]();
    if (batch === null) return;
    for (const text of batch.texts) {
      const q = new Queued(text, batch.payload);
      // A 421 (RFC 5321 §3.8) is known at once, even while events before
      // it are still being handed out: the connection will not be reused.
      if (q.type === 'ServiceClosing') this.closing = q.event.reply;
      this.#events.push(q);
    }
  }

  /** The next queued event, or undefined. */
  #shift() {
    if (this.#head >= this.#events.length) {
      if (this.#head) { this.#events.length = 0; this.#head = 0; }
      return undefined;
    }
    const q = this.#events[this.#head];
    this.#events[this.#head++] = undefined;
    if (q.final) this.final = q.event;
    return q;
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
   * Runs the connection until an event of one of `types` comes for which
   * `accept(event)` (if given) is true, and returns that event. Events it
   * passes over are dropped unparsed (the machine's result objects carry
   * everything a transaction said). A final event that is not accepted
   * throws its error (SMTPServerDisconnected and kin) and leaves the
   * session closed.
   */
  async next(types, accept = null) {
    return (await this.nextQueued(types, accept)).event;
  }

  /** next(), resolving to the Queued entry: its event is parsed only if
   * the caller asks for it. */
  async nextQueued(types, accept = null) {
    for (;;) {
      // Events first: one may ask for more to send (ReadyForBody right
      // after a pipelined BDAT envelope), which then leaves in the same
      // write as the commands before it.
      this.#pull();
      for (let q = this.#shift(); q !== undefined; q = this.#shift()) {
        if (types.includes(q.type) && (accept === null || accept(q.event))) return q;
        if (q.final) throw this.error();
      }
      if (this.final) throw this.error();
      const flushing = this.flush();
      if (flushing !== undefined) await flushing;
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

  /** Writes everything the machine has to send, copied once out of the
   * module's memory. Small writes (commands, a small message) get a part
   * of a slab that is never reused; large ones (message data) go through
   * one reused buffer, so streaming a body makes no garbage per write:
   * the adapter's write() resolves once it is done with the bytes.
   * Returns undefined when everything is written without waiting (the
   * usual case: no promise to make), else a promise. */
  flush() {
    for (;;) {
      if (this.#writeError) return undefined;
      const pending = this.m.pendingTransmitLength();
      if (pending === 0) return undefined;
      if (pending > SMALL_WRITE) return this.#flushLarge();
      // A fresh copy nobody reuses: no need to wait for the socket to be
      // done with it (writes go out in order; an error shows up on the
      // next write or as the end of the input).
      const part = slabPart(pending);
      this.m[COPY_TRANSMIT](part);
      this.#socket.write(part).catch(this.#onWriteError);
    }
  }

  #onWriteError = (e) => { this.#writeError ??= e; };

  async #flushLarge() {
    const out = (this.#out ??= new Uint8Array(WRITE_BUFFER));
    const bytes = out.subarray(0, this.m[COPY_TRANSMIT](out));
    let outcome = null;
    this.#socket.write(bytes).then(() => { outcome = { ok: true }; this.#wakeUp(); }, (error) => {
      outcome = { error };
      this.#wakeUp();
    });
    // Another write cannot start before this one is done with `out`.
    while (outcome === null) {
      if (this.#woke(await this.#sleep()) === TIMEOUT) return;
    }
    if (outcome.error) {
      this.#writeError = outcome.error;
      return;
    }
    await this.flush();
  }

  /** Waits for bytes from the server or the next deadline, and feeds
   * what happened to the machine. */
  async input() {
    if (this.#arrived === null && !this.#reading) {
      this.#reading = true;
      this.#socket.read().then(this.#onRead, this.#onReadError);
    }
    while (this.#arrived === null) {
      if (this.#woke(await this.#sleep()) === TIMEOUT) return;
    }
    const data = this.#arrived;
    this.#arrived = null;
    if (data === READ_FAILED) {
      // A reset is the end of the input: what was read stands.
      this.m.receiveEof(clock());
    } else if (data === END) {
      this.m.receiveEof(clock());
    } else {
      this.m.receiveData(data, clock());
    }
  }

  // Made once (not per read): a message's garbage is a message's cost.
  #onRead = (data) => {
    this.#reading = false;
    this.#arrived = data ?? END;
    this.#wakeUp();
  };

  #onReadError = (error) => {
    this.#reading = false;
    this.#readError = error;
    this.#arrived = READ_FAILED;
    this.#wakeUp();
  };

  /** Wakes the current wait: `rung` when its deadline passed. */
  #wakeUp(rung = false) {
    const wake = this.#wake;
    if (wake !== null) {
      this.#wake = null;
      wake(rung);
    }
  }

  /**
   * Waits until something happens (a read or write completes: the caller
   * looks whether its own did) or the machine's deadline passes; resolves
   * to whether the deadline passed. Pass that to #woke().
   */
  #sleep() {
    const deadline = this.m.pollTimeout();
    const started = clock();
    const ms = deadline === null ? (this.#timeoutMs ?? FALLBACK_WAIT_MS) : deadline - started;
    this.#sleepDeadline = deadline;
    this.#sleepMs = ms;
    this.#wakeAt = started + ms;
    this.#arm(started + ms);
    return new Promise(this.#waiting);
  }

  #waiting = (resolve) => { this.#wake = resolve; };

  /** After #sleep(): when the deadline passed, the machine hears the time
   * (which may end the session with TimedOut, or only restart the
   * data-block timer); returns TIMEOUT if the session is over. */
  #woke(rung) {
    this.#wakeAt = Infinity;
    if (this.#held) {
      this.#held = false;
      holdTimer(this.#timer, false);
    }
    if (!rung) return undefined;
    if (this.#sleepDeadline === null) {
      // No machine timer was running: a wait nothing bounds. Treat the
      // quiet as the end of the connection.
      this.#readError ??= new Error(`no answer within ${Math.round(this.#sleepMs)} ms`);
      this.m.receiveEof(clock());
      return TIMEOUT;
    }
    this.m.handleTimeout(clock());
    return this.m.isClosed() ? TIMEOUT : undefined;
  }

  /** Makes the timer ring no later than `at` (see `#timer`). */
  #arm(at) {
    if (this.#timer !== null && this.#timerAt <= at) {
      if (!this.#held) {
        this.#held = true;
        holdTimer(this.#timer, true);
      }
      return;
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#held = true;
    this.#timer = setTimeout(this.#ring, Math.max(0, at - clock()));
  }

  #ring = () => {
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#held = false;
    if (this.#wake === null) return;
    // Early for the current wait (armed for an earlier one): again.
    if (clock() < this.#wakeAt) this.#arm(this.#wakeAt);
    else this.#wakeUp(true);
  };

  /** Stops the timer (the session is over). */
  #disarm() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#held = false;
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
    const take = takeBody;
    if (source.whole) {
      if (!(await this.#room(stop)) || !take(() => m.sendBody(source.whole))) return false;
    } else {
      for await (const piece of source.pieces) {
        if (!(await this.#room(stop)) || !take(() => m.sendBody(piece))) return false;
      }
    }
    return take(() => m.finishBody());
  }

  /** sendBody() of a whole message at once, when the machine takes it
   * now: returns true once it is handed over (or refused: the events say
   * why), false when the caller must use sendBody(). No promise made. */
  sendWhole(bytes) {
    const m = this.m;
    if (!m.bodyReady() || this.closing) return false;
    if (takeBody(() => m.sendBody(bytes))) takeBody(() => m.finishBody());
    return true;
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
    this.#disarm();
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
