// The JavaScript transcript reader (www/transcript.js) reads every shipped
// file exactly as the reference reader conformance/reader.py does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TranscriptError, Transcript, dataBody, bdatChunks, read, splitReplies, unescape } from '../www/transcript.js';

const dir = new URL('../../conformance/transcripts/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
const hex = (bytes) => Buffer.from(bytes).toString('hex');

test('reader.py\'s self-test cases', () => {
  const items = read('# x\n@title t\nC: EHLO a\nS:\nC~ \\n.\\n\n@repeat 2\nS: 334\\x20\n');
  assert.deepEqual(items.map((i) => [i.line, i.kind, typeof i.value === 'string' ? i.value : hex(i.value)]), [
    [2, '@title', 't'], [3, 'C', hex(Buffer.from('EHLO a\r\n'))], [4, 'S', hex(Buffer.from('\r\n'))],
    [5, 'C', hex(Buffer.from('\n.\n'))], [7, 'S', hex(Buffer.from('334 \r\n'))], [7, 'S', hex(Buffer.from('334 \r\n'))],
  ]);
  assert.equal(hex(unescape('\\\\\\0\\xff\\t')), '5c00ff09');
  for (const bad of ['C: \\q', 'C:x', '@repeat 1', 'X: y', 'C: \\x1']) {
    assert.throws(() => read(bad), TranscriptError, bad);
  }
});

test('every transcript reads as reader.py reads it', (t) => {
  const reader = fileURLToPath(new URL('../../conformance/reader.py', import.meta.url));
  let out;
  try {
    out = execFileSync('python3', [reader, '--hex', ...files.map((f) => fileURLToPath(new URL(f, dir)))], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    if (e.code === 'ENOENT') return t.skip('python3 is not installed');
    throw e;
  }
  const expected = new Map();
  let current;
  for (const line of out.split('\n').filter(Boolean)) {
    if (line.startsWith('== ')) expected.set((current = line.slice(3).split('/').pop()), []);
    else expected.get(current).push(line);
  }
  assert.equal(expected.size, files.length);
  for (const f of files) {
    const mine = read(readFileSync(new URL(f, dir), 'utf8'))
      .map((i) => `${i.line} ${i.kind} ${typeof i.value === 'string' ? Buffer.from(i.value).toString('hex') : hex(i.value)}`);
    assert.deepEqual(mine, expected.get(f), f);
  }
});

test('steps, replies and bodies of a transcript', () => {
  const t = new Transcript('d1', readFileSync(new URL('rfc5321-d1-typical.txt', dir), 'utf8'));
  assert.deepEqual(t.steps.slice(0, 3).map((s) => s.kind), ['server', 'action', 'client']);
  const ehloReply = t.steps.find((s) => s.kind === 'server' && s.replies[0].line === 8);
  assert.equal(ehloReply.replies.length, 1, 'a multi-line reply is one reply');
  assert.deepEqual(splitReplies(Buffer.from('250-a\r\n250 b\r\n354 go\r\n250')).map((r) => Buffer.from(r).toString()),
    ['250-a\r\n250 b\r\n', '354 go\r\n', '250']);
  assert.equal(Buffer.from(dataBody(Buffer.from('..x\r\ny\r\n.\r\nQUIT\r\n')).body).toString(), '.x\r\ny\r\n');
  assert.equal(dataBody(Buffer.from('x\r\n')), null);
  assert.deepEqual(bdatChunks(Buffer.from('BDAT 3\r\nabcBDAT 2 LAST\r\nde')).map((m) => m.map((c) => Buffer.from(c).toString())), [['abc', 'de']]);
});
