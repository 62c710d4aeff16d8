/** Runs of events that name their workflow (a manual run, a schedule tick), and the one reply that says why one was refused. */
import { once } from "../actions/once.js";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import type { GitHubPort } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import type { TriggerDefinition, TriggerIO } from "../triggers/types.js";
import type { IntakeDeps } from "./intake-deps.js";
import { newRun } from "./new-run.js";
import type { LoadedFolder } from "./workflow-source.js";

/**
 * An event that names its workflow (a manual run, a schedule tick): the workflow its trigger
 * type selects from the default branch. A refusal is answered on the event's pull request or
 * issue, once, saying why; a skip is logged.
 */
export async function selectedRun(
  delivery: Delivery,
  index: number,
  trigger: TriggerEvent,
  definition: TriggerDefinition,
  folder: LoadedFolder,
  io: TriggerIO,
  github: GitHubPort,
  deps: IntakeDeps,
): Promise<Run | undefined> {
  const selection = await definition.select!(trigger, folder.workflows, io);
  if ("entry" in selection) return newRun(delivery, index, trigger, selection.entry, folder.commit, deps.clock);
  const about = { deliveryId: delivery.id, ...definition.describe(trigger) };
  if ("skipped" in selection) {
    deps.log.warn(about, selection.skipped);
    return undefined;
  }
  deps.log.warn(about, `${definition.type} run refused: ${selection.refused}`);
  // Whoever asked was told the run's id (the API): the run exists, failed, and says why.
  if (definition.runId?.(trigger) !== undefined) return refusedRun(newRun(delivery, index, trigger, placeholderEntry(trigger, definition), folder.commit, deps.clock), selection.refused, deps.clock);
  const discussion = definition.discussion?.(trigger);
  if (!discussion) return undefined;
  const repo = { owner: delivery.repository.owner, repo: delivery.repository.name };
  const text = selection.to ? `@${selection.to} ${selection.refused}` : selection.refused;
  await once(
    deps,
    `reply:${delivery.id}:${index}`,
    "comment",
    async () => undefined,
    async () => ({ ...(await github.createComment(repo, discussion.number, text)) }),
  );
  return undefined;
}

/** A run refused before it started: failed at once, its log saying why. */
function refusedRun(run: Run, why: string, clock: IntakeDeps["clock"]): Run {
  const now = clock.now().toISOString();
  return { ...run, status: "failed", finishedAt: now, log: [{ ts: now, level: "error", message: `run refused: ${why}` }] };
}

/** What a refused run names as its workflow: the reference it was asked for (it may name none that exists). */
function placeholderEntry(trigger: TriggerEvent, definition: TriggerDefinition) {
  // An event that names its workflow says so in `workflow` (a manual run's reference), whatever its kind.
  const named = (trigger as { workflow?: unknown }).workflow;
  const reference = typeof named === "string" ? named : definition.type;
  return { path: "", id: reference, workflow: { name: reference, version: "0.0.0", triggers: [], steps: [] } };
}
