// The high-level client (SMTP, LMTP) over real loopback sockets against
// the example server on the wasm ServerConnection (examples/smtp-server.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  LMTP, SMTP, SMTPAuthenticationError, SMTPConnectError, SMTPDataError, SMTPNotSupportedError, SMTPRecipientsRefused,
  SMTPResponseException, SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError, SmtpLocalError,
} from 'smtp-rs';
import { startServer } from '../examples/smtp-server.mjs';
import { testCerts, timed } from './client-support.mjs';

const USERS = { tim: 'tanstaaftanstaaf', 'user@example.com': 'pencil' };
let plain;
let secure;
let lmtp;

before(async () => {
  const certs = testCerts();
  plain = await startServer({ users: USERS });
  secure = await startServer({ users: USERS, tls: { key: certs.key, cert: certs.cert } });
  lmtp = await startServer({ lmtp: true });
});

after(async () => {
  await Promise.all([plain?.close(), secure?.close(), lmtp?.close()]);
});

const open = (server, extra = {}) => SMTP.connect({ host: '127.0.0.1', port: server.port, timeoutMs: 5000, ...extra });
const MESSAGE = 'From: a@x.test\r\nSubject: hi\r\n\r\n.leading dot\r\n.\r\nend\r\n';
const lastMessage = (server) => server.messages.at(-1);

test('connect, ehlo, hasExtn and the [code, text] replies', async () => {
  const s = new SMTP({ host: '127.0.0.1', port: plain.port });
  assert.deepEqual((await s.connect())[0], 220);
  const [code, text] = await s.ehlo();
  assert.equal(code, 250);
  assert.match(text, /^mx\.test /);
  assert.equal(s.doesEsmtp, true);
  assert.equal(s.hasExtn('PIPELINING'), true);
  assert.equal(s.hasExtn('chunking'), true);
  assert.equal(s.hasExtn('STARTTLS'), false);
  assert.equal(s.esmtpFeatures.auth, 'PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER');
  assert.deepEqual(s.capabilities.authMechanisms.length, 6);
  assert.deepEqual(await s.noop(), [250, '2.0.0 OK']);
  assert.equal((await s.rset())[0], 250);
  assert.deepEqual(await s.verify('tim'), [502, '5.5.1 Command not implemented'], 'the server\'s refusal, as a reply');
  assert.equal(typeof (await s.help()), 'string');
  assert.equal((await s.docmd('NOOP'))[0], 250);
  assert.deepEqual((await s.helo())[0], 250);
  assert.equal(s.doesEsmtp, false, 'HELO forgets the extensions');
  const [quitCode] = await s.quit();
  assert.equal(quitCode, 221);
  await assert.rejects(s.noop(), SMTPServerDisconnected);
});

test('sendmail: MAIL, RCPT and DATA pipelined in one write; refused map; dot-stuffing', async () => {
  const before = plain.sessions.length;
  const s = await open(plain);
  const refused = await s.sendmail('Alice <a@x.test>', ['b@y.test', 'refuse-me@y.test', 'defer@y.test'], MESSAGE);
  assert.deepEqual(refused, {
    'refuse-me@y.test': [550, '5.1.1 No such user here'],
    'defer@y.test': [451, '4.3.0 Try again later'],
  });
  const m = lastMessage(plain);
  assert.equal(m.from, 'a@x.test');
  assert.deepEqual(m.to, ['b@y.test']);
  assert.equal(m.data.toString(), MESSAGE, 'the server got the body back unstuffed, byte for byte');
  assert.equal(m.bdat, false);
  const reads = plain.sessions[before].reads;
  assert.ok(reads.some((r) => r.join() === 'MailFrom,RcptTo,RcptTo,RcptTo,Data'), `one read held the envelope: ${JSON.stringify(reads)}`);
  await s.quit();
});

test('sendmail errors: SMTPSenderRefused, SMTPRecipientsRefused, SMTPDataError; the session goes on', async () => {
  const s = await open(plain);
  await assert.rejects(s.sendmail('refuse@x.test', ['b@y.test'], MESSAGE), (e) => e instanceof SMTPSenderRefused
    && e.smtpCode === 553 && e.smtpError === '5.7.1 Sender refused' && e.sender === 'refuse@x.test');
  await assert.rejects(s.sendmail('a@x.test', ['refuse1@y.test', 'refuse2@y.test'], MESSAGE), (e) => {
    assert.ok(e instanceof SMTPRecipientsRefused);
    assert.deepEqual(e.recipients, { 'refuse1@y.test': [550, '5.1.1 No such user here'], 'refuse2@y.test': [550, '5.1.1 No such user here'] });
    return true;
  });
  await assert.rejects(s.sendmail('a@x.test', ['rejectdata@y.test'], MESSAGE), (e) => e instanceof SMTPDataError
    && e instanceof SMTPResponseException && e.smtpCode === 554);
  assert.deepEqual(await s.sendmail('a@x.test', 'b@y.test', MESSAGE), {}, 'a string recipient, as smtplib takes');
  await s.quit();
});

test('BDAT when asked for (useChunking) and offered; bodies of every kind', async () => {
  const s = await open(plain, { useChunking: true });
  const big = Buffer.alloc(300_000, 'x\r\n');
  const kinds = {
    string: MESSAGE,
    bytes: new TextEncoder().encode(MESSAGE),
    readableStream: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(MESSAGE.slice(0, 10))); c.enqueue(MESSAGE.slice(10)); c.close(); } }),
    asyncIterable: (async function* gen() { yield MESSAGE.slice(0, 5); yield new TextEncoder().encode(MESSAGE.slice(5)); })(),
    nodeReadable: Readable.from([Buffer.from(MESSAGE)]),
  };
  for (const [kind, body] of Object.entries(kinds)) {
    await s.sendmail('a@x.test', ['b@y.test'], body);
    assert.equal(lastMessage(plain).data.toString(), MESSAGE, kind);
    assert.equal(lastMessage(plain).bdat, true, kind);
  }
  await s.sendmail('a@x.test', ['b@y.test'], Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]));
  assert.ok(lastMessage(plain).data.equals(big), 'a multi-chunk body arrives whole');
  s.useChunking = false;
  await s.sendmail('a@x.test', ['b@y.test'], MESSAGE);
  assert.equal(lastMessage(plain).bdat, false, 'useChunking = false goes back to DATA');
  await s.quit();
});

test('pipelined BDAT: recipients refused while the body streams; a stream over the server\'s SIZE', async () => {
  let pulled = 0;
  async function* body(total) {
    const chunk = Buffer.alloc(64 * 1024, 'y\r\n');
    for (let sent = 0; sent < total; sent += chunk.length) {
      pulled += chunk.length;
      yield chunk;
    }
  }
  const s = await open(plain, { useChunking: true });
  await assert.rejects(s.sendmail('a@x.test', ['refuse1@y.test', 'refuse2@y.test'], body(64 << 20)), SMTPRecipientsRefused);
  assert.ok(pulled < 16 << 20, `the source was not read to its end (${pulled} octets pulled)`);
  assert.equal((await s.noop())[0], 250, 'the session goes on');
  assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], MESSAGE), {});
  assert.equal(lastMessage(plain).bdat, true);
  await s.quit();

  // SIZE (RFC 1870): a message of known size over the limit is refused
  // before anything is sent; a stream found too large midway cannot be
  // ended without delivering it cut short, so the connection is closed.
  const small = await startServer({ maxMessageSize: 100_000 });
  try {
    const t = await open(small, { useChunking: true });
    await assert.rejects(t.sendmail('a@x.test', ['b@y.test'], Buffer.alloc(200_000, 'z')), (e) => e instanceof SmtpLocalError && e.code === 'MessageTooLarge');
    assert.equal((await t.noop())[0], 250, 'nothing was sent: the session goes on');
    pulled = 0;
    await assert.rejects(t.sendmail('a@x.test', ['b@y.test'], body(64 << 20)), (e) => e instanceof SmtpLocalError && e.code === 'MessageTooLarge');
    assert.ok(pulled < 1 << 20, `stopped at the limit (${pulled} octets pulled)`);
    await assert.rejects(t.noop(), SMTPServerDisconnected);
    assert.equal(small.messages.length, 0, 'nothing was delivered');
  } finally {
    await small.close();
  }
});

test('LMTP: one reply per recipient after the data', async () => {
  const s = await LMTP.connect({ host: '127.0.0.1', port: lmtp.port, timeoutMs: 5000 });
  assert.equal((await s.ehlo())[0], 250, 'ehlo() sends LHLO');
  const refused = await s.sendmail('a@x.test', ['b@y.test', 'undeliverable@y.test', 'refuse@y.test'], MESSAGE);
  assert.deepEqual(refused, {
    'undeliverable@y.test': [550, '5.2.1 Mailbox disabled'],
    'refuse@y.test': [550, '5.1.1 No such user here'],
  });
  await assert.rejects(s.sendmail('a@x.test', ['undeliverable1@y.test', 'undeliverable2@y.test'], MESSAGE),
    (e) => e instanceof SMTPRecipientsRefused && Object.keys(e.recipients).length === 2);
  assert.equal((await s.noop())[0], 250);
  await s.quit();
});

test('LMTP over a Unix socket (a host starting with "/")', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-rs-lmtp-'));
  const path = join(dir, 'lmtp.sock');
  const unix = await startServer({ lmtp: true, path });
  try {
    const s = await LMTP.connect({ host: path, timeoutMs: 5000 });
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], MESSAGE), {});
    assert.equal(lastMessage(unix).data.toString(), MESSAGE);
    await s.quit();
  } finally {
    await unix.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an internationalised address: SMTPUTF8 when offered, SMTPNotSupportedError when not', async () => {
  const s = await open(plain);
  assert.deepEqual(await s.sendmail('jörg@x.test', ['b@y.test'], MESSAGE), {});
  assert.equal(lastMessage(plain).from, 'jörg@x.test');
  await s.quit();
  const ascii = await startServer({ extensions: ['PIPELINING', '8BITMIME'] });
  try {
    const t = await open(ascii);
    await assert.rejects(t.sendmail('jörg@x.test', ['b@y.test'], MESSAGE), (e) => e instanceof SMTPNotSupportedError && /SMTPUTF8/.test(e.message));
    assert.equal((await t.noop())[0], 250, 'nothing was sent; the session goes on');
    await t.quit();
  } finally {
    await ascii.close();
  }
});

test('login with each mechanism, a wrong password, and no AUTH offered', async () => {
  for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256']) {
    const s = await open(plain);
    assert.equal((await s.login('tim', USERS.tim, { mechanism }))[0], 235, mechanism);
    assert.equal(s.isAuthenticated, true);
    await s.quit();
  }
  for (const mechanism of ['XOAUTH2', 'OAUTHBEARER']) {
    const s = await open(plain);
    assert.equal((await s.login('tim', 'token-for-tim', { mechanism }))[0], 235, mechanism);
    await s.quit();
  }
  const s = await open(plain);
  assert.deepEqual(await s.login('tim', USERS.tim), [235, '2.7.0 Authentication successful'], 'the strongest offered first');
  await s.quit();
  const bad = await open(plain);
  await assert.rejects(bad.login('tim', 'wrong'), (e) => e instanceof SMTPAuthenticationError && e.smtpCode === 535);
  assert.equal((await bad.noop())[0], 250, 'a refused login leaves the session usable');
  await bad.quit();
  const none = await LMTP.connect({ host: '127.0.0.1', port: lmtp.port });
  await assert.rejects(none.login('tim', 'x'), SMTPNotSupportedError);
  await none.close();
});

test('STARTTLS with the test CA; untrusted and wrong-name certificates say what is wrong', async () => {
  const { ca } = testCerts();
  const s = await open(secure, { host: 'localhost', tls: { ca } });
  await s.ehlo();
  assert.equal(s.hasExtn('starttls'), true);
  assert.equal((await s.starttls())[0], 220);
  assert.equal(s.isTls, true);
  assert.equal(s.doesEsmtp, false, 'what was learnt before TLS is forgotten (RFC 3207 §4.2)');
  assert.equal((await s.login('tim', USERS.tim))[0], 235);
  assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], MESSAGE), {});
  assert.equal(lastMessage(secure).data.toString(), MESSAGE);
  await s.quit();

  const untrusted = await open(secure, { host: 'localhost' });
  await assert.rejects(untrusted.starttls(), (e) => {
    assert.ok(e instanceof SMTPServerDisconnected, String(e));
    assert.match(e.message, /not trusted.*tls\.ca/);
    return true;
  });
  const wrongName = await open(secure, { host: '127.0.0.1', tls: { ca, servername: 'mail.example.org' } });
  await assert.rejects(wrongName.starttls(), (e) => {
    assert.match(e.message, /does not name.*servername/);
    return true;
  });
  const noTls = await open(plain);
  await assert.rejects(noTls.starttls(), SMTPNotSupportedError);
  await noTls.close();
});

test('implicit TLS (secure: true); secure against a plain port says to use starttls()', async () => {
  const { ca, key, cert } = testCerts();
  const implicit = await startServer({ secure: true, tls: { key, cert } });
  try {
    const s = await SMTP.connect({ host: 'localhost', port: implicit.port, secure: true, tls: { ca }, timeoutMs: 5000, localHostname: 'client.example' });
    assert.equal(s.isTls, true);
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], MESSAGE), {});
    assert.equal(lastMessage(implicit).data.toString(), MESSAGE);
    await s.quit();
    await assert.rejects(SMTP.connect({ host: 'localhost', port: plain.port, secure: true, tls: { ca }, timeoutMs: 5000 }),
      (e) => e instanceof SMTPConnectError && /plain SMTP.*starttls\(\)/.test(e.message));
  } finally {
    await implicit.close();
  }
});

test('421 in the middle of a transaction: the error, then the connection is closed', async () => {
  const s = await open(plain);
  await assert.rejects(s.sendmail('a@x.test', ['close421@y.test'], MESSAGE), (e) => e instanceof SMTPRecipientsRefused
    && e.recipients['close421@y.test'][0] === 421);
  await assert.rejects(s.noop(), SMTPServerDisconnected);
});

test('a server that stops answering: SMTPTimeoutError within timeoutMs', async () => {
  const s = await open(plain, { timeoutMs: 300 });
  const { error, ms } = await timed(() => s.sendmail('a@x.test', ['stall@y.test'], MESSAGE));
  assert.ok(error instanceof SMTPTimeoutError, String(error));
  assert.equal(error.phase, 'Rcpt');
  assert.ok(ms < 3000, `bounded: ${ms} ms`);
  await assert.rejects(s.noop(), SMTPServerDisconnected);
});

test('a server that hangs up: SMTPServerDisconnected', async () => {
  const s = await open(plain);
  await assert.rejects(s.sendmail('a@x.test', ['hangup@y.test'], MESSAGE), (e) => e instanceof SMTPServerDisconnected
    && /unexpectedly closed/.test(e.message));
});

test('connection refused and a timeout while connecting are SMTPConnectError', async () => {
  const closed = await startServer();
  const port = closed.port;
  await closed.close();
  await assert.rejects(SMTP.connect({ host: '127.0.0.1', port, timeoutMs: 2000 }), (e) => e instanceof SMTPConnectError
    && e.smtpCode === -1 && e.code === 'ECONNREFUSED');
});

test('calls are serialised: concurrent sendmail calls all complete, in order', async () => {
  const s = await open(plain);
  const n = plain.messages.length;
  const results = await Promise.all([1, 2, 3, 4, 5].map((i) => s.sendmail('a@x.test', ['b@y.test'], `Subject: ${i}\r\n\r\nbody ${i}\r\n`)));
  assert.deepEqual(results, [{}, {}, {}, {}, {}]);
  assert.deepEqual(plain.messages.slice(n).map((m) => m.data.toString().split('\r\n')[0]), ['Subject: 1', 'Subject: 2', 'Subject: 3', 'Subject: 4', 'Subject: 5']);
  await s.quit();
});

test('bad input: TypeError for wrong types, SmtpLocalError for CR/LF in an address, nothing sent', async () => {
  assert.throws(() => new SMTP({ port: 'x' }), TypeError);
  assert.throws(() => new SMTP({ hots: 'x' }), /unknown option "hots"/);
  const s = await open(plain);
  await assert.rejects(s.sendmail(1, ['b@y.test'], MESSAGE), TypeError);
  await assert.rejects(s.sendmail('a@x.test', [2], MESSAGE), TypeError);
  await assert.rejects(s.sendmail('a@x.test', ['b@y.test'], 42), /message must be a string, a Uint8Array/);
  await assert.rejects(s.login('tim', 5), TypeError);
  await s.ehlo();
  const session = plain.sessions.at(-1);
  const seen = session.reads.flat().length;
  await assert.rejects(s.sendmail('a@x.test', ['b@y.test\r\nRSET'], MESSAGE), (e) => e instanceof SmtpLocalError);
  await assert.rejects(s.sendmail('a@x.test\r\nDATA', ['b@y.test'], MESSAGE), SmtpLocalError);
  assert.equal((await s.noop())[0], 250);
  assert.deepEqual(session.reads.flat().slice(seen), ['Noop'], 'nothing of the refused transactions reached the server');
  await s.quit();
});
