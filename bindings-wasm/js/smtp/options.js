// The connect options of SMTP/LMTP, checked one by one (a typo is a
// TypeError naming the option, not a silent default), and the runtime's
// default socket adapter, which each package entry registers.

import * as check from '../check.js';

let defaultAdapter = null;

/** Called by the runtime entries (smtp/node.js, smtp/web.js,
 * smtp/workerd.js): the adapter `connect()` uses when none is given. */
export function setDefaultAdapter(adapter) {
  defaultAdapter = adapter;
}

/** The adapter `connect()` uses by default in this runtime, or null. */
export function getDefaultAdapter() {
  return defaultAdapter;
}

const KNOWN = ['host', 'port', 'localHostname', 'timeoutMs', 'secure', 'tls', 'useChunking', 'adapter',
  'authPreference', 'maxInFlight'];
const TLS_KNOWN = ['ca', 'servername', 'rejectUnauthorized', 'cert', 'key', 'minVersion'];

function bool(value, name) {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') check.fail(name, 'a boolean', value);
  return value;
}

function pemList(value, name) {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  for (const [i, v] of list.entries()) {
    if (typeof v !== 'string' && !(v instanceof Uint8Array)) {
      check.fail(Array.isArray(value) ? `${name}[${i}]` : name, 'PEM text (a string or Uint8Array, or an array of them)', v);
    }
  }
  return list.map((v) => (typeof v === 'string' ? v : new TextDecoder().decode(v)));
}

/** TLS options: `ca` (PEM, or an array), `servername`, `rejectUnauthorized`
 * (default true), and for Node `cert`, `key`, `minVersion`. */
export function tlsOptions(value, name = 'options.tls') {
  if (value === undefined || value === null) return {};
  check.plainObject(value, name);
  for (const key of Object.keys(value)) {
    if (!TLS_KNOWN.includes(key)) {
      throw new TypeError(`${name}: unknown option ${JSON.stringify(key)} (known: ${TLS_KNOWN.join(', ')})`);
    }
  }
  const out = { ...value };
  out.ca = pemList(value.ca, `${name}.ca`);
  if (value.servername !== undefined) check.string(value.servername, `${name}.servername`);
  if (value.rejectUnauthorized !== undefined) bool(value.rejectUnauthorized, `${name}.rejectUnauthorized`);
  return out;
}

/** The checked connect options, with defaults filled in. */
export function connectOptions(value, defaultPort) {
  const o = check.plainObject(value ?? {}, 'options');
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) {
      throw new TypeError(`options: unknown option ${JSON.stringify(key)} (known: ${KNOWN.join(', ')})`);
    }
  }
  const secure = bool(o.secure, 'options.secure');
  const host = o.host === undefined ? 'localhost' : check.string(o.host, 'options.host');
  if (host === '') throw new TypeError('options.host must not be empty');
  const port = o.port === undefined ? (secure ? 465 : defaultPort) : check.integer(o.port, 'options.port', 1, 65535);
  const timeoutMs = o.timeoutMs === undefined || o.timeoutMs === null
    ? null
    : check.integer(o.timeoutMs, 'options.timeoutMs (milliseconds)', 1);
  const adapter = o.adapter ?? defaultAdapter;
  if (adapter === null) {
    throw new TypeError('this runtime has no socket adapter (browsers cannot open TCP connections): pass options.adapter (see the README\'s "Socket adapters")');
  }
  if (typeof adapter?.open !== 'function') check.fail('options.adapter', 'a socket adapter (an object with open())', adapter);
  return {
    host,
    port,
    secure,
    timeoutMs,
    adapter,
    tls: tlsOptions(o.tls),
    localHostname: check.optionalString(o.localHostname, 'options.localHostname'),
    useChunking: bool(o.useChunking, 'options.useChunking'),
    authPreference: o.authPreference === undefined ? undefined : check.stringList(o.authPreference, 'options.authPreference'),
    maxInFlight: o.maxInFlight === undefined ? undefined : check.integer(o.maxInFlight, 'options.maxInFlight'),
  };
}

/** Whether `host` is an IP address (no SNI for those, RFC 6066 §3). */
export function isIpAddress(host) {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
