// Types of the `smtp-rs` package (hand-written; the raw wasm-bindgen
// classes have their generated declarations in pkg/smtp_rs_wasm.d.ts).
// Events are discriminated unions on `type`: the Rust variant names.

/** A reply: its code, its enhanced status (`"2.1.0"`) if the first line
 * has one, each line's text verbatim, and smtplib's text (each line
 * stripped, joined by "\n"). Text is UTF-8 (invalid bytes become U+FFFD). */
export interface Reply {
  code: number;
  enhanced: string | null;
  lines: string[];
  text: string;
}

/** What an EHLO/LHLO reply advertised. */
export interface Capabilities {
  /** The first line: the server's domain and greeting text. */
  greeting: string;
  /** Every keyword (upper-case) with its parameters ("" for none). */
  keywords: Record<string, string>;
  /** The extensions smtp-rs recognised (see extensionNames()). */
  extensions: string[];
  /** SIZE's limit in octets; null when SIZE is absent or announces none. */
  maxSize: number | null;
  /** AUTH mechanisms, upper-case, in the server's order. */
  authMechanisms: string[];
}

/** A peer's protocol violation (core's RemoteError): `code` names it. */
export interface RemoteError {
  code: 'ReplyLineTooLong' | 'ReplyTooLong' | 'MalformedReply' | 'UnexpectedReply' | 'DataAfterStartTls'
    | 'ImplicitTlsDetected' | 'InputLimitExceeded' | 'UnexpectedEof' | 'Auth' | 'TooManyErrors' | (string & {});
  message: string;
  limit?: number;
  reason?: string;
  discarded?: number;
}

/** What the client machine waits for. */
export type Phase = 'Greeting' | 'Hello' | 'StartTls' | 'TlsHandshake' | 'Auth' | 'Mail' | 'Rcpt' | 'Data'
  | 'Body' | 'Bdat' | 'DataEnd' | 'Rset' | 'Quit' | 'Command' | 'Idle';

/** The step of a mail transaction that failed. */
export type Stage = 'Mail' | 'Recipients' | 'Data' | 'Body' | 'DataEnd';

export interface RecipientStatus {
  index: number;
  path: string;
  rcptReply: Reply;
  /** LMTP: the reply for this recipient after the body. */
  deliveryReply: Reply | null;
  /** Accepted at RCPT and, in LMTP, delivered. */
  accepted: boolean;
}

/** Everything the server said during one mail transaction. */
export interface MailResult {
  mailReply: Reply | null;
  recipients: RecipientStatus[];
  /** SMTP: the reply after the end of data; null in LMTP. */
  dataReply: Reply | null;
  /** How many recipients were accepted. */
  accepted: number;
  /** The refused recipients with the refusing reply (smtplib's sendmail result). */
  refused: { index: number; path: string; reply: Reply }[];
}

interface ClientBase { final: false }
interface ClientFinal { final: true }

export type ClientEvent =
  | ClientBase & { type: 'Greeting'; reply: Reply }
  | ClientBase & { type: 'GreetingRefused'; reply: Reply }
  | ClientBase & { type: 'EhloAccepted'; reply: Reply; capabilities: Capabilities }
  | ClientBase & { type: 'EhloRefused'; reply: Reply; fallingBack: boolean }
  | ClientBase & { type: 'HeloAccepted'; reply: Reply }
  | ClientBase & { type: 'HeloRefused'; reply: Reply }
  /** Run the TLS handshake now, then call tlsEstablished(). */
  | ClientBase & { type: 'TlsHandshake'; reply: Reply }
  | ClientBase & { type: 'StartTlsRefused'; reply: Reply }
  /** A 334 to a custom AUTH: answer with authRespond() or authCancel(). */
  | ClientBase & { type: 'AuthChallenge'; challenge: Uint8Array }
  | ClientBase & { type: 'AuthSucceeded'; mechanism: string; reply: Reply }
  | ClientBase & { type: 'AuthFailed'; mechanism: string; reply: Reply }
  | ClientBase & { type: 'RecipientReply'; index: number; reply: Reply }
  /** Send the body with sendBody(), then finishBody(). */
  | ClientBase & { type: 'ReadyForBody' }
  | ClientBase & { type: 'DeliveryReply'; index: number; reply: Reply }
  | ClientBase & { type: 'TransactionFinished'; result: MailResult }
  | ClientBase & { type: 'TransactionFailed'; stage: Stage; reply: Reply; result: MailResult }
  /** The reply to a low-level command (the id its call returned). */
  | ClientBase & { type: 'Reply'; id: number; reply: Reply }
  | ClientBase & { type: 'ServiceClosing'; reply: Reply; inFlight: Phase }
  | ClientFinal & { type: 'TimedOut'; phase: Phase }
  | ClientFinal & { type: 'Closed'; clean: boolean; inFlight: Phase }
  | ClientFinal & { type: 'Failed'; error: RemoteError };

export interface MailParameters {
  size: number | null;
  body: '7BIT' | '8BITMIME' | 'BINARYMIME' | null;
  smtputf8: boolean;
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
  auth: string | null;
  requiretls: boolean;
  other: { keyword: string; value: string | null }[];
}

export interface RcptParameters {
  /** NOTIFY=: `["NEVER"]` or some of SUCCESS, FAILURE, DELAY. */
  notify: string[] | null;
  orcpt: { addrType: string; address: string } | null;
  other: { keyword: string; value: string | null }[];
}

/** What the server application checks for AUTH. */
export type Verification =
  | { type: 'Plain'; authzid: string | null; username: string; password: string }
  | { type: 'Login'; username: string; password: string }
  /** Check with verifyCramMd5(secret, challenge, digest). */
  | { type: 'CramMd5'; username: string; challenge: Uint8Array; digest: Uint8Array }
  | { type: 'OAuth'; username: string | null; token: string }
  /** SCRAM: answer with provideScramCredentials() (or reply 535). */
  | { type: 'NeedCredentials'; authzid: string | null; username: string };

/** What an EOF or a timeout interrupted. */
export type Lost =
  | { type: 'Transaction'; recipients: number }
  | { type: 'Message'; recipients: number; octets: number };

export interface Refusal {
  code: 'Syntax' | 'LineTooLong' | 'BareLineEnding' | 'BadSequence' | 'NoValidRecipients' | 'NotImplemented'
    | 'ParameterNotImplemented' | 'MessageTooLarge' | 'TooManyRecipients' | 'TlsRequired' | 'AuthRequired'
    | 'EncryptionRequired' | 'UnknownMechanism' | 'AuthFailed' | 'NoService' | (string & {});
  /** For `Syntax`: the parse error. */
  syntax?: { code: 'UnknownCommand' | 'Syntax' | 'InvalidParameter' | 'Utf8NotAllowed' | (string & {}); message: string; rule?: string; keyword?: string };
}

interface Answer { needsAnswer: true; final: false }
interface Info { needsAnswer: false; final: false }
interface ServerFinal { needsAnswer: false; final: true }

export type ServerEvent =
  | Answer & { type: 'Ehlo'; domain: string }
  | Answer & { type: 'Helo'; domain: string }
  | Answer & { type: 'Lhlo'; domain: string }
  | Answer & { type: 'MailFrom'; from: string; params: MailParameters }
  | Answer & { type: 'RcptTo'; to: string; params: RcptParameters }
  | Answer & { type: 'Data' }
  | Info & { type: 'Bdat'; size: number; last: boolean }
  | Info & { type: 'MessageData'; data: Uint8Array }
  | Answer & { type: 'ChunkEnd'; size: number }
  | Answer & { type: 'MessageEnd'; size: number; recipients: string[] }
  | Info & { type: 'MessageRefused'; reason: { code: 'TooLarge' | 'BareLineEnding' | 'LineTooLong' | (string & {}); limit?: number }; reply: Reply }
  | Answer & { type: 'Rset' }
  | Answer & { type: 'Noop' }
  | Answer & { type: 'Vrfy'; argument: string }
  | Answer & { type: 'Expn'; argument: string }
  | Answer & { type: 'Help'; topic: string | null }
  | Answer & { type: 'Quit' }
  | Answer & { type: 'StartTls' }
  /** Send pendingTransmit() (the 220), run the handshake, then tlsEstablished(). */
  | Info & { type: 'TlsHandshake' }
  /** Bytes pipelined behind STARTTLS, thrown away unread (RFC 3207 §5). */
  | Info & { type: 'DataAfterStartTls'; discarded: number }
  | Answer & { type: 'Auth'; mechanism: string; verification: Verification }
  | Info & { type: 'CommandRefused'; reason: Refusal; reply: Reply }
  | ServerFinal & { type: 'TimedOut'; lost: Lost | null }
  | ServerFinal & { type: 'Closed'; clean: boolean; lost: Lost | null }
  | ServerFinal & { type: 'Failed'; error: RemoteError };

/** Milliseconds on the caller's clock for each client timer; null turns one off. */
export interface ClientTimeouts {
  greeting?: number | null;
  mail?: number | null;
  rcpt?: number | null;
  dataInitiation?: number | null;
  dataBlock?: number | null;
  dataTermination?: number | null;
  other?: number | null;
}

export type Mechanism = 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'SCRAM-SHA-256' | 'XOAUTH2' | 'OAUTHBEARER';

export interface ClientConfig {
  /** The name this host gives in EHLO/HELO/LHLO (a domain or an address literal). */
  helloDomain: string;
  lmtp?: boolean;
  /** TLS from the first byte (port 465). */
  implicitTls?: boolean;
  /** EHLO by itself after the greeting and after TLS (default true). */
  autoHello?: boolean;
  /** When RSET follows a failed transaction (default "immediate"). */
  resetAfterFailure?: 'immediate' | 'deferred';
  /** One figure for every timer, null for none, or per timer (RFC 5321 §4.5.3.2 defaults). */
  timeouts?: number | null | ClientTimeouts;
  replyLimits?: { maxLine?: number; maxLines?: number; maxOctets?: number; allowBareLf?: boolean };
  authPreference?: Mechanism[];
  authInitialResponse?: boolean;
  maxAuthChallenges?: number;
  loginInitialUsername?: boolean;
  bdatChunkSize?: number;
  /** With PIPELINING and CHUNKING: body octets sent ahead of their replies
   * (0 waits for every reply before each chunk). Default 4 MiB. */
  maxInFlight?: number;
  transmitHighWater?: number;
  /** Bare CR/LF in a DATA body: sent as CRLF (default) or refused. */
  lineEndings?: 'normalize' | 'refuse';
}

export interface ServerConfig {
  hostname: string;
  /** The greeting's text after the hostname. */
  greeting?: string;
  /** Greet with 554 (RFC 5321 §3.1): only QUIT is served. */
  noService?: boolean;
  lmtp?: boolean;
  /** EHLO keywords to offer (default PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, SMTPUTF8, SIZE). */
  extensions?: string[];
  maxMessageSize?: number | null;
  authMechanisms?: string[];
  authRequiresTls?: boolean;
  oauthError?: string | null;
  authRequired?: boolean;
  tlsRequired?: boolean;
  implicitTls?: boolean;
  /** Idle timeout in ms (default 5 minutes); null for none. */
  timeoutMs?: number | null;
  maxBadCommands?: number;
  maxRecipients?: number;
  maxCommandLine?: number;
  maxTextLine?: number;
  maxBufferedInput?: number;
  bareLineEndings?: 'refuse' | 'normalize';
  longLines?: 'refuse' | 'accept';
  lenientCommandLines?: boolean;
}

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

export interface Credentials {
  username: string;
  password?: string;
  token?: string;
  authzid?: string;
  /** OAUTHBEARER's host and port kvpairs. */
  host?: string;
  port?: number;
}

export interface Envelope {
  /** The sender; "" (or "<>") for the null reverse path. */
  from: string;
  to: (string | { address: string; options?: string[] })[];
  /** MAIL parameter words, e.g. ["BODY=8BITMIME", "RET=HDRS"]. */
  mailOptions?: string[];
  /** The body size in octets, if known (SIZE=). */
  size?: number | null;
  bodyMode?: 'auto' | 'data' | 'bdat';
  chunkSize?: number;
}

/** What both machines share. */
declare class Machine<Event> {
  receiveData(data: Bytes, nowMs: number): void;
  receiveEof(nowMs: number): void;
  handleTimeout(nowMs: number): void;
  tlsEstablished(nowMs: number): void;
  pollEvent(): Event | null;
  pollEvents(): Event[];
  /** A copy of the bytes to write; then consumeTransmit(n). */
  pendingTransmit(): Uint8Array;
  consumeTransmit(n: number): void;
  /** pendingTransmit() + consumeTransmit(all). */
  takeTransmit(): Uint8Array;
  /** Copies up to buffer.length octets to write into buffer (reused); returns how many. */
  takeTransmitInto(buffer: Uint8Array): number;
  pendingTransmitLength(): number;
  /** When to call handleTimeout() (caller's clock, ms), or null. */
  pollTimeout(): number | null;
  isClosed(): boolean;
  isTls(): boolean;
  isAuthenticated(): boolean;
  free(): void;
  [Symbol.dispose](): void;
}

export declare class ClientConnection extends Machine<ClientEvent> {
  constructor(config: ClientConfig, nowMs: number);
  /** A session greeted elsewhere: idle, with the capabilities of helloReply. */
  static resume(config: ClientConfig, helloReply: { code: number; lines: string[] } | { code: number; text: string },
    hello: 'Ehlo' | 'Helo' | 'Lhlo', security: 'Plain' | 'Tls', nowMs: number): ClientConnection;
  ehlo(): void;
  helo(): void;
  hello(): void;
  starttls(): void;
  authenticate(credentials: Credentials, nonce?: string): void;
  authenticateWith(mechanism: Mechanism, credentials: Credentials, nonce?: string): void;
  authCustom(mechanism: string, initialResponse?: Bytes | string | null): void;
  authRespond(response: Bytes | string): void;
  authCancel(): void;
  quit(): number;
  sendMail(envelope: Envelope): void;
  sendBody(chunk: Bytes | string): void;
  finishBody(): void;
  sendCommand(line: string): number;
  sendRaw(line: string): number;
  rset(): number;
  noop(): number;
  vrfy(argument: string): number;
  expn(argument: string): number;
  help(topic?: string): number;
  capabilities(): Capabilities | null;
  greeting(): Reply | null;
  helloReply(): Reply | null;
  phase(): Phase;
  inFlight(): number;
  bodyReady(): boolean;
}

export interface ScramCredentials {
  salt: Uint8Array;
  iterations: number;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

export declare class ServerConnection extends Machine<ServerEvent> {
  constructor(config: ServerConfig, nowMs: number);
  accept(): void;
  reply(code: number, text?: string): void;
  reply(reply: { code: number; text?: string; enhanced?: string } | { code: number; lines: string[] }): void;
  provideScramCredentials(credentials: ScramCredentials | { password: string; salt: Bytes | string; iterations: number }): void;
  setNonce(nonce: string): void;
  wantsInput(): boolean;
  awaitingAnswer(): boolean;
}

export declare function deriveScramCredentials(password: string, salt: Bytes | string, iterations: number): ScramCredentials;
export declare function verifyCramMd5(secret: Bytes | string, challenge: Bytes | string, digest: Bytes): boolean;
export declare function memoryBytes(): number;
export declare function extensionNames(): string[];
/** Which entry file loaded the module: "node", "workerd" or "web". */
export declare const runtime: 'node' | 'workerd' | 'web';

/** The caller's misuse (core's LocalError); nothing was sent. */
export declare class SmtpLocalError extends Error {
  name: 'SmtpLocalError';
  code: 'InvalidState' | 'PipeliningNotOffered' | 'CommandInjection' | 'ExtensionNotOffered' | 'MessageTooLarge'
    | 'InvalidAddress' | 'InvalidArgument' | 'BareLineEnding' | 'LengthMismatch' | 'NoCommonMechanism' | 'BufferFull'
    | 'InvalidEnvelope' | 'InvalidCredentials' | 'Closed' | 'UnsuitableReply' | (string & {});
  [field: string]: unknown;
}

/** A bug in smtp-rs (a panic or a trap); the object that raised it is unusable. */
export declare class SmtpInternalError extends Error {
  name: 'SmtpInternalError';
}
export * from './smtp.js';
