// Email channel settings from the environment (documented in docs/channels.md).
export interface EmailConfig {
  /** Our mail domain: Message-IDs are <uuid@domain>; the default From is support@domain. */
  domain: string;
  /** The address replies come from; mail arriving *from* it is a loop and is dropped. */
  fromAddress: string;
  fromName: string;
  /** SMTP relay for outbound mail (smtp:// or smtps://, credentials in the URL). Unset: local capture. */
  smtpUrl: string | undefined;
}

export function emailConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EmailConfig {
  const domain = (env.FLOWDESK_EMAIL_DOMAIN || 'flowdesk.localhost').trim().toLowerCase();
  return {
    domain,
    fromAddress: (env.FLOWDESK_EMAIL_FROM || `support@${domain}`).trim().toLowerCase(),
    fromName: env.FLOWDESK_EMAIL_FROM_NAME || 'Flowdesk Support',
    smtpUrl: env.FLOWDESK_SMTP_URL || undefined,
  };
}

/** The inbound SMTP port: FLOWDESK_SMTP_PORT, else 2525 in demo mode, else none (listener off). */
export function smtpPortFromEnv(env: NodeJS.ProcessEnv, demo: boolean): number | undefined {
  const raw = env.FLOWDESK_SMTP_PORT;
  if (raw !== undefined && raw !== '') {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`FLOWDESK_SMTP_PORT must be a port number (got ${JSON.stringify(raw)})`);
    return port;
  }
  return demo ? 2525 : undefined;
}
