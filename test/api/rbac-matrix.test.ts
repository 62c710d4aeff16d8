/**
 * RBAC, the role × endpoint matrix, with operator tokens of acme (viewer, runner, admin) on real
 * resources: an org-wide workflow of acme, a repository workflow of acme/api, and a run waiting
 * for an approval.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalWorkflowYaml, createOrgWorkflow, fakeDirectory, FolderlessGitHub, orgWorkflowYaml, seedRepositoryWorkflow, startApi, startRunAndDrain, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

type RoleName = "viewer" | "runner" | "admin";
const TOKEN: Record<RoleName, string> = { viewer: tokenOf(TOKENS.acmeViewer), runner: tokenOf(TOKENS.acmeRunner), admin: tokenOf(TOKENS.acmeAdmin) };

let api: ApiHarness;
let orgId: string;
let repoId: string;
let runId: string;
/** One fresh document per create/update: a PUT makes a new version whose semver must grow. */
let minor = 1;

beforeAll(async () => {
  api = await startApi({ github: new FolderlessGitHub(), directory: fakeDirectory });
  orgId = await createOrgWorkflow(api, approvalWorkflowYaml());
  runId = await startRunAndDrain(api, orgId);
  // After the drain: the engine's read of acme/api's default branch (no files here) replaces its catalogue entries.
  repoId = (await seedRepositoryWorkflow(api.store)).id;
});
afterAll(async () => api.close());

interface Endpoint {
  name: string;
  request: () => { method: string; path: string; body?: unknown; text?: string; contentType?: string };
  /** The status each role gets. */
  expect: Record<RoleName, number>;
}

const yaml = (text: string) => ({ text, contentType: "application/yaml" });

const ENDPOINTS: Endpoint[] = [
  { name: "GET /api/workflows", request: () => ({ method: "GET", path: "/api/workflows" }), expect: { viewer: 200, runner: 200, admin: 200 } },
  { name: "GET /api/workflows/:id (org-wide)", request: () => ({ method: "GET", path: `/api/workflows/${orgId}` }), expect: { viewer: 200, runner: 200, admin: 200 } },
  { name: "GET /api/workflows/:id?version=1.0.0", request: () => ({ method: "GET", path: `/api/workflows/${orgId}?version=1.0.0` }), expect: { viewer: 200, runner: 200, admin: 200 } },
  { name: "GET /api/workflows/:id (repository)", request: () => ({ method: "GET", path: `/api/workflows/${repoId}` }), expect: { viewer: 200, runner: 200, admin: 200 } },
  {
    name: "POST /api/workflows (owner acme)",
    request: () => ({ method: "POST", path: "/api/workflows", ...yaml(orgWorkflowYaml({ name: `Created ${minor++}` })) }),
    expect: { viewer: 403, runner: 403, admin: 201 },
  },
  {
    name: "PUT /api/workflows/:id (org-wide)",
    request: () => ({ method: "PUT", path: `/api/workflows/${orgId}`, ...yaml(approvalWorkflowYaml().replace("version: 1.0.0", `version: 1.${minor++}.0`)) }),
    expect: { viewer: 403, runner: 403, admin: 200 },
  },
  // Read-only whoever asks: the answer says where to change it, before any role is weighed.
  { name: "PUT /api/workflows/:id (repository)", request: () => ({ method: "PUT", path: `/api/workflows/${repoId}`, ...yaml(orgWorkflowYaml()) }), expect: { viewer: 409, runner: 409, admin: 409 } },
  { name: "POST /api/workflows/:id/run (org-wide)", request: () => ({ method: "POST", path: `/api/workflows/${orgId}/run`, body: { repository: "acme/api" } }), expect: { viewer: 403, runner: 202, admin: 202 } },
  { name: "POST /api/workflows/:id/run (repository)", request: () => ({ method: "POST", path: `/api/workflows/${repoId}/run`, body: {} }), expect: { viewer: 403, runner: 202, admin: 202 } },
  { name: "GET /api/workflows/:id/runs", request: () => ({ method: "GET", path: `/api/workflows/${orgId}/runs` }), expect: { viewer: 200, runner: 200, admin: 200 } },
  { name: "GET /api/runs/:runId", request: () => ({ method: "GET", path: `/api/runs/${runId}` }), expect: { viewer: 200, runner: 200, admin: 200 } },
  // Operator tokens never vote: "approvals are made by people", whatever the token's role.
  { name: "POST /api/runs/:runId/approve", request: () => ({ method: "POST", path: `/api/runs/${runId}/approve`, body: {} }), expect: { viewer: 403, runner: 403, admin: 403 } },
  { name: "POST /api/runs/:runId/reject", request: () => ({ method: "POST", path: `/api/runs/${runId}/reject`, body: {} }), expect: { viewer: 403, runner: 403, admin: 403 } },
];

describe("RBAC matrix (operator tokens of acme)", () => {
  it("the seeded run waits for its approval", async () => {
    const run = await api.call("GET", `/api/runs/${runId}`, { token: TOKEN.viewer });
    expect(run.body).toMatchObject({ status: "running", waiting: [{ stepId: "sign-off", kind: "approval" }] });
  });

  describe.each(ENDPOINTS)("$name", (endpoint) => {
    it.each(["viewer", "runner", "admin"] as const)("%s", async (role) => {
      const { method, path, ...rest } = endpoint.request();
      const res = await api.call(method, path, { token: TOKEN[role], ...rest });
      expect(res.status, JSON.stringify(res.body)).toBe(endpoint.expect[role]);
      if (res.status === 403) {
        // A 403 says what is needed, and never carries the resource.
        expect(res.body.message).toMatch(/needs the (runner|admin) role|approvals are made by people/);
        expect(Object.keys(res.body).sort()).toEqual(["errors", "message"]);
      }
    });
  });

  it("a 403 for a role too low names the caller's role", async () => {
    const res = await api.call("POST", `/api/workflows/${orgId}/run`, { token: TOKEN.viewer, body: { repository: "acme/api" } });
    expect(res.body.message).toBe("starting a run needs the runner role (write access); you have the viewer role");
    const put = await api.call("PUT", `/api/workflows/${orgId}`, { token: TOKEN.runner, ...yaml(orgWorkflowYaml({ version: "9.0.0" })) });
    expect(put.body.message).toMatch(/^updating a workflow needs the admin role .*; you have the runner role$/);
  });

  it("the refused writes changed nothing: only the admin's updates made versions", async () => {
    const read = await api.call("GET", `/api/workflows/${orgId}`, { token: TOKEN.viewer });
    // 1.0.0, then one version per admin PUT of the matrix (viewer's and runner's were refused).
    expect(read.body.history.map((v: { createdBy: string }) => v.createdBy)).toEqual(["token:acme-admin", "token:acme-admin"]);
    const list = await api.call("GET", "/api/workflows?source=api", { token: TOKEN.viewer });
    expect(list.body.workflows.filter((w: { name: string }) => w.name.startsWith("Created "))).toHaveLength(1);
  });

  it("cancel: viewer 403; runner and admin 202, and the run ends cancelled", async () => {
    const target = await startRunAndDrain(api, orgId);
    expect((await api.call("POST", `/api/runs/${target}/cancel`, { token: TOKEN.viewer, body: {} })).status).toBe(403);
    expect((await api.call("GET", `/api/runs/${target}`, { token: TOKEN.viewer })).body.cancelRequested).toBeNull();
    expect((await api.call("POST", `/api/runs/${target}/cancel`, { token: TOKEN.runner, body: {} })).status).toBe(202);
    expect((await api.call("POST", `/api/runs/${target}/cancel`, { token: TOKEN.admin })).status).toBe(202);
    await api.services.worker.drain();
    const run = await api.call("GET", `/api/runs/${target}`, { token: TOKEN.viewer });
    expect(run.body).toMatchObject({ status: "cancelled", cancelRequested: { actor: "token:acme-runner" } });
  });
});
