// The email channel: inbound SMTP intake, outbound mail through the outbox, the dev outbox route.
export { createSmtpIntake, intakeMessage, SmtpReject, DEFAULT_MAX_MESSAGE_BYTES } from './intake.ts';
export type { SmtpIntake, SmtpIntakeOptions, IntakeOutcome } from './intake.ts';
export { dispatchPending, startDispatcher, sendOutbound, handleOutboundJob, EMAIL_OUTBOUND_QUEUE } from './outbound.ts';
export type { OutboundDeps, OutboundJobData } from './outbound.ts';
export { emailConfigFromEnv, smtpPortFromEnv, type EmailConfig } from './config.ts';
export { devOutboxRoutes } from './routes.ts';
export { cleanSubject, loopReason, malformedReason, stripQuotedHistory, ticketToken } from './mime.ts';
