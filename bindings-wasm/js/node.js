// Node entry (package.json "exports" condition "node"): Node's fetch()
// cannot read file: URLs, so the module's bytes are read with fs and
// compiled synchronously at import.
import { readFileSync } from 'node:fs';
import { initSync } from '../pkg/smtp_rs_wasm.js';

initSync({ module: readFileSync(new URL('../pkg/smtp_rs_wasm_bg.wasm', import.meta.url)) });

export * from './api.js';
export * from './smtp/node.js';
/** Which entry file loaded the module. */
export const runtime = 'node';
