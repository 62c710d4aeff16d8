/**
 * RBAC for GitHub user tokens, GitHub answered by nock: the role comes from the organisation
 * membership and the repository permissions, an invalid token is 401, GitHub failing is 503
 * with no data, and each answer is cached (a second request asks GitHub nothing: every scope
 * here answers once, and an unanswered request would fail, nock refusing the network).
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { approvalWorkflowYaml, createOrgWorkflow, fakeDirectory, FolderlessGitHub, GITHUB, orgWorkflowYaml, seedRepositoryWorkflow, startApi, startRunAndDrain, type ApiHarness } from "./harness.js";

let api: ApiHarness;
let orgId: string;
let repoId: string;
let runId: string;

beforeAll(async () => {
  api = await startApi({ github: new FolderlessGitHub(), directory: fakeDirectory });
  orgId = await createOrgWorkflow(api, approvalWorkflowYaml({ name: "Acme sign-off" }));
  runId = await startRunAndDrain(api, orgId);
});
// Again before each test: a drain's read of acme/api's default branch (no files here) replaces its entries.
beforeEach(async () => {
  repoId = (await seedRepositoryWorkflow(api.store)).id;
});
afterAll(async () => api.close());
afterEach(() => {
  // Every answer set up was asked for, and nothing more.
  expect(nock.pendingMocks()).toEqual([]);
});

/** GitHub, for one user token: each reply once (no persist). */
function githubFor(token: string, login: string, options: { org?: { state: string; role: string } | 404; repo?: Record<string, boolean> | 404 } = {}) {
  const scope = nock(GITHUB).matchHeader("authorization", `Bearer ${token}`);
  scope.get("/user").reply(200, { login });
  if (options.org !== undefined) scope.get("/user/memberships/orgs/acme").reply(options.org === 404 ? 404 : 200, options.org === 404 ? { message: "Not Found" } : options.org);
  if (options.repo !== undefined) scope.get("/repos/acme/api").reply(options.repo === 404 ? 404 : 200, options.repo === 404 ? { message: "Not Found" } : { full_name: "acme/api", permissions: options.repo });
  return scope;
}

const yaml = (text: string) => ({ text, contentType: "application/yaml" });

describe("roles from GitHub", () => {
  it("an owner of the organisation is admin: may create, and is the version's author", async () => {
    const token = "gho_olivia_owner";
    const scope = githubFor(token, "olivia", { org: { state: "active", role: "admin" } });
    const created = await api.call("POST", "/api/workflows", { token, ...yaml(orgWorkflowYaml({ name: "Olivia's" })) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.createdBy).toBe("olivia");
    expect(scope.isDone()).toBe(true);
    // Cached: the update asks GitHub nothing (there is no answer left to give).
    const updated = await api.call("PUT", `/api/workflows/${created.body.id}`, { token, ...yaml(orgWorkflowYaml({ name: "Olivia's", version: "1.1.0" })) });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
  });

  it("a member of the organisation is a viewer: reads, may not update or create", async () => {
    const token = "gho_mia_member";
    const scope = githubFor(token, "mia", { org: { state: "active", role: "member" } });
    expect((await api.call("GET", `/api/workflows/${orgId}`, { token })).body).toMatchObject({ id: orgId, name: "Acme sign-off" });
    expect(scope.isDone()).toBe(true);
    const put = await api.call("PUT", `/api/workflows/${orgId}`, { token, ...yaml(approvalWorkflowYaml({ name: "Acme sign-off" }).replace("1.0.0", "2.0.0")) });
    expect(put.status).toBe(403);
    expect(put.body.message).toMatch(/you have the viewer role$/);
    expect((await api.call("POST", "/api/workflows", { token, ...yaml(orgWorkflowYaml({ name: "Mia's" })) })).status).toBe(403);
  });

  it("a membership not yet accepted sees nothing of the organisation's workflows", async () => {
    const token = "gho_pending_member";
    githubFor(token, "penny", { org: { state: "pending", role: "member" } });
    expect((await api.call("GET", `/api/workflows/${orgId}`, { token })).status).toBe(404);
  });

  it("push on the repository is runner: starts a run there and cancels it", async () => {
    const token = "gho_pete_push";
    const scope = githubFor(token, "pete", { org: { state: "active", role: "member" }, repo: { admin: false, maintain: false, push: true, pull: true } });
    const started = await api.call("POST", `/api/workflows/${orgId}/run`, { token, body: { repository: "acme/api" } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(scope.isDone()).toBe(true);
    await api.services.worker.drain();
    const id = started.body.runId;
    expect((await api.call("GET", `/api/runs/${id}`, { token })).body).toMatchObject({ status: "running", waiting: [{ stepId: "sign-off" }] });
    expect((await api.call("POST", `/api/runs/${id}/cancel`, { token })).status).toBe(202);
    await api.services.worker.drain();
    expect((await api.call("GET", `/api/runs/${id}`, { token })).body).toMatchObject({ status: "cancelled", cancelRequested: { actor: "pete" } });
  });

  it("pull on the repository is viewer: reads its runs, 403 on start and cancel", async () => {
    const token = "gho_paula_pull";
    githubFor(token, "paula", { org: { state: "active", role: "member" }, repo: { admin: false, push: false, pull: true } });
    const start = await api.call("POST", `/api/workflows/${orgId}/run`, { token, body: { repository: "acme/api" } });
    expect(start.status).toBe(403);
    expect(start.body.message).toBe("starting a run needs the runner role (write access); you have the viewer role");
    expect((await api.call("GET", `/api/runs/${runId}`, { token })).status).toBe(200);
    expect((await api.call("POST", `/api/runs/${runId}/cancel`, { token })).status).toBe(403);
    expect((await api.call("GET", `/api/workflows/${repoId}`, { token })).body).toMatchObject({ id: repoId, source: "repository" });
  });

  it("admin of the repository may start a repository workflow; a repository permission does not make an organisation admin", async () => {
    const token = "gho_rita_repo_admin";
    githubFor(token, "rita", { org: { state: "active", role: "member" }, repo: { admin: true, push: true, pull: true } });
    expect((await api.call("POST", `/api/workflows/${repoId}/run`, { token, body: {} })).status).toBe(202);
    expect((await api.call("PUT", `/api/workflows/${orgId}`, { token, ...yaml(approvalWorkflowYaml({ name: "Acme sign-off" }).replace("1.0.0", "3.0.0")) })).status).toBe(403);
  });

  it("no access is 404 on the workflow, the repository workflow and the run", async () => {
    const token = "gho_nina_none";
    githubFor(token, "nina", { org: 404, repo: 404 });
    for (const path of [`/api/workflows/${orgId}`, `/api/workflows/${repoId}`, `/api/runs/${runId}`, `/api/workflows/${orgId}/runs`]) {
      const res = await api.call("GET", path, { token });
      expect(res.status, path).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("sign-off");
    }
  });
});

describe("invalid tokens and GitHub failing", () => {
  it("a token GitHub refuses is 401, and the refusal is remembered", async () => {
    const token = "gho_revoked";
    const scope = nock(GITHUB).matchHeader("authorization", `Bearer ${token}`).get("/user").reply(401, { message: "Bad credentials" });
    for (let i = 0; i < 2; i++) {
      const res = await api.call("GET", "/api/workflows", { token });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="governance"');
    }
    expect(scope.isDone()).toBe(true);
  });

  it("GitHub answering 5xx for the user is 503 with no data, and is not remembered", async () => {
    const token = "gho_when_github_is_down";
    nock(GITHUB).matchHeader("authorization", `Bearer ${token}`).get("/user").reply(502, "Bad Gateway");
    const down = await api.call("GET", `/api/workflows/${orgId}`, { token });
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("30");
    expect(down.body).toEqual({ message: expect.stringMatching(/^GitHub could not be asked about the caller: it answered HTTP 502; try again shortly$/), errors: [] });
    githubFor(token, "mia", { org: { state: "active", role: "member" } });
    expect((await api.call("GET", `/api/workflows/${orgId}`, { token })).status).toBe(200);
  });

  it("GitHub failing on a later question (the membership) is 503 with no data", async () => {
    const token = "gho_flaky_membership";
    const scope = nock(GITHUB).matchHeader("authorization", `Bearer ${token}`);
    scope.get("/user").reply(200, { login: "fred" });
    scope.get("/user/memberships/orgs/acme").reply(500, { message: "boom" });
    const res = await api.call("GET", `/api/workflows/${orgId}`, { token });
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).not.toMatch(/sign-off|boom/);
    scope.get("/user/memberships/orgs").query(true).reply(503, "");
    const list = await api.call("GET", "/api/workflows", { token });
    expect(list.status).toBe(503);
    expect(list.body.workflows).toBeUndefined();
  });
});

describe("the list for a user", () => {
  it("shows the organisations' workflows the user can see, asking GitHub once per question", async () => {
    const token = "gho_lisa_lists";
    const scope = githubFor(token, "lisa", { org: { state: "active", role: "member" }, repo: { pull: true } });
    scope.get("/user/memberships/orgs").query({ state: "active", per_page: "100" }).reply(200, [{ state: "active", organization: { login: "acme" } }]);
    const first = await api.call("GET", "/api/workflows", { token });
    expect(first.status).toBe(200);
    expect(first.body.workflows.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining([orgId, repoId]));
    expect(scope.isDone()).toBe(true);
    const second = await api.call("GET", "/api/workflows", { token });
    expect(second.body).toEqual(first.body);
  });
});
