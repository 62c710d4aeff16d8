import type { ActionKind } from "../domain/workflow.js";
import { createIssue } from "./create-issue.js";
import { notify } from "./notify.js";
import type { ActionHandler } from "./types.js";

/** The implemented action kinds. A kind missing here fails its step with "not supported yet". */
export const ACTIONS: Partial<Record<ActionKind, ActionHandler>> = { createIssue, notify };

export { ActionError, type ActionContext, type ActionHandler } from "./types.js";
