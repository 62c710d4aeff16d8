/** The parameters of a notify step that decide where it sends. */
export interface NotifyTargets {
  channel?: unknown;
  channels?: unknown;
  comment?: unknown;
  mention?: unknown;
}

/**
 * Whether a notify step comments on an issue or pull request: `comment` says so, or the step
 * mentions people and has no channel to carry the mentions. Validation and the action both
 * go by this.
 */
export function notifyComments(p: NotifyTargets): boolean {
  if (p.comment !== undefined) return p.comment !== false;
  const mentions = Array.isArray(p.mention) && p.mention.length > 0;
  return mentions && !notifyHasChannel(p);
}

/** Whether a notify step names a channel. */
export function notifyHasChannel(p: NotifyTargets): boolean {
  return typeof p.channel === "string" || (Array.isArray(p.channels) && p.channels.length > 0);
}
