import { run } from "probot";
import { AppOctokit } from "./github/app-octokit.js";
import governanceApp from "./index.js";
import { loadDotEnv, startupProblem } from "./startup.js";

// Process entry for `npm start`: check the environment (with .env), then let Probot serve the app.
const problem = startupProblem(loadDotEnv(process.cwd(), process.env));
if (problem) {
  process.stderr.write(`governance: cannot start: ${problem}\n`);
  process.exit(1);
}
await run(governanceApp, { Octokit: AppOctokit });
