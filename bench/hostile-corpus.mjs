// The hostile workflow files of issue 7 point 2 ("validation is linear and capped"), shared by
// test/security/validation-bounds.test.ts and bench/validation.mjs. Every file is generated
// just under the size cap (256 KiB), or just under the token cap when the point is to get
// past the parser into the schema or compile stage with as many problems as possible.
import { Lexer } from "yaml";

export const YAML_ROW = 'SECURITY "YAML bombs, prototype pollution"';
export const EXPRESSION_ROW = 'SECURITY "expression / template injection"';

const HEAD = "name: Hostile\nversion: 1.0.0\ntriggers: [{ type: manual }]\n";

/** The number of lexer tokens of a text, as the parser's guard counts them. */
export function countTokens(text) {
  let n = 0;
  for (const _ of new Lexer().lex(text)) n++;
  return n;
}

/**
 * `head + unit(0) + unit(1) + … + tail` with as many units as fit under `bytes` and, when
 * `tokens` is given, under that many lexer tokens too (1% margin; units of one shape lex alike).
 */
function fill({ head = "", unit, tail = "", bytes, tokens }) {
  let most = Infinity;
  if (tokens !== undefined) {
    const sample = (n) => countTokens(head + Array.from({ length: n }, (_, i) => unit(i)).join("") + tail);
    const t10 = sample(10);
    const perUnit = Math.max(1, (sample(20) - t10) / 10);
    most = Math.floor((tokens * 0.99 - (t10 - 10 * perUnit)) / perUnit);
  }
  const parts = [head];
  let size = Buffer.byteLength(head + tail, "utf8");
  for (let i = 0; i < most; i++) {
    const u = unit(i);
    const b = Buffer.byteLength(u, "utf8");
    if (size + b > bytes) break;
    parts.push(u);
    size += b;
  }
  parts.push(tail);
  return parts.join("");
}

/** `x` repeated to fill what is left of `bytes` after `head` and `tail`. */
function repeatFill(head, x, tail, bytes) {
  const room = bytes - Buffer.byteLength(head + tail, "utf8");
  return head + x.repeat(Math.max(0, Math.floor(room / Buffer.byteLength(x, "utf8")))) + tail;
}

const id60 = (prefix, i) => `${prefix}${String(i).padStart(6, "0")}`.padEnd(60, "x");

/** A valid 200-step workflow of the usual shape (about 16,000 tokens): what a big real file looks like. */
export function largeValidWorkflow() {
  const steps = Array.from({ length: 200 }, (_, i) => {
    const next = i + 1 < 200 ? `\n    next: [s${i + 1}]` : "\n    next: []";
    switch (i % 4) {
      case 0:
        return `  - id: s${i}\n    name: Decide ${i}\n    type: decision\n    next:\n      when:\n        - if: finding.severity == 'critical'\n          then: [s${Math.min(i + 1, 199)}]\n      else: [s${Math.min(i + 1, 199)}]`;
      case 1:
        return `  - id: s${i}\n    name: Open ${i}\n    type: action\n    action:\n      kind: createIssue\n      parameters:\n        title: "Fix \${{ finding.title }}"\n        labels: [security, triage]${next}`;
      case 2:
        return `  - id: s${i}\n    name: Sign off ${i}\n    type: approval\n    approval:\n      approvers: ["@acme/security"]\n      timeout: 72h\n    next:\n      approved: [s${i + 1}]\n      rejected: []\n      timedOut: []`;
      default:
        return `  - id: s${i}\n    name: Wait ${i}\n    type: wait\n    wait: { duration: 1h }${next}`;
    }
  });
  return `name: Large\nversion: 1.0.0\ntriggers:\n  - type: onScanResult\n    config: { minSeverity: high }\nsteps:\n${steps.join("\n")}\n`;
}

/**
 * The corpus. `expect` says what a file must produce:
 * - "refused": one diagnostic that refuses the file (`match`), before any tree is built;
 * - "capped": exactly `maxErrorsPerFile` problems, then one "and N more" diagnostic;
 * - "bounded": some problems (one matching `match`, if given), never more than
 *   `maxErrorsPerFile + 1`, and no refusal by the token or nesting guard;
 * - "only": exactly one problem, matching `match`.
 */
export function hostileCorpus(limits) {
  const bytes = limits.maxFileBytes - 64;
  const tokens = limits.maxTokens;
  const TOO_COMPLEX = /too complex: more than [\d,]+ YAML tokens/;
  const TOO_DEEP = /nesting is too deep|indentation is too deep/;
  const corpus = [
    // Issue 7's reproductions: each was seconds to a minute, 100+ MB and tens of thousands of errors.
    { name: "37,000 `- {}` steps", row: YAML_ROW, text: fill({ head: HEAD + "steps:\n", unit: () => "  - {}\n", bytes }), expect: "refused", match: TOO_COMPLEX },
    { name: "30,000 top-level keys", row: YAML_ROW, text: fill({ head: HEAD, unit: (i) => `k${i.toString(36)}: 1\n`, bytes }), expect: "refused", match: TOO_COMPLEX },
    { name: "52,000 duplicate keys", row: YAML_ROW, text: fill({ unit: () => "a: 1\n", bytes }), expect: "refused", match: TOO_COMPLEX },
    { name: 'a stray quote: `[a", ` then 10,000+ `[`', row: YAML_ROW, text: repeatFill('a: [a", ', "[", "\n", bytes), expect: "refused", match: TOO_DEEP },

    // Just under the token cap: past the parser, as many problems as possible.
    { name: "`- {}` steps up to the token cap (schema errors)", row: YAML_ROW, text: fill({ head: HEAD + "steps:\n", unit: () => "  - {}\n", bytes, tokens }), expect: "capped" },
    { name: "`- {}` steps with CRLF line ends", row: YAML_ROW, text: fill({ head: HEAD.replace(/\n/g, "\r\n") + "steps:\r\n", unit: () => "  - {}\r\n", bytes, tokens }), expect: "capped" },
    { name: "unknown top-level keys up to the token cap, each wanting a suggestion", row: YAML_ROW, text: fill({ head: HEAD, unit: (i) => `stepz${i}: 1\n`, bytes, tokens }), expect: "capped" },
    { name: "duplicate keys up to the token cap", row: YAML_ROW, text: fill({ head: HEAD, unit: () => "name: again\n", bytes, tokens }), expect: "capped" },
    { name: "`__proto__` keys up to the token cap", row: YAML_ROW, text: fill({ head: HEAD, unit: () => "__proto__: { polluted: true }\n", bytes, tokens }), expect: "capped" },
    { name: "YAML tags on every item", row: YAML_ROW, text: fill({ head: HEAD + "steps:\n", unit: () => "  - !!str x\n", bytes, tokens }), expect: "capped" },
    { name: "YAML syntax errors on every line", row: YAML_ROW, text: fill({ head: HEAD, unit: () => "]\n", bytes, tokens }), expect: "capped" },
    { name: "one `next` list of thousands of distinct step ids (uniqueItems compares every pair)", row: YAML_ROW, text: fill({ head: HEAD + "steps:\n  - id: s1\n    type: action\n    action: { kind: createIssue }\n    next: [", unit: (i) => `t${i}, `, tail: "]\n", bytes, tokens }), expect: "bounded" },
    { name: "one parameters mapping with thousands of keys", row: YAML_ROW, text: fill({ head: HEAD + "steps:\n  - id: s1\n    type: action\n    action:\n      kind: createIssue\n      parameters:\n", unit: (i) => `        p${i}: 1\n`, bytes, tokens }), expect: "capped" },
    { name: "pretty-printed JSON with unknown keys up to the token cap", row: YAML_ROW, file: "x.json", text: fill({ head: '{\n  "name": "x",\n  "version": "1.0.0",\n  "triggers": [{ "type": "manual" }],\n  "steps": [],\n', unit: (i) => `  "extra${i}": ${i},\n`, tail: '  "last": 0\n}\n', bytes, tokens }), expect: "capped" },

    // Nesting: whatever the quoting, the guard sees the parser's own tokens.
    { name: "a stray single quote: `[a', ` then `[`", row: YAML_ROW, text: repeatFill("a: [a', ", "[", "\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: "a doubled single quote: `['it''s', ` then `[`", row: YAML_ROW, text: repeatFill("a: ['it''s', ", "[", "\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: 'an escaped backslash before the closing quote: `["x\\\\", ` then `[`', row: YAML_ROW, text: repeatFill('a: ["x\\\\", ', "[", "\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: 'a `#"` comment hiding a quote, then `[` on the next line', row: YAML_ROW, text: repeatFill('a: [ # "\n', "[", "\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: 'a `#` inside a plain scalar (not a comment): `[x#"y, ` then `[`', row: YAML_ROW, text: repeatFill('a: [x#"y, ', "[", "\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: "a block scalar, then deep flow after it", row: YAML_ROW, text: repeatFill("a: |\n  \"'{[\nb: ", "[", "\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: "an unclosed quote in a flow list, then `[` on later lines (all one string)", row: YAML_ROW, text: repeatFill('a: [ "x\n', "[", "\n", bytes), expect: "bounded" },
    { name: "an escaped quote that leaves the string open, then `[`", row: YAML_ROW, text: repeatFill('a: [ "x\\" ', "[", "\n", bytes), expect: "bounded" },
    { name: "brackets inside a block scalar are text", row: YAML_ROW, text: repeatFill(HEAD + "description: |\n  ", "[", "\nsteps: []\n", bytes), expect: "bounded" },
    { name: "deep flow sequences", row: YAML_ROW, text: "a: " + "[".repeat(bytes / 2 - 4) + "]".repeat(bytes / 2 - 4) + "\n", expect: "refused", match: TOO_DEEP },
    { name: "deep flow mappings", row: YAML_ROW, text: repeatFill("a: ", "{a: ", "\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: "`- ` sequence dashes on one line", row: YAML_ROW, text: repeatFill("", "- ", "x\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: "`? ` explicit keys on one line", row: YAML_ROW, text: repeatFill("", "? ", "x\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: "`- ` dashes inside a flow list", row: YAML_ROW, text: repeatFill("a: [", "- ", "x]\n", bytes), expect: "refused", match: TOO_DEEP },
    { name: "indentation staircase", row: YAML_ROW, text: fill({ unit: (i) => " ".repeat(i % 400) + "a:\n", bytes }), expect: "refused", match: TOO_DEEP },
    { name: "valid JSON nested 100,000+ deep", row: YAML_ROW, file: "x.json", text: "[".repeat(bytes / 2 - 1) + "]".repeat(bytes / 2 - 1), expect: "refused", match: TOO_DEEP },
    { name: "invalid JSON nested 100,000+ deep", row: YAML_ROW, file: "x.json", text: repeatFill('{"a": ', "[", "", bytes), expect: "refused", match: TOO_DEEP },
    { name: "JSON with a stray escaped quote, then `[`", row: YAML_ROW, file: "x.json", text: repeatFill('["a\\"', "[", "", bytes), expect: "bounded" },

    // Long lines and filler.
    { name: "one 256 KiB line (a scalar)", row: YAML_ROW, text: repeatFill(HEAD + "steps: []\ndescription: ", "x", "\n", bytes), expect: "bounded" },
    { name: "one 256 KiB line of JSON pairs", row: YAML_ROW, file: "x.json", text: fill({ head: "{", unit: (i) => `"k${i}":${i},`, tail: '"z":0}', bytes }), expect: "refused", match: TOO_COMPLEX },
    { name: "one 256 KiB line of flow items", row: YAML_ROW, text: repeatFill("a: [", "1,", "1]\n", bytes), expect: "refused", match: TOO_COMPLEX },
    { name: "blank lines", row: YAML_ROW, text: repeatFill(HEAD, "\n", "steps: []\n", bytes), expect: "refused", match: TOO_COMPLEX },
    { name: "comment lines", row: YAML_ROW, text: repeatFill(HEAD, "#\n", "steps: []\n", bytes), expect: "refused", match: TOO_COMPLEX },
    { name: "anchors on one node", row: YAML_ROW, text: repeatFill("a: ", "&a ", "1\n", bytes), expect: "refused", match: TOO_COMPLEX },
    { name: "aliases of one anchor", row: YAML_ROW, text: repeatFill("x: &x 1\nlist: [", "*x, ", "*x]\n", bytes), expect: "refused", match: TOO_COMPLEX },
    { name: "many YAML documents (parsing stops at the second)", row: YAML_ROW, text: repeatFill("", "---\na: 1\n", "", bytes), expect: "bounded", match: /one YAML document/ },

    // Past the schema: compile checks over 200 steps.
    { name: "201+ valid steps (the list is too long; its items are checked once)", row: YAML_ROW, text: fill({ head: HEAD + "steps:\n", unit: (i) => `  - { id: s${i}, type: action, action: { kind: createIssue } }\n`, bytes, tokens }), expect: "only", match: /^steps: has \d+ entries; at most 200 are allowed$/ },
    { name: "200 steps with one duplicated id", row: YAML_ROW, text: HEAD + "steps:\n" + "  - { id: same, type: action, action: { kind: createIssue } }\n".repeat(200), expect: "capped" },
    { name: "200 steps of an unknown type, each wanting a suggestion", row: YAML_ROW, text: HEAD + "steps:\n" + Array.from({ length: 200 }, (_, i) => `  - { id: s${i}, type: actoin }\n`).join(""), expect: "capped" },
    {
      name: "3,000 unknown next targets of 60 characters, each wanting a suggestion among 150 ids",
      row: YAML_ROW,
      text:
        HEAD +
        "steps:\n" +
        Array.from({ length: 150 }, (_, i) => `  - id: ${id60("step", i)}\n    type: action\n    action: { kind: createIssue }\n    next: [${Array.from({ length: 20 }, (_, j) => id60("stepx", i * 20 + j)).join(", ")}]\n`).join(""),
      expect: "capped",
    },
    {
      name: "10,000 `${{ }}` expressions in 200 issue bodies",
      row: EXPRESSION_ROW,
      text: HEAD + "steps:\n" + Array.from({ length: 200 }, (_, i) => `  - id: s${i}\n    type: action\n    action:\n      kind: createIssue\n      parameters: { title: t, body: "${"${{ finding.title }} ".repeat(50)}" }\n`).join(""),
      expect: "bounded",
      match: /too many expressions in one file/,
    },
    {
      name: "heavy expressions (99-element list literals) in 200 issue bodies",
      row: EXPRESSION_ROW,
      text:
        HEAD +
        "steps:\n" +
        Array.from({ length: 200 }, (_, i) => `  - id: s${i}\n    type: action\n    action:\n      kind: createIssue\n      parameters: { title: t, body: "${`\${{ size([${Array(99).fill("1").join(",")}]) }} `.repeat(5)}" }\n`).join(""),
      expect: "bounded",
      match: /too much expression text in one file/,
    },
  ];
  return corpus.map((c) => ({ ...c, file: `.governance/${c.file ?? "x.yml"}` }));
}
