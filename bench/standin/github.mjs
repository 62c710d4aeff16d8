/* global structuredClone */
// A local stand-in for GitHub (github.com's REST API as GitHub Enterprise Server lays it out,
// and GraphQL), for the benchmarks. Probot reaches it when started with
//
//   GHE_HOST=127.0.0.1:<port>  GHE_PROTOCOL=http
//
// which makes Probot's baseUrl `http://127.0.0.1:<port>/api/v3` (node_modules/probot/lib/bin/
// read-env-options.js) and @octokit/graphql's endpoint `http://127.0.0.1:<port>/api/graphql`
// (it swaps a trailing /api/v3 for /api/graphql). Paths without the /api/v3 prefix are
// answered too, as api.github.com lays them out.
//
// It answers what src/github/octokit-port.ts and Probot call, with the fields the app reads:
//
//   POST  /app/installations/:id/access_tokens          token (encodes the installation) + expires_at in 1 h
//   GET   /app/installations                            paginated (Link header), `installations` of them
//   GET   /app/hook/deliveries                          the app's webhook deliveries: always none
//   GET   /installation/repositories                    the installation's repositories (naming.mjs)
//   POST  /graphql                                      the folder listing, tree oid and blob text queries
//   GET   /repos/:o/:r/contents/.governance[/file]      the same folder through the Contents API
//   POST  /repos/:o/:r/check-runs                       create (content-creating)
//   PATCH /repos/:o/:r/check-runs/:id                   update; status "completed" ends a run
//   GET   /repos/:o/:r/commits/:ref/check-runs          list for ref (findCheckRun)
//   POST  /repos/:o/:r/issues                           create (content-creating)
//   GET   /repos/:o/:r/issues                           list (findIssueByMarker: since, sort, direction)
//   POST  /repos/:o/:r/issues/:n/comments               create (content-creating)
//   GET   /repos/:o/:r/issues/:n/comments               list (findCommentByMarker)
//   GET   /repos/:o/:r/collaborators/:user/permission   `permission` option
//   GET   /orgs/:org/teams/:team/memberships/:user      `teamMember` option
//   GET   /repos/:o/:r/pulls/:n/files                   no files
//   GET   /repos/:o/:r, /repos/:o/:r/code-scanning/alerts/:n, /rate_limit, /app
//
// and 404 `{"message":"Not Found"}` for anything else, counted in `stats.unknown` so a driver
// can say what the app asked for that the stand-in does not know.
//
// Besides GitHub, `POST /hooks/:channel` answers 200 "ok": a Slack-compatible incoming webhook
// for the app's notify channels (counted apart, in `stats.channel`, not as GitHub calls).
//
// Options of startGitHubStandIn(options):
//   latencyMs              delay before every answer (default 0)
//   createLimitPerMinute   GitHub's secondary limit on content-creating requests (POST issues,
//                          comments, check-runs): beyond N in any sliding 60 s window for one
//                          installation, 403 {"message":"You have exceeded a secondary rate
//                          limit..."} with `retry-after` in seconds (default: off)
//   installations          how many installations GET /app/installations lists (default 1)
//   firstInstallationId    the first listed installation's id (default 1001)
//   reposPerInstallation   repositories per installation (default 1)
//   governance             the `.governance/` files served to every repository, { name: text }
//                          (default: the files of examples/.governance/)
//   governanceFor(owner, repo)  per repository: a { name: text } folder, null for no folder,
//                          undefined for the default
//   permission             collaborator permission answered (default "admin")
//   teamMember             team membership answered (default true: "active")
//
// The stats (`stats`, reset by `reset()`; the repositories' issues and check runs are kept):
//   total, byRoute["METHOD /route"], byMethod, byInstallation[id | "app" | "none"],
//   graphql{folder, treeOid, blobs, other}, folderReads (every call that reads .governance/:
//   the three GraphQL queries and the Contents API),
//   creates{ total, byInstallation[id]: [epoch ms...] } (accepted content-creating requests),
//   secondaryLimited{ total, byInstallation, events[] }, unknown{ total, byRoute },
//   checkRuns{ created, completed, byConclusion }, issuesCreated, commentsCreated,
//   channel{ total, byChannel }, lastRequestAt.
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { repoFor } from "../lib/naming.mjs";

const EXAMPLES = fileURLToPath(new URL("../../examples/.governance/", import.meta.url));
const TOKEN_PREFIX = "ghs_bench_";
const SECONDARY_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";

/** The files of examples/.governance/ ({ name: text }). */
export function exampleGovernance() {
  const files = {};
  for (const name of readdirSync(EXAMPLES).sort()) files[name] = readFileSync(EXAMPLES + name, "utf8");
  return files;
}

const sha1 = (text) => createHash("sha1").update(text).digest("hex");
/** A git blob id: sha1("blob <size>\0<content>"). */
const blobOid = (text) => sha1(Buffer.concat([Buffer.from(`blob ${Buffer.byteLength(text)}\0`), Buffer.from(text)]));

function emptyStats() {
  return {
    startedAt: Date.now(),
    lastRequestAt: 0,
    total: 0,
    byRoute: {},
    byMethod: {},
    byInstallation: {},
    graphql: { folder: 0, treeOid: 0, blobs: 0, other: 0 },
    folderReads: 0,
    creates: { total: 0, byInstallation: {} },
    secondaryLimited: { total: 0, byInstallation: {}, events: [] },
    unknown: { total: 0, byRoute: {} },
    checkRuns: { created: 0, completed: 0, byConclusion: {} },
    issuesCreated: 0,
    commentsCreated: 0,
    channel: { total: 0, byChannel: {} },
  };
}

const bump = (obj, key, n = 1) => (obj[key] = (obj[key] ?? 0) + n);

/** The content-creating routes the secondary limit applies to. */
const CREATING = new Set(["POST /repos/{owner}/{repo}/check-runs", "POST /repos/{owner}/{repo}/issues", "POST /repos/{owner}/{repo}/issues/{number}/comments"]);

export async function startGitHubStandIn(options = {}) {
  const opts = {
    host: "127.0.0.1",
    port: 0,
    latencyMs: 0,
    createLimitPerMinute: undefined,
    installations: 1,
    firstInstallationId: 1001,
    reposPerInstallation: 1,
    permission: "admin",
    teamMember: true,
    ...options,
  };
  /** Every blob served, by oid (content-addressed, like git). */
  const blobs = new Map();
  const defaultFolder = folderOf(opts.governance ?? exampleGovernance());
  const folderCache = new Map();
  /** The folder served to one repository: { treeOid, entries[] } or null. */
  function folderFor(owner, repo) {
    if (!opts.governanceFor) return defaultFolder;
    const key = `${owner}/${repo}`;
    if (!folderCache.has(key)) {
      const files = opts.governanceFor(owner, repo);
      folderCache.set(key, files === undefined ? defaultFolder : files === null ? null : folderOf(files));
    }
    return folderCache.get(key);
  }
  function folderOf(files) {
    const entries = Object.entries(files)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, text]) => {
        const oid = blobOid(text);
        blobs.set(oid, text);
        return { name, path: `.governance/${name}`, type: "blob", oid, byteSize: Buffer.byteLength(text), text };
      });
    return { treeOid: sha1(`tree:${entries.map((e) => `${e.name}:${e.oid}`).join(",")}`), entries };
  }
  // Register the default folder's blobs even when governanceFor replaces it.
  for (const e of defaultFolder.entries) blobs.set(e.oid, e.text);

  let stats = emptyStats();
  const events = new EventEmitter();
  const state = {
    checkRuns: new Map(), // id → { id, installationId, repo, name, headSha, externalId, status, conclusion, createdAt, completedAt }
    issues: new Map(), // "o/r" → [{ id, number, title, body, created_at, html_url }]
    comments: new Map(), // "o/r#n" → [{ id, body, created_at, html_url }]
    nextCheckRunId: 1,
    nextIssueId: 1,
    nextCommentId: 1,
  };
  const createWindows = new Map(); // installation → accepted create timestamps (last 60 s)

  let base = "";
  const routes = [
    ["POST", /^\/app\/installations\/(\d+)\/access_tokens$/, "POST /app/installations/{id}/access_tokens", accessToken],
    ["GET", /^\/app\/installations$/, "GET /app/installations", listInstallations],
    // The app's webhook deliveries (the reconcile job's list): none failed here.
    ["GET", /^\/app\/hook\/deliveries$/, "GET /app/hook/deliveries", () => [200, []]],
    ["GET", /^\/app$/, "GET /app", () => [200, { id: 1, slug: "governance-bench", name: "Governance (bench)", owner: { login: "bench" } }]],
    ["GET", /^\/installation\/repositories$/, "GET /installation/repositories", listInstallationRepositories],
    ["POST", /^\/graphql$/, "POST /graphql", graphql],
    ["GET", /^\/rate_limit$/, "GET /rate_limit", rateLimit],
    ["POST", /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/, "POST /repos/{owner}/{repo}/check-runs", createCheckRun],
    ["PATCH", /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/, "PATCH /repos/{owner}/{repo}/check-runs/{id}", updateCheckRun],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/check-runs$/, "GET /repos/{owner}/{repo}/commits/{ref}/check-runs", listCheckRuns],
    ["POST", /^\/repos\/([^/]+)\/([^/]+)\/issues$/, "POST /repos/{owner}/{repo}/issues", createIssue],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/issues$/, "GET /repos/{owner}/{repo}/issues", listIssues],
    ["POST", /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, "POST /repos/{owner}/{repo}/issues/{number}/comments", createComment],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, "GET /repos/{owner}/{repo}/issues/{number}/comments", listComments],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/, "GET /repos/{owner}/{repo}/collaborators/{user}/permission", permission],
    ["GET", /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/, "GET /orgs/{org}/teams/{team}/memberships/{user}", teamMembership],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/files$/, "GET /repos/{owner}/{repo}/pulls/{number}/files", () => [200, []]],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/code-scanning\/alerts\/(\d+)$/, "GET /repos/{owner}/{repo}/code-scanning/alerts/{number}", codeScanningAlert],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/contents\/\.governance(?:\/([^/]+))?$/, "GET /repos/{owner}/{repo}/contents/.governance[/{file}]", contents],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)$/, "GET /repos/{owner}/{repo}", getRepo],
  ];

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let answer;
      try {
        answer = handle(req, Buffer.concat(chunks));
      } catch (err) {
        answer = [500, { message: `stand-in error: ${err.message}` }];
      }
      const [status, body, headers = {}] = answer;
      const send = () => reply(res, status, body, headers);
      if (opts.latencyMs > 0) setTimeout(send, opts.latencyMs);
      else send();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.maxRequestsPerSocket = 0;

  function handle(req, raw) {
    const url = new URL(req.url, "http://stand-in");
    let path = url.pathname;
    // Notify channels: not GitHub.
    const hook = /^\/hooks\/([^/]+)$/.exec(path);
    if (hook && req.method === "POST") {
      stats.channel.total++;
      bump(stats.channel.byChannel, decodeURIComponent(hook[1]));
      return [200, "ok", { "content-type": "text/plain" }];
    }
    if (path.startsWith("/api/v3/")) path = path.slice("/api/v3".length);
    else if (path === "/api/graphql") path = "/graphql";
    const now = Date.now();
    stats.lastRequestAt = now;
    stats.total++;
    bump(stats.byMethod, req.method);
    const who = installationOf(req.headers.authorization);
    bump(stats.byInstallation, who);
    let body;
    try {
      body = raw.length ? JSON.parse(raw.toString("utf8")) : {};
    } catch {
      body = {};
    }
    for (const [method, pattern, name, handler] of routes) {
      if (method !== req.method) continue;
      const m = pattern.exec(path);
      if (!m) continue;
      bump(stats.byRoute, name);
      if (CREATING.has(name) && opts.createLimitPerMinute) {
        const limited = secondaryLimit(who, now, name);
        if (limited) return limited;
      }
      const answer = handler({ params: m.slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p))), query: url.searchParams, body, who, now, url });
      if (CREATING.has(name) && answer[0] < 300) {
        stats.creates.total++;
        (stats.creates.byInstallation[who] ??= []).push(now);
        if (opts.createLimitPerMinute) createWindows.get(who).push(now);
      }
      return answer;
    }
    const name = `${req.method} ${path}`;
    stats.unknown.total++;
    bump(stats.unknown.byRoute, name.length > 200 ? `${name.slice(0, 200)}…` : name);
    bump(stats.byRoute, "(unknown)");
    return [404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }];
  }

  /** 403 with retry-after when `who` has made createLimitPerMinute creates in the last 60 s. */
  function secondaryLimit(who, now, route) {
    const window = createWindows.get(who) ?? [];
    while (window.length > 0 && window[0] <= now - 60_000) window.shift();
    createWindows.set(who, window);
    if (window.length < opts.createLimitPerMinute) return undefined;
    const retryAfter = Math.max(1, Math.ceil((window[0] + 60_000 - now) / 1000));
    stats.secondaryLimited.total++;
    bump(stats.secondaryLimited.byInstallation, who);
    if (stats.secondaryLimited.events.length < 10_000) stats.secondaryLimited.events.push({ at: now, installation: who, route, retryAfter });
    return [403, { message: SECONDARY_MESSAGE, documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" }, { "retry-after": String(retryAfter) }];
  }

  function installationOf(authorization) {
    if (typeof authorization !== "string") return "none";
    const token = authorization.replace(/^(token|bearer)\s+/i, "");
    if (token.startsWith(TOKEN_PREFIX)) return token.slice(TOKEN_PREFIX.length).split("_")[0];
    if (token.split(".").length === 3) return "app";
    return "other";
  }

  function accessToken({ params, now }) {
    const id = params[0];
    return [
      201,
      {
        token: `${TOKEN_PREFIX}${id}_${sha1(`${id}:${now}:${Math.random()}`).slice(0, 20)}`,
        expires_at: new Date(now + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { checks: "write", issues: "write", contents: "read", metadata: "read", pull_requests: "write", security_events: "read" },
        repository_selection: "all",
      },
    ];
  }

  /** Page `page` of `items` with a Link header, as GitHub paginates. */
  function paginate(url, query, items) {
    const perPage = Math.min(100, Math.max(1, Number(query.get("per_page")) || 30));
    const page = Math.max(1, Number(query.get("page")) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (p) => {
      const u = new URL(`${base}/api/v3${url.pathname.replace(/^\/api\/v3/, "")}`);
      for (const [k, v] of query) u.searchParams.set(k, v);
      u.searchParams.set("per_page", String(perPage));
      u.searchParams.set("page", String(p));
      return u.href;
    };
    const links = [];
    if (page < last) links.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
    if (page > 1) links.push(`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`);
    return { slice, headers: links.length ? { link: links.join(", ") } : {} };
  }

  function listInstallations({ query, url }) {
    const all = Array.from({ length: opts.installations }, (_, i) => opts.firstInstallationId + i).map((id) => ({
      id,
      account: { login: `org-${id}`, id, type: "Organization" },
      app_id: 1,
      app_slug: "governance-bench",
      target_id: id,
      target_type: "Organization",
      repository_selection: "all",
      permissions: { checks: "write", issues: "write", contents: "read", metadata: "read" },
      events: ["code_scanning_alert"],
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2025-01-01T00:00:00Z",
    }));
    const { slice, headers } = paginate(url, query, all);
    return [200, slice, headers];
  }

  function repoJson(r) {
    return {
      id: r.id,
      node_id: `R_${r.id}`,
      name: r.name,
      full_name: r.fullName,
      private: false,
      owner: { login: r.owner, id: Number(r.owner.replace(/\D/g, "")) || 1, type: "Organization" },
      html_url: `https://github.com/${r.fullName}`,
      default_branch: r.defaultBranch,
    };
  }

  function listInstallationRepositories({ who, query, url }) {
    const id = Number(who);
    const repos = Number.isInteger(id) ? Array.from({ length: opts.reposPerInstallation }, (_, k) => repoJson(repoFor(id, k))) : [];
    const { slice, headers } = paginate(url, query, repos);
    return [200, { total_count: repos.length, repository_selection: "all", repositories: slice }, headers];
  }

  function getRepo({ params }) {
    const [owner, name] = params;
    return [200, repoJson({ id: Number(sha1(`${owner}/${name}`).slice(0, 8)), owner, name, fullName: `${owner}/${name}`, defaultBranch: "main" })];
  }

  function rateLimit({ now }) {
    const core = { limit: 5000, remaining: 4999, reset: Math.floor(now / 1000) + 3600, used: 1 };
    return [200, { resources: { core, graphql: core }, rate: core }];
  }

  /** The commit a ref expression names: a 40-hex ref is itself, anything else a stable fake id. */
  function commitOf(owner, repo, ref) {
    return /^[0-9a-f]{40}$/i.test(ref) ? ref.toLowerCase() : sha1(`commit:${owner}/${repo}:${ref}`);
  }

  function graphql({ body }) {
    const query = typeof body.query === "string" ? body.query : "";
    const v = body.variables ?? {};
    const owner = v.owner;
    const repo = v.repo;
    const folder = typeof owner === "string" && typeof repo === "string" ? folderFor(owner, repo) : null;
    const treeOf = (expression) => (typeof expression === "string" && expression.endsWith(":.governance") ? folder : null);
    // The folder listing (LIST_FOLDER, LIST_FOLDER_WITH_TEXTS): the commit and the tree with its entries.
    if (/commit:\s*object\(expression:/.test(query) && /tree:\s*object\(expression:/.test(query)) {
      stats.graphql.folder++;
      stats.folderReads++;
      const ref = typeof v.commit === "string" ? v.commit : "main";
      const tree = treeOf(v.tree);
      const withTexts = /\btext\b/.test(query);
      return [
        200,
        {
          data: {
            repository: {
              commit: { oid: commitOf(owner, repo, ref) },
              tree: tree && {
                oid: tree.treeOid,
                // With the files' texts when the query asks for them (LIST_FOLDER_WITH_TEXTS).
                entries: tree.entries.map((e) => ({ name: e.name, path: e.path, type: e.type, oid: e.oid, object: { byteSize: e.byteSize, isBinary: false, ...(withTexts ? { text: e.text, isTruncated: false } : {}) } })),
              },
            },
          },
        },
      ];
    }
    // The tree id alone (TREE_OID).
    if (/tree:\s*object\(expression:/.test(query)) {
      stats.graphql.treeOid++;
      stats.folderReads++;
      const tree = treeOf(v.tree);
      return [200, { data: { repository: { tree: tree && { oid: tree.treeOid } } } }];
    }
    // Blob texts by oid: aliases b0..bN, variables o0..oN.
    if (/object\(oid:/.test(query)) {
      stats.graphql.blobs++;
      stats.folderReads++;
      const repository = {};
      for (const m of query.matchAll(/(\w+):\s*object\(oid:\s*\$(\w+)\)/g)) {
        const text = blobs.get(v[m[2]]);
        repository[m[1]] = text === undefined ? null : { text, isTruncated: false, byteSize: Buffer.byteLength(text) };
      }
      return [200, { data: { repository } }];
    }
    stats.graphql.other++;
    stats.unknown.total++;
    bump(stats.unknown.byRoute, `POST /graphql ${query.replace(/\s+/g, " ").slice(0, 120)}`);
    return [200, { data: null, errors: [{ type: "NOT_SUPPORTED", message: "the benchmark's stand-in does not know this query" }] }];
  }

  /** The Contents API view of the same folder (a listing, or one file base64-encoded). */
  function contents({ params, query }) {
    const [owner, repo, file] = params;
    stats.folderReads++;
    const folder = folderFor(owner, repo);
    const ref = query.get("ref") ?? "main";
    if (!folder) return [404, { message: "Not Found" }];
    const item = (e) => ({ type: "file", name: e.name, path: e.path, sha: e.oid, size: e.byteSize, url: `${base}/api/v3/repos/${owner}/${repo}/contents/${e.path}?ref=${ref}` });
    if (!file) return [200, folder.entries.map(item)];
    const e = folder.entries.find((x) => x.name === file);
    if (!e) return [404, { message: "Not Found" }];
    return [200, { ...item(e), encoding: "base64", content: Buffer.from(e.text).toString("base64") }];
  }

  function checkRunJson(c) {
    return {
      id: c.id,
      name: c.name,
      head_sha: c.headSha,
      external_id: c.externalId ?? null,
      status: c.status,
      conclusion: c.conclusion ?? null,
      html_url: `https://github.com/${c.repo}/runs/${c.id}`,
      details_url: null,
      started_at: new Date(c.createdAt).toISOString(),
      completed_at: c.completedAt ? new Date(c.completedAt).toISOString() : null,
      app: { id: 1, slug: "governance-bench" },
    };
  }

  function createCheckRun({ params, body, who, now }) {
    const [owner, repo] = params;
    const c = {
      id: state.nextCheckRunId++,
      installationId: who,
      repo: `${owner}/${repo}`,
      name: String(body.name ?? ""),
      headSha: String(body.head_sha ?? ""),
      externalId: body.external_id,
      status: body.status ?? "queued",
      conclusion: body.conclusion,
      createdAt: now,
      completedAt: undefined,
    };
    state.checkRuns.set(c.id, c);
    stats.checkRuns.created++;
    events.emit("checkRunCreated", c);
    if (c.status === "completed" || c.conclusion) completeCheckRun(c, c.conclusion, now);
    return [201, checkRunJson(c)];
  }

  function completeCheckRun(c, conclusion, now) {
    c.status = "completed";
    c.conclusion = conclusion ?? c.conclusion ?? "neutral";
    if (c.completedAt !== undefined) return;
    c.completedAt = now;
    stats.checkRuns.completed++;
    bump(stats.checkRuns.byConclusion, c.conclusion);
    events.emit("checkRunCompleted", c);
  }

  function updateCheckRun({ params, body, now }) {
    const c = state.checkRuns.get(Number(params[2]));
    if (!c) return [404, { message: "Not Found" }];
    if (body.status === "completed" || (body.conclusion && body.status === undefined)) completeCheckRun(c, body.conclusion, now);
    else if (body.status) {
      // A completed check run may go back to in progress (a run waiting for approval resumes).
      c.status = body.status;
      c.conclusion = undefined;
      if (c.completedAt !== undefined) {
        c.completedAt = undefined;
        stats.checkRuns.completed--;
      }
    }
    return [200, checkRunJson(c)];
  }

  function listCheckRuns({ params, query, url }) {
    const [owner, repo, ref] = params;
    const name = query.get("check_name");
    const found = [...state.checkRuns.values()].filter((c) => c.repo === `${owner}/${repo}` && c.headSha === ref && (!name || c.name === name));
    // Newest first, a page at a time (`page`, `per_page`, a Link header), as GitHub lists them.
    const { slice, headers } = paginate(url, query, found.reverse());
    return [200, { total_count: found.length, check_runs: slice.map(checkRunJson) }, headers];
  }

  function createIssue({ params, body, now }) {
    const [owner, repo] = params;
    const key = `${owner}/${repo}`;
    const list = state.issues.get(key) ?? [];
    state.issues.set(key, list);
    const issue = {
      id: state.nextIssueId++,
      number: list.length + 1,
      title: String(body.title ?? ""),
      body: typeof body.body === "string" ? body.body : "",
      labels: Array.isArray(body.labels) ? body.labels.map((name) => ({ name: String(name) })) : [],
      created_at: new Date(now).toISOString(),
      html_url: `https://github.com/${key}/issues/${list.length + 1}`,
    };
    list.push(issue);
    stats.issuesCreated++;
    return [201, { ...issue, state: "open", user: { login: "governance-bench[bot]" }, updated_at: issue.created_at }];
  }

  function listIssues({ params, query, url }) {
    const [owner, repo] = params;
    const since = Date.parse(query.get("since") ?? "") || 0;
    const list = (state.issues.get(`${owner}/${repo}`) ?? []).filter((i) => Date.parse(i.created_at) >= since);
    const ordered = query.get("direction") === "asc" ? list : [...list].reverse();
    // Paged as GitHub pages it: `page`, `per_page` (30 by default, at most 100) and a Link header.
    const { slice, headers } = paginate(url, query, ordered);
    return [200, slice.map((i) => ({ ...i, state: "open", updated_at: i.created_at })), headers];
  }

  function createComment({ params, body, now }) {
    const [owner, repo, number] = params;
    const key = `${owner}/${repo}#${number}`;
    const list = state.comments.get(key) ?? [];
    state.comments.set(key, list);
    const id = state.nextCommentId++;
    const comment = { id, body: typeof body.body === "string" ? body.body : "", created_at: new Date(now).toISOString(), html_url: `https://github.com/${owner}/${repo}/issues/${number}#issuecomment-${id}` };
    list.push(comment);
    stats.commentsCreated++;
    return [201, { ...comment, user: { login: "governance-bench[bot]" }, updated_at: comment.created_at }];
  }

  function listComments({ params, query, url }) {
    const [owner, repo, number] = params;
    const since = Date.parse(query.get("since") ?? "") || 0;
    const list = (state.comments.get(`${owner}/${repo}#${number}`) ?? []).filter((c) => Date.parse(c.created_at) >= since);
    const { slice, headers } = paginate(url, query, list);
    return [200, slice, headers];
  }

  function permission({ params }) {
    const role = opts.permission;
    const folded = role === "maintain" ? "write" : role === "triage" ? "read" : role;
    return [200, { permission: folded, role_name: role, user: { login: params[2] } }];
  }

  function teamMembership({ params }) {
    if (!opts.teamMember) return [404, { message: "Not Found" }];
    return [200, { state: "active", role: "member", url: `https://api.github.com/orgs/${params[0]}/teams/${params[1]}/memberships/${params[2]}` }];
  }

  function codeScanningAlert({ params }) {
    const [owner, repo, number] = params;
    return [
      200,
      {
        number: Number(number),
        state: "open",
        html_url: `https://github.com/${owner}/${repo}/security/code-scanning/${number}`,
        rule: { id: "java/sql-injection", severity: "error", security_severity_level: "high", description: "Query built from user-controlled sources" },
        tool: { name: "CodeQL" },
      },
    ];
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const { port } = server.address();
  base = `http://${opts.host}:${port}`;

  return {
    /** `http://127.0.0.1:<port>`; REST is under /api/v3, GraphQL at /api/graphql. */
    url: base,
    port,
    host: `${opts.host}:${port}`,
    /** The REST base URL, as Probot builds it from GHE_HOST. */
    restUrl: `${base}/api/v3`,
    get stats() {
      return stats;
    },
    state,
    events,
    options: opts,
    /** Changes an option while running (e.g. createLimitPerMinute, latencyMs, installations). */
    configure(changes) {
      Object.assign(opts, changes);
      folderCache.clear();
    },
    /** Clears the stats (and the secondary-limit windows); the repositories' contents stay. */
    reset() {
      stats = emptyStats();
      createWindows.clear();
    },
    /** A deep copy of the stats now. */
    snapshot() {
      return structuredClone(stats);
    },
    /** GitHub calls so far (REST and GraphQL; the channel hooks are not GitHub). */
    calls() {
      return stats.total;
    },
    /** Resolves true once `predicate()` holds, false after `timeoutMs` (checked every `everyMs`). */
    async waitUntil(predicate, { timeoutMs = 60_000, everyMs = 50, deadline } = {}) {
      const end = Math.min(Date.now() + timeoutMs, deadline ?? Infinity);
      for (;;) {
        if (predicate()) return true;
        if (Date.now() >= end) return false;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    /** Resolves once no request arrived for `quietMs` (true), or after `timeoutMs` (false). */
    async waitForQuiet({ quietMs = 1000, timeoutMs = 30_000 } = {}) {
      const from = Date.now();
      const end = from + timeoutMs;
      for (;;) {
        const last = Math.max(stats.lastRequestAt, from);
        if (Date.now() - last >= quietMs) return true;
        if (Date.now() >= end) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res, status, body, headers) {
  if (res.writableEnded || res.destroyed) return;
  const isText = typeof body === "string";
  const text = isText ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": isText ? headers["content-type"] ?? "text/plain" : "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "x-github-media-type": "github.v3; format=json",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    ...headers,
  });
  res.end(text);
}
