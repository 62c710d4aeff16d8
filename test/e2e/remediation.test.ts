/**
 * runRemediation through the app, with GitHub behind nock: a code-scanning alert dispatches a
 * fix workflow on the default branch (inputs checked against the workflow file), the
 * `workflow_run` webhook of that run ends the wait, and the check run links the run.
 */
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examplePayload, startTestApp, type TestApp } from "../helpers/app.js";
import { fakeGraphQL } from "../helpers/github.js";

const API = "https://api.github.com";
const COMMIT = "a".repeat(40);

const WORKFLOW = `name: Dispatch the fix
version: 1.0.0
triggers: [{ type: onScanResult, config: { minSeverity: high } }]
steps:
  - id: fix
    type: action
    action:
      kind: runRemediation
      parameters:
        workflow: fix.yml
        inputs: { rule: "\${{ finding.rule }}" }
        timeout: 1h
    next: { success: [], failure: [page] }
  - id: page
    type: action
    action: { kind: createIssue, parameters: { title: "The fix failed" } }
    next: []
`;

const FIX_YML = `name: fix
on:
  workflow_dispatch:
    inputs:
      rule: { required: true, type: string }
jobs: {}
`;

function workflowRunPayload(id: number, conclusion: string, event = "workflow_dispatch"): Record<string, any> {
  const payload = examplePayload("workflow_run", "completed", 1);
  // The run is of the alert's repository (the example's is another).
  const { repository } = examplePayload("code_scanning_alert", "created");
  return {
    ...payload,
    repository,
    installation: { id: 2 },
    workflow_run: { ...payload.workflow_run, id, event, path: ".github/workflows/fix.yml", status: "completed", conclusion, created_at: new Date().toISOString(), html_url: `https://github.com/Codertocat/Hello-World/actions/runs/${id}`, triggering_actor: { login: "governance[bot]" } },
  };
}

describe("a finding dispatches a fix and waits for its run", () => {
  let app: TestApp;
  beforeEach(async () => {
    nock.disableNetConnect();
    app = await startTestApp();
  });
  afterEach(async () => {
    await app.close();
    nock.enableNetConnect();
  });

  it("dispatches on the default branch with return_run_details, and the run's completion ends the step", async () => {
    fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "fix.yml", text: WORKFLOW }] } });
    const bodies: Record<string, any> = {};
    nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(201, { id: 41, html_url: "https://github.com/Codertocat/Hello-World/runs/41" })
      .get("/repos/Codertocat/Hello-World/contents/.github%2Fworkflows%2Ffix.yml")
      .query({ ref: "master" })
      .reply(200, { type: "file", encoding: "base64", content: Buffer.from(FIX_YML).toString("base64") })
      .post("/repos/Codertocat/Hello-World/actions/workflows/fix.yml/dispatches", (b) => ((bodies.dispatch = b), true))
      .reply(200, { workflow_run_id: 9001, run_url: `${API}/repos/Codertocat/Hello-World/actions/runs/9001`, html_url: "https://github.com/Codertocat/Hello-World/actions/runs/9001" })
      .patch("/repos/Codertocat/Hello-World/check-runs/41", (b) => ((bodies.waiting = b), true))
      .reply(200, {});

    await app.deliver("alert-1", "code_scanning_alert", examplePayload("code_scanning_alert", "created"));
    expect(bodies.dispatch).toEqual({ ref: "master", inputs: { rule: "java/sql-injection" }, return_run_details: true });
    const [listed] = await app.store.listRuns();
    expect(listed).toMatchObject({ status: "running" });
    expect(bodies.waiting.output.summary).toContain("[workflow run](<https://github.com/Codertocat/Hello-World/actions/runs/9001>)");

    const done = nock(API).patch("/repos/Codertocat/Hello-World/check-runs/41", (b) => ((bodies.done = b), true)).reply(200, {});
    await app.deliver("run-other", "workflow_run", workflowRunPayload(9002, "failure"));
    expect((await app.store.getRun(listed!.id))!.status).toBe("running");
    await app.deliver("run-9001", "workflow_run", workflowRunPayload(9001, "success"));
    expect(done.isDone()).toBe(true);
    const run = (await app.store.getRun(listed!.id))!;
    expect(run.status).toBe("succeeded");
    expect(run.steps[0]).toMatchObject({ outcome: "success", outputs: { conclusion: "success", runId: 9001 } });
    expect(bodies.done).toMatchObject({ conclusion: "success" });
  });

  it("on a GitHub that does not know return_run_details, dispatches without it and recognises the run by its first workflow_run", async () => {
    fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "fix.yml", text: WORKFLOW }] } });
    const dispatches: any[] = [];
    nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(201, { id: 42, html_url: "https://github.com/Codertocat/Hello-World/runs/42" })
      .get("/repos/Codertocat/Hello-World/contents/.github%2Fworkflows%2Ffix.yml")
      .query({ ref: "master" })
      .reply(404, { message: "Not Found" })
      .post("/repos/Codertocat/Hello-World/actions/workflows/fix.yml/dispatches", (b) => (dispatches.push(b), true))
      .reply(422, { message: "Invalid request.\n\n\"return_run_details\" is not a permitted key." })
      .post("/repos/Codertocat/Hello-World/actions/workflows/fix.yml/dispatches", (b) => (dispatches.push(b), true))
      .reply(204)
      .get("/repos/Codertocat/Hello-World/check-runs/42")
      .reply(200, { id: 42, app: { id: 1, slug: "governance" } })
      .patch("/repos/Codertocat/Hello-World/check-runs/42")
      .reply(200, {});

    await app.deliver("alert-2", "code_scanning_alert", examplePayload("code_scanning_alert", "created"));
    expect(dispatches).toEqual([
      { ref: "master", inputs: { rule: "java/sql-injection" }, return_run_details: true },
      { ref: "master", inputs: { rule: "java/sql-injection" } },
    ]);
    const [listed] = await app.store.listRuns();
    expect((await app.store.getRun(listed!.id))!.steps[0]).toMatchObject({ status: "waiting", waiting: { target: "dispatch:Codertocat/Hello-World:.github/workflows/fix.yml" } });

    nock(API)
      .post("/repos/Codertocat/Hello-World/issues")
      .reply(201, { number: 3, html_url: "https://github.com/Codertocat/Hello-World/issues/3" })
      .patch("/repos/Codertocat/Hello-World/check-runs/42")
      .reply(200, {});
    await app.deliver("run-push", "workflow_run", workflowRunPayload(9100, "failure", "push"));
    const otherApp = workflowRunPayload(9099, "failure");
    otherApp.workflow_run.triggering_actor = { login: "other-app[bot]" };
    await app.deliver("run-other-app", "workflow_run", otherApp);
    expect((await app.store.getRun(listed!.id))!.status).toBe("running");
    await app.deliver("run-9101", "workflow_run", workflowRunPayload(9101, "failure"));
    const run = (await app.store.getRun(listed!.id))!;
    expect(run.steps.map((s) => [s.stepId, s.outcome ?? s.status])).toEqual([
      ["fix", "failure"],
      ["page", "succeeded"],
    ]);
    expect(run.log.some((l) => /run 9101 of \.github\/workflows\/fix\.yml is taken to be the one dispatched: matched by workflow, event workflow_dispatch, actor governance\[bot\]/.test(l.message))).toBe(true);
  });
});
