/**
 * The workflow catalogue on SQLite: the Store methods that SqliteStore hands on to this class
 * (createWorkflow, addWorkflowVersion, getStoredWorkflow, getWorkflowVersion,
 * listWorkflowVersions, latestWorkflowsOf, replaceRepositoryWorkflows, findRepositoryWorkflows,
 * listCatalogue). Writes go through the store's group commit, each one atomic (its reads and
 * writes in one synchronous callback); every record is checked before it is written.
 */
import type { Kysely, Selectable } from "kysely";
import { gt } from "semver";
import type { AddVersionResult, CatalogueEntry, CatalogueFilter, CataloguePage, CreateWorkflowResult, NewWorkflowVersion, RepositoryWorkflow, StoredWorkflow, StoredWorkflowVersion } from "../domain/stored-workflow.js";
import { assertStorableRepositoryWorkflows, assertStorableVersion, assertStorableWorkflow } from "./catalogue-checks.js";
import { decodeCursor, encodeCursor, keyOf, type CatalogueKey } from "./catalogue-cursor.js";
import { clampLimit, mergeCatalogue } from "./store-rules.js";
import * as cq from "./catalogue-queries.js";
import { latestToRow, repositoryWorkflowToRow, rowToRepositoryWorkflow, rowToStoredWorkflow, rowToVersion, versionToRow, workflowToRow } from "./catalogue-rows.js";
import type { StoredWorkflowsTable, Tables } from "./schema.js";
import type { SqliteExec } from "./sqlite-exec.js";
import type { GroupCommit } from "./sqlite-group-commit.js";

export class SqliteCatalogue {
  readonly #exec: SqliteExec;
  readonly #db: Kysely<Tables>;
  readonly #group: GroupCommit;

  constructor(exec: SqliteExec, db: Kysely<Tables>, group: GroupCommit) {
    this.#exec = exec;
    this.#db = db;
    this.#group = group;
  }

  async createWorkflow(workflow: { id: string; owner: string; installationId?: number }, first: NewWorkflowVersion): Promise<CreateWorkflowResult> {
    assertStorableWorkflow(workflow, first);
    const row = workflowToRow(workflow, first);
    const version = versionToRow(workflow.id, 1, first);
    return this.#group.add((): CreateWorkflowResult => {
      // The constraints decide (the id, the owner's name): a second creator inserts nothing.
      if (this.#exec.run(cq.insertStoredWorkflow(this.#db, row)) === 1) {
        this.#exec.run(cq.insertWorkflowVersion(this.#db, version));
        return { created: true, workflow: rowToStoredWorkflow(row), version: rowToVersion(version) };
      }
      const byId = this.#row({ id: row.id });
      if (byId) return { created: false, reason: "idTaken", existing: rowToStoredWorkflow(byId) };
      const byName = this.#row({ ownerKey: row.owner_key, nameKey: row.name_key });
      if (byName) return { created: false, reason: "nameTaken", existing: rowToStoredWorkflow(byName) };
      throw new Error(`workflow ${JSON.stringify(row.id)}: neither inserted nor found by its id or name`);
    });
  }

  async addWorkflowVersion(id: string, overSeq: number, next: NewWorkflowVersion): Promise<AddVersionResult> {
    assertStorableVersion(id, next);
    return this.#group.add((): AddVersionResult => {
      // Read and written in this one callback: nobody moves the workflow in between.
      const current = this.#row({ id });
      if (!current) return { added: false, reason: "notFound" };
      const workflow = rowToStoredWorkflow(current);
      if (Number(current.latest_seq) !== overSeq) return { added: false, reason: "conflict", workflow };
      if (!gt(next.version, current.latest_version)) return { added: false, reason: "versionNotGreater", workflow };
      const holder = this.#row({ ownerKey: current.owner_key, nameKey: next.name.toLowerCase() });
      if (holder && holder.id !== id) return { added: false, reason: "nameTaken", workflow };
      const seq = overSeq + 1;
      const version = versionToRow(id, seq, next);
      // Conditional on the seq read (and the versions' key): elsewhere, a concurrent update loses here.
      if (this.#exec.run(cq.advanceStoredWorkflow(this.#db, id, overSeq, latestToRow(next, seq))) === 0 || this.#exec.run(cq.insertWorkflowVersion(this.#db, version)) === 0) {
        throw new Error(`workflow ${JSON.stringify(id)}: version ${seq} was written by another update meanwhile`);
      }
      return { added: true, workflow: rowToStoredWorkflow(this.#row({ id })!), version: rowToVersion(version) };
    });
  }

  async getStoredWorkflow(id: string): Promise<StoredWorkflow | undefined> {
    const row = this.#row({ id });
    return row && rowToStoredWorkflow(row);
  }

  async getWorkflowVersion(id: string, version?: string): Promise<StoredWorkflowVersion | undefined> {
    const row = this.#exec.first(cq.selectWorkflowVersion(this.#db, id, version));
    return row && rowToVersion(row);
  }

  async listWorkflowVersions(id: string): Promise<StoredWorkflowVersion[]> {
    return this.#exec.all(cq.selectWorkflowVersions(this.#db, id)).map(rowToVersion);
  }

  async latestWorkflowsOf(owner: string): Promise<StoredWorkflowVersion[]> {
    return this.#exec.all(cq.selectLatestVersionsOf(this.#db, owner.toLowerCase())).map(rowToVersion);
  }

  async replaceRepositoryWorkflows(repository: string, installationId: number, entries: RepositoryWorkflow[]): Promise<void> {
    assertStorableRepositoryWorkflows(repository, installationId, entries);
    const rows = entries.map(repositoryWorkflowToRow);
    const repositoryKey = repository.toLowerCase();
    await this.#group.add(() => {
      this.#exec.run(cq.deleteRepositoryWorkflows(this.#db, repositoryKey));
      for (const row of rows) this.#exec.run(cq.insertRepositoryWorkflow(this.#db, row));
    });
  }

  async findRepositoryWorkflows(id: string): Promise<RepositoryWorkflow[]> {
    return this.#exec.all(cq.selectRepositoryWorkflowsById(this.#db, id)).map(rowToRepositoryWorkflow);
  }

  /**
   * Two keyset queries (org-wide, repository), each of at most limit + 1 entries after the
   * cursor, merged in catalogue order: the page is the first `limit`, and there is a next page
   * when one more was found. A cursor this store did not give throws InvalidCursorError (a RangeError).
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
    const entries = this.#exec.read(() => {
      const api: CatalogueEntry[] = filter.source === "repository" ? [] : this.#exec.all(cq.selectCatalogueWorkflows(this.#db, by, after, limit + 1)).map((r) => ({ source: "api", workflow: rowToStoredWorkflow(r) }));
      const repo: CatalogueEntry[] = filter.source === "api" ? [] : this.#exec.all(cq.selectCatalogueRepositoryWorkflows(this.#db, by, after, limit + 1)).map((r) => ({ source: "repository", workflow: rowToRepositoryWorkflow(r) }));
      return mergeCatalogue(api, repo, limit + 1);
    });
    if (entries.length <= limit) return { entries };
    const page = entries.slice(0, limit);
    return { entries: page, next: encodeCursor(keyOf(page[page.length - 1]!)) };
  }

  #row(by: { id: string } | { ownerKey: string; nameKey: string }): Selectable<StoredWorkflowsTable> | undefined {
    return this.#exec.first(cq.selectStoredWorkflow(this.#db, by));
  }
}
