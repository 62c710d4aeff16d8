import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { exampleWhere, startTestApp, type TestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/engine.js";
import { fakeGraphQL } from "../helpers/github.js";

const API = "https://api.github.com";
const HEAD = "e".repeat(40);
const NIGHTLY = `name: Nightly review
version: 1.0.0
triggers:
  - type: onSchedule
    config: { cron: "0 9 * * *", timezone: UTC }
steps:
  - id: open
    type: action
    action: { kind: createIssue, parameters: { title: "Review of \${{ event.payload.schedule.scheduledFor }}" } }
`;

describe("scheduled workflows", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    nock.enableNetConnect();
  });

  it("indexes on a push to .governance/, fires on the tick, and catches up once after an outage", async () => {
    nock.disableNetConnect();
    const clock = new FakeClock(new Date("2026-11-26T08:59:00.000Z"));
    app = await startTestApp({ clock });
    fakeGraphQL(API, { master: { commit: HEAD, files: [{ name: "nightly.yml", text: NIGHTLY }] } });
    const titles: string[] = [];
    const heads: string[] = [];
    nock(API)
      .persist()
      .post("/repos/Codertocat/Hello-World/check-runs", (b) => (heads.push(b.head_sha), true))
      .reply(201, { id: 50, html_url: "x" })
      .patch("/repos/Codertocat/Hello-World/check-runs/50")
      .reply(200, {})
      .post("/repos/Codertocat/Hello-World/issues", (b) => (titles.push(b.title), true))
      .reply(201, (_u, b: any) => ({ number: titles.length, html_url: `https://github.com/x/${b.title.length}` }));

    const pushed = exampleWhere("push", (e) => e.ref === "refs/heads/master" && e.installation);
    pushed.commits[0].modified = [".governance/nightly.yml"];
    await app.deliver("push-1", "push", pushed);
    expect(await app.store.listSchedules("Codertocat/Hello-World")).toEqual([expect.objectContaining({ workflowPath: ".governance/nightly.yml", cron: "0 9 * * *" })]);

    expect(await app.services.scheduler.tick()).toBe(0);
    clock.current = new Date("2026-11-26T09:00:30.000Z");
    expect(await app.services.scheduler.tick()).toBe(1);
    expect(await app.services.scheduler.tick()).toBe(0);
    await app.services.worker.drain();

    // Down for three days: one catch-up run, not three.
    clock.current = new Date("2026-11-29T15:00:00.000Z");
    expect(await app.services.scheduler.tick()).toBe(1);
    expect(await app.services.scheduler.tick()).toBe(0);
    await app.services.worker.drain();

    expect(titles).toEqual(["Review of 2026-11-26T09:00:00.000Z", "Review of 2026-11-29T09:00:00.000Z"]);
    expect(heads).toEqual([HEAD, HEAD]);
    const runs = await app.store.listRuns();
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
  });
});
