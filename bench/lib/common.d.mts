import type { StandIn } from "../standin/github.mjs";
import type { ProbotChild, WorkerChild } from "./processes.mjs";
/** Installation ids first, first + 1, …: `count` of them. */
export function ids(first: number, count: number): number[];
/** Starts the app (`node dist/main.js`) against the stand-in. */
export function startApp(options: { standIn: StandIn; workDir: string; name?: string; pacing?: boolean; github?: Record<string, number>; env?: Record<string, string> }): Promise<ProbotChild>;
/** Starts `governance worker` with the app's operator configuration against the stand-in, on the app's database. */
export function startWorker(options: { standIn: StandIn; workDir: string; name?: string; pacing?: boolean; github?: Record<string, number>; env?: Record<string, string> }): Promise<WorkerChild>;
