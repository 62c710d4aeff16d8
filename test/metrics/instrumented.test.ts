import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/domain/ports.js";
import { countGitHubCalls } from "../../src/github/call-metrics.js";
import { octokitPort } from "../../src/github/octokit-port.js";
import { registerWebhooks, type WebhookContext } from "../../src/handlers/register.js";
import { createMetrics } from "../../src/metrics/prom-metrics.js";
import { openStore } from "../../src/store/open-store.js";
import { examplePayload } from "../helpers/app.js";
import { engineDeps, FakeClock, resume, seedRun, workflowFrom } from "../helpers/engine.js";
import { valueOf } from "./values.js";

const silent = { debug() {}, info() {}, warn() {} };
let store: Store;
let clock: FakeClock;

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  clock = new FakeClock();
  nock.disableNetConnect();
});
afterEach(async () => {
  await store.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The example pull_request.opened, from an installation. */
const opened = () => ({ ...examplePayload("pull_request", "opened"), installation: { id: 1 } });

/** The handlers' route over a Probot stand-in that only takes registrations. */
function route(metrics: ReturnType<typeof createMetrics>) {
  const app = { on() {} } as never;
  return registerWebhooks(app, { store, clock, wake() {}, metrics });
}

describe("deliveries are counted as the handlers record them", () => {
  it("accepted, then a redelivery, then an event with nothing to do, then one that lacks its fields", async () => {
    const metrics = createMetrics();
    const handle = route(metrics);
    const event = (id: string, name: string, payload: unknown): WebhookContext => ({ id, name, payload, log: silent });
    expect(await handle(event("d-1", "pull_request", opened()))).toBe(true);
    await handle(event("d-1", "pull_request", opened()));
    await handle(event("d-2", "pull_request", { action: "opened" }));
    await handle(event("d-3", "pull_request", { ...opened(), pull_request: { number: "five" } }));
    const labels = (outcome: string) => ({ event: "pull_request", outcome });
    const count = (outcome: string) => valueOf(metrics.registry, "governance_webhook_deliveries_total", labels(outcome));
    expect(await count("accepted")).toBe(1);
    expect(await count("duplicate")).toBe(1);
    expect(await count("skipped")).toBe(1);
    expect(await count("invalid")).toBe(1);
    // An event no handler takes is not counted (its name could be anything).
    expect(await handle(event("d-4", "made_up_event", {}))).toBe(false);
    expect(await metrics.registry.metrics()).not.toContain("made_up_event");
  });

  it("a store failure counts as failed, and the handler still fails", async () => {
    const metrics = createMetrics();
    const handle = route(metrics);
    await store.close();
    await expect(handle({ id: "d-9", name: "pull_request", payload: opened(), log: silent })).rejects.toThrow();
    expect(await valueOf(metrics.registry, "governance_webhook_deliveries_total", { event: "pull_request", outcome: "failed" })).toBe(1);
    store = await openStore("sqlite::memory:");
  });
});

describe("runs and steps are counted as the runner executes them", () => {
  it("a run's start and end, and each step's duration by kind and the status it left", async () => {
    const wf = workflowFrom(`
name: Counted
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: split
    type: decision
    next: { when: [{ if: "pullRequest.number == 5", then: [broken, fine] }] }
  - id: broken
    type: action
    action: { kind: runScript, parameters: { script: x } }
    next: []
  - id: fine
    type: action
    action: { kind: notify, parameters: { comment: "counted" } }
    next: []
`);
    await seedRun(store, wf, clock);
    const metrics = createMetrics();
    const deps = { ...engineDeps(store, clock), metrics };
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("failed");
    const count = (kind: string, status: string) => valueOf(metrics.registry, "governance_step_duration_seconds", { kind, status }, "governance_step_duration_seconds_count");
    expect(await count("decision", "succeeded")).toBe(1);
    expect(await count("runScript", "failed")).toBe(1);
    expect(await count("notify", "succeeded")).toBe(1);
    const sum = await valueOf(metrics.registry, "governance_step_duration_seconds", { kind: "notify", status: "succeeded" }, "governance_step_duration_seconds_sum");
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(5);
    expect(await valueOf(metrics.registry, "governance_runs_started_total")).toBe(1);
    expect(await valueOf(metrics.registry, "governance_runs_finished_total", { status: "failed" })).toBe(1);
    // A job that comes back for the finished run counts nothing again.
    await resume(deps, "run-1");
    expect(await valueOf(metrics.registry, "governance_runs_started_total")).toBe(1);
    expect(await valueOf(metrics.registry, "governance_runs_finished_total", { status: "failed" })).toBe(1);
  });

  it("a waiting step is counted waiting; the run is started, not finished", async () => {
    const wf = workflowFrom(`
name: Waits
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: pause
    type: wait
    wait: { duration: 1h }
`);
    await seedRun(store, wf, clock);
    const metrics = createMetrics();
    const deps = { ...engineDeps(store, clock), metrics };
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("running");
    expect(await valueOf(metrics.registry, "governance_step_duration_seconds", { kind: "wait", status: "waiting" }, "governance_step_duration_seconds_count")).toBe(1);
    expect(await valueOf(metrics.registry, "governance_runs_started_total")).toBe(1);
    expect(await metrics.registry.metrics()).not.toMatch(/^governance_runs_finished_total\{/m);
  });
});

describe("GitHub calls are counted per installation, with the rate limit GitHub reports", () => {
  const API = "https://api.github.com";
  const octokit = () => new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } });

  it("reads x-ratelimit-remaining from answers and from errors", async () => {
    const metrics = createMetrics();
    const port = octokitPort(countGitHubCalls(octokit(), 77, metrics));
    nock(API).get("/repos/acme/api").reply(200, { default_branch: "main" }, { "x-ratelimit-remaining": "4321" });
    nock(API).get("/repos/acme/api/collaborators/someone/permission").reply(404, { message: "Not Found" }, { "x-ratelimit-remaining": "4320" });
    expect(await port.getDefaultBranch({ owner: "acme", repo: "api" })).toBe("main");
    expect(await valueOf(metrics.registry, "governance_github_rate_limit_remaining", { installation: 77 })).toBe(4321);
    expect(await port.getPermission({ owner: "acme", repo: "api" }, "someone")).toBe("none");
    expect(await valueOf(metrics.registry, "governance_github_requests_total", { installation: 77, status: "2xx" })).toBe(1);
    expect(await valueOf(metrics.registry, "governance_github_requests_total", { installation: 77, status: "4xx" })).toBe(1);
    expect(await valueOf(metrics.registry, "governance_github_rate_limit_remaining", { installation: 77 })).toBe(4320);
  });

  it("counts GraphQL and a request that got no answer; an answer without the header leaves the gauge", async () => {
    const metrics = createMetrics();
    const client = countGitHubCalls(octokit(), 8, metrics);
    nock(API).post("/graphql").reply(200, { data: { viewer: { login: "x" } } }, { "x-ratelimit-remaining": "99" });
    nock(API).get("/rate_limit").reply(200, {});
    nock(API).get("/zen").replyWithError("socket hang up");
    await client.graphql("{ viewer { login } }");
    await client.request("GET /rate_limit");
    await expect(client.request("GET /zen")).rejects.toThrow();
    expect(await valueOf(metrics.registry, "governance_github_requests_total", { installation: 8, status: "2xx" })).toBe(2);
    expect(await valueOf(metrics.registry, "governance_github_requests_total", { installation: 8, status: "error" })).toBe(1);
    expect(await valueOf(metrics.registry, "governance_github_rate_limit_remaining", { installation: 8 })).toBe(99);
  });
});
