import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActionContext } from "../../src/actions/index.js";
import { createIssue } from "../../src/actions/create-issue.js";
import { notify } from "../../src/actions/notify.js";
import type { Delivery, TriggerEvent } from "../../src/domain/events.js";
import type { Finding } from "../../src/domain/finding.js";
import type { EffectDone, Store } from "../../src/domain/ports.js";
import type { Run } from "../../src/domain/run.js";
import type { ActionStep, Workflow } from "../../src/domain/workflow.js";
import { RecordingNotifier } from "../../src/github/recording-port.js";
import { openStore } from "../../src/store/open-store.js";
import { FakeGitHub } from "../helpers/fake-github.js";

const repository = { id: 1, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" };
const finding: Finding = {
  source: "codeScanning",
  severity: "high",
  rule: "js/sql-injection",
  tool: "CodeQL",
  title: "SQL injection",
  url: "https://github.com/acme/api/security/code-scanning/3",
  number: 3,
  state: "open",
  fingerprint: "codeScanning:1:3",
};
const workflow: Workflow = { name: "Track", version: "1.0.0", triggers: [{ type: "onScanResult" }], steps: [] };

let store: Store;
let github: FakeGitHub;
let notifier: RecordingNotifier;
let now: Date;

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  github = new FakeGitHub();
  notifier = new RecordingNotifier((c) => c === "#sec-team");
  now = new Date("2026-11-26T10:00:00Z");
});
afterEach(async () => store.close());

function context(step: ActionStep, parameters: Record<string, unknown>, options: { runId?: string; trigger?: TriggerEvent; runSteps?: Run["steps"]; lineage?: Run["steps"] } = {}): ActionContext {
  const trigger = options.trigger ?? { kind: "finding", action: "created", finding };
  const delivery: Delivery = { id: "d1", event: "code_scanning_alert", action: "created", installationId: 1, repository, triggers: [trigger], payload: {}, receivedAt: now.toISOString() };
  const runId = options.runId ?? "run-1";
  const run = { id: runId, workflowId: "wf-1", steps: options.runSteps ?? [] } as unknown as Run;
  return {
    run,
    step,
    parameters,
    workflow,
    delivery,
    trigger,
    repository,
    stepOutputs: {},
    // By default every earlier step led here, the latest nearest.
    lineage: options.lineage ?? [...(options.runSteps ?? [])].reverse(),
    idempotencyKey: `${runId}:${step.id}:1`,
    github,
    notifier,
    store,
    clock: { now: () => now },
    log: () => {},
  };
}

const issueStep: ActionStep = { id: "open", type: "action", action: { kind: "createIssue" } };
const notifyStep: ActionStep = { id: "tell", type: "action", action: { kind: "notify" } };

describe("createIssue", () => {
  it("opens one issue in the project repository, with the marker in its body", async () => {
    const out = await createIssue(context(issueStep, { project: "ops", labels: ["security"], assignees: ["@octocat"] }));
    expect(out).toEqual({ number: 1, url: "https://github.com/acme/ops/issues/1", created: true });
    expect(github.issues[0]).toMatchObject({ repo: "acme/ops", title: "[high] SQL injection", labels: ["security"], assignees: ["octocat"] });
    expect(github.issues[0]!.body).toMatch(/<!-- governance:issue:[0-9a-f]{24} -->$/);
  });

  it("never opens a second issue for the same finding, in another run", async () => {
    await createIssue(context(issueStep, {}, { runId: "run-1" }));
    const again = await createIssue(context(issueStep, {}, { runId: "run-2" }));
    expect(again).toMatchObject({ number: 1, created: false });
    expect(github.issues).toHaveLength(1);
  });

  it("opens one issue per run step when there is no finding", async () => {
    const trigger: TriggerEvent = { kind: "pullRequest", action: "opened", pullRequest: { number: 4, title: "t", author: "a", baseRef: "main", headRef: "f", headSha: "s", labels: [], draft: false, url: "u" } };
    await createIssue(context(issueStep, {}, { runId: "run-1", trigger }));
    await createIssue(context(issueStep, {}, { runId: "run-1", trigger }));
    await createIssue(context(issueStep, {}, { runId: "run-2", trigger }));
    expect(github.issues.map((i) => i.title)).toEqual(["Follow up on #4: t", "Follow up on #4: t"]);
  });

  it("finds the issue a crashed attempt made instead of opening another (502 after the create)", async () => {
    github.failAfterWrite = true;
    await expect(createIssue(context(issueStep, {}))).rejects.toThrow("Bad Gateway");
    expect(github.issues).toHaveLength(1);
    // Retried at once: the marker finds the issue.
    const out = await createIssue(context(issueStep, {}));
    expect(out).toMatchObject({ number: 1, created: false });
    expect(github.issues).toHaveLength(1);
  });

  it("makes the issue when an attempt died after claiming and before creating it", async () => {
    await store.claimEffect(`createIssue:acme/api:wf-1:open:${finding.fingerprint}`, "createIssue", now);
    expect(await createIssue(context(issueStep, {}))).toMatchObject({ number: 1, created: true });
    expect(github.issues).toHaveLength(1);
  });
});

describe("notify", () => {
  const prTrigger: TriggerEvent = { kind: "pullRequest", action: "opened", pullRequest: { number: 9, title: "t", author: "a", baseRef: "main", headRef: "f", headSha: "s", labels: [], draft: false, url: "u" } };

  it("comments on the pull request with mentions, and messages the channel, once each", async () => {
    const params = { channel: "#sec-team", comment: true, mention: ["octocat", "@acme/security"], message: "Please look" };
    const first = await notify(context(notifyStep, params, { trigger: prTrigger }));
    const second = await notify(context(notifyStep, params, { trigger: prTrigger }));
    expect(first.delivered).toEqual(["comment", "#sec-team"]);
    expect(second.delivered).toEqual(["comment", "#sec-team"]);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]).toMatchObject({ repo: "acme/api", issue: 9 });
    expect(github.comments[0]!.body).toMatch(/^@octocat @acme\/security Please look\n\n<!-- governance:comment:/);
    expect(notifier.calls).toEqual([{ kind: "notify", target: "#sec-team", details: { text: "@octocat @acme/security Please look" } }]);
  });

  it("refuses an unconfigured channel before sending anything, saying how to configure it", async () => {
    const error = await notify(context(notifyStep, { channels: ["#sec-team", "#nowhere"], comment: true }, { trigger: prTrigger })).catch((e: unknown) => e);
    expect((error as Error).message).toBe('channel #nowhere is not configured; add notify.channels["#nowhere"].webhookUrl to the operator configuration file named by GOVERNANCE_CONFIG');
    expect(notifier.calls).toEqual([]);
    expect(github.comments).toEqual([]);
  });

  it("comments on the issue an earlier step opened when the event has no pull request", async () => {
    const runSteps: Run["steps"] = [{ stepId: "open", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, parameters: { project: "ops" }, outputs: { number: 12 } }];
    await notify(context(notifyStep, { comment: "Triaged" }, { runSteps }));
    expect(github.comments[0]).toMatchObject({ repo: "acme/ops", issue: 12 });
  });

  it("sends mentions with the channel message, and does not comment, when the step has a channel", async () => {
    // The README's page step: an alert has no pull request or issue, and none is needed.
    const out = await notify(context(notifyStep, { channel: "#sec-team", mention: ["octocat", "@acme/security"], message: "Critical" }));
    expect(out.delivered).toEqual(["#sec-team"]);
    expect(notifier.calls).toEqual([{ kind: "notify", target: "#sec-team", details: { text: "@octocat @acme/security Critical" } }]);
    expect(github.comments).toEqual([]);
  });

  it("comments only on an issue its own branch opened, never on one a parallel branch opened", async () => {
    const sibling: Run["steps"] = [{ stepId: "open-task", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, parameters: {}, outputs: { number: 12 } }];
    // Mentions without a channel make a comment; the only issue is a parallel branch's.
    await expect(notify(context(notifyStep, { mention: ["octocat"] }, { runSteps: sibling, lineage: [] }))).rejects.toThrow(
      "notify comment: this event has no pull request or issue to comment on, and no createIssue or assignTask step before this one on its branch opened one",
    );
    // On its branch, the nearest one is taken.
    const own: Run["steps"] = [
      { stepId: "first", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, parameters: {}, outputs: { number: 3 } },
      { stepId: "second", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, parameters: {}, outputs: { number: 4 } },
    ];
    await notify(context(notifyStep, { mention: ["octocat"] }, { runSteps: [...own, ...sibling], lineage: [own[1]!, own[0]!] }));
    expect(github.comments).toEqual([expect.objectContaining({ repo: "acme/api", issue: 4 })]);
    expect(notifier.calls).toEqual([]);
  });

  it("fails clearly when there is nothing to comment on", async () => {
    await expect(notify(context(notifyStep, { comment: true }))).rejects.toThrow("this event has no pull request or issue to comment on");
  });
});

describe("the effect ledger (effects recorded with the run's next commit)", () => {
  const prTrigger: TriggerEvent = { kind: "pullRequest", action: "opened", pullRequest: { number: 9, title: "t", author: "a", baseRef: "main", headRef: "f", headSha: "s", labels: [], draft: false, url: "u" } };
  type Ledger = NonNullable<ActionContext["effects"]> & { recorded: EffectDone[] };
  const ledger = (fresh: boolean): Ledger => {
    const recorded: EffectDone[] = [];
    return { fresh, maybeMade: !fresh, since: now, done: (e) => void recorded.push(e), recorded };
  };
  /** The store, counting the effect calls the actions make. */
  function counting(): { calls: string[] } {
    const calls: string[] = [];
    for (const method of ["claimEffect", "completeEffect"] as const) {
      const original = store[method].bind(store) as (...args: never[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (...args: never[]) => {
        calls.push(method);
        return original(...args);
      };
    }
    return { calls };
  }

  it("a fresh attempt makes its own effects without a claim and hands their records to the ledger", async () => {
    const { calls } = counting();
    const effects = ledger(true);
    const out = await notify({ ...context(notifyStep, { channel: "#sec-team", comment: "hi" }, { trigger: prTrigger }), effects });
    expect(out.delivered).toEqual(["comment", "#sec-team"]);
    expect(calls).toEqual([]);
    expect(effects.recorded.map((e) => [e.kind, e.key])).toEqual([
      ["comment", "comment:run-1:tell:1"],
      ["notify", "notify:run-1:tell:1:#sec-team"],
    ]);
  });

  it("a key shared beyond the attempt (one issue per finding) is claimed even by a fresh attempt, and found done by another run", async () => {
    const { calls } = counting();
    const first = ledger(true);
    expect(await createIssue({ ...context(issueStep, {}), effects: first })).toMatchObject({ number: 1, created: true });
    expect(calls).toEqual(["claimEffect"]);
    await store.recordEffects(first.recorded, now);
    expect(await createIssue({ ...context(issueStep, {}, { runId: "run-2" }), effects: ledger(true) })).toMatchObject({ number: 1, created: false });
    expect(github.issues).toHaveLength(1);
  });

  it("a resumed attempt looks for what an unclaimed fresh attempt may have made before making it again", async () => {
    // A fresh attempt made the comment and the message, and died before the run's commit.
    await notify({ ...context(notifyStep, { channel: "#sec-team", comment: "hi" }, { trigger: prTrigger }), effects: ledger(true) });
    const logs: string[] = [];
    const resumed = ledger(false);
    const out = await notify({ ...context(notifyStep, { channel: "#sec-team", comment: "hi" }, { trigger: prTrigger }), effects: resumed, log: (_l, m) => void logs.push(m) });
    expect(out.delivered).toEqual(["comment", "#sec-team"]);
    // The comment was found by its marker, not posted again; the channel cannot be asked, so the message goes again, with a warning.
    expect(github.comments).toHaveLength(1);
    expect(notifier.calls).toHaveLength(2);
    expect(logs).toContain("an interrupted attempt may already have sent this message to #sec-team; sending it (again)");
    expect(resumed.recorded.map((e) => e.key)).toEqual(["comment:run-1:tell:1", "notify:run-1:tell:1:#sec-team"]);
  });
});
