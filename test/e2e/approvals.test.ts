import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examplePayload, startTestApp, type TestApp } from "../helpers/app.js";
import { fakeGraphQL } from "../helpers/github.js";

const API = "https://api.github.com";
const COMMIT = "d".repeat(40);

const GATED = `name: Gated change
version: 1.0.0
triggers:
  - type: onPR
  - type: manual
    config:
      inputs:
        reason: { type: string, required: true }
steps:
  - id: sign-off
    type: approval
    approval: { approvers: [lead] }
    next: { approved: [thanks], rejected: [] }
  - id: thanks
    type: action
    action: { kind: notify, parameters: { comment: "Approved by \${{ steps['sign-off'].outputs.by }}" } }
`;

/** A comment on pull request #2 of Codertocat/Hello-World (the pull request example's number). */
function comment(body: string, login: string, action = "created") {
  const payload = examplePayload("issue_comment", "created", 3);
  payload.action = action;
  payload.issue.number = 2;
  payload.comment.body = body;
  payload.comment.user.login = login;
  payload.sender.login = login;
  return payload;
}

describe("approvals and manual runs through webhooks", () => {
  let app: TestApp;
  beforeEach(async () => {
    nock.disableNetConnect();
    app = await startTestApp();
    fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "gated.yml", text: GATED }] }, ["ec26c3e57ca3a959ca5aad62de7213c562f8c821"]: { commit: "x", files: [{ name: "gated.yml", text: GATED }] } });
  });
  afterEach(async () => {
    await app.close();
    nock.enableNetConnect();
  });

  it("waits with action_required, ignores edited and unlisted approvals, and continues on /approve", async () => {
    const updates: any[] = [];
    const checks = nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(201, { id: 40, html_url: "https://github.com/Codertocat/Hello-World/runs/40" })
      .patch("/repos/Codertocat/Hello-World/check-runs/40", (b) => (updates.push(b), true))
      .times(3)
      .reply(200, {});
    await app.deliver("pr-1", "pull_request", examplePayload("pull_request", "opened", 1));
    expect(updates[0]).toMatchObject({ status: "completed", conclusion: "action_required", actions: [{ identifier: "approve" }, { identifier: "reject" }, { identifier: "cancel" }] });

    await app.deliver("c-edited", "issue_comment", comment("/approve", "lead", "edited"));
    await app.deliver("c-stranger", "issue_comment", comment("/approve", "stranger"));
    let [run] = await app.store.listRuns();
    expect(run!.status).toBe("running");

    const posted = nock(API)
      .post("/repos/Codertocat/Hello-World/issues/2/comments", (b) => b.body.startsWith("Approved by lead"))
      .reply(201, { id: 9, html_url: "https://github.com/Codertocat/Hello-World/pull/2#issuecomment-9" });
    await app.deliver("c-lead", "issue_comment", comment("/approve looks good", "lead"));
    expect(posted.isDone()).toBe(true);
    expect(checks.isDone()).toBe(true);
    [run] = await app.store.listRuns();
    const stored = await app.store.getRun(run!.id);
    expect(stored!.status).toBe("succeeded");
    expect(stored!.steps[0]).toMatchObject({ outcome: "approved", outputs: { by: "lead" } });
    expect(stored!.log.map((l) => l.message)).toContain("step sign-off: ignored /approve from stranger: not one of the approvers (lead)");
    expect(updates.at(-1)).toMatchObject({ status: "completed", conclusion: "success", actions: [] });
    expect(updates.at(-1).output.summary).toContain("| sign-off | ✅ approved | @lead |");
  });

  it("starts a manual run from a /governance run comment by someone with write access", async () => {
    nock(API)
      .get("/repos/Codertocat/Hello-World/collaborators/Codertocat/permission")
      .reply(200, { permission: "write", role_name: "write" })
      .post("/repos/Codertocat/Hello-World/check-runs", (b) => b.head_sha === COMMIT)
      .reply(201, { id: 41, html_url: "x" })
      .patch("/repos/Codertocat/Hello-World/check-runs/41")
      .reply(200, {});
    const payload = examplePayload("issue_comment", "created", 3);
    payload.comment.body = '/governance run "Gated change" reason="audit request"';
    await app.deliver("c-run", "issue_comment", payload);
    const [run] = await app.store.listRuns();
    expect(run).toMatchObject({ workflowName: "Gated change", status: "running", headSha: COMMIT });
  });

  it("answers a /governance run from someone without write access, and starts nothing", async () => {
    const reply = nock(API)
      .get("/repos/Codertocat/Hello-World/collaborators/Codertocat/permission")
      .reply(200, { permission: "read", role_name: "read" })
      .post("/repos/Codertocat/Hello-World/issues/1/comments", (b) => b.body.includes("needs write access"))
      .reply(201, { id: 1, html_url: "x" });
    const payload = examplePayload("issue_comment", "created", 3);
    payload.comment.body = "/governance run gated reason=x";
    await app.deliver("c-run", "issue_comment", payload);
    expect(reply.isDone()).toBe(true);
    expect(await app.store.listRuns()).toEqual([]);
  });

  it("cancels a waiting run from its check run's button", async () => {
    nock(API).post("/repos/Codertocat/Hello-World/check-runs").reply(201, { id: 42, html_url: "x" }).patch("/repos/Codertocat/Hello-World/check-runs/42").times(2).reply(200, {});
    await app.deliver("pr-1", "pull_request", examplePayload("pull_request", "opened", 1));
    const [run] = await app.store.listRuns();
    const press = examplePayload("check_run", "requested_action");
    press.repository = examplePayload("pull_request", "opened", 1).repository;
    press.installation = { id: 1 };
    press.check_run.name = "governance / Gated change";
    press.check_run.external_id = run!.id;
    press.requested_action = { identifier: "cancel" };
    nock(API).get(`/repos/Codertocat/Hello-World/collaborators/${press.sender.login}/permission`).reply(200, { permission: "write", role_name: "write" });
    await app.deliver("press-1", "check_run", press);
    expect((await app.store.getRun(run!.id))!.status).toBe("cancelled");
  });
});
