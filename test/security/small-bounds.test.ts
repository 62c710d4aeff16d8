import { describe, expect, it } from "vitest";
import { OperatorConfigError, parseOperatorConfig } from "../../src/config/operator-config.js";
import { isPrivateHost } from "../../src/config/webhook-url.js";
import { WebhookNotifier } from "../../src/notify/webhook-notifier.js";
import { loadWorkflow } from "../../src/workflows/index.js";

const issueWorkflow = (project: string) => `name: Dots
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: open
    type: action
    action: { kind: createIssue, parameters: { project: "${project}", title: t } }
`;

describe("issue 7 point 7: dot segments, private webhook hosts", () => {
  it.each([".", ".."])('refuses project "%s" at validation (it would turn the API path into POST /repos/issues)', (project) => {
    const file = loadWorkflow(".governance/dots.yml", issueWorkflow(project));
    expect(file.workflow).toBeUndefined();
    expect(file.diagnostics[0]).toMatchObject({ line: 7, message: expect.stringMatching(/project.*repository name.*not \. or \.\./) });
  });

  it.each(["ops", ".github", "a.b", "..x", "x.."])('accepts the repository name "%s"', (project) => {
    expect(loadWorkflow(".governance/dots.yml", issueWorkflow(project)).diagnostics).toEqual([]);
  });

  const privateHosts = [
    "169.254.169.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "0.0.0.0",
    "metadata.google.internal",
    "metadata.google.internal.",
    "METADATA.GOOGLE.INTERNAL",
    "[fd00::1]",
    "[fe80::1]",
    "[::ffff:169.254.169.254]",
    "[::]",
  ];

  it.each(privateHosts)('SECURITY "SSRF through notify targets": refuses https://%s/ unless the operator opts in', (host) => {
    const url = `https://${host}/hook`;
    expect(isPrivateHost(new URL(url).hostname)).toBe(true);
    const yaml = (extra: string) => `notify:\n  channels:\n    "#t": { webhookUrl: "${url}"${extra} }\n`;
    let error: unknown;
    try {
      parseOperatorConfig(yaml(""), "governance.config.yml");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OperatorConfigError);
    expect((error as Error).message).toMatch(/governance\.config\.yml:3:\d+: .*private, link-local or metadata address.*allowPrivateAddress/);
    if (host.length > 4) expect((error as Error).message).not.toContain(host.replace(/[[\]]/g, ""));
    const allowed = parseOperatorConfig(yaml(", allowPrivateAddress: true"), "governance.config.yml");
    expect(allowed.notify.channels["#t"]!.webhookUrl).toBe(url);
    expect(() => new WebhookNotifier(allowed)).not.toThrow();
  });

  it("keeps public hosts and loopback (for local testing) allowed", () => {
    for (const host of ["hooks.slack.com", "172.32.0.1", "192.169.0.1", "8.8.8.8", "[2001:db8::1]"]) expect(isPrivateHost(new URL(`https://${host}/`).hostname), host).toBe(false);
    expect(() => parseOperatorConfig(`notify:\n  channels:\n    "#t": { webhookUrl: "http://127.0.0.1:9/h" }\n`)).not.toThrow();
  });
});
