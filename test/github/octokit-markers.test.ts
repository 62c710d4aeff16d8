// The marker searches read every page of issues (and comments) since the claim: a busy repository has more than a page of them, and a marker on a later page must be found, not made again.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_SEARCH_PAGES } from "../../src/github/octokit-markers.js";
import { octokitPort } from "../../src/github/octokit-port.js";

const API = "https://api.github.com";
const REPO = { owner: "acme", repo: "ops" };
const SINCE = new Date("2026-12-04T19:53:06.000Z");
const port = () => octokitPort(new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } }));

const issues = (from: number, count: number, marked?: number) =>
  Array.from({ length: count }, (_, i) => ({ number: from - i, html_url: `https://github.com/acme/ops/issues/${from - i}`, body: from - i === marked ? "text <!-- governance:issue:abc -->" : "other" }));
const link = (page: number, last: number) => `<${API}/repos/acme/ops/issues?page=${page}>; rel="next", <${API}/repos/acme/ops/issues?page=${last}>; rel="last"`;

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("findIssueByMarker", () => {
  it("finds an issue on the second page of those since the claim", async () => {
    const scope = nock(API)
      .get("/repos/acme/ops/issues")
      .query((q) => q.since === SINCE.toISOString() && q.sort === "created" && q.direction === "desc" && q.per_page === "100" && q.page === undefined)
      .reply(200, issues(250, 100), { link: link(2, 3) })
      .get("/repos/acme/ops/issues")
      .query((q) => q.page === "2")
      .reply(200, issues(150, 100, 122), { link: link(3, 3) });
    expect(await port().findIssueByMarker(REPO, "<!-- governance:issue:abc -->", SINCE)).toEqual({ number: 122, url: "https://github.com/acme/ops/issues/122" });
    // The third page was not read: the search stops where it finds.
    expect(scope.isDone()).toBe(true);
  });

  it("answers none after the last page", async () => {
    nock(API).get("/repos/acme/ops/issues").query(true).reply(200, issues(150, 100), { link: link(2, 2) }).get("/repos/acme/ops/issues").query((q) => q.page === "2").reply(200, issues(50, 50));
    expect(await port().findIssueByMarker(REPO, "<!-- governance:issue:abc -->", SINCE)).toBeUndefined();
  });

  it(`refuses to guess past ${MARKER_SEARCH_PAGES} pages: it fails rather than make the issue twice`, async () => {
    let page = 0;
    nock(API)
      .get("/repos/acme/ops/issues")
      .query(true)
      .times(MARKER_SEARCH_PAGES)
      .reply(200, () => issues(100_000 - 100 * page++, 100), { link: link(2, 999) });
    await expect(port().findIssueByMarker(REPO, "<!-- governance:issue:abc -->", SINCE)).rejects.toThrow(`cannot tell whether this step made its issue already: acme/ops has more than ${MARKER_SEARCH_PAGES * 100} issues since 2026-12-04T19:53:06.000Z`);
  });
});

describe("findCommentByMarker", () => {
  it("reads the comments since the claim page by page", async () => {
    const comment = (id: number, body = "other") => ({ id, html_url: `https://github.com/acme/ops/issues/7#issuecomment-${id}`, body });
    nock(API)
      .get("/repos/acme/ops/issues/7/comments")
      .query((q) => q.page === undefined)
      .reply(200, Array.from({ length: 100 }, (_, i) => comment(i + 1)), { link: `<${API}/repos/acme/ops/issues/7/comments?page=2>; rel="next"` })
      .get("/repos/acme/ops/issues/7/comments")
      .query((q) => q.page === "2")
      .reply(200, [comment(101), comment(102, "<!-- governance:comment:x -->")]);
    expect(await port().findCommentByMarker(REPO, 7, "<!-- governance:comment:x -->", SINCE)).toEqual({ id: 102, url: "https://github.com/acme/ops/issues/7#issuecomment-102" });
  });
});

describe("findCheckRun", () => {
  it("finds a run's check run on a later page of the commit's check runs of that name", async () => {
    const run = (id: number) => ({ id, external_id: `run-${id}`, html_url: `https://github.com/acme/ops/runs/${id}` });
    nock(API)
      .get(`/repos/acme/ops/commits/${"c".repeat(40)}/check-runs`)
      .query((q) => q.check_name === "governance / Triage" && q.filter === "all" && q.page === undefined)
      .reply(200, { total_count: 130, check_runs: Array.from({ length: 100 }, (_, i) => run(200 - i)) }, { link: `<${API}/repos/acme/ops/commits/${"c".repeat(40)}/check-runs?page=2>; rel="next"` })
      .get(`/repos/acme/ops/commits/${"c".repeat(40)}/check-runs`)
      .query((q) => q.page === "2")
      .reply(200, { total_count: 130, check_runs: Array.from({ length: 30 }, (_, i) => run(100 - i)) });
    expect(await port().findCheckRun(REPO, "c".repeat(40), "governance / Triage", "run-77")).toEqual({ id: 77, url: "https://github.com/acme/ops/runs/77" });
  });
});
