import ghes from "@octokit/webhooks-examples/ghes-35/index.json" with { type: "json" };
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { examplePayload, startTestApp, type TestApp } from "../helpers/app.js";
import { fakeGraphQL } from "../helpers/github.js";

const API = "https://api.github.com";
const COMMIT = "c".repeat(40);

const TRACK = (extra = "") => `name: Track alerts
version: 1.0.0
triggers:
  - type: onScanResult
    config: { minSeverity: medium${extra} }
steps:
  - id: open
    type: action
    action:
      kind: createIssue
      parameters:
        title: "\${{ finding.source }} #\${{ finding.number }}: \${{ finding.title }}"
        labels: [security]
`;

describe("other events", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    nock.enableNetConnect();
  });

  it("runs a Dependabot alert, attaching the check run to the default branch head", async () => {
    nock.disableNetConnect();
    app = await startTestApp();
    const payload = examplePayload("dependabot_alert", "created");
    const repo = payload.repository.full_name as string;
    fakeGraphQL(API, { [payload.repository.default_branch]: { commit: COMMIT, files: [{ name: "track.yml", text: TRACK() }] } });
    const bodies: Record<string, any> = {};
    const scope = nock(API)
      .post(`/repos/${repo}/check-runs`, (b) => ((bodies.check = b), true))
      .reply(201, { id: 3, html_url: "x" })
      .post(`/repos/${repo}/issues`, (b) => ((bodies.issue = b), true))
      .reply(201, { number: 8, html_url: "https://github.com/x/8" })
      .patch(`/repos/${repo}/check-runs/3`)
      .reply(200, {});
    await app.deliver("dep-1", "dependabot_alert", payload);
    expect(scope.isDone()).toBe(true);
    expect(bodies.check.head_sha).toBe(COMMIT);
    expect(bodies.issue).toMatchObject({ title: `dependabot #${payload.alert.number}: ${payload.alert.security_advisory.summary}`, labels: ["security"] });
  });

  it("treats a secret-scanning alert as critical", async () => {
    nock.disableNetConnect();
    app = await startTestApp();
    const payload = structuredClone((ghes as Array<{ name: string; examples: any[] }>).find((e) => e.name === "secret_scanning_alert")!.examples[0]);
    payload.installation = { id: 42 };
    fakeGraphQL(API, { [payload.repository.default_branch]: { commit: COMMIT, files: [{ name: "track.yml", text: TRACK(", sources: [secretScanning]").replace("medium", "critical") }] } });
    const scope = nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(201, { id: 3, html_url: "x" })
      .post("/repos/Codertocat/Hello-World/issues")
      .reply(201, { number: 8, html_url: "https://github.com/x/8" })
      .patch("/repos/Codertocat/Hello-World/check-runs/3")
      .reply(200, {});
    await app.deliver("secret-1", "secret_scanning_alert", payload);
    expect(scope.isDone()).toBe(true);
  });

  it("feeds findings from any scanner through repository_dispatch scan-result", async () => {
    nock.disableNetConnect();
    app = await startTestApp();
    const payload = examplePayload("repository_dispatch", "on-demand-test");
    payload.action = "scan-result";
    payload.client_payload = {
      tool: "trivy",
      commit: COMMIT,
      findings: [
        { id: "CVE-2024-1", severity: "high", rule: "CVE-2024-1", title: "openssl too old", path: "Dockerfile", line: 3 },
        { id: "CVE-2024-2", severity: "low", rule: "CVE-2024-2", title: "minor" },
      ],
    };
    fakeGraphQL(API, { [payload.repository.default_branch]: { commit: COMMIT, files: [{ name: "track.yml", text: TRACK() }] } });
    const bodies: Record<string, any> = {};
    const scope = nock(API)
      .post("/repos/octo-org/octo-repo/check-runs")
      .reply(201, { id: 3, html_url: "x" })
      .post("/repos/octo-org/octo-repo/issues", (b) => ((bodies.issue = b), true))
      .reply(201, { number: 8, html_url: "https://github.com/x/8" })
      .patch("/repos/octo-org/octo-repo/check-runs/3")
      .reply(200, {});
    await app.deliver("dispatch-1", "repository_dispatch", payload);
    expect(scope.isDone()).toBe(true);
    // Only the high finding passes minSeverity: medium.
    expect(await app.store.listRuns()).toHaveLength(1);
    // A dispatched finding has no alert number: the template shows null, not nothing.
    expect(bodies.issue.title).toBe("dispatch #null: openssl too old");
  });

  it("runs a workflow again when its check run is re-requested", async () => {
    nock.disableNetConnect();
    app = await startTestApp();
    const alert = examplePayload("code_scanning_alert", "created");
    fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "track.yml", text: TRACK() }] } });
    nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .times(2)
      .reply(201, { id: 3, html_url: "x" })
      .post("/repos/Codertocat/ops/issues")
      .optionally()
      .reply(201, {})
      .post("/repos/Codertocat/Hello-World/issues")
      .reply(201, { number: 8, html_url: "https://github.com/x/8" })
      .patch("/repos/Codertocat/Hello-World/check-runs/3")
      .times(2)
      .reply(200, {});
    await app.deliver("alert-1", "code_scanning_alert", alert);
    const [first] = await app.store.listRuns();

    const rerequest = examplePayload("check_run", "rerequested");
    rerequest.repository = alert.repository;
    rerequest.check_run.name = "governance / Track alerts";
    rerequest.check_run.external_id = first!.id;
    await app.deliver("rerun-1", "check_run", rerequest);

    const runs = await app.store.listRuns();
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ status: "succeeded", workflowId: first!.workflowId, headSha: rerequest.check_run.head_sha });
    // The issue exists already for this finding: the re-run finds it instead of opening another.
    const rerun = await app.store.getRun(runs[0]!.id);
    expect(rerun!.steps[0]!.outputs).toMatchObject({ number: 8, created: false });
  });

  it("does not run a workflow again when its run's event was pruned by retention", async () => {
    nock.disableNetConnect();
    app = await startTestApp();
    const alert = examplePayload("code_scanning_alert", "created");
    fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "track.yml", text: TRACK() }] } });
    nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(201, { id: 3, html_url: "x" })
      .post("/repos/Codertocat/Hello-World/issues")
      .reply(201, { number: 8, html_url: "https://github.com/x/8" })
      .patch("/repos/Codertocat/Hello-World/check-runs/3")
      .reply(200, {});
    await app.deliver("alert-1", "code_scanning_alert", alert);
    const [first] = await app.store.listRuns();
    expect(first?.status).toBe("succeeded");
    expect(await app.store.pruneDeliveryPayloads(new Date(Date.now() + 60_000), 10)).toBe(1);

    const rerequest = examplePayload("check_run", "rerequested");
    rerequest.repository = alert.repository;
    rerequest.check_run.name = "governance / Track alerts";
    rerequest.check_run.external_id = first!.id;
    await app.deliver("rerun-1", "check_run", rerequest);
    // No new run, and nothing asked of GitHub (nock would refuse it).
    expect((await app.store.listRuns()).map((r) => r.id)).toEqual([first!.id]);
  });

  it("fails a step whose parameters cannot be rendered, saying why on the check run", async () => {
    nock.disableNetConnect();
    app = await startTestApp();
    const workflow = `name: Later
version: 1.0.0
triggers: [{ type: onScanResult }]
steps:
  - id: fix
    type: action
    action: { kind: createIssue, parameters: { title: "\${{ finding.nope.deeper }}" } }
`;
    fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "later.yml", text: workflow }] } });
    const bodies: Record<string, any> = {};
    nock(API)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(201, { id: 3, html_url: "x" })
      .patch("/repos/Codertocat/Hello-World/check-runs/3", (b) => ((bodies.done = b), true))
      .reply(200, {});
    await app.deliver("alert-1", "code_scanning_alert", examplePayload("code_scanning_alert", "created"));
    const [run] = await app.store.listRuns();
    expect(run!.status).toBe("failed");
    expect(bodies.done.conclusion).toBe("failure");
    expect(bodies.done.output.text).toContain("No such key: nope in ${{ finding.nope.deeper }}");
  });

  it("reaches GitHub Enterprise Server for REST and GraphQL alike", async () => {
    nock.disableNetConnect();
    const GHE = "https://ghe.example.com";
    app = await startTestApp({ baseUrl: `${GHE}/api/v3` });
    const graphql = fakeGraphQL(GHE, { master: { commit: COMMIT, files: [{ name: "track.yml", text: TRACK() }] } }, "/api/graphql");
    const scope = nock(`${GHE}/api/v3`)
      .post("/repos/Codertocat/Hello-World/check-runs")
      .reply(201, { id: 3, html_url: "x" })
      .post("/repos/Codertocat/Hello-World/issues")
      .reply(201, { number: 8, html_url: `${GHE}/Codertocat/Hello-World/issues/8` })
      .patch("/repos/Codertocat/Hello-World/check-runs/3")
      .reply(200, {});
    await app.deliver("alert-1", "code_scanning_alert", examplePayload("code_scanning_alert", "created"));
    expect(scope.isDone()).toBe(true);
    expect(graphql.queries[0]).toBe("list+texts master");
  });
});
