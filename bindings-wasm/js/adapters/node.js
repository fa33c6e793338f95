// Node's socket adapter: net / tls, STARTTLS with tls.connect({socket}).
// See README.md ("Socket adapters") for the interface every adapter
// implements: open() -> socket { read, write, startTls, close, localName }.

import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';

/** How much the adapter buffers before it stops reading the socket (the
 * kernel's window then pushes back on the server). */
const READ_HIGH_WATER = 1 << 20;

/** What a TLS failure most likely means, for the error message. */
export function tlsHint(error, host) {
  const code = error?.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the certificate does not name the host asked for: connect with the name it was issued for, or pass tls.servername`;
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ISSUER/.test(code)) {
    return `the server's certificate is not trusted (${code}): pass the CA that signed it as tls.ca (PEM), or fix the server's chain`;
  }
  if (/WRONG_VERSION_NUMBER|wrong version number|packet length too long/i.test(`${code} ${error?.message}`)) {
    return 'the server answered the handshake in plain text: this port speaks plain SMTP, so connect without secure and call starttls()';
  }
  return null;
}

function annotate(error, host) {
  const hint = tlsHint(error, host);
  if (hint && error instanceof Error && !error.message.includes(hint)) error.message = `${error.message}; ${hint}`;
  return error;
}

class NodeSocket {
  #socket;
  #chunks = [];
  #buffered = 0;
  #ended = false;
  #error = null;
  /** The pending read() promise's settle functions. */
  #resolve = null;
  #reject = null;
  #host;

  constructor(socket, host) {
    this.#socket = socket;
    this.#host = host;
    socket.setNoDelay(true);
    this.#listen();
  }

  #listen() {
    const s = this.#socket;
    this.onData = (chunk) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered > READ_HIGH_WATER) s.pause();
      this.#wake();
    };
    this.onEnd = () => { this.#ended = true; this.#wake(); };
    this.onError = (e) => { this.#error ??= annotate(e, this.#host); this.#wake(); };
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('close', this.onEnd);
    s.on('error', this.onError);
  }

  #unlisten() {
    const s = this.#socket;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onEnd);
    s.off('error', this.onError);
  }

  /** Settles the pending read(), if any, with what there is. */
  #wake() {
    const resolve = this.#resolve;
    if (resolve === null || !(this.#chunks.length || this.#error || this.#ended)) return;
    const reject = this.#reject;
    this.#resolve = null;
    this.#reject = null;
    if (this.#chunks.length) resolve(this.#take());
    else if (this.#error) reject(this.#error);
    else resolve(null);
  }

  #take() {
    const chunk = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#buffered = 0;
    if (this.#socket.isPaused()) this.#socket.resume();
    return chunk;
  }

  /** The next bytes read, null at the end of the stream. (Not async, and
   * one executor for every read: this runs twice per message.) */
  read() {
    if (this.#chunks.length) return Promise.resolve(this.#take());
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(null);
    return new Promise(this.#pending);
  }

  #pending = (resolve, reject) => {
    this.#resolve = resolve;
    this.#reject = reject;
  };

  /** Resolves once Node is done with `bytes` (handed to the kernel): the
   * client then reuses them. Until then the kernel's buffer keeps the
   * connection busy, so waiting costs no throughput. */
  write(bytes) {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (err) => (err ? reject(annotate(err, this.#host)) : resolve()));
    });
  }

  /** The TLS handshake over this connection (STARTTLS, RFC 3207); resolves
   * to the new socket. This one must not be used afterwards. */
  startTls(options) {
    if (this.#chunks.length) {
      // RFC 3207 §5: nothing may come between the 220 and the handshake.
      return Promise.reject(new Error('the server sent data after its 220 to STARTTLS (RFC 3207 §5)'));
    }
    this.#unlisten();
    return secureConnect({ ...options, socket: this.#socket });
  }

  close() {
    this.#unlisten();
    const s = this.#socket;
    return new Promise((resolve) => {
      if (s.destroyed) return resolve();
      s.once('close', resolve);
      s.end();
      // A peer that never closes its half: give it a moment, then destroy.
      setTimeout(() => s.destroy(), 200).unref();
    });
  }

  /** The EHLO name: the host name if it is a fully qualified one, else the
   * local address literal (RFC 5321 §4.1.4). */
  localName() {
    const host = os.hostname();
    if (host.includes('.')) return host;
    const addr = this.#socket.localAddress;
    if (!addr) return null;
    return net.isIPv6(addr) ? `[IPv6:${addr}]` : `[${addr}]`;
  }

  /** Lets the process exit while this connection is idle (and back). */
  unref() { this.#socket.unref(); }

  ref() { this.#socket.ref(); }
}

function secureConnect({ host, socket, port, ca, servername, rejectUnauthorized, cert, key, minVersion }) {
  return new Promise((resolve, reject) => {
    const options = { host, port, socket, servername, ca, cert, key, minVersion, rejectUnauthorized: rejectUnauthorized ?? true };
    for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
    const s = tls.connect(options);
    const fail = (e) => { s.destroy(); reject(annotate(e, host)); };
    s.once('error', fail);
    s.once('secureConnect', () => {
      s.off('error', fail);
      resolve(new NodeSocket(s, host));
    });
  });
}

/** The adapter for Node (and runtimes with node:net, like Bun). */
export const nodeAdapter = {
  name: 'node',
  /** `{host, port, secure, tls}` -> a connected socket. A host starting
   * with "/" is a Unix socket path (LMTP's usual transport). */
  open({ host, port, secure, tls: tlsOpts = {} }) {
    if (secure) return secureConnect({ ...tlsOpts, host, port });
    return new Promise((resolve, reject) => {
      const s = host.startsWith('/') ? net.connect({ path: host }) : net.connect({ host, port });
      const fail = (e) => { s.destroy(); reject(e); };
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        resolve(new NodeSocket(s, host));
      });
    });
  },
};
