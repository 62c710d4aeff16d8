/**
 * The pragmas SqliteStore sets on every connection it opens: busy timeout, WAL with
 * synchronous=NORMAL, and foreign keys, which SQLite leaves off unless each connection asks.
 */
import type BetterSqlite3 from "better-sqlite3";

/** Sets the connection pragmas the store relies on; returns them as SQLite reports them. */
export function configureSqlite(sqlite: BetterSqlite3.Database, busyTimeoutMs = 5_000) {
  // busy_timeout first: switching to WAL waits on other processes' locks too.
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  // WAL: readers never block the writer, and the writer never blocks readers.
  // synchronous=NORMAL (safe in WAL) survives a process crash (kill -9); only an OS crash or
  // power cut can lose the last commits, which redelivery and reconcile recover.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  // SQLite leaves foreign keys off unless every connection asks.
  sqlite.pragma("foreign_keys = ON");
  return {
    journalMode: sqlite.pragma("journal_mode", { simple: true }) as string,
    busyTimeoutMs: sqlite.pragma("busy_timeout", { simple: true }) as number,
    foreignKeys: sqlite.pragma("foreign_keys", { simple: true }) === 1,
  };
}
