// The high-level client reads an event's type and finality from its JSON
// text without parsing it (js/machine.js: eventType, isFinalEvent), which
// relies on how src/machine.rs writes a batch: one object per line, the
// "type" first, the "final" flag last; sendmail() reads a transaction's
// outcome from the tail of its text (transactionTail). Every event of
// every conformance transcript, on both machines, is checked against its
// parsed form here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as lib from 'smtp-rs';
import { eventType, isFinalEvent, parseEvent, RAW_EVENTS, transactionTail } from '../js/machine.js';
import { Cut, Transcript } from '../www/transcript.js';
import { replayClient } from '../www/replay-client.js';
import { replayServer } from '../www/replay-server.js';

const dir = new URL('../../conformance/transcripts/', import.meta.url);
const seen = { client: new Map(), server: new Map() };
let refusedTails = 0;

/** A machine class whose pollEvent goes through the raw texts and checks
 * what is read from them unparsed against the parsed event. */
function checked(Base, side) {
  return class extends Base {
    #texts = [];
    #payload = null;

    pollEvent() {
      if (this.#texts.length === 0) {
        const batch = this[RAW_EVENTS]();
        if (batch === null) return null;
        this.#texts = batch.texts;
        this.#payload = batch.payload;
      }
      const text = this.#texts.shift();
      assert.ok(!text.includes('\n'), `one event per line: ${text}`);
      const ev = parseEvent(text, this.#payload);
      assert.equal(eventType(text), ev.type, text);
      assert.equal(isFinalEvent(text), ev.final, text);
      if (ev.type === 'TransactionFinished' || ev.type === 'TransactionFailed') {
        const { accepted, refused } = ev.result;
        assert.deepEqual(transactionTail(text), { accepted, refused }, text);
        if (refused.length) refusedTails++;
      }
      seen[side].set(ev.type, (seen[side].get(ev.type) ?? 0) + 1);
      return ev;
    }
  };
}

const checkedLib = {
  ...lib,
  ClientConnection: checked(lib.ClientConnection, 'client'),
  ServerConnection: checked(lib.ServerConnection, 'server'),
};

test('type and finality read from the raw text match the parsed event, on every transcript', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  assert.ok(files.length >= 60, `only ${files.length} transcripts`);
  for (const file of files) {
    const t = new Transcript(file, readFileSync(new URL(file, dir), 'utf8'));
    if (t.directives('known-failure').length) continue;
    if (t.appliesTo('client')) replayClient(checkedLib, t, Cut.whole);
    if (t.appliesTo('server')) replayServer(checkedLib, t, Cut.whole);
  }
  // The checks saw final and non-final events, and events with byte
  // fields (read through the batch's payload).
  for (const type of ['Closed', 'TransactionFinished', 'ServiceClosing', 'Failed']) {
    assert.ok(seen.client.get(type) > 0, `no client ${type} event in the transcripts`);
  }
  for (const type of ['MessageData', 'Closed']) {
    assert.ok(seen.server.get(type) > 0, `no server ${type} event in the transcripts`);
  }
  for (const type of ['TransactionFinished', 'TransactionFailed']) {
    assert.ok(seen.client.get(type) > 0, `no client ${type} event in the transcripts`);
  }
  assert.ok(refusedTails > 0, 'no transaction with a refused recipient in the transcripts');
});

test('byte fields of a raw batch become views of its payload', () => {
  const server = new lib.ServerConnection({ hostname: 'mx.example' }, 0);
  const client = new lib.ClientConnection({ helloDomain: 'client.example' }, 0);
  const data = [];
  for (let round = 0; round < 50; round++) {
    for (let ev = client.pollEvent(); ev; ev = client.pollEvent()) {
      if (ev.type === 'EhloAccepted') client.sendMail({ from: 'a@b.example', to: ['c@d.example'] });
      if (ev.type === 'ReadyForBody') {
        client.sendBody('Subject: x\r\n\r\nhello\r\n');
        client.finishBody();
      }
    }
    const toServer = client.takeTransmit();
    if (toServer.length) server.receiveData(toServer, round);
    const batch = server[RAW_EVENTS]();
    for (const text of batch?.texts ?? []) {
      const ev = parseEvent(text, batch.payload);
      if (ev.type === 'MessageData') data.push(Buffer.from(ev.data).toString('latin1'));
      if (ev.needsAnswer) server.accept();
    }
    const toClient = server.takeTransmit();
    if (toClient.length) client.receiveData(toClient, round);
  }
  assert.equal(data.join(''), 'Subject: x\r\n\r\nhello\r\n');
});

test('a server whose reply text mimics the tail does not fool transactionTail', () => {
  const client = new lib.ClientConnection({ helloDomain: 'client.example' }, 0);
  const feed = (s) => {
    client.receiveData(new TextEncoder().encode(s), 1);
    const batch = client[RAW_EVENTS]();
    return batch === null ? [] : batch.texts;
  };
  feed('220 mx\r\n');
  feed('250-mx\r\n250 PIPELINING\r\n');
  client.sendMail({ from: 'a@b.example', to: ['c@d.example', 'e@f.example'] });
  const mimic = 'no ,"accepted":9,"refused":[]},"final":false}';
  feed(`250 ok\r\n550 ${mimic}\r\n250 ok\r\n354 go\r\n`);
  client.sendBody('x\r\n');
  client.finishBody();
  const texts = feed(`250 queued ${mimic}\r\n`);
  const end = texts.find((t) => eventType(t) === 'TransactionFinished');
  const ev = JSON.parse(end);
  assert.equal(ev.result.accepted, 1);
  assert.equal(ev.result.refused.length, 1);
  assert.ok(ev.result.refused[0].reply.text.includes(mimic));
  assert.deepEqual(transactionTail(end), { accepted: ev.result.accepted, refused: ev.result.refused });
});
