// How the machine's events become smtplib's results and exceptions: the
// same mapping as smtplib_rs (bindings-python), from the same events.

import {
  SMTPAuthenticationError, SMTPConnectError, SMTPDataError, SMTPRecipientsRefused, SMTPResponseException,
  SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError,
} from './errors.js';

/** smtplib's `(code, msg)` of a reply, as an array. */
export const pair = (reply) => [reply.code, reply.text];

const PHASES = {
  Greeting: 'the greeting', Hello: 'the reply to EHLO/HELO', StartTls: 'the reply to STARTTLS',
  TlsHandshake: 'the TLS handshake', Auth: 'the AUTH exchange', Mail: 'the reply to MAIL FROM',
  Rcpt: 'the reply to RCPT TO', Data: 'the reply to DATA', Body: 'the server to take the message data',
  Bdat: 'the reply to a BDAT chunk', DataEnd: 'the reply to the end of the message', Rset: 'the reply to RSET',
  Quit: 'the reply to QUIT', Command: 'a reply', Idle: 'nothing',
};

/** The exception for a session's final event (`final` may be null: the
 * session was closed by the caller). */
export function finalError(final, { readError, writeError } = {}) {
  const cause = readError ?? writeError ?? undefined;
  if (!final) return new SMTPServerDisconnected('please run connect() first');
  const why = final.reason ? `: ${final.reason}` : '';
  switch (final.type) {
    case 'TimedOut':
      return new SMTPTimeoutError(`timed out waiting for ${PHASES[final.phase] ?? final.phase}`, final.phase);
    case 'Failed': {
      const e = final.error;
      if (e.code === 'ReplyLineTooLong') return new SMTPResponseException(500, 'Line too long.');
      if (e.code === 'ReplyTooLong') return new SMTPResponseException(500, `Reply longer than ${e.limit} octets or lines.`);
      if (e.code === 'Auth') return new SMTPAuthenticationError(535, e.message);
      if (e.code === 'ImplicitTlsDetected') {
        return new SMTPConnectError(-1, `${e.message}: this port expects TLS from the first byte (RFC 8314); connect with secure: true`);
      }
      const err = new SMTPServerDisconnected(`the server broke the protocol: ${e.message}`);
      err.remoteError = e;
      return err;
    }
    case 'Closed':
    default: {
      if (final.clean) return new SMTPServerDisconnected(`the session is over (QUIT)${why}`);
      const detail = cause?.message ? `: ${cause.message}` : why;
      const waiting = final.inFlight && final.inFlight !== 'Idle' ? ` while waiting for ${PHASES[final.inFlight] ?? final.inFlight}` : '';
      return new SMTPServerDisconnected(`Connection unexpectedly closed${waiting}${detail}`, cause ? { cause } : undefined);
    }
  }
}

/**
 * sendmail's result for a transaction event (TransactionFinished or
 * TransactionFailed): smtplib's refused map `{address: [code, text]}`, or
 * the exception to throw. `to` are the caller's addresses (the keys),
 * `from` the sender.
 */
export function transactionOutcome(ev, from, to) {
  const refusedMap = (result) => {
    const out = {};
    for (const r of result.refused) out[to[r.index]] = pair(r.reply);
    return out;
  };
  if (ev.type === 'TransactionFinished') {
    // LMTP: finished with every delivery refused is nobody got it.
    if (ev.result.accepted === 0) return { error: new SMTPRecipientsRefused(refusedMap(ev.result)) };
    return { refused: refusedMap(ev.result) };
  }
  switch (ev.stage) {
    case 'Mail': return { error: new SMTPSenderRefused(ev.reply.code, ev.reply.text, from) };
    case 'Recipients': return { error: new SMTPRecipientsRefused(refusedMap(ev.result)) };
    default: return { error: new SMTPDataError(ev.reply.code, ev.reply.text) };
  }
}
