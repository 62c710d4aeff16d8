/**
 * RBAC across installations: a caller of another account (the operator token of "other", and a
 * GitHub user who is not a member of acme) gets 404 on every resource of acme, never 403 and
 * never data, with the very body a missing id gets; its lists hold nothing of acme's.
 */
import nock from "nock";
import { importOrgWide } from "../../src/engine/org-wide.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalWorkflowYaml, createOrgWorkflow, fakeDirectory, FolderlessGitHub, GITHUB, orgWorkflowYaml, seedRepositoryWorkflow, startApi, startRunAndDrain, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

const OTHER = tokenOf(TOKENS.otherAdmin);
/** A GitHub user of organisation "other", with no access to acme or its repositories. */
const MALLORY = "gho_mallory_not_in_acme";
const MISSING_WORKFLOW = "no-such-workflow-0000";
const MISSING_RUN = "01900000-0000-7000-8000-000000000000";

let api: ApiHarness;
let orgId: string;
let repoId: string;
let runId: string;
let queuedRunId: string;

beforeAll(async () => {
  api = await startApi({ github: new FolderlessGitHub(), directory: fakeDirectory });
  orgId = await createOrgWorkflow(api, approvalWorkflowYaml({ name: "Acme secret sign-off" }));
  runId = await startRunAndDrain(api, orgId);
  repoId = (await seedRepositoryWorkflow(api.store, { name: "Acme repository triage" })).id;
  // Asked for, not yet made by the engine: known by its delivery only.
  queuedRunId = (await api.call("POST", `/api/workflows/${orgId}/run`, { token: tokenOf(TOKENS.acmeRunner), body: { repository: "acme/api" } })).body.runId;
  await createOrgWorkflow(api, orgWorkflowYaml({ owner: "other", name: "Other's own" }), OTHER);
  await seedRepositoryWorkflow(api.store, { repository: "other/app", name: "Other repository triage" });
  const github = nock(GITHUB).persist().matchHeader("authorization", `Bearer ${MALLORY}`);
  github.get("/user").reply(200, { login: "mallory" });
  github.get("/user/memberships/orgs/acme").reply(404, { message: "Not Found" });
  github.get("/user/memberships/orgs/other").reply(200, { state: "active", role: "admin" });
  github.get("/user/memberships/orgs/nobody-at-all").reply(404, { message: "Not Found" });
  github.get(/^\/repos\/acme\//).reply(404, { message: "Not Found" });
  github.get("/repos/other/app").reply(200, { permissions: { admin: true, push: true, pull: true } });
  github.get("/user/memberships/orgs").query(true).reply(200, [{ state: "active", organization: { login: "other" } }]);
});
afterAll(async () => api.close());

type Req = { method: string; path: string; body?: unknown; text?: string; contentType?: string };
const putDoc = { text: approvalWorkflowYaml({ name: "Acme secret sign-off" }).replace("1.0.0", "7.0.0"), contentType: "application/yaml" };

/** Each request on acme's resource, and the same request on an id that does not exist. */
const CASES: Array<{ name: string; hidden: () => Req; missing: () => Req; id: () => string; missingId: string }> = [
  ...(["org-wide", "repository"] as const).flatMap((kind) => {
    const id = () => (kind === "org-wide" ? orgId : repoId);
    const on = (path: (id: string) => string, extra: Omit<Req, "path" | "method"> & { method?: string } = {}) => ({
      name: `${extra.method ?? "GET"} ${path(":id")} (${kind})`,
      hidden: () => ({ method: "GET", ...extra, path: path(id()) }),
      missing: () => ({ method: "GET", ...extra, path: path(MISSING_WORKFLOW) }),
      id,
      missingId: MISSING_WORKFLOW,
    });
    return [
      on((i) => `/api/workflows/${i}`),
      on((i) => `/api/workflows/${i}?version=1.0.0`),
      on((i) => `/api/workflows/${i}`, { method: "PUT", ...putDoc }),
      on((i) => `/api/workflows/${i}/runs`),
      on((i) => `/api/workflows/${i}/run`, { method: "POST", body: { repository: "acme/api" } }),
    ];
  }),
  ...["", "/approve", "/reject", "/cancel"].flatMap((action) =>
    (["made", "queued"] as const).map((which) => ({
      name: `${action === "" ? "GET" : "POST"} /api/runs/:runId${action} (${which})`,
      hidden: () => ({ method: action === "" ? "GET" : "POST", path: `/api/runs/${which === "made" ? runId : queuedRunId}${action}`, ...(action ? { body: {} } : {}) }),
      missing: () => ({ method: action === "" ? "GET" : "POST", path: `/api/runs/${MISSING_RUN}${action}`, ...(action ? { body: {} } : {}) }),
      id: () => (which === "made" ? runId : queuedRunId),
      missingId: MISSING_RUN,
    })),
  ),
];

const send = ({ method, path, ...rest }: Req, token: string) => api.call(method, path, { token, ...rest });

const CALLERS = [
  { who: "the operator token of other", token: OTHER },
  { who: "a GitHub user not in acme", token: MALLORY },
];

describe.each(CALLERS)("$who", ({ token }) => {
  it.each(CASES)("$name: 404, the body of a missing id", async (c) => {
    const hidden = await send(c.hidden(), token);
    const missing = await send(c.missing(), token);
    expect(hidden.status, JSON.stringify(hidden.body)).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body).toEqual({ message: expect.any(String), errors: [] });
    expect(hidden.body.message.replace(c.id(), "ID")).toBe(missing.body.message.replace(c.missingId, "ID"));
    expect(JSON.stringify(hidden.body)).not.toMatch(/Acme secret|Acme repository|sign-off|acme\/api/);
  });

  it("POST /api/workflows for owner acme: 404, as for an account that does not exist", async () => {
    const doc = (owner: string) => ({ text: orgWorkflowYaml({ owner, name: "Takeover" }), contentType: "application/yaml" });
    const acme = await api.call("POST", "/api/workflows", { token, ...doc("acme") });
    const nobody = await api.call("POST", "/api/workflows", { token, ...doc("nobody-at-all") });
    expect(acme.status, JSON.stringify(acme.body)).toBe(404);
    expect(nobody.status).toBe(404);
    expect(JSON.stringify(acme.body).replace(/acme/g, "X")).toBe(JSON.stringify(nobody.body).replace(/nobody-at-all/g, "X"));
  });

  it("lists none of acme's workflows, whatever the filters, but its own", async () => {
    for (const query of ["", "?owner=acme", "?owner=ACME", "?installation=42", "?source=repository", "?name=Acme%20secret%20sign-off"]) {
      const list = await api.call("GET", `/api/workflows${query}`, { token });
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body), query).not.toMatch(/acme/i);
    }
    const own = await api.call("GET", "/api/workflows", { token });
    expect(own.body.workflows.map((w: { name: string }) => w.name).sort()).toEqual(["Other repository triage", "Other's own"]);
  });
});

describe("ids another account can know", () => {
  it("an org-wide workflow of other with the id of acme's repository workflow does not hide acme's from acme", async () => {
    // A repository workflow's id is its declared one, or derived from the repository's (public) id
    // and path. The API gives org-wide ids itself (a chosen one is refused), but an operator's
    // import keeps the ids of its files: one may meet a repository workflow's.
    const doc = orgWorkflowYaml({ owner: "other", name: "Shadow", id: repoId });
    expect((await api.call("POST", "/api/workflows", { token: OTHER, text: doc, contentType: "application/yaml" })).status).toBe(400);
    expect(await importOrgWide(api.store, { text: doc, format: "yaml", path: "shadow.yml", actor: "import", now: new Date() })).toMatchObject({ ok: true, outcome: "created" });
    const acme = await api.call("GET", `/api/workflows/${repoId}`, { token: tokenOf(TOKENS.acmeViewer) });
    expect(acme.status, JSON.stringify(acme.body)).toBe(200);
    expect(acme.body).toMatchObject({ id: repoId, source: "repository", repository: "acme/api", name: "Acme repository triage" });
    // And other sees its own under that id, nothing of acme's.
    const other = await api.call("GET", `/api/workflows/${repoId}`, { token: OTHER });
    expect(other.body).toMatchObject({ source: "api", owner: "other", name: "Shadow" });
  });
});

describe("what the refused callers could not do", () => {
  it("changed nothing: acme's workflow has one version, its run waits unvoted and uncancelled, no run was started for them", async () => {
    const admin = tokenOf(TOKENS.acmeAdmin);
    const workflow = await api.call("GET", `/api/workflows/${orgId}`, { token: admin });
    expect(workflow.body).toMatchObject({ version: "1.0.0", versions: 1 });
    const run = await api.call("GET", `/api/runs/${runId}`, { token: admin });
    expect(run.body).toMatchObject({ status: "running", cancelRequested: null });
    expect(run.body.steps.find((s: { stepId: string }) => s.stepId === "sign-off").waiting.votes).toEqual([]);
    const runs = await api.call("GET", `/api/workflows/${orgId}/runs`, { token: admin });
    expect(runs.body.runs.map((r: { id: string }) => r.id)).toEqual([runId]);
  });

  it("the operator token that covers every account sees acme's (the lists above are filtered, not empty)", async () => {
    const list = await api.call("GET", "/api/workflows", { token: tokenOf(TOKENS.everywhere) });
    expect(list.body.workflows.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining([orgId, repoId]));
  });
});
