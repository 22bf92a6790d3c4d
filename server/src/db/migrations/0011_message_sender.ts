// The address an inbound email came from, on its message: replies go back to the address the customer
// last wrote from, not to whichever email identity they registered first.
// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('from_address', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('from_address').execute();
}
