// Where the server machine ended each message, and why: the transcript's
// client bytes are fed to ServerConnection one octet at a time, so the
// octet on which MessageEnd (or MessageRefused) fires is exactly where the
// machine decided the message ended. The page only labels what the machine
// did; it decides nothing itself.
import { Cut, replyParts } from './transcript.js';
import { replayServer } from './replay-server.js';

const NAMES = { 13: 'CR', 10: 'LF', 0: 'NUL', 46: '.' };
const BREAKS = [13, 10, 0];
const decoder = new TextDecoder();

const REFUSALS = {
  BareLineEnding: 'the message holds a bare CR or LF, the raw material of SMTP smuggling (RFC 5321 §2.3.8)',
  LineTooLong: 'a text line is longer than 1000 octets (RFC 5321 §4.5.3.1.6)',
  TooLarge: 'the message is larger than the SIZE limit (RFC 1870 §6)',
};

/** The transcript line that holds octet `offset` of the client's bytes. */
function lineOf(t, offset) {
  let at = 0;
  for (const item of t.items) {
    if (item.kind !== 'C') continue;
    at += item.value.length;
    if (offset < at) return item.line;
  }
  return null;
}

/** Dots that look like an end of data but are not CR LF . CR LF: a dot
 * after a CR, LF or NUL and before a CR or LF (every smuggling variant). */
function lookalikes(wire, from, to) {
  const found = [];
  for (let p = from + 1; p < to; p++) {
    if (wire[p] !== 46 || !BREAKS.includes(wire[p - 1]) || ![13, 10].includes(wire[p + 1])) continue;
    let start = p;
    while (start > from && p - start < 2 && BREAKS.includes(wire[start - 1])) start--;
    let end = p + 1;
    while (end < to && end - p <= 2 && [13, 10].includes(wire[end])) end++;
    found.push({ start, end, name: Array.from(wire.subarray(start, end), (b) => NAMES[b]).join(' ') });
  }
  return found;
}

/** One entry per message the server machine read: its headline, notes,
 * and the body's bytes cut into parts (plain, lookalike `mark`, `end`). */
export function analyseData(smtp, t) {
  const trace = [];
  try {
    replayServer(smtp, t, Cut.bytewise, trace);
  } catch {
    // A failed replay still shows where the machine ended what it read.
  }
  const wire = t.bytesOf('C');
  const messages = [];
  let offset = 0;
  let current = null;
  let last = null;
  for (const e of trace) {
    if (e.kind === 'in') offset += e.bytes.length;
    if (e.kind === 'out' && last && !last.answer) last.answer = decoder.decode(e.bytes).trim();
    if (e.kind === 'out' && decoder.decode(e.bytes.subarray(0, 4)) === '354 ') {
      current = { kind: 'DATA', start: offset, delivered: 0, chunks: [] };
    }
    if (e.kind !== 'event') continue;
    const ev = e.event;
    if (ev.type === 'Bdat') {
      current ??= { kind: 'BDAT', start: null, delivered: 0, chunks: [] };
      current.chunks.push(ev.size);
    } else if (ev.type === 'MessageData' && current) {
      current.delivered += ev.data.length;
    } else if ((ev.type === 'MessageEnd' || ev.type === 'MessageRefused') && current) {
      last = { ...current, end: offset, outcome: ev, after: [] };
      if (ev.type === 'MessageRefused') last.answer = `${ev.reply.code} ${ev.reply.lines.join(' / ')}`;
      messages.push(last);
      current = null;
    } else if (last && !current && ev.type !== 'MessageData') {
      last.after.push(ev.type);
    }
  }
  return messages.map((m) => describe(t, wire, m));
}

function describe(t, wire, m) {
  const notes = [];
  const outcome = m.outcome.type === 'MessageEnd'
    ? `delivered (${m.delivered} octets to the application, which answered "${m.answer ?? '?'}")`
    : `refused by the machine: ${REFUSALS[m.outcome.reason.code] ?? m.outcome.reason.code}; it answered "${m.answer}" and delivered nothing`;
  if (m.kind === 'BDAT') {
    notes.push(`BDAT chunks of ${m.chunks.join(', ')} octets: the sizes delimit the message, no dot can end it (RFC 3030 §2).`);
    notes.push(`Outcome: ${outcome}.`);
    return { headline: `BDAT, ${outcome.split(' (')[0]}`, notes, parts: [] };
  }
  const terminator = m.end - m.start >= 5 ? 5 : 3;
  const found = lookalikes(wire, m.start, m.end - terminator);
  const endLine = lineOf(t, m.end - 1);
  notes.push(`The body starts after the 354, at octet ${m.start} of the client's stream; the machine ended it on octet ${m.end - 1} (line ${endLine}), the last of "CR LF . CR LF": only that sequence ends DATA (RFC 5321 §4.1.1.4).`);
  for (const f of found) {
    notes.push(`"${f.name}" at octet ${f.start} (line ${lineOf(t, f.start)}) looks like an end of data but is not CR LF . CR LF: the machine read it as message content.`);
  }
  notes.push(`Outcome: ${outcome}.`);
  if (m.after.length) {
    const commands = m.after.filter((x) => !['CommandRefused', 'MessageRefused'].includes(x));
    notes.push(`Next, the machine read: ${m.after.join(', ')}${found.length && !commands.includes('MailFrom') ? ' (nothing hidden in the body ran as a command)' : ''}.`);
  }
  const parts = [];
  let at = m.start;
  for (const f of found) {
    parts.push({ kind: 'plain', bytes: wire.subarray(at, f.start) }, { kind: 'mark', bytes: wire.subarray(f.start, f.end) });
    at = f.end;
  }
  parts.push({ kind: 'plain', bytes: wire.subarray(at, m.end - terminator) }, { kind: 'end', bytes: wire.subarray(m.end - terminator, m.end) });
  const verdict = m.outcome.type === 'MessageEnd' ? 'delivered' : `refused (${replyParts(new TextEncoder().encode(`${m.answer}\r\n`)).code})`;
  return { headline: `DATA ended at line ${endLine}, ${found.length} lookalike end${found.length === 1 ? '' : 's'} inside, ${verdict}`, notes, parts };
}
