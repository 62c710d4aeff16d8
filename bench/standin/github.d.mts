export interface StandIn {
  url: string;
  port: number;
  host: string;
  restUrl: string;
  readonly stats: { total: number; checkRuns: { created: number; completed: number }; [key: string]: unknown };
  state: { checkRuns: Map<number, { externalId: string; status: string; conclusion?: string }>; issues: Map<string, Array<{ body: string; title: string }>> };
  calls(): number;
  waitUntil(predicate: () => boolean, options?: { timeoutMs?: number; everyMs?: number; deadline?: number }): Promise<boolean>;
  close(): Promise<void>;
  reset(): void;
}
export function startGitHubStandIn(options?: Record<string, unknown>): Promise<StandIn>;
