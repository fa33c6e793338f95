// The project's own server (examples/smtp-server.mjs, the wasm
// ServerConnection on Node) as a benchmark target: it offers PIPELINING and
// CHUNKING, so BDAT can be measured. Prints its port; stops when stdin
// closes.
import { startServer } from '../../examples/smtp-server.mjs';

const srv = await startServer({ keepData: false, maxMessageSize: 1 << 30 });
console.log(srv.port);
process.stdin.resume();
process.stdin.on('end', () => { srv.close(); process.exit(0); });
