// GDPR routes on a customer: export everything about them as a zip, erase (anonymise) them. Admin only.
// See docs/security.md "GDPR".
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import { invalidInput } from '../../errors.ts';
import { eraseCustomer, exportCustomer } from '../../gdpr/index.ts';
import type { ApiDeps } from '../deps.ts';
import { IdParams, Uuid, withErrors } from '../schemas.ts';
import { rejectNul } from './ticketing-common.ts';
import { auditOrigin } from './security-common.ts';

const tags = ['customers'];

const EraseBody = Type.Object(
  { confirm: Uuid({ description: 'The id of the customer being erased, repeated: erasure cannot be undone' }) },
  { additionalProperties: false },
);
const EraseResultSchema = Type.Object(
  {
    customers: Type.Integer({ description: 'The customer plus every customer merged into it' }),
    identities: Type.Integer(),
    tickets: Type.Integer(),
    messages: Type.Integer(),
    attachmentsDeleted: Type.Integer(),
    portalUsers: Type.Integer(),
    runs: Type.Integer(),
    copiesScrubbed: Type.Integer({ description: 'Rows elsewhere (run history, jobs, deliveries, ...) whose copies were replaced' }),
    auditRedacted: Type.Integer(),
    aiModelsDropped: Type.Integer(),
  },
  { additionalProperties: false },
);

export const gdprRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.addHook('preValidation', rejectNul);

  app.get(
    '/:id/export',
    {
      config: { access: 'customers.export' },
      schema: {
        tags,
        summary: 'Export everything about a customer (GDPR)',
        description:
          'application/zip: customer.json (customer and customers merged into it, identities, portal accounts, tickets with all messages incl. internal notes, ' +
          'SLA, runs summary, outbound emails, audit entries about them) and attachments/<id>-<name>. Audited as customer.exported.',
        params: IdParams,
        response: withErrors({ 200: Type.Unsafe({ type: 'string', format: 'binary', description: 'The zip file' }) }),
      },
    },
    async (request, reply) => {
      const origin = auditOrigin(request);
      const result = await exportCustomer(db, origin.organisationId, request.params.id);
      await recordAudit(db, { ...origin, action: 'customer.exported', target: { type: 'customer', id: request.params.id }, after: result.counts });
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${result.filename}"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(result.zip.buffer, result.zip.byteOffset, result.zip.byteLength));
    },
  );

  app.post(
    '/:id/erase',
    {
      config: { access: 'customers.erase' },
      schema: {
        tags,
        summary: 'Erase a customer (GDPR)',
        description:
          'Anonymises the customer, the customers merged into it, their identities, portal accounts, tickets, messages and every copy of them ' +
          '(run history, jobs, deliveries, emails, audit details) in one transaction; deletes their attachments. Counts, statuses and timestamps stay, ' +
          'so statistics do not change. Cannot be undone: `confirm` must repeat the customer id. Audited as customer.erased.',
        params: IdParams,
        body: EraseBody,
        response: withErrors({ 200: Type.Object({ erased: EraseResultSchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      if (request.body.confirm.toLowerCase() !== request.params.id.toLowerCase()) {
        throw invalidInput('/body/confirm: must repeat the id of the customer to erase', [{ path: '/body/confirm', message: '/body/confirm: must repeat the id of the customer to erase' }]);
      }
      const origin = auditOrigin(request);
      const erased = await eraseCustomer(db, { ...origin, customerId: request.params.id });
      request.log.info({ customerId: request.params.id, erased }, 'customer erased');
      return { erased };
    },
  );
};
