// A worker that sends mail with the high-level client through the workerd
// adapter (cloudflare:sockets): GET /?plain=P&tls=T&untrusted=U runs the
// checks against servers the Node test started and answers
// [{name, ok, error?}] as JSON. test/client-workerd.test.mjs runs it.
import * as smtp from '../../js/workerd.js';
import { runChecks } from '../client-checks.js';

const MESSAGE = 'From: a@x.test\r\nSubject: workerd\r\n\r\n.dot\r\nbody\r\n';

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

async function rejects(promise, check, message) {
  try {
    await promise;
  } catch (e) {
    assert(check(e), `${message}: got ${e?.name}: ${e?.message}`);
    return e;
  }
  throw new Error(`${message}: did not throw`);
}

export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    const port = (name) => Number(q.get(name));
    const open = (p, extra = {}) => smtp.SMTP.connect({ host: '127.0.0.1', port: p, timeoutMs: 5000, ...extra });
    const checks = {
      async 'the workerd adapter is the default; port 25 is refused with a clear error'() {
        assert(smtp.runtime === 'workerd' && smtp.getDefaultAdapter().name === 'workerd', 'adapter');
        await rejects(smtp.SMTP.connect({ host: 'mx.example.org', port: 25 }), (e) => e instanceof smtp.SMTPConnectError
          && /port 25/.test(e.message) && /587/.test(e.message), 'port 25');
      },
      async 'STARTTLS (trusted CA of the config), AUTH, a pipelined message with a refused recipient, BDAT, QUIT'() {
        const s = await open(port('tls'));
        assert((await s.ehlo())[0] === 250, 'ehlo');
        assert(s.hasExtn('starttls'), 'STARTTLS offered');
        assert((await s.starttls())[0] === 220, 'starttls');
        assert(s.isTls, 'isTls');
        assert((await s.login('tim', 'secret'))[0] === 235, 'login');
        const refused = await s.sendmail('a@x.test', ['b@y.test', 'refuse@y.test'], MESSAGE);
        assert(JSON.stringify(refused) === JSON.stringify({ 'refuse@y.test': [550, '5.1.1 No such user here'] }), JSON.stringify(refused));
        s.useChunking = true;
        const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(MESSAGE)); c.close(); } });
        assert(JSON.stringify(await s.sendmail('a@x.test', ['b@y.test'], stream)) === '{}', 'BDAT from a stream');
        const info = await s.sendMail({ from: 'a@x.test', to: 'b@y.test', raw: MESSAGE });
        assert(info.accepted[0] === 'b@y.test', 'sendMail');
        assert((await s.quit())[0] === 221, 'quit');
      },
      async 'plain session: every verb, a refused sender, a 421'() {
        const s = await open(port('plain'));
        assert((await s.noop())[0] === 250, 'noop');
        assert((await s.rset())[0] === 250, 'rset');
        assert((await s.verify('x'))[0] === 502, 'vrfy');
        assert((await s.docmd('NOOP'))[0] === 250, 'docmd');
        await rejects(s.sendmail('refuse@x.test', ['b@y.test'], MESSAGE), (e) => e instanceof smtp.SMTPSenderRefused, 'sender');
        await rejects(s.sendmail('a@x.test', ['close421@y.test'], MESSAGE), (e) => e instanceof smtp.SMTPRecipientsRefused, '421');
        await rejects(s.noop(), (e) => e instanceof smtp.SMTPServerDisconnected, 'closed after 421');
      },
      async 'an untrusted certificate: the error says what is likely wrong'() {
        const s = await open(port('untrusted'));
        await rejects(s.starttls(), (e) => e instanceof smtp.SMTPServerDisconnected && /not trusted/.test(e.message)
          && /trustedCertificates/.test(e.message), 'untrusted');
      },
      async 'tls.ca cannot be passed on Workers: a TypeError that says where trust comes from'() {
        await rejects(open(port('tls'), { tls: { ca: 'PEM' } }), (e) => /trustedCertificates/.test(e.message), 'tls.ca');
      },
    };
    return Response.json(await runChecks(checks));
  },
};
