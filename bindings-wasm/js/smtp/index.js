// The high-level client, the same in every runtime: smtplib's SMTP/LMTP
// with promises, nodemailer's sendMail and transport, and the errors. The
// runtime entries (node.js, web.js, workerd.js beside this file) register
// their socket adapter and re-export this.

export { SMTP, LMTP } from './smtp.js';
export { SmtpRsTransport } from './mail.js';
export {
  SMTPException, SMTPNotSupportedError, SMTPServerDisconnected, SMTPTimeoutError, SMTPResponseException,
  SMTPSenderRefused, SMTPRecipientsRefused, SMTPDataError, SMTPConnectError, SMTPHeloError, SMTPAuthenticationError,
} from './errors.js';
export { setDefaultAdapter, getDefaultAdapter } from './options.js';
