import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/workflows/expressions.js";
import { evaluateExpression, ExpressionError, lastEvaluationSteps, toCelValue } from "../../src/workflows/evaluate.js";
import { EXPRESSION_BUDGET } from "../../src/workflows/limits.js";

// SECURITY.md "expression / template injection" and issue 7 point 1: every expression has a
// bounded cost, estimated at validation and enforced at evaluation. Time is asserted as
// counted evaluation steps, never as a wall-clock timer.

const big = (n: number) => `'${"x".repeat(n)}'`;
const nest = (depth: number, fn: string, inner = "true") => {
  let body = inner;
  for (let i = depth; i >= 1; i--) body = `s.${fn}(v${i}, ${body})`;
  return body;
};

/** Payloads that must be refused at validation: their worst case passes the bound. */
const refusedAtValidation: string[] = [
  `cel.bind(s, ${big(1800)}.split(''), ${nest(5, "all")})`,
  `cel.bind(s, ${big(1800)}.split(''), ${nest(3, "map", "v1")})`,
  ...[2, 3, 4, 5].flatMap((d) => ["all", "exists", "exists_one", "map", "filter"].map((fn) => `cel.bind(s, ${big(1500)}.split(''), ${nest(d, fn, fn === "map" ? "v1" : "true")}) != null`)),
  ...[3, 4].map((d) => `cel.bind(s, event.labels, ${nest(d, "exists")})`),
  `event.labels.all(a, event.labels.exists(b, a == b))`,
  `pullRequest.body.split('').map(c, pullRequest.body.split('').map(d, d).size()).size() > 0`,
  `finding.description.split('').all(a, finding.description.split('').all(b, true))`,
  `[1,2,3].map(a, ${big(900)}.split('').map(b, ${big(900)}.split('').map(c, b).size())).size() > 0`,
  `cel.bind(a, ${big(1000)}, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, cel.bind(e, d + d, cel.bind(f, e + e, cel.bind(g, f + f, cel.bind(h, g + g, cel.bind(i, h + h, cel.bind(j, i + i, cel.bind(k, j + j, cel.bind(l, k + k, l + l)))))))))))).size() > 0`,
  `event.labels.map(a, event.labels.map(b, event.labels.map(c, 1))).size() > 0`,
  `event.labels.filter(a, event.labels.filter(b, true).size() > 0).size() > 0`,
];

/** Payloads that validation lets through (data-dependent cost), stopped at run time on big data. */
const stoppedAtRuntime: string[] = [
  `event.labels.filter(l, l.startsWith('l')).size() > 0`,
  `event.labels.map(l, l + l).size() > 0`,
  `event.items.all(a, a.size() > 0)`,
  `event.text.split('').exists(c, c == 'y')`,
  `event.text.split('').map(c, event.text).size() > 0`,
  `event.labels.exists(l, l == 'never')`,
];

const context = toCelValue({
  event: {
    labels: Array.from({ length: 300_000 }, (_, i) => `l${i}`),
    items: Array.from({ length: 400_000 }, () => [1]),
    text: "x".repeat(900_000),
  },
  pullRequest: { body: "b".repeat(1000) },
  finding: { description: "d".repeat(1000) },
}) as Record<string, unknown>;

describe('SECURITY "expression / template injection": expression cost is bounded', () => {
  it("has at least 30 cost payloads (with the injection payloads of hostile.test.ts, over 50)", () => {
    expect(refusedAtValidation.length + stoppedAtRuntime.length).toBeGreaterThanOrEqual(30);
  });

  it.each(refusedAtValidation.map((p) => [p.slice(0, 80), p]))("refused at validation: %s", (_, payload) => {
    const problems = checkExpression(payload);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/may cost too much: its worst case is about .* evaluation steps, over the bound of 1,000,000/);
    expect(problems[0]!.offset).toBeGreaterThanOrEqual(0);
    expect(problems[0]!.offset).toBeLessThan(payload.length);
  });

  it.each(refusedAtValidation.map((p) => [p.slice(0, 80), p]))("and ends within budget if evaluated anyway: %s", (_, payload) => {
    let error: unknown;
    try {
      evaluateExpression(payload, context);
    } catch (err) {
      error = err;
    }
    // Short-circuiting payloads (exists over a true body) finish early; the others are stopped.
    if (error !== undefined) {
      expect(error).toBeInstanceOf(ExpressionError);
    }
    expect(lastEvaluationSteps()).toBeLessThanOrEqual(EXPRESSION_BUDGET.maxSteps + 1);
  });

  it("stops the original design's freeze and 4 GB payloads after the step budget", () => {
    for (const payload of refusedAtValidation.slice(0, 2)) {
      let error: unknown;
      try {
        evaluateExpression(payload, context);
      } catch (err) {
        error = err;
      }
      expect((error as ExpressionError).overBudget).toBe(true);
      expect(lastEvaluationSteps()).toBe(EXPRESSION_BUDGET.maxSteps + 1);
    }
  });

  it.each(stoppedAtRuntime.map((p) => [p, p]))("passes validation and is stopped at run time on large data: %s", (_, payload) => {
    expect(checkExpression(payload)).toEqual([]);
    expect(() => evaluateExpression(payload, context)).toThrow(/over its budget/);
    expect(lastEvaluationSteps()).toBeLessThanOrEqual(EXPRESSION_BUDGET.maxSteps + 1);
  });

  it("points at the innermost comprehension that passes the bound", () => {
    const payload = `true && cel.bind(s, ${big(1800)}.split(''), s.all(a, s.all(b, true)))`;
    const [problem] = checkExpression(payload);
    expect(payload.slice(problem!.offset)).toMatch(/^\.all\(a|^s\.all\(a/);
  });

  it("keeps ordinary expressions valid", () => {
    for (const ok of [
      `pullRequest.title.contains('WIP') || finding.severity in ['high', 'critical']`,
      `event.labels.exists(l, l.name == 'security')`,
      `event.labels.map(l, l.name).filter(n, n.startsWith('team/')).size() > 0`,
      `pullRequest.body.split('\\n').exists(line, line.startsWith('Fixes #'))`,
      `steps.size() > 0 && cel.bind(x, [1, 2, 3], x.all(i, x.exists(j, i == j)))`,
    ]) {
      expect(checkExpression(ok), ok).toEqual([]);
    }
  });

  it("counts every step the evaluator takes (the instrumentation still sees cel-js's nodes)", () => {
    evaluateExpression("true", {});
    const trivial = lastEvaluationSteps();
    evaluateExpression("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(x, x > 0)", {});
    expect(lastEvaluationSteps()).toBeGreaterThan(trivial + 20);
  });

  it("does not let || or && absorb a budget error", () => {
    const limits = { ...EXPRESSION_BUDGET, maxSteps: 1_000 };
    expect(() => evaluateExpression("event.labels.exists(l, l == 'never') || true", context, limits)).toThrow(/over its budget/);
    expect(() => evaluateExpression("!(event.labels.all(l, l != 'never')) && false", context, limits)).toThrow(/over its budget/);
  });

  it("stops texts and lists that grow past their bounds, counting what an evaluation makes", () => {
    const doubling = `cel.bind(a, event.text, cel.bind(b, a + a, b + b)).size()`;
    expect(() => evaluateExpression(doubling, context)).toThrow(/a text of more than 1,000,000 characters/);
    const lists = `event.labels.map(l, l).size()`;
    expect(() => evaluateExpression(lists, context)).toThrow(/over its budget/);
  });

  it("leaves Object.prototype alone and evaluates ordinary expressions after a stopped one", () => {
    expect(() => evaluateExpression(refusedAtValidation[0]!, context)).toThrow(ExpressionError);
    expect(evaluateExpression("pullRequest.body.size() + 1", context)).toBe(1001);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
