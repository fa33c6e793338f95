// The playground (www/) in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core): the page loads the package's web entry,
// replays a transcript against both machines, steps through one, shows a
// smuggling variant refused, and saves a screenshot to test-output/.
// CHROMIUM=<path> picks another browser; without one the test is skipped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort } from './helpers.mjs';

const WWW = fileURLToPath(new URL('../www/', import.meta.url));
const OUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const BROWSER = process.env.CHROMIUM ?? '/usr/bin/chromium';
// The recipe's flags for a headless Chromium run as root on a server.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const skip = existsSync(BROWSER) ? false : `no Chromium at ${BROWSER}`;

let server;
let browser;
let base;


before(async () => {
  if (skip) return;
  assert.ok(existsSync(new URL('dist/smtp-rs/pkg/smtp_rs_wasm_bg.wasm', new URL('../www/', import.meta.url))), 'run build.sh first');
  const port = await freePort();
  // The README's command: a static server of www/, nothing else.
  server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', WWW], { stdio: 'ignore' });
  base = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(base).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: BROWSER, args: FLAGS, timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function openPage(hash = '') {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(`${base}${hash}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { page, problems };
}

test('the page loads and replays a transcript against both machines', { skip }, async () => {
  const { page, problems } = await openPage('#rfc5321-d1-typical.txt');
  await page.click('#run');
  const verdicts = await page.locator('.verdict').allTextContents();
  assert.deepEqual(verdicts, [
    'client machine: sends exactly what the transcript says',
    'server machine: sends exactly what the transcript says',
  ]);
  const timeline = await page.locator('#timeline tbody').textContent();
  assert.match(timeline, /MAIL FROM:<Smith@bar\.com>/);
  assert.match(timeline, /TransactionFinished/);
  assert.match(timeline, /RcptTo \{"to":"Green@foo\.com"/);
  assert.match(await page.locator('#data-analysis').textContent(), /Message 1: DATA ended at line \d+, 0 lookalike ends inside, delivered/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('stepping reveals one replay step at a time', { skip }, async () => {
  const { page } = await openPage('#rfc5321-d1-typical.txt');
  await page.click('#reset');
  assert.equal(await page.locator('#timeline tbody tr').count(), 0);
  for (let i = 1; i <= 3; i++) {
    await page.click('#step');
    assert.equal(await page.locator('#timeline tbody tr').count(), i);
    assert.match(await page.locator('#status').textContent(), new RegExp(`^step ${i} of \\d+$`));
  }
  assert.match(await page.locator('tr.current').textContent(), /EHLO bar\.com/);
  await page.close();
});

test('a smuggling variant is shown refused, and an edited one too; screenshot', { skip }, async () => {
  const { page, problems } = await openPage('#adversarial-smuggling-lf-dot-lf.txt');
  await page.click('#run');
  const analysis = await page.locator('#data-analysis').textContent();
  assert.match(analysis, /1 lookalike end inside, refused \(550\)/);
  assert.match(analysis, /"LF \. LF" at octet \d+ \(line \d+\) looks like an end of data but is not CR LF \. CR LF/);
  assert.match(analysis, /bare CR or LF, the raw material of SMTP smuggling/);
  assert.match(analysis, /nothing hidden in the body ran as a command/);
  assert.equal(await page.locator('#data-analysis mark').count(), 1);
  assert.equal(await page.locator('.verdict.ok').count(), 1, 'server side replayed; the file is server-only');

  // A variant pasted by hand: CR . CR instead, and NUL . CRLF, in one body.
  const source = readFileSync(new URL('../../conformance/transcripts/adversarial-smuggling-lf-dot-lf.txt', import.meta.url), 'utf8')
    .replace('Hello Bob.\\n.\\nMAIL', 'Hello Bob.\\r.\\rMAIL').replace('smuggled\\r\\n', 'smuggled\\r\\n\\0.\\r\\nagain\\r\\n');
  await page.fill('#source', source);
  await page.click('#run');
  const edited = await page.locator('#data-analysis').textContent();
  assert.match(edited, /2 lookalike ends inside, refused \(550\)/);
  assert.match(edited, /"CR \. CR" at octet/);
  assert.match(edited, /"LF NUL \. CR LF" at octet/);
  await page.fill('#source', readFileSync(new URL('../../conformance/transcripts/adversarial-smuggling-lf-dot-lf.txt', import.meta.url), 'utf8'));
  await page.click('#run');
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: `${OUT}playground.png`, fullPage: false });
  assert.ok(existsSync(`${OUT}playground.png`));
  assert.deepEqual(problems, []);
  await page.close();
});

test('a session that does not parse is reported, not thrown', { skip }, async () => {
  const { page, problems } = await openPage();
  await page.fill('#source', 'S: 220 ok\nX: nonsense\n');
  await page.click('#run');
  assert.match(await page.locator('#status').textContent(), /cannot read the session: line 2: unrecognised/);
  assert.deepEqual(problems, []);
  await page.close();
});
