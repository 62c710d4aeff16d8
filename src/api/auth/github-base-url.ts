/**
 * Where the REST API asks GitHub about its callers: GitHub.com's API, or a GitHub Enterprise
 * Server's named by GHE_HOST (and GHE_PROTOCOL), the same variables and the same URL Probot
 * builds its Octokit from (src/github has no helper for it: Probot does it inside).
 */

/** `https://api.github.com`, or `${GHE_PROTOCOL ?? "https"}://${GHE_HOST}/api/v3`. */
export function githubApiBaseUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const host = env.GHE_HOST?.trim().replace(/\/+$/, "");
  if (!host) return "https://api.github.com";
  const protocol = env.GHE_PROTOCOL?.trim().replace(/:(\/\/)?$/, "") || "https";
  return `${protocol}://${host}/api/v3`;
}
