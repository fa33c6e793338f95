// The round trips alone: a client that does nothing but them (the idea of
// bindings-python/benches/wire_floor.py, in Node). The command bytes and
// the dot-stuffed body are computed once per message; a reply is read only
// far enough to see that it is complete and positive. It sends what a
// correct client must, in the round trips the RFCs allow: with PIPELINING,
// MAIL, RCPT and DATA in one write and the body after the 354 (RFC 2920
// §3.1); with PIPELINING and CHUNKING, MAIL, RCPT and BDAT LAST with the
// body in one write (RFC 3030 §4.2); otherwise one command per reply. Its
// time is the floor for any client against that server on this machine.
import net from 'node:net';

export class WireFloor {
  #socket;
  #buffer = '';
  #lines = [];
  #waiting = null;
  #cache = new WeakMap();
  pipelining = false;
  chunking = false;

  static async connect(host, port) {
    const client = new WireFloor();
    await new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, resolve);
      s.setNoDelay(true);
      s.on('error', reject);
      s.on('data', (chunk) => client.#data(chunk));
      client.#socket = s;
    });
    await client.#replies(1);
    return client;
  }

  /** Splits lines; a waiter wants `count` final lines (a reply's last). */
  #data(chunk) {
    this.#buffer += chunk.toString('latin1');
    let i;
    while ((i = this.#buffer.indexOf('\r\n')) >= 0) {
      this.#lines.push(this.#buffer.slice(0, i));
      this.#buffer = this.#buffer.slice(i + 2);
    }
    const w = this.#waiting;
    if (!w) return;
    const finals = this.#lines.filter((l) => l[3] !== '-');
    if (finals.length < w.count) return;
    this.#waiting = null;
    const lines = this.#lines;
    this.#lines = [];
    const bad = finals.find((l) => l[0] !== '2' && l[0] !== '3');
    if (bad) w.reject(new Error(`refused: ${bad}`));
    else w.resolve(lines);
  }

  #replies(count) {
    return new Promise((resolve, reject) => {
      this.#waiting = { count, resolve, reject };
      this.#data(Buffer.alloc(0));
    });
  }

  /** EHLO; learns PIPELINING and CHUNKING. */
  async hello() {
    const reply = this.#replies(1);
    this.#socket.write('EHLO client.example\r\n');
    const lines = await reply;
    this.pipelining = lines.some((l) => /^PIPELINING\b/i.test(l.slice(4)));
    this.chunking = lines.some((l) => /^CHUNKING\b/i.test(l.slice(4)));
  }

  #wire(from, to, message, bdat) {
    let w = this.#cache.get(message);
    if (!w || w.bdat !== bdat) {
      const commands = [`MAIL FROM:<${from}>\r\n`, ...to.map((a) => `RCPT TO:<${a}>\r\n`)];
      if (bdat) {
        w = { bdat, commands: Buffer.from([...commands, `BDAT ${message.length} LAST\r\n`].join('')), count: commands.length + 1, body: Buffer.from(message) };
      } else {
        const text = Buffer.from(message).toString('latin1').replace(/(^|\r\n)\./g, '$1..');
        w = {
          bdat,
          commands: [...commands, 'DATA\r\n'].map((c) => Buffer.from(c)),
          body: Buffer.from(`${text}${text.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1'),
        };
      }
      this.#cache.set(message, w);
    }
    return w;
  }

  /** One message; with `bdat`, BDAT when the server offers it with PIPELINING. */
  async sendmail(from, to, message, bdat = false) {
    const useBdat = bdat && this.chunking && this.pipelining;
    const w = this.#wire(from, to, message, useBdat);
    if (useBdat) {
      const done = this.#replies(w.count);
      this.#socket.write(Buffer.concat([w.commands, w.body]));
      await done;
      return;
    }
    if (this.pipelining) {
      const envelope = this.#replies(w.commands.length);
      this.#socket.write(Buffer.concat(w.commands));
      await envelope;
    } else {
      for (const c of w.commands) {
        const r = this.#replies(1);
        this.#socket.write(c);
        await r;
      }
    }
    const end = this.#replies(1);
    this.#socket.write(w.body);
    await end;
  }

  async quit() {
    const r = this.#replies(1);
    this.#socket.write('QUIT\r\n');
    await r.catch(() => {});
    this.#socket.end();
  }
}
