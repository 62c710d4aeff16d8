// Fixtures of the workflow catalogue's contract parts: versions of org-wide workflows and workflows read from repositories.
import type { NewWorkflowVersion, RepositoryWorkflow } from "../../../src/domain/stored-workflow.js";
import type { Workflow } from "../../../src/domain/workflow.js";
import { at } from "../fixtures.js";

/** A workflow document with this id, name and version. */
export function definition(id: string, name: string, version: string): Workflow {
  return {
    id,
    name,
    version,
    triggers: [{ type: "manual", config: {} }],
    steps: [{ id: "open", type: "action", action: { kind: "createIssue", parameters: { title: `Review ${name}` } } }],
  } as Workflow;
}

/** A version of org-wide workflow `id`: 1.0.0 named "Triage" unless told, made at `at(ms)`. */
export function makeVersion(id: string, overrides: Partial<NewWorkflowVersion> = {}, ms = 0): NewWorkflowVersion {
  const version = overrides.version ?? "1.0.0";
  const name = overrides.name ?? "Triage";
  return {
    version,
    name,
    definition: definition(id, name, version),
    source: `id: ${id}\nname: ${name}\nversion: ${version}\n`,
    format: "yaml",
    repositories: ["api", "web-*"],
    createdBy: "octocat",
    createdAt: at(ms).toISOString(),
    ...overrides,
  };
}

/** A workflow of `repository`'s default branch, at `.governance/<id>.yml` unless told. */
export function makeRepoWorkflow(repository: string, id: string, overrides: Partial<RepositoryWorkflow> = {}): RepositoryWorkflow {
  const name = overrides.name ?? `Policy ${id}`;
  const version = overrides.version ?? "1.0.0";
  return {
    id,
    repository,
    installationId: 4_200_000_001,
    path: `.governance/${id}.yml`,
    commit: "c".repeat(40),
    name,
    version,
    definition: definition(id, name, version),
    seenAt: at(5).toISOString(),
    ...overrides,
  };
}
