// Every verb of ClientConnection, against scripted server bytes or the
// wasm ServerConnection in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, converse, lib, scripted, text, types } from './helpers.mjs';

const EHLO_REPLY = ['250-mx.example Hello', '250-PIPELINING', '250-SIZE 1000000', '250-8BITMIME', '250-AUTH PLAIN LOGIN', '250-STARTTLS', '250 CHUNKING'];

test('greeting, ehlo, capabilities and the getters', () => {
  const s = scripted({ autoHello: false });
  assert.equal(s.client.phase(), 'Greeting');
  assert.equal(s.client.greeting(), null);
  const [greeting] = s.reply('220 mx.example ESMTP ready');
  assert.deepEqual(greeting, {
    type: 'Greeting',
    reply: { code: 220, enhanced: null, lines: ['mx.example ESMTP ready'], text: 'mx.example ESMTP ready' },
    final: false,
  });
  assert.equal(s.client.phase(), 'Idle');
  assert.equal(s.sent(), '', 'autoHello off: nothing sent by itself');
  s.client.ehlo();
  assert.equal(s.client.inFlight(), 1);
  assert.equal(s.client.phase(), 'Hello');
  assert.equal(s.sent(), 'EHLO client.example\r\n');
  const [ehlo] = s.reply(...EHLO_REPLY);
  assert.equal(ehlo.type, 'EhloAccepted');
  assert.deepEqual(ehlo.capabilities.extensions, ['SIZE', '8BITMIME', 'PIPELINING', 'CHUNKING', 'STARTTLS', 'AUTH']);
  assert.equal(ehlo.capabilities.maxSize, 1000000);
  assert.deepEqual(ehlo.capabilities.authMechanisms, ['PLAIN', 'LOGIN']);
  assert.equal(ehlo.capabilities.keywords.SIZE, '1000000');
  assert.equal(ehlo.capabilities.greeting, 'mx.example Hello');
  assert.deepEqual(s.client.capabilities(), ehlo.capabilities);
  assert.equal(s.client.helloReply().code, 250);
  assert.equal(s.client.greeting().code, 220);
  assert.equal(s.client.isTls(), false);
  assert.equal(s.client.isAuthenticated(), false);
  assert.equal(s.client.isClosed(), false);
  assert.equal(s.client.bodyReady(), false);
  assert.equal(s.client.inFlight(), 0);
});

test('helo, and hello falling back to HELO after a 5yz to EHLO', () => {
  const a = scripted({ autoHello: false });
  a.reply('220 mx');
  a.client.helo();
  assert.equal(a.sent(), 'HELO client.example\r\n');
  assert.deepEqual(types(a.reply('250 mx')), ['HeloAccepted']);
  assert.equal(a.client.capabilities(), null, 'no extensions after HELO');

  const b = scripted({ autoHello: false });
  b.reply('220 mx');
  b.client.hello();
  assert.equal(b.sent(), 'EHLO client.example\r\n');
  const [refused] = b.reply('502 5.5.1 EHLO not implemented');
  assert.equal(refused.type, 'EhloRefused');
  assert.equal(refused.fallingBack, true);
  assert.equal(b.sent(), 'HELO client.example\r\n');
  const [helo] = b.reply('250 mx');
  assert.equal(helo.type, 'HeloAccepted');

  const c = scripted({ autoHello: false });
  c.reply('220 mx');
  c.client.ehlo();
  c.sent();
  const [noFallback] = c.reply('502 no');
  assert.equal(noFallback.fallingBack, false);
  assert.equal(c.sent(), '');
});

test('autoHello sends EHLO after the greeting; a refused greeting', () => {
  const s = scripted();
  assert.deepEqual(types(s.reply('220 mx')), ['Greeting']);
  assert.equal(s.sent(), 'EHLO client.example\r\n');
  const r = scripted();
  assert.deepEqual(types(r.reply('554 go away')), ['GreetingRefused']);
  assert.equal(r.sent(), '');
});

test('starttls: TlsHandshake, tlsEstablished, EHLO again; refused', () => {
  const s = scripted();
  s.reply('220 mx');
  s.reply(...EHLO_REPLY);
  s.sent();
  s.client.starttls();
  assert.equal(s.sent(), 'STARTTLS\r\n');
  const [ready] = s.reply('220 2.0.0 go ahead');
  assert.equal(ready.type, 'TlsHandshake');
  assert.equal(s.client.phase(), 'TlsHandshake');
  assert.equal(s.client.isTls(), false);
  s.client.tlsEstablished(s.clock.tick());
  assert.equal(s.client.isTls(), true);
  assert.equal(s.client.capabilities(), null, 'RFC 3207 §4.2: forgotten');
  assert.equal(s.sent(), 'EHLO client.example\r\n');
  assert.throws(() => s.client.tlsEstablished(s.clock.tick()), { name: 'SmtpLocalError', code: 'InvalidState' });

  const r = scripted();
  r.reply('220 mx');
  r.reply(...EHLO_REPLY);
  r.client.starttls();
  assert.deepEqual(types(r.reply('454 4.7.0 TLS not available')), ['StartTlsRefused']);
  assert.equal(r.client.isTls(), false);
  const plain = scripted();
  plain.reply('220 mx');
  plain.reply('250 mx');
  assert.throws(() => plain.client.starttls(), { name: 'SmtpLocalError', code: 'ExtensionNotOffered', extension: 'STARTTLS' });
});

/** A client and a server with AUTH over plaintext (tests only). */
function authPair(mechanisms, clientConfig = {}) {
  const clock = new Clock();
  const client = new lib.ClientConnection({ helloDomain: 'client.example', ...clientConfig }, 0);
  const server = new lib.ServerConnection({ hostname: 'mx.example', authMechanisms: mechanisms, authRequiresTls: false }, 0);
  server.setNonce('<1896.697170952@mx.example>');
  converse(client, server, { clock });
  return { client, server, clock };
}

test('authenticate: PLAIN and LOGIN checked by the server application', () => {
  for (const mechanism of ['PLAIN', 'LOGIN']) {
    const { client, server, clock } = authPair([mechanism]);
    client.authenticate({ username: 'tim', password: 'tanstaaftanstaaf' });
    const seen = converse(client, server, {
      clock,
      onServer: (ev, s) => {
        if (ev.type !== 'Auth') return ev.needsAnswer && s.accept();
        assert.equal(ev.mechanism, mechanism);
        assert.equal(ev.verification.type, mechanism === 'PLAIN' ? 'Plain' : 'Login');
        assert.equal(ev.verification.username, 'tim');
        assert.equal(ev.verification.password, 'tanstaaftanstaaf');
        s.accept();
      },
    });
    const done = seen.client.find((e) => e.type === 'AuthSucceeded');
    assert.equal(done.mechanism, mechanism);
    assert.equal(done.reply.code, 235);
    assert.equal(client.isAuthenticated(), true);
    assert.equal(server.isAuthenticated(), true);
  }
});

test('authenticateWith: CRAM-MD5 and SCRAM-SHA-256 against the wasm server', () => {
  const cram = authPair(['CRAM-MD5']);
  cram.client.authenticateWith('CRAM-MD5', { username: 'tim', password: 'tanstaaftanstaaf' });
  const seen = converse(cram.client, cram.server, {
    clock: cram.clock,
    onServer: (ev, s) => {
      if (ev.type !== 'Auth') return ev.needsAnswer && s.accept();
      const v = ev.verification;
      assert.equal(v.type, 'CramMd5');
      assert.equal(Buffer.from(v.challenge).toString(), '<1896.697170952@mx.example>');
      assert.equal(v.digest.length, 16);
      assert.equal(lib.verifyCramMd5('wrong', v.challenge, v.digest), false);
      assert.equal(lib.verifyCramMd5('tanstaaftanstaaf', v.challenge, v.digest), true);
      s.accept();
    },
  });
  assert.ok(seen.client.some((e) => e.type === 'AuthSucceeded'));

  const scram = authPair(['SCRAM-SHA-256']);
  scram.server.setNonce('%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
  const stored = lib.deriveScramCredentials('pencil', 'salt-of-the-earth', 4096);
  assert.equal(stored.storedKey.length, 32);
  scram.client.authenticateWith('SCRAM-SHA-256', { username: 'user', password: 'pencil' }, 'rOprNGfwEbeRWgbNEkqO');
  const s2 = converse(scram.client, scram.server, {
    clock: scram.clock,
    onServer: (ev, s) => {
      if (ev.type === 'Auth' && ev.verification.type === 'NeedCredentials') {
        assert.equal(ev.verification.username, 'user');
        s.provideScramCredentials(stored);
      } else if (ev.needsAnswer) s.accept();
    },
  });
  assert.ok(s2.client.some((e) => e.type === 'AuthSucceeded'), JSON.stringify(s2.client));

  // A wrong password: the server's proof check fails, AUTH is refused.
  const bad = authPair(['SCRAM-SHA-256']);
  bad.server.setNonce('%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
  bad.client.authenticate({ username: 'user', password: 'crayon' });
  const s3 = converse(bad.client, bad.server, {
    clock: bad.clock,
    onServer: (ev, s) => {
      if (ev.type === 'Auth') s.provideScramCredentials({ password: 'pencil', salt: 'salt-of-the-earth', iterations: 4096 });
      else if (ev.needsAnswer) s.accept();
    },
  });
  assert.ok(s3.client.some((e) => e.type === 'AuthFailed'), JSON.stringify(types(s3.client)));
  assert.equal(bad.client.isAuthenticated(), false);
});

test('authenticate with a token: XOAUTH2 and OAUTHBEARER', () => {
  for (const mechanism of ['XOAUTH2', 'OAUTHBEARER']) {
    const { client, server, clock } = authPair([mechanism]);
    client.authenticate({ username: 'someone@example.com', token: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==', host: 'mx.example', port: 587 });
    const seen = converse(client, server, {
      clock,
      onServer: (ev, s) => {
        if (ev.type === 'Auth') {
          assert.equal(ev.verification.type, 'OAuth');
          assert.equal(ev.verification.token, 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==');
          assert.equal(ev.verification.username, 'someone@example.com');
        }
        if (ev.needsAnswer) s.accept();
      },
    });
    assert.equal(seen.client.find((e) => e.type === 'AuthSucceeded')?.mechanism, mechanism);
  }
});

test('authCustom, AuthChallenge, authRespond and authCancel', () => {
  const s = scripted();
  s.reply('220 mx');
  s.reply('250-mx', '250 AUTH X-TOKEN');
  s.sent();
  s.client.authCustom('X-TOKEN', 'first');
  assert.equal(s.sent(), 'AUTH X-TOKEN Zmlyc3Q=\r\n');
  assert.equal(s.client.phase(), 'Auth');
  const [challenge] = s.reply('334 c2Vjb25k');
  assert.equal(challenge.type, 'AuthChallenge');
  assert.ok(challenge.challenge instanceof Uint8Array);
  assert.equal(Buffer.from(challenge.challenge).toString(), 'second');
  s.client.authRespond(new Uint8Array([1, 2, 3]));
  assert.equal(s.sent(), 'AQID\r\n');
  const [ok] = s.reply('235 2.7.0 ok');
  assert.deepEqual([ok.type, ok.mechanism], ['AuthSucceeded', 'X-TOKEN']);

  const c = scripted();
  c.reply('220 mx');
  c.reply('250-mx', '250 AUTH X-TOKEN');
  c.client.authCustom('X-TOKEN');
  c.sent();
  c.reply('334 ');
  c.client.authCancel();
  assert.equal(c.sent(), '*\r\n');
  const [failed] = c.reply('501 5.7.0 cancelled');
  assert.equal(failed.type, 'AuthFailed');
  assert.throws(() => c.client.authRespond('late'), { code: 'InvalidState' });
});

test('sendMail, sendBody, finishBody: a pipelined transaction with a refused recipient', () => {
  const clock = new Clock();
  const client = new lib.ClientConnection({ helloDomain: 'client.example' }, 0);
  const server = new lib.ServerConnection({ hostname: 'mx.example' }, 0);
  converse(client, server, { clock });
  client.sendMail({ from: 'alice@example.org', to: ['bob@example.net', { address: 'nobody@example.net' }], size: 20 });
  const wire = text(client.pendingTransmit());
  assert.equal(wire, 'MAIL FROM:<alice@example.org> SIZE=20\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<nobody@example.net>\r\nDATA\r\n', 'one pipelined group');
  const delivered = [];
  const seen = converse(client, server, {
    clock,
    onServer: (ev, s) => {
      if (ev.type === 'RcptTo' && ev.to === 'nobody@example.net') s.reply(550, '5.1.1 No such user');
      else if (ev.type === 'MessageData') delivered.push(...ev.data);
      else if (ev.needsAnswer) s.accept();
    },
    onClient: (ev, c) => {
      if (ev.type === 'ReadyForBody') {
        assert.equal(c.bodyReady(), true);
        assert.equal(c.phase(), 'Body');
        c.sendBody('Subject: hi\n\n');
        c.sendBody(new TextEncoder().encode('.hello\r\n'));
        c.finishBody();
      }
    },
  });
  assert.deepEqual(types(seen.client), ['RecipientReply', 'RecipientReply', 'ReadyForBody', 'TransactionFinished']);
  const { result } = seen.client.at(-1);
  assert.equal(result.accepted, 1);
  assert.deepEqual(result.refused.map((r) => [r.index, r.path, r.reply.code]), [[1, 'nobody@example.net', 550]]);
  assert.equal(result.recipients[0].accepted, true);
  assert.equal(result.mailReply.code, 250);
  assert.equal(result.dataReply.code, 250);
  assert.equal(Buffer.from(delivered).toString(), 'Subject: hi\r\n\r\n.hello\r\n', 'bare LF normalised, dot-unstuffed back');
  assert.equal(seen.server.find((e) => e.type === 'MailFrom').params.size, 20);
});

test('a transaction that fails: every recipient refused', () => {
  const s = scripted();
  s.reply('220 mx');
  s.reply('250-mx', '250 PIPELINING');
  s.sent();
  s.client.sendMail({ from: '', to: ['a@x.example'] });
  assert.equal(s.sent(), 'MAIL FROM:<>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n');
  const events = s.reply('250 ok', '550 no', '554 no valid recipients');
  assert.deepEqual(types(events), ['RecipientReply', 'TransactionFailed']);
  assert.equal(events[1].stage, 'Recipients');
  assert.equal(s.sent(), 'RSET\r\n', 'core resets after a failed transaction');
});

test('BDAT with chunks, and LMTP delivery replies', () => {
  const s = scripted();
  s.reply('220 mx');
  s.reply('250-mx', '250-PIPELINING', '250 CHUNKING');
  s.sent();
  s.client.sendMail({ from: 'a@x.example', to: ['b@y.example'], bodyMode: 'bdat', chunkSize: 4 });
  assert.equal(s.sent(), 'MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\n');
  // Pipelined BDAT (PIPELINING and CHUNKING): the body is wanted at once,
  // before the replies to MAIL and RCPT.
  assert.deepEqual(types(s.reply('250 ok', '250 ok')), ['ReadyForBody', 'RecipientReply']);
  s.client.sendBody('abcdef');
  s.client.finishBody();
  assert.equal(s.sent(), 'BDAT 4\r\nabcdBDAT 2 LAST\r\nef');
  assert.deepEqual(types(s.reply('250 4 octets', '250 queued')), ['TransactionFinished']);

  const l = scripted({ lmtp: true });
  l.reply('220 lmtp');
  assert.equal(l.sent(), 'LHLO client.example\r\n');
  l.reply('250-lmtp', '250 PIPELINING');
  l.client.sendMail({ from: 'a@x.example', to: ['b@y.example', 'c@y.example'] });
  l.sent();
  const ready = l.reply('250 ok', '250 ok', '250 ok', '354 go');
  assert.deepEqual(types(ready), ['RecipientReply', 'RecipientReply', 'ReadyForBody']);
  l.client.sendBody('hi\r\n');
  l.client.finishBody();
  assert.equal(l.sent(), 'hi\r\n.\r\n');
  const done = l.reply('250 2.1.5 delivered', '452 4.2.2 mailbox full');
  assert.deepEqual(types(done), ['DeliveryReply', 'DeliveryReply', 'TransactionFinished']);
  assert.deepEqual(done[2].result.refused.map((r) => r.path), ['c@y.example']);
  assert.equal(done[2].result.recipients[1].deliveryReply.code, 452);
});

test('low level: sendCommand, sendRaw, rset, noop, vrfy, expn, help carry ids', () => {
  const s = scripted();
  s.reply('220 mx');
  s.reply('250-mx', '250 PIPELINING');
  s.sent();
  // RSET may be pipelined; NOOP ends a group (RFC 2920 §3.1).
  const [rset, noop] = [s.client.rset(), s.client.noop()];
  assert.throws(() => s.client.vrfy('bob'), { name: 'SmtpLocalError', code: 'PipeliningNotOffered' });
  assert.equal(s.sent(), 'RSET\r\nNOOP\r\n');
  assert.deepEqual(s.reply('250 reset', '250 ok').map((e) => [e.type, e.id, e.reply.code]), [['Reply', rset, 250], ['Reply', noop, 250]]);
  const calls = [
    ['VRFY bob', () => s.client.vrfy('bob'), '252 2.1.5 maybe'],
    ['EXPN list', () => s.client.expn('list'), '250 list'],
    ['HELP', () => s.client.help(), '214 help'],
    ['HELP MAIL', () => s.client.help('MAIL'), '214 help'],
    ['VRFY postmaster', () => s.client.sendCommand('VRFY postmaster'), '252 maybe'],
    ['XCLIENT NAME=x', () => s.client.sendRaw('XCLIENT NAME=x'), '250 ok'],
  ];
  const ids = new Set([rset, noop]);
  for (const [line, call, reply] of calls) {
    const id = call();
    assert.equal(typeof id, 'number');
    ids.add(id);
    assert.equal(s.sent(), `${line}\r\n`);
    const [ev] = s.reply(reply);
    assert.deepEqual([ev.type, ev.id, ev.reply.code], ['Reply', id, Number(reply.slice(0, 3))]);
  }
  assert.equal(ids.size, calls.length + 2, 'every command has its own id');
  assert.throws(() => s.client.sendCommand('FROB'), { name: 'SmtpLocalError', code: 'InvalidArgument' });
});

test('quit, then EOF: Closed clean; EOF mid-transaction: Closed not clean', () => {
  const s = scripted();
  s.reply('220 mx');
  s.reply('250 mx');
  s.sent();
  const id = s.client.quit();
  assert.equal(s.sent(), 'QUIT\r\n');
  const [bye] = s.reply('221 bye');
  assert.deepEqual([bye.type, bye.id], ['Reply', id]);
  s.client.receiveEof(s.clock.tick());
  const [closed] = s.client.pollEvents();
  assert.deepEqual(closed, { type: 'Closed', clean: true, inFlight: 'Idle', final: true });
  assert.equal(s.client.isClosed(), true);
  assert.throws(() => s.client.noop(), { name: 'SmtpLocalError', code: 'Closed' });

  const m = scripted();
  m.reply('220 mx');
  m.reply('250 mx');
  m.client.sendMail({ from: 'a@x.example', to: ['b@y.example'] });
  m.client.receiveEof(m.clock.tick());
  const [lost] = m.client.pollEvents();
  assert.deepEqual([lost.type, lost.clean, lost.inFlight], ['Closed', false, 'Mail']);
});

test('pollTimeout and handleTimeout: the greeting timer fires once', () => {
  const clock = new Clock();
  const c = new lib.ClientConnection({ helloDomain: 'client.example', timeouts: { greeting: 1000 } }, 500);
  assert.equal(c.pollTimeout(), 1500);
  c.handleTimeout(1499);
  assert.deepEqual(c.pollEvents(), []);
  c.handleTimeout(1500);
  assert.deepEqual(c.pollEvents(), [{ type: 'TimedOut', phase: 'Greeting', final: true }]);
  assert.equal(c.pollTimeout(), null);
  assert.equal(c.isClosed(), true);
  const none = new lib.ClientConnection({ helloDomain: 'client.example', timeouts: null }, clock.now);
  assert.equal(none.pollTimeout(), null);
});

test('pendingTransmit is a copy; consumeTransmit takes part of it', () => {
  const s = scripted();
  s.reply('220 mx');
  const first = s.client.pendingTransmit();
  assert.equal(text(first), 'EHLO client.example\r\n');
  assert.equal(s.client.pendingTransmitLength(), first.length);
  first.fill(0);
  assert.equal(text(s.client.pendingTransmit()), 'EHLO client.example\r\n', 'the copy does not alias the machine');
  s.client.consumeTransmit(5);
  assert.equal(text(s.client.pendingTransmit()), 'client.example\r\n');
  s.client.consumeTransmit(1000);
  assert.equal(s.client.pendingTransmitLength(), 0);
});

test('free and Symbol.dispose', () => {
  const c = new lib.ClientConnection({ helloDomain: 'client.example' }, 0);
  c.free();
  c.free();
  assert.throws(() => c.phase(), { name: 'TypeError', message: /was freed/ });
  // What `using d = ...` calls at the end of its block (Node 20 has the
  // symbol, not yet the syntax).
  const d = new lib.ClientConnection({ helloDomain: 'client.example' }, 0);
  assert.equal(typeof d[Symbol.dispose], 'function');
  d[Symbol.dispose]();
  assert.throws(() => d.phase(), /was freed/);
});

test('resume: a session greeted elsewhere starts idle with its capabilities', () => {
  const c = lib.ClientConnection.resume({ helloDomain: 'client.example' }, { code: 250, lines: ['mx Hello', 'PIPELINING', 'STARTTLS'] }, 'Ehlo', 'Plain', 0);
  assert.deepEqual(c.pollEvents(), []);
  assert.equal(c.phase(), 'Idle');
  assert.deepEqual(c.capabilities().extensions, ['PIPELINING', 'STARTTLS']);
  c.starttls();
  assert.equal(text(c.takeTransmit()), 'STARTTLS\r\n');
  const tls = lib.ClientConnection.resume({ helloDomain: 'client.example' }, { code: 250, text: 'mx' }, 'Helo', 'Tls', 0);
  assert.equal(tls.isTls(), true);
  assert.equal(tls.capabilities(), null);
  assert.throws(() => lib.ClientConnection.resume({ helloDomain: 'c.example' }, { code: 550, text: 'no' }, 'Ehlo', 'Plain', 0), { name: 'SmtpLocalError', code: 'UnsuitableReply' });
  assert.throws(() => lib.ClientConnection.resume({ helloDomain: 'c.example' }, { code: 250, text: 'x' }, 'EHLO', 'Plain', 0), TypeError);
});

test('backpressure: sendBody throws BufferFull past transmitHighWater until the bytes are written', () => {
  const s = scripted({ transmitHighWater: 1024 });
  s.reply('220 mx');
  s.reply('250-mx', '250 PIPELINING');
  s.client.sendMail({ from: 'a@x.example', to: ['b@y.example'] });
  s.sent();
  s.reply('250 ok', '250 ok', '354 go');
  const chunk = 'x'.repeat(1000) + '\r\n';
  s.client.sendBody(chunk);
  s.client.sendBody(chunk);
  assert.equal(s.client.bodyReady(), false);
  assert.throws(() => s.client.sendBody(chunk), { name: 'SmtpLocalError', code: 'BufferFull', limit: 1024 });
  assert.equal(s.sent().length, 2 * chunk.length, 'the refused chunk was not taken');
  assert.equal(s.client.bodyReady(), true);
  s.client.sendBody(chunk);
  s.client.finishBody();
  assert.equal(s.sent(), `${chunk}.\r\n`);
});

test('maxInFlight: 0 sends each BDAT chunk only after the reply to the one before', () => {
  assert.throws(() => scripted({ maxInFlight: -1 }), TypeError);
  assert.throws(() => scripted({ maxInFlight: 'lots' }), TypeError);
  const s = scripted({ maxInFlight: 0 });
  s.reply('220 mx');
  s.reply('250-mx', '250-PIPELINING', '250 CHUNKING');
  s.sent();
  s.client.sendMail({ from: 'a@x.example', to: ['b@y.example'], bodyMode: 'bdat', chunkSize: 4 });
  assert.equal(s.sent(), 'MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\n');
  assert.deepEqual(types(s.reply('250 ok', '250 ok')), ['RecipientReply', 'ReadyForBody']);
  s.client.sendBody('abcdef');
  s.client.finishBody();
  assert.equal(s.sent(), 'BDAT 4\r\nabcd', 'the window is closed: one chunk, then wait');
  s.reply('250 4 octets');
  assert.equal(s.sent(), 'BDAT 2 LAST\r\nef');
  assert.deepEqual(types(s.reply('250 queued')), ['TransactionFinished']);
});
