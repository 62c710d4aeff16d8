/** The step graph of a workflow: where a step goes after each outcome (one rule for the runner and the validator), its edges, and dominators. */
import type { Step } from "../domain/workflow.js";

/** The outcomes a step can end with, by type: where each goes is `routeOutcome`'s to say. */
const OUTCOMES: Partial<Record<Step["type"], readonly string[]>> = {
  approval: ["approved", "rejected", "timedOut"],
  wait: ["done", "timedOut"],
  // An action is done, except runRemediation, which ends with its dispatched run's outcome.
  action: ["done", "success", "failure", "timedOut"],
};

/**
 * The ids a step can continue with, whatever the outcome: a decision's cases, else every
 * outcome's route (an action is `done`; a runRemediation ends `success`, `failure` or `timedOut`). A step without `next` continues with
 * the following step; an outcome mapping without `approved` (approval) or `done` (wait) does too.
 */
export function stepEdges(steps: readonly Step[], index: number): string[] {
  const step = steps[index]!;
  if (step.type === "decision") return [...step.next.when.flatMap((c) => c.then), ...(step.next.else ?? [])];
  const edges = (OUTCOMES[step.type] ?? ["done"]).flatMap((outcome) => {
    const route = routeOutcome(steps, index, outcome);
    return "next" in route ? route.next : [];
  });
  return [...new Set(edges)];
}

/**
 * Where a step continues after an outcome: the one routing rule, for the runner and for
 * validation alike. `approved` and `done` continue with the mapped steps, a list `next`, or
 * the following step; `rejected` and `timedOut` only where the mapping names them: otherwise
 * the step fails, and says why.
 */
export function routeOutcome(steps: readonly Step[], index: number, outcome: string): { next: string[] } | { error: string } {
  const step = steps[index]!;
  const next = step.next as unknown;
  const continuing = outcome === "approved" || outcome === "done" || outcome === "success";
  const following = steps[index + 1] ? [steps[index + 1]!.id] : [];
  if (Array.isArray(next)) {
    if (continuing) return { next: next as string[] };
  } else if (next && typeof next === "object") {
    const mapped = (next as Record<string, string[] | undefined>)[outcome];
    if (mapped) return { next: mapped };
    if (continuing) return { next: following };
  } else if (continuing) {
    return { next: following };
  }
  return {
    error:
      outcome === "rejected" ? "the approval was rejected"
      : outcome === "timedOut" ? "it timed out"
      : outcome === "failure" ? "the dispatched run did not succeed"
      : `no step follows the outcome ${outcome}`,
  };
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
