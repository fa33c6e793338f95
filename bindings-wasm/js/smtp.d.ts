// Types of the high-level client (hand-written): SMTP/LMTP with smtplib's
// shape and promises, nodemailer's sendMail and transport, the errors, and
// the socket adapter interface. Re-exported by index.d.ts.

import type { ClientEvent } from './index.js';

/** smtplib's `(code, msg)`: the reply code and its lines joined by "\n". */
export type ReplyPair = [code: number, text: string];

/** TLS settings. `ca` is PEM (workerd: not per connection, see README). */
export interface TlsOptions {
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** The name the certificate must carry (default: `host`, unless an IP). */
  servername?: string;
  /** Default true. Not available in Deno or on Workers. */
  rejectUnauthorized?: boolean;
  /** Node only. */
  cert?: string;
  key?: string;
  minVersion?: string;
}

export interface ConnectOptions {
  /** Default "localhost"; in Node a path starting with "/" is a Unix socket. */
  host?: string;
  /** Default 25 (SMTP), 24 (LMTP), 465 with `secure`. */
  port?: number;
  /** The name given in EHLO/HELO/LHLO (default: the host's FQDN or an address literal). */
  localHostname?: string;
  /** Bounds every wait (connect, each reply, TLS, writes); default: RFC 5321's timers. */
  timeoutMs?: number | null;
  /** TLS from the first byte (port 465, RFC 8314). */
  secure?: boolean;
  tls?: TlsOptions;
  /** Send bodies with BDAT when the server offers CHUNKING. */
  useChunking?: boolean;
  /** The runtime's adapter by default (Node, Deno, workerd); required in browsers. */
  adapter?: SocketAdapter;
  /** login()'s mechanism order (default SCRAM-SHA-256, CRAM-MD5, PLAIN, LOGIN, OAUTHBEARER, XOAUTH2). */
  authPreference?: string[];
  /** Pipelined BDAT: body octets sent ahead of their replies (default 4 MiB; 0 waits for each reply). */
  maxInFlight?: number;
}

/** What a message may be: streamed with backpressure unless it is whole already. */
export type MessageBody = string | Uint8Array | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** The transaction event sendmail() and sendMail() are built from. */
export type TransactionEvent = Extract<ClientEvent, { type: 'TransactionFinished' | 'TransactionFailed' }>;

export declare class SMTP {
  static defaultPort: number;
  constructor(options?: ConnectOptions);
  /** Connects and reads the 220 greeting. */
  static connect<T extends typeof SMTP>(this: T, options?: ConnectOptions): Promise<InstanceType<T>>;
  useChunking: boolean;
  esmtpFeatures: Record<string, string>;
  doesEsmtp: boolean;
  ehloResp: string | null;
  heloResp: string | null;
  readonly isTls: boolean;
  readonly isAuthenticated: boolean;
  readonly capabilities: import('./index.js').Capabilities | null;
  connect(): Promise<ReplyPair>;
  ehlo(): Promise<ReplyPair>;
  helo(): Promise<ReplyPair>;
  ehloOrHeloIfNeeded(): Promise<void>;
  hasExtn(name: string): boolean;
  starttls(tls?: TlsOptions): Promise<ReplyPair>;
  login(user: string, password: string, options?: { mechanism?: string; authzid?: string }): Promise<ReplyPair>;
  noop(): Promise<ReplyPair>;
  rset(): Promise<ReplyPair>;
  verify(address: string): Promise<ReplyPair>;
  expn(address: string): Promise<ReplyPair>;
  help(topic?: string): Promise<string>;
  docmd(command: string, args?: string): Promise<ReplyPair>;
  /** Resolves to the refused map `{address: [code, text]}`. */
  sendmail(from: string, to: string | string[], message: MessageBody, mailOptions?: string[], rcptOptions?: string[]): Promise<Record<string, ReplyPair>>;
  transaction(from: string, to: string[], message: MessageBody, options?: { mailOptions?: string[]; rcptOptions?: string[] }): Promise<TransactionEvent>;
  sendMail(mail: RawMail): Promise<SentMessageInfo>;
  quit(): Promise<ReplyPair>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** LMTP (RFC 2033): LHLO, and one reply per recipient after the data. */
export declare class LMTP extends SMTP {}

export type Address = string | { name?: string; address: string };

export interface RawMail {
  from?: Address;
  to?: Address | Address[];
  cc?: Address | Address[];
  bcc?: Address | Address[];
  envelope?: { from?: Address; to?: Address | Address[] };
  /** The whole message. */
  raw: MessageBody;
  messageId?: string;
}

/** A recipient's refusal, as nodemailer reports it. */
export interface RecipientError extends Error {
  code: 'EENVELOPE' | 'EMESSAGE';
  response: string;
  responseCode: number;
  command: 'RCPT TO' | 'DATA';
  recipient: string;
}

/** nodemailer's info. */
export interface SentMessageInfo {
  accepted: string[];
  rejected: string[];
  rejectedErrors?: RecipientError[];
  response: string;
  envelope: { from: string; to: string[] };
  messageId?: string;
}

export interface TransportOptions extends ConnectOptions {
  auth?: { user: string; pass: string; method?: string };
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  /** Keep one connection for every message (default false: one per message). */
  pool?: boolean;
  maxMessages?: number;
}

/** A nodemailer transport: `nodemailer.createTransport(new SmtpRsTransport(options))`. */
export declare class SmtpRsTransport {
  constructor(options?: TransportOptions);
  readonly name: 'SmtpRs';
  readonly version: string;
  send(mail: unknown, callback: (err: Error | null, info?: SentMessageInfo) => void): void;
  verify(callback?: (err: Error | null, ok?: true) => void): Promise<true | void>;
  isIdle(): boolean;
  close(): Promise<void>;
}

/** A connected socket, as an adapter opens it. */
export interface AdapterSocket {
  /** The next bytes read; null at the end of the stream. One read at a time. */
  read(): Promise<Uint8Array | null>;
  /** Resolves when the socket can take more (backpressure). */
  write(bytes: Uint8Array): Promise<void>;
  /** Runs the TLS handshake over this connection (STARTTLS) and resolves to the new socket. */
  startTls(options: TlsOptions & { host: string }): Promise<AdapterSocket>;
  /** May never settle (the client bounds the wait). */
  close(): void | Promise<void>;
  /** The EHLO name, or null for the default. */
  localName?(): string | null;
}

/** Opens connections for the client in one runtime. */
export interface SocketAdapter {
  name?: string;
  open(options: { host: string; port: number; secure: boolean; tls: TlsOptions & { host: string }; timeoutMs: number | null }): Promise<AdapterSocket>;
}

export declare function setDefaultAdapter(adapter: SocketAdapter | null): void;
export declare function getDefaultAdapter(): SocketAdapter | null;

export declare class SMTPException extends Error {}
export declare class SMTPNotSupportedError extends SMTPException {}
export declare class SMTPServerDisconnected extends SMTPException {
  /** Set when the server broke the protocol. */
  remoteError?: import('./index.js').RemoteError;
}
export declare class SMTPTimeoutError extends SMTPServerDisconnected {
  phase: import('./index.js').Phase;
  code: 'ETIMEDOUT';
}
export declare class SMTPResponseException extends SMTPException {
  constructor(code: number, text: string);
  smtpCode: number;
  smtpError: string;
}
export declare class SMTPSenderRefused extends SMTPResponseException {
  sender: string;
}
export declare class SMTPRecipientsRefused extends SMTPException {
  recipients: Record<string, ReplyPair>;
  smtpCode?: number;
  smtpError?: string;
}
export declare class SMTPDataError extends SMTPResponseException {}
export declare class SMTPConnectError extends SMTPResponseException {
  /** The runtime's error code when the socket could not connect (e.g. "ECONNREFUSED"). */
  code?: string;
}
export declare class SMTPHeloError extends SMTPResponseException {}
export declare class SMTPAuthenticationError extends SMTPResponseException {
  mechanism?: string;
}
