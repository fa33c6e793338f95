// The package as a user gets it: `npm install /path/to/bindings-wasm` into
// a fresh project, then each runtime loads it through package.json
// "exports" and runs the same in-memory session (runtimes/session.js):
// Node, Deno, workerd (the Cloudflare Workers runtime), and a TypeScript
// check of the types. Headless Chromium is covered by playground.test.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './helpers.mjs';
import { EXPECTED } from './runtimes/session.js';

const run = promisify(execFile);
const PKG = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(PKG, 'node_modules', '.bin');
const HERE = fileURLToPath(new URL('runtimes/', import.meta.url));
let project;

before(async () => {
  project = mkdtempSync(join(tmpdir(), 'smtp-rs-install-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-smtp-rs', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', PKG], { cwd: project, timeout: 120_000 });
  for (const f of ['session.js', 'smoke.mjs', 'worker.js', 'usage.ts']) cpSync(join(HERE, f), join(project, f));
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function checkSession(result, runtime) {
  assert.equal(result.runtime, runtime, 'the runtime got its own entry file');
  assert.deepEqual(result.client, EXPECTED.client);
  assert.deepEqual(result.server, EXPECTED.server);
  assert.equal(result.delivered, EXPECTED.delivered);
  assert.equal(result.wire, EXPECTED.wire);
  assert.equal(result.closed, true);
}

test('Node: the installed package loads its node entry (wasm bytes read with fs)', async () => {
  const { stdout } = await run(process.execPath, ['smoke.mjs'], { cwd: project, timeout: 60_000 });
  checkSession(JSON.parse(stdout), 'node');
});

test('package.json exports choose one entry per runtime condition', async () => {
  const resolve = async (conditions) => {
    const flags = conditions.map((c) => `--conditions=${c}`);
    const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', 'console.log(import.meta.resolve("smtp-rs"))'], { cwd: project });
    return stdout.trim().split('/').slice(-2).join('/');
  };
  assert.equal(await resolve([]), 'js/node.js');
  assert.equal(await resolve(['workerd']), 'js/workerd.js');
  assert.equal(await resolve(['deno']), 'js/web.js');
});

test('Deno: the installed package loads its web entry (init() fetches the file: URL)', async () => {
  const { stdout } = await run(join(BIN, 'deno'), ['run', '--quiet', '--allow-read', '--no-prompt', 'smoke.mjs'], {
    cwd: project, timeout: 120_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  checkSession(JSON.parse(stdout), 'web');
});


test('workerd: a worker imports the .wasm as a module, calls initSync and runs the session', async () => {
  // workerd does not read package.json: modules are listed by name. They
  // are named by their paths, so the package's relative imports resolve,
  // and "smtp-rs" is an alias of the file the "workerd" condition selects
  // (what wrangler's bundler does).
  const resolved = (await run(process.execPath, ['--conditions=workerd', '--input-type=module', '-e', 'console.log(import.meta.resolve("smtp-rs"))'], { cwd: project }))
    .stdout.trim();
  const entry = `smtp-rs/${relative(realpathSync(PKG), fileURLToPath(resolved))}`;
  assert.equal(entry, 'smtp-rs/js/workerd.js');
  writeFileSync(join(project, 'alias.js'), `export * from "node_modules/${entry}";\n`);
  const modules = [
    '(name = "worker", esModule = embed "worker.js")',
    '(name = "session.js", esModule = embed "session.js")',
    '(name = "smtp-rs", esModule = embed "alias.js")',
  ];
  for (const f of readdirSync(join(project, 'node_modules/smtp-rs/js'), { recursive: true }).filter((f) => f.endsWith('.js'))) {
    modules.push(`(name = "node_modules/smtp-rs/js/${f}", esModule = embed "node_modules/smtp-rs/js/${f}")`);
  }
  modules.push('(name = "node_modules/smtp-rs/pkg/smtp_rs_wasm.js", esModule = embed "node_modules/smtp-rs/pkg/smtp_rs_wasm.js")');
  modules.push('(name = "node_modules/smtp-rs/pkg/smtp_rs_wasm_bg.wasm", wasm = embed "node_modules/smtp-rs/pkg/smtp_rs_wasm_bg.wasm")');
  const port = await freePort();
  writeFileSync(join(project, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .smtp) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
# 2025-01-01: no FinalizationRegistry, as on older Workers deployments.
const smtp :Workerd.Worker = (
  modules = [ ${modules.join(',\n    ')} ],
  compatibilityDate = "2025-01-01",
);
`);
  const workerd = spawn(join(BIN, 'workerd'), ['serve', 'config.capnp'], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  workerd.stderr.on('data', (d) => { log += d; });
  try {
    let response;
    for (let i = 0; i < 200 && !response; i++) {
      if (workerd.exitCode !== null) break;
      response = await fetch(`http://127.0.0.1:${port}/`).catch(() => new Promise((r) => setTimeout(r, 100)));
    }
    assert.ok(response, `workerd did not answer: ${log}`);
    const body = await response.text();
    assert.equal(response.status, 200, `${body}\n${log}`);
    const result = JSON.parse(body);
    checkSession(result, 'workerd');
    assert.equal(result.hasFinalizationRegistry, false, 'the explicit free() path was the one exercised');
  } finally {
    workerd.kill();
  }
});

test('TypeScript: the declarations type-check a usage file (tsc --noEmit)', async () => {
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true,
      lib: ['es2022', 'esnext.disposable', 'dom'], types: [],
    },
    files: ['usage.ts'],
  }));
  try {
    await run(join(BIN, 'tsc'), ['-p', 'tsconfig.json'], { cwd: project, timeout: 120_000 });
  } catch (e) {
    assert.fail(`tsc found errors:\n${e.stdout}${e.stderr}`);
  }
});
