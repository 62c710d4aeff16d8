// openStore's readOnly option: reads an existing database as it is, and refuses what it cannot read without changing it.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { openStore, ReadOnlyStoreError } from "../../src/store/open-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { makeRepoWorkflow, makeVersion } from "./contract/catalogue-fixtures.js";
import { makeDelivery, makeTask } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "governance-read-only-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ReadOnlyStoreError openStore rejects with. */
async function refusal(url: string): Promise<ReadOnlyStoreError> {
  const err = await openStore(url, { readOnly: true, cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReadOnlyStoreError);
  return err as ReadOnlyStoreError;
}

describe("openStore(url, { readOnly: true })", () => {
  it("reads what the app's store wrote, relative to cwd, and never changes the file", async () => {
    const writer = await openStore(`sqlite:${join(dir, "app.db")}`);
    await writer.acceptDelivery(makeDelivery("d-1"));
    await writer.close();
    const sha = () => createHash("sha256").update(readFileSync(join(dir, "app.db"))).digest("hex");
    const before = sha();
    const reader = await openStore("sqlite:app.db", { readOnly: true, cwd: dir });
    expect((await reader.getDelivery("d-1"))?.id).toBe("d-1");
    await expect(reader.enqueue({ type: "x", payload: {} })).rejects.toThrow(/readonly/i);
    await reader.close();
    expect(sha()).toBe(before);
  });

  it("refuses a URL no other process can read, saying it is the URL's fault", async () => {
    expect(await refusal("sqlite::memory:")).toMatchObject({ about: "url", message: expect.stringMatching(/^sqlite::memory: keeps the app's runs in its own memory/) });
    expect(await refusal("postgres://admin:pw@/governance")).toMatchObject({ about: "url", message: expect.stringMatching(/^DATABASE_URL is not a valid postgres:\/\/ URL/) });
  });

  it("refuses a missing file without creating it or its folder", async () => {
    const err = await refusal("sqlite:none/app.db");
    expect(err).toMatchObject({ about: "database", message: `no database at ${join(dir, "none", "app.db")}; is this the DATABASE_URL (and the folder) the app runs with?` });
    expect(existsSync(join(dir, "none"))).toBe(false);
  });

  it("refuses a file that is not a database, and a database at another schema", async () => {
    writeFileSync(join(dir, "notes.txt"), "not a database, but long enough to have a header of sorts.............................................");
    expect((await refusal("sqlite:notes.txt")).message).toMatch(/^cannot read .*notes\.txt: file is not a database \(SQLITE_NOTADB\)$/);
    const old = await openSqliteStore(join(dir, "old.db"), { migrations: Object.fromEntries(Object.entries(migrations).slice(0, 1)) });
    await old.close();
    expect((await refusal("sqlite:old.db")).message).toMatch(/^the database is at an older schema \(1 of \d+ migrations\)/);
  });

  it("reads remediation tasks, and refuses a database from before the tasks migration until the app migrates it", async () => {
    const file = join(dir, "tasks.db");
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0006"));
    await (await openSqliteStore(file, { migrations: before })).close();
    const total = Object.keys(migrations).length;
    const done = Object.keys(before).length;
    expect((await refusal("sqlite:tasks.db")).message).toMatch(new RegExp(`^the database is at an older schema \\(${done} of ${total} migrations\\)`));
    const writer = await openSqliteStore(file);
    const task = makeTask();
    await writer.createTask(task);
    await writer.close();
    const reader = await openStore("sqlite:tasks.db", { readOnly: true, cwd: dir });
    expect(await reader.findTask({ fingerprint: task.fingerprint! })).toEqual({ ...task, version: 1 });
    await expect(reader.createTask(makeTask())).rejects.toThrow(/readonly/i);
    await reader.close();
  });

  it("reads the workflow catalogue, and refuses a database from before the catalogue migration", async () => {
    const file = join(dir, "catalogue.db");
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0007"));
    await (await openSqliteStore(file, { migrations: before })).close();
    expect((await refusal("sqlite:catalogue.db")).message).toMatch(/^the database is at an older schema/);
    const writer = await openSqliteStore(file);
    await writer.createWorkflow({ id: "wf-1", owner: "acme" }, makeVersion("wf-1"));
    await writer.replaceRepositoryWorkflows("acme/api", 1, [makeRepoWorkflow("acme/api", "wf-2", { installationId: 1 })]);
    const listing = await writer.listCatalogue();
    await writer.close();
    const reader = await openStore("sqlite:catalogue.db", { readOnly: true, cwd: dir });
    expect(await reader.listCatalogue()).toEqual(listing);
    expect((await reader.getWorkflowVersion("wf-1"))?.seq).toBe(1);
    await expect(reader.addWorkflowVersion("wf-1", 1, makeVersion("wf-1", { version: "2.0.0" }))).rejects.toThrow(/readonly/i);
    await reader.close();
  });
});
