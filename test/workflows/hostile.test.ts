import { describe, expect, it, afterEach } from "vitest";
import { checkExpression, checkTemplate, loadWorkflow, LIMITS } from "../../src/workflows/index.js";

const HEAD = "name: Hostile\nversion: 1.0.0\ntriggers: [{ type: manual }]\n";
const STEP = "steps:\n  - id: s1\n    type: action\n    action: { kind: createIssue }\n";

function messages(name: string, content: string | Uint8Array): string[] {
  const result = loadWorkflow(name, content);
  expect(result.workflow).toBeUndefined();
  return result.diagnostics.map((d) => d.message);
}

describe("hostile workflow files are refused cleanly", () => {
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("refuses a billion-laughs alias bomb", () => {
    let yaml = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let prev = "a";
    for (const n of "bcdefghi") {
      yaml += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(",")}]\n`;
      prev = n;
    }
    expect(messages("laughs.yml", yaml)).toEqual([expect.stringMatching(/YAML aliases expand too far/)]);
  });

  it("refuses more aliases than the cap, even small ones", () => {
    const yaml = "x: &x 1\nlist: [" + Array(LIMITS.maxAliases + 1).fill("*x").join(", ") + "]\n";
    expect(messages("aliases.yml", yaml)).toEqual([expect.stringContaining(`too many YAML aliases (at most ${LIMITS.maxAliases})`)]);
  });

  it("refuses 10,000-deep flow nesting before parsing it", () => {
    const yaml = "a: " + "[".repeat(10_000) + "]".repeat(10_000);
    expect(messages("deep-flow.yml", yaml)).toEqual([expect.stringContaining("nesting is too deep")]);
  });

  it("refuses deep block nesting by indentation and by sequence dashes", () => {
    const indented = Array.from({ length: 300 }, (_, i) => " ".repeat(i) + "a:").join("\n") + " 1\n";
    expect(messages("deep-block.yml", indented)[0]).toMatch(/too deep/);
    const dashes = "- ".repeat(10_000) + "x\n";
    expect(messages("deep-dashes.yml", dashes)[0]).toMatch(/too deep/);
  });

  it("refuses nesting deeper than the limit with the offending line", () => {
    const depth = LIMITS.maxDepth + 1;
    const yaml = "a: " + "[".repeat(depth) + "]".repeat(depth) + "\n";
    const result = loadWorkflow("deep.yml", yaml);
    expect(result.diagnostics).toEqual([expect.objectContaining({ line: 1, message: expect.stringContaining(`at most ${LIMITS.maxDepth} levels`) })]);
  });

  it("refuses a 10 MB file without parsing it", () => {
    const big = "a: " + "x".repeat(10 * 1024 * 1024) + "\n";
    expect(messages("big.yml", big)).toEqual(["the file is too large (10241 KiB; at most 256 KiB)"]);
  });

  it("refuses __proto__, constructor and prototype keys, in YAML and JSON", () => {
    expect(messages("proto.yml", `${HEAD}${STEP}__proto__: { polluted: true }\n`)).toEqual(['__proto__: the key "__proto__" is not allowed']);
    expect(messages("nested.yml", `${HEAD}steps:\n  - id: s1\n    type: action\n    action:\n      kind: createIssue\n      parameters: { constructor: { prototype: { polluted: 1 } } }\n`)).toEqual([
      'steps[0].action.parameters.constructor: the key "constructor" is not allowed',
      'steps[0].action.parameters.constructor.prototype: the key "prototype" is not allowed',
    ]);
    const json = '{"name":"x","version":"1.0.0","triggers":[{"type":"manual"}],"steps":[],"__proto__":{"polluted":true}}';
    expect(messages("proto.json", json)).toEqual(['__proto__: the key "__proto__" is not allowed']);
  });

  it("refuses duplicate keys in YAML and in JSON, naming both places", () => {
    expect(messages("dup.yml", `${HEAD}name: Again\n${STEP}`)).toEqual(['name: duplicate key "name" (first defined at line 1)']);
    const json = '{\n"name": "x",\n"name": "y"\n}';
    expect(messages("dup.json", json)).toEqual(['name: duplicate key "name" (first defined at line 2)']);
  });

  it("refuses the YAML merge key and tags", () => {
    expect(messages("merge.yml", `${HEAD}steps:\n  - id: s1\n    type: action\n    action: { <<: { kind: createIssue } }\n`)).toEqual([
      'steps[0].action["<<"]: YAML merge keys (<<) are not supported; write the fields out, or use an alias (*name) as a whole value',
    ]);
    expect(messages("tag.yml", `${HEAD}${STEP}x: !!js/function "function () { return 1 }"\n`)).toEqual([expect.stringMatching(/YAML tags are not supported/)]);
    expect(messages("binary.yml", `name: !!binary QUJD\nversion: 1.0.0\n`)).toEqual(["name: YAML tags (!!binary) are not supported in workflow files"]);
  });

  it("refuses more steps than the limit", () => {
    const steps = Array.from({ length: 201 }, (_, i) => `  - id: s${i}\n    type: action\n    action: { kind: createIssue }\n`).join("");
    expect(messages("many.yml", `${HEAD}steps:\n${steps}`)).toEqual(["steps: has 201 entries; at most 200 are allowed"]);
  });

  it("refuses text that is not UTF-8", () => {
    expect(messages("latin1.yml", Uint8Array.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]))).toEqual(["the file is not valid UTF-8 text"]);
  });
});

/** Known escapes from JavaScript-based expression languages and template engines. */
const EXPRESSION_PAYLOADS = [
  "constructor.constructor('return process')()",
  "this.constructor.constructor('return process')()",
  "finding.constructor",
  "finding['constructor']",
  'finding["constructor"]["constructor"]',
  "finding.__proto__",
  "finding['__proto__']",
  "finding.__proto__.polluted",
  "inputs.constructor.prototype",
  "steps.__proto__",
  "finding.prototype",
  "finding.valueOf",
  "finding.toString",
  "finding.toString()",
  "finding.valueOf()",
  "toString(finding)",
  "finding.hasOwnProperty",
  "finding.__defineGetter__",
  "finding.__lookupGetter__",
  "finding.isPrototypeOf",
  "[].constructor",
  "''.constructor",
  "{}.constructor",
  "[1].map(x, x.constructor)",
  "finding.?constructor",
  "finding[?'__proto__']",
  "process.exit(1)",
  "process.env",
  "require('child_process')",
  "global.process",
  "globalThis.process",
  "this",
  "Function('return 1')()",
  "eval('1')",
  "import('fs')",
  "new Function('x')",
  "finding.title.matches('(a+)+$')",
  "matches(finding.title, '(a+)+$')",
  "`${1}`",
  "${7*7}",
  "{{7*7}}",
  "#{7*7}",
  "<%= 7*7 %>",
  "a = 1",
  "finding.title; process",
  "(function(){})()",
  "x => x",
  "__proto__",
  "constructor",
  "Object.prototype",
  "JSON.parse('{}')",
  "String.fromCharCode(65)",
  "'a'.constructor.fromCharCode(65)",
  "finding[dyn('__proto__')]",
  "finding[string(['__proto__'][0])]",
];

describe("expression payloads are refused at validation", () => {
  it.each(EXPRESSION_PAYLOADS)("%s", (payload) => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    expect(checkExpression(payload, { stepIds: ["s1"] }).length).toBeGreaterThan(0);
    expect(checkTemplate(`x \${{ ${payload} }} y`, { stepIds: ["s1"] }).length).toBeGreaterThan(0);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it("has at least 50 payloads", () => {
    expect(EXPRESSION_PAYLOADS.length).toBeGreaterThanOrEqual(50);
  });

  it("accepts ordinary expressions", () => {
    for (const ok of ["finding.severity == 'critical'", "pullRequest.labels.exists(l, l == 'security')", "steps.s1.outputs.url", "size(inputs) > 0 && run.id != ''"]) {
      expect(checkExpression(ok, { stepIds: ["s1"] })).toEqual([]);
    }
  });
});
