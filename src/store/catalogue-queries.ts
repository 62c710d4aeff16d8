/**
 * The workflow catalogue's statements: portable Kysely, like queries.ts. Each guarantee rests on
 * one statement and a constraint: one workflow per id and per owner and name (PRIMARY KEY,
 * UNIQUE), a new version only over the latest one its writer read (a conditional UPDATE, and the
 * versions' PRIMARY KEY), one repository workflow per repository and path.
 */
import type { Insertable, Updateable } from "kysely";
import type { CatalogueKey } from "./catalogue-cursor.js";
import type { Db } from "./queries.js";
import type { RepositoryWorkflowsTable, StoredWorkflowsTable, StoredWorkflowVersionsTable } from "./schema.js";

export const CATALOGUE_DEFAULT_LIMIT = 50;
export const CATALOGUE_MAX_LIMIT = 200;

/** The catalogue's filters as the statements take them: names, owners and repositories in lower case. */
export interface CatalogueRowFilter {
  nameKey?: string;
  version?: string;
  ownerKeys?: string[];
  installationId?: number;
}

/** Inserts a workflow unless its id, or its owner and name, is taken (0 rows changed then). */
export function insertStoredWorkflow(db: Db, row: Insertable<StoredWorkflowsTable>) {
  return db
    .insertInto("stored_workflows")
    .values(row)
    .onConflict((oc) => oc.doNothing());
}

/** A workflow by id, or by its owner and name (both in lower case). */
export function selectStoredWorkflow(db: Db, by: { id: string } | { ownerKey: string; nameKey: string }) {
  const query = db.selectFrom("stored_workflows").selectAll();
  if ("id" in by) return query.where("id", "=", by.id);
  return query.where("owner_key", "=", by.ownerKey).where("name_key", "=", by.nameKey);
}

/** Makes `set` (the new latest version's columns) the workflow's, only while its latest seq is still `overSeq`. */
export function advanceStoredWorkflow(db: Db, id: string, overSeq: number, set: Updateable<StoredWorkflowsTable>) {
  return db.updateTable("stored_workflows").set(set).where("id", "=", id).where("latest_seq", "=", overSeq);
}

/** Inserts a version unless its seq or semver is taken for the workflow (0 rows changed then). */
export function insertWorkflowVersion(db: Db, row: Insertable<StoredWorkflowVersionsTable>) {
  return db
    .insertInto("stored_workflow_versions")
    .values(row)
    .onConflict((oc) => oc.doNothing());
}

/** One version of a workflow: by semver, or the latest. */
export function selectWorkflowVersion(db: Db, workflowId: string, version: string | undefined) {
  if (version !== undefined) return db.selectFrom("stored_workflow_versions").selectAll().where("workflow_id", "=", workflowId).where("version", "=", version);
  return db
    .selectFrom("stored_workflow_versions as v")
    .innerJoin("stored_workflows as w", (j) => j.onRef("w.id", "=", "v.workflow_id").onRef("w.latest_seq", "=", "v.seq"))
    .selectAll("v")
    .where("w.id", "=", workflowId);
}

/** Every version of a workflow, oldest first. */
export function selectWorkflowVersions(db: Db, workflowId: string) {
  return db.selectFrom("stored_workflow_versions").selectAll().where("workflow_id", "=", workflowId).orderBy("seq");
}

/** The latest versions of an owner's workflows (owner in lower case), by workflow id. */
export function selectLatestVersionsOf(db: Db, ownerKey: string) {
  return db
    .selectFrom("stored_workflows as w")
    .innerJoin("stored_workflow_versions as v", (j) => j.onRef("v.workflow_id", "=", "w.id").onRef("v.seq", "=", "w.latest_seq"))
    .selectAll("v")
    .where("w.owner_key", "=", ownerKey)
    .orderBy("w.id");
}

/** Drops a repository's workflows (repository in lower case). */
export function deleteRepositoryWorkflows(db: Db, repositoryKey: string) {
  return db.deleteFrom("repository_workflows").where("repository_key", "=", repositoryKey);
}

/** Inserts one repository workflow. */
export function insertRepositoryWorkflow(db: Db, row: Insertable<RepositoryWorkflowsTable>) {
  return db.insertInto("repository_workflows").values(row);
}

/** The repository workflows with this id, by repository then path. */
export function selectRepositoryWorkflowsById(db: Db, id: string) {
  return db.selectFrom("repository_workflows").selectAll().where("id", "=", id).orderBy("repository_key").orderBy("path");
}

/**
 * Org-wide workflows in catalogue order after `after`, filtered, at most `limit`. An org-wide
 * entry sorts before every repository entry of its id, so only greater ids come after any key.
 */
export function selectCatalogueWorkflows(db: Db, filter: CatalogueRowFilter, after: CatalogueKey | undefined, limit: number) {
  return db
    .selectFrom("stored_workflows")
    .selectAll()
    .$if(after !== undefined, (q) => q.where("id", ">", after!.id))
    .$if(filter.nameKey !== undefined, (q) => q.where("name_key", "=", filter.nameKey!))
    .$if(filter.version !== undefined, (q) => q.where("latest_version", "=", filter.version!))
    .$if(filter.ownerKeys !== undefined, (q) => q.where("owner_key", "in", filter.ownerKeys!))
    .$if(filter.installationId !== undefined, (q) => q.where("installation_id", "=", filter.installationId!))
    .orderBy("id")
    .limit(limit);
}

/** Repository workflows in catalogue order (id, repository, path) after `after`, filtered, at most `limit`. */
export function selectCatalogueRepositoryWorkflows(db: Db, filter: CatalogueRowFilter, after: CatalogueKey | undefined, limit: number) {
  return db
    .selectFrom("repository_workflows")
    .selectAll()
    .$if(after?.source === "api", (q) => q.where("id", ">=", after!.id))
    .$if(after?.source === "repository", (q) =>
      q.where("id", ">=", after!.id).where((eb) =>
        eb.or([eb("id", ">", after!.id), eb("repository_key", ">", after!.repositoryKey), eb.and([eb("repository_key", "=", after!.repositoryKey), eb("path", ">", after!.path)])]),
      ),
    )
    .$if(filter.nameKey !== undefined, (q) => q.where("name_key", "=", filter.nameKey!))
    .$if(filter.version !== undefined, (q) => q.where("version", "=", filter.version!))
    .$if(filter.ownerKeys !== undefined, (q) => q.where("owner_key", "in", filter.ownerKeys!))
    .$if(filter.installationId !== undefined, (q) => q.where("installation_id", "=", filter.installationId!))
    .orderBy("id")
    .orderBy("repository_key")
    .orderBy("path")
    .limit(limit);
}
