/**
 * Remediation tasks on SQLite: the Store methods that SqliteStore hands on to this class
 * (createTask, getTask, findTask, updateTask, addRelatedFinding, listTasks). Writes go through
 * the store's group commit, each one atomic; every task is checked before it is written.
 */
import type { Kysely } from "kysely";
import type { TaskFilter, TaskLookup, TaskUpdateResult } from "../domain/store-port.js";
import { addRelatedFinding, applyTaskPatch, InvalidTaskError, type NewRemediationTask, type RelatedFinding, type RelatedFindingOutcome, type RemediationTask, type TaskPatch } from "../domain/task.js";
import type { Tables } from "./schema.js";
import type { SqliteExec } from "./sqlite-exec.js";
import type { GroupCommit } from "./sqlite-group-commit.js";
import { assertStorableFinding, assertStorableTask } from "./task-checks.js";
import * as tq from "./task-queries.js";
import { rowToTask, taskStateToRow, taskToRow } from "./task-rows.js";

export class SqliteTasks {
  readonly #exec: SqliteExec;
  readonly #db: Kysely<Tables>;
  readonly #group: GroupCommit;

  constructor(exec: SqliteExec, db: Kysely<Tables>, group: GroupCommit) {
    this.#exec = exec;
    this.#db = db;
    this.#group = group;
  }

  async createTask(task: NewRemediationTask): Promise<{ task: RemediationTask; created: boolean }> {
    assertStorableTask(task);
    const row = taskToRow(task);
    return this.#group.add(() => {
      // The constraints decide (id, key, fingerprint, issue): a second creator inserts nothing.
      if (this.#exec.run(tq.insertTask(this.#db, row)) === 1) return { task: rowToTask(row), created: true };
      const stored = (task.fingerprint === undefined ? undefined : this.#read({ fingerprint: task.fingerprint })) ?? this.#read({ key: task.key });
      if (stored) return { task: stored, created: false };
      const holder = task.issueNumber === undefined ? undefined : this.#read({ repositoryKey: row.repository_key, issueNumber: task.issueNumber });
      if (holder) throw new InvalidTaskError([`issue ${task.repository}#${task.issueNumber} tracks task ${holder.id} already`], `task ${JSON.stringify(task.id)}`);
      throw new InvalidTaskError([`its id is taken by a task with another key and fingerprint`], `task ${JSON.stringify(task.id)}`);
    });
  }

  async getTask(id: string): Promise<RemediationTask | undefined> {
    return this.#read({ id });
  }

  async findTask(by: TaskLookup): Promise<RemediationTask | undefined> {
    if (!("repository" in by)) return this.#read(by);
    if (!Number.isSafeInteger(by.issueNumber)) return undefined;
    return this.#read({ repositoryKey: by.repository.toLowerCase(), issueNumber: by.issueNumber });
  }

  async updateTask(id: string, version: number, patch: TaskPatch): Promise<TaskUpdateResult> {
    return this.#group.add(() => {
      const current = this.#read({ id });
      if (!current || current.version !== version) return { updated: false, task: current };
      const next = applyTaskPatch(current, patch);
      assertStorableTask(next);
      if (next.issueNumber !== undefined && next.issueNumber !== current.issueNumber) {
        const holder = this.#read({ repositoryKey: next.repository.toLowerCase(), issueNumber: next.issueNumber });
        if (holder) throw new InvalidTaskError([`issue ${next.repository}#${next.issueNumber} tracks task ${holder.id} already`], `update of task ${JSON.stringify(id)}`);
      }
      // Conditional on the version: in SQLite nobody moves it meanwhile; the condition keeps it so elsewhere.
      if (this.#exec.run(tq.updateTask(this.#db, id, version, taskStateToRow(next))) === 0) return { updated: false, task: this.#read({ id }) };
      return { updated: true, task: this.#read({ id })! };
    });
  }

  async addRelatedFinding(id: string, finding: RelatedFinding): Promise<{ task: RemediationTask; outcome: RelatedFindingOutcome } | undefined> {
    assertStorableFinding(finding);
    return this.#group.add(() => {
      const current = this.#read({ id });
      if (!current) return undefined;
      const { relatedFindings, outcome } = addRelatedFinding(current, finding, new Date());
      if (outcome !== "added") return { task: current, outcome };
      this.#exec.run(tq.updateTask(this.#db, id, current.version, taskStateToRow({ ...current, relatedFindings })));
      return { task: this.#read({ id })!, outcome };
    });
  }

  async listTasks(filter: TaskFilter = {}): Promise<RemediationTask[]> {
    const limit = filter.limit === undefined || !Number.isFinite(filter.limit) ? tq.TASK_LIST_DEFAULT_LIMIT : Math.min(tq.TASK_LIST_MAX_LIMIT, Math.max(1, Math.trunc(filter.limit)));
    const by = { ...(filter.repository === undefined ? {} : { repositoryKey: filter.repository.toLowerCase() }), ...(filter.status === undefined ? {} : { status: filter.status }) };
    return this.#exec.all(tq.selectTasks(this.#db, by, limit)).map(rowToTask);
  }

  #read(by: tq.TaskRowLookup): RemediationTask | undefined {
    const row = this.#exec.first(tq.selectTask(this.#db, by));
    return row && rowToTask(row);
  }
}
