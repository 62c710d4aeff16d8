import { describe, expect, it } from "vitest";
import { FixedFigures } from "../../src/domain/figures-port.js";
import { noMetrics } from "../../src/domain/metrics-port.js";
import { createMetrics } from "../../src/metrics/prom-metrics.js";
import { seriesOf, valueOf } from "./values.js";

/** Figures as engine/reconcile.ts declares its own: an interface, without an index signature. */
interface Figures {
  checked: number;
  repaired: number;
}

describe("the metrics over a registry of their own", () => {
  it("counts deliveries by event and outcome, runs and steps; several apps never share a registry", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.deliveryRecorded("pull_request", "accepted");
    a.deliveryRecorded("pull_request", "accepted");
    a.deliveryRecorded("pull_request", "duplicate");
    a.runStarted();
    a.runFinished("failed");
    a.stepFinished("notify", "succeeded", 0.02);
    expect(await valueOf(a.registry, "governance_webhook_deliveries_total", { event: "pull_request", outcome: "accepted" })).toBe(2);
    expect(await valueOf(a.registry, "governance_webhook_deliveries_total", { event: "pull_request", outcome: "duplicate" })).toBe(1);
    expect(await valueOf(a.registry, "governance_runs_started_total")).toBe(1);
    expect(await valueOf(a.registry, "governance_runs_finished_total", { status: "failed" })).toBe(1);
    expect(await valueOf(a.registry, "governance_step_duration_seconds", { kind: "notify", status: "succeeded" }, "governance_step_duration_seconds_count")).toBe(1);
    expect(await valueOf(a.registry, "governance_step_duration_seconds", { kind: "notify", status: "succeeded", le: 0.025 }, "governance_step_duration_seconds_bucket")).toBe(1);
    expect(await valueOf(b.registry, "governance_webhook_deliveries_total", { event: "pull_request", outcome: "accepted" })).toBeUndefined();
  });

  it("writes the Prometheus text format: HELP and TYPE lines, then the values", async () => {
    const m = createMetrics();
    m.deliveryRecorded("issue_comment", "skipped");
    m.githubCall(42, 200);
    m.rateLimit(42, 4999);
    const text = await m.registry.metrics();
    expect(m.registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain("# HELP governance_webhook_deliveries_total ");
    expect(text).toContain("# TYPE governance_webhook_deliveries_total counter");
    expect(text).toContain('governance_webhook_deliveries_total{event="issue_comment",outcome="skipped"} 1');
    expect(text).toContain("# TYPE governance_step_duration_seconds histogram");
    expect(text).toContain('governance_github_requests_total{installation="42",status="2xx"} 1');
    expect(text).toContain('governance_github_rate_limit_remaining{installation="42"} 4999');
    // Every sample line is `name{labels} value` of a governance_ metric.
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#"))) expect(line).toMatch(/^governance_[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$/);
  });

  it("keeps only the most recently seen installations as label values, dropping the others' series", async () => {
    const m = createMetrics({ maxInstallations: 3 });
    for (const id of [1, 2, 3]) {
      m.githubCall(id, 200);
      m.rateLimit(id, 100 + id);
    }
    m.githubCall(1, 404); // 1 is now the most recent; 2 the least
    m.githubCall(4, 500);
    m.rateLimit(5, 10);
    const installations = (await seriesOf(m.registry, "governance_github_requests_total")).map((l) => l.installation);
    // 2 then 3 were evicted (the least recently seen); 5 has a rate limit but no calls.
    expect([...new Set(installations)].sort()).toEqual(["1", "4"]);
    expect((await seriesOf(m.registry, "governance_github_rate_limit_remaining")).map((l) => l.installation).sort()).toEqual(["1", "5"]);
    expect(await valueOf(m.registry, "governance_github_requests_total", { installation: 1, status: "4xx" })).toBe(1);
    expect(await valueOf(m.registry, "governance_metrics_installations_evicted_total")).toBe(2);
    // Thousands of installations: the series stay bounded.
    const many = createMetrics({ maxInstallations: 50 });
    for (let id = 0; id < 5_000; id++) many.githubCall(id, 200);
    expect(await seriesOf(many.registry, "governance_github_requests_total")).toHaveLength(50);
  });

  it("bounds the other labels too, and never throws on bad values", async () => {
    const m = createMetrics();
    for (let i = 0; i < 200; i++) m.stepFinished(`kind-${i}`, "succeeded", 0.001);
    const kinds = new Set((await seriesOf(m.registry, "governance_step_duration_seconds")).map((l) => l.kind));
    expect(kinds.size).toBeLessThanOrEqual(65);
    expect(kinds).toContain("other");
    expect(() => {
      m.stepFinished("notify", "failed", Number.NaN);
      m.stepFinished("notify", "failed", -1);
      m.rateLimit(1, Number.NaN);
      m.githubCall(1, Number.NaN);
      m.reconcilePass({ checked: Number.NaN, repaired: -2 });
    }).not.toThrow();
    expect(await valueOf(m.registry, "governance_github_requests_total", { installation: 1, status: "error" })).toBe(1);
  });

  it("counts reconcile passes and what they counted (the pass's own figures, an interface, as they are)", async () => {
    const m = createMetrics();
    const pass = (checked: number, repaired: number): Figures => ({ checked, repaired });
    m.reconcilePass(pass(10, 2));
    m.reconcilePass(pass(5, 0));
    expect(await valueOf(m.registry, "governance_reconcile_passes_total")).toBe(2);
    expect(await valueOf(m.registry, "governance_reconcile_items_total", { figure: "checked" })).toBe(15);
    expect(await valueOf(m.registry, "governance_reconcile_items_total", { figure: "repaired" })).toBe(2);
  });

  it("reads the queue and the runs from the store on each scrape, once for all the gauges", async () => {
    const figures = new FixedFigures();
    const m = createMetrics({ figures });
    figures.queue = { due: 3, running: 2, scheduled: 7, oldestDueAgeSeconds: 12.5 };
    figures.runs = { ...figures.runs, running: 4, succeeded: 9 };
    const text = await m.registry.metrics();
    expect(figures.asked).toBe(2); // queueFigures and runCounts, once each
    expect(text).toContain('governance_queue_jobs{state="due"} 3');
    expect(text).toContain('governance_queue_jobs{state="running"} 2');
    expect(text).toContain('governance_queue_jobs{state="scheduled"} 7');
    expect(text).toContain("governance_queue_oldest_due_age_seconds 12.5");
    expect(text).toContain('governance_runs{status="running"} 4');
    expect(text).toContain('governance_runs{status="pending"} 0');
    figures.queue = { ...figures.queue, due: 0, oldestDueAgeSeconds: 0 };
    await new Promise((resolve) => setImmediate(resolve));
    expect(await m.registry.metrics()).toContain('governance_queue_jobs{state="due"} 0');
    expect(figures.asked).toBe(4);
  });

  it("a failed store read keeps the last figures and is counted; the scrape still answers", async () => {
    const figures = new FixedFigures();
    figures.queue.due = 5;
    const m = createMetrics({ figures });
    await m.registry.metrics();
    await new Promise((resolve) => setImmediate(resolve));
    figures.queueFigures = async () => {
      throw new Error("database is locked");
    };
    const text = await m.registry.metrics();
    expect(text).toContain('governance_queue_jobs{state="due"} 5');
    expect(text).toContain("governance_metrics_store_read_failures_total 1");
  });

  it("the no-op default takes every call", () => {
    expect(() => {
      noMetrics.deliveryRecorded("push", "accepted");
      noMetrics.stepFinished("notify", "succeeded", 1);
      noMetrics.githubCall(1, 200);
    }).not.toThrow();
  });
});
