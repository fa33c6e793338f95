// Shared by the client-*.test.mjs files: test certificates (a CA and a
// leaf it signed, made by openssl at test time), scripted raw servers, and
// small helpers. Loopback only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let certs = null;

/**
 * A test CA and a server certificate it signed: CA:FALSE, serverAuth,
 * SAN localhost and 127.0.0.1 (workerd and Deno refuse a self-signed
 * certificate used as the server's own). Also a self-signed one, for the
 * "not trusted" cases. Made once per process: `{ca, key, cert, selfKey,
 * selfCert, dir}`; `dir` holds ca.pem, key.pem, cert.pem.
 */
export function testCerts() {
  if (certs) return certs;
  const dir = mkdtempSync(join(tmpdir(), 'smtp-rs-certs-'));
  const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=smtp-rs test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem',
    '-days', '2', '-extfile', 'leaf.ext');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  certs = { dir, ca: read('ca.pem'), key: read('key.pem'), cert: read('cert.pem'), selfKey: read('self.key'), selfCert: read('self.pem') };
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return certs;
}

/**
 * A raw server: `script(socket, lines)` runs per connection, where
 * `lines` is an async iterator of what the client sends, line by line.
 * Resolves to { port, close() }.
 */
export async function rawServer(script) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    script(socket, lineReader(socket)).catch(() => socket.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function* lineReader(socket) {
  let buffer = '';
  for await (const chunk of socket) {
    buffer += chunk.toString('latin1');
    let i;
    while ((i = buffer.indexOf('\r\n')) >= 0) {
      yield buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
    }
  }
}

/** Milliseconds `fn` took, and its result or error. */
export async function timed(fn) {
  const t0 = performance.now();
  try {
    return { value: await fn(), ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}
