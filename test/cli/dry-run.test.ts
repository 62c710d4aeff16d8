import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplePayload } from "../helpers/app.js";
import { governanceIn, oneLine } from "./process.js";

/** A folder with `.governance/<name>` files and payload files beside it. */
function workspace(workflows: Record<string, string>, payloads: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "governance-dry-"));
  mkdirSync(join(dir, ".governance"));
  for (const [name, text] of Object.entries(workflows)) writeFileSync(join(dir, ".governance", name), text);
  for (const [name, value] of Object.entries(payloads)) writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));
  return dir;
}

const issueOn = (name: string, trigger: string, title: string) =>
  `name: ${name}\nversion: 1.0.0\ntriggers: [${trigger}]\nsteps:\n  - id: open\n    type: action\n    action: { kind: createIssue, parameters: { title: "${title}" } }\n`;

const GATE = `name: Gate
version: 1.0.0
triggers: [{ type: onScanResult }]
steps:
  - id: tell
    type: action
    action: { kind: notify, parameters: { channel: "#sec", message: "needs a look" } }
  - id: ok
    type: approval
    approval: { approvers: [lead] }
`;

const ALERT = "--event code_scanning_alert.created --payload alert.json --dry-run".split(" ");

describe("governance run --dry-run with several matching workflows", () => {
  it("gives each run the calls it made, and only those", () => {
    const dir = workspace(
      { "a.yml": issueOn("Alpha", "{ type: onScanResult }", "from alpha"), "b.yml": issueOn("Beta", "{ type: onScanResult }", "from beta"), "c.yml": GATE },
      { "alert.json": examplePayload("code_scanning_alert", "created") },
    );
    const r = governanceIn(dir, ["run", ...ALERT, "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const runs = JSON.parse(r.stdout).runs as any[];
    const callsOf = (workflow: string) => runs.find((run) => run.workflow === workflow).calls.map((c: any) => [c.kind, c.target, c.details.title ?? c.details.text]);
    expect(runs.map((run) => run.workflow).sort()).toEqual(["Alpha", "Beta", "Gate"]);
    expect(callsOf("Alpha")).toEqual([["createIssue", "Codertocat/Hello-World", "from alpha"]]);
    expect(callsOf("Beta")).toEqual([["createIssue", "Codertocat/Hello-World", "from beta"]]);
    expect(callsOf("Gate")).toEqual([["notify", "#sec", "needs a look"]]);
  });

  it("prints each run's calls under it", () => {
    const dir = workspace(
      { "a.yml": issueOn("Alpha", "{ type: onScanResult }", "from alpha"), "b.yml": issueOn("Beta", "{ type: onScanResult }", "from beta") },
      { "alert.json": examplePayload("code_scanning_alert", "created") },
    );
    const r = governanceIn(dir, ["run", ...ALERT]);
    expect(r.status).toBe(0);
    const [alpha, beta] = r.stdout.split("\nBeta (").map((part) => part.split("\n").filter((l) => l.startsWith("    createIssue")));
    expect(alpha).toEqual([expect.stringMatching(/^ {4}createIssue Codertocat\/Hello-World \{"title":"from alpha",/)]);
    expect(beta).toEqual([expect.stringMatching(/^ {4}createIssue Codertocat\/Hello-World \{"title":"from beta",/)]);
  });
});

describe("governance run --dry-run shows the check run the app posts", () => {
  it("a run waiting for approval: completed, action_required, with the Approve, Reject and Cancel buttons", () => {
    const dir = workspace({ "c.yml": GATE }, { "alert.json": examplePayload("code_scanning_alert", "created") });
    const json = governanceIn(dir, ["run", ...ALERT, "--format", "json"]);
    expect(json.status).toBe(0);
    const { checkRun } = JSON.parse(json.stdout).runs[0];
    expect(checkRun).toMatchObject({
      name: "governance / Gate",
      status: "completed",
      conclusion: "action_required",
      title: 'Waiting for approval at step "ok" (0 of 1)',
      actions: [
        { label: "Approve", identifier: "approve" },
        { label: "Reject", identifier: "reject" },
        { label: "Cancel run", identifier: "cancel" },
      ],
    });
    // Only the reporter links the run to its check run's page: this is its output, not a fresh render.
    expect(checkRun.summary).toMatch(/· run \[[0-9a-f-]{36}\]\(<https:\/\/github\.com\/Codertocat\/Hello-World\/runs\/\d+>\)/);

    const text = governanceIn(dir, ["run", ...ALERT]);
    expect(text.stdout).toContain('  check run "governance / Gate": action_required: Waiting for approval at step "ok" (0 of 1)\n    buttons: Approve, Reject, Cancel run\n');
    expect(text.stdout).not.toContain("in progress");
  });

  it("once approved, the run's check run ends in success with its buttons removed", () => {
    const dir = workspace({ "c.yml": GATE }, { "alert.json": examplePayload("code_scanning_alert", "created") });
    const r = governanceIn(dir, ["run", ...ALERT, "--approve", "--format", "json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).runs[0].checkRun).toMatchObject({ status: "completed", conclusion: "success", title: "Succeeded: 2 of 2 steps", actions: [] });
  });
});

describe("governance run --dry-run with a runRemediation step", () => {
  const FIX = `name: Fix
version: 1.0.0
triggers: [{ type: onScanResult }]
steps:
  - id: fix
    type: action
    action: { kind: runRemediation, parameters: { workflow: fix.yml, inputs: { rule: "\${{ finding.rule }}" } } }
    next: { failure: [page] }
  - id: page
    type: action
    action: { kind: createIssue, parameters: { title: "the fix failed" } }
    next: []
`;

  it("records the dispatch and leaves the step waiting, or ends the dispatched run as --remediation says", () => {
    const dir = workspace({ "fix.yml": FIX }, { "alert.json": examplePayload("code_scanning_alert", "created") });
    const waiting = governanceIn(dir, ["run", ...ALERT, "--format", "json"]);
    expect(waiting.status).toBe(0);
    const [run] = JSON.parse(waiting.stdout).runs as any[];
    expect(run.status).toBe("running");
    expect(run.calls.map((c: any) => [c.kind, c.target, c.details])).toContainEqual(["dispatchWorkflow", "Codertocat/Hello-World", { workflow: "fix.yml", ref: "master", inputs: { rule: "java/sql-injection" } }]);
    expect(JSON.stringify(run)).toContain("--remediation success");

    const failed = JSON.parse(governanceIn(dir, ["run", ...ALERT, "--remediation", "failure", "--format", "json"]).stdout).runs[0];
    expect(failed.calls.map((c: any) => c.kind)).toContain("createIssue");
    expect(failed.status).toBe("succeeded");

    const bad = governanceIn(dir, ["run", ...ALERT, "--remediation", "maybe"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--remediation");
  });
});

describe("governance run --dry-run with an assignTask step", () => {
  it("records the task's issue, with its assignees and due date, and shows the task on the check run", () => {
    const TRIAGE = `name: Triage\nversion: 1.0.0\ntriggers: [{ type: onScanResult }]\nsteps:\n  - id: task\n    type: action\n    action: { kind: assignTask, parameters: { assignees: [octocat], due: 7d } }\n`;
    const dir = workspace({ "t.yml": TRIAGE }, { "alert.json": examplePayload("code_scanning_alert", "created") });
    const r = governanceIn(dir, ["run", ...ALERT, "--format", "json"]);
    expect(r.status).toBe(0);
    const [run] = JSON.parse(r.stdout).runs as any[];
    expect(run.status).toBe("succeeded");
    const [issue] = run.calls.filter((c: any) => c.kind === "createIssue");
    expect(issue.details).toMatchObject({ title: "[high] Query built from user-controlled sources", assignees: ["octocat"] });
    expect(issue.details.body).toMatch(/\nDue: \d{4}-\d\d-\d\d\n/);
    expect(run.checkRun.summary).toMatch(/\[task #\d+\]\(<https:\/\/github\.com\/Codertocat\/Hello-World\/issues\/\d+>\), due \d{4}-\d\d-\d\d/);
  });
});

describe("governance run --schedule --dry-run", () => {
  const NIGHTLY = `name: Nightly\nversion: 1.0.0\ntriggers: [{ type: onSchedule, config: { cron: "0 3 * * *" } }]\nsteps:\n  - id: open\n    type: action\n    action: { kind: createIssue, parameters: { title: "Nightly \${{ event.payload.schedule.scheduledFor }}" } }\n`;
  const WEEKLY = `name: Weekly\nversion: 1.0.0\ntriggers: [{ type: onSchedule, config: { cron: "30 4 * * 1", timezone: Europe/Berlin } }]\nsteps:\n  - id: tell\n    type: action\n    action: { kind: notify, parameters: { channel: "#ops", message: weekly } }\n`;

  it("fires every onSchedule trigger at its latest tick at or before --at, as the scheduler's delivery", () => {
    const dir = workspace({ "n.yml": NIGHTLY, "w.yml": WEEKLY, "scan.yml": issueOn("Scan", "{ type: onScanResult }", "never") });
    // 2026-12-04 is a Friday: the weekly tick is Monday 04:30 in Berlin, 03:30 UTC.
    const r = governanceIn(dir, ["run", "--schedule", "--at", "2026-12-04T02:59:00Z", "--dry-run", "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const runs = JSON.parse(r.stdout).runs as any[];
    expect(runs.map((run) => [run.workflow, run.scheduledFor, run.status]).sort()).toEqual([
      ["Nightly", "2026-12-03T03:00:00.000Z", "succeeded"],
      ["Weekly", "2026-11-30T03:30:00.000Z", "succeeded"],
    ]);
    const nightly = runs.find((run) => run.workflow === "Nightly");
    expect(nightly.steps[0].action.parameters.title).toBe("Nightly 2026-12-03T03:00:00.000Z");
    expect(nightly.calls).toEqual([expect.objectContaining({ kind: "createIssue", target: "local/repository" })]);
  });

  it("takes a tick exactly at --at, names the repository from --payload, and prints the tick", () => {
    const dir = workspace({ "n.yml": NIGHTLY }, { "repo.json": examplePayload("code_scanning_alert", "created") });
    const r = governanceIn(dir, ["run", "--schedule", "--at", "2026-12-04T03:00:00Z", "--payload", "repo.json", "--dry-run"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Nightly (.governance/n.yml): succeeded\n  tick 2026-12-04T03:00:00.000Z\n");
    expect(r.stdout).toContain("createIssue Codertocat/Hello-World ");
  });

  it("says so when no workflow has a schedule, and refuses --at without --schedule", () => {
    const dir = workspace({ "scan.yml": issueOn("Scan", "{ type: onScanResult }", "x") });
    const none = governanceIn(dir, ["run", "--schedule", "--at", "2026-12-04T03:00:00Z", "--dry-run"]);
    expect(none.status).toBe(0);
    expect(none.stdout).toBe("No workflow in .governance has an onSchedule trigger with a tick at or before 2026-12-04T03:00:00.000Z.\n");
    const at = governanceIn(dir, ["run", "--manual", "Scan", "--at", "2026-12-04T03:00:00Z", "--dry-run"]);
    expect(at.status).toBe(2);
    expect(oneLine(at)).toBe('governance: --at: only goes with --schedule (see "governance run --help")');
    const bad = governanceIn(dir, ["run", "--schedule", "--at", "tomorrow", "--dry-run"]);
    expect(bad.status).toBe(2);
    expect(oneLine(bad)).toBe('governance: --at: "tomorrow" is not a time; expected ISO 8601, such as 2026-12-04T03:00:00Z (see "governance run --help")');
  });
});

describe("governance run --event names", () => {
  it("an unknown event is an error naming the known ones, exit status 2", () => {
    const dir = workspace({}, { "alert.json": examplePayload("code_scanning_alert", "created") });
    const r = governanceIn(dir, ["run", "--event", "pull_requst.opened", "--payload", "alert.json", "--dry-run"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(oneLine(r)).toBe(
      'governance: --event: unknown event "pull_requst" (did you mean "pull_request"?); known events: pull_request, check_run, repository_dispatch, code_scanning_alert, dependabot_alert, secret_scanning_alert, issues, issue_comment, workflow_run (see "governance run --help")',
    );
  });

  it("points schedule and manual at their own flags", () => {
    const dir = workspace({}, { "alert.json": examplePayload("code_scanning_alert", "created") });
    const schedule = governanceIn(dir, ["run", "--event", "schedule", "--payload", "alert.json", "--dry-run"]);
    expect(schedule.status).toBe(2);
    expect(oneLine(schedule)).toBe('governance: --event: "schedule" is not a webhook event: dry onSchedule workflows with --schedule [--at <time>] (see "governance run --help")');
    const manual = governanceIn(dir, ["run", "--event", "manual", "--payload", "alert.json", "--dry-run"]);
    expect(oneLine(manual)).toBe('governance: --event: "manual" is not a webhook event: start a manual workflow with --manual <workflow> (see "governance run --help")');
  });

  it("a known event whose action starts nothing is still nothing to do, exit status 0", () => {
    const dir = workspace({}, { "pr.json": examplePayload("pull_request", "opened", 1) });
    const r = governanceIn(dir, ["run", "--event", "pull_request.closed", "--payload", "pr.json", "--dry-run"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Nothing to do: pull_request.closed starts no workflow.\n");
  });

  it("a payload without an installation is given one, as the app always has", () => {
    const payload = examplePayload("pull_request", "opened", 1);
    delete payload.installation;
    const dir = workspace({ "pr.yml": issueOn("PR", "{ type: onPR }", "seen") }, { "pr.json": payload });
    const r = governanceIn(dir, ["run", "--event", "pull_request.opened", "--payload", "pr.json", "--dry-run"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("PR (.governance/pr.yml): succeeded");
  });
});

describe("governance run --dry-run and onPR paths filters", () => {
  const PATHS = issueOn("Deps", '{ type: onPR, config: { paths: ["package.json", "**/*.lock"] } }', "deps changed");

  it("without --changed-files, says the paths filter was not evaluated and how to pass the files", () => {
    const dir = workspace({ "deps.yml": PATHS, "closed.yml": issueOn("Closed", '{ type: onPR, config: { actions: [labeled], paths: ["x"] } }', "x") }, { "pr.json": examplePayload("pull_request", "opened", 1) });
    const r = governanceIn(dir, ["run", "--event", "pull_request.opened", "--payload", "pr.json", "--dry-run"]);
    expect(r.status).toBe(0);
    // Only Deps gets the hint: Closed's action filter decided before its paths were looked at.
    expect(r.stdout).toBe(
      "hint: .governance/deps.yml: the onPR paths filter (package.json, **/*.lock) was not evaluated: without --changed-files the pull request is taken to change no files, so it did not match; pass the files the pull request changes with --changed-files <file>,<file>\n" +
        "No workflow in .governance matched pull_request.opened.\n",
    );
    const json = JSON.parse(governanceIn(dir, ["run", "--event", "pull_request.opened", "--payload", "pr.json", "--dry-run", "--format", "json"]).stdout);
    expect(json.hints).toEqual([expect.stringContaining(".governance/deps.yml: the onPR paths filter (package.json, **/*.lock) was not evaluated")]);
  });

  it("with --changed-files, evaluates the filter and gives no hint", () => {
    const dir = workspace({ "deps.yml": PATHS }, { "pr.json": examplePayload("pull_request", "opened", 1) });
    const hit = governanceIn(dir, ["run", "--event", "pull_request.opened", "--payload", "pr.json", "--dry-run", "--changed-files", "src/a.ts,yarn.lock"]);
    expect(hit.status).toBe(0);
    expect(hit.stdout).not.toContain("hint:");
    expect(hit.stdout).toContain("Deps (.governance/deps.yml): succeeded");
    const miss = governanceIn(dir, ["run", "--event", "pull_request.opened", "--payload", "pr.json", "--dry-run", "--changed-files", "README.md"]);
    expect(miss.stdout).toBe("No workflow in .governance matched pull_request.opened.\n");
  });
});
