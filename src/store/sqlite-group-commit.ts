/**
 * The SQLite store's group commit: the writes asked for in one turn of the event loop are
 * committed together, in one write transaction, each in a savepoint of its own.
 */
import type { SqliteExec } from "./sqlite-exec.js";
import type { SqliteJobQueue } from "./sqlite-job-queue.js";

/** The next turn of the event loop, as this module found it (a test that fakes timers must not stall the store's commits). */
const nextTurn = setImmediate;

type Waiting = { write: () => unknown; resolve(value: unknown): void; reject(err: unknown): void };

/**
 * The writes asked for in one turn of the event loop are committed together (a group
 * commit: one write transaction, each write in a savepoint of its own, so one that fails
 * fails alone and rolls back alone). Every caller's promise settles after the commit: an
 * acknowledged delivery, a committed run, a leased job are on disk. Many runs in flight
 * share the pages every write touches (the job queue, its indexes): each commit writes
 * them to the WAL once, not once per write.
 */
export class GroupCommit {
  readonly #exec: SqliteExec;
  readonly #jobs: SqliteJobQueue;
  #pending: Waiting[] | undefined;

  constructor(exec: SqliteExec, jobs: SqliteJobQueue) {
    this.#exec = exec;
    this.#jobs = jobs;
  }

  /** Runs `write` in the next group commit; settles once that commit is done. */
  add<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.#pending) {
        this.#pending = [];
        nextTurn(() => this.commit());
      }
      this.#pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Commits the writes asked for so far, now (the store's close() calls it: no caller's write is lost). */
  commit(): void {
    const group = this.#pending ?? [];
    this.#pending = undefined;
    if (group.length === 0) return;
    let outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[];
    try {
      outcomes = this.#exec.write(() =>
        this.#jobs.batch(() => {
          // Alone in its group, a write needs no savepoint: the transaction is all of it.
          if (group.length === 1) return [{ ok: true as const, value: group[0]!.write() }];
          return group.map(({ write }) => {
            try {
              return { ok: true as const, value: this.#exec.write(write) };
            } catch (err) {
              // Its savepoint rolled back: the queue's counters are read again from what is stored.
              this.#jobs.reread();
              return { ok: false as const, err };
            }
          });
        }),
      );
    } catch (err) {
      for (const waiting of group) waiting.reject(err);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? group[i]!.resolve(outcome.value) : group[i]!.reject(outcome.err)));
  }
}
