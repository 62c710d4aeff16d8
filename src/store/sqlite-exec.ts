/**
 * Synchronous execution of Kysely-built statements on one better-sqlite3 connection, with
 * cached prepared statements, for the SQLite store and its job queue and schedules. Rule: a
 * transaction is one synchronous block, never spanning an await.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { Compilable } from "kysely";
import { KeyedStatements } from "./keyed.js";
import type { WriteGate } from "./write-gate.js";

/** Prepared statements kept per connection; the store's SQL is a small fixed set, so this stays tiny. */
const STATEMENT_CACHE_LIMIT = 200;

/** Ids per IN list: far below SQLite's bound-parameter limit. */
export const IN_BATCH = 500;

/**
 * Runs Kysely-built statements synchronously on one better-sqlite3 connection.
 *
 * Why not Kysely's own async execution: a transaction must not span an `await` on
 * better-sqlite3. Between two awaits it holds SQLite's write lock while the event loop runs
 * other work; another connection in the same thread that then needs the lock waits
 * synchronously (busy_timeout), which blocks the very thread that would commit. Building
 * queries with Kysely (portable) and running every transaction as one synchronous block
 * (SQLite-only) avoids that, and is how better-sqlite3 wants transactions used.
 */
export class SqliteExec {
  readonly #sqlite: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  readonly #keyed = new KeyedStatements();
  /** One transaction function for every write and read: better-sqlite3 builds a wrapper per `transaction()` call. */
  readonly #transaction: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;

  readonly #gate: WriteGate | undefined;
  /** How long a gated write retries a lock taken by another connection: the store's busy timeout. */
  readonly #busyMs: number | undefined;

  constructor(sqlite: BetterSqlite3.Database, gate?: WriteGate, busyMs?: number) {
    this.#sqlite = sqlite;
    this.#gate = gate;
    this.#busyMs = busyMs;
    this.#transaction = sqlite.transaction((fn: () => unknown) => fn());
  }

  /** Every row a query returns. */
  all<R>(query: Compilable<R>): R[] {
    const { sql, parameters } = this.#keyed.compile(query);
    return this.#prepare(sql).all(...parameters) as R[];
  }

  /** The first row a query returns, if any. */
  first<R>(query: Compilable<R>): R | undefined {
    const { sql, parameters } = this.#keyed.compile(query);
    return this.#prepare(sql).get(...parameters) as R | undefined;
  }

  /** Runs a statement; returns how many rows it changed. Outside a transaction it is a write of its own, and goes through the gate. */
  run(query: Compilable<unknown>): number {
    const { sql, parameters } = this.#keyed.compile(query);
    const statement = this.#prepare(sql);
    if (!this.#gate || this.#sqlite.inTransaction) return statement.run(...parameters).changes;
    return this.#gate.around(() => statement.run(...parameters).changes, this.#busyMs);
  }

  /** Runs `fn` in a write transaction, taking the write lock up front (BEGIN IMMEDIATE) so it never has to upgrade a read lock and fail. */
  write<T>(fn: () => T): T {
    // Nested in a transaction already: the outer one holds the lock, and better-sqlite3 makes
    // this one a savepoint (it fails and rolls back alone).
    if (!this.#gate || this.#sqlite.inTransaction) return this.#transaction.immediate(fn) as T;
    return this.#gate.around(() => this.#transaction.immediate(fn) as T, this.#busyMs);
  }

  /** Runs `fn` in a read transaction: its statements see one snapshot. */
  read<T>(fn: () => T): T {
    return this.#transaction.deferred(fn) as T;
  }

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      statement = this.#sqlite.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
