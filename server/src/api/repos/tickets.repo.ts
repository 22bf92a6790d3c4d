// SQL for tickets (the minimal ticket of the foundation schema).
import type { Kysely, Transaction } from 'kysely';
import type { Database, Ticket } from '../../db/types.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface TicketInput {
  subject: string;
  body?: string;
  priority?: string;
  fields?: Record<string, unknown>;
  tags?: string[];
}

export async function insertTicket(db: Executor, input: TicketInput): Promise<Ticket> {
  return db
    .insertInto('tickets')
    .values({
      subject: input.subject,
      body: input.body ?? '',
      ...(input.priority ? { priority: input.priority } : {}),
      fields: JSON.stringify(input.fields ?? {}),
      tags: input.tags ?? [],
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findTicket(db: Executor, id: string): Promise<Ticket | undefined> {
  return db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
}
