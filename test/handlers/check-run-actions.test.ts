import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { approvalButtons, cancelButton, CHECK_ACTION_IDS, checkRunActionTriggers } from "../../src/handlers/check-run-actions.js";

type Payload = Record<string, any> & { action?: string };
type Definition = { name: string; examples: Payload[] };

const NOW = new Date("2025-06-01T12:00:00.000Z");
const RUN_ID = "01970a6e-7f00-7000-8000-000000000001";

/** The real `check_run.requested_action` example, made one of ours: our name, a run id, our identifier. */
function pressed(identifier: string): Payload {
  const payload = (examples as unknown as Definition[]).find((d) => d.name === "check_run")?.examples.find((e) => e.action === "requested_action");
  if (!payload) throw new Error("no check_run.requested_action example");
  const copy = structuredClone(payload);
  copy.check_run.name = "governance / Triage high alerts";
  copy.check_run.external_id = RUN_ID;
  copy.requested_action = { identifier };
  return copy;
}

describe("checkRunActionTriggers", () => {
  it("makes Approve and Reject approval signals for the check run's run", () => {
    for (const decision of ["approve", "reject"] as const) {
      expect(checkRunActionTriggers("requested_action", pressed(decision), NOW)).toStrictEqual([
        { kind: "signal", signal: { type: "approval", decision, actor: "codebytere", at: NOW.toISOString(), via: "checkRun", runId: RUN_ID } },
      ]);
    }
  });

  it("makes Cancel run a cancel signal", () => {
    expect(checkRunActionTriggers("requested_action", pressed("cancel"), NOW)).toStrictEqual([
      { kind: "signal", signal: { type: "cancel", actor: "codebytere", at: NOW.toISOString(), runId: RUN_ID, via: "checkRun" } },
    ]);
  });

  describe("ignores", () => {
    it("the real example as it is: another app's check, no external id, another identifier", () => {
      const payload = (examples as unknown as Definition[]).find((d) => d.name === "check_run")!.examples.find((e) => e.action === "requested_action")!;
      expect(checkRunActionTriggers(payload.action, payload, NOW)).toStrictEqual([]);
    });

    it.each(["lgtm|26764", "Approve", "approve ", "", "toString", "__proto__"])("the identifier %j", (identifier) => {
      expect(checkRunActionTriggers("requested_action", pressed(identifier), NOW)).toStrictEqual([]);
    });

    it("other actions", () => {
      for (const action of ["created", "completed", "rerequested", undefined]) {
        expect(checkRunActionTriggers(action, pressed("approve"), NOW)).toStrictEqual([]);
      }
    });

    it.each([
      ["a check run that is not ours", (p: Payload) => (p.check_run.name = "API Review")],
      ["a check run without external id", (p: Payload) => (p.check_run.external_id = "")],
      ["a null external id", (p: Payload) => (p.check_run.external_id = null)],
      ["a validation check", (p: Payload) => (p.check_run.external_id = "validate:abc")],
      ["no sender", (p: Payload) => delete p.sender],
      ["no requested_action", (p: Payload) => delete p.requested_action],
      ["no check_run", (p: Payload) => delete p.check_run],
    ])("%s", (_, change) => {
      const payload = pressed("approve");
      change(payload);
      expect(checkRunActionTriggers("requested_action", payload, NOW)).toStrictEqual([]);
    });

    it("payloads that are not objects", () => {
      for (const payload of [null, undefined, "x", 1, []]) expect(checkRunActionTriggers("requested_action", payload, NOW)).toStrictEqual([]);
    });
  });
});

describe("buttons", () => {
  it("are Approve, Reject and Cancel run, within GitHub's limits", () => {
    const buttons = approvalButtons();
    expect(buttons.map((b) => [b.label, b.identifier])).toStrictEqual([
      ["Approve", "approve"],
      ["Reject", "reject"],
      ["Cancel run", "cancel"],
    ]);
    expect(cancelButton()).toStrictEqual(buttons[2]);
    // GitHub: at most three actions; label and identifier 20 characters, description 40.
    expect(buttons.length).toBeLessThanOrEqual(3);
    for (const b of buttons) {
      expect(b.label.length).toBeLessThanOrEqual(20);
      expect(b.identifier.length).toBeLessThanOrEqual(20);
      expect(b.description.length).toBeLessThanOrEqual(40);
      expect(b.description.length).toBeGreaterThan(0);
    }
  });

  it("use the identifiers the handler understands", () => {
    for (const b of approvalButtons()) {
      expect(Object.values(CHECK_ACTION_IDS)).toContain(b.identifier);
      expect(checkRunActionTriggers("requested_action", pressed(b.identifier), NOW)).toHaveLength(1);
    }
  });

  it("are fresh objects: a caller changing them changes no other run's buttons", () => {
    approvalButtons()[0]!.label = "changed";
    cancelButton().label = "changed";
    expect(approvalButtons()[0]!.label).toBe("Approve");
    expect(cancelButton().label).toBe("Cancel run");
  });
});
