/**
 * What a dry run is given, turned into the deliveries the app would record: a webhook payload
 * for an event, a manual request, or the ticks of the onSchedule triggers. A payload that does
 * not fit its event is the user's mistake, said in one line with the file and the JSON pointer.
 */
import { readFile } from "node:fs/promises";
import type { Delivery, RepositoryInfo } from "../domain/events.js";
import { silentLogger } from "../domain/ports.js";
import { scheduleEntries } from "../engine/schedule-index.js";
import { scheduleDelivery } from "../engine/scheduler.js";
import type { LoadedWorkflow } from "../engine/workflow-source.js";
import { handledEvents, toDelivery } from "../handlers/delivery.js";
import { latestTickBetween } from "../triggers/cron.js";
import { repositoryInfo } from "../events/findings.js";
import { matchWorkflow, triggerIO } from "../triggers/match.js";
import { filtersPaths } from "../triggers/on-pr.js";
import { didYouMean } from "../domain/suggest.js";
import { UsageError, UserError } from "./io.js";

/** The installation a dry run pretends to be, when the payload names none (example payloads often do not). */
export const DRY_RUN_INSTALLATION = 1;

/** The repository a dry run pretends to be in when no payload names one. */
export const LOCAL_REPOSITORY = { id: 0, name: "repository", full_name: "local/repository", owner: { login: "local" }, default_branch: "main", html_url: "https://github.com/local/repository" };

/** Reads a webhook payload: a JSON object. `shown` is the path as the user wrote it. */
export async function readPayload(path: string, shown: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UserError(shown, `cannot read the payload: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(shown, `the payload is not valid JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new UserError(shown, "the payload must be a JSON object");
  return value as Record<string, unknown>;
}

/** `--event name[.action]` (the action may hold dots: `repository_dispatch.scan.v2`); an event the app does not handle is a usage error. */
export function parseEvent(value: string): { name: string; action?: string } {
  const dot = value.indexOf(".");
  const name = dot < 0 ? value : value.slice(0, dot);
  const action = dot < 0 ? undefined : value.slice(dot + 1);
  const known = handledEvents();
  if (known.includes(name)) return action ? { name, action } : { name };
  if (name === "schedule") throw new UsageError("--event", `"schedule" is not a webhook event: dry onSchedule workflows with --schedule [--at <time>]`);
  if (name === "manual") throw new UsageError("--event", `"manual" is not a webhook event: start a manual workflow with --manual <workflow>`);
  throw new UsageError("--event", `unknown event "${name}"${didYouMean(name, known)}; known events: ${known.join(", ")}`);
}

/** The delivery the app would record for this webhook, or why there is nothing to do (an action that starts nothing). */
export function eventDelivery(name: string, action: string | undefined, payload: Record<string, unknown>, shown: string, now: Date): { delivery?: Delivery; skipped?: string; warnings: string[] } {
  if (action !== undefined) payload.action = action;
  payload.installation ??= { id: DRY_RUN_INSTALLATION };
  const mapping = toDelivery({ id: "dry-run", name, payload }, now);
  if (mapping.invalid) throw new UserError(shown, `not a ${name} payload: ${(mapping.skipped ?? "").replace(`${name} payload: `, "")}`);
  // Not flagged invalid (the app just skips them), but a payload without these is no webhook at all.
  if (mapping.skipped === "no repository in the payload") throw new UserError(shown, `not a ${name} payload: /repository is missing`);
  if (mapping.skipped === "no installation in the payload") throw new UserError(shown, `not a ${name} payload: /installation/id must be a positive integer`);
  return mapping;
}

/** The repository a payload names (or the local stand-in's, without one); a payload that names none properly is the user's mistake. */
export function payloadRepository(payload: Record<string, unknown> | undefined, shown: string | undefined): RepositoryInfo {
  try {
    return repositoryInfo(payload ?? { repository: LOCAL_REPOSITORY });
  } catch (err) {
    // "webhook payload: /repository/id must be an integer"
    throw new UserError(shown ?? "--payload", `not a webhook payload: ${(err as Error).message.replace(/^webhook payload: /, "")}`);
  }
}

/** The delivery a `/governance run` comment would make, for the CLI. */
export function manualDelivery(workflow: string, inputs: Record<string, string>, repository: RepositoryInfo, payload: Record<string, unknown>, now: Date): Delivery {
  return {
    id: "dry-run",
    event: "manual",
    installationId: DRY_RUN_INSTALLATION,
    repository,
    triggers: [{ kind: "manual", workflow, inputs, actor: "governance-cli" }],
    payload,
    receivedAt: now.toISOString(),
  };
}

/** How far back a dry run looks for a schedule's latest tick: a leap day on a Monday comes round within 28 years. */
const TICK_LOOKBACK_MS = 29 * 366 * 86_400_000;

/**
 * The deliveries the scheduler would make for every onSchedule trigger (the triggers the app's
 * schedule index takes), each for its latest tick at or before `at`: the one the app fires when
 * it looks at `at`. A pattern that never ticked by then is said in `notes`.
 */
export function scheduleDeliveries(workflows: LoadedWorkflow[], repository: RepositoryInfo, at: Date, now: Date): { deliveries: Delivery[]; notes: string[] } {
  const deliveries: Delivery[] = [];
  const notes: string[] = [];
  for (const entry of scheduleEntries(workflows, at, silentLogger)) {
    const tick = latestTickBetween(entry.cron, entry.timezone, new Date(at.getTime() - TICK_LOOKBACK_MS), at);
    if (!tick) {
      notes.push(`${entry.workflowPath}: triggers[${entry.triggerIndex}]: cron "${entry.cron}" (${entry.timezone}) has no tick at or before ${at.toISOString()}`);
      continue;
    }
    deliveries.push(scheduleDelivery({ ...entry, installationId: DRY_RUN_INSTALLATION, repository }, tick, now));
  }
  return { deliveries, notes };
}

/**
 * Workflows whose onPR `paths` filter decided against them only because no changed files were
 * given: every other filter of the trigger matched. Asked of the app's own matcher, which asks
 * for the changed files only when a `paths` filter is all that is left to decide.
 */
export async function unevaluatedPaths(workflows: LoadedWorkflow[], deliveries: Delivery[]): Promise<Array<{ path: string; paths: string[] }>> {
  const found: Array<{ path: string; paths: string[] }> = [];
  const filtering = workflows.filter((w) => w.workflow.triggers.some((t) => t.type === "onPR" && filtersPaths(t.config)));
  for (const delivery of deliveries) {
    for (const trigger of delivery.triggers) {
      if (trigger.kind !== "pullRequest") continue;
      for (const loaded of filtering) {
        let asked = false;
        const probe = { listPullRequestFiles: async () => ((asked = true), []), getPermission: async () => "none" as const };
        const match = await matchWorkflow(loaded.workflow, trigger, triggerIO(delivery.repository, probe));
        if (match.matched || !asked) continue;
        const paths = loaded.workflow.triggers.flatMap((t) => (t.type === "onPR" ? (t.config?.paths ?? []) : []));
        found.push({ path: loaded.path, paths: [...new Set(paths)] });
      }
    }
  }
  return found;
}

/** `--input key=value` → a map; a repeated key or a missing `=` is a usage error. */
export function parseInputs(items: string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError("--input", `"${item}": expected key=value`);
    const key = item.slice(0, eq);
    if (key in inputs) throw new UsageError("--input", `${key} is given twice`);
    inputs[key] = item.slice(eq + 1);
  }
  return inputs;
}

/** `--at`: an ISO 8601 time. */
export function parseTime(value: string): Date {
  const time = new Date(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(time.getTime())) throw new UsageError("--at", `"${value}" is not a time; expected ISO 8601, such as 2026-12-04T03:00:00Z`);
  return time;
}
