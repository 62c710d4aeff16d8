import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { metricsHandler } from "../../src/metrics/metrics-handler.js";
import { createMetrics } from "../../src/metrics/prom-metrics.js";
import { answerMetricsRequest, EngineMetricsClient, isMetricsRequest, metricsText } from "../../src/metrics/thread-bridge.js";
import { FixedFigures } from "../../src/domain/figures-port.js";

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** An engine thread's side over a message channel (what engine-thread.ts does over parentPort), and the main thread's client. */
function engineOverChannel(engine = createMetrics(), timeoutMs?: number) {
  const { port1: main, port2: thread } = new MessageChannel();
  thread.on("message", (message: unknown) => {
    if (isMetricsRequest(message)) void answerMetricsRequest(engine.registry, message, thread);
  });
  const client = new EngineMetricsClient((request) => main.postMessage(request), timeoutMs);
  main.on("message", (message: unknown) => client.receive(message));
  closers.push(() => {
    main.close();
    thread.close();
  });
  return { engine, client };
}

describe("the engine thread's metrics reach /metrics through the thread's port", () => {
  it("merges the two registries: each one's series, the shared counters summed, histograms bucket by bucket", async () => {
    const figures = new FixedFigures();
    figures.queue = { due: 4, running: 1, scheduled: 0, oldestDueAgeSeconds: 30 };
    const main = createMetrics({ figures });
    const { engine, client } = engineOverChannel();
    main.deliveryRecorded("pull_request", "accepted");
    engine.runStarted();
    engine.runStarted();
    main.runStarted(); // in a single-thread deployment the main registry counts runs too: summed
    engine.stepFinished("notify", "succeeded", 0.2);
    main.stepFinished("notify", "succeeded", 0.4);
    engine.githubCall(5, 200);
    engine.rateLimit(5, 4000);
    const { text, contentType } = await metricsText(main.registry, () => client.request())();
    expect(contentType).toBe(main.registry.contentType);
    expect(text).toContain('governance_webhook_deliveries_total{event="pull_request",outcome="accepted"} 1');
    expect(text).toContain("governance_runs_started_total 3");
    expect(text).toContain('governance_step_duration_seconds_count{kind="notify",status="succeeded"} 2');
    expect(text).toContain('governance_step_duration_seconds_bucket{le="0.25",kind="notify",status="succeeded"} 1');
    expect(text).toContain('governance_step_duration_seconds_bucket{le="0.5",kind="notify",status="succeeded"} 2');
    expect(text).toMatch(/governance_step_duration_seconds_sum\{kind="notify",status="succeeded"\} 0\.6\d*/);
    expect(text).toContain('governance_github_requests_total{installation="5",status="2xx"} 1');
    expect(text).toContain('governance_github_rate_limit_remaining{installation="5"} 4000');
    expect(text).toContain('governance_queue_jobs{state="due"} 4');
    expect(text).toContain("governance_engine_thread_up 1");
    expect(text).toContain("# HELP governance_engine_thread_up ");
    expect(text).toContain("# TYPE governance_runs_started_total counter");
  });

  it("an engine thread that does not answer in time: the main thread's metrics alone, and up 0", async () => {
    const main = createMetrics();
    main.deliveryRecorded("push", "accepted");
    const client = new EngineMetricsClient(() => {}, 20);
    const { text } = await metricsText(main.registry, () => client.request())();
    expect(text).toContain("governance_engine_thread_up 0");
    expect(text).toContain('governance_webhook_deliveries_total{event="push",outcome="accepted"} 1');
    // A late answer is dropped; a stray message is not the client's.
    expect(client.receive({ type: "metrics", id: 1, metrics: [] })).toBe(true);
    expect(client.receive({ type: "notify" })).toBe(false);
  });

  it("answers concurrent scrapes each with its own request", async () => {
    const { engine, client } = engineOverChannel();
    engine.runFinished("succeeded");
    const [a, b] = await Promise.all([client.request(), client.request()]);
    expect(a?.find((m) => m.name === "governance_runs_finished_total")?.values).toEqual([{ value: 1, labels: { status: "succeeded" } }]);
    expect(b).toEqual(a);
  });
});

describe("GET /metrics", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: ReturnType<typeof metricsHandler>): Promise<string> {
    server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("serves the text format with its content type; only GET and HEAD; other paths are not its", async () => {
    const metrics = createMetrics();
    metrics.deliveryRecorded("issues", "accepted");
    const base = await serve(metricsHandler(metricsText(metrics.registry)));
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(metrics.registry.contentType);
    const text = await res.text();
    expect(text).toContain("# TYPE governance_webhook_deliveries_total counter");
    expect(text).toContain('governance_webhook_deliveries_total{event="issues",outcome="accepted"} 1');
    expect((await fetch(`${base}/metrics?x=1`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${base}/healthz`)).status).toBe(404);
  });

  it("answers 500 when the metrics cannot be read", async () => {
    const base = await serve(metricsHandler(() => Promise.reject(new Error("no"))));
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "could not read the metrics" });
  });
});

describe("a worker process's own metrics server", () => {
  it("serves /metrics on its port, 404 elsewhere, and closes", async () => {
    const { startMetricsServer } = await import("../../src/metrics/metrics-server.js");
    const metrics = createMetrics();
    metrics.runFinished("succeeded");
    const server = await startMetricsServer({ port: 0, host: "127.0.0.1", read: metricsText(metrics.registry) });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(await res.text()).toContain('governance_runs_finished_total{status="succeeded"} 1');
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
