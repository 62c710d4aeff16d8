// Retention on SQLite beyond the contract: migration 0008 over an existing database, its down, the indexes the prunes use, and the health probe's view of the schema.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { PRUNED_PAYLOAD } from "../../src/domain/retention-port.js";
import { migrations } from "../../src/store/migrations.js";
import * as rq from "../../src/store/retention-queries.js";
import type { Tables } from "../../src/store/schema.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { at, makeDelivery, makeRun } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "governance-retention-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => join(dir, `db-${++files}.sqlite`);
const DAY = 86_400_000;

/** SQLite's plan of a query, its steps joined with " | ". */
function planner(raw: Database.Database) {
  return (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
    const { sql: text, parameters } = query.compile();
    return (raw.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...parameters) as { detail: string }[]).map((r) => r.detail).join(" | ");
  };
}

describe("SQLite migration 0008_retention", () => {
  it("migrates a database at 0007, keeping what was stored, which retention then prunes", async () => {
    const file = tempFile();
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0008"));
    const old = await openSqliteStore(file, { migrations: before });
    await old.acceptDelivery(makeDelivery("d-0007"));
    const run = makeRun({ deliveryId: "d-0007", status: "failed", finishedAt: at(DAY).toISOString(), currentStepId: undefined });
    await old.createRun(run);
    expect(await old.migrationsApplied()).toBe(false);
    await old.close();

    const store = await openSqliteStore(file);
    expect(await store.migrationsApplied()).toBe(true);
    expect((await store.getRun(run.id))?.log).toEqual(run.log);
    const job = (await store.claimJob("w", at(0), 60_000))!;
    await store.completeJob(job.id, "w");
    expect(await store.pruneDeliveryPayloads(at(30 * DAY), 10)).toBe(1);
    expect(await store.pruneRunLogs(at(30 * DAY), 10)).toBe(2);
    expect((await store.getDelivery("d-0007"))?.payload).toEqual(PRUNED_PAYLOAD);
    await store.close();
  });

  it("its down drops the columns and indexes it added", async () => {
    const file = tempFile();
    await (await openSqliteStore(file)).close();
    const raw = new Database(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    await migrations["0008_retention"]!.down!(db);
    const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('jobs_finished_idx', 'runs_delivery_idx', 'runs_log_kept_idx', 'deliveries_payload_kept_idx')").pluck().all();
    const columns = [...raw.prepare("SELECT name FROM pragma_table_info('runs')").pluck().all(), ...raw.prepare("SELECT name FROM pragma_table_info('deliveries')").pluck().all()];
    await db.destroy();
    expect(indexes).toEqual([]);
    expect(columns).not.toContain("log_pruned_at");
    expect(columns).not.toContain("payload_pruned_at");
  });
});

describe("SQLite retention: index use", () => {
  it("each prune finds its rows through its partial index, never by scanning a table", async () => {
    const file = tempFile();
    await (await openSqliteStore(file)).close();
    const raw = new Database(file, { readonly: true });
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
    const plan = planner(raw);
    const t = at(0).toISOString();
    expect(plan(rq.deleteFinishedJobs(db, t, 10))).toMatch(/SEARCH jobs USING (COVERING )?INDEX jobs_finished_idx \(updated_at<\?\)/);
    expect(plan(rq.deleteFinishedJobs(db, t, 10))).not.toMatch(/SCAN/);
    const payloads = plan(rq.prunePayloads(db, t, 10, t));
    expect(payloads).toMatch(/SEARCH d USING (COVERING )?INDEX deliveries_payload_kept_idx \(received_at<\?\)/);
    expect(payloads).toMatch(/SEARCH r USING INDEX runs_delivery_idx \(delivery_id=\?\)/);
    expect(payloads).toMatch(/SEARCH j USING INDEX sqlite_autoindex_jobs_\d \(key=\?\)/);
    expect(payloads).not.toMatch(/SCAN/);
    expect(plan(rq.selectRunsWithLogs(db, t, 10))).toMatch(/^SEARCH runs USING INDEX runs_log_kept_idx \(finished_at<\?\)$/);
    expect(plan(rq.deleteRunLogs(db, "r", 10))).toMatch(/SEARCH run_logs USING (COVERING )?INDEX run_logs_run_id_idx \(run_id=\?\)/);
    expect(plan(rq.deleteRunLogs(db, "r", 10))).not.toMatch(/SCAN/);
    await db.destroy();
  });

  it("a database migrated by a newer version is not at this build's schema", async () => {
    const file = tempFile();
    const newer = { async up() {} };
    const store = await openSqliteStore(file, { migrations: { ...migrations, "9999_newer": newer } });
    expect(await store.migrationsApplied()).toBe(false);
    await store.close();
  });
});
