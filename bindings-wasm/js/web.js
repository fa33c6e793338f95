// Deno and browser entry (conditions "deno", "browser", "default"): the
// module is fetched from its URL next to the glue (a file: URL in Deno,
// which needs --allow-read for it; an http(s) URL in a page).
import init from '../pkg/smtp_rs_wasm.js';

await init();

export * from './api.js';
export * from './smtp/web.js';
/** Which entry file loaded the module. */
export const runtime = 'web';
