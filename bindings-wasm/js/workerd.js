// Cloudflare Workers / workerd entry (condition "workerd"): workerd refuses
// to compile wasm from bytes at run time, but a `.wasm` module import is a
// precompiled WebAssembly.Module (wrangler bundles it as one).
import wasmModule from '../pkg/smtp_rs_wasm_bg.wasm';
import { initSync } from '../pkg/smtp_rs_wasm.js';

initSync({ module: wasmModule });

export * from './api.js';
export * from './smtp/workerd.js';
/** Which entry file loaded the module. */
export const runtime = 'workerd';
