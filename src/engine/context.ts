import type { Delivery, TriggerEvent } from "../domain/events.js";
import { runUrl, type Run } from "../domain/run.js";
import type { ManualConfig } from "../domain/workflow.js";
import { toCelValue } from "../workflows/evaluate.js";
import { resolveInputs } from "../workflows/inputs.js";

/** A manual run's inputs, typed by its trigger's spec (checked when the run was created). */
function manualInputs(run: Run, given: Record<string, string>): Record<string, unknown> {
  const spec = run.definition.triggers.find((t) => t.type === "manual")?.config as ManualConfig | undefined;
  const resolved = resolveInputs(spec?.inputs, given);
  return resolved.ok ? resolved.values : { ...given };
}


/** Outputs of the steps that succeeded so far, by step id (the latest execution wins). */
export function stepOutputs(run: Run): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of run.steps) if (s.status === "succeeded") out[s.stepId] = s.outputs ?? {};
  return out;
}

/** Every documented finding field exists in expressions: null when the source does not know it. */
const FINDING_FIELDS = { number: null, package: null, path: null, startLine: null, commit: null, ref: null, url: "" };

/**
 * The context expressions see: `event`, `repository`, `pullRequest`, `finding`, `inputs`,
 * `steps.<id>.outputs`, `run`, `workflow` (documented in the README). Absent parts are empty
 * maps, so `has(pullRequest.number)` works everywhere.
 */
export function expressionContext(run: Run, delivery: Delivery, trigger: TriggerEvent): Record<string, unknown> {
  const repo = delivery.repository;
  const steps = Object.fromEntries(Object.entries(stepOutputs(run)).map(([id, outputs]) => [id, { outputs }]));
  const context = toCelValue({
    event: { name: delivery.event, action: delivery.action ?? "" },
    repository: { owner: repo.owner, name: repo.name, fullName: repo.fullName, defaultBranch: repo.defaultBranch, url: repo.url },
    pullRequest: trigger.kind === "pullRequest" ? trigger.pullRequest : {},
    finding: trigger.kind === "finding" ? { ...FINDING_FIELDS, ...trigger.finding } : {},
    inputs: trigger.kind === "manual" ? manualInputs(run, trigger.inputs) : {},
    steps,
    run: { id: run.id, url: runUrl(run, repo.url) },
    workflow: { name: run.definition.name, version: run.definition.version },
  }) as Record<string, unknown> & { event: Record<string, unknown> };
  context.event.payload = celPayload(delivery);
  return context;
}

/** Payloads as CEL values, per delivery object: every step of a run reads the same one, and expressions never change it. */
const celPayloads = new WeakMap<object, unknown>();

function celPayload(delivery: Delivery): unknown {
  const payload: unknown = delivery.payload;
  if (payload === null || typeof payload !== "object") return toCelValue(payload);
  let converted = celPayloads.get(payload);
  if (converted === undefined) {
    converted = toCelValue(payload);
    celPayloads.set(payload, converted);
  }
  return converted;
}
