// The nodemailer shape: SMTP#sendMail's info, and SmtpRsTransport under
// nodemailer 10 (createTransport composes the MIME message; our engine
// sends it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { LMTP, SMTP, SMTPRecipientsRefused, SMTPSenderRefused, SmtpRsTransport } from 'smtp-rs';
import { startServer } from '../examples/smtp-server.mjs';
import { testCerts } from './client-support.mjs';

let srv;
let lmtp;
before(async () => {
  const { key, cert } = testCerts();
  srv = await startServer({ users: { tim: 'secret' }, tls: { key, cert } });
  lmtp = await startServer({ lmtp: true });
});
after(async () => { await Promise.all([srv?.close(), lmtp?.close()]); });

const RAW = 'Message-ID: <abc@x.test>\r\nFrom: A <a@x.test>\r\nSubject: hi\r\n\r\nhello\r\n';

test('sendMail resolves to nodemailer\'s info', async () => {
  const s = await SMTP.connect({ host: '127.0.0.1', port: srv.port });
  const info = await s.sendMail({ from: '"A" <a@x.test>', to: 'b@y.test, "Refuse, Me" <refuse@y.test>', cc: [{ name: 'C', address: 'c@y.test' }], bcc: 'd@y.test', raw: RAW });
  assert.deepEqual(info.accepted, ['b@y.test', 'c@y.test', 'd@y.test']);
  assert.deepEqual(info.rejected, ['refuse@y.test']);
  assert.equal(info.rejectedErrors.length, 1);
  assert.equal(info.rejectedErrors[0].code, 'EENVELOPE');
  assert.equal(info.rejectedErrors[0].responseCode, 550);
  assert.equal(info.rejectedErrors[0].recipient, 'refuse@y.test');
  assert.equal(info.rejectedErrors[0].command, 'RCPT TO');
  assert.match(info.response, /^250 2\.0\.0 Ok: queued as \d+$/);
  assert.deepEqual(info.envelope, { from: 'a@x.test', to: ['b@y.test', 'refuse@y.test', 'c@y.test', 'd@y.test'] });
  assert.equal(info.messageId, '<abc@x.test>');
  assert.deepEqual(srv.messages.at(-1).to, ['b@y.test', 'c@y.test', 'd@y.test']);
  const env = await s.sendMail({ from: 'x@x.test', to: 'ignored@y.test', envelope: { from: 'bounce@x.test', to: ['e@y.test'] }, raw: new TextEncoder().encode(RAW) });
  assert.deepEqual(env.envelope, { from: 'bounce@x.test', to: ['e@y.test'] });
  assert.equal(srv.messages.at(-1).from, 'bounce@x.test');
  await assert.rejects(s.sendMail({ from: 'refuse@x.test', to: 'b@y.test', raw: RAW }), (e) => e instanceof SMTPSenderRefused
    && e.code === 'EENVELOPE' && e.responseCode === 553 && e.command === 'MAIL FROM');
  await assert.rejects(s.sendMail({ from: 'a@x.test', to: 'refuse@y.test', raw: RAW }), (e) => e instanceof SMTPRecipientsRefused
    && e.code === 'EENVELOPE' && e.rejected[0] === 'refuse@y.test');
  await assert.rejects(s.sendMail({ from: 'a@x.test', to: 'b@y.test' }), /mail\.raw is required/);
  await s.quit();
});

test('sendMail over LMTP: a recipient refused after the data is in rejected', async () => {
  const s = await LMTP.connect({ host: '127.0.0.1', port: lmtp.port });
  const info = await s.sendMail({ from: 'a@x.test', to: ['b@y.test', 'undeliverable@y.test'], raw: RAW });
  assert.deepEqual(info.accepted, ['b@y.test']);
  assert.deepEqual(info.rejected, ['undeliverable@y.test']);
  assert.equal(info.rejectedErrors[0].code, 'EMESSAGE');
  assert.equal(info.rejectedErrors[0].responseCode, 550);
  await s.quit();
});

test('nodemailer.createTransport(new SmtpRsTransport(...)): STARTTLS, AUTH, pooled and not', async () => {
  const { ca } = testCerts();
  for (const pool of [false, true]) {
    const transport = new SmtpRsTransport({ host: 'localhost', port: srv.port, tls: { ca }, auth: { user: 'tim', pass: 'secret' }, pool, requireTLS: true });
    assert.equal(transport.name, 'SmtpRs');
    const transporter = nodemailer.createTransport(transport);
    const n = srv.messages.length;
    const sessions = srv.sessions.length;
    const infos = await Promise.all([1, 2, 3].map((i) => transporter.sendMail({
      from: 'Alice <a@x.test>', to: ['b@y.test', 'refuse@y.test'], subject: `note ${i}`, text: `.line with a dot\n${'x'.repeat(2000)}\n`,
    })));
    for (const info of infos) {
      assert.deepEqual(info.accepted, ['b@y.test']);
      assert.deepEqual(info.rejected, ['refuse@y.test']);
      assert.match(info.messageId, /^<.+@x\.test>$/);
      assert.deepEqual(info.envelope, { from: 'a@x.test', to: ['b@y.test', 'refuse@y.test'] });
    }
    const got = srv.messages.slice(n);
    assert.equal(got.length, 3);
    for (const m of got) {
      const text = m.data.toString();
      assert.match(text, /^Subject: note \d/m);
      assert.match(text, /\r\n\.line with a dot\r\n/, 'nodemailer\'s body arrived unstuffed');
    }
    assert.equal(srv.sessions.length - sessions, pool ? 1 : 3, pool ? 'one connection for all' : 'one per message');
    assert.equal(await transporter.verify(), true);
    transporter.close();
    await transport.close();
  }
});

test('the transport version is the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(new SmtpRsTransport({ host: 'localhost' }).version, pkg.version);
});
