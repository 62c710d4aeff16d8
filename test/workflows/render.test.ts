import { describe, expect, it } from "vitest";
import { renderParametersAll, renderTemplate, toCelValue } from "../../src/workflows/evaluate.js";

const context = toCelValue({ finding: { commit: null, number: 20, title: "semver ReDoS" } }) as Record<string, unknown>;

describe("templates", () => {
  it("render a field the event does not have as null, not as nothing", () => {
    // A Dependabot alert has no commit: the message must not silently read "commit= ".
    expect(renderTemplate("commit=${{ finding.commit }} n=${{ finding.number }}", context)).toBe("commit=null n=20");
    expect(renderTemplate("${{ finding.commit != null ? finding.commit : 'none' }}", context)).toBe("none");
  });

  it("render every parameter they can, keep a failing one as written, and return the first failure", () => {
    const { rendered, error } = renderParametersAll({ title: "Fix ${{ finding.title }}", labels: ["${{ finding.number + 'x' }}", "ok"], n: 3 }, context);
    expect(rendered).toEqual({ title: "Fix semver ReDoS", labels: ["${{ finding.number + 'x' }}", "ok"], n: 3 });
    expect(String(error)).toMatch(/no such overload/);
    expect(renderParametersAll({ a: "${{ finding.number }}" }, context)).toEqual({ rendered: { a: "20" } });
  });
});
