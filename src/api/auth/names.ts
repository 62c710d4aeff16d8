/**
 * What the authenticator accepts as a bearer token, an account login and a repository name
 * before it asks anything: text that cannot be one is refused with no lookup, so nothing odd
 * reaches a header, a URL or a cache key.
 */

/** The longest token looked at; anything longer is not a token. */
export const MAX_TOKEN_LENGTH = 512;

/** Visible ASCII only: no whitespace, no control characters, nothing a header cannot carry. */
const TOKEN = /^[\x21-\x7e]+$/;
const SCHEME = /^Bearer +/i;
/** A GitHub login (users, organisations; GHES adds `_` and `.`), at most 100 characters. */
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;

/** The token of `Bearer <token>` (any case of the scheme), or undefined for any other header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (typeof authorization !== "string" || authorization.length > MAX_TOKEN_LENGTH + 64) return undefined;
  const scheme = SCHEME.exec(authorization);
  if (!scheme) return undefined;
  const token = authorization.slice(scheme[0].length);
  return token.length <= MAX_TOKEN_LENGTH && TOKEN.test(token) ? token : undefined;
}

/** Whether `owner` can be a GitHub account login. */
export function isAccountName(owner: unknown): owner is string {
  return typeof owner === "string" && ACCOUNT.test(owner);
}

/** `owner/name` split, or undefined when it is not one. */
export function splitRepository(repository: unknown): { owner: string; name: string } | undefined {
  if (typeof repository !== "string") return undefined;
  const [owner, name, ...rest] = repository.split("/");
  if (rest.length > 0 || !isAccountName(owner) || name === undefined || !REPOSITORY.test(name) || name === "." || name === "..") return undefined;
  return { owner, name };
}
