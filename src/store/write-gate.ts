/**
 * Who goes first to SQLite's write lock among the threads of one process. The webhook thread
 * records deliveries while the engine thread commits run work on the same file. SQLite alone
 * starves the webhook thread: a writer that finds the lock taken sleeps (1 ms, then 2, 5, 10...)
 * while the busy engine takes the lock again and again. Here the webhook thread says it wants
 * the lock, and the engine, before each of its transactions, waits (a few milliseconds at most)
 * until no such writer is left: a delivery's commit waits at most for the engine transaction
 * already under way.
 *
 * And the webhook thread does not sleep in SQLite's busy handler (a millisecond at least) when
 * it meets the engine's transaction under way: its connection does not wait on the lock
 * (busy_timeout 0); it retries its transaction as soon as the engine says its transaction is
 * over, and gives up after the same 5 s the busy timeout would have waited.
 *
 * The state is a SharedArrayBuffer handed to the engine thread. SQLite's locking still decides
 * correctness; this only orders the writers of one process. Other processes are not gated.
 */
const WANTED = 0;
const RELEASES = 1;
/** Counts the yielding side's transactions that ended while a priority writer wanted the lock. */
const YIELDED = 2;
/** How long a priority writer keeps retrying a lock held by another connection, unless its store says otherwise (its busy timeout). */
const PRIORITY_BUSY_MS = 5_000;
/** A priority writer's longest wait between two tries: another process's writer sends no word. */
const PRIORITY_RETRY_MS = 2;
/** Longest an engine transaction waits for the webhook thread's writers (default), whatever happens to them. */
const MAX_YIELD_MS = 20;

export type WriteGateRole = "priority" | "yield";

export class WriteGate {
  readonly #state: Int32Array;
  readonly role: WriteGateRole;

  /** The shared memory of a new gate: give it to each thread's store. */
  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  }

  readonly #maxYieldMs: number;

  constructor(buffer: SharedArrayBuffer, role: WriteGateRole, options: { maxYieldMs?: number } = {}) {
    this.#state = new Int32Array(buffer);
    this.role = role;
    this.#maxYieldMs = options.maxYieldMs ?? MAX_YIELD_MS;
  }

  /**
   * Runs a write transaction in this thread's role: a priority writer announces itself (and
   * retries a taken lock for up to `busyMs`, its connection's busy timeout); a yielding one
   * lets announced writers go first.
   */
  around<T>(write: () => T, busyMs = PRIORITY_BUSY_MS): T {
    if (this.role === "yield") {
      this.#yield();
      try {
        return write();
      } finally {
        // A priority writer may be waiting for this transaction to end: say it did.
        if (Atomics.load(this.#state, WANTED) > 0) {
          Atomics.add(this.#state, YIELDED, 1);
          Atomics.notify(this.#state, YIELDED);
        }
      }
    }
    Atomics.add(this.#state, WANTED, 1);
    try {
      const deadline = Date.now() + busyMs;
      for (;;) {
        const seen = Atomics.load(this.#state, YIELDED);
        try {
          return write();
        } catch (err) {
          if (!isBusy(err) || Date.now() >= deadline) throw err;
          // The lock is taken: wait for the engine's word that its transaction ended (or a
          // moment, for a writer of another process), then try again.
          Atomics.wait(this.#state, YIELDED, seen, PRIORITY_RETRY_MS);
        }
      }
    } finally {
      Atomics.sub(this.#state, WANTED, 1);
      Atomics.add(this.#state, RELEASES, 1);
      Atomics.notify(this.#state, RELEASES);
    }
  }

  /** How many priority writers are waiting or writing now. */
  get wanted(): number {
    return Atomics.load(this.#state, WANTED);
  }

  #yield(): void {
    if (Atomics.load(this.#state, WANTED) === 0) return;
    const deadline = Date.now() + this.#maxYieldMs;
    while (Atomics.load(this.#state, WANTED) > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      const seen = Atomics.load(this.#state, RELEASES);
      if (Atomics.load(this.#state, WANTED) === 0) return;
      Atomics.wait(this.#state, RELEASES, seen, Math.min(left, 5));
    }
  }
}

/** SQLite's "the database is locked" (SQLITE_BUSY and its extended codes). */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}
