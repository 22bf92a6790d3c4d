// Column type helpers shared by the table type files (types.ts, tables/*.ts).
import type { ColumnType } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type Json<T> = ColumnType<T, T | string, T | string>;
/** A JSON column with a database default: optional on insert. */
export type JsonWithDefault<T> = ColumnType<T, T | string | undefined, T | string>;
/** A column the database computes (generated column): never written. */
export type Computed<T> = ColumnType<T, never, never>;
