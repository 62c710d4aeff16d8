// The Store on the real PostgreSQL: the whole contract suite (each store over a new schema, several stores over one schema as several processes), plus what only Postgres has: racing commits across stores, the read-only store, DATABASE_URL handling.
import { afterAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/domain/ports.js";
import { displayDatabaseUrl, openStore, parseDatabaseUrl } from "../../src/store/open-store.js";
import { openPgStore } from "../../src/store/pg-store.js";
import { adminQuery, dropSchema, schemaName, schemaUrl } from "../helpers/postgres.js";
import { at, makeDelivery, makeRun, T0 } from "./fixtures.js";
import { describeStoreContract } from "./store-contract.js";

const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

/** A new schema's URL, dropped after the file. */
function newSchemaUrl(tag: string): string {
  const schema = schemaName(tag);
  schemas.push(schema);
  return schemaUrl(schema);
}

// Fails the file at once, with how to start PostgreSQL, when it is down: never a silent skip.
await adminQuery("select 1");

describeStoreContract("postgres", () => openStore(newSchemaUrl("pg")), {
  shared: async () => {
    const url = newSchemaUrl("pg_shared");
    return { open: () => openStore(url) };
  },
});

describe("PostgreSQL store across processes", () => {
  const opened: Store[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });
  const open = async (url: string) => {
    const store = await openPgStore(url, { max: 4 });
    opened.push(store);
    return store;
  };

  it("two stores committing a run over the same version: exactly one commits", async () => {
    const url = newSchemaUrl("pg_commit");
    const [a, b] = [await open(url), await open(url)];
    const run = makeRun();
    await a.createRun(run);
    for (let round = 1; round <= 10; round++) {
      const results = await Promise.all([a, b].map((s, i) => s.commitRun({ ...run, version: round, status: "running" }, { log: [{ ts: T0.toISOString(), level: "info", message: `round ${round} by ${i}` }] })));
      expect(results.filter((r) => r.committed)).toEqual([{ committed: true, version: round + 1 }]);
      expect(results.filter((r) => !r.committed)).toEqual([{ committed: false, storedVersion: round + 1 }]);
    }
    const stored = await b.getRun(run.id);
    expect(stored?.version).toBe(11);
    expect(stored?.log.filter((l) => l.message.startsWith("round"))).toHaveLength(10);
  });

  it("claimers in several stores with claimJobs batches never take the same job", async () => {
    const url = newSchemaUrl("pg_claims");
    const stores = [await open(url), await open(url), await open(url)];
    await Promise.all(Array.from({ length: 300 }, (_, n) => stores[n % 3]!.enqueue({ type: "t", payload: { n }, installationId: 1 + (n % 5), runAt: at(n % 3) })));
    const taken: string[] = [];
    await Promise.all(
      stores.map(async (store, i) => {
        for (let jobs = await store.claimJobs(`w${i}`, at(10), 60_000, 7); jobs.length > 0; jobs = await store.claimJobs(`w${i}`, at(10), 60_000, 7)) {
          for (const job of jobs) {
            taken.push(job.id);
            expect(await store.completeJob(job.id, `w${i}`)).toBe(true);
          }
        }
      }),
    );
    expect(taken).toHaveLength(300);
    expect(new Set(taken).size).toBe(300);
  });

  it("writes asked for together commit together; one that fails fails alone", async () => {
    const store = await open(newSchemaUrl("pg_group"));
    const run = makeRun();
    await store.createRun(run);
    // The same id under another dedupe key: the primary key refuses it, inside its own savepoint.
    const results = await Promise.allSettled([store.enqueue({ type: "a", payload: {}, runAt: T0 }), store.createRun({ ...run, dedupeKey: "other" }), store.enqueue({ type: "b", payload: {}, runAt: T0 })]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await store.claimJobs("w", at(1), 60_000, 10)).map((j) => j.type)).toEqual(["a", "b"]);
  });

  it("close() commits the writes already asked for", async () => {
    const url = newSchemaUrl("pg_close");
    const store = await openPgStore(url);
    const write = store.enqueue({ type: "last", payload: {}, runAt: T0 });
    await store.close();
    expect(await write).toBe(true);
    const again = await open(url);
    expect(await again.claimJob("w", at(1), 60_000)).toMatchObject({ type: "last" });
  });

  it("ids GitHub gives beyond 32 bits read back as numbers", async () => {
    const store = await open(newSchemaUrl("pg_ids"));
    const delivery = makeDelivery("d-big", { installationId: 2 ** 40 + 3 });
    await store.acceptDelivery(delivery);
    expect((await store.getDelivery("d-big"))?.installationId).toBe(2 ** 40 + 3);
    const run = makeRun({ installationId: 2 ** 40 + 3, checkRunId: 2 ** 45 + 1 });
    await store.createRun(run);
    expect(await store.getRun(run.id)).toMatchObject({ installationId: 2 ** 40 + 3, checkRunId: 2 ** 45 + 1 });
  });
});

describe("PostgreSQL read-only store (governance runs, export)", () => {
  it("reads a migrated schema and refuses every write", async () => {
    const url = newSchemaUrl("pg_ro");
    const writer = await openStore(url);
    const run = makeRun();
    await writer.createRun(run);
    const reader = await openStore(url, { readOnly: true });
    try {
      expect((await reader.getRun(run.id))?.id).toBe(run.id);
      expect(await reader.listRuns({ withoutLog: true })).toHaveLength(1);
      await expect(reader.enqueue({ type: "t", payload: {} })).rejects.toThrow(/read-only transaction/);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it("refuses a schema with no store, never creating it", async () => {
    const schema = schemaName("pg_ro_none");
    schemas.push(schema);
    await expect(openStore(schemaUrl(schema), { readOnly: true })).rejects.toThrow(/not the app's database/);
    const found = await adminQuery("select 1 from information_schema.schemata where schema_name = $1", [schema]);
    expect(found.rows).toHaveLength(0);
  });

  it("refuses a database it cannot reach, without the password", async () => {
    const err = await openStore("postgres://app:s3cret-pw@127.0.0.1:1/none", { readOnly: true }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cannot read the Postgres database/);
    expect((err as Error).message).not.toContain("s3cret");
  });
});

describe("DATABASE_URL for PostgreSQL", () => {
  it("parses postgres:// and postgresql:// as a Postgres target, never in process memory", () => {
    expect(parseDatabaseUrl("postgres://app:pw@db.internal:5432/gov?schema=gov_1")).toEqual({ kind: "postgres", connectionString: "postgres://app:pw@db.internal:5432/gov", schema: "gov_1" });
    expect(parseDatabaseUrl("postgresql://db/gov").kind).toBe("postgres");
    expect(parseDatabaseUrl("postgresql://db/gov").filename).toBeUndefined();
  });

  it("shows a URL without its password", () => {
    expect(displayDatabaseUrl("postgres://app:s3cret@db:5432/gov?schema=x")).toBe("postgres://app:***@db:5432/gov?schema=x");
    expect(displayDatabaseUrl("sqlite:./data/governance.db")).toBe("sqlite:./data/governance.db");
    expect(displayDatabaseUrl("postgres//app:s3cret@db")).not.toContain("s3cret");
  });
});
