/**
 * The store port's workflow catalogue (a part of `Store`, in its own file): org-wide workflows
 * and their immutable versions, and the workflows last read from repositories' default branches.
 */
import type {
  AddVersionResult,
  CatalogueFilter,
  CataloguePage,
  CreateWorkflowResult,
  NewWorkflowVersion,
  RepositoryWorkflow,
  StoredWorkflow,
  StoredWorkflowVersion,
} from "./stored-workflow.js";

export interface CatalogueStore {
  /**
   * Stores a new org-wide workflow with its first version (seq 1), in one transaction, unless a
   * workflow with its id exists (of any owner: `idTaken`) or the owner (any case) has one with
   * its name (any case: `nameTaken`); then nothing changes and the existing one comes back.
   */
  createWorkflow(workflow: { id: string; owner: string; installationId?: number }, first: NewWorkflowVersion): Promise<CreateWorkflowResult>;
  /**
   * Adds a version over version `overSeq`, in one transaction: only if that is still the latest
   * (else `conflict`: of concurrent updates over one version exactly one is added), its semver is
   * greater than the latest's (`versionNotGreater`), and no other workflow of the owner has its
   * name (`nameTaken`). The workflow's name, version, filter and updatedAt follow the new version.
   */
  addWorkflowVersion(id: string, overSeq: number, next: NewWorkflowVersion): Promise<AddVersionResult>;
  getStoredWorkflow(id: string): Promise<StoredWorkflow | undefined>;
  /** One version by its semver, or the latest when none is named. */
  getWorkflowVersion(id: string, version?: string): Promise<StoredWorkflowVersion | undefined>;
  /** Every version of a workflow, oldest first. */
  listWorkflowVersions(id: string): Promise<StoredWorkflowVersion[]>;
  /** The latest versions of an owner's (any case) org-wide workflows, by id: what the engine filters by repository. */
  latestWorkflowsOf(owner: string): Promise<StoredWorkflowVersion[]>;
  /**
   * Makes `entries` what the catalogue holds for the repository (`owner/name`, any case), in one
   * transaction: the workflows just read from its default branch; what was there before goes.
   */
  replaceRepositoryWorkflows(repository: string, installationId: number, entries: RepositoryWorkflow[]): Promise<void>;
  /** The repository workflows with this id (a declared id may be used in several repositories), by repository then path. */
  findRepositoryWorkflows(id: string): Promise<RepositoryWorkflow[]>;
  /** Org-wide and repository workflows together, ordered by id (then source, repository, path), a page at a time. */
  listCatalogue(filter?: CatalogueFilter): Promise<CataloguePage>;
}
