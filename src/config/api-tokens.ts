/**
 * The operator configuration's `api.tokens`: operator-issued REST API tokens, each stored as the
 * SHA-256 of the token (never the token itself) with its role and the accounts it covers. The
 * schema checks each entry's shape; this file adds what it cannot say (unique names, unique
 * hashes) and builds the frozen entries. No message here quotes a hash.
 */
import type { DocPath } from "../domain/paths.js";
import { safeDisplayPath } from "./redact.js";

/** What a token may do, as src/api/caller.ts's Role (which this floor cannot import): viewer < runner < admin. */
export type ApiTokenRole = "viewer" | "runner" | "admin";

/** One operator API token. */
export interface ApiTokenConfig {
  /** Unique; the API signs what the token does as `token:<name>`. */
  readonly name: string;
  /** The hex SHA-256 of the token, lower case. */
  readonly sha256: string;
  readonly role: ApiTokenRole;
  /** GitHub account logins the token covers, as written, or `*` for every account. */
  readonly owners: readonly string[];
}

/** The `api` section. */
export interface ApiConfig {
  readonly tokens: readonly ApiTokenConfig[];
}

/** The section as the schema lets it through. */
export interface RawApi {
  tokens?: Array<{ name: string; sha256: string; role: ApiTokenRole; owners: string[] }>;
}

/** A problem the schema cannot see, at its place. */
export interface ApiTokenProblem {
  readonly path: DocPath;
  readonly message: string;
}

/** Duplicate names (any case) and duplicate hashes (any case), each reported at the later entry. */
export function apiTokenProblems(api: RawApi | undefined): ApiTokenProblem[] {
  const out: ApiTokenProblem[] = [];
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  (api?.tokens ?? []).forEach((token, i) => {
    const path = (field: string): DocPath => ["api", "tokens", i, field];
    const name = token.name.toLowerCase();
    const sameName = names.get(name);
    if (sameName === undefined) names.set(name, i);
    else out.push({ path: path("name"), message: `${safeDisplayPath(path("name"))}: the name ${JSON.stringify(token.name)} is already used by api.tokens[${sameName}]; each token needs its own` });
    const hash = token.sha256.toLowerCase();
    const sameHash = hashes.get(hash);
    if (sameHash === undefined) hashes.set(hash, i);
    else out.push({ path: path("sha256"), message: `${safeDisplayPath(path("sha256"))} is the same as api.tokens[${sameHash}].sha256; each token needs its own` });
  });
  return out;
}

/** The frozen section: hashes in lower case, owners without repeats. */
export function buildApi(raw: RawApi): ApiConfig {
  const tokens = (raw.tokens ?? []).map((t) =>
    Object.freeze({ name: t.name, sha256: t.sha256.toLowerCase(), role: t.role, owners: Object.freeze([...new Set(t.owners)]) }),
  );
  return Object.freeze({ tokens: Object.freeze(tokens) });
}
