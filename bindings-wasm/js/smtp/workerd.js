// Cloudflare Workers / workerd: the high-level client over
// cloudflare:sockets.
import { workerdAdapter } from '../adapters/workerd.js';
import { setDefaultAdapter } from './options.js';

setDefaultAdapter(workerdAdapter);

export * from './index.js';
export { workerdAdapter };
