// The socket adapter interface, implemented by a test: an in-memory
// adapter whose "server" is the wasm ServerConnection (the kind of adapter
// a user writes for a runtime we do not cover), and a socket whose close()
// never settles (workerd #2060) must not hang the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SMTP, ServerConnection, SMTPServerDisconnected } from 'smtp-rs';
import { timed } from './client-support.mjs';

/** An adapter whose sockets talk to a ServerConnection in memory. */
function memoryAdapter({ neverClose = false } = {}) {
  const state = { received: [], closed: 0 };
  return {
    state,
    name: 'memory',
    async open({ host, port }) {
      assert.equal(host, 'memory.test');
      assert.equal(port, 2525);
      const server = new ServerConnection({ hostname: 'mx.memory' }, 0);
      let inbox = [];
      let wake = null;
      let now = 0;
      const pump = () => {
        for (let ev = server.pollEvent(); ev; ev = server.pollEvent()) {
          if (ev.type === 'MessageData') state.received.push(...ev.data);
          if (ev.needsAnswer) server.accept();
        }
        const out = server.takeTransmit();
        if (out.length) inbox.push(out);
        if (server.isClosed()) inbox.push(null);
        wake?.();
      };
      pump();
      return {
        async read() {
          while (inbox.length === 0) await new Promise((r) => { wake = r; });
          return inbox.shift();
        },
        async write(bytes) {
          server.receiveData(bytes, ++now);
          pump();
        },
        async startTls() { throw new Error('no TLS in memory'); },
        close() {
          state.closed++;
          inbox = [null];
          wake?.();
          return neverClose ? new Promise(() => {}) : Promise.resolve();
        },
        localName: () => '[192.0.2.1]',
      };
    },
  };
}

test('a custom adapter: the whole client runs over it', async () => {
  const adapter = memoryAdapter();
  const s = await SMTP.connect({ host: 'memory.test', port: 2525, adapter });
  assert.equal((await s.ehlo())[0], 250);
  assert.deepEqual(await s.sendmail('a@x.test', ['b@y.test'], 'Subject: mem\r\n\r\n.x\r\n'), {});
  assert.equal(Buffer.from(adapter.state.received).toString(), 'Subject: mem\r\n\r\n.x\r\n');
  assert.equal((await s.quit())[0], 221);
  assert.equal(adapter.state.closed, 1);
});

test('a socket whose close() never settles does not hang quit() or close()', async () => {
  const adapter = memoryAdapter({ neverClose: true });
  const s = await SMTP.connect({ host: 'memory.test', port: 2525, adapter });
  const q = await timed(() => s.quit());
  assert.deepEqual(q.value?.[0], 221);
  assert.ok(q.ms < 3000, `quit took ${q.ms} ms`);
  const t = await SMTP.connect({ host: 'memory.test', port: 2525, adapter });
  const c = await timed(() => t.close());
  assert.ok(c.ms < 3000, `close took ${c.ms} ms`);
  await assert.rejects(t.noop(), SMTPServerDisconnected);
});

test('a browser-like runtime without an adapter: a TypeError that says what to pass', () => {
  assert.throws(() => new SMTP({ adapter: {} }), /options\.adapter must be a socket adapter/);
});
