// Several statements in ONE round trip and ONE transaction, on a node-pg client.
//
// The extended query protocol lets a client send Parse/Bind/Execute for several statements followed by a
// single Sync. Postgres runs everything up to the Sync in one implicit transaction: it commits at the Sync
// if every statement succeeded and rolls back if any failed (the statements after a failure are skipped).
// This is the protocol's documented pipelining behaviour (PostgreSQL docs, "Extended Query" and
// "Pipelining"), the same thing libpq's pipeline mode does. node-pg sends one Sync per query, so this
// module is a small custom query object (a node-pg `Submittable`, like pg-cursor) that sends the messages
// itself. Statements are named prepared statements: each connection parses a statement once and later
// batches only Bind/Execute it, so Postgres skips parsing and (after a few runs) planning.
import pg from 'pg';

export interface BatchStatement {
  /** Prepared-statement name; the same name must always carry the same text. */
  name: string;
  text: string;
  values: unknown[];
  /**
   * 'json-array': the statement's only parameter is a JSON array of rows and the statement does the same
   * thing to each row independently (pg-boss's job insert: INSERT … SELECT FROM json_to_recordset($1) …
   * ON CONFLICT DO NOTHING), so statements with the same name in one transaction may be run as one with
   * the arrays concatenated (group-commit.ts does).
   */
  merge?: 'json-array';
}

type ResultLike = { rows: Record<string, unknown>[]; rowCount: number | null };
type PgResult = ResultLike & {
  addFields(fields: unknown[]): void;
  parseRow(fields: unknown[]): Record<string, unknown>;
  addRow(row: Record<string, unknown>): void;
  addCommandComplete(msg: unknown): void;
};
type TypeSource = { getTypeParser(oid: number, format?: string): unknown };
const { Result, utils } = pg as unknown as {
  Result: new (rowMode: undefined, types: TypeSource) => PgResult;
  utils: { prepareValue(value: unknown): unknown };
};

/** Statement names parsed on each physical connection (a connection lives as long as its session). */
const parsedOn = new WeakMap<pg.Connection, Map<string, string>>();

/**
 * Runs the statements in one implicit transaction and one round trip; resolves with one result per
 * statement after the commit, rejects (everything rolled back) with the first error.
 */
export function runBatch(client: pg.PoolClient, statements: BatchStatement[]): Promise<ResultLike[]> {
  return new Promise((resolve, reject) => {
    client.query(new Batch(statements, client as unknown as TypeSource, (error, results) => (error ? reject(error) : resolve(results!))));
  });
}

class Batch implements pg.Submittable {
  readonly #statements: BatchStatement[];
  readonly #results: PgResult[];
  readonly #callback: (error: Error | null, results?: PgResult[]) => void;
  #index = 0;
  #rowError: Error | null = null;
  #done = false;
  #connection: pg.Connection | null = null;
  /** Statements parsed by this batch, in send order; confirmed one by one by ParseComplete. */
  readonly #parsing: BatchStatement[] = [];
  readonly #onParseComplete = () => {
    const statement = this.#parsing.shift();
    if (statement && this.#connection) parsedOn.get(this.#connection)?.set(statement.name, statement.text);
  };

  constructor(statements: BatchStatement[], types: TypeSource, callback: (error: Error | null, results?: PgResult[]) => void) {
    this.#statements = statements;
    this.#results = statements.map(() => new Result(undefined, { getTypeParser: (oid, format) => types.getTypeParser(oid, format) }));
    this.#callback = callback;
  }

  submit(connection: pg.Connection): void {
    this.#connection = connection;
    let parsed = parsedOn.get(connection);
    if (!parsed) parsedOn.set(connection, (parsed = new Map()));
    const stream = connection.stream as { cork?: () => void; uncork?: () => void };
    const send = connection as unknown as {
      parse(q: { name: string; text: string; types: unknown[] }): void;
      bind(c: { portal: string; statement: string; values: unknown[]; valueMapper: (v: unknown) => unknown }): void;
      describe(m: { type: 'P'; name: string }): void;
      execute(c: { portal: string }): void;
      sync(): void;
    };
    stream.cork?.();
    try {
      for (const statement of this.#statements) {
        const known = parsed.get(statement.name);
        if (known !== undefined && known !== statement.text) throw new Error(`prepared statement ${statement.name} was used for a different text`);
        if (known === undefined && !this.#parsing.some((s) => s.name === statement.name)) {
          send.parse({ name: statement.name, text: statement.text, types: [] });
          this.#parsing.push(statement);
        }
        send.bind({ portal: '', statement: statement.name, values: statement.values, valueMapper: utils.prepareValue });
        send.describe({ type: 'P', name: '' });
        send.execute({ portal: '' });
      }
      // The Sync ends the implicit transaction: commit if all succeeded, else roll back.
      send.sync();
    } finally {
      stream.uncork?.();
    }
    if (this.#parsing.length > 0) connection.on('parseComplete', this.#onParseComplete);
  }

  handleRowDescription(msg: { fields: unknown[] }): void {
    this.#results[this.#index]?.addFields(msg.fields);
  }

  handleDataRow(msg: { fields: unknown[] }): void {
    const result = this.#results[this.#index];
    if (!result || this.#rowError) return;
    try {
      result.addRow(result.parseRow(msg.fields));
    } catch (error) {
      this.#rowError = error as Error;
    }
  }

  handleCommandComplete(msg: unknown): void {
    this.#results[this.#index]?.addCommandComplete(msg);
    this.#index += 1;
  }

  handleEmptyQuery(): void {
    this.#index += 1;
  }

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as { sendCopyFail(msg: string): void }).sendCopyFail('COPY is not supported in a batch');
  }

  handleCopyData(): void {}

  /** ErrorResponse (the server rolled back and skips to the Sync) or a broken connection. */
  handleError(error: Error): void {
    this.#finish(error);
  }

  handleReadyForQuery(): void {
    this.#finish(this.#rowError);
  }

  #finish(error: Error | null): void {
    if (this.#done) return;
    this.#done = true;
    this.#connection?.removeListener('parseComplete', this.#onParseComplete);
    if (error) this.#callback(error);
    else this.#callback(null, this.#results);
  }
}
