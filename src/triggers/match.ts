/**
 * Does an event start a workflow? Each of the workflow's triggers whose type takes the event's
 * kind judges it, in order; the first that matches wins. Pure except for what a trigger asks
 * through its TriggerIO (a pull request's changed files), asked once per event.
 */
import type { RepositoryInfo, TriggerEvent } from "../domain/events.js";
import type { Workflow } from "../domain/workflow.js";
import { triggerType, triggerTypesFor } from "./registry.js";
import type { TriggerIO } from "./types.js";

/** Which trigger started the workflow, or in one sentence why none did. */
export type MatchResult = { matched: true; triggerIndex: number } | { matched: false; reason: string };

/** A TriggerIO for one event: `memo` answers each key once, for every workflow that asks. */
export function triggerIO(repository: RepositoryInfo, github?: TriggerIO["github"]): TriggerIO {
  const answers = new Map<string, Promise<unknown>>();
  return {
    ...(github ? { github } : {}),
    repository,
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let answer = answers.get(key) as Promise<T> | undefined;
      if (!answer) answers.set(key, (answer = load()));
      return answer;
    },
  };
}

/** Matches an event against a workflow's triggers in order; the first trigger that matches wins. */
export async function matchWorkflow(workflow: Workflow, event: TriggerEvent, io: TriggerIO): Promise<MatchResult> {
  const types = triggerTypesFor(event.kind).filter((d) => d.match);
  if (types.length === 0) return { matched: false, reason: `${event.kind} events are not matched against triggers` };
  const misses: Array<{ index: number; reason: string }> = [];
  for (const [index, trigger] of workflow.triggers.entries()) {
    const definition = triggerType(trigger.type);
    if (!definition?.match || !types.includes(definition)) continue;
    const decided = await definition.match((trigger as { config?: never }).config, event, io);
    if (decided.ok) return { matched: true, triggerIndex: index };
    misses.push({ index, reason: decided.reason });
  }
  const [only, ...more] = misses;
  if (!only) return { matched: false, reason: `the workflow has no ${types.map((d) => d.type).join(" or ")} trigger` };
  // One candidate needs no index; several do, so the reader knows which said what.
  if (more.length === 0) return { matched: false, reason: only.reason };
  return { matched: false, reason: misses.map((m) => `triggers[${m.index}]: ${m.reason}`).join("; ") };
}
