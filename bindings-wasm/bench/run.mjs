// The JavaScript half of bench/run.sh. `node run.mjs <native> [rounds]`
// alternates, round after round, a native process and a wasm process (this
// file with --wasm), each timing every workload (best of 5 runs), and
// prints the best of each side, their ratio, and the package's .wasm size.
// Fresh processes on both sides: where a heap lands and how V8 tiers its
// code differ from process to process, so the best of several is the
// steady figure. The wasm side runs with --no-liftoff: the optimising
// compiler from the start, as a long-lived application ends up running.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Workload, initSync } from './pkg/smtp_rs_wasm_bench.js';

const NAMES = ['command-stream', 'ehlo', 'reply-stream', 'unstuff'];
const LABEL = {
  'command-stream': 'commands, ~1 MiB pipelined stream (Command::parse)',
  ehlo: 'EHLO reply, 12 lines (ReplyParser + Capabilities)',
  'reply-stream': 'replies, ~1 MiB mixed stream (ReplyParser)',
  unstuff: 'DATA body, 10 MiB (DotUnstuffer)',
};

/** One wasm process: the same protocol as src/bin/native.rs. */
function wasmOnce() {
  initSync({ module: readFileSync(new URL('./pkg/smtp_rs_wasm_bench_bg.wasm', import.meta.url)) });
  for (const name of NAMES) {
    const w = new Workload(name);
    const reps = Math.min(100000, Math.max(1, Math.floor(4e6 / Math.max(1, w.bytes))));
    const result = w.run(reps);
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      w.run(reps);
      best = Math.min(best, (performance.now() - t) / 1000 / reps);
    }
    console.log(JSON.stringify({ name, bytes: w.bytes, result, seconds: best }));
  }
}

function parse(output) {
  return output.trim().split('\n').map((line) => JSON.parse(line));
}

function main(nativeBin, rounds) {
  const self = fileURLToPath(import.meta.url);
  const best = { native: {}, wasm: {} };
  const sizes = {};
  const results = {};
  for (let round = 0; round < rounds; round++) {
    const sides = {
      native: parse(execFileSync(nativeBin, ['5'], { encoding: 'utf8' })),
      wasm: parse(execFileSync(process.execPath, ['--no-liftoff', self, '--wasm'], { encoding: 'utf8' })),
    };
    for (const [side, lines] of Object.entries(sides)) {
      for (const r of lines) {
        best[side][r.name] = Math.min(best[side][r.name] ?? Infinity, r.seconds);
        sizes[r.name] = r.bytes;
        // Both builds must have done the same work.
        if ((results[r.name] ??= r.result) !== r.result) {
          throw new Error(`${r.name}: ${side} counted ${r.result}, the other side ${results[r.name]}`);
        }
      }
    }
  }
  const mbs = (name, s) => sizes[name] / s / 1e6;
  console.log(`parser speed, MB/s (1e6 octets/s): best of ${rounds} alternating native/wasm processes x 5 runs, one core`);
  console.log(`${'workload'.padEnd(56)} ${'native'.padStart(9)} ${'wasm'.padStart(9)}  wasm/native`);
  for (const name of NAMES) {
    const n = mbs(name, best.native[name]);
    const w = mbs(name, best.wasm[name]);
    console.log(`${LABEL[name].padEnd(56)} ${n.toFixed(1).padStart(9)} ${w.toFixed(1).padStart(9)}  ${(w / n).toFixed(2)}x`);
  }
  const wasm = readFileSync(new URL('../pkg/smtp_rs_wasm_bg.wasm', import.meta.url));
  console.log(`package smtp_rs_wasm_bg.wasm: ${wasm.length} octets raw, ${gzipSync(wasm, { level: 9 }).length} gzipped (gzip -9)`);
}

if (process.argv[2] === '--wasm') wasmOnce();
else main(process.argv[2], Number(process.argv[3] ?? 5));
