/**
 * Label sets made once and reused, so that counting allocates nothing of ours, with a cap on the
 * distinct values each label may take: label cardinality stays bounded whatever the callers pass.
 */

/** What a value past a label's cap is counted as. */
export const OTHER = "other";

/**
 * Label objects `{ [first]: a, [second]: b }` by value pair, made on first use. At most `maxFirst`
 * distinct first values are kept; later ones are counted as `other` (the second label's values
 * are the callers' fixed vocabulary: statuses, outcomes).
 */
export class LabelPairs<A extends string, B extends string> {
  private readonly byFirst = new Map<string, Map<string, Record<A | B, string>>>();

  constructor(
    private readonly first: A,
    private readonly second: B,
    private readonly maxFirst = 64,
  ) {}

  get(a: string, b: string): Record<A | B, string> {
    let inner = this.byFirst.get(a);
    if (!inner) {
      if (this.byFirst.size >= this.maxFirst && a !== OTHER) return this.get(OTHER, b);
      inner = new Map();
      this.byFirst.set(a, inner);
    }
    let labels = inner.get(b);
    if (!labels) {
      labels = { [this.first]: a, [this.second]: b } as Record<A | B, string>;
      inner.set(b, labels);
    }
    return labels;
  }
}

/** Label objects `{ [name]: value }` by value, made on first use; past `max` values, `other`. */
export class LabelValues<N extends string> {
  private readonly byValue = new Map<string, Record<N, string>>();

  constructor(
    private readonly name: N,
    private readonly max = 64,
  ) {}

  get(value: string): Record<N, string> {
    let labels = this.byValue.get(value);
    if (!labels) {
      if (this.byValue.size >= this.max && value !== OTHER) return this.get(OTHER);
      labels = { [this.name]: value } as Record<N, string>;
      this.byValue.set(value, labels);
    }
    return labels;
  }
}

/** HTTP status classes, by hundreds; `error` for no answer (a network error, a timeout). */
export const STATUS_CLASSES = ["error", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export function statusClass(status: number | undefined): StatusClass {
  if (status === undefined) return "error";
  return STATUS_CLASSES[Math.floor(status / 100)] ?? "error";
}

/** One installation's label sets: its rate-limit gauge's, and its calls' by status class. */
export interface InstallationEntry {
  readonly labels: { installation: string };
  readonly calls: Readonly<Record<StatusClass, { installation: string; status: StatusClass }>>;
}

/**
 * Installation ids as label values: the `max` most recently seen. Seeing one more evicts the
 * least recently seen, and `onEvict` removes its series, so that an app installed on many
 * accounts exports at most `max` installations' series (each a few: calls by status class, the
 * rate limit). An evicted installation seen again starts its counters from zero (Prometheus
 * reads that as a counter reset).
 */
export class InstallationLabels {
  private readonly entries = new Map<number, InstallationEntry>();
  private last: number | undefined;

  constructor(
    private readonly max: number,
    private readonly onEvict: (entry: InstallationEntry) => void,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`the installations kept must be a positive integer, not ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The installation's label sets, made on first sight; it becomes the most recently seen. */
  get(installationId: number): InstallationEntry {
    let entry = this.entries.get(installationId);
    if (entry) {
      // Most recent last: re-inserted unless it already is.
      if (this.last !== installationId) {
        this.entries.delete(installationId);
        this.entries.set(installationId, entry);
        this.last = installationId;
      }
      return entry;
    }
    if (this.entries.size >= this.max) {
      const [oldestId, oldest] = this.entries.entries().next().value!;
      this.entries.delete(oldestId);
      this.onEvict(oldest);
    }
    const installation = String(installationId);
    const calls = Object.fromEntries(STATUS_CLASSES.map((status) => [status, { installation, status }])) as InstallationEntry["calls"];
    entry = { labels: { installation }, calls };
    this.entries.set(installationId, entry);
    this.last = installationId;
    return entry;
  }
}
