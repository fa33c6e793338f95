// SMTP and LMTP: Python smtplib's client with promises, on the sans-IO
// ClientConnection. The machine makes every protocol decision (what may be
// pipelined, which reply means what, when to RSET, dot-stuffing, SASL);
// this file turns calls into machine commands and events into smtplib's
// return values and exceptions, the way smtplib_rs does in Python.

import { ClientConnection, SEND_ENVELOPE } from '../client.js';
import { SmtpLocalError } from '../errors.js';
import * as check from '../check.js';
import { messageSource, PIECE } from './body.js';
import {
  SMTPAuthenticationError, SMTPConnectError, SMTPException, SMTPHeloError, SMTPNotSupportedError,
  SMTPResponseException, SMTPServerDisconnected, SMTPTimeoutError,
} from './errors.js';
import { pair, transactionOutcome } from './outcome.js';
import { connectOptions, isIpAddress, tlsOptions } from './options.js';
import { clock, Session, TIMEOUT, within } from './session.js';

/** login()'s order: the strongest first (smtp-core's default preference:
 * SCRAM proves the server too, CRAM-MD5 hides the password), then the
 * OAuth mechanisms with the password as the bearer token, as smtplib_rs
 * does. Each is tried only if advertised; a refusal moves on to the next. */
const LOGIN_ORDER = ['SCRAM-SHA-256', 'CRAM-MD5', 'PLAIN', 'LOGIN', 'OAUTHBEARER', 'XOAUTH2'];
const TOKEN_MECHANISMS = ['OAUTHBEARER', 'XOAUTH2'];
/** RFC 4954 §4: AUTH in an authenticated session gets 503; smtplib counts
 * it as success. */
const ALREADY_AUTHENTICATED = 503;
const TRANSACTION_END = ['TransactionFinished', 'TransactionFailed'];
const BODY_OR_END = ['ReadyForBody', ...TRANSACTION_END];

/** The address inside `Name <addr>` (smtplib's quoteaddr keeps only it). */
export function addressOnly(address) {
  const m = /<([^<>]*)>\s*$/.exec(address);
  return m ? m[1] : address.trim();
}

function localHostname(socket) {
  const name = socket.localName?.();
  return typeof name === 'string' && name ? name : '[127.0.0.1]';
}

export class SMTP {
  static defaultPort = 25;
  static lmtp = false;

  /** Whether sendmail sends bodies with BDAT when the server offers
   * CHUNKING (RFC 3030); off by default, as in smtplib_rs. */
  useChunking = false;
  /** smtplib's attributes, updated by ehlo()/helo()/starttls(). */
  esmtpFeatures = {};
  doesEsmtp = false;
  ehloResp = null;
  heloResp = null;

  #options;
  #session = null;
  /** Whether EHLO or HELO succeeded since the connection (or TLS) began. */
  #greeted = false;
  #lock = Promise.resolve();

  /** Checks the options (see connect()); opens nothing. */
  constructor(options = {}) {
    this.#options = connectOptions(options, new.target.defaultPort);
    this.useChunking = this.#options.useChunking;
  }

  /** Connects and reads the greeting: `await SMTP.connect({host, port,
   * localHostname, timeoutMs, secure, tls: {ca, servername,
   * rejectUnauthorized}, useChunking, adapter})`. Throws SMTPConnectError
   * when the server does not greet with 220 or cannot be reached. */
  static async connect(options) {
    const client = new this(options);
    await client.connect();
    return client;
  }

  // ----- plumbing --------------------------------------------------------------

  /** Runs `fn` after the calls before it: one command at a time, whatever
   * the caller awaits. */
  #serial(fn) {
    const run = this.#lock.then(async () => {
      try {
        return await fn();
      } finally {
        // A final event or a 421: the connection is over.
        const s = this.#session;
        if (s && (s.final || s.closing)) await this.#drop();
      }
    });
    this.#lock = run.catch(() => {});
    return run;
  }

  #live() {
    const s = this.#session;
    if (!s) throw new SMTPServerDisconnected('please run connect() first');
    if (s.final) throw s.error();
    if (s.closing) throw new SMTPServerDisconnected(`the server is closing the connection: (${s.closing.code}) ${s.closing.text}`);
    return s;
  }

  /** Closes the socket and frees the machine; the next call throws
   * SMTPServerDisconnected. Never throws. */
  async #drop() {
    const s = this.#session;
    if (!s) return;
    this.#session = null;
    await s.close();
    s.m.free();
  }

  /** Issues a machine command; a LocalError is thrown as it is (nothing
   * was sent), except an extension the server lacks: smtplib's
   * SMTPNotSupportedError. */
  #issue(s, command) {
    try {
      return command(s.m);
    } catch (e) {
      if (e instanceof SmtpLocalError && e.code === 'ExtensionNotOffered') {
        throw new SMTPNotSupportedError(e.message, { cause: e });
      }
      if (e instanceof SmtpLocalError && e.code === 'Closed') {
        // The session ended before this call (the server broke the
        // protocol or hung up while we were idle): say how.
        if (s.takeFinal()) throw s.error();
        throw new SMTPServerDisconnected('the connection is closing', { cause: e });
      }
      throw e;
    }
  }

  /** Waits for an event of `types` (that `accept` takes, if given); a
   * final event or a 421 closes the connection. */
  async #await(s, types, accept = null) {
    try {
      return await s.next(types, accept);
    } finally {
      if (s.final || s.closing) await this.#drop();
    }
  }

  // ----- connection ----------------------------------------------------------

  /** Opens the connection (again, after close()); resolves to the
   * greeting's `[code, text]`. */
  connect() {
    return this.#serial(() => this.#connect());
  }

  async #connect() {
    await this.#drop();
    const o = this.#options;
    const started = clock();
    const opening = Promise.resolve().then(() => o.adapter.open({
      host: o.host, port: o.port, secure: o.secure, tls: this.#tls(o.tls), timeoutMs: o.timeoutMs,
    }));
    let socket;
    try {
      socket = o.timeoutMs === null ? await opening : await within(opening, o.timeoutMs);
    } catch (e) {
      const err = new SMTPConnectError(-1, `cannot connect to ${o.host}:${o.port}: ${e?.message ?? e}`, { cause: e });
      if (e?.code) err.code = e.code;
      throw err;
    }
    if (socket === TIMEOUT) {
      opening.then((late) => late.close(), () => {});
      const err = new SMTPConnectError(-1, `cannot connect to ${o.host}:${o.port}: no connection within ${o.timeoutMs} ms`);
      err.code = 'ETIMEDOUT';
      throw err;
    }
    let machine;
    try {
      machine = new ClientConnection({
        helloDomain: o.localHostname ?? localHostname(socket),
        lmtp: this.constructor.lmtp,
        implicitTls: o.secure,
        autoHello: false,
        ...(o.timeoutMs === null ? {} : { timeouts: o.timeoutMs }),
        ...(o.authPreference ? { authPreference: o.authPreference } : {}),
        ...(o.maxInFlight === undefined ? {} : { maxInFlight: o.maxInFlight }),
      }, clock());
    } catch (e) {
      socket.close();
      throw e;
    }
    const s = new Session(machine, socket, o.timeoutMs);
    this.#session = s;
    this.#forget();
    let ev;
    try {
      ev = await this.#await(s, ['Greeting', 'GreetingRefused']);
    } catch (e) {
      if (e instanceof SMTPTimeoutError && !o.secure && o.port === 465) {
        e.message += ` after ${Math.round(clock() - started)} ms: port 465 is for implicit TLS (RFC 8314), connect with secure: true`;
      }
      throw e;
    }
    if (ev.type === 'GreetingRefused') {
      await this.#drop();
      throw new SMTPConnectError(ev.reply.code, ev.reply.text);
    }
    return pair(ev.reply);
  }

  #tls(extra) {
    const o = this.#options;
    const servername = extra.servername ?? o.tls.servername ?? (isIpAddress(o.host) ? undefined : o.host);
    return { ...o.tls, ...extra, servername, host: o.host };
  }

  #forget() {
    this.#greeted = false;
    this.esmtpFeatures = {};
    this.doesEsmtp = false;
    this.ehloResp = null;
    this.heloResp = null;
  }

  /** Closes the connection without QUIT. Never throws. */
  close() {
    return this.#serial(() => this.#drop());
  }

  /** QUIT, then close; resolves to the reply's `[code, text]`. */
  quit() {
    return this.#serial(async () => {
      const s = this.#live();
      try {
        const id = this.#issue(s, (m) => m.quit());
        const ev = await s.next(['Reply'], (e) => e.id === id);
        return pair(ev.reply);
      } finally {
        this.#forget();
        await this.#drop();
      }
    });
  }

  async [Symbol.asyncDispose]() {
    if (this.#session && !this.#session.final) await this.quit().catch(() => {});
    await this.close();
  }

  // ----- session ---------------------------------------------------------------

  /** EHLO (LHLO for LMTP); resolves to `[code, text]` whatever the code, as
   * smtplib does, and fills `esmtpFeatures`. */
  ehlo() {
    return this.#serial(() => this.#hello((m) => m.ehlo()));
  }

  /** HELO; resolves to `[code, text]`. */
  helo() {
    return this.#serial(() => this.#hello((m) => m.helo()));
  }

  async #hello(command) {
    const s = this.#live();
    this.#forget();
    this.#issue(s, command);
    const ev = await this.#await(s, ['EhloAccepted', 'EhloRefused', 'HeloAccepted', 'HeloRefused'],
      (e) => !(e.type === 'EhloRefused' && e.fallingBack));
    this.#learn(ev);
    return pair(ev.reply);
  }

  #learn(ev) {
    if (ev.type === 'EhloAccepted') {
      this.#greeted = true;
      this.ehloResp = ev.reply.text;
      this.doesEsmtp = true;
      const features = {};
      for (const [keyword, params] of Object.entries(ev.capabilities.keywords)) features[keyword.toLowerCase()] = params;
      this.esmtpFeatures = features;
    } else if (ev.type === 'EhloRefused') {
      this.ehloResp = ev.reply.text;
    } else if (ev.type === 'HeloAccepted' || ev.type === 'HeloRefused') {
      this.#greeted ||= ev.type === 'HeloAccepted';
      this.heloResp = ev.reply.text;
    }
  }

  /** smtplib's ehlo_or_helo_if_needed: EHLO, and HELO after a 5yz to it
   * (smtp-core's rule); a refused HELO throws SMTPHeloError. */
  ehloOrHeloIfNeeded() {
    return this.#serial(() => this.#helloIfNeeded());
  }

  async #helloIfNeeded() {
    const s = this.#live();
    if (this.#greeted) return;
    this.#forget();
    this.#issue(s, (m) => m.hello());
    const ev = await this.#await(s, ['EhloAccepted', 'HeloAccepted', 'HeloRefused', 'EhloRefused'],
      (e) => !(e.type === 'EhloRefused' && e.fallingBack));
    this.#learn(ev);
    if (ev.type === 'HeloRefused' || ev.type === 'EhloRefused') throw new SMTPHeloError(ev.reply.code, ev.reply.text);
  }

  /** Whether the last EHLO advertised the extension (case-insensitive). */
  hasExtn(name) {
    return Object.hasOwn(this.esmtpFeatures, check.string(name, 'name').toLowerCase());
  }

  /** STARTTLS (RFC 3207), then the TLS handshake; afterwards everything
   * learnt before is forgotten (the next command sends EHLO again).
   * `tls` adds to the connect options' tls. Resolves to `[220, text]`. */
  async starttls(tls = undefined) {
    const extra = tlsOptions(tls, 'tls');
    return this.#serial(async () => {
      await this.#helloIfNeeded();
      const s = this.#live();
      if (!this.hasExtn('starttls')) throw new SMTPNotSupportedError('STARTTLS extension not supported by server.');
      this.#issue(s, (m) => m.starttls());
      const ev = await this.#await(s, ['TlsHandshake', 'StartTlsRefused']);
      if (ev.type === 'StartTlsRefused') throw new SMTPResponseException(ev.reply.code, ev.reply.text);
      const o = this.#options;
      let upgraded;
      try {
        const handshake = Promise.resolve().then(() => s.socket.startTls(this.#tls(extra)));
        upgraded = o.timeoutMs === null ? await handshake : await within(handshake, o.timeoutMs);
        if (upgraded === TIMEOUT) {
          handshake.then((late) => late.close(), () => {});
          throw new SMTPTimeoutError(`timed out waiting for the TLS handshake (${o.timeoutMs} ms)`, 'TlsHandshake');
        }
      } catch (e) {
        await this.#drop();
        if (e instanceof SMTPException) throw e;
        throw new SMTPServerDisconnected(`TLS handshake with ${o.host} failed: ${e?.message ?? e}`, { cause: e });
      }
      s.replaceSocket(upgraded);
      s.m.tlsEstablished(clock());
      this.#forget();
      return pair(ev.reply);
    });
  }

  /** Whether the connection runs over TLS (secure, or after starttls()). */
  get isTls() {
    return this.#session?.m.isTls() ?? false;
  }

  /** The server's capabilities from the last EHLO (smtp-core's reading),
   * or null. */
  get capabilities() {
    return this.#session?.m.capabilities() ?? null;
  }

  // ----- AUTH --------------------------------------------------------------------

  /** AUTH (RFC 4954) with each advertised mechanism in turn (SCRAM-SHA-256,
   * CRAM-MD5, PLAIN, LOGIN, then OAUTHBEARER and XOAUTH2 with `password` as
   * the token) until one succeeds; `options.mechanism` forces one,
   * `options.authzid` acts as another identity. Resolves to `[code, text]`.
   * Throws SMTPNotSupportedError without AUTH, SMTPException when no
   * mechanism fits, SMTPAuthenticationError with the last refusal. */
  async login(user, password, options = {}) {
    check.string(user, 'user');
    check.string(password, 'password');
    const o = check.plainObject(options, 'options');
    const forced = check.optionalString(o.mechanism, 'options.mechanism')?.toUpperCase();
    const authzid = check.optionalString(o.authzid, 'options.authzid');
    return this.#serial(async () => {
      await this.#helloIfNeeded();
      const s = this.#live();
      if (!this.hasExtn('auth')) throw new SMTPNotSupportedError('SMTP AUTH extension not supported by server.');
      const advertised = s.m.capabilities()?.authMechanisms ?? [];
      const order = forced ? [forced] : (this.#options.authPreference ?? LOGIN_ORDER).filter((m) => advertised.includes(m));
      if (order.length === 0) throw new SMTPException('No suitable authentication method found.');
      let last;
      for (const mechanism of order) {
        const secret = TOKEN_MECHANISMS.includes(mechanism) ? { token: password } : { password };
        const credentials = { username: user, ...secret, ...(authzid === undefined ? {} : { authzid }) };
        if (mechanism === 'OAUTHBEARER') {
          credentials.host = this.#options.host;
          credentials.port = this.#options.port;
        }
        this.#issue(s, (m) => m.authenticateWith(mechanism, credentials));
        const ev = await this.#await(s, ['AuthSucceeded', 'AuthFailed']);
        if (ev.type === 'AuthSucceeded' || ev.reply.code === ALREADY_AUTHENTICATED) return pair(ev.reply);
        last = new SMTPAuthenticationError(ev.reply.code, ev.reply.text);
        last.mechanism = mechanism;
      }
      throw last;
    });
  }

  /** Whether AUTH succeeded on this connection. */
  get isAuthenticated() {
    return this.#session?.m.isAuthenticated() ?? false;
  }

  // ----- low-level commands -------------------------------------------------

  #reply(command) {
    return this.#serial(async () => {
      const s = this.#live();
      const id = this.#issue(s, command);
      const ev = await this.#await(s, ['Reply'], (e) => e.id === id);
      return pair(ev.reply);
    });
  }

  noop() { return this.#reply((m) => m.noop()); }

  rset() { return this.#reply((m) => m.rset()); }

  /** VRFY; resolves to `[code, text]`. */
  async verify(address) {
    const a = check.string(address, 'address');
    return this.#reply((m) => m.vrfy(a));
  }

  async expn(address) {
    const a = check.string(address, 'address');
    return this.#reply((m) => m.expn(a));
  }

  /** HELP; resolves to the reply text, as smtplib's help(). */
  async help(topic) {
    const t = check.optionalString(topic, 'topic');
    return (await this.#reply((m) => m.help(t)))[1];
  }

  /** One command line (`docmd("XFOO", "arg")`), checked by smtp-core for
   * CR/LF; resolves to `[code, text]`. */
  async docmd(command, args = '') {
    const line = `${check.string(command, 'command')}${check.string(args, 'args') ? ` ${args}` : ''}`;
    return this.#reply((m) => m.sendRaw(line));
  }

  // ----- mail ------------------------------------------------------------------

  /**
   * One mail transaction, smtplib's sendmail: resolves to the refused map
   * `{address: [code, text]}` when at least one recipient took the
   * message. Throws SMTPSenderRefused, SMTPRecipientsRefused (nobody took
   * it; in LMTP, counting the replies after the data), SMTPDataError,
   * SMTPServerDisconnected... `message` is a string (sent as UTF-8), a
   * Uint8Array, a ReadableStream, an async iterable or a Node Readable,
   * streamed with backpressure.
   */
  async sendmail(from, to, message, mailOptions = [], rcptOptions = []) {
    const recipients = typeof to === 'string' ? [to] : to;
    const end = await this.#transaction(from, recipients, message, mailOptions, rcptOptions);
    // A finished transaction needs only its tail (who was refused), not
    // every reply parsed.
    const ev = end.type === 'TransactionFinished' ? { type: end.type, result: end.tail } : end.event;
    const { refused, error } = transactionOutcome(ev, from, recipients);
    if (error) throw error;
    return refused;
  }

  /**
   * The transaction under sendmail() and sendMail(): resolves to the
   * machine's TransactionFinished or TransactionFailed event (every reply
   * of the transaction is in its `result`). Only the connection's own
   * failures throw.
   */
  async transaction(from, to, message, { mailOptions = [], rcptOptions = [] } = {}) {
    return (await this.#transaction(from, to, message, mailOptions, rcptOptions)).event;
  }

  /** transaction(), resolving to the session's Queued entry of the event
   * (not async itself: one promise fewer per message; the callers are). */
  #transaction(from, to, message, mailOptions, rcptOptions) {
    check.string(from, 'from');
    check.stringList(to, 'to');
    check.stringList(mailOptions, 'mailOptions');
    check.stringList(rcptOptions, 'rcptOptions');
    const source = messageSource(message);
    return this.#serial(async () => {
      if (!this.#greeted) await this.#helloIfNeeded();
      const s = this.#live();
      const chunking = this.useChunking && this.doesEsmtp && this.hasExtn('chunking');
      // Every argument is checked above: straight to the machine.
      const rcptWords = rcptOptions.join(' ');
      const size = source.size !== null && this.hasExtn('size') ? source.size : undefined;
      this.#issue(s, (m) => m[SEND_ENVELOPE](addressOnly(from), to.map(addressOnly), to.map(() => rcptWords),
        mailOptions.join(' '), size, chunking ? 'bdat' : 'data'));
      // As #await, inline: the awaits of a message are its cost.
      let ev;
      try {
        ev = await s.nextQueued(BODY_OR_END);
      } finally {
        if (s.final || s.closing) await this.#drop();
      }
      if (ev.type === 'ReadyForBody') {
        const whole = source.size !== null && source.size <= PIECE ? source.bytes() : null;
        try {
          if (whole === null) await s.sendBody(source);
          else if (!s.sendWhole(whole)) await s.sendBody({ whole });
        } catch (e) {
          // The message cannot be ended cleanly mid-body (a partial
          // message must not be delivered): drop the connection.
          await this.#drop();
          throw e;
        }
        try {
          ev = await s.nextQueued(TRANSACTION_END);
        } finally {
          if (s.final || s.closing) await this.#drop();
        }
      }
      // After a failure the machine sends RSET; its reply comes before the
      // next command is allowed.
      if (ev.type === 'TransactionFailed' && this.#session) await this.#settle(s);
      return ev;
    });
  }

  async #settle(s) {
    try {
      while (s.m.inFlight() > 0 && !s.final) {
        await s.flush();
        await s.input();
        if (s.queued(['ServiceClosing', 'Closed', 'TimedOut', 'Failed'])) break;
      }
    } finally {
      if (s.final || s.closing || s.m.isClosed()) await this.#drop();
    }
  }
}

/** LMTP (RFC 2033): LHLO instead of EHLO, and one reply per recipient
 * after the data. sendmail's refused map counts recipients refused at
 * RCPT and at delivery; SMTPRecipientsRefused means nobody got it. */
export class LMTP extends SMTP {
  static defaultPort = 24;
  static lmtp = true;
}
