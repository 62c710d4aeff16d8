import type { ChildProcess } from "node:child_process";
export const WEBHOOK_SECRET: string;
export const APP_ID: string;
export interface ProbotChild {
  child: ChildProcess;
  pid: number | undefined;
  port: number;
  url: string;
  webhookUrl: string;
  logPath: string;
  alive(): boolean;
  rss(): number | undefined;
  stop(graceMs?: number): Promise<void>;
}
export function installExitHooks(onSignal?: (signal: string) => void): void;
export interface WorkerChild {
  child: ChildProcess;
  pid: number | undefined;
  logPath: string;
  alive(): boolean;
  stop(graceMs?: number): Promise<void>;
}
