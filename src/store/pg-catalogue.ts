/**
 * The workflow catalogue on PostgreSQL: the Store methods that PgStore hands on to this class
 * (createWorkflow, addWorkflowVersion, getStoredWorkflow, getWorkflowVersion,
 * listWorkflowVersions, latestWorkflowsOf, replaceRepositoryWorkflows, findRepositoryWorkflows,
 * listCatalogue), ported statement for statement from SqliteCatalogue. Each write is one
 * transaction under the store's write lock; the catalogue's order is SQLite's byte order of
 * text (COLLATE "C" on every ordering and keyset comparison), so pages and cursors are the same
 * on both backends whatever the database's collation.
 */
import { sql, type RawBuilder, type Selectable } from "kysely";
import { gt } from "semver";
import type { CatalogueStore } from "../domain/catalogue-port.js";
import type { Clock } from "../domain/ports.js";
import type { AddVersionResult, CatalogueEntry, CatalogueFilter, CataloguePage, CreateWorkflowResult, NewWorkflowVersion, RepositoryWorkflow, StoredWorkflow, StoredWorkflowVersion } from "../domain/stored-workflow.js";
import { assertStorableRepositoryWorkflows, assertStorableVersion, assertStorableWorkflow } from "./catalogue-checks.js";
import { decodeCursor, encodeCursor, keyOf, type CatalogueKey } from "./catalogue-cursor.js";
import { clampLimit, mergeCatalogue } from "./store-rules.js";
import * as cq from "./catalogue-queries.js";
import { latestToRow, repositoryWorkflowToRow, rowToRepositoryWorkflow, rowToStoredWorkflow, rowToVersion, versionToRow, workflowToRow } from "./catalogue-rows.js";
import type { PgExec, PgTransactions } from "./pg-exec.js";
import type { Db, StoredWorkflowsTable } from "./schema.js";

/**
 * A text column compared and ordered by its UTF-8 bytes (SQLite's BINARY, and compareKeys'),
 * not by the database's collation (en_US and ICU ones ignore case and punctuation at first).
 */
export function inByteOrder(column: string): RawBuilder<string> {
  return sql<string>`${sql.ref(column)} collate "C"`;
}

export class PgCatalogue implements CatalogueStore {
  readonly #tx: PgTransactions;

  /** The clock is the parts' common shape: SqliteCatalogue reads none, so neither does this class. */
  constructor(tx: PgTransactions, _clock: Clock) {
    this.#tx = tx;
  }

  async createWorkflow(workflow: { id: string; owner: string; installationId?: number }, first: NewWorkflowVersion): Promise<CreateWorkflowResult> {
    assertStorableWorkflow(workflow, first);
    const row = workflowToRow(workflow, first);
    const version = versionToRow(workflow.id, 1, first);
    const db = this.#tx.db;
    return this.#tx.write(async (exec): Promise<CreateWorkflowResult> => {
      // The constraints decide (the id, the owner's name): a second creator inserts nothing.
      if ((await exec.run(cq.insertStoredWorkflow(db, row))) === 1) {
        await exec.run(cq.insertWorkflowVersion(db, version));
        return { created: true, workflow: rowToStoredWorkflow(row), version: rowToVersion(version) };
      }
      const byId = await this.#row(exec, { id: row.id });
      if (byId) return { created: false, reason: "idTaken", existing: rowToStoredWorkflow(byId) };
      const byName = await this.#row(exec, { ownerKey: row.owner_key, nameKey: row.name_key });
      if (byName) return { created: false, reason: "nameTaken", existing: rowToStoredWorkflow(byName) };
      throw new Error(`workflow ${JSON.stringify(row.id)}: neither inserted nor found by its id or name`);
    });
  }

  async addWorkflowVersion(id: string, overSeq: number, next: NewWorkflowVersion): Promise<AddVersionResult> {
    assertStorableVersion(id, next);
    const db = this.#tx.db;
    return this.#tx.write(async (exec): Promise<AddVersionResult> => {
      // Read and written in this one transaction, under the write lock: nobody moves the workflow in between.
      const current = await this.#row(exec, { id });
      if (!current) return { added: false, reason: "notFound" };
      const workflow = rowToStoredWorkflow(current);
      if (Number(current.latest_seq) !== overSeq) return { added: false, reason: "conflict", workflow };
      if (!gt(next.version, current.latest_version)) return { added: false, reason: "versionNotGreater", workflow };
      const holder = await this.#row(exec, { ownerKey: current.owner_key, nameKey: next.name.toLowerCase() });
      if (holder && holder.id !== id) return { added: false, reason: "nameTaken", workflow };
      const seq = overSeq + 1;
      const version = versionToRow(id, seq, next);
      // Conditional on the seq read (and the versions' key): a concurrent update loses here.
      if ((await exec.run(cq.advanceStoredWorkflow(db, id, overSeq, latestToRow(next, seq)))) === 0 || (await exec.run(cq.insertWorkflowVersion(db, version))) === 0) {
        throw new Error(`workflow ${JSON.stringify(id)}: version ${seq} was written by another update meanwhile`);
      }
      return { added: true, workflow: rowToStoredWorkflow((await this.#row(exec, { id }))!), version: rowToVersion(version) };
    });
  }

  async getStoredWorkflow(id: string): Promise<StoredWorkflow | undefined> {
    const row = await this.#row(this.#tx.exec, { id });
    return row && rowToStoredWorkflow(row);
  }

  async getWorkflowVersion(id: string, version?: string): Promise<StoredWorkflowVersion | undefined> {
    const row = await this.#tx.exec.first(cq.selectWorkflowVersion(this.#tx.db, id, version));
    return row && rowToVersion(row);
  }

  async listWorkflowVersions(id: string): Promise<StoredWorkflowVersion[]> {
    return (await this.#tx.exec.all(cq.selectWorkflowVersions(this.#tx.db, id))).map(rowToVersion);
  }

  async latestWorkflowsOf(owner: string): Promise<StoredWorkflowVersion[]> {
    const query = cq.selectLatestVersionsOf(this.#tx.db, owner.toLowerCase()).clearOrderBy().orderBy(inByteOrder("w.id"));
    return (await this.#tx.exec.all(query)).map(rowToVersion);
  }

  async replaceRepositoryWorkflows(repository: string, installationId: number, entries: RepositoryWorkflow[]): Promise<void> {
    assertStorableRepositoryWorkflows(repository, installationId, entries);
    const rows = entries.map(repositoryWorkflowToRow);
    const repositoryKey = repository.toLowerCase();
    const db = this.#tx.db;
    await this.#tx.write(async (exec) => {
      await exec.run(cq.deleteRepositoryWorkflows(db, repositoryKey));
      for (const row of rows) await exec.run(cq.insertRepositoryWorkflow(db, row));
    });
  }

  async findRepositoryWorkflows(id: string): Promise<RepositoryWorkflow[]> {
    const query = cq.selectRepositoryWorkflowsById(this.#tx.db, id).clearOrderBy().orderBy(inByteOrder("repository_key")).orderBy(inByteOrder("path"));
    return (await this.#tx.exec.all(query)).map(rowToRepositoryWorkflow);
  }

  /**
   * Two keyset queries (org-wide, repository), each of at most limit + 1 entries after the
   * cursor, read in one snapshot and merged in catalogue order: the page is the first `limit`,
   * and there is a next page when one more was found. A cursor this store did not give throws
   * InvalidCursorError (a RangeError).
   */
  async listCatalogue(filter: CatalogueFilter = {}): Promise<CataloguePage> {
    const limit = clampLimit(filter.limit, cq.CATALOGUE_DEFAULT_LIMIT, cq.CATALOGUE_MAX_LIMIT);
    const after: CatalogueKey | undefined = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    if (filter.owners !== undefined && filter.owners.length === 0) return { entries: [] };
    const by: cq.CatalogueRowFilter = {
      ...(filter.name === undefined ? {} : { nameKey: filter.name.toLowerCase() }),
      ...(filter.version === undefined ? {} : { version: filter.version }),
      ...(filter.owners === undefined ? {} : { ownerKeys: [...new Set(filter.owners.map((o) => o.toLowerCase()))] }),
      ...(filter.installationId === undefined ? {} : { installationId: filter.installationId }),
    };
    const db = this.#tx.db;
    const entries = await this.#tx.read(async (exec) => {
      const api: CatalogueEntry[] = filter.source === "repository" ? [] : (await exec.all(catalogueWorkflows(db, by, after, limit + 1))).map((r) => ({ source: "api", workflow: rowToStoredWorkflow(r) }));
      const repo: CatalogueEntry[] = filter.source === "api" ? [] : (await exec.all(catalogueRepositoryWorkflows(db, by, after, limit + 1))).map((r) => ({ source: "repository", workflow: rowToRepositoryWorkflow(r) }));
      return mergeCatalogue(api, repo, limit + 1);
    });
    if (entries.length <= limit) return { entries };
    const page = entries.slice(0, limit);
    return { entries: page, next: encodeCursor(keyOf(page[page.length - 1]!)) };
  }

  async #row(exec: PgExec, by: { id: string } | { ownerKey: string; nameKey: string }): Promise<Selectable<StoredWorkflowsTable> | undefined> {
    return exec.first(cq.selectStoredWorkflow(this.#tx.db, by));
  }
}

/**
 * cq.selectCatalogueWorkflows with its keyset in byte order: its filters as they are, its
 * cursor condition and its order on `id collate "C"` (catalogue-queries' own use the collation
 * of the database, which on Postgres is seldom bytewise).
 */
function catalogueWorkflows(db: Db, by: cq.CatalogueRowFilter, after: CatalogueKey | undefined, limit: number) {
  return cq
    .selectCatalogueWorkflows(db, by, undefined, limit)
    .$if(after !== undefined, (q) => q.where(inByteOrder("id"), ">", after!.id))
    .clearOrderBy()
    .orderBy(inByteOrder("id"));
}

/** cq.selectCatalogueRepositoryWorkflows with its keyset (id, repository, path) in byte order. */
function catalogueRepositoryWorkflows(db: Db, by: cq.CatalogueRowFilter, after: CatalogueKey | undefined, limit: number) {
  const id = inByteOrder("id");
  const repositoryKey = inByteOrder("repository_key");
  const path = inByteOrder("path");
  return cq
    .selectCatalogueRepositoryWorkflows(db, by, undefined, limit)
    .$if(after?.source === "api", (q) => q.where(id, ">=", after!.id))
    .$if(after?.source === "repository", (q) =>
      q.where(id, ">=", after!.id).where((eb) => eb.or([eb(id, ">", after!.id), eb(repositoryKey, ">", after!.repositoryKey), eb.and([eb(repositoryKey, "=", after!.repositoryKey), eb(path, ">", after!.path)])])),
    )
    .clearOrderBy()
    .orderBy(id)
    .orderBy(repositoryKey)
    .orderBy(path);
}
