/** The dependencies of delivery intake, apart so that intake.ts and requested-runs.ts can both import them without a cycle. */
import type { Delivery } from "../domain/events.js";
import type { Clock, GitHubPort, Logger, Store } from "../domain/ports.js";
import type { WorkflowFile } from "../workflows/index.js";
import type { WorkflowSource } from "./workflow-source.js";

/** What intake needs: a file of its own so that intake and the requested runs it calls both import it, not each other. */
export interface IntakeDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  source: WorkflowSource;
  /** Posts the `governance / validate` check run for a pull request's own `.governance/` files. */
  reportValidation(github: GitHubPort, delivery: Delivery, headSha: string, files: WorkflowFile[]): Promise<void>;
}
