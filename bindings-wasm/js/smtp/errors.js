// The high-level client's errors: Python smtplib's exception hierarchy as
// JS classes, so code ported from smtplib catches the same things. Every
// class with a reply carries `smtpCode` (a number; -1 when there was no
// reply) and `smtpError` (smtplib's text: the reply's lines joined by "\n").

export class SMTPException extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command or option is not supported by the server. */
export class SMTPNotSupportedError extends SMTPException {}

/** The server closed the connection, or it was never opened, or it broke
 * (a protocol violation, a read or write error). Further calls throw this
 * too until `connect()` is done again. */
export class SMTPServerDisconnected extends SMTPException {}

/** A timer ran out (`timeoutMs`, or RFC 5321 §4.5.3.2's defaults): the
 * connection was closed. `phase` says what the client waited for. */
export class SMTPTimeoutError extends SMTPServerDisconnected {
  constructor(message, phase, options) {
    super(message, options);
    this.phase = phase;
    this.code = 'ETIMEDOUT';
  }
}

/** The server answered with an error code. */
export class SMTPResponseException extends SMTPException {
  constructor(code, text, options) {
    super(`(${code}) ${text}`, options);
    this.smtpCode = code;
    this.smtpError = text;
  }
}

/** MAIL FROM was refused; `sender` is the address. */
export class SMTPSenderRefused extends SMTPResponseException {
  constructor(code, text, sender) {
    super(code, text);
    this.sender = sender;
  }
}

/** Every recipient was refused (in LMTP: no recipient got the message).
 * `recipients` maps each address to its `[code, text]`. */
export class SMTPRecipientsRefused extends SMTPException {
  constructor(recipients) {
    const first = Object.values(recipients)[0];
    super(`all recipients were refused${first ? `: (${first[0]}) ${first[1]}` : ''}`);
    this.recipients = recipients;
    if (first) {
      this.smtpCode = first[0];
      this.smtpError = first[1];
    }
  }
}

/** DATA, a BDAT chunk or the end of the message data was refused. */
export class SMTPDataError extends SMTPResponseException {}

/** The connection could not be set up: no 220 greeting (`smtpCode` is the
 * server's), or the socket could not connect (`smtpCode` -1, `cause` is the
 * runtime's error and `code` its code, e.g. "ECONNREFUSED"). */
export class SMTPConnectError extends SMTPResponseException {}

/** HELO was refused. */
export class SMTPHeloError extends SMTPResponseException {}

/** AUTH failed (the last mechanism tried), or the server could not prove
 * it knows the password (SCRAM). */
export class SMTPAuthenticationError extends SMTPResponseException {}
