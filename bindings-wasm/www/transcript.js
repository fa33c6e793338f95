// Conformance transcripts (conformance/README.md) in JavaScript: the reader
// (a port of conformance/reader.py), the grouping into replay steps, and the
// byte helpers the replayers need (conformance/src/wire.rs). Used by the
// playground and by the package's tests; no dependency, no I/O.

const ESCAPES = { r: 13, n: 10, t: 9, 0: 0, '\\': 92 };
const encoder = new TextEncoder();

export class TranscriptError extends Error {}

/** A machine did not do what the transcript says. */
export class ReplayError extends Error {}

/** What both replayers keep: the trace (optional, for the playground), the
 * transcript line being replayed, and the machine's events for messages. */
export class ReplayRun {
  constructor(side, t, trace) {
    this.side = side;
    this.t = t;
    this.trace = trace;
    this.line = 0;
    this.log = [];
  }

  record(entry) {
    this.trace?.push({ side: this.side, line: this.line, ...entry });
  }

  /** An application call, for the trace. */
  call(text) {
    this.record({ kind: 'call', text });
  }

  context() {
    return `\n    last events: ${this.log.slice(-6).map((e) => JSON.stringify(e).slice(0, 160)).join('\n                 ')}`;
  }

  fail(message) {
    throw new ReplayError(`${message}${this.context()}`);
  }
}

/** Decodes `\r \n \t \0 \\ \xHH`; any other backslash sequence is an error. */
export function unescape(text) {
  const raw = encoder.encode(text);
  const out = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 92) {
      out.push(raw[i]);
      continue;
    }
    const e = String.fromCharCode(raw[i + 1] ?? 0);
    if (e in ESCAPES && i + 1 < raw.length) {
      out.push(ESCAPES[e]);
      i += 1;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(String.fromCharCode(raw[i + 2] ?? 0, raw[i + 3] ?? 0))) {
      out.push(parseInt(String.fromCharCode(raw[i + 2], raw[i + 3]), 16));
      i += 3;
    } else {
      throw new TranscriptError(`bad escape at ${JSON.stringify(text.slice(text.indexOf('\\')))}`);
    }
  }
  return Uint8Array.from(out);
}

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const CRLF = Uint8Array.of(13, 10);

/** Items `{line, kind, value}`: kind "C"/"S" with the wire bytes (CRLF
 * added where implied), or "@name" with the argument string. */
export function read(text) {
  const items = [];
  let repeat = null;
  text.split('\n').forEach((raw, index) => {
    const n = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line || line.startsWith('#')) return;
    if (line.startsWith('@')) {
      const space = line.indexOf(' ');
      const name = space < 0 ? line.slice(1) : line.slice(1, space);
      const args = space < 0 ? '' : line.slice(space + 1).trim();
      if (!name) throw new TranscriptError(`line ${n}: empty directive`);
      if (name === 'repeat') {
        if (!/^\d+$/.test(args)) throw new TranscriptError(`line ${n}: @repeat needs a count`);
        repeat = Number(args);
        return;
      }
      if (repeat !== null) throw new TranscriptError(`line ${n}: @repeat must precede C:/S:`);
      items.push({ line: n, kind: `@${name}`, value: args });
      return;
    }
    const m = /^([CS])(:$|: |~ )(.*)$/s.exec(line);
    if (!m) throw new TranscriptError(`line ${n}: unrecognised ${JSON.stringify(line)}`);
    let data;
    try {
      data = unescape(m[3]);
    } catch (e) {
      throw new TranscriptError(`line ${n}: ${e.message}`);
    }
    if (m[2] !== '~ ') data = concat([data, CRLF]);
    for (let k = 0; k < (repeat ?? 1); k++) items.push({ line: n, kind: m[1], value: data });
    repeat = null;
  });
  if (repeat !== null) throw new TranscriptError('@repeat at end of file');
  return items;
}

// ----- wire helpers (conformance/src/wire.rs) -------------------------------

/** Whether `bytes` end with the last line of a reply (`NNN` or `NNN text`). */
export function replyComplete(bytes) {
  const n = bytes.length;
  if (n < 2 || bytes[n - 2] !== 13 || bytes[n - 1] !== 10) return false;
  const body = bytes.subarray(0, n - 2);
  const start = body.lastIndexOf(10) + 1;
  const last = body.subarray(start);
  return last.length === 3 || last[3] === 32;
}

/** Splits server output into replies; trailing bytes that do not finish a
 * reply come last. */
export function splitReplies(bytes) {
  const replies = [];
  let start = 0;
  let at = 0;
  while (at < bytes.length) {
    const lf = bytes.indexOf(10, at);
    at = lf < 0 ? bytes.length : lf + 1;
    if (replyComplete(bytes.subarray(start, at))) {
      replies.push(bytes.subarray(start, at));
      start = at;
    }
  }
  if (start < bytes.length) replies.push(bytes.subarray(start));
  return replies;
}

const decoder = new TextDecoder();

/** `{code, enhanced, lines}` of a reply's bytes: the code, the enhanced
 * status of the first line (or null), each line's text. */
export function replyParts(bytes) {
  const text = decoder.decode(bytes);
  const lines = text.split('\n').filter((l) => l !== '').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l).slice(4));
  const word = (lines[0] ?? '').split(' ')[0];
  const enhanced = /^[245]\.\d{1,3}\.\d{1,3}$/.test(word) ? word : null;
  return { code: text.slice(0, 3), enhanced, lines };
}

/** The message a DATA body carries (`wire` starts after the 354): the
 * dot-unstuffed body and the wire octets it took with its terminator, or
 * null when `wire` holds no CR LF . CR LF. */
export function dataBody(wire) {
  const body = [];
  let pos = 0;
  for (;;) {
    const rest = wire.subarray(pos);
    if (rest[0] === 46 && rest[1] === 13 && rest[2] === 10) return { body: concat(body), used: pos + 3 };
    let end = -1;
    for (let i = 0; i + 1 < rest.length; i++) {
      if (rest[i] === 13 && rest[i + 1] === 10) {
        end = i + 2;
        break;
      }
    }
    if (end < 0) return null;
    const line = rest.subarray(0, end);
    body.push(line[0] === 46 ? line.subarray(1) : line);
    pos += end;
  }
}

/** The BDAT messages in a client's bytes: per message, its chunks. */
export function bdatChunks(wire) {
  const messages = [];
  let chunks = [];
  let pos = 0;
  while (pos < wire.length) {
    let eol = -1;
    for (let i = pos; i + 1 < wire.length; i++) {
      if (wire[i] === 13 && wire[i + 1] === 10) {
        eol = i;
        break;
      }
    }
    if (eol < 0) break;
    const words = decoder.decode(wire.subarray(pos, eol)).split(' ');
    pos = eol + 2;
    if (words[0].toUpperCase() === 'BDAT') {
      const size = Number.parseInt(words[1], 10) || 0;
      const last = (words[2] ?? '').toUpperCase() === 'LAST';
      const end = Math.min(pos + size, wire.length);
      chunks.push(wire.subarray(pos, end));
      pos = end;
      if (last) {
        messages.push(chunks);
        chunks = [];
      }
    }
  }
  return messages;
}

// ----- transcripts and steps ---------------------------------------------------

const HEADERS = ['title', 'source', 'note', 'mode', 'sides', 'free-text', 'server-config', 'client-config', 'known-failure', 'expect'];

/** A parsed transcript: its items and its replay steps. Steps are
 * `{kind: "client", bytes, line}` (one flight), `{kind: "server", replies}`
 * (each `{bytes, line, freeText, accept}`), `{kind: "action", verb, args,
 * line}`, `{kind: "tls", line}` and `{kind: "close", line}`. */
export class Transcript {
  constructor(name, text) {
    this.name = name;
    this.items = read(text);
    this.steps = this.#group();
  }

  directives(name) {
    return this.items.filter((i) => i.kind === `@${name}`).map((i) => i.value);
  }

  header(name) {
    return this.directives(name)[0];
  }

  appliesTo(side) {
    const sides = this.header('sides');
    return sides === undefined || sides.split(/\s+/).includes(side);
  }

  get lmtp() {
    return this.header('mode') === 'lmtp';
  }

  /** `[key, value]` pairs of `@client-config` or `@server-config`. */
  config(side) {
    return this.directives(`${side}-config`).flatMap((a) => a.split(/\s+/).filter(Boolean)).map((kv) => {
      const eq = kv.indexOf('=');
      return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    });
  }

  configValue(side, key) {
    return this.config(side).find(([k]) => k === key)?.[1];
  }

  /** `@expect SIDE ...` arguments for `side`, without the side word. */
  expectations(side) {
    return this.directives('expect').flatMap((a) => {
      const [who, ...rest] = a.split(' ');
      return who === side ? [rest.join(' ').trim()] : [];
    });
  }

  /** Every byte one side ("C" or "S") sends. */
  bytesOf(side) {
    return concat(this.items.filter((i) => i.kind === side).map((i) => i.value));
  }

  #group() {
    const allFree = this.header('free-text') !== undefined;
    const steps = [];
    let free = false;
    let accept = false;
    for (const item of this.items) {
      const last = steps[steps.length - 1];
      if (item.kind === 'C') {
        if (last?.kind === 'client') last.bytes = concat([last.bytes, item.value]);
        else steps.push({ kind: 'client', bytes: item.value, line: item.line });
      } else if (item.kind === 'S') {
        const step = last?.kind === 'server' ? last : { kind: 'server', replies: [] };
        if (step !== last) steps.push(step);
        const open = step.replies[step.replies.length - 1];
        if (open && !replyComplete(open.bytes)) {
          open.bytes = concat([open.bytes, item.value]);
        } else {
          step.replies.push({ bytes: item.value, line: item.line, freeText: free || allFree, accept });
          free = false;
          accept = false;
        }
      } else {
        const name = item.kind.slice(1);
        if (name === 'free') free = true;
        else if (name === 'accept') accept = true;
        else if (name === 'tls' || name === 'close') steps.push({ kind: name, line: item.line });
        else if (name === 'client') {
          const space = item.value.indexOf(' ');
          const verb = space < 0 ? item.value : item.value.slice(0, space);
          if (!verb) throw new TranscriptError(`line ${item.line}: @client needs an action`);
          steps.push({ kind: 'action', verb, args: space < 0 ? '' : item.value.slice(space + 1), line: item.line });
        } else if (!HEADERS.includes(name)) {
          throw new TranscriptError(`line ${item.line}: unknown directive @${name}`);
        }
      }
    }
    return steps;
  }
}

/** How a machine's input is cut into receiveData calls: each flight whole,
 * one extra cut at offset k of the whole input, or one byte per call. */
export const Cut = {
  whole: { label: 'whole', pieces: (offset, bytes) => [bytes] },
  bytewise: {
    label: 'byte by byte',
    pieces: (offset, bytes) => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
  },
  at: (k) => ({
    label: `split at ${k}`,
    pieces: (offset, bytes) => (k > offset && k < offset + bytes.length
      ? [bytes.subarray(0, k - offset), bytes.subarray(k - offset)]
      : [bytes]),
  }),
};

/** Bytes as readable text for messages and the page. */
export function show(bytes) {
  let s = '';
  for (const b of bytes) {
    if (b === 13) s += '\\r';
    else if (b === 10) s += '\\n';
    else if (b === 0) s += '\\0';
    else if (b === 92) s += '\\\\';
    else if (b < 32 || b >= 127) s += `\\x${b.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(b);
  }
  return s;
}

export function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
