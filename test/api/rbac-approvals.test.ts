/**
 * Approvals and cancels through the API: who may vote (people with the runner role, never an
 * operator token, never the pull request's author), what the engine makes of a vote from
 * someone it does not list, and cancels of running and finished runs.
 */
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalWorkflowYaml, createOrgWorkflow, fakeDirectory, FolderlessGitHub, GITHUB, startApi, startRunAndDrain, tokenOf, TOKENS, type ApiHarness } from "./harness.js";
import { engineDeps, FakeClock, resume, seedRun, workflowFrom } from "../helpers/engine.js";

let api: ApiHarness;
let github: FolderlessGitHub;
let orgId: string;

/** A GitHub user token: a member of acme with `permission` on acme/api (GitHub answers as often as asked). */
function user(login: string, permission: "push" | "pull"): string {
  const token = `gho_${login}_token`;
  const scope = nock(GITHUB).persist().matchHeader("authorization", `Bearer ${token}`);
  scope.get("/user").reply(200, { login });
  scope.get("/user/memberships/orgs/acme").reply(200, { state: "active", role: "member" });
  scope.get("/repos/acme/api").reply(200, { permissions: { admin: false, push: permission === "push", pull: true } });
  return token;
}

const RUNNER = tokenOf(TOKENS.acmeRunner);
let alice: string;
let carol: string;
let vera: string;

beforeAll(async () => {
  github = new FolderlessGitHub();
  api = await startApi({ github, directory: fakeDirectory });
  orgId = await createOrgWorkflow(api, approvalWorkflowYaml({ approvers: ["alice", "vera"] }));
  alice = user("alice", "push");
  carol = user("carol", "push");
  vera = user("vera", "pull");
});
afterAll(async () => api.close());

const getRun = async (id: string) => (await api.call("GET", `/api/runs/${id}`, { token: RUNNER })).body;
const signOff = (run: { steps: Array<{ stepId: string; status: string; outcome: string | null; waiting: { votes: unknown[] } | null }> }) => run.steps.find((s) => s.stepId === "sign-off")!;

describe("who may vote", () => {
  it("an operator token, even a runner's: 403, approvals are made by people", async () => {
    const runId = await startRunAndDrain(api, orgId);
    for (const decision of ["approve", "reject"]) {
      const res = await api.call("POST", `/api/runs/${runId}/${decision}`, { token: RUNNER, body: {} });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/^approvals are made by people/);
    }
    await api.services.worker.drain();
    const run = await getRun(runId);
    expect(run.status).toBe("running");
    expect(signOff(run)).toMatchObject({ status: "waiting", waiting: { votes: [] } });
  });

  it("an approver with only read access: 403 (voting needs the runner role)", async () => {
    const runId = await startRunAndDrain(api, orgId);
    const res = await api.call("POST", `/api/runs/${runId}/approve`, { token: vera, body: {} });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe("voting on an approval needs the runner role (write access); you have the viewer role");
  });

  it("someone the step does not list: 202, and the engine ignores the vote; the run still waits", async () => {
    const runId = await startRunAndDrain(api, orgId);
    const res = await api.call("POST", `/api/runs/${runId}/approve`, { token: carol, body: { comment: "lgtm" } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: true, runId });
    await api.services.worker.drain();
    const run = await getRun(runId);
    expect(run.status).toBe("running");
    expect(signOff(run)).toMatchObject({ status: "waiting", waiting: { votes: [] } });
    expect(run.log.map((l: { message: string }) => l.message)).toContain("step sign-off: ignored /approve from carol: not one of the approvers (alice, vera)");
  });

  it("an approver with write access approves: 202, and the run goes on to its end", async () => {
    const runId = await startRunAndDrain(api, orgId);
    const res = await api.call("POST", `/api/runs/${runId}/approve`, { token: alice, body: { stepId: "sign-off", comment: "ship it" } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await expect(getRun(runId).then(signOff)).resolves.toMatchObject({ status: "waiting" });
    await api.services.worker.drain();
    const run = await getRun(runId);
    expect(run.status).toBe("succeeded");
    expect(signOff(run)).toMatchObject({ status: "succeeded", outcome: "approved" });
    expect(run.log.map((l: { message: string }) => l.message)).toContain("step sign-off: approved by alice (api)");
    expect(github.issues.filter((i) => i.title === "Shipped" && i.repo === "acme/api").length).toBeGreaterThanOrEqual(1);
    // Finished: another vote is a conflict.
    const late = await api.call("POST", `/api/runs/${runId}/approve`, { token: alice, body: {} });
    expect(late.status).toBe(409);
    expect(late.body.message).toBe("the run has succeeded already");
  });

  it("an approver rejects: the step ends rejected and the run does not ship", async () => {
    const runId = await startRunAndDrain(api, orgId);
    const before = github.issues.length;
    expect((await api.call("POST", `/api/runs/${runId}/reject`, { token: alice, body: {} })).status).toBe(202);
    await api.services.worker.drain();
    const run = await getRun(runId);
    expect(signOff(run)).toMatchObject({ outcome: "rejected" });
    expect(run.status).not.toBe("running");
    expect(github.issues.length).toBe(before);
  });

  it("a step the run does not wait at: 409", async () => {
    const runId = await startRunAndDrain(api, orgId);
    const res = await api.call("POST", `/api/runs/${runId}/approve`, { token: alice, body: { stepId: "ship" } });
    expect(res.status).toBe(409);
    expect(res.body.message).toBe("step ship is not waiting for an approval");
  });
});

describe("the pull request's author", () => {
  const PR_APPROVAL = workflowFrom(`
name: PR sign-off
version: 1.0.0
triggers:
  - type: onPR
steps:
  - id: sign-off
    type: approval
    approval: { approvers: [author, alice] }
  - id: done
    type: action
    action: { kind: notify, parameters: { comment: "signed off" } }
`);

  it("is refused (403) though listed, and nothing reaches the engine; an approver's vote then counts", async () => {
    const clock = new FakeClock();
    await seedRun(api.store, PR_APPROVAL, clock, undefined, "pr-run-1");
    await resume(engineDeps(api.store, clock), "pr-run-1");
    expect(signOff(await getRun("pr-run-1"))).toMatchObject({ status: "waiting", waiting: { author: "author" } });
    const author = user("author", "push");
    const refused = await api.call("POST", "/api/runs/pr-run-1/approve", { token: author, body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe("the author of a pull request cannot approve their own change");
    await api.services.worker.drain();
    const still = await getRun("pr-run-1");
    expect(signOff(still)).toMatchObject({ status: "waiting", waiting: { votes: [] } });
    expect(JSON.stringify(still.log)).not.toMatch(/by author|\/approve from author/);
    expect((await api.call("POST", "/api/runs/pr-run-1/approve", { token: alice, body: {} })).status).toBe(202);
    await api.services.worker.drain();
    expect(await getRun("pr-run-1")).toMatchObject({ status: "succeeded" });
  });
});

describe("cancel", () => {
  it("by a runner: 202, the run ends cancelled; on the finished run: 409", async () => {
    const runId = await startRunAndDrain(api, orgId);
    const res = await api.call("POST", `/api/runs/${runId}/cancel`, { token: RUNNER, body: {} });
    expect(res.status).toBe(202);
    await api.services.worker.drain();
    const run = await getRun(runId);
    expect(run).toMatchObject({ status: "cancelled", cancelRequested: { actor: "token:acme-runner" } });
    expect(run.log.map((l: { message: string }) => l.message)).toContain("cancel requested by token:acme-runner (api)");
    const again = await api.call("POST", `/api/runs/${runId}/cancel`, { token: RUNNER, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe("the run has cancelled already");
  });

  it("of a run asked for and not yet made: 409, try again", async () => {
    const started = await api.call("POST", `/api/workflows/${orgId}/run`, { token: RUNNER, body: { repository: "acme/api" } });
    const res = await api.call("POST", `/api/runs/${started.body.runId}/cancel`, { token: RUNNER, body: {} });
    expect(res.status).toBe(409);
    expect(res.body.message).toBe("the run has not started yet: try again shortly");
    await api.services.worker.drain();
  });

  it("a body with anything in it is 400, and the run is not cancelled", async () => {
    const runId = await startRunAndDrain(api, orgId);
    expect((await api.call("POST", `/api/runs/${runId}/cancel`, { token: RUNNER, body: { force: true } })).status).toBe(400);
    await api.services.worker.drain();
    expect((await getRun(runId)).status).toBe("running");
  });
});
