import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplePayload } from "../helpers/app.js";
import { governance } from "../helpers/cli.js";

const SEED_ARGS = ["run", "--event", "code_scanning_alert.created", "--payload", "examples/code-scanning-alert.created.json", "--workflows", "examples/.governance", "--dry-run"];

function workspace(workflows: Record<string, string>, payloads: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "governance-run-"));
  mkdirSync(join(dir, ".governance"));
  for (const [name, text] of Object.entries(workflows)) writeFileSync(join(dir, ".governance", name), text);
  for (const [name, value] of Object.entries(payloads)) writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));
  return dir;
}

describe("governance run --dry-run", () => {
  it("runs the original design's workflow against the shipped example payload", () => {
    const r = governance(SEED_ARGS);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Auto-fix high severity findings (.governance/auto-fix-high-severity.json): succeeded");
    expect(r.stdout).toContain('  ✓ s1 createIssue {"project":"ops"}');
    expect(r.stdout).toMatch(/createIssue Codertocat\/ops \{"title":"\[high\] Query built from user-controlled sources"/);
    expect(r.stdout).toContain("notify #sec-team");
    expect(r.stdout).toContain('check run "governance / Auto-fix high severity findings": success: Succeeded: 2 of 2 steps');
  });

  it("prints the documented JSON with --format json", () => {
    const r = governance([...SEED_ARGS, "--format", "json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0]).toMatchObject({
      workflow: "Auto-fix high severity findings",
      status: "succeeded",
      steps: [
        { id: "s1", status: "succeeded", action: { kind: "createIssue", parameters: { project: "ops" } } },
        { id: "s2", status: "succeeded", action: { kind: "notify", parameters: { channel: "#sec-team" } } },
      ],
      checkRun: { name: "governance / Auto-fix high severity findings", conclusion: "success", title: "Succeeded: 2 of 2 steps" },
    });
    expect(out.runs[0].checkRun.summary).toContain("| s1");
  });

  it("templates parameters and says plainly when nothing matched", () => {
    const dir = workspace(
      {
        "pr.yml": 'name: PR note\nversion: 1.0.0\ntriggers: [{ type: onPR }]\nsteps:\n  - id: c\n    type: action\n    action: { kind: notify, parameters: { comment: "Hi ${{ pullRequest.author }}, #${{ pullRequest.number + 1 }}" } }\n',
      },
      { "pr.json": examplePayload("pull_request", "opened", 1), "alert.json": examplePayload("dependabot_alert", "created") },
    );
    const r = governance(["run", "--event", "pull_request.opened", "--payload", "pr.json", "--dry-run", "--format", "json"], dir);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.runs[0].steps[0].action.parameters.comment).toBe("Hi Codertocat, #3");
    expect(out.runs[0].calls).toEqual([expect.objectContaining({ kind: "createComment", target: "Codertocat/Hello-World#2" })]);

    const none = governance(["run", "--event", "dependabot_alert.created", "--payload", "alert.json", "--dry-run"], dir);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain("No workflow in .governance matched dependabot_alert.created.");
  });

  it("exits 1 when a run fails, and lists invalid files as skipped", () => {
    const dir = workspace(
      {
        "later.yml": "name: Later\nversion: 1.0.0\ntriggers: [{ type: onScanResult }]\nsteps:\n  - id: fix\n    type: action\n    action: { kind: createIssue, parameters: { title: \"${{ finding.nope.deeper }}\" } }\n",
        "broken.yml": "name: Broken\n",
      },
      { "alert.json": examplePayload("code_scanning_alert", "created") },
    );
    const r = governance(["run", "--event", "code_scanning_alert.created", "--payload", "alert.json", "--dry-run"], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('.governance/broken.yml:1:1: error: missing required field "version" (file skipped)');
    expect(r.stdout).toContain('✗ fix createIssue {"title":"${{ finding.nope.deeper }}"}: No such key: nope in ${{ finding.nope.deeper }}');
  });

  it("exits 2 on bad usage or an unreadable payload, with the reason", () => {
    const dir = workspace({}, { "bad.json": "{ not json" });
    const cases: Array<[string[], RegExp]> = [
      [["run", "--event", "pull_request", "--payload", "missing.json", "--dry-run"], /^governance: missing\.json: cannot read the payload: ENOENT\n$/],
      [["run", "--event", "pull_request", "--payload", "bad.json", "--dry-run"], /^governance: bad\.json: the payload is not valid JSON: [^\n]+\n$/],
      [["run", "--event", "pull_request", "--payload", "bad.json"], /^governance: --dry-run: required: running against GitHub from the command line is not supported yet \(see "governance run --help"\)\n$/],
      [["run", "--payload", "bad.json", "--dry-run"], /^governance: --event: required \(for example --event code_scanning_alert\.created\)/],
      [["run", "--event", "x", "--payload", "bad.json", "--dry-run", "--bogus"], /^governance: --bogus: unknown option \(see "governance run --help"\)\n$/],
    ];
    for (const [args, message] of cases) {
      const r = governance(args, dir);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe("governance run --dry-run with control flow", () => {
  const TRIAGE = `name: Manual triage
version: 1.0.0
triggers:
  - type: manual
    config:
      inputs:
        reason: { type: string, required: true }
        days: { type: number, default: 1 }
steps:
  - id: open
    type: action
    action: { kind: createIssue, parameters: { title: "Triage: \${{ inputs.reason }} (\${{ inputs.days + 1 }} days)" } }
  - id: cool
    type: wait
    wait: { duration: 24h }
  - id: ok
    type: approval
    approval: { approvers: [lead] }
    next: { approved: [tell], rejected: [sorry] }
  - id: tell
    type: action
    action: { kind: notify, parameters: { comment: "approved" } }
    next: []
  - id: sorry
    type: action
    action: { kind: notify, parameters: { comment: "rejected" } }
    next: []
`;

  it("starts a manual workflow with typed inputs, skips waits and stops at an unanswered approval", () => {
    const dir = workspace({ "triage.yml": TRIAGE });
    const r = governance(["run", "--manual", "Manual triage", "--input", "reason=leak", "--dry-run", "--format", "json"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [run] = JSON.parse(r.stdout).runs;
    expect(run.status).toBe("running");
    expect(run.steps.map((s: any) => [s.id, s.status, s.outcome ?? null, s.note ?? null])).toEqual([
      ["open", "succeeded", null, null],
      ["cool", "succeeded", "done", "would wait 1d"],
      ["ok", "waiting", null, "waits for approval (pass --approve or --reject to continue)"],
    ]);
    expect(run.steps[0].action.parameters.title).toBe("Triage: leak (2 days)");
  });

  it("answers approvals with --approve and --reject", () => {
    const dir = workspace({ "triage.yml": TRIAGE });
    const approved = JSON.parse(governance(["run", "--manual", "triage", "--input", "reason=x", "--approve", "--dry-run", "--format", "json"], dir).stdout).runs[0];
    expect(approved.status).toBe("succeeded");
    expect(approved.steps.map((s: any) => s.id)).toEqual(["open", "cool", "ok", "tell"]);
    expect(approved.steps[2]).toMatchObject({ outcome: "approved", note: "answered by --approve" });
    const rejected = governance(["run", "--manual", "triage", "--input", "reason=x", "--reject", "--dry-run"], dir);
    expect(rejected.status).toBe(0);
    expect(rejected.stdout).toContain("✓ ok → rejected (answered by --reject)");
    expect(rejected.stdout).toContain('✓ sorry notify {"comment":"rejected"}');
  });

  it("refuses a manual run with bad inputs or an unknown workflow, with exit status 2", () => {
    const dir = workspace({ "triage.yml": TRIAGE });
    const missing = governance(["run", "--manual", "triage", "--dry-run"], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('input "reason" is required');
    const unknown = governance(["run", "--manual", "nothing-like-it", "--dry-run"], dir);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("nothing-like-it");
    const both = governance(["run", "--manual", "triage", "--approve", "--reject", "--dry-run"], dir);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("give --approve or --reject, not both");
  });
});
