/**
 * The AppDirectory (domain/app-directory.ts) over Octokit: the app's JWT finds the installation
 * of an account or a repository, and that installation reads the repository. A 404 means "not
 * installed there" (or no such thing); any other failure is thrown for the caller to answer.
 */
import type { AppDirectory } from "../domain/app-directory.js";

/** What the directory needs of Probot: its app client and its installation clients. */
export interface AppClients {
  /** An Octokit authenticated as the app (a JWT), or as an installation when an id is given. */
  auth(installationId?: number): Promise<{ request(route: string, parameters?: Record<string, unknown>): Promise<{ data: unknown }> }>;
}

export function appDirectory(clients: AppClients): AppDirectory {
  const installationOf = async (route: string, parameters: Record<string, unknown>): Promise<number | undefined> => {
    const app = await clients.auth();
    try {
      const { data } = await app.request(route, parameters);
      const id = (data as { id?: unknown }).id;
      return typeof id === "number" ? id : undefined;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  };
  return {
    async ownerInstallation(owner) {
      // An organisation's installation, else a user's: GitHub answers 404 for the other kind.
      return (await installationOf("GET /orgs/{org}/installation", { org: owner })) ?? (await installationOf("GET /users/{username}/installation", { username: owner }));
    },
    async repository(fullName) {
      const [owner, repo] = fullName.split("/");
      if (!owner || !repo) return undefined;
      const installationId = await installationOf("GET /repos/{owner}/{repo}/installation", { owner, repo });
      if (installationId === undefined) return undefined;
      const client = await clients.auth(installationId);
      try {
        const { data } = await client.request("GET /repos/{owner}/{repo}", { owner, repo });
        const r = data as { id: number; name: string; full_name: string; default_branch: string; html_url: string; owner: { login: string } };
        return { installationId, repository: { id: r.id, owner: r.owner.login, name: r.name, fullName: r.full_name, defaultBranch: r.default_branch, url: r.html_url } };
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },
  };
}
