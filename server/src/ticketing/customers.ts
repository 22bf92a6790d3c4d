// One customer, many identities. resolveCustomer finds (or creates) the customer owning any of the given
// identities; mergeCustomers folds one customer into another keeping every ticket and message.
import { sql, type Transaction } from 'kysely';
import type { Customer, CustomerIdentity, IdentityKind } from '../db/tables/ticketing.ts';
import type { Database } from '../db/types.ts';
import { conflict, invalidInput, notFound } from '../errors.ts';
import { normaliseIdentity } from './identity.ts';
import { inTransaction, type Executor } from './types.ts';

export interface IdentityInput {
  kind: IdentityKind;
  value: string;
}

export interface ResolveCustomerInput {
  organisationId: string;
  identities: IdentityInput[];
  name?: string;
  language?: string;
}

/** merged_into chains are short (merges repoint older chains), but never follow a cycle forever. */
const MAX_MERGE_HOPS = 20;

/** The customer a (possibly merged) customer id stands for today. */
export async function survivorOf(db: Executor, customerId: string, maxHops = MAX_MERGE_HOPS): Promise<Customer | undefined> {
  let current = await db.selectFrom('customers').selectAll().where('id', '=', customerId).executeTakeFirst();
  for (let hop = 0; current?.merged_into && hop < maxHops; hop++) {
    current = await db.selectFrom('customers').selectAll().where('id', '=', current.merged_into).executeTakeFirst();
  }
  return current;
}

function normaliseAll(identities: IdentityInput[], base: string): IdentityInput[] {
  const seen = new Set<string>();
  const out: IdentityInput[] = [];
  identities.forEach((identity, i) => {
    const value = normaliseIdentity(identity.kind, identity.value, `${base}/${i}/value`);
    const key = `${identity.kind}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ kind: identity.kind, value });
  });
  return out;
}

/** Inserts the identity unless (organisation, kind, value) exists; returns the row now owning it. */
async function claimIdentity(trx: Transaction<Database>, organisationId: string, customerId: string, identity: IdentityInput, verified = false) {
  const inserted = await trx
    .insertInto('customer_identities')
    .values({ organisation_id: organisationId, customer_id: customerId, kind: identity.kind, value: identity.value, verified })
    .onConflict((oc) => oc.columns(['organisation_id', 'kind', 'value']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, inserted: true };
  // Someone else holds it (possibly a transaction that committed while we waited on the unique index).
  const row = await trx
    .selectFrom('customer_identities')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .where('kind', '=', identity.kind)
    .where('value', '=', identity.value)
    .executeTakeFirstOrThrow();
  return { row, inserted: false };
}

/**
 * Finds the customer owning any of the identities (following merges), attaches the identities nobody owns
 * yet, or creates the customer. Race-safe: two concurrent calls for the same new identity end with one
 * customer (the identity's unique index decides; the loser drops the customer it had just created).
 * Identities owned by *different* customers are not merged automatically (merging is a decision): the
 * first identity's owner is returned. Invalid values throw FD_INVALID_INPUT at /identities/<i>/value.
 */
export async function resolveCustomer(executor: Executor, input: ResolveCustomerInput): Promise<{ customer: Customer; created: boolean }> {
  if (input.identities.length === 0) throw invalidInput('/identities: at least one identity is required', [{ path: '/identities', message: '/identities: at least one identity is required' }]);
  const identities = normaliseAll(input.identities, '/identities');
  return inTransaction(executor, async (trx) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      // The owned identities with their owners' rows in one statement (the owner is usually the survivor).
      const owned = await trx
        .selectFrom('customer_identities as ci')
        .leftJoin('customers as c', 'c.id', 'ci.customer_id')
        .selectAll('c')
        .select(['ci.kind as identity_kind', 'ci.value as identity_value', 'ci.customer_id as identity_customer_id'])
        .where('ci.organisation_id', '=', input.organisationId)
        .where((eb) => eb.or(identities.map((i) => eb.and([eb('ci.kind', '=', i.kind), eb('ci.value', '=', i.value)]))))
        .execute()
        .then((rows) =>
          rows.map(({ identity_kind: kind, identity_value: value, identity_customer_id: customer_id, ...owner }) => ({
            kind,
            value,
            customer_id,
            owner: owner.id === null ? undefined : (owner as Customer),
          })),
        );
      let customer: Customer | undefined;
      let created = false;
      const firstOwned = identities.map((i) => owned.find((o) => o.kind === i.kind && o.value === i.value)).find((o) => o !== undefined);
      if (firstOwned) {
        // As survivorOf(firstOwned.customer_id), without reading the owner again.
        customer = firstOwned.owner;
        if (customer?.merged_into) customer = await survivorOf(trx, customer.merged_into, MAX_MERGE_HOPS - 1);
        if (!customer) continue;
      } else {
        customer = await trx
          .insertInto('customers')
          .values({ organisation_id: input.organisationId, name: input.name?.trim() || null, language: input.language ?? null })
          .returningAll()
          .executeTakeFirstOrThrow();
        created = true;
      }
      let lostRace = false;
      for (const identity of identities) {
        if (owned.some((o) => o.kind === identity.kind && o.value === identity.value)) continue;
        const claim = await claimIdentity(trx, input.organisationId, customer.id, identity);
        if (!claim.inserted && created && claim.row.customer_id !== customer.id) {
          lostRace = true;
          break;
        }
      }
      if (lostRace) {
        // A concurrent request created this person first: drop ours (nothing refers to it yet) and use theirs.
        await trx.deleteFrom('customer_identities').where('customer_id', '=', customer.id).execute();
        await trx.deleteFrom('customers').where('id', '=', customer.id).execute();
        continue;
      }
      if (!created && (input.name?.trim() && !customer.name)) {
        customer = await trx.updateTable('customers').set({ name: input.name.trim(), updated_at: new Date() }).where('id', '=', customer.id).returningAll().executeTakeFirstOrThrow();
      }
      return { customer, created };
    }
    throw conflict('the customer changed concurrently too often; retry the request');
  });
}

/** Adds one identity to a customer. 409 when another customer owns it (merge them instead). */
export async function addIdentity(
  executor: Executor,
  input: { organisationId: string; customerId: string; kind: IdentityKind; value: string; verified?: boolean },
): Promise<{ identity: CustomerIdentity; created: boolean }> {
  const value = normaliseIdentity(input.kind, input.value, '/value');
  return inTransaction(executor, async (trx) => {
    const customer = await survivorOf(trx, input.customerId);
    if (!customer || customer.organisation_id !== input.organisationId) throw notFound('customer', input.customerId);
    const claim = await claimIdentity(trx, input.organisationId, customer.id, { kind: input.kind, value }, input.verified ?? false);
    if (claim.row.customer_id !== customer.id) {
      const owner = await survivorOf(trx, claim.row.customer_id);
      if (owner?.id !== customer.id) {
        throw conflict(`${input.kind} ${value} belongs to customer ${claim.row.customer_id}; merge the two customers instead`, [
          { path: '/value', message: `/value: belongs to customer ${claim.row.customer_id}` },
        ]);
      }
    }
    return { identity: claim.row, created: claim.inserted };
  });
}

export interface MergeResult {
  survivor: Customer;
  merged: Customer;
  moved: { identities: number; tickets: number; messages: number };
}

/**
 * Folds `mergedId` into `survivorId`: identities, tickets and message authorship move to the survivor; the
 * merged row stays (merged_into = survivor) so history and old references still resolve. Refuses merging
 * a customer into itself, across organisations, or a customer that was already merged.
 */
export async function mergeCustomers(executor: Executor, input: { organisationId: string; survivorId: string; mergedId: string }): Promise<MergeResult> {
  if (input.survivorId === input.mergedId) {
    throw invalidInput('/mergedId: cannot merge a customer into itself', [{ path: '/mergedId', message: '/mergedId: cannot merge a customer into itself' }]);
  }
  return inTransaction(executor, async (trx) => {
    // Lock both rows in id order: two opposite merges cannot deadlock, and one of them finds the other done.
    const rows = await trx
      .selectFrom('customers')
      .selectAll()
      .where('id', 'in', [input.survivorId, input.mergedId])
      .orderBy('id')
      .forUpdate()
      .execute();
    const survivor = rows.find((r) => r.id === input.survivorId);
    const merged = rows.find((r) => r.id === input.mergedId);
    if (!survivor || survivor.organisation_id !== input.organisationId) throw notFound('customer', input.survivorId);
    if (!merged) throw notFound('customer', input.mergedId);
    if (merged.organisation_id !== survivor.organisation_id) {
      throw invalidInput('/mergedId: belongs to another organisation', [{ path: '/mergedId', message: '/mergedId: belongs to another organisation' }]);
    }
    if (survivor.merged_into) throw conflict(`customer ${survivor.id} was merged into ${survivor.merged_into}; merge into that one`);
    if (merged.merged_into) throw conflict(`customer ${merged.id} was already merged into ${merged.merged_into}`, [{ path: '/mergedId', message: '/mergedId: was already merged' }]);

    const identities = await trx.updateTable('customer_identities').set({ customer_id: survivor.id }).where('customer_id', '=', merged.id).executeTakeFirst();
    const tickets = await trx.updateTable('tickets').set({ customer_id: survivor.id, updated_at: new Date() }).where('customer_id', '=', merged.id).executeTakeFirst();
    const messages = await trx.updateTable('messages').set({ author_customer_id: survivor.id }).where('author_customer_id', '=', merged.id).executeTakeFirst();
    // Portal accounts follow their customer, so the portal shows the merged history.
    await trx.updateTable('users').set({ customer_id: survivor.id, updated_at: new Date() }).where('customer_id', '=', merged.id).execute();
    // Customers merged into the merged one earlier now point at the survivor directly (chains stay one hop).
    await trx.updateTable('customers').set({ merged_into: survivor.id, updated_at: new Date() }).where('merged_into', '=', merged.id).execute();
    const mergedRow = await trx.updateTable('customers').set({ merged_into: survivor.id, updated_at: new Date() }).where('id', '=', merged.id).returningAll().executeTakeFirstOrThrow();
    const survivorRow = await trx
      .updateTable('customers')
      .set({
        name: sql<string | null>`coalesce(name, ${merged.name})`,
        language: sql<string | null>`coalesce(language, ${merged.language})`,
        updated_at: new Date(),
      })
      .where('id', '=', survivor.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return {
      survivor: survivorRow,
      merged: mergedRow,
      moved: { identities: Number(identities.numUpdatedRows), tickets: Number(tickets.numUpdatedRows), messages: Number(messages.numUpdatedRows) },
    };
  });
}
