/** Workflow durations (`"1h30m"`, for timers, timeouts and backoff): parsing, formatting, and the longest allowed. */
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest duration a workflow may ask for (timers, timeouts, backoff). */
export const MAX_DURATION_MS = 366 * UNIT_MS.d!;

/** `"1h30m"` → 5400000. Returns undefined for text that is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!/^(?:\d+[smhdw])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) total += Number(n) * UNIT_MS[unit!]!;
  return total;
}

/** 5400000 → `"1h30m"`: the inverse of parseDuration, for logs and messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}
