/**
 * The REST API served by a real Probot server over an in-memory store, with GitHub behind nock:
 * operator tokens from a test configuration, GitHub user tokens answered by nock, the app's
 * credentials a test key (so the directory's JWT calls reach nock too).
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { pino, type Logger as PinoLogger } from "pino";
import { Probot, ProbotOctokit, Server } from "probot";
import { createAuthenticator } from "../../src/api/auth/authenticator.js";
import type { ApiTokenConfig } from "../../src/config/operator-config.js";
import type { AppDirectory } from "../../src/domain/app-directory.js";
import type { RepositoryInfo } from "../../src/domain/events.js";
import type { GovernanceFolder, Store } from "../../src/domain/ports.js";
import type { RepositoryWorkflow } from "../../src/domain/stored-workflow.js";
import { governanceApp } from "../../src/index.js";
import { createServices, type Services } from "../../src/services.js";
import { openStore } from "../../src/store/open-store.js";
import { loadWorkflow } from "../../src/workflows/index.js";
import { freePort } from "../helpers/app.js";
import { FakeGitHub } from "../helpers/fake-github.js";

export const GITHUB = "https://api.github.com";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

/** Operator tokens of the tests: `<name>-secret` is each one's token. */
export const TOKENS = {
  acmeAdmin: { name: "acme-admin", role: "admin", owners: ["acme"] },
  acmeRunner: { name: "acme-runner", role: "runner", owners: ["acme"] },
  acmeViewer: { name: "acme-viewer", role: "viewer", owners: ["acme"] },
  otherAdmin: { name: "other-admin", role: "admin", owners: ["other"] },
  everywhere: { name: "everywhere", role: "admin", owners: ["*"] },
} as const;

export const tokenOf = (t: { name: string }) => `${t.name}-secret`;
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

export interface ApiHarness {
  base: string;
  store: Store;
  services: Services;
  /** A request with a bearer token (or none), JSON unless told. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; text?: string; contentType?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));

/** A GitHub for the engine: FakeGitHub whose repositories have no `.governance/` folder (org-wide workflows still apply). */
export class FolderlessGitHub extends FakeGitHub {
  override async readGovernanceFolder(): Promise<GovernanceFolder> {
    return { commit: "c0ffee0000000000000000000000000000000000", files: [] };
  }
}

/** Repositories the fake directory knows, all on installation 42. */
export const REPOS: Record<string, RepositoryInfo> = {
  "acme/api": { id: 7, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" },
  "acme/web": { id: 8, owner: "acme", name: "web", fullName: "acme/web", defaultBranch: "main", url: "https://github.com/acme/web" },
  "other/app": { id: 9, owner: "other", name: "app", fullName: "other/app", defaultBranch: "main", url: "https://github.com/other/app" },
};

export const fakeDirectory: AppDirectory = {
  async ownerInstallation(owner) {
    return owner.toLowerCase() === "acme" ? 42 : owner.toLowerCase() === "other" ? 43 : undefined;
  },
  async repository(fullName) {
    const repository = REPOS[fullName.toLowerCase()];
    return repository && { installationId: repository.owner === "acme" ? 42 : 43, repository };
  },
};

export interface StartApiOptions {
  github?: FakeGitHub;
  directory?: AppDirectory;
  /** The logger of the server, Probot and the app (default: silent, or TEST_LOG's level). */
  log?: PinoLogger;
  /** Wraps the store the app runs on (the harness's `store` is the wrapped one). */
  wrapStore?: (store: Store) => Store;
}

export async function startApi(options: StartApiOptions = {}): Promise<ApiHarness> {
  const log = options.log ?? pino({ level: process.env.TEST_LOG ?? "silent" });
  const opened = await openStore("sqlite::memory:");
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const tokens: ApiTokenConfig[] = Object.values(TOKENS).map((t) => ({ name: t.name, role: t.role, owners: [...t.owners], sha256: sha(tokenOf(t)) }));
  const Configured = Probot.defaults({ appId: 1, privateKey, secret: "s", log, Octokit: TestOctokit });
  const server = new Server({ Probot: Configured, host: "127.0.0.1", port: await freePort(), log });
  let services!: Services;
  await server.load((app, loadOptions) => {
    const github = options.github;
    services = createServices(app, { store, log, ...(github ? { githubFor: async () => github } : {}) });
    return governanceApp(services, { startWorker: false, api: { authenticator: createAuthenticator({ tokens, github: { baseUrl: GITHUB } }), ...(options.directory ? { directory: options.directory } : {}) } })(app, loadOptions);
  });
  const http = await server.start();
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  return {
    base,
    store,
    services,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.text !== undefined) body = options.text;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
      const res = await fetch(`${base}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: the text itself
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await server.stop();
      await services.worker.stop();
      await opened.close();
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}

/** An org-wide workflow document with a manual trigger (YAML). */
export function orgWorkflowYaml(options: { owner?: string; name?: string; version?: string; repositories?: string[]; id?: string } = {}): string {
  return [
    "# an org-wide policy",
    ...(options.id ? [`id: ${options.id}`] : []),
    `name: ${options.name ?? "Security triage"}`,
    `version: ${options.version ?? "1.0.0"}`,
    `owner: ${options.owner ?? "acme"}`,
    `repositories: ${JSON.stringify(options.repositories ?? ["*"])}`,
    "triggers:",
    "  - type: manual",
    "    config:",
    "      inputs:",
    "        reason: { type: string, required: true }",
    "steps:",
    "  - id: open",
    "    type: action",
    "    action:",
    "      kind: createIssue",
    "      parameters:",
    '        title: "Triage: ${{ inputs.reason }}"',
    "",
  ].join("\n");
}

/** An org-wide workflow document (YAML) whose runs wait at step `sign-off` for one of `approvers`, then open an issue. */
export function approvalWorkflowYaml(options: { owner?: string; name?: string; approvers?: string[]; repositories?: string[] } = {}): string {
  return [
    `name: ${options.name ?? "Release sign-off"}`,
    "version: 1.0.0",
    `owner: ${options.owner ?? "acme"}`,
    `repositories: ${JSON.stringify(options.repositories ?? ["*"])}`,
    "triggers:",
    "  - type: manual",
    "steps:",
    "  - id: sign-off",
    "    type: approval",
    `    approval: { approvers: ${JSON.stringify(options.approvers ?? ["alice"])} }`,
    "  - id: ship",
    "    type: action",
    "    action:",
    "      kind: createIssue",
    "      parameters:",
    '        title: "Shipped"',
    "",
  ].join("\n");
}

/** Records a repository workflow in the catalogue, as a read of the repository's default branch does (manual trigger, one issue). */
export async function seedRepositoryWorkflow(store: Store, options: { repository?: string; id?: string; name?: string; installationId?: number } = {}): Promise<RepositoryWorkflow> {
  const repository = options.repository ?? "acme/api";
  const name = options.name ?? "Repository triage";
  const text = [`name: ${name}`, "version: 2.0.0", "triggers:", "  - type: manual", "steps:", "  - id: open", "    type: action", "    action: { kind: createIssue, parameters: { title: x } }", ""].join("\n");
  const loaded = loadWorkflow("triage.yml", text);
  if (!loaded.workflow) throw new Error(loaded.diagnostics.map((d) => d.message).join("; "));
  const entry: RepositoryWorkflow = {
    id: options.id ?? `${repository.replace("/", "-")}-triage`,
    repository,
    installationId: options.installationId ?? (repository.startsWith("acme/") ? 42 : 43),
    path: ".governance/triage.yml",
    commit: "d".repeat(40),
    name,
    version: "2.0.0",
    definition: loaded.workflow,
    seenAt: "2026-01-01T00:00:00.000Z",
  };
  await store.replaceRepositoryWorkflows(repository, entry.installationId, [entry]);
  return entry;
}

/** Creates an org-wide workflow through the API (with an admin operator token of its owner); its id. */
export async function createOrgWorkflow(api: ApiHarness, yaml: string, token = tokenOf(TOKENS.acmeAdmin)): Promise<string> {
  const created = await api.call("POST", "/api/workflows", { token, text: yaml, contentType: "application/yaml" });
  if (created.status !== 201) throw new Error(`creating the workflow answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

/** Starts a run through the API and lets the engine take it as far as it goes (a wait, or its end); the run's id. */
export async function startRunAndDrain(api: ApiHarness, workflowId: string, body: unknown = { repository: "acme/api" }, token = tokenOf(TOKENS.acmeRunner)): Promise<string> {
  const started = await api.call("POST", `/api/workflows/${encodeURIComponent(workflowId)}/run`, { token, body });
  if (started.status !== 202) throw new Error(`starting the run answered ${started.status}: ${JSON.stringify(started.body)}`);
  await api.services.worker.drain();
  return started.body.runId as string;
}
