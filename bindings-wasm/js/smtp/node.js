// Node: the high-level client over node:net / node:tls.
import { nodeAdapter } from '../adapters/node.js';
import { setDefaultAdapter } from './options.js';

setDefaultAdapter(nodeAdapter);

export * from './index.js';
export { nodeAdapter };
