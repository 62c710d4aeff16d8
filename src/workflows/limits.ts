/** Bounds on workflow files: hostile or runaway input is rejected before it costs much. */
export const LIMITS = {
  /** Largest workflow file, in bytes. */
  maxFileBytes: 256 * 1024,
  /** Deepest nesting of mappings and sequences. */
  maxDepth: 32,
  /** Most YAML alias nodes in one file. */
  maxAliases: 100,
  /** Longest CEL expression, in characters. */
  maxExpressionLength: 2000,
  /** Most `${{ }}` expressions in one string. */
  maxTemplateExpressions: 50,
} as const;

/**
 * The cost bounds of expressions. Validation rejects an expression whose estimated worst case
 * (expression-cost.ts) passes `maxSteps`; evaluation stops one that really does, or that
 * builds more than `maxAllocation` characters and list elements, or runs past `maxMillis`.
 */
export const EXPRESSION_BUDGET = {
  /** Most evaluation steps (AST node evaluations) for one expression. */
  maxSteps: 1_000_000,
  /** Size assumed, at validation, for a list, map or text read from the event. */
  assumedContextSize: 1_000,
  /** Most characters plus list elements that one expression may create. */
  maxAllocation: 4_000_000,
  /** Longest text one expression may create, in characters. */
  maxTextLength: 1_000_000,
  /** Longest list one expression may create. */
  maxListLength: 100_000,
  /** Wall-clock bound for one evaluation, checked between steps. */
  maxMillis: 250,
} as const;
