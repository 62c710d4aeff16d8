/**
 * Org-wide workflows: saving a document as a new workflow or a new version (the REST API and
 * `governance import` share these rules), and the ones that apply to a repository, which the
 * engine adds to the repository's own workflows.
 */
import { v7 as uuidv7 } from "uuid";
import type { Diagnostic } from "../domain/diagnostic.js";
import type { RepositoryInfo } from "../domain/events.js";
import type { Store } from "../domain/ports.js";
import { orgWidePath, type RepositoryWorkflow, type StoredWorkflow, type StoredWorkflowVersion, type WorkflowFormat } from "../domain/stored-workflow.js";
import type { Workflow } from "../domain/workflow.js";
import { globMatch } from "../triggers/glob.js";
import { loadOrgWideDocument, sameDefinition, withId } from "../workflows/org-wide-document.js";
import type { LoadedFolder, LoadedWorkflow } from "./workflow-source.js";

/** A document to save, and who saves it. */
export interface SaveInput {
  text: string;
  format: WorkflowFormat;
  /** Names the text in diagnostics (a file, or "request body"). */
  path: string;
  /** A GitHub login, `token:<name>`, or `import`. */
  actor: string;
  now: Date;
  knownScripts?: ReadonlySet<string>;
}

/** Why a valid document was not saved: each names the field it is about (a JSON pointer). */
export type SaveRefusal = "idTaken" | "nameTaken" | "versionNotGreater" | "conflict" | "ownerChanged" | "idMismatch";

export type SaveResult =
  | { ok: true; outcome: "created" | "updated" | "unchanged"; workflow: StoredWorkflow; version: StoredWorkflowVersion; diagnostics: Diagnostic[] }
  | { ok: false; error: "invalid"; diagnostics: Diagnostic[] }
  | { ok: false; error: SaveRefusal; message: string; pointer: string; workflow?: StoredWorkflow }
  | { ok: false; error: "notFound" };

type Valid = { workflow: Workflow & { owner: string; repositories: string[] }; diagnostics: Diagnostic[] };

function validate(input: SaveInput): Valid | { ok: false; error: "invalid"; diagnostics: Diagnostic[] } {
  const loaded = loadOrgWideDocument(input.path, input.text, input.format, { knownScripts: input.knownScripts });
  return loaded.ok ? { workflow: loaded.workflow, diagnostics: loaded.diagnostics } : { ok: false, error: "invalid", diagnostics: loaded.diagnostics };
}

/** Stores a new org-wide workflow (its id from the document, else a new one). */
/** Checks, once the document is valid and before anything is written, that the caller may save it (it throws when not). */
export type Authorize = (workflow: Workflow & { owner: string }) => Promise<void>;

export async function createOrgWide(store: Store, input: SaveInput, options: { installationId?: (owner: string) => Promise<number | undefined>; authorize?: Authorize } = {}): Promise<SaveResult> {
  const valid = validate(input);
  if ("error" in valid) return valid;
  await options.authorize?.(valid.workflow);
  return create(store, input, valid, await options.installationId?.(valid.workflow.owner));
}

async function create(store: Store, input: SaveInput, valid: Valid, installationId: number | undefined): Promise<SaveResult> {
  const id = valid.workflow.id ?? uuidv7();
  const definition = { ...valid.workflow, id };
  const result = await store.createWorkflow(
    { id, owner: valid.workflow.owner, ...(installationId === undefined ? {} : { installationId }) },
    versionOf(input, definition),
  );
  if (result.created) return { ok: true, outcome: "created", workflow: result.workflow, version: result.version, diagnostics: valid.diagnostics };
  return result.reason === "idTaken"
    ? { ok: false, error: "idTaken", message: `a workflow with id "${id}" exists already: update it instead`, pointer: "/id", workflow: result.existing }
    : { ok: false, error: "nameTaken", message: `${result.existing.owner} has a workflow named "${result.existing.name}" already (id ${result.existing.id})`, pointer: "/name", workflow: result.existing };
}

/**
 * Adds a version to a workflow: over `overSeq` when the caller read one (an If-Match), else over
 * the latest. A document the same as the latest version changes nothing (`unchanged`).
 */
export async function updateOrgWide(store: Store, id: string, input: SaveInput, options: { overSeq?: number } = {}): Promise<SaveResult> {
  const valid = validate(input);
  if ("error" in valid) return valid;
  return update(store, id, input, valid, options.overSeq);
}


async function update(store: Store, id: string, input: SaveInput, valid: Valid, overSeq: number | undefined, options: { earlierIsUnchanged?: boolean } = {}): Promise<SaveResult> {
  const current = await store.getStoredWorkflow(id);
  const latest = current && (await store.getWorkflowVersion(id));
  if (!current || !latest) return { ok: false, error: "notFound" };
  if (valid.workflow.id !== undefined && valid.workflow.id !== id) {
    return { ok: false, error: "idMismatch", message: `the document's id "${valid.workflow.id}" is not this workflow's ("${id}")`, pointer: "/id", workflow: current };
  }
  if (valid.workflow.owner.toLowerCase() !== current.owner.toLowerCase()) {
    return { ok: false, error: "ownerChanged", message: `a workflow's owner cannot change (it is ${current.owner}): create one for ${valid.workflow.owner} instead`, pointer: "/owner", workflow: current };
  }
  const definition = { ...valid.workflow, id, owner: current.owner };
  if (sameDefinition(definition, latest.definition)) return { ok: true, outcome: "unchanged", workflow: current, version: latest, diagnostics: valid.diagnostics };
  if (options.earlierIsUnchanged) {
    // An import of every version: one that is stored already, exactly, is nothing new.
    const earlier = await store.getWorkflowVersion(id, definition.version);
    if (earlier && sameDefinition(definition, earlier.definition)) return { ok: true, outcome: "unchanged", workflow: current, version: earlier, diagnostics: valid.diagnostics };
  }
  const result = await store.addWorkflowVersion(id, overSeq ?? latest.seq, versionOf(input, definition));
  if (result.added) return { ok: true, outcome: "updated", workflow: result.workflow, version: result.version, diagnostics: valid.diagnostics };
  switch (result.reason) {
    case "notFound":
      return { ok: false, error: "notFound" };
    case "conflict":
      return { ok: false, error: "conflict", message: `the workflow changed meanwhile (its latest version is now ${result.workflow.version}): read it again and make the change over that`, pointer: "", workflow: result.workflow };
    case "versionNotGreater":
      return { ok: false, error: "versionNotGreater", message: `the version must grow: ${definition.version} is not greater than the latest, ${result.workflow.version}`, pointer: "/version", workflow: result.workflow };
    case "nameTaken":
      return { ok: false, error: "nameTaken", message: `${result.workflow.owner} has another workflow named "${definition.name}"`, pointer: "/name", workflow: result.workflow };
  }
}

/**
 * `governance import`: the document becomes a new workflow, or a new version of the one with its
 * id (else of the owner's one with its name), or nothing when it is the same as the latest or as
 * the stored version with its semver (an export of every version, imported again).
 */
export async function importOrgWide(store: Store, input: SaveInput): Promise<SaveResult> {
  const valid = validate(input);
  if ("error" in valid) return valid;
  const { id, owner, name } = valid.workflow;
  const existingId =
    id !== undefined
      ? (await store.getStoredWorkflow(id))?.id
      : (await store.latestWorkflowsOf(owner)).find((v) => v.definition.name.toLowerCase() === name.toLowerCase())?.workflowId;
  return existingId === undefined ? create(store, input, valid, await knownInstallation(store, owner)) : update(store, existingId, input, valid, undefined, { earlierIsUnchanged: true });
}

/** The installation the store has seen for an owner's repositories (the catalogue's repository entries), if any. */
export async function knownInstallation(store: Pick<Store, "listCatalogue">, owner: string): Promise<number | undefined> {
  const seen = await store.listCatalogue({ owners: [owner], source: "repository", limit: 1 });
  const entry = seen.entries[0];
  return entry?.source === "repository" ? entry.workflow.installationId : undefined;
}

function versionOf(input: SaveInput, definition: Workflow & { id: string; repositories: string[] }) {
  return {
    version: definition.version,
    name: definition.name,
    definition,
    source: withId(input.text, input.format, definition.id),
    format: input.format,
    repositories: definition.repositories,
    createdBy: input.actor,
    createdAt: input.now.toISOString(),
  };
}

/** Whether an org-wide workflow's `repositories` names the repository (by name or glob, any case). */
export function appliesTo(repositories: readonly string[], repositoryName: string): boolean {
  const name = repositoryName.toLowerCase();
  return repositories.some((pattern) => globMatch(pattern.toLowerCase(), name));
}

/** The owner's org-wide workflows that apply to the repository, as the engine's workflow entries (path `org-wide:<owner>/<id>`). */
export async function orgWideWorkflows(store: Pick<Store, "latestWorkflowsOf">, repository: RepositoryInfo): Promise<LoadedWorkflow[]> {
  const versions = await store.latestWorkflowsOf(repository.owner);
  return versions
    .filter((v) => appliesTo(v.repositories, repository.name))
    .map((v) => ({ path: orgWidePath(v.definition.owner ?? repository.owner, v.workflowId), id: v.workflowId, workflow: v.definition }));
}

/** A repository's default-branch folder with the owner's org-wide workflows that apply to the repository added after its own. */
export async function withOrgWide(store: Pick<Store, "latestWorkflowsOf">, folder: Promise<LoadedFolder> | LoadedFolder, repository: RepositoryInfo): Promise<LoadedFolder> {
  const [own, orgWide] = await Promise.all([folder, orgWideWorkflows(store, repository)]);
  return orgWide.length === 0 ? own : { ...own, workflows: [...own.workflows, ...orgWide] };
}

/** The catalogue's entries for a repository's default-branch folder just read: its valid workflows, read-only in the API. */
export function repositoryEntries(repository: RepositoryInfo, installationId: number, folder: LoadedFolder, now: Date): RepositoryWorkflow[] {
  return folder.workflows.map((w) => ({
    id: w.id,
    repository: repository.fullName,
    installationId,
    path: w.path,
    commit: folder.commit,
    name: w.workflow.name,
    version: w.workflow.version,
    definition: w.workflow,
    seenAt: now.toISOString(),
  }));
}

/**
 * Keeps the catalogue's repository entries from the reads of default branches (a
 * WorkflowSource's onDefaultBranchRead). Best effort: a failed write is logged, and the next
 * read writes again.
 */
export function catalogueRecorder(store: Pick<Store, "replaceRepositoryWorkflows">, clock: { now(): Date }, log: { warn(obj: object, msg: string): void }) {
  return (repository: RepositoryInfo, installationId: number, folder: LoadedFolder): void => {
    store.replaceRepositoryWorkflows(repository.fullName, installationId, repositoryEntries(repository, installationId, folder, clock.now())).catch((err: unknown) => {
      log.warn({ repository: repository.fullName, error: (err as Error).message }, "could not record the repository's workflows in the catalogue");
    });
  };
}
