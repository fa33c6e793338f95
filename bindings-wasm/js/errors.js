// The errors the sans-IO layer throws. A peer's protocol violation is not
// among them: it arrives as a `Failed` event.

/** The caller asked for something the machine cannot do now (core's
 * `LocalError`). Nothing was sent and the connection is unchanged.
 * `code` names the variant (`"InvalidState"`, `"CommandInjection"`...); the
 * variant's fields are properties too (`field`, `extension`, `limit`...). */
export class SmtpLocalError extends Error {
  constructor(info) {
    super(info.message);
    this.name = 'SmtpLocalError';
    for (const [key, value] of Object.entries(info)) {
      if (key !== 'kind' && key !== 'message') this[key] = value;
    }
  }
}

/** A bug inside smtp-rs (a Rust panic or a WebAssembly trap). The object
 * that raised it refuses every further call; other objects still work.
 * `message` carries the panic message. Please report it. */
export class SmtpInternalError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SmtpInternalError';
  }
}
