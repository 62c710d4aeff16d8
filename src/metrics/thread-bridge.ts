/**
 * Metrics across the engine thread: the engine's counters live in its own registry, in its own
 * thread. The main thread asks it over the thread's message port (`metrics`), the engine thread
 * answers with its registry as JSON, and the main thread merges the two (prom-client's
 * AggregatorRegistry) into the one text /metrics serves.
 */
import { AggregatorRegistry, type Registry } from "prom-client";

/** A registry's metrics as JSON (`registry.getMetricsAsJSON()`): plain data, cloned across threads. */
export type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/** The main thread's request. */
export interface MetricsRequest {
  type: "metrics";
  id: number;
}

/** The engine thread's answer. */
export interface MetricsAnswer {
  type: "metrics";
  id: number;
  metrics: MetricsJson;
}

const isMessage = (message: unknown): message is { type: unknown; id: unknown } => typeof message === "object" && message !== null && "type" in message;

export function isMetricsRequest(message: unknown): message is MetricsRequest {
  return isMessage(message) && message.type === "metrics" && typeof message.id === "number" && !("metrics" in message);
}

export function isMetricsAnswer(message: unknown): message is MetricsAnswer {
  return isMessage(message) && message.type === "metrics" && typeof message.id === "number" && Array.isArray((message as { metrics?: unknown }).metrics);
}

/** The engine thread's side: answers a request with its registry (an empty answer if reading it failed). */
export async function answerMetricsRequest(registry: Registry, request: MetricsRequest, port: { postMessage(value: unknown): void }): Promise<void> {
  const metrics = await registry.getMetricsAsJSON().catch((): MetricsJson => []);
  port.postMessage({ type: "metrics", id: request.id, metrics } satisfies MetricsAnswer);
}

/** How long the main thread waits for the engine thread's metrics before serving its own alone. */
export const ENGINE_METRICS_TIMEOUT_MS = 2_000;

/**
 * The main thread's side: sends requests with `post` (the thread's postMessage) and resolves
 * them when `receive` is given the answer (from the thread's "message" event). Resolves
 * undefined when no answer comes in time (the thread is busy, restarting, or gone).
 */
export class EngineMetricsClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (metrics: MetricsJson | undefined) => void>();

  constructor(
    private readonly post: (request: MetricsRequest) => void,
    private readonly timeoutMs = ENGINE_METRICS_TIMEOUT_MS,
  ) {}

  request(): Promise<MetricsJson | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(id, undefined), this.timeoutMs);
      timer.unref();
      this.waiting.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      try {
        this.post({ type: "metrics", id });
      } catch {
        this.settle(id, undefined);
      }
    });
  }

  /** Takes a message from the thread; true when it was a metrics answer (handled here). */
  receive(message: unknown): boolean {
    if (!isMetricsAnswer(message)) return false;
    this.settle(message.id, message.metrics);
    return true;
  }

  private settle(id: number, metrics: MetricsJson | undefined): void {
    const resolve = this.waiting.get(id);
    if (!resolve) return;
    this.waiting.delete(id);
    resolve(metrics);
  }
}

/** What /metrics serves: the text and its content type. */
export interface MetricsText {
  contentType: string;
  text: string;
}

/**
 * The text /metrics serves: this thread's registry, merged with the engine thread's when there
 * is one (`engine`, answering undefined when it could not be asked). With an engine thread,
 * `governance_engine_thread_up` says whether its metrics are in the answer.
 */
export function metricsText(registry: Registry, engine?: () => Promise<MetricsJson | undefined>): () => Promise<MetricsText> {
  if (!engine) return async () => ({ contentType: registry.contentType, text: await registry.metrics() });
  return async () => {
    const [own, theirs] = await Promise.all([registry.getMetricsAsJSON(), engine().catch(() => undefined)]);
    const up = { name: "governance_engine_thread_up", help: "Whether the engine thread answered this scrape (1), or its metrics are missing from it (0).", type: "gauge", values: [{ value: theirs ? 1 : 0, labels: {} }], aggregator: "sum" };
    const merged = AggregatorRegistry.aggregate([[...own, up] as MetricsJson, ...(theirs ? [theirs] : [])]);
    return { contentType: registry.contentType, text: await merged.metrics() };
  };
}
