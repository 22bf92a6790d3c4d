// Account mail (password reset, portal sign-in links). Separate from the ticket outbox: these messages
// belong to no ticket and must not be threaded, retried into a ticket's history, or shown to agents.
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { EmailConfig } from '../channels/email/config.ts';

export interface AccountMail {
  to: string;
  subject: string;
  text: string;
}

export interface AccountMailer {
  send(mail: AccountMail): Promise<void>;
}

/** SMTP when FLOWDESK_SMTP_URL is set; otherwise the message is written to the log (development only). */
export function createAccountMailer(email: EmailConfig, logger: Logger): AccountMailer {
  if (!email.smtpUrl) {
    return {
      async send(mail) {
        logger.warn({ to: mail.to, subject: mail.subject, text: mail.text }, 'account email not sent (FLOWDESK_SMTP_URL is unset): logged instead');
      },
    };
  }
  const transport = nodemailer.createTransport(email.smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from: { name: email.fromName, address: email.fromAddress }, to: mail.to, subject: mail.subject, text: mail.text, headers: { 'Auto-Submitted': 'auto-generated' } });
    },
  };
}
