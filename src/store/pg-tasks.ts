/**
 * Remediation tasks on PostgreSQL: the Store methods that PgStore hands on to this class
 * (createTask, getTask, findTask, updateTask, addRelatedFinding, listTasks), ported statement
 * for statement from SqliteTasks. Each write is one transaction under the store's write lock
 * (PgTransactions.write), so its checks and writes are as atomic as on SQLite; every task is
 * checked before it is written.
 */
import type { TaskFilter, TaskLookup, TaskUpdateResult } from "../domain/store-port.js";
import type { Clock } from "../domain/ports.js";
import { addRelatedFinding, applyTaskPatch, InvalidTaskError, type NewRemediationTask, type RelatedFinding, type RelatedFindingOutcome, type RemediationTask, type TaskPatch } from "../domain/task.js";
import { inByteOrder } from "./pg-catalogue.js";
import type { PgExec, PgTransactions } from "./pg-exec.js";
import { assertStorableFinding, assertStorableTask } from "./task-checks.js";
import * as tq from "./task-queries.js";
import { rowToTask, taskStateToRow, taskToRow } from "./task-rows.js";

export class PgTasks {
  readonly #tx: PgTransactions;

  /** The clock is the parts' common shape: SqliteTasks reads none, so neither does this class. */
  constructor(tx: PgTransactions, _clock: Clock) {
    this.#tx = tx;
  }

  async createTask(task: NewRemediationTask): Promise<{ task: RemediationTask; created: boolean }> {
    assertStorableTask(task);
    const row = taskToRow(task);
    const db = this.#tx.db;
    return this.#tx.write(async (exec) => {
      // The constraints decide (id, key, fingerprint, issue): a second creator inserts nothing.
      if ((await exec.run(tq.insertTask(db, row))) === 1) return { task: rowToTask(row), created: true };
      const stored = (task.fingerprint === undefined ? undefined : await this.#read(exec, { fingerprint: task.fingerprint })) ?? (await this.#read(exec, { key: task.key }));
      if (stored) return { task: stored, created: false };
      const holder = task.issueNumber === undefined ? undefined : await this.#read(exec, { repositoryKey: row.repository_key, issueNumber: task.issueNumber });
      if (holder) throw new InvalidTaskError([`issue ${task.repository}#${task.issueNumber} tracks task ${holder.id} already`], `task ${JSON.stringify(task.id)}`);
      throw new InvalidTaskError([`its id is taken by a task with another key and fingerprint`], `task ${JSON.stringify(task.id)}`);
    });
  }

  async getTask(id: string): Promise<RemediationTask | undefined> {
    return this.#read(this.#tx.exec, { id });
  }

  async findTask(by: TaskLookup): Promise<RemediationTask | undefined> {
    if (!("repository" in by)) return this.#read(this.#tx.exec, by);
    if (!Number.isSafeInteger(by.issueNumber)) return undefined;
    return this.#read(this.#tx.exec, { repositoryKey: by.repository.toLowerCase(), issueNumber: by.issueNumber });
  }

  async updateTask(id: string, version: number, patch: TaskPatch): Promise<TaskUpdateResult> {
    const db = this.#tx.db;
    return this.#tx.write(async (exec): Promise<TaskUpdateResult> => {
      const current = await this.#read(exec, { id });
      if (!current || current.version !== version) return { updated: false, task: current };
      const next = applyTaskPatch(current, patch);
      assertStorableTask(next);
      if (next.issueNumber !== undefined && next.issueNumber !== current.issueNumber) {
        const holder = await this.#read(exec, { repositoryKey: next.repository.toLowerCase(), issueNumber: next.issueNumber });
        if (holder) throw new InvalidTaskError([`issue ${next.repository}#${next.issueNumber} tracks task ${holder.id} already`], `update of task ${JSON.stringify(id)}`);
      }
      // Conditional on the version: under the write lock nobody moves it meanwhile; the condition keeps it so regardless.
      if ((await exec.run(tq.updateTask(db, id, version, taskStateToRow(next)))) === 0) return { updated: false, task: await this.#read(exec, { id }) };
      return { updated: true, task: (await this.#read(exec, { id }))! };
    });
  }

  async addRelatedFinding(id: string, finding: RelatedFinding): Promise<{ task: RemediationTask; outcome: RelatedFindingOutcome } | undefined> {
    assertStorableFinding(finding);
    const db = this.#tx.db;
    return this.#tx.write(async (exec) => {
      const current = await this.#read(exec, { id });
      if (!current) return undefined;
      // new Date(), not the clock: exactly what SqliteTasks stamps.
      const { relatedFindings, outcome } = addRelatedFinding(current, finding, new Date());
      if (outcome !== "added") return { task: current, outcome };
      await exec.run(tq.updateTask(db, id, current.version, taskStateToRow({ ...current, relatedFindings })));
      return { task: (await this.#read(exec, { id }))!, outcome };
    });
  }

  /**
   * Newest first as on SQLite: created_at (ISO-8601 UTC strings of one format sort alike under
   * any collation) then id in byte order (COLLATE "C"), so ties come back as SQLite gives them.
   */
  async listTasks(filter: TaskFilter = {}): Promise<RemediationTask[]> {
    const limit = filter.limit === undefined || !Number.isFinite(filter.limit) ? tq.TASK_LIST_DEFAULT_LIMIT : Math.min(tq.TASK_LIST_MAX_LIMIT, Math.max(1, Math.trunc(filter.limit)));
    const by = { ...(filter.repository === undefined ? {} : { repositoryKey: filter.repository.toLowerCase() }), ...(filter.status === undefined ? {} : { status: filter.status }) };
    const query = tq.selectTasks(this.#tx.db, by, limit).clearOrderBy().orderBy("created_at", "desc").orderBy(inByteOrder("id"), "desc");
    return (await this.#tx.exec.all(query)).map(rowToTask);
  }

  async #read(exec: PgExec, by: tq.TaskRowLookup): Promise<RemediationTask | undefined> {
    const row = await exec.first(tq.selectTask(this.#tx.db, by));
    return row && rowToTask(row);
  }
}
