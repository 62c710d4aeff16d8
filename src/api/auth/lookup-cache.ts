/**
 * The authenticator's short memory of what GitHub said about a token: each answer kept for a
 * TTL, in a bounded LRU (domain/bounded-cache.ts), with concurrent identical questions sharing
 * one request. Answers that are "no" (an invalid token, a repository it cannot see) are kept
 * like any other; a failure (CallerLookupError: GitHub down or rate-limiting) is dropped at once,
 * so the next question asks again. Keys are built by the caller from the token's SHA-256, never
 * the token.
 */
import { BoundedCache } from "../../domain/bounded-cache.js";

interface Entry<T> {
  readonly promise: Promise<T>;
  /** When the answer came (ms); undefined while the request is in flight. */
  settledAt?: number;
}

export class LookupCache {
  readonly #entries: BoundedCache<string, Entry<unknown>>;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { ttlMs: number; maxEntries: number; now: () => number }) {
    this.#entries = new BoundedCache(options.maxEntries);
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The kept answer to `key` if fresh (or the request in flight), else `ask()`'s, kept from when it arrives. */
  get<T>(key: string, ask: () => Promise<T>): Promise<T> {
    const kept = this.#entries.get(key) as Entry<T> | undefined;
    if (kept && (kept.settledAt === undefined || this.#now() - kept.settledAt < this.#ttlMs)) return kept.promise;
    const entry: Entry<T> = {
      promise: ask().then(
        (value) => {
          entry.settledAt = this.#now();
          return value;
        },
        (err: unknown) => {
          // Only this entry: a newer one under the same key (set after an eviction) stays.
          if (this.#entries.get(key) === entry) this.#entries.delete(key);
          throw err;
        },
      ),
    };
    this.#entries.set(key, entry);
    return entry.promise;
  }
}
