// Type-checked by runtimes.test.mjs (`tsc --noEmit`): the hand-written
// types describe the API, and the event unions narrow on `type`.
import {
  ClientConnection, ServerConnection, SmtpLocalError, SmtpInternalError,
  type ClientEvent, type ServerEvent, type Reply,
} from 'smtp-rs';

const client = new ClientConnection({ helloDomain: 'client.example', timeouts: { greeting: 30_000 }, lineEndings: 'refuse' }, performance.now());
const server = new ServerConnection({ hostname: 'mx.example', extensions: ['PIPELINING', 'SIZE'], maxMessageSize: 1 << 20 }, performance.now());

function describeClient(ev: ClientEvent): string {
  switch (ev.type) {
    case 'EhloAccepted': return `${ev.reply.code} ${ev.capabilities.extensions.join(',')} ${ev.capabilities.maxSize ?? 'no limit'}`;
    case 'RecipientReply': return `#${ev.index}: ${ev.reply.text}`;
    case 'TransactionFinished': return ev.result.refused.map((r) => `${r.path} ${r.reply.code}`).join(';');
    case 'TransactionFailed': return `${ev.stage} ${ev.reply.enhanced ?? ''}`;
    case 'AuthChallenge': return String(ev.challenge.byteLength);
    case 'Closed': return ev.clean ? 'clean' : `lost in ${ev.inFlight}`;
    case 'Failed': return `${ev.error.code}: ${ev.error.message}`;
    default: return ev.type;
  }
}

function answer(ev: ServerEvent, s: ServerConnection): void {
  if (ev.type === 'RcptTo' && ev.to.endsWith('@blocked.example')) {
    s.reply({ code: 550, enhanced: '5.7.1', text: 'blocked' });
  } else if (ev.type === 'MessageData') {
    const n: number = ev.data.byteLength;
    void n;
  } else if (ev.type === 'Auth' && ev.verification.type === 'Plain') {
    const ok: boolean = ev.verification.password === 'secret';
    if (ok) s.accept(); else s.reply(535, '5.7.8 no');
  } else if (ev.needsAnswer) {
    s.accept();
  }
}

const reply: Reply | null = client.greeting();
const timeout: number | null = client.pollTimeout();
const bytes: Uint8Array = client.pendingTransmit();
const id: number = client.noop();
client.sendMail({ from: 'a@example.org', to: ['b@example.net', { address: 'c@example.net', options: ['NOTIFY=NEVER'] }], bodyMode: 'bdat' });
try {
  client.sendRaw('NOOP\r\nQUIT');
} catch (e) {
  if (e instanceof SmtpLocalError) console.log(e.code);
  if (e instanceof SmtpInternalError) console.log(e.message);
}
for (const ev of client.pollEvents()) console.log(describeClient(ev), ev.final);
for (let ev = server.pollEvent(); ev; ev = server.pollEvent()) answer(ev, server);
console.log(reply?.lines, timeout, bytes.length, id);
client.free();
server[Symbol.dispose]();

// @ts-expect-error: helloDomain is required.
new ClientConnection({}, 0);
// @ts-expect-error: an unknown event type does not narrow.
const bad: ClientEvent = { type: 'NoSuchEvent' };
void bad;
