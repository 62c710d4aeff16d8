/** Makes the new run a trigger event starts for a matched workflow, with the dedupe key that makes repeated events one run. */
import { v7 as uuidv7 } from "uuid";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import type { Clock } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import { definitionFor } from "../triggers/registry.js";
import type { WorkflowEntry } from "../triggers/types.js";

/** Which run an event makes: runs with the same key are one run (redeliveries, repeated alert events, a tick). */
export function dedupeKey(delivery: Delivery, index: number, trigger: TriggerEvent, workflowId: string, commit: string): string {
  const own = definitionFor(trigger)?.dedupeKey?.(trigger, { workflowId, deliveryId: delivery.id });
  return own ?? `delivery:${workflowId}@${commit}:${delivery.id}:${index}`;
}

export function newRun(delivery: Delivery, index: number, trigger: TriggerEvent, loaded: WorkflowEntry, commit: string, clock: Clock): Run {
  // Runs whose event has no commit of its own (a schedule, a manual run) attach their check
  // run to the default branch head.
  const headSha = definitionFor(trigger)?.commit?.(trigger) ?? commit;
  return {
    id: definitionFor(trigger)?.runId?.(trigger) ?? uuidv7(),
    workflowId: loaded.id,
    workflowName: loaded.workflow.name,
    workflowVersion: loaded.workflow.version,
    workflowPath: loaded.path,
    workflowCommit: commit,
    definition: loaded.workflow,
    installationId: delivery.installationId,
    repository: delivery.repository.fullName,
    deliveryId: delivery.id,
    triggerIndex: index,
    dedupeKey: dedupeKey(delivery, index, trigger, loaded.id, commit),
    status: "pending",
    createdAt: clock.now().toISOString(),
    headSha,
    steps: [],
    log: [],
  };
}
