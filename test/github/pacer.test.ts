import nock from "nock";
import { Probot } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { RateLimitError } from "../../src/domain/errors.js";
import { AppOctokit } from "../../src/github/app-octokit.js";
import { pacedPort, rateLimitedUntil } from "../../src/github/paced-port.js";
import { Pacer } from "../../src/github/pacer.js";
import { octokitPort } from "../../src/github/octokit-port.js";
import { FakeGitHub } from "../helpers/fake-github.js";

const T0 = new Date("2030-01-01T00:00:00.000Z").getTime();
const clockAt = (t: { ms: number }) => ({ now: () => new Date(T0 + t.ms) });

describe("Pacer", () => {
  it("allows 80 content-creating requests a minute per installation, then says when to come back", () => {
    const t = { ms: 0 };
    const pacer = new Pacer({ perMinute: 80, perHour: 0 }, clockAt(t));
    for (let i = 0; i < 80; i++) expect(pacer.take(1)).toBeUndefined();
    const back = pacer.take(1);
    // A second of slack over GitHub's minute: a request never arrives just before a slot frees there.
    expect(back?.getTime()).toBe(T0 + 61_000);
    // Another installation is not held back.
    expect(pacer.take(2)).toBeUndefined();
    // Requests told to come back are spread one slot (750 ms) apart, not all sent at once.
    expect(pacer.take(1)?.getTime()).toBe(T0 + 61_750);
    expect(pacer.take(1)?.getTime()).toBe(T0 + 62_500);
    t.ms = 61_000;
    expect(pacer.take(1)).toBeUndefined();
  });

  it("shares each limit among the live workers: with two, each sends half a minute's 80, and all of it again when alone", () => {
    const t = { ms: 0 };
    let live = 2;
    const pacer = new Pacer({ perMinute: 80, perHour: 500 }, clockAt(t), () => live);
    for (let i = 0; i < 40; i++) expect(pacer.take(1)).toBeUndefined();
    expect(pacer.take(1)).toBeInstanceOf(Date);
    // The other worker stopped: this one may send up to the whole limit.
    live = 1;
    for (let i = 0; i < 40; i++) expect(pacer.take(2)).toBeUndefined();
    expect(pacer.take(1)).toBeUndefined();
    // More workers than the limit allows each one a request a window, never none.
    live = 1000;
    expect(pacer.take(3)).toBeUndefined();
    expect(pacer.take(3)).toBeInstanceOf(Date);
  });

  it("a sliding window: never more than the limit in any 60 s", () => {
    const t = { ms: 0 };
    const pacer = new Pacer({ perMinute: 10, perHour: 0 }, clockAt(t));
    const sent: number[] = [];
    // A steady demand of one request every 100 ms for five minutes, retried when told to.
    const due: number[] = [];
    for (let ms = 0; ms < 300_000; ms += 100) due.push(ms);
    while (due.length > 0) {
      due.sort((a, b) => a - b);
      t.ms = due.shift()!;
      const back = pacer.take(1);
      if (back) due.push(back.getTime() - T0);
      else sent.push(t.ms);
      if (t.ms > 600_000) break;
    }
    for (const s of sent) expect(sent.filter((x) => x > s - 60_000 && x <= s).length).toBeLessThanOrEqual(10);
    // And the allowed rate is used: 10 a minute over the five minutes, less the second of slack.
    expect(sent.filter((x) => x < 300_000).length).toBeGreaterThanOrEqual(45);
  });

  it("an hourly limit holds too", () => {
    const t = { ms: 0 };
    const pacer = new Pacer({ perMinute: 0, perHour: 5 }, clockAt(t));
    for (let i = 0; i < 5; i++) {
      t.ms = i * 1_000;
      expect(pacer.take(1)).toBeUndefined();
    }
    expect(pacer.take(1)?.getTime()).toBe(T0 + 3_601_000);
  });

  it("no limits: always go; but a block from GitHub still holds", () => {
    const t = { ms: 0 };
    const pacer = new Pacer({ perMinute: 0, perHour: 0 }, clockAt(t));
    for (let i = 0; i < 1_000; i++) expect(pacer.take(1)).toBeUndefined();
    pacer.block(1, new Date(T0 + 5_000));
    expect(pacer.take(1)?.getTime()).toBe(T0 + 5_000);
    t.ms = 5_000;
    expect(pacer.take(1)).toBeUndefined();
  });
});

describe("pacedPort", () => {
  it("paces creates only, and a paced create sends nothing", async () => {
    const t = { ms: 0 };
    const github = new FakeGitHub();
    const port = pacedPort(github, 1, new Pacer({ perMinute: 2, perHour: 0 }, clockAt(t)), clockAt(t));
    const repo = { owner: "acme", repo: "api" };
    await port.createIssue(repo, { title: "a", body: "a" });
    await port.createComment(repo, 1, "b");
    const err = await port.createIssue(repo, { title: "c", body: "c" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAt.getTime()).toBe(T0 + 61_000);
    expect(github.issues).toHaveLength(1);
    // Reads are never paced.
    for (let i = 0; i < 10; i++) await port.getPermission(repo, "alice");
  });

  it("turns GitHub's 403 secondary limit and 429 into a RateLimitError at the time GitHub names, and holds the installation", async () => {
    const t = { ms: 0 };
    const github = new FakeGitHub();
    const limited = Object.assign(new Error("You have exceeded a secondary rate limit"), { status: 403, response: { headers: { "retry-after": "30" } } });
    github.createIssue = async () => {
      throw limited;
    };
    const pacer = new Pacer({ perMinute: 80, perHour: 500 }, clockAt(t));
    const port = pacedPort(github, 7, pacer, clockAt(t));
    const err = (await port.createIssue({ owner: "a", repo: "b" }, { title: "x", body: "y" }).catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAt.getTime()).toBe(T0 + 30_000);
    // Held: the next create of this installation is not even sent before then.
    expect(pacer.take(7)?.getTime()).toBeGreaterThanOrEqual(T0 + 30_000);
    expect(pacer.take(8)).toBeUndefined();
  });

  it("reads the primary limit's reset, and leaves other errors alone", () => {
    const now = new Date(T0);
    const reset = { status: 403, message: "API rate limit exceeded", response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(T0 / 1000 + 120) } } };
    expect(rateLimitedUntil(reset, now)?.getTime()).toBe(T0 + 120_000);
    expect(rateLimitedUntil({ status: 429, response: { headers: {} } }, now)?.getTime()).toBe(T0 + 60_000);
    expect(rateLimitedUntil({ status: 403, message: "Resource not accessible by integration", response: { headers: {} } }, now)).toBeUndefined();
    expect(rateLimitedUntil({ status: 422, message: "rate limit" }, now)).toBeUndefined();
    expect(rateLimitedUntil(new Error("ECONNRESET"), now)).toBeUndefined();
  });
});

describe("AppOctokit", () => {
  afterEach(() => nock.cleanAll());

  it("does not space an installation's writes: three issue creates are in flight at once", { timeout: 15_000 }, async () => {
    nock.disableNetConnect();
    const probot = new Probot({ githubToken: "test", Octokit: AppOctokit, logLevel: "fatal" });
    const octokit = await probot.auth();
    // Each answer waits until all three requests have arrived. Probot's throttle spaces issue
    // creates 3 s apart (6 s between the first and the third); without it they arrive together.
    const waiting: Array<() => void> = [];
    const arrived: number[] = [];
    const scope = nock("https://api.github.com")
      .post("/repos/acme/api/issues")
      .times(3)
      .reply((_uri, _body, callback) => {
        arrived.push(performance.now());
        const n = waiting.length + 1;
        waiting.push(() => callback(null, [201, { number: n, html_url: `https://github.com/acme/api/issues/${n}` }]));
        if (waiting.length === 3) for (const answer of waiting) answer();
      });
    const port = octokitPort(octokit);
    const made = await Promise.all([1, 2, 3].map((n) => port.createIssue({ owner: "acme", repo: "api" }, { title: `t${n}`, body: "b" })));
    expect(scope.isDone()).toBe(true);
    expect(made.map((m) => m.number).sort()).toEqual([1, 2, 3]);
    expect(arrived[2]! - arrived[0]!).toBeLessThan(3_000);
    nock.enableNetConnect();
  });
});
