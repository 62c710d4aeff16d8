/**
 * The schedule index's rows, and what replacing a repository's schedules does to them. Pure,
 * shared by every backend: the backend runs the plan inside one transaction.
 */
import type { Insertable, Selectable, Updateable } from "kysely";
import { v7 as uuidv7 } from "uuid";
import type { RepositoryInfo } from "../domain/events.js";
import type { Schedule, ScheduleEntry } from "../domain/ports.js";
import type { SchedulesTable } from "./schema.js";

/** The schedule of a row. */
export function rowToSchedule(r: Selectable<SchedulesTable>): Schedule {
  return {
    id: r.id,
    repository: JSON.parse(r.repository_info) as RepositoryInfo,
    installationId: Number(r.installation_id),
    workflowPath: r.workflow_path,
    triggerIndex: r.trigger_index,
    cron: r.cron,
    timezone: r.timezone,
    createdAt: r.created_at,
    ...(r.last_tick_at === null ? {} : { lastTickAt: r.last_tick_at }),
    ...(r.next_due_at === null ? {} : { nextDueAt: r.next_due_at }),
  };
}

/** The statements that make a repository's rows match its entries. */
export interface ScheduleReplacement {
  deletes: string[];
  updates: Array<{ id: string; set: Updateable<SchedulesTable> }>;
  inserts: Array<Insertable<SchedulesTable>>;
}

/**
 * Plans `replaceSchedules`. `existing` holds the rows under the repository's name or id. A row
 * is the same schedule as an entry when repository (name and id), workflow path and trigger
 * index agree; it keeps its ticks when the cron and time zone agree too. Everything else in
 * `existing` goes: rows of other entries, and rows of this repository under an old name.
 */
export function planScheduleReplacement(
  existing: Array<Selectable<SchedulesTable>>,
  repository: RepositoryInfo,
  installationId: number,
  entries: ScheduleEntry[],
  now: Date,
): ScheduleReplacement {
  const key = (path: string, index: number) => `${index}\n${path}`;
  const mine = new Map(
    existing.filter((r) => r.repository === repository.fullName && Number(r.repository_id) === repository.id).map((r) => [key(r.workflow_path, r.trigger_index), r]),
  );
  const common = { repository_info: JSON.stringify(repository), installation_id: installationId };
  const plan: ScheduleReplacement = { deletes: [], updates: [], inserts: [] };
  const kept = new Set<string>();
  const seen = new Set<string>();
  for (const entry of entries) {
    const k = key(entry.workflowPath, entry.triggerIndex);
    if (seen.has(k)) continue;
    seen.add(k);
    const row = mine.get(k);
    const fresh = { last_tick_at: now.toISOString(), next_due_at: entry.nextDueAt?.toISOString() ?? null };
    if (!row) {
      plan.inserts.push({
        id: uuidv7(),
        repository: repository.fullName,
        repository_id: repository.id,
        workflow_path: entry.workflowPath,
        trigger_index: entry.triggerIndex,
        cron: entry.cron,
        timezone: entry.timezone,
        created_at: now.toISOString(),
        ...common,
        ...fresh,
      });
      continue;
    }
    kept.add(row.id);
    const unchanged = row.cron === entry.cron && row.timezone === entry.timezone;
    plan.updates.push({
      id: row.id,
      // An unchanged schedule keeps its ticks; a parked one (no due time) is resumed when the entry has one.
      set: unchanged
        ? { ...common, next_due_at: row.next_due_at ?? fresh.next_due_at }
        : { ...common, cron: entry.cron, timezone: entry.timezone, ...fresh },
    });
  }
  plan.deletes = existing.filter((r) => !kept.has(r.id)).map((r) => r.id);
  return plan;
}
