/** Maps `issue_comment` webhooks to trigger events: `/governance run` commands and `/approve`/`/reject` signals from people, never bots. */
import type { TriggerEvent } from "../domain/events.js";
import { parseCommand } from "../workflows/commands.js";
import { positiveInteger, read, text } from "../events/payload-read.js";

/** What a comment asks of the engine, and why a command meant for it could not be understood. */
export interface CommentTriggers {
  triggers: TriggerEvent[];
  /** One message per command that was not understood, for a reply to its author. */
  problems: string[];
}

/** Until cancel signals can name the issue they came from, runs are cancelled by button or API. */
export const CANCEL_BY_COMMENT_PROBLEM =
  '/governance cancel is not available in comments yet: use the "Cancel run" button on the run\'s check run';

/**
 * `issue_comment`: `/governance run` starts a manual run, `/approve` and `/reject` are approval
 * signals. Only new comments count: an edited comment would let anyone turn an old remark into
 * an approval after the fact. Who may do what (write access, approvers) is the engine's check.
 */
export function issueCommentTriggers(action: string | undefined, payload: unknown, now: Date): CommentTriggers {
  const none: CommentTriggers = { triggers: [], problems: [] };
  if (action !== "created") return none;
  const actor = text(read(payload, "sender", "login"));
  if (actor === undefined || isBot(read(payload, "sender"), actor) || isBot(read(payload, "comment", "user"))) return none;
  const body = read(payload, "comment", "body");
  const command = typeof body === "string" ? parseCommand(body) : undefined;
  if (!command) return none;
  const issueNumber = positiveInteger(read(payload, "issue", "number"));
  switch (command.type) {
    case "invalid":
      return { triggers: [], problems: [command.message] };
    case "cancel":
      return { triggers: [], problems: [CANCEL_BY_COMMENT_PROBLEM] };
    case "run": {
      const { workflow, inputs } = command;
      return { triggers: [{ kind: "manual", workflow, inputs, actor, ...(issueNumber !== undefined ? { issueNumber } : {}) }], problems: [] };
    }
    case "approve":
    case "reject": {
      // The issue is how the engine finds the waiting run; without it the comment means nothing.
      if (issueNumber === undefined) return none;
      const at = timestamp(read(payload, "comment", "created_at"), now);
      const comment = command.comment !== undefined ? { comment: command.comment } : {};
      return { triggers: [{ kind: "signal", signal: { type: "approval", decision: command.type, actor, at, via: "comment", issueNumber, ...comment } }], problems: [] };
    }
  }
}

/** Bots never command the engine: our own comments, and other apps', could loop or forge approvals. */
function isBot(user: unknown, login = text(read(user, "login"))): boolean {
  return read(user, "type") === "Bot" || (login?.endsWith("[bot]") ?? false);
}

/** The comment's creation time as ISO 8601 UTC, else `now`. */
function timestamp(value: unknown, now: Date): string {
  const ms = typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : NaN;
  return new Date(Number.isNaN(ms) ? now.getTime() : ms).toISOString();
}



