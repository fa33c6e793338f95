// The client's own CPU per message, without sockets or a server: sendmail
// of 1 KiB through an in-memory adapter whose "server" answers each write
// at once (PIPELINING, CHUNKING). What this measures is the package's
// JavaScript and WebAssembly per message; the network benchmark (run.mjs)
// adds the kernel and the server. Pin it to one core:
//   taskset -c 1 node bench/client/cpu.mjs [messages] [--bdat]
import { SMTP } from 'smtp-rs';

const COUNT = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 50000);
const BDAT = process.argv.includes('--bdat');
const encoder = new TextEncoder();
const text = (bytes) => Buffer.from(bytes).toString('latin1');

/** A socket whose peer replies to what a sendmail writes, in memory. */
class AnsweringSocket {
  #replies = [encoder.encode('220 memory ESMTP\r\n')];
  #resolve = null;

  #answer(bytes) {
    const s = text(bytes);
    let out = '';
    if (s.startsWith('EHLO')) out = '250-memory\r\n250-PIPELINING\r\n250-SIZE 100000000\r\n250 CHUNKING\r\n';
    else if (s.startsWith('MAIL')) {
      out = '250 2.1.0 Ok\r\n';
      if (s.includes('RCPT')) out += '250 2.1.5 Ok\r\n';
      if (s.includes('\r\nDATA\r\n')) out += '354 End data with <CR><LF>.<CR><LF>\r\n';
      if (s.includes('BDAT')) out += '250 2.0.0 Ok: queued\r\n';
    } else if (s.startsWith('QUIT')) out = '221 Bye\r\n';
    else if (s.endsWith('\r\n.\r\n')) out = '250 2.0.0 Ok: queued\r\n';
    if (!out) return;
    this.#replies.push(encoder.encode(out));
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.(this.#replies.shift());
  }

  read() {
    if (this.#replies.length) return Promise.resolve(this.#replies.shift());
    return new Promise((resolve) => { this.#resolve = resolve; });
  }

  write(bytes) {
    this.#answer(bytes);
    return Promise.resolve();
  }

  close() {}

  localName() { return 'client.example'; }
}

const adapter = { name: 'memory', open: async () => new AnsweringSocket() };
const s = await SMTP.connect({ host: 'memory', port: 25, adapter, useChunking: BDAT, timeoutMs: 60_000 });
await s.ehlo();
const line = `${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2)}abcd\r\n`;
let body = 'From: bench@client.example\r\nTo: sink@server.example\r\nSubject: benchmark\r\n\r\n';
while (body.length + line.length <= 1024) body += line;
const message = Buffer.from(`${body}${'x'.repeat(1024 - body.length - 2)}\r\n`, 'latin1');
const send = () => s.sendmail('bench@client.example', ['sink@server.example'], message);
// Warm-up: V8 optimises the JavaScript and tiers the WebAssembly up.
for (let i = 0; i < Math.min(COUNT, 10000); i++) await send();
const cpu = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < COUNT; i++) await send();
const wall = performance.now() - t0;
const used = process.cpuUsage(cpu);
await s.quit();
console.log(`${BDAT ? 'BDAT' : 'DATA'}: ${((used.user + used.system) / COUNT).toFixed(1)} µs of CPU per message (${(wall * 1000 / COUNT).toFixed(1)} µs wall), ${COUNT} messages of 1 KiB`);
