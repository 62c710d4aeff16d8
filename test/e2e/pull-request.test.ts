import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examplePayload, startTestApp, type TestApp } from "../helpers/app.js";
import { fakeGraphQL } from "../helpers/github.js";

const API = "https://api.github.com";
const BASE_COMMIT = "b".repeat(40);

const REVIEW_WORKFLOW = `name: Security review reminder
version: 1.0.0
triggers:
  - type: onPR
    config:
      branches: [master]
steps:
  - id: remind
    type: action
    action:
      kind: notify
      parameters:
        comment: "Thanks @\${{ pullRequest.author }}: #\${{ pullRequest.number }} needs a security review."
        mention: ["@octo-org/security"]
`;

const PATHS_WORKFLOW = `name: Dependency changes
version: 1.0.0
triggers:
  - type: onPR
    config:
      paths: ["package-lock.json"]
steps:
  - id: remind
    type: action
    action: { kind: notify, parameters: { comment: "Lock file changed" } }
`;

/** What a pull request head adds: a workflow that would open an issue if it ever ran. */
const HEAD_WORKFLOW = `name: Sneaky
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: s1
    type: action
    action: { kind: createIssue, parameters: { title: "from the head" } }
`;

const HEAD_BROKEN = `name: Broken on the head
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: s1
    type: action
    action: { kind: createIsue }
`;

describe("pull requests", () => {
  let app: TestApp;
  beforeEach(async () => {
    nock.disableNetConnect();
    app = await startTestApp();
  });
  afterEach(async () => {
    await app.close();
    nock.enableNetConnect();
  });

  it("runs the base branch's onPR workflow: one comment, one check run on the head commit", async () => {
    const payload = examplePayload("pull_request", "opened", 1);
    const head = payload.pull_request.head.sha as string;
    fakeGraphQL(API, { master: { commit: BASE_COMMIT, files: [{ name: "review.yml", text: REVIEW_WORKFLOW }] }, [head]: { commit: head, files: [{ name: "review.yml", text: REVIEW_WORKFLOW }] } });
    const bodies: Record<string, any> = {};
    const scope = nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs", (b) => ((bodies.check = b), true))
      .reply(201, { id: 9, html_url: "https://github.com/Codertocat/Hello-World/runs/9" })
      .post("/repos/Codertocat/Hello-World/issues/2/comments", (b) => ((bodies.comment = b), true))
      .reply(201, { id: 501, html_url: "https://github.com/Codertocat/Hello-World/pull/2#issuecomment-501" })
      .patch("/repos/Codertocat/Hello-World/check-runs/9", (b) => ((bodies.done = b), true))
      .reply(200, {});

    await app.deliver("pr-1", "pull_request", payload);

    expect(scope.isDone()).toBe(true);
    expect(bodies.check).toMatchObject({ name: "governance / Security review reminder", head_sha: head, status: "in_progress" });
    expect(bodies.comment.body).toMatch(/^@octo-org\/security Thanks @Codertocat: #2 needs a security review\.\n\n<!-- governance:comment:[0-9a-f]{24} -->$/);
    expect(bodies.done).toMatchObject({ conclusion: "success" });
  });

  it("does not match a pull request into another base branch, and reads no file list", async () => {
    const payload = examplePayload("pull_request", "opened", 1);
    payload.pull_request.base.ref = "develop";
    const graphql = fakeGraphQL(API, { master: { commit: BASE_COMMIT, files: [{ name: "review.yml", text: REVIEW_WORKFLOW }] } });
    await app.deliver("pr-2", "pull_request", payload);
    expect(graphql.queries[0]).toBe("list+texts master");
    expect(await app.store.listRuns()).toHaveLength(0);
  });

  it('SECURITY "PR rewrites the policy that judges it": a pull request into an attacker-made base branch runs the default branch\'s workflows and never reads the base branch', async () => {
    const payload = examplePayload("pull_request", "opened", 1);
    payload.pull_request.base.ref = "attacker-branch";
    const head = payload.pull_request.head.sha as string;
    const graphql = fakeGraphQL(API, {
      master: { commit: BASE_COMMIT, files: [{ name: "deps.yml", text: PATHS_WORKFLOW }] },
      "attacker-branch": { commit: "a".repeat(40), files: [{ name: "sneaky.yml", text: HEAD_WORKFLOW }] },
      [head]: { commit: head, files: [{ name: "deps.yml", text: PATHS_WORKFLOW }] },
    });
    const files = nock(API).get("/repos/Codertocat/Hello-World/pulls/2/files").query({ per_page: "100" }).reply(200, [{ filename: "README.md" }]);
    await app.deliver("pr-attack", "pull_request", payload);
    expect(graphql.queries.some((q) => q.includes("attacker-branch"))).toBe(false);
    expect(graphql.queries[0]).toBe("list+texts master");
    expect(files.isDone()).toBe(true);
    expect(await app.store.listRuns()).toHaveLength(0);
  });

  it("fetches the changed files only for a workflow that filters on paths", async () => {
    const payload = examplePayload("pull_request", "opened", 1);
    const head = payload.pull_request.head.sha as string;
    fakeGraphQL(API, { master: { commit: BASE_COMMIT, files: [{ name: "deps.yml", text: PATHS_WORKFLOW }] }, [head]: { commit: head, files: [{ name: "deps.yml", text: PATHS_WORKFLOW }] } });
    const files = nock(API).get("/repos/Codertocat/Hello-World/pulls/2/files").query({ per_page: "100" }).reply(200, [{ filename: "src/index.js" }, { filename: "README.md" }]);
    await app.deliver("pr-3", "pull_request", payload);
    expect(files.isDone()).toBe(true);
    expect(await app.store.listRuns()).toHaveLength(0);
  });

  it("validates a pull request's own .governance/ edits and never runs them", async () => {
    const payload = examplePayload("pull_request", "opened", 1);
    const head = payload.pull_request.head.sha as string;
    const graphql = fakeGraphQL(API, {
      master: { commit: BASE_COMMIT, files: [{ name: "review.yml", text: REVIEW_WORKFLOW }] },
      [head]: {
        commit: head,
        files: [
          { name: "broken.yml", text: HEAD_BROKEN },
          { name: "review.yml", text: REVIEW_WORKFLOW },
          { name: "sneaky.yml", text: HEAD_WORKFLOW },
        ],
      },
    });
    const bodies: Array<{ name?: string; body: any }> = [];
    const scope = nock(API)
      .persist()
      .post("/repos/Codertocat/Hello-World/check-runs", (b) => (bodies.push({ name: b.name, body: b }), true))
      .reply(201, (_u, b: any) => ({ id: b.name === "governance / validate" ? 1 : 2, html_url: "https://github.com/x" }))
      .post("/repos/Codertocat/Hello-World/issues/2/comments")
      .reply(201, { id: 1, html_url: "https://github.com/x" })
      .patch("/repos/Codertocat/Hello-World/check-runs/2")
      .reply(200, {});

    await app.deliver("pr-4", "pull_request", payload);
    scope.persist(false);

    // The base branch's workflow ran; the head's "Sneaky" workflow made no issue (nock would fail on it).
    const runs = await app.store.listRuns();
    expect(runs.map((r) => [r.workflowName, r.workflowCommit])).toEqual([["Security review reminder", BASE_COMMIT]]);
    expect(graphql.queries).toContain(`tree ${head}`);
    expect(graphql.queries).toContain(`list+texts ${head}`);
    const validate = bodies.find((b) => b.name === "governance / validate")!.body;
    expect(validate).toMatchObject({ head_sha: head, status: "completed", conclusion: "failure" });
    expect(validate.output.annotations).toEqual([
      expect.objectContaining({
        path: ".governance/broken.yml",
        start_line: 7,
        end_line: 7,
        start_column: 21,
        annotation_level: "failure",
        message: expect.stringContaining('unknown action kind "createIsue"'),
      }),
    ]);
  });

  it("runs the policy workflows even when GitHub refuses the validate check run (422)", async () => {
    const payload = examplePayload("pull_request", "opened", 1);
    const head = payload.pull_request.head.sha as string;
    fakeGraphQL(API, {
      master: { commit: BASE_COMMIT, files: [{ name: "review.yml", text: REVIEW_WORKFLOW }] },
      [head]: { commit: head, files: [{ name: "broken.yml", text: HEAD_BROKEN }] },
    });
    let comments = 0;
    const scope = nock(API)
      .persist()
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply((_u, b: any) => (b.name === "governance / validate" ? [422, { message: "Validation Failed" }] : [201, { id: 2, html_url: "https://github.com/x" }]))
      .post("/repos/Codertocat/Hello-World/issues/2/comments")
      .reply(201, () => (comments++, { id: 1, html_url: "https://github.com/x" }))
      .patch("/repos/Codertocat/Hello-World/check-runs/2")
      .reply(200, {});

    await app.deliver("pr-422", "pull_request", payload);
    scope.persist(false);

    const runs = await app.store.listRuns();
    expect(runs.map((r) => [r.workflowName, r.status])).toEqual([["Security review reminder", "succeeded"]]);
    expect(comments).toBe(1);
  });
});
