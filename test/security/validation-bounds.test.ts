import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Lexer } from "yaml";
import { countTokens, EXPRESSION_ROW, hostileCorpus, largeValidWorkflow, YAML_ROW, type HostileFile } from "../../bench/hostile-corpus.mjs";
import type { Diagnostic } from "../../src/domain/diagnostic.js";
import { renderValidationCheck } from "../../src/github/render-validation.js";
import { reportValidation } from "../../src/github/validation-reporter.js";
import { formatCount, omissionOf } from "../../src/workflows/diagnostic-cap.js";
import * as expressions from "../../src/workflows/expressions.js";
import { LIMITS, loadWorkflow, workflowSchema, type WorkflowFile } from "../../src/workflows/index.js";
import * as suggest from "../../src/domain/suggest.js";
import { REPOSITORY } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";

/**
 * Issue 7 point 2, "validation is linear and capped", against SECURITY.md's "YAML bombs,
 * prototype pollution" row (and "expression / template injection" for expression floods):
 * any file under the size cap finishes quickly, with at most `maxErrorsPerFile` problems and
 * one "and N more", each at a line and column. The time bound here is generous (2 s, for slow
 * CI machines); `npm run bench` (bench/validation.mjs) holds the real one (200 ms, 64 MB). What makes the
 * run linear is asserted through deterministic proxies: the token guard stops at its cap, only
 * the first 201 list entries reach the schema, suggestions and expression checks are budgeted.
 */

// Pass-through spies: count the expensive calls without changing them.
vi.mock("../../src/domain/suggest.js", async (importOriginal) => {
  const original = await importOriginal<typeof suggest>();
  return { ...original, didYouMean: vi.fn(original.didYouMean) };
});
vi.mock("../../src/workflows/expressions.js", async (importOriginal) => {
  const original = await importOriginal<typeof expressions>();
  return { ...original, checkExpression: vi.fn(original.checkExpression), checkTemplate: vi.fn(original.checkTemplate) };
});

const CAP = LIMITS.maxErrorsPerFile;
const GENEROUS_MS = 2_000;
const REFUSAL = /too complex: more than [\d,]+ YAML tokens|nesting is too deep|indentation is too deep/;

const corpus = hostileCorpus(LIMITS);
const byName = (part: string): HostileFile => {
  const found = corpus.find((c) => c.name.includes(part));
  if (!found) throw new Error(`no corpus file named like ${part}`);
  return found;
};

function load(entry: HostileFile): { result: WorkflowFile; ms: number } {
  const start = performance.now();
  const result = loadWorkflow(entry.file, entry.text);
  return { result, ms: performance.now() - start };
}

/** Every list a hostile file produces: bounded, positioned, closed by at most one "and N more". */
function expectBoundedList(diagnostics: Diagnostic[]): void {
  expect(diagnostics.length).toBeGreaterThan(0);
  expect(diagnostics.length).toBeLessThanOrEqual(CAP + 1);
  diagnostics.forEach((d, i) => {
    expect(Number.isInteger(d.line) && d.line >= 1, `line of ${d.message}`).toBe(true);
    expect(Number.isInteger(d.col) && d.col >= 1, `col of ${d.message}`).toBe(true);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message.length).toBeLessThan(8_000);
    if (omissionOf(d)) expect(i, "the omission comes last").toBe(diagnostics.length - 1);
  });
  const last = diagnostics.at(-1)!;
  if (diagnostics.length === CAP + 1) {
    expect(omissionOf(last)).toBeDefined();
    expect(last.message).toMatch(/^and [\d,]+ more (errors?|warnings?)( and [\d,]+ more warnings?)?, from here on \(only the first 100 problems of a file are reported\)$/);
    expect(omissionOf(last)!.errors + omissionOf(last)!.warnings).toBeGreaterThan(0);
  } else {
    expect(omissionOf(last)).toBeUndefined();
  }
}

beforeAll(() => {
  // Compile the schema once, outside any file's time.
  loadWorkflow(".governance/warm.yml", largeValidWorkflow());
});

beforeEach(() => {
  vi.mocked(suggest.didYouMean).mockClear();
  vi.mocked(expressions.checkExpression).mockClear();
  vi.mocked(expressions.checkTemplate).mockClear();
});

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("polluted");
});

describe("issue 7 point 2: every hostile file under the size cap validates linearly, with capped errors", () => {
  it("the corpus has every shape, each under the size cap, the large ones just under it", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    for (const c of corpus) expect(Buffer.byteLength(c.text, "utf8"), c.name).toBeLessThanOrEqual(LIMITS.maxFileBytes);
    const full = corpus.filter((c) => Buffer.byteLength(c.text, "utf8") > LIMITS.maxFileBytes - 1024);
    expect(full.length).toBeGreaterThanOrEqual(25);
  });

  it.each(corpus.map((c) => [`${c.row}: ${c.name} (${c.expect})`, c] as const))("%s", (_title, entry) => {
    const { result, ms } = load(entry);
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(result.workflow).toBeUndefined();
    const { diagnostics } = result;
    expectBoundedList(diagnostics);
    // Deterministic proxies for the work done: the suggestion budget, the expression budget.
    expect(vi.mocked(suggest.didYouMean).mock.calls.length).toBeLessThanOrEqual(LIMITS.maxSuggestionsPerFile);
    const checked = vi.mocked(expressions.checkExpression).mock.calls.length + vi.mocked(expressions.checkTemplate).mock.calls.length;
    expect(checked).toBeLessThanOrEqual(LIMITS.maxExpressionsPerFile);
    switch (entry.expect) {
      case "refused":
        expect(diagnostics).toHaveLength(1);
        expect(diagnostics[0]!.message).toMatch(entry.match!);
        break;
      case "only":
        expect(diagnostics).toHaveLength(1);
        expect(diagnostics[0]!.message).toMatch(entry.match!);
        break;
      case "capped":
        expect(diagnostics).toHaveLength(CAP + 1);
        break;
      case "bounded":
        for (const d of diagnostics) expect(d.message).not.toMatch(REFUSAL);
        if (entry.match) expect(diagnostics.some((d) => entry.match!.test(d.message))).toBe(true);
        break;
    }
  });

  it(`${YAML_ROW}: the token guard stops exactly at the token cap, at the token that passes it`, () => {
    const entry = byName("37,000 `- {}` steps");
    expect(countTokens(entry.text)).toBeGreaterThan(4 * LIMITS.maxTokens);
    // Where the parser's lexer puts token number maxTokens + 1 (markers take no text).
    let offset = 0;
    let n = 0;
    for (const lexeme of new Lexer().lex(entry.text)) {
      if (++n > LIMITS.maxTokens) break;
      if (!["\x1f", "\x02", "\x18"].includes(lexeme)) offset += lexeme.length;
    }
    const line = entry.text.slice(0, offset).split("\n").length;
    const [d] = loadWorkflow(entry.file, entry.text).diagnostics;
    expect(d).toMatchObject({ line, message: expect.stringContaining(`more than ${LIMITS.maxTokens.toLocaleString("en")} YAML tokens`) });
    expect(line).toBeLessThan(entry.text.split("\n").length / 4);
  });

  it(`${YAML_ROW}: files just under the token cap get past the parser (the dense corpus is really dense)`, () => {
    for (const c of corpus.filter((c) => c.name.includes("up to the token cap"))) {
      const tokens = countTokens(c.text);
      expect(tokens, c.name).toBeLessThanOrEqual(LIMITS.maxTokens);
      expect(tokens, c.name).toBeGreaterThan(LIMITS.maxTokens * 0.95);
    }
  });

  it(`${YAML_ROW}: only the first ${LIMITS.maxListItems + 1} entries of a long list reach the schema (8,000 \`- {}\` → exactly 403 problems)`, () => {
    const { diagnostics } = loadWorkflow(byName("`- {}` steps up to the token cap").file, byName("`- {}` steps up to the token cap").text);
    // steps: too many entries (1), then each of the 201 validated entries misses id and type (2 × 201).
    expect(diagnostics[0]!.message).toMatch(/^steps: has \d{4} entries; at most 200 are allowed$/);
    expect(omissionOf(diagnostics.at(-1)!)).toEqual({ errors: 1 + 2 * (LIMITS.maxListItems + 1) - CAP, warnings: 0 });
    expect(diagnostics.slice(1, 3).map((d) => d.message)).toEqual(['steps[0]: missing required field "id"', 'steps[0]: missing required field "type"']);
  });

  it(`${YAML_ROW}: a stray quote cannot hide brackets from the nesting guard (refused at the ${LIMITS.maxParserNesting + 1}th \`[\`)`, () => {
    for (const part of ['a stray quote: `[a", `', "a stray single quote", "a doubled single quote", "an escaped backslash", 'a `#"` comment', "a `#` inside a plain scalar"]) {
      const entry = byName(part);
      const { diagnostics } = loadWorkflow(entry.file, entry.text);
      expect(diagnostics, part).toEqual([expect.objectContaining({ message: "nesting is too deep (at most 32 levels)" })]);
      const d = diagnostics[0]!;
      const lineText = entry.text.split("\n")[d.line - 1]!;
      // The refused character is a `[` with exactly maxParserNesting open brackets before it.
      expect(lineText[d.col - 1]).toBe("[");
    }
    const plain = loadWorkflow(".governance/x.yml", 'a: [a", ' + "[".repeat(10_000) + "\n").diagnostics;
    expect(plain).toEqual([expect.objectContaining({ line: 1, col: 'a: [a", '.length + LIMITS.maxParserNesting, message: expect.stringContaining("too deep") })]);
  });

  it(`${YAML_ROW}: brackets and quotes inside strings, comments and block scalars are text, not nesting`, () => {
    const deepText = "[".repeat(1_000) + '"' + "{".repeat(1_000);
    const yaml = [
      "name: Brackets",
      "version: 1.0.0",
      "# a comment [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
      "triggers: [{ type: manual }]",
      "steps:",
      "  - id: s1",
      "    type: action",
      "    action:",
      "      kind: createIssue",
      `      parameters: { title: '${"[".repeat(200)}', body: "${"{[".repeat(500)}\\"" }`,
      "  - id: s2",
      "    type: action",
      "    action:",
      "      kind: createIssue",
      "      parameters:",
      "        body: |",
      `          ${deepText}`,
      "",
    ].join("\n");
    expect(loadWorkflow(".governance/brackets.yml", yaml).diagnostics).toEqual([]);
    const json = JSON.stringify({ name: "x", version: "1.0.0", triggers: [{ type: "manual" }], steps: [{ id: "s1", type: "action", action: { kind: "createIssue", parameters: { body: deepText } } }] });
    expect(loadWorkflow(".governance/brackets.json", json).diagnostics).toEqual([]);
  });

  it(`${YAML_ROW}: a valid 200-step workflow of the usual shape uses under half the token cap, and loads`, () => {
    const text = largeValidWorkflow();
    expect(countTokens(text)).toBeLessThan(LIMITS.maxTokens / 2);
    const { workflow, diagnostics } = loadWorkflow(".governance/large.yml", text);
    expect(diagnostics).toEqual([]);
    expect(workflow?.steps).toHaveLength(200);
  });

  it(`${YAML_ROW}: suggestions are computed for the first ${LIMITS.maxSuggestionsPerFile} problems only, and the kept ones come first by position`, () => {
    const entry = byName("200 steps of an unknown type");
    const { diagnostics } = loadWorkflow(entry.file, entry.text);
    expect(vi.mocked(suggest.didYouMean).mock.calls.length).toBe(LIMITS.maxSuggestionsPerFile);
    const withHint = diagnostics.filter((d) => d.message.includes('(did you mean "action"?)'));
    expect(withHint).toHaveLength(LIMITS.maxSuggestionsPerFile);
    expect(diagnostics.slice(0, CAP).map((d) => d.line)).toEqual(Array.from({ length: CAP }, (_, i) => i + 5));
    expect(omissionOf(diagnostics.at(-1)!)).toEqual({ errors: 100, warnings: 0 });
    expect(diagnostics.at(-1)).toMatchObject({ line: CAP + 5, col: expect.any(Number) });
  });

  it(`${EXPRESSION_ROW}: at most ${LIMITS.maxExpressionsPerFile} expressions are parsed per file; the next one is an error where it is`, () => {
    const entry = byName("10,000 `${{ }}` expressions");
    const { diagnostics } = loadWorkflow(entry.file, entry.text);
    expect(vi.mocked(expressions.checkTemplate).mock.calls.length).toBe(LIMITS.maxExpressionsPerFile / LIMITS.maxTemplateExpressions);
    const step = LIMITS.maxExpressionsPerFile / LIMITS.maxTemplateExpressions; // 50 in each body
    expect(diagnostics).toEqual([
      expect.objectContaining({
        pointer: `/steps/${step}/action/parameters/body`,
        message: `steps[${step}].action.parameters.body: too many expressions in one file (at most ${formatCount(LIMITS.maxExpressionsPerFile)}); this and later ones are not checked`,
      }),
    ]);
  });

  it(`${YAML_ROW}: lists in the schema are all bounded, so cutting a longer one before validation hides no error`, () => {
    const open: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (!node || typeof node !== "object") return;
      const s = node as Record<string, unknown>;
      if (s.type === "array" || s.items !== undefined) {
        const items = s.items as Record<string, unknown> | undefined;
        const enumSize = Array.isArray(items?.enum) ? items.enum.length : Infinity;
        const bounded = (typeof s.maxItems === "number" && s.maxItems <= LIMITS.maxListItems) || (s.uniqueItems === true && enumSize <= LIMITS.maxListItems);
        if (!bounded) open.push(at);
      }
      // An `if` is a condition, not a constraint: its `then` holds the list's bounds.
      for (const [k, v] of Object.entries(s)) if (k !== "if") walk(v, `${at}/${k}`);
    };
    walk(workflowSchema(), "");
    expect(open).toEqual([]);
  });
});

/** `files` files of `perFile` problems each, as loadWorkflow caps them (100 and one "and N more"). */
function manyProblems(files: number, perFile: number): WorkflowFile[] {
  const text = "name: Many\nversion: 1.0.0\ntriggers: [{ type: manual }]\nsteps:\n" + Array.from({ length: perFile }, (_, i) => `  - { id: s${i}, type: actoin }\n`).join("");
  return Array.from({ length: files }, (_, i) => loadWorkflow(`.governance/many-${i}.yml`, text));
}

describe("issue 7 point 2: annotations on the validation check run are capped", () => {
  it(`renders at most ${LIMITS.maxAnnotations} annotations for 5,000 problems, and says more exist`, () => {
    const files = manyProblems(50, 100);
    expect(files.every((f) => f.diagnostics.length === 100)).toBe(true);
    const check = renderValidationCheck(files);
    expect(check.annotationBatches.flat()).toHaveLength(LIMITS.maxAnnotations);
    expect(check.annotationBatches.length).toBeLessThanOrEqual(3);
    expect(check.unannotated).toBe(5_000 - LIMITS.maxAnnotations);
    expect(check.title).toBe("5000 errors in 50 of 50 workflow files");
    expect(check.summary).toContain(`**More problems exist than are annotated:** ${LIMITS.maxAnnotations} problems annotated, 4,850 more not`);
  });

  it("counts the problems an \"and N more\" diagnostic stands for, in the title and the table", () => {
    const [file] = manyProblems(1, 180);
    expect(file!.diagnostics).toHaveLength(CAP + 1);
    const check = renderValidationCheck([file!]);
    expect(check.title).toBe("180 errors in 1 of 1 workflow file");
    expect(check.summary).toContain("| .governance/many-0.yml | ❌ invalid | 180 | 0 |");
    // 101 annotations: the 100 kept problems and the "and 80 more" at the 101st.
    expect(check.annotationBatches.flat()).toHaveLength(CAP + 1);
    expect(check.annotationBatches.flat().at(-1)!.message).toMatch(/^and 80 more errors, from here on/);
    expect(check.unannotated).toBe(80);
  });

  it("posts 5,000 problems with one create and at most two updates (GitHub takes 50 annotations per request)", async () => {
    const github = new FakeGitHub();
    const created: Array<{ annotations: number; summary: string }> = [];
    const createCheckRun = github.createCheckRun.bind(github);
    github.createCheckRun = async (repo, input) => {
      created.push({ annotations: input.output?.annotations?.length ?? 0, summary: input.output?.summary ?? "" });
      return createCheckRun(repo, input);
    };
    const delivery = { id: "d-5000", event: "pull_request", action: "opened", installationId: 1, repository: REPOSITORY, triggers: [], payload: {}, receivedAt: new Date(0).toISOString() };
    await reportValidation(github, delivery, "abc123", manyProblems(50, 100));
    expect(github.checkRuns).toHaveLength(1);
    expect(created).toEqual([{ annotations: 50, summary: expect.stringContaining("More problems exist than are annotated") }]);
    expect(github.checkUpdates.length).toBeLessThanOrEqual(2);
    const posted = created[0]!.annotations + github.checkUpdates.reduce((n, u) => n + (u.output?.annotations?.length ?? 0), 0);
    expect(posted).toBe(LIMITS.maxAnnotations);
    for (const u of github.checkUpdates) expect(u.output?.annotations?.length).toBeLessThanOrEqual(50);
  });
});
