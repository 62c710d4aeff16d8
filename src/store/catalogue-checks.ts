/**
 * What every store checks before it writes to the workflow catalogue: bounded ids, owners, names
 * and filters, semvers, known formats, well-formed times, definitions that serialise to JSON.
 * Pure, shared by every backend; a record that fails is refused whole and nothing is written.
 */
import { REPOSITORY_FILTER_LIMITS, WORKFLOW_FORMATS, type NewWorkflowVersion, type RepositoryWorkflow } from "../domain/stored-workflow.js";
import { REPOSITORY, show, text, time } from "./task-checks.js";

/** The bounds of what the catalogue stores (the workflow format's own, where it has one). */
export const CATALOGUE_LIMITS = {
  id: 128,
  owner: 100,
  name: 200,
  version: 256,
  createdBy: 200,
  path: 1_024,
  commit: 100,
  /** A document's text, and its definition as JSON. */
  document: 1_000_000,
  /** Workflows one repository may hold. */
  repositoryEntries: 1_000,
} as const;

/** The workflow format's semver pattern (SemVer 2.0.0, no leading `v`). */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A catalogue record the store refused: `problems` names each field that is wrong. Nothing was written. */
export class InvalidCatalogueRecordError extends Error {
  constructor(
    readonly problems: readonly string[],
    what: string,
  ) {
    super(`${what} refused, nothing was stored: ${problems.join("; ")}`);
    this.name = "InvalidCatalogueRecordError";
  }
}

/** Throws unless the new workflow (its record and its first version) may be stored. */
export function assertStorableWorkflow(workflow: { id: string; owner: string; installationId?: number }, first: NewWorkflowVersion): void {
  const problems: string[] = [];
  if (typeof workflow !== "object" || workflow === null) problems.push("the workflow must be an object");
  else {
    text(workflow.id, "id", 1, CATALOGUE_LIMITS.id, problems);
    text(workflow.owner, "owner", 1, CATALOGUE_LIMITS.owner, problems);
    if (workflow.installationId !== undefined) positive(workflow.installationId, "installationId", problems);
  }
  versionProblems(first, "first", problems);
  refuse(problems, `workflow ${show(workflow?.id)}`);
}

/** Throws unless the update's new version may be stored. */
export function assertStorableVersion(id: string, next: NewWorkflowVersion): void {
  const problems: string[] = [];
  versionProblems(next, "next", problems);
  refuse(problems, `new version of workflow ${show(id)}`);
}

/** Throws unless `entries` may become what the catalogue holds for `repository`. */
export function assertStorableRepositoryWorkflows(repository: string, installationId: number, entries: RepositoryWorkflow[]): void {
  const problems: string[] = [];
  const good = typeof repository === "string" && REPOSITORY.test(repository);
  if (!good) problems.push(`repository must be owner/name, got ${show(repository)}`);
  positive(installationId, "installationId", problems);
  if (!Array.isArray(entries)) problems.push("entries must be a list");
  else {
    if (entries.length > CATALOGUE_LIMITS.repositoryEntries) problems.push(`entries has ${entries.length} workflows, more than ${CATALOGUE_LIMITS.repositoryEntries}`);
    const paths = new Set<string>();
    for (const [i, entry] of entries.slice(0, CATALOGUE_LIMITS.repositoryEntries + 1).entries()) {
      const where = `entries[${i}]`;
      if (typeof entry !== "object" || entry === null) {
        problems.push(`${where} must be an object`);
        continue;
      }
      text(entry.id, `${where}.id`, 1, CATALOGUE_LIMITS.id, problems);
      if (good && (typeof entry.repository !== "string" || entry.repository.toLowerCase() !== repository.toLowerCase())) problems.push(`${where}.repository must be ${show(repository)} (any case), got ${show(entry.repository)}`);
      if (entry.installationId !== installationId) problems.push(`${where}.installationId must be ${installationId}, got ${show(entry.installationId)}`);
      text(entry.path, `${where}.path`, 1, CATALOGUE_LIMITS.path, problems);
      if (typeof entry.path === "string" && paths.has(entry.path)) problems.push(`${where}.path ${show(entry.path)} is listed twice`);
      paths.add(entry.path);
      text(entry.commit, `${where}.commit`, 1, CATALOGUE_LIMITS.commit, problems);
      text(entry.name, `${where}.name`, 1, CATALOGUE_LIMITS.name, problems);
      text(entry.version, `${where}.version`, 1, CATALOGUE_LIMITS.version, problems);
      definitionProblems(entry.definition, `${where}.definition`, problems);
      time(entry.seenAt, `${where}.seenAt`, problems);
    }
  }
  refuse(problems, `workflows of repository ${show(repository)}`);
}

/** Every reason a version may not be stored, each naming its field under `where`. */
function versionProblems(v: NewWorkflowVersion, where: string, problems: string[]): void {
  if (typeof v !== "object" || v === null) {
    problems.push(`${where} must be an object`);
    return;
  }
  if (typeof v.version !== "string" || v.version.length > CATALOGUE_LIMITS.version || !SEMVER.test(v.version)) problems.push(`${where}.version must be a semantic version such as 1.0.0, got ${show(v.version)}`);
  text(v.name, `${where}.name`, 1, CATALOGUE_LIMITS.name, problems);
  definitionProblems(v.definition, `${where}.definition`, problems);
  text(v.source, `${where}.source`, 1, CATALOGUE_LIMITS.document, problems);
  if (!(WORKFLOW_FORMATS as readonly unknown[]).includes(v.format)) problems.push(`${where}.format must be one of ${WORKFLOW_FORMATS.join(", ")}, got ${show(v.format)}`);
  if (!Array.isArray(v.repositories)) problems.push(`${where}.repositories must be a list of names or globs`);
  else {
    const count = v.repositories.length;
    if (count > REPOSITORY_FILTER_LIMITS.entries) problems.push(`${where}.repositories has ${count} entries, more than ${REPOSITORY_FILTER_LIMITS.entries}`);
    v.repositories.slice(0, REPOSITORY_FILTER_LIMITS.entries + 1).forEach((r, i) => text(r, `${where}.repositories[${i}]`, 1, REPOSITORY_FILTER_LIMITS.chars, problems));
  }
  text(v.createdBy, `${where}.createdBy`, 1, CATALOGUE_LIMITS.createdBy, problems);
  time(v.createdAt, `${where}.createdAt`, problems);
}

/** A workflow document: a plain object that serialises to JSON of bounded size. */
function definitionProblems(definition: unknown, field: string, problems: string[]): void {
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    problems.push(`${field} must be a workflow document (an object), got ${show(definition)}`);
    return;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(definition);
  } catch (err) {
    problems.push(`${field} cannot be stored as JSON: ${(err as Error).message}`);
    return;
  }
  if (json === undefined) problems.push(`${field} cannot be stored as JSON`);
  else if (json.length > CATALOGUE_LIMITS.document) problems.push(`${field} is ${json.length} characters of JSON, more than ${CATALOGUE_LIMITS.document}`);
}

function positive(value: unknown, field: string, problems: string[]): void {
  if (!(Number.isSafeInteger(value) && (value as number) > 0)) problems.push(`${field} must be a positive integer, got ${show(value)}`);
}

function refuse(problems: string[], what: string): void {
  if (problems.length > 0) throw new InvalidCatalogueRecordError(problems, what);
}
