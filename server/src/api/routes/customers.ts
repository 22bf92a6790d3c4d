// Customers: one person, many identities (email, phone, handle, portal); list/search, read with tickets,
// create (resolving existing identities), add an identity, merge two customers.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { scopeOf } from '../../auth/plugin.ts';
import { invalidInput, notFound } from '../../errors.ts';
import { addIdentity, mergeCustomers, resolveCustomer } from '../../ticketing/index.ts';
import type { ApiDeps } from '../deps.ts';
import { findCustomer, identitiesOf as loadIdentities, listCustomers } from '../repos/customers.repo.ts';
import { decodeKeyset, encodeKeyset } from '../repos/keyset.ts';
import { listTickets } from '../repos/tickets.repo.ts';
import { DEFAULT_PAGE_SIZE, IdParams, Nullable, withErrors } from '../schemas.ts';
import { AddIdentityBody, CreateCustomerBody, CustomerSchema, IdentitySchema, ListCustomersQuery, MergeBody, TicketFullSchema } from '../ticketing-schemas.ts';
import { toCustomer, toIdentity, toTicketFull } from '../ticketing-serialize.ts';
import { identitiesOf, organisationOf, rejectNul, withRequestPaths } from './ticketing-common.ts';

const tags = ['customers'];
const CustomerResponse = Type.Object({ customer: CustomerSchema }, { additionalProperties: false });

export const customerRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.addHook('preValidation', rejectNul);
  async function customerDto(request: FastifyRequest, id: string) {
    const customer = await findCustomer(db, organisationOf(request), id);
    if (!customer) throw notFound('customer', id);
    return toCustomer(customer, await loadIdentities(db, [customer.id]));
  }

  app.get(
    '/',
    {
      config: { access: 'customers.read' },
      schema: {
        tags,
        summary: 'List or find customers',
        description: 'Newest first; q matches a name (contains) or an identity value (prefix), case-insensitive. Merged customers are not listed.',
        querystring: ListCustomersQuery,
        response: withErrors({ 200: Type.Object({ customers: Type.Array(CustomerSchema), nextCursor: Nullable(Type.String()) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
      const rows = await listCustomers(db, organisationOf(request), { q: request.query.q, after: request.query.cursor ? decodeKeyset(request.query.cursor) : undefined, limit });
      const page = rows.slice(0, limit);
      const identities = await loadIdentities(db, page.map((c) => c.id));
      return { customers: page.map((c) => toCustomer(c, identities)), nextCursor: rows.length > limit ? encodeKeyset(page[page.length - 1]!) : null };
    },
  );

  app.get(
    '/:id',
    {
      config: { access: 'customers.read', auditRead: 'customer' },
      schema: {
        tags,
        summary: 'Get a customer with identities and tickets',
        description: 'A merged customer is still readable (mergedInto says where it went); its tickets are listed under the survivor.',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ customer: CustomerSchema, tickets: Type.Array(TicketFullSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const customer = await customerDto(request, request.params.id);
      const tickets = await listTickets(db, { scope: scopeOf(request), customerId: customer.id, limit: 199 });
      return { customer, tickets: tickets.slice(0, 200).map(toTicketFull) };
    },
  );

  app.post(
    '/',
    {
      config: { access: 'customers.write' },
      schema: {
        tags,
        summary: 'Create (or find) a customer',
        description: 'Resolves the identities: 200 with the existing customer when one already owns any of them, else 201 with a new one.',
        body: CreateCustomerBody,
        response: withErrors({ 200: CustomerResponse, 201: CustomerResponse }),
      },
    },
    async (request, reply) => {
      const { identities, rewrite } = identitiesOf(request.body);
      if (identities.length === 0) {
        throw invalidInput('/body: needs at least one of email, phone, handle', [{ path: '/body/email', message: '/body/email: is required (or phone, or handle)' }]);
      }
      const { customer, created } = await withRequestPaths(
        () => resolveCustomer(db, { organisationId: organisationOf(request), identities, name: request.body.name, language: request.body.language }),
        '/body',
        rewrite,
      );
      return reply.code(created ? 201 : 200).send({ customer: await customerDto(request, customer.id) });
    },
  );

  app.post(
    '/:id/identities',
    {
      config: { access: 'customers.write' },
      schema: {
        tags,
        summary: 'Add an identity',
        description: '409 when another customer owns it (merge the two instead). Adding one the customer already has is a 200.',
        params: IdParams,
        body: AddIdentityBody,
        response: withErrors({ 200: Type.Object({ identity: IdentitySchema }, { additionalProperties: false }), 201: Type.Object({ identity: IdentitySchema }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const { identity, created } = await withRequestPaths(
        () => addIdentity(db, { organisationId: organisationOf(request), customerId: request.params.id, ...request.body }),
        '/body',
      );
      return reply.code(created ? 201 : 200).send({ identity: toIdentity(identity) });
    },
  );

  app.post(
    '/:id/merge',
    {
      config: { access: 'customers.merge' },
      schema: {
        tags,
        summary: 'Merge another customer into this one',
        description: "Moves the other customer's identities, tickets and message authorship here; it stays readable with mergedInto set. Nothing is deleted.",
        params: IdParams,
        body: MergeBody,
        response: withErrors({
          200: Type.Object(
            { customer: CustomerSchema, merged: CustomerSchema, moved: Type.Object({ identities: Type.Integer(), tickets: Type.Integer(), messages: Type.Integer() }, { additionalProperties: false }) },
            { additionalProperties: false },
          ),
        }),
      },
    },
    async (request) => {
      const result = await withRequestPaths(() => mergeCustomers(db, { organisationId: organisationOf(request), survivorId: request.params.id, mergedId: request.body.mergedId }), '/body');
      return { customer: await customerDto(request, result.survivor.id), merged: toCustomer(result.merged, []), moved: result.moved };
    },
  );
};
