/** The compile stage's check of where a workflow lives: `owner` and `repositories` belong to org-wide workflows, and only there are they required. */
import type { Workflow } from "../domain/workflow.js";
import type { Report } from "./diagnostic-cap.js";

/**
 * `owner` and `repositories` say which account's repositories an org-wide workflow (kept by the
 * app) applies to: required there, and meaningless in a repository's own file, which applies to
 * its repository alone.
 */
export function checkOrigin(workflow: Workflow, origin: "repository" | "orgWide", report: Report): void {
  for (const field of ["owner", "repositories"] as const) {
    if (origin === "repository" && workflow[field] !== undefined) {
      report([field], `\`${field}\` belongs to org-wide workflows (created through the API or \`governance import\`); a repository's own workflow applies to its repository only: remove it`);
    }
    if (origin === "orgWide" && workflow[field] === undefined) {
      const what = field === "owner" ? "the account (organisation or user) it belongs to" : 'which of the owner\'s repositories it applies to, by name or glob (["*"] for every one)';
      report([], `an org-wide workflow needs \`${field}\`: ${what}`);
    }
  }
}
