// Replays a transcript against ClientConnection (a port of
// conformance/tests/replay/client_side.rs): the `S:` bytes are its input,
// the `@client` actions its application's calls, and everything it sends
// must equal the `C:` bytes, flight by flight. `lib` is the smtp-rs module;
// `trace` (optional) is an array that receives what happened, for the
// playground.

import { Cut, ReplayError, ReplayRun, bdatChunks, concat, dataBody, equalBytes, show, unescape } from './transcript.js';

const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256', 'XOAUTH2', 'OAUTHBEARER'];

/** `<path> WORD WORD...` (the text after `MAIL FROM:`/`RCPT TO:`) as the
 * path and its parameter words; a quoted local part may hold spaces. */
export function pathAndWords(args) {
  let end = 0;
  if (args.startsWith('<')) {
    let quoted = false;
    for (end = 1; end < args.length; end++) {
      const c = args[end];
      if (c === '\\' && quoted) end++;
      else if (c === '"') quoted = !quoted;
      else if (c === '>' && !quoted) break;
    }
    end += 1;
  } else {
    end = args.indexOf(' ');
    if (end < 0) end = args.length;
  }
  return { path: args.slice(0, end), words: args.slice(end).split(' ').filter(Boolean) };
}

/** The body a `@client data` at `steps[i]` sends: the client flight after
 * the next 354 of this transaction, dot-unstuffed; empty without a 354. */
function dataBodyAfter(steps, i) {
  let after354 = false;
  for (const step of steps.slice(i + 1)) {
    if (step.kind === 'server') {
      const last = step.replies[step.replies.length - 1];
      after354 = last !== undefined && show(last.bytes.subarray(0, 3)) === '354';
    } else if (step.kind === 'client' && after354) {
      return dataBody(step.bytes)?.body ?? step.bytes;
    } else if (step.kind === 'action' && (step.verb === 'mail' || (step.verb === 'send' && step.args.toUpperCase().startsWith('MAIL')))) {
      break;
    }
  }
  return new Uint8Array(0);
}

class Run extends ReplayRun {
  constructor(lib, t, trace) {
    super('client', t, trace);
    const actions = t.steps.filter((s) => s.kind === 'action');
    const hello = actions.find((a) => ['ehlo', 'helo', 'lhlo'].includes(a.verb));
    const config = { helloDomain: hello?.args ?? 'client.example.com', lmtp: t.lmtp, autoHello: false };
    if (actions.some((a) => a.verb === 'auth' && a.args.split(/\s+/).includes('initial=no'))) {
      config.authInitialResponse = false;
    }
    if (t.configValue('client', 'line-endings') === 'refuse') config.lineEndings = 'refuse';
    if (t.configValue('client', 'reset') === 'deferred') config.resetAfterFailure = 'deferred';
    this.call(`new ClientConnection(${JSON.stringify(config)})`);
    this.c = new lib.ClientConnection(config, 0);
    this.sent = [];
    this.expected = [];
    this.failed = null;
    this.ready = false;
    this.queue = [];
    this.fallback = t.configValue('client', 'ehlo-fallback') !== 'no';
    this.hello = 'ehlo';
    this.envelope = null;
    this.bdatGroups = bdatChunks(t.bytesOf('C'));
  }

  checkSent(line) {
    const sent = concat(this.sent);
    const expected = concat(this.expected);
    const ok = equalBytes(sent, expected);
    const where = line === Infinity ? 'client output at the end' : `client output before line ${line}`;
    this.record({ kind: 'check', ok, text: where });
    if (!ok) {
      let at = 0;
      while (at < sent.length && sent[at] === expected[at]) at++;
      this.fail(`${where}: differs at octet ${at}\n    expected: ${show(expected.subarray(at, at + 200))}\n    got:      ${show(sent.subarray(at, at + 200))}`);
    }
  }

  takeOutput() {
    const out = this.c.takeTransmit();
    if (out.length) {
      this.sent.push(out);
      this.record({ kind: 'out', bytes: out });
    }
    return out.length > 0;
  }

  /** Drains events, hands over queued body pieces, collects output. */
  pump() {
    for (;;) {
      let busy = false;
      for (let ev = this.c.pollEvent(); ev !== null; ev = this.c.pollEvent()) {
        busy = true;
        if (ev.type === 'ReadyForBody') this.ready = true;
        else if (ev.type === 'TransactionFinished') this.ready = false;
        else if (ev.type === 'TransactionFailed') {
          // The body the application had lined up is not wanted.
          this.ready = false;
          this.queue = [];
        } else if (ev.type === 'Failed') this.failed ??= ev.error;
        this.log.push(ev);
        this.record({ kind: 'event', event: ev });
      }
      while (this.ready && this.queue.length) {
        busy = true;
        const op = this.queue.shift();
        if (op === 'end') {
          this.call('finishBody()');
          this.c.finishBody();
          this.ready = false;
        } else {
          this.call(`sendBody(${show(op).slice(0, 60)}${op.length > 60 ? '...' : ''})`);
          this.c.sendBody(op);
        }
        this.takeOutput();
      }
      busy = this.takeOutput() || busy;
      if (!busy) return;
    }
  }

  /** Sends the envelope collected from `@client mail`/`rcpt`, with the
   * body mode the next body action asks for. */
  sendEnvelope(rest) {
    const env = this.envelope;
    if (!env) return;
    this.envelope = null;
    const next = rest.find((s) => s.kind === 'action' && ['data', 'bdat', 'body', 'body-last', 'end'].includes(s.verb));
    if (next?.verb === 'bdat') {
      const group = this.bdatGroups[0] ?? [];
      env.bodyMode = 'bdat';
      // More than one chunk: the transcript's chunks are full ones.
      if (group.length > 1) env.chunkSize = Math.max(1, group[0].length);
    } else {
      env.bodyMode = 'data';
    }
    const size = env.mailOptions.find((w) => /^SIZE=\d+$/i.test(w));
    if (size) env.size = Number(size.slice(5));
    this.call(`sendMail(${JSON.stringify(env)})`);
    this.c.sendMail(env);
  }

  action(step, dataBodyBytes) {
    const { verb, args } = step;
    switch (verb) {
      case 'ehlo': case 'lhlo':
        this.hello = 'ehlo';
        if (this.fallback && verb === 'ehlo') {
          this.call('hello()');
          this.c.hello();
        } else {
          this.call('ehlo()');
          this.c.ehlo();
        }
        break;
      case 'helo':
        this.hello = 'helo';
        this.call('helo()');
        this.c.helo();
        break;
      case 'starttls':
        this.call('starttls()');
        this.c.starttls();
        break;
      case 'auth': this.auth(args); break;
      case 'mail': {
        const { path, words } = pathAndWords(args);
        this.envelope = { from: path, to: [], mailOptions: words };
        break;
      }
      case 'rcpt': {
        if (!this.envelope) throw new ReplayError('@client rcpt without @client mail');
        const { path, words } = pathAndWords(args);
        this.envelope.to.push({ address: path, options: words });
        break;
      }
      case 'data':
        this.queue.push(dataBodyBytes, 'end');
        break;
      case 'bdat': {
        const group = this.bdatGroups.shift();
        if (!group) throw new ReplayError('no BDAT chunks in the transcript');
        this.queue.push(...group.filter((c) => c.length > 0), 'end');
        break;
      }
      case 'body': case 'body-last':
        this.queue.push(unescape(args));
        if (verb === 'body-last') this.queue.push('end');
        break;
      case 'end': this.queue.push('end'); break;
      case 'send':
        this.call(`sendRaw(${JSON.stringify(args)})`);
        this.c.sendRaw(args);
        break;
      case 'rset':
        this.call('rset()');
        this.c.rset();
        break;
      case 'quit':
        this.call('quit()');
        this.c.quit();
        break;
      default: throw new ReplayError(`unknown client action ${JSON.stringify(verb)}`);
    }
  }

  auth(args) {
    const [mech, ...words] = args.split(/\s+/).filter(Boolean);
    if (!mech) throw new ReplayError('@client auth needs a mechanism');
    const kv = new Map(words.map((w) => {
      const eq = w.indexOf('=');
      return eq < 0 ? [w, ''] : [w.slice(0, eq), w.slice(eq + 1)];
    }));
    const creds = { username: kv.get('user') ?? '' };
    if (kv.has('token')) creds.token = kv.get('token');
    else creds.password = kv.get('pass') ?? '';
    if (kv.has('authzid')) creds.authzid = kv.get('authzid');
    if (kv.has('host') && kv.has('port')) {
      creds.host = kv.get('host');
      creds.port = Number(kv.get('port'));
    }
    if (MECHANISMS.includes(mech.toUpperCase())) {
      this.call(`authenticateWith(${JSON.stringify(mech)}, ...)`);
      this.c.authenticateWith(mech, creds, kv.get('nonce'));
    } else {
      // A mechanism smtp-rs does not run (EXTERNAL): the application
      // drives it, with an empty initial response.
      this.call(`authCustom(${JSON.stringify(mech)}, "")`);
      this.c.authCustom(mech, new Uint8Array(0));
    }
  }
}

function checkExpectations(t, run) {
  let errorExpected = false;
  for (const e of t.expectations('client')) {
    const words = e.split(/\s+/);
    if (words[0] === 'error') {
      errorExpected = true;
      if (!run.failed || (words[1] && !run.failed.code.startsWith(words[1]))) {
        run.fail(`expected client error ${JSON.stringify(e)}, got ${JSON.stringify(run.failed)}`);
      }
    } else if (words[0] !== 'ok') {
      throw new ReplayError(`unknown client expectation ${JSON.stringify(e)}`);
    }
  }
  if (run.failed && !errorExpected) run.fail(`client failed: ${JSON.stringify(run.failed)}`);
}

/** Replays `t` with the server's bytes cut as `cut` says; throws
 * ReplayError on the first difference. */
export function replayClient(lib, t, cut = Cut.whole, trace = null) {
  const run = new Run(lib, t, trace);
  try {
    let offset = 0;
    t.steps.forEach((step, i) => {
      run.line = step.line ?? step.replies?.[0]?.line ?? run.line;
      if (!(step.kind === 'action' && (step.verb === 'mail' || step.verb === 'rcpt'))) {
        run.sendEnvelope(t.steps.slice(i));
      }
      if (step.kind === 'client') {
        run.expected.push(step.bytes);
      } else if (step.kind === 'server') {
        run.pump();
        run.checkSent(step.replies[0].line);
        // The whole flight in one call (pipelined replies arrive together),
        // unless the cut falls inside it.
        const flight = concat(step.replies.map((r) => r.bytes));
        for (const piece of cut.pieces(offset, flight)) {
          run.record({ kind: 'in', bytes: piece });
          run.c.receiveData(piece, 0);
          run.pump();
        }
        offset += flight.length;
      } else if (step.kind === 'action') {
        try {
          run.action(step, step.verb === 'data' ? dataBodyAfter(t.steps, i) : null);
        } catch (e) {
          if (e instanceof ReplayError) throw e;
          run.fail(`line ${step.line}: @client ${step.verb} ${step.args}: ${e.name}: ${e.message}`);
        }
      } else if (step.kind === 'tls') {
        run.pump();
        run.checkSent(step.line);
        run.call('tlsEstablished()');
        run.c.tlsEstablished(0);
        // RFC 3207 §4.2: the client greets again after the handshake.
        if (run.hello === 'helo') run.c.helo();
        else if (run.fallback) run.c.hello();
        else run.c.ehlo();
      } else if (step.kind === 'close') {
        run.record({ kind: 'in', bytes: new Uint8Array(0), eof: true });
        run.c.receiveEof(0);
      }
      run.pump();
    });
    run.sendEnvelope([]);
    run.pump();
    run.checkSent(Infinity);
    checkExpectations(t, run);
    return run;
  } finally {
    run.c.free();
  }
}
