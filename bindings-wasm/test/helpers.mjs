// Shared by the tests: drive the machines in memory; find a free port.
import { createServer } from 'node:net';
import * as lib from 'smtp-rs';

export { lib };

export const text = (bytes) => Buffer.from(bytes).toString('latin1');
export const bytes = (s) => new Uint8Array(Buffer.from(s, 'latin1'));

/** A clock the tests advance by hand. */
export class Clock {
  now = 0;
  tick(ms = 1) {
    this.now += ms;
    return this.now;
  }
}

/** Runs a client against a server in memory until neither has anything to
 * say. `onClient(ev, client)` and `onServer(ev, server)` see every event
 * (the default server answers everything with accept()). Returns the
 * events of each side, in order. */
export function converse(client, server, { onClient = () => {}, onServer = (ev, s) => ev.needsAnswer && s.accept(), clock = new Clock(), limit = 10000 } = {}) {
  const seen = { client: [], server: [] };
  for (let round = 0; round < limit; round++) {
    let moved = false;
    for (let ev = client.pollEvent(); ev; ev = client.pollEvent()) {
      moved = true;
      seen.client.push(ev);
      onClient(ev, client);
    }
    const toServer = client.takeTransmit();
    if (toServer.length) {
      moved = true;
      if (!server.isClosed()) server.receiveData(toServer, clock.tick());
    }
    for (let ev = server.pollEvent(); ev; ev = server.pollEvent()) {
      moved = true;
      seen.server.push(ev);
      onServer(ev, server);
    }
    const toClient = server.takeTransmit();
    if (toClient.length) {
      moved = true;
      if (!client.isClosed()) client.receiveData(toClient, clock.tick());
    }
    if (!moved) {
      // The server ended the session: the client sees the EOF.
      if (server.isClosed() && !client.isClosed()) {
        client.receiveEof(clock.tick());
        continue;
      }
      return seen;
    }
  }
  throw new Error('the machines kept talking');
}

/** A client fed scripted server bytes: `reply("250 OK")` delivers one
 * reply (CRLF added) and returns the client's events; `sent()` returns
 * and clears what the client transmitted. */
export function scripted(config = {}, clock = new Clock()) {
  const client = new lib.ClientConnection({ helloDomain: 'client.example', ...config }, clock.now);
  return {
    client,
    clock,
    reply(...lines) {
      client.receiveData(bytes(lines.map((l) => `${l}\r\n`).join('')), clock.tick());
      return client.pollEvents();
    },
    sent() {
      return text(client.takeTransmit());
    },
  };
}

export const types = (events) => events.map((e) => e.type);

/** A free loopback port (taken, then released for the caller's server). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
