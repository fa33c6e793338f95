// ServerConnection: smtp-core's server machine, sans I/O. Each command is
// an event the application answers with accept() (the RFC default reply)
// or reply(); the machine reads nothing further until then.

import { RawServer, deriveScramKeys, verifyCramMd5 as rawVerifyCramMd5 } from '../pkg/smtp_rs_wasm.js';
import { CALL, Machine, guarded, translate } from './machine.js';
import { serverOptions } from './options.js';
import * as check from './check.js';

export class ServerConnection extends Machine {
  /** A session accepted at `nowMs`: the greeting is already queued in
   * pendingTransmit(). `config.hostname` is required; see README.md. */
  constructor(config, nowMs) {
    const now = check.time(nowMs);
    const options = serverOptions(config);
    let raw;
    try {
      raw = new RawServer(options, now);
    } catch (e) {
      throw translate(e);
    } finally {
      options.free();
    }
    super(raw, 'ServerConnection');
  }

  /** Answers the awaited event with the RFC default reply. */
  accept() { this[CALL]((r) => r.accept()); }

  /** Answers the awaited event with your reply: `reply(550, "5.1.1 No such
   * user")`, `reply({code, text})`, `reply({code, enhanced: "5.1.1", text})`
   * (the status goes in front of every line) or `reply({code, lines})`
   * (line texts verbatim). Text lines are split on "\n". */
  reply(codeOrReply, text) {
    if (typeof codeOrReply === 'number') {
      const code = check.integer(codeOrReply, 'code', 200, 599);
      const t = text === undefined ? '' : check.string(text, 'text');
      this[CALL]((r) => r.reply(code, undefined, t));
      return;
    }
    const o = check.plainObject(codeOrReply, 'reply (a code, or {code, text | lines, enhanced?})');
    const code = check.integer(o.code, 'reply.code', 200, 599);
    if (o.lines !== undefined) {
      if (o.text !== undefined || o.enhanced !== undefined) {
        throw new TypeError('reply: give lines, or text with an optional enhanced status, not both');
      }
      const lines = check.stringList(o.lines, 'reply.lines');
      this[CALL]((r) => r.replyLines(code, lines));
      return;
    }
    const enhanced = check.optionalString(o.enhanced, 'reply.enhanced');
    const t = o.text === undefined ? '' : check.string(o.text, 'reply.text');
    this[CALL]((r) => r.reply(code, enhanced, t));
  }

  /** Answers an `Auth` event whose verification is `NeedCredentials`
   * (SCRAM-SHA-256) with the user's stored credentials:
   * `{salt, iterations, storedKey, serverKey}` (see
   * deriveScramCredentials) or `{password, salt, iterations}`. */
  provideScramCredentials(credentials) {
    const c = check.plainObject(credentials, 'credentials');
    const stored = c.password === undefined ? c : deriveScramCredentials(
      check.string(c.password, 'credentials.password'), c.salt, c.iterations,
    );
    const salt = check.bytes(stored.salt, 'credentials.salt');
    const iterations = check.integer(stored.iterations, 'credentials.iterations', 1, 0xffffffff);
    const storedKey = check.bytes(stored.storedKey, 'credentials.storedKey');
    const serverKey = check.bytes(stored.serverKey, 'credentials.serverKey');
    this[CALL]((r) => r.provideScramCredentials(salt, iterations, storedKey, serverKey));
  }

  /** The random input of the next AUTH exchange (CRAM-MD5's challenge,
   * SCRAM's server nonce): the machine draws no randomness itself. */
  setNonce(nonce) {
    const n = check.string(nonce, 'nonce');
    this[CALL]((r) => r.setNonce(n));
  }

  /** Whether to read from the socket now (false while an answer is
   * awaited, during the TLS handshake, and once closed). */
  wantsInput() { return this[CALL]((r) => r.wantsInput()); }

  /** Whether an event waits for accept() or reply(). */
  awaitingAnswer() { return this[CALL]((r) => r.awaitingAnswer()); }
}

/** SCRAM-SHA-256 stored credentials from a password (RFC 5802 §3): what a
 * server keeps instead of the password. Costs `iterations` HMACs. */
export function deriveScramCredentials(password, salt, iterations) {
  const p = check.string(password, 'password');
  const s = check.bytes(salt, 'salt', true);
  const i = check.integer(iterations, 'iterations', 1, 0xffffffff);
  const keys = guarded(() => deriveScramKeys(p, s, i));
  return { salt: s, iterations: i, storedKey: keys.slice(0, 32), serverKey: keys.slice(32) };
}

/** CRAM-MD5 (RFC 2195): whether `digest` answers `challenge` for the
 * shared `secret` (constant-time). */
export function verifyCramMd5(secret, challenge, digest) {
  const s = check.bytes(secret, 'secret', true);
  const c = check.bytes(challenge, 'challenge', true);
  const d = check.bytes(digest, 'digest');
  return guarded(() => rawVerifyCramMd5(s, c, d));
}
