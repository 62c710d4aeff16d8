/**
 * The `manual` trigger type: runs when someone asks (`/governance run <workflow> key=value…`, the
 * CLI or the API). The event names its workflow; the person needs write access, and the inputs
 * must fit the trigger's spec. Its runs see `inputs.*`, typed by that spec.
 */
import { canRunByHand } from "../domain/ports.js";
import { findWorkflow, manualConfig } from "./find-workflow.js";
import { resolveInputs } from "./inputs.js";
import type { TriggerDefinition } from "./types.js";

export const manual: TriggerDefinition<"manual", "manual"> = {
  type: "manual",
  event: "manual",
  check(config, path, report) {
    for (const [name, spec] of Object.entries(config?.inputs ?? {})) {
      const at = [...path, "inputs", name, "default"];
      if (spec.default !== undefined && typeof spec.default !== spec.type) report(at, `the default must be a ${spec.type}, like the input`);
      if (spec.options && spec.default !== undefined && !spec.options.includes(spec.default as string | number)) {
        report(at, `the default "${String(spec.default)}" is not one of the options`);
      }
    }
  },
  async select(event, workflows, io) {
    const repo = { owner: io.repository.owner, repo: io.repository.name };
    const refuse = (refused: string) => ({ refused, to: event.actor });
    // The API's RBAC decided already for its callers (an operator token is no GitHub user).
    if (event.via !== "api") {
      if (!io.github) return refuse("cannot be checked for write access here (GitHub is not reachable)");
      const permission = await io.github.getPermission(repo, event.actor);
      if (!canRunByHand(permission)) return refuse(`cannot start workflows here: that needs write access to ${io.repository.fullName}.`);
    }
    const found = findWorkflow(event.workflow, workflows);
    if (!found.ok) return refuse(found.message);
    const { workflow } = found.match;
    const inputs = resolveInputs(manualConfig(workflow)?.inputs, event.inputs);
    if (!inputs.ok) return refuse(`the inputs of "${workflow.name}" are not right:\n${inputs.errors.map((e) => `- ${e}`).join("\n")}`);
    return { entry: found.match, triggerIndex: workflow.triggers.findIndex((t) => t.type === "manual") };
  },
  variables: ["inputs"],
  // Checked when the run was made; a spec that no longer fits leaves the texts as given.
  context(event, config) {
    const resolved = resolveInputs(config?.inputs, event.inputs);
    return { inputs: resolved.ok ? resolved.values : { ...event.inputs } };
  },
  runId: (event) => event.runId,
  discussion: (event) => (event.issueNumber === undefined ? undefined : { number: event.issueNumber }),
  // A run started by a comment has its issue or pull request; one from the CLI or the API has none.
  mayHaveDiscussion: true,
  describe: (event) => ({ kind: "manual", by: event.actor }),
};
