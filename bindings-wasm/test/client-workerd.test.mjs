// The high-level client in workerd (the Cloudflare Workers runtime): a
// worker sends mail with STARTTLS to loopback servers through
// cloudflare:sockets. workerd reaches 127.0.0.1 only through a network
// service with allow = ["public", "local"]; that service trusts the test CA.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../examples/smtp-server.mjs';
import { testCerts } from './client-support.mjs';
import { freePort } from './helpers.mjs';

const PKG = fileURLToPath(new URL('..', import.meta.url));
let dir;
let servers = [];

before(async () => {
  const { key, cert, selfKey, selfCert, ca } = testCerts();
  servers = await Promise.all([
    startServer({ users: { tim: 'secret' } }),
    startServer({ users: { tim: 'secret' }, tls: { key, cert } }),
    startServer({ tls: { key: selfKey, cert: selfCert } }),
  ]);
  // workerd lists modules by name; name them by their paths so relative
  // imports resolve.
  dir = mkdtempSync(join(tmpdir(), 'smtp-rs-workerd-'));
  cpSync(join(PKG, 'js'), join(dir, 'js'), { recursive: true });
  cpSync(join(PKG, 'pkg'), join(dir, 'pkg'), { recursive: true });
  cpSync(join(PKG, 'test/workerd/worker.js'), join(dir, 'test/workerd/worker.js'));
  cpSync(join(PKG, 'test/client-checks.js'), join(dir, 'test/client-checks.js'));
  writeFileSync(join(dir, 'ca.pem'), ca);
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('workerd: a worker sends mail with STARTTLS through cloudflare:sockets', async () => {
  const modules = ['test/workerd/worker.js', 'test/client-checks.js'].map((f) => `(name = "${f}", esModule = embed "${f}")`);
  for (const f of readdirSync(join(dir, 'js'), { recursive: true }).filter((f) => f.endsWith('.js'))) {
    modules.push(`(name = "js/${f}", esModule = embed "js/${f}")`);
  }
  modules.push('(name = "pkg/smtp_rs_wasm.js", esModule = embed "pkg/smtp_rs_wasm.js")');
  modules.push('(name = "pkg/smtp_rs_wasm_bg.wasm", wasm = embed "pkg/smtp_rs_wasm_bg.wasm")');
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mailer),
    (name = "internet", network = (allow = ["public", "local"], tlsOptions = (trustedCertificates = [ embed "ca.pem" ]))),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
# 2025-01-01: no FinalizationRegistry, as on older Workers deployments.
const mailer :Workerd.Worker = (
  modules = [ ${modules.join(',\n    ')} ],
  compatibilityDate = "2025-01-01",
  globalOutbound = "internet",
);
`);
  const workerd = spawn(join(PKG, 'node_modules/.bin/workerd'), ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  workerd.stderr.on('data', (d) => { log += d; });
  try {
    const [plain, tls, untrusted] = servers;
    let response;
    for (let i = 0; i < 200 && !response; i++) {
      if (workerd.exitCode !== null) break;
      response = await fetch(`http://127.0.0.1:${port}/?plain=${plain.port}&tls=${tls.port}&untrusted=${untrusted.port}`, { signal: AbortSignal.timeout(60_000) })
        .catch(() => new Promise((r) => setTimeout(r, 100)));
    }
    assert.ok(response, `workerd did not answer: ${log}`);
    const body = await response.text();
    assert.equal(response.status, 200, `${body}\n${log}`);
    const results = JSON.parse(body);
    if (process.env.SHOW_WORKERD) console.log(body, log);
    assert.equal(results.length, 5);
    for (const r of results) assert.ok(r.ok, `${r.name}: ${r.error}\n${log}`);
    assert.ok(tls.messages.length >= 3, 'the TLS server got the messages');
  } finally {
    workerd.kill();
  }
});
