/**
 * Operator-issued API tokens (the operator configuration's `api.tokens`): finding the entry a
 * presented token's SHA-256 names, and the caller it makes: `token:<name>`, with its one role
 * on the accounts it lists (or on every account for `*`), asked nothing of GitHub.
 */
import { createHash } from "node:crypto";
import type { ApiTokenConfig } from "../../config/operator-config.js";
import type { Caller, Role } from "../caller.js";
import { isAccountName, splitRepository } from "./names.js";

/** The hex SHA-256 of a token: how the configuration names it, and how caches key what they know of it. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * The configured tokens by their hash. A Map lookup is not constant-time, but what its timing
 * could tell is about the hash of the token presented, which the presenter computes for any
 * token they like, compared with the configured hashes, which are not secret: finding a token
 * from its SHA-256 is a preimage attack, whatever the timing reveals. No comparison here ever
 * depends on the secret (the token) other than through its hash, so timingSafeEqual buys nothing.
 */
export function operatorTokenIndex(tokens: readonly ApiTokenConfig[]): ReadonlyMap<string, ApiTokenConfig> {
  const index = new Map<string, ApiTokenConfig>();
  for (const token of tokens) {
    const hash = token.sha256.toLowerCase();
    if (!index.has(hash)) index.set(hash, token);
  }
  return index;
}

/** The caller an operator token makes. */
export function operatorCaller(token: ApiTokenConfig): Caller {
  const everyAccount = token.owners.includes("*");
  const owners = [...new Set(token.owners.filter((o) => o !== "*").map((o) => o.toLowerCase()))];
  const role: Role = token.role;
  const ownerRole = (owner: string): Role | undefined => (isAccountName(owner) && (everyAccount || owners.includes(owner.toLowerCase())) ? role : undefined);
  return Object.freeze({
    actor: `token:${token.name}`,
    kind: "token" as const,
    ownerRole: (owner: string) => Promise.resolve(ownerRole(owner)),
    repositoryRole: (repository: string) => {
      const parts = splitRepository(repository);
      return Promise.resolve(parts ? ownerRole(parts.owner) : undefined);
    },
    visibleOwners: () => Promise.resolve(everyAccount ? undefined : [...owners]),
  });
}
