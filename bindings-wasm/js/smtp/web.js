// Deno and browsers (the package's "deno", "browser" and "default" entry):
// Deno gets its socket adapter; a browser has no TCP socket, so connect()
// there needs an adapter of the caller's (options.adapter).
import { denoAdapter } from '../adapters/deno.js';
import { setDefaultAdapter } from './options.js';

if (typeof globalThis.Deno?.connect === 'function') setDefaultAdapter(denoAdapter);

export * from './index.js';
export { denoAdapter };
