import { describe, expect, it } from "vitest";
import { OperatorConfigError, parseOperatorConfig } from "../../src/config/operator-config.js";

/** The problems of a configuration that must fail, as `line:col: message`. */
function problems(text: string): string[] {
  try {
    parseOperatorConfig(text, "ops.yml");
  } catch (err) {
    expect(err).toBeInstanceOf(OperatorConfigError);
    return (err as OperatorConfigError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
  }
  throw new Error("expected an OperatorConfigError");
}

describe("the operator configuration's scripts", () => {
  it("reads scripts with their defaults, and has no scripts section when the file has none", () => {
    const config = parseOperatorConfig(`
scripts:
  maxConcurrent: 3
  rotate-key:
    command: ["/opt/scripts/rotate-key", "--quiet"]
    timeout: 5m
    maxOutput: 128KiB
    env: [VAULT_ADDR, VAULT_ADDR]
    idempotent: true
  verify-fix:
    command: [/opt/scripts/verify-fix]
`);
    expect(config.scripts).toEqual({
      maxConcurrent: 3,
      commands: {
        "rotate-key": { command: ["/opt/scripts/rotate-key", "--quiet"], timeoutMs: 300_000, maxOutputBytes: 131_072, env: ["VAULT_ADDR"], idempotent: true },
        "verify-fix": { command: ["/opt/scripts/verify-fix"], timeoutMs: 60_000, maxOutputBytes: 65_536, env: [], idempotent: false },
      },
    });
    expect(parseOperatorConfig("scripts: {}\n").scripts).toEqual({ maxConcurrent: 2, commands: {} });
    expect(parseOperatorConfig("engine: { concurrency: 4 }\n").scripts).toBeUndefined();
  });

  it("refuses what a script may not be, with positions", () => {
    expect(
      problems(`scripts:
  d:
    command: []
  e:
    comand: [/bin/e]
`),
    ).toEqual([
      "3:14: scripts.d.command must have at least 1 entry",
      '5:5: scripts.e: unknown field "comand" (did you mean "command"?); expected one of command, timeout, maxOutput, env, idempotent',
    ]);
    // Past the schema: what it cannot say.
    expect(problems("scripts:\n  a:\n    command: [rotate-key]\n  b:\n    command: [/bin/b]\n    timeout: 2h\n    maxOutput: 2MiB\n  c:\n    command: [/bin/c]\n    env: [PRIVATE_KEY, HOME, OK_NAME]\n")).toEqual([
      "3:15: scripts.a.command[0] must be the program's absolute path (such as /opt/scripts/rotate-key): a script is never looked up on a PATH",
      "6:14: scripts.b.timeout must be longer than 0 and at most 1h",
      "7:16: scripts.b.maxOutput must be more than 0 and at most 1MiB",
      "10:11: scripts.c.env[0]: PRIVATE_KEY is one of the app's own secrets or settings; a script never gets it",
      "10:24: scripts.c.env[1]: HOME is always the script's own temporary folder; it cannot be copied from the app",
    ]);
    expect(problems("scripts:\n  x:\n    command: [/bin/x]\n    maxOutput: lots\n")).toEqual(["4:16: scripts.x.maxOutput must be a size such as 64KiB or 1MiB (at most 1MiB)"]);
    expect(problems("scripts:\n  rotate key:\n    command: [/bin/x]\n")).toEqual([
      `2:3: scripts: "rotate key" is not a valid script name; write 1-100 letters, digits, '.', '_' or '-' (such as rotate-key)`,
    ]);
    expect(problems("scripts:\n  maxConcurrent: 0\n")).toEqual(["2:18: scripts.maxConcurrent is not valid"]);
  });
});
