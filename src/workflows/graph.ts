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

/**
 * For each step, the steps on every path from the first step to it (itself included): its
 * dominators. A step no path reaches has only itself. At most 200 steps, so the plain
 * iterative intersection is quick enough.
 */
export function dominators(steps: readonly Step[]): Set<number>[] {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const preds: number[][] = steps.map(() => []);
  steps.forEach((_, i) => {
    for (const target of stepEdges(steps, i)) {
      const j = index.get(target);
      if (j !== undefined) preds[j]!.push(i);
    }
  });
  const reachable = new Set<number>([0]);
  for (const queue = [0]; queue.length > 0; ) {
    for (const target of stepEdges(steps, queue.shift()!)) {
      const j = index.get(target);
      if (j === undefined || reachable.has(j)) continue;
      reachable.add(j);
      queue.push(j);
    }
  }
  const every = new Set(reachable);
  const dom = steps.map((_, i) => (i === 0 || !reachable.has(i) ? new Set([i]) : new Set(every)));
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 1; i < steps.length; i++) {
      if (!reachable.has(i)) continue;
      let meet: Set<number> | undefined;
      for (const p of preds[i]!) {
        if (!reachable.has(p)) continue;
        meet = meet === undefined ? new Set(dom[p]) : new Set([...meet].filter((d) => dom[p]!.has(d)));
      }
      const next = new Set(meet ?? []);
      next.add(i);
      if (next.size !== dom[i]!.size || [...next].some((d) => !dom[i]!.has(d))) {
        dom[i] = next;
        changed = true;
      }
    }
  }
  return dom;
}
