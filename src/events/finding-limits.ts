/** Caps on text copied into a finding: display strings are cut, identities are refused when too long. */
export const FINDING_LIMITS = {
  maxDispatchFindings: 100,
  maxErrors: 100,
  title: 1000,
  rule: 256,
  tool: 100,
  path: 1024,
  package: 256,
  id: 256,
  ref: 256,
  url: 2048,
} as const;
