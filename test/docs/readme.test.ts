import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../../src/workflows/index.js";
import { ROOT } from "../helpers/fixtures.js";

/** The README's complete workflow examples must stay valid, without warnings. */
const readme = readFileSync(`${ROOT}README.md`, "utf8");
const blocks = [...readme.matchAll(/```(yaml|json)\n([\s\S]*?)```/g)]
  .map((m, i) => ({ lang: m[1]!, text: m[2]!, index: i }))
  .filter((b) => /^\s*"?name"?:/m.test(b.text) && /^\s*"?steps"?:/m.test(b.text));

describe("README workflow examples", () => {
  it("has examples to check", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks)("example $index ($lang) is a valid workflow", ({ lang, text }) => {
    // An org-wide example (it names its owner) is validated as the API and `governance import` validate it.
    const origin = /^owner:/m.test(text) ? "orgWide" : "repository";
    const result = loadWorkflow(`README.${lang === "json" ? "json" : "yml"}`, text, { origin });
    expect(result.diagnostics).toEqual([]);
    expect(result.workflow).toBeDefined();
  });

  it("quotes the validator's real output for the quick-start typos", () => {
    const quick = blocks.find((b) => b.text.includes("name: Track high-severity alerts") && b.text.includes("tell-team"))!;
    const broken = quick.text.replace("minSeverity: high", "minSeverity: hihg").replace("kind: notify", "kind: notfy");
    const lines = loadWorkflow(".governance/high-alerts.yml", broken).diagnostics.map((d) => `.governance/high-alerts.yml:${d.line}:${d.col}: ${d.severity}: ${d.message}`);
    for (const line of lines) expect(readme).toContain(line);
    expect(lines).toHaveLength(2);
  });
});
