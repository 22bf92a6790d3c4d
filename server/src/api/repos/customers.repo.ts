// SQL for reading customers and their identities. Writes go through src/ticketing (resolve, merge, identities).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Customer, CustomerIdentity } from '../../db/tables/ticketing.ts';
import type { Database } from '../../db/types.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export async function findCustomer(db: Executor, organisationId: string, id: string): Promise<Customer | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).where('organisation_id', '=', organisationId).executeTakeFirst();
}

export async function identitiesOf(db: Executor, customerIds: readonly string[]): Promise<CustomerIdentity[]> {
  if (customerIds.length === 0) return [];
  return db.selectFrom('customer_identities').selectAll().where('customer_id', 'in', [...customerIds]).orderBy('created_at').orderBy('id').execute();
}

export type CustomerListRow = Customer & { cursor_ts: string };

/** Newest first; `q` matches the name or an identity value by case-insensitive prefix. Merged customers are left out. */
export async function listCustomers(db: Executor, organisationId: string, opts: { q?: string; after?: { createdAt: string; id: string }; limit: number }): Promise<CustomerListRow[]> {
  let query = db
    .selectFrom('customers as c')
    .selectAll('c')
    .select(sql<string>`to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_ts'))
    .where('c.organisation_id', '=', organisationId)
    .where('c.merged_into', 'is', null);
  if (opts.q) {
    const pattern = `${opts.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const contains = `%${pattern}`;
    query = query.where((eb) =>
      eb.or([
        eb(sql`lower(c.name)`, 'like', contains),
        eb.exists(eb.selectFrom('customer_identities as i').select('i.id').whereRef('i.customer_id', '=', 'c.id').where(sql`lower(i.value)`, 'like', pattern)),
      ]),
    );
  }
  if (opts.after) query = query.where(sql<boolean>`(c.created_at, c.id) < (${opts.after.createdAt}::timestamptz, ${opts.after.id}::uuid)`);
  return query.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(opts.limit + 1).execute();
}
