// The configuration objects: plain JS objects, checked option by option
// (unknown keys included, so a typo is an error rather than a silent
// default), then handed to the raw option builders one setter per option.

import { ClientOptions, ServerOptions } from '../pkg/smtp_rs_wasm.js';
import { guarded } from './machine.js';
import * as check from './check.js';

const bool = (v, name) => (typeof v === 'boolean' ? v : check.fail(name, 'a boolean', v));
const oneOf = (...allowed) => (v, name) =>
  allowed.includes(v) ? v : check.fail(name, allowed.map((a) => JSON.stringify(a)).join(' or '), v);
const count = (min = 0) => (v, name) => check.integer(v, name, min);
const countOrNull = (v, name) => (v === null ? null : check.integer(v, name));

/** Client timers (RFC 5321 §4.5.3.2), ms; null turns one off. */
const TIMERS = ['greeting', 'mail', 'rcpt', 'dataInitiation', 'dataBlock', 'dataTermination', 'other'];
const REPLY_LIMITS = {
  maxLine: ['maxReplyLine', count(1)],
  maxLines: ['maxReplyLines', count(1)],
  maxOctets: ['maxReplyOctets', count(1)],
  allowBareLf: ['allowBareLfInReplies', bool],
};

/** option -> [setter, check] for the client (besides helloDomain, lmtp,
 * timeouts and replyLimits, handled below). */
const CLIENT = {
  implicitTls: ['setBool', bool],
  autoHello: ['setBool', bool],
  authInitialResponse: ['setBool', bool],
  loginInitialUsername: ['setBool', bool],
  resetAfterFailure: ['setString', oneOf('immediate', 'deferred')],
  lineEndings: ['setString', oneOf('normalize', 'refuse')],
  authPreference: ['setList', check.stringList],
  maxAuthChallenges: ['setNumber', count(0)],
  bdatChunkSize: ['setNumber', count(1)],
  maxInFlight: ['setNumber', count(0)],
  transmitHighWater: ['setNumber', count(0)],
};

const SERVER = {
  authRequiresTls: ['setBool', bool],
  authRequired: ['setBool', bool],
  tlsRequired: ['setBool', bool],
  implicitTls: ['setBool', bool],
  lenientCommandLines: ['setBool', bool],
  maxMessageSize: ['setNumber', countOrNull],
  timeoutMs: ['setNumber', countOrNull],
  maxBadCommands: ['setNumber', (v, n) => check.integer(v, n, 0, 0xffffffff)],
  maxRecipients: ['setNumber', count(1)],
  maxCommandLine: ['setNumber', count(6)],
  maxTextLine: ['setNumber', count(3)],
  maxBufferedInput: ['setNumber', count(0)],
  oauthError: ['setString', (v, n) => (v === null ? null : check.string(v, n))],
  bareLineEndings: ['setString', oneOf('refuse', 'normalize')],
  longLines: ['setString', oneOf('refuse', 'accept')],
  extensions: ['setList', check.stringList],
  authMechanisms: ['setList', check.stringList],
};

function apply(raw, table, config, handled, where) {
  for (const [key, value] of Object.entries(config)) {
    if (handled.includes(key) || value === undefined) continue;
    const entry = table[key];
    if (!entry) {
      const known = [...handled, ...Object.keys(table)].join(', ');
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (known: ${known})`);
    }
    const [setter, validate] = entry;
    const checked = validate(value, `${where}.${key}`);
    guarded(() => raw[setter](key, checked));
  }
}

function timeouts(raw, value) {
  if (value === undefined) return;
  if (value === null || typeof value === 'number') {
    const ms = countOrNull(value, 'config.timeouts');
    for (const t of TIMERS) guarded(() => raw.setNumber(t, ms));
    return;
  }
  check.plainObject(value, 'config.timeouts (ms for every timer, null, or an object)');
  for (const [key, ms] of Object.entries(value)) {
    if (!TIMERS.includes(key)) {
      throw new TypeError(`config.timeouts: unknown timer ${JSON.stringify(key)} (known: ${TIMERS.join(', ')})`);
    }
    if (ms !== undefined) guarded(() => raw.setNumber(key, countOrNull(ms, `config.timeouts.${key}`)));
  }
}

function replyLimits(raw, value) {
  if (value === undefined) return;
  check.plainObject(value, 'config.replyLimits');
  for (const [key, v] of Object.entries(value)) {
    const entry = REPLY_LIMITS[key];
    if (!entry) {
      throw new TypeError(`config.replyLimits: unknown limit ${JSON.stringify(key)} (known: ${Object.keys(REPLY_LIMITS).join(', ')})`);
    }
    if (v === undefined) continue;
    const [option, validate] = entry;
    const checked = validate(v, `config.replyLimits.${key}`);
    guarded(() => (typeof checked === 'boolean' ? raw.setBool(option, checked) : raw.setNumber(option, checked)));
  }
}

/** A raw ClientOptions from a client config object; the caller frees it. */
export function clientOptions(config) {
  check.plainObject(config, 'config');
  const domain = check.string(config.helloDomain, 'config.helloDomain (the name this host gives in EHLO)');
  const lmtp = config.lmtp === undefined ? false : bool(config.lmtp, 'config.lmtp');
  const raw = guarded(() => new ClientOptions(domain, lmtp));
  try {
    apply(raw, CLIENT, config, ['helloDomain', 'lmtp', 'timeouts', 'replyLimits'], 'config');
    timeouts(raw, config.timeouts);
    replyLimits(raw, config.replyLimits);
    return raw;
  } catch (e) {
    raw.free();
    throw e;
  }
}

/** A raw ServerOptions from a server config object; the caller frees it. */
export function serverOptions(config) {
  check.plainObject(config, 'config');
  const hostname = check.string(config.hostname, 'config.hostname (this server\'s name)');
  const lmtp = config.lmtp === undefined ? false : bool(config.lmtp, 'config.lmtp');
  const raw = guarded(() => new ServerOptions(hostname, lmtp));
  try {
    apply(raw, SERVER, config, ['hostname', 'lmtp', 'greeting', 'noService'], 'config');
    const noService = config.noService === undefined ? false : bool(config.noService, 'config.noService');
    const text = check.optionalString(config.greeting, 'config.greeting (the text after the hostname)');
    if (noService) {
      // RFC 5321 §3.1: 554 instead of 220; only QUIT is served.
      guarded(() => raw.setString('greetingNoService', text ?? 'No SMTP service here'));
    } else if (text !== undefined) {
      guarded(() => raw.setString('greeting', text));
    }
    return raw;
  } catch (e) {
    raw.free();
    throw e;
  }
}
