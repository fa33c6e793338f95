// The high-level client in Deno, through the Deno socket adapter
// (Deno.connect / Deno.startTls), against servers the Node test runner
// started (test/client-deno.test.mjs): every verb, each AUTH mechanism,
// STARTTLS, LMTP, BDAT, refusals, 421, a timeout and a hang-up. Prints one
// JSON line: [{name, ok, error?}].
//   deno run --allow-net --allow-read test/deno/client.mjs '{"plain":P,"tls":T,"lmtp":L,"ca":"..."}'
import assert from 'node:assert/strict';
import * as smtp from '../../js/web.js';
import { runChecks } from '../client-checks.js';

const { SMTP, LMTP } = smtp;
const config = JSON.parse(Deno.args[0]);
const MESSAGE = 'From: a@x.test\r\nSubject: deno\r\n\r\n.dot\r\nbody\r\n';
const open = (port, extra = {}) => SMTP.connect({ host: '127.0.0.1', port, timeoutMs: 5000, ...extra });

const checks = {
  async 'the deno adapter is the default'() {
    assert.equal(smtp.runtime, 'web');
    assert.equal(smtp.getDefaultAdapter()?.name, 'deno');
  },
  async 'connect, ehlo, hasExtn, noop, rset, verify, help, docmd, helo, quit'() {
    const s = await open(config.plain);
    assert.equal((await s.ehlo())[0], 250);
    assert.equal(s.hasExtn('pipelining'), true);
    assert.deepEqual(await s.noop(), [250, '2.0.0 OK']);
    assert.equal((await s.rset())[0], 250);
    assert.equal((await s.verify('x'))[0], 502);
    assert.equal(typeof (await s.help()), 'string');
    assert.equal((await s.docmd('NOOP'))[0], 250);
    assert.equal((await s.helo())[0], 250);
    assert.equal((await s.quit())[0], 221);
    await assert.rejects(s.noop(), smtp.SMTPServerDisconnected);
  },
  async 'sendmail: refused map; string, bytes and ReadableStream bodies; BDAT'() {
    const s = await open(config.plain);
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test', 'refuse@y.test'], MESSAGE), { 'refuse@y.test': [550, '5.1.1 No such user here'] });
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], new TextEncoder().encode(MESSAGE)), {});
    s.useChunking = true;
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(MESSAGE)); c.close(); } });
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], stream), {});
    await s.quit();
  },
  async 'sendmail errors: sender, recipients, data'() {
    const s = await open(config.plain);
    await assert.rejects(s.sendmail('refuse@x.test', ['b@y.test'], MESSAGE), smtp.SMTPSenderRefused);
    await assert.rejects(s.sendmail('a@x.test', ['refuse@y.test'], MESSAGE), smtp.SMTPRecipientsRefused);
    await assert.rejects(s.sendmail('a@x.test', ['rejectdata@y.test'], MESSAGE), smtp.SMTPDataError);
    await assert.rejects(s.sendmail('a@x.test', ['b@y.test\r\nRSET'], MESSAGE), smtp.SmtpLocalError);
    assert.equal((await s.noop())[0], 250);
    await s.quit();
  },
  async 'login with each mechanism; a wrong password'() {
    for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256', 'XOAUTH2', 'OAUTHBEARER']) {
      const s = await open(config.plain);
      const secret = mechanism.includes('OAUTH') ? 'token-for-tim' : 'secret';
      assert.equal((await s.login('tim', secret, { mechanism }))[0], 235, mechanism);
      await s.quit();
    }
    const s = await open(config.plain);
    await assert.rejects(s.login('tim', 'wrong'), smtp.SMTPAuthenticationError);
    await s.close();
  },
  async 'STARTTLS with the test CA (Deno.startTls), then AUTH and a message'() {
    const s = await open(config.tls, { host: 'localhost', tls: { ca: config.ca } });
    assert.equal((await s.starttls())[0], 220);
    assert.equal(s.isTls, true);
    assert.equal((await s.login('tim', 'secret'))[0], 235);
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], MESSAGE), {});
    await s.quit();
  },
  async 'STARTTLS without the CA: the error says the certificate is not trusted'() {
    const s = await open(config.tls, { host: 'localhost' });
    await assert.rejects(s.starttls(), (e) => e instanceof smtp.SMTPServerDisconnected && /not trusted.*tls\.ca/.test(e.message));
  },
  async 'LMTP: per-recipient replies'() {
    const s = await LMTP.connect({ host: '127.0.0.1', port: config.lmtp, timeoutMs: 5000 });
    assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test', 'undeliverable@y.test'], MESSAGE), { 'undeliverable@y.test': [550, '5.2.1 Mailbox disabled'] });
    await s.quit();
  },
  async 'sendMail (nodemailer info)'() {
    const s = await open(config.plain);
    const info = await s.sendMail({ from: 'a@x.test', to: 'b@y.test, refuse@y.test', raw: MESSAGE });
    assert.deepEqual([info.accepted, info.rejected], [['b@y.test'], ['refuse@y.test']]);
    await s.quit();
  },
  async '421, a stalled server, a hang-up'() {
    const a = await open(config.plain);
    await assert.rejects(a.sendmail('a@x.test', ['close421@y.test'], MESSAGE), smtp.SMTPRecipientsRefused);
    await assert.rejects(a.noop(), smtp.SMTPServerDisconnected);
    const b = await open(config.plain, { timeoutMs: 300 });
    await assert.rejects(b.sendmail('a@x.test', ['stall@y.test'], MESSAGE), smtp.SMTPTimeoutError);
    const c = await open(config.plain);
    await assert.rejects(c.sendmail('a@x.test', ['hangup@y.test'], MESSAGE), smtp.SMTPServerDisconnected);
  },
};

console.log(JSON.stringify(await runChecks(checks)));
