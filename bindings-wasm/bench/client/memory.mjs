// Peak memory of streaming one 100 MiB message with smtp-rs, in a process
// of its own: the resident set's high-water mark (Linux VmHWM, reset after
// the connection is idle and warm) over the idle resident set. The message
// comes from an async generator that reuses one 64 KiB buffer, so what
// grows is the client's own buffering.
//   node memory.mjs PORT [MiB] [--bdat]
import { readFileSync, writeFileSync } from 'node:fs';
import { memoryBytes, SMTP } from 'smtp-rs';

const port = Number(process.argv[2]);
const mib = Number(process.argv[3] ?? 100);
const bdat = process.argv.includes('--bdat');
const status = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

const line = Buffer.from(`${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(2)}ABCD\r\n`);
const chunk = Buffer.alloc(64 * 1024);
for (let i = 0; i < chunk.length; i += line.length) line.copy(chunk, i);
chunk.write('\r\n', chunk.length - 2);
async function* message() {
  yield 'Subject: 100 MiB\r\n\r\n';
  for (let sent = 0; sent < mib * 1024 * 1024; sent += chunk.length) yield chunk;
}

const s = await SMTP.connect({ host: '127.0.0.1', port, timeoutMs: 120_000, useChunking: bdat });
await s.ehlo();
await s.sendmail('a@client.example', ['b@server.example'], 'Subject: warm-up\r\n\r\nhello\r\n');
globalThis.gc?.();
const idle = status('VmRSS');
const wasmIdle = memoryBytes();
writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
const t0 = performance.now();
const peaks = {}; const probe = process.env.PROBE ? setInterval(() => { for (const [k, v] of Object.entries(process.memoryUsage())) peaks[k] = Math.max(peaks[k] ?? 0, v); }, 2) : null;
const refused = await s.sendmail('a@client.example', ['b@server.example'], message());
const seconds = (performance.now() - t0) / 1000;
const peak = status("VmHWM");
if (probe) { clearInterval(probe); console.error(JSON.stringify(peaks)); }
await s.quit();
console.log(JSON.stringify({
  mib, bdat: bdat && s.useChunking, refused, idleRss: idle, peakRss: peak, overIdle: peak - idle,
  wasmMemory: memoryBytes(), wasmGrowth: memoryBytes() - wasmIdle, seconds,
}));
