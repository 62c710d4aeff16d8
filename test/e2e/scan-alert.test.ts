import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examplePayload, exampleWhere, fakeSlack, startTestApp, type TestApp } from "../helpers/app.js";
import { ROOT } from "../helpers/fixtures.js";
import { fakeGraphQL, type FakeFile } from "../helpers/github.js";

const API = "https://api.github.com";
const SEED = readFileSync(`${ROOT}examples/.governance/auto-fix-high-severity.json`, "utf8");
const COMMIT = "a".repeat(40);

/** The Codertocat/Hello-World repository of the example payloads, default branch master. */
function serveDefaultBranch(files: FakeFile[]) {
  return fakeGraphQL(API, { master: { commit: COMMIT, files } });
}

describe("a code-scanning alert runs the original design's workflow", () => {
  let app: TestApp;
  let slack: Awaited<ReturnType<typeof fakeSlack>>;

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    slack = await fakeSlack();
    app = await startTestApp({ channels: { "#sec-team": `${slack.url}/services/T0/B0/secret` } });
  });
  afterEach(async () => {
    await app.close();
    await slack.close();
    nock.enableNetConnect();
  });

  function expectIssueAndChecks() {
    const bodies: Record<string, any> = {};
    const scope = nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs", (b) => {
        bodies.created = b;
        return true;
      })
      .reply(201, { id: 77, html_url: "https://github.com/Codertocat/Hello-World/runs/77" })
      .post("/repos/Codertocat/ops/issues", (b) => {
        bodies.issue = b;
        return true;
      })
      .reply(201, { number: 5, html_url: "https://github.com/Codertocat/ops/issues/5" })
      .patch("/repos/Codertocat/Hello-World/check-runs/77", (b) => {
        bodies.completed = b;
        return true;
      })
      .reply(200, { id: 77 });
    return { scope, bodies };
  }

  it("opens the issue once, notifies #sec-team once, and reports on a check run", async () => {
    const graphql = serveDefaultBranch([{ name: "auto-fix.json", text: SEED }]);
    const { scope, bodies } = expectIssueAndChecks();
    const payload = examplePayload("code_scanning_alert", "created");

    await app.deliver("delivery-1", "code_scanning_alert", payload);

    expect(scope.isDone()).toBe(true);
    // The cold folder in one request: the listing carries the texts.
    expect(graphql.queries).toEqual(["list+texts master"]);
    expect(bodies.created).toMatchObject({
      name: "governance / Auto-fix high severity findings",
      head_sha: payload.commit_oid,
      status: "in_progress",
    });
    expect(bodies.created.external_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodies.issue.title).toBe("[high] Query built from user-controlled sources");
    expect(bodies.issue.body).toContain("java/sql-injection");
    expect(bodies.issue.body).toMatch(/<!-- governance:issue:[0-9a-f]{24} -->$/);
    expect(bodies.completed).toMatchObject({ status: "completed", conclusion: "success", output: { title: "Succeeded: 2 of 2 steps" } });
    expect(bodies.completed.output.summary).toContain("[issue #5](<https://github.com/Codertocat/ops/issues/5>)");
    expect(bodies.completed.output.text).toContain("opened issue #5 in Codertocat/ops");
    expect(slack.messages).toEqual([{ path: "/services/T0/B0/secret", text: expect.stringContaining("Query built from user-controlled sources") }]);

    const [run] = await app.store.listRuns();
    expect(run).toMatchObject({ status: "succeeded", workflowId: "uuid-1", workflowCommit: COMMIT, workflowPath: ".governance/auto-fix.json", checkRunId: 77 });
    const stored = await app.store.getRun(run!.id);
    expect(stored!.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["s1", "succeeded"],
      ["s2", "succeeded"],
    ]);
    expect(stored!.log.some((l) => l.message.includes("run succeeded"))).toBe(true);
  });

  it("never starts a second run for a redelivered webhook", async () => {
    serveDefaultBranch([{ name: "auto-fix.json", text: SEED }]);
    const { scope } = expectIssueAndChecks();
    const payload = examplePayload("code_scanning_alert", "created");
    await app.deliver("delivery-1", "code_scanning_alert", payload);
    await app.deliver("delivery-1", "code_scanning_alert", payload);
    expect(scope.isDone()).toBe(true);
    expect(await app.store.listRuns()).toHaveLength(1);
    expect(slack.messages).toHaveLength(1);
  });

  it("makes one run and one issue of two events for the same alert", async () => {
    serveDefaultBranch([{ name: "auto-fix.json", text: SEED }]);
    const { scope } = expectIssueAndChecks();
    const created = examplePayload("code_scanning_alert", "created");
    const appeared = { ...structuredClone(created), action: "appeared_in_branch" };
    await app.deliver("delivery-1", "code_scanning_alert", created);
    await app.deliver("delivery-2", "code_scanning_alert", appeared);
    expect(scope.isDone()).toBe(true);
    expect(await app.store.listRuns()).toHaveLength(1);
    expect(slack.messages).toHaveLength(1);
  });

  it("records 50 concurrent copies of one delivery once", async () => {
    serveDefaultBranch([{ name: "auto-fix.json", text: SEED }]);
    const { scope } = expectIssueAndChecks();
    const payload = examplePayload("code_scanning_alert", "created");
    await Promise.all(Array.from({ length: 50 }, () => app.probot.receive({ id: "delivery-x", name: "code_scanning_alert", payload } as never)));
    await app.services.worker.drain();
    expect(scope.isDone()).toBe(true);
    expect(await app.store.listRuns()).toHaveLength(1);
    expect(slack.messages).toHaveLength(1);
  });

  it("runs the good workflow when a broken one sits beside it", async () => {
    serveDefaultBranch([
      { name: "auto-fix.json", text: SEED },
      { name: "broken.yml", text: "name: Broken\nversion: 1.0.0\ntriggers: [{ type: onScanResult }]\nsteps:\n  - id: s1\n    type: action\n    action: { kind: createIsue }\n" },
    ]);
    const { scope } = expectIssueAndChecks();
    await app.deliver("delivery-1", "code_scanning_alert", examplePayload("code_scanning_alert", "created"));
    expect(scope.isDone()).toBe(true);
    const runs = await app.store.listRuns();
    expect(runs.map((r) => r.workflowPath)).toEqual([".governance/auto-fix.json"]);
  });

  it("reads a repository's policy once, and again only after a push to its default branch", async () => {
    // Content no other test served: the blob cache (shared, content-addressed) has not seen it.
    const graphql = serveDefaultBranch([{ name: "auto-fix.json", text: `${SEED}\n\n` }]);
    expectIssueAndChecks();
    const created = examplePayload("code_scanning_alert", "created");
    await app.deliver("delivery-1", "code_scanning_alert", created);
    // A low-severity alert: the policy is known already (no request) and does not match.
    const note = examplePayload("code_scanning_alert", "reopened", 2);
    await app.deliver("delivery-2", "code_scanning_alert", note);
    expect(graphql.queries).toEqual(["list+texts master"]);
    expect(await app.store.listRuns()).toHaveLength(1);
    // A push to the default branch: the next delivery reads the folder again.
    const push = { ...exampleWhere("push", () => true), repository: created.repository, installation: created.installation, ref: `refs/heads/${String(created.repository.default_branch)}`, commits: [] };
    await app.deliver("delivery-3", "push", push).catch(() => undefined);
    const before = graphql.queries.filter((q) => q.startsWith("list")).length;
    await app.deliver("delivery-4", "code_scanning_alert", { ...note, alert: { ...note.alert, number: 9_999 } });
    expect(graphql.queries.filter((q) => q.startsWith("list")).length).toBe(before + 1);
  });

  it("fails the notify step with advice when the channel is not configured", async () => {
    await app.close();
    app = await startTestApp({ channels: {} });
    serveDefaultBranch([{ name: "auto-fix.json", text: SEED }]);
    const { scope, bodies } = expectIssueAndChecks();
    await app.deliver("delivery-1", "code_scanning_alert", examplePayload("code_scanning_alert", "created"));
    expect(scope.isDone()).toBe(true);
    expect(bodies.completed).toMatchObject({ conclusion: "failure" });
    const [run] = await app.store.listRuns();
    const stored = await app.store.getRun(run!.id);
    expect(stored!.status).toBe("failed");
    expect(stored!.steps[1]).toMatchObject({ stepId: "s2", status: "failed", error: expect.stringContaining('add notify.channels["#sec-team"].webhookUrl to the operator configuration') });
  });
});
