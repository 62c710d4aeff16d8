/**
 * The questions the REST API asks GitHub about a user's token, each a GET with that token: who
 * it is, its membership of an organisation, its permission on a repository, and the
 * organisations it is an active member of. An answer is a value or "no" (401, 403, 404, a
 * redirect: the token is invalid or cannot see it); GitHub being down, slow or rate-limiting is
 * a CallerLookupError. No message here holds the token, a URL or anything GitHub sent.
 */
import { CallerLookupError, type Role } from "../caller.js";

/** The request budget: a lookup GitHub does not answer in time is a CallerLookupError. */
export const LOOKUP_TIMEOUT_MS = 10_000;
/** The most pages of organisation memberships read (100 each). */
export const MAX_MEMBERSHIP_PAGES = 10;

export interface GitHubLookupOptions {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

/** A 2xx answer's JSON and Link header, or undefined for "no". */
type Answer = { readonly body: unknown; readonly link: string | null } | undefined;

/** GETs `url` (a path under the base URL, or a next-page URL on its origin) with the token. */
async function get(options: GitHubLookupOptions, token: string, url: string, what: string): Promise<Answer> {
  const fail = (why: string) => new CallerLookupError(`GitHub could not be asked about ${what}: ${why}`);
  let res: Response;
  try {
    res = await options.fetch(url, {
      method: "GET",
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "governance-workflow-engine",
      },
      // A redirect is not followed: the token goes to the base URL's own paths only.
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    throw fail(failureOf(err, options.timeoutMs));
  }
  const status = res.status;
  const rateLimited = status === 429 || (status === 403 && (res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after")));
  if (rateLimited) {
    await discard(res);
    throw fail(`it is rate-limiting (HTTP ${status})`);
  }
  if (status === 401 || status === 403 || status === 404 || (status >= 300 && status < 400)) {
    await discard(res);
    return undefined;
  }
  if (status < 200 || status >= 300) {
    await discard(res);
    throw fail(`it answered HTTP ${status}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw fail(failureOf(err, options.timeoutMs));
  }
  try {
    return { body: JSON.parse(text) as unknown, link: res.headers.get("link") };
  } catch {
    throw fail("its answer was not JSON");
  }
}

/** Why a request failed, in words that hold nothing of the request. */
function failureOf(err: unknown, timeoutMs: number): string {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs / 1000}s`;
  const code = ((err as { cause?: { code?: unknown } } | null)?.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? `the request failed (${code})` : "the request failed";
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Nothing to keep.
  }
}

function url(options: GitHubLookupOptions, path: string): string {
  return `${options.baseUrl.replace(/\/+$/, "")}${path}`;
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[name] : undefined;
}

/** The token's login (`GET /user`), or undefined when GitHub does not take the token. */
export async function loginOf(options: GitHubLookupOptions, token: string): Promise<string | undefined> {
  const answer = await get(options, token, url(options, "/user"), "the caller");
  if (!answer) return undefined;
  const login = field(answer.body, "login");
  if (typeof login !== "string" || login === "") throw new CallerLookupError("GitHub could not be asked about the caller: its answer has no login");
  return login;
}

/** The token's role on an organisation by its membership: an active admin is admin, an active member a viewer; else undefined. */
export async function organizationRole(options: GitHubLookupOptions, token: string, owner: string): Promise<Role | undefined> {
  const answer = await get(options, token, url(options, `/user/memberships/orgs/${encodeURIComponent(owner)}`), "an organisation membership");
  if (!answer || field(answer.body, "state") !== "active") return undefined;
  const role = field(answer.body, "role");
  return role === "admin" ? "admin" : role === "member" ? "viewer" : undefined;
}

/** The token's role on a repository by its permissions: admin, runner (maintain, push), viewer (pull); undefined when it cannot see it. */
export async function repositoryPermissionRole(options: GitHubLookupOptions, token: string, owner: string, name: string): Promise<Role | undefined> {
  const answer = await get(options, token, url(options, `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`), "a repository");
  if (!answer) return undefined;
  const permissions = field(answer.body, "permissions");
  if (field(permissions, "admin") === true) return "admin";
  if (field(permissions, "maintain") === true || field(permissions, "push") === true) return "runner";
  if (field(permissions, "pull") === true) return "viewer";
  return undefined;
}

/** The logins (lower case) of the organisations the token is an active member of, over at most MAX_MEMBERSHIP_PAGES pages. */
export async function activeOrganizations(options: GitHubLookupOptions, token: string): Promise<string[]> {
  const origin = new URL(options.baseUrl).origin;
  const logins = new Set<string>();
  let next: string | undefined = url(options, "/user/memberships/orgs?state=active&per_page=100");
  for (let page = 0; next !== undefined && page < MAX_MEMBERSHIP_PAGES; page++) {
    const answer = await get(options, token, next, "the organisation memberships");
    if (!answer) break;
    if (!Array.isArray(answer.body)) throw new CallerLookupError("GitHub could not be asked about the organisation memberships: its answer is not a list");
    for (const membership of answer.body) {
      const login = field(field(membership, "organization"), "login");
      const state = field(membership, "state");
      if (typeof login === "string" && login !== "" && (state === undefined || state === "active")) logins.add(login.toLowerCase());
    }
    next = nextPage(answer.link);
    // The token goes only where the first page went.
    if (next !== undefined && !sameOrigin(next, origin)) {
      throw new CallerLookupError("GitHub could not be asked about the organisation memberships: its next page is on another host");
    }
  }
  return [...logins];
}

/** The `rel="next"` URL of a Link header. */
export function nextPage(link: string | null): string | undefined {
  for (const part of (link ?? "").split(",")) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel="?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/.test(m[2]!)) return m[1];
  }
  return undefined;
}

function sameOrigin(link: string, origin: string): boolean {
  try {
    return new URL(link).origin === origin;
  } catch {
    return false;
  }
}
