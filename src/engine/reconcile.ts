/**
 * Webhook reconciliation: GitHub never redelivers a failed webhook by itself, so one pass of
 * this job reads the app's recent delivery attempts (AppHooks, newest first) and asks GitHub to
 * redeliver the events the app handles, never processed, whose attempts all failed. Bounded
 * (pages, redeliveries per pass), paced (a pause between redeliveries) and idempotent (see
 * `decide`). The job that runs a pass every interval is in reconcile-jobs.ts.
 */
import { RedeliveryRefused, type AppHooks, type HookDelivery } from "../domain/app-hooks.js";
import type { Clock, Logger, Store } from "../domain/ports.js";

export interface ReconcileDeps {
  hooks: AppHooks;
  /** The store: a guid it holds as a delivery was processed, whatever GitHub shows. */
  store: Pick<Store, "getDelivery">;
  clock: Clock;
  log: Logger;
  /** Whether the app handles an event (by name, `pull_request`): the others are never redelivered. */
  handled: (event: string) => boolean;
  /** The pause between redeliveries (default: a timer); tests pass one that records. */
  sleep?: (ms: number) => Promise<void>;
  /** Guids this process redelivered, with when (epoch ms): covers the moments before GitHub lists a redelivery. Kept across passes by the job. */
  recent?: Map<string, number>;
  /** Aborted when the pass must end (the worker lost the job or stops): no redelivery starts after it. */
  signal?: AbortSignal;
  /** Called with every pass's figures (metrics add them up). */
  onPass?: (figures: ReconcileFigures) => void;
}

export interface ReconcileOptions {
  /**
   * How far back a pass looks (default 6 h). GitHub keeps deliveries 3 days, but an event hours
   * old acts on a repository that has moved on since, and a long window costs pages on every
   * pass. 6 h covers a night's outage (36 passes at the default interval) and keeps a pass's
   * walk short; the walk stops at the first attempt older than this.
   */
  lookbackMs: number;
  /** Pages read at most per pass (default 10, of `perPage` attempts each). */
  maxPages: number;
  /** Attempts per page (default and at most 100). */
  perPage: number;
  /** Redeliveries asked at most per pass (default 50); the others wait for the next pass. */
  maxRedeliveries: number;
  /** The pause between two redeliveries (default 1 s): a redelivery is a webhook the app must take in. */
  paceMs: number;
  /** A guid redelivered less than this ago is not asked again (default 30 min): its redelivery may still be on its way or failing anew. */
  cooldownMs: number;
  /** A guid GitHub shows redelivered this many times, all failed, is given up (default 3): the app itself refuses it. */
  maxRedeliveriesPerDelivery: number;
}

export const RECONCILE_DEFAULTS: ReconcileOptions = {
  lookbackMs: 6 * 60 * 60_000,
  maxPages: 10,
  perPage: 100,
  maxRedeliveries: 50,
  paceMs: 1_000,
  cooldownMs: 30 * 60_000,
  maxRedeliveriesPerDelivery: 3,
};

/** What one pass did. Counts of attempts (rows) for `listed`; of events (guids) for the rest. */
export interface ReconcileFigures {
  /** Pages read. */
  pages: number;
  /** Attempts read within the lookback. */
  listed: number;
  /** Events the app does not handle (and pings). */
  ignored: number;
  /** Handled events none of whose attempts succeeded. */
  failed: number;
  /** Of the failed, those the store holds: they were taken in after all. */
  alreadyProcessed: number;
  /** Of the failed, those redelivered less than `cooldownMs` ago: left for a later pass. */
  cooling: number;
  /** Of the failed, those redelivered `maxRedeliveriesPerDelivery` times already: given up. */
  exhausted: number;
  /** Redeliveries GitHub accepted. */
  redelivered: number;
  /** Redeliveries GitHub refused (RedeliveryRefused: too old, gone). */
  refused: number;
  /** Failures: a listing that failed (which ends the walk), a store read, a redelivery. */
  errors: number;
  /** Failed events past `maxRedeliveries`, or left when the pass was aborted: the next pass takes them. */
  deferred: number;
}

export const emptyFigures = (): ReconcileFigures => ({ pages: 0, listed: 0, ignored: 0, failed: 0, alreadyProcessed: 0, cooling: 0, exhausted: 0, redelivered: 0, refused: 0, errors: 0, deferred: 0 });

const succeeded = (row: HookDelivery): boolean => row.statusCode >= 200 && row.statusCode < 300;
const timeOf = (row: HookDelivery): number => Date.parse(row.deliveredAt);
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one pass; never throws (every failure is logged and counted). */
export async function reconcileDeliveries(deps: ReconcileDeps, options: Partial<ReconcileOptions> = {}): Promise<ReconcileFigures> {
  const o: ReconcileOptions = { ...RECONCILE_DEFAULTS, ...options };
  const figures = emptyFigures();
  const now = deps.clock.now().getTime();
  for (const [guid, at] of deps.recent ?? []) if (now - at >= o.cooldownMs) deps.recent?.delete(guid);
  const byGuid = await walk(deps, o, now, figures);
  const candidates: { guid: string; row: HookDelivery; first: number }[] = [];
  for (const [guid, rows] of byGuid) {
    const verdict = await decide(deps, o, now, guid, rows, figures);
    if (verdict) candidates.push({ guid, row: verdict, first: Math.min(...rows.map(timeOf)) });
  }
  // Oldest event first: redelivered events reach the engine in the order they happened.
  candidates.sort((a, b) => a.first - b.first || a.row.id - b.row.id);
  await redeliverAll(deps, o, candidates, figures);
  deps.onPass?.(figures);
  const level = figures.errors > 0 ? "warn" : figures.redelivered + figures.refused > 0 ? "info" : "debug";
  deps.log[level]({ ...figures }, "webhook deliveries reconciled");
  return figures;
}

/**
 * The attempts within the lookback, by guid, each guid's newest first. GitHub lists newest
 * first, so the walk ends at the first attempt older than the lookback, at the last page, or
 * after `maxPages`. A page that cannot be read ends the walk (logged, counted); what the pages
 * before it showed is still reconciled: an event's attempts on an unread page are older than
 * the ones read, and its success, if any, is newer than its failure (so on a page read).
 */
async function walk(deps: ReconcileDeps, o: ReconcileOptions, now: number, figures: ReconcileFigures): Promise<Map<string, HookDelivery[]>> {
  const cutoff = now - o.lookbackMs;
  const byGuid = new Map<string, HookDelivery[]>();
  let cursor: string | undefined;
  for (let page = 0; page < o.maxPages; page++) {
    let answer: Awaited<ReturnType<AppHooks["listDeliveries"]>>;
    try {
      answer = await deps.hooks.listDeliveries({ perPage: o.perPage, ...(cursor ? { cursor } : {}) });
    } catch (err) {
      figures.errors++;
      deps.log.warn({ err, page: page + 1 }, "cannot list the app's webhook deliveries; the walk ends here");
      break;
    }
    figures.pages++;
    let pastLookback = false;
    for (const row of answer.deliveries) {
      const at = timeOf(row);
      if (Number.isNaN(at)) continue;
      if (at < cutoff) {
        pastLookback = true;
        continue;
      }
      figures.listed++;
      const rows = byGuid.get(row.guid);
      if (rows) rows.push(row);
      else byGuid.set(row.guid, [row]);
    }
    if (pastLookback || !answer.next || answer.next === cursor) break;
    cursor = answer.next;
  }
  for (const rows of byGuid.values()) rows.sort((a, b) => timeOf(b) - timeOf(a) || b.id - a.id);
  return byGuid;
}

/**
 * What to do with one event (a guid and its attempts, newest first): the attempt to redeliver,
 * or undefined. The rule, in order:
 * 1. An event the app does not handle, or a ping: ignored. (Events the app skips on purpose are
 *    answered 200 and so never failed; schedule ticks and API runs have ids GitHub never shows.)
 * 2. An event with any 2xx attempt was taken in: nothing to do. A status of 0 (no answer: the
 *    connection failed or timed out) or anything but 2xx is a failure (GitHub's "not OK").
 * 3. An event the store holds was processed (the store records a delivery as it takes it in,
 *    so a redelivery that succeeded is caught here too, even before GitHub lists it).
 * 4. An event this process redelivered, or whose newest attempt is a redelivery, less than
 *    `cooldownMs` ago is left alone: that redelivery may still be on its way, and asking again
 *    would hammer an app that is failing. This is what makes passes idempotent across replicas
 *    and restarts: GitHub's own list says what was redelivered and when.
 * 5. An event redelivered `maxRedeliveriesPerDelivery` times, every time failing, is given up.
 * 6. Otherwise its newest attempt is redelivered, once per pass.
 * A duplicate redelivery (two passes at once, a list that lags) is harmless: the store takes a
 * delivery id in once (`acceptDelivery`).
 */
async function decide(deps: ReconcileDeps, o: ReconcileOptions, now: number, guid: string, rows: HookDelivery[], figures: ReconcileFigures): Promise<HookDelivery | undefined> {
  const newest = rows[0]!;
  if (newest.event === "ping" || !deps.handled(newest.event)) {
    figures.ignored++;
    return undefined;
  }
  if (rows.some(succeeded)) return undefined;
  figures.failed++;
  try {
    if (await deps.store.getDelivery(guid)) {
      figures.alreadyProcessed++;
      return undefined;
    }
  } catch (err) {
    figures.errors++;
    deps.log.warn({ err, guid }, "cannot read a delivery from the store; it waits for the next pass");
    return undefined;
  }
  const ours = deps.recent?.get(guid);
  if ((ours !== undefined && now - ours < o.cooldownMs) || (newest.redelivery && now - timeOf(newest) < o.cooldownMs)) {
    figures.cooling++;
    return undefined;
  }
  if (rows.filter((r) => r.redelivery).length >= o.maxRedeliveriesPerDelivery) {
    figures.exhausted++;
    deps.log.debug({ guid, event: newest.event, statusCode: newest.statusCode, status: newest.status }, "webhook delivery given up after its redeliveries failed");
    return undefined;
  }
  return newest;
}

/** Redelivers the candidates in order, `paceMs` apart, at most `maxRedeliveries` of them; a failure is counted and the others go on. */
async function redeliverAll(deps: ReconcileDeps, o: ReconcileOptions, candidates: { guid: string; row: HookDelivery }[], figures: ReconcileFigures): Promise<void> {
  const sleep = deps.sleep ?? defaultSleep;
  const allowed = Math.max(0, Math.trunc(o.maxRedeliveries));
  let asked = 0;
  for (const { guid, row } of candidates) {
    if (asked >= allowed || deps.signal?.aborted) break;
    if (asked > 0 && o.paceMs > 0) {
      await sleep(o.paceMs);
      if (deps.signal?.aborted) break;
    }
    asked++;
    const ctx = { guid, deliveryId: row.id, event: row.event, action: row.action, installationId: row.installationId, statusCode: row.statusCode, status: row.status };
    try {
      await deps.hooks.redeliver(row.id);
      figures.redelivered++;
      deps.recent?.set(guid, deps.clock.now().getTime());
      deps.log.info(ctx, "failed webhook delivery redelivered");
    } catch (err) {
      if (err instanceof RedeliveryRefused) {
        figures.refused++;
        deps.log.info({ ...ctx, httpStatus: err.status }, "GitHub refused to redeliver a failed webhook delivery; skipped");
      } else {
        figures.errors++;
        deps.log.warn({ ...ctx, err }, "cannot redeliver a failed webhook delivery; the next pass tries again");
      }
    }
  }
  figures.deferred += candidates.length - asked;
}
