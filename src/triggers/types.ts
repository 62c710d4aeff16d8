/**
 * What a trigger type is: everything the engine, the validator and the actions need to know
 * about one kind of trigger, in one object. The engine never switches on a trigger's type; it
 * asks the type's definition (see registry.ts for the built-in ones and how to add one).
 */
import type { EventOf, RepositoryInfo, TriggerEventKind } from "../domain/events.js";
import type { DocPath } from "../domain/paths.js";
import type { GitHubPort } from "../domain/ports.js";
import type { TriggerOf, TriggerType, Workflow } from "../domain/workflow.js";

/** A trigger's verdict on an event: it starts the workflow, or one sentence says why not. */
export type Decision = { ok: true } | { ok: false; reason: string };

/** A loaded workflow, as the engine's WorkflowSource lists them. */
export interface WorkflowEntry {
  path: string;
  id: string;
  workflow: Workflow;
}

/** What a trigger may ask of the world while it decides. */
export interface TriggerIO {
  /**
   * GitHub, for what the event does not say (a pull request's changed files, a commenter's
   * permission). Absent offline: a trigger that needs it then decides against, saying why.
   */
  github?: Pick<GitHubPort, "listPullRequestFiles" | "getPermission">;
  repository: RepositoryInfo;
  /** One answer per event, however many workflows ask (the changed files are one request). */
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/** Which workflow an event that names its workflow means, or why it starts none. */
export type Selection<E extends WorkflowEntry> =
  /** This workflow, by its trigger at `triggerIndex`. */
  | { entry: E; triggerIndex: number }
  /** Refused: the message is for the person who asked, `to` (answered on `discussion`, when there is one). */
  | { refused: string; to?: string }
  /** Nothing to start, and nobody to tell: logged. */
  | { skipped: string };

/** The pull request or issue an event is about: where comments go and votes come from. */
export interface Discussion {
  number: number;
  /** Its author, who may never approve its runs. */
  author?: string;
}

/** The default texts of the actions for runs of a trigger type. */
export interface TriggerTexts<K extends TriggerEventKind> {
  /** A createIssue step's title when it sets none; `workflow` is the workflow's name. */
  issueTitle(event: EventOf<K>, workflow: string): string;
  /** Markdown lines under the first line of a createIssue step's default body. */
  issueBody(event: EventOf<K>): string[];
  /** A notify step's message when it sets none. */
  message(event: EventOf<K>, workflow: string, repository: string): string;
}

/** The `config` of a trigger of type `T`. */
export type ConfigOf<T extends TriggerType> = TriggerOf<T> extends { config?: infer C } ? C : never;

/**
 * One trigger type. `type` is what workflows write; `event` is the kind of TriggerEvent that
 * starts it. An event either is judged by every workflow's triggers of this type (`match`), or
 * names its workflow itself (`select`: manual runs, schedule ticks).
 */
export interface TriggerDefinition<T extends TriggerType = TriggerType, K extends TriggerEventKind = TriggerEventKind> {
  type: T;
  event: K;
  /**
   * The JSON Schema of `config`, for a type registered beside the built-in ones (theirs are in
   * src/triggers/<type>.schema.json, assembled into schema/workflow.schema.json).
   */
  schema?: { description: string; config: Record<string, unknown>; configRequired?: boolean };
  /** Checks beyond the schema, when a workflow is validated; `path` is the trigger's config. */
  check?(config: ConfigOf<T>, path: DocPath, report: (path: DocPath, message: string) => void): void;
  /** Whether this trigger of a workflow starts on the event. */
  match?(config: ConfigOf<T> | undefined, event: EventOf<K>, io: TriggerIO): Decision | Promise<Decision>;
  /** The workflow the event names (instead of `match`). */
  select?<E extends WorkflowEntry>(event: EventOf<K>, workflows: readonly E[], io: TriggerIO): Promise<Selection<E>>;
  /**
   * The expression variables this type fills (`pullRequest`). Each exists in every run's context,
   * empty when another type started the run, so `has(pullRequest.number)` works everywhere.
   */
  variables: readonly string[];
  /** The values of `variables` for a run of this type; `config` is the workflow's first trigger of the type. */
  context(event: EventOf<K>, config: ConfigOf<T> | undefined): Record<string, unknown>;
  /**
   * Which run the event makes: events with the same key are one run (a tick, one alert's many
   * events). Without one, each delivery makes its own run.
   */
  dedupeKey?(event: EventOf<K>, ids: { workflowId: string; deliveryId: string }): string;
  /** The id the event's run must have, when whoever asked for it was told one already (a run started through the API). */
  runId?(event: EventOf<K>): string | undefined;
  /** The commit the run's check run goes on, when not the default branch's head. */
  commit?(event: EventOf<K>): string | undefined;
  /** What the event is about across events (a finding's fingerprint): one issue per subject per step. */
  subject?(event: EventOf<K>): string | undefined;
  /** The pull request or issue the event is about, if any. */
  discussion?(event: EventOf<K>): Discussion | undefined;
  /** Whether runs of this type can have a pull request or issue to comment on (validation warns when none can). */
  mayHaveDiscussion: boolean;
  /** The event, for the run's first log line. */
  describe(event: EventOf<K>): Record<string, unknown>;
  /** Its default texts; the actions' generic ones where absent. */
  texts?: Partial<TriggerTexts<K>>;
  /**
   * Webhooks that bring events of this type, for a type whose events no built-in handler makes:
   * `events` are webhook names (app.yml must subscribe to them), `toEvents` maps one payload
   * (already checked to have an installation and a repository) to trigger events.
   */
  webhooks?: { events: readonly string[]; toEvents(name: string, action: string | undefined, payload: Record<string, unknown>, now: Date): EventOf<K>[] };
}
