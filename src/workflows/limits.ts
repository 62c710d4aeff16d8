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
