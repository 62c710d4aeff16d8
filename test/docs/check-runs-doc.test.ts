import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Run, StepRecord } from "../../src/domain/run.js";
import { checkRunReporter } from "../../src/github/check-reporter.js";
import { openStore } from "../../src/store/open-store.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { ROOT } from "../helpers/fixtures.js";

/**
 * docs/check-runs.md shows what a pull request shows: the check run the app posts for a run
 * waiting for a sign-off, made here by the app's own reporter. The page holds the exact output
 * between its markers; `UPDATE_DOCS=1 npx vitest run test/docs/check-runs-doc.test.ts`
 * rewrites it after a deliberate change of the rendering.
 */
const DOC = `${ROOT}docs/check-runs.md`;
const BEGIN = "<!-- sample: begin -->";
const END = "<!-- sample: end -->";
const T0 = "2026-03-02T09:00:00.000Z";
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

const steps: StepRecord[] = [
  { stepId: "open-issue", name: "Open an issue", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, startedAt: at(0), finishedAt: at(1_234), outputs: { number: 17, url: "https://github.com/acme/app/issues/17", created: true } },
  {
    stepId: "sign-off",
    name: "Security sign-off",
    type: "approval",
    status: "waiting",
    attempt: 1,
    startedAt: at(2_000),
    waiting: { kind: "approval", approvers: ["@acme/security-leads", "octocat"], minApprovals: 2, timeoutAt: at(72 * 3_600_000), votes: [{ actor: "octocat", decision: "approve", at: at(60_000), via: "comment" }], author: "monalisa", issues: [42] },
  },
];

const run: Run = {
  id: "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
  workflowId: "triage",
  workflowName: "Triage dependency changes",
  workflowVersion: "1.2.0",
  workflowPath: ".governance/triage.yml",
  workflowCommit: "3f9c2a1d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
  definition: {
    name: "Triage dependency changes",
    version: "1.2.0",
    triggers: [{ type: "onPR", config: {} }],
    steps: [
      { id: "open-issue", type: "action", action: { kind: "createIssue" } },
      { id: "sign-off", type: "approval", approval: { approvers: ["@acme/security-leads", "octocat"], minApprovals: 2 } },
    ],
  } as Run["definition"],
  installationId: 42,
  repository: "acme/app",
  deliveryId: "d-1",
  triggerIndex: 0,
  dedupeKey: "acme/app:triage:pr-42",
  status: "running",
  currentStepId: "sign-off",
  createdAt: T0,
  startedAt: T0,
  checkRunId: 9001,
  headSha: "9c1e5b7a2d4f6e8a0b1c3d5e7f9a1b3c5d7e9f0a",
  steps,
  log: [
    { ts: at(0), level: "info", message: "run started: Triage dependency changes 1.2.0 from .governance/triage.yml@3f9c2a1", meta: { trigger: { kind: "pullRequest", action: "opened", number: 42 } } },
    { ts: at(1_234), level: "info", message: "opened issue #17 in acme/app", meta: { stepId: "open-issue" } },
    { ts: at(2_000), level: "info", message: "step sign-off: waiting for 2 approvals from @acme/security-leads, octocat", meta: { stepId: "sign-off" } },
    { ts: at(60_000), level: "info", message: "approved by octocat (1 of 2)", meta: { stepId: "sign-off" } },
  ],
} as Run;

async function sample(): Promise<string> {
  const github = new FakeGitHub();
  const store = await openStore("sqlite::memory:");
  try {
    const repository = { id: 1, owner: "acme", name: "app", fullName: "acme/app", defaultBranch: "main", url: "https://github.com/acme/app" };
    await checkRunReporter(github, repository, { store, clock: { now: () => new Date(at(61_000)) } }).progress(run);
  } finally {
    await store.close();
  }
  const update = github.checkUpdates.at(-1)!;
  return [
    `PATCH /repos/acme/app/check-runs/${update.id}`,
    `status: ${update.status}; conclusion: ${update.conclusion ?? "(none)"}`,
    `buttons: ${(update.actions ?? []).map((a) => `[${a.label}]`).join(" ")}`,
    `title: ${update.output?.title}`,
    "",
    "summary (Markdown):",
    "",
    "```markdown",
    update.output?.summary ?? "",
    "```",
    "",
    "text (Markdown, under Details):",
    "",
    "````markdown",
    update.output?.text ?? "",
    "````",
  ].join("\n");
}

describe("docs/check-runs.md", () => {
  it("shows exactly the check run the app posts for a run waiting for a sign-off", async () => {
    const made = await sample();
    const doc = readFileSync(DOC, "utf8");
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const block = doc.slice(start + BEGIN.length, end).trim();
    if (process.env.UPDATE_DOCS) writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n${made}\n${doc.slice(end)}`);
    else expect(block).toBe(made.trim());
  });
});
