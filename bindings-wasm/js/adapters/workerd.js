// Cloudflare Workers / workerd socket adapter: connect() from
// cloudflare:sockets, STARTTLS with socket.startTls() (the socket is
// opened with secureTransport "starttls" so it may be upgraded once).
// What Workers do not allow is refused here with a clear error: port 25,
// and per-connection trust settings (trust is the runtime's: Cloudflare
// accepts publicly trusted certificates; workerd the CAs of its config).

import { connect } from 'cloudflare:sockets';

/** Cloudflare refuses outbound connections to port 25. */
const SMTP_RELAY_PORT = 25;

/** workerd reports a failed TLS handshake only as "internal error;
 * reference=..." (the cause is in its log): say what is likely wrong. */
export function workerdTlsHint(error, host) {
  const text = String(error?.message ?? error);
  if (!/internal error/i.test(text)) return null;
  return `TLS with ${host} failed (workerd says only "${text}"): most likely the server's certificate is not trusted`
    + ' (self-signed, or signed by a CA this runtime does not trust) or does not name the host. Cloudflare Workers accept'
    + ' only publicly trusted certificates; in workerd, add the CA to the network service\'s'
    + ' tlsOptions.trustedCertificates (tls.ca cannot be passed per connection here)';
}

function annotate(error, host) {
  const hint = workerdTlsHint(error, host);
  if (!hint) return error;
  return new Error(hint, { cause: error });
}

function checkTls({ ca, rejectUnauthorized }) {
  if (ca) {
    throw new TypeError('tls.ca is not available on Workers: trust comes from the runtime (publicly trusted CAs on Cloudflare; tlsOptions.trustedCertificates in a workerd config)');
  }
  if (rejectUnauthorized === false) throw new TypeError('tls.rejectUnauthorized: false is not available on Workers');
}

class WorkerdSocket {
  #socket;
  #reader;
  #writer;
  #host;
  #tls;

  constructor(socket, host, tls) {
    this.#socket = socket;
    this.#host = host;
    this.#tls = tls;
    this.#reader = socket.readable.getReader();
    this.#writer = socket.writable.getWriter();
  }

  #fail(e) {
    return this.#tls ? annotate(e, this.#host) : e;
  }

  async read() {
    try {
      const { value, done } = await this.#reader.read();
      return done ? null : value;
    } catch (e) {
      throw this.#fail(e);
    }
  }

  async write(bytes) {
    try {
      await this.#writer.write(bytes);
    } catch (e) {
      throw this.#fail(e);
    }
  }

  async startTls({ servername, ...tls }) {
    checkTls(tls);
    // The new socket takes over the stream: the old reader and writer
    // must let go first.
    this.#reader.releaseLock();
    this.#writer.releaseLock();
    // workerd checks the certificate against the host connected to; the
    // option for another name is passed only when one is asked for.
    const upgraded = this.#socket.startTls(servername && servername !== this.#host ? { expectedServerHostname: servername } : {});
    const socket = new WorkerdSocket(upgraded, this.#host, true);
    try {
      await upgraded.opened;
    } catch (e) {
      throw annotate(e, this.#host);
    }
    return socket;
  }

  /** Bounded by the caller: close() may never settle (workerd #2060). */
  close() {
    return this.#socket.close();
  }

  localName() {
    return null;
  }
}

/** The adapter for Cloudflare Workers and workerd. */
export const workerdAdapter = {
  name: 'workerd',
  async open({ host, port, secure, tls = {} }) {
    if (port === SMTP_RELAY_PORT) {
      throw new Error('Cloudflare Workers do not allow connections to port 25: submit mail on port 587 (STARTTLS) or 465 (secure: true)');
    }
    checkTls(tls);
    const socket = connect({ hostname: host, port }, { secureTransport: secure ? 'on' : 'starttls', allowHalfOpen: false });
    try {
      await socket.opened;
    } catch (e) {
      throw secure ? annotate(e, host) : e;
    }
    return new WorkerdSocket(socket, host, secure);
  },
};
