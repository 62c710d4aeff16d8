import { run } from "probot";
import governanceApp from "./index.js";
import { startupProblem } from "./startup.js";

// Process entry for `npm start`: check the environment, then let Probot serve the app.
const problem = startupProblem(process.env);
if (problem) {
  process.stderr.write(`governance: cannot start: ${problem}\n`);
  process.exit(1);
}
await run(governanceApp);
