// The nodemailer shape on top of SMTP: sendMail() resolving to
// nodemailer's `info`, and SmtpRsTransport, a nodemailer transport
// (`nodemailer.createTransport(new SmtpRsTransport(options))`) that sends
// through this engine.

import * as check from '../check.js';
import { SMTP } from './smtp.js';
import { SMTPServerDisconnected } from './errors.js';
import { transactionOutcome } from './outcome.js';

/** The package version (package.json's; a test holds them equal). */
export const VERSION = '0.1.0';

/** A reply as nodemailer shows it: the lines as received, "\n" between. */
export function rawReply(reply) {
  if (!reply) return '';
  const last = reply.lines.length - 1;
  return reply.lines.map((line, i) => `${reply.code}${i < last ? '-' : ' '}${line}`).join('\n');
}

/** The addresses of a nodemailer address field: "a@x, B <b@y>",
 * {name, address}, or an array of those. */
export function addressList(value, name) {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => addressList(v, `${name}[${i}]`));
  if (typeof value === 'object' && typeof value.address === 'string') return [value.address];
  if (typeof value !== 'string') check.fail(name, 'an address string, {name, address} or an array of them', value);
  // Commas outside quotes and angle brackets separate addresses.
  const out = [];
  let start = 0;
  let quoted = false;
  let angle = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') angle++;
    else if (!quoted && c === '>') angle = Math.max(0, angle - 1);
    else if (i === value.length || (!quoted && angle === 0 && c === ',')) {
      const part = value.slice(start, i).trim();
      if (part) out.push(/<([^<>]*)>\s*$/.exec(part)?.[1] ?? part);
      start = i + 1;
    }
  }
  return out;
}

/** The Message-ID header of a raw message (the first 64 KiB), if any. */
function messageIdOf(raw) {
  let head;
  if (typeof raw === 'string') head = raw.slice(0, 65536);
  else if (raw instanceof Uint8Array) head = new TextDecoder('latin1').decode(raw.subarray(0, 65536));
  else return undefined;
  const end = head.search(/\r?\n\r?\n/);
  return /^message-id:[ \t]*(<[^>\r\n]*>)/im.exec(end < 0 ? head : head.slice(0, end))?.[1];
}

const COMMANDS = { Mail: 'MAIL FROM', Recipients: 'RCPT TO', Data: 'DATA', Body: 'DATA', DataEnd: 'DATA' };

function recipientError(to, r, reply, command) {
  const text = rawReply(reply);
  const err = new Error(`${command === 'DATA' ? 'Message failed for recipient' : 'Recipient command failed'}: ${text}`);
  Object.assign(err, { code: command === 'DATA' ? 'EMESSAGE' : 'EENVELOPE', response: text, responseCode: reply.code, command, recipient: to[r.index] });
  return err;
}

/** nodemailer's info for a transaction event, or the error to throw (an
 * smtplib-class error with nodemailer's fields added). */
export function mailInfo(ev, envelope, messageId) {
  const { from, to } = envelope;
  const result = ev.result;
  const accepted = [];
  const rejected = [];
  const rejectedErrors = [];
  for (const r of result.recipients) {
    if (r.accepted) {
      accepted.push(to[r.index]);
    } else {
      rejected.push(to[r.index]);
      const atDelivery = r.rcptReply.code < 300 && r.deliveryReply;
      rejectedErrors.push(recipientError(to, r, atDelivery ? r.deliveryReply : r.rcptReply, atDelivery ? 'DATA' : 'RCPT TO'));
    }
  }
  const { error } = transactionOutcome(ev, from, to);
  if (error) {
    const reply = ev.type === 'TransactionFailed' ? ev.reply : result.recipients.at(-1)?.deliveryReply;
    Object.assign(error, {
      code: ev.stage === 'DataEnd' || ev.stage === 'Body' || ev.type === 'TransactionFinished' ? 'EMESSAGE' : 'EENVELOPE',
      response: rawReply(reply),
      responseCode: reply?.code,
      command: COMMANDS[ev.stage] ?? 'DATA',
      rejected,
      rejectedErrors,
    });
    throw error;
  }
  const last = result.dataReply ?? result.recipients.filter((r) => r.deliveryReply).at(-1)?.deliveryReply;
  const info = { accepted, rejected, response: rawReply(last), envelope: { from, to }, messageId };
  if (rejectedErrors.length) info.rejectedErrors = rejectedErrors;
  return info;
}

/**
 * nodemailer's sendMail for an already composed message: `{from, to, cc,
 * bcc, raw, envelope, messageId}`. The envelope is `envelope` ({from, to})
 * or else from, to, cc and bcc; `raw` is the whole message (string,
 * Uint8Array, stream...). Resolves to {accepted, rejected, rejectedErrors,
 * response, envelope, messageId}.
 */
SMTP.prototype.sendMail = async function sendMail(mail) {
  const m = check.plainObject(mail, 'mail');
  if (m.raw === undefined) {
    throw new TypeError('mail.raw is required: the whole message (compose it with nodemailer through SmtpRsTransport, or with any MIME library)');
  }
  const env = m.envelope === undefined ? {} : check.plainObject(m.envelope, 'mail.envelope');
  const from = addressList(env.from ?? m.from, 'mail.from')[0];
  if (from === undefined) throw new TypeError('mail.from (or mail.envelope.from) is required');
  const to = env.to !== undefined
    ? addressList(env.to, 'mail.envelope.to')
    : [...addressList(m.to, 'mail.to'), ...addressList(m.cc, 'mail.cc'), ...addressList(m.bcc, 'mail.bcc')];
  if (to.length === 0) throw new TypeError('no recipients: give mail.to, cc, bcc or envelope.to');
  const messageId = m.messageId ?? messageIdOf(m.raw);
  const ev = await this.transaction(from, to, m.raw);
  return mailInfo(ev, { from, to }, messageId);
};

/** Counts whether a message stream was read at all (a send that failed
 * before the body may be retried on a new connection). */
async function* watched(stream, state) {
  for await (const chunk of stream) {
    state.started = true;
    yield chunk;
  }
}

/**
 * A nodemailer transport: `nodemailer.createTransport(new
 * SmtpRsTransport({host, port, secure, tls, auth: {user, pass}, pool,
 * requireTLS, ignoreTLS, ...}))`. Options are SMTP.connect's plus: `auth`,
 * `requireTLS` (fail unless TLS), `ignoreTLS` (no STARTTLS even if
 * offered; otherwise it is used when offered, as nodemailer does), `pool`
 * (keep one connection for every message; default false: one per message)
 * and `maxMessages` (per pooled connection; default Infinity).
 */
export class SmtpRsTransport {
  name = 'SmtpRs';
  version = VERSION;
  #options;
  #auth;
  #flags;
  #client = null;
  #sent = 0;
  #lock = Promise.resolve();

  constructor(options = {}) {
    const { auth, requireTLS = false, ignoreTLS = false, pool = false, maxMessages = Infinity, ...connect } = check.plainObject(options, 'options');
    new SMTP(connect); // checks the connect options now
    this.#options = connect;
    if (auth !== undefined) {
      check.plainObject(auth, 'options.auth');
      check.string(auth.user, 'options.auth.user');
      check.string(auth.pass, 'options.auth.pass');
    }
    this.#auth = auth;
    this.#flags = { requireTLS, ignoreTLS, pool, maxMessages };
  }

  async #open() {
    const client = await SMTP.connect(this.#options);
    try {
      await client.ehloOrHeloIfNeeded();
      if (!client.isTls && !this.#flags.ignoreTLS && client.hasExtn('starttls')) await client.starttls();
      if (this.#flags.requireTLS && !client.isTls) throw new SMTPServerDisconnected('requireTLS: the server does not offer STARTTLS');
      if (this.#auth) await client.login(this.#auth.user, this.#auth.pass, this.#auth.method ? { mechanism: this.#auth.method } : {});
      return client;
    } catch (e) {
      await client.close();
      throw e;
    }
  }

  async #sendOnce(mail, state) {
    const pooled = this.#flags.pool;
    if (!pooled || !this.#client || this.#sent >= this.#flags.maxMessages) {
      if (this.#client) await this.#client.quit().catch(() => {});
      this.#client = await this.#open();
      this.#sent = 0;
    }
    const client = this.#client;
    const envelope = mail.message.getEnvelope();
    const messageId = mail.message.messageId();
    const to = [].concat(envelope.to ?? []);
    try {
      const ev = await client.transaction(envelope.from || '', to, watched(mail.message.createReadStream(), state));
      this.#sent++;
      return mailInfo(ev, { from: envelope.from || '', to }, messageId);
    } finally {
      if (!pooled) {
        this.#client = null;
        await client.quit().catch(() => client.close());
      }
    }
  }

  /** nodemailer calls this for each message. */
  send(mail, callback) {
    const state = { started: false };
    const attempt = () => this.#sendOnce(mail, state);
    // One message at a time: a pooled connection carries them in turn.
    const run = this.#lock.then(() => attempt().catch((e) => {
      // A pooled connection the server closed while idle: once more on a
      // new one, if nothing of the message was read yet.
      if (e instanceof SMTPServerDisconnected && this.#flags.pool && !state.started) {
        this.#client = null;
        return attempt();
      }
      throw e;
    }));
    this.#lock = run.catch(() => {});
    run.then((info) => callback(null, info), (err) => callback(err));
  }

  /** Connects, authenticates and quits: resolves to true (nodemailer's
   * transporter.verify()). */
  async verify(callback) {
    try {
      const client = await this.#open();
      await client.quit();
      callback?.(null, true);
      return true;
    } catch (e) {
      if (callback) return callback(e);
      throw e;
    }
  }

  isIdle() {
    return true;
  }

  /** Quits the pooled connection (transporter.close()). */
  close() {
    const client = this.#client;
    this.#client = null;
    return client ? client.quit().catch(() => client.close()) : Promise.resolve();
  }
}
