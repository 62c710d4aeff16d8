/**
 * A map bounded twice: by its number of entries and by the total weight of its values (their
 * size, in whatever unit the owner weighs them), the least recently used dropped first. A
 * cache bounded by count alone is only as small as its largest entries: 5,000 workflow files
 * of 256 KiB would be over a gigabyte. A value heavier than the whole budget is not kept.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; weight: number }>();
  #weight = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The total weight of what is kept. */
  get weight(): number {
    return this.#weight;
  }

  /** The value, which becomes the most recently used. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps the value (replacing one under the same key) with its weight, then drops the least recently used until within bounds. */
  set(key: K, value: V, weight = 1): void {
    this.delete(key);
    if (!(weight <= this.maxWeight) || this.maxEntries < 1) return;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#weight <= this.maxWeight) break;
      this.#entries.delete(oldest);
      this.#weight -= entry.weight;
    }
  }

  /** Sets the weight of a kept value (known only later, say), if it is still `value`. */
  reweigh(key: K, value: V, weight: number): void {
    const entry = this.#entries.get(key);
    if (entry?.value !== value) return;
    this.set(key, value, weight);
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
    return true;
  }
}
