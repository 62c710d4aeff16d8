/**
 * Keyed statements for the SQLite store's hot paths: queries.ts and job-queries.ts build them,
 * SqliteExec compiles each key once per connection and then binds only its parameters. Rule: the
 * key must fix the SQL text, and the parameters must match Kysely's own compilation.
 */
import type { CompiledQuery, Compilable } from "kysely";

/**
 * A hot statement whose SQL text depends only on its key: Kysely builds and compiles it the
 * first time a connection meets the key, and after that only `parameters` are bound (building
 * and compiling a Kysely query costs more than SQLite running it). It is still a Compilable,
 * so anything that compiles queries runs it unchanged.
 *
 * The contract, checked where it can be: `parameters` are exactly what Kysely's compilation
 * yields, in its order (checked at the first compilation of every key, and at every use when
 * GOVERNANCE_CHECK_STATEMENTS=1, as the test suite runs), and nothing that changes the SQL
 * text is left out of the key.
 */
export interface Keyed<R> extends Compilable<R> {
  readonly key: string;
  readonly parameters: readonly unknown[];
}

export function keyed<R>(key: string, parameters: readonly unknown[], build: () => Compilable<R>): Keyed<R> {
  return { key, parameters, compile: () => build().compile() };
}

/** A row without its undefined fields (Kysely leaves those columns out of an INSERT or an UPDATE's SET). */
export function definedFields<Row extends object>(row: Row): Partial<Row> {
  const out: Partial<Row> = {};
  for (const [column, value] of Object.entries(row)) if (value !== undefined) (out as Record<string, unknown>)[column] = value;
  return out;
}

/**
 * An INSERT of one row whose columns are the row's defined fields: its parameters are the
 * row's values in the order of its keys, then `extra` (parameters after the VALUES).
 */
export function keyedInsert<R, Row extends object>(name: string, row: Row, build: (row: Row) => Compilable<R>, extra: readonly unknown[] = []): Keyed<R> {
  const fields = definedFields(row);
  return keyed(`${name}(${Object.keys(fields).join(",")})`, [...Object.values(fields), ...extra], () => build(row));
}

/**
 * An INSERT of several rows of one shape (the same defined fields, in the same order); rows
 * of mixed shapes are compiled by Kysely each time (it fills missing columns with DEFAULT).
 */
export function keyedInsertRows<R, Row extends object>(name: string, rows: readonly Row[], build: (rows: Row[]) => Compilable<R>): Compilable<R> {
  if (rows.length === 0) return { compile: () => build([]).compile() };
  const first = Object.keys(definedFields(rows[0]!));
  const shape = first.join(",");
  const values: unknown[] = [];
  for (const row of rows) {
    const fields = definedFields(row);
    if (Object.keys(fields).join(",") !== shape) return { compile: () => build([...rows]).compile() };
    values.push(...Object.values(fields));
  }
  return keyed(`${name}(${rows.length}x${shape})`, values, () => build([...rows]));
}

export function isKeyed(query: Compilable<unknown>): query is Keyed<unknown> {
  return typeof (query as Partial<Keyed<unknown>>).key === "string" && Array.isArray((query as Partial<Keyed<unknown>>).parameters);
}

/** Keys remembered per connection; the store's keys are a small set (row counts vary up to a batch), so this is never reached in practice. */
const KEY_LIMIT = 2_000;

/** The SQL of keyed statements, per connection (the text depends on the dialect). */
export class KeyedStatements {
  readonly #sql = new Map<string, string>();
  readonly #check: boolean;

  constructor(check = process.env.GOVERNANCE_CHECK_STATEMENTS === "1") {
    this.#check = check;
  }

  /** The SQL and parameters of a query; compiled by Kysely unless it is keyed and its key known. */
  compile(query: Compilable<unknown>): { sql: string; parameters: readonly unknown[] } {
    if (!isKeyed(query)) return query.compile();
    const known = this.#sql.get(query.key);
    if (known !== undefined && !this.#check) return { sql: known, parameters: query.parameters };
    const compiled = query.compile();
    verify(query, compiled, known);
    if (known === undefined) {
      if (this.#sql.size >= KEY_LIMIT) this.#sql.clear();
      this.#sql.set(query.key, compiled.sql);
    }
    return { sql: compiled.sql, parameters: query.parameters };
  }
}

function verify(query: Keyed<unknown>, compiled: CompiledQuery<unknown>, known: string | undefined): void {
  if (known !== undefined && known !== compiled.sql) throw new Error(`keyed statement ${query.key}: its SQL depends on more than its key`);
  const same = compiled.parameters.length === query.parameters.length && compiled.parameters.every((p, i) => Object.is(p, query.parameters[i]));
  if (!same) throw new Error(`keyed statement ${query.key}: its parameters are not the ones Kysely compiles`);
}
