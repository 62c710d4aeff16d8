/** The store's figures as the metrics want them, from the rows of figures-queries.ts (either database). */
import type { QueueFigures } from "../domain/figures-port.js";
import { zeroRunCounts } from "../domain/figures-port.js";
import { RUN_STATUSES, type RunStatus } from "../domain/run.js";

export function toQueueFigures(row: { due: unknown; running: unknown; scheduled: unknown; oldest_due: unknown } | undefined, now: Date): QueueFigures {
  const oldest = typeof row?.oldest_due === "string" ? new Date(row.oldest_due).getTime() : Number.NaN;
  return {
    due: Number(row?.due ?? 0),
    running: Number(row?.running ?? 0),
    scheduled: Number(row?.scheduled ?? 0),
    oldestDueAgeSeconds: Number.isNaN(oldest) ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
  };
}

export function toRunCounts(rows: readonly { status: unknown; n: unknown }[]): Record<RunStatus, number> {
  const counts = zeroRunCounts();
  for (const row of rows) if ((RUN_STATUSES as readonly unknown[]).includes(row.status)) counts[row.status as RunStatus] = Number(row.n);
  return counts;
}
