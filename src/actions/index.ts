/** The actions' entry point: the handler of each implemented action kind, by kind, for the engine to run steps with. */
import type { ActionKind } from "../domain/workflow.js";
import { assignTask } from "./assign-task.js";
import { createIssue } from "./create-issue.js";
import { notify } from "./notify.js";
import { runRemediation } from "./run-remediation.js";
import { runScript } from "./run-script.js";
import type { ActionHandler } from "./types.js";

/**
 * The implemented action kinds. A kind missing here fails its step with "not supported yet".
 * Every kind, implemented or not, declares its parameters in `<kind-in-kebab-case>.schema.json` here.
 */
export const ACTIONS: Partial<Record<ActionKind, ActionHandler>> = { createIssue, assignTask, notify, runRemediation, runScript };

export { ActionError, ActionWaits, type ActionContext, type ActionHandler } from "./types.js";
