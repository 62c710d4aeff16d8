// The yardstick of the `engine` section's efficiency: how many calls per second a bare
// @octokit/rest client (no throttling, no retries, no app around it) gets from the same
// stand-in, at the same concurrency, making the same mix of calls the app made.
//
// Told over IPC: { baseUrl, graphqlUrl, concurrency, durationMs, mix: [{ route, weight }],
// installations: [ids] }. `route` is a stand-in route name ("POST /repos/{owner}/{repo}/issues",
// "POST /graphql (folder)", ...). Calls are drawn in proportion to the weights (a fixed
// interleaved sequence, not random), `concurrency` in flight. Answers { calls, callsPerSecond,
// errors, byRoute }.
import { Octokit } from "@octokit/rest";
import { performance } from "node:perf_hooks";
import { repoFor } from "./naming.mjs";

process.once("message", async (m) => {
  try {
    process.send(await measure(m));
  } catch (err) {
    process.send({ error: err.stack ?? String(err) });
  }
});

// The port's LIST_FOLDER_WITH_TEXTS (src/github/octokit-port.ts): a cold folder in one query.
const LIST_FOLDER = `query($owner: String!, $repo: String!, $commit: String!, $tree: String!) {
  repository(owner: $owner, name: $repo) {
    commit: object(expression: $commit) { oid }
    tree: object(expression: $tree) {
      ... on Tree { oid entries { name path type oid object { ... on Blob { byteSize isBinary text isTruncated } } } }
    }
  }
}`;
const TREE_OID = `query($owner: String!, $repo: String!, $tree: String!) {
  repository(owner: $owner, name: $repo) { tree: object(expression: $tree) { ... on Tree { oid } } }
}`;

/** A sequence of route names in which each appears in proportion to its weight, spread out. */
function interleave(mix, length = 1000) {
  const total = mix.reduce((n, m) => n + m.weight, 0);
  const credit = new Map(mix.map((m) => [m.route, 0]));
  const out = [];
  for (let i = 0; i < length; i++) {
    // Largest remainder: every step, each route earns its share; the richest is called.
    let best;
    for (const m of mix) {
      credit.set(m.route, credit.get(m.route) + m.weight / total);
      if (!best || credit.get(m.route) > credit.get(best)) best = m.route;
    }
    credit.set(best, credit.get(best) - 1);
    out.push(best);
  }
  return out;
}

async function measure({ baseUrl, concurrency = 64, durationMs = 3000, mix, installations = [1001] }) {
  // One client per installation, each with a token the stand-in attributes to it.
  const clients = new Map();
  const clientFor = (id) => {
    if (!clients.has(id)) clients.set(id, new Octokit({ baseUrl, auth: `ghs_bench_${id}_baseline`, request: { retries: 0 } }));
    return clients.get(id);
  };
  const checkRuns = new Map(); // installation → a check run id to update
  const issues = new Map(); // installation → an issue number to comment on / list comments of
  let n = 0;
  const call = async (route, i) => {
    const id = installations[i % installations.length];
    const o = clientFor(id);
    const r = repoFor(id);
    const repo = { owner: r.owner, repo: r.name };
    const sha = "788437584c2522f27feab10d8e631bab3e9e783a";
    switch (route) {
      case "POST /graphql (folder)":
        return o.graphql(LIST_FOLDER, { ...repo, commit: "main", tree: "main:.governance" });
      case "POST /graphql (treeOid)":
        return o.graphql(TREE_OID, { ...repo, tree: "main:.governance" });
      case "POST /graphql (blobs)":
        return o.graphql(`query($owner: String!, $repo: String!, $o0: GitObjectID!) { repository(owner: $owner, name: $repo) { b0: object(oid: $o0) { ... on Blob { text isTruncated } } } }`, { ...repo, o0: "0".repeat(40) });
      case "POST /repos/{owner}/{repo}/check-runs": {
        const { data } = await o.rest.checks.create({ ...repo, name: "governance / baseline", head_sha: sha, status: "in_progress", external_id: String(i), output: { title: "t", summary: "s" } });
        checkRuns.set(id, data.id);
        return;
      }
      case "PATCH /repos/{owner}/{repo}/check-runs/{id}":
        return o.rest.checks.update({ ...repo, check_run_id: checkRuns.get(id) ?? 1, status: "completed", conclusion: "success", output: { title: "t", summary: "s" } });
      case "GET /repos/{owner}/{repo}/commits/{ref}/check-runs":
        return o.rest.checks.listForRef({ ...repo, ref: sha, check_name: "governance / baseline", filter: "all", per_page: 100 });
      case "POST /repos/{owner}/{repo}/issues": {
        const { data } = await o.rest.issues.create({ ...repo, title: "baseline", body: `body <!-- governance:${i} -->` });
        issues.set(id, data.number);
        return;
      }
      case "GET /repos/{owner}/{repo}/issues":
        return o.rest.issues.listForRepo({ ...repo, state: "all", since: new Date(Date.now() - 60_000).toISOString(), sort: "created", direction: "desc", per_page: 100 });
      case "POST /repos/{owner}/{repo}/issues/{number}/comments":
        return o.rest.issues.createComment({ ...repo, issue_number: issues.get(id) ?? 1, body: "baseline" });
      case "GET /repos/{owner}/{repo}/issues/{number}/comments":
        return o.rest.issues.listComments({ ...repo, issue_number: issues.get(id) ?? 1, per_page: 100 });
      case "GET /repos/{owner}/{repo}/collaborators/{user}/permission":
        return o.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: "octocat" });
      case "GET /installation/repositories":
        return o.rest.apps.listReposAccessibleToInstallation({ per_page: 100 });
      case "POST /app/installations/{id}/access_tokens":
        return o.request("POST /app/installations/{installation_id}/access_tokens", { installation_id: id });
      default:
        // A route of the app's mix that the baseline cannot make: stands in as a cheap GET.
        return o.request("GET /rate_limit");
    }
  };
  const sequence = interleave(mix.length ? mix : [{ route: "POST /graphql (folder)", weight: 1 }]);
  const byRoute = {};
  let errors = 0;
  let calls = 0;
  const firstError = [];
  const start = performance.now();
  const stopAt = start + durationMs;
  async function loop() {
    while (performance.now() < stopAt) {
      const i = n++;
      const route = sequence[i % sequence.length];
      try {
        await call(route, i);
        calls++;
        byRoute[route] = (byRoute[route] ?? 0) + 1;
      } catch (err) {
        errors++;
        if (firstError.length < 3) firstError.push(`${route}: ${err.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - start;
  return { calls, callsPerSecond: calls / (elapsed / 1000), errors, firstError, byRoute, elapsedMs: elapsed };
}
