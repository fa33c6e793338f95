// A small SMTP/LMTP server for Node on the wasm ServerConnection: the
// machine reads every command and decides every protocol answer; this file
// moves bytes, runs TLS for STARTTLS, checks passwords and keeps the
// messages. The client tests run against it; run it by hand with
//   node examples/smtp-server.mjs [port]
// It refuses or misbehaves on purpose for some recipient local parts, so
// clients can be tested against those cases:
//   refuse*   550 at RCPT          defer*   451 at RCPT
//   close421* 421 at RCPT          hangup*  the connection drops at RCPT
//   stall*    no answer at RCPT    undeliverable*  (LMTP) 550 after the data
//   rejectdata*  554 after the data (SMTP); a sender refuse* gets 553
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { ServerConnection, verifyCramMd5 } from 'smtp-rs';

const clock = () => performance.now();

function recipientAnswer(address) {
  const local = address.split('@')[0].toLowerCase();
  if (local.startsWith('refuse')) return { code: 550, enhanced: '5.1.1', text: 'No such user here' };
  if (local.startsWith('defer')) return { code: 451, enhanced: '4.3.0', text: 'Try again later' };
  if (local.startsWith('close421')) return { code: 421, enhanced: '4.3.2', text: 'Service shutting down' };
  if (local.startsWith('hangup')) return 'hangup';
  if (local.startsWith('stall')) return 'stall';
  return null;
}

/**
 * Starts a server on 127.0.0.1 (port 0: any free one). Options: `lmtp`,
 * `extensions` (EHLO keywords; default PIPELINING, 8BITMIME, SIZE,
 * ENHANCEDSTATUSCODES, SMTPUTF8, CHUNKING, plus STARTTLS with `tls` and AUTH
 * with `users`), `tls` ({key, cert} PEM for STARTTLS), `users` ({name:
 * password}: the AUTH mechanisms, tokens are "token-for-<name>"),
 * `secure` (TLS from the first byte, with `tls`), `path` (a Unix socket
 * instead of a port), `idleTimeoutMs`,
 * `maxMessageSize`, `keepData` (false: count the octets
 * only, for large messages). Resolves to { port, messages,
 * sessions, close() }: each message is { from, to, data (Buffer), size, bdat },
 * each session lists the server events' types per socket read, so a test
 * can see what arrived together (pipelining).
 */
export async function startServer(options = {}) {
  const { lmtp = false, tls: tlsConfig, users, idleTimeoutMs, maxMessageSize, port = 0, keepData = true, secure = false, path } = options;
  const extensions = options.extensions ?? [
    'PIPELINING', '8BITMIME', 'SIZE', 'ENHANCEDSTATUSCODES', 'SMTPUTF8', 'CHUNKING',
    ...(tlsConfig ? ['STARTTLS'] : []), ...(users ? ['AUTH'] : []),
  ];
  const messages = [];
  const sessions = [];
  const sockets = new Set();
  const context = tlsConfig ? tls.createSecureContext(tlsConfig) : null;

  const onConnection = (socket) => {
    // Replies go at once: with Nagle's algorithm a reply written while an
    // earlier one is unacknowledged waits for the client's delayed ACK.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  };
  // `secure`: TLS from the first byte (RFC 8314), with `tls` as the key.
  const server = secure ? tls.createServer({ ...tlsConfig }, onConnection) : net.createServer(onConnection);

  function serve(raw) {
    const conn = new ServerConnection({
      hostname: 'mx.test',
      lmtp,
      extensions,
      implicitTls: secure,
      ...(users ? { authMechanisms: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256', 'XOAUTH2', 'OAUTHBEARER'], authRequiresTls: false } : {}),
      ...(idleTimeoutMs ? { timeoutMs: idleTimeoutMs } : {}),
      ...(maxMessageSize ? { maxMessageSize } : {}),
    }, clock());
    const session = { reads: [] };
    sessions.push(session);
    let socket = raw;
    let stalled = false;
    let current = null;
    let timer = null;
    conn.setNonce(randomBytes(18).toString('base64'));
    // The greeting is queued by the constructor.
    flush();
    schedule();

    const onData = (data) => {
      if (stalled || conn.isClosed()) return;
      const before = session.reads.length;
      session.reads.push([]);
      conn.receiveData(data, clock());
      pump(before);
    };
    socket.on('data', onData);
    socket.on('end', () => { if (!conn.isClosed()) { conn.receiveEof(clock()); pump(session.reads.length - 1); } });
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(timer); conn.free(); });

    function answer(ev) {
      switch (ev.type) {
        case 'MailFrom':
          if (ev.from.toLowerCase().startsWith('refuse')) return conn.reply({ code: 553, enhanced: '5.7.1', text: 'Sender refused' });
          current = { from: ev.from, to: [], chunks: [], size: 0, bdat: false };
          return conn.accept();
        case 'RcptTo': {
          const special = recipientAnswer(ev.to);
          if (special === 'hangup') { socket.destroy(); return 'stop'; }
          if (special === 'stall') { stalled = true; flush(); return 'stop'; }
          if (special) return conn.reply(special);
          current?.to.push(ev.to);
          return conn.accept();
        }
        case 'MessageEnd': {
          const data = Buffer.concat(current?.chunks ?? []);
          const message = { from: current?.from, to: ev.recipients, data, size: current?.size ?? 0, bdat: current?.bdat ?? false };
          if (lmtp) {
            for (const rcpt of ev.recipients) {
              if (rcpt.split('@')[0].toLowerCase().startsWith('undeliverable')) conn.reply({ code: 550, enhanced: '5.2.1', text: 'Mailbox disabled' });
              else conn.accept();
            }
            messages.push(message);
            return undefined;
          }
          if (ev.recipients.some((r) => r.toLowerCase().startsWith('rejectdata'))) {
            return conn.reply({ code: 554, enhanced: '5.6.0', text: 'Message refused' });
          }
          messages.push(message);
          return conn.reply({ code: 250, enhanced: '2.0.0', text: `Ok: queued as ${messages.length}` });
        }
        default:
          return ev.needsAnswer ? conn.accept() : undefined;
      }
    }

    function checkAuth(ev) {
      const v = ev.verification;
      const known = (name) => Object.hasOwn(users, name);
      switch (v.type) {
        case 'Plain': case 'Login':
          if (!(known(v.username) && users[v.username] === v.password)) conn.reply({ code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' });
          else conn.accept();
          return;
        case 'CramMd5':
          if (!(known(v.username) && verifyCramMd5(users[v.username], v.challenge, v.digest))) conn.reply({ code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' });
          else conn.accept();
          return;
        case 'OAuth':
          if (!(v.username && known(v.username) && v.token === `token-for-${v.username}`)) conn.reply({ code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' });
          else conn.accept();
          return;
        case 'NeedCredentials':
          if (!known(v.username)) conn.reply({ code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' });
          else conn.provideScramCredentials({ password: users[v.username], salt: `salt-of-${v.username}`, iterations: 4096 });
          return;
        default:
          conn.reply(504, '5.5.4 Unrecognized authentication type');
      }
    }

    function pump(read) {
      for (let ev = conn.pollEvent(); ev; ev = conn.pollEvent()) {
        session.reads[read]?.push(ev.type);
        if (ev.type === 'MessageData') {
          if (current) {
            current.size += ev.data.length;
            if (keepData) current.chunks.push(Buffer.from(ev.data));
          }
          continue;
        }
        if (ev.type === 'Bdat' && current) { current.bdat = true; continue; }
        if (ev.type === 'Auth') { checkAuth(ev); continue; }
        if (ev.type === 'TlsHandshake') {
          flush();
          upgrade();
          return;
        }
        if (answer(ev) === 'stop') return;
        if (ev.type === 'MessageEnd') conn.setNonce(randomBytes(18).toString('base64'));
      }
      flush();
      if (conn.isClosed()) { socket.end(); return; }
      schedule();
    }

    function flush() {
      const out = conn.takeTransmit();
      if (out.length && !socket.destroyed) socket.write(out);
    }

    function schedule() {
      clearTimeout(timer);
      const at = conn.pollTimeout();
      if (at === null) return;
      timer = setTimeout(() => { conn.handleTimeout(clock()); pump(session.reads.length - 1); }, Math.max(0, at - clock()));
      timer.unref();
    }

    function upgrade() {
      socket.off('data', onData);
      const upgraded = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      socket = upgraded;
      upgraded.on('error', () => {});
      upgraded.once('secure', () => {
        conn.tlsEstablished(clock());
        upgraded.on('data', onData);
        pump(session.reads.length - 1);
      });
    }
  }

  await new Promise((resolve) => (path ? server.listen(path, resolve) : server.listen(port, '127.0.0.1', resolve)));
  return {
    port: path ? null : server.address().port,
    messages,
    sessions,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const srv = await startServer({ port: Number(process.argv[2] ?? 2525), users: { user: 'password' } });
  console.log(`smtp-rs example server on 127.0.0.1:${srv.port} (Ctrl-C to stop)`);
}
