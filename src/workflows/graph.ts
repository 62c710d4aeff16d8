import type { Step } from "../domain/workflow.js";

/**
 * The ids a step can continue with, whatever the outcome. A step without `next` continues with
 * the following step; an outcome mapping without `approved` (approval) or `done` (wait) does too.
 */
export function stepEdges(steps: readonly Step[], index: number): string[] {
  const step = steps[index]!;
  const following = steps[index + 1]?.id;
  const next = step.next as unknown;
  if (Array.isArray(next)) return next as string[];
  if (step.type === "decision") return [...step.next.when.flatMap((c) => c.then), ...(step.next.else ?? [])];
  if (next === undefined) return following === undefined ? [] : [following];
  const mapping = next as Record<string, string[]>;
  const continuing = step.type === "approval" ? "approved" : "done";
  const targets = Object.values(mapping).flat();
  if (mapping[continuing] === undefined && following !== undefined) targets.push(following);
  return targets;
}
