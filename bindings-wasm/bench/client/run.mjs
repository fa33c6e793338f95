// The client benchmark: messages per second and MB/s over one connection,
// 1 KiB and 10 MiB messages, against Postfix's smtp-sink (PIPELINING),
// aiosmtpd (no PIPELINING) and the project's own server (PIPELINING and
// CHUNKING), for smtp-rs (DATA, and BDAT where offered), nodemailer 10
// (pool transport, one connection, maxMessages Infinity), emailjs, and the
// wire floor (wire-floor.mjs). Rounds alternate the clients; the median is
// reported. Run through run.sh, which pins this process (the clients) to
// one core and the servers to another. Then the peak RSS of streaming a
// 100 MiB message (memory.mjs, its own process).
//   node run.mjs [--rounds N] [--small N] [--large N] [--seconds S] [--warmup S] [--quick] [--only smtp-sink,aiosmtpd,smtp-rs server]
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import { SMTPClient } from 'emailjs';
import { SMTP } from 'smtp-rs';
import { WireFloor } from './wire-floor.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name, value) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : value;
};
const QUICK = args.includes('--quick');
const ROUNDS = flag('rounds', QUICK ? 1 : 5);
const SECONDS = flag('seconds', 3);
// Every client first runs this long on 1 KiB messages, unmeasured: V8
// optimises JavaScript and tiers WebAssembly up to its optimising
// compiler on background threads, which share the clients' one core,
// over the first few thousand messages; without this the first rounds
// measure the compilers.
const WARMUP_SECONDS = flag('warmup', QUICK ? 0.5 : 3);
const SERVER_CPU = process.env.SERVER_CPU ?? '0';
const SIZES = [
  { name: '1 KiB', bytes: 1024, count: flag('small', QUICK ? 200 : 2000) },
  { name: '10 MiB', bytes: 10 * 1024 * 1024, count: flag('large', QUICK ? 2 : 6) },
];
const FROM = 'bench@client.example';
const TO = ['sink@server.example'];

/** A message of `size` octets: headers, then 76-character lines. */
function message(size) {
  const head = 'From: bench@client.example\r\nTo: sink@server.example\r\nSubject: benchmark\r\nMessage-ID: <bench@client.example>\r\n\r\n';
  const line = `${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2)}abcd\r\n`;
  let body = head;
  while (body.length + line.length <= size) body += line;
  body += 'x'.repeat(size - body.length - 2) + '\r\n';
  return Buffer.from(body.slice(0, size), 'latin1');
}

/** Starts a server process pinned to SERVER_CPU; resolves to {port, stop}. */
async function server(command, argv) {
  const child = spawn('taskset', ['-c', SERVER_CPU, command, ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
  return { port: Number(line), stop: () => { child.stdin.end(); return stopChild(child); } };
}

/** SIGTERM, then SIGKILL if it is still there a moment later. */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 500);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill();
  });
}

async function smtpSink() {
  // smtp-sink prints nothing: give it a port we choose.
  const port = 20000 + Math.floor(Math.random() * 20000);
  // As root it must drop privileges (-u).
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn('taskset', ['-c', SERVER_CPU, process.env.SMTP_SINK ?? '/usr/sbin/smtp-sink', ...user, `127.0.0.1:${port}`, '256'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const probe = await WireFloor.connect('127.0.0.1', port);
      await probe.quit();
      return { port, stop: () => stopChild(child) };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  throw new Error('smtp-sink did not start');
}

/** Each client: open(port) -> { send(msg), close() }. */
const CLIENTS = {
  'smtp-rs': async (port) => {
    const s = await SMTP.connect({ host: '127.0.0.1', port, timeoutMs: 120_000 });
    await s.ehlo();
    return { send: (m) => s.sendmail(FROM, TO, m), close: () => s.quit() };
  },
  'smtp-rs BDAT': async (port) => {
    const s = await SMTP.connect({ host: '127.0.0.1', port, timeoutMs: 120_000, useChunking: true });
    await s.ehlo();
    if (!s.hasExtn('chunking')) { await s.quit(); return null; }
    return { send: (m) => s.sendmail(FROM, TO, m), close: () => s.quit() };
  },
  nodemailer: async (port) => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity });
    return { send: (m) => t.sendMail({ envelope: { from: FROM, to: TO }, raw: m }), close: () => t.close() };
  },
  emailjs: async (port) => {
    const c = new SMTPClient({ host: '127.0.0.1', port, ssl: false, tls: false, timeout: 120_000 });
    // emailjs composes the message itself: the same size of text.
    const texts = new Map();
    return {
      send: (m) => {
        let text = texts.get(m);
        if (!text) texts.set(m, (text = m.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n')));
        return c.sendAsync({ from: FROM, to: TO[0], subject: 'benchmark', text });
      },
      close: () => c.smtp.close(true),
    };
  },
  'wire floor': async (port) => {
    const w = await WireFloor.connect('127.0.0.1', port);
    await w.hello();
    return { send: (m) => w.sendmail(FROM, TO, m), close: () => w.quit() };
  },
  'wire floor BDAT': async (port) => {
    const w = await WireFloor.connect('127.0.0.1', port);
    await w.hello();
    if (!(w.chunking && w.pipelining)) { await w.quit(); return null; }
    return { send: (m) => w.sendmail(FROM, TO, m, true), close: () => w.quit() };
  },
};

/** Sends `count` messages (fewer if `SECONDS` run out first: a slow
 * client still gets a figure, from at least 2 messages) after a warm-up. */
async function measure(open, port, msg, count) {
  const c = await open(port);
  if (!c) return null;
  try {
    // Warm-up (JIT, connection): a tenth of the run, at least 3 messages,
    // at most a second.
    const w0 = performance.now();
    for (let i = 0; i < Math.max(3, Math.ceil(count / 10)) && performance.now() - w0 < 1000; i++) await c.send(msg);
    const t0 = performance.now();
    let sent = 0;
    while (sent < count && (sent < 2 || performance.now() - t0 < SECONDS * 1000)) {
      await c.send(msg);
      sent++;
    }
    const s = (performance.now() - t0) / 1000;
    return { msgs: sent / s, mbs: (sent * msg.length) / s / 1e6 };
  } finally {
    await c.close();
  }
}

/** Sends for WARMUP_SECONDS, measuring nothing (see WARMUP_SECONDS). */
async function warmUp(open, port, msg) {
  const c = await open(port);
  if (!c) return;
  try {
    const t0 = performance.now();
    while (performance.now() - t0 < WARMUP_SECONDS * 1000) await c.send(msg);
  } finally {
    await c.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** memory.mjs in a process of its own (it inherits this one's core). */
async function memoryRun(port, bdat) {
  const child = spawn(process.execPath, ['--expose-gc', `${HERE}memory.mjs`, String(port), '100', ...(bdat ? ['--bdat'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(out);
}

async function main() {
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
  const starters = {
    'smtp-sink': () => smtpSink(),
    aiosmtpd: () => server(process.env.AIOSMTPD_PYTHON ?? 'python3', [`${HERE}aiosmtpd-sink.py`]),
    'smtp-rs server': () => server(process.execPath, [`${HERE}own-server.mjs`]),
  };
  const targets = {};
  for (const [name, start] of Object.entries(starters)) if (!only || only.includes(name)) targets[name] = await start();
  const names = Object.keys(CLIENTS);
  const rows = [];
  const memory = [];
  try {
    const first = Object.values(targets)[0];
    if (first && WARMUP_SECONDS > 0) {
      const msg = message(1024);
      for (const name of names) await warmUp(CLIENTS[name], first.port, msg);
      process.stderr.write(`warmed up: ${WARMUP_SECONDS} s per client\n`);
    }
    for (const [target, { port }] of Object.entries(targets)) {
      for (const size of SIZES) {
        const msg = message(size.bytes);
        const results = Object.fromEntries(names.map((n) => [n, []]));
        for (let r = 0; r < ROUNDS; r++) {
          // Rotate the order each round so no client always goes first.
          const order = names.map((_, i) => names[(i + r) % names.length]);
          for (const name of order) {
            const res = await measure(CLIENTS[name], port, msg, size.count);
            if (res) results[name].push(res);
          }
        }
        for (const name of names) {
          if (!results[name].length) continue;
          const msgs = results[name].map((x) => x.msgs);
          // Each round's ratio to nodemailer's figure of the same round:
          // their spread says how far the median ratio can be trusted.
          const base = results.nodemailer;
          const ratios = base?.length === results[name].length ? msgs.map((m, i) => m / base[i].msgs) : [];
          rows.push({
            target, size: size.name, client: name, msgs: median(msgs), low: Math.min(...msgs), high: Math.max(...msgs),
            mbs: median(results[name].map((x) => x.mbs)), ratios, n: msgs.length,
          });
        }
        process.stderr.write(`done: ${target} ${size.name}\n`);
      }
    }
    for (const [target, bdat] of [['smtp-sink', false], ['smtp-rs server', true]]) {
      if (!targets[target] || QUICK) continue;
      memory.push({ target, ...(await memoryRun(targets[target].port, bdat)) });
    }
  } finally {
    await Promise.all(Object.values(targets).map((t) => t.stop()));
  }
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`\nmedian of ${ROUNDS} rounds; ${SIZES.map((s) => `${s.count} x ${s.name}`).join(', ')} per client per round (or what ${SECONDS} s allow); one connection each; ${WARMUP_SECONDS} s warm-up per client; load average ${loadBefore} at the start, ${load} at the end\n`);
  console.log('| server | size | client | msg/s | range | MB/s | vs nodemailer | per round | vs wire floor |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const base = rows.find((r) => r.target === row.target && r.size === row.size && r.client === 'nodemailer');
    const floor = rows.find((r) => r.target === row.target && r.size === row.size && r.client === (row.client.endsWith('BDAT') ? 'wire floor BDAT' : 'wire floor'));
    const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    const spread = row.ratios.length && row.client !== 'nodemailer'
      ? `${Math.min(...row.ratios).toFixed(2)}-${Math.max(...row.ratios).toFixed(2)}x` : '';
    console.log(`| ${row.target} | ${row.size} | ${row.client} | ${fmt(row.msgs)} | ${fmt(row.low)}-${fmt(row.high)} | ${fmt(row.mbs)} | ${base ? `${(row.msgs / base.msgs).toFixed(2)}x` : ''} | ${spread} | ${floor ? `${(row.msgs / floor.msgs).toFixed(2)}x` : ''} |`);
  }
  if (memory.length) {
    const mib = (x) => (x / 1048576).toFixed(1);
    console.log('\nStreaming one 100 MiB message (an async generator reusing one 64 KiB buffer), smtp-rs, its own process:\n');
    console.log('| server | body | idle RSS (MiB) | peak RSS (MiB) | peak over idle (MiB) | wasm memory (MiB) | MB/s |');
    console.log('|---|---|---|---|---|---|---|');
    for (const m of memory) {
      console.log(`| ${m.target} | ${m.bdat ? 'BDAT' : 'DATA'} | ${mib(m.idleRss)} | ${mib(m.peakRss)} | ${mib(m.overIdle)} | ${mib(m.wasmMemory)} | ${(m.mib * 1.048576 / m.seconds).toFixed(0)} |`);
    }
  }
}

await main();
