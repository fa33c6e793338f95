// A Cloudflare worker (run by workerd in runtimes.test.mjs) that loads the
// package's workerd entry and answers every request with the summary of
// an in-memory session.
import * as smtp from 'smtp-rs';
import { session } from './session.js';

export default {
  async fetch() {
    return new Response(JSON.stringify(session(smtp)), { headers: { 'content-type': 'application/json' } });
  },
};
