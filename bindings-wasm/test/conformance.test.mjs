// The conformance transcripts (conformance/transcripts/*.txt, the files the
// Rust replayer reads) replayed from JavaScript against both machines:
// each file whole, one byte at a time, and split at every offset of the
// machine's input. Set SMTP_CONFORMANCE_FILTER=text to run only files whose
// name contains `text`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as lib from 'smtp-rs';
import { Cut, ReplayError, Transcript } from '../www/transcript.js';
import { replayClient } from '../www/replay-client.js';
import { replayServer } from '../www/replay-server.js';

const dir = new URL('../../conformance/transcripts/', import.meta.url);
const filter = process.env.SMTP_CONFORMANCE_FILTER ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.txt') && f.includes(filter)).sort();

test('the transcripts are there', () => {
  assert.ok(filter || files.length >= 60, `only ${files.length} transcripts in ${dir}`);
});

/** Every cut of an input of `length` octets, cheapest first. */
function* cuts(length) {
  yield Cut.whole;
  yield Cut.bytewise;
  for (let k = 1; k < length; k++) yield Cut.at(k);
}

function replayAll(replay, t, inputLength) {
  for (const cut of cuts(inputLength)) {
    try {
      replay(lib, t, cut);
    } catch (e) {
      throw new Error(`${t.name} (${cut.label}): ${e.message}`, { cause: e });
    }
  }
}

for (const file of files) {
  const t = new Transcript(file, readFileSync(new URL(file, dir), 'utf8'));
  for (const [side, replay, input] of [['client', replayClient, 'S'], ['server', replayServer, 'C']]) {
    if (!t.appliesTo(side)) continue;
    const known = t.directives('known-failure').find((k) => k.split(' ')[0] === side);
    test(`${file} [${side}]`, () => {
      const run = () => replayAll(replay, t, t.bytesOf(input).length);
      if (known === undefined) {
        run();
        return;
      }
      // conformance/README.md: a known failure does not fail the run, but
      // one that passes must lose its marker.
      assert.throws(run, ReplayError, `${file} [${side}] passes now: remove its @known-failure`);
    });
  }
}

// The replayers must be able to fail: a transcript changed where a machine
// decides is refused.
test('a transcript the machines do not follow fails the replay', () => {
  const read = (f) => readFileSync(new URL(f, dir), 'utf8');
  const typical = read('rfc5321-d1-typical.txt');
  const tamper = (text, from, to) => {
    assert.ok(text.includes(from), from);
    return new Transcript('tampered', text.replace(from, to));
  };
  // The client would send other bytes than the file says.
  const client = tamper(typical, 'C: RCPT TO:<Green@foo.com>', 'C: RCPT TO:<Grean@foo.com>');
  assert.throws(() => replayClient(lib, client), /client output before line \d+: differs/);
  // The server's own default reply (accept()) differs from the file.
  const defaults = tamper(read('server-accept-defaults.txt'), '@accept\nS: 250 2.0.0 OK', '@accept\nS: 250 2.1.0 OK');
  assert.throws(() => replayServer(lib, defaults), /server reply for line \d+/);
  // The application received another number of messages.
  const count = tamper(typical, '@expect server messages 1', '@expect server messages 2');
  assert.throws(() => replayServer(lib, count), /expected 2 messages delivered, got 1/);
  // An error the file expects did not happen.
  const noError = tamper(typical, '@expect server messages 1', '@expect client error MalformedReply');
  assert.throws(() => replayClient(lib, noError), /expected client error/);
});
