// The JavaScript half of bench/run.sh: times the wasm build of the
// workloads, runs the native build next to it (rounds alternating), and
// prints both, their ratio, and the package's .wasm size.
// node run.mjs <native binary> [rounds]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Workload, initSync } from './pkg/smtp_rs_wasm_bench.js';

const [nativeBin, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 5);
initSync({ module: readFileSync(new URL('./pkg/smtp_rs_wasm_bench_bg.wasm', import.meta.url)) });
const NAMES = ['command-stream', 'ehlo', 'reply-stream', 'unstuff'];
const LABEL = {
  'command-stream': 'commands, ~1 MiB pipelined stream (Command::parse)',
  ehlo: 'EHLO reply, 12 lines (ReplyParser + Capabilities)',
  'reply-stream': 'replies, ~1 MiB mixed stream (ReplyParser)',
  unstuff: 'DATA body, 10 MiB (DotUnstuffer)',
};

const workloads = Object.fromEntries(NAMES.map((n) => [n, new Workload(n)]));
const best = { wasm: {}, native: {} };
const results = {};

function timeWasm(name) {
  const w = workloads[name];
  const reps = Math.min(100000, Math.max(1, Math.floor(4e6 / Math.max(1, w.bytes))));
  results[name] = w.run(reps);
  let b = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    w.run(reps);
    b = Math.min(b, (performance.now() - t) / 1000 / reps);
  }
  return b;
}

for (let round = 0; round < rounds; round++) {
  for (const line of execFileSync(nativeBin, ['5'], { encoding: 'utf8' }).trim().split('\n')) {
    const r = JSON.parse(line);
    best.native[r.name] = Math.min(best.native[r.name] ?? Infinity, r.seconds);
    if (results[r.name] !== undefined && results[r.name] !== r.result) {
      throw new Error(`${r.name}: native counted ${r.result}, wasm ${results[r.name]}`);
    }
  }
  for (const name of NAMES) best.wasm[name] = Math.min(best.wasm[name] ?? Infinity, timeWasm(name));
}

const mbs = (name, s) => workloads[name].bytes / s / 1e6;
console.log(`parser speed, best of ${rounds} alternating rounds x 5 runs, MB/s (1e6 octets/s), one core`);
console.log(`${'workload'.padEnd(56)} ${'native'.padStart(9)} ${'wasm'.padStart(9)}  wasm/native`);
for (const name of NAMES) {
  const n = mbs(name, best.native[name]);
  const w = mbs(name, best.wasm[name]);
  console.log(`${LABEL[name].padEnd(56)} ${n.toFixed(1).padStart(9)} ${w.toFixed(1).padStart(9)}  ${(w / n).toFixed(2)}x`);
}
const wasm = readFileSync(new URL('../pkg/smtp_rs_wasm_bg.wasm', import.meta.url));
console.log(`package smtp_rs_wasm_bg.wasm: ${wasm.length} octets raw, ${gzipSync(wasm, { level: 9 }).length} gzipped (gzip -9)`);
