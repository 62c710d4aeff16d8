/** What expressions see during a run: the context built from the run, its delivery and its trigger event. */
import type { Delivery, TriggerEvent } from "../domain/events.js";
import { runUrl, type Run } from "../domain/run.js";
import { definitionFor, triggerVariables } from "../triggers/registry.js";
import { toCelValue } from "../workflows/evaluate.js";

/** Outputs of the steps that succeeded so far, by step id (the latest execution wins). */
export function stepOutputs(run: Run): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of run.steps) if (s.status === "succeeded") out[s.stepId] = s.outputs ?? {};
  return out;
}

/**
 * The context expressions see: `event`, `repository`, `steps.<id>.outputs`, `run`, `workflow`,
 * and what the trigger types fill (`pullRequest`, `finding`, `inputs`; documented in the
 * README). The variables of the other trigger types are empty maps, so `has(pullRequest.number)`
 * works everywhere.
 */
export function expressionContext(run: Run, delivery: Delivery, trigger: TriggerEvent): Record<string, unknown> {
  const repo = delivery.repository;
  const steps = Object.fromEntries(Object.entries(stepOutputs(run)).map(([id, outputs]) => [id, { outputs }]));
  const context = toCelValue({
    event: { name: delivery.event, action: delivery.action ?? "" },
    repository: { owner: repo.owner, name: repo.name, fullName: repo.fullName, defaultBranch: repo.defaultBranch, url: repo.url },
    ...triggerContext(run, trigger),
    steps,
    run: { id: run.id, url: runUrl(run, repo.url) },
    workflow: { name: run.definition.name, version: run.definition.version },
  }) as Record<string, unknown> & { event: Record<string, unknown> };
  context.event.payload = celPayload(delivery);
  return context;
}

/** Every trigger type's variables, empty, with the run's own type's filled in. */
function triggerContext(run: Run, trigger: TriggerEvent): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const name of triggerVariables()) context[name] = {};
  const definition = definitionFor(trigger);
  if (!definition) return context;
  const config = (run.definition.triggers.find((t) => t.type === definition.type) as { config?: unknown } | undefined)?.config;
  return Object.assign(context, definition.context(trigger, config as never));
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
