/**
 * The rules both stores (SQLite and PostgreSQL) apply around their statements, written once:
 * how a listing's limit is clamped, how the catalogue's two listings merge into one page, how a
 * prune's cutoff and limit are checked, and whether a database holds exactly this build's
 * migrations.
 */
import type { CatalogueEntry } from "../domain/stored-workflow.js";
import { compareKeys, keyOf } from "./catalogue-cursor.js";
import { migrations } from "./migrations.js";

/** A listing's limit: `fallback` unless asked, never more than `max`, at least 1. */
export function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.trunc(limit)));
}

/** The first `count` entries of two lists, each in catalogue order, in catalogue order. */
export function mergeCatalogue(a: CatalogueEntry[], b: CatalogueEntry[], count: number): CatalogueEntry[] {
  const out: CatalogueEntry[] = [];
  let i = 0;
  let j = 0;
  while (out.length < count && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && compareKeys(keyOf(a[i]!), keyOf(b[j]!)) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** The most rows one prune call changes, whatever limit it is given. */
export const PRUNE_MAX_LIMIT = 10_000;

/** A prune's cutoff as stored times compare: an ISO-8601 UTC string. */
export function pruneCutoff(method: string, at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError(`${method}: the cutoff must be a valid Date`);
  return at.toISOString();
}

/** A prune's limit: a whole number from 1 to PRUNE_MAX_LIMIT. */
export function pruneLimit(method: string, limit: number): number {
  if (!(limit >= 1)) throw new RangeError(`${method}: limit must be at least 1, got ${limit}`);
  return Math.min(PRUNE_MAX_LIMIT, Math.trunc(limit));
}

/** Whether the migrations recorded in a database are exactly this build's. */
export function exactlyThisBuildsMigrations(recorded: Iterable<string>): boolean {
  const done = new Set(recorded);
  const wanted = Object.keys(migrations);
  return done.size === wanted.length && wanted.every((name) => done.has(name));
}
