/**
 * The app's own view of where it is installed, asked with the app's credentials (not an
 * installation's): which installation serves an account or a repository. The REST API needs it
 * to start a run in a repository it was only named.
 */
import type { RepositoryInfo } from "./events.js";

export interface AppDirectory {
  /** The app's installation on an account (an organisation or a user), or undefined when it is not installed there. */
  ownerInstallation(owner: string): Promise<number | undefined>;
  /** A repository the app is installed on, as GitHub describes it now; undefined when there is no such repository or the app is not installed on it. */
  repository(fullName: string): Promise<{ installationId: number; repository: RepositoryInfo } | undefined>;
}
