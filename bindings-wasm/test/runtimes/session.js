// A short SMTP session between the two wasm machines, in memory: the same
// code runs in every runtime the package supports (Node, Deno, workerd,
// Chromium) and reports what happened, so each runtime's test can compare
// it with the expected summary below.

const MESSAGE = 'Subject: hello\r\n\r\n.leading dot\r\nbye\r\n';

export const EXPECTED = {
  client: ['Greeting', 'EhloAccepted', 'RecipientReply', 'ReadyForBody', 'TransactionFinished', 'Reply', 'Closed'],
  server: ['Ehlo', 'MailFrom', 'RcptTo', 'Data', 'MessageData', 'MessageEnd', 'Quit', 'Closed'],
  delivered: MESSAGE,
  wire: 'MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n',
};

export function session(smtp) {
  const client = new smtp.ClientConnection({ helloDomain: 'client.example' }, 0);
  const server = new smtp.ServerConnection({ hostname: 'mx.example' }, 0);
  const seen = { client: [], server: [] };
  const data = [];
  let wire = '';
  let now = 0;
  try {
    for (let round = 0; round < 100; round++) {
      let moved = false;
      for (let ev = client.pollEvent(); ev; ev = client.pollEvent()) {
        moved = true;
        seen.client.push(ev.type);
        if (ev.type === 'EhloAccepted') {
          client.sendMail({ from: 'alice@example.org', to: ['bob@example.net'] });
          wire = new TextDecoder().decode(client.pendingTransmit());
        } else if (ev.type === 'ReadyForBody') {
          client.sendBody(MESSAGE);
          client.finishBody();
        } else if (ev.type === 'TransactionFinished') {
          client.quit();
        }
      }
      const up = client.takeTransmit();
      if (up.length) server.receiveData(up, ++now);
      for (let ev = server.pollEvent(); ev; ev = server.pollEvent()) {
        moved = true;
        seen.server.push(ev.type);
        if (ev.type === 'MessageData') data.push(...ev.data);
        if (ev.needsAnswer) server.accept();
      }
      const down = server.takeTransmit();
      if (down.length) client.receiveData(down, ++now);
      moved ||= up.length > 0 || down.length > 0;
      if (!moved) {
        if (!server.isClosed() || client.isClosed()) break;
        client.receiveEof(++now);
      }
    }
    return {
      runtime: smtp.runtime,
      client: seen.client,
      server: seen.server,
      delivered: new TextDecoder().decode(Uint8Array.from(data)),
      wire,
      closed: client.isClosed() && server.isClosed(),
      hasFinalizationRegistry: typeof FinalizationRegistry !== 'undefined',
    };
  } finally {
    // Explicitly: workerd at older compatibility dates has no
    // FinalizationRegistry, so nothing else would release them.
    client.free();
    server.free();
  }
}
