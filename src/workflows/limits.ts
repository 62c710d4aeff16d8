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
  /**
   * Most YAML tokens (keys, values, punctuation, indentation, line breaks, comments) in one
   * file, counted by the parser's own lexer as it goes, before anything is built for them.
   * Parsing costs 2-3 µs a token, so this keeps any file near 100 ms; a 200-step workflow of
   * the usual shape has about 14,000 (JSON files are counted the same way).
   */
  maxTokens: 30_000,
  /**
   * Most `[`/`{` open at once, and most `-`/`?`/`:` indicators on one line, seen by the
   * parser's lexer. The parser recurses per level: deeper text is refused before it is built.
   * (Nesting past `maxDepth` is then refused with its path, after parsing.)
   */
  maxParserNesting: 128,
  /** Deepest indentation, in spaces, before the parser sees the text. */
  maxIndent: 256,
  /** Longest list checked entry by entry: a longer one is reported as too long (the schema's largest is 200). */
  maxListItems: 200,
  /** Most `${{ }}` and `if:` expressions checked in one file. */
  maxExpressionsPerFile: 2_000,
  /** Most characters of expression text checked in one file. */
  maxExpressionTextPerFile: 50_000,
  /** Most problems reported for one file; one more diagnostic then says how many were left out. */
  maxErrorsPerFile: 100,
  /** Most "did you mean" suggestions computed for one file (each compares against every candidate). */
  maxSuggestionsPerFile: 20,
  /**
   * Most annotations posted on one `governance / validate` check run. GitHub takes 50 per
   * request, so this is one create and two updates; the summary says when more problems exist.
   */
  maxAnnotations: 150,
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
