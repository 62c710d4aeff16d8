import { describe, expect, it } from "vitest";
import type { Run, StepRecord } from "../../src/domain/run.js";
import { escapeMarkdown, formatElapsed, markdownLink, renderRunCheck, type RunCheck } from "../../src/github/render-run.js";
import { GITHUB_TEXT_LIMIT, truncate } from "../../src/github/truncate.js";

const T0 = "2025-03-02T09:00:00.000Z";
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

function makeRun(overrides: Partial<Run> = {}): Run {
  return {
    id: "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    workflowId: "acme/app:.governance/high-alerts.yml",
    workflowName: "Track high-severity alerts",
    workflowVersion: "1.0.0",
    workflowPath: ".governance/high-alerts.yml",
    workflowCommit: "3f9c2a1d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
    definition: {
      name: "Track high-severity alerts",
      version: "1.0.0",
      triggers: [{ type: "onScanResult", config: { minSeverity: "high" } }],
      steps: [{ id: "open-issue", type: "action", action: { kind: "createIssue" } }],
    },
    installationId: 42,
    repository: "acme/app",
    deliveryId: "d-1",
    triggerIndex: 0,
    dedupeKey: "acme/app:high-alerts:finding-1",
    status: "succeeded",
    createdAt: T0,
    startedAt: T0,
    steps: [],
    log: [],
    ...overrides,
  };
}

const openIssue: StepRecord = {
  stepId: "open-issue",
  name: "Open an issue",
  type: "action",
  kind: "createIssue",
  status: "succeeded",
  attempt: 1,
  startedAt: at(0),
  finishedAt: at(1_234),
  outputs: { number: 17, url: "https://github.com/acme/app/issues/17", created: true },
};

const tellTeam: StepRecord = {
  stepId: "tell-team",
  type: "action",
  kind: "notify",
  status: "succeeded",
  attempt: 1,
  startedAt: at(1_300),
  finishedAt: at(185_300),
  outputs: { delivered: true, url: "https://github.com/acme/app/issues/17#issuecomment-99" },
};

const log = [
  { ts: at(0), level: "info" as const, message: "run started", meta: { trigger: "onScanResult", finding: "CodeQL js/sql-injection" } },
  { ts: at(1_234), level: "info" as const, message: "issue created", meta: { stepId: "open-issue", number: 17 } },
  { ts: at(185_300), level: "info" as const, message: "run succeeded" },
];

/** One Markdown file per case, so a reviewer sees exactly what GitHub will show. */
function asDocument(check: RunCheck): string {
  return [
    `<!-- name: ${check.name} -->`,
    `<!-- status: ${check.status}; conclusion: ${check.conclusion ?? "(none)"} -->`,
    `<!-- title: ${check.title} -->`,
    "",
    "<!-- summary -->",
    check.summary,
    "<!-- text -->",
    check.text,
  ].join("\n");
}

describe("renderRunCheck", () => {
  it("renders a succeeded run", async () => {
    const run = makeRun({ steps: [openIssue, tellTeam], log, finishedAt: at(185_300) });
    const check = renderRunCheck(run, { runUrl: "https://governance.example.test/runs/0195a1b2" });
    expect(check).toMatchObject({ name: "governance / Track high-severity alerts", status: "completed", conclusion: "success", title: "Succeeded: 2 of 2 steps" });
    await expect(asDocument(check)).toMatchFileSnapshot("./__snapshots__/render-run.succeeded.md");
  });

  it("renders a failed run with the error of the failing step", async () => {
    const failed: StepRecord = {
      ...tellTeam,
      status: "failed",
      finishedAt: at(11_300),
      outputs: undefined,
      error: "notify: delivery to \"#sec-team\" failed: no answer within 10 s\n    at WebhookNotifier.send",
    };
    const run = makeRun({
      status: "failed",
      currentStepId: "tell-team",
      steps: [openIssue, failed, { stepId: "close-out", type: "action", kind: "notify", status: "skipped", attempt: 1 }],
      log: [...log.slice(0, 2), { ts: at(11_300), level: "error", message: "step failed", meta: { stepId: "tell-team", error: "no answer within 10 s" } }],
      finishedAt: at(11_300),
    });
    const check = renderRunCheck(run);
    expect(check).toMatchObject({ status: "completed", conclusion: "failure", title: 'Failed at step "tell-team" (notify)' });
    expect(check.text).toContain("### Errors");
    await expect(asDocument(check)).toMatchFileSnapshot("./__snapshots__/render-run.failed.md");
  });

  it("renders a running run without a conclusion", async () => {
    const waiting: StepRecord = { stepId: "sign-off", name: "Security sign-off", type: "approval", status: "running", attempt: 1, startedAt: at(2_000) };
    const run = makeRun({ status: "running", currentStepId: "sign-off", steps: [openIssue, waiting], log: log.slice(0, 2) });
    const check = renderRunCheck(run);
    expect(check.status).toBe("in_progress");
    expect(check).not.toHaveProperty("conclusion");
    expect(check.title).toBe('Running step "sign-off" (1 of 2 steps done)');
    await expect(asDocument(check)).toMatchFileSnapshot("./__snapshots__/render-run.running.md");
  });

  it("maps every run status to GitHub's status and conclusion", () => {
    const cases = [
      ["pending", "in_progress", undefined],
      ["running", "in_progress", undefined],
      ["succeeded", "completed", "success"],
      ["failed", "completed", "failure"],
      ["cancelled", "completed", "cancelled"],
    ] as const;
    for (const [status, checkStatus, conclusion] of cases) {
      const check = renderRunCheck(makeRun({ status }));
      expect([check.status, check.conclusion]).toEqual([checkStatus, conclusion]);
    }
  });

  it("is deterministic: the same run renders the same check", () => {
    const run = makeRun({ steps: [openIssue, tellTeam], log });
    expect(renderRunCheck(run)).toEqual(renderRunCheck(structuredClone(run)));
  });

  it("keeps a 100k-line log within GitHub's limit, cut at a line, ending with the marker", () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ ts: at(i), level: "debug" as const, message: `entry ${i}`, meta: { i } }));
    const check = renderRunCheck(makeRun({ steps: [openIssue], log: entries }));
    expect(check.text.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(check.text).toMatch(/\n```\n\n… truncated: [\d,]+ more characters not shown \(GitHub allows 65,535\)$/);
    // The cut is at a line boundary: the last kept line is whole.
    const body = check.text.split("\n```\n\n…")[0]!;
    expect(body.split("\n").at(-1)).toMatch(/^\d\d:\d\d:\d\d\.\d{3} DEBUG entry \d+ i=\d+$/);
  });

  it("keeps a summary of thousands of steps within GitHub's limit", () => {
    const steps = Array.from({ length: 3_000 }, (_, i) => ({ ...openIssue, stepId: `step-${i}`, attempt: 1 }));
    const check = renderRunCheck(makeRun({ steps }));
    expect(check.summary.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(check.summary).toMatch(/… truncated: [\d,]+ more characters not shown \(GitHub allows 65,535\)$/);
  });

  it("escapes Markdown and HTML from names, ids, errors and log lines", () => {
    const evil = "x | y <img src=x onerror=alert(1)> **bold** [link](https://evil.test) `code` $math$\n# heading";
    const run = makeRun({
      status: "failed",
      workflowName: evil,
      workflowVersion: "1.0.0<script>",
      steps: [{ stepId: "s1", name: evil, type: "action", kind: "notify", status: "failed", attempt: 1, error: "```\n<script>alert(1)</script>\n```" }],
      log: [{ ts: T0, level: "error", message: "```\n</details><script>", meta: { note: evil } }],
    });
    const { summary, text, name, title } = renderRunCheck(run);
    // In the summary, untrusted text is escaped: no tag, link or heading survives.
    expect(summary).not.toMatch(/(?<!\\)<(img|script)|(?<!\\)\[link(?<!\\)\]\(|\n# heading/);
    // In the text, it stays inside code blocks whose fences it cannot close.
    expect(text).toContain("````text\n09:00:00.000 ERROR ``` ⏎ </details><script> note=");
    expect(text).not.toContain("\n# heading");
    // Every table row still has exactly six unescaped pipes: nothing split a cell.
    const row = summary.split("\n").find((l) => l.startsWith("| s1"))!;
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(6);
    // The error's own fence cannot close the block around it.
    expect(text).toContain("````text\n```\n<script>alert(1)</script>\n```\n````");
    expect(name).not.toContain("\n");
    expect(title).toBe("Failed at step \"s1\" (notify)");
  });

  it("shows a script's exit code, a dispatched run's link, and what a runRemediation step waits for", () => {
    const script: StepRecord = { stepId: "rotate", type: "action", kind: "runScript", status: "failed", attempt: 1, startedAt: at(1_000), finishedAt: at(2_000), outputs: { exitCode: 3 }, error: "exited with code 3" };
    const dispatch: StepRecord = {
      stepId: "fix",
      type: "action",
      kind: "runRemediation",
      status: "waiting",
      attempt: 1,
      startedAt: at(3_000),
      outputs: { runId: 77, runUrl: "https://github.com/a/b/actions/runs/77" },
      waiting: { kind: "event", event: "workflowRunCompleted", target: "run:a/b:77", repository: "a/b" },
    };
    const waiting = renderRunCheck(makeRun({ status: "running", currentStepId: "fix", steps: [script, dispatch], log: [] }));
    expect(waiting.summary.split("\n").find((l) => l.startsWith("| rotate"))).toContain("| exit 3 |");
    expect(waiting.summary.split("\n").find((l) => l.startsWith("| fix"))).toContain("[workflow run](<https://github.com/a/b/actions/runs/77>)");
    expect(waiting.title).toBe('Waiting at step "fix" (for workflow run 77 to complete)');
    const unknown = { ...dispatch, outputs: {}, waiting: { ...dispatch.waiting!, target: "dispatch:a/b:.github/workflows/fix.yml", dispatch: { workflowPath: ".github/workflows/fix.yml", since: at(3_000) } } } as StepRecord;
    expect(renderRunCheck(makeRun({ status: "running", currentStepId: "fix", steps: [unknown], log: [] })).title).toBe('Waiting at step "fix" (for the dispatched run of .github/workflows/fix.yml to start and complete)');
  });

  it("links only http(s) URLs without credentials", () => {
    expect(markdownLink("issue", "https://github.com/a/b/issues/1")).toBe("[issue](<https://github.com/a/b/issues/1>)");
    expect(markdownLink("x", "javascript:alert(1)")).toBe("");
    expect(markdownLink("x", "https://user:token@example.test/")).toBe("");
    expect(markdownLink("x", "https://example.test/a|b>(c)")).toBe("[x](<https://example.test/a%7Cb%3E%28c%29>)");
    expect(escapeMarkdown("a_b*c")).toBe("a\\_b\\*c");
  });

  it("formats durations", () => {
    expect([350, 1_234, 59_999, 184_000, 7_500_000, 200_000_000, -1, NaN].map(formatElapsed)).toEqual(["350ms", "1.2s", "59.9s", "3m 4s", "2h 5m", "2d 7h", "—", "—"]);
  });
});

describe("truncate", () => {
  it("returns text that fits unchanged", () => {
    expect(truncate("short", 10)).toBe("short");
    expect(truncate("x".repeat(GITHUB_TEXT_LIMIT))).toHaveLength(GITHUB_TEXT_LIMIT);
  });

  it("cuts at a line boundary and says how much is missing", () => {
    const text = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const out = truncate(text, 60, (n) => `\n[${n} more]`);
    expect(out.length).toBeLessThanOrEqual(60);
    expect(out).toMatch(/^line 0\n(line \d+\n)*line \d+\n\[\d+ more\]$/);
    const kept = out.slice(0, out.lastIndexOf("\n["));
    expect(out).toContain(`[${text.length - kept.length} more]`);
  });

  it("cuts mid-line when no line boundary is near, never splitting a surrogate pair", () => {
    const out = truncate("😀".repeat(100), 51, "!");
    expect(out.length).toBeLessThanOrEqual(51);
    expect(out).toBe(`${"😀".repeat(25)}!`);
  });

  it("uses the default marker and never exceeds the limit, whatever the limit", () => {
    const text = "abc\n".repeat(50_000);
    for (const limit of [0, 5, 100, 1_000, GITHUB_TEXT_LIMIT]) expect(truncate(text, limit).length).toBeLessThanOrEqual(limit);
    expect(truncate(text)).toMatch(/\n\n… truncated: [\d,]+ more characters not shown \(GitHub allows 65,535\)$/);
  });
});
