/**
 * A trigger type that is not built in, registered from outside the app's source: it validates,
 * matches, fills expressions, dedupes, names its issues and comments, and brings its own webhook,
 * with no engine file edited. `onRelease` runs on a published release (the real `release`
 * webhook example).
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EventOf } from "../../src/domain/events.js";
import { matchWorkflow, triggerIO } from "../../src/triggers/match.js";
import { registerTriggerType, unregisterTriggerType } from "../../src/triggers/registry.js";
import type { TriggerDefinition } from "../../src/triggers/types.js";
import { loadWorkflow } from "../../src/workflows/load.js";
import { examplePayload, startTestApp, type TestApp } from "../helpers/app.js";
import { fakeGraphQL } from "../helpers/github.js";

interface ReleaseInfo {
  id: number;
  tag: string;
  url: string;
  prerelease: boolean;
}

// The type's config and event, added to the app's types the way a trigger module adds them.
declare module "../../src/domain/events.js" {
  interface TriggerEventMap {
    release: { action: string; release: ReleaseInfo };
  }
}
declare module "../../src/domain/workflow.js" {
  interface TriggerMap {
    onRelease: { config?: { tags?: string[]; prereleases?: boolean } };
  }
}

const onRelease: TriggerDefinition<"onRelease", "release"> = {
  type: "onRelease",
  event: "release",
  schema: {
    description: "Runs when a release is published.",
    config: {
      type: "object",
      properties: {
        tags: { type: "array", minItems: 1, items: { type: "string", minLength: 1, maxLength: 100 } },
        prereleases: { type: "boolean" },
      },
      additionalProperties: false,
    },
  },
  check(config, path, report) {
    (config?.tags ?? []).forEach((tag, i) => {
      if (tag.startsWith("refs/")) report([...path, "tags", i], `"${tag}": write the tag name, without refs/tags/`);
    });
  },
  match(config = {}, { release }) {
    if (release.prerelease && config.prereleases !== true) return { ok: false, reason: `${release.tag} is a pre-release` };
    if (config.tags && !config.tags.includes(release.tag)) return { ok: false, reason: `tag ${release.tag} is not one of ${config.tags.join(", ")}` };
    return { ok: true };
  },
  variables: ["release"],
  context: ({ release }) => ({ release }),
  dedupeKey: ({ release }, { workflowId }) => `release:${workflowId}:${release.id}`,
  subject: ({ release }) => `release-${release.id}`,
  mayHaveDiscussion: false,
  describe: ({ action, release }) => ({ kind: "release", action, tag: release.tag }),
  texts: {
    issueTitle: ({ release }) => `Release ${release.tag}: checklist`,
    issueBody: ({ release }) => [`Release: ${release.url}`],
    message: ({ release }, workflow) => `${workflow}: release ${release.tag} is out`,
  },
  webhooks: {
    events: ["release"],
    toEvents(_name, action, payload): EventOf<"release">[] {
      if (action !== "published") return [];
      const r = payload.release as { id: number; tag_name: string; html_url: string; prerelease: boolean };
      return [{ kind: "release", action, release: { id: r.id, tag: r.tag_name, url: r.html_url, prerelease: r.prerelease } }];
    },
  },
};

const WORKFLOW = `name: Release checklist
version: 1.0.0
triggers:
  - type: onRelease
    config: { tags: ["0.0.1"] }
steps:
  - id: checklist
    type: action
    action:
      kind: createIssue
      parameters:
        labels: ["release-\${{ release.tag }}"]
  - id: tell
    type: action
    action: { kind: notify, parameters: { comment: true } }
`;

const API = "https://api.github.com";
const COMMIT = "c".repeat(40);

function releasePayload(): Record<string, any> {
  const payload = examplePayload("release", "published");
  return { ...payload, installation: { id: 2 } };
}

describe("a trigger type registered from outside", () => {
  beforeAll(() => registerTriggerType(onRelease));
  afterAll(() => unregisterTriggerType("onRelease"));

  it("refuses a second type for a name or an event kind that has one, and a type without a schema", () => {
    expect(() => registerTriggerType(onRelease)).toThrow("trigger type onRelease is registered already");
    expect(() => registerTriggerType({ ...onRelease, type: "onRelease2" as "onRelease" })).toThrow("release events already start onRelease triggers");
    const { schema: _schema, ...bare } = onRelease;
    unregisterTriggerType("onRelease");
    try {
      expect(() => registerTriggerType(bare)).toThrow("trigger type onRelease needs a schema for its config");
    } finally {
      registerTriggerType(onRelease);
    }
  });

  describe("validation", () => {
    it("accepts the type and its variables, and checks its config with its schema and its own check", () => {
      expect(loadWorkflow(".governance/release.yml", WORKFLOW).diagnostics).toEqual([]);

      const typo = loadWorkflow(".governance/release.yml", WORKFLOW.replace("tags:", "tagz:"));
      expect(typo.diagnostics.map((d) => d.pointer)).toContain("/triggers/0/config/tagz");

      const refs = loadWorkflow(".governance/release.yml", WORKFLOW.replace('["0.0.1"]', '["refs/tags/0.0.1"]'));
      expect(refs.diagnostics).toMatchObject([{ pointer: "/triggers/0/config/tags/0", message: expect.stringContaining("without refs/tags/"), line: 5 }]);

      const variable = loadWorkflow(".governance/release.yml", WORKFLOW.replace("release.tag }}", "releas.tag }}"));
      expect(variable.diagnostics[0]!.message).toMatch(/unknown variable "releas".*\brelease\b/);
    });

    it("is unknown again once unregistered", () => {
      unregisterTriggerType("onRelease");
      try {
        const file = loadWorkflow(".governance/release.yml", WORKFLOW);
        expect(file.workflow).toBeUndefined();
        expect(file.diagnostics[0]).toMatchObject({ pointer: "/triggers/0/type" });
      } finally {
        registerTriggerType(onRelease);
      }
    });
  });

  describe("end to end through the app", () => {
    let app: TestApp;
    beforeEach(async () => {
      nock.disableNetConnect();
      app = await startTestApp();
    });
    afterEach(async () => {
      await app.close();
      nock.enableNetConnect();
    });

    it("a published release opens its checklist issue with the type's texts, comments on it, and reports on a check run", async () => {
      fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "release.yml", text: WORKFLOW }] } });
      const bodies: Record<string, any> = {};
      const scope = nock(API)
        .post("/repos/Codertocat/Hello-World/check-runs", (b) => ((bodies.check = b), true))
        .reply(201, { id: 31, html_url: "https://github.com/Codertocat/Hello-World/runs/31" })
        .post("/repos/Codertocat/Hello-World/issues", (b) => ((bodies.issue = b), true))
        .reply(201, { number: 12, html_url: "https://github.com/Codertocat/Hello-World/issues/12" })
        .post("/repos/Codertocat/Hello-World/issues/12/comments", (b) => ((bodies.comment = b), true))
        .reply(201, { id: 900, html_url: "https://github.com/Codertocat/Hello-World/issues/12#issuecomment-900" })
        .patch("/repos/Codertocat/Hello-World/check-runs/31", (b) => ((bodies.done = b), true))
        .reply(200, {});

      await app.deliver("release-1", "release", releasePayload());

      expect(scope.isDone()).toBe(true);
      expect(bodies.check).toMatchObject({ name: "governance / Release checklist", head_sha: COMMIT });
      expect(bodies.issue.title).toBe("Release 0.0.1: checklist");
      expect(bodies.issue.labels).toEqual(["release-0.0.1"]);
      expect(bodies.issue.body).toContain("Release: https://github.com/Codertocat/Hello-World/releases/tag/0.0.1");
      expect(bodies.comment.body).toMatch(/^Release checklist: release 0\.0\.1 is out\n\n<!-- governance:comment:/);
      expect(bodies.done).toMatchObject({ conclusion: "success" });

      const [run] = await app.store.listRuns();
      expect(run).toMatchObject({ status: "succeeded", dedupeKey: expect.stringMatching(/^release:.+:17372790$/) });
      const full = await app.store.getRun(run!.id);
      expect(full!.log.find((l) => l.message.startsWith("run started"))?.meta).toEqual({ trigger: { kind: "release", action: "published", tag: "0.0.1" } });
    });

    it("a second delivery about the same release is the same run (the type's dedupe key), and other actions start nothing", async () => {
      fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "release.yml", text: WORKFLOW }] } });
      nock(API)
        .post("/repos/Codertocat/Hello-World/check-runs")
        .reply(201, { id: 32, html_url: "https://github.com/Codertocat/Hello-World/runs/32" })
        .post("/repos/Codertocat/Hello-World/issues")
        .reply(201, { number: 13, html_url: "https://github.com/Codertocat/Hello-World/issues/13" })
        .post("/repos/Codertocat/Hello-World/issues/13/comments")
        .reply(201, { id: 901, html_url: "https://github.com/Codertocat/Hello-World/issues/13#issuecomment-901" })
        .patch("/repos/Codertocat/Hello-World/check-runs/32")
        .reply(200, {});

      await app.deliver("release-2", "release", releasePayload());
      await app.deliver("release-3", "release", releasePayload());
      await app.deliver("release-4", "release", { ...releasePayload(), action: "edited" });

      expect(await app.store.listRuns()).toHaveLength(1);
    });

    it("a pre-release does not match, and says why", async () => {
      fakeGraphQL(API, { master: { commit: COMMIT, files: [{ name: "release.yml", text: WORKFLOW }] } });
      const payload = releasePayload();
      payload.release = { ...payload.release, prerelease: true };
      await app.deliver("release-5", "release", payload);
      expect(await app.store.listRuns()).toHaveLength(0);

      const { workflow } = loadWorkflow(".governance/release.yml", WORKFLOW);
      const [event] = onRelease.webhooks!.toEvents("release", "published", payload, new Date());
      const repository = { id: 1, owner: "Codertocat", name: "Hello-World", fullName: "Codertocat/Hello-World", defaultBranch: "master", url: "" };
      expect(await matchWorkflow(workflow!, event!, triggerIO(repository))).toEqual({ matched: false, reason: "0.0.1 is a pre-release" });
    });
  });
});
