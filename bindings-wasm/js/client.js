// ClientConnection: smtp-core's client machine, sans I/O. The caller feeds
// it bytes, EOF and the time, drains events and bytes to write, and sleeps
// no longer than pollTimeout(). See README.md for the run loop.

import { RawClient } from '../pkg/smtp_rs_wasm.js';
import { CALL, Machine, translate } from './machine.js';
import { clientOptions } from './options.js';
import * as check from './check.js';

/** A fresh SCRAM client nonce (RFC 5802 §5.1: printable, no ","). The
 * machine draws no randomness itself; every supported runtime has
 * crypto.getRandomValues. */
function scramNonce() {
  const raw = new Uint8Array(18);
  globalThis.crypto.getRandomValues(raw);
  return btoa(String.fromCharCode(...raw)).replaceAll(',', '-');
}

function credentials(value) {
  const c = check.plainObject(value, 'credentials');
  const username = check.string(c.username ?? '', 'credentials.username');
  const hasPassword = c.password !== undefined;
  const hasToken = c.token !== undefined;
  if (hasPassword === hasToken) {
    throw new TypeError('credentials need exactly one of password (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256) and token (XOAUTH2, OAUTHBEARER)');
  }
  const port = c.port === undefined ? undefined : check.integer(c.port, 'credentials.port', 0, 65535);
  return [
    username,
    hasPassword ? check.string(c.password, 'credentials.password') : undefined,
    hasToken ? check.string(c.token, 'credentials.token') : undefined,
    check.optionalString(c.authzid, 'credentials.authzid'),
    check.optionalString(c.host, 'credentials.host'),
    port,
  ];
}

/** Option words (`["SIZE=1000", "BODY=8BITMIME"]`) as one string; core's
 * command parser reads them. */
function optionWords(value, name) {
  if (value === undefined || value === null) return '';
  return check.stringList(value, name).join(' ');
}

const BODY_MODES = ['auto', 'data', 'bdat'];

/** Internal: see ClientConnection[SEND_ENVELOPE]. */
export const SEND_ENVELOPE = Symbol('smtp-rs send envelope');

/** Marks the arguments of ClientConnection.resume() for the constructor. */
const RESUME = Symbol('resume');

function resumed(options, now, args) {
  const [reply, hello, security] = args;
  const r = check.plainObject(reply, 'helloReply ({code, lines} or {code, text})');
  const code = check.integer(r.code, 'helloReply.code', 200, 599);
  const lines = r.lines !== undefined
    ? check.stringList(r.lines, 'helloReply.lines')
    : check.string(r.text ?? '', 'helloReply.text').split('\n');
  if (!['Ehlo', 'Helo', 'Lhlo'].includes(hello)) check.fail('hello', '"Ehlo", "Helo" or "Lhlo"', hello);
  if (!['Plain', 'Tls'].includes(security)) check.fail('security', '"Plain" or "Tls"', security);
  return RawClient.resume(options, code, lines, hello, security, now);
}

export class ClientConnection extends Machine {
  /** A connection just opened at `nowMs`: the machine waits for the
   * greeting. `config.helloDomain` is required; see README.md for the rest. */
  constructor(config, nowMs, resume = undefined) {
    const now = check.time(nowMs);
    const options = clientOptions(config);
    let raw;
    try {
      raw = resume?.[RESUME] ? resumed(options, now, resume[RESUME]) : new RawClient(options, now);
    } catch (e) {
      throw translate(e);
    } finally {
      options.free();
    }
    super(raw, 'ClientConnection');
  }

  /** A session greeted elsewhere (smtplib's own code ran EHLO, say):
   * idle, with the capabilities of `helloReply` (`{code, lines}` or
   * `{code, text}`); `hello` is "Ehlo", "Helo" or "Lhlo", `security`
   * "Plain" or "Tls". No event is produced. */
  static resume(config, helloReply, hello, security, nowMs) {
    return new ClientConnection(config, nowMs, { [RESUME]: [helloReply, hello, security] });
  }

  // ----- session commands ----------------------------------------------------

  /** EHLO (LHLO in LMTP) without fallback. */
  ehlo() { this[CALL]((r) => r.ehlo()); }

  /** HELO. */
  helo() { this[CALL]((r) => r.helo()); }

  /** EHLO, falling back to HELO on 5yz (smtplib's ehlo_or_helo_if_needed). */
  hello() { this[CALL]((r) => r.hello()); }

  /** STARTTLS; on the `TlsHandshake` event run the handshake, then
   * call `tlsEstablished(nowMs)`. */
  starttls() { this[CALL]((r) => r.starttls()); }

  /** AUTH with the first mechanism of `authPreference` that the server
   * offers and the credentials fit. `credentials`: `{username, password}`
   * or `{username, token}`, optionally `authzid`, `host`, `port`
   * (OAUTHBEARER). `nonce` is the SCRAM client nonce (random if omitted). */
  authenticate(credentials_, nonce) {
    this.#auth(undefined, credentials_, nonce);
  }

  /** AUTH with this mechanism (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256,
   * XOAUTH2, OAUTHBEARER), whether or not the server listed it. */
  authenticateWith(mechanism, credentials_, nonce) {
    this.#auth(check.string(mechanism, 'mechanism'), credentials_, nonce);
  }

  #auth(mechanism, value, nonce) {
    const args = credentials(value);
    const n = nonce === undefined ? scramNonce() : check.string(nonce, 'nonce');
    this[CALL]((r) => r.authenticate(mechanism, ...args, n));
  }

  /** AUTH with a mechanism the caller runs: each 334 is an `AuthChallenge`
   * event, answered with authRespond() or authCancel(). */
  authCustom(mechanism, initialResponse) {
    const m = check.string(mechanism, 'mechanism');
    const ir = initialResponse === undefined || initialResponse === null
      ? undefined
      : check.bytes(initialResponse, 'initialResponse', true);
    this[CALL]((r) => r.authCustom(m, ir));
  }

  /** Answers the last `AuthChallenge` (the machine base64-encodes it). */
  authRespond(response) {
    const b = check.bytes(response, 'response', true);
    this[CALL]((r) => r.authRespond(b));
  }

  /** Cancels a custom AUTH exchange with "*". */
  authCancel() { this[CALL]((r) => r.authCancel()); }

  /** QUIT; returns the command id its `Reply` event carries. */
  quit() { return this[CALL]((r) => r.quit()); }

  // ----- mail transactions ---------------------------------------------------

  /** Starts a mail transaction. `envelope`:
   * `{from, to, mailOptions?, size?, bodyMode?, chunkSize?}`, where `to`
   * is an array of addresses or `{address, options?}` objects and the
   * options are parameter words (`"NOTIFY=SUCCESS,FAILURE"`). */
  sendMail(envelope) {
    const e = check.plainObject(envelope, 'envelope');
    for (const key of Object.keys(e)) {
      if (!['from', 'to', 'mailOptions', 'size', 'bodyMode', 'chunkSize'].includes(key)) {
        throw new TypeError(`envelope: unknown field ${JSON.stringify(key)} (known: from, to, mailOptions, size, bodyMode, chunkSize)`);
      }
    }
    const from = check.string(e.from, 'envelope.from (the sender; "" for the null path <>)');
    if (!Array.isArray(e.to)) check.fail('envelope.to', 'an array of recipients', e.to);
    const to = [];
    const rcptOptions = [];
    e.to.forEach((rcpt, i) => {
      if (typeof rcpt === 'string') {
        to.push(rcpt);
        rcptOptions.push('');
      } else {
        const o = check.plainObject(rcpt, `envelope.to[${i}] (an address or {address, options})`);
        to.push(check.string(o.address, `envelope.to[${i}].address`));
        rcptOptions.push(optionWords(o.options, `envelope.to[${i}].options`));
      }
    });
    const mailOptions = optionWords(e.mailOptions, 'envelope.mailOptions');
    const size = e.size === undefined || e.size === null ? undefined : check.integer(e.size, 'envelope.size');
    const mode = e.bodyMode ?? 'auto';
    if (!BODY_MODES.includes(mode)) check.fail('envelope.bodyMode', '"auto", "data" or "bdat"', mode);
    const chunk = e.chunkSize === undefined ? undefined : check.integer(e.chunkSize, 'envelope.chunkSize', 1);
    this[CALL]((r) => r.sendMail(from, mailOptions, to, rcptOptions, size, mode, chunk));
  }

  /** Internal (the high-level client, which has checked every argument):
   * sendMail() from ready values, without the envelope object and its
   * checks. `rcptOptions[i]` and `mailOptions` are option words joined by
   * spaces; `size` undefined when unknown. */
  [SEND_ENVELOPE](from, to, rcptOptions, mailOptions, size, mode) {
    this[CALL]((r) => r.sendMail(from, mailOptions, to, rcptOptions, size, mode, undefined));
  }

  /** A piece of the body (string: UTF-8) after `ReadyForBody`. Throws
   * SmtpLocalError `BufferFull` when too much waits to be written. */
  sendBody(chunk) {
    const b = check.bytes(chunk, 'chunk', true);
    this[CALL]((r) => r.sendBody(b));
  }

  /** Ends the body (the final dot, or BDAT LAST). */
  finishBody() { this[CALL]((r) => r.finishBody()); }

  // ----- low level -----------------------------------------------------------

  /** One command line (no CRLF), parsed and checked by core; returns the
   * id its `Reply` event carries. */
  sendCommand(line) {
    const l = check.string(line, 'line');
    return this[CALL]((r) => r.sendCommand(l));
  }

  /** One raw line (CRLF added; CR/LF inside refused); returns its id. */
  sendRaw(line) {
    const l = check.string(line, 'line');
    return this[CALL]((r) => r.sendRaw(l));
  }

  rset() { return this[CALL]((r) => r.rset()); }

  noop() { return this[CALL]((r) => r.noop()); }

  vrfy(argument) {
    const a = check.string(argument, 'argument');
    return this[CALL]((r) => r.vrfy(a));
  }

  expn(argument) {
    const a = check.string(argument, 'argument');
    return this[CALL]((r) => r.expn(a));
  }

  help(topic) {
    const t = check.optionalString(topic, 'topic');
    return this[CALL]((r) => r.help(t));
  }

  // ----- state ---------------------------------------------------------------

  /** What the last successful EHLO/LHLO advertised, or null. */
  capabilities() { return JSON.parse(this[CALL]((r) => r.capabilities())); }

  /** The greeting reply, or null before it came. */
  greeting() { return JSON.parse(this[CALL]((r) => r.greeting())); }

  /** The successful EHLO/LHLO/HELO reply, or null. */
  helloReply() { return JSON.parse(this[CALL]((r) => r.helloReply())); }

  /** What the machine waits for: "Greeting", "Hello", ..., "Idle". */
  phase() { return this[CALL]((r) => r.phase()); }

  /** Commands sent whose reply has not come. */
  inFlight() { return this[CALL]((r) => r.inFlight()); }

  /** Whether sendBody() would take a chunk now. */
  bodyReady() { return this[CALL]((r) => r.bodyReady()); }
}
