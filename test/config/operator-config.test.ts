import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { loadOperatorConfig, OperatorConfigError, parseOperatorConfig } from "../../src/config/operator-config.js";
import { FIXTURES } from "../helpers/fixtures.js";

/** What an operator configuration that says nothing of the engine gets. */
const DEFAULTS = { engine: { concurrency: 32 }, github: { contentCreatesPerMinute: 80, contentCreatesPerHour: 500 } };

/** The canary every fixture uses: no part of it past the scheme may show up in any message. */
const CANARY_PARTS = ["hooks.example.test", "CANARY", "services/"];
const fixture = (name: string) => `${FIXTURES}config/${name}`;
const load = (name: string) => loadOperatorConfig({ GOVERNANCE_CONFIG: fixture(name) });

/** Loads a fixture that must fail and returns its error. */
function failure(load: () => unknown): OperatorConfigError {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(OperatorConfigError);
    return err as OperatorConfigError;
  }
  throw new Error("expected an OperatorConfigError");
}

function expectNoCanary(err: OperatorConfigError): void {
  const everything = [err.message, String(err), err.stack ?? "", JSON.stringify(err.problems), inspect(err)].join("\n");
  for (const part of CANARY_PARTS) expect(everything).not.toContain(part);
}

describe("loadOperatorConfig", () => {
  it("is empty without GOVERNANCE_CONFIG", () => {
    expect(loadOperatorConfig({})).toEqual({ notify: { channels: {} }, ...DEFAULTS });
    expect(loadOperatorConfig({ GOVERNANCE_CONFIG: "" })).toEqual({ notify: { channels: {} }, ...DEFAULTS });
  });

  it("reads channels and their webhook URLs, http only for loopback", () => {
    const { channels } = load("valid.yml").notify;
    expect(Object.keys(channels)).toEqual(["#sec-team", "#sec-oncall", "#local.test_1"]);
    expect(channels["#sec-team"]!.webhookUrl).toBe("https://hooks.example.test/services/CANARY-SECRET");
    expect(channels["#local.test_1"]!.webhookUrl).toBe("http://127.0.0.1:8080/hook");
  });

  it("keeps webhook URLs out of JSON and util.inspect, so a logged config leaks nothing", () => {
    const config = load("valid.yml");
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
      for (const part of CANARY_PARTS) expect(shown).not.toContain(part);
    }
  });

  it("treats a file of only comments as the empty configuration", () => {
    expect(load("comments-only.yml")).toEqual({ notify: { channels: {} }, ...DEFAULTS });
  });

  it.each([
    ["unknown-field.yml", 'unknown-field.yml:4:7: notify.channels["#sec-team"]: unknown field "webhookURL" (did you mean "webhookUrl"?); expected one of webhookUrl, allowPrivateAddress'],
    ["http-non-loopback.yml", 'http-non-loopback.yml:4:19: notify.channels["#sec"].webhookUrl must be an https URL (http is allowed only for 127.0.0.1, localhost and [::1], for local testing)'],
    ["bad-channel-name.yml", `bad-channel-name.yml:3:5: notify.channels: "sec-team" is not a valid channel name; write a #, then 1-80 letters, digits, '.', '_' or '-' (such as #sec-team)`],
    ["url-as-channel-name.yml", "url-as-channel-name.yml:3:5: notify.channels: (a name not shown) is not a valid channel name"],
    ["yaml-syntax.yml", "yaml-syntax.yml:5:1: YAML syntax error: "],
    ["duplicate-key.yml", 'duplicate-key.yml:5:7: notify.channels["#sec-team"].webhookUrl: duplicate key "webhookUrl" in notify.channels["#sec-team"] (first defined at line 4)'],
  ])("refuses %s, naming the file, line and column", (name, expected) => {
    const err = failure(() => load(name));
    expect(err.message.startsWith(fixture(expected.split(":")[0]!))).toBe(true);
    expect(err.message).toContain(expected.slice(expected.indexOf(":")));
    expect(err.file).toBe(fixture(name));
    expect(err.problems).toHaveLength(1); // one mistake, one message
    expectNoCanary(err);
  });

  it("says so when the named file does not exist", () => {
    const err = failure(() => load("missing.yml"));
    expect(err.message).toBe(
      `${fixture("missing.yml")}: the operator configuration file named by GOVERNANCE_CONFIG does not exist; create it, or unset GOVERNANCE_CONFIG to run without one`,
    );
  });

  it("refuses a folder", () => {
    expect(failure(() => loadOperatorConfig({ GOVERNANCE_CONFIG: `${FIXTURES}config` })).message).toMatch(/: is a folder; GOVERNANCE_CONFIG must name/);
  });
});

describe("parseOperatorConfig", () => {
  const canary = "https://hooks.example.test/services/CANARY-SECRET";
  const config = (yaml: string) => () => parseOperatorConfig(yaml, "governance.config.yml");

  it("matches the documented message format", () => {
    const err = failure(config(`notify:\n  channels:\n    "#sec":\n      webhookUrl: ftp://hooks.example.test/services/CANARY-SECRET\n`));
    expect(err.message).toBe('governance.config.yml:4:19: notify.channels["#sec"].webhookUrl must be an https URL (http is allowed only for 127.0.0.1, localhost and [::1], for local testing)');
  });

  it("reads tasks.due by severity, and refuses a due of 0 or past 366 days at its place", () => {
    expect(parseOperatorConfig("tasks:\n  due: { critical: 3d, low: 2w }\n", "governance.config.yml").tasks).toEqual({ dueMsBySeverity: { critical: 3 * 86_400_000, low: 14 * 86_400_000 } });
    expect(parseOperatorConfig("{}\n", "governance.config.yml")).not.toHaveProperty("tasks");
    expect(() => parseOperatorConfig("tasks:\n  due:\n    high: 0d\n", "governance.config.yml")).toThrow("governance.config.yml:3:11: tasks.due.high must be longer than 0 and at most 366d");
    expect(() => parseOperatorConfig("tasks:\n  due: { hihg: 3d }\n", "governance.config.yml")).toThrow(/unknown field "hihg" \(did you mean "high"\?\)/);
  });

  it.each([
    ["an unknown top-level field", `notfy:\n  channels: {}\n`, /^governance\.config\.yml:1:1: unknown field "notfy" \(did you mean "notify"\?\); expected one of notify, engine, github, scripts, tasks, api$/],
    ["a channel that is a URL, not a mapping", `notify:\n  channels:\n    "#sec": ${canary}\n`, /:3:13: notify\.channels\["#sec"\] must be a mapping, not a string/],
    ["a channel without webhookUrl", `notify:\n  channels:\n    "#sec": {}\n`, /:3:13: notify\.channels\["#sec"\]: missing required field "webhookUrl"/],
    ["http to a look-alike of localhost", `notify:\n  channels:\n    "#a": { webhookUrl: "http://127.0.0.1.hooks.example.test/services/CANARY-SECRET" }\n`, /must be an https URL/],
    ["http through userinfo", `notify:\n  channels:\n    "#a": { webhookUrl: "http://localhost@hooks.example.test/services/CANARY-SECRET" }\n`, /must be an https URL/],
    ["https with a password", `notify:\n  channels:\n    "#a": { webhookUrl: "https://user:CANARY-SECRET@hooks.example.test/services/x" }\n`, /must not hold a user name or password/],
    ["a URL that does not parse", `notify:\n  channels:\n    "#a": { webhookUrl: "https://hooks.example.test:99999/services/CANARY-SECRET" }\n`, /this value is not a URL/],
    ["a URL with a scheme only", `notify:\n  channels:\n    "#a": { webhookUrl: "hooks.example.test/services/CANARY-SECRET" }\n`, /must be an https URL/],
    ["a URL as a key", `${canary}: 1\n`, /unknown field \(a name not shown\)/],
    ["a URL in a YAML token", `notify:\n  channels:\n    "#a":\n      webhookUrl: ${canary}\n${canary}\n`, /YAML syntax error/],
    ["a URL in a duplicate key", `notify:\n  channels:\n    ${canary}: {}\n    ${canary}: {}\n`, /duplicate key "…"/],
    ["a YAML tag", `notify: !secret ${canary}\n`, /YAML tags are not supported in the operator configuration/],
    ["a second document", `notify: {}\n---\n${canary}\n`, /the operator configuration holds one YAML document/],
    ["a list at the top", `- ${canary}\n`, /:1:1: the configuration must be a mapping, not a list/],
    ["a __proto__ key", `notify:\n  __proto__: { channels: {} }\n`, /the key "__proto__" is not allowed/],
  ])("refuses %s without quoting the URL", (_case, yaml, message) => {
    const err = failure(config(yaml));
    expect(err.message).toMatch(message);
    expectNoCanary(err);
  });

  it("accepts each loopback spelling over http", () => {
    for (const host of ["127.0.0.1:9", "localhost", "[::1]:8443"]) {
      expect(parseOperatorConfig(`notify:\n  channels:\n    "#t": { webhookUrl: "http://${host}/h" }\n`).notify.channels["#t"]!.webhookUrl).toBe(`http://${host}/h`);
    }
  });
});

describe("api.tokens", () => {
  const HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const OTHER = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
  const parse = (yaml: string) => parseOperatorConfig(yaml, "governance.config.yml");
  const token = (fields: string) => `api:\n  tokens:\n    - { ${fields} }\n`;
  const refused = (yaml: string) => failure(() => parse(yaml));

  it("reads tokens, their hashes in lower case, roles and owners", () => {
    expect(load("api-tokens.yml").api).toEqual({
      tokens: [
        { name: "ci-bot", sha256: HASH, role: "runner", owners: ["acme", "*"] },
        { name: "audit.read_1", sha256: OTHER, role: "viewer", owners: ["acme", "Globex"] },
      ],
    });
    expect(Object.isFrozen(load("api-tokens.yml").api!.tokens[0])).toBe(true);
  });

  it("is absent without an api section, and empty with an empty one", () => {
    expect(parse("notify: {}\n")).not.toHaveProperty("api");
    expect(parse("api: {}\n").api).toEqual({ tokens: [] });
  });

  it.each([
    ["bad hex", token(`name: a, sha256: ${HASH.slice(0, 63)}x, role: viewer, owners: [acme]`), "governance.config.yml:3:26: api.tokens[0].sha256 must be the token's SHA-256 as 64 hex digits (never the token itself)"],
    ["a short hash", token(`name: a, sha256: ${HASH.slice(0, 40)}, role: viewer, owners: [acme]`), "governance.config.yml:3:26: api.tokens[0].sha256 must be the token's SHA-256 as 64 hex digits"],
    ["an unknown role", token(`name: a, sha256: ${HASH}, role: owner, owners: [acme]`), "governance.config.yml:3:98: api.tokens[0].role must be one of viewer, runner, admin"],
    ["a role that is not text", token(`name: a, sha256: ${HASH}, role: 5, owners: [acme]`), "governance.config.yml:3:98: api.tokens[0].role must be one of viewer, runner, admin"],
    ["empty owners", token(`name: a, sha256: ${HASH}, role: viewer, owners: []`), "governance.config.yml:3:114: api.tokens[0].owners must have at least 1 entry"],
    ["a bad owner", token(`name: a, sha256: ${HASH}, role: viewer, owners: ["acme/repo"]`), "governance.config.yml:3:115: api.tokens[0].owners[0] must be a GitHub account login, or '*' for every account"],
    ["a bad name", token(`name: "ci bot", sha256: ${HASH}, role: viewer, owners: [acme]`), "governance.config.yml:3:15: api.tokens[0].name must be 1-64 letters, digits, '.', '_' or '-' (such as ci-bot)"],
    ["a name too long", token(`name: ${"a".repeat(65)}, sha256: ${HASH}, role: viewer, owners: [acme]`), "api.tokens[0].name must be 1-64 letters"],
    ["an unknown field", token(`name: a, sha256: ${HASH}, role: viewer, owners: [acme], token: s3cret`), 'governance.config.yml:3:122: api.tokens[0]: unknown field "token"; expected one of name, sha256, role, owners'],
    ["a missing hash", token("name: a, role: viewer, owners: [acme]"), 'governance.config.yml:3:7: api.tokens[0]: missing required field "sha256"'],
    ["an unknown api field", "api:\n  tokenz: []\n", 'governance.config.yml:2:3: api: unknown field "tokenz" (did you mean "tokens"?); expected tokens'],
    ["tokens as a mapping", "api:\n  tokens: { ci-bot: x }\n", "governance.config.yml:2:11: api.tokens must be a list, not a mapping"],
  ])("refuses %s at its place", (_case, yaml, message) => {
    const err = refused(yaml);
    expect(err.message).toContain(message);
    expect(err.problems).toHaveLength(1);
    expect(err.message).not.toContain(HASH.slice(0, 40));
    expect(err.message).not.toContain("s3cret");
  });

  it("refuses duplicate names (any case) and duplicate hashes (any case) at the later entry, quoting no hash", () => {
    const err = failure(() => load("api-duplicate-token.yml"));
    expect(err.problems.map((p) => [p.line, p.col, p.message])).toEqual([
      [5, 15, 'api.tokens[1].name: the name "CI-bot" is already used by api.tokens[0]; each token needs its own'],
      [6, 30, "api.tokens[2].sha256 is the same as api.tokens[0].sha256; each token needs its own"],
    ]);
    expect(err.message.toLowerCase()).not.toContain(HASH.slice(0, 16));
  });

  it("keeps a plain token written by mistake out of the message", () => {
    const err = refused(token("name: a, sha256: ghp_CANARYCANARYCANARYCANARY, role: viewer, owners: [acme]"));
    expect(err.message).toMatch(/api\.tokens\[0\]\.sha256 must be the token's SHA-256/);
    expect(err.message).not.toContain("CANARY");
  });
});
