// The playground: replays a session against both wasm machines (the same
// replayers as the package's conformance tests), shows what each side sent,
// read and reported, step by step, and explains where the server ended
// each message's DATA.
import * as smtp from './dist/smtp-rs/js/web.js';
import { Cut, Transcript } from './transcript.js';
import { replayClient } from './replay-client.js';
import { replayServer } from './replay-server.js';
import { analyseData } from './data-analysis.js';

const $ = (id) => document.getElementById(id);
const decoder = new TextDecoder();

/** Bytes as text with CR, LF, NUL and controls made visible; a line break
 * follows each LF so flights stay readable. */
export function display(bytes) {
  return decoder.decode(bytes).replace(/[\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\r': return '\\r';
      case '\n': return '\\n\n';
      case '\0': return '\\0';
      case '\t': return '\\t';
      default: return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

/** One line of an event: its type and its fields, compactly. */
function describeEvent(ev) {
  const { type, final, needsAnswer, ...fields } = ev;
  if (type === 'MessageData') return `MessageData (${ev.data.length} octets): ${display(ev.data).slice(0, 80)}`;
  if (fields.reply) fields.reply = `${fields.reply.code} ${fields.reply.lines.join(' / ')}`;
  if (fields.challenge) fields.challenge = display(fields.challenge);
  if (fields.verification?.challenge) fields.verification = { ...fields.verification, challenge: '...', digest: '...' };
  if (fields.result) fields.result = `accepted ${fields.result.accepted}, refused ${fields.result.refused.length}`;
  if (fields.capabilities) fields.capabilities = fields.capabilities.extensions.join(' ');
  const rest = JSON.stringify(fields);
  return `${type}${rest === '{}' ? '' : ` ${rest.slice(0, 160)}`}${final ? ' [final]' : ''}`;
}

function renderEntry(entry) {
  switch (entry.kind) {
    case 'out': return el('div', { class: 'entry out' }, display(entry.bytes));
    case 'in': return el('div', { class: 'entry in' }, entry.eof ? 'EOF' : display(entry.bytes));
    case 'event': return el('div', { class: 'entry event' }, describeEvent(entry.event));
    case 'call': return el('div', { class: 'entry call' }, `app: ${entry.text}`);
    case 'check': return el('div', { class: `entry check ${entry.ok ? 'ok' : 'bad'}` }, `${entry.ok ? '✓' : '✗'} ${entry.text}`);
    default: return el('div', {}, JSON.stringify(entry));
  }
}

/** Replays one side; returns its trace and its verdict. */
function replaySide(side, replay, t) {
  if (!t.appliesTo(side)) return { trace: [], verdict: { ok: null, text: `${side}: not replayed (@sides)` } };
  const trace = [];
  try {
    replay(smtp, t, Cut.whole, trace);
    return { trace, verdict: { ok: true, text: `${side} machine: sends exactly what the transcript says` } };
  } catch (e) {
    return { trace, verdict: { ok: false, text: `${side} machine: ${e.message}` } };
  }
}

/** Timeline rows: one per replay step (a flight, a reply group, an
 * action...), with the transcript lines it covers and each side's entries. */
function buildRows(t, source, client, server) {
  const lines = source.split('\n');
  const starts = [0, ...t.steps.map((s) => s.line ?? s.replies[0].line)];
  const rows = starts.map((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1] - 1 : lines.length;
    const text = start === 0 ? '(start)' : lines.slice(start - 1, end)
      .filter((l) => l && !l.startsWith('#') && !/^@(title|source|note|sides|mode|free-text|expect|known-failure|server-config|client-config)\b/.test(l))
      .join('\n');
    return { start, text, client: [], server: [] };
  });
  const byStart = new Map(rows.map((r) => [r.start, r]));
  const place = (entries, side) => {
    for (const e of entries) (byStart.get(e.line) ?? rows[0])[side].push(e);
  };
  place(client, 'client');
  place(server, 'server');
  return rows;
}

const state = { source: null, rows: [], shown: 0 };

function renderTimeline(follow = false) {
  const body = $('timeline').querySelector('tbody');
  body.replaceChildren(...state.rows.slice(0, state.shown).map((row, i) => el('tr', { class: i === state.shown - 1 ? 'current' : '' },
    el('td', { class: 'src' }, row.text),
    el('td', { class: 'client' }, ...row.client.map(renderEntry)),
    el('td', { class: 'server' }, ...row.server.map(renderEntry)))));
  if (follow) body.querySelector('tr.current')?.scrollIntoView({ block: 'nearest' });
  $('status').textContent = `step ${state.shown} of ${state.rows.length}`;
}

function renderAnalysis(messages) {
  const box = $('data-analysis');
  box.replaceChildren(...messages.map((m, i) => {
    const wire = el('div', { class: 'wire bytes' });
    for (const part of m.parts) {
      const text = display(part.bytes);
      wire.append(part.kind === 'plain' ? text : el(part.kind === 'end' ? 'span' : 'mark', { class: part.kind }, text));
    }
    return el('div', { class: 'message' },
      el('h3', {}, `Message ${i + 1}: ${m.headline}`),
      el('ul', {}, ...m.notes.map((n) => el('li', {}, n))),
      wire);
  }));
}

function analyse() {
  const source = $('source').value;
  state.source = source;
  $('status').className = '';
  let t;
  try {
    t = new Transcript($('transcripts').value || 'session', source);
  } catch (e) {
    $('status').className = 'error';
    $('status').textContent = `cannot read the session: ${e.message}`;
    state.rows = [];
    state.shown = 0;
    $('verdicts').replaceChildren();
    $('data-analysis').replaceChildren();
    $('timeline').querySelector('tbody').replaceChildren();
    return false;
  }
  const client = replaySide('client', replayClient, t);
  const server = replaySide('server', replayServer, t);
  $('verdicts').replaceChildren(...[client.verdict, server.verdict].map((v) =>
    el('div', { class: `verdict ${v.ok === null ? 'skip' : v.ok ? 'ok' : 'bad'}` }, v.text)));
  renderAnalysis(t.appliesTo('server') ? analyseData(smtp, t) : []);
  state.rows = buildRows(t, source, client.trace, server.trace);
  state.shown = 0;
  renderTimeline();
  return true;
}

const fresh = () => state.source === $('source').value || analyse();

$('reset').addEventListener('click', () => analyse());
$('step').addEventListener('click', () => {
  if (state.source !== $('source').value && !analyse()) return;
  state.shown = Math.min(state.shown + 1, state.rows.length);
  renderTimeline(true);
});
$('run').addEventListener('click', () => {
  if (!fresh()) return;
  state.shown = state.rows.length;
  renderTimeline();
});

async function load(name) {
  const response = await fetch(`dist/transcripts/${encodeURIComponent(name)}`);
  $('source').value = await response.text();
  history.replaceState(null, '', `#${encodeURIComponent(name)}`);
  analyse();
}

$('transcripts').addEventListener('change', (e) => load(e.target.value));

const names = await (await fetch('dist/transcripts/index.json')).json();
$('transcripts').replaceChildren(...names.map((n) => el('option', { value: n }, n)));
const wanted = decodeURIComponent(location.hash.slice(1));
$('transcripts').value = names.includes(wanted) ? wanted : 'rfc5321-d1-typical.txt';
await load($('transcripts').value);
document.body.dataset.ready = 'true';
