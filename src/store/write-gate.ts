/**
 * Who goes first to SQLite's write lock among the threads of one process. The webhook thread
 * records deliveries while the engine thread commits run work on the same file. SQLite alone
 * starves the webhook thread: a writer that finds the lock taken sleeps (1 ms, then 2, 5, 10...)
 * while the busy engine takes the lock again and again. Here the webhook thread says it wants
 * the lock, and the engine, before each of its transactions, waits (a few milliseconds at most)
 * until no such writer is left: a delivery's commit waits at most for the engine transaction
 * already under way.
 *
 * The state is a SharedArrayBuffer handed to the engine thread. SQLite's locking still decides
 * correctness; this only orders the writers of one process. Other processes are not gated.
 */
const WANTED = 0;
const RELEASES = 1;
/** Longest an engine transaction waits for the webhook thread's writers (default), whatever happens to them. */
const MAX_YIELD_MS = 20;

export type WriteGateRole = "priority" | "yield";

export class WriteGate {
  readonly #state: Int32Array;
  readonly role: WriteGateRole;

  /** The shared memory of a new gate: give it to each thread's store. */
  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  }

  readonly #maxYieldMs: number;

  constructor(buffer: SharedArrayBuffer, role: WriteGateRole, options: { maxYieldMs?: number } = {}) {
    this.#state = new Int32Array(buffer);
    this.role = role;
    this.#maxYieldMs = options.maxYieldMs ?? MAX_YIELD_MS;
  }

  /** Runs a write transaction in this thread's role: a priority writer announces itself; a yielding one lets announced writers go first. */
  around<T>(write: () => T): T {
    if (this.role === "yield") {
      this.#yield();
      return write();
    }
    Atomics.add(this.#state, WANTED, 1);
    try {
      return write();
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
