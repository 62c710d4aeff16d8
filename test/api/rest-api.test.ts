import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeDirectory, FolderlessGitHub, orgWorkflowYaml, seedRepositoryWorkflow, startApi, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

describe("REST API: a first pass", () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api.close());

  it("creates, reads and updates an org-wide workflow", async () => {
    const created = await api.call("POST", "/api/workflows", { token: tokenOf(TOKENS.acmeAdmin), text: orgWorkflowYaml(), contentType: "application/yaml" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    const read = await api.call("GET", `/api/workflows/${id}`, { token: tokenOf(TOKENS.acmeViewer) });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, source: "api", version: "1.0.0", owner: "acme" });
    const updated = await api.call("PUT", `/api/workflows/${id}`, { token: tokenOf(TOKENS.acmeAdmin), text: orgWorkflowYaml({ version: "1.1.0", name: "Security triage v2" }), contentType: "application/yaml" });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({ version: "1.1.0", versions: 2, outcome: "updated" });
    const old = await api.call("GET", `/api/workflows/${id}?version=1.0.0`, { token: tokenOf(TOKENS.acmeViewer) });
    expect(old.body).toMatchObject({ version: "1.0.0", latest: false });
    const hidden = await api.call("GET", `/api/workflows/${id}`, { token: tokenOf(TOKENS.otherAdmin) });
    expect(hidden.status).toBe(404);
    const list = await api.call("GET", "/api/workflows", { token: tokenOf(TOKENS.acmeViewer) });
    expect(list.body.workflows.map((w: any) => w.id)).toEqual([id]);
    const doc = await api.call("GET", "/api/openapi.json");
    expect(doc.body.openapi).toBe("3.1.0");
  });
});

describe("REST API: runs of an org-wide workflow", () => {
  let api: ApiHarness;
  let github: FolderlessGitHub;
  beforeAll(async () => {
    github = new FolderlessGitHub();
    api = await startApi({ github, directory: fakeDirectory });
  });
  afterAll(async () => api.close());

  it("starts a run under the id it answers, and the engine runs it in the named repository", async () => {
    const created = await api.call("POST", "/api/workflows", { token: tokenOf(TOKENS.acmeAdmin), text: orgWorkflowYaml({ repositories: ["api"] }), contentType: "application/yaml" });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const refused = await api.call("POST", `/api/workflows/${id}/run`, { token: tokenOf(TOKENS.acmeRunner), body: { repository: "acme/web", inputs: { reason: "x" } } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ in: "body", pointer: "/repository" });
    const missing = await api.call("POST", `/api/workflows/${id}/run`, { token: tokenOf(TOKENS.acmeRunner), body: { repository: "acme/api" } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ pointer: "/inputs/reason" });
    const viewer = await api.call("POST", `/api/workflows/${id}/run`, { token: tokenOf(TOKENS.acmeViewer), body: { repository: "acme/api", inputs: { reason: "x" } } });
    expect(viewer.status).toBe(403);
    const started = await api.call("POST", `/api/workflows/${id}/run`, { token: tokenOf(TOKENS.acmeRunner), body: { repository: "acme/api", inputs: { reason: "rotate the key" } } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const runId = started.body.runId;
    const queued = await api.call("GET", `/api/runs/${runId}`, { token: tokenOf(TOKENS.acmeViewer) });
    expect(queued.body).toMatchObject({ id: runId, status: "pending", queued: true });
    await api.services.worker.drain();
    const done = await api.call("GET", `/api/runs/${runId}`, { token: tokenOf(TOKENS.acmeViewer) });
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ id: runId, status: "succeeded", workflowId: id, workflowVersion: "1.0.0", repository: "acme/api" });
    expect(github.issues).toEqual([expect.objectContaining({ repo: "acme/api", title: "Triage: rotate the key" })]);
    const runs = await api.call("GET", `/api/workflows/${id}/runs`, { token: tokenOf(TOKENS.acmeViewer) });
    expect(runs.body.runs.map((r: any) => r.id)).toEqual([runId]);
    expect((await api.call("GET", `/api/runs/${runId}`, { token: tokenOf(TOKENS.otherAdmin) })).status).toBe(404);
  });
});

describe("REST API: one id declared in two repositories", () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ github: new FolderlessGitHub(), directory: fakeDirectory });
  });
  afterAll(async () => api.close());

  it("starts the one of the repository named", async () => {
    await seedRepositoryWorkflow(api.store, { repository: "acme/api", id: "shared-triage", name: "API triage" });
    await seedRepositoryWorkflow(api.store, { repository: "acme/web", id: "shared-triage", name: "Web triage" });
    const web = await api.call("POST", "/api/workflows/shared-triage/run", { token: tokenOf(TOKENS.acmeRunner), body: { repository: "acme/web" } });
    expect(web.status, JSON.stringify(web.body)).toBe(202);
    const fallback = await api.call("POST", "/api/workflows/shared-triage/run", { token: tokenOf(TOKENS.acmeRunner), body: {} });
    expect(fallback.status).toBe(202);
    const web2 = await api.store.getDelivery(`api-run-${web.body.runId}`);
    const api2 = await api.store.getDelivery(`api-run-${fallback.body.runId}`);
    expect([web2?.repository.fullName, api2?.repository.fullName]).toEqual(["acme/web", "acme/api"]);
  });
});
