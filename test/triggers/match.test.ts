import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { describe, expect, it, vi } from "vitest";
import type { PullRequestInfo, TriggerEvent } from "../../src/domain/events.js";
import type { Finding } from "../../src/domain/finding.js";
import type { OnPRConfig, OnScanResultConfig, Trigger, Workflow } from "../../src/domain/workflow.js";
import { findingFromCodeScanningAlert, pullRequestInfo } from "../../src/events/findings.js";
import { matchWorkflow as match, triggerIO } from "../../src/triggers/match.js";
import { filtersPaths } from "../../src/triggers/on-pr.js";

type Definition = { name: string; examples: Array<Record<string, unknown>> };
const definitions = examples as unknown as Definition[];

function workflow(...triggers: Trigger[]): Workflow {
  return { name: "Test", version: "1.0.0", triggers, steps: [{ id: "s1", type: "action", action: { kind: "notify" } }] };
}
const onPR = (config?: OnPRConfig): Trigger => (config ? { type: "onPR", config } : { type: "onPR" });
const onScan = (config?: OnScanResultConfig): Trigger => (config ? { type: "onScanResult", config } : { type: "onScanResult" });

/** The real `opened` pull_request example (base master, label bug, not a draft). */
const realPR: PullRequestInfo = pullRequestInfo(definitions.find((d) => d.name === "pull_request")!.examples[12]);

function prEvent(action = "opened", changes: Partial<PullRequestInfo> = {}): TriggerEvent {
  return { kind: "pullRequest", action, pullRequest: { ...realPR, ...changes } };
}

const baseFinding: Finding = {
  source: "codeScanning",
  severity: "medium",
  rule: "js/xss",
  tool: "CodeQL",
  title: "XSS",
  url: "https://github.com/o/r/security/code-scanning/1",
  number: 1,
  state: "open",
  fingerprint: "codeScanning:1:1",
};
function findingEvent(changes: Partial<Finding> = {}): TriggerEvent {
  return { kind: "finding", action: "created", finding: { ...baseFinding, ...changes } };
}

const REPOSITORY = { id: 1, owner: "o", name: "r", fullName: "o/r", defaultBranch: "main", url: "https://github.com/o/r" };

/** The matcher with a GitHub that answers the pull request's changed files with `changedFiles`, or none (offline). */
function matchWorkflow(wf: Workflow, event: TriggerEvent, options: { changedFiles?: () => Promise<string[]> } = {}) {
  const github = options.changedFiles && { listPullRequestFiles: options.changedFiles, getPermission: async () => "none" as const };
  return match(wf, event, triggerIO(REPOSITORY, github));
}

/** A changedFiles spy that answers with `files`. */
function changed(files: string[]) {
  return vi.fn(async () => files);
}

describe("onPR", () => {
  it("matches the real opened pull request with every default", async () => {
    expect(realPR).toMatchObject({ baseRef: "master", labels: ["bug"], draft: false });
    expect(await matchWorkflow(workflow(onPR()), prEvent())).toEqual({ matched: true, triggerIndex: 0 });
  });

  it.each(["opened", "synchronize", "reopened", "ready_for_review"])("matches the default action %s", async (action) => {
    expect((await matchWorkflow(workflow(onPR()), prEvent(action))).matched).toBe(true);
  });

  it.each(["labeled", "edited", "closed", "converted_to_draft"])("does not match %s by default", async (action) => {
    expect(await matchWorkflow(workflow(onPR()), prEvent(action))).toEqual({
      matched: false,
      reason: `action ${action} is not one of opened, synchronize, reopened, ready_for_review`,
    });
  });

  it("uses the listed actions instead of the defaults", async () => {
    const wf = workflow(onPR({ actions: ["labeled"] }));
    expect((await matchWorkflow(wf, prEvent("labeled"))).matched).toBe(true);
    expect((await matchWorkflow(wf, prEvent("opened"))).matched).toBe(false);
  });

  it("skips drafts unless drafts is true", async () => {
    const draft = prEvent("opened", { draft: true });
    expect(await matchWorkflow(workflow(onPR()), draft)).toEqual({ matched: false, reason: "the pull request is a draft and drafts is not true" });
    expect((await matchWorkflow(workflow(onPR({ drafts: false })), draft)).matched).toBe(false);
    expect((await matchWorkflow(workflow(onPR({ drafts: true })), draft)).matched).toBe(true);
    expect((await matchWorkflow(workflow(onPR({ drafts: true })), prEvent())).matched).toBe(true);
  });

  it("filters on the base branch with globs", async () => {
    const wf = workflow(onPR({ branches: ["main", "release/**"] }));
    expect((await matchWorkflow(wf, prEvent("opened", { baseRef: "main" }))).matched).toBe(true);
    expect((await matchWorkflow(wf, prEvent("opened", { baseRef: "release/1.0" }))).matched).toBe(true);
    expect((await matchWorkflow(wf, prEvent("opened", { baseRef: "release/a/b" }))).matched).toBe(true);
    expect(await matchWorkflow(wf, prEvent("opened", { baseRef: "master", headRef: "main" }))).toEqual({
      matched: false,
      reason: "base branch master matches none of main, release/**",
    });
  });

  it("filters on labels: any of them", async () => {
    expect((await matchWorkflow(workflow(onPR({ labels: ["security", "bug"] })), prEvent())).matched).toBe(true);
    expect(await matchWorkflow(workflow(onPR({ labels: ["security"] })), prEvent())).toEqual({
      matched: false,
      reason: "the pull request has none of the labels security",
    });
    expect((await matchWorkflow(workflow(onPR({ labels: ["security"] })), prEvent("opened", { labels: [] }))).matched).toBe(false);
  });

  it("filters on changed paths, asking for them once", async () => {
    const files = changed(["README.md", "src/app/index.ts"]);
    expect(await matchWorkflow(workflow(onPR({ paths: ["src/**/*.ts"] })), prEvent(), { changedFiles: files })).toEqual({ matched: true, triggerIndex: 0 });
    expect(files).toHaveBeenCalledTimes(1);

    const docs = changed(["README.md", "docs/a.md"]);
    expect(await matchWorkflow(workflow(onPR({ paths: ["src/**"] })), prEvent(), { changedFiles: docs })).toEqual({
      matched: false,
      reason: "none of the 2 changed files matches src/**",
    });
    expect(await matchWorkflow(workflow(onPR({ paths: ["*.ts"] })), prEvent(), { changedFiles: changed(["src/a.ts"]) })).toMatchObject({ matched: false });
  });

  it("does not ask for changed files when no trigger filters on paths", async () => {
    const files = changed(["a"]);
    await matchWorkflow(workflow(onPR(), onPR({ branches: ["main"] })), prEvent(), { changedFiles: files });
    expect(files).not.toHaveBeenCalled();
  });

  it("does not ask for changed files when another filter already failed", async () => {
    const files = changed(["src/a.ts"]);
    const wf = workflow(onPR({ paths: ["src/**"], branches: ["main"] }), onPR({ paths: ["src/**"], labels: ["nope"] }), onPR({ paths: ["src/**"], actions: ["edited"] }));
    const result = await matchWorkflow(wf, prEvent("opened", { baseRef: "master" }), { changedFiles: files });
    expect(result.matched).toBe(false);
    expect(files).not.toHaveBeenCalled();
  });

  it("does not ask for changed files when an earlier trigger without paths matches", async () => {
    const files = changed(["src/a.ts"]);
    expect(await matchWorkflow(workflow(onPR(), onPR({ paths: ["src/**"] })), prEvent(), { changedFiles: files })).toEqual({ matched: true, triggerIndex: 0 });
    expect(files).not.toHaveBeenCalled();
  });

  it("shares one changedFiles call between several triggers with paths", async () => {
    const files = changed(["docs/x.md"]);
    const wf = workflow(onPR({ paths: ["src/**"] }), onPR({ paths: ["lib/**"] }), onPR({ paths: ["docs/**"] }));
    expect(await matchWorkflow(wf, prEvent(), { changedFiles: files })).toEqual({ matched: true, triggerIndex: 2 });
    expect(files).toHaveBeenCalledTimes(1);
  });

  it("does not match on paths when the changed files are unavailable", async () => {
    expect(await matchWorkflow(workflow(onPR({ paths: ["src/**"] })), prEvent())).toEqual({
      matched: false,
      reason: "the paths filter needs the changed files, which are not available",
    });
  });

  it("passes a failure to list the changed files on to the caller", async () => {
    const failing = vi.fn(async (): Promise<string[]> => {
      throw new Error("GitHub is down");
    });
    await expect(matchWorkflow(workflow(onPR({ paths: ["src/**"] })), prEvent(), { changedFiles: failing })).rejects.toThrow("GitHub is down");
  });

  it("reads empty filter lists as no filter", async () => {
    const files = changed([]);
    const wf = workflow(onPR({ actions: [], branches: [], labels: [], paths: [] }));
    expect((await matchWorkflow(wf, prEvent("opened", { labels: [] }), { changedFiles: files })).matched).toBe(true);
    expect(files).not.toHaveBeenCalled();
  });
});

describe("onScanResult", () => {
  it("matches every source and severity by default", async () => {
    for (const source of ["codeScanning", "dependabot", "secretScanning", "dispatch"] as const) {
      expect((await matchWorkflow(workflow(onScan()), findingEvent({ source, severity: "low" }))).matched).toBe(true);
    }
  });

  it("matches a finding made from a real code scanning alert", async () => {
    const payload = definitions.find((d) => d.name === "code_scanning_alert")!.examples[2];
    const event: TriggerEvent = { kind: "finding", action: "created", finding: findingFromCodeScanningAlert(payload) };
    expect((await matchWorkflow(workflow(onScan({ minSeverity: "high" })), event)).matched).toBe(true);
    expect((await matchWorkflow(workflow(onScan({ minSeverity: "critical" })), event)).matched).toBe(false);
  });

  it("filters on sources", async () => {
    const wf = workflow(onScan({ sources: ["dependabot", "secretScanning"] }));
    expect((await matchWorkflow(wf, findingEvent({ source: "dependabot" }))).matched).toBe(true);
    expect(await matchWorkflow(wf, findingEvent())).toEqual({ matched: false, reason: "source codeScanning is not one of dependabot, secretScanning" });
  });

  it.each([
    ["low", ["low", "medium", "high", "critical"]],
    ["medium", ["medium", "high", "critical"]],
    ["high", ["high", "critical"]],
    ["critical", ["critical"]],
  ] as const)("minSeverity %s lets through %j", async (min, expected) => {
    const passed = [];
    for (const severity of ["low", "medium", "high", "critical"] as const) {
      if ((await matchWorkflow(workflow(onScan({ minSeverity: min })), findingEvent({ severity }))).matched) passed.push(severity);
    }
    expect(passed).toEqual(expected);
  });

  it("explains a severity below the floor", async () => {
    expect(await matchWorkflow(workflow(onScan({ minSeverity: "high" })), findingEvent())).toEqual({ matched: false, reason: "severity medium is below minSeverity high" });
  });

  it("compares secret scanning with secretScanningSeverity", async () => {
    const secret = findingEvent({ source: "secretScanning", severity: "critical" });
    expect((await matchWorkflow(workflow(onScan({ minSeverity: "critical" })), secret)).matched).toBe(true);
    expect(await matchWorkflow(workflow(onScan({ minSeverity: "high", secretScanningSeverity: "medium" })), secret)).toEqual({
      matched: false,
      reason: "severity medium is below minSeverity high",
    });
    // Only secret scanning takes the override.
    expect((await matchWorkflow(workflow(onScan({ minSeverity: "medium", secretScanningSeverity: "low" })), findingEvent())).matched).toBe(true);
  });

  it("matches check run findings only for the listed checkNames", async () => {
    const check = findingEvent({ source: "checkRun", tool: "Trivy scan", severity: "high" });
    expect(await matchWorkflow(workflow(onScan()), check)).toEqual({ matched: false, reason: "check run findings need checkNames, and none are listed" });
    expect((await matchWorkflow(workflow(onScan({ checkNames: ["Snyk", "Trivy scan"] })), check)).matched).toBe(true);
    expect(await matchWorkflow(workflow(onScan({ checkNames: ["Snyk"] })), check)).toEqual({ matched: false, reason: "check Trivy scan is not one of the checkNames Snyk" });
    expect((await matchWorkflow(workflow(onScan({ checkNames: ["Trivy scan"], sources: ["dependabot"] })), check)).matched).toBe(false);
  });
});

describe("several triggers and other events", () => {
  it("reports the first trigger that matches", async () => {
    const wf = workflow(onPR(), onScan({ minSeverity: "critical" }), onScan({ sources: ["codeScanning"] }), onScan());
    expect(await matchWorkflow(wf, findingEvent())).toEqual({ matched: true, triggerIndex: 2 });
  });

  it("names each candidate trigger when none matches", async () => {
    const wf = workflow(onScan({ minSeverity: "critical" }), onPR(), onScan({ sources: ["dependabot"] }));
    expect(await matchWorkflow(wf, findingEvent())).toEqual({
      matched: false,
      reason: "triggers[0]: severity medium is below minSeverity critical; triggers[2]: source codeScanning is not one of dependabot",
    });
  });

  it("does not start a workflow without a trigger for the event's kind", async () => {
    const schedule: Trigger = { type: "onSchedule", config: { cron: "0 9 * * MON" } };
    expect(await matchWorkflow(workflow(schedule, { type: "manual" }, onScan()), prEvent())).toEqual({ matched: false, reason: "the workflow has no onPR trigger" });
    expect(await matchWorkflow(workflow(onPR()), findingEvent())).toEqual({ matched: false, reason: "the workflow has no onScanResult trigger" });
  });

  it("never matches re-runs (the engine handles them)", async () => {
    const files = changed(["a"]);
    const rerun: TriggerEvent = { kind: "rerun", checkRunId: 1, runId: "r", headSha: "abc" };
    expect(await matchWorkflow(workflow(onPR(), onScan()), rerun, { changedFiles: files })).toEqual({
      matched: false,
      reason: "rerun events are not matched against triggers",
    });
    expect(files).not.toHaveBeenCalled();
  });
});

describe("filtersPaths", () => {
  it("is true only when an onPR trigger filters on paths", () => {
    expect(filtersPaths({ paths: ["src/**"] })).toBe(true);
    expect(filtersPaths({ branches: ["main"], labels: ["x"] })).toBe(false);
    expect(filtersPaths({ paths: [] })).toBe(false);
    expect(filtersPaths(undefined)).toBe(false);
  });
});
