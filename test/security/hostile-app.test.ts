import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examplePayload, startTestApp, type TestApp } from "../helpers/app.js";
import { fakeGraphQL } from "../helpers/github.js";

// Issue 7: a hostile workflow on the default branch costs its own run, never the app: the bomb
// is refused at validation and skipped, an expression over its budget on large event data fails
// its step (and run, with its check run), and the next good delivery is processed as usual.

const API = "https://api.github.com";
const BASE_COMMIT = "b".repeat(40);

const BOMB = `name: Bomb
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: d
    type: decision
    next:
      when:
        - if: "cel.bind(s, '${"x".repeat(1800)}'.split(''), s.all(a, s.all(b, s.all(c, true))))"
          then: [n]
  - id: n
    type: action
    action: { kind: notify, parameters: { comment: "never" } }
`;

const LABELS = `name: Labels
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: d
    type: decision
    next:
      when:
        - if: pullRequest.labels.exists(l, l == 'never-there')
          then: [n]
      else: [n]
  - id: n
    type: action
    action: { kind: notify, parameters: { comment: "labels looked at" } }
`;

describe("hostile workflows through the app", () => {
  let app: TestApp;
  beforeEach(async () => {
    nock.disableNetConnect();
    app = await startTestApp();
  });
  afterEach(async () => {
    await app.close();
    nock.enableNetConnect();
  });

  it('SECURITY "expression / template injection": a cost bomb is skipped, an over-budget expression fails its run, and the next delivery runs', async () => {
    fakeGraphQL(API, { master: { commit: BASE_COMMIT, files: [{ name: "bomb.yml", text: BOMB }, { name: "labels.yml", text: LABELS }] } });
    const checks: any[] = [];
    let comments = 0;
    const scope = nock(API)
      .persist()
      .post("/repos/Codertocat/Hello-World/check-runs", (b) => (checks.push(b), true))
      .reply(201, () => ({ id: checks.length, html_url: "https://github.com/x" }))
      .patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+/, (b) => (checks.push(b), true))
      .reply(200, {})
      .post("/repos/Codertocat/Hello-World/issues/2/comments")
      .reply(201, () => (comments++, { id: comments, html_url: "https://github.com/x" }));

    // 300,000 labels: the single comprehension passes validation but not its runtime budget.
    const big = examplePayload("pull_request", "opened", 1);
    big.pull_request.labels = Array.from({ length: 300_000 }, (_, i) => ({ name: `l${i}` }));
    await app.deliver("hostile-1", "pull_request", big);

    const [first] = await app.store.listRuns();
    expect((await app.store.listRuns()).map((r) => r.workflowName)).toEqual(["Labels"]);
    const run = (await app.store.getRun(first!.id))!;
    expect(run.status).toBe("failed");
    expect(run.log.map((l) => l.message).join("\n")).toMatch(/step d failed: the expression took more than 1,000,000 evaluation steps, over its budget/);
    expect(checks.at(-1)).toMatchObject({ conclusion: "failure" });
    expect(comments).toBe(0);

    // The next, ordinary delivery runs to the end.
    const small = examplePayload("pull_request", "opened", 1);
    small.pull_request.number = 2;
    await app.deliver("hostile-2", "pull_request", small);
    scope.persist(false);
    const runs = await app.store.listRuns();
    expect(runs).toHaveLength(2);
    expect(runs.filter((r) => r.status === "succeeded")).toHaveLength(1);
    expect(comments).toBe(1);
    // Nothing stored before was lost.
    expect((await app.store.getRun(first!.id))!.status).toBe("failed");
  });
});
