import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import ghesExamples from "@octokit/webhooks-examples/ghes-35/index.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import {
  findingFromCheckRun,
  findingFromCodeScanningAlert,
  findingFromDependabotAlert,
  findingFromSecretScanningAlert,
  FINDING_LIMITS,
  findingsFromDispatch,
  isOpeningAction,
  OPENING_ACTIONS,
  pullRequestInfo,
  repositoryInfo,
} from "../../src/events/findings.js";

type Payload = Record<string, unknown> & { action?: string };
type Definition = { name: string; examples: Payload[] };

/** A deep copy of the `index`-th real example of `event`, safe to modify. */
function example(event: string, index: number, from: unknown = examples): Payload {
  const definition = (from as Definition[]).find((d) => d.name === event);
  const payload = definition?.examples[index];
  if (!payload) throw new Error(`no example ${index} of ${event}`);
  return structuredClone(payload);
}

/** Sets a nested value on a payload copy (the test's variations). */
function set(payload: Payload, path: string, value: unknown): Payload {
  const keys = path.split(".");
  let target = payload as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
  target[keys.at(-1)!] = value;
  return payload;
}

describe("code scanning alerts", () => {
  it("maps the real `created` example (CodeQL, rule.severity error)", () => {
    const payload = example("code_scanning_alert", 2);
    expect(payload.action).toBe("created");
    expect(findingFromCodeScanningAlert(payload)).toStrictEqual({
      source: "codeScanning",
      severity: "high",
      rule: "java/sql-injection",
      tool: "CodeQL",
      title: "Query built from user-controlled sources",
      url: "https://github.com/Codertocat/Hello-World/security/code-scanning/10",
      number: 10,
      state: "open",
      commit: "788437584c2522f27feab10d8e631bab3e9e783a",
      ref: "refs/heads/code-feature",
      fingerprint: "codeScanning:337911632:10",
    });
  });

  it("reads the location of the most recent instance (the real `fixed` example)", () => {
    const finding = findingFromCodeScanningAlert(example("code_scanning_alert", 3));
    expect(finding).toMatchObject({
      state: "fixed",
      path: "src/main/java/com/github/demo/service/BookService.java",
      startLine: 84,
      // the event's own commit wins over the instance's
      commit: "c5bf87afac650dbcb5fd97cfc22fcae5303da8e1",
      ref: "refs/pull/11/merge",
    });
  });

  it("falls back to the instance's commit and ref when the event's are empty", () => {
    const payload = example("code_scanning_alert", 3);
    set(payload, "commit_oid", "");
    set(payload, "ref", "");
    expect(findingFromCodeScanningAlert(payload)).toMatchObject({ commit: "0048a27ccd962b83b1bd781bbc6f7e8fd1b2caea", ref: "refs/pull/11/merge" });
  });

  it("leaves commit and ref out when a person closed the alert (the real `closed_by_user` example)", () => {
    const finding = findingFromCodeScanningAlert(example("code_scanning_alert", 1));
    expect(finding).not.toHaveProperty("commit");
    expect(finding).not.toHaveProperty("ref");
    expect(finding).toMatchObject({ tool: "Anchore Container Vulnerability Report (T0)", state: "dismissed", severity: "high", fingerprint: "codeScanning:337911632:10" });
  });

  it("maps a Rubocop note to low (the real `reopened` example)", () => {
    expect(findingFromCodeScanningAlert(example("code_scanning_alert", 0))).toMatchObject({
      severity: "low",
      rule: "Style/FrozenStringLiteralComment",
      tool: "Rubocop",
      fingerprint: "codeScanning:186853002:10",
    });
  });

  it.each([
    ["error", "high"],
    ["warning", "medium"],
    ["note", "low"],
    ["none", "low"],
    [null, "low"],
  ])("rule.severity %s gives %s", (ruleSeverity, expected) => {
    const payload = set(example("code_scanning_alert", 2), "alert.rule.severity", ruleSeverity);
    expect(findingFromCodeScanningAlert(payload).severity).toBe(expected);
  });

  it.each(["low", "medium", "high", "critical"])("security_severity_level %s wins over rule.severity", (level) => {
    const payload = set(example("code_scanning_alert", 0), "alert.rule.security_severity_level", level); // rule.severity: note
    expect(findingFromCodeScanningAlert(payload).severity).toBe(level);
  });

  it("titles from rule.description, then rule.name, then the rule id", () => {
    const payload = example("code_scanning_alert", 2);
    set(payload, "alert.rule.description", "");
    set(payload, "alert.rule.name", "SQL injection");
    expect(findingFromCodeScanningAlert(payload).title).toBe("SQL injection");
    set(payload, "alert.rule.name", "");
    expect(findingFromCodeScanningAlert(payload).title).toBe("java/sql-injection");
  });

  it("refuses a payload without an alert number, saying what is missing", () => {
    const payload = example("code_scanning_alert", 2);
    delete (payload.alert as Record<string, unknown>).number;
    expect(() => findingFromCodeScanningAlert(payload)).toThrow("code_scanning_alert payload: /alert/number must be an integer");
  });
});

describe("Dependabot alerts", () => {
  it("maps the real `created` example", () => {
    const payload = example("dependabot_alert", 1);
    expect(payload.action).toBe("created");
    expect(findingFromDependabotAlert(payload)).toStrictEqual({
      source: "dependabot",
      severity: "medium",
      rule: "GHSA-c2qf-rxjj-qqgw",
      tool: "Dependabot",
      title: "semver vulnerable to Regular Expression Denial of Service",
      url: "https://github.com/wolfy1339/pika-pack/security/dependabot/20",
      number: 20,
      package: "semver",
      path: "package-lock.json",
      state: "open",
      fingerprint: `dependabot:${(payload.repository as { id: number }).id}:20`,
    });
  });

  it("maps `moderate` to medium and uses the vulnerability's severity when the advisory has none", () => {
    const payload = set(example("dependabot_alert", 1), "alert.security_advisory.severity", "moderate");
    expect(findingFromDependabotAlert(payload).severity).toBe("medium");
    set(payload, "alert.security_advisory.severity", null);
    set(payload, "alert.security_vulnerability.severity", "critical");
    expect(findingFromDependabotAlert(payload).severity).toBe("critical");
  });

  it("takes the package from the dependency when the vulnerability lacks it", () => {
    const payload = example("dependabot_alert", 0);
    delete (payload.alert as Record<string, unknown>).security_vulnerability;
    expect(findingFromDependabotAlert(payload)).toMatchObject({ package: "ansible", path: "path/to/requirements.txt", state: "fixed" });
  });
});

describe("secret scanning alerts", () => {
  it("maps the real GHES `reopened` example: critical, and the alert page derived from the repository", () => {
    const payload = example("secret_scanning_alert", 0, ghesExamples);
    expect(findingFromSecretScanningAlert(payload)).toStrictEqual({
      source: "secretScanning",
      severity: "critical",
      rule: "adafruit_io_key",
      tool: "secret scanning",
      title: "adafruit_io_key",
      url: "https://github.com/Codertocat/Hello-World/security/secret-scanning/191",
      number: 191,
      state: "open",
      fingerprint: "secretScanning:257423561:191",
    });
  });

  it("prefers the display name and html_url, and never copies the secret", () => {
    const payload = example("secret_scanning_alert", 0, ghesExamples);
    set(payload, "alert.secret_type_display_name", "Adafruit IO Key");
    set(payload, "alert.html_url", "https://github.com/Codertocat/Hello-World/security/secret-scanning/191?x=1");
    set(payload, "alert.secret", "aio_CANARY_SECRET_VALUE");
    set(payload, "alert.state", "resolved");
    const finding = findingFromSecretScanningAlert(payload);
    expect(finding).toMatchObject({ title: "Adafruit IO Key", rule: "adafruit_io_key", state: "resolved" });
    expect(finding.url).toBe("https://github.com/Codertocat/Hello-World/security/secret-scanning/191?x=1");
    expect(JSON.stringify(finding)).not.toContain("CANARY");
  });
});

describe("check runs", () => {
  it("maps the real `completed` failure example", () => {
    const payload = example("check_run", 1);
    expect(payload.action).toBe("completed");
    expect(findingFromCheckRun(payload)).toStrictEqual({
      source: "checkRun",
      severity: "high",
      rule: "Octocoders-linter",
      tool: "Octocoders-linter",
      title: "Octocoders-linter concluded failure",
      url: "https://github.com/Codertocat/Hello-World/runs/128620228",
      state: "failure",
      commit: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      ref: "refs/heads/changes",
      fingerprint: "checkRun:186853002:Octocoders-linter:ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    });
  });

  it("makes no finding of a success (real example) or of a check that has not completed", () => {
    expect(findingFromCheckRun(example("check_run", 2))).toBeUndefined();
    expect(findingFromCheckRun(example("check_run", 0))).toBeUndefined(); // created: conclusion null
  });

  it.each([
    ["action_required", "high"],
    ["neutral", "low"],
    ["success", undefined],
    ["skipped", undefined],
    ["cancelled", undefined],
    ["timed_out", undefined],
    ["stale", undefined],
  ])("conclusion %s gives %s", (conclusion, expected) => {
    const payload = set(example("check_run", 1), "check_run.conclusion", conclusion);
    expect(findingFromCheckRun(payload)?.severity).toBe(expected);
  });

  it("puts the output title in the finding's title when there is one (the real neutral example)", () => {
    expect(findingFromCheckRun(example("check_run", 7))).toMatchObject({ severity: "low", title: "randscape: Report", state: "neutral", ref: "refs/heads/master" });
  });
});

describe("opening actions", () => {
  it("lists the actions that mean a finding appeared", () => {
    expect(OPENING_ACTIONS.code_scanning_alert).toEqual(["created", "reopened", "reopened_by_user", "appeared_in_branch"]);
    expect(OPENING_ACTIONS.dependabot_alert).toEqual(["created", "reopened", "auto_reopened", "reintroduced"]);
    expect(OPENING_ACTIONS.secret_scanning_alert).toEqual(["created", "reopened", "publicly_leaked"]);
  });

  it.each([
    ["code_scanning_alert", "appeared_in_branch", true],
    ["code_scanning_alert", "fixed", false],
    ["code_scanning_alert", "closed_by_user", false],
    ["dependabot_alert", "reintroduced", true],
    ["dependabot_alert", "dismissed", false],
    ["dependabot_alert", "auto_dismissed", false],
    ["secret_scanning_alert", "publicly_leaked", true],
    ["secret_scanning_alert", "resolved", false],
    ["secret_scanning_alert", "validated", false],
    ["check_run", "completed", true],
    ["check_run", "rerequested", false],
    ["repository_dispatch", "scan-result", true],
    ["repository_dispatch", "on-demand-test", false],
    ["pull_request", "opened", false],
    ["constructor", "created", false],
    ["code_scanning_alert", undefined, false],
  ])("%s %s → %s", (event, action, expected) => {
    expect(isOpeningAction(event, action)).toBe(expected);
  });
});

describe("pull request and repository", () => {
  it("maps the real `opened` example", () => {
    const payload = example("pull_request", 12);
    expect(pullRequestInfo(payload)).toStrictEqual({
      number: 2,
      title: "Update the README with new information.",
      author: "Codertocat",
      baseRef: "master",
      headRef: "changes",
      headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      labels: ["bug"],
      draft: false,
      url: "https://github.com/Codertocat/Hello-World/pull/2",
    });
    expect(repositoryInfo(payload)).toStrictEqual({
      id: 186853002,
      owner: "Codertocat",
      name: "Hello-World",
      fullName: "Codertocat/Hello-World",
      defaultBranch: "master",
      url: "https://github.com/Codertocat/Hello-World",
    });
  });

  it("refuses a repository without a default branch rather than guess one", () => {
    const payload = set(example("pull_request", 12), "repository.default_branch", null);
    expect(() => repositoryInfo(payload)).toThrow("webhook payload: /repository/default_branch must be a non-empty string");
  });

  it("sees a draft (the real `converted_to_draft` example)", () => {
    expect(pullRequestInfo(example("pull_request", 5)).draft).toBe(true);
  });
});

describe("scan-result dispatches", () => {
  /** The real repository_dispatch example, turned into a scan result. */
  function dispatch(clientPayload: unknown): Payload {
    const payload = example("repository_dispatch", 0);
    payload.action = "scan-result";
    payload.client_payload = clientPayload;
    return payload;
  }
  const repoId = (example("repository_dispatch", 0).repository as { id: number }).id;
  const valid = { severity: "high", rule: "CVE-2024-1234", title: "Vulnerable lodash" };

  it("maps valid findings, with the dispatch's tool, commit and ref", () => {
    const result = findingsFromDispatch(
      dispatch({
        tool: "Trivy",
        commit: "EC26C3E57CA3A959CA5AAD62DE7213C562F8C821",
        ref: "refs/heads/main",
        findings: [
          { id: "trivy-42", severity: "critical", rule: "CVE-2024-1234", title: "Vulnerable lodash", url: "https://scanner.example/f/42", path: "package-lock.json", line: 12, package: "lodash" },
          { severity: "low", rule: "DS002", title: "Runs as root", tool: "Hadolint", path: "Dockerfile" },
        ],
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.findings).toStrictEqual([
      {
        source: "dispatch",
        severity: "critical",
        rule: "CVE-2024-1234",
        tool: "Trivy",
        title: "Vulnerable lodash",
        url: "https://scanner.example/f/42",
        package: "lodash",
        path: "package-lock.json",
        startLine: 12,
        state: "open",
        commit: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        ref: "refs/heads/main",
        fingerprint: `dispatch:${repoId}:Trivy:trivy-42`,
      },
      {
        source: "dispatch",
        severity: "low",
        rule: "DS002",
        tool: "Hadolint",
        title: "Runs as root",
        url: "",
        path: "Dockerfile",
        state: "open",
        commit: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        ref: "refs/heads/main",
        fingerprint: expect.stringMatching(new RegExp(`^dispatch:${repoId}:[0-9a-f]{64}$`)),
      },
    ]);
  });

  it("fingerprints an entry without id by tool, rule, path and line: stable, and distinct when one differs", () => {
    const fp = (entry: object) => findingsFromDispatch(dispatch({ findings: [{ ...valid, ...entry }] })).findings[0]!.fingerprint;
    const base = fp({ path: "a.js", line: 1 });
    expect(fp({ path: "a.js", line: 1, title: "another title" })).toBe(base);
    expect(new Set([base, fp({ path: "a.js", line: 2 }), fp({ path: "b.js", line: 1 }), fp({ path: "a.js", line: 1, tool: "x" }), fp({ path: "a.js", line: 1, rule: "y" })]).size).toBe(5);
    expect(fp({ id: 7 })).toBe(`dispatch:${repoId}:dispatch:7`);
    expect(fp({ id: 7, tool: "other" })).not.toBe(fp({ id: 7 }));
  });

  it("leaves out bad entries, naming each problem by its JSON pointer", () => {
    const result = findingsFromDispatch(
      dispatch({
        commit: "not a sha",
        findings: [
          valid,
          "a string",
          { ...valid, severity: "severe" },
          { severity: "low" },
          { ...valid, url: "javascript:alert(1)", line: 0 },
          { ...valid, line: "12", id: "" },
          null,
          [valid],
        ],
      }),
    );
    expect(result.findings.map((f) => f.rule)).toEqual(["CVE-2024-1234"]);
    expect(result.findings[0]).not.toHaveProperty("commit");
    expect(result.errors).toEqual([
      "/client_payload/commit: must be a commit sha (7 to 64 hexadecimal digits)",
      "/client_payload/findings/1: must be an object",
      "/client_payload/findings/2/severity: must be one of low, medium, high, critical",
      "/client_payload/findings/3/rule: must be a non-empty string",
      "/client_payload/findings/3/title: must be a non-empty string",
      `/client_payload/findings/4/url: must be an http or https URL of at most ${FINDING_LIMITS.url} characters`,
      "/client_payload/findings/4/line: must be a positive integer",
      "/client_payload/findings/5/line: must be a positive integer",
      `/client_payload/findings/5/id: must be a string of 1 to ${FINDING_LIMITS.id} characters without control characters`,
      "/client_payload/findings/6: must be an object",
      "/client_payload/findings/7: must be an object",
    ]);
  });

  it("reads at most 100 findings and says so", () => {
    const findings = Array.from({ length: 150 }, (_, i) => ({ ...valid, id: `f${i}` }));
    const result = findingsFromDispatch(dispatch({ findings }));
    expect(result.findings).toHaveLength(100);
    expect(result.findings.at(-1)?.fingerprint).toBe(`dispatch:${repoId}:dispatch:f99`);
    expect(result.errors).toEqual(["/client_payload/findings: at most 100 findings per dispatch; the first 100 of 150 were read"]);
  });

  it("refuses payloads of the wrong shape without throwing", () => {
    const other = example("repository_dispatch", 0); // the real example: event type on-demand-test
    expect(findingsFromDispatch(other)).toEqual({ findings: [], errors: ['/action: must be "scan-result"'] });
    expect(findingsFromDispatch(dispatch(null)).errors).toEqual(["/client_payload: must be an object"]);
    expect(findingsFromDispatch(dispatch({ findings: { 0: valid } })).errors).toEqual(["/client_payload/findings: must be an array"]);
    expect(findingsFromDispatch(set(dispatch({ findings: [] }), "repository", null)).errors).toEqual(["/repository/id: must be an integer"]);
    for (const junk of [null, undefined, 42, "scan-result", [], { action: "scan-result" }]) {
      expect(findingsFromDispatch(junk).findings).toEqual([]);
    }
  });

  it("caps and cleans hostile strings", () => {
    const huge = "A".repeat(5_000_000);
    const result = findingsFromDispatch(
      dispatch({
        findings: [
          { ...valid, title: huge, rule: "r\n## injected heading\r\u0000", path: "a\u202Egnp.exe", package: "😀".repeat(500) },
          { ...valid, url: "https://x.example/" + "a".repeat(FINDING_LIMITS.url) },
          { ...valid, ref: "ignored: entries have no ref", id: "x".repeat(FINDING_LIMITS.id + 1) },
          { ...valid, title: " \n\t " },
        ],
      }),
    );
    const [first] = result.findings;
    expect(result.findings).toHaveLength(1);
    expect(first!.title).toHaveLength(FINDING_LIMITS.title);
    expect(first!.title.endsWith("…")).toBe(true);
    expect(first!.rule).toBe("r ## injected heading");
    expect(first!.path).toBe("a gnp.exe");
    expect(first!.package!.length).toBeLessThanOrEqual(FINDING_LIMITS.package);
    expect(first!.package).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/); // no half emoji at the cut
    expect(result.errors).toEqual([
      `/client_payload/findings/1/url: must be an http or https URL of at most ${FINDING_LIMITS.url} characters`,
      `/client_payload/findings/2/id: must be a string of 1 to ${FINDING_LIMITS.id} characters without control characters`,
      "/client_payload/findings/3/title: must be a non-empty string",
    ]);
  });

  it("ignores prototype tricks and never pollutes Object.prototype", () => {
    const clientPayload = JSON.parse(`{"findings":[{"__proto__":{"severity":"high","rule":"r","title":"t"}},{"constructor":{"prototype":{"polluted":1}},"severity":"low","rule":"r","title":"t"}]}`);
    const result = findingsFromDispatch(dispatch(clientPayload));
    expect(result.errors).toEqual([
      "/client_payload/findings/0/severity: must be one of low, medium, high, critical",
      "/client_payload/findings/0/rule: must be a non-empty string",
      "/client_payload/findings/0/title: must be a non-empty string",
    ]);
    expect(result.findings).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers even input that throws when read", () => {
    const trap = new Proxy({}, { get: () => { throw new Error("boom"); }, has: () => true, getOwnPropertyDescriptor: () => { throw new Error("boom"); } });
    expect(findingsFromDispatch(dispatch(trap))).toEqual({ findings: [], errors: ["/client_payload: could not be read"] });
  });

  it("bounds the error list however many entries are bad", () => {
    const findings = Array.from({ length: 100 }, () => ({ severity: "?", line: -1, url: "ftp://x" }));
    const result = findingsFromDispatch(dispatch({ findings }));
    expect(result.findings).toEqual([]);
    expect(result.errors).toHaveLength(FINDING_LIMITS.maxErrors + 1);
    expect(result.errors.at(-1)).toBe("/client_payload/findings: 400 more errors not shown");
  });
});
