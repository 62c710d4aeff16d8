// What "every run finished exactly once" means against the GitHub stand-in: one completed, successful check run and one issue per alert, none made twice.
import { expect } from "vitest";
import type { StandIn } from "../../bench/standin/github.mjs";

export function expectEachAlertHandledOnce(standIn: StandIn, alerts: number): void {
  const checks = [...standIn.state.checkRuns.values()];
  expect(new Set(checks.map((c) => c.externalId)).size).toBe(checks.length);
  expect(checks).toHaveLength(alerts);
  expect(checks.every((c) => c.status === "completed" && c.conclusion === "success")).toBe(true);
  const issues = [...standIn.state.issues.values()].flat();
  expect(issues).toHaveLength(alerts);
  // Each carries its own idempotency marker: as many different issues as alerts, none made twice.
  expect(new Set(issues.map((i) => i.body)).size).toBe(alerts);
}
