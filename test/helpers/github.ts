import { createHash } from "node:crypto";
import nock from "nock";

/** A `.governance/` file served by the fake GitHub. */
export interface FakeFile {
  name: string;
  text: string;
}

export function blobOid(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

interface GraphQLBody {
  query: string;
  variables: Record<string, string>;
}

/**
 * Answers the app's GraphQL reads of `.governance/`: the folder listing at a ref (per
 * `folders[ref]`; with the files' texts when the query asks for them), tree ids, and blob
 * texts by id. Every answered query is counted ("list+texts <ref>", "list <ref>", "blob <id>", "tree <ref>").
 */
export function fakeGraphQL(
  base: string,
  folders: Record<string, { commit: string; files: FakeFile[] } | undefined>,
  path = "/graphql",
): { scope: nock.Scope; queries: string[] } {
  const queries: string[] = [];
  const blobs = new Map<string, string>();
  for (const folder of Object.values(folders)) for (const f of folder?.files ?? []) blobs.set(blobOid(f.text), f.text);
  const treeOid = (files: FakeFile[]) => createHash("sha1").update(files.map((f) => f.name + blobOid(f.text)).join()).digest("hex");
  const scope = nock(base)
    .persist()
    .post(path)
    .reply(200, (_uri, body) => {
      const { query, variables } = body as GraphQLBody;
      if (query.includes("entries")) {
        // The listing with the files' texts (one query for a whole folder), or without.
        const withTexts = /\btext\b/.test(query);
        queries.push(`${withTexts ? "list+texts" : "list"} ${variables.commit}`);
        const folder = folders[variables.commit!];
        if (!folder) return { data: { repository: { commit: null, tree: null } } };
        const tree = folder.files.length
          ? {
              oid: treeOid(folder.files),
              entries: folder.files.map((f) => ({
                name: f.name,
                path: `.governance/${f.name}`,
                type: "blob",
                oid: blobOid(f.text),
                object: { byteSize: Buffer.byteLength(f.text), isBinary: false, ...(withTexts ? { text: f.text, isTruncated: false } : {}) },
              })),
            }
          : null;
        return { data: { repository: { commit: { oid: folder.commit }, tree } } };
      }
      if (query.includes("GitObjectID")) {
        const answer: Record<string, unknown> = {};
        for (const [k, oid] of Object.entries(variables)) {
          if (!/^o\d+$/.test(k)) continue;
          queries.push(`blob ${oid.slice(0, 7)}`);
          answer[`b${k.slice(1)}`] = blobs.has(oid) ? { text: blobs.get(oid), isTruncated: false } : null;
        }
        return { data: { repository: answer } };
      }
      // The tree id of .governance at a ref.
      const ref = variables.tree!.replace(/:\.governance$/, "");
      queries.push(`tree ${ref}`);
      const folder = Object.entries(folders).find(([r, f]) => r === ref || f?.commit === ref)?.[1];
      return { data: { repository: { tree: folder?.files.length ? { oid: treeOid(folder.files) } : null } } };
    });
  return { scope, queries };
}
