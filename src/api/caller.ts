/**
 * Who calls the REST API and what they may do: the roles, and the caller a request's
 * credentials resolve to (a GitHub user, or an operator-issued API token), asked per account
 * and per repository. The routes decide with these alone.
 */

/** viewer: read; runner: also start, approve (if an approver) and cancel runs; admin: also create and update workflows. */
export const ROLES = ["viewer", "runner", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` is at least `needed`. */
export function atLeast(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** An authenticated caller. Every answer about an account or repository it cannot see is undefined (the API answers 404, never 403). */
export interface Caller {
  /** How the caller signs what it does (votes, cancels, versions): a GitHub login, or `token:<name>` for an operator token. */
  readonly actor: string;
  readonly kind: "user" | "token";
  /** The caller's role on an account (org-wide workflows), or undefined when it cannot see it. */
  ownerRole(owner: string): Promise<Role | undefined>;
  /** The caller's role on a repository (`owner/name`), or undefined when it cannot see it. */
  repositoryRole(repository: string): Promise<Role | undefined>;
  /** The accounts the caller can see (logins, lower case), or undefined for every account (an operator token for `*`). */
  visibleOwners(): Promise<string[] | undefined>;
}

/** Resolves a request's `Authorization` header to a caller; undefined when the credentials are missing or not valid (401). */
export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Caller | undefined>;
}

/** GitHub could not be asked about a caller (down, rate-limited): the API answers 503, and nothing is cached. */
export class CallerLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallerLookupError";
  }
}
