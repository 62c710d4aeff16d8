// Org-wide workflows in the engine: they run on the deliveries and schedules of the repositories their filter names, beside the repository's own workflows, and a run asked for by id that is refused is recorded failed.
import { pino } from "pino";
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Delivery, RepositoryInfo, TriggerEvent } from "../../src/domain/events.js";
import type { Finding } from "../../src/domain/finding.js";
import type { GovernanceFolder, Store } from "../../src/domain/ports.js";
import { importOrgWide } from "../../src/engine/org-wide.js";
import { refreshRepositorySchedules, refreshSchedulesAfterSave } from "../../src/engine/schedule-index.js";
import { WorkflowSource } from "../../src/engine/workflow-source.js";
import { createServices, type Services } from "../../src/services.js";
import { openStore } from "../../src/store/open-store.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { blobOid } from "../helpers/github.js";

const ACME_API: RepositoryInfo = { id: 7, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" };
const ACME_WEB: RepositoryInfo = { ...ACME_API, id: 8, name: "web", fullName: "acme/web", url: "https://github.com/acme/web" };
const OTHER: RepositoryInfo = { ...ACME_API, id: 9, owner: "other", name: "api", fullName: "other/api", url: "https://github.com/other/api" };

const OWN = `name: Repository triage
version: 1.0.0
triggers: [{ type: onScanResult }]
steps:
  - { id: own, type: action, action: { kind: createIssue, parameters: { title: "own: \${{ finding.title }}" } } }
`;

/** A GitHub whose repositories each hold OWN in `.governance/triage.yml`. */
class OneFileGitHub extends FakeGitHub {
  override async readGovernanceFolder(): Promise<GovernanceFolder> {
    return { commit: "c".repeat(40), treeOid: "t".repeat(40), files: [{ path: ".governance/triage.yml", oid: blobOid(OWN), text: OWN, byteSize: OWN.length }] };
  }
  override async governanceTreeOid() {
    return "t".repeat(40);
  }
}

const FINDING: Finding = { source: "codeScanning", severity: "high", rule: "js/sql-injection", tool: "CodeQL", title: "SQL built from user input", url: "https://github.com/acme/api/security/code-scanning/4", number: 4, state: "open", fingerprint: "codeScanning:7:4" };

function orgWide(options: { owner?: string; repositories?: string[]; trigger?: string; name?: string } = {}): string {
  return `name: ${options.name ?? "Org policy"}
version: 1.0.0
owner: ${options.owner ?? "acme"}
repositories: ${JSON.stringify(options.repositories ?? ["api"])}
triggers: [${options.trigger ?? "{ type: onScanResult }"}]
steps:
  - { id: org, type: action, action: { kind: createIssue, parameters: { title: "org: \${{ finding.title }}" } } }
`;
}

describe("org-wide workflows in the engine", () => {
  let store: Store;
  let github: OneFileGitHub;
  let services: Services;
  let deliveries = 0;
  beforeEach(async () => {
    store = await openStore("sqlite::memory:");
    github = new OneFileGitHub();
    const log = pino({ level: "silent" });
    services = createServices(new Probot({ githubToken: "t", log }), { store, log, githubFor: async () => github });
  });
  afterEach(async () => {
    await services.worker.stop();
    await store.close();
  });

  async function save(text: string) {
    const result = await importOrgWide(store, { text, format: "yaml", path: "org.yml", actor: "test", now: new Date() });
    if (!result.ok) throw new Error(JSON.stringify(result));
    return result;
  }

  async function deliver(repository: RepositoryInfo, trigger: TriggerEvent): Promise<Delivery> {
    const delivery: Delivery = { id: `d-${++deliveries}`, event: "code_scanning_alert", action: "created", installationId: 42, repository, triggers: [trigger], payload: {}, receivedAt: new Date().toISOString() };
    await store.acceptDelivery(delivery);
    await services.worker.drain();
    return delivery;
  }

  it("runs on a repository its filter names, after the repository's own workflow, and says where it comes from", async () => {
    const saved = await save(orgWide());
    await deliver(ACME_API, { kind: "finding", action: "created", finding: FINDING });
    const runs = await store.listRuns();
    expect(runs.map((r) => [r.workflowName, r.status]).sort()).toEqual([
      ["Org policy", "succeeded"],
      ["Repository triage", "succeeded"],
    ]);
    const org = runs.find((r) => r.workflowName === "Org policy")!;
    expect(org).toMatchObject({ workflowId: saved.workflow.id, workflowVersion: "1.0.0", workflowPath: `org-wide:acme/${saved.workflow.id}`, repository: "acme/api" });
    expect(org.log[0]!.message).toContain(`acme's org-wide workflow ${saved.workflow.id}`);
    expect(github.issues.map((i) => i.title).sort()).toEqual(["org: SQL built from user input", "own: SQL built from user input"]);
    const check = github.checkRuns.find((c) => c.name === "governance / Org policy")!;
    const summaries = github.checkUpdates.filter((u) => u.id === check.id).map((u) => u.output?.summary ?? "");
    expect(summaries.at(-1)).toContain(`the org-wide workflow \`${saved.workflow.id}\` of acme (kept by the app, not in this repository)`);
  });

  it("does not run on a repository its filter leaves out, nor on another owner's", async () => {
    await save(orgWide({ repositories: ["api"] }));
    await deliver(ACME_WEB, { kind: "finding", action: "created", finding: { ...FINDING, fingerprint: "codeScanning:8:4" } });
    await deliver(OTHER, { kind: "finding", action: "created", finding: { ...FINDING, fingerprint: "codeScanning:9:4" } });
    expect((await store.listRuns()).map((r) => r.workflowName)).toEqual(["Repository triage", "Repository triage"]);
  });

  it("matches its filter as globs, in any case", async () => {
    await save(orgWide({ repositories: ["W*"] }));
    await deliver(ACME_WEB, { kind: "finding", action: "created", finding: { ...FINDING, fingerprint: "codeScanning:8:4" } });
    expect((await store.listRuns()).map((r) => r.workflowName).sort()).toEqual(["Org policy", "Repository triage"]);
  });

  it("runs its latest version, and the run records which", async () => {
    const first = await save(orgWide());
    await save(orgWide().replace("version: 1.0.0", `id: ${first.workflow.id}\nversion: 1.1.0`).replace("org: ", "org v1.1: "));
    await deliver(ACME_API, { kind: "finding", action: "created", finding: FINDING });
    const org = (await store.listRuns()).find((r) => r.workflowName === "Org policy")!;
    expect(org.workflowVersion).toBe("1.1.0");
    expect(github.issues.map((i) => i.title)).toContain("org v1.1: SQL built from user input");
  });

  it("keeps the catalogue of the repository's own workflows from the reads of its default branch", async () => {
    await deliver(ACME_API, { kind: "finding", action: "created", finding: FINDING });
    const page = await store.listCatalogue({ source: "repository" });
    expect(page.entries).toEqual([
      { source: "repository", workflow: expect.objectContaining({ repository: "acme/api", installationId: 42, path: ".governance/triage.yml", commit: "c".repeat(40), name: "Repository triage" }) },
    ]);
  });

  it("is scheduled on the repositories it names, and its tick runs it", async () => {
    const saved = await save(orgWide({ trigger: '{ type: onSchedule, config: { cron: "0 9 * * *" } }' }).replace("${{ finding.title }}", "daily"));
    await refreshRepositorySchedules({ store, source: new WorkflowSource(), clock: { now: () => new Date() }, log: pino({ level: "silent" }) }, github, ACME_API, 42);
    const schedules = await store.listSchedules("acme/api");
    expect(schedules.map((s) => s.workflowPath)).toEqual([`org-wide:acme/${saved.workflow.id}`]);
    await deliver(ACME_API, { kind: "schedule", workflowPath: schedules[0]!.workflowPath, triggerIndex: 0, scheduledFor: "2026-12-04T09:00:00.000Z" });
    expect(github.issues.map((i) => i.title)).toEqual(["org: daily"]);
  });

  it("asks for its installation's schedules to be read again when a save adds or removes a schedule", async () => {
    const saved = await save(orgWide({ trigger: '{ type: onSchedule, config: { cron: "0 9 * * *" } }' }).replace("${{ finding.title }}", "daily"));
    expect(await refreshSchedulesAfterSave(store, { ...saved, workflow: { ...saved.workflow, installationId: undefined } }, undefined, new Date())).toBe(false);
    expect(await refreshSchedulesAfterSave(store, { ...saved, workflow: { ...saved.workflow, installationId: 42 } }, undefined, new Date())).toBe(true);
    const unscheduled = await save(orgWide({ name: "Plain" }));
    expect(await refreshSchedulesAfterSave(store, { ...unscheduled, workflow: { ...unscheduled.workflow, installationId: 42 } }, undefined, new Date())).toBe(false);
    expect(await refreshSchedulesAfterSave(store, { ...unscheduled, workflow: { ...unscheduled.workflow, installationId: 42 } }, saved.version.definition, new Date())).toBe(true);
  });

  it("records a run asked for by id that is refused, failed and saying why, under that id", async () => {
    await deliver(ACME_API, { kind: "manual", workflow: "no-such-workflow", inputs: {}, actor: "octocat", via: "api", runId: "0190aaaa-0000-7000-8000-000000000001" });
    const run = await store.getRun("0190aaaa-0000-7000-8000-000000000001");
    expect(run).toMatchObject({ status: "failed", repository: "acme/api" });
    expect(run!.log.map((l) => l.message).join("\n")).toMatch(/run refused: .*no-such-workflow/);
  });

  it("starts a run asked for through the API without asking GitHub for the actor's permission (the API's RBAC decided)", async () => {
    const saved = await save(orgWide({ trigger: "{ type: manual }" }).replace("${{ finding.title }}", "by hand"));
    github.permissions = { "token:ci-bot": "none" };
    await deliver(ACME_API, { kind: "manual", workflow: saved.workflow.id, inputs: {}, actor: "token:ci-bot", via: "api", runId: "0190aaaa-0000-7000-8000-000000000002" });
    expect(await store.getRun("0190aaaa-0000-7000-8000-000000000002")).toMatchObject({ status: "succeeded" });
    await deliver(ACME_API, { kind: "manual", workflow: saved.workflow.id, inputs: {}, actor: "token:ci-bot" });
    expect((await store.listRuns()).filter((r) => r.workflowName === "Org policy")).toHaveLength(1);
  });
});
