// The ticketing core: services every intake channel uses (REST, web form, email, webhooks).
export { normaliseIdentity, IDENTITY_KINDS } from './identity.ts';
export { resolveCustomer, mergeCustomers, addIdentity, survivorOf } from './customers.ts';
export type { IdentityInput, ResolveCustomerInput, MergeResult } from './customers.ts';
export {
  createTicket,
  addMessage,
  updateTicket,
  notifyRuns,
  patchTicket,
  insertMessage,
  changeEvents,
  prefixDetails,
  PRIORITIES,
  CHANNELS,
  TICKET_STATUSES,
} from './tickets.ts';
export type { CreateTicketInput, CreateTicketResult, AddMessageInput, AddMessageResult, TicketPatch, UpdateTicketResult, Priority, Channel, StoredAttachment } from './tickets.ts';
export { applyTicketActions } from './actions.ts';
export type { TicketStep } from './actions.ts';
export { assertNoNul, findNul, prepareAttachments, sanitiseFilename, DEFAULT_ATTACHMENT_LIMITS } from './attachments.ts';
export type { AttachmentInput, AttachmentLimits } from './attachments.ts';
export { assertFields, organisationFieldsSchema } from './fields.ts';
export { renderTemplate, templateValues } from './template.ts';
export type { TicketingContext, TicketingRuntime, Executor } from './types.ts';
export { applyMacro, assertMacroActions } from './macros.ts';
