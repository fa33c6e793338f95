// The public API, the same in every runtime; the entry files (node.js,
// workerd.js, web.js) initialise the WebAssembly module and re-export this.

import { extensionNames as rawExtensionNames, memoryBytes as rawMemoryBytes } from '../pkg/smtp_rs_wasm.js';
import { guarded } from './machine.js';

export { ClientConnection } from './client.js';
export { ServerConnection, deriveScramCredentials, verifyCramMd5 } from './server.js';
export { SmtpLocalError, SmtpInternalError } from './errors.js';

/** The size of the WebAssembly memory in octets (it grows with the largest
 * input handed over at once and never shrinks). */
export function memoryBytes() {
  return guarded(() => rawMemoryBytes());
}

/** The EHLO keywords of the extensions smtp-rs knows: what
 * `capabilities.extensions` may list and a server's `extensions` may offer. */
export function extensionNames() {
  return guarded(() => rawExtensionNames());
}
