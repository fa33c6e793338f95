// Replays a transcript against ServerConnection (a port of
// conformance/tests/replay/server_side.rs): the `C:` bytes are its input,
// every event awaiting an answer is answered with the next `S:` reply (or
// accept() under `@accept`), and everything it sends must match the `S:`
// replies, in order and at the right time.

import { Cut, ReplayError, ReplayRun, bdatChunks, concat, dataBody, equalBytes, replyParts, show, splitReplies } from './transcript.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** `{code, lines}` of a transcript reply, for ServerConnection.reply(). */
function parseReply(bytes) {
  let text;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new ReplayError(`transcript reply ${show(bytes)} is not UTF-8`);
  }
  const lines = text.split('\n').filter((l) => l !== '').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (!lines.every((l) => /^[2-5][0-5]\d([ -]|$)/.test(l))) {
    throw new ReplayError(`transcript reply ${show(bytes)} does not parse`);
  }
  return { code: Number(lines[0].slice(0, 3)), lines: lines.map((l) => l.slice(4)) };
}

function base64(text) {
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The server configuration the dialogue implies (conformance/README.md,
 * "The server is configured from the dialogue itself"). */
export function serverConfig(lib, t) {
  const greetingStep = t.steps.find((s) => s.kind === 'server');
  if (!greetingStep) throw new ReplayError('no greeting in the transcript');
  const greeting = parseReply(greetingStep.replies[0].bytes);
  const [first, ...more] = greeting.lines;
  const space = first.indexOf(' ');
  const cfg = {
    hostname: space < 0 ? first : first.slice(0, space),
    greeting: [space < 0 ? '' : first.slice(space + 1), ...more].join('\n'),
    lmtp: t.lmtp,
    // Offer what the EHLO/LHLO replies offer, nothing else.
    extensions: [],
    authMechanisms: [],
  };
  if (greeting.code === 554) cfg.noService = true;
  const known = lib.extensionNames();
  let afterHello = false;
  let afterOauth = false;
  for (const step of t.steps) {
    if (step.kind === 'client') {
      const upper = new TextDecoder().decode(step.bytes).toUpperCase();
      afterHello = upper.startsWith('EHLO ') || upper.startsWith('LHLO ');
      afterOauth = upper.startsWith('AUTH OAUTHBEARER') || upper.startsWith('AUTH XOAUTH2');
    } else if (step.kind === 'server' && afterOauth) {
      // RFC 7628 §3.2.2: the error JSON is the server's own; the transcript
      // shows it in the 334 after an OAuth AUTH.
      afterOauth = false;
      const reply = parseReply(step.replies[0].bytes);
      if (reply.code === 334) cfg.oauthError = new TextDecoder().decode(base64(reply.lines.join('')));
    } else if (step.kind === 'server' && afterHello) {
      afterHello = false;
      const reply = parseReply(step.replies[0].bytes);
      if (reply.code < 200 || reply.code > 299) continue;
      for (const line of reply.lines.slice(1)) {
        const [keyword, ...params] = line.split(' ');
        const name = keyword.toUpperCase();
        if (known.includes(name) && !cfg.extensions.includes(name)) cfg.extensions.push(name);
        if (name === 'SIZE' && Number(params[0]) > 0) cfg.maxMessageSize = Number(params[0]);
        if (name === 'AUTH') {
          for (const m of params.map((p) => p.toUpperCase())) {
            if (m && !cfg.authMechanisms.includes(m)) cfg.authMechanisms.push(m);
          }
        }
      }
    }
  }
  for (const [key, value] of t.config('server')) {
    if (key === 'max-errors') cfg.maxBadCommands = Number(value);
    else if (key === 'auth-over-plaintext') cfg.authRequiresTls = value !== 'yes';
    else if (key === 'bare-line-endings' && value === 'normalize') cfg.bareLineEndings = 'normalize';
    else if (key === 'max-line') cfg.maxCommandLine = Number(value);
    // conformance/README.md: a runner ignores keys it does not know.
  }
  return cfg;
}

/** SCRAM stored credentials from `@server-config`, derived once per set
 * of inputs (every split replay needs the same keys). */
const scramCache = new Map();
function scramCredentials(lib, t) {
  const pass = t.configValue('server', 'auth-pass');
  const salt = t.configValue('server', 'scram-salt');
  if (pass === undefined || salt === undefined) return null;
  const iterations = Number(t.configValue('server', 'scram-iterations') ?? 4096);
  const key = JSON.stringify([pass, salt, iterations]);
  if (!scramCache.has(key)) scramCache.set(key, lib.deriveScramCredentials(pass, base64(salt), iterations));
  return scramCache.get(key);
}

class Run extends ReplayRun {
  constructor(lib, t, trace) {
    super('server', t, trace);
    this.expected = t.steps.flatMap((s) => (s.kind === 'server' ? s.replies : []));
    const cfg = serverConfig(lib, t);
    this.call(`new ServerConnection(${JSON.stringify(cfg)})`);
    this.s = new lib.ServerConnection(cfg, 0);
    // The nonce is an input: CRAM-MD5's challenge, SCRAM's server nonce.
    const nonce = t.configValue('server', 'scram-nonce') ?? t.configValue('server', 'cram-md5-challenge');
    if (nonce !== undefined) this.s.setNonce(nonce);
    this.scram = scramCredentials(lib, t);
    this.lastAuth = null;
    this.out = [];
    this.outBytes = new Uint8Array(0);
    this.messages = [];
    this.body = [];
    this.failed = null;
  }

  takeOutput() {
    const out = this.s.takeTransmit();
    if (out.length) {
      this.out.push(out);
      this.outBytes = concat(this.out);
      this.out = [this.outBytes];
      this.record({ kind: 'out', bytes: out });
    }
    return out.length > 0;
  }

  pump() {
    for (;;) {
      let busy = this.takeOutput();
      for (let ev = this.s.pollEvent(); ev !== null; ev = this.s.pollEvent()) {
        busy = true;
        if (ev.type === 'MessageData') this.body.push(ev.data);
        else if (ev.type === 'MessageEnd') {
          this.messages.push(concat(this.body));
          this.body = [];
        } else if (ev.type === 'MessageRefused') {
          this.body = [];
          this.messages.push(null);
        } else if (ev.type === 'Failed') this.failed ??= ev.error;
        else if (ev.type === 'Auth') this.lastAuth = ev;
        this.log.push(ev.type === 'MessageData' ? { type: 'MessageData', octets: ev.data.length } : ev);
        this.record({ kind: 'event', event: ev });
        this.takeOutput();
      }
      if (this.lastAuth?.verification.type === 'NeedCredentials') {
        this.lastAuth = null;
        if (!this.scram) throw new ReplayError('SCRAM needs @server-config auth-user/auth-pass/scram-salt');
        this.call('provideScramCredentials(...)');
        this.s.provideScramCredentials(this.scram);
        continue;
      }
      if (this.s.awaitingAnswer()) {
        busy = true;
        this.takeOutput();
        let index = splitReplies(this.outBytes).length;
        // The machine sends SASL challenges (334) itself; the
        // application's verdict is the reply after them.
        if (this.lastAuth) {
          this.lastAuth = null;
          while (this.expected[index] && show(this.expected[index].bytes.subarray(0, 3)) === '334') index++;
        }
        const exp = this.expected[index];
        if (!exp) this.fail(`the server awaits an answer but the transcript has no reply #${index + 1}`);
        try {
          if (exp.accept) {
            this.call('accept()');
            this.s.accept();
          } else {
            const reply = parseReply(exp.bytes);
            this.call(`reply(${JSON.stringify(reply)})`);
            this.s.reply(reply);
          }
        } catch (e) {
          if (e instanceof ReplayError) throw e;
          this.fail(`answering with line ${exp.line}: ${e.name}: ${e.message}`);
        }
      }
      if (!busy) return;
    }
  }

  /** The output must be exactly the first `upto` expected replies. */
  checkOut(upto, end) {
    const got = splitReplies(this.outBytes);
    const when = end ? 'at the end' : `by reply #${upto}`;
    for (let i = 0; i < upto; i++) {
      const exp = this.expected[i];
      const g = got[i];
      if (!g) {
        this.record({ kind: 'check', ok: false, text: `missing reply of line ${exp.line}` });
        this.fail(`server output ${when}: missing the reply of line ${exp.line}: ${show(exp.bytes)}`);
      }
      let same;
      if (exp.freeText) {
        const a = replyParts(exp.bytes);
        const b = replyParts(g);
        same = a.code === b.code && a.enhanced === b.enhanced;
      } else {
        same = equalBytes(g, exp.bytes);
      }
      if (!same) {
        this.record({ kind: 'check', ok: false, text: `reply for line ${exp.line}` });
        this.fail(`server reply for line ${exp.line} (code/enhanced only: ${exp.freeText}):\n    expected: ${show(exp.bytes)}\n    got:      ${show(g)}`);
      }
    }
    if (got[upto]) this.fail(`server output ${when}: unexpected reply ${show(got[upto])}`);
    this.record({ kind: 'check', ok: true, text: `server output ${when}` });
  }

  /** Every message the application received is the transcript's (DATA:
   * dot-unstuffed; BDAT: the chunks). */
  checkBodies() {
    let want = [];
    let after354 = false;
    for (const step of this.t.steps) {
      if (step.kind === 'server') {
        const last = step.replies[step.replies.length - 1];
        after354 = show(last.bytes.subarray(0, 3)) === '354';
      } else if (step.kind === 'client' && after354) {
        const d = dataBody(step.bytes);
        if (d) want.push(d.body);
        after354 = false;
      }
    }
    if (want.length === 0) want = bdatChunks(this.t.bytesOf('C')).map(concat);
    this.messages.forEach((got, i) => {
      if (got && want[i] && !equalBytes(got, want[i])) {
        this.fail(`message #${i + 1} as delivered differs:\n    expected: ${show(want[i]).slice(0, 300)}\n    got:      ${show(got).slice(0, 300)}`);
      }
    });
  }

  checkExpectations() {
    let errorExpected = false;
    for (const e of this.t.expectations('server')) {
      const words = e.split(/\s+/);
      if (words[0] === 'error') {
        errorExpected = true;
        if (!this.failed || (words[1] && !this.failed.code.startsWith(words[1]))) {
          this.fail(`expected server error ${JSON.stringify(e)}, got ${JSON.stringify(this.failed)}`);
        }
      } else if (words[0] === 'messages') {
        const got = this.messages.filter((m) => m !== null).length;
        if (got !== Number(words[1])) this.fail(`expected ${words[1]} messages delivered, got ${got}`);
      } else if (words[0] !== 'ok') {
        throw new ReplayError(`unknown server expectation ${JSON.stringify(e)}`);
      }
    }
    if (this.failed && !errorExpected) this.fail(`server failed: ${JSON.stringify(this.failed)}`);
  }
}

/** Replays `t` with the client's bytes cut as `cut` says; throws
 * ReplayError on the first difference. */
export function replayServer(lib, t, cut = Cut.whole, trace = null) {
  const run = new Run(lib, t, trace);
  try {
    run.pump();
    let offset = 0;
    let upto = 0;
    for (const step of t.steps) {
      run.line = step.line ?? step.replies?.[0]?.line ?? run.line;
      if (step.kind === 'client') {
        for (const piece of cut.pieces(offset, step.bytes)) {
          run.record({ kind: 'in', bytes: piece });
          run.s.receiveData(piece, 0);
          run.pump();
        }
        offset += step.bytes.length;
      } else if (step.kind === 'server') {
        run.pump();
        upto += step.replies.length;
        run.checkOut(upto, false);
      } else if (step.kind === 'tls') {
        run.pump();
        run.call('tlsEstablished()');
        run.s.tlsEstablished(0);
      }
      run.pump();
    }
    run.checkOut(run.expected.length, true);
    run.checkBodies();
    run.checkExpectations();
    return run;
  } finally {
    run.s.free();
  }
}
