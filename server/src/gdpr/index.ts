// GDPR: export everything about a customer, erase (anonymise) a customer, purge old closed tickets.
export { exportCustomer, type CustomerExport } from './export.ts';
export { eraseCustomer, type EraseInput, type EraseResult } from './erase.ts';
export { purgeClosedTickets, runRetention, type PurgeReport } from './retention.ts';
export { ERASED } from './scrub.ts';
