// Every verb of ServerConnection, fed scripted client bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, bytes, lib, text, types } from './helpers.mjs';

/** A server fed scripted client bytes: `send("EHLO x")` delivers lines
 * (CRLF added) and returns the events; `out()` takes what it sent. */
function scripted(config = {}, clock = new Clock()) {
  const server = new lib.ServerConnection({ hostname: 'mx.example', ...config }, clock.now);
  return {
    server,
    clock,
    send(...lines) {
      server.receiveData(bytes(lines.map((l) => `${l}\r\n`).join('')), clock.tick());
      return server.pollEvents();
    },
    raw(s) {
      server.receiveData(bytes(s), clock.tick());
      return server.pollEvents();
    },
    out() {
      return text(server.takeTransmit());
    },
  };
}

test('greeting, accept and the default replies; wantsInput and awaitingAnswer', () => {
  const s = scripted();
  assert.equal(s.out(), '220 mx.example ESMTP ready\r\n');
  assert.equal(s.server.wantsInput(), true);
  const [ehlo] = s.send('EHLO client.example');
  assert.deepEqual(ehlo, { type: 'Ehlo', domain: 'client.example', needsAnswer: true, final: false });
  assert.equal(s.server.awaitingAnswer(), true);
  assert.equal(s.server.wantsInput(), false);
  s.server.accept();
  assert.match(s.out(), /^250-mx\.example Hello client\.example\r\n(250-.*\r\n)*250 .*\r\n$/);
  assert.equal(s.server.awaitingAnswer(), false);
  assert.throws(() => s.server.accept(), { name: 'SmtpLocalError', code: 'InvalidState' });
});

test('reply in its three forms', () => {
  const s = scripted();
  s.out();
  s.send('EHLO client.example');
  s.server.reply(250, 'mx.example at your service');
  assert.equal(s.out(), '250 mx.example at your service\r\n');
  s.send('MAIL FROM:<a@x.example>');
  s.server.reply({ code: 550, enhanced: '5.7.1', text: 'not you\nnor your friends' });
  assert.equal(s.out(), '550-5.7.1 not you\r\n550 5.7.1 nor your friends\r\n');
  s.send('NOOP');
  s.server.reply({ code: 250, lines: ['first', 'second'] });
  assert.equal(s.out(), '250-first\r\n250 second\r\n');
  s.send('NOOP');
  assert.throws(() => s.server.reply(354, 'not for NOOP'), { name: 'SmtpLocalError', code: 'UnsuitableReply' });
  assert.throws(() => s.server.reply(199, 'x'), TypeError);
  assert.throws(() => s.server.reply({ code: 250, enhanced: '9.9', text: 'x' }), TypeError);
  s.server.reply({ code: 250 });
  // RFC 5321 §4.2.1: the last line is the code, SP, optional text, CRLF.
  assert.equal(s.out(), '250 \r\n');
});

test('a transaction: MailFrom, RcptTo, Data, MessageData, MessageEnd', () => {
  const s = scripted();
  s.send('EHLO c');
  s.server.accept();
  const events = s.send('MAIL FROM:<a@x.example> SIZE=100 BODY=8BITMIME');
  assert.equal(events[0].type, 'MailFrom');
  assert.equal(events[0].from, 'a@x.example');
  assert.deepEqual(events[0].params, { size: 100, body: '8BITMIME', smtputf8: false, ret: null, envid: null, auth: null, requiretls: false, other: [] });
  s.server.accept();
  const [rcpt] = s.send('RCPT TO:<b@y.example>');
  assert.deepEqual([rcpt.type, rcpt.to, rcpt.params.notify], ['RcptTo', 'b@y.example', null]);
  s.server.accept();
  assert.deepEqual(types(s.send('DATA')), ['Data']);
  s.server.accept();
  s.out();
  const body = s.raw('Subject: x\r\n\r\n..dot\r\n.\r\n');
  assert.deepEqual(types(body), ['MessageData', 'MessageEnd']);
  assert.ok(body[0].data instanceof Uint8Array);
  assert.equal(text(body[0].data), 'Subject: x\r\n\r\n.dot\r\n');
  assert.deepEqual([body[1].size, body[1].recipients], [body[0].data.length, ['b@y.example']]);
  s.server.accept();
  assert.match(s.out(), /^250 2\.0\.0 /);
});

test('RCPT parameters, BDAT and ChunkEnd', () => {
  const s = scripted({ extensions: ['PIPELINING', 'CHUNKING', 'DSN', 'ENHANCEDSTATUSCODES'] });
  s.send('EHLO c');
  s.server.accept();
  s.send('MAIL FROM:<>');
  s.server.accept();
  const [rcpt] = s.send('RCPT TO:<b@y.example> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b+2Bx@y.example');
  assert.deepEqual(rcpt.params.notify, ['SUCCESS', 'DELAY']);
  assert.deepEqual(rcpt.params.orcpt, { addrType: 'rfc822', address: 'b+x@y.example' });
  s.server.accept();
  s.out();
  const chunk = s.raw('BDAT 3\r\nabc');
  assert.deepEqual(types(chunk), ['Bdat', 'MessageData', 'ChunkEnd']);
  assert.deepEqual([chunk[0].size, chunk[0].last, chunk[2].size], [3, false, 3]);
  s.server.accept();
  const last = s.raw('BDAT 2 LAST\r\nde');
  assert.deepEqual(types(last), ['Bdat', 'MessageData', 'MessageEnd']);
  assert.equal(last[2].size, 5);
});

test('STARTTLS: TlsHandshake, tlsEstablished, isTls; injection discarded', () => {
  const s = scripted({ extensions: ['STARTTLS', 'PIPELINING'] });
  s.send('EHLO c');
  s.server.accept();
  assert.deepEqual(types(s.send('STARTTLS')), ['StartTls']);
  s.server.accept();
  const after = s.server.pollEvents();
  assert.deepEqual(types(after), ['TlsHandshake']);
  assert.equal(s.server.wantsInput(), false);
  assert.match(s.out(), /220 /);
  const injected = s.send('MAIL FROM:<evil@x.example>');
  assert.deepEqual(injected.map((e) => [e.type, e.discarded]), [['DataAfterStartTls', 28]]);
  s.server.tlsEstablished(s.clock.tick());
  assert.equal(s.server.isTls(), true);
  assert.deepEqual(types(s.send('EHLO c')), ['Ehlo']);
  assert.throws(() => s.server.tlsEstablished(s.clock.tick()), { code: 'InvalidState' });
});

test('AUTH PLAIN: the Auth event, a refusal, then success', () => {
  const s = scripted({ authMechanisms: ['PLAIN'], authRequiresTls: false });
  s.send('EHLO c');
  s.server.accept();
  s.out();
  const plain = Buffer.from('\0tim\0wrong').toString('base64');
  const [auth] = s.send(`AUTH PLAIN ${plain}`);
  assert.deepEqual(auth.verification, { type: 'Plain', authzid: null, username: 'tim', password: 'wrong' });
  s.server.reply({ code: 535, enhanced: '5.7.8', text: 'no' });
  assert.equal(s.out(), '535 5.7.8 no\r\n');
  assert.equal(s.server.isAuthenticated(), false);
  s.send(`AUTH PLAIN ${Buffer.from('\0tim\0right').toString('base64')}`);
  s.server.accept();
  assert.match(s.out(), /^235 /);
  assert.equal(s.server.isAuthenticated(), true);
});

test('the machine refuses by itself: CommandRefused', () => {
  const s = scripted();
  s.out();
  const [unknown] = s.send('FROB');
  assert.equal(unknown.type, 'CommandRefused');
  assert.deepEqual(unknown.reason, { code: 'Syntax', syntax: { code: 'UnknownCommand', message: unknown.reason.syntax.message } });
  assert.equal(unknown.reply.code, 500);
  const [sequence] = s.send('RCPT TO:<a@x.example>');
  assert.deepEqual([sequence.reason.code, sequence.reply.code], ['BadSequence', 503]);
  assert.equal(unknown.needsAnswer, false);
});

test('QUIT ends the session cleanly', () => {
  const s = scripted();
  assert.deepEqual(types(s.send('QUIT')), ['Quit']);
  s.server.accept();
  const [closed] = s.server.pollEvents();
  assert.deepEqual(closed, { type: 'Closed', clean: true, lost: null, needsAnswer: false, final: true });
  assert.match(s.out(), /^220 .*\r\n221 /);
  assert.equal(s.server.isClosed(), true);
  assert.equal(s.server.pollTimeout(), null);
});

test('EOF in a transaction: Closed, not clean, with what was lost', () => {
  const s = scripted();
  s.send('EHLO c');
  s.server.accept();
  s.send('MAIL FROM:<a@x.example>');
  s.server.accept();
  s.send('RCPT TO:<b@y.example>');
  s.server.accept();
  s.server.receiveEof(s.clock.tick());
  const events = s.server.pollEvents();
  assert.deepEqual(events.at(-1), { type: 'Closed', clean: false, lost: { type: 'Transaction', recipients: 1 }, needsAnswer: false, final: true });
});

test('the idle timer: pollTimeout, handleTimeout, TimedOut with a 421', () => {
  const s = scripted({ timeoutMs: 60000 });
  s.out();
  assert.equal(s.server.pollTimeout(), 60000);
  s.server.handleTimeout(59999);
  assert.deepEqual(s.server.pollEvents(), []);
  s.server.handleTimeout(60000);
  const events = s.server.pollEvents();
  assert.deepEqual(events, [{ type: 'TimedOut', lost: null, needsAnswer: false, final: true }]);
  assert.match(s.out(), /^421 /);
  assert.equal(s.server.isClosed(), true);
});

test('too many bad commands: Failed with the error, 421 queued', () => {
  const s = scripted({ maxBadCommands: 2 });
  s.out();
  const events = s.send('FROB', 'FROB', 'FROB');
  const failed = events.find((e) => e.type === 'Failed');
  assert.equal(failed.error.code, 'TooManyErrors');
  assert.equal(failed.final, true);
  assert.match(s.out(), /421 /);
  assert.equal(s.server.isClosed(), true);
});

test('LMTP: one answer per recipient after the message', () => {
  const s = scripted({ lmtp: true });
  assert.match(s.out(), /^220 mx\.example LMTP ready/);
  assert.deepEqual(types(s.send('EHLO c')), ['CommandRefused'], 'EHLO is not LMTP');
  s.send('LHLO c');
  s.server.accept();
  for (const line of ['MAIL FROM:<a@x.example>', 'RCPT TO:<b@y.example>', 'RCPT TO:<c@y.example>', 'DATA']) {
    s.send(line);
    s.server.accept();
  }
  s.out();
  const [, end] = s.raw('hi\r\n.\r\n');
  assert.deepEqual(end.recipients, ['b@y.example', 'c@y.example']);
  s.server.accept();
  s.server.reply(452, '4.2.2 full');
  assert.match(s.out(), /^250 .*\r\n452 4\.2\.2 full\r\n$/);
  assert.throws(() => s.server.accept(), { code: 'InvalidState' });
});

test('no service greeting, and configuration choices reach the machine', () => {
  const s = scripted({ noService: true, greeting: 'closed for maintenance' });
  assert.equal(s.out(), '554 mx.example closed for maintenance\r\n');
  const big = scripted({ maxMessageSize: 10, extensions: ['SIZE'] });
  big.send('EHLO c');
  big.server.accept();
  assert.match(big.out(), /250 SIZE 10\r\n$/);
  const [tooBig] = big.send('MAIL FROM:<a@x.example> SIZE=11');
  assert.deepEqual([tooBig.reason.code, tooBig.reply.code], ['MessageTooLarge', 552]);
});

test('free and dispose', () => {
  const s = new lib.ServerConnection({ hostname: 'mx' }, 0);
  s[Symbol.dispose]();
  assert.throws(() => s.wantsInput(), { name: 'TypeError', message: /ServerConnection was freed/ });
});
