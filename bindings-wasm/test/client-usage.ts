// Type-checked by client-types.test.mjs (tsc --noEmit): the hand-written
// types of the high-level client (js/smtp.d.ts) describe its API.
import { SMTP, LMTP, SmtpRsTransport, SMTPRecipientsRefused, type SocketAdapter, type ReplyPair } from 'smtp-rs';
async function demo(): Promise<void> {
  const s = await SMTP.connect({ host: 'localhost', port: 2525, tls: { ca: 'PEM' }, useChunking: true });
  const r: ReplyPair = await s.ehlo();
  if (s.hasExtn('starttls')) await s.starttls();
  await s.login('u', 'p', { mechanism: 'PLAIN' });
  try {
    const refused = await s.sendmail('a@x', ['b@y'], new ReadableStream<Uint8Array>());
    for (const [addr, [code, text]] of Object.entries(refused)) console.log(addr, code, text, r);
  } catch (e) {
    if (e instanceof SMTPRecipientsRefused) console.log(e.recipients);
  }
  const info = await s.sendMail({ from: 'a@x', to: [{ address: 'b@y' }], raw: 'Subject: x\r\n\r\n' });
  console.log(info.accepted, info.messageId);
  const l: LMTP = await LMTP.connect({ host: '/run/lmtp' });
  await l.quit();
  const adapter: SocketAdapter = { open: async () => ({ read: async () => null, write: async () => {}, startTls: async () => { throw new Error('x'); }, close() {} }) };
  void adapter;
  void new SmtpRsTransport({ host: 'x', auth: { user: 'u', pass: 'p' }, pool: true });
}
void demo;
