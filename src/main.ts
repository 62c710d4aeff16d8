// Process entry for `npm start`: check the environment (with .env), then let Probot serve the app.
import { setFlagsFromString } from "node:v8";
import { run } from "probot";
import { appLogger } from "./app-log.js";
import { AppOctokit } from "./github/app-octokit.js";
import governanceApp from "./index.js";
import { loadDotEnv, startupProblem } from "./startup.js";

/**
 * How far V8 lets a heap grow past what was live at its last full collection, in per cent,
 * for every thread of the process. By default V8 sizes that for the machine's memory and lets
 * garbage pile up to several times the live heap (measured here: 290 MB of RSS for about
 * 60 MB live across the two threads); 50 keeps it near 1.5 times, at a few per cent of runs/s,
 * with no cap on what may be live. V8 reads this at each collection, so setting it now is as
 * good as on the command line, where `node --heap-growing-percent=N dist/main.js` overrides it.
 */
const HEAP_GROWING_PERCENT = 50;
if (!process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);

const problem = startupProblem(loadDotEnv(process.cwd(), process.env));
if (problem) {
  // A setting to fix, not a crash: no stack, and the exit status of a usage error.
  process.stderr.write(`governance: cannot start: ${problem}\n`);
  process.exit(2);
}
// Probot's own logger, but one that never writes a request's credentials (an API token).
await run(governanceApp, { Octokit: AppOctokit, log: await appLogger(process.env) });
