// Deno's socket adapter: Deno.connect / Deno.connectTls, STARTTLS with
// Deno.startTls. Reads go through conn.read() into one reused buffer, so
// no stream reader holds the connection when it is upgraded ("TCP stream
// is currently in use" is what a held `conn.readable` reader gives).

const READ_SIZE = 64 * 1024;

/** What a TLS failure most likely means, for the error message. */
export function denoTlsHint(error) {
  const text = String(error?.message ?? error);
  if (/UnknownIssuer|invalid peer certificate|CaUsedAsEndEntity|certificate/i.test(text) && !/NotValidForName/i.test(text)) {
    return 'the server\'s certificate is not trusted: pass the CA that signed it as tls.ca (PEM); Deno also refuses a self-signed certificate used as the server\'s own (CaUsedAsEndEntity)';
  }
  if (/NotValidForName|not valid for name/i.test(text)) {
    return 'the certificate does not name the host asked for: connect with the name it was issued for, or pass tls.servername';
  }
  if (/InvalidContentType|corrupt message|received corrupt/i.test(text)) {
    return 'the server answered the handshake in plain text: this port speaks plain SMTP, so connect without secure and call starttls()';
  }
  return null;
}

function annotate(error) {
  const hint = denoTlsHint(error);
  if (hint && error instanceof Error) error.message = `${error.message}; ${hint}`;
  return error;
}

function denoTls({ host, ca, servername, rejectUnauthorized }) {
  if (rejectUnauthorized === false) {
    throw new TypeError('tls.rejectUnauthorized: false is not available in Deno (only the --unsafely-ignore-certificate-errors flag turns checks off); pass tls.ca instead');
  }
  return { hostname: servername ?? host, ...(ca ? { caCerts: ca } : {}) };
}

class DenoSocket {
  #conn;
  #buffer = new Uint8Array(READ_SIZE);
  #writing = Promise.resolve();

  constructor(conn) {
    this.#conn = conn;
    try { conn.setNoDelay?.(true); } catch { /* TLS connections in some versions */ }
  }

  /** The next bytes read (a view of a reused buffer: valid until the next
   * read), null at the end of the stream. */
  async read() {
    let n;
    try {
      n = await this.#conn.read(this.#buffer);
    } catch (e) {
      throw annotate(e);
    }
    return n === null ? null : this.#buffer.subarray(0, n);
  }

  /** Writes go out in order even when the caller does not wait for one
   * before the next (conn.write may take part of a buffer). */
  write(bytes) {
    const run = this.#writing.then(async () => {
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
    });
    this.#writing = run.catch(() => {});
    return run;
  }

  async startTls(options) {
    const conn = await Deno.startTls(this.#conn, denoTls(options));
    // The handshake runs on first use: make it happen now, so that a
    // certificate problem is reported as such.
    try {
      await conn.handshake();
    } catch (e) {
      try { conn.close(); } catch { /* already closed */ }
      throw annotate(e);
    }
    return new DenoSocket(conn);
  }

  close() {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }

  localName() {
    const addr = this.#conn.localAddr?.hostname;
    if (!addr) return null;
    return addr.includes(':') ? `[IPv6:${addr}]` : `[${addr}]`;
  }
}

/** The adapter for Deno. */
export const denoAdapter = {
  name: 'deno',
  async open({ host, port, secure, tls = {} }) {
    const plain = new DenoSocket(await Deno.connect({ hostname: host, port }));
    // Implicit TLS (RFC 8314): the handshake at once. Deno.startTls checks
    // the certificate against `servername` while connecting to `host`.
    return secure ? plain.startTls({ ...tls, host }) : plain;
  },
};
