/**
 * The `notify` action: a step's message to operator-configured channels and/or as a comment on
 * the event's pull request or issue, each delivery recorded so that a retried step sends nothing twice.
 */
import type { CommentRef, RepoRef } from "../domain/ports.js";
import { issueOpenedBy } from "../domain/run.js";
import { definitionFor } from "../triggers/registry.js";
import { notifyComments } from "../workflows/notify-rules.js";
import { marker } from "./markers.js";
import { once, recordEffect } from "./once.js";
import { ActionError, type ActionContext, type ImmediateAction } from "./types.js";

interface NotifyParameters {
  channel?: string;
  channels?: string[];
  comment?: boolean | string;
  mention?: string[];
  message?: string;
}

/**
 * `notify`: messages to channels whose webhook URLs come from the operator's configuration,
 * never from the workflow, and a comment on the pull request or issue of the event (or on the
 * issue this branch of the run opened). Mentions go with the channel messages; they make a
 * comment of their own only when the step has no channel. Idempotent per run step: a retried
 * or resumed step sends nothing twice.
 */
export const notify: ImmediateAction = async (ctx) => {
  const p = ctx.parameters as NotifyParameters;
  const channels = [...new Set([...(p.channel ? [p.channel] : []), ...(p.channels ?? [])])];
  // Refuse before sending anything, so a typo does not leave half the audience notified.
  const unknown = channels.filter((c) => !ctx.notifier.has(c));
  if (unknown.length > 0) {
    throw new ActionError(
      `channel ${unknown.join(", ")} is not configured; add notify.channels["${unknown[0]}"].webhookUrl to the operator configuration file named by GOVERNANCE_CONFIG`,
    );
  }
  const mentions = (p.mention ?? []).map((m) => (m.startsWith("@") ? m : `@${m}`));
  const message = p.message ?? defaultMessage(ctx);
  const outputs: Record<string, unknown> = { delivered: [] as string[] };

  if (notifyComments(p)) {
    const text = typeof p.comment === "string" ? p.comment : message;
    const ref = await postComment(ctx, [mentions.join(" "), text].filter(Boolean).join(" "));
    outputs.commentUrl = ref.url;
    outputs.url = ref.url;
    (outputs.delivered as string[]).push("comment");
  }
  const ledger = ctx.effects;
  const record = (key: string, result: Record<string, unknown>) => recordEffect(ctx, { key, kind: "notify", result });
  for (const channel of channels) {
    const key = `notify:${ctx.idempotencyKey}:${channel}`;
    // A fresh attempt has sent nothing under its key: no claim to look at.
    if (!ledger?.fresh) {
      const { record: stored, claimed } = await ctx.store.claimEffect(key, "notify", ctx.clock.now());
      if (stored.status === "done" && !stored.result?.failed) {
        (outputs.delivered as string[]).push(channel);
        continue;
      }
      if ((!claimed && stored.status === "claimed") || (claimed && ledger?.maybeMade)) {
        // An attempt was cut off between claiming (or starting) and recording: the message may
        // or may not have gone out, and a channel cannot be asked. A duplicate beats a lost
        // alert: send it.
        ctx.log("warn", `an interrupted attempt may already have sent this message to ${channel}; sending it (again)`);
      }
    }
    try {
      await ctx.notifier.send(channel, { text: [mentions.join(" "), message].filter(Boolean).join(" ") });
    } catch (err) {
      // The channel answered with an error: nothing was delivered, so a retry may send it.
      await record(key, { channel, failed: true });
      throw err;
    }
    await record(key, { channel });
    ctx.log("info", `notified ${channel}`);
    (outputs.delivered as string[]).push(channel);
  }
  return outputs;
};

/**
 * The pull request or issue of the event, else the issue opened by the nearest createIssue
 * step on this step's own branch (one a parallel branch opened is not it: which of them
 * would come first is a race).
 */
function commentTarget(ctx: ActionContext): { repo: RepoRef; number: number } | undefined {
  const here = { owner: ctx.repository.owner, repo: ctx.repository.name };
  const discussion = definitionFor(ctx.trigger)?.discussion?.(ctx.trigger);
  if (discussion) return { repo: here, number: discussion.number };
  const issue = (ctx.delivery.payload as { issue?: { number?: number } } | undefined)?.issue;
  if (typeof issue?.number === "number") return { repo: here, number: issue.number };
  for (const step of ctx.lineage) {
    const opened = issueOpenedBy(step, ctx.repository.fullName);
    if (!opened) continue;
    const [owner, repo] = opened.repository.split("/") as [string, string];
    return { repo: { owner, repo }, number: opened.number };
  }
  return undefined;
}

async function postComment(ctx: ActionContext, text: string): Promise<CommentRef> {
  const target = commentTarget(ctx);
  if (!target) {
    throw new ActionError("notify comment: this event has no pull request or issue to comment on, and no createIssue or assignTask step before this one on its branch opened one");
  }
  const key = `comment:${ctx.idempotencyKey}`;
  const mark = marker("comment", key);
  const { result, created } = await once<CommentRef & Record<string, unknown>>(
    ctx,
    key,
    "comment",
    async (since) => ctx.github.findCommentByMarker(target.repo, target.number, mark, since) as Promise<(CommentRef & Record<string, unknown>) | undefined>,
    async () => ({ ...(await ctx.github.createComment(target.repo, target.number, `${text}\n\n${mark}`)) }),
    "attempt",
  );
  ctx.log("info", created ? `commented on ${target.repo.owner}/${target.repo.repo}#${target.number}` : `the comment on #${target.number} was already posted`, { url: result.url });
  return result;
}

function defaultMessage(ctx: ActionContext): string {
  const own = definitionFor(ctx.trigger)?.texts?.message?.(ctx.trigger, ctx.workflow.name, ctx.repository.fullName);
  return own ?? `${ctx.workflow.name} ran in ${ctx.repository.fullName}`;
}
