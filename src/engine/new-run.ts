import { v7 as uuidv7 } from "uuid";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import type { Clock } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import type { LoadedWorkflow } from "./workflow-source.js";

/** Which run an event makes: runs with the same key are one run (redeliveries, repeated alert events). */
export function dedupeKey(delivery: Delivery, index: number, trigger: TriggerEvent, workflowId: string, commit: string): string {
  // A tick is one run, whichever replica or redelivery brings it.
  if (trigger.kind === "schedule") return `schedule:${workflowId}:${trigger.scheduledFor}`;
  if (trigger.kind === "finding") {
    // Several events for one alert (created, appeared_in_branch, a hook at org and repo level)
    // are one run; a reopening starts a new one.
    const episode = /reopen|reintroduced/.test(trigger.action) ? `reopened@${delivery.id}` : "opened";
    return `finding:${workflowId}:${trigger.finding.fingerprint}:${episode}`;
  }
  return `delivery:${workflowId}@${commit}:${delivery.id}:${index}`;
}

export function newRun(delivery: Delivery, index: number, trigger: TriggerEvent, loaded: LoadedWorkflow, commit: string, clock: Clock): Run {
  // Scheduled and manual runs attach their check run to the default branch head.
  const headSha =
    trigger.kind === "pullRequest" ? trigger.pullRequest.headSha : trigger.kind === "finding" ? (trigger.finding.commit ?? commit) : commit;
  return {
    id: uuidv7(),
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
