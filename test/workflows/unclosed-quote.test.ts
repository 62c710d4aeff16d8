import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../../src/workflows/index.js";
import { findJsonSyntaxError } from "../../src/workflows/json-syntax.js";

/**
 * Issue 9, bug 5: an unclosed quote was reported where the parser gave up (the end of the
 * file, or of the line), not where the quote opens.
 */

function problems(path: string, text: string): string[] {
  return loadWorkflow(path, text).diagnostics.map((d) => `${d.line}:${d.col} ${d.pointer} ${d.message}`);
}

const YAML_UNCLOSED = (q: string) => `YAML syntax error: the ${q} quote opened here is not closed`;
const JSON_UNCLOSED_LINE = 'JSON syntax error: the " quote opened here is not closed on its line (a JSON string cannot span lines; write \\n for a line break)';

/** A workflow whose notify message line (line 11) is given, followed by a second step. */
function withMessage(messageLine: string): string {
  return [
    "name: Quotes",
    "version: 1.0.0",
    "triggers:",
    "  - type: manual",
    "steps:",
    "  - id: s1",
    "    type: action",
    "    action:",
    "      kind: notify",
    "      parameters:",
    messageLine,
    "        comment: true",
    "  - id: s2",
    "    type: wait",
    "    wait: { duration: 1d }",
    "",
  ].join("\n");
}

describe("YAML: an unclosed quote is reported where it opens", () => {
  it('message: "hello with the rest of the file following', () => {
    const text = withMessage('        message: "hello');
    expect(problems("q.yml", text)).toEqual([`11:18  ${YAML_UNCLOSED('"')}`]);
    // The annotation covers the rest of the quote's line, not the rest of the file.
    expect(loadWorkflow("q.yml", text).diagnostics[0]).toMatchObject({ line: 11, col: 18, endLine: 11, endCol: 24 });
  });

  it("when a later line holds a quote too (the parser ends the value at its line)", () => {
    const text = withMessage('        message: "hello').replace("comment: true", 'comment: "done"');
    expect(problems("q.yml", text)).toEqual([`11:18  ${YAML_UNCLOSED('"')}`]);
  });

  it("a single quote, on the first line", () => {
    expect(problems("q.yml", "name: 'Quotes\nversion: 1.0.0\ntriggers: [{ type: manual }]\n")).toEqual([`1:7  ${YAML_UNCLOSED("'")}`]);
  });

  it("inside a flow collection: one error, not the collection's consequences as well", () => {
    const text = ["name: Quotes", "version: 1.0.0", 'triggers: [{ type: "manual }]', "steps:", "  - id: s1", ""].join("\n");
    expect(problems("q.yml", text)).toEqual([`3:20  ${YAML_UNCLOSED('"')}`]);
  });

  it("two unclosed quotes are both reported where they open", () => {
    const text = ['name: "Quotes', "version: 1.0.0", "triggers: [{ type: manual }]", 'steps: [{ id: "s1, type: wait }]', ""].join("\n");
    expect(problems("q.yml", text)).toEqual([`1:7  ${YAML_UNCLOSED('"')}`, `4:15  ${YAML_UNCLOSED('"')}`]);
  });

  it("an error before the quote is still reported", () => {
    const text = ["name: a: b", "version: 1.0.0", 'steps: [{ id: "s1 }]', ""].join("\n");
    expect(problems("q.yml", text)).toEqual(["1:7  YAML syntax error: Nested mappings are not allowed in compact mappings", `3:15  ${YAML_UNCLOSED('"')}`]);
  });

  it("quotes that do close are left alone: escaped quotes, doubled single quotes, multi-line values", () => {
    expect(problems("q.yml", withMessage('        message: "say \\"hi\\""'))).toEqual([]);
    expect(problems("q.yml", withMessage("        message: 'it''s done'"))).toEqual([]);
    expect(problems("q.yml", withMessage('        message: "first line\n          second line"'))).toEqual([]);
    expect(problems("q.yml", withMessage("        message: |\n          \"a block scalar's quote"))).toEqual([]);
  });
});

describe("JSON: an unterminated string is reported where its quote opens", () => {
  const json = (message: string) =>
    ["{", '  "name": "Quotes",', '  "version": "1.0.0",', '  "triggers": [{ "type": "manual" }],', `  "steps": [{ "id": "s1", "type": "action", "action": { "kind": "notify", "parameters": { "message": ${message} } } }]`, "}", ""].join("\n");

  it("a string that runs into the next line", () => {
    expect(problems("q.json", json('"hello'))).toEqual([`5:102  ${JSON_UNCLOSED_LINE}`]);
  });

  it("a property name, and a value on a CRLF line", () => {
    expect(problems("q.json", '{\n  "name\n}\n')).toEqual([`2:3  ${JSON_UNCLOSED_LINE}`]);
    expect(problems("q.json", '{\r\n  "name": "x\r\n}\r\n')).toEqual([`2:11  ${JSON_UNCLOSED_LINE}`]);
  });

  it("a string that runs to the end of the file", () => {
    expect(problems("q.json", '{ "name": "Quotes')).toEqual(['1:11  JSON syntax error: the " quote opened here is not closed']);
  });

  it("other control characters are still reported where they are", () => {
    expect(findJsonSyntaxError('{"name": "a\tb"}')).toEqual({ offset: 11, message: "control characters must be escaped inside a string" });
    expect(findJsonSyntaxError('{"name": "a\\"b"}')).toBeUndefined();
  });
});
