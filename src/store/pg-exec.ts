/**
 * Execution of the store's Kysely-built statements on PostgreSQL, for the Postgres store and
 * its parts (pg-*.ts): reads, and write transactions (group commits) that run one at a time
 * across every process sharing the database, so each write is the same atomic step it is on SQLite.
 */
import { CompiledQuery, sql, type Compilable, type Kysely, type Transaction } from "kysely";
import { KeyedStatements } from "./keyed.js";
import type { Tables } from "./schema.js";

/** Ids per IN list (Postgres takes up to 65,535 parameters a statement). */
export const PG_IN_BATCH = 1000;

/**
 * The transaction-level advisory lock every write transaction takes first: writes are serial
 * across all replicas, exactly as SQLite's single write lock makes them, so the store's parts
 * are ported statement for statement (check, then write) without a race between the two.
 * Reads never take it. One key per store (its schema's tables): a hash of a fixed name and the
 * schema, so another application's locks, or another installation's in another schema of the
 * same database, do not collide with it.
 */
const WRITE_LOCK = sql`select pg_advisory_xact_lock(hashtextextended('governance-workflow-engine:store-writes:' || current_schema(), 0))`;

/** Statements on one connection or transaction: what the store's parts run their queries through. */
export class PgExec {
  /** The SQL of keyed statements (see keyed.ts): compiled once per store, then only bound. */
  readonly #keyed: KeyedStatements;

  constructor(
    readonly executor: Kysely<Tables> | Transaction<Tables>,
    keyed: KeyedStatements = new KeyedStatements(),
  ) {
    this.#keyed = keyed;
  }

  /** Every row a query returns. */
  async all<R>(query: Compilable<R>): Promise<R[]> {
    const result = await this.executor.executeQuery<R>(this.#compile(query));
    return result.rows;
  }

  /** The first row a query returns, if any. */
  async first<R>(query: Compilable<R>): Promise<R | undefined> {
    return (await this.all(query))[0];
  }

  /** Runs a statement; returns how many rows it changed (or returned). */
  async run(query: Compilable<unknown>): Promise<number> {
    const result = await this.executor.executeQuery(this.#compile(query));
    return result.numAffectedRows !== undefined ? Number(result.numAffectedRows) : result.rows.length;
  }

  #compile<R>(query: Compilable<R>): CompiledQuery<R> {
    const { sql: text, parameters } = this.#keyed.compile(query);
    return CompiledQuery.raw(text, [...parameters]) as CompiledQuery<R>;
  }
}

/** Errors a write transaction is tried again for: a serialization failure, a deadlock. */
const RETRIED = new Set(["40001", "40P01"]);
const MAX_TRIES = 5;
/** Writes per group commit at most: a longer queue is committed in several. */
const MAX_GROUP = 256;

/** The next turn of the event loop, as this module found it (a test that fakes timers must not stall the store's commits). */
const nextTurn = setImmediate;

type Waiting = { fn: (exec: PgExec) => Promise<unknown>; resolve(value: unknown): void; reject(err: unknown): void };
type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * The database's transactions, as the store's parts ask for them. Writes are a group commit, as
 * on SQLite: the writes asked for in one turn of the event loop (and those asked for while the
 * previous group commits) go in one write transaction, in the order asked, each in a savepoint
 * of its own (one that fails fails alone and rolls back alone). Every caller's promise settles
 * after the commit. So one store holds at most one write transaction (one connection waiting on
 * the write lock), and its writes take effect in the order they were asked for.
 */
export class PgTransactions {
  readonly #keyed = new KeyedStatements();
  #pending: Waiting[] = [];
  /** The group commits under way or scheduled; settles when the queue is empty. */
  #draining: Promise<void> | undefined;

  constructor(readonly db: Kysely<Tables>) {}

  /** Runs `fn` in a write transaction holding the store's write lock: all of it commits, or none. */
  write<T>(fn: (exec: PgExec) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= new Promise<void>((done) => nextTurn(() => void this.#drain().finally(done)));
    });
  }

  /** Settles once every write asked for so far is committed (or failed): the store's close() waits for it. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, MAX_GROUP);
        let outcomes: Outcome[];
        try {
          outcomes = await this.#commit(group);
        } catch (err) {
          for (const waiting of group) waiting.reject(err);
          continue;
        }
        outcomes.forEach((outcome, i) => (outcome.ok ? group[i]!.resolve(outcome.value) : group[i]!.reject(outcome.err)));
      }
    } finally {
      this.#draining = undefined;
    }
  }

  /** One write transaction for the group, tried again (whole) after a serialization failure or a deadlock. */
  async #commit(group: Waiting[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          await WRITE_LOCK.execute(trx);
          const exec = new PgExec(trx, this.#keyed);
          // Alone in its group, a write needs no savepoint: the transaction is all of it.
          if (group.length === 1) return [{ ok: true as const, value: await group[0]!.fn(exec) }];
          const outcomes: Outcome[] = [];
          for (const { fn } of group) {
            await sql`savepoint store_write`.execute(trx);
            try {
              const value = await fn(exec);
              await sql`release savepoint store_write`.execute(trx);
              outcomes.push({ ok: true, value });
            } catch (err) {
              await sql`rollback to savepoint store_write`.execute(trx);
              outcomes.push({ ok: false, err });
            }
          }
          return outcomes;
        });
      } catch (err) {
        if (attempt >= MAX_TRIES || !RETRIED.has((err as { code?: string }).code ?? "")) throw err;
      }
    }
  }

  /** Runs `fn` in a read-only transaction: its statements see one snapshot. */
  async read<T>(fn: (exec: PgExec) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .setIsolationLevel("repeatable read")
      .setAccessMode("read only")
      .execute(async (trx) => fn(new PgExec(trx, this.#keyed)));
  }

  /** One statement outside a transaction (a single read). */
  get exec(): PgExec {
    return new PgExec(this.db, this.#keyed);
  }
}
