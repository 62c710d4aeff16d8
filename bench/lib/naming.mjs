// Names shared by the stand-in for GitHub and the drivers, so that both sides agree on which
// repositories an installation has without telling each other.
//
// Installation N owns the organisation `org-N`; its k-th repository is `org-N/repo-k`, whose
// numeric id is N * 1000 + k. Every repository's default branch is `main`.

export const DEFAULT_BRANCH = "main";

/** The k-th repository of installation `installationId`. */
export function repoFor(installationId, k = 0) {
  const owner = `org-${installationId}`;
  const name = `repo-${k}`;
  return { id: installationId * 1000 + k, owner, name, fullName: `${owner}/${name}`, defaultBranch: DEFAULT_BRANCH };
}

/** The installation id a repository of `repoFor` belongs to (from its owner), or undefined. */
export function installationOfOwner(owner) {
  const m = /^org-(\d+)$/.exec(owner);
  return m ? Number(m[1]) : undefined;
}
