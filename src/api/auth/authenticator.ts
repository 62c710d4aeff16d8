/**
 * The REST API's Authenticator (src/api/caller.ts): a request's `Authorization: Bearer <token>`
 * is an operator token when its SHA-256 is in the operator configuration's `api.tokens`, else a
 * GitHub user's token, whose login, organisations and repository permissions GitHub is asked
 * for, each answer cached briefly (negative ones too) and keyed by the token's hash. The token
 * itself is never logged, never a cache key and never in a message.
 */
import type { ApiTokenConfig } from "../../config/operator-config.js";
import type { Authenticator, Caller, Role } from "../caller.js";
import { activeOrganizations, loginOf, LOOKUP_TIMEOUT_MS, organizationRole, repositoryPermissionRole, type GitHubLookupOptions } from "./github-lookups.js";
import { LookupCache } from "./lookup-cache.js";
import { bearerToken, isAccountName, splitRepository } from "./names.js";
import { operatorCaller, operatorTokenIndex, tokenHash } from "./operator-token.js";

export { githubApiBaseUrl } from "./github-base-url.js";

export interface AuthenticatorOptions {
  /** The operator configuration's `api.tokens`. */
  readonly tokens: readonly ApiTokenConfig[];
  /** GitHub's REST API, such as `githubApiBaseUrl(process.env)`. */
  readonly github: { readonly baseUrl: string };
  /** The clock the cache's TTL runs on, in ms (default Date.now). */
  readonly now?: () => number;
  /** How long an answer from GitHub is kept, in ms (default 60s). */
  readonly cacheTtlMs?: number;
  /** The most answers kept (default 1000), the least recently used dropped first. */
  readonly maxCached?: number;
  /** How GitHub is asked (default the global fetch, read at each request). */
  readonly fetch?: typeof fetch;
  /** How long one request to GitHub may take, in ms (default 10s); then it is a CallerLookupError. */
  readonly timeoutMs?: number;
}

export const AUTHENTICATOR_DEFAULTS = { cacheTtlMs: 60_000, maxCached: 1000 } as const;

/** The Authenticator for operator tokens and GitHub user tokens. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const operatorTokens = operatorTokenIndex(options.tokens);
  const cache = new LookupCache({
    ttlMs: options.cacheTtlMs ?? AUTHENTICATOR_DEFAULTS.cacheTtlMs,
    maxEntries: options.maxCached ?? AUTHENTICATOR_DEFAULTS.maxCached,
    now: options.now ?? Date.now,
  });
  const github: GitHubLookupOptions = {
    baseUrl: options.github.baseUrl,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: options.timeoutMs ?? LOOKUP_TIMEOUT_MS,
  };
  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      if (token === undefined) return undefined;
      const hash = tokenHash(token);
      const operator = operatorTokens.get(hash);
      if (operator) return operatorCaller(operator);
      const login = await cache.get(`${hash}:user`, () => loginOf(github, token));
      return login === undefined ? undefined : userCaller({ login, token, hash, cache, github });
    },
  };
}

interface UserContext {
  readonly login: string;
  /** Held only in this closure, for the caller's further lookups. */
  readonly token: string;
  readonly hash: string;
  readonly cache: LookupCache;
  readonly github: GitHubLookupOptions;
}

/** A GitHub user: admin of their own account, else what their organisation membership and repository permissions say. */
function userCaller({ login, token, hash, cache, github }: UserContext): Caller {
  const self = login.toLowerCase();
  const ownerRole = async (owner: string): Promise<Role | undefined> => {
    if (!isAccountName(owner)) return undefined;
    const account = owner.toLowerCase();
    if (account === self) return "admin";
    return cache.get(`${hash}:owner:${account}`, () => organizationRole(github, token, account));
  };
  return Object.freeze({
    actor: login,
    kind: "user" as const,
    ownerRole,
    async repositoryRole(repository: string): Promise<Role | undefined> {
      const parts = splitRepository(repository);
      if (!parts) return undefined;
      const { owner, name } = parts;
      const permission = await cache.get(`${hash}:repo:${owner.toLowerCase()}/${name.toLowerCase()}`, () => repositoryPermissionRole(github, token, owner, name));
      if (permission === undefined || permission === "admin") return permission;
      // An organisation's owners administer every repository in it, whatever its permissions say.
      return (await ownerRole(owner)) === "admin" ? "admin" : permission;
    },
    async visibleOwners(): Promise<string[]> {
      const owners = await cache.get(`${hash}:owners`, async () => [...new Set([...(await activeOrganizations(github, token)), self])]);
      return [...owners];
    },
  });
}
