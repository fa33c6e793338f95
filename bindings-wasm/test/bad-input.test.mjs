// Bad input from the caller (TypeError, SmtpLocalError, nothing sent) and
// from the peer (garbage, a 10 MB line: one clean Failed event, memory
// bounded), and a Rust panic (SmtpInternalError, never a bare trap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as raw from '../pkg/smtp_rs_wasm.js';
import { CALL } from '../js/machine.js';
import { bytes, lib, scripted, text } from './helpers.mjs';

const client = (config = {}) => new lib.ClientConnection({ helloDomain: 'client.example', ...config }, 0);
const server = (config = {}) => new lib.ServerConnection({ hostname: 'mx.example', ...config }, 0);

test('wrong argument types are TypeErrors naming the argument', () => {
  const cases = [
    [() => new lib.ClientConnection(undefined, 0), /config must be an object, got undefined/],
    [() => new lib.ClientConnection({}, 0), /config\.helloDomain .* must be a string, got undefined/],
    [() => new lib.ClientConnection({ helloDomain: 'a.example' }), /nowMs must be a finite number/],
    [() => new lib.ClientConnection({ helloDomain: 'a.example' }, -1), /nowMs/],
    [() => new lib.ClientConnection({ helloDomain: 'a.example' }, NaN), /nowMs/],
    [() => client({ helloDomian: 'typo' }), /unknown option "helloDomian"/],
    [() => client({ lmtp: 'yes' }), /config\.lmtp must be a boolean, got the string "yes"/],
    [() => client({ timeouts: { greting: 5 } }), /unknown timer "greting"/],
    [() => client({ timeouts: -5 }), /config\.timeouts must be an integer/],
    [() => client({ bdatChunkSize: 0 }), /config\.bdatChunkSize must be an integer from 1/],
    [() => client({ authPreference: ['PLAIN', 'NTLM'] }), /"NTLM" is not a mechanism smtp-rs implements/],
    [() => client({ lineEndings: 'fix' }), /"normalize" or "refuse"/],
    [() => client({ helloDomain: 'bad domain' }), /helloDomain "bad domain" is not a domain name/],
    [() => client().receiveData('EHLO', 0), /data must be a Uint8Array, got the string "EHLO"/],
    [() => client().receiveData([1, 2], 0), /data must be a Uint8Array, got an array/],
    [() => client().receiveData(new Uint8Array(1), '5'), /nowMs/],
    [() => client().consumeTransmit(-1), /n must be an integer/],
    [() => client().consumeTransmit(1.5), /n must be an integer/],
    [() => client().sendMail({ from: 'a@x.example', to: 'b@y.example' }), /envelope\.to must be an array/],
    [() => client().sendMail({ from: 'a@x.example', to: [], bodyMode: 'fast' }), /envelope\.bodyMode/],
    [() => client().sendMail({ from: 'a@x.example', to: [], cc: [] }), /unknown field "cc"/],
    [() => client().sendMail({ from: 'a@x.example', to: [42] }), /envelope\.to\[0\]/],
    [() => client().authenticate({ username: 'u' }), /exactly one of password .* and token/],
    [() => client().authenticate({ username: 'u', password: 'p', token: 't' }), /exactly one/],
    [() => client().authenticate({ username: 'u', password: 'p', port: 70000 }), /credentials\.port/],
    [() => client().authenticateWith('NTLM', { username: 'u', password: 'p' }), /"NTLM" is not a mechanism smtp-rs runs/],
    [() => client().sendBody(12), /chunk must be a string or a Uint8Array/],
    [() => client().vrfy(), /argument must be a string/],
    [() => server({ hostname: undefined }), /config\.hostname/],
    [() => server({ hostname: 'two words' }), /must be one word/],
    [() => server({ extensions: ['PIPELINING', 'TURBO'] }), /"TURBO" is not an extension smtp-rs knows/],
    [() => server({ maxMessageSize: -1 }), /maxMessageSize/],
    [() => server({ greeting: 5 }), /config\.greeting/],
    [() => server().reply('250 OK'), /reply \(a code, or \{code, text \| lines, enhanced\?\}\) must be an object/],
    [() => server().reply({ code: 250, lines: 'x' }), /reply\.lines must be an array of strings/],
    [() => server().setNonce(5), /nonce must be a string/],
    [() => server().provideScramCredentials({ salt: new Uint8Array(4), iterations: 4096, storedKey: new Uint8Array(31), serverKey: new Uint8Array(32) }), /storedKey must be 32 octets/],
    [() => lib.verifyCramMd5('s', 'c', 'not bytes'), /digest must be a Uint8Array/],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e) => e instanceof TypeError && message.test(e.message), `${call} should throw TypeError ${message}`);
  }
});

test('CR/LF in an address or a line: SmtpLocalError, nothing sent, the session goes on', () => {
  const s = scripted();
  s.reply('220 mx');
  s.reply('250-mx', '250 PIPELINING');
  s.sent();
  const attempts = [
    () => s.client.sendMail({ from: 'a@x.example\r\nRCPT TO:<victim@y.example>', to: ['b@y.example'] }),
    () => s.client.sendMail({ from: 'a@x.example', to: ['b@y.example>\r\nDATA'] }),
    () => s.client.sendMail({ from: 'a@x.example', to: [{ address: 'b@y.example', options: ['NOTIFY=NEVER\r\nQUIT'] }] }),
    () => s.client.sendMail({ from: 'a@x.example', to: ['b@y.example'], mailOptions: ['SIZE=10\nRSET'] }),
    () => s.client.sendRaw('NOOP\r\nQUIT'),
    () => s.client.vrfy('bob\r\nQUIT'),
    () => s.client.sendCommand('NOOP\nQUIT'),
  ];
  for (const attempt of attempts) {
    assert.throws(attempt, (e) => e instanceof lib.SmtpLocalError && typeof e.code === 'string' && e.message.length > 0, String(attempt));
    assert.equal(s.client.pendingTransmitLength(), 0, `nothing sent after ${attempt}`);
    assert.deepEqual(s.client.pollEvents(), []);
  }
  const e = (() => {
    try {
      s.client.sendMail({ from: 'a@x.example\r\nRCPT TO:<victim@y.example>', to: ['b@y.example'] });
    } catch (err) {
      return err;
    }
  })();
  assert.equal(e.code, 'InvalidAddress');
  assert.equal(e.address, 'a@x.example\r\nRCPT TO:<victim@y.example>');
  assert.equal(typeof e.rule, 'string');
  assert.equal(s.client.sendRaw('NOOP'), 0, 'the session is still usable');
  assert.equal(s.sent(), 'NOOP\r\n');
});

test('state errors are SmtpLocalError with the fields of the variant', () => {
  const c = client();
  assert.throws(() => c.sendMail({ from: 'a@x.example', to: ['b@y.example'] }), (e) => e instanceof lib.SmtpLocalError && e.code === 'InvalidState' && e.name === 'SmtpLocalError');
  const s = scripted();
  s.reply('220 mx');
  s.reply('250-mx', '250 SIZE 100');
  assert.throws(() => s.client.sendMail({ from: 'a@x.example', to: ['b@y.example'], size: 101 }), { code: 'MessageTooLarge', size: 101, limit: 100 });
  assert.throws(() => s.client.sendMail({ from: 'a@x.example', to: ['b@y.example'], bodyMode: 'bdat' }), { code: 'ExtensionNotOffered', extension: 'CHUNKING' });
  assert.throws(() => s.client.sendMail({ from: 'a@x.example', to: [] }), { code: 'InvalidEnvelope', reason: 'no recipient' });
  assert.throws(() => s.client.authenticate({ username: 'u', password: 'p' }), { code: 'ExtensionNotOffered', extension: 'AUTH' });
});

test('garbage from the server: one Failed event, then nothing', () => {
  const s = scripted();
  const events = s.reply('hello? this is not SMTP');
  assert.equal(events.length, 1);
  assert.deepEqual([events[0].type, events[0].error.code, events[0].final], ['Failed', 'MalformedReply', true]);
  assert.equal(typeof events[0].error.message, 'string');
  assert.equal(s.client.isClosed(), true);
  s.client.receiveData(bytes('220 mx\r\n'), 5);
  assert.deepEqual(s.client.pollEvents(), [], 'inputs are ignored after the final event');
  assert.throws(() => s.client.ehlo(), { code: 'Closed' });
  const binary = scripted();
  binary.client.receiveData(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff), 1);
  assert.deepEqual(binary.client.pollEvents().map((e) => e.type), ['Failed']);
});

const MB = 1024 * 1024;

test('a 10 MB line from the server: ReplyLineTooLong, memory bounded', () => {
  const before = lib.memoryBytes();
  const c = client();
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  chunk.set(bytes('220-'));
  let events = [];
  for (let sent = 0; sent < 10 * MB && events.length === 0; sent += chunk.length) {
    c.receiveData(sent === 0 ? chunk : chunk.fill(0x61), sent);
    events = c.pollEvents();
  }
  assert.deepEqual(events.map((e) => [e.type, e.error.code]), [['Failed', 'ReplyLineTooLong']]);
  assert.equal(events[0].error.limit, 512);
  // The machine keeps at most a line's worth; only the 64 KiB input buffer
  // may have grown the module's memory.
  assert.ok(lib.memoryBytes() - before <= 2 * MB, `memory grew by ${lib.memoryBytes() - before}`);
  // The whole 10 MB in one call: the same single error.
  const whole = client();
  const line = new Uint8Array(10 * MB).fill(0x62);
  line.set(bytes('220 '));
  whole.receiveData(line, 1);
  assert.deepEqual(whole.pollEvents().map((e) => e.error?.code), ['ReplyLineTooLong']);
});

test('a 10 MB command line and a 10 MB body line: the server stays bounded', () => {
  const s = server({ maxBadCommands: 100 });
  s.takeTransmit();
  const before = lib.memoryBytes();
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  for (let sent = 0; sent < 10 * MB; sent += chunk.length) s.receiveData(chunk, 1);
  s.receiveData(bytes('\r\nNOOP\r\n'), 2);
  const events = s.pollEvents();
  assert.deepEqual(events.map((e) => e.type), ['CommandRefused', 'Noop']);
  assert.equal(events[0].reason.code, 'LineTooLong');
  assert.ok(lib.memoryBytes() - before <= 2 * MB, `memory grew by ${lib.memoryBytes() - before}`);
  s.accept();
  assert.match(text(s.takeTransmit()), /^500 .*\r\n250 /);
  // A 10 MB body line: streamed out as MessageData (the caller polls after
  // each input), then refused once the message ends (RFC 5321 §4.5.3.1.6).
  for (const line of ['EHLO c', 'MAIL FROM:<a@x.example>', 'RCPT TO:<b@y.example>', 'DATA']) {
    s.receiveData(bytes(`${line}\r\n`), 3);
    s.pollEvents();
    s.accept();
  }
  let streamed = 0;
  for (let sent = 0; sent < 10 * MB; sent += chunk.length) {
    s.receiveData(chunk, 4);
    for (const ev of s.pollEvents()) streamed += ev.type === 'MessageData' ? ev.data.length : 0;
  }
  s.receiveData(bytes('\r\n.\r\n'), 5);
  const end = s.pollEvents();
  assert.equal(end.at(-1).type, 'MessageRefused');
  assert.equal(end.at(-1).reason.code, 'LineTooLong');
  assert.ok(streamed >= 10 * MB, `streamed ${streamed}`);
  assert.ok(lib.memoryBytes() - before <= 2 * MB, `memory grew by ${lib.memoryBytes() - before}`);
});

test('a Rust panic becomes SmtpInternalError with its message; that object refuses further use', () => {
  assert.throws(() => raw.__panicForTests('boom'), WebAssembly.RuntimeError, 'the raw module traps');
  raw.takePanicMessage();
  const c = client();
  const other = client();
  assert.throws(() => c[CALL]((r) => r.__panicForTests('kaboom at the client')),
    (e) => e instanceof lib.SmtpInternalError && /panicked.*kaboom at the client/s.test(e.message));
  assert.throws(() => c.phase(), (e) => e instanceof lib.SmtpInternalError && /unusable after an internal error/.test(e.message));
  c.free();
  assert.equal(other.phase(), 'Greeting', 'other objects still work');
  const s = server();
  assert.throws(() => s[CALL]((r) => r.__panicForTests('server side')), (e) => e instanceof lib.SmtpInternalError && /server side/.test(e.message));
  assert.throws(() => s.accept(), lib.SmtpInternalError);
  assert.equal(text(server().takeTransmit()).slice(0, 3), '220');
});
