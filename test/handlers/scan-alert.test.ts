/** A resolved alert's signal: fixed (a revoked secret is a fixed one) or dismissed, which is what a task's status follows. */
import ghesExamples from "@octokit/webhooks-examples/ghes-35/index.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { scanAlertTriggers } from "../../src/handlers/scan-alert.js";

const secret = (resolution: string) => {
  const payload = structuredClone((ghesExamples as Array<{ name: string; examples: any[] }>).find((e) => e.name === "secret_scanning_alert")!.examples[0]);
  return { ...payload, action: "resolved", alert: { ...payload.alert, state: "resolved", resolution } };
};

describe("resolved alerts", () => {
  it("a secret revoked counts as fixed; resolved any other way, as dismissed", () => {
    const state = (resolution: string) => (scanAlertTriggers("secret_scanning_alert", "resolved", secret(resolution))[0] as any).signal.state;
    expect(state("revoked")).toBe("fixed");
    expect(state("false_positive")).toBe("resolved");
    expect(state("wont_fix")).toBe("resolved");
  });
});
