// The high-level client against aiosmtpd from PyPI (a server we did not
// write): no PIPELINING or CHUNKING there, so commands go one at a time
// and BDAT falls back to DATA. The Python is AIOSMTPD_PYTHON (ci.sh makes
// a throw-away venv with aiosmtpd), else .venv/bin/python, else python3;
// without aiosmtpd the test is skipped, except under CI where it fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  LMTP, SMTP, SMTPAuthenticationError, SMTPNotSupportedError, SMTPRecipientsRefused, SMTPServerDisconnected, SMTPTimeoutError,
} from 'smtp-rs';
import { testCerts, timed } from './client-support.mjs';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const venvPython = join(PKG, '.venv/bin/python');
const python = process.env.AIOSMTPD_PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');
let available = true;
try {
  execFileSync(python, ['-c', 'import aiosmtpd'], { stdio: 'ignore' });
} catch {
  available = false;
  if (process.env.CI) throw new Error(`aiosmtpd is not importable by ${python}: ci.sh installs it into a venv`);
}

let child;
let ports;
const messages = [];

before(async () => {
  if (!available) return;
  const { dir } = testCerts();
  child = spawn(python, [fileURLToPath(new URL('client-aiosmtpd-server.py', import.meta.url)), join(dir, 'cert.pem'), join(dir, 'key.pem')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  ports = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('aiosmtpd did not start')), 20_000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(JSON.parse(line)); });
    child.once('exit', (code) => reject(new Error(`aiosmtpd exited with ${code}`)));
  });
  lines.on('line', (line) => {
    const m = JSON.parse(line);
    messages.push({ ...m, data: Buffer.from(m.data, 'base64').toString('latin1') });
  });
});

after(() => {
  child?.stdin.end();
  child?.kill();
});

/** The message aiosmtpd reports after `count` others (its line may come
 * a moment after the client got the 250). */
async function message(count) {
  for (let i = 0; i < 200 && messages.length <= count; i++) await new Promise((r) => setTimeout(r, 10));
  return messages[count];
}

const MESSAGE = 'From: a@x.test\r\nSubject: to aiosmtpd\r\n\r\n.leading dot\r\n.\r\nend\r\n';
const open = (extra = {}) => SMTP.connect({ host: '127.0.0.1', port: ports.smtp, timeoutMs: 5000, ...extra });
const opts = { skip: !available && 'aiosmtpd is not installed' };

test('aiosmtpd: ehlo, noop, a message with a refused recipient, one command per reply', opts, async () => {
  const s = await open();
  await s.ehlo();
  assert.equal(s.hasExtn('pipelining'), false, 'aiosmtpd offers no PIPELINING');
  assert.equal(s.hasExtn('starttls'), true);
  assert.deepEqual(await s.noop(), [250, 'OK']);
  const n = messages.length;
  const refused = await s.sendmail('a@x.test', ['b@y.test', 'refuse@y.test', 'c@y.test'], MESSAGE);
  assert.deepEqual(refused, { 'refuse@y.test': [550, '5.1.1 No such user here'] });
  const m = await message(n);
  assert.deepEqual(m.to, ['b@y.test', 'c@y.test']);
  assert.equal(m.data, MESSAGE, 'aiosmtpd got the message unstuffed, byte for byte');
  s.useChunking = true;
  assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], MESSAGE), {}, 'no CHUNKING offered: DATA');
  assert.equal((await message(n + 1)).data, MESSAGE);
  await assert.rejects(s.sendmail('a@x.test', ['refuse@y.test'], MESSAGE), SMTPRecipientsRefused);
  assert.equal((await s.quit())[0], 221);
});

test('aiosmtpd: AUTH PLAIN and LOGIN, a wrong password, after STARTTLS', opts, async () => {
  const { ca } = testCerts();
  for (const mechanism of ['PLAIN', 'LOGIN']) {
    const s = await open({ host: 'localhost', tls: { ca } });
    assert.equal((await s.starttls())[0], 220);
    assert.equal(s.isTls, true);
    assert.equal((await s.login('tim', 'secret', { mechanism }))[0], 235, mechanism);
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], MESSAGE), {});
    await s.quit();
  }
  const s = await open();
  await assert.rejects(s.login('tim', 'wrong'), (e) => e instanceof SMTPAuthenticationError && e.smtpCode === 535);
  await assert.rejects(s.login('tim', 'secret', { mechanism: 'CRAM-MD5' }), (e) => e instanceof SMTPAuthenticationError, 'not offered by aiosmtpd: refused by it');
  await s.quit();
});

test('aiosmtpd LMTP: one reply per recipient after the data', opts, async () => {
  const s = await LMTP.connect({ host: '127.0.0.1', port: ports.lmtp, timeoutMs: 5000 });
  const refused = await s.sendmail('a@x.test', ['b@y.test', 'undeliverable@y.test'], MESSAGE);
  assert.deepEqual(refused, { 'undeliverable@y.test': [550, '5.2.1 Mailbox disabled'] });
  await assert.rejects(s.sendmail('a@x.test', ['undeliverable@y.test'], MESSAGE), SMTPRecipientsRefused);
  await assert.rejects(s.starttls(), SMTPNotSupportedError);
  await s.quit();
});

test('aiosmtpd: a 421 at RCPT, a stalled reply, a hang-up', opts, async () => {
  const a = await open();
  await assert.rejects(a.sendmail('a@x.test', ['close421@y.test'], MESSAGE), (e) => e instanceof SMTPRecipientsRefused
    && e.recipients['close421@y.test'][0] === 421);
  await assert.rejects(a.noop(), SMTPServerDisconnected);
  const b = await open({ timeoutMs: 300 });
  const { error, ms } = await timed(() => b.sendmail('a@x.test', ['stall@y.test'], MESSAGE));
  assert.ok(error instanceof SMTPTimeoutError && error.phase === 'Rcpt', String(error));
  assert.ok(ms < 3000, `${ms} ms`);
  const c = await open();
  await assert.rejects(c.sendmail('a@x.test', ['hangup@y.test'], MESSAGE), SMTPServerDisconnected);
});
