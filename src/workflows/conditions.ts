/**
 * A decision's `if:` holds a bare CEL expression. Writing it as `${{ expr }}` (the habit from
 * GitHub Actions) is accepted too: the wrapper is removed, and `offset` says where the
 * expression starts inside the original text.
 */
export function conditionSource(text: string): { expression: string; offset: number } {
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  if (!m || m[1]!.includes("${{")) return { expression: text, offset: 0 };
  return { expression: m[1]!, offset: text.indexOf("${{") + 3 };
}
