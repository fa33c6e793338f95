// The high-level client in Deno (node_modules/.bin/deno): test/deno/
// client.mjs runs every verb and STARTTLS through the Deno adapter against
// servers started here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer } from '../examples/smtp-server.mjs';
import { testCerts } from './client-support.mjs';

const run = promisify(execFile);
const PKG = fileURLToPath(new URL('..', import.meta.url));
let servers = [];

before(async () => {
  const { key, cert } = testCerts();
  servers = await Promise.all([
    startServer({ users: { tim: 'secret' } }),
    startServer({ users: { tim: 'secret' }, tls: { key, cert } }),
    startServer({ lmtp: true }),
  ]);
});
after(() => Promise.all(servers.map((s) => s.close())));

test('Deno: every client verb, AUTH, STARTTLS, LMTP through the Deno adapter', async () => {
  const [plain, tls, lmtp] = servers;
  const config = JSON.stringify({ plain: plain.port, tls: tls.port, lmtp: lmtp.port, ca: testCerts().ca });
  const { stdout } = await run('node_modules/.bin/deno', ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1,localhost', '--allow-read', 'test/deno/client.mjs', config], {
    cwd: PKG, timeout: 120_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  const results = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.equal(results.length, 10);
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.error}`);
});
