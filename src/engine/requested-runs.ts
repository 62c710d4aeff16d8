import { once } from "../actions/once.js";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import { canRunByHand, type GitHubPort } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import type { ManualConfig } from "../domain/workflow.js";
import { findWorkflow } from "../workflows/find-workflow.js";
import { resolveInputs } from "../workflows/inputs.js";
import type { IntakeDeps } from "./intake-deps.js";
import { newRun } from "./new-run.js";
import type { LoadedFolder } from "./workflow-source.js";


/**
 * `/governance run <workflow> [key=value…]`: the named workflow of the default branch, if it has
 * a manual trigger, the commenter has write access and the inputs fit the trigger's spec. A
 * refusal is answered on the pull request or issue, once, saying why.
 */
export async function manualRun(
  delivery: Delivery,
  index: number,
  trigger: Extract<TriggerEvent, { kind: "manual" }>,
  folder: LoadedFolder,
  github: GitHubPort,
  deps: IntakeDeps,
): Promise<Run | undefined> {
  const repo = { owner: delivery.repository.owner, repo: delivery.repository.name };
  const refuse = async (message: string) => {
    deps.log.warn({ deliveryId: delivery.id, actor: trigger.actor }, `manual run refused: ${message}`);
    if (trigger.issueNumber === undefined) return undefined;
    const issue = trigger.issueNumber;
    await once(
      deps,
      `reply:${delivery.id}:${index}`,
      "comment",
      async () => undefined,
      async () => ({ ...(await github.createComment(repo, issue, `@${trigger.actor} ${message}`)) }),
    );
    return undefined;
  };
  const permission = await github.getPermission(repo, trigger.actor);
  if (!canRunByHand(permission)) return refuse(`cannot start workflows here: that needs write access to ${delivery.repository.fullName}.`);
  const found = findWorkflow(trigger.workflow, folder.workflows);
  if (!found.ok) return refuse(found.message);
  const spec = found.match.workflow.triggers.find((t) => t.type === "manual")?.config as ManualConfig | undefined;
  const inputs = resolveInputs(spec?.inputs, trigger.inputs);
  if (!inputs.ok) return refuse(`the inputs of "${found.match.workflow.name}" are not right:\n${inputs.errors.map((e) => `- ${e}`).join("\n")}`);
  return newRun(delivery, index, trigger, found.match, folder.commit, deps.clock);
}

/** A schedule tick: the workflow at the tick's path, if it still has that onSchedule trigger. */
export function scheduledRun(delivery: Delivery, index: number, trigger: Extract<TriggerEvent, { kind: "schedule" }>, folder: LoadedFolder, deps: IntakeDeps): Run | undefined {
  const loaded = folder.workflows.find((w) => w.path === trigger.workflowPath);
  if (!loaded || loaded.workflow.triggers[trigger.triggerIndex]?.type !== "onSchedule") {
    deps.log.warn({ deliveryId: delivery.id, workflow: trigger.workflowPath }, "the scheduled workflow or its trigger no longer exists on the default branch; skipping the tick");
    return undefined;
  }
  return newRun(delivery, index, trigger, loaded, folder.commit, deps.clock);
}
